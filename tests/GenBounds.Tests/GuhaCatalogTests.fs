module GenBounds.Tests.GuhaCatalogTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Proofs
open GenBounds.Data
open GenBounds.Networks
open GenBounds.LinearAlgebra
open GenBounds.Training
open GenBounds.Verification

let private la = LinearAlgebraProviders.Default

let private smallContext =
    lazy
        (let net = Trainer.Initialize(MlpArchitecture.Parse("30-20-10", bias = false), 3UL)
         let rng = GenBounds.Random.Rng(11UL)
         let n = 300
         let x = Array.init (n * 30) (fun _ -> rng.NextFloat())
         let y = Array.init n (fun _ -> rng.NextInt 10)
         let data = Dataset("synthetic", x, y, 30, 10)
         { Guha.defaults net data (Some data) la with Trials = 200; SpectralDraws = 30; ForwardTrials = 20 })

let private results =
    lazy
        (let ctx = smallContext.Force()
         [ for s in Guha2023.checkable @ Guha2023.mutants -> s, Guha.check ctx s CheckMode.Synthetic ])

[<Fact>]
let ``the catalog lists every entry once, with provenance, and mutants name their originals`` () =
    let ids = Guha2023.statements |> List.map (fun s -> s.Id)
    Assert.Equal(ids.Length, (List.distinct ids).Length)
    for id in [ "GUHA-A3.1"; "GUHA-ALG1"; "GUHA-LB.1"; "GUHA-L4.2"; "GUHA-LB.2"; "GUHA-L4.3"; "GUHA-L4.4a"; "GUHA-D5.1"; "GUHA-L5.1"; "GUHA-LE.1"; "GUHA-T5.1"; "GUHA-T6.2"; "GUHA-EQ1"; "GUHA-DE.1" ] do
        Assert.Contains(id, ids)
    for s in Guha2023.statements do Assert.NotEmpty(s.Provenance)
    for m in Guha2023.mutants do
        Assert.Contains(m.Mutation.Value.OriginalId, ids)
        Assert.Contains("~mutant-", m.Id)
    let withMutant = Guha2023.mutants |> List.map (fun m -> m.Mutation.Value.OriginalId) |> set
    for s in Guha2023.checkable do
        if not (s.Id.StartsWith "GUHA-T3.1") then Assert.True(withMutant.Contains s.Id, s.Id + " has no mutant")

[<Fact>]
let ``on the paper's own random model every checkable statement holds or is honestly undecided`` () =
    for s, r in results.Force() do
        if s.Mutation.IsNone then
            match r.Verdict with
            | Verdict.Violated w -> failwithf "%s violated in synthetic mode: %s" s.Id w.Description
            // A relational side condition (e.g. L4.3's size condition at this d and ε) may fail on the model itself; the
            // conclusion must then still hold.
            | Verdict.HypothesisNotMet(h, Some false) -> failwithf "%s: hypothesis %s not met and the conclusion failed" s.Id h
            | _ -> ()

[<Fact>]
let ``every mutant is rejected on the paper's random model`` () =
    for s, r in results.Force() do
        if s.Mutation.IsSome then Assert.True((r.MutantRejected = Some true), sprintf "%s not rejected: %s" s.Id r.Verdict.Label)

[<Fact>]
let ``the same seed reproduces the same results exactly`` () =
    let ctx = smallContext.Force()
    for s in [ Guha2023.l42; Guha2023.l51; Guha2023.ld3; Guha2023.alg1 ] do
        let a = Guha.check ctx s CheckMode.RealNetwork
        Guha.clearCaches ()
        let b = Guha.check { ctx with Network = ctx.Network.Clone() } s CheckMode.RealNetwork
        Assert.Equal(a.Verdict, b.Verdict)
        Assert.Equal(a.Failures, b.Failures)
        Assert.Equal<(string * float) list>(a.Bindings, b.Bindings)
        Assert.Equal(a.Constant |> Option.map (fun c -> c.Value), b.Constant |> Option.map (fun c -> c.Value))

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``on a small MLP trained on MNIST correct lemmas are not violated and mutants of holding lemmas are caught`` () =
    let root = GenBounds.Runtime.CodeRevision.RepositoryRoot() |> Option.ofObj |> Option.defaultWith (fun () -> failwith "repository root not found")
    let struct (train, test) = Mnist.Load(Mnist.DefaultFolder root)
    let net = Trainer.Initialize(MlpArchitecture.Parse("784-64-32-10", bias = false), 5UL)
    let trainer = Trainer(net, TrainingOptions(Epochs = 1, BatchSize = 64, Seed = 5UL), la)
    trainer.TrainEpoch(DatasetOps.Take(train, 5000)) |> ignore
    let ctx = { Guha.defaults net (DatasetOps.Take(train, 500)) (Some(DatasetOps.Take(test, 2000))) la with Trials = 200; SpectralDraws = 20; ForwardTrials = 10 }
    let real = [ for s in Guha2023.checkable @ Guha2023.mutants -> s, Guha.check ctx s CheckMode.RealNetwork ]
    // Assumptions (A3.1, and the CC.1-based LC.1) are expected to fail on trained weights; the rest are theorems there.
    let assumptions = set [ "GUHA-A3.1"; "GUHA-LC.1" ]
    for s, r in real do
        if s.Mutation.IsNone && not (assumptions.Contains s.Id) then
            match r.Verdict with
            | Verdict.Violated w -> failwithf "%s violated on the trained net: %s" s.Id w.Description
            | _ -> ()
    let heldIds = real |> List.choose (fun (s, r) -> if s.Mutation.IsNone && r.Verdict = Verdict.Held then Some s.Id else None) |> set
    for s, r in real do
        match s.Mutation with
        | Some m when heldIds.Contains m.OriginalId -> Assert.True((r.MutantRejected = Some true), sprintf "%s not rejected on the trained net" s.Id)
        | _ -> ()
    Assert.NotEmpty heldIds
