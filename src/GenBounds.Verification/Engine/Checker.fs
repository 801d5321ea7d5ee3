/// The one checker: turns an experiment's evidence into a result for every paper. The verdict procedure follows from
/// the statement's conclusion and the form of the evidence (the shared check protocol, Guha catalog §2):
/// deterministic (every instance; F failures of N), "with probability ≥ 1 − δ" (Clopper–Pearson 99% of the failure rate
/// against δ), in expectation (a 99% t-interval of the mean), a held-out risk (Clopper–Pearson of the error count), and
/// a universal constant (the smallest value consistent with the data, per setting, with its trend). Hypotheses, named
/// assumptions, scope restrictions, mutants and measured definitions are applied here and nowhere else.
module GenBounds.Verification.Checker

open System
open GenBounds.Symbolic

/// Confidence of every interval the checker forms (protocol: 99%).
let confidence = 0.99

/// A constant that must not be exceeded for a universal constant to be plausible (protocol: flag C > 10).
let suspiciousConstant = 10.0

/// Raised when an experiment's evidence cannot be checked against its statement: a symbol the statement uses is not
/// bound, or the evidence has the wrong form for the conclusion. It is a defect of the experiment, never a property of
/// the network, so it stops the run instead of turning into an "inconclusive".
exception ExperimentError of string

let private floatOf (v: Value) = Value.tryFloat v |> Option.defaultValue nan

/// The instance's bindings with the statement's parameters and, in order, the values of its "where" definitions.
let private withParameters (s: Statement) (b: Bindings) =
    let b = s.Parameters |> List.fold (fun acc (n, v) -> Bindings.scalar n v acc) b
    s.Definitions |> List.fold (fun acc (n, e) -> Bindings.scalar n (Eval.evaluate acc e |> floatOf) acc) b

/// The innermost relation and the claim kind it sits in, with the universal constant if any.
let rec private shape (c: Conclusion) =
    match c with
    | Conclusion.WithUniversalConstant(inner, k) -> let kind, _ = shape inner in kind, Some k
    | other -> other, None

let private relationOf (s: Statement) = Statement.relation s.Conclusion

// ---------------------------------------------------------------- binding checks (defects of the experiment)

let private requireBound (s: Statement) (setting: Setting) =
    let bound =
        match setting.Observation with
        | Observation.Instances [] -> None
        | Observation.Instances(i :: _) -> Some(i.Bindings |> Map.toSeq |> Seq.map fst |> Set.ofSeq)
        | Observation.Moments(key, _, b, _) -> Some(Set.add key (b |> Map.toSeq |> Seq.map fst |> Set.ofSeq))
        | Observation.HeldOutRisk(risk, _, _, b, _) -> Some(Set.add risk (b |> Map.toSeq |> Seq.map fst |> Set.ofSeq))
    match bound with
    | None -> ()
    | Some names ->
        let missing = Set.difference (Statement.experimentSymbols s) names
        if not missing.IsEmpty then
            raise (ExperimentError(sprintf "%s: the experiment does not bind %s (setting '%s')" s.Id (String.Join(", ", missing)) setting.Label))

// ---------------------------------------------------------------- per-setting outcome

/// What the checker found on one setting, before hypotheses, roles and mutants are applied.
type private Outcome =
    { Verdict: Verdict
      N: int
      Failures: int
      Interval: Interval option
      Delta: float option
      Slacks: float list
      /// Draws of the smallest universal constant (one per instance, trial or draw), or its interval for a risk.
      Constant: (float * Interval option) option
      ConditionFailures: int
      ConditionText: string
      HeldWhereConditionFailed: bool
      OutOfScope: int }

let private empty verdict =
    { Verdict = verdict; N = 0; Failures = 0; Interval = None; Delta = None; Slacks = []; Constant = None
      ConditionFailures = 0; ConditionText = ""; HeldWhereConditionFailed = true; OutOfScope = 0 }

let private witnessOf (i: Instance) (lhs: float) (rhs: float) description =
    { Seed = i.Seed; Trial = i.Trial; Layer = i.Layer; Sample = i.Sample; Lhs = lhs; Rhs = rhs
      Description = (if i.Label = "" then description else i.Label + ": " + description) }

