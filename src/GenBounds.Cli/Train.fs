/// `genbounds train`: train an MLP on MNIST (or CIFAR-10), save it as safetensors with metadata.
module GenBounds.Cli.Train

open System
open System.IO
open System.Diagnostics
open GenBounds.Data
open GenBounds.IO
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Training
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "train"
      Summary = "train a fully connected or convolutional ReLU network and save it (safetensors, PyTorch-readable)"
      Positionals = []
      Options =
        [ opt "arch" "ARCH" "MLP layer sizes, input first (784-100-10), or a network such as conv32k5-pool2-conv64k5-pool2-fc512-10, lenet5, vgg11w16 (input shape from the data; grammar in the README)" (Some "784-100-10")
          flag "no-bias" "bias-free layers (needed by perturbation and Jacobian lemmas)"
          opt "epochs" "N" "epochs" (Some "5")
          opt "batch" "N" "mini-batch size" (Some "128")
          opt "optimizer" "NAME" "adam or sgd" (Some "adam")
          opt "lr" "X" "learning rate (default 0.001 for adam, 0.01 for sgd)" None
          opt "momentum" "X" "SGD momentum" (Some "0.9")
          opt "weight-decay" "X" "L2 weight decay" (Some "0")
          opt "seed" "N" "master seed (streams: init, data-order, data)" (Some "1")
          opt "train-subset" "N" "train on a seeded random subset of N samples" None
          opt "random-labels" "P" "replace each training label by a uniform random class with probability P" None
          opt "prior" "MODEL" "reference network (same architecture) for the L2 penalty toward a prior (PAC-Bayes)" None
          opt "prior-penalty" "LAMBDA" "lambda of lambda/(K+1)*sum ||W_k - W_prior,k||_F^2" None
          opt "engine" "NAME" "training engine: genbounds (native float32 + OpenBLAS) or torch (libtorch via TorchSharp)" (Some "genbounds")
          opt "device" "DEV" "device of the torch engine: cpu, cuda or cuda:N" None
          opt "out" "FILE" "model file to write (default runs/ARCH-seedN.safetensors)" None
          opt "checkpoint" "FILE" "write a resumable checkpoint after every epoch" None
          opt "resume" "FILE" "continue a run from a checkpoint (same options)" None ]
        @ dataOptions @ [ opt "threads" "N" "threads: for MLPs OpenBLAS's and the genbounds trainer's worker team; for convolutional nets, threads sharing the convolutions (BLAS then single-threaded; default: all processors); libtorch's with --engine torch" None; jsonFlag; quietFlag ] }

let private optimizerOf (p: Parsed) =
    match (p.Get "optimizer").ToLowerInvariant() with
    | "adam" -> OptimizerKind.Adam
    | "sgd" -> OptimizerKind.Sgd
    | o -> raise (UsageError(sprintf "unknown optimizer '%s' (expected adam or sgd)" o))

/// One training engine behind the options: the native `Trainer` or the libtorch `TorchTrainer` (same seeds, data order
/// and optimiser arithmetic), with what the model file records about it.
type private Engine =
    { TrainEpoch: Dataset -> Action<BatchProgress> -> EpochStats
      EpochsDone: unit -> int
      Step: unit -> int64
      Export: unit -> Collections.Generic.IReadOnlyDictionary<string, float32[]>
      Import: Collections.Generic.IReadOnlyDictionary<string, float32[]> -> int64 -> int -> unit
      Release: unit -> unit }

type private EngineChoice =
    | Native
    | Torch of TorchSharp.torch.Device

/// The engine and device named by --engine/--device, checked before any data is loaded (a CUDA request on a CPU-only
/// build fails here, naming the packages to add).
let private engineOf (p: Parsed) =
    let device = p.TryGet "device"
    match (p.Get "engine").ToLowerInvariant() with
    | "genbounds" | "native" ->
        match device with
        | Some d when d.ToLowerInvariant() <> "cpu" -> raise (UsageError(sprintf "--device %s applies to --engine torch; the genbounds engine runs on the CPU" d))
        | _ -> Native
    | "torch" ->
        try
            let dev = GenBounds.Torch.TorchRuntime.ResolveDevice(defaultArg device "cpu")
            match p.TryInt "threads" with
            | Some n when n >= 1 -> TorchSharp.torch.set_num_threads n
            | _ -> ()
            Torch dev
        with
        | :? ArgumentException as e -> raise (UsageError e.Message)
        | :? GenBounds.Torch.TorchUnavailableException as e -> raise (UsageError e.Message)
    | e -> raise (UsageError(sprintf "unknown engine '%s' (expected genbounds or torch)" e))

