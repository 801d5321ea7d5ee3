/// The one checker on hand-made evidence: each verdict procedure, the combination of settings, hypotheses, scope
/// restrictions, named assumptions, mutants, measured definitions and experiment defects.
module GenBounds.Tests.CheckerTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification

let private st conclusion = Statement.create "T-1" "test" (Statement.cite "test" "§0") [ Provenance.Derived ] "test" conclusion
let private inst x i = { Evidence.instance (Bindings.ofScalars [ "x", x; "y", 1.0 ]) (uint64 i) "" with Trial = Some i }
let private check s e = Checker.check s CheckMode.Synthetic 7UL e

[<Fact>]
let ``a deterministic claim counts its failing instances and witnesses the worst one`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1))
    let r = check s (Evidence.ofInstances [ inst 0.5 0; inst 2.0 1; inst 1.5 2; inst 0.9 3 ])
    match r.Verdict with
    | Verdict.Violated w ->
        Assert.Equal(Some 1, w.Trial)
        Assert.Equal(2.0, w.Lhs)
        Assert.Equal(1.0, w.Rhs)
        Assert.Contains("2 of 4 instances fail", w.Description)
    | v -> failwithf "expected Violated, got %A" v
    Assert.Equal(Some 2, r.Failures)
    Assert.Equal(4, r.Trials)
    let ok = check s (Evidence.ofInstances [ inst 0.5 0; inst 0.9 1 ])
    Assert.Equal(Verdict.Held, ok.Verdict)
    Assert.Equal(Some 0, ok.Failures)
    Assert.Equal(2.0, ok.Slack.Value.Max, 12)

[<Fact>]
let ``Clopper–Pearson decides at the boundary: zero failures need about 4.6/δ trials`` () =
    let s = st (Conclusion.WithProbability(sym "x" <=. num 1, real 0.01, "test"))
    let run n bad = check s (Evidence.ofInstances [ for i in 0 .. n - 1 -> inst (if i < bad then 2.0 else 0.0) i ])
    Assert.Equal("inconclusive", (run 460 0).Verdict.Label)
    Assert.Equal("held", (run 600 0).Verdict.Label)
    Assert.Equal("violated", (run 100 20).Verdict.Label)
    Assert.Equal(Some 20, (run 100 20).Failures)
    Assert.Equal(Some 0.01, (run 100 20).Delta)

[<Fact>]
let ``delta is read from the trials' own bindings`` () =
    let s = st (Conclusion.WithProbability(sym "x" <=. num 1, sym "eta", "test"))
    let trials eta = [ for i in 0 .. 199 -> { inst (if i < 30 then 2.0 else 0.0) i with Bindings = Bindings.ofScalars [ "x", (if i < 30 then 2.0 else 0.0); "eta", eta ] } ]
    Assert.Equal("violated", (check s (Evidence.ofInstances (trials 0.05))).Verdict.Label)
    Assert.Equal("held", (check s (Evidence.ofInstances (trials 0.5))).Verdict.Label)

[<Fact>]
let ``the worst setting decides and every setting is reported`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1))
    let e = Evidence.ofSettings [ Evidence.setting "good" [ inst 0.5 0 ]; Evidence.setting "bad" [ inst 3.0 1 ]; Evidence.setting "fine" [ inst 0.2 2 ] ]
    let r = check s e
    Assert.Equal("violated", r.Verdict.Label)
    Assert.Equal<string list>([ "good"; "bad"; "fine" ], r.Settings |> List.map (fun x -> x.Label))
    Assert.Equal<string list>([ "held"; "violated"; "held" ], r.Settings |> List.map (fun x -> x.Verdict.Label))
    Assert.Equal(3, r.Trials)

[<Fact>]
let ``a failed relational hypothesis gives HypothesisNotMet with whether the conclusion held`` () =
    let s = { st (Conclusion.Deterministic(sym "x" <=. num 1)) with Hypotheses = [ Hypothesis.Condition(sym "y" <=. num 0) ] }
    match (check s (Evidence.ofInstances [ inst 0.5 0 ])).Verdict with
    | Verdict.HypothesisNotMet(_, held) -> Assert.Equal(Some true, held)
    | v -> failwithf "expected HypothesisNotMet, got %A" v
    match (check s (Evidence.ofInstances [ inst 5.0 0 ])).Verdict with
    | Verdict.HypothesisNotMet(_, held) -> Assert.Equal(Some false, held)
    | v -> failwithf "expected HypothesisNotMet, got %A" v

