/// `genbounds sketch-mc`: the GUHA-T5.1 / GUHA-R5.1 Monte Carlo (recovery-failure rates with Clopper–Pearson intervals over p
/// and c_s, the smallest sufficient c_s and whether it stays flat in p), on synthetic (j, j)-sparse matrices or on blocks of a
/// real layer pruned by GUHA-ALG1.
module GenBounds.Cli.SketchMc

open System
open System.IO
open System.Globalization
open System.Text.Json.Nodes
open GenBounds.Compression
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "sketch-mc"
      Summary = "Monte Carlo of sparse-matrix sketch recovery (GUHA-T5.1/R5.1): failure rates over p and c_s, report folder"
      Positionals = []
      Options =
        [ opt "model" "FILE" "take p x p blocks of a trained layer of this model, pruned by GUHA-ALG1 (default: synthetic matrices)" None
          opt "layer" "L" "layer of --model (0 = first)" (Some "0")
          opt "d" "X" "GUHA-ALG1 pruning strength d for --model (keep probability chi(d) under A3.1)" (Some "10")
          opt "j" "N" "synthetic matrices: the diagonal plus j-1 random matchings (at most j per row and column)" (Some "4")
          opt "sizes" "LIST" "matrix sides p" (Some "50,100,200")
          opt "cs" "LIST" "increasing c_s grid in s = ceil(c_s sqrt(j p) ln p)" (Some "0.7,0.8,0.9,1.0,1.2")
          opt "cdelta" "C" "c_delta in delta_s = ceil(c_delta ln p)" (Some "1.0")
          opt "convention" "NAME" "column (each column of A has delta_s ones; default) or row (the paper's reading)" (Some "column")
          opt "decoder" "NAME" "two-stage (scalable) or joint (GUHA-EQ1 over all p^2 unknowns; small p only)" (Some "two-stage")
          opt "trials" "N" "trials per (p, c_s) cell" (Some "200")
          opt "target" "P" "failure rate a sketch size must meet (by the Clopper-Pearson upper limit)" (Some "0.05")
          opt "confidence" "P" "two-sided confidence of the intervals" (Some "0.99")
          opt "tolerance" "X" "exact recovery: max|X^ - X| <= X max|X|" (Some "1e-6")
          opt "seed" "N" "master seed (streams sketch-mc/SOURCE/p-P/...)" (Some "1")
          opt "out" "DIR" "report folder (report.json, report.md)" None
          threadOption
          jsonFlag ] }

