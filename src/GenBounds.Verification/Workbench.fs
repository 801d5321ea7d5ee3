/// The one module a theorist opens to check their own inequalities with GenBounds' checker and reports:
///
///   1. state the claim (`claim`, with `Statement`'s builders: variables, hypotheses, `Statement.mutate` for mutants);
///   2. bind its symbols to measurements in an experiment (`experiment`, with the helpers `perLayer`, `perSample`,
///      `trials`, the engine's measures and any code of your own);
///   3. register it (`lemma`, `paper`) and run it: `main fsi.CommandLineArgs [ myPaper ]` from a script
///      (`dotnet fsi my.fsx MODEL`), `genbounds verify MODEL --lemmas-file my.fsx`, or `check` + `write` from code.
///
/// The verdicts, intervals, replay seeds, mutant rejections and the report are exactly those of `genbounds verify`.
module GenBounds.Verification.Workbench

open System
open System.Diagnostics
open System.IO
open GenBounds.Data
open GenBounds.IO
open GenBounds.LinearAlgebra
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Symbolic

// ---------------------------------------------------------------- stating

/// A claim of your own: id (e.g. "MY-L1"), a short name, one informal sentence, and the conclusion
/// (e.g. `Conclusion.Deterministic(sym "a" <=. sym "b")`). Add variables, hypotheses and notes with `{ c with … }`.
let claim (id: string) (name: string) (informal: string) (conclusion: Conclusion) : Statement =
    Statement.create id name (Statement.cite "user" "user-defined") [ Provenance.Derived ] informal conclusion

/// A scalar variable with its meaning and domain (`Domain.nonNegative`, `Domain.probability`, …).
let variable (name: string) (description: string) (domain: Domain) = Statement.var name description domain

// ---------------------------------------------------------------- experiments

/// An experiment that binds the named symbols: `observe lab run` returns the evidence (see `perLayer`, `perSample`,
/// `trials` and `Evidence`). Draw randomness only from `run.Stream(lab, name)` so that every witness replays.
let experiment (binds: string list) (observe: Lab -> Run -> Evidence) : Experiment = Experiment.create binds observe

/// Weight layer l (1-based) in the run's probability space, as a float64 rows×cols row-major array with its shape: the
/// trained weights (real network), or i.i.d. N(0, Ψ_l) of the same shape and variance drawn from the run's own stream
/// (synthetic, the usual random model).
let weights (lab: Lab) (run: Run) (l: int) : float[] * int * int =
    let layer = lab.Network.Layers.[l - 1]
    Array.map float (Experiments.weightsFor lab run.Mode (l - 1) (run.Stream(lab, sprintf "layer-%d" l))), layer.Out, layer.In

/// One instance per weight layer l = 1..L: `bind l w rows cols` binds the symbols for layer l's weights in the run's
/// probability space (see `weights`).
let perLayer (lab: Lab) (run: Run) (bind: int -> float[] -> int -> int -> (string * float) list) : Evidence =
    let seed = run.Stream(lab, "").Seed
    Evidence.ofInstances
        [ for l in 1 .. lab.Network.Layers.Length ->
            let w, rows, cols = weights lab run l
            { Evidence.instance (Bindings.ofScalars (bind l w rows cols)) seed (sprintf "layer %d" l) with Layer = Some l } ]

/// One instance per sample i of a data set (the lab's Train or Test): `bind i` binds the symbols.
let perSample (lab: Lab) (run: Run) (data: Dataset) (bind: int -> (string * float) list) : Evidence =
    let seed = run.Stream(lab, "").Seed
    Evidence.ofInstances [ for i in 0 .. data.Count - 1 -> { Evidence.instance (Bindings.ofScalars (bind i)) seed data.Name with Sample = Some i } ]

/// N = the budget's trials, trial t drawing from its own named stream: `bind rng` binds the symbols of one trial.
let trials (lab: Lab) (run: Run) (bind: Rng -> (string * float) list) : Evidence =
    Evidence.ofInstances
        [ for t in 0 .. lab.Budget.Trials - 1 ->
            let rng = run.Stream(lab, sprintf "trial-%d" t)
            { Evidence.instance (Bindings.ofScalars (bind rng)) rng.Seed "" with Trial = Some t } ]

