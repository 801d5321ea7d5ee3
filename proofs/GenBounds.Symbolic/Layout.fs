namespace GenBounds.Symbolic

open System
open System.Globalization
open System.Text
open GenBounds.Symbolic.ExprPatterns

/// How a variable name is displayed. Greek letter names ("Psi", "eps", "lambda") become letters.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Glyph =
    /// A plain identifier.
    | Name of string
    /// base_{subscript}.
    | Sub of Glyph * Glyph
    /// base^{superscript}.
    | Sup of Glyph * Glyph
    /// ‖inner‖_{subscript}; an empty subscript prints none.
    | Norm of Glyph * subscript: string
    /// Where the indices of an indexed variable go (e.g. the l of ‖W^l‖₂); absent ⇒ indices become a subscript.
    | Indices

/// Glyph helpers, including the naming convention used when no explicit glyph is given.
module Glyph =

    let private take (s: string) =
        if s.StartsWith "{" then
            let close = s.IndexOf '}'
            if close < 0 then s.Substring 1, "" else s.Substring(1, close - 1), s.Substring(close + 1)
        else
            let stop = s.IndexOfAny [| '_'; '^' |]
            if stop < 0 then s, "" else s.Substring(0, stop), s.Substring stop

    /// The convention: "base", "base_sub", "base^sup", "base_sub^sup", with {braces} for multi-character
    /// scripts: "eps_l" is ε_l, "h_{l-1}" is h_{l−1}, "W^l" is W^l.
    let ofName (name: string) : Glyph =
        let baseName, rest = take name

        let rec scripts (g: Glyph) (rest: string) =
            if rest.Length < 2 then
                g
            else
                let script, rest' = take (rest.Substring 1)

                match rest.[0] with
                | '_' -> scripts (Glyph.Sub(g, Glyph.Name script)) rest'
                | _ -> scripts (Glyph.Sup(g, Glyph.Name script)) rest'

        if baseName = "" then Glyph.Name name else scripts (Glyph.Name baseName) rest

/// Explicit display glyphs for variable names; names not in the table follow <see cref="Glyph.ofName"/>.
type Notation = Map<string, Glyph>

/// Operators and separators in a layout; each writer decides their spelling.
[<RequireQualifiedAccess>]
type Op =
    | Plus
    | Minus
    /// Unary minus at the start of a term.
    | Neg
    /// Visible multiplication (between two numbers).
    | Times
    /// Juxtaposition of factors.
    | Invisible
    | Comma
    | Slash
    | Le
    | Lt
    | Ge
    | Gt
    | Eq
    | Approx
    | Implies

/// The format-independent visual form of an expression: parentheses are already decided, so writers
/// only spell. Mirrors MathNet.Symbolics' VisualExpression.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Layout =
    | Num of string
    | Ident of string
    /// An upright named constant: "e" or "pi".
    | Const of string
    /// Prose inside a formula.
    | Text of string
    | Op of Op
    | Row of Layout list
    | Parens of Layout
    | Brackets of Layout
    | Bars of Layout
    | Norm of Layout * subscript: string
    | Frac of Layout * Layout
    | Sup of Layout * Layout
    | Sub of Layout * Layout
    | Sqrt of Layout
    /// A named function applied to a (comma-separated) argument row: log, erf, max, min.
    | Fn of string * Layout
    /// A big operator (sum, prod, max, min) with its limits and body.
    | Big of string * under: Layout * over: Layout option * body: Layout
    | Expect of Layout
    /// One statement per line.
    | Lines of Layout list