let private conditions (s: Statement) = s.Hypotheses |> List.choose (function Hypothesis.Condition r -> Some r | _ -> None)
let private restrictions (s: Statement) = s.Hypotheses |> List.choose (function Hypothesis.Restriction r -> Some r | _ -> None)

/// The relational hypotheses that fail under the bindings, as text.
let private failedConditions (s: Statement) (acc: Accuracy) (b: Bindings) =
    conditions s |> List.filter (fun r -> not (Relation.holds (Relation.check acc b r))) |> List.map Relation.toText

let private inScope (s: Statement) (acc: Accuracy) (b: Bindings) =
    restrictions s |> List.forall (fun r -> Relation.holds (Relation.check acc b r))

/// Clopper–Pearson rule: Violated if the lower limit exceeds δ, Held if the upper limit is at most δ.
let probabilityVerdict (failures: int) (n: int) (delta: float) (witness: Witness option) : Verdict * Interval =
    let ci = Stats.clopperPearson failures n confidence
    if ci.Lower > delta then
        let w =
            witness
            |> Option.defaultValue { Seed = 0UL; Trial = None; Layer = None; Sample = None; Lhs = float failures / float n; Rhs = delta; Description = "failure rate above delta" }
        Verdict.Violated { w with Description = sprintf "%s (failure rate %d/%d, CP99 [%.4g, %.4g] > delta = %.4g)" w.Description failures n ci.Lower ci.Upper delta }, ci
    elif ci.Upper <= delta then Verdict.Held, ci
    else Verdict.Inconclusive(sprintf "CP99 [%.4g, %.4g] straddles delta = %.4g with %d/%d failures; increase N" ci.Lower ci.Upper delta failures n), ci

/// Every instance evaluated against the relation; `delta` = Some δ makes it a probabilistic claim over trials.
let private overInstances (s: Statement) (acc: Accuracy) (rel: Relation) (delta: Expr option) (instances: Instance list) =
    let slacks = ResizeArray<float>()
    let mutable n, failures, undefined, outOfScope = 0, 0, 0, 0
    let mutable worst: (float * Witness) option = None
    let mutable first: Witness option = None
    let mutable undefinedReason = ""
    let mutable condFailures, condText, heldWhereFailed = 0, "", true
    let mutable deltaValue = None
    for i0 in instances do
        let b = withParameters s i0.Bindings
        if not (inScope s acc b) then outOfScope <- outOfScope + 1
        else
            n <- n + 1
            if deltaValue.IsNone then deltaValue <- delta |> Option.map (fun d -> Eval.evaluate b d |> floatOf)
            let failedHyp = failedConditions s acc b
            if not failedHyp.IsEmpty then
                condFailures <- condFailures + 1
                condText <- failedHyp.Head
            match Relation.check acc b rel with
            | Outcome.Holds(_, _, _, slack) -> slack |> Option.iter slacks.Add
            | Outcome.Fails(l, r, diff, _) ->
                failures <- failures + 1
                if not failedHyp.IsEmpty then heldWhereFailed <- false
                let lf, rf = floatOf l, floatOf r
                let w = witnessOf i0 lf rf (sprintf "%s fails by %.6g" (Relation.toText rel) diff)
                if first.IsNone then first <- Some w
                let excess = diff / max 1e-300 (max (abs lf) (abs rf))
                match worst with
                | Some(e, _) when e >= excess -> ()
                | _ -> worst <- Some(excess, w)
            | Outcome.Undefined reason ->
                undefined <- undefined + 1
                if undefinedReason = "" then undefinedReason <- reason
                if reason.StartsWith "missing binding" then
                    raise (ExperimentError(sprintf "%s: %s (instance '%s')" s.Id reason i0.Label))
                if delta.IsSome then
                    failures <- failures + 1
                    if first.IsNone then first <- Some(witnessOf i0 nan nan ("undefined: " + reason))
    let baseOutcome =
        { empty Verdict.Held with
            N = n; Failures = failures; Slacks = List.ofSeq slacks; ConditionFailures = condFailures; ConditionText = condText
            HeldWhereConditionFailed = heldWhereFailed; OutOfScope = outOfScope }
    match delta with
    | Some _ when n = 0 -> { baseOutcome with Verdict = Verdict.Inconclusive "no trials in scope" }
    | Some _ ->
        let d = defaultArg deltaValue nan
        if Double.IsNaN d then raise (ExperimentError(sprintf "%s: delta is undefined on the trials' bindings" s.Id))
        let verdict, ci = probabilityVerdict failures n d first
        { baseOutcome with Verdict = verdict; Interval = Some ci; Delta = Some d }
    | None ->
        let verdict =
            match worst with
            | Some(_, w) -> Verdict.Violated { w with Description = sprintf "%s (%d of %d instances fail)" w.Description failures n }
            | None when undefined > 0 -> Verdict.Inconclusive(sprintf "undefined on %d of %d instances: %s" undefined n undefinedReason)
            | None when n = 0 -> Verdict.Inconclusive "no instances in scope"
            | None -> Verdict.Held
        { baseOutcome with Verdict = verdict }

