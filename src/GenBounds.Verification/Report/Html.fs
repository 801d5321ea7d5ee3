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

/// report.html: one self-contained page (MathML formulas, Vega-Lite figures with the Vega scripts inlined).
module ReportHtml =
    open ReportFormat
    open ReportJson
    open ReportMarkdown
    open ReportVega

    let html (s: string) = if isNull s then "" else WebUtility.HtmlEncode s

    /// JSON safe inside a <script> element: the default encoder escapes <, >, & and quotes as \uXXXX, so no
    /// "</script>" or "<!--" can appear in the text.
    let scriptJson (node: JsonNode) = node.ToJsonString(JsonSerializerOptions(WriteIndented = false))

    /// A library's source inlined in a <script> element: "</script" inside it (only possible in strings, regular
    /// expressions or comments) would end the element early, and "<\/" means the same there.
    let inlineScript (source: string) =
        source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase).Replace("<!--", "<\\!--")

    let verdictClass (label: string) = "v-" + label.Replace(' ', '-')

    let styles =
        """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2em auto; max-width: 1100px; color: #1b1b1b; line-height: 1.45; }
h1 { border-bottom: 2px solid #444; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: .6em 0; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f1f1f1; }
code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .92em; }
.verdict { display: inline-block; padding: .05em .5em; border-radius: .3em; font-weight: 600; white-space: nowrap; }
.v-held { background: #c8e6c9; color: #1b5e20; }
.v-violated { background: #ffcdd2; color: #b71c1c; }
.v-inconclusive { background: #fff3c4; color: #7a5a00; }
.v-hypothesis-not-met { background: #e1d5f0; color: #4a2a7a; }
.v-vacuous { background: #e0e0e0; color: #424242; }
.v-not-yet-checkable { background: #eeeeee; color: #757575; font-style: italic; }
.v-measured-definition { background: #e3f2fd; color: #0d47a1; }
.v-paper-defect { background: #ffe0b2; color: #8a3c00; }
ul.findings { padding-left: 1.2em; }
ul.findings li { margin: .25em 0; }
table.vars td { padding: 0 .8em 0 0; vertical-align: top; }
main { max-width: 1100px; }
.tag { display: inline-block; border: 1px solid #999; border-radius: .3em; padding: 0 .4em; margin-right: .3em; font-size: .85em; }
.flag { background: #fff3c4; border-color: #c9a400; font-weight: 600; }
.formula mtd { text-align: left; }
.formula math { font-size: 1.1em; }
.formula { overflow-x: auto; margin: .8em 0; padding: .5em; background: #fafafa; border-left: 3px solid #888; }
.result { border: 1px solid #ddd; border-radius: .4em; padding: .6em 1em; margin: .8em 0; }
.result dl { display: grid; grid-template-columns: max-content auto; gap: .15em 1em; margin: .4em 0; }
.result dt { font-weight: 600; }
.result dd { margin: 0; }
.figure { margin: .6em 0; }
.figure-error { color: #b71c1c; }
.muted { color: #666; }
"""

    let resultHtml (sb: StringBuilder) (figureIds: ResizeArray<string * Figure>) (r: CheckResult) =
        let add (s: string) = sb.Append(s) |> ignore
        add "<div class=\"result\">"
        // A mutant's verdict is read through whether it was rejected: a rejected mutant is the check working (green).
        match r.MutantRejected with
        | Some true -> add (sprintf "<h4><code>%s</code> — %s: <span class=\"verdict v-held\">rejected</span> <span class=\"muted\">(%s)</span>" (html r.StatementId) (html r.Mode.Label) (html r.Verdict.Label))
        | Some false -> add (sprintf "<h4><code>%s</code> — %s: <span class=\"verdict v-violated\">NOT rejected</span> <span class=\"muted\">(%s)</span>" (html r.StatementId) (html r.Mode.Label) (html r.Verdict.Label))
        | None -> add (sprintf "<h4><code>%s</code> — %s: <span class=\"verdict %s\">%s</span>" (html r.StatementId) (html r.Mode.Label) (verdictClass r.Verdict.Label) (html r.Verdict.Label))

        add "</h4><dl>"
        let row (k: string) (v: string) = add (sprintf "<dt>%s</dt><dd>%s</dd>" (html k) v)
        verdictDetail r.Verdict |> Option.iter (html >> row "details")
        row "N" (html (string r.Trials + (r.Failures |> Option.map (sprintf ", failures %d") |> Option.defaultValue "") + (if r.OutOfScope > 0 then sprintf ", %d out of scope" r.OutOfScope else "")))
        r.Interval |> Option.iter (intervalText >> html >> row "interval")
        r.Delta |> Option.iter (fmt >> html >> row "δ")
        r.Slack |> Option.iter (summaryText >> html >> row "slack RHS/LHS")
        r.Constant |> Option.iter (constantText >> html >> row "constant")

        if not r.Bindings.IsEmpty then
            row "bindings" (html (String.Join(", ", r.Bindings |> List.map (fun (k, v) -> sprintf "%s = %s" k (fmt v)))))

        row "replay seed" ("<code>" + html (seedText r.Seed) + "</code>" + (r.Layer |> Option.map (sprintf ", layer %d") |> Option.defaultValue ""))

        for c in r.Caps do
            row "capped" (html c)

        for n in r.Notes do
            row "note" (html n)

        row "time" (html (sprintf "%s s" (fmt r.Seconds)))
        add "</dl>"

        if not r.Settings.IsEmpty then
            add "<table class=\"figure-table\"><caption>settings</caption><tr><th>setting</th><th>verdict</th><th>N</th><th>failures</th><th>interval</th><th>&delta;</th><th>smallest constant</th></tr>"
            for st in r.Settings do
                add (sprintf "<tr><td>%s</td><td><span class=\"verdict %s\">%s</span></td><td>%d</td><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>"
                         (html st.Label) (verdictClass st.Verdict.Label) (html st.Verdict.Label) st.Trials st.Failures
                         (st.Interval |> Option.map (intervalText >> html) |> Option.defaultValue "")
                         (st.Delta |> Option.map fmt |> Option.defaultValue "") (st.Constant |> Option.map fmt |> Option.defaultValue ""))
            add "</table>"
            match ReportVega.settingsFigure r with
            | Some f ->
                let id = sprintf "figure-%d" figureIds.Count
                figureIds.Add((id, f))
                add (sprintf "<div class=\"figure\" id=\"%s\"></div>" id)
            | None -> ()

        for f in r.Figures do
            match f with
            | Figure.Table(title, header, rows) ->
                add (sprintf "<table class=\"figure-table\"><caption>%s</caption><tr>" (html title))
                for h in header do add (sprintf "<th>%s</th>" (html h))
                add "</tr>"
                for row in rows do
                    add "<tr>"
                    for c in row do add (sprintf "<td>%s</td>" (html c))
                    add "</tr>"
                add "</table>"
            | _ ->
                let id = sprintf "figure-%d" figureIds.Count
                figureIds.Add((id, f))
                add (sprintf "<div class=\"figure\" id=\"%s\"></div>" id)

        add "</div>"

    /// report.html: one self-contained page (styles, Vega scripts and figure specs inlined; formulas as MathML).
    let toHtml (scripts: VegaScripts) (report: Report) =
        let sb = StringBuilder()
        let add (s: string) = sb.Append(s) |> ignore
        let summary = summarize report
        let figures = ResizeArray<string * Figure>()
        add "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        add (sprintf "<title>GenBounds report — %s</title>\n" (html (String.Join(", ", report.Context.Papers))))
        add "<style>"
        add styles
        add "</style>\n"

        for source in [ scripts.Vega; scripts.VegaLite; scripts.VegaEmbed ] do
            add "<script>"
            add (inlineScript source)
            add "</script>\n"

        add "</head>\n<body>\n<main>\n<h1>GenBounds verification report</h1>\n"
        let c = report.Context
        add (sprintf "<p>Papers: <b>%s</b> · model <code>%s</code> (%s) · data %s · seed %s · %d trials · %s s</p>\n"
                 (html (String.Join(", ", c.Papers))) (html (Path.GetFileName c.ModelPath)) (html c.Architecture) (html c.DataName) (html (seedText c.MasterSeed)) c.Trials (html (fmt report.Seconds)))
        add "<h2 id=\"findings\">Findings</h2>\n"
        match findings report with
        | [] -> add "<p class=\"muted\">No violations, unmet hypotheses, vacuous bounds or surviving mutants.</p>\n"
        | fs ->
            add "<ul class=\"findings\">"
            for f in fs do
                let cls = match f.Kind with PaperDefect -> "v-paper-defect" | Violation | WeakCheck -> "v-violated" | AssumptionRejected | HypothesisNotMet -> "v-hypothesis-not-met" | VacuousBound -> "v-vacuous"
                add (sprintf "<li><span class=\"verdict %s\">%s</span> <a href=\"#%s\"><code>%s</code></a> <span class=\"muted\">(%s)</span> %s</li>"
                         cls (html f.Kind.Heading) (html ("s-" + Paper.baseId f.StatementId)) (html f.StatementId) (html (String.Join(", ", f.Modes |> List.map (fun m -> m.Label)))) (html f.Text))
            add "</ul>\n"

        add "<h2>Summary</h2>\n<p>"

        for (l, n) in summary.Verdicts do
            add (sprintf "<span class=\"verdict %s\">%s: %d</span> " (verdictClass l) (html l) n)

        add (sprintf "— mutants rejected: <b>%d/%d</b></p>\n" summary.MutantsRejected summary.Mutants)
        let originals, mutants = statementsAndMutants report
        add "<h2>Statements</h2>\n<table class=\"summary\"><tr><th>statement</th><th>name</th><th>role</th>"
        for m in modes do add (sprintf "<th>%s</th>" (html m.Label))
        add "</tr>"
        for s in originals do
            add (sprintf "<tr><td><a href=\"#%s\"><code>%s</code></a></td><td>%s</td><td>%s</td>" (html ("s-" + s.Id)) (html s.Id) (html s.Name) (html s.Role.Label))
            for m in modes do
                match cellVerdicts report.Results s.Id m with
                | [] -> add "<td class=\"muted\">—</td>"
                | vs ->
                    add "<td>"
                    for v in vs do add (sprintf "<span class=\"verdict %s\">%s</span> " (verdictClass v) (html v))
                    add "</td>"
            add "</tr>"
        add "</table>\n"

        if not mutants.IsEmpty then
            add "<h2>Mutants</h2>\n<p class=\"muted\">Each mutant is its statement broken on purpose; the checker must reject it. A diagnostic mutant only reports a discrepancy.</p>\n"
            add "<table class=\"summary\"><tr><th>mutant</th><th>kind</th><th>what is broken</th>"
            for m in modes do add (sprintf "<th>%s</th>" (html m.Label))
            add "</tr>"
            for m in mutants do
                let mu = m.Mutation.Value
                add (sprintf "<tr><td><a href=\"#%s\"><code>%s</code></a></td><td>%s</td><td>%s</td>" (html ("s-" + mu.OriginalId)) (html m.Id) (html mu.Kind.Label) (html mu.Description))
                for mode in modes do
                    match report.Results |> List.tryFind (fun r -> r.StatementId = m.Id && r.Mode = mode) with
                    | Some r when r.MutantRejected = Some true -> add "<td><span class=\"verdict v-held\">rejected</span></td>"
                    | Some _ when mu.Kind = MutantKind.Diagnostic -> add "<td><span class=\"verdict v-vacuous\">not rejected (diagnostic)</span></td>"
                    | Some _ -> add "<td><span class=\"verdict v-violated\">NOT rejected</span></td>"
                    | None -> add "<td class=\"muted\">—</td>"
                add "</tr>"
            add "</table>\n"

        add "<details><summary>Context</summary>\n<table>"
        for (k, v) in contextRows report.Context report.Seconds do
            add (sprintf "<tr><th>%s</th><td><code>%s</code></td></tr>" (html k) (html v))
        add "</table></details>\n"

        for (statement, results) in sections report do
            match statement with
            | Some s ->
                add (sprintf "<section id=\"%s\">\n<h2><code>%s</code> — %s</h2>\n" (html ("s-" + s.Id)) (html s.Id) (html s.Name))
                add (sprintf "<p><i>%s</i></p>\n<p>" (html (citationText s.Citation)))

                for p in s.Provenance do
                    match provenanceFlag p with
                    | Some flag -> add (sprintf "<span class=\"tag flag\">%s — %s</span>" (html p.Label) (html flag))
                    | None -> add (sprintf "<span class=\"tag\">%s</span>" (html p.Label))

                add "</p>\n"
                s.Mutation |> Option.iter (fun m -> add (sprintf "<p>Mutant of <code>%s</code>: %s</p>\n" (html m.OriginalId) (html m.Description)))
                add (sprintf "<p>%s</p>\n" (html s.Informal))
                // MathML Core renders natively in current browsers, so formulas need no script or network access. The
                // formula holds only mathematics; variables, assumptions and notes are prose here, where they can wrap.
                add "<div class=\"formula\">"
                add ((Statement.toFormulaMathML s).Replace("<math ", "<math display=\"block\" "))
                add "</div>\n"

                let vars = variableRows s
                if not vars.IsEmpty then
                    add "<table class=\"vars\">"
                    let glyphs = s.Variables |> List.map (fun v -> v.Name, (Layout.ofExprWith (Statement.notation s) (Symbol v.Name)) |> MathML.ofLayoutDocument) |> Map.ofList
                    for name, d in vars do
                        add (sprintf "<tr><td>%s</td><td>%s</td></tr>" (glyphs.[name]) (html d))
                    add "</table>\n"

                for id, d in assumptionRows s do
                    add (sprintf "<p>Assumption <b>(%s)</b>: %s</p>\n" (html id) (html d))

                s.ByConstruction |> Option.iter (fun why -> add (sprintf "<p><b>Holds by construction:</b> %s</p>\n" (html why)))
                s.KnownFalse |> Option.iter (fun why -> add (sprintf "<p><b>Known to be false as printed:</b> %s</p>\n" (html why)))

                match s.Checkability with
                | Checkability.NotYetCheckable reason -> add (sprintf "<p><b>Not yet checkable:</b> %s</p>\n" (html reason))
                | Checkability.Checkable -> ()

                for n in s.Notes do
                    add (sprintf "<p class=\"muted\">Note: %s</p>\n" (html n))
            | None -> add "<section>\n<h2>Results of statements not listed in this report</h2>\n"

            if results.IsEmpty then add "<p class=\"muted\">No results.</p>\n"

            for r in results do
                resultHtml sb figures r

            add "</section>\n"

        add "</main>\n"
        let specs = JsonObject()

        for (id, f) in figures do
            specs[id] <- vegaLiteSpec f

        add "<script>\nconst genboundsFigures = "
        add (scriptJson specs)

        add
            """;
for (const [id, spec] of Object.entries(genboundsFigures)) {
  const el = document.getElementById(id);
  vegaEmbed(el, spec, { mode: "vega-lite", renderer: "svg", actions: false })
    .catch(err => { el.classList.add("figure-error"); el.textContent = "figure failed to render: " + err; });
}
// Self-check of the layout, recorded on <body> (the rendering test reads it): formula boxes whose content is wider
// than the box, and <mtext> pieces whose boundary spaces MathML would collapse.
window.addEventListener("load", () => {
  const boxes = [...document.querySelectorAll(".formula")];
  document.body.dataset.formulaOverflow = boxes.filter(b => b.scrollWidth > b.clientWidth + 1).map(b => b.closest("section")?.id ?? "?").join(" ");
  document.body.dataset.formulaBoxes = String(boxes.length);
  document.body.dataset.mtextBareSpaces = String([...document.querySelectorAll("mtext")].filter(t => /^ | $/.test(t.textContent)).length);
});
</script>
</body>
</html>
"""

        sb.ToString()

