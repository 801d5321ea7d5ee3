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
        add (sprintf "<h4><code>%s</code> — %s: <span class=\"verdict %s\">%s</span>" (html r.StatementId) (html r.Mode.Label) (verdictClass r.Verdict.Label) (html r.Verdict.Label))

        match r.MutantRejected with
        | Some true -> add " <span class=\"verdict v-held\">mutant rejected</span>"
        | Some false -> add " <span class=\"verdict v-violated\">mutant NOT rejected</span>"
        | None -> ()

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

        add "</head>\n<body>\n<h1>GenBounds verification report</h1>\n"
        add (sprintf "<p>Papers: %s</p>\n" (html (String.Join(", ", report.Context.Papers))))
        add "<h2>Context</h2>\n<table>"

        for (k, v) in contextRows report.Context report.Seconds do
            add (sprintf "<tr><th>%s</th><td><code>%s</code></td></tr>" (html k) (html v))

        add "</table>\n<h2>Summary</h2>\n<p>"

        for (l, n) in summary.Verdicts do
            add (sprintf "<span class=\"verdict %s\">%s: %d</span> " (verdictClass l) (html l) n)

        add (sprintf "— mutants rejected: <b>%d/%d</b></p>\n" summary.MutantsRejected summary.Mutants)
        add "<table class=\"summary\"><tr><th>statement</th><th>name</th>"

        for m in modes do
            add (sprintf "<th>%s</th>" (html m.Label))

        add "</tr>"

        for s in report.Statements do
            add (sprintf "<tr><td><a href=\"#%s\"><code>%s</code></a></td><td>%s</td>" (html ("s-" + s.Id)) (html s.Id) (html s.Name))

            for m in modes do
                match cellVerdicts report.Results s.Id m with
                | [] -> add "<td class=\"muted\">—</td>"
                | vs ->
                    add "<td>"
                    for v in vs do
                        add (sprintf "<span class=\"verdict %s\">%s</span> " (verdictClass v) (html v))
                    add "</td>"

            add "</tr>"

        add "</table>\n"

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
                // MathML Core renders natively in current browsers, so formulas need no script or network access.
                add "<div class=\"formula\">"
                add ((Statement.toMathML s).Replace("<math ", "<math display=\"block\" "))
                add "</div>\n"

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
</script>
</body>
</html>
"""

        sb.ToString()

