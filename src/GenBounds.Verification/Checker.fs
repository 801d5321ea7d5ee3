/// Generic engines of the shared check protocol (Guha catalog §2) that turn evaluated instances of a statement into a
/// CheckResult: deterministic, "with probability ≥ 1 − δ", expectation, universal constant; hypotheses and mutants.
module GenBounds.Verification.Checker

open System
open GenBounds.Symbolic

/// Confidence of every interval the checker forms (protocol: 99%).
let confidence = 0.99

/// One evaluated instance of a statement: its bindings and where it came from (for a replayable witness).
type Instance =
    { Bindings: Bindings
      Seed: uint64
      Trial: int option
      Layer: int option
      Sample: int option
      Label: string }

/// An instance with only bindings and a seed.
let instance (bindings: Bindings) (seed: uint64) label =
    { Bindings = bindings; Seed = seed; Trial = None; Layer = None; Sample = None; Label = label }

/// A result with no verdict detail yet (Held, zero trials); engines fill in the rest.
let blank (s: Statement) (mode: CheckMode) (seed: uint64) : CheckResult =
    { StatementId = s.Id; Mode = mode; Verdict = Verdict.Held; MutantRejected = None; Trials = 0; Failures = None
      Interval = None; Delta = None; Slack = None; Constant = None; Bindings = []; Seed = seed; Layer = None
      Notes = []; Figures = []; Seconds = 0.0 }

let private isViolated v = match v with Verdict.Violated _ -> true | _ -> false

/// Final touches every result gets: a mutant records whether it was rejected (its verdict is Violated); an original
/// whose named assumptions failed on this network is reported as HypothesisNotMet, with whether it held anyway.
let finish (s: Statement) (failedAssumptions: string list) (r: CheckResult) : CheckResult =
    match s.Mutation with
    | Some _ when r.MutantRejected.IsSome -> { r with MutantRejected = Some(isViolated r.Verdict) }
    | Some m -> { r with MutantRejected = Some(isViolated r.Verdict); Notes = r.Notes @ [ "mutant of " + m.OriginalId + ": " + m.Description ] }
    | None ->
        match failedAssumptions, r.Verdict with
        | [], _ -> r
        | _, (Verdict.NotCheckable _ | Verdict.Vacuous _ | Verdict.HypothesisNotMet _) -> r
        | hs, v ->
            let heldAnyway =
                match v with
                | Verdict.Held -> Some true
                | Verdict.Violated _ -> Some false
                | _ -> None
            { r with
                Verdict = Verdict.HypothesisNotMet(String.Join("; ", hs), heldAnyway)
                Notes = r.Notes @ [ "conclusion on its own: " + v.Label ] }

/// Protocol rule 2: FAIL if the CP lower limit exceeds δ, PASS if the upper limit is at most δ, else INCONCLUSIVE.
let probabilityVerdict (failures: int) (n: int) (delta: float) (witness: Witness option) : Verdict * Interval =
    let ci = Stats.clopperPearson failures n confidence
    if ci.Lower > delta then
        let w =
            witness
            |> Option.defaultValue { Seed = 0UL; Trial = None; Layer = None; Sample = None; Lhs = float failures / float n; Rhs = delta; Description = "failure rate above delta" }
        Verdict.Violated { w with Description = sprintf "%s (failure rate %d/%d, CP99 [%.4g, %.4g] > delta = %.4g)" w.Description failures n ci.Lower ci.Upper delta }, ci
    elif ci.Upper <= delta then Verdict.Held, ci
    else Verdict.Inconclusive(sprintf "CP99 [%.4g, %.4g] straddles delta = %.4g with %d/%d failures; increase N" ci.Lower ci.Upper delta failures n), ci

let private floatOf (v: Value) = Value.tryFloat v |> Option.defaultValue nan

let private witnessOf (i: Instance) (lhs: Value) (rhs: Value) description =
    { Seed = i.Seed; Trial = i.Trial; Layer = i.Layer; Sample = i.Sample; Lhs = floatOf lhs; Rhs = floatOf rhs
      Description = (if i.Label = "" then description else i.Label + ": " + description) }

/// Hypotheses of the statement that are relations, checked on one instance: the failing ones, as text.
let failedConditions (s: Statement) (i: Instance) =
    s.Hypotheses
    |> List.choose (fun h ->
        match h with
        | Hypothesis.Condition r when not (Relation.holds (Relation.check s.Tolerance i.Bindings r)) -> Some(Relation.toText r)
        | _ -> None)

let private relationOf (s: Statement) = Statement.relation s.Conclusion

