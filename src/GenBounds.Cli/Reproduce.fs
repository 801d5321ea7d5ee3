/// `genbounds reproduce TARGET`: a seed paper's table or figure through the sweep runner (guha2023-table: the MBP/sketching
/// paper's appendix table, baseline rows in the seed-code form; the sulam2023 figures), or a published experiment re-run
/// into a report folder (lottery-lenet); ours vs the paper's numbers. Each target has its own options and defaults.
module GenBounds.Cli.Reproduce

open System
open System.IO
open System.Diagnostics
open System.Globalization
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Sweeps
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// Guha et al. (2023), App. F, MNIST, natural logs (catalog guha2023 §5; column order 500 → 2500 inferred there).
let paperWidths = [| 500; 784; 1000; 1500; 2000; 2500 |]
let paperRows =
    [ "ln_neyshabur2015", "Neyshabur 2015", [| 22.29; 23.56; 24.42; 25.12; 27.03; 27.72 |]
      "ln_neyshabur2017", "Neyshabur 2017", [| 17.91; 18.34; 18.70; 18.81; 21.50; 21.57 |]
      "ln_bartlett2017", "Bartlett 2017", [| 11.51; 11.68; 11.87; 11.70; 13.96; 13.81 |]
      "ln_test_error", "true error", [| -3.76; -3.84; -3.80; -3.85; -3.86; -3.87 |] ]

/// The options of the sweep targets (guha2023-table and the sulam2023 figures).
let private sweepOptions =
    [ opt "widths" "LIST" "guha2023-table: hidden widths" (Some "500,784,1000,1500,2000,2500")
      opt "seeds" "LIST" "seeds (values are averaged per width)" (Some "1")
      opt "depth" "N" "guha2023-table: Linear layers (the code's mlp_num_layers)" (Some "5")
      opt "epochs" "N" "minimum epochs (the width-study config mnist_diff_dim.yaml: max_epochs 3)" (Some "3")
      opt "max-epochs" "N" "keep training until every training margin is positive, at most this many epochs" (Some "30")
      opt "train-size" "N" "training points (the code's 80% split: 48000)" (Some "48000")
      opt "nets" "LIST" "sulam2023: hidden widths, e.g. 100,500,1000 or 100-100,500-500 (default per figure)" None
      opt "priors" "LIST" "sulam2023-fig1/-fig3: zero (P0) and/or data (P_data)" None
      opt "fractions" "LIST" "sulam2023-fig1/-fig3: training fractions of the 55,000" None
      opt "fraction" "F" "sulam2023-readings: training fraction of the key target" None
      opt "steps" "N" "sulam2023: SGD steps of the recipe (paper: 5000)" None
      opt "samples" "N" "sulam2023-fig2/-fig5: training points for kappa (0 = all 55,000)" None
      opt "input-bound" "X" "sulam2023: M_X (default 28 = sqrt(784) for pixels in [0, 1])" None
      opt "model-cache" "DIR" "sulam2023: cache of trained networks (default .cache/sulam2023/models)" None
      opt "out" "DIR" "sweep folder (default runs/reproduce/TARGET)" None
      opt "shard" "I/N" "compute only this shard (SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX are read when present)" None
      opt "shards" "N" "shard count for the environment's array index" None
      opt "data-dir" "DIR" "MNIST folder (default .cache/mnist)" None
      threadOption
      jsonFlag ]

/// Every target with a one-line summary and its options.
let private targets () =
    [ "guha2023-table", "Guha et al. (2023) App. F: baseline bounds vs width (seed-code form)", sweepOptions ]
    @ (ReproduceSulam.targets |> List.map (fun t -> t, "Muthukumar & Sulam (2023): " + t.Substring("sulam2023-".Length), sweepOptions))
    @ [ "lottery-lenet", "Frankle & Carbin (2019) LeNet-300-100 MNIST: winning tickets vs random reinitialisation", ReproduceLottery.options ]

let spec =
    let all = targets ()
    { Name = "reproduce"
      Summary = "reproduce a paper's table, figure or experiment, ours beside the paper's numbers: " + String.Join(", ", all |> List.map (fun (n, _, _) -> n))
      Positionals = [ "TARGET", String.Join("; ", all |> List.map (fun (n, s, _) -> n + ": " + s)) ]
      // The union of the targets' options; an option another target shares may have a different default there (see TARGET's defaults).
      Options =
        all |> List.collect (fun (_, _, o) -> o) |> List.distinctBy (fun o -> o.Name)
        |> List.map (fun o -> if all |> List.exists (fun (_, _, os) -> not (List.contains o os) && os |> List.exists (fun x -> x.Name = o.Name)) then { o with Default = None; Help = o.Help + " (default per target)" } else o) }

