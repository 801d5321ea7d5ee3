module GenBounds.Tests.SymbolicPropertyTests

open System
open System.Xml.Linq
open Xunit
open FsCheck
open FsCheck.FSharp
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

/// A raw syntax tree, evaluated naively below, so the smart constructors have an independent oracle.
type Tree =
    | Lit of int
    | Half
    | Var of string
    | Add of Tree * Tree
    | Mul of Tree * Tree
    | Sub of Tree * Tree
    | Div of Tree * Tree
    | PowI of Tree * int
    | Sqrt of Tree
    | Exp of Tree
    | Log of Tree
    | Abs of Tree
    | Erf of Tree
    | Max2 of Tree * Tree

let rec toExpr t =
    match t with
    | Lit n -> num n
    | Half -> frac 1 2
    | Var v -> sym v
    | Add(a, b) -> toExpr a + toExpr b
    | Mul(a, b) -> toExpr a * toExpr b
    | Sub(a, b) -> toExpr a - toExpr b
    | Div(a, b) -> toExpr a / toExpr b
    | PowI(a, n) -> toExpr a ** n
    | Sqrt a -> sqrt (toExpr a)
    | Exp a -> exp (toExpr a)
    | Log a -> log (toExpr a)
    | Abs a -> abs (toExpr a)
    | Erf a -> erf (toExpr a)
    | Max2(a, b) -> maxOf [ toExpr a; toExpr b ]

/// Naive IEEE evaluation with the library's conventions for the cases IEEE answers differently
/// (division by zero and 0^−n are undefined, not ±∞). Returns the value and the largest magnitude seen,
/// which scales the rounding allowance.
let rec naive (env: Map<string, float>) t : float * float =
    let both a b f =
        let (x, sx), (y, sy) = naive env a, naive env b
        let v = f x y
        v, List.max [ sx; sy; abs v ]

    let one a f =
        let x, sx = naive env a
        let v = f x
        v, max sx (abs v)

    match t with
    | Lit n -> float n, abs (float n)
    | Half -> 0.5, 0.5
    | Var v -> env.[v], abs env.[v]
    | Add(a, b) -> both a b (+)
    | Mul(a, b) -> both a b (*)
    | Sub(a, b) -> both a b (-)
    | Div(a, b) -> both a b (fun x y -> if y = 0.0 then nan else x / y)
    | PowI(a, n) -> // IEEE says NaN^0 = 1; an undefined base stays undefined here.
        one a (fun x -> if Double.IsNaN x || (x = 0.0 && n < 0) then nan else Math.Pow(x, float n))
    | Sqrt a -> one a (fun x -> if x < 0.0 then nan else Math.Sqrt x)
    | Exp a -> one a Math.Exp
    | Log a -> one a (fun x -> if x < 0.0 then nan else Math.Log x)
    | Abs a -> one a abs
    | Erf a -> one a Eval.erf
    | Max2(a, b) -> both a b (fun x y -> if Double.IsNaN x || Double.IsNaN y then nan else max x y)

let rec genTree depth : Gen<Tree> =
    let leaf =
        Gen.oneof
            [ Gen.choose (-3, 3) |> Gen.map Lit
              Gen.elements [ "x"; "y"; "z" ] |> Gen.map Var
              Gen.constant Half ]

    if depth = 0 then
        leaf
    else
        let sub = genTree (depth - 1)

        Gen.frequency
            [ 3, leaf
              2, Gen.map2 (fun a b -> Add(a, b)) sub sub
              2, Gen.map2 (fun a b -> Mul(a, b)) sub sub
              1, Gen.map2 (fun a b -> Sub(a, b)) sub sub
              1, Gen.map2 (fun a b -> Div(a, b)) sub sub
              1, Gen.map2 (fun a n -> PowI(a, n)) sub (Gen.choose (-2, 3))
              1, Gen.map Sqrt sub
              1, Gen.map Exp sub
              1, Gen.map Log sub
              1, Gen.map Abs sub
              1, Gen.map Erf sub
              1, Gen.map2 (fun a b -> Max2(a, b)) sub sub ]