/// Expr → Layout. Precedence levels (as in Unquote's OperatorPrecedence): 1 sum and unary minus,
/// 2 product and fraction, 3 power, root and function application, 4 atom. An operand is parenthesised
/// when its level is below what its position requires.
module Layout =

    [<Literal>]
    let private SumLevel = 1

    [<Literal>]
    let private ProductLevel = 2

    [<Literal>]
    let private PowerLevel = 3

    [<Literal>]
    let private Atom = 4

    let private wrap minLevel (l: Layout, level) =
        if level < minLevel then Layout.Parens l else l

    let rec private glyphLayout (indices: Layout option) (g: Glyph) : Layout * int =
        match g with
        | Glyph.Name s -> Layout.Ident s, Atom
        | Glyph.Sub(b, s) -> Layout.Sub(fst (glyphLayout indices b), fst (glyphLayout indices s)), Atom
        | Glyph.Sup(b, s) -> Layout.Sup(fst (glyphLayout indices b), fst (glyphLayout indices s)), PowerLevel
        | Glyph.Norm(inner, s) -> Layout.Norm(fst (glyphLayout indices inner), s), Atom
        | Glyph.Indices -> defaultArg indices (Layout.Row []), Atom

    let rec private hasIndices g =
        match g with
        | Glyph.Indices -> true
        | Glyph.Name _ -> false
        | Glyph.Sub(a, b)
        | Glyph.Sup(a, b) -> hasIndices a || hasIndices b
        | Glyph.Norm(a, _) -> hasIndices a

    let private glyphOf (notation: Notation) name =
        notation.TryFind name |> Option.defaultWith (fun () -> Glyph.ofName name)

    let private indexRow (ix: string list) =
        match ix with
        | [ i ] -> Layout.Ident i
        | _ when ix |> List.forall (fun i -> i.Length = 1) -> Layout.Row(ix |> List.map Layout.Ident)
        | _ -> Layout.Row(ix |> List.map Layout.Ident |> List.reduce (fun a b -> Layout.Row [ a; Layout.Op Op.Comma; b ]) |> List.singleton)

    let private formatFloat (x: float) =
        let s = x.ToString("R", CultureInfo.InvariantCulture)
        let e = s.IndexOf 'E'

        if e < 0 then
            Layout.Num s, Atom
        else
            let mantissa = s.Substring(0, e)
            let exponent = Int32.Parse(s.Substring(e + 1), CultureInfo.InvariantCulture)
            let power = Layout.Sup(Layout.Num "10", Layout.Num(exponent.ToString(CultureInfo.InvariantCulture)))
            if mantissa = "1" then power, PowerLevel else Layout.Row [ Layout.Num mantissa; Layout.Op Op.Times; power ], ProductLevel

    let private isNumber e =
        match e with
        | Number _
        | Approx _ -> true
        | _ -> false

    /// The layout of an expression and its precedence level.
    let rec private lay (n: Notation) (e: Expr) : Layout * int =
        match e with
        | Negative pos -> Layout.Row [ Layout.Op Op.Neg; wrap ProductLevel (lay n pos) ], SumLevel
        | Number r when r.IsInteger -> Layout.Num(r.Numerator.ToString(CultureInfo.InvariantCulture)), Atom
        | Number r ->
            Layout.Frac(
                Layout.Num(r.Numerator.ToString(CultureInfo.InvariantCulture)),
                Layout.Num(r.Denominator.ToString(CultureInfo.InvariantCulture))
            ),
            ProductLevel
        | Approx x -> formatFloat x
        | Const NamedConstant.E -> Layout.Const "e", Atom
        | Const NamedConstant.Pi -> Layout.Const "pi", Atom
        | Symbol s -> glyphLayout None (glyphOf n s)
        | Indexed(s, ix) ->
            let g = glyphOf n s
            let idx = indexRow ix

            if hasIndices g then
                glyphLayout (Some idx) g
            else
                match glyphLayout None g with
                | Layout.Sub(b, s), level -> Layout.Sub(b, Layout.Row [ s; Layout.Op Op.Comma; idx ]), level
                | l, level -> Layout.Sub(wrap Atom (l, level), idx), Atom
        | Sum ts ->
            // Constants go last, as mathematicians write them, while the canonical order puts them first.
            let ordered = (ts |> List.filter (isNumber >> not)) @ (ts |> List.filter isNumber)

            let isNegative t =
                match t with
                | Negative _ -> true
                | _ -> false

            // Lead with a positive term when there is one: 1 − δ rather than −δ + 1.
            let ordered =
                match ordered |> List.tryFindIndex (isNegative >> not) with
                | Some k when k > 0 -> ordered.[k] :: List.removeAt k ordered
                | _ -> ordered

            let items =
                ordered
                |> List.mapi (fun k t ->
                    match t with
                    | Negative pos -> [ Layout.Op(if k = 0 then Op.Neg else Op.Minus); wrap ProductLevel (lay n pos) ]
                    | t -> (if k = 0 then [] else [ Layout.Op Op.Plus ]) @ [ wrap ProductLevel (lay n t) ])
                |> List.concat

            Layout.Row items, SumLevel
        | Product fs -> layProduct n fs
        | Power(b, Number r) when r = Rational.Create(Numerics.BigInteger.One, Numerics.BigInteger 2) ->
            Layout.Sqrt(fst (lay n b)), PowerLevel
        | Power(b, Negative x) -> Layout.Frac(Layout.Num "1", fst (lay n (Expr.pow b x))), ProductLevel
        | Power(b, x) -> Layout.Sup(wrap Atom (lay n b), layExponent n x), PowerLevel
        | Apply(Function.Exp, x) -> Layout.Sup(Layout.Const "e", layExponent n x), PowerLevel
        | Apply(Function.Ln, x) -> Layout.Fn("log", fst (lay n x)), PowerLevel
        | Apply(Function.Erf, x) -> Layout.Fn("erf", fst (lay n x)), PowerLevel
        | Apply(Function.Abs, x) -> Layout.Bars(fst (lay n x)), Atom
        | Max es -> Layout.Fn("max", commaRow n es), PowerLevel
        | Min es -> Layout.Fn("min", commaRow n es), PowerLevel
        | Big(op, i, r, body) ->
            let name =
                match op with
                | BigOperator.Sum -> "sum"
                | BigOperator.Product -> "prod"
                | BigOperator.Max -> "max"
                | BigOperator.Min -> "min"

            let under, over =
                match r with
                | Inferred -> Layout.Ident i, None
                | Between(lo, hi) -> Layout.Row [ Layout.Ident i; Layout.Op Op.Eq; fst (lay n lo) ], Some(fst (lay n hi))

            Layout.Big(name, under, over, wrap ProductLevel (lay n body)), ProductLevel
        | Expect body ->
            let inner, level = lay n body

            let simple =
                match body with
                | Symbol _
                | Indexed _ -> true
                | Power((Symbol _ | Indexed _), _) -> level >= PowerLevel
                | _ -> false

            Layout.Expect(if simple then inner else Layout.Brackets inner), PowerLevel

    and private layExponent n x =
        match x with
        | Number r when not r.IsInteger ->
            let num = Layout.Num(r.Numerator.ToString(CultureInfo.InvariantCulture))
            let den = Layout.Num(r.Denominator.ToString(CultureInfo.InvariantCulture))
            // Inline p/q reads better than a stacked fraction inside a superscript.
            if r.Sign < 0 then
                Layout.Row [ Layout.Op Op.Neg; Layout.Num((-r).Numerator.ToString(CultureInfo.InvariantCulture)); Layout.Op Op.Slash; den ]
            else
                Layout.Row [ num; Layout.Op Op.Slash; den ]
        | x -> fst (lay n x)

    and private commaRow n es =
        es
        |> List.map (fun x -> fst (lay n x))
        |> List.reduce (fun a b -> Layout.Row [ a; Layout.Op Op.Comma; b ])
        |> fun l -> Layout.Row [ l ]

    and private layProduct n fs =
        let coefficient, rest =
            match fs with
            | Number r :: rest -> Some r, rest
            | _ -> None, fs

        let numer, denom =
            rest
            |> List.partition (fun f ->
                match f with
                | Power(_, Negative _) -> false
                | _ -> true)

        let denom =
            denom
            |> List.map (fun f ->
                match f with
                | Power(b, Negative x) -> Expr.pow b x
                | f -> f)

        let numer, denom =
            match coefficient with
            | Some r when r.IsInteger -> (if r = Rational.OfInt 1 then numer else Number r :: numer), denom
            | Some r ->
                let p = Number(Rational.Create(r.Numerator, Numerics.BigInteger.One))
                let q = Number(Rational.Create(r.Denominator, Numerics.BigInteger.One))
                (if r.Numerator.IsOne then numer else p :: numer), q :: denom
            | None -> numer, denom

        let juxtapose (factors: Expr list) =
            match factors with
            | [] -> Layout.Num "1"
            | [ f ] -> fst (lay n f)
            | _ ->
                let last = List.length factors - 1

                factors
                |> List.mapi (fun k f ->
                    let l, level = lay n f

                    let l =
                        match f with
                        // A big operator swallows everything to its right, so only the last one may go bare.
                        | Big _ when k < last -> Layout.Parens l
                        | _ -> wrap ProductLevel (l, level)

                    let sep =
                        if k = 0 then []
                        elif isNumber factors.[k - 1] && isNumber f then [ Layout.Op Op.Times ]
                        else [ Layout.Op Op.Invisible ]

                    sep @ [ l ])
                |> List.concat
                |> Layout.Row

        if denom.IsEmpty then
            juxtapose numer, ProductLevel
        else
            Layout.Frac(juxtapose numer, juxtapose denom), ProductLevel

    /// The layout of an expression, with explicit glyphs for some names.
    let ofExprWith (notation: Notation) (e: Expr) : Layout = fst (lay notation e)

    /// The layout of an expression using the naming convention of <see cref="Glyph.ofName"/>.
    let ofExpr (e: Expr) : Layout = ofExprWith Map.empty e

