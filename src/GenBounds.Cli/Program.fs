/// Entry point of the `genbounds` command. Exit codes: 0 success, 1 bad input file or data, 2 bad arguments, 3 internal
/// error, 4 regressions against a baseline (`diff`, `verify --baseline`).
module GenBounds.Cli.Program

open System
open System.IO
open System.Text.Json.Nodes
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// Every command: its spec, what it does, and how its result reads as text: by default every fact of the JSON result,
/// one per line; commands whose result is a table (bounds, certify, prune, sketch, reproduce …) print the table instead,
/// and their full results are in the files they write and in --json.
let private commands: (CommandSpec * (Parsed -> JsonObject) * (JsonObject -> unit) option) list =
    [ Train.spec, Train.run, None
      Eval.evalSpec, Eval.runEval, None
      Eval.infoSpec, Eval.runInfo, None
      Convert.spec, Convert.run, None
      Measure.spec, Measure.run, None
      Verify.spec, Verify.command, None
      Diff.spec, Diff.run, None
      Prune.spec, Prune.run, Some Prune.show
      Sketch.spec, Sketch.run, Some Sketch.show
      SketchMc.spec, SketchMc.run, Some SketchMc.show
      Certify.spec, Certify.run, Some Certify.show
      Bounds.spec, Bounds.run, Some Bounds.show
      Sweep.spec, Sweep.run, None
      Reproduce.spec, Reproduce.run, Some Reproduce.show ]

let private mainUsage () =
    let lines = commands |> List.map (fun (s, _, _) -> sprintf "  %-10s %s" s.Name s.Summary)
    "usage: genbounds COMMAND [options]   (genbounds COMMAND --help for details)\ncommands:\n" + String.Join("\n", lines)

[<EntryPoint>]
let main argv =
    let argv = List.ofArray argv
    match argv with
    | [] | [ "--help" ] | [ "-h" ] | [ "help" ] ->
        printfn "%s" (mainUsage ())
        (if argv.IsEmpty then 2 else 0)
    | cmd :: rest ->
        match commands |> List.tryFind (fun (s, _, _) -> s.Name = cmd) with
        | None ->
            eprintfn "genbounds: unknown command '%s'\n%s" cmd (mainUsage ())
            2
        | Some (spec, run, show) ->
            if List.contains "--help" rest || List.contains "-h" rest then
                printf "%s" (usage spec)
                0
            else
                try
                    let parsed = parse spec rest
                    let result = run parsed
                    if parsed.Has "json" then printJson result else (defaultArg show printText) result
                    0
                with
                | Diff.Regressed result ->
                    if argv |> List.contains "--json" then printJson result else printText result
                    eprintfn "genbounds %s: regressions against the baseline (exit %d)" cmd GenBounds.Verification.ReportDiff.regressionExitCode
                    GenBounds.Verification.ReportDiff.regressionExitCode
                | UsageError msg ->
                    eprintfn "genbounds %s: %s\n\n%s" cmd msg (usage spec)
                    2
                | InputError msg ->
                    eprintfn "genbounds %s: %s" cmd msg
                    1
                | :? IO.IOException as e ->
                    eprintfn "genbounds %s: %s" cmd e.Message
                    1
                | :? UnauthorizedAccessException as e ->
                    eprintfn "genbounds %s: %s" cmd e.Message
                    1
                | :? InvalidDataException as e ->
                    eprintfn "genbounds %s: %s" cmd e.Message
                    1
                | GenBounds.Verification.Checker.ExperimentError msg ->
                    eprintfn "genbounds %s: internal error in an experiment (a defect of the verifier, not of your model): %s" cmd msg
                    3
                | e ->
                    eprintfn "genbounds %s: internal error: %s\n%s" cmd e.Message e.StackTrace
                    3
