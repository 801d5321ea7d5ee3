/// `verify --lemmas-file SCRIPT.fsx`: compiles a theorist's F# script at run time (FSharp.Compiler.Service, an
/// in-process F# Interactive session that sees GenBounds' own assemblies) and takes the papers it defines. The script
/// defines `papers : Paper list` (or `paper : Paper`); code it guards with `#if !GENBOUNDS_HOST` (its `#r` lines, the
/// `main` call) runs only under `dotnet fsi`. A script that does not compile is reported with file, line and message.
module GenBounds.Cli.LemmaScripts

open System
open System.IO
open FSharp.Compiler.Interactive.Shell
open FSharp.Compiler.Diagnostics
open GenBounds.Verification
open GenBounds.Cli.Common

let private describe (d: FSharpDiagnostic) =
    sprintf "%s(%d,%d): %s FS%04d: %s" d.Range.FileName d.Range.StartLine (d.Range.StartColumn + 1) (if d.Severity = FSharpDiagnosticSeverity.Error then "error" else "warning") d.ErrorNumber d.Message

/// The papers the script defines; an InputError (exit 1, nothing written) when it cannot be compiled or defines none.
let load (path: string) : Paper list =
    if not (File.Exists path) then raise (InputError(sprintf "lemmas file not found: %s" path))
    let full = Path.GetFullPath path
    // Every GenBounds assembly this process uses, so the script's Statement and Paper are this process's types.
    let references =
        [ typeof<GenBounds.Symbolic.Statement>.Assembly; typeof<Paper>.Assembly; typeof<GenBounds.Networks.Mlp>.Assembly
          Reflection.Assembly.Load "GenBounds.Proofs"; typeof<MathNet.Numerics.Distributions.Normal>.Assembly ]
        |> List.map (fun a -> "-r:" + a.Location)
    let argv = Array.append [| "fsi.exe"; "--noninteractive"; "--quiet"; "--nologo"; "--define:GENBOUNDS_HOST" |] (Array.ofList references)
    let config = FsiEvaluationSession.GetDefaultConfiguration()
    use input = new StringReader("")
    use output = new StringWriter()
    use errors = new StringWriter()
    let previous = Environment.GetEnvironmentVariable "GENBOUNDS_HOST"
    Environment.SetEnvironmentVariable("GENBOUNDS_HOST", "1")
    try
        use session = FsiEvaluationSession.Create(config, argv, input, output, errors, collectible = false)
        let result, diagnostics = session.EvalScriptNonThrowing full
        let errorsOf (ds: FSharpDiagnostic[]) = ds |> Array.filter (fun d -> d.Severity = FSharpDiagnosticSeverity.Error) |> Array.map describe
        match result, errorsOf diagnostics with
        | _, errs when errs.Length > 0 -> raise (InputError(sprintf "%s does not compile:\n%s" path (String.Join("\n", errs))))
        | Choice2Of2 e, _ -> raise (InputError(sprintf "%s failed while running: %s" path e.Message))
        | Choice1Of2(), _ ->
            let problems = ResizeArray<string>()
            let value (name: string) =
                match session.EvalExpressionNonThrowing name with
                | Choice1Of2(Some v), _ -> Some v.ReflectionValue
                | Choice2Of2 e, ds -> problems.Add(sprintf "%s: %s %s" name e.Message (String.Join("; ", ds |> Array.map describe))); None
                | _, ds -> problems.Add(sprintf "%s: no value %s" name (String.Join("; ", ds |> Array.map describe))); None
            // A script's top-level values live in a module named after the file (capitalised), as with #load.
            let stem = Path.GetFileNameWithoutExtension full
            let qualified (name: string) = sprintf "``%s``.%s" (string (Char.ToUpperInvariant stem.[0]) + stem.Substring 1) name
            match value (qualified "papers"), value (qualified "paper") with
            | Some(:? (Paper list) as ps), _ when not ps.IsEmpty -> ps
            | _, Some(:? Paper as p) -> [ p ]
            | _ ->
                raise (InputError(sprintf "%s defines no `papers : Paper list` (or `paper : Paper`) at its top level (%s)" path (String.Join("; ", problems))))
    finally
        Environment.SetEnvironmentVariable("GENBOUNDS_HOST", previous)