let private parseList (name: string) (parse: string -> 'a option) (p: Parsed) =
    (p.Get name).Split(',', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun t -> match parse (t.Trim()) with Some v -> v | None -> raise (UsageError(sprintf "--%s: '%s' is not a valid entry" name t)))

let run (p: Parsed) =
    let sizes = parseList "sizes" (fun t -> match Int32.TryParse(t, NumberStyles.Integer, CultureInfo.InvariantCulture) with | true, v -> Some v | _ -> None) p
    let cs = parseList "cs" (fun t -> match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with | true, v -> Some v | _ -> None) p
    let conv =
        match (p.Get "convention").ToLowerInvariant() with
        | "column" -> BipartiteConvention.RightRegular
        | "row" -> BipartiteConvention.LeftRegular
        | c -> raise (UsageError(sprintf "unknown --convention '%s' (expected column or row)" c))
    let decoder =
        match (p.Get "decoder").ToLowerInvariant() with
        | "two-stage" -> SketchDecoder.TwoStage
        | "joint" -> SketchDecoder.Joint
        | d -> raise (UsageError(sprintf "unknown --decoder '%s' (expected two-stage or joint)" d))
    let threads = match p.TryInt "threads" with Some n when n >= 1 -> n | Some _ -> raise (UsageError "--threads must be at least 1") | None -> Environment.ProcessorCount
    let options =
        SketchExperimentOptions(
            Sizes = sizes, SketchConstants = cs, DegreeConstant = p.Float "cdelta", Convention = conv, Decoder = decoder,
            Trials = p.Int "trials", TargetFailureRate = p.Float "target", Confidence = p.Float "confidence", Tolerance = p.Float "tolerance",
            Threads = threads, Seed = p.UInt64 "seed")
    (try options.Validate() with :? ArgumentException as e -> raise (UsageError e.Message))
    let out = p.TryGet "out"
    out |> Option.iter (fun f -> if File.Exists f then raise (UsageError(sprintf "--out %s is a file, not a folder" f)))
    let source: SketchMatrixSource =
        match p.TryGet "model" with
        | None ->
            let j = p.Int "j"
            if j < 1 then raise (UsageError "--j must be at least 1")
            SyntheticSketchSource(j)
        | Some m ->
            let net, _ = Eval.loadModel m
            let l = p.Int "layer"
            if l < 0 || l >= net.Layers.Length then raise (UsageError(sprintf "--layer must be in 0..%d" (net.Layers.Length - 1)))
            let d = p.Float "d"
            if not (d > 0.0) then raise (UsageError "--d must be positive")
            let layer = net.Layers[l]
            let src =
                try PrunedLayerSketchSource(sprintf "layer-%d-d%g" l d, ReadOnlySpan layer.Weight, layer.Out, layer.In, d)
                with :? ArgumentException as e -> raise (InputError e.Message)
            if sizes |> Array.exists (fun s -> s > src.MaxSize) then
                raise (UsageError(sprintf "--sizes: layer %d is %dx%d, blocks can be at most %d" l layer.Out layer.In src.MaxSize))
            src
    let result =
        SketchExperiment.Run(source, options, fun pr ->
            eprintfn "cell %d/%d: p = %d, c_s = %g, s = %d..%d: %d/%d failures (%.1fs)" pr.CellsDone pr.Cells pr.Last.P pr.Last.Cs
                pr.Last.MinSide pr.Last.MaxSide pr.Last.Failures pr.Last.Trials pr.Last.Seconds)
    let cells = JsonArray()
    for c in result.Cells do
        cells.Add(
            obj [ "p", jint (int64 c.P); "cs", jnum c.Cs; "degree", jint (int64 c.Degree); "trials", jint (int64 c.Trials)
                  "failures", jint (int64 c.Failures); "failure_rate", jnum c.FailureRate
                  "ci_lower", jnum c.Interval.Lower; "ci_upper", jnum c.Interval.Upper; "mean_j", jnum c.MeanJ
                  "min_side", jint (int64 c.MinSide); "max_side", jint (int64 c.MaxSide); "mean_non_zeros", jnum c.MeanNonZeros
                  "sketch_not_smaller_than_matrix", jbool c.SketchNotSmaller; "seconds", jnum c.Seconds ])
    let perSize = JsonArray()
    for s in sizes do
        let show (v: Nullable<float>) = if v.HasValue then jnum v.Value else null
        perSize.Add(obj [ "p", jint (int64 s); "smallest_sufficient_cs", show result.SmallestSufficient[s]; "smallest_cs_point_estimate", show result.SmallestByPointEstimate[s] ])
    let exps = JsonArray()
    for kv in result.FailureExponents do
        exps.Add(obj [ "cs", jnum kv.Key; "exponent", (if kv.Value.HasValue then jnum kv.Value.Value else null) ])
    let o =
        obj [ "command", jstr "sketch-mc"
              "statement", jstr "GUHA-T5.1 (RECON/UNVERIFIED), GUHA-R5.1 (c0 not available)"
              "source", jstr result.Source
              "decoder", jstr (decoder.ToString())
              "convention", jstr (conv.ToString())
              "cdelta", jnum options.DegreeConstant
              "trials", jint (int64 options.Trials)
              "target", jnum options.TargetFailureRate
              "confidence", jnum options.Confidence
              "seed", jstr (string options.Seed)
              "cells", cells
              "per_size", perSize
              "trend", jstr (result.Trend.ToString())
              "failure_exponents", exps
              "table", jstr (SketchReport.Table result)
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "wall_seconds", jnum result.Seconds ]
    out |> Option.iter (fun dir ->
        Directory.CreateDirectory dir |> ignore
        GenBounds.IO.AtomicFile.WriteAllBytes(Path.Combine(dir, "report.md"), ReadOnlySpan(Text.Encoding.UTF8.GetBytes(SketchReport.Table result)))
        Prune.writeJson (Path.Combine(dir, "report.json")) o)
    o

let show (o: JsonObject) =
    printfn "%s" (o["table"].GetValue<string>())
    printfn "wall_seconds: %.1f" (o["wall_seconds"].GetValue<float>())
