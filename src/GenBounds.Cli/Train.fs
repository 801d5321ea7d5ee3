/// `genbounds train`: train an MLP or a CNN on MNIST (or CIFAR-10) with the native or the torch engine, save it as safetensors with metadata.
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
          opt "prior" "MODEL" "reference network (same architecture) for the L2 penalty toward a prior (PAC-Bayes); 'zero' = the all-zero network (P0)" None
          opt "prior-penalty" "LAMBDA" "lambda of lambda/(K+1)*sum ||W_k - W_prior,k||_F^2" None
          opt "steps" "N" "stop after N optimiser steps (the last epoch may be partial; --epochs is then a cap, unlimited unless given)" None
          opt "validation" "N" "hold out N training images as a validation split (stream data/validation; Sulam et al.'s 55k/5k: 5000)" None
          opt "prior-split" "F" "split the training data into a prior part (fraction F, stream data/prior-split) and a bound part" None
          opt "train-part" "PART" "with --prior-split: train on 'prior' (the F part), 'bound' (the rest) or 'all'" (Some "all")
          opt "init" "MODEL" "start from this model's weights instead of a fresh initialisation" None
          opt "preset" "NAME" "sulam2023: Muthukumar-Sulam's recipe X1 (bias-free, SGD lr 0.01 momentum 0, batch 100, 5000 steps, validation 5000, lambda 1 toward --prior or zero); explicit options override it" None
          opt "engine" "NAME" "training engine: genbounds (native float32 + OpenBLAS) or torch (libtorch via TorchSharp)" (Some "genbounds")
          opt "device" "DEV" "device of the torch engine: cpu, cuda or cuda:N" None
          opt "input-products" "MODE" "first layer of an MLP (genbounds engine): auto (multiply by the inputs' nonzeros only when at least half the training features are zeros, as on MNIST), sparse or dense" (Some "auto")
          opt "activation-products" "MODE" "hidden layers of an MLP (genbounds engine): auto (layers with at least 64 outputs multiply a batch by their ReLU inputs' nonzeros only while the previous batch had under 40% nonzeros), sparse or dense" (Some "auto")
          opt "out" "FILE" "model file to write (default runs/ARCH-seedN.safetensors)" None
          opt "checkpoint" "FILE" "write a resumable checkpoint after every epoch" None
          opt "resume" "FILE" "continue a run from a checkpoint (same options)" None ]
        @ dataOptions @ [ opt "threads" "N" "threads: for MLPs OpenBLAS's and the genbounds trainer's worker team; for convolutional nets, threads sharing the convolutions (BLAS then single-threaded; default: all processors); libtorch's with --engine torch" None; jsonFlag; quietFlag ] }

/// The value of an option, or the preset's when the option was not given explicitly.
let private presetted (p: Parsed) (preset: (string * string) list) (name: string) =
    if p.Has name then p.TryGet name else (match List.tryFind (fst >> (=) name) preset with Some(_, v) -> Some v | None -> p.TryGet name)

/// One training engine behind the options: the native `Trainer` or the libtorch `TorchTrainer` (same seeds, data order
/// and optimiser arithmetic), with what the model file records about it.
type private Engine =
    { TrainEpoch: Dataset -> Action<BatchProgress> -> EpochStats
      EpochsDone: unit -> int
      Step: unit -> int64
      Export: unit -> Collections.Generic.IReadOnlyDictionary<string, float32[]>
      Import: Collections.Generic.IReadOnlyDictionary<string, float32[]> -> int64 -> int -> unit
      Release: unit -> unit
      BudgetSpent: unit -> bool }

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
          Import = (fun st step ep -> t.ImportState(st, step, ep)); Release = ignore; BudgetSpent = (fun () -> t.StepBudgetSpent) }
    | Torch device ->
        let t = new GenBounds.Torch.TorchTrainer(net, options, device)
        { TrainEpoch = (fun d pr -> t.TrainEpoch(d, pr)); EpochsDone = (fun () -> t.EpochsDone); Step = (fun () -> t.Step)
          Export = (fun () -> let struct (x, _, _) = t.ExportState() in x)
          Import = (fun st step ep -> t.ImportState(st, step, ep)); Release = (fun () -> t.Dispose()); BudgetSpent = (fun () -> false) }

