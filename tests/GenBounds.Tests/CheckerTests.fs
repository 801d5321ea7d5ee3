module GenBounds.Tests.CheckerTests

open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification

let private st conclusion = Statement.create "T-1" "test" (Statement.cite "test" "§0") [ Provenance.Derived ] "test" conclusion
let private inst x i = { Checker.instance (Bindings.ofScalars [ "x", x; "y", 1.0 ]) (uint64 i) "" with Trial = Some i }

[<Fact>]
let ``one violated instance makes a deterministic claim Violated with that witness`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1))
    let r = Checker.deterministic s CheckMode.Synthetic 1UL [ inst 0.5 0; inst 2.0 1; inst 0.9 2 ]
    match r.Verdict with
    | Verdict.Violated w ->
        Assert.Equal(Some 1, w.Trial)
        Assert.Equal(2.0, w.Lhs)
        Assert.Equal(1.0, w.Rhs)
    | v -> failwithf "expected Violated, got %A" v
    let ok = Checker.deterministic s CheckMode.Synthetic 1UL [ inst 0.5 0; inst 0.9 1 ]
    Assert.Equal(Verdict.Held, ok.Verdict)
    Assert.Equal(2.0, ok.Slack.Value.Max, 12)

[<Fact>]
let ``Clopper–Pearson decides at the boundary: zero failures need about 4.6/δ trials`` () =
    let s = st (Conclusion.WithProbability(sym "x" <=. num 1, real 0.01, "test"))
    let run n bad = Checker.probabilistic s CheckMode.Synthetic 1UL 0.01 [ for i in 0 .. n - 1 -> inst (if i < bad then 2.0 else 0.0) i ]
    Assert.Equal("inconclusive", (run 460 0).Verdict.Label)
    Assert.Equal("held", (run 600 0).Verdict.Label)
    Assert.Equal("violated", (run 100 20).Verdict.Label)
    Assert.Equal(Some 20, (run 100 20).Failures)

[<Fact>]
let ``a failed relational hypothesis gives HypothesisNotMet with whether the conclusion held`` () =
    let s = { st (Conclusion.Deterministic(sym "x" <=. num 1)) with Hypotheses = [ Hypothesis.Condition(sym "y" <=. num 0) ] }
    match (Checker.deterministic s CheckMode.RealNetwork 1UL [ inst 0.5 0 ]).Verdict with
    | Verdict.HypothesisNotMet(_, held) -> Assert.Equal(Some true, held)
    | v -> failwithf "expected HypothesisNotMet, got %A" v

[<Fact>]
let ``a mutant is marked rejected exactly when Violated`` () =
    let s = st (Conclusion.Deterministic(sym "x" <=. num 1)) |> Statement.mutate "tight" "bound 1/2" (fun _ -> sym "x" <=. frac 1 2)
    let r = Checker.deterministic s CheckMode.Synthetic 1UL [ inst 0.9 0 ]
    Assert.Equal(Some true, r.MutantRejected)
    Assert.Equal(Some false, (Checker.deterministic s CheckMode.Synthetic 1UL [ inst 0.1 0 ]).MutantRejected)

[<Fact>]
let ``expectation claims compare the whole CI with the claim`` () =
    let s = st (Conclusion.InExpectation(expect (sym "Z") ==. num 0, "test"))
    let w = { Seed = 0UL; Trial = None; Layer = None; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = "" }
    let centred = Array.init 200 (fun i -> if i % 2 = 0 then 1.0 else -1.0)
    Assert.Equal("held", (Checker.expectation s CheckMode.Synthetic 0UL "E[Z]" centred Bindings.empty w).Verdict.Label)
    Assert.Equal("violated", (Checker.expectation s CheckMode.Synthetic 0UL "E[Z]" (Array.map ((+) 0.5) centred) Bindings.empty w).Verdict.Label)
