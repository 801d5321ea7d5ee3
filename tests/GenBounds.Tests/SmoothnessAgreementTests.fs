/// `genbounds measure` and `genbounds verify` compute interlayer smoothness with one engine function
/// (GenBounds.Measures.NoiseStability): on the same net, samples, seed and draw count they report the same ρ_δ.
module GenBounds.Tests.SmoothnessAgreementTests

open System
open System.IO
open System.Text.Json.Nodes
open Xunit
open GenBounds.TestKit

let private run (spec: GenBounds.Cli.Args.CommandSpec) (command: GenBounds.Cli.Args.Parsed -> JsonObject) (argv: string list) =
    command (GenBounds.Cli.Args.parse spec argv)

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``measure and verify report the same certified and estimated rho_delta for the same net, samples, seed and draws`` () =
    let net = Nets.load { Hidden = [ 32; 16 ]; Bias = false; Seed = 7UL; Epochs = 1; Subset = 3000; BatchSize = 64; Optimizer = "adam" }
    let tmp = Path.Combine(Path.GetTempPath(), "genbounds-rho-" + Guid.NewGuid().ToString("N"))
    try
        let measured =
            run GenBounds.Cli.Measure.spec GenBounds.Cli.Measure.run
                [ net.Path; "--samples"; "300"; "--smoothness-draws"; "40"; "--seed"; "3"; "--psi-draws"; "0"; "--no-attenuation"; "--out"; Path.Combine(tmp, "m") ]
        let m = measured["interlayer_smoothness"].AsObject()
        run GenBounds.Cli.Verify.spec GenBounds.Cli.Verify.run
            [ net.Path; "--paper"; "arora2018"; "--lemmas"; "ARORA-D7"; "--samples"; "300"; "--trials"; "40"; "--seed"; "3"; "--out"; Path.Combine(tmp, "v") ]
        |> ignore
        let report = JsonNode.Parse(File.ReadAllText(Path.Combine(tmp, "v", "report.json")))
        let d7 =
            report["results"].AsArray()
            |> Seq.find (fun r -> r["statement"].GetValue<string>() = "ARORA-D7" && r["mode"].GetValue<string>() = "real network")
        let binding name = d7["bindings"].AsArray() |> Seq.find (fun b -> b["name"].GetValue<string>() = name) |> fun b -> b["value"].GetValue<float>()
        Assert.Equal(40L, m["draws"].GetValue<int64>())
        Assert.Equal(m["rho_delta_certified"].GetValue<float>(), binding "rho_delta (certified)")
        Assert.Equal(m["rho_delta_estimate"].GetValue<float>(), binding "rhohat_delta")
    finally
        if Directory.Exists tmp then Directory.Delete(tmp, true)

/// `verify --threads N` spreads the (statement, mode) checks over N workers that share one run cache; the report's
/// results (everything but their timings) and their order do not depend on N.
[<Fact>]
[<Trait("Category", "Mnist")>]
let ``verify reports the same results in the same order on one worker and on three`` () =
    let net = Nets.load { Hidden = [ 32; 16 ]; Bias = false; Seed = 7UL; Epochs = 1; Subset = 3000; BatchSize = 64; Optimizer = "adam" }
    let tmp = Path.Combine(Path.GetTempPath(), "genbounds-workers-" + Guid.NewGuid().ToString("N"))
    try
        let resultsOn (threads: int) =
            let out = Path.Combine(tmp, string threads)
            run GenBounds.Cli.Verify.spec GenBounds.Cli.Verify.run
                [ net.Path; "--paper"; "arora2018,guha2023"; "--lemmas"; "ARORA-D7,ARORA-L3,ARORA-L10,GUHA-L4.3,GUHA-D3.1,GUHA-LB.1"
                  "--samples"; "200"; "--trials"; "30"; "--seed"; "5"; "--threads"; string threads; "--quiet"; "--out"; out ]
            |> ignore
            let report = JsonNode.Parse(File.ReadAllText(Path.Combine(out, "report.json")))
            [ for r in report["results"].AsArray() ->
                let o = r.DeepClone().AsObject()
                o.Remove "seconds" |> ignore
                o.ToJsonString() ]
        let one, three = resultsOn 1, resultsOn 3
        Assert.True(one.Length >= 12, sprintf "%d results" one.Length)
        Assert.Equal<string list>(one, three)
    finally
        if Directory.Exists tmp then Directory.Delete(tmp, true)
