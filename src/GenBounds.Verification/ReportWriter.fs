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

/// Writes a <see cref="T:GenBounds.Verification.Report"/> as report.json, report.md and a self-contained report.html.
module ReportWriter =

    let private inv = CultureInfo.InvariantCulture

    /// Verdict labels in declaration order.
    let verdictLabels =
        [ Verdict.Held
          Verdict.Violated { Seed = 0UL; Trial = None; Layer = None; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = "" }
          Verdict.Inconclusive ""
          Verdict.HypothesisNotMet("", None)
          Verdict.Vacuous ""
          Verdict.NotCheckable "" ]
        |> List.map (fun v -> v.Label)

    let private isMutant (r: CheckResult) = r.MutantRejected.IsSome || Registry.isMutantId r.StatementId

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

    let private fmt (x: float) =
        if Double.IsNaN x then "NaN"
        elif Double.IsPositiveInfinity x then "∞"
        elif Double.IsNegativeInfinity x then "−∞"
        else x.ToString("G4", inv)

    let private seedText (s: uint64) = s.ToString(inv)

    let private intervalText (i: Interval) =
        sprintf "[%s, %s] (%s%% %s)" (fmt i.Lower) (fmt i.Upper) (fmt (100.0 * i.Confidence)) i.Method

    let private summaryText (s: Summary) =
        sprintf "min %s · q01 %s · q10 %s · median %s · q90 %s · q99 %s · max %s · mean %s (n = %d)"
            (fmt s.Min) (fmt s.Q01) (fmt s.Q10) (fmt s.Median) (fmt s.Q90) (fmt s.Q99) (fmt s.Max) (fmt s.Mean) s.Count

    let private witnessText (w: Witness) =
        let at =
            [ w.Trial |> Option.map (sprintf "trial %d")
              w.Layer |> Option.map (sprintf "layer %d")
              w.Sample |> Option.map (sprintf "sample %d") ]
            |> List.choose id

        let where = if at.IsEmpty then "" else String.Join(", ", at) + ": "
        sprintf "%sLHS = %s, RHS = %s%s; replay seed %s" where (fmt w.Lhs) (fmt w.Rhs)
            (if String.IsNullOrWhiteSpace w.Description then "" else " — " + w.Description) (seedText w.Seed)

    let private verdictDetail (v: Verdict) =
        match v with
        | Verdict.Held -> None
        | Verdict.Violated w -> Some("witness: " + witnessText w)
        | Verdict.Inconclusive reason
        | Verdict.Vacuous reason
        | Verdict.NotCheckable reason -> Some reason
        | Verdict.HypothesisNotMet(h, anyway) ->
            let tail =
                match anyway with
                | Some true -> "; the conclusion held anyway"
                | Some false -> "; the conclusion failed too"
                | None -> "; the conclusion was not evaluated"

            Some(h + tail)

    let private constantText (c: ConstantEstimate) =
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
    let private sections (report: Report) =
        let listed = report.Statements |> List.map (fun s -> s.Id) |> Set.ofList

        let owner (r: CheckResult) =
            if listed.Contains r.StatementId then Some r.StatementId
            elif listed.Contains(Registry.baseId r.StatementId) then Some(Registry.baseId r.StatementId)
            else None

        let bySection = report.Results |> List.groupBy owner |> Map.ofList
        let forStatement = report.Statements |> List.map (fun s -> Some s, bySection |> Map.tryFind (Some s.Id) |> Option.defaultValue [])

        match bySection |> Map.tryFind None with
        | Some orphans -> forStatement @ [ None, orphans ]
        | None -> forStatement

    let private provenanceFlag (p: Provenance) =
        match p with
        | Provenance.Recon -> Some "reconstructed"
        | Provenance.Unverified -> Some "unverified"
        | Provenance.Derived -> Some "derived"
        | Provenance.PaperIssue -> Some "paper issue"
        | _ -> None

    let private citationText (c: Citation) =
        c.Source + ", " + c.Section + (c.Equation |> Option.map (fun e -> ", " + e) |> Option.defaultValue "")

    // ---------------------------------------------------------------- JSON

    let private jnum (x: float) : JsonNode =
        if Double.IsFinite x then JsonValue.Create x
        elif Double.IsNaN x then JsonValue.Create "NaN"
        elif x > 0.0 then JsonValue.Create "Infinity"
        else JsonValue.Create "-Infinity"

    let private jstr (s: string) : JsonNode = if isNull s then null else JsonValue.Create s
    let private jint (n: int) : JsonNode = JsonValue.Create n
    let private jbool (b: bool) : JsonNode = JsonValue.Create b
    // Seeds are 64-bit: as JSON numbers they would lose digits in JavaScript readers, so they are decimal strings.
    let private jseed (s: uint64) : JsonNode = JsonValue.Create(seedText s)
    let private jopt (f: 'a -> #JsonNode) (o: 'a option) : JsonNode = match o with Some x -> f x :> JsonNode | None -> null

    let private jobj (pairs: (string * JsonNode) list) =
        let o = JsonObject()
        for (k, v) in pairs do
            o[k] <- v
        o

    let private jarr (xs: JsonNode seq) =
        let a = JsonArray()
        for x in xs do
            a.Add x
        a

    let private jnums (xs: float seq) = jarr (xs |> Seq.map jnum)

    let private intervalJson (i: Interval) =
        jobj [ "lower", jnum i.Lower; "upper", jnum i.Upper; "confidence", jnum i.Confidence; "method", jstr i.Method ]

    let private summaryJson (s: Summary) =
        jobj
            [ "count", jint s.Count; "min", jnum s.Min; "q01", jnum s.Q01; "q10", jnum s.Q10; "median", jnum s.Median
              "q90", jnum s.Q90; "q99", jnum s.Q99; "max", jnum s.Max; "mean", jnum s.Mean ]

    let private witnessJson (w: Witness) =
        jobj
            [ "seed", jseed w.Seed; "trial", jopt jint w.Trial; "layer", jopt jint w.Layer; "sample", jopt jint w.Sample
              "lhs", jnum w.Lhs; "rhs", jnum w.Rhs; "description", jstr w.Description ]

    let private verdictJson (v: Verdict) =
        let details: (string * JsonNode) list =
            match v with
            | Verdict.Held -> []
            | Verdict.Violated w -> [ "witness", witnessJson w ]
            | Verdict.Inconclusive reason
            | Verdict.Vacuous reason
            | Verdict.NotCheckable reason -> [ "reason", jstr reason ]
            | Verdict.HypothesisNotMet(h, anyway) -> [ "hypothesis", jstr h; "conclusion_held_anyway", jopt jbool anyway ]

        jobj (("label", jstr v.Label) :: details)

    let private constantJson (c: ConstantEstimate) =
        jobj
            [ "name", jstr c.Name
              "value", jnum c.Value
              "interval", jopt intervalJson c.Interval
              "by_dimension", jarr (c.ByDimension |> List.map (fun (d, v) -> jobj [ "setting", jstr d; "value", jnum v ] :> JsonNode))
              "grows", jopt jbool c.Grows
              "suspicious", jbool c.Suspicious ]

    let private figureJson (f: Figure) =
        match f with
        | Figure.QQ(title, theoretical, sample) ->
            jobj [ "kind", jstr "qq"; "title", jstr title; "theoretical", jnums theoretical; "sample", jnums sample ]
        | Figure.Histogram(title, xLabel, values, refs) ->
            jobj
                [ "kind", jstr "histogram"; "title", jstr title; "x_label", jstr xLabel; "values", jnums values
                  "references", jarr (refs |> List.map (fun (l, x) -> jobj [ "label", jstr l; "value", jnum x ] :> JsonNode)) ]
        | Figure.Lines(title, xLabel, yLabel, series) ->
            let s (name, points: (float * float)[]) =
                jobj [ "name", jstr name; "x", jnums (points |> Array.map fst); "y", jnums (points |> Array.map snd) ] :> JsonNode

            jobj
                [ "kind", jstr "lines"; "title", jstr title; "x_label", jstr xLabel; "y_label", jstr yLabel
                  "series", jarr (series |> List.map s) ]
        | Figure.Table(title, header, rows) ->
            let strs (xs: string list) = jarr (xs |> List.map jstr)
            jobj [ "kind", jstr "table"; "title", jstr title; "header", strs header; "rows", jarr (rows |> List.map (fun r -> strs r :> JsonNode)) ]

    let private statementJson (s: Statement) =
        jobj
            [ "id", jstr s.Id
              "name", jstr s.Name
              "citation",
              jobj [ "source", jstr s.Citation.Source; "section", jstr s.Citation.Section; "equation", jopt jstr s.Citation.Equation ]
              "provenance", jarr (s.Provenance |> List.map (fun p -> jstr p.Label))
              "informal", jstr s.Informal
              "latex", jstr (Statement.toLatex s)
              "text", jstr (Statement.toText s)
              "notes", jarr (s.Notes |> List.map jstr)
              "checkable", jbool (s.Checkability = Checkability.Checkable)
              "not_checkable_reason",
              (match s.Checkability with
               | Checkability.NotYetCheckable reason -> jstr reason
               | Checkability.Checkable -> null)
              "mutation",
              jopt (fun (m: Mutation) -> jobj [ "original", jstr m.OriginalId; "description", jstr m.Description ] :> JsonNode) s.Mutation ]

    let private resultJson (r: CheckResult) =
        jobj
            [ "statement", jstr r.StatementId
              "mode", jstr r.Mode.Label
              "verdict", verdictJson r.Verdict
              "mutant_rejected", jopt jbool r.MutantRejected
              "trials", jint r.Trials
              "failures", jopt jint r.Failures
              "interval", jopt intervalJson r.Interval
              "delta", jopt jnum r.Delta
              "slack", jopt summaryJson r.Slack
              "constant", jopt constantJson r.Constant
              "bindings", jarr (r.Bindings |> List.map (fun (k, v) -> jobj [ "name", jstr k; "value", jnum v ] :> JsonNode))
              "seed", jseed r.Seed
              "layer", jopt jint r.Layer
              "notes", jarr (r.Notes |> List.map jstr)
              "figures", jarr (r.Figures |> List.map (fun f -> figureJson f :> JsonNode))
              "seconds", jnum r.Seconds ]

    let private contextJson (c: ReportContext) =
        jobj
            [ "model_path", jstr c.ModelPath
              "model_hash", jstr c.ModelHash
              "architecture", jstr c.Architecture
              "data_name", jstr c.DataName
              "data_hash", jstr c.DataHash
              "code_revision", jstr c.CodeRevision
              "master_seed", jseed c.MasterSeed
              "blas", jstr c.Blas
              "blas_threads", jint c.BlasThreads
              "trials", jint c.Trials
              "started", jstr (c.Started.ToString("o", inv))
              "papers", jarr (c.Papers |> List.map jstr) ]

    let private summaryOfReportJson (s: ReportSummary) =
        jobj
            [ "verdicts", jobj (s.Verdicts |> List.map (fun (l, n) -> l, jint n))
              "mutants", jobj [ "rejected", jint s.MutantsRejected; "total", jint s.Mutants ]
              "results", jint s.Results
              "statements", jint s.Statements ]

    /// The report as one JSON object: format, context, summary, statements, results (with figure data).
    /// Non-finite numbers are the strings "NaN", "Infinity", "-Infinity"; seeds are decimal strings.
    let toJson (report: Report) =
        jobj
            [ "format", jstr "genbounds-report/1"
              "context", contextJson report.Context
              "seconds", jnum report.Seconds
              "summary", summaryOfReportJson (summarize report)
              "statements", jarr (report.Statements |> List.map (fun s -> statementJson s :> JsonNode))
              "results", jarr (report.Results |> List.map (fun r -> resultJson r :> JsonNode)) ]

    /// report.json text (indented; non-ASCII kept readable).
    let toJsonText (report: Report) =
        (toJson report).ToJsonString(JsonSerializerOptions(WriteIndented = true, Encoder = Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping))

    // ---------------------------------------------------------------- Markdown

    let private mdCell (s: string) = s.Replace("\\", "\\\\").Replace("|", "\\|").Replace("\r", " ").Replace("\n", " ")

    let private modes = [ CheckMode.Synthetic; CheckMode.RealNetwork ]

    /// The verdicts of a statement's own results in one mode, e.g. "held" or "held, violated".
    let private cellVerdicts (results: CheckResult list) (id: string) (mode: CheckMode) =
        results
        |> List.filter (fun r -> r.StatementId = id && r.Mode = mode)
        |> List.map (fun r -> r.Verdict.Label)
        |> List.distinct

    let private contextRows (c: ReportContext) (seconds: float) =
        [ "model", c.ModelPath
          "model hash", c.ModelHash
          "architecture", c.Architecture
          "data", c.DataName
          "data hash", c.DataHash
          "code revision", c.CodeRevision
          "master seed", seedText c.MasterSeed
          "BLAS", sprintf "%s (%d threads)" c.Blas c.BlasThreads
          "trials", string c.Trials
          "started", c.Started.ToString("u", inv)
          "papers", String.Join(", ", c.Papers)
          "wall time", sprintf "%s s" (fmt seconds) ]

    let private resultLines (r: CheckResult) =
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
              item "N" (Some(string r.Trials + (r.Failures |> Option.map (sprintf ", failures %d") |> Option.defaultValue "")))
              item "interval" (r.Interval |> Option.map intervalText)
              item "δ" (r.Delta |> Option.map fmt)
              item "slack RHS/LHS" (r.Slack |> Option.map summaryText)
              item "constant" (r.Constant |> Option.map constantText)
              item "bindings"
                  (if r.Bindings.IsEmpty then None
                   else Some(String.Join(", ", r.Bindings |> List.map (fun (k, v) -> sprintf "%s = %s" k (fmt v)))))
              item "replay seed" (Some(sprintf "`%s`%s" (seedText r.Seed) (r.Layer |> Option.map (sprintf ", layer %d") |> Option.defaultValue "")))
              item "notes" (if r.Notes.IsEmpty then None else Some(String.Join("; ", r.Notes)))
              item "time" (Some(sprintf "%s s" (fmt r.Seconds))) ]

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
        line "## Summary"
        line ""
        line (
            String.Join(", ", summary.Verdicts |> List.map (fun (l, n) -> sprintf "%s: %d" l n))
            + sprintf "; mutants rejected: %d/%d" summary.MutantsRejected summary.Mutants
        )

        line ""
        line ("| statement | name | " + String.Join(" | ", modes |> List.map (fun m -> m.Label)) + " |")
        line ("|---|---|" + String.Join("", modes |> List.map (fun _ -> "---|")))

        for s in report.Statements do
            let cells =
                modes
                |> List.map (fun m ->
                    match cellVerdicts report.Results s.Id m with
                    | [] -> "—"
                    | vs -> String.Join(", ", vs))

            line (sprintf "| %s | %s | %s |" (mdCell s.Id) (mdCell s.Name) (String.Join(" | ", cells |> List.map mdCell)))

        for (statement, results) in sections report do
            line ""

            match statement with
            | Some s ->
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
                line (Statement.toLatex s)
                line "$$"

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

    // ---------------------------------------------------------------- Vega-Lite

    let private finitePairs (xs: (float * float) seq) =
        xs |> Seq.filter (fun (x, y) -> Double.IsFinite x && Double.IsFinite y) |> Array.ofSeq

    /// At most `n` points, evenly spaced through the array, keeping both ends (Q-Q data is sorted, so the shape survives).
    let private thin n (xs: 'a[]) =
        if xs.Length <= n then xs
        else Array.init n (fun i -> xs[int (Math.Round(float i * float (xs.Length - 1) / float (n - 1)))])

    let private omittedNote (dropped: int) =
        if dropped > 0 then sprintf " (%d non-finite values omitted)" dropped else ""

    let private axis (title: string) = jobj [ "title", jstr title ]

    let private field (name: string) (kind: string) (title: string) =
        jobj [ "field", jstr name; "type", jstr kind; "axis", axis title ]

    /// The Vega-Lite spec of a figure (data inline; histograms binned here so the page stays small).
    let vegaLiteSpec (figure: Figure) : JsonObject =
        let baseSpec (title: string) (layers: JsonObject list) =
            jobj
                [ "title", jstr title
                  "width", jint 560
                  "height", jint 300
                  "layer", jarr (layers |> List.map (fun l -> l :> JsonNode)) ]

        let values (rows: JsonObject seq) = jobj [ "values", jarr (rows |> Seq.map (fun r -> r :> JsonNode)) ]

        match figure with
        | Figure.QQ(title, theoretical, sample) ->
            let n = min theoretical.Length sample.Length
            let all = Array.init n (fun i -> theoretical[i], sample[i])
            let points = finitePairs all |> thin 2000

            let lo, hi =
                if points.Length = 0 then -1.0, 1.0
                else
                    let xs = points |> Array.collect (fun (x, y) -> [| x; y |])
                    Array.min xs, Array.max xs

            let scatter =
                jobj
                    [ "data", values (points |> Seq.map (fun (x, y) -> jobj [ "theoretical", jnum x; "sample", jnum y ]))
                      "mark", jobj [ "type", jstr "point"; "filled", jbool true; "size", jint 14 ]
                      "encoding",
                      jobj
                          [ "x", field "theoretical" "quantitative" "theoretical quantile"
                            "y", field "sample" "quantitative" "sample quantile" ] ]

            let reference =
                jobj
                    [ "data", values [ jobj [ "theoretical", jnum lo; "sample", jnum lo ]; jobj [ "theoretical", jnum hi; "sample", jnum hi ] ]
                      "mark", jobj [ "type", jstr "line"; "color", jstr "#d62728"; "strokeDash", jarr [ jint 6; jint 4 ] ]
                      "encoding", jobj [ "x", jobj [ "field", jstr "theoretical"; "type", jstr "quantitative" ]; "y", jobj [ "field", jstr "sample"; "type", jstr "quantitative" ] ] ]

            baseSpec (title + " — y = x dashed" + omittedNote (n - points.Length)) [ scatter; reference ]
        | Figure.Histogram(title, xLabel, raw, refs) ->
            let data = raw |> Array.filter Double.IsFinite
            let refs = refs |> List.filter (snd >> Double.IsFinite)

            let bins =
                if data.Length = 0 then [||]
                else
                    let lo, hi = Array.min data, Array.max data
                    let lo, hi = if hi > lo then lo, hi else lo - 0.5, hi + 0.5
                    let k = max 5 (min 40 (int (ceil (sqrt (float data.Length)))))
                    let width = (hi - lo) / float k
                    let counts = Array.zeroCreate k

                    for x in data do
                        let i = min (k - 1) (int ((x - lo) / width))
                        counts[i] <- counts[i] + 1

                    Array.init k (fun i -> lo + float i * width, lo + float (i + 1) * width, counts[i])

            let bars =
                jobj
                    [ "data", values (bins |> Seq.map (fun (a, b, c) -> jobj [ "start", jnum a; "end", jnum b; "count", jint c ]))
                      // rect, not bar: a bar with an x range is drawn as a horizontal bar, losing the zero baseline
                      "mark", jobj [ "type", jstr "rect"; "color", jstr "#4c78a8"; "stroke", jstr "white"; "strokeWidth", jnum 0.5 ]
                      "encoding",
                      jobj
                          [ "x", (let x = field "start" "quantitative" xLabel in x["scale"] <- jobj [ "zero", jbool false ]; x)
                            "x2", jobj [ "field", jstr "end" ]
                            "y", field "count" "quantitative" "count"
                            "y2", jobj [ "datum", jint 0 ] ] ]

            let rules =
                jobj
                    [ "data", values (refs |> Seq.map (fun (l, x) -> jobj [ "reference", jstr l; "value", jnum x ]))
                      "mark", jobj [ "type", jstr "rule"; "strokeWidth", jint 2; "strokeDash", jarr [ jint 6; jint 3 ] ]
                      "encoding",
                      jobj
                          [ "x", jobj [ "field", jstr "value"; "type", jstr "quantitative" ]
                            "color", jobj [ "field", jstr "reference"; "type", jstr "nominal"; "legend", jobj [ "title", jstr "reference" ] ] ] ]

            baseSpec (title + omittedNote (raw.Length - data.Length)) (if refs.IsEmpty then [ bars ] else [ bars; rules ])
        | Figure.Lines(title, xLabel, yLabel, series) ->
            let total = series |> List.sumBy (fun (_, ps) -> ps.Length)

            let rows =
                series
                |> List.collect (fun (name, ps) ->
                    finitePairs ps |> Array.map (fun (x, y) -> jobj [ "series", jstr name; "x", jnum x; "y", jnum y ]) |> List.ofArray)

            let lines =
                jobj
                    [ "data", values rows
                      "mark", jobj [ "type", jstr "line"; "point", jbool true ]
                      "encoding",
                      jobj
                          [ "x", field "x" "quantitative" xLabel
                            "y", field "y" "quantitative" yLabel
                            "color", jobj [ "field", jstr "series"; "type", jstr "nominal"; "legend", jobj [ "title", jstr "series" ] ] ] ]

            baseSpec (title + omittedNote (total - rows.Length)) [ lines ]
        | Figure.Table(title, header, rows) ->
            // The report renders tables as HTML; this text-mark spec exists so that every figure has a chart form.
            let lines = String.Join(" | ", header) :: (rows |> List.map (fun r -> String.Join(" | ", r)))
            let data = lines |> List.mapi (fun i l -> jobj [ "row", jint i; "text", jstr l ])
            let text =
                jobj
                    [ "data", values data
                      "mark", jobj [ "type", jstr "text"; "align", jstr "left" ]
                      "encoding", jobj [ "y", jobj [ "field", jstr "row"; "type", jstr "ordinal"; "axis", null ]; "text", jobj [ "field", jstr "text"; "type", jstr "nominal" ] ] ]
            baseSpec title [ text ]

    // ---------------------------------------------------------------- HTML

    let private html (s: string) = if isNull s then "" else WebUtility.HtmlEncode s

    /// JSON safe inside a <script> element: the default encoder escapes <, >, & and quotes as \uXXXX, so no
    /// "</script>" or "<!--" can appear in the text.
    let private scriptJson (node: JsonNode) = node.ToJsonString(JsonSerializerOptions(WriteIndented = false))

    /// A library's source inlined in a <script> element: "</script" inside it (only possible in strings, regular
    /// expressions or comments) would end the element early, and "<\/" means the same there.
    let private inlineScript (source: string) =
        source.Replace("</script", "<\\/script", StringComparison.OrdinalIgnoreCase).Replace("<!--", "<\\!--")

    let private verdictClass (label: string) = "v-" + label.Replace(' ', '-')

    let private styles =
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

    let private resultHtml (sb: StringBuilder) (figureIds: ResizeArray<string * Figure>) (r: CheckResult) =
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
        row "N" (html (string r.Trials + (r.Failures |> Option.map (sprintf ", failures %d") |> Option.defaultValue "")))
        r.Interval |> Option.iter (intervalText >> html >> row "interval")
        r.Delta |> Option.iter (fmt >> html >> row "δ")
        r.Slack |> Option.iter (summaryText >> html >> row "slack RHS/LHS")
        r.Constant |> Option.iter (constantText >> html >> row "constant")

        if not r.Bindings.IsEmpty then
            row "bindings" (html (String.Join(", ", r.Bindings |> List.map (fun (k, v) -> sprintf "%s = %s" k (fmt v)))))

        row "replay seed" ("<code>" + html (seedText r.Seed) + "</code>" + (r.Layer |> Option.map (sprintf ", layer %d") |> Option.defaultValue ""))

        for n in r.Notes do
            row "note" (html n)

        row "time" (html (sprintf "%s s" (fmt r.Seconds)))
        add "</dl>"

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

    // ---------------------------------------------------------------- files

    let private scriptFiles = [ "vega.min.js"; "vega-lite.min.js"; "vega-embed.min.js" ]

    /// The default folder of the Vega scripts: .cache/js under the repository root (filled by scripts/setup.sh).
    let defaultScriptFolder () =
        match GenBounds.Runtime.CodeRevision.RepositoryRoot() with
        | null -> Path.Combine(Environment.CurrentDirectory, ".cache", "js")
        | root -> Path.Combine(root, ".cache", "js")

    /// Reads vega.min.js, vega-lite.min.js and vega-embed.min.js from `folder` (default: `defaultScriptFolder ()`).
    /// Raises FileNotFoundException naming the missing files and telling how to fetch them.
    let loadVegaScripts (folder: string option) =
        let dir = folder |> Option.defaultWith defaultScriptFolder
        let missing = scriptFiles |> List.filter (fun f -> not (File.Exists(Path.Combine(dir, f))))

        if not missing.IsEmpty then
            raise (
                FileNotFoundException(
                    sprintf "the HTML report needs %s in %s (not found); run `bash scripts/setup.sh` to fetch them"
                        (String.Join(", ", missing)) dir
                )
            )

        let read f = File.ReadAllText(Path.Combine(dir, f), Encoding.UTF8)
        { Vega = read "vega.min.js"; VegaLite = read "vega-lite.min.js"; VegaEmbed = read "vega-embed.min.js" }

    let private tryDelete (dir: string) =
        try
            if Directory.Exists dir then Directory.Delete(dir, true)
        with
        | :? IOException
        | :? UnauthorizedAccessException -> ()

    /// Writes `files` (name, writer) into folder `target`, all or nothing: they are written into a hidden sibling
    /// folder which is renamed to `target` only when complete. An existing `target` is replaced only then (moved
    /// aside, the new folder moved in, the old one deleted; if moving in fails it is moved back). On failure no
    /// temporary folder remains.
    let writeFolderAtomically (target: string) (files: (string * (Stream -> unit)) list) =
        let full = Path.GetFullPath(target).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
        let parent = Path.GetDirectoryName full
        let name = Path.GetFileName full

        if String.IsNullOrEmpty parent || String.IsNullOrEmpty name then
            raise (ArgumentException(sprintf "cannot write a report folder at '%s'" target))

        if File.Exists full then
            raise (IOException(sprintf "cannot write the report folder %s: a file of that name exists" full))

        Directory.CreateDirectory parent |> ignore
        // The suffix only has to avoid collisions between concurrent writers, so it comes from the OS generator.
        let suffix = Convert.ToHexString(RandomNumberGenerator.GetBytes 6).ToLowerInvariant()
        let temp = Path.Combine(parent, sprintf ".%s.tmp-%s" name suffix)
        Directory.CreateDirectory temp |> ignore

        try
            for (file, write) in files do
                use stream = new FileStream(Path.Combine(temp, file), FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 <<< 16)
                write stream
                stream.Flush(true)
        with _ ->
            tryDelete temp
            reraise ()

        if Directory.Exists full then
            let old = Path.Combine(parent, sprintf ".%s.old-%s" name suffix)
            Directory.Move(full, old)

            try
                Directory.Move(temp, full)
            with _ ->
                Directory.Move(old, full)
                tryDelete temp
                reraise ()

            tryDelete old
        else
            try
                Directory.Move(temp, full)
            with _ ->
                tryDelete temp
                reraise ()

    let private textWriter (text: string) (stream: Stream) =
        let bytes = UTF8Encoding(false).GetBytes text
        stream.Write(bytes, 0, bytes.Length)

    /// Writes report.json, report.md and report.html into `folder` atomically (see `writeFolderAtomically`).
    let write (scripts: VegaScripts) (report: Report) (folder: string) =
        // Render everything before touching the disk: a rendering error then leaves nothing behind at all.
        let json = toJsonText report
        let md = toMarkdown report
        let page = toHtml scripts report
        writeFolderAtomically folder [ "report.json", textWriter json; "report.md", textWriter md; "report.html", textWriter page ]
        let full = Path.GetFullPath folder

        { Folder = full
          Json = Path.Combine(full, "report.json")
          Markdown = Path.Combine(full, "report.md")
          Html = Path.Combine(full, "report.html") }
