/// One catalogue-driven test over `Papers.all`: whatever a paper registers is covered here automatically — ids,
/// bindings, mutants, rendering, and a run of every statement and mutant on the paper's own random model (synthetic
/// mode) with the verdicts held to the catalog's own declarations (known findings, honest reasons for an inconclusive
/// check, checks that hold by construction).
module GenBounds.Tests.CatalogueTests

open System
open System.Reflection
open Xunit
open GenBounds.Symbolic
open GenBounds.TestKit
open GenBounds.Verification

let private lemmas = [ for p in Papers.all do for l in p.Lemmas -> p, l ]
let private everything = lemmas |> List.collect (fun (_, l) -> Lemma.statements l)

[<Fact>]
let ``statement ids are unique across every paper and each mutant corrupts its own lemma's statement`` () =
    let dupes = everything |> List.countBy (fun s -> s.Id) |> List.filter (fun (_, n) -> n > 1)
    Assert.True(dupes.IsEmpty, sprintf "duplicate ids: %A" dupes)
    for _, l in lemmas do
        Assert.True(l.Statement.Mutation.IsNone, l.Statement.Id + " is registered as a lemma's statement but is a mutant")
        for m in l.Mutants do
            match m.Mutation with
            | Some mu -> Assert.True((mu.OriginalId = l.Statement.Id), sprintf "%s is registered with %s but corrupts %s" m.Id l.Statement.Id mu.OriginalId)
            | None -> failwithf "%s is registered as a mutant but carries no mutation" m.Id
    let paperIds = Papers.all |> List.map (fun p -> p.Id)
    Assert.Equal(paperIds.Length, (List.distinct paperIds).Length)

/// Every Statement value that the catalog assembly defines (module-level values, and lists of them) must be registered:
/// a statement written in proofs/ but never wired to an experiment would otherwise vanish from every report.
[<Fact>]
let ``every statement the catalog defines is registered in Papers.all`` () =
    let registered = everything |> List.map (fun s -> s.Id) |> Set.ofList
    let asm = Assembly.Load "GenBounds.Proofs"
    let defined =
        [ for t in asm.GetTypes() do
            for p in t.GetProperties(BindingFlags.Public ||| BindingFlags.Static) do
                if p.GetIndexParameters().Length = 0 then
                    if p.PropertyType = typeof<Statement> then yield p.GetValue null :?> Statement
                    elif p.PropertyType = typeof<Statement list> then yield! (p.GetValue null :?> Statement list) ]
    Assert.NotEmpty defined
    let missing = defined |> List.map (fun s -> s.Id) |> List.filter (registered.Contains >> not) |> List.distinct
    Assert.True(missing.IsEmpty, sprintf "defined in proofs/ but not registered: %A" missing)

[<Fact>]
let ``every experiment binds every symbol its statement and its mutants use`` () =
    for _, l in lemmas do
        match l.Experiment with
        | None -> Assert.True((l.Statement.Checkability <> Checkability.Checkable), l.Statement.Id + " is checkable but has no experiment")
        | Some e ->
            for s in Lemma.statements l do
                let missing = Set.difference (Statement.experimentSymbols s) e.Binds
                Assert.True(missing.IsEmpty, sprintf "%s: the experiment does not bind %A" s.Id (List.ofSeq missing))

[<Fact>]
let ``every checkable claim, assumption and definition has a mutant that is false on purpose`` () =
    for _, l in lemmas do
        let s = l.Statement
        if s.Checkability = Checkability.Checkable && s.Role <> Role.Probe then
            let falseOnPurpose = l.Mutants |> List.filter (fun m -> m.Mutation.Value.Kind = MutantKind.FalseOnPurpose)
            Assert.True(not falseOnPurpose.IsEmpty, s.Id + " has no false-on-purpose mutant")

[<Fact>]
let ``every statement and mutant renders in LaTeX, MathML and text and carries its provenance`` () =
    for s in everything do
        Assert.NotEmpty(s.Provenance)
        Assert.Contains(s.Id, Statement.toText s)
        Assert.Contains("\\begin{aligned}", Statement.toLatex s)
        Assert.Contains("<math", Statement.toMathML s)

// ---------------------------------------------------------------- the paper's own random model

let private lab = Labs.small

let private synthetic = lazy [ for _, l in lemmas do for s in Lemma.statements l -> s, Verdicts.check (lab.Force()) s CheckMode.Synthetic ]

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``on the paper's own random model every statement holds, is measured, or is a declared finding that the check reproduces`` () =
    let problems =
        [ for s, r in synthetic.Force() do
            if s.Mutation.IsNone && s.Checkability = Checkability.Checkable then
                match s.KnownFalse, r.Verdict with
                | Some _, Verdict.Violated _ -> ()
                | Some why, v -> yield sprintf "%s is a known finding (%s) but the check says %s" s.Id why v.Label
                | None, Verdict.Violated w -> yield sprintf "%s violated: %s" s.Id w.Description
                | None, Verdict.HypothesisNotMet(h, Some false) -> yield sprintf "%s: hypothesis %s not met and the conclusion failed" s.Id h
                | None, Verdict.Inconclusive why when s.InconclusiveWhen.IsNone -> yield sprintf "%s inconclusive without a declared reason: %s" s.Id why
                | None, Verdict.Held when s.ByConstruction.IsSome -> yield sprintf "%s holds by construction but was reported as held" s.Id
                | None, Verdict.NotCheckable why -> yield sprintf "%s is checkable but was not checked: %s" s.Id why
                | _ -> () ]
    Assert.True(problems.IsEmpty, String.Join("\n", problems))

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``every false-on-purpose mutant is rejected on the paper's own random model`` () =
    let missed =
        [ for s, r in synthetic.Force() do
            match s.Mutation with
            | Some m when m.Kind = MutantKind.FalseOnPurpose && r.MutantRejected <> Some true -> yield sprintf "%s: %s" s.Id r.Verdict.Label
            | _ -> () ]
    Assert.True(missed.IsEmpty, "not rejected:\n" + String.Join("\n", missed))

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``every checked result carries its N, a replay seed, and an interval when the claim is probabilistic`` () =
    for s, r in synthetic.Force() do
        if s.Checkability = Checkability.Checkable then
            Assert.True(r.Seed <> 0UL, s.Id + ": no replay seed")
            match r.Verdict with
            | Verdict.Inconclusive _ when r.Trials = 0 -> ()
            | _ ->
                Assert.True(r.Trials > 0, s.Id + ": N = 0")
                match s.Conclusion with
                | Conclusion.WithProbability _ -> Assert.True(r.Interval.IsSome, s.Id + ": probabilistic without an interval")
                | _ -> ()
