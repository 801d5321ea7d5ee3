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

/// report.md: the report for a Markdown reader (formulas in LaTeX).
module ReportMarkdown =
    open ReportFormat

    let mdCell (s: string) = s.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ")

    let modes = [ CheckMode.Synthetic; CheckMode.RealNetwork ]

    /// The link target of a statement's section.
    let anchor (id: string) = "s-" + id.Replace(".", "-").Replace("~", "-")

    /// The verdicts of a statement's own results in one mode, e.g. "held" or "held, violated".
    let cellVerdicts (results: CheckResult list) (id: string) (mode: CheckMode) =
        results
        |> List.filter (fun r -> r.StatementId = id && r.Mode = mode)
        |> List.map (fun r -> r.Verdict.Label)
        |> List.distinct

    let contextRows (c: ReportContext) (seconds: float) =
        [ "model", c.ModelPath
          "model hash", c.ModelHash
          "architecture", c.Architecture
          "data", c.DataName
          "data hash", c.DataHash
          "code revision", c.CodeRevision
          "master seed", seedText c.MasterSeed
          "BLAS", (if c.Blas.Contains "thread" then c.Blas else sprintf "%s (%d threads)" c.Blas c.BlasThreads)
          "trials", string c.Trials
          "started", c.Started.ToString("u", inv)
          "papers", String.Join(", ", c.Papers)
          "wall time", sprintf "%s s" (fmt seconds) ]

    let resultLines (r: CheckResult) =
        let head =
            let mutant =
                match r.MutantRejected with
                | Some true -> " (mutant **rejected**, as it must be)"
                | Some false -> " (mutant **NOT rejected**: the check is too weak)"
                | None -> ""

            sprintf "- **%s** — %s: **%s**%s" r.StatementId r.Mode.Label r.Verdict.Label mutant

        let item (label: string) (value: string option) = value |> Option.map (fun v -> sprintf "  - %s: %s" label v)

        head
        :: List.choose
            id
            [ item "details" (verdictDetail r.Verdict)
              item "N" (Some(string r.Trials + (r.Failures |> Option.map (sprintf ", failures %d") |> Option.defaultValue "") + (if r.OutOfScope > 0 then sprintf ", %d out of scope" r.OutOfScope else "")))
              item "interval" (r.Interval |> Option.map intervalText)
              item "δ" (r.Delta |> Option.map fmt)
              item "slack RHS/LHS" (r.Slack |> Option.map summaryText)
              item "constant" (r.Constant |> Option.map constantText)
              item "bindings"
                  (if r.Bindings.IsEmpty then None
                   else Some(String.Join(", ", r.Bindings |> List.map (fun (k, v) -> sprintf "%s = %s" k (fmt v)))))
              item "replay seed" (Some(sprintf "`%s`%s" (seedText r.Seed) (r.Layer |> Option.map (sprintf ", layer %d") |> Option.defaultValue "")))
              item "capped" (if r.Caps.IsEmpty then None else Some(String.Join("; ", r.Caps)))
              item "notes" (if r.Notes.IsEmpty then None else Some(String.Join("; ", r.Notes)))
              item "time" (Some(sprintf "%s s" (fmt r.Seconds))) ]
        @ [ for st in r.Settings -> "  - setting " + settingText st ]

    /// report.md: title, context table, verdict summary (statement × mode), then each statement with its results.
    let toMarkdown (report: Report) =
        let sb = StringBuilder()
        let line (s: string) = sb.Append(s).Append('\n') |> ignore
        let summary = summarize report
        line "# GenBounds verification report"
        line ""
        line ("Papers: " + String.Join(", ", report.Context.Papers))
        line ""
        line "## Context"
        line ""
        line "| | |"
        line "|---|---|"
        for (k, v) in contextRows report.Context report.Seconds do
            line (sprintf "| %s | %s |" k (mdCell v))

        line ""
        line "## Findings"
        line ""
        match findings report with
        | [] -> line "No violations, unmet hypotheses, vacuous bounds or surviving mutants."
        | fs ->
            for f in fs do
                line (sprintf "- **%s** [%s](#%s) (%s): %s" f.Kind.Heading f.StatementId (anchor f.StatementId) (String.Join(", ", f.Modes |> List.map (fun m -> m.Label))) (mdCell f.Text))

        line ""
        line "## Summary"
        line ""
        line (
            String.Join(", ", summary.Verdicts |> List.map (fun (l, n) -> sprintf "%s: %d" l n))
            + sprintf "; mutants rejected: %d/%d" summary.MutantsRejected summary.Mutants
        )

        let originals, mutants = statementsAndMutants report
        line ""
        line "## Statements"
        line ""
        line ("| statement | name | role | " + String.Join(" | ", modes |> List.map (fun m -> m.Label)) + " |")
        line ("|---|---|---|" + String.Join("", modes |> List.map (fun _ -> "---|")))

        for s in originals do
            let cells =
                modes
                |> List.map (fun m ->
                    match cellVerdicts report.Results s.Id m with
                    | [] -> "—"
                    | vs -> String.Join(", ", vs))

            line (sprintf "| [%s](#%s) | %s | %s | %s |" (mdCell s.Id) (anchor s.Id) (mdCell s.Name) s.Role.Label (String.Join(" | ", cells |> List.map mdCell)))

        if not mutants.IsEmpty then
            line ""
            line "## Mutants"
            line ""
            line "A mutant is its statement broken on purpose: the checker must reject it (a diagnostic mutant only reports a discrepancy)."
            line ""
            line ("| mutant | kind | what is broken | " + String.Join(" | ", modes |> List.map (fun m -> m.Label)) + " |")
            line ("|---|---|---|" + String.Join("", modes |> List.map (fun _ -> "---|")))
            for m in mutants do
                let mu = m.Mutation.Value
                let cells =
                    modes |> List.map (fun mode ->
                        match report.Results |> List.tryFind (fun r -> r.StatementId = m.Id && r.Mode = mode) with
                        | Some r when r.MutantRejected = Some true -> "rejected"
                        | Some _ when mu.Kind = MutantKind.Diagnostic -> "not rejected (diagnostic)"
                        | Some _ -> "**NOT rejected**"
                        | None -> "—")
                line (sprintf "| %s | %s | %s | %s |" (mdCell m.Id) mu.Kind.Label (mdCell mu.Description) (String.Join(" | ", cells)))

        for (statement, results) in sections report do
            line ""

            match statement with
            | Some s ->
                line (sprintf "<a id=\"%s\"></a>" (anchor s.Id))
                line ""
                line (sprintf "## %s — %s" s.Id s.Name)
                line ""
                line ("*" + citationText s.Citation + "*")
                line ""

                let tags =
                    s.Provenance
                    |> List.map (fun p ->
                        match provenanceFlag p with
                        | Some flag -> sprintf "`%s` **%s**" p.Label flag
                        | None -> sprintf "`%s`" p.Label)

                line ("Provenance: " + String.Join(", ", tags))

                s.Mutation
                |> Option.iter (fun m -> line (sprintf "\nMutant of %s: %s" m.OriginalId m.Description))

                line ""
                line s.Informal
                line ""
                line "$$"
                line (Statement.toFormulaLatex s)
                line "$$"

                for name, d in variableRows s do
                    line (sprintf "- `%s`: %s" name d)

                for id, d in assumptionRows s do
                    line (sprintf "- Assumption (%s): %s" id d)

                match s.Checkability with
                | Checkability.NotYetCheckable reason -> line (sprintf "\n**Not yet checkable:** %s" reason)
                | Checkability.Checkable -> ()

                if not s.Notes.IsEmpty then
                    line ""
                    for n in s.Notes do
                        line ("> Note: " + n)
            | None -> line "## Results of statements not listed in this report"

            line ""
            line "### Results"
            line ""

            if results.IsEmpty then
                line "No results."
            else
                for r in results do
                    for l in resultLines r do
                        line l

                    for f in r.Figures do
                        match f with
                        | Figure.Table(title, header, rows) ->
                            line ""
                            line (sprintf "  **%s**" (mdCell title))
                            line ""
                            line ("  | " + String.Join(" | ", header |> List.map mdCell) + " |")
                            line ("  |" + String.Join("", header |> List.map (fun _ -> "---|")))
                            for row in rows do
                                line ("  | " + String.Join(" | ", row |> List.map mdCell) + " |")
                            line ""
                        | _ -> ()

        sb.ToString()