/// Protocol rule 1: the relation must hold on every instance (within the statement's tolerance). A violation yields
/// the worst instance (largest relative excess) as witness; Slack summarises RHS/LHS over instances where it is defined.
/// Instances whose relational hypotheses fail are evaluated too; if any, the verdict of an original is HypothesisNotMet.
let deterministic (s: Statement) (mode: CheckMode) (seed: uint64) (instances: Instance seq) : CheckResult =
    let rel = relationOf s
    let slacks = ResizeArray<float>()
    let mutable n = 0
    let mutable worst: (float * Witness) option = None
    let mutable undefined: string option = None
    let mutable conditionFailures = 0
    let mutable conditionText = ""
    for i in instances do
        n <- n + 1
        match failedConditions s i with
        | [] -> ()
        | c :: _ -> conditionFailures <- conditionFailures + 1; conditionText <- c
        match Relation.check s.Tolerance i.Bindings rel with
        | Outcome.Holds(_, _, _, slack) -> slack |> Option.iter slacks.Add
        | Outcome.Fails(l, r, diff, _) ->
            let scale = max 1e-300 (max (abs (floatOf l)) (abs (floatOf r)))
            let excess = diff / scale
            match worst with
            | Some(e, _) when e >= excess -> ()
            | _ -> worst <- Some(excess, witnessOf i l r (sprintf "%s fails by %.6g" (Relation.toText rel) diff))
        | Outcome.Undefined reason -> if undefined.IsNone then undefined <- Some reason
    let verdict =
        match worst, undefined with
        | Some(_, w), _ -> Verdict.Violated w
        | None, Some reason -> Verdict.Inconclusive("undefined on an instance: " + reason)
        | None, None when n = 0 -> Verdict.Inconclusive "no instances"
        | None, None -> Verdict.Held
    let r =
        { blank s mode seed with
            Verdict = verdict
            Trials = n
            Failures = Some(match worst with Some _ -> 1 | None -> 0)
            Slack = (if slacks.Count > 0 then Some(Stats.summary (slacks.ToArray())) else None) }
    let hyp = if conditionFailures > 0 then [ sprintf "%s (fails on %d of %d instances)" conditionText conditionFailures n ] else []
    finish s hyp r

/// Protocol rule 2: every trial evaluates the relation; F failures out of N, Clopper–Pearson 99% against δ.
/// `delta` is the statement's δ evaluated by the caller. The first failing trial is the witness.
let probabilistic (s: Statement) (mode: CheckMode) (seed: uint64) (delta: float) (trials: Instance seq) : CheckResult =
    let rel = relationOf s
    let slacks = ResizeArray<float>()
    let mutable n = 0
    let mutable failures = 0
    let mutable first: Witness option = None
    let mutable conditionFailures = 0
    let mutable conditionText = ""
    let mutable heldWhenConditionFailed = true
    for i in trials do
        n <- n + 1
        let failedHyp = failedConditions s i
        match failedHyp with
        | [] -> ()
        | c :: _ -> conditionFailures <- conditionFailures + 1; conditionText <- c
        match Relation.check s.Tolerance i.Bindings rel with
        | Outcome.Holds(_, _, _, slack) -> slack |> Option.iter slacks.Add
        | Outcome.Fails(l, r, diff, _) ->
            failures <- failures + 1
            if not failedHyp.IsEmpty then heldWhenConditionFailed <- false
            if first.IsNone then first <- Some(witnessOf i l r (sprintf "%s fails by %.6g" (Relation.toText rel) diff))
        | Outcome.Undefined reason ->
            failures <- failures + 1
            if first.IsNone then first <- Some(witnessOf i (Value.Undefined reason) (Value.Undefined reason) ("undefined: " + reason))
    if n = 0 then { blank s mode seed with Verdict = Verdict.Inconclusive "no trials" }
    else
        let verdict, ci = probabilityVerdict failures n delta first
        let r =
            { blank s mode seed with
                Verdict = verdict; Trials = n; Failures = Some failures; Interval = Some ci; Delta = Some delta
                Slack = (if slacks.Count > 0 then Some(Stats.summary (slacks.ToArray())) else None) }
        let hyp =
            if conditionFailures > 0 then [ sprintf "%s (fails on %d of %d trials; conclusion %s there)" conditionText conditionFailures n (if heldWhenConditionFailed then "held" else "failed") ]
            else []
        finish s hyp r

/// The side of the relation that carries the expectation, and the other side (the claim).
let private splitExpectation (rel: Relation) =
    let a, b = Relation.sides rel
    let hasExpect e =
        let rec go e =
            match e with
            | Expect _ -> true
            | Sum xs | Product xs | Max xs | Min xs -> List.exists go xs
            | Power(x, y) -> go x || go y
            | Apply(_, x) -> go x
            | Big(_, _, _, x) -> go x
            | _ -> false
        go e
    if hasExpect a then a, b, true else b, a, false