// Coarse values so that exact coincidences (x = y, x = 0) that exercise the folding rules do occur.
let genEnv: Gen<Map<string, float>> =
    Gen.listOfLength 3 (Gen.choose (-12, 12) |> Gen.map (fun k -> float k / 4.0))
    |> Gen.map (fun vs -> List.zip [ "x"; "y"; "z" ] vs |> Map.ofList)

let private bindingsOf (env: Map<string, float>) =
    env |> Map.toList |> Bindings.ofScalars

let private config = Config.QuickThrowOnFailure.WithMaxTest 400

[<Fact>]
let ``smart constructors preserve the value wherever the naive evaluation is finite`` () =
    let prop =
        Prop.forAll (Arb.fromGen (Gen.zip (genTree 4) genEnv)) (fun (tree, env) ->
            let expected, scale = naive env tree
            let actual = Eval.evaluate (bindingsOf env) (toExpr tree)
            let defined = Double.IsFinite expected

            let agrees =
                not defined
                || (match actual with
                    | Value.Real v -> abs (v - expected) <= 1e-9 * (1.0 + scale)
                    | _ -> false)

            agrees
            |> Prop.label (sprintf "naive %.17g, library %s, expr %s" expected (Value.format actual) (Text.format (toExpr tree)))
            |> Prop.classify (not defined) "naive undefined")

    Check.One(config, prop)

[<Fact>]
let ``normalize is idempotent and a fixpoint on constructed expressions`` () =
    let prop =
        Prop.forAll (Arb.fromGen (genTree 4)) (fun tree ->
            let e = toExpr tree
            let once = Expr.normalize e
            once = Expr.normalize once && once = e)

    Check.One(config, prop)

[<Fact>]
let ``sums and products are commutative and associative up to structural equality`` () =
    let prop =
        Prop.forAll (Arb.fromGen (Gen.three (genTree 2))) (fun (a, b, c) ->
            let a, b, c = toExpr a, toExpr b, toExpr c
            a + b = b + a && a * b = b * a && (a + b) + c = a + (b + c) && (a * b) * c = a * (b * c))

    Check.One(config, prop)

[<Fact>]
let ``rendering never throws and MathML is always well-formed`` () =
    let prop =
        Prop.forAll (Arb.fromGen (genTree 4)) (fun tree ->
            let e = toExpr tree
            let doc = XDocument.Parse(MathML.format e)
            Latex.format e <> "" && Text.format e <> "" && doc.Root.Name.LocalName = "math")

    Check.One(config, prop)

[<Fact>]
let ``the smart constructors build the canonical form: normalising is the identity on it and idempotent`` () =
    let prop =
        Prop.forAll (Arb.fromGen (genTree 4)) (fun tree ->
            let e = toExpr tree
            let n = Expr.normalize e
            // Structural equality of the union: a constructor that skipped a rule would leave e and n apart.
            n = e && Expr.normalize n = n)

    Check.One(config, prop)

[<Fact>]
let ``the relative tolerance decides exactly at the boundary`` () =
    let prop =
        Prop.forAll (Arb.fromGen (Gen.choose (1, 1000))) (fun k ->
            let rhs = float k
            let acc = { Absolute = 0.0; Relative = 0.5 }
            // lhs = 2·rhs lies exactly at rhs + 0.5·max(lhs, rhs): representable, so ≤ must hold.
            let at lhs = Relation.check acc (Bindings.ofScalars [ "a", lhs; "b", rhs ]) (sym "a" <=. sym "b")
            Relation.holds (at (2.0 * rhs)) && not (Relation.holds (at (2.0 * rhs + 1e-6 * rhs))))

    Check.One(config.WithMaxTest 100, prop)
