/// `genbounds verify`: check the lemmas of registered papers on a trained model and write a report folder.
module GenBounds.Cli.Verify

open System
open System.IO
open System.Diagnostics
open GenBounds.Data
open GenBounds.Random
open GenBounds.Verification
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// Checks run side by side on this many workers, each with single-threaded BLAS (two thread pools on the same cores
/// slow each other down). BLAS is single-threaded whatever the count, so the results do not depend on it.
let private checkThreads =
    opt "threads" "N" "checks run side by side on N workers, BLAS single-threaded (the results do not depend on N; default: all processors)" None

let spec =
    { Name = "verify"
      Summary = "check the lemmas of a paper on a trained model; write report.json, report.md and report.html"
      Positionals = [ "MODEL", "a .safetensors model (GenBounds or a PyTorch nn.Sequential of Linear/ReLU)" ]
      Options =
        [ opt "paper" "IDS" "comma list of papers to check (default: every registered paper)" None
          opt "lemmas" "IDS" "comma list of statement ids to check (default: all of the papers')" None
          opt "trials" "N" "trials per probabilistic claim" (Some "1000")
          opt "seed" "N" "master seed (each check replays from its own named stream)" (Some "1")
          opt "samples" "N" "check on a seeded random subset of N training samples (default: all)" None
          opt "limits" "NAME=V,..." (sprintf "trial-budget limits, e.g. network-work=2e12,spectral-draws=100 (known: %s)" (String.Join(", ", Budget.specs |> List.map (fun l -> sprintf "%s=%g" l.Name l.Default)))) None
          opt "lemmas-file" "SCRIPT" "an F# script defining `papers : Paper list` (see examples/ and the README); its papers are checked (with --paper also registered ones)" None
          opt "out" "DIR" "report folder (default reports/MODEL-NAME)" None
          opt "baseline" "REPORT" (sprintf "compare with an earlier report (folder or report.json) like `genbounds diff`; exit %d when something regressed" ReportDiff.regressionExitCode) None
          opt "js" "DIR" "folder with vega.min.js, vega-lite.min.js, vega-embed.min.js (default .cache/js)" None ]
        @ dataOptions @ [ checkThreads; jsonFlag; quietFlag ] }

/// A comma list of ids ("a, b,c" → ["a"; "b"; "c"]).
let private parseIds (ids: string) =
    ids.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> List.ofArray

let private positive (p: Parsed) name =
    match p.TryInt name with
    | Some n when n < 1 -> raise (UsageError(sprintf "--%s must be at least 1, got %d" name n))
    | n -> n

/// The trial budget of `--trials` and `--limits name=value,...`.
let budgetOf (p: Parsed) =
    let trials = positive p "trials" |> Option.get
    let pairs = p.TryGet "limits" |> Option.map (fun s -> s.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> List.ofArray) |> Option.defaultValue []
    pairs
    |> List.fold (fun (b: Budget) (pair: string) ->
        match pair.Split('=') with
        | [| name; value |] ->
            match Double.TryParse(value, Globalization.NumberStyles.Float, Globalization.CultureInfo.InvariantCulture) with
            | true, v ->
                match Budget.withLimit name v b with
                | Ok b -> b
                | Error msg -> raise (UsageError msg)
            | _ -> raise (UsageError(sprintf "--limits: '%s' is not a number" value))
        | _ -> raise (UsageError(sprintf "--limits: expected NAME=VALUE, got '%s'" pair))) (Budget.create trials)

