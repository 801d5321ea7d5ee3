module GenBounds.Tests.ReportTests

open System
open System.Diagnostics
open System.IO
open System.Text.Json
open System.Text.RegularExpressions
open Xunit
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification

// ------------------------------------------------------------------ a hand-built report

let private hostile = "<script>alert('x')</script> & \"quoted\""

let private derived =
    { Statement.create
        "TEST-D.1"
        "Derived margin bound"
        (Statement.cite "Test paper" "§2")
        [ Provenance.Derived; Provenance.Unverified ]
        ("A derived statement whose note tries to break out of HTML: " + hostile)
        (Conclusion.Deterministic(sym "gamma" <=. sym "B" * sym "normW")) with
        Notes = [ hostile ] }

let private pending =
    { Statement.create
        "TEST-P.1"
        "Sketch recovery"
        (Statement.cite "Test paper" "§5")
        [ Provenance.PaperIssue ]
        "Needs the sketch-recovery LP."
        (Conclusion.Deterministic(sym "err" <=. sym "eps")) with
        Checkability = Checkability.NotYetCheckable "needs the sketch-recovery LP" }

let private mutant =
    SymbolicStatementTests.perLayer
    |> Statement.mutate "constant" "C replaced by C/10" (Relation.substitute "C" (sym "C" / 10))

let private statements = [ SymbolicStatementTests.perLayer; SymbolicStatementTests.latala; derived; pending; mutant ]

let private witness =
    { Seed = 18446744073709551557UL
      Trial = Some 17
      Layer = Some 1
      Sample = Some 42
      Lhs = 3.5
      Rhs = 2.25
      Description = "spectral norm exceeded " + hostile }

let private gaussians seed n =
    let rng = GenBounds.Random.Rng(seed)
    Array.init n (fun _ -> rng.NextGaussian()) |> Array.sort

let private qq = Figure.QQ("Q-Q of layer 1 weights", gaussians 1UL 300, gaussians 2UL 300 |> Array.map (fun x -> 1.1 * x))

let private histogram =
    Figure.Histogram("Row loads </script>", "max row load", Array.append (gaussians 3UL 500 |> Array.map (fun x -> 20.0 + 3.0 * x)) [| nan |], [ "balls-in-bins bound", 31.0; "mean", 20.0 ])

let private lines =
    Figure.Lines("Failure rate vs eta", "eta", "failure rate", [ "synthetic", [| for i in 1..10 -> float i, 1.0 / float i |]; "real network", [| for i in 1..10 -> float i, 0.5 / float i |] ])

let private table =
    Figure.Table("Table 1 analogue </script>", [ "layer"; "effective"; "actual" ], [ [ "1"; "1644.87"; "1728" ]; [ "2"; "5052.15"; "262144" ] ])

let private cp = { Lower = 0.0012; Upper = 0.0093; Confidence = 0.95; Method = "Clopper–Pearson" }

let private baseResult id mode verdict =
    { StatementId = id
      Mode = mode
      Verdict = verdict
      MutantRejected = None
      Trials = 1000
      Failures = Some 4
      Interval = Some cp
      Delta = Some 0.05
      Slack = Some { Count = 1000; Min = 1.02; Q01 = 1.1; Q10 = 1.5; Median = 2.0; Q90 = 3.0; Q99 = 4.0; Max = infinity; Mean = 2.2 }
      Constant = None
      Bindings = [ "d", 3.0; "h_l", 100.0 ]
      Seed = 1234567UL
      Layer = Some 1
      Notes = [ "note on " + id ]
      Figures = []
      Settings = []
      Caps = []
      OutOfScope = 0
      Seconds = 0.25 }

