module GenBounds.Tests.AroraNoiseStabilityTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Proofs
open GenBounds.Data
open GenBounds.Networks
open GenBounds.LinearAlgebra
open GenBounds.Random
open GenBounds.Training
open GenBounds.Verification

let private la = LinearAlgebraProviders.Default

/// A bias-free 784-32-16-10 net trained for one epoch on 3000 MNIST images, checked on 300 training points.
let private context =
    lazy
        (let root = GenBounds.Runtime.CodeRevision.RepositoryRoot() |> Option.ofObj |> Option.defaultWith (fun () -> failwith "repository root not found")
         let struct (train, test) = Mnist.Load(Mnist.DefaultFolder root)
         let net = Trainer.Initialize(MlpArchitecture.Parse("784-32-16-10", bias = false), 7UL)
         let trainer = Trainer(net, TrainingOptions(Epochs = 1, BatchSize = 64, Seed = 7UL), la)
         trainer.TrainEpoch(DatasetOps.Take(train, 3000)) |> ignore
         { Network = net; ModelPath = "in-test"; ModelSeed = None; Train = DatasetOps.Take(train, 300); Test = DatasetOps.Take(test, 1000)
           LinearAlgebra = la; Trials = 120; Seeds = SeedStreams(3UL); Lemmas = Set.empty })

let private results = lazy (AroraNoiseStability.checkSelected (context.Force()) (fun _ _ _ -> ()))

let private resultOf id mode =
    results.Force() |> List.find (fun r -> r.StatementId = id && r.Mode = mode)

let private modes = [ CheckMode.Synthetic; CheckMode.RealNetwork ]