/// The side of the relation that carries `key` (the estimated side) and the other side; whether the key is on the left.
let private splitOn (key: string) (rel: Relation) =
    let a, b = Relation.sides rel
    if Expr.contains key a then a, b, true
    elif Expr.contains key b then b, a, false
    else raise (ExperimentError(sprintf "the estimated quantity %s appears on neither side of %s" key (Relation.toText rel)))

/// Compares an estimated side, known only through an interval of `key` (it must be monotone in it), with the other
/// side: equality holds when the claim lies in the interval, an inequality when the whole interval satisfies it, and
/// the claim is violated when the whole interval contradicts it.
let private intervalCompare (acc: Accuracy) (rel: Relation) (key: string) (point: float) (ci: Interval) (bindings: Bindings) (witness: Instance) (what: string) =
    let estimated, claimSide, estimatedLeft = splitOn key rel
    let eval x e = Eval.evaluate (Bindings.scalar key x bindings) e |> floatOf
    let lo, hi = let a, b = eval ci.Lower estimated, eval ci.Upper estimated in min a b, max a b
    let claim = Eval.evaluate bindings claimSide |> floatOf
    let tol = acc.Tolerance(claim, claim)
    // Oriented as "estimate ⋈ claim": ≤ when `le`, = when `eq`, ≥ otherwise.
    let le, eq =
        match rel with
        | Relation.Le _ | Relation.Lt _ -> estimatedLeft, false
        | Relation.Ge _ | Relation.Gt _ -> not estimatedLeft, false
        | Relation.Eq _ | Relation.ApproxEq _ -> false, true
    let fail description = Verdict.Violated(witnessOf witness (eval point estimated) claim description)
    let verdict =
        if Double.IsNaN lo || Double.IsNaN hi || Double.IsNaN claim then Verdict.Inconclusive "the estimate or the claim is undefined"
        elif eq then
            if claim >= lo - tol && claim <= hi + tol then Verdict.Held
            else fail (sprintf "claimed %.6g outside the 99%% %s [%.6g, %.6g]" claim what lo hi)
        elif le then
            if hi <= claim + tol then Verdict.Held
            elif lo > claim + tol then fail (sprintf "99%% %s [%.6g, %.6g] above the bound %.6g" what lo hi claim)
            else Verdict.Inconclusive(sprintf "99%% %s [%.6g, %.6g] straddles the bound %.6g" what lo hi claim)
        else
            if lo >= claim - tol then Verdict.Held
            elif hi < claim - tol then fail (sprintf "99%% %s [%.6g, %.6g] below the bound %.6g" what lo hi claim)
            else Verdict.Inconclusive(sprintf "99%% %s [%.6g, %.6g] straddles the bound %.6g" what lo hi claim)
    verdict, claim

let private conditionsOn (s: Statement) (acc: Accuracy) (b: Bindings) (o: Outcome) =
    match failedConditions s acc b with
    | [] -> o
    | c :: _ -> { o with ConditionFailures = 1; ConditionText = c; HeldWhereConditionFailed = (o.Verdict = Verdict.Held) }

