/// `genbounds bounds MODEL`: every generalization bound side by side (published, corrected, practical, seed-code, measures).
module GenBounds.Cli.Bounds

open System
open System.IO
open System.Diagnostics
open System.Text.Json.Nodes
open GenBounds.Bounds
open GenBounds.Data
open GenBounds.IO
open GenBounds.Training
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "bounds"
      Summary = "norm-based, compression and PAC-Bayes-style bounds of a model side by side: JSON, CSV, LaTeX tabular, HTML chart"
      Positionals = [ "MODEL", "a .safetensors model (GenBounds or PyTorch nn.Sequential: MLP or CNN)" ]
      Options =
        [ opt "arch" "ARCH" "architecture of a PyTorch CNN file that does not record it (input prefix required, e.g. 1x28x28:conv6k5-...)" None
          opt "out" "DIR" "report folder (bounds.json, bounds.csv, bounds.tex, bounds.html; default reports/bounds-MODEL)" None
          opt "delta" "X" "delta of the published norm bounds" (Some "0.05")
          opt "compression-delta" "X" "delta of the Arora/Guha compression bounds" (Some "0.1")
          opt "margin-percentile" "P" "training-margin percentile of the practical forms (bneyshabur: 5)" (Some "5")
          opt "init" "MODEL" "the model's random initialisation W0 (default: regenerated from the recorded seed of a GenBounds model)" None
          flag "no-init" "do not use W0 (distances to initialisation use the reference 0)"
          flag "no-sharpness" "skip the Monte Carlo families (Jiang et al.'s sigma searches, the expected-sharpness bound)"
          opt "sharpness-samples" "N" "training points of the sigma searches" (Some "2000")
          flag "no-jiang" "skip Jiang et al.'s measures"
          flag "no-arora" "skip Arora et al. Theorem 4.1 (exact Jacobians)"
          opt "arora-samples" "N" "training points for Arora's cushions" (Some "1000")
          flag "no-guha" "skip Guha et al. Theorem 3.1"
          opt "guha-d" "D" "pruning strength of Guha's Algorithm 1" (Some "1")
          opt "seed" "N" "seed of the Monte Carlo, pruning and subset streams" (Some "1")
          flag "no-sulam" "skip Muthukumar & Sulam's Theorems 13 and 11"
          opt "sulam-prior" "MODEL" "P_data's centre h_init, trained by `train --preset sulam2023 --prior-split F --train-part prior` with the model's seed" None
          opt "sulam-input-bound" "X" "M_X of the Sulam rows (default sqrt(d0) times the largest absolute training feature: 28 for MNIST)" None
          opt "js" "DIR" "folder with vega.min.js, vega-lite.min.js, vega-embed.min.js (default .cache/js)" None ]
        @ dataOptions @ [ threadOption; jsonFlag ] }

let private checkDelta (p: Parsed) name =
    let d = p.Float name
    if not (d > 0.0 && d < 1.0) then raise (UsageError(sprintf "--%s must lie strictly between 0 and 1 (got %g)" name d))
    d

