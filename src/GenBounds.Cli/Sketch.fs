/// `genbounds sketch`: sketch every (pruned) layer of a model as Y = A·W·Bᵀ and recover it by two-stage ℓ1 minimisation
/// (GUHA-EQ1 / GUHA-T5.1), reporting recovery error, sketch sizes and parameter counts.
module GenBounds.Cli.Sketch

open System
open System.IO
open System.Diagnostics
open System.Text.Json.Nodes
open GenBounds.Compression
open GenBounds.Random
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "sketch"
      Summary = "sketch the pruned layers of a model (Y = A W B^T) and recover them by l1 minimisation (GLOP)"
      Positionals = [ "MODEL", "a .safetensors model, typically a pruned ticket (genbounds prune writes ticket-RR.safetensors)" ]
      Options =
        [ opt "cs" "C" "c_s in s = ceil(c_s sqrt(j p) ln p)" (Some "1.0")
          opt "cdelta" "C" "c_delta in delta_s = ceil(c_delta ln p)" (Some "1.0")
          opt "convention" "NAME" "column (each column of A has delta_s ones; default) or row (the paper's reading)" (Some "column")
          flag "square" "one s_l x s_l sketch with p_l = max(h_l, h_l-1) as in the paper (default: s_r from h_l, s_c from h_l-1)"
          opt "layers" "LIST" "comma-separated layer indices (0 = first layer; default: all)" None
          opt "tolerance" "X" "recovery counts as exact when max|W^ - W| <= X max|W|" (Some "1e-6")
          opt "seed" "N" "master seed (streams sketch/layer-L/A and /B)" (Some "1")
          opt "out" "FILE" "also write the JSON result to FILE (atomically)" None
          threadOption
          jsonFlag ] }