let private results =
    [ { baseResult "GUHA-L4.2" CheckMode.Synthetic Verdict.Held with Figures = [ qq ] }
      { baseResult "GUHA-L4.2" CheckMode.RealNetwork (Verdict.Violated witness) with Figures = [ histogram ] }
      { baseResult "GUHA-LB.1" CheckMode.Synthetic (Verdict.Inconclusive "the interval straddles delta") with
          Constant =
            Some
                { Name = "C"
                  Value = 0.71
                  Interval = Some { cp with Lower = 0.6; Upper = 0.8; Method = "bootstrap" }
                  ByDimension = [ "h=100", 0.62; "h=400", 0.71 ]
                  Grows = Some false
                  Suspicious = false }
          Figures = [ lines; table ] }
      baseResult "GUHA-LB.1" CheckMode.RealNetwork (Verdict.HypothesisNotMet("weights i.i.d. Gaussian", Some true))
      { baseResult "TEST-D.1" CheckMode.RealNetwork (Verdict.Vacuous "bound >= 1 on a 0/1 loss") with Slack = None; Failures = None }
      { baseResult "TEST-D.1" CheckMode.Synthetic (Verdict.Measured "holds by construction") with Slack = None }
      { baseResult "TEST-P.1" CheckMode.Synthetic (Verdict.NotCheckable "needs the sketch-recovery LP") with Interval = None; Delta = None; Trials = 0 }
      { baseResult mutant.Id CheckMode.Synthetic (Verdict.Violated { witness with Trial = Some 3 }) with MutantRejected = Some true }
      { baseResult "GUHA-L4.2~mutant-no-gaussian" CheckMode.Synthetic Verdict.Held with MutantRejected = Some false } ]

let private report =
    { Context =
        { ModelPath = "/models/mnist-784-100-10.safetensors"
          ModelHash = "abc123"
          Architecture = "784-100-10/nobias"
          DataName = "mnist-train[subset 1000]"
          DataHash = "def456"
          CodeRevision = "0123abcd"
          MasterSeed = 1UL
          Blas = "OpenBLAS (SkylakeX kernels, 2 threads)"
          BlasThreads = 1
          Trials = 1000
          Limits = [ "spectral-draws", 30.0 ]
          TestHash = "789abc"
          ModelSeed = Some 1UL
          Started = DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero)
          Papers = [ "guha2023" ] }
      Statements = statements
      Results = results
      Seconds = 12.5 }

// Tables are HTML tables, not Vega charts.
let private figureCount =
    results |> List.sumBy (fun r -> r.Figures |> List.filter (function Figure.Table _ -> false | _ -> true) |> List.length)

let private scripts = lazy (ReportWriter.loadVegaScripts None)

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "genbounds-report-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

/// Removes the inlined <script> bodies, leaving the markup around them.
let private markupOnly (page: string) =
    Regex.Replace(page, "<script>.*?</script>", "<script></script>", RegexOptions.Singleline)

// ------------------------------------------------------------------ JSON, Markdown, HTML

[<Fact>]
let ``report.json lists every statement and every result with N, interval and seed`` () =
    use doc = JsonDocument.Parse(ReportJson.toJsonText report)
    let root = doc.RootElement
    Assert.Equal("guha2023", root.GetProperty("context").GetProperty("papers").[0].GetString())
    Assert.Equal("1", root.GetProperty("context").GetProperty("master_seed").GetString())
    let stmts = root.GetProperty("statements").EnumerateArray() |> Seq.toList
    Assert.Equal(statements.Length, stmts.Length)
    Assert.Equal(Statement.toLatex SymbolicStatementTests.perLayer, stmts[0].GetProperty("latex").GetString())
    Assert.Equal("RECON", stmts.[0].GetProperty("provenance").[0].GetString())
    Assert.False(stmts[3].GetProperty("checkable").GetBoolean())
    let rs = root.GetProperty("results").EnumerateArray() |> Seq.toList
    Assert.Equal(results.Length, rs.Length)

    for (r, j) in List.zip results rs do
        Assert.Equal(r.StatementId, j.GetProperty("statement").GetString())
        Assert.Equal(r.Trials, j.GetProperty("trials").GetInt32())
        Assert.Equal(string r.Seed, j.GetProperty("seed").GetString())
        Assert.Equal(r.Verdict.Label, j.GetProperty("verdict").GetProperty("label").GetString())

        match r.Interval with
        | Some i -> Assert.Equal(i.Upper, j.GetProperty("interval").GetProperty("upper").GetDouble())
        | None -> Assert.Equal(JsonValueKind.Null, j.GetProperty("interval").ValueKind)

    let w = rs[1].GetProperty("verdict").GetProperty("witness")
    Assert.Equal("18446744073709551557", w.GetProperty("seed").GetString())
    Assert.Equal(42, w.GetProperty("sample").GetInt32())
    Assert.Equal(3.5, w.GetProperty("lhs").GetDouble())
    Assert.Equal("Infinity", rs[0].GetProperty("slack").GetProperty("max").GetString())
    Assert.Equal(0.71, rs[2].GetProperty("constant").GetProperty("value").GetDouble())
    Assert.True(rs[3].GetProperty("verdict").GetProperty("conclusion_held_anyway").GetBoolean())
    Assert.Equal("NaN", rs.[1].GetProperty("figures").[0].GetProperty("values").[500].GetString())

    let summary = root.GetProperty("summary")
    let verdicts = summary.GetProperty("verdicts")

    for label in ReportFormat.verdictLabels do
        Assert.Equal(1, verdicts.GetProperty(label).GetInt32())

    Assert.Equal(1, summary.GetProperty("mutants").GetProperty("rejected").GetInt32())
    Assert.Equal(2, summary.GetProperty("mutants").GetProperty("total").GetInt32())

