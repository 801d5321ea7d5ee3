/// `genbounds eval` and `genbounds info`.
module GenBounds.Cli.Eval

open System
open System.IO
open System.Diagnostics
open GenBounds.IO
open GenBounds.Training
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let evalSpec =
    { Name = "eval"
      Summary = "accuracy, loss and margin statistics of a model on the train and test sets"
      Positionals = [ "MODEL", "a .safetensors model (GenBounds, or a PyTorch nn.Sequential state_dict), or a TorchSharp .dat / PyTorch .pt state dict of an nn.Sequential" ]
      Options =
        [ opt "arch" "ARCH" "architecture of a CNN file that does not record it: a PyTorch safetensors file without metadata, or a .dat/.pt state dict (same grammar as train --arch)" None ]
        @ dataOptions @ [ threadOption; jsonFlag; quietFlag ] }

let infoSpec =
    { Name = "info"
      Summary = "describe a model file (architecture, metadata, norms), or the environment without a model"
      Positionals = [ "MODEL", "optional model file" ]
      Options =
        [ opt "arch" "ARCH" "architecture of a CNN file that does not record it (safetensors without metadata, .dat, .pt; input prefix required, e.g. 1x28x28:conv6k5-...)" None
          jsonFlag ] }

/// The name a state dict's format is recorded under (model metadata, `convert` output).
let formatName (format: GenBounds.Torch.ModelFormat) =
    match format with
    | GenBounds.Torch.ModelFormat.TorchSharp -> "torchsharp-state-dict"
    | GenBounds.Torch.ModelFormat.PyTorch -> "pytorch-state-dict"
    | _ -> "safetensors"

/// Loads a model: a GenBounds model file or any safetensors nn.Sequential (`ModelFile.Load`), a TorchSharp state dict
/// (`.dat`, `Module.save`) or a PyTorch one (`.pt`/`.pth`/`.bin`, `torch.save(model.state_dict(), path)`). State dicts
/// hold no metadata; theirs records only the source format. Every command that takes a MODEL goes through here.
let loadModel (path: string) =
    if not (File.Exists path) then raise (InputError(sprintf "model file not found: %s" path))
    try
        match GenBounds.Torch.StateDictFiles.Detect path with
        | GenBounds.Torch.ModelFormat.Safetensors ->
            let struct (net, meta) = ModelFile.Load path
            net, meta
        | format ->
            GenBounds.Torch.StateDictFiles.Load path, ModelMetadata(Extra = readOnlyDict [ "source_format", formatName format ])
    with
    | :? InvalidDataException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
    | :? FormatException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
    | :? GenBounds.Torch.TorchUnavailableException as e -> raise (InputError(sprintf "%s: %s" path e.Message))

/// Loads any model file as a sequential network; `arch` is needed only for CNN files without architecture metadata:
/// safetensors state dicts saved by PyTorch without it, and every TorchSharp `.dat` or PyTorch `.pt` state dict of a CNN.
let loadNetwork (path: string) (arch: GenBounds.Networks.NetworkArchitecture option) =
    if not (File.Exists path) then raise (InputError(sprintf "model file not found: %s" path))
    try
        match GenBounds.Torch.StateDictFiles.Detect path with
        | GenBounds.Torch.ModelFormat.Safetensors ->
            let struct (net, meta) = ModelFile.LoadNetwork(path, Option.toObj arch)
            net, meta
        | format ->
            GenBounds.Torch.StateDictFiles.LoadNetwork(path, Option.toObj arch),
            ModelMetadata(Extra = readOnlyDict [ "source_format", formatName format ])
    with
    | :? InvalidDataException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
    | :? FormatException as e -> raise (InputError(sprintf "%s: %s" path e.Message))
    | :? GenBounds.Torch.TorchUnavailableException as e -> raise (InputError(sprintf "%s: %s" path e.Message))

let private quantiles (xs: float[]) =
    let s = Array.sort xs
    let q (p: float) = s[min (s.Length - 1) (int (p * float (s.Length - 1)))]
    obj [ "min", jnum s[0]; "q01", jnum (q 0.01); "q10", jnum (q 0.1); "median", jnum (q 0.5); "max", jnum s[s.Length - 1] ]

let runEval (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "eval needs a MODEL file")
    let arch = p.TryGet "arch" |> Option.map (fun a -> parseArchitecture p a true)
    let net, meta = loadNetwork path arch
    let la = provider p
    let train, test = loadData p
    (try Trainer.CheckData(net.Architecture, train) with :? ArgumentException as e -> raise (InputError(sprintf "%s does not fit %s: %s" path train.Name e.Message)))
    let workers = convolutionWorkers p net.Architecture
    let tr = Evaluation.Evaluate(net, train, la, workers = workers)
    let te = Evaluation.Evaluate(net, test, la, workers = workers)
    let minMargin = Array.min tr.Margins
    obj [ "command", jstr "eval"
          "model", jstr (Path.GetFullPath path)
          "model_hash", jstr (net.ContentHash())
          "architecture", jstr (net.Architecture.ToString())
          "train_data", jstr train.Name
          "test_data", jstr test.Name
          "train_accuracy", jnum tr.Accuracy
          "test_accuracy", jnum te.Accuracy
          "train_loss", jnum tr.Loss
          "test_loss", jnum te.Loss
          "train_margin", quantiles tr.Margins
          "test_margin", quantiles te.Margins
          "min_train_margin", jnum minMargin
          "trained_on", jstr (if isNull meta.Dataset then "unknown" else meta.Dataset)
          "wall_seconds", jnum sw.Elapsed.TotalSeconds ]