[<Fact>]
let ``catalog ids are unique, every checkable entry has a mutant and every entry renders`` () =
    let ids = Arora2018NoiseStability.statements |> List.map (fun s -> s.Id)
    Assert.Equal(ids.Length, (List.distinct ids).Length)
    Assert.Empty(Set.intersect (set ids) (Guha2023.statements |> List.map (fun s -> s.Id) |> set))
    for id in [ "ARORA-D3"; "ARORA-D4"; "ARORA-D5"; "ARORA-D6"; "ARORA-D7"; "ARORA-REM1"; "ARORA-L3"; "ARORA-L10"; "ARORA-T4.1"; "ARORA-R4.1"; "ARORA-T5.1"; "ARORA-D8"; "ARORA-D9" ] do
        Assert.Contains(id, ids)
    let mutated = Arora2018NoiseStability.mutants |> List.map (fun m -> m.Mutation.Value.OriginalId) |> set
    for s in Arora2018NoiseStability.checkable do
        Assert.True(mutated.Contains s.Id, s.Id + " has no mutant")
    for s in Arora2018NoiseStability.statements @ Arora2018NoiseStability.mutants do
        Assert.NotEmpty(s.Provenance)
        Assert.Contains(s.Id, Statement.toText s)
        Assert.Contains("<math", Statement.toMathML s)
        Assert.False(System.String.IsNullOrWhiteSpace(Statement.toLatex s))
    for s in Arora2018NoiseStability.notYetCheckable do
        Assert.NotEqual(Checkability.Checkable, s.Checkability)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``measured definitions hold on every sample in both modes and their scaled mutants fail at a witness sample`` () =
    for id in [ "ARORA-D3"; "ARORA-D4"; "ARORA-D5"; "ARORA-D6"; "ARORA-R4.1" ] do
        for m in modes do
            Assert.True((resultOf id m).Verdict = Verdict.Held, sprintf "%s %s: %s" id m.Label (resultOf id m).Verdict.Label)
    for r in results.Force() do
        if Registry.isMutantId r.StatementId then
            Assert.True((r.MutantRejected = Some true), sprintf "%s (%s) not rejected: %s" r.StatementId r.Mode.Label r.Verdict.Label)
    for id in [ "ARORA-D4~mutant-mu-1.5"; "ARORA-D5~mutant-mu-1.5"; "ARORA-D6~mutant-c-shrunk" ] do
        match (resultOf id CheckMode.RealNetwork).Verdict with
        | Verdict.Violated w -> Assert.True(w.Sample.IsSome, id + ": witness has no sample")
        | v -> failwithf "%s: %s" id v.Label

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``Lemma 3 is reported as hypothesis-not-met exactly when the certified rho_delta is below 3d, and Lemma 10 never fails`` () =
    let d = float (context.Force()).Network.Architecture.Depth
    for m in modes do
        let r = resultOf "ARORA-L3" m
        let rho = r.Bindings |> List.find (fun (k, _) -> k = "rho_delta (certified)") |> snd
        match r.Verdict with
        | Verdict.HypothesisNotMet(_, anyway) ->
            Assert.True(rho < 3.0 * d, sprintf "%s: rho %g >= 3d but hypothesis reported as not met" m.Label rho)
            Assert.True(anyway.IsSome)
        | v -> Assert.True(rho >= 3.0 * d, sprintf "%s: rho %g < 3d but verdict %s" m.Label rho v.Label)
        match (resultOf "ARORA-L10" m).Verdict with
        | Verdict.Held | Verdict.HypothesisNotMet(_, Some true) -> ()
        | v -> failwithf "L10 %s: %s" m.Label v.Label

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``the report carries noise attenuation, trained-vs-random-vs-shuffled histograms and Table 1`` () =
    let d = (context.Force()).Network.Architecture.Depth
    match (resultOf "ARORA-D3" CheckMode.RealNetwork).Figures with
    | [ Figure.Lines(_, _, _, series) ] -> Assert.Equal(d, series.Length)
    | fs -> failwithf "D3: unexpected figures %A" (fs |> List.map (sprintf "%A" >> fun s -> s.Substring(0, min 40 s.Length)))
    for id in [ "ARORA-D4"; "ARORA-D6"; "ARORA-D7" ] do
        let groups =
            (resultOf id CheckMode.RealNetwork).Figures
            |> List.choose (function Figure.Lines(_, _, _, series) -> Some(series |> List.map fst) | _ -> None)
        Assert.Contains([ "trained"; "random init"; "shuffled labels" ], groups)
    match (resultOf "ARORA-T4.1" CheckMode.RealNetwork).Figures with
    | [ Figure.Table(_, header, rows) ] ->
        Assert.Equal(d, rows.Length)
        Assert.Contains("actual params", header)
    | _ -> failwith "T4.1 has no Table 1"
    Assert.True((resultOf "ARORA-T4.1" CheckMode.RealNetwork).Verdict |> function Verdict.Vacuous _ -> true | _ -> false)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``a replay from the same seed reproduces every verdict and binding`` () =
    let ctx = context.Force()
    let first = results.Force()
    AroraNoiseStability.clearCaches ()
    let again = AroraNoiseStability.checkSelected { ctx with Network = ctx.Network.Clone(); Lemmas = set [ "ARORA-D7"; "ARORA-L3"; "ARORA-D3" ] } (fun _ _ _ -> ())
    Assert.NotEmpty again
    for r in again do
        let a = first |> List.find (fun x -> x.StatementId = r.StatementId && x.Mode = r.Mode)
        Assert.Equal(a.Verdict, r.Verdict)
        Assert.Equal(a.Failures, r.Failures)
        Assert.Equal<(string * float) list>(a.Bindings, r.Bindings)

/// R4.1 (i): a GenBounds model file records its seed, so the verifier regenerates A_init from it. Training moves the
/// weights only part of the way from the initialisation, so ‖A − A_init‖_F < ‖A‖_F on every layer for the true seed,
/// while a wrong seed gives an independent draw and a ratio near sqrt(1 + ‖A_rand‖²/‖A‖²) > 1.
[<Fact>]
[<Trait("Category", "Mnist")>]
let ``A_init regenerated from the recorded seed is closer to the trained weights than the weights' own norm`` () =
    let ctx = context.Force()
    let ratiosFor (seed: uint64) =
        let s = Arora2018NoiseStability.statements |> List.find (fun s -> s.Id = "ARORA-R4.1")
        let r = AroraNoiseStability.check { ctx with ModelSeed = Some seed } s CheckMode.RealNetwork
        r.Bindings |> List.filter (fun (k, _) -> k.StartsWith "||A_" && k.Contains "A_init") |> List.map snd
    let trueSeed = ratiosFor 7UL
    Assert.Equal(3, trueSeed.Length)
    Assert.All(trueSeed, fun r -> Assert.InRange(r, 0.0, 0.999))
    Assert.Contains(ratiosFor 8UL, fun r -> r > 1.0)