[<Fact>]
let ``report.md shows LaTeX, provenance flags, the summary table and replay seeds`` () =
    let md = ReportMarkdown.toMarkdown report

    for s in statements do
        Assert.Contains("$$\n" + Statement.toFormulaLatex s + "\n$$", md)
        Assert.Contains("## " + s.Id + " — " + s.Name, md)

    Assert.Contains("`RECON` **reconstructed**", md)
    Assert.Contains("`DERIVED` **derived**", md)
    Assert.Contains("`UNVERIFIED` **unverified**", md)
    Assert.Contains("| [GUHA-L4-2](#s-GUHA-L4-2) | Per-layer pruning error | claim | held | violated |".Replace("[GUHA-L4-2]", "[GUHA-L4.2]"), md)
    Assert.Contains("| [TEST-P.1](#s-TEST-P-1) | Sketch recovery | claim | not yet checkable | — |", md)
    Assert.Contains("trial 17, layer 1, sample 42: LHS = 3.5, RHS = 2.25", md)
    Assert.Contains("replay seed 18446744073709551557", md)
    Assert.Contains("[0.0012, 0.0093] (95% Clopper–Pearson)", md)
    Assert.Contains("mutants rejected: 1/2", md)
    Assert.Contains("  | layer | effective | actual |\n  |---|---|---|\n  | 1 | 1644.87 | 1728 |\n  | 2 | 5052.15 | 262144 |", md)
    Assert.Contains("mutant **NOT rejected**", md)
    // Findings come first: the violated statement with its witness, hypothesis not met, vacuous bound, surviving mutant.
    let findings = md.Substring(md.IndexOf "## Findings", md.IndexOf "## Summary" - md.IndexOf "## Findings")
    Assert.Contains("**violated** [GUHA-L4.2](#s-GUHA-L4-2) (real network)", findings)
    Assert.Contains("**hypothesis not met** [GUHA-LB.1](#s-GUHA-LB-1) (real network): weights i.i.d. Gaussian; the conclusion held anyway", findings)
    Assert.Contains("**vacuous bound** [TEST-D.1]", findings)
    Assert.Contains("**mutant not rejected** [GUHA-L4.2~mutant-no-gaussian]", findings)
    Assert.True(md.IndexOf "## Findings" < md.IndexOf "## Statements" && md.IndexOf "## Statements" < md.IndexOf "## Mutants")
    // the unlisted mutant's result goes with its base statement
    Assert.Contains("**GUHA-L4.2~mutant-no-gaussian** — synthetic: **held**", md)

