namespace GenBounds.Symbolic

open System

/// A floating-point tolerance: a and b agree when |a − b| ≤ Absolute + Relative · max(|a|, |b|).
[<StructuralEquality; NoComparison>]
type Accuracy =
    { Absolute: float
      Relative: float }

    /// abs 1e-6, rel 1e-3.
    static member Low = { Absolute = 1e-6; Relative = 1e-3 }
    /// abs 1e-8, rel 1e-5.
    static member Medium = { Absolute = 1e-8; Relative = 1e-5 }
    /// abs 1e-10, rel 1e-7.
    static member High = { Absolute = 1e-10; Relative = 1e-7 }
    /// abs 1e-12, rel 1e-9 (e.g. spectral norms by full SVD).
    static member VeryHigh = { Absolute = 1e-12; Relative = 1e-9 }

    /// The allowed difference between a and b.
    member acc.Tolerance(a: float, b: float) =
        acc.Absolute + acc.Relative * max (abs a) (abs b)

    /// Component-wise the looser of two accuracies.
    static member Looser(a: Accuracy, b: Accuracy) =
        { Absolute = max a.Absolute b.Absolute
          Relative = max a.Relative b.Relative }

/// A claimed relation between two expressions.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Relation =
    /// lhs ≤ rhs.
    | Le of Expr * Expr
    /// lhs &lt; rhs (numerically checked like ≤: strictness is not observable within a tolerance).
    | Lt of Expr * Expr
    /// lhs ≥ rhs.
    | Ge of Expr * Expr
    /// lhs > rhs (checked like ≥).
    | Gt of Expr * Expr
    /// lhs = rhs, up to floating-point rounding (the statement's accuracy).
    | Eq of Expr * Expr
    /// lhs ≈ rhs: the source itself claims only approximate equality, within the given accuracy
    /// (the check uses the looser of this and the statement's accuracy).
    | ApproxEq of Expr * Expr * Accuracy

/// The result of checking a relation on one set of bindings.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Outcome =
    /// The relation holds. Margin is how far inside it is (rhs − lhs for ≤, lhs − rhs for ≥, the allowed
    /// tolerance minus |lhs − rhs| for equalities); Slack is bound / actual (rhs/lhs for ≤, lhs/rhs for ≥)
    /// when both are positive and finite.
    | Holds of lhs: Value * rhs: Value * margin: float * slack: float option
    /// The relation fails: Difference is the signed violation (lhs − rhs for ≤, rhs − lhs for ≥,
    /// |lhs − rhs| for equalities) and Tolerance the allowance it exceeded.
    | Fails of lhs: Value * rhs: Value * difference: float * tolerance: float
    /// A side has no value (or an indeterminate comparison such as ∞ ≈ ∞ within a relative tolerance).
    | Undefined of reason: string

