module GenBounds.Tests.AroraCompressionTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Proofs
open GenBounds.Data
open GenBounds.Networks
open GenBounds.LinearAlgebra
open GenBounds.Training
open GenBounds.Verification

let private la = LinearAlgebraProviders.Default
let private catalog = Arora2018Compression.statements @ Arora2018Compression.mutants

/// Statements whose printed form the catalog marks as wrong (PAPER-ISSUE / FINDING): the verifier must report them violated.
let private paperErrors = set [ "ARORA-T2.1"; "ARORA-T2.2"; "ARORA-L5-threshold"; "ARORA-ALG1" ]

let private smallContext =
    lazy
        (let net = Trainer.Initialize(MlpArchitecture.Parse("30-20-10", bias = false), 3UL)
         let rng = GenBounds.Random.Rng(11UL)
         let n = 300
         let x = Array.init (n * 30) (fun _ -> rng.NextFloat())
         let y = Array.init n (fun _ -> rng.NextInt 10)
         let data = Dataset("synthetic", x, y, 30, 10)
         { AroraCompression.defaults net data (Some data) la with Trials = 200 })

let private synthetic =
    lazy
        (let ctx = smallContext.Force()
         [ for s in Arora2018Compression.checkable @ Arora2018Compression.mutants -> s, AroraCompression.check ctx s CheckMode.Synthetic ])

let private resultOf id = synthetic.Force() |> List.find (fun (s, _) -> s.Id = id) |> snd

[<Fact>]
let ``every catalog entry renders in LaTeX, MathML and text, ids are unique, and checkable entries carry a mutant`` () =
    let ids = catalog |> List.map (fun s -> s.Id)
    Assert.Equal(ids.Length, (List.distinct ids).Length)
    for s in catalog do
        Assert.NotEmpty(s.Provenance)
        Assert.Contains(s.Id, Statement.toText s)
        Assert.Contains("\\begin{aligned}", Statement.toLatex s)
        Assert.Contains("<math", Statement.toMathML s)
    let mutated = Arora2018Compression.mutants |> List.map (fun m -> m.Mutation.Value.OriginalId) |> set
    // Definitions and the printed forms the verifier reports as wrong need no mutant: they are expected to fail or only measure.
    for s in Arora2018Compression.checkable do
        if not (paperErrors.Contains s.Id) && s.Id <> "ARORA-D1" then Assert.True(mutated.Contains s.Id, s.Id + " has no mutant")
    for id in [ "ARORA-D1"; "ARORA-D2"; "ARORA-T2.1"; "ARORA-CA.1"; "ARORA-R2.1"; "ARORA-EX1"; "ARORA-L4"; "ARORA-L5"; "ARORA-L6"; "ARORA-L7"; "ARORA-L8"; "ARORA-T2.2"; "ARORA-L1a"; "ARORA-L9"; "ARORA-P3.1"; "ARORA-ALG1"; "ARORA-L2" ] do
        Assert.Contains(id, ids)

[<Fact>]
let ``on the paper's random model every correct statement holds or is honestly undecided`` () =
    for s, r in synthetic.Force() do
        if s.Mutation.IsNone && not (paperErrors.Contains s.Id) then
            match r.Verdict with
            | Verdict.Violated w -> failwithf "%s violated on the synthetic model: %s" s.Id w.Description
            | Verdict.HypothesisNotMet(h, Some false) -> failwithf "%s: hypothesis %s not met and the conclusion failed" s.Id h
            | _ -> ()

[<Fact>]
let ``every mutant is rejected on the paper's random model except the scale witness that needs a generalization gap`` () =
    for s, r in synthetic.Force() do
        if s.Mutation.IsSome && s.Id <> "ARORA-T2.2-squared~mutant-unsquared" then
            Assert.True((r.MutantRejected = Some true), sprintf "%s not rejected: %s" s.Id r.Verdict.Label)

[<Fact>]
let ``Algorithm 1 with the literal k = ln(1/eta)/eps^2 misses eta, with a replayable witness, and k = 4 ln(1/eta)/eps^2 meets it`` () =
    let literal = resultOf "ARORA-ALG1"
    match literal.Verdict with
    | Verdict.Violated w ->
        Assert.True(w.Trial.IsSome)
        Assert.Contains("CP99", w.Description)
    | v -> failwithf "literal k not violated: %s" v.Label
    Assert.Contains("FINDING", String.concat " " literal.Notes)
    Assert.Equal(Verdict.Held, (resultOf "ARORA-ALG1-calibrated").Verdict)
    let c = literal.Constant.Value
    // The CLT predicts a constant above 1 (and at most about 2(1 + rho^2) <= 4); by dimension for the literal 8x8 and layer size.
    Assert.InRange(c.Value, 1.01, 4.0)
    Assert.Equal(2, c.ByDimension.Length)
    Assert.NotEmpty(literal.Figures)