[<Fact>]
let ``report.html inlines the Vega scripts, renders formulas as MathML, escapes text and references nothing online`` () =
    let page = ReportHtml.toHtml scripts.Value report
    Assert.StartsWith("<!DOCTYPE html>", page)
    Assert.Contains(scripts.Value.Vega, page)
    Assert.Contains(scripts.Value.VegaLite, page)
    Assert.Contains(scripts.Value.VegaEmbed, page)
    Assert.Equal(statements.Length, Regex.Matches(page, "<math display=\"block\"").Count)
    // The findings, then statements, then mutants: a rejected mutant is a green "rejected", a surviving one red.
    Assert.True(page.IndexOf "id=\"findings\"" < page.IndexOf "<h2>Statements</h2>" && page.IndexOf "<h2>Statements</h2>" < page.IndexOf "<h2>Mutants</h2>")
    Assert.Contains("<span class=\"verdict v-held\">rejected</span>", page)
    Assert.Contains("<span class=\"verdict v-violated\">NOT rejected</span>", page)
    // The BLAS row names the threads once.
    Assert.DoesNotMatch("threads\\) \\(\\d+ threads", page)

    for i in 0 .. figureCount - 1 do
        Assert.Contains(sprintf "<div class=\"figure\" id=\"figure-%d\"></div>" i, page)

    for label in ReportFormat.verdictLabels do
        Assert.Contains(sprintf "class=\"verdict v-%s\"" (label.Replace(' ', '-')), page)

    let markup = markupOnly page
    Assert.DoesNotMatch("<script[^>]*\\ssrc\\s*=", markup)
    Assert.DoesNotMatch("<link", markup)
    Assert.DoesNotMatch("(src|href)\\s*=\\s*[\"']?(https?:)?//", markup)
    Assert.DoesNotContain("<script>alert", page)
    Assert.Contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;", page)
    // every "</script>" closes one of the four script elements; the figure title's "</script>" is escaped in JSON
    Assert.Equal(4, Regex.Matches(page, "</script>", RegexOptions.IgnoreCase).Count)
    Assert.Contains("reconstructed", page)

[<Fact>]
let ``every figure kind becomes a layered Vega-Lite spec without non-finite values`` () =
    let qqSpec = ReportVega.vegaLiteSpec qq
    Assert.Equal(2, qqSpec["layer"].AsArray().Count)
    Assert.Equal("line", qqSpec.["layer"].[1].["mark"].["type"].GetValue<string>())
    let h = ReportVega.vegaLiteSpec histogram
    Assert.Contains("1 non-finite values omitted", h.["title"].GetValue<string>())
    let bars = h.["layer"].[0].["data"].["values"].AsArray()
    Assert.Equal(500, bars |> Seq.sumBy (fun b -> b.["count"].GetValue<int>()))
    Assert.Equal(2, h.["layer"].[1].["data"].["values"].AsArray().Count)
    let l = ReportVega.vegaLiteSpec lines
    Assert.Equal(20, l.["layer"].[0].["data"].["values"].AsArray().Count)
    Assert.Equal("series", l.["layer"].[0].["encoding"].["color"].["field"].GetValue<string>())
    // integer x (layers, steps) gets integer ticks
    Assert.Equal(1, l.["layer"].[0].["encoding"].["x"].["axis"].["tickMinStep"].GetValue<int>())

// ------------------------------------------------------------------ atomic folder writes

let private entries (dir: string) =
    Directory.GetFileSystemEntries dir |> Array.map Path.GetFileName |> Array.sort |> List.ofArray

