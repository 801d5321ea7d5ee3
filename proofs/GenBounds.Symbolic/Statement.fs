namespace GenBounds.Symbolic

open System
open System.Globalization

/// Where the formula of a catalog entry comes from (the tags of the lemma catalogs; reports show them).
[<RequireQualifiedAccess>]
type Provenance =
    /// Transcribed from the paper's own display.
    | Exact
    /// Forced by the surviving wording; no formula involved.
    | Prose
    /// Read from the authors' code.
    | Code
    /// Taken from the external source the paper restates.
    | Ext
    /// Derived by us from first principles.
    | Derived
    /// Shape reconstructed from proof outline, code and derivations; constants may differ.
    | Recon
    /// Not confirmed at all; a placeholder.
    | Unverified
    /// The paper's statement or proof has a known defect.
    | PaperIssue
    /// Something we found that the paper does not say.
    | Finding

    /// The catalog tag: EXACT, PROSE, CODE, EXT, DERIVED, RECON, UNVERIFIED, PAPER-ISSUE, FINDING.
    member p.Label =
        match p with
        | Exact -> "EXACT"
        | Prose -> "PROSE"
        | Code -> "CODE"
        | Ext -> "EXT"
        | Derived -> "DERIVED"
        | Recon -> "RECON"
        | Unverified -> "UNVERIFIED"
        | PaperIssue -> "PAPER-ISSUE"
        | Finding -> "FINDING"

/// Whether values of a variable are reals or integers.
[<RequireQualifiedAccess>]
type NumberKind =
    | Real
    | Integer

/// The admissible values of a variable: an interval of reals or integers with optional open ends
/// (Hypothesis-style min/max/exclude). Infinite bounds mean unbounded.
[<StructuralEquality; NoComparison>]
type Domain =
    { Kind: NumberKind
      Min: float
      Max: float
      ExcludeMin: bool
      ExcludeMax: bool }

/// Constructors and membership for <see cref="Domain"/>.
module Domain =
    /// Reals in [lo, hi].
    let real lo hi = { Kind = NumberKind.Real; Min = lo; Max = hi; ExcludeMin = false; ExcludeMax = false }
    /// All reals.
    let anyReal = real -infinity infinity
    /// Reals > 0.
    let positive = { real 0.0 infinity with ExcludeMin = true }
    /// Reals ≥ 0.
    let nonNegative = real 0.0 infinity
    /// Probabilities, [0, 1].
    let probability = real 0.0 1.0
    /// Confidence parameters δ ∈ (0, 1].
    let confidence = { real 0.0 1.0 with ExcludeMin = true }
    /// Integers in [lo, hi].
    let integer (lo: int) (hi: int) = { real (float lo) (float hi) with Kind = NumberKind.Integer }
    /// Integers ≥ 1 (dimensions, counts).
    let positiveInteger = { real 1.0 infinity with Kind = NumberKind.Integer }

    /// Whether x lies in the domain.
    let contains (d: Domain) (x: float) =
        not (Double.IsNaN x)
        && (if d.ExcludeMin then x > d.Min else x >= d.Min)
        && (if d.ExcludeMax then x < d.Max else x <= d.Max)
        && (d.Kind = NumberKind.Real || Math.Round x = x)

    /// Interval notation, e.g. "real (0, 1]" or "integer [1, inf)".
    let format (d: Domain) =
        let num (x: float) =
            if Double.IsPositiveInfinity x then "inf"
            elif Double.IsNegativeInfinity x then "-inf"
            else x.ToString("R", CultureInfo.InvariantCulture)

        let kind = if d.Kind = NumberKind.Real then "real" else "integer"
        let lo = if d.ExcludeMin || Double.IsInfinity d.Min then "(" else "["
        let hi = if d.ExcludeMax || Double.IsInfinity d.Max then ")" else "]"
        kind + " " + lo + num d.Min + ", " + num d.Max + hi

/// The shape of what a variable is bound to.
[<RequireQualifiedAccess>]
type Shape =
    | Scalar
    | Vector
    | Matrix

/// A variable of a statement: its name in expressions, meaning, domain of its entries, shape, and
/// optionally an explicit display glyph.
[<StructuralEquality; NoComparison>]
type Variable =
    { Name: string
      Description: string
      Domain: Domain
      Shape: Shape
      Glyph: Glyph option }

