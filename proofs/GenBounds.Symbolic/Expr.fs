namespace GenBounds.Symbolic

open System
open System.Globalization
open System.Numerics

/// An exact rational number p/q in lowest terms with q > 0, so structural equality is numeric equality.
[<StructuralEquality; NoComparison>]
type Rational =
    private
        { N: BigInteger
          D: BigInteger }

    /// The numerator p of p/q (carries the sign).
    member r.Numerator = r.N
    /// The denominator q > 0 of p/q.
    member r.Denominator = r.D
    /// True when q = 1.
    member r.IsInteger = r.D.IsOne
    /// The nearest double to p/q (computed as a quotient of doubles; huge p, q may overflow to ±∞).
    member r.ToFloat() = float r.N / float r.D

    /// p/q reduced to lowest terms; q must be non-zero.
    static member Create(p: BigInteger, q: BigInteger) =
        if q.IsZero then invalidArg "q" "a rational number needs a non-zero denominator"
        let g = BigInteger.GreatestCommonDivisor(p, q)
        let s = if q.Sign < 0 then BigInteger.MinusOne else BigInteger.One
        { N = s * p / g; D = s * q / g }

    /// The integer n as n/1.
    static member OfInt(n: int) = { N = BigInteger n; D = BigInteger.One }

    static member (+)(a: Rational, b: Rational) = Rational.Create(a.N * b.D + b.N * a.D, a.D * b.D)
    static member (*)(a: Rational, b: Rational) = Rational.Create(a.N * b.N, a.D * b.D)
    static member (~-)(a: Rational) = { N = -a.N; D = a.D }

    /// a^n for an integer n; a must be non-zero when n < 0.
    static member Pow(a: Rational, n: int) =
        if n >= 0 then
            { N = BigInteger.Pow(a.N, n); D = BigInteger.Pow(a.D, n) }
        else
            Rational.Create(BigInteger.Pow(a.D, -n), BigInteger.Pow(a.N, -n))

    /// Sign of p/q: -1, 0 or 1.
    member r.Sign = r.N.Sign

    /// Numeric order of two rationals.
    static member Compare(a: Rational, b: Rational) = BigInteger.Compare(a.N * b.D, b.N * a.D)

    override r.ToString() =
        if r.D.IsOne then
            r.N.ToString(CultureInfo.InvariantCulture)
        else
            r.N.ToString(CultureInfo.InvariantCulture) + "/" + r.D.ToString(CultureInfo.InvariantCulture)

/// Named mathematical constants, kept symbolic so they print as letters.
[<RequireQualifiedAccess>]
type NamedConstant =
    /// Euler's number e = exp 1.
    | E
    /// π, the ratio of a circle's circumference to its diameter.
    | Pi

/// Elementary real functions of one argument.
[<RequireQualifiedAccess>]
type Function =
    /// Natural logarithm ln x, defined for x > 0 (ln 0 = −∞).
    | Ln
    /// Exponential e^x.
    | Exp
    /// Gauss error function erf x = (2/√π) ∫₀ˣ e^{−t²} dt.
    | Erf
    /// Absolute value |x|.
    | Abs

/// Big operators that reduce a family of values indexed by one index variable.
[<RequireQualifiedAccess>]
type BigOperator =
    /// Σ over the index range (0 on an empty range).
    | Sum
    /// Π over the index range (1 on an empty range).
    | Product
    /// Maximum over the index range (undefined on an empty range).
    | Max
    /// Minimum over the index range (undefined on an empty range).
    | Min