module private Greek =
    let letters =
        dict
            [ "alpha", ("\\alpha", "α"); "beta", ("\\beta", "β"); "gamma", ("\\gamma", "γ")
              "delta", ("\\delta", "δ"); "epsilon", ("\\epsilon", "ε"); "eps", ("\\epsilon", "ε")
              "zeta", ("\\zeta", "ζ"); "eta", ("\\eta", "η"); "theta", ("\\theta", "θ")
              "kappa", ("\\kappa", "κ"); "lambda", ("\\lambda", "λ"); "mu", ("\\mu", "μ")
              "nu", ("\\nu", "ν"); "xi", ("\\xi", "ξ"); "pi", ("\\pi", "π"); "rho", ("\\rho", "ρ")
              "sigma", ("\\sigma", "σ"); "tau", ("\\tau", "τ"); "phi", ("\\phi", "φ")
              "chi", ("\\chi", "χ"); "psi", ("\\psi", "ψ"); "omega", ("\\omega", "ω")
              "Gamma", ("\\Gamma", "Γ"); "Delta", ("\\Delta", "Δ"); "Theta", ("\\Theta", "Θ")
              "Lambda", ("\\Lambda", "Λ"); "Xi", ("\\Xi", "Ξ"); "Pi", ("\\Pi", "Π")
              "Sigma", ("\\Sigma", "Σ"); "Phi", ("\\Phi", "Φ"); "Psi", ("\\Psi", "Ψ")
              "Omega", ("\\Omega", "Ω") ]