[<Fact>]
let ``instances outside a restriction are not counted and a mutant without it is judged on all`` () =
    let s = { st (Conclusion.Deterministic(sym "x" <=. num 1)) with Hypotheses = [ Hypothesis.Restriction(sym "y" <=. num 0) ] }
    let e =
        Evidence.ofInstances
            [ { inst 0.5 0 with Bindings = Bindings.ofScalars [ "x", 0.5; "y", 0.0 ] }
              { inst 9.0 1 with Bindings = Bindings.ofScalars [ "x", 9.0; "y", 1.0 ] } ]
    let r = check s e
    Assert.Equal(Verdict.Held, r.Verdict)
    Assert.Equal(1, r.Trials)
    Assert.Equal(1, r.OutOfScope)
    let m = s |> Statement.dropHypotheses "all" "scope dropped" (function Hypothesis.Restriction _ -> true | _ -> false)
    Assert.Equal(Some true, (check m e).MutantRejected)

[<Fact>]
let ``named assumptions fail only for statements that carry them`` () =
    let plain = st (Conclusion.Deterministic(sym "x" <=. num 1))
    let assuming = { plain with Hypotheses = [ Hypothesis.NamedAssumption("A", "an assumption") ] }
    let e = Evidence.ofInstances [ inst 0.5 0 ] |> Evidence.withFailedAssumptions [ "A", "it fails here" ]
    Assert.Equal(Verdict.Held, (check plain e).Verdict)
    match (check assuming e).Verdict with
    | Verdict.HypothesisNotMet(h, held) ->
        Assert.Contains("it fails here", h)
        Assert.Equal(Some true, held)
    | v -> failwithf "expected HypothesisNotMet, got %A" v

[<Fact>]
let ``a mutant is marked rejected exactly when Violated`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1)) |> Statement.mutate "tight" "bound 1/2" (fun _ -> sym "x" <=. frac 1 2)
    Assert.Equal(Some true, (check s (Evidence.ofInstances [ inst 0.9 0 ])).MutantRejected)
    Assert.Equal(Some false, (check s (Evidence.ofInstances [ inst 0.1 0 ])).MutantRejected)

[<Fact>]
let ``a check that holds by construction is a measurement, and its violation is still a violation`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1)) |> Statement.byConstruction "x is bound as the bound"
    Assert.Equal("measured definition", (check s (Evidence.ofInstances [ inst 1.0 0 ])).Verdict.Label)
    Assert.Equal("violated", (check s (Evidence.ofInstances [ inst 2.0 0 ])).Verdict.Label)

[<Fact>]
let ``expectation claims compare the whole CI with the claim`` () =
    let s = st (Conclusion.InExpectation(expect (sym "Z") ==. num 0, "test"))
    let w = Evidence.instance Bindings.empty 0UL ""
    let centred = Array.init 200 (fun i -> if i % 2 = 0 then 1.0 else -1.0)
    Assert.Equal("held", (check s (Evidence.ofSettings [ Evidence.moments "" "E[Z]" centred Bindings.empty w ])).Verdict.Label)
    Assert.Equal("violated", (check s (Evidence.ofSettings [ Evidence.moments "" "E[Z]" (Array.map ((+) 0.5) centred) Bindings.empty w ])).Verdict.Label)
    // An exactly computed expectation is bound directly and compared as a deterministic instance.
    Assert.Equal("held", (check s (Evidence.ofInstances [ Evidence.instance (Bindings.ofScalars [ "E[Z]", 0.0 ]) 0UL "" ])).Verdict.Label)

[<Fact>]
let ``a held-out risk is compared through its Clopper–Pearson interval and a bound of 1 or more is vacuous`` () =
    let s = st (Conclusion.Deterministic(sym "L" <=. sym "b"))
    let risk errors n b = check s (Evidence.ofSettings [ Evidence.heldOut "" "L" errors n (Bindings.ofScalars [ "b", b ]) (Evidence.instance Bindings.empty 0UL "") ])
    Assert.Equal("held", (risk 10 10000 0.01).Verdict.Label)
    Assert.Equal("violated", (risk 500 10000 0.01).Verdict.Label)
    Assert.Equal("inconclusive", (risk 100 10000 0.01).Verdict.Label)
    Assert.Equal("vacuous", (risk 9000 10000 1.5).Verdict.Label)
    Assert.Equal(Some 500, (risk 500 10000 0.01).Failures)

