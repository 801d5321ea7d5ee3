namespace GenBounds.Symbolic

open System
open System.Globalization

/// The value of an expression on the extended real line, or the reason it has none. NaN never appears:
/// every indeterminate form (∞ − ∞, 0 · ∞, log of a negative number, …) becomes <c>Undefined</c>, so an
/// inequality can never be "false" merely because a comparison with NaN is.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Value =
    /// A finite real number.
    | Real of float
    /// No real value; the reason names the operation or the missing binding.
    | Undefined of reason: string
    /// +∞.
    | PosInf
    /// −∞.
    | NegInf

/// Helpers for <see cref="Value"/>.
module Value =

    /// A float as a value: NaN becomes Undefined, ±∞ become PosInf/NegInf.
    let ofFloat (x: float) =
        if Double.IsNaN x then Value.Undefined "NaN"
        elif Double.IsPositiveInfinity x then Value.PosInf
        elif Double.IsNegativeInfinity x then Value.NegInf
        else Value.Real x

    /// The value as a float with ±∞ as IEEE infinities; None when undefined.
    let tryFloat (v: Value) =
        match v with
        | Value.Real x -> Some x
        | Value.PosInf -> Some Double.PositiveInfinity
        | Value.NegInf -> Some Double.NegativeInfinity
        | Value.Undefined _ -> None

    /// A short invariant-culture rendering: a number, "+inf", "-inf" or "undefined (reason)".
    let format (v: Value) =
        match v with
        | Value.Real x -> x.ToString("R", CultureInfo.InvariantCulture)
        | Value.PosInf -> "+inf"
        | Value.NegInf -> "-inf"
        | Value.Undefined r -> "undefined (" + r + ")"

/// What an experiment binds to a name: a scalar, a vector (indexed 1..n) or a matrix (indexed 1..m, 1..n).
[<RequireQualifiedAccess>]
type Bound =
    | Scalar of float
    | Vector of float[]
    | Matrix of float[,]

/// Values of the free names of an expression (see <c>Expr.symbols</c>).
type Bindings = Map<string, Bound>

/// Constructors for <see cref="Bindings"/>.
module Bindings =
    /// No bindings.
    let empty: Bindings = Map.empty
    /// Adds (or replaces) a scalar.
    let scalar name (x: float) (b: Bindings) : Bindings = Map.add name (Bound.Scalar x) b
    /// Adds (or replaces) a vector, whose entries are v_1 … v_n.
    let vector name (v: float[]) (b: Bindings) : Bindings = Map.add name (Bound.Vector v) b
    /// Adds (or replaces) a matrix, whose entries are M_{11} … M_{mn}.
    let matrix name (m: float[,]) (b: Bindings) : Bindings = Map.add name (Bound.Matrix m) b
    /// Scalars from name/value pairs.
    let ofScalars (pairs: (string * float) list) : Bindings =
        pairs |> List.fold (fun b (n, x) -> scalar n x b) empty

