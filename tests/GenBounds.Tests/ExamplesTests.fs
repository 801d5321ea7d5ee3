/// The example lemma scripts a theorist would write (examples/*.fsx) run as documented — under `dotnet fsi` and through
/// `genbounds verify --lemmas-file` — and give the verdicts they promise; a script that does not compile is reported
/// with its file and line, and nothing is written.
module GenBounds.Tests.ExamplesTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json.Nodes
open Xunit
open GenBounds.TestKit

let private root = Nets.repositoryRoot ()
let private scripts = Directory.GetFiles(Path.Combine(root, "examples"), "*.fsx") |> Array.filter (fun f -> Path.GetFileName f <> "references.fsx") |> Array.sort

/// A 784-64-10 trained for two epochs on 10,000 images (about 93% test accuracy).
let private model = lazy (Nets.load { Hidden = [ 64 ]; Bias = false; Seed = 4UL; Epochs = 2; Subset = 10000; BatchSize = 64; Optimizer = "adam" })

let private verdicts (folder: string) =
    let doc = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "report.json")))
    [ for r in doc["results"].AsArray() ->
        let statement = r["statement"].GetValue<string>()
        let mode = r["mode"].GetValue<string>()
        let label = r["verdict"].["label"].GetValue<string>()
        statement, mode, label,
        (match r["mutant_rejected"] with
         | null -> None
         | b -> Some(b.GetValue<bool>())) ]

/// Every original statement holds on the real network and every mutant is rejected there.
let private assertPromised (folder: string) =
    let rs = verdicts folder
    Assert.NotEmpty rs
    for id, mode, verdict, rejected in rs do
        if mode = "real network" then
            match rejected with
            | Some r -> Assert.True(r, sprintf "%s not rejected (%s)" id verdict)
            | None -> Assert.True((verdict = "held"), sprintf "%s: %s" id verdict)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``every example script runs under dotnet fsi and its statements hold while its mutants are rejected`` () =
    Assert.True(scripts.Length >= 3, "expected at least three example scripts")
    for script in scripts do
        let out = Path.Combine(Path.GetTempPath(), "genbounds-example-" + Guid.NewGuid().ToString("N"))
        try
            let psi = ProcessStartInfo("dotnet", WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true)
            for a in [ "fsi"; script; model.Force().Path; "--samples"; "300"; "--trials"; "100"; "--out"; out ] do psi.ArgumentList.Add a
            use p = Process.Start psi
            let err = p.StandardError.ReadToEndAsync()
            let stdout = p.StandardOutput.ReadToEnd()
            Assert.True(p.WaitForExit 300_000, script + " did not finish in 5 minutes")
            Assert.True((p.ExitCode = 0), sprintf "%s exited %d: %s %s" script p.ExitCode stdout err.Result)
            Assert.Contains("report:", stdout)
            assertPromised out
        finally
            if Directory.Exists out then Directory.Delete(out, true)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``verify --lemmas-file checks the script's papers with the same checker`` () =
    let out = Path.Combine(Path.GetTempPath(), "genbounds-lemmas-" + Guid.NewGuid().ToString("N"))
    try
        let script = scripts |> Array.find (fun s -> s.EndsWith "norm-inequality.fsx")
        let result =
            GenBounds.Cli.Verify.run (GenBounds.Cli.Args.parse GenBounds.Cli.Verify.spec [ model.Force().Path; "--lemmas-file"; script; "--samples"; "200"; "--out"; out; "--quiet" ])
        Assert.Equal("norms", result["papers"].GetValue<string>())
        assertPromised out
    finally
        if Directory.Exists out then Directory.Delete(out, true)

[<Fact>]
let ``a lemmas script that does not compile is reported with file and line, and nothing is written`` () =
    let dir = Path.Combine(Path.GetTempPath(), "genbounds-bad-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try
        let script = Path.Combine(dir, "bad.fsx")
        File.WriteAllText(script, "open GenBounds.Verification\nlet papers = [ notDefined ]\n")
        let ex = Assert.Throws<GenBounds.Cli.Common.InputError>(fun () -> GenBounds.Cli.LemmaScripts.load script |> ignore)
        Assert.Contains("bad.fsx(2,", ex.Data0)
        Assert.Contains("notDefined", ex.Data0)
        Assert.Empty(Directory.GetDirectories dir)
    finally
        Directory.Delete(dir, true)

/// The script shown in the README's "Check your own lemma" section (its first F# block).
let private readmeSnippet () =
    let lines = File.ReadAllLines(Path.Combine(root, "README.md"))
    let section = lines |> Array.findIndex (fun l -> l = "## Check your own lemma")
    let start = (lines |> Array.skip section |> Array.findIndex (fun l -> l = "```fsharp")) + section + 1
    let stop = (lines |> Array.skip start |> Array.findIndex (fun l -> l = "```")) + start
    String.Join("\n", lines.[start .. stop - 1])

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``the README's own-lemma script runs under verify --lemmas-file: its claim holds and its mutant is rejected`` () =
    let dir = Path.Combine(Path.GetTempPath(), "genbounds-readme-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    try
        let script = Path.Combine(dir, "mine.fsx")
        File.WriteAllText(script, readmeSnippet ())
        let out = Path.Combine(dir, "report")
        let result =
            GenBounds.Cli.Verify.run (GenBounds.Cli.Args.parse GenBounds.Cli.Verify.spec [ model.Force().Path; "--lemmas-file"; script; "--samples"; "200"; "--out"; out; "--quiet" ])
        Assert.Equal("mine", result["papers"].GetValue<string>())
        assertPromised out
    finally
        Directory.Delete(dir, true)