let private ints (name: string) (s: string) =
    s.Split(',', StringSplitOptions.RemoveEmptyEntries)
    |> Array.map (fun v ->
        match Int32.TryParse(v.Trim(), NumberStyles.None, CultureInfo.InvariantCulture) with
        | true, x when x > 0 -> x
        | _ -> raise (UsageError(sprintf "--%s expects positive integers separated by commas, got '%s'" name s)))

let sweepOf (p: Parsed) =
    let widths = ints "widths" (p.Get "widths")
    let seeds = ints "seeds" (p.Get "seeds")
    let epochs, maxEpochs = p.Int "epochs", p.Int "max-epochs"
    if epochs < 1 || maxEpochs < epochs then raise (UsageError "--epochs must be ≥ 1 and --max-epochs ≥ --epochs")
    if p.Int "depth" < 2 then raise (UsageError "--depth must be ≥ 2")
    let arr (xs: int[]) = JsonArray(xs |> Array.map (fun x -> JsonValue.Create x :> JsonNode))
    let json =
        obj [ "name", jstr "guha2023-table"; "task", jstr "guha2023-baselines"
              "grid", obj [ "width", arr widths; "seed", arr seeds ]
              "fixed", obj [ "depth", jint (int64 (p.Int "depth")); "epochs", jint (int64 epochs); "max_epochs", jint (int64 maxEpochs)
                             "lr", jnum 0.02; "momentum", jnum 0.9; "weight_decay", jnum 1e-4; "batch", jint 256L; "train_size", jint (int64 (p.Int "train-size")) ] ]
    SweepSpec.Parse(json.ToJsonString(), "guha2023-table sweep")

let private num (n: JsonNode) =
    match n with
    | null -> nan
    | n when n.GetValueKind() = JsonValueKind.String -> (match n.GetValue<string>() with "Infinity" | "∞" -> infinity | _ -> nan)
    | n -> n.GetValue<float>()

/// Rows (name, per-width ours, paper, ours − paper) from the merged sweep; NaN where the paper has no column.
let comparison (merged: JsonObject) =
    let byWidth =
        merged["points"].AsArray()
        |> Seq.map (fun pt -> pt.["result"].AsObject())
        |> Seq.groupBy (fun r -> r["width"].GetValue<int>())
        |> Seq.sortBy fst
        |> Seq.toList
    let widths = byWidth |> List.map fst
    let rows =
        [ for (key, label, paper) in paperRows ->
            let ours = byWidth |> List.map (fun (_, rs) -> rs |> Seq.averageBy (fun r -> num r[key]))
            let theirs = widths |> List.map (fun w -> match Array.tryFindIndex ((=) w) paperWidths with Some i -> paper[i] | None -> nan)
            label, ours, theirs ]
    widths, rows, byWidth

let private markdown (widths: int list) rows (byWidth: (int * seq<JsonObject>) list) =
    let sb = StringBuilder()
    let f (x: float) = if Double.IsNaN x then "–" elif Double.IsPositiveInfinity x then "∞" else x.ToString("F2", CultureInfo.InvariantCulture)
    sb.AppendLine("| row | " + String.Join(" | ", widths) + " |") |> ignore
    sb.AppendLine("|---|" + String.Join("|", widths |> List.map (fun _ -> "---")) + "|") |> ignore
    for (label, ours, theirs) in rows do
        sb.AppendLine(sprintf "| %s, ours | %s |" label (String.Join(" | ", ours |> List.map f))) |> ignore
        sb.AppendLine(sprintf "| %s, paper | %s |" label (String.Join(" | ", theirs |> List.map f))) |> ignore
        sb.AppendLine(sprintf "| %s, ours − paper | %s |" label (String.Join(" | ", List.map2 (fun (a: float) b -> f (a - b)) ours theirs))) |> ignore
    let epochs = byWidth |> List.map (fun (_, rs) -> String.Join("/", rs |> Seq.map (fun r -> string (r["epochs_trained"].GetValue<int>()))))
    sb.AppendLine(sprintf "| epochs trained | %s |" (String.Join(" | ", epochs))) |> ignore
    let sep = byWidth |> List.map (fun (_, rs) -> if rs |> Seq.forall (fun r -> r["separable"].GetValue<bool>()) then "yes" else "no")
    sb.AppendLine(sprintf "| all training margins > 0 | %s |" (String.Join(" | ", sep))) |> ignore
    sb.ToString()