/// An expectation from draws (t-interval of the mean).
let private overMoments (s: Statement) (acc: Accuracy) (rel: Relation) key (draws: float[]) (bindings: Bindings) (witness: Instance) =
    if draws.Length = 0 then raise (ExperimentError(sprintf "%s: no draws of %s" s.Id key))
    let b = withParameters s bindings
    let mean, ci = Stats.meanInterval draws confidence
    let verdict, _ = intervalCompare acc rel key mean ci b witness ("CI of the mean of " + key)
    conditionsOn s acc b { empty verdict with N = draws.Length; Interval = Some { ci with Method = ci.Method + " (of " + key + ")" } }

/// A held-out 0-1 risk (Clopper–Pearson of the error count); a bound on a probability that is at least 1 is vacuous.
let private overRisk (s: Statement) (acc: Accuracy) (rel: Relation) risk errors n (bindings: Bindings) (witness: Instance) =
    let b = withParameters s bindings
    let ci = Stats.clopperPearson errors n confidence
    let _, claimSide, _ = splitOn risk rel
    let bound = Eval.evaluate b claimSide |> floatOf
    let vacuous =
        match rel with
        | Relation.Le _ | Relation.Lt _ when bound >= 1.0 -> Some(sprintf "the bound %.4g on a probability is >= 1" bound)
        | _ -> None
    let verdict =
        match vacuous with
        | Some reason -> Verdict.Vacuous reason
        | None -> fst (intervalCompare acc rel risk (float errors / float n) ci b witness ("Clopper-Pearson interval of the held-out error"))
    conditionsOn s acc b { empty verdict with N = n; Failures = errors; Interval = Some ci }

// ---------------------------------------------------------------- universal constants

/// For a relation linear in the constant `c` (lhs ≤ c·rest or c·rest ≥ lhs): the side without c and c's cofactor
/// rest, so that the smallest constant is lhs/rest (given rest > 0).
let private constantParts (c: string) (rel: Relation) =
    match Relation.smallestConstant c rel with
    | None -> raise (ExperimentError(sprintf "the relation %s is not linear in the universal constant %s (a catalog defect)" (Relation.toText rel) c))
    | Some _ ->
        let bound, other =
            match rel with
            | Relation.Le(a, b) | Relation.Lt(a, b) -> b, a
            | Relation.Ge(a, b) | Relation.Gt(a, b) -> a, b
            | Relation.Eq(a, b) | Relation.ApproxEq(a, b, _) -> b, a
        other, Expr.substitute c Expr.one bound

/// lhs/rest from evaluated sides (nan where rest is not positive or a side is undefined).
let private ratioOf (other: float) (rest: float) = if rest > 0.0 then other / rest else nan

/// The smallest constant `c` for which `rel` holds under the bindings (nan where undefined).
let private smallest (c: string) (rel: Relation) (b: Bindings) =
    let other, rest = constantParts c rel
    ratioOf (Eval.evaluate b other |> floatOf) (Eval.evaluate b rest |> floatOf)

/// Per setting: the smallest constant's point value and interval, aggregated by the claim kind it sits in.
let private constantOf (s: Statement) (c: string) (kind: Conclusion) (setting: Setting) =
    let rel = Statement.relation kind
    let draws, riskInterval =
        match setting.Observation with
        | Observation.Instances instances ->
            instances |> List.map (fun i -> smallest c rel (withParameters s i.Bindings)) |> Array.ofList, None
        | Observation.Moments(key, xs, b, _) ->
            let b = withParameters s b
            let other, rest = constantParts c rel
            // The cofactor rarely involves the sampled quantity: evaluate it once (it may sum over whole matrices).
            if Expr.contains key rest then xs |> Array.map (fun x -> smallest c rel (Bindings.scalar key x b)), None
            else
                let r = Eval.evaluate b rest |> floatOf
                xs |> Array.map (fun x -> ratioOf (Eval.evaluate (Bindings.scalar key x b) other |> floatOf) r), None
        | Observation.HeldOutRisk(risk, errors, n, b, _) ->
            let b = withParameters s b
            let ci = Stats.clopperPearson errors n confidence
            let at x = smallest c rel (Bindings.scalar risk x b)
            let lo, hi = let a, z = at ci.Lower, at ci.Upper in min a z, max a z
            [| at (float errors / float n) |], Some { ci with Lower = lo; Upper = hi; Method = "Clopper-Pearson of the held-out error" }
    let finite = draws |> Array.filter (fun x -> not (Double.IsNaN x))
    if finite.Length = 0 then nan, None, draws.Length
    else
        match riskInterval, kind with
        | Some ci, _ -> finite.[0], Some ci, 1
        | None, Conclusion.WithProbability(_, delta, _) ->
            let d =
                match setting.Observation with
                | Observation.Instances(i :: _) -> Eval.evaluate (withParameters s i.Bindings) delta |> floatOf
                | _ -> nan
            let point, ci = Stats.quantileInterval finite (1.0 - d) confidence
            point, Some ci, finite.Length
        | None, Conclusion.InExpectation _ ->
            let point, ci = Stats.meanInterval finite confidence
            point, Some ci, finite.Length
        | None, _ -> Array.max finite, None, finite.Length