/// f(x) (n×k, float64) of the lab's network on a data set.
let logits (lab: Lab) (data: Dataset) =
    GenBounds.Measures.Outputs.Logits(GenBounds.Measures.DoubleMlp lab.Network, ReadOnlySpan data.Features, data.Count, lab.LinearAlgebra)

/// The margins f(x)[y] − max_{j≠y} f(x)[j] of the lab's network on a data set.
let margins (lab: Lab) (data: Dataset) =
    GenBounds.Measures.Outputs.Margins(ReadOnlySpan(logits lab data), ReadOnlySpan data.Labels, lab.Network.Architecture.OutputSize)

/// ‖A‖₂ of a rows×cols row-major matrix: a certified Lanczos bracket (lower, upper), relative width ≤ 1%.
let spectralNorm (lab: Lab) (a: float[]) (rows: int) (cols: int) =
    let b = SpectralNorm.Bound(lab.LinearAlgebra, ReadOnlySpan a, rows, cols, 1UL)
    b.Lower, b.Upper

/// ‖A‖_F.
let frobeniusNorm (a: float[]) = sqrt (Array.sumBy (fun x -> x * x) a)

// ---------------------------------------------------------------- registering and running

/// A lemma: the statement, its mutants (each false on purpose unless marked `Statement.diagnostic`) and the experiment.
let lemma (statement: Statement) (mutants: Statement list) (exp: Experiment) = Lemma.create statement mutants exp

/// A paper of your own: an id (lower case, e.g. "mywork2026"), a title and its lemmas.
let paper (id: string) (title: string) (lemmas: Lemma list) : Paper = { Id = id; Title = title; Lemmas = lemmas }

/// The repository's MNIST (train, test), fetched by scripts/setup.sh into .cache/mnist.
let mnist () =
    let root = match GenBounds.Runtime.CodeRevision.RepositoryRoot() with null -> Environment.CurrentDirectory | r -> r
    let struct (train, test) = Mnist.Load(Mnist.DefaultFolder root)
    train, test

/// A lab on a model file and MNIST: `samples` training points (a seeded subset; None = all) as S, the test set as
/// held-out data, `trials` per probabilistic claim, master seed `seed`.
let labOf (modelPath: string) (samples: int option) (trials: int) (seed: uint64) : Lab =
    let struct (net, meta) = ModelFile.Load modelPath
    let train0, test = mnist ()
    let streams = SeedStreams seed
    let train =
        match samples with
        | Some n when n < train0.Count -> train0.Subset(n, streams.Stream(SeedStreams.Names.Data + "/subset"))
        | _ -> train0
    let modelSeed = if String.IsNullOrEmpty meta.CodeRevision then None else Option.ofNullable meta.Seed
    Lab.create net modelSeed train test LinearAlgebraProviders.Default seed (Budget.create trials)

/// The report of a run (the same record `genbounds verify` writes).
let report (lab: Lab) (modelPath: string) (papers: Paper list) (statements: Statement list) (results: CheckResult list) (started: DateTimeOffset) (seconds: float) : Report =
    { Context =
        { ModelPath = Path.GetFullPath modelPath
          ModelHash = lab.ModelHash
          Architecture = lab.Network.Architecture.ToString()
          DataName = lab.Train.Name
          DataHash = lab.TrainHash
          CodeRevision = GenBounds.Runtime.CodeRevision.Current
          MasterSeed = lab.Seeds.Master
          Blas = lab.LinearAlgebra.Name
          BlasThreads = (let t = NativeLinearAlgebraProvider.Threads in if t.HasValue then t.Value else 1)
          Trials = lab.Budget.Trials
          Limits = lab.Budget.Limits |> Map.toList
          TestHash = lab.TestHash
          ModelSeed = lab.ModelSeed
          Started = started
          Papers = papers |> List.map (fun p -> p.Id) }
      Statements = statements
      Results = results
      Seconds = seconds }