/// Protocol rule 3: the expectation named by `key` (e.g. "E[Delta^2]") is estimated by the sample mean with a 99%
/// t-interval; the side carrying it is evaluated at both ends of the interval (it must be monotone in the moment) and
/// compared with the other side: equality holds when the claim lies in the interval, an inequality when the whole
/// interval satisfies it; Violated when the whole interval contradicts the claim.
let expectation (s: Statement) (mode: CheckMode) (seed: uint64) (key: string) (sample: float[]) (bindings: Bindings) (witness: Witness) : CheckResult =
    let rel = relationOf s
    let mean, ci = Stats.meanInterval sample confidence
    let estimated, claimSide, estimatedLeft = splitExpectation rel
    let eval x e = Eval.evaluate (Bindings.scalar key x bindings) e |> floatOf
    let lo, hi =
        let a, b = eval ci.Lower estimated, eval ci.Upper estimated
        min a b, max a b
    let claim = Eval.evaluate bindings claimSide |> floatOf
    let tol = s.Tolerance.Tolerance(claim, claim)
    // Orient as "estimate ⋈ claim".
    let le, ge, eq =
        match rel with
        | Relation.Le _ | Relation.Lt _ -> estimatedLeft, not estimatedLeft, false
        | Relation.Ge _ | Relation.Gt _ -> not estimatedLeft, estimatedLeft, false
        | Relation.Eq _ | Relation.ApproxEq _ -> false, false, true
    let fail description = Verdict.Violated { witness with Lhs = eval mean estimated; Rhs = claim; Description = description }
    let verdict =
        if Double.IsNaN lo || Double.IsNaN hi || Double.IsNaN claim then Verdict.Inconclusive "the estimate or the claim is undefined"
        elif eq then
            if claim >= lo - tol && claim <= hi + tol then Verdict.Held
            else fail (sprintf "claimed %.6g outside the 99%% CI [%.6g, %.6g] of the estimate" claim lo hi)
        elif le then
            if hi <= claim + tol then Verdict.Held
            elif lo > claim + tol then fail (sprintf "99%% CI [%.6g, %.6g] above the bound %.6g" lo hi claim)
            else Verdict.Inconclusive(sprintf "99%% CI [%.6g, %.6g] straddles the bound %.6g" lo hi claim)
        elif ge then
            if lo >= claim - tol then Verdict.Held
            elif hi < claim - tol then fail (sprintf "99%% CI [%.6g, %.6g] below the bound %.6g" lo hi claim)
            else Verdict.Inconclusive(sprintf "99%% CI [%.6g, %.6g] straddles the bound %.6g" lo hi claim)
        else Verdict.Inconclusive "unsupported relation"
    { blank s mode seed with
        Verdict = verdict
        Trials = sample.Length
        Interval = Some { ci with Method = ci.Method + " (of " + key + ")" }
        Bindings = [ key, mean; "claim", claim ] }

/// Protocol rule 4: a universal constant is estimated per setting (label, dimension, draws of the smallest constant);
/// the estimate is the largest setting's point value with its interval, growth compares the largest dimension with the
/// smallest, and values above 10 are flagged. `useQuantile` = Some p takes the p-quantile (order-statistic CI) of
/// the draws instead of their mean (t CI).
let universalConstant (name: string) (useQuantile: float option) (settings: (string * float * float[]) list) : ConstantEstimate * Verdict =
    let per =
        settings
        |> List.map (fun (label, dim, draws) ->
            let point, ci =
                match useQuantile with
                | Some p -> Stats.quantileInterval draws p confidence
                | None -> Stats.meanInterval draws confidence
            label, dim, point, ci)
    let _, _, worstPoint, worstCi = per |> List.maxBy (fun (_, _, p, _) -> p)
    let byDim = per |> List.map (fun (l, _, p, _) -> l, p)
    let grows =
        let dims = per |> List.map (fun (_, dm, _, _) -> dm) |> List.distinct
        if dims.Length < 2 then None
        else
            let smallest = per |> List.filter (fun (_, dm, _, _) -> dm = List.min dims) |> List.map (fun (_, _, _, ci) -> ci.Upper) |> List.max
            let largest = per |> List.filter (fun (_, dm, _, _) -> dm = List.max dims) |> List.map (fun (_, _, _, ci) -> ci.Lower) |> List.max
            Some(largest > 1.5 * smallest)
    let suspicious = worstPoint > 10.0
    let estimate = { Name = name; Value = worstPoint; Interval = Some worstCi; ByDimension = byDim; Grows = grows; Suspicious = suspicious }
    let verdict =
        if Double.IsNaN worstPoint then Verdict.Inconclusive("the smallest " + name + " is undefined")
        elif suspicious then Verdict.Inconclusive(sprintf "smallest %s = %.4g > 10: suspicious (any bound using a small %s is unjustified)" name worstPoint name)
        elif grows = Some true then Verdict.Inconclusive(sprintf "smallest %s grows with dimension: not consistent with a universal constant" name)
        else Verdict.Held
    estimate, verdict

/// A bound on a probability that is at least 1 cannot be violated (protocol: report vacuity, not PASS).
let vacuity (bound: float) : string option =
    if bound >= 1.0 then Some(sprintf "the bound %.4g on a probability is >= 1" bound) else None

/// A NotYetCheckable statement's result.
let notCheckable (s: Statement) (mode: CheckMode) (seed: uint64) (reason: string) =
    finish s [] { blank s mode seed with Verdict = Verdict.NotCheckable reason }