let private constantVerdict (name: string) (exactScaling: bool) (perSetting: (Setting * float * Interval option * int) list) =
    let lowerOf (p: float) (ci: Interval option) = ci |> Option.map (fun i -> i.Lower) |> Option.defaultValue p
    let upperOf (p: float) (ci: Interval option) = ci |> Option.map (fun i -> i.Upper) |> Option.defaultValue p
    let worstSetting, worstPoint, worstCi, _ = perSetting |> List.maxBy (fun (_, p, _, _) -> if Double.IsNaN p then infinity else p)
    let dims = perSetting |> List.choose (fun (st, _, _, _) -> st.Dimension) |> List.distinct
    let atDim pick f = perSetting |> List.filter (fun (st, _, _, _) -> st.Dimension = Some(pick dims)) |> List.map f |> List.max
    let grows, growth =
        if dims.Length < 2 then None, nan
        else
            let ratio = atDim List.max (fun (_, p, _, _) -> p) / atDim List.min (fun (_, p, _, _) -> p)
            if exactScaling then Some(ratio > 1.5), ratio
            else
                let small = atDim List.min (fun (_, p, ci, _) -> upperOf p ci)
                let large = atDim List.max (fun (_, p, ci, _) -> lowerOf p ci)
                Some(large > 1.5 * small), ratio
    let estimate =
        { Name = name; Value = worstPoint; Interval = worstCi
          ByDimension = perSetting |> List.map (fun (st, p, _, _) -> st.Label, p); Grows = grows
          Suspicious = worstPoint > suspiciousConstant }
    let verdict =
        if Double.IsNaN worstPoint then Verdict.Inconclusive("the smallest " + name + " is undefined")
        elif exactScaling && grows = Some true then
            let endSetting, endPoint, endCi, _ = perSetting |> List.filter (fun (st, _, _, _) -> st.Dimension = Some(List.max dims)) |> List.head
            let endLower = lowerOf endPoint endCi
            let seed =
                match endSetting.Observation with
                | Observation.Instances(i :: _) -> i.Seed
                | Observation.Moments(_, _, _, w) | Observation.HeldOutRisk(_, _, _, _, w) -> w.Seed
                | Observation.Instances [] -> 0UL
            if endLower > 0.0 then
                Verdict.Violated
                    { Seed = seed; Trial = None; Layer = None; Sample = None; Lhs = endLower; Rhs = suspiciousConstant
                      Description =
                        sprintf "the smallest %s grows along an exact scaling family that can be pushed arbitrarily far (x%.4g from the first to '%s', where it is at least %.4g), so no constant satisfies the claim" name growth endSetting.Label endLower }
            else Verdict.Inconclusive(sprintf "the smallest %s grows along an exact scaling family (x%.4g), but the bounded quantity is not positive with confidence here, so there is no witness" name growth)
        elif grows = Some true then Verdict.Inconclusive(sprintf "smallest %s grows with dimension: not consistent with a universal constant" name)
        elif lowerOf worstPoint worstCi <= 0.0 || worstPoint <= suspiciousConstant then Verdict.Held
        else Verdict.Inconclusive(sprintf "smallest %s = %.4g > %g at '%s': suspicious (any bound using a small %s is unjustified)" name worstPoint suspiciousConstant worstSetting.Label name)
    estimate, verdict

// ---------------------------------------------------------------- the check

