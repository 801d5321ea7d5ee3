module GenBounds.Tests.SymbolicEvalTests

open System
open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private x, y = sym "x", sym "y"
let private X i j = matAt "X" i j

let private real' (v: Value) =
    match v with
    | Value.Real r -> r
    | other -> failwithf "expected a real value, got %s" (Value.format other)

let private undefinedReason (v: Value) =
    match v with
    | Value.Undefined r -> r
    | other -> failwithf "expected undefined, got %s" (Value.format other)

let private at pairs e = Eval.evaluate (Bindings.ofScalars pairs) e

[<Fact>]
let ``structural equality follows the normalisation rules`` () =
    Assert.Equal(x + y, y + x)
    Assert.Equal(x * x, x ** 2)
    Assert.Equal(2 * x, x + x)
    Assert.Equal(Expr.one, x / x)
    Assert.Equal(num 3, sqrt (num 9))
    Assert.Equal(maxOf [ x; y ], maxOf [ y; maxOf [ x; x ] ])
    Assert.NotEqual(x - y, y - x)
    Assert.Equal(x, (sqrt x) ** 2)
    Assert.NotEqual(x, sqrt (x ** 2))

[<Fact>]
let ``active patterns match by meaning`` () =
    let isNegative e =
        match e with
        | ExprPatterns.Negative _ -> true
        | _ -> false

    Assert.True(isNegative (-2 * x))
    Assert.False(isNegative (2 * x))

    match x ** -3 with
    | ExprPatterns.IntPower(b, n) -> Assert.Equal((x, -3), (b, n))
    | other -> failwithf "not an integer power: %A" other

    match sqrt (num 2) * pi with
    | ExprPatterns.Constant _ -> ()
    | other -> failwithf "should be constant: %A" other

    match x - x with
    | ExprPatterns.Zero -> ()
    | other -> failwithf "should be zero: %A" other

[<Fact>]
let ``erf agrees with reference values to 1e-15`` () =
    for (arg, expected) in [ 1.0, 0.8427007929497149; 0.5, 0.5204998778130465; 2.0, 0.9953222650189527
                             3.0, 0.9999779095030014; 4.0, 0.9999999845827421; -0.1, -0.1124629160182849
                             1e-3, 0.0011283787909692363; 0.0, 0.0 ] do
        let actual = Eval.erf arg
        Assert.True(abs (actual - expected) <= 1e-15, sprintf "erf(%g) = %.17g, expected %.17g" arg actual expected)