/// A real-valued mathematical expression. Build values through the smart constructors in module
/// <c>Expr</c> and the operators on this type: they flatten, sort and constant-fold sums, products and
/// maxima so that two expressions that are equal by those rules are structurally equal. Building cases
/// directly is allowed but bypasses that normalisation.
[<StructuralEquality; NoComparison>]
type Expr =
    /// An exact rational constant.
    | Number of Rational
    /// An inexact (floating-point) constant; only finite values are meaningful.
    | Approx of float
    /// A named constant (e, π).
    | Const of NamedConstant
    /// A scalar variable, bound by name at evaluation time (or the current value of an enclosing index).
    | Symbol of string
    /// An entry of a vector or matrix variable, e.g. X_{ij} = Indexed("X", ["i"; "j"]). The index
    /// variables are bound by enclosing big operators; values are 1-based.
    | Indexed of string * string list
    /// A sum of at least two terms.
    | Sum of Expr list
    /// A product of at least two factors (a numeric coefficient, if any, comes first).
    | Product of Expr list
    /// base ^ exponent; a negative exponent is a division, exponent 1/2 a square root.
    | Power of Expr * Expr
    /// An elementary function applied to an argument.
    | Apply of Function * Expr
    /// The maximum of at least two expressions.
    | Max of Expr list
    /// The minimum of at least two expressions.
    | Min of Expr list
    /// A big operator over an index variable and its range, applied to a body.
    | Big of BigOperator * index: string * range: IndexRange * body: Expr
    /// The expectation 𝔼[body] of a random quantity. It is not computed from realisations: evaluation
    /// looks the moment up in the bindings (see <c>Expr.expectationKey</c>).
    | Expect of Expr

/// The set of values an index variable runs through.
and [<StructuralEquality; NoComparison>] IndexRange =
    /// 1..n, with n taken from the bound size of the vectors and matrices the body indexes with this variable.
    | Inferred
    /// lower..upper inclusive; both bounds must evaluate to integers.
    | Between of lower: Expr * upper: Expr

