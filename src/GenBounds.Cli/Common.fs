/// Pieces shared by the commands: data sets, BLAS threads, JSON output, errors.
module GenBounds.Cli.Common

open System
open System.IO
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Cli.Args

/// An error in a file or in the data that the user must fix (exit 1).
exception InputError of string

let repoRoot () =
    match GenBounds.Runtime.CodeRevision.RepositoryRoot() with
    | null -> Environment.CurrentDirectory
    | r -> r

let dataOptions =
    [ opt "data" "NAME" "data set: mnist or cifar10" (Some "mnist")
      opt "data-dir" "DIR" "folder with the data files (mnist: .cache/mnist, fetched by scripts/setup.sh)" None ]

let threadOption = opt "threads" "N" "BLAS threads (OpenBLAS) for MLPs; for convolutional nets, threads sharing the convolutions (BLAS then single-threaded; default: all processors)" None
let jsonFlag = flag "json" "print one JSON object on stdout instead of text"

/// Shape of one sample of the data set named by --data, known before the files are read (so that --arch errors come first).
let dataShape (p: Parsed) : GenBounds.Networks.TensorShape =
    match (p.Get "data").ToLowerInvariant() with
    | "mnist" -> GenBounds.Networks.TensorShape(1, Mnist.Side, Mnist.Side)
    | "cifar10" | "cifar-10" -> GenBounds.Networks.TensorShape(3, 32, 32)
    | other -> raise (UsageError(sprintf "unknown data set '%s' (expected mnist or cifar10)" other))

/// Parses an --arch value against the data's sample shape (exit 2 with the grammar on a bad string).
let parseArchitecture (p: Parsed) (text: string) (bias: bool) : GenBounds.Networks.NetworkArchitecture =
    try GenBounds.Networks.NetworkArchitecture.Parse(text, System.Nullable(dataShape p), bias)
    with :? FormatException as e -> raise (UsageError e.Message)

/// Loads the (train, test) pair named by --data/--data-dir.
let loadData (p: Parsed) : Dataset * Dataset =
    let name = (p.Get "data").ToLowerInvariant()
    try
        match name with
        | "mnist" ->
            let dir = p.TryGet "data-dir" |> Option.defaultWith (fun () -> Mnist.DefaultFolder(repoRoot ()))
            let struct (tr, te) = Mnist.Load dir
            tr, te
        | "cifar10" | "cifar-10" ->
            match p.TryGet "data-dir" with
            | Some dir ->
                let struct (tr, te) = Cifar10.Load dir
                tr, te
            | None -> raise (UsageError "--data cifar10 needs --data-dir pointing at a local copy of the CIFAR-10 binary batches (not downloadable here)")
        | other -> raise (UsageError(sprintf "unknown data set '%s' (expected mnist or cifar10)" other))
    with
    | :? FileNotFoundException as e -> raise (InputError e.Message)
    | :? DirectoryNotFoundException as e -> raise (InputError e.Message)
    | :? InvalidDataException as e -> raise (InputError e.Message)

/// Applies --threads (OpenBLAS only) and returns the provider.
let provider (p: Parsed) : ILinearAlgebraProvider =
    let la = LinearAlgebraProviders.Default
    match p.TryInt "threads" with
    | Some n when n < 1 -> raise (UsageError "--threads must be at least 1")
    | Some n -> NativeLinearAlgebraProvider.SetThreads n |> ignore
    | None -> ()
    la

/// Threads for a convolutional network: its convolutions share sample blocks among --threads workers (default: all
/// processors) while BLAS runs single-threaded, since two thread pools would compete for the cores. MLPs keep BLAS threads.
let convolutionWorkers (p: Parsed) (arch: GenBounds.Networks.NetworkArchitecture) =
    if arch.IsMlp then 1
    else
        let n = p.TryInt "threads" |> Option.defaultValue Environment.ProcessorCount
        NativeLinearAlgebraProvider.SetThreads 1 |> ignore
        max 1 n

let blasThreads () =
    let t = NativeLinearAlgebraProvider.Threads
    if t.HasValue then t.Value else 1

/// Serialises a JSON object (indented) to stdout.
let printJson (o: JsonObject) =
    Console.Out.WriteLine(o.ToJsonString(JsonSerializerOptions(WriteIndented = true, Encoder = Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping)))

let jnum (x: float) : JsonNode = if Double.IsFinite x then JsonValue.Create x :> JsonNode else JsonValue.Create(string x) :> JsonNode
let jstr (s: string) : JsonNode = JsonValue.Create s :> JsonNode
let jint (x: int64) : JsonNode = JsonValue.Create x :> JsonNode
let jbool (b: bool) : JsonNode = JsonValue.Create b :> JsonNode

let obj (pairs: (string * JsonNode) list) =
    let o = JsonObject()
    for (k, v) in pairs do o[k] <- v
    o

let pct (x: float) = sprintf "%.2f%%" (100.0 * x)
