/// FsCheck properties of the Guha catalog over real trained networks (GenBounds.TestKit): generated cases are few
/// (networks are cached on disk by content hash, so only the first run on a machine trains them).
module GenBounds.Tests.GuhaPropertyTests

open Xunit
open FsCheck
open FsCheck.FSharp
open GenBounds.Symbolic
open GenBounds.TestKit
open GenBounds.Verification

/// Few cases: each one checks the whole catalog on a network.
let private config = Config.QuickThrowOnFailure.WithMaxTest(2)

let private guha = Papers.guha2023.Lemmas |> List.filter (fun l -> l.Experiment.IsSome)

/// A case: a cached small MLP and a master seed.
let private case = Gen.zip (Generators.netSpec [ 1UL; 2UL ]) (Gen.choose (1, 1000) |> Gen.map uint64)

let private labOf (spec, seed) = Verdicts.lab (Nets.load spec) 300 1000 seed 200

let private real (lab: Lab) (statements: Statement list) = [ for s in statements -> s, Verdicts.check lab s CheckMode.RealNetwork ]

[<Fact>]
let ``on trained MLPs every Guha claim is decided and none is violated beyond its stated failure probability`` () =
    let prop =
        Prop.forAll (Arb.fromGen case) (fun c ->
            let lab = labOf c
            // Assumptions (A3.1: Gaussianity; CC.1) are expected to fail on trained weights; claims resting on them report
            // "hypothesis not met", never "violated". A claim drifting to "inconclusive" fails too: it would silently
            // remove its mutants from the next property.
            // Declared findings (Statement.knownFalse: the paper's count or decoder refuted on purpose) are violated by design.
            let claims = guha |> List.map (fun l -> l.Statement) |> List.filter (fun s -> s.Role <> Role.Assumption && s.KnownFalse.IsNone)
            for s, r in real lab claims do
                Verdicts.assertNotViolated r
                match r.Verdict with
                | Verdict.Inconclusive why when s.InconclusiveWhen.IsNone -> failwithf "%s undecided on a trained net: %s" s.Id why
                | _ -> ())
    Check.One(config, prop)

[<Fact>]
let ``on trained MLPs every false-on-purpose mutant of a lemma that holds there is rejected`` () =
    let prop =
        Prop.forAll (Arb.fromGen case) (fun c ->
            let lab = labOf c
            let held = real lab (guha |> List.map (fun l -> l.Statement)) |> List.filter (fun (_, r) -> r.Verdict = Verdict.Held) |> List.map (fun (s, _) -> s.Id) |> set
            let mutants =
                guha
                |> List.collect (fun l -> l.Mutants)
                |> List.filter (fun m -> held.Contains m.Mutation.Value.OriginalId && m.Mutation.Value.Kind = MutantKind.FalseOnPurpose)
            for _, r in real lab mutants do Verdicts.assertMutantRejected r
            // the property must exercise something: lemmas hold on these nets, so some mutants are checked
            mutants.Length >= 5)
    Check.One(config, prop)

[<Fact>]
let ``a replay of a check from its master seed with a fresh run cache reproduces the same CheckResult exactly`` () =
    let cheap = [ "GUHA-LD.3"; "GUHA-L5.1"; "GUHA-L4.2"; "GUHA-LB.2"; "GUHA-L4.3" ] |> List.map Verdicts.statement
    let prop =
        Prop.forAll (Arb.fromGen (Gen.zip case (Gen.elements cheap))) (fun (c, s) ->
            let lab = labOf c
            let first = [ for m in Paper.modes -> Verdicts.check lab s m ]
            // a fresh copy of the network and a fresh lab: nothing is shared with the first run but the seed
            let again = { labOf c with Network = lab.Network.Clone() }
            let second = [ for m in Paper.modes -> Verdicts.check again s m ]
            List.forall2 Verdicts.sameResult first second |> Prop.label (sprintf "%s differs on replay" s.Id))
    Check.One(config, prop)

[<Fact>]
let ``the typical-value mutants of LB.2, L4.3 and L4.4b are rejected on trained MLPs in both modes while the originals are not violated`` () =
    let mutants = [ "GUHA-LB.2~mutant-median"; "GUHA-L4.3~mutant-lower-decile"; "GUHA-L4.4b~mutant-lower-decile" ] |> List.map Verdicts.statement
    let prop =
        Prop.forAll (Arb.fromGen case) (fun c ->
            let lab = labOf c
            for m in mutants do
                let original = Verdicts.statement m.Mutation.Value.OriginalId
                for mode in Paper.modes do
                    Verdicts.assertNotViolated (Verdicts.check lab original mode)
                    Verdicts.assertMutantRejected (Verdicts.check lab m mode))
    Check.One(config, prop)