/// Smart constructors, structural queries and substitution for <see cref="Expr"/>.
module Expr =

    let private ratZero = Rational.OfInt 0
    let private ratOne = Rational.OfInt 1

    /// The exact integer n.
    let ofInt (n: int) = Number(Rational.OfInt n)

    /// The exact rational p/q.
    let rational (p: int) (q: int) = Number(Rational.Create(BigInteger p, BigInteger q))

    /// A float constant: exact when it is an integer of magnitude at most 2^53, otherwise inexact.
    /// Non-finite values are rejected because an expression denotes a real number.
    let ofFloat (x: float) =
        if Double.IsNaN x || Double.IsInfinity x then
            invalidArg "x" "an expression constant must be finite"
        elif Math.Round x = x && abs x <= 9007199254740992.0 then
            Number(Rational.Create(BigInteger x, BigInteger.One))
        else
            Approx x

    /// 0.
    let zero = ofInt 0
    /// 1.
    let one = ofInt 1
    /// −1.
    let minusOne = ofInt -1

    /// A scalar variable.
    let symbol name = Symbol name

    /// An entry of a vector (one index) or matrix (two indices) variable.
    let indexed name (indices: string list) = Indexed(name, indices)

    // A numeric constant as exact rational or float; folding mixes them into a float.
    type private Num =
        | Exact of Rational
        | Inexact of float

    let private (|Num|_|) e =
        match e with
        | Number r -> Some(Exact r)
        | Approx x -> Some(Inexact x)
        | _ -> None

    let private numToFloat n =
        match n with
        | Exact r -> r.ToFloat()
        | Inexact x -> x

    let private numExpr n =
        match n with
        | Exact r -> Number r
        | Inexact x -> Approx x

    let private numAdd a b =
        match a, b with
        | Exact x, Exact y -> Exact(x + y)
        | _ -> Inexact(numToFloat a + numToFloat b)

    let private numMul a b =
        match a, b with
        | Exact x, Exact y -> Exact(x * y)
        | _ -> Inexact(numToFloat a * numToFloat b)

    let private numIsZero n =
        match n with
        | Exact r -> r.Sign = 0
        | Inexact x -> x = 0.0

    let private numIsOne n =
        match n with
        | Exact r -> r = ratOne
        | Inexact _ -> false

    let private numCompare a b =
        match a, b with
        | Exact x, Exact y -> Rational.Compare(x, y)
        | _ -> compare (numToFloat a) (numToFloat b)

    let private fmt (x: float) = x.ToString("R", CultureInfo.InvariantCulture)

    let private rank e =
        match e with
        | Number _
        | Approx _ -> 0
        | Const _ -> 1
        | Symbol _ -> 2
        | Indexed _ -> 3
        | Power _ -> 4
        | Product _ -> 5
        | Sum _ -> 6
        | Apply _ -> 7
        | Max _
        | Min _ -> 8
        | Big _ -> 9
        | Expect _ -> 10

    /// A canonical prefix serialisation; its ordinal order is the (arbitrary but total) order used to sort
    /// the operands of sums, products and maxima.
    let rec key e =
        let list name es =
            "(" + name + " " + String.Join(" ", es |> List.map key) + ")"

        match e with
        | Number r -> "#" + r.ToString()
        | Approx x -> "~" + fmt x
        | Const c -> "'" + string c
        | Symbol s -> s
        | Indexed(s, ix) -> s + "[" + String.Join(",", ix) + "]"
        | Sum ts -> list "+" ts
        | Product fs -> list "*" fs
        | Power(b, x) -> list "^" [ b; x ]
        | Apply(f, x) -> list (string f) [ x ]
        | Max es -> list "max" es
        | Min es -> list "min" es
        | Big(op, i, r, b) ->
            let range =
                match r with
                | Inferred -> ""
                | Between(lo, hi) -> key lo + ".." + key hi

            "(" + string op + " " + i + " " + range + " " + key b + ")"
        | Expect b -> list "E" [ b ]

    let private sortKey e = string (rank e) + ":" + key e

    let private splitCoefficient term =
        match term with
        | Number _
        | Approx _ -> failwith "unreachable: numbers are folded before splitting"
        | Product(Num c :: [ f ]) -> c, f
        | Product(Num c :: fs) -> c, Product fs
        | t -> Exact ratOne, t

    let private splitExponent factor =
        match factor with
        | Power(b, x) -> b, x
        | f -> f, one

    let private tryIntRoot (n: BigInteger) (q: int) =
        if n.Sign < 0 then
            None
        else
            let guess = BigInteger(Math.Round(Math.Pow(float n, 1.0 / float q)))

            [ guess - BigInteger.One; guess; guess + BigInteger.One ]
            |> List.tryFind (fun r -> r.Sign >= 0 && BigInteger.Pow(r, q) = n)

    // Exponents beyond this are left symbolic: exact powers would produce enormous integers.
    let private maxFoldedExponent = 64

    /// base ^ exponent, with x^0 = 1, x^1 = x, exact folding of rational powers that stay rational,
    /// (x^a)^n = x^(a·n) and (xy)^n = x^n y^n for integer n, and (e^x)^y = e^(xy).
    let rec pow (b: Expr) (x: Expr) : Expr =
        match b, x with
        | _, Num n when numIsZero n -> one
        | _, Num n when numIsOne n -> b
        | Number r, Number n when n.IsInteger && abs (float n.Numerator) <= float maxFoldedExponent ->
            let k = int n.Numerator
            if r.Sign = 0 && k < 0 then Power(b, x) else Number(Rational.Pow(r, k))
        | Number r, Number n when r.Sign > 0 && n.Denominator <= BigInteger 16 ->
            let q = int n.Denominator

            match tryIntRoot r.Numerator q, tryIntRoot r.Denominator q with
            | Some p', Some q' -> pow (Number(Rational.Create(p', q'))) (Number(Rational.Create(n.Numerator, BigInteger.One)))
            | _ -> Power(b, x)
        | Num a, Num n when numToFloat a > 0.0 && (match a, n with | Exact _, Exact _ -> false | _ -> true) ->
            let v = Math.Pow(numToFloat a, numToFloat n)
            if Double.IsFinite v && v > 0.0 then Approx v else Power(b, x)
        | Power(b', x'), Number n when n.IsInteger -> pow b' (mul [ x'; x ])
        | Product fs, Number n when n.IsInteger -> mul (fs |> List.map (fun f -> pow f x))
        | Apply(Function.Exp, y), _ -> apply Function.Exp (mul [ y; x ])
        | _ -> Power(b, x)

    /// The product of the factors, flattened, with numeric factors folded, equal bases merged by adding
    /// exponents (x·x = x², x·x⁻¹ = 1), a zero factor absorbing the product, and factors sorted.
    and mul (factors: Expr list) : Expr =
        let flat =
            factors
            |> List.collect (fun f ->
                match f with
                | Product fs -> fs
                | f -> [ f ])

        let nums, rest =
            flat
            |> List.partition (fun f ->
                match f with
                | Num _ -> true
                | _ -> false)

        let c =
            nums
            |> List.fold
                (fun acc f ->
                    match f with
                    | Num n -> numMul acc n
                    | _ -> acc)
                (Exact ratOne)

        if numIsZero c then
            numExpr c
        else
            let merged =
                rest
                |> List.map splitExponent
                |> List.groupBy fst
                |> List.map (fun (b, xs) -> pow b (add (xs |> List.map snd)))

            let needsAnotherPass =
                merged
                |> List.exists (fun f ->
                    match f with
                    | Num _
                    | Product _ -> true
                    | _ -> false)

            if needsAnotherPass then
                mul (numExpr c :: merged)
            else
                let sorted = merged |> List.sortBy sortKey

                match numIsOne c, sorted with
                | _, [] -> numExpr c
                | true, [ f ] -> f
                | true, fs -> Product fs
                | false, fs -> Product(numExpr c :: fs)

    /// The sum of the terms, flattened, with numbers folded, like terms collected (2x + 3x = 5x,
    /// x − x = 0) and terms sorted.
    and add (terms: Expr list) : Expr =
        let flat =
            terms
            |> List.collect (fun t ->
                match t with
                | Sum ts -> ts
                | t -> [ t ])

        let nums, rest =
            flat
            |> List.partition (fun t ->
                match t with
                | Num _ -> true
                | _ -> false)

        let c =
            nums
            |> List.fold
                (fun acc t ->
                    match t with
                    | Num n -> numAdd acc n
                    | _ -> acc)
                (Exact ratZero)

        let collected =
            rest
            |> List.map splitCoefficient
            |> List.groupBy snd
            |> List.choose (fun (term, cs) ->
                let coefficient = cs |> List.map fst |> List.reduce numAdd
                if numIsZero coefficient then None else Some(mul [ numExpr coefficient; term ]))
            |> List.sortBy sortKey

        let terms =
            if not (numIsZero c) then numExpr c :: collected
            elif collected.IsEmpty then [ numExpr c ]
            else collected

        match terms with
        | [] -> zero
        | [ t ] -> t
        | ts -> Sum ts

    /// f(x), folding the identities ln 1 = 0, ln e = 1, ln(e^y) = y, e^0 = 1, e^(ln y) = y, erf 0 = 0,
    /// |c| for numbers and ||x|| = |x|.
    and apply (f: Function) (x: Expr) : Expr =
        match f, x with
        | Function.Ln, Num n when numIsOne n -> zero
        | Function.Ln, Const NamedConstant.E -> one
        | Function.Ln, Apply(Function.Exp, y) -> y
        | Function.Exp, Num n when numIsZero n -> one
        | Function.Exp, Apply(Function.Ln, y) -> y
        | Function.Erf, Num n when numIsZero n -> zero
        | Function.Abs, Number r -> Number(if r.Sign < 0 then -r else r)
        | Function.Abs, Approx v -> Approx(abs v)
        | Function.Abs, Apply(Function.Abs, _) -> x
        | _ -> Apply(f, x)

    let private extremum isMax (wrap: Expr list -> Expr) (unwrap: Expr -> Expr list option) (es: Expr list) =
        if es.IsEmpty then invalidArg "es" "max/min of an empty list is undefined"
        let flat = es |> List.collect (fun e -> defaultArg (unwrap e) [ e ])

        let nums, rest =
            flat
            |> List.partition (fun e ->
                match e with
                | Num _ -> true
                | _ -> false)

        let best =
            nums
            |> List.choose (fun e ->
                match e with
                | Num n -> Some n
                | _ -> None)
            |> List.sortWith (fun a b -> if isMax then numCompare b a else numCompare a b)
            |> List.tryHead
            |> Option.map numExpr
            |> Option.toList

        match best @ (rest |> List.distinct |> List.sortBy sortKey) with
        | [ e ] -> e
        | all -> wrap all

    /// max(e₁, …, eₙ): nested maxima flattened, duplicates removed, numbers reduced to the largest.
    let maxOf (es: Expr list) =
        extremum true Max (fun e -> match e with Max xs -> Some xs | _ -> None) es

    /// min(e₁, …, eₙ): nested minima flattened, duplicates removed, numbers reduced to the smallest.
    let minOf (es: Expr list) =
        extremum false Min (fun e -> match e with Min xs -> Some xs | _ -> None) es

    /// −x.
    let neg x = mul [ minusOne; x ]
    /// a − b.
    let sub a b = add [ a; neg b ]
    /// a / b = a · b⁻¹.
    let div a b = mul [ a; pow b minusOne ]
    /// √x = x^(1/2).
    let sqrt x = pow x (rational 1 2)
    /// The n-th root x^(1/n).
    let root (n: int) x = pow x (rational 1 n)
    /// ln x.
    let ln x = apply Function.Ln x
    /// e^x.
    let exp x = apply Function.Exp x
    /// erf x.
    let erf x = apply Function.Erf x
    /// |x|.
    let abs x = apply Function.Abs x
    /// 𝔼[x].
    let expect x = Expect x

    /// Σ_{index} body, with the range inferred from the indexed variables the body uses.
    let sumOver index body = Big(BigOperator.Sum, index, Inferred, body)
    /// Π_{index} body over the inferred range.
    let prodOver index body = Big(BigOperator.Product, index, Inferred, body)
    /// max_{index} body over the inferred range.
    let maxOver index body = Big(BigOperator.Max, index, Inferred, body)
    /// min_{index} body over the inferred range.
    let minOver index body = Big(BigOperator.Min, index, Inferred, body)
    /// The big operator over index = lower..upper (inclusive).
    let over op index lower upper body = Big(op, index, Between(lower, upper), body)

    /// Rebuilds an expression bottom-up through the smart constructors, applying <paramref name="leaf"/>
    /// to symbols and indexed symbols that are not bound by an enclosing big operator.
    let rec private rebuild (bound: Set<string>) (leaf: Set<string> -> Expr -> Expr) e =
        let go = rebuild bound leaf

        match e with
        | Number _
        | Approx _
        | Const _ -> e
        | Symbol _
        | Indexed _ -> leaf bound e
        | Sum ts -> add (List.map go ts)
        | Product fs -> mul (List.map go fs)
        | Power(b, x) -> pow (go b) (go x)
        | Apply(f, x) -> apply f (go x)
        | Max es -> maxOf (List.map go es)
        | Min es -> minOf (List.map go es)
        | Big(op, i, r, b) ->
            let r' =
                match r with
                | Inferred -> Inferred
                | Between(lo, hi) -> Between(go lo, go hi)

            Big(op, i, r', rebuild (Set.add i bound) leaf b)
        | Expect b -> Expect(rebuild bound leaf b)

    /// Re-applies the smart constructors everywhere (an idempotent canonical form).
    let normalize e = rebuild Set.empty (fun _ x -> x) e

    /// Replaces every free occurrence of the scalar symbol <paramref name="name"/> by <paramref name="value"/>;
    /// occurrences bound by a big operator over an index of that name are left alone.
    let substitute (name: string) (value: Expr) (e: Expr) =
        rebuild Set.empty (fun bound x ->
            match x with
            | Symbol s when s = name && not (bound.Contains s) -> value
            | x -> x) e

    /// Substitutes several scalar symbols at once (simultaneously, not sequentially).
    let substituteAll (values: Map<string, Expr>) (e: Expr) =
        rebuild Set.empty (fun bound x ->
            match x with
            | Symbol s when not (bound.Contains s) -> defaultArg (values.TryFind s) x
            | x -> x) e

    /// The binding name under which evaluation looks up 𝔼[body], and the index variables of that binding
    /// in order of first appearance. Indexed symbols lose their indices in the name, so 𝔼[X_{ij}²] is
    /// the matrix bound as "E[X^2]" indexed by [i; j], and 𝔼[Z] is the scalar bound as "E[Z]".
    let expectationKey (body: Expr) : string * string list =
        let indices = ResizeArray<string>()

        let rec strip e =
            match e with
            | Indexed(s, ix) ->
                for i in ix do
                    if not (indices.Contains i) then indices.Add i

                Symbol s
            | Number _ | Approx _ | Const _ | Symbol _ -> e
            | Sum ts -> Sum(List.map strip ts)
            | Product fs -> Product(List.map strip fs)
            | Power(b, x) -> Power(strip b, strip x)
            | Apply(f, x) -> Apply(f, strip x)
            | Max es -> Max(List.map strip es)
            | Min es -> Min(List.map strip es)
            | Big(op, i, r, b) -> Big(op, i, r, strip b)
            | Expect b -> Expect(strip b)

        let stripped = strip body

        let rec text e =
            match e with
            | Number r -> r.ToString()
            | Approx x -> fmt x
            | Const c -> (match c with NamedConstant.E -> "e" | NamedConstant.Pi -> "pi")
            | Symbol s -> s
            | Indexed(s, _) -> s
            | Power(b, x) -> text b + "^" + text x
            | e -> key e

        "E[" + text stripped + "]", List.ofSeq indices

    /// The names an evaluation must bind: free scalar symbols, names of indexed (vector/matrix) symbols,
    /// and the moment names of expectations (see <see cref="expectationKey"/>). Index variables bound by a
    /// big operator are excluded.
    let symbols (e: Expr) : Set<string> =
        let rec go bound e =
            match e with
            | Number _
            | Approx _
            | Const _ -> Set.empty
            | Symbol s -> if Set.contains s bound then Set.empty else Set.singleton s
            | Indexed(s, _) -> Set.singleton s
            | Sum es
            | Product es
            | Max es
            | Min es -> es |> List.map (go bound) |> Set.unionMany
            | Power(b, x) -> Set.union (go bound b) (go bound x)
            | Apply(_, x) -> go bound x
            | Big(_, i, r, b) ->
                let rs =
                    match r with
                    | Inferred -> Set.empty
                    | Between(lo, hi) -> Set.union (go bound lo) (go bound hi)

                Set.union rs (go (Set.add i bound) b)
            | Expect b -> Set.singleton (fst (expectationKey b))

        go Set.empty e

    /// True when <paramref name="name"/> occurs free in the expression (as a scalar or indexed symbol).
    let contains (name: string) (e: Expr) = symbols e |> Set.contains name

/// Active patterns that match expressions by meaning rather than by raw case.
module ExprPatterns =

    /// Exactly zero (exact or float).
    let (|Zero|_|) e =
        match e with
        | Number r when r.Sign = 0 -> Some()
        | Approx 0.0 -> Some()
        | _ -> None

    /// Exactly one.
    let (|One|_|) e =
        match e with
        | Number r when r = Rational.OfInt 1 -> Some()
        | Approx 1.0 -> Some()
        | _ -> None

    /// A numeric constant, as a float.
    let (|Numeric|_|) e =
        match e with
        | Number r -> Some(r.ToFloat())
        | Approx x -> Some x
        | _ -> None

    /// An expression with a negative numeric coefficient (−3, −2x, −x/y); returns its negation.
    let (|Negative|_|) e =
        match e with
        | Number r when r.Sign < 0 -> Some(Number(-r))
        | Approx x when x < 0.0 -> Some(Approx -x)
        | Product(Number r :: _) when r.Sign < 0 -> Some(Expr.neg e)
        | Product(Approx x :: _) when x < 0.0 -> Some(Expr.neg e)
        | _ -> None

    /// An expression with no free symbols (numbers, named constants and functions of them).
    let (|Constant|_|) e =
        if Set.isEmpty (Expr.symbols e) then Some e else None

    /// base^n with an integer exponent n (positive or negative).
    let (|IntPower|_|) e =
        match e with
        | Power(b, Number n) when n.IsInteger && abs (float n.Numerator) < 2147483647.0 -> Some(b, int n.Numerator)
        | _ -> None

/// Arithmetic on expressions reads like mathematics: <c>x + 1</c>, <c>2 * x ** 3</c>, <c>sqrt (a + b)</c>.
/// The static members Sqrt/Log/Exp/Abs make F#'s own <c>sqrt</c>, <c>log</c>, <c>exp</c>, <c>abs</c> work
/// on expressions, and Zero/One make <c>List.sum</c> and <c>List.fold</c> with <c>(*)</c> work.
type Expr with
    static member (+)(a: Expr, b: Expr) = Expr.add [ a; b ]
    static member (+)(a: Expr, b: int) = Expr.add [ a; Expr.ofInt b ]
    static member (+)(a: int, b: Expr) = Expr.add [ Expr.ofInt a; b ]
    static member (+)(a: Expr, b: float) = Expr.add [ a; Expr.ofFloat b ]
    static member (+)(a: float, b: Expr) = Expr.add [ Expr.ofFloat a; b ]
    static member (-)(a: Expr, b: Expr) = Expr.sub a b
    static member (-)(a: Expr, b: int) = Expr.sub a (Expr.ofInt b)
    static member (-)(a: int, b: Expr) = Expr.sub (Expr.ofInt a) b
    static member (-)(a: Expr, b: float) = Expr.sub a (Expr.ofFloat b)
    static member (-)(a: float, b: Expr) = Expr.sub (Expr.ofFloat a) b
    static member (*)(a: Expr, b: Expr) = Expr.mul [ a; b ]
    static member (*)(a: Expr, b: int) = Expr.mul [ a; Expr.ofInt b ]
    static member (*)(a: int, b: Expr) = Expr.mul [ Expr.ofInt a; b ]
    static member (*)(a: Expr, b: float) = Expr.mul [ a; Expr.ofFloat b ]
    static member (*)(a: float, b: Expr) = Expr.mul [ Expr.ofFloat a; b ]
    static member (/)(a: Expr, b: Expr) = Expr.div a b
    static member (/)(a: Expr, b: int) = Expr.div a (Expr.ofInt b)
    static member (/)(a: int, b: Expr) = Expr.div (Expr.ofInt a) b
    static member (/)(a: Expr, b: float) = Expr.div a (Expr.ofFloat b)
    static member (/)(a: float, b: Expr) = Expr.div (Expr.ofFloat a) b
    static member (~-)(a: Expr) = Expr.neg a
    static member Pow(a: Expr, b: Expr) = Expr.pow a b
    static member Pow(a: Expr, b: int) = Expr.pow a (Expr.ofInt b)
    static member Pow(a: Expr, b: float) = Expr.pow a (Expr.ofFloat b)
    /// √x, used by F#'s <c>sqrt</c>.
    static member Sqrt(a: Expr) = Expr.sqrt a
    /// Natural logarithm, used by F#'s <c>log</c>.
    static member Log(a: Expr) = Expr.ln a
    /// e^x, used by F#'s <c>exp</c>.
    static member Exp(a: Expr) = Expr.exp a
    /// |x|, used by F#'s <c>abs</c>.
    static member Abs(a: Expr) = Expr.abs a
    /// 0, used by <c>List.sum</c>.
    static member Zero = Expr.zero
    /// 1, the multiplicative identity.
    static member One = Expr.one

/// Short names for writing statements: <c>sym "x"</c>, <c>num 3</c>, <c>maxOf [a; b]</c>,
/// <c>sumOver "j" (expect (X "i" "j" ** 2))</c>.
module Operators =
    /// The scalar variable with this name.
    let sym name = Expr.symbol name
    /// The exact integer.
    let num (n: int) = Expr.ofInt n
    /// The exact rational p/q.
    let frac p q = Expr.rational p q
    /// A float constant (exact if integral).
    let real x = Expr.ofFloat x
    /// Euler's number e.
    let e = Const NamedConstant.E
    /// π.
    let pi = Const NamedConstant.Pi
    /// Entry v_i of a vector variable.
    let vecAt name i = Expr.indexed name [ i ]
    /// Entry M_{ij} of a matrix variable.
    let matAt name i j = Expr.indexed name [ i; j ]
    /// erf x.
    let erf x = Expr.erf x
    /// The n-th root x^(1/n).
    let root n x = Expr.root n x
    /// max of a list (named maxOf because F#'s <c>max</c> needs comparison, which expressions lack).
    let maxOf es = Expr.maxOf es
    /// min of a list.
    let minOf es = Expr.minOf es
    /// 𝔼[x].
    let expect x = Expr.expect x
    /// Σ over an inferred index range.
    let sumOver index body = Expr.sumOver index body
    /// Π over an inferred index range.
    let prodOver index body = Expr.prodOver index body
    /// max over an inferred index range.
    let maxOver index body = Expr.maxOver index body
    /// min over an inferred index range.
    let minOver index body = Expr.minOver index body
    /// Σ_{index=lower}^{upper} body.
    let sumFromTo index lower upper body = Expr.over BigOperator.Sum index lower upper body
    /// Π_{index=lower}^{upper} body.
    let prodFromTo index lower upper body = Expr.over BigOperator.Product index lower upper body