[<Fact>]
let ``the factor-2 margin slip of Theorem 2.1 is reported on the catalog's counter-example while the 2 gamma form holds`` () =
    match (resultOf "ARORA-T2.1").Verdict with
    | Verdict.Violated w -> Assert.True(w.Lhs > w.Rhs)
    | v -> failwithf "stated T2.1 not violated on the counter-example: %s" v.Label
    Assert.Contains("PAPER-ISSUE", String.concat " " (resultOf "ARORA-T2.1").Notes)
    Assert.Equal(Verdict.Held, (resultOf "ARORA-T2.1-2gamma").Verdict)

[<Fact>]
let ``the printed threshold equivalence of Lemma 5 is refuted with a coordinate as witness`` () =
    match (resultOf "ARORA-L5-threshold").Verdict with
    | Verdict.Violated w -> Assert.True(w.Sample.IsSome)
    | v -> failwithf "threshold equivalence not refuted: %s" v.Label

[<Fact>]
let ``the same seed reproduces the same results exactly`` () =
    let ctx = smallContext.Force()
    for s in [ Arora2018Compression.alg1; Arora2018Compression.l2; Arora2018Compression.l7Rounded; Arora2018Compression.l9; Arora2018Compression.t21Corrected ] do
        for mode in [ CheckMode.Synthetic; CheckMode.RealNetwork ] do
            let a = AroraCompression.check ctx s mode
            AroraCompression.clearCaches ()
            let b = AroraCompression.check { ctx with Network = ctx.Network.Clone() } s mode
            Assert.Equal(a.Verdict, b.Verdict)
            Assert.Equal(a.Failures, b.Failures)
            Assert.Equal<(string * float) list>(a.Bindings, b.Bindings)
            Assert.Equal<string list>(a.Notes, b.Notes)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``on a small MLP trained on MNIST the theorems hold, the paper's errors are reported and mutants of holding lemmas are caught`` () =
    let root = GenBounds.Runtime.CodeRevision.RepositoryRoot() |> Option.ofObj |> Option.defaultWith (fun () -> failwith "repository root not found")
    let struct (train, test) = Mnist.Load(Mnist.DefaultFolder root)
    let net = Trainer.Initialize(MlpArchitecture.Parse("784-48-32-10", bias = false), 5UL)
    // A few epochs on 600 points: the net fits S better than the population, so a generalization gap exists (T2.2 witness).
    let small = DatasetOps.Take(train, 600)
    let trainer = Trainer(net, TrainingOptions(Epochs = 1, BatchSize = 32, Seed = 5UL), la)
    for _ in 1 .. 8 do trainer.TrainEpoch small |> ignore
    let ctx = { AroraCompression.defaults net small (Some(DatasetOps.Take(test, 2000))) la with Trials = 200 }
    let real = [ for s in Arora2018Compression.checkable @ Arora2018Compression.mutants -> s, AroraCompression.check ctx s CheckMode.RealNetwork ]
    let verdictOf id = real |> List.find (fun (s, _) -> s.Id = id) |> snd |> fun r -> r.Verdict
    for s, r in real do
        if s.Mutation.IsNone && not (paperErrors.Contains s.Id) then
            match r.Verdict with
            | Verdict.Violated w -> failwithf "%s violated on the trained net: %s" s.Id w.Description
            | _ -> ()
    for id in [ "ARORA-T2.1"; "ARORA-T2.2"; "ARORA-L5-threshold"; "ARORA-ALG1" ] do
        Assert.True((match verdictOf id with Verdict.Violated _ -> true | _ -> false), id + " not reported violated on the trained net")
    let heldIds = real |> List.choose (fun (s, r) -> if s.Mutation.IsNone && r.Verdict = Verdict.Held then Some s.Id else None) |> set
    for id in [ "ARORA-L1a"; "ARORA-L1b"; "ARORA-L9"; "ARORA-P3.1b"; "ARORA-T2.2-closeness"; "ARORA-ALG1-calibrated"; "ARORA-L2"; "ARORA-T2.2-squared" ] do
        Assert.True(heldIds.Contains id, id + " did not hold on the trained net")
    // On trained rows most coins of Algorithm 2 have p_i = 1 (a few large entries), so the estimate is nearly exact and the
    // tighter-accuracy mutants of L4/L5 are true there; CA.1's real bound is vacuous. Those are checked on the synthetic model.
    for s, r in real do
        match s.Mutation with
        | Some m when heldIds.Contains m.OriginalId && m.OriginalId <> "ARORA-L4" && m.OriginalId <> "ARORA-L5" && m.OriginalId <> "ARORA-CA.1" ->
            Assert.True((r.MutantRejected = Some true), sprintf "%s not rejected on the trained net" s.Id)
        | _ -> ()