/// A hypothesis: a relation between variables, a restriction of the claim's scope, or a named modelling assumption
/// that an experiment checks.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Hypothesis =
    /// A side condition of the whole claim (e.g. ρ_δ ≥ 3d): where it fails, the claim's premise is not met.
    | Condition of Relation
    /// "For every instance with …": instances outside it are out of the claim's scope and are not counted
    /// (e.g. Remark 1 covers only inputs whose activation pattern does not flip).
    | Restriction of Relation
    /// e.g. NamedAssumption("A3.1", "weights i.i.d. Gaussian N(0, Psi)").
    | NamedAssumption of id: string * description: string

/// What a statement concludes.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Conclusion =
    /// The relation holds for every admissible value.
    | Deterministic of Relation
    /// The relation holds with probability at least 1 − delta over the named randomness.
    | WithProbability of Relation * delta: Expr * over: string
    /// The relation holds for expectations over the named randomness (its expectation marks say where).
    | InExpectation of Relation * over: string
    /// The inner conclusion holds for some universal constant, a symbol in it; the checker computes the
    /// smallest value consistent with data. Nest to combine, e.g. a probability claim with a constant C.
    | WithUniversalConstant of Conclusion * constant: string

/// Whether the verifier can check a statement yet.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Checkability =
    | Checkable
    | NotYetCheckable of reason: string

/// Where a statement appears in its source.
[<StructuralEquality; NoComparison>]
type Citation =
    { Source: string
      Section: string
      Equation: string option }

/// What kind of catalog entry a statement is; the checker and the reports treat the kinds differently.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type Role =
    /// A theorem, lemma, proposition or corollary of the paper: a claim that can be false.
    | Claim
    /// A modelling assumption of the paper, tested on the network (where it fails, claims that rest on it report
    /// "hypothesis not met").
    | Assumption
    /// A definition evaluated on the network (e.g. whether a concrete g witnesses compressibility).
    | Definition
    /// Not a statement of the paper: our own diagnostic (a proof step, a printed variant) that makes a finding
    /// checkable.
    | Probe

    /// "claim", "assumption", "definition", "measured definition", "probe".
    member r.Label =
        match r with
        | Claim -> "claim"
        | Assumption -> "assumption"
        | Definition -> "definition"
        | Probe -> "probe"

/// Why a mutant exists.
[<RequireQualifiedAccess; StructuralEquality; NoComparison>]
type MutantKind =
    /// Wrong on purpose: the checker must reject it on the paper's own random model (synthetic mode); a mutant that
    /// survives means the check cannot fail.
    | FalseOnPurpose
    /// A diagnostic variant (e.g. the authors' code's reading of a quantity) that may or may not be false: it reports
    /// a discrepancy, it does not test the checker.
    | Diagnostic

    /// "false on purpose" or "diagnostic".
    member k.Label =
        match k with
        | FalseOnPurpose -> "false on purpose"
        | Diagnostic -> "diagnostic"

/// A statement derived from another by a deliberate break, which the checker must falsify.
[<StructuralEquality; NoComparison>]
type Mutation =
    { OriginalId: string
      Description: string
      Kind: MutantKind }

/// A catalog entry as data: hypotheses ⇒ conclusion, with provenance, tolerance and notes.
[<StructuralEquality; NoComparison>]
type Statement =
    { Id: string
      Name: string
      Citation: Citation
      Provenance: Provenance list
      Informal: string
      Variables: Variable list
      Hypotheses: Hypothesis list
      Conclusion: Conclusion
      Tolerance: Accuracy
      Checkability: Checkability
      Notes: string list
      Mutation: Mutation option
      /// What kind of entry this is (claim, assumption, definition, probe).
      Role: Role
      /// "where" clauses: named sub-expressions of the formulas, in order (a later one may use an earlier one). They
      /// render as their own lines, so long bounds stay readable, and the checker evaluates them on every instance.
      Definitions: (string * Expr) list
      /// Parameters of the claim as data (e.g. the helper constant C of k = C ln(1/η)/ε²): the checker binds them on
      /// every instance, experiments read them with Statement.parameter, and a mutant may change them.
      Parameters: (string * float) list
      /// Set when the check holds by construction (the experiment binds a quantity as the extreme of the very ratios
      /// the check compares), with why: the result is reported as a measurement, never as evidence that anything held.
      ByConstruction: string option
      /// Set when the statement as printed is false and the verifier's check must find it violated (a finding about
      /// the paper), with why; the catalogue test holds the check to it.
      KnownFalse: string option
      /// Why this statement's check may honestly be inconclusive on the paper's own random model (e.g. no
      /// generalization gap exists there); None means an inconclusive synthetic check is a defect of the check.
      InconclusiveWhen: string option }