let private runGuha (p: Parsed) (sw: Stopwatch) =
    let sweep = sweepOf p
    let folder = p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), "runs", "reproduce", "guha2023-table"))
    let quiet = p.Has "json"
    let runner, summary = Sweep.runSweep p sweep folder quiet
    let merged = runner.Merge(sweep, folder, allowPartial = true)
    let missing = merged["missing"].AsArray().Count
    let o =
        obj [ "command", jstr "reproduce"; "table", jstr "guha2023-table"; "folder", jstr summary.Folder
              "shard", jstr (sprintf "%d/%d" summary.Shard.Index summary.Shard.Count); "computed", jint (int64 summary.Computed)
              "reused", jint (int64 summary.Reused); "points", jint (int64 sweep.Count); "missing", jint (int64 missing) ]
    if missing = 0 then
        let _, _, jsonFile, _ = Sweep.mergeSweep p folder None
        let widths, rows, byWidth = comparison merged
        let md =
            "Guha et al. (2023), App. F, MNIST — baseline rows in the seed-code form (natural logs). Ours: this sweep; paper: the published table.\n"
            + "The catalog expects agreement in shape only (trends across widths), not in value.\n\n" + markdown widths rows byWidth
        GenBounds.IO.AtomicFile.WriteAllBytes(Path.Combine(folder, "table.md"), UTF8Encoding(false).GetBytes md)
        let table = JsonArray()
        for (label, ours, theirs) in rows do
            table.Add(obj [ "row", jstr label
                            "ours", JsonArray(ours |> List.map (fun x -> jnum x) |> Array.ofList)
                            "paper", JsonArray(theirs |> List.map (fun x -> jnum x) |> Array.ofList)
                            "difference", JsonArray(List.map2 (fun (a: float) b -> jnum (a - b)) ours theirs |> Array.ofList) ])
        o["widths"] <- JsonArray(widths |> List.map (fun w -> jint (int64 w)) |> Array.ofList)
        o["comparison"] <- table
        o["markdown"] <- jstr md
        o["merged"] <- jstr jsonFile
    o["wall_seconds"] <- jnum sw.Elapsed.TotalSeconds
    o

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let target = match p.Positionals with [ t ] -> t | _ -> raise (UsageError "reproduce needs a TARGET (see --help)")
    let options =
        match targets () |> List.tryFind (fun (n, _, _) -> n = target) with
        | Some (_, _, o) -> o
        | None -> raise (UsageError(sprintf "unknown target '%s' (known: %s)" target (String.Join(", ", targets () |> List.map (fun (n, _, _) -> n)))))
    // Options of another target are an error, not silently ignored; this target's defaults apply.
    for name in Seq.append (p.Values |> Map.keys) p.Flags do
        if not (options |> List.exists (fun o -> o.Name = name)) then raise (UsageError(sprintf "--%s does not apply to reproduce %s" name target))
    let p = { p with Spec = { p.Spec with Options = options } }
    let o =
        match target with
        | "guha2023-table" -> runGuha p sw
        | "lottery-lenet" ->
            let folder = p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), "reports", target))
            if File.Exists folder then raise (UsageError(sprintf "--out %s is a file, not a folder" folder))
            ReproduceLottery.run p folder
        | t -> ReproduceSulam.run t p Sweep.runSweep (fun p f -> Sweep.mergeSweep p f None |> ignore)
    o["target"] <- jstr target
    o["wall_seconds"] <- jnum sw.Elapsed.TotalSeconds
    o

let show (o: JsonObject) =
    if o["target"].GetValue<string>() = "lottery-lenet" then ReproduceLottery.show o else
    match o["markdown"] with
    | null ->
        printfn "reproduce %s: shard %s computed %d, reused %d; %d of %d points still missing in %s (run the other shards, then `genbounds sweep merge %s`)"
            (o["table"].GetValue<string>()) (o["shard"].GetValue<string>()) (o["computed"].GetValue<int64>()) (o["reused"].GetValue<int64>()) (o["missing"].GetValue<int64>()) (o["points"].GetValue<int64>())
            (o["folder"].GetValue<string>()) (o["folder"].GetValue<string>())
    | md ->
        printf "%s" (md.GetValue<string>())
        printfn "\nfolder: %s (table.md, merged.json, merged.csv)" (o["folder"].GetValue<string>())