/// LaTeX writer (math mode, no surrounding $ … $).
module Latex =

    let private escapeText (s: string) =
        let sb = StringBuilder()

        for c in s do
            match c with
            | '\\' -> sb.Append "\\textbackslash{}" |> ignore
            | '{' | '}' | '%' | '$' | '&' | '#' | '_' -> sb.Append('\\').Append(c) |> ignore
            | '^' -> sb.Append "\\^{}" |> ignore
            | '~' -> sb.Append "\\~{}" |> ignore
            | c -> sb.Append c |> ignore

        sb.ToString()

    let private ident (s: string) =
        match Greek.letters.TryGetValue s with
        | true, (tex, _) -> tex
        | _ when s.Length > 1 && s |> Seq.forall Char.IsLetter -> "\\mathrm{" + s + "}"
        | _ -> s

    let private op o =
        match o with
        | Op.Plus -> " + "
        | Op.Minus -> " - "
        | Op.Neg -> "-"
        | Op.Times -> " \\cdot "
        | Op.Invisible -> " "
        | Op.Comma -> ", "
        | Op.Slash -> "/"
        | Op.Le -> " \\le "
        | Op.Lt -> " < "
        | Op.Ge -> " \\ge "
        | Op.Gt -> " > "
        | Op.Eq -> " = "
        | Op.Approx -> " \\approx "
        | Op.Implies -> " \\Longrightarrow "

    /// LaTeX for a layout.
    let rec ofLayout (l: Layout) : string =
        match l with
        | Layout.Num s -> s
        | Layout.Ident s -> ident s
        | Layout.Const "pi" -> "\\pi"
        | Layout.Const s -> s
        | Layout.Text s -> "\\text{" + escapeText s + "}"
        | Layout.Op o -> op o
        | Layout.Row ls -> ls |> List.map ofLayout |> String.concat ""
        | Layout.Parens x -> "\\left(" + ofLayout x + "\\right)"
        | Layout.Brackets x -> "\\left[" + ofLayout x + "\\right]"
        | Layout.Bars x -> "\\left|" + ofLayout x + "\\right|"
        | Layout.Norm(x, "") -> "\\left\\|" + ofLayout x + "\\right\\|"
        | Layout.Norm(x, s) -> "\\left\\|" + ofLayout x + "\\right\\|_{" + s + "}"
        | Layout.Frac(a, b) -> "\\frac{" + ofLayout a + "}{" + ofLayout b + "}"
        | Layout.Sup(b, x) -> ofLayout b + "^{" + ofLayout x + "}"
        | Layout.Sub(b, x) -> ofLayout b + "_{" + ofLayout x + "}"
        | Layout.Sqrt x -> "\\sqrt{" + ofLayout x + "}"
        | Layout.Fn("erf", x) -> "\\operatorname{erf}\\left(" + ofLayout x + "\\right)"
        | Layout.Fn(name, x) -> "\\" + name + "\\left(" + ofLayout x + "\\right)"
        | Layout.Big(name, under, over, body) ->
            let limits =
                "_{" + ofLayout under + "}"
                + (over |> Option.map (fun o -> "^{" + ofLayout o + "}") |> Option.defaultValue "")

            "\\" + name + limits + " " + ofLayout body
        | Layout.Expect(Layout.Brackets _ as x) -> "\\mathbb{E}" + ofLayout x
        | Layout.Expect x -> "\\mathbb{E} " + ofLayout x
        | Layout.Lines ls -> "\\begin{aligned}" + (ls |> List.map (fun x -> "&" + ofLayout x) |> String.concat " \\\\ ") + "\\end{aligned}"

    /// LaTeX for an expression, e.g. <c>\frac{a}{b}</c>, <c>\max_{i} \sqrt{\sum_{j} \mathbb{E} X_{ij}^{2}}</c>.
    let format (e: Expr) = ofLayout (Layout.ofExpr e)

    /// LaTeX for an expression with explicit glyphs for some names.
    let formatWith (notation: Notation) (e: Expr) = ofLayout (Layout.ofExprWith notation e)

