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

/// The paper checkers this build can run. A paper's catalog module provides a `PaperChecker` value and is listed here.
let papers: PaperChecker list =
    [ { Id = "guha2023"
        Title = "Guha, Dubey, Huo (2023): Generalization bounds for magnitude-based pruning via sparse matrix sketching"
        Statements = GenBounds.Proofs.Guha2023.statements @ GenBounds.Proofs.Guha2023.mutants
        Check =
          fun ctx progress ->
              let g =
                  { Guha.defaults ctx.Network ctx.Train (Some ctx.Test) ctx.LinearAlgebra with
                      MasterSeed = ctx.Seeds.Master
                      Trials = ctx.Trials }
              // Only the selected statements (and their mutants) are run, not just reported.
              let selected = Registry.selects ctx.Lemmas
              let items =
                  [ for s in GenBounds.Proofs.Guha2023.statements @ GenBounds.Proofs.Guha2023.mutants do
                      if selected s.Id then
                          for m in [ CheckMode.Synthetic; CheckMode.RealNetwork ] -> s, m ]
              items
              |> List.mapi (fun i (s, m) ->
                  progress s.Id i items.Length
                  Guha.check g s m) }
      // Arora et al. (2018): the compression framework and algorithms (§2, §4, App. A) and noise stability on the
      // network (§3-4, App. B), one paper with two experiment modules.
      { Id = "arora2018"
        Title = "Arora, Ge, Neyshabur, Zhang (2018): Stronger generalization bounds for deep nets via a compression approach"
        Statements = AroraCompression.statements @ AroraNoiseStability.statements
        Check =
          fun ctx progress ->
              // One progress count over both modules (each runs its selected statements in both modes).
              let count (ss: GenBounds.Symbolic.Statement list) = 2 * (ss |> List.filter (fun s -> Registry.selects ctx.Lemmas s.Id) |> List.length)
              let n1 = count AroraCompression.statements
              let total = n1 + count AroraNoiseStability.statements
              let first = AroraCompression.checkSelected ctx (fun id i _ -> progress id i total)
              first @ AroraNoiseStability.checkSelected ctx (fun id i _ -> progress id (n1 + i) total) } ]

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
          opt "out" "DIR" "report folder (default reports/MODEL-NAME)" None
          opt "js" "DIR" "folder with vega.min.js, vega-lite.min.js, vega-embed.min.js (default .cache/js)" None ]
        @ dataOptions @ [ threadOption; jsonFlag ] }

let private positive (p: Parsed) name =
    match p.TryInt name with
    | Some n when n < 1 -> raise (UsageError(sprintf "--%s must be at least 1, got %d" name n))
    | n -> n

/// Runs the checkers of the selected papers and writes the report; returns the JSON summary.
let runWith (registered: PaperChecker list) (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let started = DateTimeOffset.Now
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "verify needs a MODEL file")
    let trials = positive p "trials" |> Option.get
    let samples = positive p "samples"
    let seed = p.UInt64 "seed"
    let net, meta = Eval.loadModel path
    let paperIds = p.TryGet "paper" |> Option.map Registry.parseIds |> Option.defaultValue []

    let selected =
        match Registry.resolvePapers registered paperIds with
        | Ok ps -> ps
        | Error msg -> raise (UsageError msg)

    let lemmas =
        match Registry.resolveLemmas selected (p.TryGet "lemmas" |> Option.map Registry.parseIds |> Option.defaultValue []) with
        | Ok ls -> ls
        | Error msg -> raise (UsageError msg)

    // The scripts are checked before any long computation, so a missing set-up step fails in a second, not after it.
    let scripts =
        try
            ReportWriter.loadVegaScripts (p.TryGet "js")
        with :? FileNotFoundException as e ->
            raise (InputError e.Message)

    let la = provider p
    let train0, test = loadData p

    if train0.Dimension <> net.Architecture.InputSize then
        raise (InputError(sprintf "model expects %d inputs but %s has dimension %d" net.Architecture.InputSize train0.Name train0.Dimension))

    let streams = SeedStreams seed

    let train =
        match samples with
        | Some n when n > train0.Count -> raise (UsageError(sprintf "--samples must be in 1..%d" train0.Count))
        | Some n -> train0.Subset(n, streams.Stream(SeedStreams.Names.Data + "/subset"))
        | None -> train0

    let ctx =
        { Network = net
          ModelPath = Path.GetFullPath path
          // Only a file GenBounds wrote (it records the code revision) draws its initialisation from this seed.
          ModelSeed = (if String.IsNullOrEmpty meta.CodeRevision then None else Option.ofNullable meta.Seed)
          Train = train
          Test = test
          LinearAlgebra = la
          Trials = trials
          Seeds = streams
          Lemmas = lemmas }

    let bar = Progress.Bar("verify", Progress.Bar.Enabled && not (p.Has "json"))
    let statements, results = Registry.run selected ctx (fun id doneCount total -> bar.Update(doneCount, total, id))
    bar.Finish()

    let report =
        { Context =
            { ModelPath = ctx.ModelPath
              ModelHash = net.ContentHash()
              Architecture = net.Architecture.ToString()
              DataName = train.Name
              DataHash = train.ContentHash()
              CodeRevision = GenBounds.Runtime.CodeRevision.Current
              MasterSeed = seed
              Blas = la.Name
              BlasThreads = blasThreads ()
              Trials = trials
              Started = started
              Papers = selected |> List.map (fun pc -> pc.Id) }
          Statements = statements
          Results = results
          Seconds = sw.Elapsed.TotalSeconds }

    let out =
        p.TryGet "out" |> Option.defaultWith (fun () -> Path.Combine("reports", Path.GetFileNameWithoutExtension path))

    let paths = ReportWriter.write scripts report out
    let summary = ReportWriter.summarize report

    obj [ "command", jstr "verify"
          "model", jstr ctx.ModelPath
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

/// `genbounds verify` with the papers registered in this build.
let run (p: Parsed) = runWith papers p

/// Text output: report paths, verdict counts and mutants.
let show (o: Text.Json.Nodes.JsonObject) =
    for k in [ "model"; "papers"; "statements"; "results" ] do
        printfn "%-18s %s" (k + ":") (o[k].ToJsonString().Trim('"'))

    match o["verdicts"] with
    | :? Text.Json.Nodes.JsonObject as v ->
        for kv in v do
            printfn "  %-16s %s" (kv.Key + ":") (kv.Value.ToJsonString())
    | _ -> ()

    printfn "%-18s %s/%s" "mutants rejected:" (o["mutants_rejected"].ToJsonString()) (o["mutants"].ToJsonString())

    for k in [ "report_md"; "report_html"; "wall_seconds" ] do
        printfn "%-18s %s" (k + ":") (o[k].ToJsonString().Trim('"'))