let private start choice (net: Network) (options: TrainingOptions) la =
    match choice with
    | Native ->
        let t = Trainer(net, options, la)
        { TrainEpoch = (fun d pr -> t.TrainEpoch(d, pr)); EpochsDone = (fun () -> t.EpochsDone); Step = (fun () -> t.Step)
          Export = (fun () -> let struct (x, _, _) = t.ExportState() in x)
          Import = (fun st step ep -> t.ImportState(st, step, ep)); Release = ignore }
    | Torch device ->
        // run checks that the torch engine gets a plain MLP (Linear/ReLU) before any data is loaded
        let mlp = net.AsMlp() |> Option.ofObj |> Option.defaultWith (fun () -> invalidOp "the torch engine trains MLPs only")
        let t = new GenBounds.Torch.TorchTrainer(mlp, options, device)
        { TrainEpoch = (fun d pr -> t.TrainEpoch(d, pr)); EpochsDone = (fun () -> t.EpochsDone); Step = (fun () -> t.Step)
          Export = (fun () -> let struct (x, _, _) = t.ExportState() in x)
          Import = (fun st step ep -> t.ImportState(st, step, ep)); Release = (fun () -> t.Dispose()) }

/// Trains a model as described by the parsed options; returns the JSON summary (also used by the main job).
let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let la = provider p
    let choice = engineOf p
    let seed = p.UInt64 "seed"
    let arch = parseArchitecture p (p.Get "arch") (not (p.Has "no-bias"))
    match choice with
    | Torch _ when not arch.IsMlp ->
        raise (UsageError(sprintf "--engine torch trains fully connected ReLU networks (Linear/ReLU) only; %s has convolution, pooling or flatten layers (train it with --engine genbounds)" (arch.ToString())))
    | _ -> ()
    let workers = convolutionWorkers p arch
    let opt = optimizerOf p
    let prior =
        p.TryGet "prior" |> Option.map (fun f ->
            try (let struct (net, _) = ModelFile.LoadNetwork(f, arch) in net) with e -> raise (InputError(sprintf "cannot load prior model %s: %s" f e.Message)))
    let options =
        TrainingOptions(
            Epochs = p.Int "epochs", BatchSize = p.Int "batch", Optimizer = opt,
            LearningRate = (p.TryFloat "lr" |> Option.defaultValue (if opt = OptimizerKind.Adam then 1e-3 else 1e-2)),
            Momentum = p.Float "momentum", WeightDecay = p.Float "weight-decay", Seed = seed, Workers = workers,
            PriorPenalty = (p.TryFloat "prior-penalty" |> Option.defaultValue 0.0),
            PriorNetwork = Option.toObj prior)
    (try options.Validate() with :? ArgumentException as e -> raise (UsageError e.Message))
    let train0, test = loadData p
    if train0.Dimension <> arch.InputShape.Size then
        raise (UsageError(sprintf "--arch takes %s inputs (%d values) but %s has dimension %d" (string arch.InputShape) arch.InputShape.Size train0.Name train0.Dimension))
    if arch.OutputSize < train0.Classes then
        raise (UsageError(sprintf "--arch ends with %d outputs but %s has %d classes" arch.OutputSize train0.Name train0.Classes))
    let streams = SeedStreams seed
    let train1 =
        match p.TryInt "train-subset" with
        | Some n when n < 1 || n > train0.Count -> raise (UsageError(sprintf "--train-subset must be in 1..%d" train0.Count))
        | Some n -> train0.Subset(n, streams.Stream(SeedStreams.Names.Data + "/subset"))
        | None -> train0
    let train, changed =
        match p.TryFloat "random-labels" with
        | Some q when q < 0.0 || q > 1.0 -> raise (UsageError "--random-labels must be a probability in [0, 1]")
        | Some q ->
            let struct (data, _, changedCount) = train1.WithRandomLabels(q, streams.Stream(SeedStreams.Names.Data + "/labels"))
            data, Some changedCount
        | None -> train1, None
    let out =
        p.TryGet "out" |> Option.defaultWith (fun () ->
            Path.Combine(repoRoot (), "runs", sprintf "%s-seed%d.safetensors" (arch.ToString().Replace("/", "-").Replace(":", "_")) seed))
    ensureWritable "--out" out
    p.TryGet "checkpoint" |> Option.iter (ensureWritable "--checkpoint")
    // What must match between a checkpoint and the run that resumes it (the engine only when it is not the native one,
    // so that checkpoints written before the torch engine existed still resume).
    let runKey =
        (obj ([ "architecture", jstr (arch.ToString()); "optimizer", jstr (options.Describe()); "seed", jstr (string seed)
                "train_data", jstr train.Name; "train_data_hash", jstr (train.ContentHash()) ]
              @ (match choice with Torch d -> [ "engine", jstr ("torch/" + GenBounds.Torch.TorchRuntime.DeviceName d) ] | Native -> []))).ToJsonString()
    let net, trainer =
        match p.TryGet "resume" with
        | Some ck ->
            let c = try Checkpoint.Load ck with e -> raise (InputError(sprintf "cannot load checkpoint %s: %s" ck e.Message))
            if c.OptionsJson <> runKey then
                raise (UsageError(sprintf "checkpoint %s was written with different options (%s)" ck c.OptionsJson))
            let net = try c.GetNetwork("model.", arch) with e -> raise (InputError(sprintf "checkpoint %s: %s" ck e.Message))
            let t = start choice net options la
            let state = c.TensorNames |> Seq.filter (fun n -> not (n.StartsWith "model.")) |> Seq.map (fun n -> n, c.Get n) |> dict
            t.Import (Collections.Generic.Dictionary(state)) c.Step c.Epoch
            net, t
        | None ->
            let net = Trainer.Initialize(arch, seed)
            net, start choice net options la
    let quiet = p.Has "json"
    let history = Collections.Generic.List<EpochStats>()
    try
        for e in trainer.EpochsDone() .. options.Epochs - 1 do
            let bar = Progress.Bar(sprintf "epoch %d/%d" (e + 1) options.Epochs, Progress.modeFor (p.Has "quiet"))
            let stats =
                trainer.TrainEpoch train (Action<BatchProgress>(fun bp ->
                    bar.Update(bp.Batch, bp.Batches, sprintf "loss %.4f acc %s" bp.RunningLoss (pct bp.RunningAccuracy))))
            bar.Finish()
            history.Add stats
            if not quiet then eprintfn "epoch %d: loss %.4f, train acc (running) %s, %.2fs" (e + 1) stats.Loss (pct stats.Accuracy) stats.Seconds
            match p.TryGet "checkpoint" with
            | Some ck ->
                let c = Checkpoint(trainer.EpochsDone(), trainer.Step(), seed, runKey)
                c.SetNetwork("model.", net)
                for kv in trainer.Export() do c.Set(kv.Key, ReadOnlySpan(kv.Value))
                c.Save ck
            | None -> ()
    finally
        trainer.Release()
    let trainEval = Evaluation.Evaluate(net, train, la, workers = workers)
    let testEval = Evaluation.Evaluate(net, test, la, workers = workers)
    let engineName, deviceName, libtorch, engineExtra =
        match choice with
        | Native -> "genbounds", "cpu", null, []
        | Torch d ->
            "torch", GenBounds.Torch.TorchRuntime.DeviceName d, GenBounds.Torch.TorchRuntime.LibTorchVersion,
            [ "torch_threads", string (TorchSharp.torch.get_num_threads ())
              "torchsharp_version", GenBounds.Torch.TorchRuntime.TorchSharpVersion ]
    let meta =
        ModelMetadata(
            Seed = Nullable seed, Epochs = Nullable options.Epochs, Optimizer = options.Describe(),
            TrainAccuracy = Nullable trainEval.Accuracy, TestAccuracy = Nullable testEval.Accuracy,
            CodeRevision = GenBounds.Runtime.CodeRevision.Current,
            Engine = engineName, Device = deviceName, LibTorchVersion = libtorch,
            Extra =
                readOnlyDict (
                    [ "blas_threads", string (blasThreads ())
                      "convolution_workers", string workers
                      "test_dataset", test.Name
                      "test_dataset_hash", test.ContentHash() ]
                    @ engineExtra
                    @ (match changed with Some c -> [ "random_labels_changed", string c ] | None -> [])))
            .WithDataset(train)
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath out)) |> ignore
    ModelFile.Save(out, net, meta)
    obj [ "command", jstr "train"
          "model", jstr (Path.GetFullPath out)
          "architecture", jstr (arch.ToString())
          "parameters", jint arch.ParameterCount
          "seed", jstr (string seed)
          "epochs", jint (int64 options.Epochs)
          "optimizer", jstr (options.Describe())
          "engine", jstr engineName
          "device", jstr deviceName
          "train_data", jstr train.Name
          "train_accuracy", jnum trainEval.Accuracy
          "train_loss", jnum trainEval.Loss
          "test_accuracy", jnum testEval.Accuracy
          "test_loss", jnum testEval.Loss
          "epoch_seconds", (let a = Text.Json.Nodes.JsonArray() in (for h in history do a.Add(jnum h.Seconds)); a :> Text.Json.Nodes.JsonNode)
          "blas", jstr la.Name
          "convolution_workers", jint (int64 workers)
          "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
          "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
