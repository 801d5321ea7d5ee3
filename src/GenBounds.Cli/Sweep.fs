/// `genbounds sweep run|merge`: content-addressed, resumable, shardable sweeps (SLURM arrays, Kubernetes indexed jobs).
module GenBounds.Cli.Sweep

open System
open System.IO
open System.Diagnostics
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Sweeps
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// Every task a sweep spec may name. A new paper's sweep adds its ISweepTask here.
let tasks (p: Parsed) la : ISweepTask list =
    let mnist = p.TryGet "data-dir" |> Option.defaultWith (fun () -> GenBounds.Data.Mnist.DefaultFolder(repoRoot ()))
    // Trained networks of the Sulam tasks are cached by a content hash of everything that determines them.
    let models = p.TryGet "model-cache" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), ".cache", "sulam2023", "models"))
    [ Guha2023TableTask(mnist, la); SyntheticMlpTask(la); SulamBoundTask(mnist, models, la); SulamActivityTask(mnist, models, la) ]

let spec =
    { Name = "sweep"
      Summary = "run a sweep spec (grid of architectures, seeds, data sizes) shard by shard, or merge its results"
      Positionals = [ "ACTION", "run or merge"; "PATH", "run: the sweep spec (JSON); merge: the sweep folder" ]
      Options =
        [ opt "out" "DIR|FILE" "run: results folder (default runs/sweeps/NAME); merge: merged JSON file (default DIR/merged.json)" None
          opt "shard" "I/N" "compute only points with index = I mod N (default: SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX, else all)" None
          opt "shards" "N" "shard count when the index comes from SLURM_ARRAY_TASK_ID / JOB_COMPLETION_INDEX" None
          flag "allow-partial" "merge: write what exists instead of failing on missing points"
          opt "data-dir" "DIR" "MNIST folder for tasks that read MNIST (default .cache/mnist)" None
          opt "model-cache" "DIR" "where the Sulam tasks cache trained networks (default .cache/sulam2023/models)" None
          threadOption
          jsonFlag ] }

let private revision () = GenBounds.Runtime.CodeRevision.Current

let readSpec (path: string) =
    if not (File.Exists path) then raise (InputError(sprintf "sweep spec not found: %s" path))
    try SweepSpec.Parse(File.ReadAllText path, path)
    with :? InvalidDataException as e -> raise (InputError e.Message)

let shardOf (p: Parsed) =
    try Shard.Resolve(Option.toObj (p.TryGet "shard"), (match p.TryInt "shards" with Some n -> Nullable n | None -> Nullable()), Func<string, string>(Environment.GetEnvironmentVariable))
    with :? ArgumentException as e -> raise (UsageError e.Message)

/// Runs the shard of `sweep` into `folder`, logging to stderr unless quiet.
let runSweep (p: Parsed) (sweep: SweepSpec) (folder: string) (quiet: bool) =
    let la = provider p
    let runner = SweepRunner(tasks p la, revision ())
    (try runner.Task sweep.Task |> ignore with :? ArgumentException as e -> raise (InputError e.Message))
    let shard = shardOf p
    let summary = runner.Run(sweep, folder, shard, Action<string>(fun m -> if not quiet then eprintfn "sweep %s: %s" sweep.Name m))
    runner, summary

let private csvOf (merged: JsonObject) =
    let points = merged["points"].AsArray()
    let keys = Collections.Generic.List<string>()
    let add (k: string) = if not (keys.Contains k) then keys.Add k
    for pt in points do
        for kv in pt.["point"].["parameters"].AsObject() do add ("param." + kv.Key)
        for kv in pt.["result"].AsObject() do add (kv.Key)
    let cell (n: JsonNode) =
        match n with
        | null -> ""
        | n when n.GetValueKind() = JsonValueKind.String -> (let s = n.GetValue<string>() in if s.Contains ',' || s.Contains '"' then "\"" + s.Replace("\"", "\"\"") + "\"" else s)
        | n -> n.ToJsonString()
    let sb = StringBuilder()
    sb.AppendLine("index," + String.Join(",", keys)) |> ignore
    for pt in points do
        let get (k: string) = if k.StartsWith "param." then pt.["point"].["parameters"].[k.Substring(6)] else pt.["result"].[k]
        let cells = keys |> Seq.map (fun k -> cell (get k))
        sb.AppendLine(string (pt.["index"].GetValue<int>()) + "," + String.Join(",", cells)) |> ignore
    sb.ToString()

/// Merges the sweep in `folder`; writes merged.json and merged.csv (atomically) and returns the merged document.
let mergeSweep (p: Parsed) (folder: string) (outFile: string option) =
    let sweep = readSpec (Path.Combine(folder, "spec.json"))
    let runner = SweepRunner(tasks p (provider p), revision ())
    let merged =
        try runner.Merge(sweep, folder, p.Has "allow-partial")
        with :? InvalidDataException as e -> raise (InputError e.Message)
    let jsonFile = outFile |> Option.defaultWith (fun () -> Path.Combine(folder, "merged.json"))
    let csvFile = Path.ChangeExtension(jsonFile, ".csv")
    GenBounds.IO.AtomicFile.WriteAllBytes(jsonFile, UTF8Encoding(false).GetBytes(merged.ToJsonString(JsonSerializerOptions(WriteIndented = true))))
    GenBounds.IO.AtomicFile.WriteAllBytes(csvFile, UTF8Encoding(false).GetBytes(csvOf merged))
    sweep, merged, jsonFile, csvFile

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    match p.Positionals with
    | [ "run"; specPath ] ->
        let sweep = readSpec specPath
        let folder = p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine(repoRoot (), "runs", "sweeps", sweep.Name))
        let _, s = runSweep p sweep folder (p.Has "json")
        obj [ "command", jstr "sweep run"; "sweep", jstr sweep.Name; "points", jint (int64 sweep.Count)
              "shard", jstr (sprintf "%d/%d" s.Shard.Index s.Shard.Count); "computed", jint (int64 s.Computed); "reused", jint (int64 s.Reused)
              "folder", jstr s.Folder; "code_revision", jstr (revision ()); "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    | [ "merge"; folder ] ->
        let sweep, merged, jsonFile, csvFile = mergeSweep p folder (p.TryGet "out")
        obj [ "command", jstr "sweep merge"; "sweep", jstr sweep.Name; "points", jint (int64 sweep.Count)
              "merged", jint (int64 (merged["points"].AsArray().Count)); "missing", merged["missing"].DeepClone()
              "json", jstr (Path.GetFullPath jsonFile); "csv", jstr (Path.GetFullPath csvFile); "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    | [ a; _ ] -> raise (UsageError(sprintf "unknown sweep action '%s' (expected run or merge)" a))
    | _ -> raise (UsageError "sweep needs an ACTION (run or merge) and a PATH")

let show (o: JsonObject) =
    for kv in o do
        match kv.Value with
        | null -> ()
        | v when v.GetValueKind() = JsonValueKind.String -> printfn "%-14s %s" (kv.Key + ":") (v.GetValue<string>())
        | v -> printfn "%-14s %s" (kv.Key + ":") (v.ToJsonString())