/// Checks every lemma of the papers (statements and mutants, both modes) and returns the report.
let check (lab: Lab) (modelPath: string) (papers: Paper list) : Report =
    let started = DateTimeOffset.Now
    let sw = Stopwatch.StartNew()
    let statements, results = Paper.run lab papers Set.empty (fun _ _ _ -> ())
    report lab modelPath papers statements results started sw.Elapsed.TotalSeconds

/// Writes report.json, report.md and report.html into the folder (atomically).
let write (r: Report) (folder: string) : ReportPaths = ReportWriter.write (ReportWriter.loadVegaScripts None) r folder

/// One line per verdict count and the findings, for a terminal.
let summary (r: Report) =
    let s = ReportFormat.summarize r
    let counts = s.Verdicts |> List.filter (fun (_, n) -> n > 0) |> List.map (fun (l, n) -> sprintf "%d %s" n l)
    let findings = ReportFormat.findings r |> List.map (fun f -> sprintf "  %s: %s (%s)" f.Kind.Heading f.StatementId (String.Join(", ", f.Modes |> List.map (fun m -> m.Label))))
    String.Join("\n", [ sprintf "%s; mutants rejected %d/%d" (String.Join(", ", counts)) s.MutantsRejected s.Mutants ] @ findings)

/// The entry point of a lemma script: `dotnet fsi my.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]`.
/// Checks the papers, writes the report (default reports/&lt;first paper id&gt;), prints a summary and returns the exit code:
/// 0, or 2 for bad arguments, 1 for a missing model. Inside `genbounds verify --lemmas-file` (GENBOUNDS_HOST) it does
/// nothing: verify runs the papers itself.
let main (argv: string[]) (papers: Paper list) : int =
    if Environment.GetEnvironmentVariable "GENBOUNDS_HOST" = "1" then 0
    else
        // fsi passes the script's own path first.
        let args = argv |> Array.filter (fun a -> not (a.EndsWith ".fsx")) |> List.ofArray
        let rec parse (a: string list) model (opts: Map<string, string>) =
            match a with
            | [] -> Ok(model, opts)
            | ("--trials" | "--samples" | "--seed" | "--out" as k) :: v :: rest -> parse rest model (opts.Add(k, v))
            | k :: _ when k.StartsWith "--" -> Error(sprintf "unknown option %s" k)
            | m :: rest when Option.isNone model -> parse rest (Some m) opts
            | extra :: _ -> Error(sprintf "unexpected argument %s" extra)
        match parse args None Map.empty with
        | Error e ->
            eprintfn "%s\nusage: dotnet fsi SCRIPT.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]" e
            2
        | Ok(None, _) ->
            eprintfn "usage: dotnet fsi SCRIPT.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]"
            2
        | Ok(Some model, opts) ->
            let number (k: string) (d: uint64) =
                match opts.TryFind k with
                | None -> Ok d
                | Some v ->
                    match UInt64.TryParse v with
                    | true, n when n > 0UL || k = "--seed" -> Ok n
                    | _ -> Error(sprintf "%s expects a %s integer, got '%s'" k (if k = "--seed" then "non-negative" else "positive") v)
            match number "--samples" 1000UL, number "--trials" 200UL, number "--seed" 1UL with
            | Error e, _, _ | _, Error e, _ | _, _, Error e ->
                eprintfn "%s" e
                2
            | _ when not (File.Exists model) ->
                eprintfn "model file not found: %s" model
                1
            | Ok samples, Ok trials, _ when samples > uint64 Int32.MaxValue || trials > uint64 Int32.MaxValue ->
                eprintfn "--samples and --trials must be at most %d" Int32.MaxValue
                2
            | Ok samples, Ok trials, Ok seed ->
                let lab = labOf model (Some(int samples)) (int trials) seed
                let r = check lab model papers
                let out = opts.TryFind "--out" |> Option.defaultValue (Path.Combine("reports", (List.head papers).Id))
                let paths = write r out
                printfn "%s\nreport: %s" (summary r) paths.Html
                0