/// Building, rendering and checking relations.
module Relation =

    /// The two sides.
    let sides (r: Relation) =
        match r with
        | Relation.Le(a, b)
        | Relation.Lt(a, b)
        | Relation.Ge(a, b)
        | Relation.Gt(a, b)
        | Relation.Eq(a, b)
        | Relation.ApproxEq(a, b, _) -> a, b

    /// The same relation with both sides transformed.
    let map (f: Expr -> Expr) (r: Relation) =
        match r with
        | Relation.Le(a, b) -> Relation.Le(f a, f b)
        | Relation.Lt(a, b) -> Relation.Lt(f a, f b)
        | Relation.Ge(a, b) -> Relation.Ge(f a, f b)
        | Relation.Gt(a, b) -> Relation.Gt(f a, f b)
        | Relation.Eq(a, b) -> Relation.Eq(f a, f b)
        | Relation.ApproxEq(a, b, acc) -> Relation.ApproxEq(f a, f b, acc)

    /// The opposite claim's direction: ≤ becomes ≥ and ≥ becomes ≤ (strictness dropped); equalities are unchanged.
    /// A claim that a bound is never exceeded, reversed, claims it is always attained: the classic false-on-purpose
    /// mutant of a loose inequality.
    let reverse (r: Relation) =
        match r with
        | Relation.Le(a, b) | Relation.Lt(a, b) -> Relation.Ge(a, b)
        | Relation.Ge(a, b) | Relation.Gt(a, b) -> Relation.Le(a, b)
        | other -> other

    /// Names both sides need bound (see <c>Expr.symbols</c>).
    let symbols (r: Relation) =
        let a, b = sides r
        Set.union (Expr.symbols a) (Expr.symbols b)

    /// Substitutes a scalar symbol on both sides.
    let substitute name value (r: Relation) = map (Expr.substitute name value) r

    /// The layout lhs ⋈ rhs.
    let layoutWith (notation: Notation) (r: Relation) =
        let op =
            match r with
            | Relation.Le _ -> Op.Le
            | Relation.Lt _ -> Op.Lt
            | Relation.Ge _ -> Op.Ge
            | Relation.Gt _ -> Op.Gt
            | Relation.Eq _ -> Op.Eq
            | Relation.ApproxEq _ -> Op.Approx

        let a, b = sides r
        Layout.Row [ Layout.ofExprWith notation a; Layout.Op op; Layout.ofExprWith notation b ]

    /// LaTeX, e.g. <c>a \le b</c>.
    let toLatex r = Latex.ofLayout (layoutWith Map.empty r)
    /// A MathML document.
    let toMathML r = MathML.ofLayoutDocument (layoutWith Map.empty r)
    /// Plain text, e.g. <c>a &lt;= b</c>.
    let toText r = Text.ofLayout (layoutWith Map.empty r)

    let private ordered isLe (l: Value) (r: Value) (acc: Accuracy) =
        // For ≥ swap the roles, so "small" is the side that must not exceed the other.
        let small, big = if isLe then l, r else r, l

        match Value.tryFloat small, Value.tryFloat big with
        | None, _ -> Outcome.Undefined(Value.format small)
        | _, None -> Outcome.Undefined(Value.format big)
        | Some s, Some b when Double.IsInfinity s || Double.IsInfinity b ->
            // No tolerance on the extended line: an infinite tolerance would accept anything.
            if s <= b then Outcome.Holds(l, r, b - s, None)
            else Outcome.Fails(l, r, s - b, 0.0)
        | Some s, Some b ->
            let tol = acc.Tolerance(s, b)

            if s <= b + tol then
                Outcome.Holds(l, r, b - s, (if s > 0.0 && b > 0.0 then Some(b / s) else None))
            else
                Outcome.Fails(l, r, s - b, tol)

    let private equal (l: Value) (r: Value) (acc: Accuracy) =
        match Value.tryFloat l, Value.tryFloat r with
        | None, _ -> Outcome.Undefined(Value.format l)
        | _, None -> Outcome.Undefined(Value.format r)
        | Some a, Some b when Double.IsInfinity a || Double.IsInfinity b ->
            if a = b then Outcome.Holds(l, r, 0.0, None) else Outcome.Fails(l, r, infinity, 0.0)
        | Some a, Some b ->
            let tol = acc.Tolerance(a, b)
            let d = abs (a - b)
            if d <= tol then Outcome.Holds(l, r, tol - d, None) else Outcome.Fails(l, r, d, tol)

    /// Checks the relation under the bindings. Inequalities hold when lhs ≤ rhs + tol (resp. lhs ≥ rhs − tol)
    /// with tol = Absolute + Relative · max(|lhs|, |rhs|); equalities when |lhs − rhs| ≤ tol. Infinite sides
    /// are compared exactly on the extended real line; an undefined side gives Outcome.Undefined.
    let check (accuracy: Accuracy) (bindings: Bindings) (r: Relation) : Outcome =
        let a, b = sides r
        let l = Eval.evaluate bindings a
        let rv = Eval.evaluate bindings b

        match r with
        | Relation.Le _
        | Relation.Lt _ -> ordered true l rv accuracy
        | Relation.Ge _
        | Relation.Gt _ -> ordered false l rv accuracy
        | Relation.Eq _ -> equal l rv accuracy
        | Relation.ApproxEq(_, _, own) -> equal l rv (Accuracy.Looser(accuracy, own))

    /// True for Outcome.Holds.
    let holds (o: Outcome) =
        match o with
        | Outcome.Holds _ -> true
        | Outcome.Fails _
        | Outcome.Undefined _ -> false

    /// For a relation that is linear in a constant C — lhs ≤ C·rhs′ (or C·rhs′ ≥ lhs, strict or not) with C a
    /// positive-coefficient factor of the product on its side and nowhere else — the expression lhs / rhs′,
    /// i.e. the smallest C for which the relation holds (given rhs′ > 0, which only evaluation can tell).
    /// None when C does not occur in that shape (e.g. C + x, C², C on both sides, equalities).
    let smallestConstant (constant: string) (r: Relation) : Expr option =
        let bound, other =
            match r with
            | Relation.Le(a, b)
            | Relation.Lt(a, b) -> Some b, Some a
            | Relation.Ge(a, b)
            | Relation.Gt(a, b) -> Some a, Some b
            | Relation.Eq _
            | Relation.ApproxEq _ -> None, None

        match bound, other with
        | Some bound, Some other when not (Expr.contains constant other) ->
            let c = Symbol constant

            let rest =
                match bound with
                | Symbol s when s = constant -> Some Expr.one
                | Product fs when List.contains c fs ->
                    let others = fs |> List.filter (fun f -> f <> c)

                    let positiveCoefficient =
                        match others with
                        | Number q :: _ -> q.Sign > 0
                        | Approx x :: _ -> x > 0.0
                        | _ -> true

                    if positiveCoefficient && not (others |> List.exists (Expr.contains constant)) then
                        Some(Expr.mul others)
                    else
                        None
                | _ -> None

            rest |> Option.map (fun rhs -> Expr.div other rhs)
        | _ -> None

    /// The numerical smallest constant under the bindings (Undefined when rhs′ ≤ 0 or a side is undefined);
    /// None when the relation is not linear in the constant (see <see cref="smallestConstant"/>).
    let smallestConstantValue (constant: string) (bindings: Bindings) (r: Relation) : Value option =
        let bound =
            match r with
            | Relation.Le(_, b)
            | Relation.Lt(_, b) -> b
            | Relation.Ge(a, _)
            | Relation.Gt(a, _)
            | Relation.Eq(a, _)
            | Relation.ApproxEq(a, _, _) -> a

        smallestConstant constant r
        |> Option.map (fun ratio ->
            // The coefficient rhs′ is C's cofactor: evaluate it at C = 1 to check its sign.
            match Eval.evaluate bindings (Expr.substitute constant Expr.one bound) with
            | Value.Real x when x > 0.0 -> Eval.evaluate bindings ratio
            | Value.Undefined m -> Value.Undefined m
            | _ -> Value.Undefined("the factor multiplying " + constant + " is not positive"))

/// The three relation operators (the only custom operators of the library): <c>a &lt;=. b</c> is
/// Relation.Le(a, b), <c>a >=. b</c> is Relation.Ge(a, b), <c>a ==. b</c> is Relation.Eq(a, b). The dot keeps
/// them apart from F#'s own comparisons, which would compare expressions structurally.
[<AutoOpen>]
module RelationOperators =
    /// lhs ≤ rhs.
    let (<=.) (lhs: Expr) (rhs: Expr) = Relation.Le(lhs, rhs)
    /// lhs ≥ rhs.
    let (>=.) (lhs: Expr) (rhs: Expr) = Relation.Ge(lhs, rhs)
    /// lhs = rhs.
    let (==.) (lhs: Expr) (rhs: Expr) = Relation.Eq(lhs, rhs)
