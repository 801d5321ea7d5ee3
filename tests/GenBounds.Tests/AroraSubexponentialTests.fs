/// Arora et al. (2018) App. C.3 on p-wise independent sums: Lemma 15 (our reading σ² = Σσ_ℓ²) holds in both forms on
/// centred exponentials and on the trained CNN's Algorithm-4 summands, and its mutants are rejected; the summary's literal
/// reading (the summands' own σ) fails on long sums with a witness; Definition 11's exact moments match plain quadrature.
module GenBounds.Tests.AroraSubexponentialTests

open System
open Xunit
open GenBounds.Symbolic
open GenBounds.TestKit
open GenBounds.Verification
open GenBounds.Verification.Arora2018.Subexponential

let private ids = [ "ARORA-C.D11"; "ARORA-C.L15"; "ARORA-C.L15-moment"; "ARORA-C.L15-summand" ]

let private results =
    lazy
        (let lab = Labs.small.Force()
         [ for id in ids do
             let _, lemma = Verdicts.lemmaOf (Verdicts.statement id)
             for s in Lemma.statements lemma do
                 for mode in Paper.modes -> s, mode, Verdicts.check lab s mode ])

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``Lemma 15's tail and moment hold on exponential and CNN sums and their mutants are rejected`` () =
    for s, _, r in results.Force() do
        match Statement.originalId s, s.Mutation with
        | ("ARORA-C.L15" | "ARORA-C.L15-moment"), None -> Verdicts.assertHeld r
        | _, Some m when m.Kind = MutantKind.FalseOnPurpose -> Verdicts.assertMutantRejected r
        | _ -> ()

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``read with the summands' own sigma Lemma 15 fails on 4096 exponentials at p = 4 and holds on the CNN's few locations`` () =
    for s, mode, r in results.Force() do
        if s.Id = "ARORA-C.L15-summand" then
            match mode, r.Verdict with
            | CheckMode.Synthetic, Verdict.Violated _ ->
                let failing = r.Settings |> List.filter (fun row -> match row.Verdict with Verdict.Violated _ -> true | _ -> false) |> List.map (fun row -> row.Label)
                // p = 4: the sum spreads like sqrt(n); with p = 2 the values of a degree-1 polynomial are an arithmetic
                // progression mod P, whose sums are usually tiny (the variance comes from rare large draws), so the
                // literal reading survives there at these n.
                Assert.Contains("n = 4096 centred exponentials, p = 4", failing)
                Assert.DoesNotContain("n = 8 centred exponentials, p = 4", failing)
            | CheckMode.Synthetic, v -> failwithf "synthetic: expected violated, got %s" v.Label
            | CheckMode.RealNetwork, _ -> Verdicts.assertHeld r

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``Definition 11 is measured on both laws and its mutant is rejected`` () =
    for s, mode, r in results.Force() do
        if Statement.originalId s = "ARORA-C.D11" then
            match s.Mutation, r.Verdict with
            | None, Verdict.Measured _ -> Assert.True(r.Trials > 0 && r.Trials % orders = 0, sprintf "%s: %d instances, not a multiple of %d orders" s.Id r.Trials orders)
            | None, v -> failwithf "%s [%s]: expected a measured definition, got %s" s.Id mode.Label v.Label
            | Some _, _ -> Verdicts.assertMutantRejected r

/// E|X − EX|^k by the trapezoid rule on a fine grid of the density (plain reference).
let private quadrature (density: float -> float) (lo: float) (hi: float) (centre: float) (k: int) =
    let steps = 400000
    let h = (hi - lo) / float steps
    let f x = abs (x - centre) ** float k * density x
    let mutable acc = 0.5 * (f lo + f hi)
    for i in 1 .. steps - 1 do acc <- acc + f (lo + float i * h)
    acc * h

[<Fact>]
let ``the exact absolute central moments of both laws equal plain quadrature`` () =
    for k in 1 .. 8 do
        let gauss = quadrature (fun x -> exp (-x * x / 8.0) / sqrt (8.0 * Math.PI)) -40.0 40.0 0.0 k
        let expo = quadrature (fun x -> exp -x) 0.0 80.0 1.0 k
        let close what (exact: float) (reference: float) = Assert.True(abs (exact - reference) <= 1e-6 * reference, sprintf "%s k = %d: %.12g vs %.12g" what k exact reference)
        close "N(0, 4)" (exp ((Gaussian 2.0).LogMoment k)) gauss
        close "Exp(1) - 1" (exp (CentredExponential.LogMoment k)) expo
    // Both ratios peak at k = 1: sqrt(2/pi) s and 2/e.
    let gs, gat = (Gaussian 2.0).Sigma
    Assert.Equal(1, gat)
    Assert.True(abs (gs - 2.0 * sqrt (2.0 / Math.PI)) < 1e-12)
    let sigma, at = CentredExponential.Sigma
    Assert.Equal(1, at)
    Assert.True(abs (sigma - 2.0 / Math.E) < 1e-12)
