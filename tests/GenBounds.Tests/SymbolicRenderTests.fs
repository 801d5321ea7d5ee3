module GenBounds.Tests.SymbolicRenderTests

open System.Xml.Linq
open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private x, y, z = sym "x", sym "y", sym "z"
let private X i j = matAt "X" i j

let private latex (expected: string) (e: Expr) = Assert.Equal(expected, Latex.format e)
let private text (expected: string) (e: Expr) = Assert.Equal(expected, Text.format e)

[<Fact>]
let ``LaTeX of arithmetic puts parentheses only where precedence needs them`` () =
    x / y |> latex @"\frac{x}{y}"
    (x + y) ** 2 |> latex @"\left(x + y\right)^{2}"
    x ** 2 + y |> latex @"y + x^{2}"
    (x * y) ** frac 1 3 |> latex @"\left(x y\right)^{1/3}"
    x * (y + z) |> latex @"x \left(y + z\right)"
    x * x - 2 * x + 1 |> latex @"x^{2} - 2 x + 1"
    2 * x / 3 |> latex @"\frac{2 x}{3}"
    -x / (y + 1) |> latex @"-\frac{x}{y + 1}"
    x ** -1 |> latex @"\frac{1}{x}"
    x ** frac 3 2 |> latex @"x^{3/2}"
    num 1 - sym "delta" |> latex @"1 - \delta"
    y - x |> latex @"y - x"
    frac 3 4 |> latex @"\frac{3}{4}"
    num -5 |> latex "-5"
    real 0.25 + x |> latex "x + 0.25"
    real 1e-9 * x |> latex @"10^{-9} x"
    real 2.5e-7 |> latex @"2.5 \cdot 10^{-7}"
    x - x |> latex "0"

[<Fact>]
let ``LaTeX of roots, functions and constants`` () =
    sqrt (sqrt x + 1) |> latex @"\sqrt{\sqrt{x} + 1}"
    sqrt x ** -1 |> latex @"\frac{1}{\sqrt{x}}"
    root 4 (3 * x * y) |> latex @"\left(3 x y\right)^{1/4}"
    log x ** 2 |> latex @"\left(\log\left(x\right)\right)^{2}"
    exp (-(x ** 2) / (sym "d" * sym "Psi")) |> latex @"e^{-\frac{x^{2}}{\Psi d}}"
    erf (x / sqrt (num 2)) |> latex @"\operatorname{erf}\left(\frac{x}{\sqrt{2}}\right)"
    abs (x - y) |> latex @"\left|x - y\right|"
    maxOf [ x; y; num 2; num 3 ] |> latex @"\max\left(3, x, y\right)"
    pi * x |> latex @"\pi x"
    sqrt (num 8) |> latex @"\sqrt{8}"
    sqrt (num 9) |> latex "3"

[<Fact>]
let ``LaTeX of indexed families, big operators and expectations`` () =
    maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2))))
    |> latex @"\max_{i} \sqrt{\sum_{j} \mathbb{E} X_{ij}^{2}}"

    root 4 (sumOver "i" (sumOver "j" (expect (X "i" "j" ** 4))))
    |> latex @"\left(\sum_{i} \sum_{j} \mathbb{E} X_{ij}^{4}\right)^{1/4}"

    expect (X "i" "j" + 1) |> latex @"\mathbb{E}\left[X_{ij} + 1\right]"
    prodFromTo "l" (num 1) (sym "L") (vecAt "s" "l") |> latex @"\prod_{l = 1}^{L} s_{l}"
    sumOver "i" (vecAt "a" "i" + 1) |> latex @"\sum_{i} \left(a_{i} + 1\right)"
    x * sumOver "i" (vecAt "a" "i") |> latex @"x \sum_{i} a_{i}"
    sumOver "i" (vecAt "a" "i") * sumOver "j" (vecAt "b" "j")
    |> latex @"\left(\sum_{i} a_{i}\right) \sum_{j} b_{j}"
    matAt "W" "row" "col" |> latex @"W_{\mathrm{row}, \mathrm{col}}"