[<Fact>]
let ``a report folder is written and replaced atomically, and a failed write changes nothing`` () =
    let root = tempDir ()

    try
        let target = Path.Combine(root, "report")
        let paths = ReportWriter.write scripts.Value report target
        Assert.Equal<string list>([ "report" ], entries root)
        Assert.Equal<string list>([ "report.html"; "report.json"; "report.md" ], entries target)
        Assert.True(File.Exists paths.Html)

        let second = { report with Seconds = 99.0 }
        ReportWriter.write scripts.Value second target |> ignore
        Assert.Equal<string list>([ "report" ], entries root)
        let before = File.ReadAllText paths.Json
        Assert.Contains("\"seconds\": 99", before)

        let failing: (string * (Stream -> unit)) list =
            [ "report.json", (fun s -> s.Write([| 1uy; 2uy |], 0, 2))
              "report.md", (fun _ -> raise (InvalidOperationException "disk full")) ]

        let e = Assert.Throws<InvalidOperationException>(fun () -> ReportWriter.writeFolderAtomically target failing)
        Assert.Equal("disk full", e.Message)
        Assert.Equal<string list>([ "report" ], entries root)
        Assert.Equal(before, File.ReadAllText paths.Json)

        let fresh = Path.Combine(root, "fresh")
        Assert.Throws<InvalidOperationException>(fun () -> ReportWriter.writeFolderAtomically fresh failing) |> ignore
        Assert.Equal<string list>([ "report" ], entries root)
    finally
        Directory.Delete(root, true)

[<Fact>]
let ``missing Vega scripts fail with the set-up command`` () =
    let root = tempDir ()

    try
        let e = Assert.Throws<FileNotFoundException>(fun () -> ReportWriter.loadVegaScripts (Some root) |> ignore)
        Assert.Contains("vega.min.js", e.Message)
        Assert.Contains("bash scripts/setup.sh", e.Message)
    finally
        Directory.Delete(root, true)

// ------------------------------------------------------------------ papers: selection and runs

/// A test paper whose experiment binds x from its own stream: the registration is all a paper needs.
let private paper: Paper =
    let exp =
        Experiment.create [ "x" ] (fun lab run ->
            Evidence.ofInstances [ Evidence.instance (Bindings.ofScalars [ "x", 0.5 ]) (run.Stream(lab, "only")).Seed "one" ])
    { Id = "test2025"
      Title = "A test paper"
      Lemmas = [ Lemma.create { derived with Conclusion = Conclusion.Deterministic(Operators.sym "x" <=. Operators.num 1) } [] exp; Lemma.notYet pending ] }

[<Fact>]
let ``papers and lemmas are resolved by id and a run checks only what was selected, in both modes`` () =
    Assert.Equal(Ok [ "test2025" ], Paper.resolve [ paper ] [ "TEST2025" ] |> Result.map (List.map (fun p -> p.Id)))
    Assert.Equal(Ok [ "test2025" ], Paper.resolve [ paper ] [] |> Result.map (List.map (fun p -> p.Id)))

    match Paper.resolve [ paper ] [ "guha2023" ] with
    | Error msg -> Assert.Equal("unknown paper 'guha2023' (registered: test2025)", msg)
    | Ok _ -> failwith "an unknown paper was accepted"

    match Paper.resolve [] [] with
    | Error msg -> Assert.Contains("no papers are registered", msg)
    | Ok _ -> failwith "an empty registry was accepted"

    match Paper.resolveLemmas [ paper ] [ "TEST-X.9" ] with
    | Error msg -> Assert.StartsWith("unknown lemma 'TEST-X.9' (not a statement of test2025", msg)
    | Ok _ -> failwith "an unknown lemma was accepted"

    let lemmas =
        match Paper.resolveLemmas [ paper ] [ "test-d.1~mutant-anything" ] with
        | Ok ls -> ls
        | Error msg -> failwith msg

    Assert.Equal<Set<string>>(set [ "TEST-D.1" ], lemmas)
    let lab =
        Lab.create (GenBounds.Networks.Mlp(GenBounds.Networks.MlpArchitecture([| 2; 2 |], false))) None
            (GenBounds.Data.Dataset("tiny", [| 0f; 1f; 1f; 0f |], [| 0; 1 |], 2, 2)) (GenBounds.Data.Dataset("tiny-test", [| 0f; 1f |], [| 0 |], 2, 2))
            GenBounds.LinearAlgebra.LinearAlgebraProviders.Default 5UL (Budget.create 7)
    let seen = ResizeArray()
    let stmts, rs = Paper.run lab [ paper ] lemmas (fun id i n -> seen.Add(sprintf "%s %d/%d" id i n))
    Assert.Equal<string list>([ "TEST-D.1" ], stmts |> List.map (fun s -> s.Id))
    Assert.Equal<string list>([ "TEST-D.1"; "TEST-D.1" ], rs |> List.map (fun r -> r.StatementId))
    Assert.Equal<string list>([ "synthetic"; "real network" ], rs |> List.map (fun r -> r.Mode.Label))
    Assert.All(rs, fun r -> Assert.Equal(Verdict.Held, r.Verdict))
    Assert.Equal<string list>([ "TEST-D.1 0/2"; "TEST-D.1 1/2" ], List.ofSeq seen)
    // The result's seed is its own stream's; the instance drew from "verify/test2025/TEST-D.1/<mode>/only".
    Assert.Equal((lab.Seeds.Stream "verify/test2025/TEST-D.1/synthetic").Seed, rs.Head.Seed)