/// Muthukumar & Sulam's rows: P0 on the model's training data (reconstructed from the recipe's metadata when present) and,
/// with --sulam-prior, P_data on the bound part that the prior never saw.
let private sulamRows (p: Parsed) (net: GenBounds.Networks.Mlp) (meta: ModelMetadata) (train: GenBounds.Data.Dataset) la quiet : BoundValue list * string list =
    if p.Has "no-sulam" then [], [ "Muthukumar & Sulam rows skipped (--no-sulam)" ]
    elif net.Architecture.Bias then [], [ "Muthukumar & Sulam rows skipped: their bound is stated for bias-free networks (footnote 4)" ]
    else
        let seed = if meta.Seed.HasValue then meta.Seed.Value else 1UL
        let extra (m: ModelMetadata) key = match m.Extra.TryGetValue key with | true, v -> Some v | _ -> None
        let parse (text: string) = Double.Parse(text, Globalization.CultureInfo.InvariantCulture)
        let trained =
            let afterValidation =
                match extra meta "validation" with
                | Some v -> let struct (tr, _) = GenBounds.Sparsity.SulamRecipe.ValidationSplit(train, int (parse v), seed) in tr
                | None -> train
            match extra meta "train_subset" with
            | Some n -> afterValidation.Subset(int (parse n), GenBounds.Random.SeedStreams(seed).Stream(GenBounds.Random.SeedStreams.Names.Data + "/subset"))
            | None -> afterValidation
        let mx =
            match p.TryFloat "sulam-input-bound" with
            | Some v when v > 0.0 -> v
            | Some v -> raise (UsageError(sprintf "--sulam-input-bound must be positive (got %g)" v))
            | None -> sqrt (float train.Dimension) * (train.Features |> Array.fold (fun a v -> max a (abs (float v))) 0.0)
        let options = SulamBoundRowOptions(Delta = p.Float "delta", InputBound = mx)
        if not quiet then eprintfn "bounds: Muthukumar & Sulam Theorems 13 and 11 (grid search, %d points)" trained.Count
        let p0 = SulamBounds.Rows(net, null, trained, options, la, sprintf "P0 = N(0, sigma^2), data-independent; S = the model's training data (%d points, reconstructed from its metadata when present)" trained.Count)
        let pdata, notes =
            match p.TryGet "sulam-prior" with
            | None -> [], [ "Muthukumar & Sulam P_data rows need --sulam-prior (h_init trained on a held-out split)" ]
            | Some f ->
                let prior, pmeta = Eval.loadModel f
                if not (prior.Architecture.Equals net.Architecture) then raise (InputError(sprintf "--sulam-prior %s has architecture %O, the model %O" f prior.Architecture net.Architecture))
                match extra pmeta "prior_split", extra pmeta "train_part" with
                | Some fraction, Some "prior" when pmeta.Seed.HasValue && pmeta.Seed.Value = seed ->
                    let struct (_, boundPart) = GenBounds.Sparsity.SulamRecipe.PriorSplit(trained, parse fraction, seed)
                    SulamBounds.Rows(net, prior, boundPart, options, la, sprintf "P_data centred at %s (trained on the %s prior split); S = the other %d points" (IO.Path.GetFileName f) fraction boundPart.Count) |> List.ofSeq, []
                | _ -> raise (InputError(sprintf "--sulam-prior %s does not record a prior split of this model's data (train it with --prior-split F --train-part prior and the model's seed %d)" f seed))
        List.ofSeq p0 @ pdata, notes

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "bounds needs a MODEL file")
    // Arguments first: a bad delta must stop the command before any work.
    let delta = checkDelta p "delta"
    let cdelta = checkDelta p "compression-delta"
    let pct = p.Float "margin-percentile"
    if not (pct >= 0.0 && pct <= 100.0) then raise (UsageError(sprintf "--margin-percentile must lie in [0, 100] (got %g)" pct))
    let samples = p.Int "sharpness-samples"
    let arora = p.Int "arora-samples"
    if samples < 1 || arora < 1 then raise (UsageError "--sharpness-samples and --arora-samples must be positive")
    let seed = p.UInt64 "seed"
    let scripts = p.TryGet "js" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), ".cache", "js"))
    for f in [ "vega.min.js"; "vega-lite.min.js"; "vega-embed.min.js" ] do
        if not (File.Exists(Path.Combine(scripts, f))) then
            raise (InputError(sprintf "the HTML page needs %s in %s; run `bash scripts/setup.sh` to fetch the Vega scripts (or pass --js DIR)" f scripts))
    let archOption = p.TryGet "arch" |> Option.map (fun a -> parseArchitecture p a true)
    let network, meta = Eval.loadNetwork path archOption
    let la = provider p
    let train, test = loadData p
    if train.Dimension <> network.Architecture.InputShape.Size then
        raise (InputError(sprintf "model expects %d inputs but %s has dimension %d" network.Architecture.InputShape.Size train.Name train.Dimension))
    let init, initNote =
        if p.Has "no-init" then None, "W0 not used (--no-init)"
        else
            match p.TryGet "init" with
            | Some f ->
                let i, _ = Eval.loadNetwork f (Some network.Architecture)
                if not (i.Architecture.Equals network.Architecture) then raise (InputError(sprintf "--init %s has architecture %O, the model %O" f i.Architecture network.Architecture))
                Some i, sprintf "W0 read from %s" f
            | None when meta.Seed.HasValue && not (isNull meta.Optimizer) ->
                Some(Trainer.Initialize(network.Architecture, meta.Seed.Value)), sprintf "W0 regenerated from the recorded seed %d (GenBounds' init stream)" meta.Seed.Value
            | None -> None, "W0 unknown (no recorded GenBounds seed): distances to initialisation use the reference 0"
    let options =
        BoundCatalogOptions(
            Norm = BoundOptions(Delta = delta, PracticalMarginPercentile = pct, Sharpness = not (p.Has "no-sharpness"), SharpnessSamples = samples, Seed = seed),
            Compression = CompressionBoundOptions(Delta = cdelta, AroraSamples = arora, GuhaD = p.Float "guha-d", Seed = seed),
            Jiang = not (p.Has "no-jiang"), Arora = not (p.Has "no-arora"), Guha = not (p.Has "no-guha"))
    let quiet = p.Has "json"
    let progress = Action<string>(fun s -> if not quiet then eprintfn "bounds: %s" s)
    let table =
        match network.AsMlp() with
        | null ->
            // A network with convolutions or pooling: the families whose sources define conv layers (SequentialBounds).
            let table =
                try SequentialBounds.Compute(network, Option.toObj init, train, test, options, la, progress)
                with :? ArgumentException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
            BoundTable(table.Architecture, table.Parameters, table.M, table.TestCount, table.TrainError, table.TestError, table.Rows,
                       [ yield! table.Notes; initNote; "Muthukumar & Sulam's Theorems 13 and 11: stated for fully connected networks, not computed" ], table.Seconds)
        | net ->
            let table =
                try BoundCatalog.Compute(net, init |> Option.map (fun i -> i.AsMlp()) |> Option.toObj, train, test, options, la, progress)
                with :? ArgumentException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
            let sulamRows, sulamNotes = sulamRows p net meta train la quiet
            BoundTable(table.Architecture, table.Parameters, table.M, table.TestCount, table.TrainError, table.TestError, Seq.append table.Rows sulamRows |> Array.ofSeq, [ yield! table.Notes; initNote; yield! sulamNotes ], table.Seconds)
    let provenance = BoundProvenance(Path.GetFullPath path, network.ContentHash(), train.Name, train.ContentHash(), GenBounds.Runtime.CodeRevision.Current)
    let out =
        p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), "reports", "bounds-" + Path.GetFileNameWithoutExtension path))
    let files = BoundReport.WriteFolder(out, table, provenance, scripts)
    let o = BoundReport.ToJson(table, provenance)
    o["command"] <- jstr "bounds"
    o["out"] <- jstr (Path.GetFullPath out)
    o["files"] <- JsonArray(files |> Seq.map (fun f -> jstr f) |> Array.ofSeq)
    o["wall_seconds"] <- jnum sw.Elapsed.TotalSeconds
    o

let show (o: JsonObject) =
    let f (n: JsonNode) =
        match n with
        | null -> nan
        | n when n.GetValueKind() = Text.Json.JsonValueKind.String -> (match n.GetValue<string>() with "Infinity" -> infinity | "-Infinity" -> -infinity | _ -> nan)
        | n -> n.GetValue<float>()
    printfn "%s, %d parameters: train error %.4f (m = %d), test error %.4f" (o["architecture"].GetValue<string>()) (o["parameters"].GetValue<int64>())
        (f o["train_error"]) (o["m"].GetValue<int>()) (f o["test_error"])
    printfn "%-58s %-10s %12s %10s %-9s %10s" "bound" "form" "value" "ln value" "vacuous" "gamma"
    for r in o["rows"].AsArray() do
        let vac = match r["vacuous"] with null -> "-" | v -> (if v.GetValue<bool>() then "yes" else "no")
        let name = r["id"].GetValue<string>()
        printfn "%-58s %-10s %12.4g %10.3f %-9s %10.4g" name (r["form"].GetValue<string>()) (f r["value"]) (f r["log_value"]) vac (f r["gamma"])
    printfn "report: %s (%.0f s)" (o["out"].GetValue<string>()) (f o["wall_seconds"])
