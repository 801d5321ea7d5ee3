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

let threadOption = opt "threads" "N" "BLAS threads (OpenBLAS)" None
let jsonFlag = flag "json" "print one JSON object on stdout instead of text (the same facts)"
let quietFlag = flag "quiet" "no progress on stderr"

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

/// The text form of a command's result: every fact of the JSON object, one per line, nested objects indented, lists of
/// numbers inline (long ones shortened, with a pointer to --json), lists of objects one item per line. Strings are
/// printed as they are (no JSON escapes), so the text and the JSON carry the same facts.
let printText (o: JsonObject) =
    let scalar (v: JsonNode) =
        match v with
        | null -> "null"
        | :? JsonValue as jv ->
            match jv.GetValueKind() with
            | JsonValueKind.String -> jv.GetValue<string>()
            | JsonValueKind.Number ->
                let x = Double.Parse(jv.ToJsonString(), Globalization.CultureInfo.InvariantCulture)
                if Math.Round x = x && abs x < 1e15 then x.ToString("0", Globalization.CultureInfo.InvariantCulture)
                else x.ToString("G6", Globalization.CultureInfo.InvariantCulture)
            | JsonValueKind.True -> "true"
            | JsonValueKind.False -> "false"
            | _ -> jv.ToJsonString()
        | other -> other.ToJsonString()
    let isScalar (v: JsonNode) = isNull v || v :? JsonValue
    let rec write (indent: string) (node: JsonObject) =
        for kv in node do
            match kv.Value with
            | :? JsonObject as child ->
                Console.Out.WriteLine(sprintf "%s%s:" indent kv.Key)
                write (indent + "  ") child
            | :? JsonArray as a when a |> Seq.forall isScalar ->
                let items = a |> Seq.map scalar |> List.ofSeq
                let shown = if items.Length > 12 then (List.take 12 items) @ [ sprintf "... (%d values; see --json)" items.Length ] else items
                Console.Out.WriteLine(sprintf "%s%-20s %s" indent (kv.Key + ":") (String.Join(", ", shown)))
            | :? JsonArray as a ->
                Console.Out.WriteLine(sprintf "%s%s:" indent kv.Key)
                for item in a do
                    match item with
                    | :? JsonObject as io when io |> Seq.forall (fun p -> isScalar p.Value) ->
                        Console.Out.WriteLine(sprintf "%s  - %s" indent (String.Join(", ", io |> Seq.map (fun p -> p.Key + " " + scalar p.Value))))
                    | :? JsonObject as io ->
                        Console.Out.WriteLine(sprintf "%s  -" indent)
                        write (indent + "    ") io
                    | other -> Console.Out.WriteLine(sprintf "%s  - %s" indent (scalar other))
            | v -> Console.Out.WriteLine(sprintf "%s%-20s %s" indent (kv.Key + ":") (scalar v))
    write "" o

/// Fails (exit 1) before any work when `path` cannot be written: its folder is created if missing and a probe file is
/// written and deleted there, so a bad --out is reported in a second, not after minutes of work.
let ensureWritable (what: string) (path: string) =
    let full = Path.GetFullPath path
    let folder = match Path.GetDirectoryName full with null -> full | d -> d
    try
        Directory.CreateDirectory folder |> ignore
        let probe = Path.Combine(folder, sprintf ".genbounds-write-probe-%s" (Guid.NewGuid().ToString("N")))
        File.WriteAllBytes(probe, [||])
        File.Delete probe
    with e ->
        raise (InputError(sprintf "%s '%s' cannot be written (%s)" what path e.Message))