[<Fact>]
let ``evaluation computes arithmetic and functions`` () =
    Assert.Equal(2.0, real' (at [ "x", 4.0 ] (sqrt x)))
    Assert.Equal(0.75, real' (at [ "x", 3.0; "y", 4.0 ] (x / y)))
    Assert.Equal(Math.E, real' (at [] e))
    Assert.Equal(Eval.erf 0.5, real' (at [ "x", 1.0 ] (erf (x / 2))))
    Assert.Equal(4.0, real' (at [ "x", 1.0; "y", 4.0 ] (maxOf [ x; y; num 2 ])))

[<Fact>]
let ``NaN bindings and indeterminate forms evaluate to Undefined, never to a number`` () =
    Assert.Equal("NaN", undefinedReason (at [ "x", nan ] x))
    Assert.Equal("inf - inf", undefinedReason (at [ "x", infinity; "y", infinity ] (x - y)))
    Assert.Equal("0 * inf", undefinedReason (at [ "x", 0.0; "y", infinity ] (x * y)))
    Assert.Equal("log of a negative number", undefinedReason (at [ "x", -1.0 ] (log x)))
    Assert.Equal("division by zero", undefinedReason (at [ "x", 0.0 ] (1 / x)))
    Assert.Equal("negative base with a non-integer exponent", undefinedReason (at [ "x", -4.0 ] (sqrt x)))

[<Fact>]
let ``infinities follow the extended real rules`` () =
    Assert.Equal(Value.NegInf, at [ "x", 0.0 ] (log x))
    Assert.Equal(Value.PosInf, at [ "x", infinity; "y", 1.0 ] (x + y))
    Assert.Equal(Value.Real 0.0, at [ "x", infinity ] (1 / x))
    Assert.Equal(Value.Real 0.0, at [ "x", -infinity ] (exp x))
    Assert.Equal(Value.NegInf, at [ "x", -infinity ] (x ** 3))
    Assert.Equal(Value.Real 1.0, at [ "x", infinity ] (erf x))
    Assert.Equal(Value.PosInf, at [ "x", 1e308 ] (x * 10))

[<Fact>]
let ``a missing binding is reported by name`` () =
    Assert.Equal("missing binding for y", undefinedReason (at [ "x", 1.0 ] (x + y)))
    let reason = undefinedReason (Eval.evaluate Bindings.empty (expect (X "i" "j" ** 2) |> sumOver "j" |> maxOver "i"))
    Assert.Contains("E[X^2]", reason)

let private m2 = array2D [ [ 1.0; 2.0; 3.0 ]; [ 4.0; 0.0; 5.0 ] ]
let private m4 = array2D [ [ 1.0; 4.0; 9.0 ]; [ 16.0; 0.0; 25.0 ] ]

let private latala =
    maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2))))
    + maxOver "j" (sqrt (sumOver "i" (expect (X "i" "j" ** 2))))
    + root 4 (sumOver "i" (sumOver "j" (expect (X "i" "j" ** 4))))

[<Fact>]
let ``Latała's bracket evaluates over bound moment matrices as computed by hand`` () =
    let bindings = Bindings.empty |> Bindings.matrix "E[X^2]" m2 |> Bindings.matrix "E[X^4]" m4
    // rows: sqrt 6, sqrt 9 -> 3; columns: sqrt 5, sqrt 2, sqrt 8 -> sqrt 8; (1+4+9+16+0+25)^(1/4) = 55^(1/4)
    let expected = 3.0 + Math.Sqrt 8.0 + Math.Pow(55.0, 0.25)
    Assert.Equal(expected, real' (Eval.evaluate bindings latala), 12)

[<Fact>]
let ``index ranges come from the bound shape or an explicit range`` () =
    let b = Bindings.empty |> Bindings.matrix "X" m2 |> Bindings.vector "v" [| 2.0; 5.0; 1.0 |] |> Bindings.scalar "L" 3.0
    Assert.Equal(15.0, real' (Eval.evaluate b (sumOver "i" (sumOver "j" (X "i" "j")))))
    Assert.Equal(0.0, real' (Eval.evaluate b (minOver "j" (minOver "i" (X "i" "j")))))
    Assert.Equal(10.0, real' (Eval.evaluate b (prodFromTo "l" (num 1) (sym "L") (vecAt "v" "l"))))
    Assert.Equal(6.0, real' (Eval.evaluate b (sumFromTo "k" (num 1) (sym "L") (sym "k"))))
    Assert.Equal(0.0, real' (Eval.evaluate b (sumFromTo "k" (num 1) (num 0) (sym "k"))))
    Assert.Contains("ambiguous", undefinedReason (Eval.evaluate b (sumOver "i" (X "i" "i"))))
    Assert.Contains("out of range", undefinedReason (Eval.evaluate b (sumFromTo "l" (num 1) (num 4) (vecAt "v" "l"))))

[<Fact>]
let ``symbols lists what an experiment must bind`` () =
    Assert.Equal<Set<string>>(set [ "E[X^2]"; "E[X^4]" ], Expr.symbols latala)
    Assert.Equal<Set<string>>(set [ "L"; "v"; "y" ], Expr.symbols (prodFromTo "l" (num 1) (sym "L") (vecAt "v" "l" + sym "l" * y)))

[<Fact>]
let ``substitute replaces free occurrences and renormalises`` () =
    Assert.Equal(num 3 * y, Expr.substitute "x" (num 2) (x * y + y))
    let bound = sumFromTo "x" (num 1) (sym "n") (sym "x")
    Assert.Equal(bound, Expr.substitute "x" (num 7) bound)

let private acc = { Absolute = 0.0; Relative = 0.01 }
let private check pairs r = Relation.check acc (Bindings.ofScalars pairs) r

[<Fact>]
let ``an inequality holds up to the relative tolerance and fails just beyond it`` () =
    match check [ "x", 101.0; "y", 100.0 ] (x <=. y) with
    | Outcome.Holds(_, _, margin, slack) ->
        Assert.Equal(-1.0, margin)
        Assert.Equal(Some(100.0 / 101.0), slack)
    | other -> failwithf "expected Holds, got %A" other

    match check [ "x", 101.1; "y", 100.0 ] (x <=. y) with
    | Outcome.Fails(_, _, difference, tolerance) ->
        Assert.Equal(1.1, difference, 12)
        Assert.Equal(1.011, tolerance, 12)
    | other -> failwithf "expected Fails, got %A" other

[<Fact>]
let ``outcomes report slack for ge, fail equalities, and refuse undefined sides`` () =
    match check [ "x", 10.0; "y", 2.0 ] (x >=. y) with
    | Outcome.Holds(_, _, margin, slack) -> Assert.Equal((8.0, Some 5.0), (margin, slack))
    | other -> failwithf "expected Holds, got %A" other

    Assert.False(Relation.holds (check [ "x", 1.0; "y", 1.1 ] (x ==. y)))
    Assert.True(Relation.holds (check [ "x", 1.0; "y", 1.1 ] (Relation.ApproxEq(x, y, { Absolute = 0.0; Relative = 0.1 }))))
    Assert.Equal(Outcome.Undefined "undefined (NaN)", check [ "x", nan; "y", 1.0 ] (x <=. y))
    Assert.True(Relation.holds (check [ "x", 5.0; "y", infinity ] (x <=. y)))
    Assert.False(Relation.holds (check [ "x", infinity; "y", 1e300 ] (x <=. y)))

[<Fact>]
let ``the smallest constant of a relation linear in C is lhs over its cofactor`` () =
    let C = sym "C"
    let r = sym "N" <=. C * sqrt y
    Assert.Equal(Some(sym "N" / sqrt y), Relation.smallestConstant "C" r)
    Assert.Equal(Some(Value.Real 2.5), Relation.smallestConstantValue "C" (Bindings.ofScalars [ "N", 5.0; "y", 4.0 ]) r)
    Assert.Equal(None, Relation.smallestConstant "C" (sym "N" <=. C + y))
    Assert.Equal(None, Relation.smallestConstant "C" (sym "N" <=. C ** 2 * y))
    Assert.Equal(None, Relation.smallestConstant "C" (sym "N" <=. -2 * C * y))
    Assert.Equal(None, Relation.smallestConstant "C" (C <=. C * y))
    Assert.Equal(Some(Value.Undefined "the factor multiplying C is not positive"), Relation.smallestConstantValue "C" (Bindings.ofScalars [ "N", 5.0; "y", -4.0 ]) (sym "N" <=. C * y))