[<Fact>]
let ``a universal constant is the smallest value consistent with the data and must not grow or exceed 10`` () =
    let s = st (Conclusion.WithUniversalConstant(Conclusion.Deterministic(sym "x" <=. sym "C" * sym "y"), "C"))
    let at dim (xs: float list) =
        { Evidence.setting (sprintf "dim %g" dim) [ for i, x in List.indexed xs -> inst x i ] with Dimension = Some dim }
    let flat = check s (Evidence.ofSettings [ at 10.0 [ 1.0; 2.0 ]; at 1000.0 [ 1.5; 2.0 ] ])
    Assert.Equal(Verdict.Held, flat.Verdict)
    Assert.Equal(2.0, flat.Constant.Value.Value, 12)
    let large = check s (Evidence.ofSettings [ at 10.0 [ 50.0 ] ])
    Assert.Equal("inconclusive", large.Verdict.Label)
    Assert.True(large.Constant.Value.Suspicious)
    let growing = check s (Evidence.ofSettings [ at 10.0 [ 1.0 ]; at 1000.0 [ 5.0 ] ])
    Assert.Equal("inconclusive", growing.Verdict.Label)
    Assert.Equal(Some true, growing.Constant.Value.Grows)
    // Along an exact scaling family that can be pushed arbitrarily far, growth refutes every constant.
    Assert.Equal("violated", (check s { Evidence.ofSettings [ at 1.0 [ 1.0 ]; at 1000.0 [ 5.0 ] ] with ExactScaling = true }).Verdict.Label)
    // A pinned constant is an ordinary claim.
    let pinned = s |> Statement.pinConstant "C-half" "C = 1/2" "C" (frac 1 2)
    Assert.Equal(Some true, (check pinned (Evidence.ofSettings [ at 10.0 [ 1.0 ] ])).MutantRejected)

[<Fact>]
let ``parameters of the statement are bound on every instance and a mutant may change them`` () =
    let s = { st (Conclusion.Deterministic(sym "x" <=. sym "k")) with Parameters = [ "k", 1.0 ] }
    Assert.Equal(Verdict.Held, (check s (Evidence.ofInstances [ inst 0.5 0 ])).Verdict)
    let m = s |> Statement.mutateWith "k-quarter" "k = 1/4" (Statement.withParameter "k" 0.25)
    Assert.Equal(Some true, (check m (Evidence.ofInstances [ inst 0.5 0 ])).MutantRejected)

[<Fact>]
let ``an experiment that does not bind a symbol of its statement is an error, not an inconclusive verdict`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. sym "missing"))
    let ex = Assert.Throws<Checker.ExperimentError>(fun () -> check s (Evidence.ofInstances [ inst 0.5 0 ]) |> ignore)
    Assert.Contains("missing", ex.Data0)
    Assert.Contains("T-1", ex.Data0)

[<Fact>]
let ``unavailable evidence is inconclusive with its reason`` () =
    let r = check (st (Conclusion.Deterministic(sym "x" <=. num 1))) (Evidence.unavailable "no plan")
    Assert.Equal(Verdict.Inconclusive "no plan", r.Verdict)

[<Fact>]
let ``caps, notes and descriptive values travel into the result`` () =
    let cap = Budget.allow "spectral-draws" 1000 1.0 2 "norm draws" (Budget.create 1000)
    let r =
        check (st (Conclusion.Deterministic(sym "x" <=. num 1)))
            (Evidence.ofInstances [ inst 0.5 0 ] |> Evidence.withCaps [ cap ] |> Evidence.withNotes [ "a note" ] |> Evidence.withMeasured [ "v", 3.0 ])
    Assert.Equal(30, cap.Count)
    Assert.Single(r.Caps) |> ignore
    Assert.Contains("spectral-draws", r.Caps.Head)
    Assert.Contains("a note", r.Notes)
    Assert.Equal<(string * float) list>([ "v", 3.0 ], r.Bindings)
