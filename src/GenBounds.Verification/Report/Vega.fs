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

/// Vega-Lite specifications of the report's figures.
module ReportVega =
    open ReportFormat
    open ReportJson

    let finitePairs (xs: (float * float) seq) =
        xs |> Seq.filter (fun (x, y) -> Double.IsFinite x && Double.IsFinite y) |> Array.ofSeq

    /// At most `n` points, evenly spaced through the array, keeping both ends (Q-Q data is sorted, so the shape survives).
    let thin n (xs: 'a[]) =
        if xs.Length <= n then xs
        else Array.init n (fun i -> xs[int (Math.Round(float i * float (xs.Length - 1) / float (n - 1)))])

    let omittedNote (dropped: int) =
        if dropped > 0 then sprintf " (%d non-finite values omitted)" dropped else ""

    let axis (title: string) = jobj [ "title", jstr title ]

    let field (name: string) (kind: string) (title: string) =
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

            // Integer x values (layers, steps) get integer ticks, not 1.0, 1.1, ...
            let integral = series |> List.forall (fun (_, ps) -> ps |> Array.forall (fun (x, _) -> not (Double.IsFinite x) || Math.Round x = x))
            let xField =
                if integral then jobj [ "field", jstr "x"; "type", jstr "quantitative"; "axis", jobj [ "title", jstr xLabel; "tickMinStep", jint 1; "format", jstr "d" ] ]
                else field "x" "quantitative" xLabel
            let lines =
                jobj
                    [ "data", values rows
                      "mark", jobj [ "type", jstr "line"; "point", jbool true ]
                      "encoding",
                      jobj
                          [ "x", xField
                            "y", field "y" "quantitative" yLabel
                            "color", jobj [ "field", jstr "series"; "type", jstr "nominal"; "legend", jobj [ "title", jstr "series" ] ] ] ]

            baseSpec (title + omittedNote (total - rows.Length)) [ lines ]
        | Figure.Rates(title, rows) ->
            let data =
                rows |> List.map (fun (l, r, lo, hi, d) -> jobj [ "setting", jstr l; "rate", jnum r; "lower", jnum lo; "upper", jnum hi; "delta", jnum d ])
            // A node has one parent: every layer gets its own x encoding.
            let x () = jobj [ "field", jstr "setting"; "type", jstr "nominal"; "sort", null; "axis", jobj [ "title", null; "labelAngle", jint -30; "labelLimit", jint 260 ] ]
            let bars =
                jobj [ "mark", jobj [ "type", jstr "rule"; "color", jstr "#555" ]
                       "encoding", jobj [ "x", x (); "y", jobj [ "field", jstr "lower"; "type", jstr "quantitative"; "axis", jobj [ "title", jstr "failure rate (99% Clopper-Pearson)" ] ]; "y2", jobj [ "field", jstr "upper" ] ] ]
            let points = jobj [ "mark", jobj [ "type", jstr "point"; "filled", jbool true ]; "encoding", jobj [ "x", x (); "y", jobj [ "field", jstr "rate"; "type", jstr "quantitative" ] ] ]
            let deltas = jobj [ "mark", jobj [ "type", jstr "tick"; "color", jstr "#b71c1c"; "thickness", jint 2 ]; "encoding", jobj [ "x", x (); "y", jobj [ "field", jstr "delta"; "type", jstr "quantitative" ] ] ]
            let spec = baseSpec title []
            spec["data"] <- values data
            spec["layer"] <- jarr [ bars :> JsonNode; points; deltas ]
            spec
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

    /// The failure rates of a multi-setting probabilistic result as a figure (red ticks: the claimed δ), or None.
    let settingsFigure (r: CheckResult) : Figure option =
        let rows =
            r.Settings
            |> List.choose (fun st ->
                match st.Interval, st.Delta with
                | Some ci, Some d when st.Trials > 0 -> Some(st.Label, float st.Failures / float st.Trials, ci.Lower, ci.Upper, d)
                | _ -> None)
        if rows.Length >= 2 then Some(Figure.Rates(sprintf "%s (%s): failure rate per setting vs delta" r.StatementId r.Mode.Label, rows)) else None
