/// The CLI's contract for bad input, fuzzed: a random argument vector (commands, every option of every command, with and
/// without values, junk values, missing and odd paths) exits 0, 1, 2 or 4 with a message — never 3, the code of an
/// internal error. Each vector runs the real `genbounds` in its own process (options such as --threads change
/// process-wide state), in an empty folder with GENBOUNDS_MNIST pointing nowhere, so no vector can start real work.
module GenBounds.Tests.CliFuzzTests

open System
open System.Diagnostics
open System.IO
open FsCheck
open FsCheck.FSharp
open GenBounds.Cli
open Xunit

let private specs =
    [ Train.spec; Eval.evalSpec; Eval.infoSpec; Convert.spec; Measure.spec; Verify.spec; Diff.spec; Prune.spec; Sketch.spec
      SketchMc.spec; Certify.spec; Bounds.spec; Sweep.spec; Reproduce.spec ]

/// Commands that start real work from no input file at all (sketch-mc's synthetic Monte Carlo) get a missing input
/// appended, so that every vector ends at validation; their options are still parsed and validated first. `convert`
/// needs none: no vector names an existing model file (the only existing paths are folders, /dev/null and /proc).
let private withMissingInput (argv: string list) =
    match argv with
    | "sketch-mc" :: _ -> argv @ [ "--model"; "/nonexistent/genbounds-fuzz.safetensors" ]
    | _ -> argv

let private optionNames = specs |> List.collect (fun s -> s.Options |> List.map (fun o -> o.Name)) |> List.distinct

/// Values that have broken parsers before or plausibly could: empty, signs, overflow, non-finite, malformed lists and
/// architectures, unknown names, and paths that are missing, directories or unwritable.
let private values =
    [ ""; "0"; "1"; "-1"; "2"; "3"; "abc"; "1e309"; "NaN"; "-0"; "0.5"; "1.5"; "99999999999999999999"; "-5e3"; "0x10"
      "784"; "784-100-10"; "784-0-10"; "784--10"; "10-10"; "a-b"; "784-100-10-"; "adam"; "sgd"; "ADAM"; "mnist"; "cifar10"; "svhn"
      "guha2023"; "arora2018"; "nope"; "ARORA-T2.1"; "GUHA-L4.2~mutant-constant"; "1,2"; ",,"; "network-work=2e12"
      "spectral-draws=-3"; "foo=1"; "holdout="; "="; "x=1=2"; "/nonexistent/m.safetensors"; "missing.json"; "."; "/"; "/proc/foo"
      "/proc/foo/bar.json"; "/dev/null"; "-"; "--"; "-h"; "é"; "a b"; "\t"; "torch"; "genbounds"; "cpu"; "cuda"; "cuda:7"; "lenet5"
      "m.pt"; "m.dat"; "/nonexistent/m.pt"; "out.safetensors" ]

let private token : Gen<string> =
    Gen.frequency
        [ 5, Gen.elements optionNames |> Gen.map (fun n -> "--" + n)
          2, Gen.map2 (fun n v -> sprintf "--%s=%s" n v) (Gen.elements optionNames) (Gen.elements values)
          1, Gen.elements [ "--bogus"; "--"; "---trials"; "--Trials"; "--json=1"; "--quiet=no" ]
          5, Gen.elements values
          1, ArbMap.defaults |> ArbMap.generate<string> |> Gen.map (fun s -> if isNull s then "" else s) ]

let private argv : Gen<string list> =
    gen {
        let! command =
            Gen.frequency
                [ 8, Gen.elements (specs |> List.map (fun s -> s.Name))
                  1, Gen.elements [ "TRAIN"; "verify2"; ""; "-"; "--json"; "help"; "--help" ] ]
        let! n = Gen.choose (0, 7)
        let! rest = Gen.listOfLength n token
        return withMissingInput (command :: rest)
    }

let private cli = Path.Combine(AppContext.BaseDirectory, "genbounds.dll")

/// Runs genbounds with the arguments; (exit code, stderr). A run that outlives the timeout did real work, which the
/// set-up rules out: it is reported as such.
let private runCli (args: string list) (cwd: string) =
    let psi = ProcessStartInfo("dotnet", WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true)
    psi.ArgumentList.Add cli
    for a in args do psi.ArgumentList.Add a
    psi.Environment["GENBOUNDS_MNIST"] <- Path.Combine(cwd, "no-mnist-here")
    psi.Environment["OPENBLAS_NUM_THREADS"] <- "1"
    use p = Process.Start psi
    let err = p.StandardError.ReadToEndAsync()
    p.StandardOutput.ReadToEnd() |> ignore
    if not (p.WaitForExit 120_000) then
        p.Kill true
        -1, "timed out: the vector started real work"
    else p.ExitCode, err.Result

[<Fact>]
let ``random argument vectors never exit with an internal error`` () =
    let prop =
        Prop.forAll (Arb.fromGen argv) (fun args ->
          let cwd = Path.Combine(Path.GetTempPath(), "genbounds-fuzz-" + Guid.NewGuid().ToString("N"))
          Directory.CreateDirectory cwd |> ignore
          try
              let code, err = runCli args cwd
              (code <> 3 && code >= 0)
              |> Prop.label (sprintf "genbounds %s exited %d: %s" (String.Join(" ", args |> List.map (sprintf "%A"))) code err)
          finally
              Directory.Delete(cwd, true))
    // The seed is printed on failure. 60 vectors cost about a minute of process start-ups; GENBOUNDS_FUZZ_CASES=N
    // fuzzes deeper.
    let cases = match Int32.TryParse(Environment.GetEnvironmentVariable "GENBOUNDS_FUZZ_CASES") with | true, n when n > 0 -> n | _ -> 60
    Check.One(Config.QuickThrowOnFailure.WithMaxTest(cases), prop)
