/// The baseline catalog as a paper: its plain references agree with the catalog's own numbers, the diagnostic mutants of
/// the NBS18 perturbation lemma are rejected on the extremal synthetic model, and on a trained net every checkable
/// statement is checked (no violation except the declared findings) and replays identically from its seed.
module GenBounds.Tests.BaselineTests

open System
open Xunit
open GenBounds.Symbolic
open GenBounds.TestKit
open GenBounds.Verification
open GenBounds.Verification.Baseline

[<Fact>]
let ``the plain 200-step bisection reproduces the catalog's kl-inverse test vectors to 1e-9`` () =
    for q, c, up, down in KlInverse.testVectors do
        Assert.InRange(Shared.refUpper q c, up - 1e-9, up + 1e-9)
        Assert.InRange(Shared.refLower q c, down - 1e-9, down + 1e-9)

[<Fact>]
let ``Newton from the Pinsker start never goes below the root and PBB's inverse sometimes does`` () =
    let mutable undershoots = 0
    let rng = GenBounds.Random.Rng(17UL)
    for _ in 1 .. 500 do
        let q, c = rng.NextDouble(), Math.Pow(10.0, -4.0 + 4.0 * rng.NextDouble())
        let root = fst (Shared.upperBracket q c)
        for p in KlInverse.newtonIterates q c 5 do Assert.True(p >= root - 1e-12, sprintf "q = %g, c = %g: iterate %g below %g" q c p root)
        if KlInverse.pbbInverse q c < root - 1e-9 then undershoots <- undershoots + 1
    Assert.InRange(undershoots, 50, 450)

let private paper = Papers.baseline
let private checkable = [ for l in paper.Lemmas do if l.Experiment.IsSome then yield l ]

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``the NBS18 Lemma 2 diagnostic mutants are false on the extremal synthetic model`` () =
    let lab = Labs.small.Force()
    for id in [ "BASE-NBS18-L2~mutant-no-e"; "BASE-NBS18-L2~mutant-no-hypothesis" ] do
        Verdicts.assertMutantRejected (Verdicts.check lab (Verdicts.statement id) CheckMode.Synthetic)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``on a trained net every checkable baseline statement is checked, none is violated except its declared findings, and a replay is identical`` () =
    let lab = Labs.small.Force()
    let replay = { lab with Cache = RunCache() }
    for l in checkable do
        let r = Verdicts.check lab l.Statement CheckMode.RealNetwork
        Assert.True(r.Seed <> 0UL && r.Trials > 0, l.Statement.Id + ": not checked")
        match l.Statement.KnownFalse, r.Verdict with
        | None, Verdict.Violated w -> failwithf "%s violated on the trained net: %s" l.Statement.Id w.Description
        | _, Verdict.NotCheckable why -> failwithf "%s not checked: %s" l.Statement.Id why
        | _ -> ()
        Assert.True(Verdicts.sameResult r (Verdicts.check replay l.Statement CheckMode.RealNetwork), l.Statement.Id + ": replay differs")

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``the baseline catalog is registered with every non-checkable entry saying why`` () =
    Assert.Contains(Papers.all, fun p -> p.Id = "baseline")
    for l in paper.Lemmas do
        match l.Statement.Checkability, l.Experiment with
        | Checkability.NotYetCheckable why, None -> Assert.False(String.IsNullOrWhiteSpace why)
        | Checkability.Checkable, Some _ -> ()
        | _ -> failwithf "%s: checkability and experiment disagree" l.Statement.Id
