/// `genbounds prune`: iterative magnitude pruning with rewinding (Frankle & Carbin 2019), resumable from per-round checkpoints.
module GenBounds.Cli.Prune

open System
open System.IO
open System.Diagnostics
open System.Text.Json.Nodes
open GenBounds.Compression
open GenBounds.Data
open GenBounds.IO
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Training
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// The JSON text `--json` prints (indented, non-ASCII kept), for the files the commands write.
let jsonText (o: JsonObject) =
    o.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping))

/// Writes `o` as UTF-8 JSON to `path`, atomically.
let writeJson (path: string) (o: JsonObject) = AtomicFile.WriteAllBytes(path, ReadOnlySpan(Text.Encoding.UTF8.GetBytes(jsonText o)))

/// Options shared by `prune` and `reproduce lottery-lenet`.
let impOptions =
    [ opt "arch" "SIZES" "layer sizes, input first" (Some "784-300-100-10")
      flag "no-bias" "bias-free layers"
      opt "rounds" "N" "pruning rounds after the dense round 0" (Some "15")
      opt "rate" "P" "fraction of each hidden layer's surviving weights pruned per round" (Some "0.2")
      opt "output-rate" "P" "fraction of the output layer's surviving weights pruned per round" (Some "0.1")
      opt "rewind-step" "K" "rewind survivors to the weights after K steps of round 0 (0: the initial weights)" (Some "0")
      flag "no-controls" "skip the random-reinitialisation controls"
      opt "epochs" "N" "training epochs per round" (Some "5")
      opt "batch" "N" "mini-batch size" (Some "60")
      opt "lr" "X" "Adam learning rate" (Some "0.0012")
      opt "seed" "N" "master seed (streams init, imp/round-R, imp/reinit/round-R, data/validation)" (Some "1")
      opt "validation" "N" "training samples held out for early stopping (minimum validation loss)" (Some "5000") ]

/// Validated IMP options from the parsed arguments (UsageError on any bad value; nothing is read or written here).
let parseImp (p: Parsed) =
    let arch =
        try MlpArchitecture.Parse(p.Get "arch", not (p.Has "no-bias"))
        with :? FormatException as e -> raise (UsageError e.Message)
    let training = TrainingOptions(Epochs = p.Int "epochs", BatchSize = p.Int "batch", LearningRate = p.Float "lr", Optimizer = OptimizerKind.Adam)
    let o =
        ImpOptions(
            Architecture = arch, Rounds = p.Int "rounds", PruneFraction = p.Float "rate", OutputPruneFraction = p.Float "output-rate",
            RewindStep = int64 (p.Int "rewind-step"), ReinitControls = not (p.Has "no-controls"), Training = training, Seed = p.UInt64 "seed")
    (try o.Validate() with :? ArgumentException as e -> raise (UsageError e.Message))
    if p.Int "validation" < 1 then raise (UsageError "--validation must be at least 1")
    o

/// Train / validation / test sets: the validation samples are a seeded subset of the training set (stream data/validation).
let splitData (p: Parsed) (o: ImpOptions) =
    let train0, test = loadData p
    let v = p.Int "validation"
    if v >= train0.Count then raise (UsageError(sprintf "--validation must be below the %d training samples" train0.Count))
    if train0.Dimension <> o.Architecture.InputSize then
        raise (UsageError(sprintf "--arch starts with %d inputs but %s has dimension %d" o.Architecture.InputSize train0.Name train0.Dimension))
    if o.Architecture.OutputSize < train0.Classes then
        raise (UsageError(sprintf "--arch ends with %d outputs but %s has %d classes" o.Architecture.OutputSize train0.Name train0.Classes))
    let struct (validation, train) = train0.Split(float v / float train0.Count, Rng(SeedStreams.Derive(o.Seed, "data/validation")))
    train, validation, test

let private trainingJson (t: ImpTraining) =
    let arr (xs: float[]) = (let a = JsonArray() in (for x in xs do a.Add(jnum x)); a :> JsonNode)
    obj [ "final_test_accuracy", jnum t.FinalTestAccuracy
          "early_stop_epoch", jint (int64 t.EarlyStopEpoch)
          "early_stop_test_accuracy", jnum t.EarlyStopTestAccuracy
          "test_accuracy", arr t.TestAccuracy
          "validation_loss", arr t.ValidationLoss
          "train_accuracy", arr t.TrainAccuracy
          "steps", jint t.Steps
          "seconds", jnum t.Seconds ]

/// One round as JSON.
let roundJson (r: ImpRound) =
    let lr = JsonArray()
    for x in r.LayerRemaining do lr.Add(jnum x)
    obj [ "round", jint (int64 r.Round)
          "remaining", jnum r.Remaining
          "kept_weights", jint r.Kept
          "layer_remaining", lr
          "ticket", trainingJson r.Ticket
          "reinit", (match r.Reinit with null -> null | c -> trainingJson c :> JsonNode) ]

/// One progress line on stderr per finished round.
let describeRound (total: int) (sw: Stopwatch) (r: ImpRound) =
    let reinit = match r.Reinit with null -> "" | c -> sprintf ", reinit %s (early stop %s)" (pct c.FinalTestAccuracy) (pct c.EarlyStopTestAccuracy)
    eprintfn "round %d/%d: %s of weights remaining, ticket test %s (early stop %s)%s, %.1fs" r.Round total (pct r.Remaining)
        (pct r.Ticket.FinalTestAccuracy) (pct r.Ticket.EarlyStopTestAccuracy) reinit sw.Elapsed.TotalSeconds