/// Trains a model as described by the parsed options; returns the JSON summary (also used by the main job).
let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let la = provider p
    let choice = engineOf p
    let seed = p.UInt64 "seed"
    let preset =
        match p.TryGet "preset" with
        | None -> []
        | Some "sulam2023" ->
            [ "optimizer", "sgd"; "lr", "0.01"; "momentum", "0"; "batch", "100"; "steps", "5000"; "validation", "5000"; "prior-penalty", "1"; "prior", "zero" ]
        | Some other -> raise (UsageError(sprintf "unknown --preset '%s' (known: sulam2023)" other))
    let value name = presetted p preset name
    let number name = value name |> Option.map (fun v ->
        match Double.TryParse(v, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
        | true, x when Double.IsFinite x -> x
        | _ -> raise (UsageError(sprintf "--%s expects a number, got '%s'" name v)))
    let integer name = value name |> Option.map (fun v ->
        match Int64.TryParse(v, Globalization.NumberStyles.Integer, Globalization.CultureInfo.InvariantCulture) with
        | true, x -> x
        | _ -> raise (UsageError(sprintf "--%s expects an integer, got '%s'" name v)))
    let noBias = p.Has "no-bias" || not preset.IsEmpty
    let arch = parseArchitecture p (p.Get "arch") (not noBias)
    match choice with
    | Torch _ when p.Has "steps" || p.Has "preset" ->
        raise (UsageError "--steps and --preset (step budgets) are implemented for --engine genbounds only")
    | _ -> ()
    let workers = convolutionWorkers p arch
    let opt =
        match (value "optimizer" |> Option.defaultValue "adam").ToLowerInvariant() with
        | "adam" -> OptimizerKind.Adam
        | "sgd" -> OptimizerKind.Sgd
        | o -> raise (UsageError(sprintf "unknown optimizer '%s' (expected adam or sgd)" o))
    let steps = integer "steps" |> Option.defaultValue 0L
    if steps < 0L then raise (UsageError "--steps must be ≥ 0")
    let load what f =
        try (let struct (net, _) = ModelFile.LoadNetwork(f, arch) in net) with e -> raise (InputError(sprintf "cannot load %s %s: %s" what f e.Message))
    let prior =
        match value "prior" with
        | Some "zero" -> Some(Network arch)
        | Some f ->
            let net = load "prior model" f
            if not (net.Architecture.Equals arch) then raise (InputError(sprintf "--prior %s has architecture %O, the run %O" f net.Architecture arch))
            Some net
        | None -> None
    let init =
        p.TryGet "init" |> Option.map (fun f ->
            let net = load "initial model" f
            if not (net.Architecture.Equals arch) then raise (InputError(sprintf "--init %s has architecture %O, the run %O" f net.Architecture arch))
            net)
    let epochs = if p.Has "epochs" || steps = 0L then p.Int "epochs" else Int32.MaxValue
    let productsMode name =
        match (p.TryGet name |> Option.defaultValue "auto").ToLowerInvariant() with
        | "auto" -> InputSparsity.Auto
        | "sparse" -> InputSparsity.Sparse
        | "dense" -> InputSparsity.Dense
        | other -> raise (UsageError(sprintf "--%s must be auto, sparse or dense (got '%s')" name other))
    let inputProducts = productsMode "input-products"
    let activationProducts = productsMode "activation-products"
    let options =
        TrainingOptions(
            Epochs = epochs, BatchSize = int (integer "batch" |> Option.defaultValue 128L), Optimizer = opt,
            LearningRate = (number "lr" |> Option.defaultValue (if opt = OptimizerKind.Adam then 1e-3 else 1e-2)),
            Momentum = (number "momentum" |> Option.defaultValue 0.9), WeightDecay = p.Float "weight-decay", Seed = seed, Workers = workers,
            PriorPenalty = (number "prior-penalty" |> Option.defaultValue 0.0),
            PriorNetwork = Option.toObj prior, MaxSteps = steps, InputSparsity = inputProducts,
            ActivationSparsity = activationProducts)
    (try options.Validate() with :? ArgumentException as e -> raise (UsageError e.Message))
    let trainAll, test = loadData p
    if trainAll.Dimension <> arch.InputShape.Size then
        raise (UsageError(sprintf "--arch takes %s inputs (%d values) but %s has dimension %d" (string arch.InputShape) arch.InputShape.Size trainAll.Name trainAll.Dimension))
    if arch.OutputSize < trainAll.Classes then
        raise (UsageError(sprintf "--arch ends with %d outputs but %s has %d classes" arch.OutputSize trainAll.Name trainAll.Classes))
    let streams = SeedStreams seed
    let validationSize = integer "validation" |> Option.map int
    let train0, validation =
        match validationSize with
        | Some v when v < 1 || v >= trainAll.Count -> raise (UsageError(sprintf "--validation must be in 1..%d" (trainAll.Count - 1)))
        | Some v -> let struct (tr, va) = GenBounds.Sparsity.SulamRecipe.ValidationSplit(trainAll, v, seed) in tr, Some va
        | None -> trainAll, None
    let train1 =
        match p.TryInt "train-subset" with
        | Some n when n < 1 || n > train0.Count -> raise (UsageError(sprintf "--train-subset must be in 1..%d" train0.Count))
        | Some n -> train0.Subset(n, streams.Stream(SeedStreams.Names.Data + "/subset"))
        | None -> train0
    let trainPart = (p.Get "train-part").ToLowerInvariant()
    if not (List.contains trainPart [ "all"; "prior"; "bound" ]) then raise (UsageError(sprintf "--train-part must be all, prior or bound (got '%s')" trainPart))
    let train2 =
        match p.TryFloat "prior-split" with
        | Some f when not (f > 0.0 && f < 1.0) -> raise (UsageError "--prior-split must lie strictly between 0 and 1")
        | Some f ->
            let struct (priorPart, boundPart) = GenBounds.Sparsity.SulamRecipe.PriorSplit(train1, f, seed)
            match trainPart with "prior" -> priorPart | "bound" -> boundPart | _ -> train1
        | None when trainPart <> "all" -> raise (UsageError "--train-part needs --prior-split")
        | None -> train1
    let train, changed =
        match p.TryFloat "random-labels" with
        | Some q when q < 0.0 || q > 1.0 -> raise (UsageError "--random-labels must be a probability in [0, 1]")
        | Some q ->
            let struct (data, _, changedCount) = train2.WithRandomLabels(q, streams.Stream(SeedStreams.Names.Data + "/labels"))
            data, Some changedCount
        | None -> train2, None
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
            let net = match init with Some i -> i.Clone() | None -> Trainer.Initialize(arch, seed)
            net, start choice net options la
    let quiet = p.Has "json"
    let history = Collections.Generic.List<EpochStats>()
    try
        while trainer.EpochsDone() < options.Epochs && not (trainer.BudgetSpent()) do
            let e = trainer.EpochsDone()
            let label = if steps > 0L then sprintf "epoch %d (step %d/%d)" (e + 1) (trainer.Step()) steps else sprintf "epoch %d/%d" (e + 1) options.Epochs
            let bar = Progress.Bar(label, Progress.modeFor (p.Has "quiet"))
            let stats =
                trainer.TrainEpoch train (Action<BatchProgress>(fun bp ->
                    bar.Update(bp.Batch, bp.Batches, sprintf "loss %.4f acc %s" bp.RunningLoss (pct bp.RunningAccuracy))))
            bar.Finish()
            history.Add stats
            if not quiet then
                let inputs =
                    stats.LayerInputs
                    |> Seq.map (fun x -> sprintf "layer %d input %.0f%% nonzero (%d/%d batches sparse)" x.Layer (100.0 * x.NonzeroFraction) x.SparseBatches x.Batches)
                    |> String.concat ", "
                eprintfn "epoch %d: loss %.4f, train acc (running) %s, %.2fs%s" (e + 1) stats.Loss (pct stats.Accuracy) stats.Seconds
                    (if inputs = "" then "" else "; " + inputs)
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
    let valEval = validation |> Option.map (fun v -> Evaluation.Evaluate(net, v, la, workers = workers))
    let engineName, deviceName, libtorch, engineExtra =
        match choice with
        | Native -> "genbounds", "cpu", null, []
        | Torch d ->
            "torch", GenBounds.Torch.TorchRuntime.DeviceName d, GenBounds.Torch.TorchRuntime.LibTorchVersion,
            [ "torch_threads", string (TorchSharp.torch.get_num_threads ())
              "torchsharp_version", GenBounds.Torch.TorchRuntime.TorchSharpVersion ]
    let meta =
        ModelMetadata(
            Seed = Nullable seed, Epochs = Nullable (trainer.EpochsDone()), Optimizer = options.Describe(),
            TrainAccuracy = Nullable trainEval.Accuracy, TestAccuracy = Nullable testEval.Accuracy,
            CodeRevision = GenBounds.Runtime.CodeRevision.Current,
            Engine = engineName, Device = deviceName, LibTorchVersion = libtorch,
            Extra =
                readOnlyDict (
                    [ "blas_threads", string (blasThreads ())
                      "convolution_workers", string workers
                      "input_products", (string inputProducts).ToLowerInvariant()
                      "activation_products", (string activationProducts).ToLowerInvariant()
                      "test_dataset", test.Name
                      "test_dataset_hash", test.ContentHash() ]
                    @ engineExtra
                    @ (match changed with Some c -> [ "random_labels_changed", string c ] | None -> [])
                    @ (match validationSize with Some v -> [ "validation", string v ] | None -> [])
                    @ (match p.TryFloat "prior-split" with Some f -> [ "prior_split", string f; "train_part", trainPart ] | None -> [])
                    @ (match p.TryInt "train-subset" with Some n -> [ "train_subset", string n ] | None -> [])
                    @ (match value "prior" with Some v -> [ "prior", (if v = "zero" then "zero" else Path.GetFileName v) ] | None -> [])
                    @ (match p.TryGet "preset" with Some v -> [ "preset", v ] | None -> [])))
            .WithDataset(train)
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath out)) |> ignore
    ModelFile.Save(out, net, meta)
    obj [ "command", jstr "train"
          "model", jstr (Path.GetFullPath out)
          "architecture", jstr (arch.ToString())
          "parameters", jint arch.ParameterCount
          "seed", jstr (string seed)
          "epochs", jint (int64 (trainer.EpochsDone()))
          "steps", jint (trainer.Step())
          "optimizer", jstr (options.Describe())
          "engine", jstr engineName
          "device", jstr deviceName
          "train_data", jstr train.Name
          "train_accuracy", jnum trainEval.Accuracy
          "train_loss", jnum trainEval.Loss
          "test_accuracy", jnum testEval.Accuracy
          "test_loss", jnum testEval.Loss
          "validation_accuracy", (match valEval with Some v -> jnum v.Accuracy | None -> null)
          "train_size", jint (int64 train.Count)
          "epoch_seconds", (let a = Text.Json.Nodes.JsonArray() in (for h in history do a.Add(jnum h.Seconds)); a :> Text.Json.Nodes.JsonNode)
          // Per epoch, the hidden layers whose ReLU inputs the trainer counted (--activation-products auto or sparse).
          "hidden_inputs",
          (let a = Text.Json.Nodes.JsonArray()
           for h in history do
               let layers = Text.Json.Nodes.JsonArray()
               for x in h.LayerInputs do
                   layers.Add(obj [ "layer", jint (int64 x.Layer); "nonzero_fraction", jnum x.NonzeroFraction
                                    "sparse_batches", jint (int64 x.SparseBatches); "batches", jint (int64 x.Batches) ])
               a.Add(layers)
           a :> Text.Json.Nodes.JsonNode)
          "blas", jstr la.Name
          "convolution_workers", jint (int64 workers)
          "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
          "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