/// MathML presentation-markup writer.
module MathML =

    let private escape (s: string) =
        s.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;").Replace("\"", "&quot;").Replace("'", "&apos;")

    let private elem name (content: string) = "<" + name + ">" + content + "</" + name + ">"
    let private mo (s: string) = elem "mo" (escape s)

    let private ident (s: string) =
        match Greek.letters.TryGetValue s with
        | true, (_, letter) -> elem "mi" letter
        | _ -> elem "mi" (escape s)

    let private op o =
        match o with
        | Op.Plus -> mo "+"
        | Op.Minus
        | Op.Neg -> mo "\u2212"
        | Op.Times -> mo "\u00B7"
        | Op.Invisible -> mo "\u2062"
        | Op.Comma -> mo ","
        | Op.Slash -> mo "/"
        | Op.Le -> mo "\u2264"
        | Op.Lt -> mo "<"
        | Op.Ge -> mo "\u2265"
        | Op.Gt -> mo ">"
        | Op.Eq -> mo "="
        | Op.Approx -> mo "\u2248"
        | Op.Implies -> mo "\u27F9"

    let private fenced o c inner = elem "mrow" (mo o + inner + mo c)

    /// MathML elements for a layout (without the outer <c>math</c> element).
    let rec ofLayout (l: Layout) : string =
        match l with
        | Layout.Num s -> elem "mn" (escape s)
        | Layout.Ident s -> ident s
        | Layout.Const "pi" -> elem "mi" "π"
        | Layout.Const s -> "<mi mathvariant=\"normal\">" + escape s + "</mi>"
        | Layout.Text s ->
            // MathML trims and collapses whitespace at the ends of <mtext>; no-break spaces survive, so "Assume " + k
            // renders as "Assume k", not "Assumek".
            let n = s.Length - s.TrimStart(' ').Length
            let t = s.Length - s.TrimEnd(' ').Length
            let body = if n = s.Length then String.replicate n "\u00A0" else String.replicate n "\u00A0" + escape (s.Trim(' ')) + String.replicate t "\u00A0"
            elem "mtext" body
        | Layout.Op o -> op o
        | Layout.Row ls -> elem "mrow" (ls |> List.map ofLayout |> String.concat "")
        | Layout.Parens x -> fenced "(" ")" (ofLayout x)
        | Layout.Brackets x -> fenced "[" "]" (ofLayout x)
        | Layout.Bars x -> fenced "|" "|" (ofLayout x)
        | Layout.Norm(x, "") -> fenced "\u2016" "\u2016" (ofLayout x)
        | Layout.Norm(x, s) -> elem "msub" (fenced "\u2016" "\u2016" (ofLayout x) + elem "mn" (escape s))
        | Layout.Frac(a, b) -> elem "mfrac" (elem "mrow" (ofLayout a) + elem "mrow" (ofLayout b))
        | Layout.Sup(Layout.Sub(b, i), x) ->
            elem "msubsup" (elem "mrow" (ofLayout b) + elem "mrow" (ofLayout i) + elem "mrow" (ofLayout x))
        | Layout.Sup(b, x) -> elem "msup" (elem "mrow" (ofLayout b) + elem "mrow" (ofLayout x))
        | Layout.Sub(b, x) -> elem "msub" (elem "mrow" (ofLayout b) + elem "mrow" (ofLayout x))
        | Layout.Sqrt x -> elem "msqrt" (ofLayout x)
        | Layout.Fn(name, x) -> elem "mrow" (elem "mi" (escape name) + mo "\u2061" + fenced "(" ")" (ofLayout x))
        | Layout.Big(name, under, over, body) ->
            let symbol =
                match name with
                | "sum" -> mo "\u2211"
                | "prod" -> mo "\u220F"
                | other -> elem "mo" (escape other)

            let limits =
                match over with
                | Some o -> elem "munderover" (symbol + elem "mrow" (ofLayout under) + elem "mrow" (ofLayout o))
                | None -> elem "munder" (symbol + elem "mrow" (ofLayout under))

            elem "mrow" (limits + ofLayout body)
        | Layout.Expect x -> elem "mrow" ("<mi mathvariant=\"double-struck\">E</mi>" + ofLayout x)
        | Layout.Lines ls ->
            elem "mtable" (ls |> List.map (fun x -> elem "mtr" (elem "mtd" (ofLayout x))) |> String.concat "")

    /// A complete <c>&lt;math&gt;</c> element for a layout.
    let ofLayoutDocument (l: Layout) =
        "<math xmlns=\"http://www.w3.org/1998/Math/MathML\">" + ofLayout l + "</math>"

    /// A complete MathML <c>&lt;math&gt;</c> element for an expression.
    let format (e: Expr) = ofLayoutDocument (Layout.ofExpr e)

    /// MathML with explicit glyphs for some names.
    let formatWith (notation: Notation) (e: Expr) = ofLayoutDocument (Layout.ofExprWith notation e)