/// Six lemmas whose experiments all read one cached value (slowly, so that both workers ask for it at once) and bind
/// x = 1/i; `fail` makes lemma 4's real-network check throw.
let private sharingPaper (computed: int ref) (fail: bool) : Paper =
    let lemma i =
        let exp =
            Experiment.create [ "x" ] (fun lab run ->
                let shared =
                    Lab.memo lab "slow shared value" (fun () ->
                        Threading.Interlocked.Increment &computed.contents |> ignore
                        Threading.Thread.Sleep 200
                        0.5)
                if fail && i = 4 && run.Mode = CheckMode.RealNetwork then invalidOp "check 4 failed on purpose"
                Evidence.ofInstances [ Evidence.instance (Bindings.ofScalars [ "x", shared / float i ]) (run.Stream(lab, "only")).Seed "one" ])
        Lemma.create { derived with Id = sprintf "TEST-D.%d" i; Conclusion = Conclusion.Deterministic(sym "x" <=. num 1 / num 5) } [] exp
    { Id = "test2026"; Title = "A paper of shared work"; Lemmas = [ for i in 1..6 -> lemma i ] }

let private tinyLab () =
    Lab.create (GenBounds.Networks.Mlp(GenBounds.Networks.MlpArchitecture([| 2; 2 |], false))) None
        (GenBounds.Data.Dataset("tiny", [| 0f; 1f; 1f; 0f |], [| 0; 1 |], 2, 2)) (GenBounds.Data.Dataset("tiny-test", [| 0f; 1f |], [| 0 |], 2, 2))
        GenBounds.LinearAlgebra.LinearAlgebraProviders.Default 5UL (Budget.create 7)

[<Fact>]
let ``checks on two workers give one worker's results in its order and compute a shared value once`` () =
    let once, twice = ref 0, ref 0
    let stmts1, one = Paper.runOn 1 (tinyLab ()) [ sharingPaper once false ] Set.empty (fun _ _ _ -> ())
    let progress = Collections.Concurrent.ConcurrentBag<int * int>()
    let stmts2, two = Paper.runOn 2 (tinyLab ()) [ sharingPaper twice false ] Set.empty (fun _ finished total -> progress.Add(finished, total))
    Assert.Equal<string list>(stmts1 |> List.map (fun s -> s.Id), stmts2 |> List.map (fun s -> s.Id))
    Assert.Equal(12, two.Length)
    for a, b in List.zip one two do
        Assert.True(GenBounds.TestKit.Verdicts.sameResult a b, sprintf "%s (%s) differs between one and two workers" a.StatementId a.Mode.Label)
    // x = 0.5/i exceeds 1/5 for i ≤ 2 only: the results differ by lemma, so a shuffled order would show.
    Assert.Equal<string list>([ for i in 1..6 do for _ in 1..2 -> sprintf "TEST-D.%d" i ], two |> List.map (fun r -> r.StatementId))
    Assert.Equal(1, once.Value)
    Assert.Equal(1, twice.Value)
    Assert.Equal(12, progress.Count)
    Assert.All(progress, fun (finished, total) -> Assert.InRange(finished, 0, 11); Assert.Equal(12, total))