let private settingOutcome (s: Statement) (setting: Setting) =
    let acc = setting.Tolerance |> Option.defaultValue s.Tolerance
    let kind, _ = shape s.Conclusion
    let rel = relationOf s
    match kind, setting.Observation with
    | Conclusion.WithProbability(_, delta, _), Observation.Instances instances -> overInstances s acc rel (Some delta) instances
    | (Conclusion.Deterministic _ | Conclusion.InExpectation _), Observation.Instances instances -> overInstances s acc rel None instances
    | Conclusion.InExpectation _, Observation.Moments(key, draws, b, w) -> overMoments s acc rel key draws b w
    | (Conclusion.Deterministic _ | Conclusion.InExpectation _), Observation.HeldOutRisk(risk, errors, n, b, w) -> overRisk s acc rel risk errors n b w
    // A claim "with probability ≥ 1 − δ over S" is observed on the one training set there is: the held-out comparison
    // checks the event on that draw (a violation has probability at most δ if the claim holds).
    | Conclusion.WithProbability(_, delta, _), Observation.HeldOutRisk(risk, errors, n, b, w) ->
        let o = overRisk s acc rel risk errors n b w
        { o with Delta = Some(Eval.evaluate (withParameters s b) delta |> floatOf) }
    | _, o ->
        raise (ExperimentError(sprintf "%s: a %s observation cannot check a %s conclusion" s.Id (match o with Observation.Instances _ -> "per-instance" | Observation.Moments _ -> "moment" | Observation.HeldOutRisk _ -> "held-out risk") (match kind with Conclusion.WithProbability _ -> "probabilistic" | Conclusion.Deterministic _ -> "deterministic" | _ -> "expectation")))

/// A result with no verdict detail yet.
let blank (s: Statement) (mode: CheckMode) (seed: uint64) : CheckResult =
    { StatementId = s.Id; Mode = mode; Verdict = Verdict.Held; MutantRejected = None; Trials = 0; Failures = None; OutOfScope = 0
      Interval = None; Delta = None; Slack = None; Constant = None; Bindings = []; Seed = seed; Layer = None
      Notes = []; Figures = []; Settings = []; Caps = []; Seconds = 0.0 }

let private isViolated v = match v with Verdict.Violated _ -> true | _ -> false

/// Mutants record whether they were rejected; an original whose hypotheses failed reports HypothesisNotMet with whether
/// its conclusion held anyway (a vacuous bound: held trivially, and the hypothesis text says it is vacuous); a definition that holds by construction is a measurement, not evidence.
let private finish (s: Statement) (failedHypotheses: string list) (r: CheckResult) =
    match s.Mutation with
    | Some m -> { r with MutantRejected = Some(isViolated r.Verdict); Notes = r.Notes @ [ sprintf "mutant (%s) of %s: %s" m.Kind.Label m.OriginalId m.Description ] }
    | None ->
        let r =
            match failedHypotheses, r.Verdict with
            | [], _
            | _, (Verdict.NotCheckable _ | Verdict.HypothesisNotMet _) -> r
            // A failed hypothesis is the finding; a vacuous conclusion holds only trivially, and the verdict says both.
            | hs, Verdict.Vacuous reason ->
                { r with Verdict = Verdict.HypothesisNotMet(String.Join("; ", hs) + "; the bound is vacuous: " + reason, Some true)
                         Notes = r.Notes @ [ "conclusion on its own: vacuous (" + reason + ")" ] }
            | hs, v ->
                let heldAnyway = match v with Verdict.Held -> Some true | Verdict.Violated _ -> Some false | _ -> None
                { r with Verdict = Verdict.HypothesisNotMet(String.Join("; ", hs), heldAnyway); Notes = r.Notes @ [ "conclusion on its own: " + v.Label ] }
        match s.ByConstruction, r.Verdict with
        | Some why, Verdict.Held -> { r with Verdict = Verdict.Measured why }
        | _ -> r

/// The result of a statement that the verifier cannot check yet.
let notCheckable (s: Statement) (mode: CheckMode) (seed: uint64) (reason: string) =
    finish s [] { blank s mode seed with Verdict = Verdict.NotCheckable reason }