/// Plain-text writer (ASCII names, ^ for powers, sqrt(…), E[…]).
module Text =

    let private op o =
        match o with
        | Op.Plus -> " + "
        | Op.Minus -> " - "
        | Op.Neg -> "-"
        | Op.Times
        | Op.Invisible -> "*"
        | Op.Comma -> ", "
        | Op.Slash -> "/"
        | Op.Le -> " <= "
        | Op.Lt -> " < "
        | Op.Ge -> " >= "
        | Op.Gt -> " > "
        | Op.Eq -> " = "
        | Op.Approx -> " ~= "
        | Op.Implies -> " => "

    let private isAtomic l =
        match l with
        | Layout.Num s -> not (s.StartsWith "-")
        | Layout.Ident _
        | Layout.Const _
        | Layout.Parens _
        | Layout.Brackets _
        | Layout.Bars _
        | Layout.Norm _
        | Layout.Fn _
        | Layout.Sqrt _
        | Layout.Sub _ -> true
        | _ -> false

    /// Plain text for a layout.
    let rec ofLayout (l: Layout) : string =
        let atom x = if isAtomic x then ofLayout x else "(" + ofLayout x + ")"

        let script x =
            match x with
            | Layout.Ident s when s |> Seq.forall Char.IsLetterOrDigit -> s
            | Layout.Row ls when ls |> List.forall (function Layout.Ident s -> s.Length = 1 | _ -> false) -> ofLayout x
            | x -> "{" + ofLayout x + "}"

        match l with
        | Layout.Num s
        | Layout.Ident s
        | Layout.Const s
        | Layout.Text s -> s
        | Layout.Op o -> op o
        | Layout.Row ls -> ls |> List.map ofLayout |> String.concat ""
        | Layout.Parens x -> "(" + ofLayout x + ")"
        | Layout.Brackets x -> "[" + ofLayout x + "]"
        | Layout.Bars x -> "|" + ofLayout x + "|"
        | Layout.Norm(x, "") -> "||" + ofLayout x + "||"
        | Layout.Norm(x, s) -> "||" + ofLayout x + "||_" + s
        | Layout.Frac(a, b) -> atom a + "/" + atom b
        | Layout.Sup(b, x) -> atom b + "^" + atom x
        | Layout.Sub(b, x) -> ofLayout b + "_" + script x
        | Layout.Sqrt x -> "sqrt(" + ofLayout x + ")"
        | Layout.Fn(name, x) -> name + "(" + ofLayout x + ")"
        | Layout.Big(name, under, over, body) ->
            let limits =
                match over with
                | None -> "_" + script under
                | Some o -> "_{" + ofLayout under + "}^" + script o

            name + limits + " " + ofLayout body
        | Layout.Expect(Layout.Brackets x)
        | Layout.Expect x -> "E[" + ofLayout x + "]"
        | Layout.Lines ls -> ls |> List.map (fun x -> (ofLayout x).TrimStart()) |> String.concat "\n"

    /// Plain text for an expression, e.g. <c>max_i sqrt(sum_j E[X_ij^2])</c>.
    let format (e: Expr) = ofLayout (Layout.ofExpr e)

    /// Plain text with explicit glyphs for some names.
    let formatWith (notation: Notation) (e: Expr) = ofLayout (Layout.ofExprWith notation e)