[<Fact>]
let ``a check that throws on one of two workers stops the run with its own exception`` () =
    let e = Assert.Throws<InvalidOperationException>(fun () -> Paper.runOn 2 (tinyLab ()) [ sharingPaper (ref 0) true ] Set.empty (fun _ _ _ -> ()) |> ignore)
    Assert.Equal("check 4 failed on purpose", e.Message)
    Assert.Throws<ArgumentException>(fun () -> Paper.runOn 0 (tinyLab ()) [ sharingPaper (ref 0) false ] Set.empty (fun _ _ _ -> ()) |> ignore) |> ignore

// ------------------------------------------------------------------ headless Chromium

let private chromiumPath = "/usr/bin/chromium"

let private runChromium (profile: string) (args: string list) =
    let psi = ProcessStartInfo(chromiumPath)

    for a in
        [ "--headless"; "--no-sandbox"; "--disable-gpu"; "--disable-quic"; "--no-first-run"
          "--disable-background-networking"; "--disable-component-update"; "--disable-sync"
          "--user-data-dir=" + profile; "--virtual-time-budget=5000"; "--window-size=1200,2000" ]
        @ args do
        psi.ArgumentList.Add a

    psi.RedirectStandardOutput <- true
    psi.RedirectStandardError <- true
    use p = Process.Start psi
    let stderr = p.StandardError.ReadToEndAsync()
    let stdout = p.StandardOutput.ReadToEnd()

    if not (p.WaitForExit 60000) then
        p.Kill true
        failwith "chromium did not finish within 60 s"

    Assert.True(p.ExitCode = 0, sprintf "chromium exited with %d: %s" p.ExitCode stderr.Result)
    stdout

[<Fact>]
let ``headless Chromium renders every figure and formula of report.html offline`` () =
    Assert.True(
        File.Exists chromiumPath,
        "chromium is not installed (needed for the report rendering test): run GENBOUNDS_SETUP_CHROMIUM=1 bash scripts/setup.sh"
    )

    // Kept next to the test assembly (bin/, git-ignored) so that the screenshot can be looked at after a run.
    let outDir = Path.Combine(AppContext.BaseDirectory, "report-screenshot")
    let paths = ReportWriter.write scripts.Value report outDir
    let url = Uri(paths.Html).AbsoluteUri
    let profile = tempDir ()

    try
        let dom = runChromium profile [ "--dump-dom"; url ]
        Assert.Equal(figureCount, Regex.Matches(dom, "<svg[^>]*class=\"marks\"").Count)
        Assert.Contains("<caption>Table 1 analogue &lt;/script&gt;</caption>", dom)
        Assert.Contains("<td>262144</td>", dom)
        Assert.DoesNotMatch("class=\"[^\"]*figure-error", dom)
        // Every formula box (plus one glyph per variable) renders; no box is wider than its content allows, and no
        // <mtext> piece keeps a boundary space that MathML would collapse (the page records both on <body>).
        Assert.Contains(sprintf "data-formula-boxes=\"%d\"" statements.Length, dom)
        Assert.Contains("data-formula-overflow=\"\"", dom)
        Assert.Contains("data-mtext-bare-spaces=\"0\"", dom)

        let png = Path.Combine(outDir, "..", "report-screenshot.png") |> Path.GetFullPath
        if File.Exists png then File.Delete png
        runChromium profile [ "--screenshot=" + png; url ] |> ignore
        let bytes = File.ReadAllBytes png
        Assert.Equal<byte[]>([| 0x89uy; 0x50uy; 0x4Euy; 0x47uy |], bytes[0..3])
        let be (i: int) = (int bytes[i] <<< 24) ||| (int bytes[i + 1] <<< 16) ||| (int bytes[i + 2] <<< 8) ||| int bytes[i + 3]
        Assert.Equal(1200, be 16)
        // a blank page of this size compresses to a few kilobytes; text, formulas and charts do not
        Assert.True(bytes.Length > 60_000, sprintf "the screenshot is suspiciously small (%d bytes)" bytes.Length)
    finally
        Directory.Delete(profile, true)