[<Fact>]
let ``LaTeX names follow the Greek and subscript convention`` () =
    sym "Psi" |> latex @"\Psi"
    sym "eps_l" |> latex @"\epsilon_{l}"
    sym "h_{l-1}" |> latex @"h_{l-1}"
    sym "W^l" ** 2 |> latex @"\left(W^{l}\right)^{2}"
    sym "lambda_l" ** 2 |> latex @"\lambda_{l}^{2}"
    sym "acc" |> latex @"\mathrm{acc}"

[<Fact>]
let ``an explicit notation renders norms of indexed families`` () =
    let notation = Map.ofList [ "normW", Glyph.Norm(Glyph.Sup(Glyph.Name "W", Glyph.Indices), "2"); "normx", Glyph.Norm(Glyph.Name "x", "") ]
    let bound = e * sym "normx" * prodOver "l" (vecAt "normW" "l")
    Assert.Equal(@"e \left\|x\right\| \prod_{l} \left\|W^{l}\right\|_{2}", Latex.formatWith notation bound)
    Assert.Equal("e*||x||*prod_l ||W^l||_2", Text.formatWith notation bound)

[<Fact>]
let ``plain text uses ASCII operators and E brackets`` () =
    maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2)))) |> text "max_i sqrt(sum_j E[X_ij^2])"
    (x + y) ** 2 |> text "(x + y)^2"
    2 * x / 3 |> text "(2*x)/3"
    x ** frac 1 4 |> text "x^(1/4)"
    real 1e-9 * x |> text "10^(-9)*x"
    prodFromTo "l" (num 1) (sym "L") (vecAt "s" "l") |> text "prod_{l = 1}^L s_l"
    sym "eps_l" * sym "h_{l-1}" |> text "eps_l*h_{l-1}"
    erf (x / sqrt (num 2)) |> text "erf(x/sqrt(2))"

let private mathml (e: Expr) =
    let doc = XDocument.Parse(MathML.format e)
    Assert.Equal(XName.Get("math", "http://www.w3.org/1998/Math/MathML"), doc.Root.Name)
    doc

let private names (doc: XDocument) =
    doc.Descendants() |> Seq.map (fun el -> el.Name.LocalName) |> Set.ofSeq

[<Fact>]
let ``MathML parses as XML and uses presentation elements`` () =
    let doc = mathml (maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2)))))
    let ns = names doc
    for el in [ "munder"; "msqrt"; "msubsup"; "mo"; "mi"; "mn" ] do
        Assert.Contains(el, ns)

    Assert.Contains(doc.Descendants() |> Seq.map (fun el -> el.Value), fun v -> v = "\u2211")
    let frac = mathml (x / (y + 1))
    Assert.Contains("mfrac", names frac)
    Assert.Equal(2, frac.Descendants(XName.Get("mfrac", "http://www.w3.org/1998/Math/MathML")) |> Seq.head |> fun f -> Seq.length (f.Elements()))

[<Fact>]
let ``MathML escapes markup characters in names and uses Greek letters`` () =
    let doc = mathml (sym "a<b&c" + sym "Psi")
    let identifiers = doc.Descendants(XName.Get("mi", "http://www.w3.org/1998/Math/MathML")) |> Seq.map (fun el -> el.Value) |> Set.ofSeq
    Assert.Equal<Set<string>>(set [ "a<b&c"; "Ψ" ], identifiers)

[<Fact>]
let ``relations render with their operator in every format`` () =
    Assert.Equal(@"x \le \sqrt{y}", Relation.toLatex (x <=. sqrt y))
    Assert.Equal("x >= 2*y", Relation.toText (x >=. 2 * y))
    Assert.Equal("x = y", Relation.toText (x ==. y))
    Assert.Contains("\u2248", Relation.toMathML (Relation.ApproxEq(x, y, Accuracy.Low)))