/// Building, mutating and rendering statements.
module Statement =

    /// A citation without an equation number.
    let cite source section = { Source = source; Section = section; Equation = None }

    /// A scalar variable with the conventional glyph of its name.
    let var name description domain =
        { Name = name; Description = description; Domain = domain; Shape = Shape.Scalar; Glyph = None }

    /// A vector variable (entries in the domain).
    let vectorVar name description domain = { var name description domain with Shape = Shape.Vector }

    /// A matrix variable (entries in the domain).
    let matrixVar name description domain = { var name description domain with Shape = Shape.Matrix }

    /// A statement with no variables, hypotheses or notes, tolerance High, checkable, not a mutant.
    let create id name citation (provenance: Provenance list) informal conclusion =
        { Id = id
          Name = name
          Citation = citation
          Provenance = provenance
          Informal = informal
          Variables = []
          Hypotheses = []
          Conclusion = conclusion
          Tolerance = Accuracy.High
          Checkability = Checkability.Checkable
          Notes = []
          Mutation = None
          Role = Role.Claim
          Definitions = []
          Parameters = []
          ByConstruction = None
          KnownFalse = None
          InconclusiveWhen = None }

    /// The relation inside a conclusion.
    let rec relation (c: Conclusion) =
        match c with
        | Conclusion.Deterministic r
        | Conclusion.WithProbability(r, _, _)
        | Conclusion.InExpectation(r, _) -> r
        | Conclusion.WithUniversalConstant(inner, _) -> relation inner

    /// The conclusion with its relation transformed.
    let rec mapConclusion (f: Relation -> Relation) (c: Conclusion) =
        match c with
        | Conclusion.Deterministic r -> Conclusion.Deterministic(f r)
        | Conclusion.WithProbability(r, d, over) -> Conclusion.WithProbability(f r, d, over)
        | Conclusion.InExpectation(r, over) -> Conclusion.InExpectation(f r, over)
        | Conclusion.WithUniversalConstant(inner, k) -> Conclusion.WithUniversalConstant(mapConclusion f inner, k)

    /// The universal constants a conclusion introduces, outermost first.
    let rec constants (c: Conclusion) =
        match c with
        | Conclusion.WithUniversalConstant(inner, k) -> k :: constants inner
        | _ -> []

    /// A mutant derived by an arbitrary change; its id is "&lt;id&gt;~mutant-&lt;tag&gt;". It is false on purpose
    /// (see <see cref="diagnostic"/> for the other kind).
    let mutateWith (tag: string) (description: string) (change: Statement -> Statement) (s: Statement) =
        { change s with
            Id = s.Id + "~mutant-" + tag
            ByConstruction = None
            KnownFalse = None
            InconclusiveWhen = None
            Mutation = Some { OriginalId = s.Id; Description = description; Kind = MutantKind.FalseOnPurpose } }

    /// The same mutant marked as a diagnostic variant, which reports a discrepancy and is not required to be rejected.
    let diagnostic (m: Statement) =
        match m.Mutation with
        | Some mu -> { m with Mutation = Some { mu with Kind = MutantKind.Diagnostic } }
        | None -> invalidArg "m" (m.Id + " is not a mutant")

    /// The id of the statement a mutant corrupts; a statement's own id otherwise. A mutant draws from its original's
    /// streams, so it is measured exactly like its original.
    let originalId (s: Statement) = match s.Mutation with Some m -> m.OriginalId | None -> s.Id

    /// The value of a parameter of the statement (see Statement.Parameters); fails when it is not declared.
    let parameter (name: string) (s: Statement) =
        match s.Parameters |> List.tryFind (fun (n, _) -> n = name) with
        | Some(_, v) -> v
        | None -> invalidArg "name" (sprintf "%s declares no parameter %s" s.Id name)

    /// The statement with one parameter set (added when absent).
    let withParameter (name: string) (value: float) (s: Statement) =
        { s with Parameters = (name, value) :: (s.Parameters |> List.filter (fun (n, _) -> n <> name)) |> List.sortBy fst }

    /// The same statement with its role set.
    let withRole (role: Role) (s: Statement) = { s with Role = role }

    /// The same statement marked as false as printed (the check must find the violation), with the reason.
    let knownFalse (why: string) (s: Statement) = { s with KnownFalse = Some why }

    /// The same statement with the reason its synthetic check may honestly be inconclusive.
    let inconclusiveWhen (why: string) (s: Statement) = { s with InconclusiveWhen = Some why }

    /// The same statement marked as holding by construction, with the reason.
    let byConstruction (why: string) (s: Statement) = { s with ByConstruction = Some why }

    /// A mutant whose conclusion's relation is changed (constant tightened, exponent altered, …).
    let mutate (tag: string) (description: string) (f: Relation -> Relation) (s: Statement) =
        mutateWith tag description (fun s -> { s with Conclusion = mapConclusion f s.Conclusion }) s

    /// A mutant whose universal constant `c` is pinned to `value`: the claim "for some constant" becomes a claim about
    /// that constant, which the checker can falsify.
    let pinConstant (tag: string) (description: string) (c: string) (value: Expr) (s: Statement) =
        let rec unwrap conclusion =
            match conclusion with
            | Conclusion.WithUniversalConstant(inner, k) when k = c -> unwrap inner
            | Conclusion.WithUniversalConstant(inner, k) -> Conclusion.WithUniversalConstant(unwrap inner, k)
            | other -> other
        mutateWith tag description (fun s -> { s with Conclusion = mapConclusion (Relation.substitute c value) (unwrap s.Conclusion) }) s

    /// A mutant claiming the bound is always attained (the relation reversed).
    let reverse (tag: string) (description: string) (s: Statement) = mutate tag description Relation.reverse s

    /// A mutant without the hypotheses matching the predicate.
    let dropHypotheses (tag: string) (description: string) (drop: Hypothesis -> bool) (s: Statement) =
        mutateWith tag description (fun s -> { s with Hypotheses = s.Hypotheses |> List.filter (drop >> not) }) s

    /// Names the checker must have bound to check the statement (hypothesis and conclusion relations, δ), the
    /// declared parameters included; see <see cref="experimentSymbols"/> for what an experiment must bind.
    let symbols (s: Statement) =
        let fromHypotheses =
            s.Hypotheses
            |> List.choose (function
                | Hypothesis.Condition r
                | Hypothesis.Restriction r -> Some(Relation.symbols r)
                | Hypothesis.NamedAssumption _ -> None)

        let rec fromConclusion c =
            match c with
            | Conclusion.WithProbability(r, d, _) -> Set.union (Relation.symbols r) (Expr.symbols d)
            | Conclusion.WithUniversalConstant(inner, _) -> fromConclusion inner
            | c -> Relation.symbols (relation c)

        let defined = s.Definitions |> List.map fst |> Set.ofList
        let fromDefinitions = s.Definitions |> List.map (snd >> Expr.symbols)
        Set.difference (Set.unionMany (fromConclusion s.Conclusion :: fromHypotheses @ fromDefinitions)) defined

    /// The names an experiment must bind: every symbol of the statement except its parameters and universal constants
    /// (the checker supplies the first and solves for the second).
    let experimentSymbols (s: Statement) =
        Set.difference (symbols s) (Set.ofList (List.map fst s.Parameters @ constants s.Conclusion))

    /// The display glyphs declared by the statement's variables.
    let notation (s: Statement) : Notation =
        s.Variables |> List.choose (fun v -> v.Glyph |> Option.map (fun g -> v.Name, g)) |> Map.ofList

    let private conclusionLayout (n: Notation) (c: Conclusion) =
        let rec go c =
            match c with
            | Conclusion.Deterministic r -> [ Relation.layoutWith n r ]
            | Conclusion.WithProbability(r, delta, over) ->
                [ Relation.layoutWith n r
                  Layout.Text " with probability at least "
                  Layout.ofExprWith n (Expr.sub Expr.one delta)
                  Layout.Text(" over " + over) ]
            | Conclusion.InExpectation(r, over) ->
                [ Relation.layoutWith n r; Layout.Text(" (expectation over " + over + ")") ]
            | Conclusion.WithUniversalConstant(inner, k) ->
                go inner @ [ Layout.Text ", for a universal constant "; Layout.ofExprWith n (Symbol k) ]

        Layout.Row(go c)

    let private header (s: Statement) =
        let tags = s.Provenance |> List.map (fun p -> p.Label) |> String.concat ", "
        let eq = s.Citation.Equation |> Option.map (fun e -> ", " + e) |> Option.defaultValue ""
        let mutant =
            s.Mutation
            |> Option.map (fun m -> sprintf " MUTANT (%s) of %s: %s" m.Kind.Label m.OriginalId m.Description)
            |> Option.defaultValue ""
        let role =
            (match s.Role with Role.Claim -> "" | r -> " " + r.Label + ",")
            + (match s.ByConstruction with Some _ -> " holds by construction," | None -> "")
        sprintf "%s:%s %s [%s] (%s, %s%s).%s" s.Id role s.Name tags s.Citation.Source s.Citation.Section eq mutant

    let private definitionLines (n: Notation) (s: Statement) =
        s.Definitions
        |> List.mapi (fun i (name, e) ->
            Layout.Row [ Layout.Text(if i = 0 then "where " else "and "); Layout.ofExprWith n (Symbol name); Layout.Op Op.Eq; Layout.ofExprWith n e ])

    /// The statement as one layout: header, informal statement, variables, each hypothesis, then
    /// ⟹ conclusion, then notes; every writer renders it.
    let layout (s: Statement) : Layout =
        let n = notation s

        let variables =
            s.Variables
            |> List.map (fun v ->
                Layout.Row
                    [ Layout.ofExprWith n (Symbol v.Name)
                      Layout.Text(sprintf ": %s; %A %s" v.Description v.Shape (Domain.format v.Domain)) ])

        let hypotheses =
            s.Hypotheses
            |> List.map (fun h ->
                match h with
                | Hypothesis.Condition r -> Layout.Row [ Layout.Text "Assume "; Relation.layoutWith n r ]
                | Hypothesis.Restriction r -> Layout.Row [ Layout.Text "For every instance with "; Relation.layoutWith n r ]
                | Hypothesis.NamedAssumption(id, d) -> Layout.Text(sprintf "Assume (%s) %s" id d))

        let parameters =
            match s.Parameters with
            | [] -> []
            | ps ->
                [ Layout.Row(
                      Layout.Text "Parameters: "
                      :: (ps
                          |> List.mapi (fun i (name, v) ->
                              [ if i > 0 then Layout.Text ", "
                                Layout.ofExprWith n (Symbol name)
                                Layout.Op Op.Eq
                                Layout.ofExprWith n (Approx v) ])
                          |> List.concat)
                  ) ]

        let checkability =
            match s.Checkability with
            | Checkability.Checkable -> []
            | Checkability.NotYetCheckable reason -> [ Layout.Text("Not yet checkable: " + reason) ]

        Layout.Lines(
            [ Layout.Text(header s); Layout.Text s.Informal ]
            @ variables
            @ parameters
            @ hypotheses
            @ [ Layout.Row [ Layout.Op Op.Implies; conclusionLayout n s.Conclusion ] ]
            @ definitionLines n s
            @ checkability
            @ (s.Notes |> List.map (fun note -> Layout.Text("Note: " + note)))
        )

    /// The mathematical part alone, one line each: parameters, relational hypotheses, ⟹ conclusion (the prose —
    /// header, informal statement, variable descriptions, named assumptions, notes — belongs to the surrounding
    /// document, where it can wrap).
    let formulaLayout (s: Statement) : Layout =
        let n = notation s
        let full = layout s
        let parameterLines =
            match full with
            | Layout.Lines ls -> ls |> List.filter (function Layout.Row(Layout.Text "Parameters: " :: _) -> true | _ -> false)
            | _ -> []
        let hypotheses =
            s.Hypotheses
            |> List.choose (fun h ->
                match h with
                | Hypothesis.Condition r -> Some(Layout.Row [ Layout.Text "Assume "; Relation.layoutWith n r ])
                | Hypothesis.Restriction r -> Some(Layout.Row [ Layout.Text "For every instance with "; Relation.layoutWith n r ])
                | Hypothesis.NamedAssumption _ -> None)
        Layout.Lines(parameterLines @ hypotheses @ [ Layout.Row [ Layout.Op Op.Implies; conclusionLayout n s.Conclusion ] ] @ definitionLines n s)

    /// The mathematical part as a MathML document (see formulaLayout).
    let toFormulaMathML (s: Statement) = MathML.ofLayoutDocument (formulaLayout s)

    /// The mathematical part as a LaTeX aligned block (see formulaLayout).
    let toFormulaLatex (s: Statement) = Latex.ofLayout (formulaLayout s)

    /// The statement as a LaTeX aligned block (math mode).
    let toLatex (s: Statement) = Latex.ofLayout (layout s)

    /// The statement as a MathML document (an mtable, one row per line).
    let toMathML (s: Statement) = MathML.ofLayoutDocument (layout s)

    /// The statement as plain text, one line per part.
    let toText (s: Statement) = Text.ofLayout (layout s)
