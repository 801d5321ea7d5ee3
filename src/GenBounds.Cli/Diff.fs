/// `genbounds diff OLD NEW`: what changed between two verification reports, with a non-zero exit when something
/// regressed (so a user can gate CI on it).
module GenBounds.Cli.Diff

open System
open System.IO
open System.Text.Json.Nodes
open GenBounds.Verification
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "diff"
      Summary = sprintf "compare two verification reports (folders or report.json); exit %d when something regressed" ReportDiff.regressionExitCode
      Positionals = [ "OLD", "the baseline report folder or report.json"; "NEW", "the new report folder or report.json" ]
      Options =
        [ opt "tolerance" "R" "relative change of a bound value, constant or median slack reported as drift" (Some "0.05")
          opt "markdown" "FILE" "also write the changes as a Markdown section to FILE" None
          jsonFlag; quietFlag ] }

/// Raised (after printing) when the diff found regressions: the program exits with ReportDiff.regressionExitCode.
exception Regressed of JsonObject

let private tolerance (p: Parsed) =
    let t = p.Float "tolerance"
    if t < 0.0 then raise (UsageError "--tolerance must be non-negative")
    t

let private load (path: string) =
    try ReportDiff.load path with
    | :? FileNotFoundException as e -> raise (InputError e.Message)
    | :? InvalidDataException as e -> raise (InputError e.Message)

/// The changes between two reports as the command's result.
let changes (tol: float) (oldPath: string) (newPath: string) =
    let before = load oldPath
    let after = load newPath
    let entries doc = try ReportDiff.entries doc with :? InvalidDataException as e -> raise (InputError e.Message)
    ReportDiff.compare tol (entries before) (entries after)

/// The JSON result of a diff (changes, regression count, text lines).
let result (oldPath: string) (newPath: string) (cs: ReportChange list) =
    let o = ReportDiff.toJson cs
    o["command"] <- JsonValue.Create "diff"
    o["old"] <- JsonValue.Create(Path.GetFullPath oldPath)
    o["new"] <- JsonValue.Create(Path.GetFullPath newPath)
    let lines = JsonArray()
    for c in cs do lines.Add(JsonValue.Create(ReportDiff.describe c))
    o["summary"] <- lines
    o

let run (p: Parsed) =
    let oldPath, newPath = match p.Positionals with [ a; b ] -> a, b | _ -> raise (UsageError "diff needs OLD and NEW reports")
    let tol = tolerance p
    p.TryGet "markdown" |> Option.iter (ensureWritable "--markdown")
    let cs = changes tol oldPath newPath
    p.TryGet "markdown" |> Option.iter (fun f -> GenBounds.IO.AtomicFile.WriteAllBytes(f, Text.UTF8Encoding(false).GetBytes(ReportDiff.toMarkdown cs)))
    let o = result oldPath newPath cs
    if cs |> List.exists ReportDiff.isRegression then raise (Regressed o)
    o