/// Runs (or resumes) IMP in `folder`; returns the rounds and the round it resumed after (-1: fresh).
let runImp (o: ImpOptions) (train: Dataset) (validation: Dataset) (test: Dataset) (la: GenBounds.LinearAlgebra.ILinearAlgebraProvider)
           (folder: string) (saveModels: bool) (mode: Progress.Mode) =
    let runner = ImpRunner(o, train, validation, test, la, folder)
    let resumedAfter =
        try runner.LastCompletedRound()
        with :? InvalidDataException as e -> raise (InputError(sprintf "%s (use another --out folder)" e.Message))
    if resumedAfter >= 0 then eprintfn "resuming after round %d (checkpoints in %s)" resumedAfter folder
    let sw = Stopwatch.StartNew()
    let mutable bar: (string * Progress.Bar) option = None
    let progress (pr: ImpProgress) =
        let label = sprintf "round %d/%d %s" pr.Round pr.Rounds pr.Run
        let b =
            match bar with
            | Some (l, b) when l = label -> b
            | _ ->
                bar |> Option.iter (fun (_, b) -> b.Finish())
                let b = Progress.Bar(label, mode)
                bar <- Some(label, b)
                b
        b.Update(pr.Epoch - 1, pr.Epochs, sprintf "epoch %d loss %.4f acc %s" pr.Epoch pr.Loss (pct pr.RunningAccuracy))
    let roundDone (r: ImpRound) =
        bar |> Option.iter (fun (_, b) -> b.Finish())
        bar <- None
        if mode <> Progress.Off then describeRound o.Rounds sw r
        if saveModels then
            let struct (net, _) = runner.LoadRound(r.Round)
            let meta =
                ModelMetadata(Seed = Nullable o.Seed, Epochs = Nullable o.Training.Epochs, Optimizer = o.Training.Describe(),
                              TestAccuracy = Nullable r.Ticket.FinalTestAccuracy, CodeRevision = GenBounds.Runtime.CodeRevision.Current,
                              Extra = readOnlyDict [ "imp_round", string r.Round; "imp_remaining", r.Remaining.ToString("R", Globalization.CultureInfo.InvariantCulture) ])
                    .WithDataset(train)
            ModelFile.Save(Path.Combine(folder, sprintf "ticket-%02d.safetensors" r.Round), net, meta)
    let rounds = runner.Run(Action<ImpProgress> progress, Action<ImpRound> roundDone)
    rounds, resumedAfter

let spec =
    { Name = "prune"
      Summary = "iterative magnitude pruning with rewinding and retraining (lottery tickets), resumable"
      Positionals = []
      Options =
        impOptions
        @ [ opt "out" "DIR" "folder for per-round checkpoints, ticket models and rounds.json (an existing run there is resumed)" None ]
        @ dataOptions @ [ threadOption; jsonFlag; quietFlag ] }

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let o = parseImp p
    let folder =
        p.TryGet "out" |> Option.defaultWith (fun () ->
            Path.Combine(repoRoot (), "runs", sprintf "prune-%s-seed%d" (o.Architecture.ToString().Replace("/", "-")) o.Seed))
    if File.Exists folder then raise (UsageError(sprintf "--out %s is a file, not a folder" folder))
    let la = provider p
    let train, validation, test = splitData p o
    let rounds, resumedAfter = runImp o train validation test la folder true (Progress.modeFor (p.Has "quiet"))
    let arr = JsonArray()
    for r in rounds do arr.Add(roundJson r)
    let result =
        obj [ "command", jstr "prune"
              "folder", jstr (Path.GetFullPath folder)
              "architecture", jstr (o.Architecture.ToString())
              "rounds_requested", jint (int64 o.Rounds)
              "resumed_after_round", jint (int64 resumedAfter)
              "rate", jnum o.PruneFraction
              "output_rate", jnum o.OutputPruneFraction
              "rewind_step", jint o.RewindStep
              "training", jstr (o.Training.Describe() + sprintf " epochs=%d" o.Training.Epochs)
              "seed", jstr (string o.Seed)
              "train_data", jstr train.Name
              "validation_samples", jint (int64 validation.Count)
              "rounds", arr
              "blas", jstr la.Name
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    writeJson (Path.Combine(folder, "rounds.json")) result
    result

/// Text summary: one line per round.
let show (o: JsonObject) =
    printfn "folder: %s" (o["folder"].GetValue<string>())
    for r in o["rounds"].AsArray() do
        let t = r["ticket"]
        let reinit = match r["reinit"] with null -> "" | c -> sprintf "  reinit %s" (pct (c["final_test_accuracy"].GetValue<float>()))
        printfn "round %2d  remaining %7s  ticket %s (early stop %s)%s" (r["round"].GetValue<int64>()) (pct (r["remaining"].GetValue<float>()))
            (pct (t["final_test_accuracy"].GetValue<float>())) (pct (t["early_stop_test_accuracy"].GetValue<float>())) reinit
    printfn "wall_seconds: %.1f" (o["wall_seconds"].GetValue<float>())