/// Runs the selected papers' lemmas on the model and writes the report; returns the JSON summary.
let runWith (registered: Paper list) (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let started = DateTimeOffset.Now
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "verify needs a MODEL file")
    let budget = budgetOf p
    let samples = positive p "samples"
    let workers =
        match positive p "threads" with
        | Some n -> n
        | None -> Environment.ProcessorCount
    let seed = p.UInt64 "seed"
    let paperIds = p.TryGet "paper" |> Option.map parseIds |> Option.defaultValue []

    // A lemmas script is compiled first: a script that does not compile stops the run before anything is written.
    let scripted = p.TryGet "lemmas-file" |> Option.map LemmaScripts.load |> Option.defaultValue []
    let selected =
        match Paper.resolve (registered @ scripted) paperIds with
        | Ok _ when paperIds.IsEmpty && not scripted.IsEmpty -> scripted
        | Ok ps -> ps
        | Error msg -> raise (UsageError msg)

    let lemmas =
        match Paper.resolveLemmas selected (p.TryGet "lemmas" |> Option.map parseIds |> Option.defaultValue []) with
        | Ok ls -> ls
        | Error msg -> raise (UsageError msg)

    // The scripts are checked before any long computation, so a missing set-up step fails in a second, not after it.
    let scripts =
        try
            ReportWriter.loadVegaScripts (p.TryGet "js")
        with :? FileNotFoundException as e ->
            raise (InputError e.Message)

    let out =
        p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine("reports", Path.GetFileNameWithoutExtension path))
    // The report is written to a temporary folder beside `out` and renamed: that folder must be writable.
    ensureWritable "--out" out
    // A baseline that cannot be read fails now, not after the run.
    let baseline = p.TryGet "baseline" |> Option.map (fun b -> b, (try ReportDiff.entries (ReportDiff.load b) with :? IOException | :? InvalidDataException as e -> raise (InputError e.Message)))
    let net, meta = Eval.loadModel path
    let la = GenBounds.LinearAlgebra.LinearAlgebraProviders.Default
    let train0, test = loadData p

    if train0.Dimension <> net.Architecture.InputSize then
        raise (InputError(sprintf "model expects %d inputs but %s has dimension %d" net.Architecture.InputSize train0.Name train0.Dimension))

    let streams = SeedStreams seed

    let train =
        match samples with
        | Some n when n > train0.Count -> raise (UsageError(sprintf "--samples must be in 1..%d" train0.Count))
        | Some n -> train0.Subset(n, streams.Stream(SeedStreams.Names.Data + "/subset"))
        | None -> train0

    // Only a file GenBounds wrote (it records the code revision) draws its initialisation from this seed.
    let modelSeed = if String.IsNullOrEmpty meta.CodeRevision then None else Option.ofNullable meta.Seed
    let lab = Lab.create net modelSeed train test la seed budget

    let bar = Progress.Bar("verify", Progress.modeFor (p.Has "quiet"))
    let statements, results = Paper.runOn workers lab selected lemmas (fun id doneCount total -> bar.Update(doneCount, total, id))
    bar.Finish()

    let report = Workbench.report lab path selected statements results started sw.Elapsed.TotalSeconds

    let paths = ReportWriter.write scripts report out
    let summary = ReportFormat.summarize report

    let result =
        obj [ "command", jstr "verify"
              "model", jstr report.Context.ModelPath
              "model_hash", jstr report.Context.ModelHash
              "papers", jstr (String.Join(",", report.Context.Papers))
              "statements", jint (int64 summary.Statements)
              "results", jint (int64 summary.Results)
              "verdicts", obj (summary.Verdicts |> List.map (fun (l, n) -> l, jint (int64 n)))
              "mutants_rejected", jint (int64 summary.MutantsRejected)
              "mutants", jint (int64 summary.Mutants)
              "report", jstr paths.Folder
              "report_json", jstr paths.Json
              "report_md", jstr paths.Markdown
              "report_html", jstr paths.Html
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    match baseline with
    | None -> result
    | Some(basePath, before) ->
        let cs = ReportDiff.compare 0.05 before (ReportDiff.entries (ReportDiff.load paths.Json))
        result["baseline"] <- Diff.result basePath paths.Json cs
        if cs |> List.exists ReportDiff.isRegression then raise (Diff.Regressed result)
        result

/// `genbounds verify` with every registered paper.
let run (p: Parsed) = runWith Papers.all p

/// The `genbounds verify` command: BLAS made single-threaded once, for the whole process, before any work (the checks
/// run side by side instead, see --threads). In-process callers (tests) keep their own BLAS setting: changing a
/// process-wide thread count while other work runs would make that work's results depend on timing.
let command (p: Parsed) =
    GenBounds.LinearAlgebra.NativeLinearAlgebraProvider.SetThreads 1 |> ignore
    run p