/// Numerical evaluation of expressions under bindings.
module Eval =

    let private twoOverSqrtPi = 1.1283791670955126

    /// The Gauss error function to about 1e-15 absolute: for |x| &lt; 3 the series
    /// erf x = (2/√π) e^{−x²} Σ_{n≥0} 2ⁿ x^{2n+1} / (1·3·…·(2n+1)), whose terms are all positive (no
    /// cancellation); beyond, 1 − erfc x with erfc from its continued fraction (Abramowitz–Stegun 7.1.14).
    let erf (x: float) : float =
        if Double.IsNaN x then
            nan
        elif Double.IsPositiveInfinity x then
            1.0
        elif Double.IsNegativeInfinity x then
            -1.0
        else
            let a = abs x

            let magnitude =
                if a < 3.0 then
                    let x2 = a * a
                    let mutable term = a
                    let mutable sum = a
                    let mutable n = 0

                    while term > sum * 1e-17 do
                        n <- n + 1
                        term <- term * 2.0 * x2 / float (2 * n + 1)
                        sum <- sum + term

                    twoOverSqrtPi * Math.Exp(-x2) * sum
                elif a > 6.0 then
                    // erfc 6 ≈ 2e-17 lies below half an ulp of 1.
                    1.0
                else
                    let mutable f = a

                    for k in 80 .. -1 .. 1 do
                        f <- a + (float k / 2.0) / f

                    1.0 - Math.Exp(-a * a) / (Math.Sqrt Math.PI * f)

            if x < 0.0 then -magnitude else magnitude

    let private add a b =
        match a, b with
        | Value.Undefined _, _ -> a
        | _, Value.Undefined _ -> b
        | Value.PosInf, Value.NegInf
        | Value.NegInf, Value.PosInf -> Value.Undefined "inf - inf"
        | Value.PosInf, _
        | _, Value.PosInf -> Value.PosInf
        | Value.NegInf, _
        | _, Value.NegInf -> Value.NegInf
        | Value.Real x, Value.Real y -> Value.ofFloat (x + y)

    let private mul a b =
        match a, b with
        | Value.Undefined _, _ -> a
        | _, Value.Undefined _ -> b
        | Value.Real 0.0, (Value.PosInf | Value.NegInf)
        | (Value.PosInf | Value.NegInf), Value.Real 0.0 -> Value.Undefined "0 * inf"
        | _ ->
            match Value.tryFloat a, Value.tryFloat b with
            | Some x, Some y -> Value.ofFloat (x * y)
            | _ -> Value.Undefined "unreachable"

    let private isInteger (x: float) = Math.Round x = x

    let private pow b x =
        match b, x with
        | Value.Undefined _, _ -> b
        | _, Value.Undefined _ -> x
        | (Value.PosInf | Value.NegInf), Value.Real 0.0 -> Value.Undefined "inf ^ 0"
        | _, Value.Real 0.0 -> Value.Real 1.0
        | Value.Real 0.0, (Value.Real y) when y < 0.0 -> Value.Undefined "division by zero"
        | Value.Real 0.0, Value.NegInf -> Value.Undefined "division by zero"
        | Value.Real 0.0, _ -> Value.Real 0.0
        | Value.Real v, Value.Real y when v < 0.0 && not (isInteger y) ->
            Value.Undefined "negative base with a non-integer exponent"
        | Value.Real v, Value.Real y -> Value.ofFloat (Math.Pow(v, y))
        | Value.Real v, (Value.PosInf | Value.NegInf) ->
            let up = (x = Value.PosInf)

            if v < 0.0 then Value.Undefined "negative base with an infinite exponent"
            elif v = 1.0 then Value.Undefined "1 ^ inf"
            elif (v > 1.0) = up then Value.PosInf
            else Value.Real 0.0
        | Value.PosInf, Value.PosInf -> Value.PosInf
        | Value.PosInf, Value.NegInf -> Value.Real 0.0
        | Value.PosInf, Value.Real y -> if y > 0.0 then Value.PosInf else Value.Real 0.0
        | Value.NegInf, Value.Real y when isInteger y ->
            if y < 0.0 then Value.Real 0.0
            elif Math.IEEERemainder(y, 2.0) = 0.0 then Value.PosInf
            else Value.NegInf
        | Value.NegInf, _ -> Value.Undefined "negative base with a non-integer exponent"

    let private applyFunction f v =
        match v with
        | Value.Undefined _ -> v
        | _ ->
            match f, v with
            | Function.Ln, Value.Real x when x < 0.0 -> Value.Undefined "log of a negative number"
            | Function.Ln, Value.Real 0.0 -> Value.NegInf
            | Function.Ln, Value.Real x -> Value.ofFloat (Math.Log x)
            | Function.Ln, Value.PosInf -> Value.PosInf
            | Function.Ln, _ -> Value.Undefined "log of a negative number"
            | Function.Exp, Value.NegInf -> Value.Real 0.0
            | Function.Exp, Value.PosInf -> Value.PosInf
            | Function.Exp, Value.Real x -> Value.ofFloat (Math.Exp x)
            | Function.Erf, Value.PosInf -> Value.Real 1.0
            | Function.Erf, Value.NegInf -> Value.Real -1.0
            | Function.Erf, Value.Real x -> Value.Real(erf x)
            | Function.Abs, (Value.PosInf | Value.NegInf) -> Value.PosInf
            | Function.Abs, Value.Real x -> Value.Real(abs x)
            | _, Value.Undefined _ -> v

    let private compareExtended (a: Value) (b: Value) =
        compare (Value.tryFloat a |> Option.get) (Value.tryFloat b |> Option.get)

    let private extremum isMax (vs: Value list) =
        match vs |> List.tryFind (function Value.Undefined _ -> true | _ -> false) with
        | Some u -> u
        | None ->
            vs
            |> List.reduce (fun a b ->
                let c = compareExtended a b
                if (isMax && c >= 0) || (not isMax && c <= 0) then a else b)

    let private describe (b: Bound) =
        match b with
        | Bound.Scalar _ -> "a scalar"
        | Bound.Vector v -> sprintf "a vector of length %d" v.Length
        | Bound.Matrix m -> sprintf "a %dx%d matrix" (Array2D.length1 m) (Array2D.length2 m)

    let private lookup (bindings: Bindings) (env: Map<string, int>) (name: string) (ix: string list) =
        let unboundIndex = ix |> List.tryFind (fun i -> not (env.ContainsKey i))

        match bindings.TryFind name, unboundIndex with
        | None, _ -> Value.Undefined("missing binding for " + name)
        | Some _, Some i -> Value.Undefined("index " + i + " of " + name + " is not bound by an enclosing sum, product, max or min")
        | Some bound, None ->
            let ks = ix |> List.map (fun i -> env.[i])

            let outOfRange () =
                Value.Undefined(sprintf "index (%s) is out of range for %s, %s" (String.Join(",", ks)) name (describe bound))

            match bound, ks with
            | Bound.Scalar x, [] -> Value.ofFloat x
            | Bound.Vector v, [ k ] -> if k >= 1 && k <= v.Length then Value.ofFloat v.[k - 1] else outOfRange ()
            | Bound.Matrix m, [ r; c ] ->
                if r >= 1 && r <= Array2D.length1 m && c >= 1 && c <= Array2D.length2 m then
                    Value.ofFloat m.[r - 1, c - 1]
                else
                    outOfRange ()
            | bound, _ ->
                Value.Undefined(sprintf "%s is %s but is used with %d indices" name (describe bound) ks.Length)

    /// Sizes implied for <paramref name="index"/> by the vectors and matrices the body indexes with it.
    let private inferredSizes (bindings: Bindings) (index: string) (body: Expr) : Result<(string * int) list, string> =
        let uses = ResizeArray<string * int>()

        let rec scan e =
            match e with
            | Indexed(s, ix) ->
                ix |> List.iteri (fun p i -> if i = index then uses.Add(s, p))
            | Number _
            | Approx _
            | Const _
            | Symbol _ -> ()
            | Sum es
            | Product es
            | Max es
            | Min es -> List.iter scan es
            | Power(a, b) ->
                scan a
                scan b
            | Apply(_, a) -> scan a
            | Big(_, i, r, b) ->
                match r with
                | Between(lo, hi) ->
                    scan lo
                    scan hi
                | Inferred -> ()

                // An inner operator over the same name shadows ours.
                if i <> index then scan b
            | Expect b ->
                let key, ix = Expr.expectationKey b
                ix |> List.iteri (fun p i -> if i = index then uses.Add(key, p))

        scan body

        let sizes =
            uses
            |> Seq.distinct
            |> Seq.map (fun (name, p) ->
                match bindings.TryFind name, p with
                | Some(Bound.Vector v), 0 -> Ok(name, v.Length)
                | Some(Bound.Matrix m), 0 -> Ok(name, Array2D.length1 m)
                | Some(Bound.Matrix m), 1 -> Ok(name, Array2D.length2 m)
                | Some b, _ -> Error(sprintf "cannot take the range of %s from %s, which is %s" index name (describe b))
                | None, _ -> Error(sprintf "cannot infer the range of %s: missing binding for %s" index name))
            |> List.ofSeq

        match sizes |> List.tryPick (function Error m -> Some m | Ok _ -> None) with
        | Some m -> Error m
        | None -> Ok(sizes |> List.choose (function Ok s -> Some s | Error _ -> None))

    // A range longer than this is almost certainly a binding mistake, and would hang the evaluator.
    let private maxRange = 100_000_000

    /// `keys` holds the binding name of every 𝔼[·] met so far in this evaluation: a big operator evaluates its body
    /// once per index, and deriving the name anew each time cost most of the evaluation of a sum over a matrix.
    let rec private eval (keys: Collections.Generic.Dictionary<Expr, string * string list>) (bindings: Bindings) (env: Map<string, int>) (e: Expr) : Value =
        let go = eval keys bindings env

        match e with
        | Number r -> Value.ofFloat (r.ToFloat())
        | Approx x -> Value.ofFloat x
        | Const NamedConstant.E -> Value.Real Math.E
        | Const NamedConstant.Pi -> Value.Real Math.PI
        | Symbol s ->
            match env.TryFind s with
            | Some k -> Value.Real(float k)
            | None ->
                match bindings.TryFind s with
                | Some(Bound.Scalar x) -> Value.ofFloat x
                | Some b -> Value.Undefined(sprintf "%s is %s; use it with indices" s (describe b))
                | None -> Value.Undefined("missing binding for " + s)
        | Indexed(s, ix) -> lookup bindings env s ix
        | Sum ts -> ts |> List.map go |> List.fold add (Value.Real 0.0)
        | Product fs -> fs |> List.map go |> List.fold mul (Value.Real 1.0)
        | Power(b, x) -> pow (go b) (go x)
        | Apply(f, x) -> applyFunction f (go x)
        | Max es -> extremum true (List.map go es)
        | Min es -> extremum false (List.map go es)
        | Expect b ->
            let key, ix =
                match keys.TryGetValue b with
                | true, k -> k
                | _ ->
                    let k = Expr.expectationKey b
                    keys.[b] <- k
                    k

            match lookup bindings env key ix with
            | Value.Undefined r when not (bindings.ContainsKey key) ->
                Value.Undefined(r + " (the moment " + Text.format (Expect b) + " must be bound by the experiment)")
            | v -> v
        | Big(op, i, r, body) ->
            let range =
                match r with
                | Between(lo, hi) ->
                    match go lo, go hi with
                    | Value.Real a, Value.Real b when isInteger a && isInteger b ->
                        if b - a + 1.0 > float maxRange then Error(sprintf "the range of %s is too long" i)
                        else Ok(int a, int b)
                    | Value.Undefined m, _
                    | _, Value.Undefined m -> Error m
                    | _ -> Error(sprintf "the bounds of %s must be finite integers" i)
                | Inferred ->
                    match inferredSizes bindings i body with
                    | Error m -> Error m
                    | Ok [] -> Error(sprintf "cannot infer the range of %s: no vector or matrix is indexed by it" i)
                    | Ok sizes ->
                        match sizes |> List.map snd |> List.distinct with
                        | [ n ] -> Ok(1, n)
                        | _ ->
                            let parts = sizes |> List.map (fun (name, n) -> sprintf "%d (%s)" n name)
                            Error(sprintf "the range of %s is ambiguous: %s" i (String.Join(" vs ", parts)))

            match range with
            | Error m -> Value.Undefined m
            | Ok(lo, hi) ->
                let values = seq { for k in lo..hi -> eval keys bindings (Map.add i k env) body }

                match op with
                | BigOperator.Sum -> Seq.fold add (Value.Real 0.0) values
                | BigOperator.Product -> Seq.fold mul (Value.Real 1.0) values
                | BigOperator.Max
                | BigOperator.Min when hi < lo -> Value.Undefined(sprintf "%A over an empty range of %s" op i)
                | BigOperator.Max -> extremum true (List.ofSeq values)
                | BigOperator.Min -> extremum false (List.ofSeq values)

    /// The value of the expression under the bindings. Index variables run 1..n; a missing binding gives
    /// Undefined naming the symbol; IEEE special values are mapped through <see cref="Value.ofFloat"/>.
    let evaluate (bindings: Bindings) (e: Expr) : Value =
        eval (Collections.Generic.Dictionary<Expr, string * string list>(HashIdentity.Reference)) bindings Map.empty e
