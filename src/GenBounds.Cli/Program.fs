/// Entry point of the `genbounds` command. Exit codes: 0 success, 1 bad input file or data, 2 bad arguments, 3 internal error.
module GenBounds.Cli.Program

open System
open System.IO
open System.Text.Json.Nodes
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let private commands: (CommandSpec * (Parsed -> JsonObject) * (JsonObject -> unit)) list =
    let text (keys: string list) (o: JsonObject) =
        for k in keys do
            match o[k] with
            | null -> ()
            | v -> printfn "%-16s %s" (k + ":") (v.ToJsonString().Trim('"'))
    [ Train.spec, Train.run, text [ "model"; "architecture"; "parameters"; "train_accuracy"; "test_accuracy"; "epoch_seconds"; "wall_seconds" ]
      Eval.evalSpec, Eval.runEval, text [ "model"; "architecture"; "train_accuracy"; "test_accuracy"; "train_loss"; "test_loss"; "min_train_margin"; "wall_seconds" ]
      Eval.infoSpec, Eval.runInfo, (fun o -> printJson o)
      Convert.spec, Convert.run, text [ "input"; "input_format"; "output"; "output_format"; "architecture"; "model_hash" ]
      Measure.spec, Measure.run, text [ "model"; "samples"; "jacobians"; "activation_contraction"; "min_margin"; "interlayer_smoothness_rho"; "theorem_4_1_proxy"; "out"; "wall_seconds" ]
      Verify.spec, Verify.run, Verify.show ]

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
                    if parsed.Has "json" then printJson result else show result
                    0
                with
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
                | e ->
                    eprintfn "genbounds %s: internal error: %s\n%s" cmd e.Message e.StackTrace
                    3