/// Checks one statement (or mutant) in one mode on its evidence.
let check (s: Statement) (mode: CheckMode) (seed: uint64) (e: Evidence) : CheckResult =
    let baseResult =
        { blank s mode seed with Bindings = e.Measured; Notes = e.Notes; Figures = e.Figures; Caps = e.Caps; Constant = e.Constant }
    match e.Unavailable, e.Settings with
    | Some reason, _ -> finish s [] { baseResult with Verdict = Verdict.Inconclusive reason }
    | None, [] -> raise (ExperimentError(sprintf "%s: the experiment returned no settings" s.Id))
    | None, settings ->
      try
        for st in settings do requireBound s st
        let kind, constant = shape s.Conclusion
        let outcomes = settings |> List.map (fun st -> st, settingOutcome s st)
        let assumptionIds = s.Hypotheses |> List.choose (function Hypothesis.NamedAssumption(id, _) -> Some id | _ -> None) |> Set.ofList
        let failedAssumptions =
            e.FailedAssumptions |> List.filter (fun (id, _) -> assumptionIds.Contains id) |> List.map (fun (id, why) -> sprintf "%s (%s)" id why) |> List.distinct
        let condFailures = outcomes |> List.sumBy (fun (_, o) -> o.ConditionFailures)
        let n = outcomes |> List.sumBy (fun (_, o) -> o.N)
        let failedConditions =
            if condFailures = 0 then []
            else
                let text = outcomes |> List.pick (fun (_, o) -> if o.ConditionFailures > 0 then Some o.ConditionText else None)
                let held = outcomes |> List.forall (fun (_, o) -> o.HeldWhereConditionFailed)
                [ sprintf "%s (fails on %d of %d instances; the conclusion %s there)" text condFailures n (if held then "held" else "failed") ]
        let slacks = outcomes |> List.collect (fun (_, o) -> o.Slacks) |> Array.ofList
        let outOfScope = outcomes |> List.sumBy (fun (_, o) -> o.OutOfScope)
        let combined =
            match constant with
            | Some c ->
                let per = settings |> List.map (fun st -> let p, ci, k = constantOf s c kind st in st, p, ci, k)
                let estimate, verdict = constantVerdict c e.ExactScaling per
                { baseResult with
                    Verdict = verdict; Trials = per |> List.sumBy (fun (_, _, _, k) -> k); Constant = Some estimate; Interval = estimate.Interval
                    Settings =
                        if per.Length < 2 then []
                        else [ for st, p, ci, k in per -> { Label = st.Label; Verdict = verdict; Trials = k; Failures = 0; Interval = ci; Delta = None; Constant = Some p } ] }
            | None ->
                let worst = outcomes |> List.maxBy (fun (_, o) -> o.Verdict.Severity) |> snd
                let single = outcomes.Length = 1
                { baseResult with
                    Verdict = worst.Verdict; Trials = n; Failures = Some(outcomes |> List.sumBy (fun (_, o) -> o.Failures))
                    Interval = (if single then worst.Interval else worst.Interval)
                    Delta = worst.Delta
                    Settings =
                        if single then []
                        else [ for st, o in outcomes -> { Label = st.Label; Verdict = o.Verdict; Trials = o.N; Failures = o.Failures; Interval = o.Interval; Delta = o.Delta; Constant = None } ] }
        let oneDrawOfS =
            match kind with
            | Conclusion.WithProbability _ when settings |> List.exists (fun st -> match st.Observation with Observation.HeldOutRisk _ -> true | _ -> false) ->
                [ "the claim holds with probability >= 1 - delta over the draw of S; this checks the one S there is (a violation has probability at most delta if the claim holds)" ]
            | _ -> []
        let combined =
            { combined with
                OutOfScope = outOfScope
                Slack = (if slacks.Length > 0 then Some(Stats.summary slacks) else None)
                Notes = combined.Notes @ oneDrawOfS @ (if outOfScope > 0 then [ sprintf "%d instances outside the claim's scope (restriction) were not counted" outOfScope ] else []) }
        finish s (failedConditions @ failedAssumptions) combined
      with ExperimentError msg when not (msg.StartsWith(s.Id + ":")) -> raise (ExperimentError(s.Id + ": " + msg))