let runInfo (p: Parsed) =
    match p.Positionals with
    | [] ->
        let la = GenBounds.LinearAlgebra.LinearAlgebraProviders.Default
        let mnist = GenBounds.Data.Mnist.DefaultFolder(repoRoot ())
        let kernel =
            match la with
            | :? GenBounds.LinearAlgebra.NativeLinearAlgebraProvider ->
                let k = GenBounds.LinearAlgebra.NativeLinearAlgebraProvider.KernelStatus
                obj [ "kernel", (if isNull k.Kernel then null else jstr k.Kernel)
                      "chosen_by", jstr (string k.ChosenBy)
                      "self_test_passed", jbool k.SelfTestPassed
                      "rejected_kernel", (if isNull k.RejectedKernel then null else jstr k.RejectedKernel)
                      "summary", jstr (k.Describe()) ]
            | _ -> obj [ "summary", jstr la.Name ]
        // The torch engine's libtorch: loading it here is what `train --engine torch` would do first, so a broken
        // install (e.g. the GLIBCXX_3.4.32 requirement unpatched) shows up with the loader's message.
        let torchInfo =
            try
                let caps = GenBounds.Torch.TorchRuntime.Capabilities
                obj [ "libtorch", jstr GenBounds.Torch.TorchRuntime.LibTorchVersion
                      "torchsharp", jstr GenBounds.Torch.TorchRuntime.TorchSharpVersion
                      "threads", jint (int64 (TorchSharp.torch.get_num_threads ()))
                      "cuda_libtorch", jbool caps.CudaLibraryPresent
                      "cuda_devices", jint (int64 caps.CudaDeviceCount) ]
            with :? GenBounds.Torch.TorchUnavailableException as e -> obj [ "error", jstr e.Message ]
        obj [ "command", jstr "info"
              "blas", jstr la.Name
              "blas_kernel", kernel
              "torch", torchInfo
              "blas_threads", jint (int64 (blasThreads ()))
              "mnist_folder", jstr mnist
              "mnist_present", jbool (File.Exists(Path.Combine(mnist, "train-images-idx3-ubyte")))
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "runtime", jstr Runtime.InteropServices.RuntimeInformation.FrameworkDescription
              "processors", jint (int64 Environment.ProcessorCount) ]
    | [ path ] ->
        let arch =
            p.TryGet "arch" |> Option.map (fun a ->
                try GenBounds.Networks.NetworkArchitecture.Parse a with :? FormatException as e -> raise (UsageError e.Message))
        let net, meta = loadNetwork path arch
        let la = GenBounds.LinearAlgebra.LinearAlgebraProviders.Default
        let layers = Text.Json.Nodes.JsonArray()
        let modules = net.Architecture.WeightModules
        for k in 0 .. net.WeightLayers.Count - 1 do
            let l = net.WeightLayers[k]
            let w = l.WeightAsDouble()
            let s = la.SingularValues(ReadOnlySpan w, l.Rows, l.FanIn)
            let fro = sqrt (Array.sumBy (fun x -> x * x) w)
            let entries =
                [ "module", jint (int64 modules[k])
                  "kind", jstr l.Spec.TorchModule
                  "shape", jstr (String.Join("x", l.WeightShape))
                  "input", jstr (string l.InputShape)
                  "output", jstr (string l.OutputShape)
                  "bias", jbool (not (isNull l.Bias))
                  "spectral_norm", jnum s[0]
                  "frobenius_norm", jnum fro
                  "stable_rank", jnum (fro * fro / (s[0] * s[0])) ]
            let conv =
                match l with
                | :? GenBounds.Networks.Conv2dLayer as c ->
                    let n = GenBounds.Measures.ConvOperatorNorms.Compute(c, la)
                    [ "kernel_matrix", jstr (sprintf "%dx%d (spectral_norm and frobenius_norm above are of this reshaped kernel)" l.Rows l.FanIn)
                      "operator_spectral_norm_lower", jnum n.OperatorSpectral.Lower
                      "operator_spectral_norm_upper", jnum n.OperatorSpectral.Upper
                      "operator_frobenius_norm", jnum n.OperatorFrobenius
                      "circular_spectral_norm", jnum n.CircularSpectral ]
                | _ -> []
            layers.Add(obj (entries @ conv))
        let md = Text.Json.Nodes.JsonObject()
        let put (k: string) (v: string) = if not (isNull v) then md[k] <- jstr v
        put "dataset" meta.Dataset; put "dataset_hash" meta.DatasetHash; put "optimizer" meta.Optimizer; put "code_revision" meta.CodeRevision
        put "engine" meta.Engine; put "device" meta.Device; put "libtorch_version" meta.LibTorchVersion
        if meta.Seed.HasValue then md["seed"] <- jstr (string meta.Seed.Value)
        if meta.Epochs.HasValue then md["epochs"] <- jint (int64 meta.Epochs.Value)
        if meta.TrainAccuracy.HasValue then md["train_accuracy"] <- jnum meta.TrainAccuracy.Value
        if meta.TestAccuracy.HasValue then md["test_accuracy"] <- jnum meta.TestAccuracy.Value
        if meta.Created.HasValue then md["created"] <- jstr (meta.Created.Value.ToString("o"))
        for kv in meta.Extra do md[(kv.Key: string)] <- jstr kv.Value
        obj [ "command", jstr "info"
              "model", jstr (Path.GetFullPath path)
              "model_hash", jstr (net.ContentHash())
              "architecture", jstr (net.Architecture.ToString())
              "input_shape", jstr (string net.InputShape)
              "parameters", jint net.Architecture.ParameterCount
              "layers", layers
              "metadata", md ]
    | _ -> raise (UsageError "info takes at most one MODEL")
