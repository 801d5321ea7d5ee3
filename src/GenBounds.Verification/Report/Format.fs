namespace GenBounds.Verification

open System
open System.Globalization
open System.IO
open System.Net
open System.Security.Cryptography
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Symbolic

/// The files of a written report folder.
type ReportPaths = { Folder: string; Json: string; Markdown: string; Html: string }

/// The browser builds of Vega, Vega-Lite and vega-embed that the HTML report inlines (so that it opens offline).
type VegaScripts = { Vega: string; VegaLite: string; VegaEmbed: string }

/// Verdict counts of a report: real statements by verdict label, mutants by whether the checker rejected them.
type ReportSummary =
    { /// Every verdict label (in declaration order, zeros included) with its count among non-mutant results.
      Verdicts: (string * int) list
      MutantsRejected: int
      Mutants: int
      Results: int
      Statements: int }


/// Formatting shared by the report writers: numbers, intervals, witnesses, verdict details, and the grouping of results
/// by statement.
module ReportFormat =
    let inv = CultureInfo.InvariantCulture

    /// Verdict labels in declaration order.
    let verdictLabels =
        [ Verdict.Held
          Verdict.Violated { Seed = 0UL; Trial = None; Layer = None; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = "" }
          Verdict.Inconclusive ""
          Verdict.HypothesisNotMet("", None)
          Verdict.Vacuous ""
          Verdict.NotCheckable ""
          Verdict.Measured "" ]
        |> List.map (fun v -> v.Label)

    let isMutant (r: CheckResult) = r.MutantRejected.IsSome || r.StatementId.Contains("~mutant-", StringComparison.Ordinal)

    /// Counts of verdicts (non-mutant results) and of rejected mutants.
    let summarize (report: Report) =
        let real = report.Results |> List.filter (isMutant >> not)
        let mutants = report.Results |> List.filter isMutant

        { Verdicts = verdictLabels |> List.map (fun l -> l, real |> List.filter (fun r -> r.Verdict.Label = l) |> List.length)
          MutantsRejected = mutants |> List.filter (fun r -> r.MutantRejected = Some true) |> List.length
          Mutants = mutants.Length
          Results = report.Results.Length
          Statements = report.Statements.Length }

    // ---------------------------------------------------------------- numbers and grouping

    let fmt (x: float) =
        if Double.IsNaN x then "NaN"
        elif Double.IsPositiveInfinity x then "∞"
        elif Double.IsNegativeInfinity x then "−∞"
        else x.ToString("G4", inv)

    let seedText (s: uint64) = s.ToString(inv)

    let intervalText (i: Interval) =
        sprintf "[%s, %s] (%s%% %s)" (fmt i.Lower) (fmt i.Upper) (fmt (100.0 * i.Confidence)) i.Method

    let summaryText (s: Summary) =
        sprintf "min %s · q01 %s · q10 %s · median %s · q90 %s · q99 %s · max %s · mean %s (n = %d)"
            (fmt s.Min) (fmt s.Q01) (fmt s.Q10) (fmt s.Median) (fmt s.Q90) (fmt s.Q99) (fmt s.Max) (fmt s.Mean) s.Count

    let witnessText (w: Witness) =
        let at =
            [ w.Trial |> Option.map (sprintf "trial %d")
              w.Layer |> Option.map (sprintf "layer %d")
              w.Sample |> Option.map (sprintf "sample %d") ]
            |> List.choose id

        let where = if at.IsEmpty then "" else String.Join(", ", at) + ": "
        sprintf "%sLHS = %s, RHS = %s%s; replay seed %s" where (fmt w.Lhs) (fmt w.Rhs)
            (if String.IsNullOrWhiteSpace w.Description then "" else " — " + w.Description) (seedText w.Seed)

    let verdictDetail (v: Verdict) =
        match v with
        | Verdict.Held -> None
        | Verdict.Violated w -> Some("witness: " + witnessText w)
        | Verdict.Inconclusive reason
        | Verdict.Vacuous reason
        | Verdict.NotCheckable reason
        | Verdict.Measured reason -> Some reason
        | Verdict.HypothesisNotMet(h, anyway) ->
            let tail =
                match anyway with
                | Some true -> "; the conclusion held anyway"
                | Some false -> "; the conclusion failed too"
                | None -> "; the conclusion was not evaluated"

            Some(h + tail)

    let constantText (c: ConstantEstimate) =
        let parts =
            [ Some(sprintf "smallest %s = %s" c.Name (fmt c.Value))
              c.Interval |> Option.map intervalText
              (if c.ByDimension.IsEmpty then None
               else Some("by dimension: " + String.Join(", ", c.ByDimension |> List.map (fun (d, v) -> d + " → " + fmt v))))
              c.Grows |> Option.map (fun g -> if g then "grows with dimension (not universal)" else "does not grow")
              (if c.Suspicious then Some "SUSPICIOUS (implausibly large)" else None) ]

        String.Join("; ", List.choose id parts)

    /// Sections of the report: each statement with its results (a listed mutant gets its own section; results of an
    /// unlisted mutant go with its base statement), then results of statements the report does not list.
    let sections (report: Report) =
        let listed = report.Statements |> List.map (fun s -> s.Id) |> Set.ofList

        let owner (r: CheckResult) =
            if listed.Contains r.StatementId then Some r.StatementId
            elif listed.Contains(Paper.baseId r.StatementId) then Some(Paper.baseId r.StatementId)
            else None

        let bySection = report.Results |> List.groupBy owner |> Map.ofList
        let forStatement = report.Statements |> List.map (fun s -> Some s, bySection |> Map.tryFind (Some s.Id) |> Option.defaultValue [])

        match bySection |> Map.tryFind None with
        | Some orphans -> forStatement @ [ None, orphans ]
        | None -> forStatement

    let provenanceFlag (p: Provenance) =
        match p with
        | Provenance.Recon -> Some "reconstructed"
        | Provenance.Unverified -> Some "unverified"
        | Provenance.Derived -> Some "derived"
        | Provenance.PaperIssue -> Some "paper issue"
        | _ -> None

    let citationText (c: Citation) =
        c.Source + ", " + c.Section + (c.Equation |> Option.map (fun e -> ", " + e) |> Option.defaultValue "")

    /// What kind of claim a conclusion is: "deterministic", "probabilistic", "expectation", with ", universal constant C".
    let conclusionKind (c: Conclusion) =
        let rec go c =
            match c with
            | Conclusion.Deterministic _ -> "deterministic", []
            | Conclusion.WithProbability _ -> "probabilistic", []
            | Conclusion.InExpectation _ -> "expectation", []
            | Conclusion.WithUniversalConstant(inner, k) -> let kind, ks = go inner in kind, k :: ks
        let kind, constants = go c
        if constants.IsEmpty then kind else kind + ", universal constant " + String.Join(", ", constants)

    /// A per-setting row's text.
    let settingText (s: SettingResult) =
        let parts =
            [ Some(sprintf "%s: %s" s.Label s.Verdict.Label)
              Some(sprintf "%d of N = %d failed" s.Failures s.Trials)
              s.Interval |> Option.map intervalText
              s.Delta |> Option.map (fun d -> "delta " + fmt d)
              s.Constant |> Option.map (fun c -> "smallest constant " + fmt c) ]
        String.Join("; ", List.choose id parts)

    /// What kind of finding a line of the report's first section is.
    type FindingKind =
        /// A statement of the paper whose printed form the verifier refutes, as the catalog expects (a paper defect).
        | PaperDefect
        /// A statement found violated that the catalog does not expect to be false: a new finding or a bug.
        | Violation
        /// A modelling assumption of the paper that the network does not satisfy.
        | AssumptionRejected
        /// A hypothesis of the statement fails on this network.
        | HypothesisNotMet
        /// A bound that cannot be violated (≥ 1 on a probability).
        | VacuousBound
        /// A mutant that is false on purpose survived: the check cannot fail where it should.
        | WeakCheck

        /// The heading of the kind.
        member k.Heading =
            match k with
            | PaperDefect -> "paper defect detected"
            | Violation -> "violated"
            | AssumptionRejected -> "assumption rejected"
            | HypothesisNotMet -> "hypothesis not met"
            | VacuousBound -> "vacuous bound"
            | WeakCheck -> "mutant not rejected"

    /// One line of the findings: its kind, the statement, the modes and what was found.
    type Finding = { Kind: FindingKind; StatementId: string; Modes: CheckMode list; Text: string }

    /// The findings of a report, most important first: paper defects and unexpected violations with their witnesses,
    /// unmet hypotheses with whether the conclusion held anyway, vacuous bounds with their value, and surviving
    /// false-on-purpose mutants. Results of one statement with the same finding in both modes are merged.
    let findings (report: Report) : Finding list =
        let byId = report.Statements |> List.map (fun s -> s.Id, s) |> Map.ofList
        // One line each: the detail is in the statement's section, a click away.
        let short (t: string) = if t.Length <= 160 then t else t.Substring(0, 157).TrimEnd() + "..."
        let one (r: CheckResult) =
            match byId.TryFind r.StatementId with
            | None when r.MutantRejected = Some false -> Some(WeakCheck, sprintf "the check says %s" r.Verdict.Label)
            | None -> None
            | Some s ->
                match s.Mutation, r.Verdict with
                | None, Verdict.Violated w ->
                    let kind = if s.KnownFalse.IsSome then PaperDefect elif s.Role = Role.Assumption then AssumptionRejected else Violation
                    Some(kind, sprintf "%s (replay seed %s)" (short w.Description) (seedText w.Seed))
                | None, Verdict.HypothesisNotMet(h, anyway) ->
                    Some(HypothesisNotMet, short h + (match anyway with Some true -> "; the conclusion held anyway" | Some false -> "; the conclusion failed too" | None -> ""))
                | None, Verdict.Vacuous reason ->
                    let value = r.Bindings |> List.tryFind (fun (k, _) -> k.Contains "bound") |> Option.map (fun (k, v) -> sprintf " (%s = %s)" k (fmt v)) |> Option.defaultValue ""
                    Some(VacuousBound, short reason + value)
                | Some m, _ when m.Kind = MutantKind.FalseOnPurpose && r.MutantRejected = Some false ->
                    Some(WeakCheck, sprintf "%s; the check says %s" m.Description r.Verdict.Label)
                | _ -> None
        let order = function Violation -> 0 | WeakCheck -> 1 | PaperDefect -> 2 | AssumptionRejected -> 3 | HypothesisNotMet -> 4 | VacuousBound -> 5
        report.Results
        |> List.choose (fun r -> one r |> Option.map (fun (k, t) -> (k, r.StatementId), (r.Mode, t)))
        |> List.groupBy fst
        |> List.map (fun ((k, id), xs) ->
            let modes = xs |> List.map (snd >> fst)
            let texts = xs |> List.map (snd >> snd) |> List.distinct
            { Kind = k; StatementId = id; Modes = modes
              Text = (if texts.Length = 1 then texts.Head else sprintf "%s: %s (the other mode differs; see the section)" modes.Head.Label texts.Head) })
        |> List.sortBy (fun f -> order f.Kind)

    /// The statements of a report that are not mutants, and the mutants.
    let statementsAndMutants (report: Report) =
        report.Statements |> List.partition (fun s -> s.Mutation.IsNone)

    /// A statement's variables as (name, description with shape and domain).
    let variableRows (s: Statement) =
        s.Variables |> List.map (fun v -> v.Name, sprintf "%s (%A, %s)" v.Description v.Shape (Domain.format v.Domain))

    /// A statement's named assumptions as (id, description).
    let assumptionRows (s: Statement) =
        s.Hypotheses |> List.choose (function Hypothesis.NamedAssumption(id, d) -> Some(id, d) | _ -> None)