let private convention (p: Parsed) =
    match (p.Get "convention").ToLowerInvariant() with
    | "column" | "right" -> BipartiteConvention.RightRegular
    | "row" | "left" -> BipartiteConvention.LeftRegular
    | c -> raise (UsageError(sprintf "unknown --convention '%s' (expected column or row)" c))

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "sketch needs a MODEL file")
    let cs = p.Float "cs"
    let cdelta = p.Float "cdelta"
    let tol = p.Float "tolerance"
    if not (cs > 0.0) then raise (UsageError "--cs must be positive")
    if not (cdelta > 0.0) then raise (UsageError "--cdelta must be positive")
    if not (tol > 0.0) then raise (UsageError "--tolerance must be positive")
    let conv = convention p
    let seed = p.UInt64 "seed"
    let la = provider p
    let threads = match p.TryInt "threads" with Some n -> n | None -> Environment.ProcessorCount
    let net, _ = Eval.loadModel path
    let layers =
        match p.TryGet "layers" with
        | None -> [ 0 .. net.Layers.Length - 1 ]
        | Some s ->
            s.Split(',', StringSplitOptions.RemoveEmptyEntries)
            |> Array.map (fun t ->
                match Int32.TryParse(t.Trim()) with
                | true, l when l >= 0 && l < net.Layers.Length -> l
                | _ -> raise (UsageError(sprintf "--layers: '%s' is not a layer of %s (0..%d)" t (net.Architecture.ToString()) (net.Layers.Length - 1))))
            |> List.ofArray
    let out = p.TryGet "out"
    out |> Option.iter (fun f ->
        let dir = Path.GetDirectoryName(Path.GetFullPath f)
        if not (Directory.Exists dir) then raise (UsageError(sprintf "--out: folder %s does not exist" dir)))
    let arr = JsonArray()
    let mutable dense, nnz, sketchEntries, allExact = 0L, 0L, 0L, true
    for l in layers do
        let layer = net.Layers[l]
        let rows, cols = layer.Out, layer.In
        let profile = SparsityStats.Profile(ReadOnlySpan layer.Weight, rows, cols)
        let j = max 1 profile.MaxLineCount
        let sr, sc =
            if p.Has "square" then (let s = SketchSizing.Side(cs, j, max rows cols) in s, s)
            else SketchSizing.Side(cs, j, rows), SketchSizing.Side(cs, j, cols)
        // Column-regular: δ ones in each of the p columns, at most s; row-regular: δ ones in each of the s rows, at most p.
        let degree side s =
            if conv = BipartiteConvention.LeftRegular then Math.Clamp(int (ceil (cdelta * log (float (max side 2)))), 1, side)
            else SketchSizing.Degree(cdelta, side, s)
        let a = Sketching.SampleBipartite(sr, rows, degree rows sr, conv, Rng(SeedStreams.Derive(seed, sprintf "sketch/layer-%d/A" l)))
        let b = Sketching.SampleBipartite(sc, cols, degree cols sc, conv, Rng(SeedStreams.Derive(seed, sprintf "sketch/layer-%d/B" l)))
        let x = Array.map float layer.Weight
        let y = Sketching.SketchSparse(a, b, ReadOnlySpan x)
        eprintfn "layer %d (%dx%d, %d non-zeros, j = %d): sketch %dx%d, recovering..." l rows cols profile.NonZeros j sr sc
        let r = L1Recovery.RecoverTwoStage(a, b, ReadOnlySpan y, threads)
        let rel = r.RelativeError(ReadOnlySpan x)
        let exact = rel <= tol
        allExact <- allExact && exact
        let positions = int64 rows * int64 cols
        let entries = int64 sr * int64 sc
        dense <- dense + positions; nnz <- nnz + profile.NonZeros; sketchEntries <- sketchEntries + entries
        eprintfn "layer %d: relative error %.2e (%s), %d programs, %.1fs" l rel (if exact then "exact" else "NOT recovered") r.Programs r.Seconds
        arr.Add(
            obj [ "layer", jint (int64 l)
                  "shape", jstr (sprintf "%dx%d" rows cols)
                  "positions", jint positions
                  "non_zeros", jint profile.NonZeros
                  "density", jnum (float profile.NonZeros / float positions)
                  "j_r", jint (int64 profile.MaxRowCount)
                  "j_c", jint (int64 profile.MaxColCount)
                  "zero_diagonal_entries", jint (int64 profile.ZeroDiagonal.Length)
                  "distributed_sparse_D5_1", jbool (profile.ZeroDiagonal.Length = 0 && profile.IsSquare)
                  "sketch_rows", jint (int64 sr)
                  "sketch_cols", jint (int64 sc)
                  "degree_rows", jint (int64 a.Degree)
                  "degree_cols", jint (int64 b.Degree)
                  "empty_columns", jint (int64 (a.EmptyColumns + b.EmptyColumns))
                  "sketch_entries", jint entries
                  "sketch_smaller_than_dense", jbool (entries < positions)
                  "sketch_smaller_than_non_zeros", jbool (entries < profile.NonZeros)
                  "relative_error", jnum rel
                  "max_abs_error", jnum (r.MaxAbsError(ReadOnlySpan x))
                  "exact", jbool exact
                  "programs", jint (int64 r.Programs)
                  "programs_not_optimal", jint (int64 r.NotOptimal)
                  "injective_stages", jint (int64 r.InjectiveStages)
                  "simplex_iterations", jint r.Iterations
                  "seconds", jnum r.Seconds ])
    let result =
        obj [ "command", jstr "sketch"
              "model", jstr (Path.GetFullPath path)
              "model_hash", jstr (net.ContentHash())
              "architecture", jstr (net.Architecture.ToString())
              "cs", jnum cs
              "cdelta", jnum cdelta
              "convention", jstr (conv.ToString())
              "square", jbool (p.Has "square")
              "seed", jstr (string seed)
              "decoder", jstr "two-stage l1 (GLOP), pseudo-inverse for injective stages"
              "statement_status", jstr "GUHA-EQ1 RECON; GUHA-T5.1 RECON/UNVERIFIED; GUHA-DE.1 convention UNVERIFIED"
              "layers", arr
              "weights_dense", jint dense
              "weights_non_zero", jint nnz
              "sketch_entries", jint sketchEntries
              "all_exact", jbool allExact
              "blas", jstr la.Name
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    out |> Option.iter (fun f -> Prune.writeJson f result)
    result

/// Text table, one line per layer.
let show (o: JsonObject) =
    printfn "model: %s  (c_s = %g, %s)" (o["model"].GetValue<string>()) (o["cs"].GetValue<float>()) (o["convention"].GetValue<string>())
    printfn "%-6s %-10s %10s %10s %6s %12s %14s %12s %s" "layer" "shape" "non-zeros" "density" "j" "sketch" "sketch entries" "rel. error" "recovered"
    for l in o["layers"].AsArray() do
        printfn "%-6d %-10s %10d %10.4f %6d %12s %14d %12.2e %s" (l["layer"].GetValue<int64>()) (l["shape"].GetValue<string>()) (l["non_zeros"].GetValue<int64>())
            (l["density"].GetValue<float>()) (max (l["j_r"].GetValue<int64>()) (l["j_c"].GetValue<int64>()))
            (sprintf "%dx%d" (l["sketch_rows"].GetValue<int64>()) (l["sketch_cols"].GetValue<int64>())) (l["sketch_entries"].GetValue<int64>())
            (l["relative_error"].GetValue<float>()) (if l["exact"].GetValue<bool>() then "yes" else "NO")
    printfn "weights: %d dense, %d non-zero; sketch entries: %d; all recovered: %b; %.1fs" (o["weights_dense"].GetValue<int64>())
        (o["weights_non_zero"].GetValue<int64>()) (o["sketch_entries"].GetValue<int64>()) (o["all_exact"].GetValue<bool>()) (o["wall_seconds"].GetValue<float>())
