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

/// report.json: the whole report as data (context, summary, statements, every result with its replay seed and figures).
module ReportJson =
    open ReportFormat

    let jnum (x: float) : JsonNode =
        if Double.IsFinite x then JsonValue.Create x
        elif Double.IsNaN x then JsonValue.Create "NaN"
        elif x > 0.0 then JsonValue.Create "Infinity"
        else JsonValue.Create "-Infinity"

    let jstr (s: string) : JsonNode = if isNull s then null else JsonValue.Create s
    let jint (n: int) : JsonNode = JsonValue.Create n
    let jbool (b: bool) : JsonNode = JsonValue.Create b
    // Seeds are 64-bit: as JSON numbers they would lose digits in JavaScript readers, so they are decimal strings.
    let jseed (s: uint64) : JsonNode = JsonValue.Create(seedText s)
    let jopt (f: 'a -> #JsonNode) (o: 'a option) : JsonNode = match o with Some x -> f x :> JsonNode | None -> null

    let jobj (pairs: (string * JsonNode) list) =
        let o = JsonObject()
        for (k, v) in pairs do
            o[k] <- v
        o

    let jarr (xs: JsonNode seq) =
        let a = JsonArray()
        for x in xs do
            a.Add x
        a

    let jnums (xs: float seq) = jarr (xs |> Seq.map jnum)

    let intervalJson (i: Interval) =
        jobj [ "lower", jnum i.Lower; "upper", jnum i.Upper; "confidence", jnum i.Confidence; "method", jstr i.Method ]

    let summaryJson (s: Summary) =
        jobj
            [ "count", jint s.Count; "min", jnum s.Min; "q01", jnum s.Q01; "q10", jnum s.Q10; "median", jnum s.Median
              "q90", jnum s.Q90; "q99", jnum s.Q99; "max", jnum s.Max; "mean", jnum s.Mean ]

    let witnessJson (w: Witness) =
        jobj
            [ "seed", jseed w.Seed; "trial", jopt jint w.Trial; "layer", jopt jint w.Layer; "sample", jopt jint w.Sample
              "lhs", jnum w.Lhs; "rhs", jnum w.Rhs; "description", jstr w.Description ]

    let verdictJson (v: Verdict) =
        let details: (string * JsonNode) list =
            match v with
            | Verdict.Held -> []
            | Verdict.Violated w -> [ "witness", witnessJson w ]
            | Verdict.Inconclusive reason
            | Verdict.Vacuous reason
            | Verdict.NotCheckable reason
            | Verdict.Measured reason -> [ "reason", jstr reason ]
            | Verdict.HypothesisNotMet(h, anyway) -> [ "hypothesis", jstr h; "conclusion_held_anyway", jopt jbool anyway ]

        jobj (("label", jstr v.Label) :: details)

    let constantJson (c: ConstantEstimate) =
        jobj
            [ "name", jstr c.Name
              "value", jnum c.Value
              "interval", jopt intervalJson c.Interval
              "by_dimension", jarr (c.ByDimension |> List.map (fun (d, v) -> jobj [ "setting", jstr d; "value", jnum v ] :> JsonNode))
              "grows", jopt jbool c.Grows
              "suspicious", jbool c.Suspicious ]

    let figureJson (f: Figure) =
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
        | Figure.Rates(title, rows) ->
            jobj
                [ "kind", jstr "rates"; "title", jstr title
                  "rows", jarr (rows |> List.map (fun (l, r, lo, hi, d) -> jobj [ "setting", jstr l; "rate", jnum r; "lower", jnum lo; "upper", jnum hi; "delta", jnum d ] :> JsonNode)) ]
        | Figure.Table(title, header, rows) ->
            let strs (xs: string list) = jarr (xs |> List.map jstr)
            jobj [ "kind", jstr "table"; "title", jstr title; "header", strs header; "rows", jarr (rows |> List.map (fun r -> strs r :> JsonNode)) ]

    let statementJson (s: Statement) =
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
              "role", jstr s.Role.Label
              "conclusion_kind", jstr (conclusionKind s.Conclusion)
              "probabilistic", jbool (match s.Conclusion with Conclusion.WithProbability _ -> true | Conclusion.WithUniversalConstant(Conclusion.WithProbability _, _) -> true | _ -> false)
              "holds_by_construction", jopt jstr s.ByConstruction
              "parameters", jarr (s.Parameters |> List.map (fun (k, v) -> jobj [ "name", jstr k; "value", jnum v ] :> JsonNode))
              "inconclusive_when", jopt jstr s.InconclusiveWhen
              "mutation",
              jopt (fun (m: Mutation) -> jobj [ "original", jstr m.OriginalId; "description", jstr m.Description; "kind", jstr m.Kind.Label ] :> JsonNode) s.Mutation ]

    let resultJson (r: CheckResult) =
        jobj
            [ "statement", jstr r.StatementId
              "mode", jstr r.Mode.Label
              "verdict", verdictJson r.Verdict
              "mutant_rejected", jopt jbool r.MutantRejected
              "trials", jint r.Trials
              "failures", jopt jint r.Failures
              "out_of_scope", jint r.OutOfScope
              "interval", jopt intervalJson r.Interval
              "delta", jopt jnum r.Delta
              "slack", jopt summaryJson r.Slack
              "constant", jopt constantJson r.Constant
              "bindings", jarr (r.Bindings |> List.map (fun (k, v) -> jobj [ "name", jstr k; "value", jnum v ] :> JsonNode))
              "seed", jseed r.Seed
              "layer", jopt jint r.Layer
              "notes", jarr (r.Notes |> List.map jstr)
              "figures", jarr (r.Figures |> List.map (fun f -> figureJson f :> JsonNode))
              "settings",
              jarr (r.Settings |> List.map (fun st ->
                  jobj [ "label", jstr st.Label; "verdict", verdictJson st.Verdict; "trials", jint st.Trials; "failures", jint st.Failures
                         "interval", jopt intervalJson st.Interval; "delta", jopt jnum st.Delta; "constant", jopt jnum st.Constant ] :> JsonNode))
              "caps", jarr (r.Caps |> List.map jstr)
              "seconds", jnum r.Seconds ]

    let contextJson (c: ReportContext) =
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
              "limits", jobj (c.Limits |> List.map (fun (k, v) -> k, jnum v))
              "test_hash", jstr c.TestHash
              "model_seed", jopt jseed c.ModelSeed
              "started", jstr (c.Started.ToString("o", inv))
              "papers", jarr (c.Papers |> List.map jstr) ]

    let summaryOfReportJson (s: ReportSummary) =
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
