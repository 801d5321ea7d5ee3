/// `genbounds certify`: certified PAC-Bayes risk of a stochastic MLP (prior, posterior, certificate), resumable.
module GenBounds.Cli.Certify

open System
open System.IO
open System.Diagnostics
open System.Globalization
open System.Text.Json.Nodes
open GenBounds.Networks
open GenBounds.PacBayes
open GenBounds.Training
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "certify"
      Summary = "train a Gaussian posterior with a PAC-Bayes objective and certify its 0-1 risk (PBB / Dziugaite-Roy set-ups)"
      Positionals = []
      Options =
        [ opt "preset" "NAME" "pbb-learnt (learnt prior on a 50% split), pbb-data-free (prior at the random init), dr17 (binary MNIST 784-600-2, learned prior variance, ERM start)" (Some "pbb-learnt")
          opt "arch" "SIZES" "layer sizes (default: 784-600-600-600-10; dr17: 784-600-2)" None
          opt "prior" "KIND" "learnt or data-free" None
          opt "prior-fraction" "F" "share of the training set for the learnt prior (the rest is the bound set)" None
          opt "prior-epochs" "N" "ERM epochs of the learnt prior (and of an ERM posterior start)" None
          opt "prior-lr" "X" "ERM learning rate" None
          opt "prior-momentum" "X" "ERM SGD momentum" None
          opt "prior-optimizer" "NAME" "ERM optimiser: sgd or adam" None
          opt "prior-dropout" "P" "dropout rate of the ERM prior training (default 0.2 as PBB; dr17: 0)" None
          opt "prior-shift" "K" "random translations of up to K pixels in every ERM epoch of the learnt prior (data augmentation; default 0)" None
          opt "prior-sigma" "X" "prior scale sigma_P (initial value when learned)" None
          flag "learn-prior-sigma" "learn sigma_P jointly (Dziugaite-Roy); the certificate pays for the variance grid by a union bound"
          opt "posterior-sigma" "X" "initial posterior sigma (default sigma_P)" None
          opt "posterior-sigma-factor" "F" "initial posterior sigma = F·|mu| per coordinate (Dziugaite-Roy's code: 2)" None
          opt "posterior-start" "KIND" "prior (PBB) or erm (start at an ERM network, Dziugaite-Roy)" None
          opt "objective" "NAME" "fquad, flamb or fclassic" None
          opt "epochs" "N" "posterior epochs" None
          opt "batch" "N" "posterior mini-batch" None
          opt "optimizer" "NAME" "posterior optimiser: sgd or adam" None
          opt "lr" "X" "posterior learning rate" None
          opt "momentum" "X" "posterior SGD momentum" None
          opt "rho-lr-factor" "F" "learning rate of the posterior scales rho relative to that of the means (default 1)" None
          opt "kl-penalty" "X" "KL weight inside the objective (the certificate always uses the full KL)" None
          flag "rescale-posterior" "before the certificate, rescale hidden units and the output layer to the KL-minimising function-preserving scales (same classifier, smaller KL)"
          opt "subspace" "D" "data-free subspace prior N(mu0, s^2 I + tau^2 P P^T) with a seeded D-column hashed subspace P; the posterior N(mu0 + P z, s^2 I) learns z only (tau^2 paid on a grid)" None
          opt "subspace-noise" "S" "s of the subspace prior and posterior (default 0.01)" None
          opt "pmin" "X" "p_min of the bounded cross-entropy" None
          opt "delta" "X" "delta of the PAC-Bayes step" (Some "0.025")
          opt "delta-mc" "X" "delta' of the Monte Carlo step" (Some "0.01")
          opt "selected-from" "K" "set-ups tried on this bound set before choosing this one: each step pays delta/K and delta'/K (union bound)" (Some "1")
          opt "mc-passes" "N" "passes over the bound set; each draws an independent network per example" (Some "5")
          opt "bound" "NAME" "maurer or dziugaite-roy (default: maurer; dr17: dziugaite-roy)" None
          opt "test-passes" "N" "passes over the test set for the stochastic test error" (Some "1")
          opt "normalize" "MEAN,STD" "input normalisation, or 'none' (default 0.1307,0.3081)" None
          opt "seed" "N" "master seed" (Some "1")
          opt "train-subset" "N" "use a seeded random subset of N training examples (quick runs and tests)" None
          opt "test-subset" "N" "use a seeded random subset of N test examples" None
          opt "posterior-data" "SET" "all (PBB: every training example) or bound (only the bound split)" (Some "all")
          opt "objective-m" "N" "m inside the training objective (default: the size of the posterior's training set)" None
          opt "checkpoint" "FILE" "checkpoint after the prior and every posterior epoch; resumes when it exists" None
          opt "reuse-prior" "FILE" "take the trained prior from another run's checkpoint with the same prior set-up (experiments)" None
          opt "out" "FILE" "write the result JSON here (atomically)" None ]
        @ dataOptions @ [ threadOption; jsonFlag ] }

let private parseOptimizer (name: string) (flagName: string) =
    match name.ToLowerInvariant() with
    | "sgd" -> OptimizerKind.Sgd
    | "adam" -> OptimizerKind.Adam
    | o -> raise (UsageError(sprintf "--%s: unknown optimiser '%s' (expected sgd or adam)" flagName o))

/// The set-up described by the options (preset first, then every explicit option).
let setupOf (p: Parsed) : CertifySetup =
    let preset = (p.Get "preset").ToLowerInvariant()
    let baseSetup =
        match preset with
        | "pbb-learnt" -> CertifySetup()
        | "pbb-data-free" ->
            CertifySetup(Prior = PriorKind.DataFree)
        | "dr17" ->
            CertifySetup(
                Architecture = MlpArchitecture([| 784; 600; 2 |], true), Prior = PriorKind.DataFree, BinaryDigits = true,
                PosteriorStart = PosteriorStart.Erm, Normalization = Nullable<struct (float * float)>(),
                // Their code starts the posterior at sigma = 2|w| and then runs 1000 epochs to bring the KL down; within a
                // CPU budget the start at sigma_P works far better (--posterior-sigma-factor 2 restores theirs).
                PriorSigma = exp -3.0,
                PriorTraining = TrainingOptions(Optimizer = OptimizerKind.Sgd, LearningRate = 0.01, Momentum = 0.9, BatchSize = 100, Epochs = 20),
                Posterior = PosteriorTrainingOptions(LearnPriorScale = true, Objective = ObjectiveKind.Classic, Optimizer = OptimizerKind.Adam, LearningRate = 0.001),
                Certificate = CertificateOptions(Grid = PriorVarianceGrid(), Bound = CertificateBound.DziugaiteRoy))
        | other -> raise (UsageError(sprintf "unknown preset '%s' (expected pbb-learnt, pbb-data-free or dr17)" other))
    let arch =
        match p.TryGet "arch" with
        | Some a -> (try MlpArchitecture.Parse(a, true) with :? FormatException as e -> raise (UsageError e.Message))
        | None -> baseSetup.Architecture
    let prior =
        match p.TryGet "prior" |> Option.map (fun s -> s.ToLowerInvariant()) with
        | Some "learnt" | Some "learned" -> PriorKind.Learnt
        | Some "data-free" | Some "datafree" | Some "rand" -> PriorKind.DataFree
        | Some o -> raise (UsageError(sprintf "--prior: unknown kind '%s' (expected learnt or data-free)" o))
        | None -> baseSetup.Prior
    let pt = baseSetup.PriorTraining
    let priorTraining =
        TrainingOptions(
            Epochs = (p.TryInt "prior-epochs" |> Option.defaultValue pt.Epochs), BatchSize = pt.BatchSize,
            Optimizer = (p.TryGet "prior-optimizer" |> Option.map (fun o -> parseOptimizer o "prior-optimizer") |> Option.defaultValue pt.Optimizer),
            LearningRate = (p.TryFloat "prior-lr" |> Option.defaultValue pt.LearningRate),
            Momentum = (p.TryFloat "prior-momentum" |> Option.defaultValue pt.Momentum),
            Dropout = (p.TryFloat "prior-dropout" |> Option.defaultValue pt.Dropout))
    let po = baseSetup.Posterior
    // A preset's learned isotropic prior scale (dr17) gives way to the subspace prior, which pays for its own tau^2.
    let learn = p.Has "learn-prior-sigma" || (po.LearnPriorScale && not (p.Has "subspace"))
    let posterior =
        PosteriorTrainingOptions(
            Objective = (p.TryGet "objective" |> Option.map (fun o -> try TrainingObjective.Parse o with :? FormatException as e -> raise (UsageError e.Message)) |> Option.defaultValue po.Objective),
            Epochs = (p.TryInt "epochs" |> Option.defaultValue po.Epochs),
            BatchSize = (p.TryInt "batch" |> Option.defaultValue po.BatchSize),
            Optimizer = (p.TryGet "optimizer" |> Option.map (fun o -> parseOptimizer o "optimizer") |> Option.defaultValue po.Optimizer),
            LearningRate = (p.TryFloat "lr" |> Option.defaultValue po.LearningRate),
            Momentum = (p.TryFloat "momentum" |> Option.defaultValue po.Momentum),
            RhoLearningRateFactor = (p.TryFloat "rho-lr-factor" |> Option.defaultValue po.RhoLearningRateFactor),
            KlPenalty = (p.TryFloat "kl-penalty" |> Option.defaultValue po.KlPenalty),
            PMin = (p.TryFloat "pmin" |> Option.defaultValue po.PMin),
            Delta = p.Float "delta",
            ObjectiveSampleSize = (match p.TryInt "objective-m" with Some v -> Nullable(int64 v) | None -> Nullable()),
            LearnPriorScale = learn)
    let co = baseSetup.Certificate
    let bound =
        match p.TryGet "bound" |> Option.map (fun s -> s.ToLowerInvariant()) with
        | Some "maurer" -> CertificateBound.Maurer
        | Some "dziugaite-roy" | Some "dr17" -> CertificateBound.DziugaiteRoy
        | Some o -> raise (UsageError(sprintf "--bound: unknown bound '%s' (expected maurer or dziugaite-roy)" o))
        | None -> co.Bound
    let certificate =
        CertificateOptions(
            Delta = p.Float "delta", DeltaMonteCarlo = p.Float "delta-mc", Passes = p.Int "mc-passes", Bound = bound,
            Configurations = p.Int "selected-from",
            Grid =
                (if learn then (if isNull co.Grid then PriorVarianceGrid() else co.Grid)
                 // tau^2 of the subspace prior is of order |z|^2/d ~ 1-10, above Dziugaite-Roy's c = 0.1: a grid from 1000 down.
                 elif p.TryGet "subspace" |> Option.isSome then PriorVarianceGrid(1000.0, 100.0)
                 else null))
    let normalization =
        match p.TryGet "normalize" with
        | Some "none" -> Nullable<struct (float * float)>()
        | Some s ->
            match s.Split(',') with
            | [| m; sd |] ->
                match Double.TryParse(m, NumberStyles.Float, CultureInfo.InvariantCulture), Double.TryParse(sd, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | (true, mv), (true, sv) -> Nullable(struct (mv, sv))
                | _ -> raise (UsageError(sprintf "--normalize expects MEAN,STD or none, got '%s'" s))
            | _ -> raise (UsageError(sprintf "--normalize expects MEAN,STD or none, got '%s'" s))
        | None -> baseSetup.Normalization
    let setup =
        CertifySetup(
            Architecture = arch, Prior = prior,
            PriorFraction = (p.TryFloat "prior-fraction" |> Option.defaultValue baseSetup.PriorFraction),
            PriorTraining = priorTraining,
            PriorSigma = (p.TryFloat "prior-sigma" |> Option.defaultValue baseSetup.PriorSigma),
            PriorShift = (p.TryInt "prior-shift" |> Option.defaultValue baseSetup.PriorShift),
            PosteriorSigma = (match p.TryFloat "posterior-sigma" with Some s -> Nullable s | None -> baseSetup.PosteriorSigma),
            PosteriorSigmaFactor = (match p.TryFloat "posterior-sigma-factor" with Some s -> Nullable s | None -> baseSetup.PosteriorSigmaFactor),
            PosteriorStart =
                (match p.TryGet "posterior-start" |> Option.map (fun s -> s.ToLowerInvariant()) with
                 | Some "prior" -> PosteriorStart.Prior
                 | Some "erm" -> PosteriorStart.Erm
                 | Some o -> raise (UsageError(sprintf "--posterior-start: unknown start '%s' (expected prior or erm)" o))
                 | None -> baseSetup.PosteriorStart),
            Posterior = posterior, Certificate = certificate, TestPasses = p.Int "test-passes",
            PosteriorData =
                (match (p.Get "posterior-data").ToLowerInvariant() with
                 | "all" -> PosteriorData.All
                 | "bound" | "bound-set" -> PosteriorData.BoundSet
                 | o -> raise (UsageError(sprintf "--posterior-data: unknown set '%s' (expected all or bound)" o))),
            Normalization = normalization, BinaryDigits = baseSetup.BinaryDigits, Seed = p.UInt64 "seed",
            RescalePosterior = (p.Has "rescale-posterior" || baseSetup.RescalePosterior),
            SubspaceDimension = (match p.TryInt "subspace" with Some d -> Nullable d | None -> baseSetup.SubspaceDimension),
            SubspaceNoise = (p.TryFloat "subspace-noise" |> Option.defaultValue baseSetup.SubspaceNoise))
    (try setup.Validate() with :? ArgumentException as e -> raise (UsageError e.Message))
    setup

/// Progress of one certify run: a bar per long stage (posterior, certificate, test), a line for the others. The open bars
/// belong to the run, so two runs in one process never share them.
let private reporter (quiet: bool) =
    let stageBar = Collections.Generic.Dictionary<string, Progress.Bar>()
    fun (pr: CertifyProgress) ->
        match pr.Stage with
        | "posterior-batch" | "certificate" | "test" ->
            let label = if pr.Stage = "posterior-batch" then "posterior" else pr.Stage
            let bar =
                match stageBar.TryGetValue label with
                | true, b -> b
                | _ ->
                    let b = Progress.Bar(label, Progress.modeFor quiet)
                    stageBar[label] <- b
                    b
            bar.Update(pr.Done, pr.Total, pr.Detail)
            if pr.Done >= pr.Total then
                bar.Finish()
                stageBar.Remove label |> ignore
        | stage ->
            if not quiet then eprintfn "%s %d/%d: %s" stage pr.Done pr.Total pr.Detail

let private certificateJson (c: RiskCertificate) =
    obj [ "certificate", jnum c.Certificate
          "bound", jstr (if c.Bound = CertificateBound.Maurer then "maurer" else "dziugaite-roy")
          "bound_set_size", jint c.BoundSetSize
          "mc_passes", jint (int64 c.MonteCarlo.Passes)
          "mc_draws", jint c.MonteCarlo.Draws
          "mc_errors", jint c.MonteCarlo.Errors
          "mc_empirical_risk", jnum c.MonteCarlo.Rate
          "empirical_risk_upper", jnum c.EmpiricalRiskUpper
          "kl", jnum c.Kl
          "kl_over_m", jnum (c.Kl / float c.BoundSetSize)
          "kl_budget", jnum c.KlBudget
          "prior_sigma", jnum c.PriorSigma
          "grid_index", (match Option.ofNullable c.GridIndex with Some j -> jint j | None -> null)
          "delta_pac_bayes", jnum c.DeltaPacBayes
          "delta", jnum c.Delta
          "delta_mc", jnum c.DeltaMonteCarlo
          "selected_from", jint (int64 c.Configurations)
          "total_failure_probability", jnum (c.Delta + c.DeltaMonteCarlo)
          "statement", jstr c.Statement ]

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let setup = setupOf p
    let la = provider p
    let train, test = loadData p
    let subset name (d: GenBounds.Data.Dataset) =
        match p.TryInt name with
        | Some n when n < 1 || n > d.Count -> raise (UsageError(sprintf "--%s must lie in 1..%d" name d.Count))
        | Some n -> GenBounds.Data.DatasetOps.Subset(d, n, GenBounds.Random.SeedStreams(setup.Seed).Stream("data/" + name))
        | None -> d
    let train, test = subset "train-subset" train, subset "test-subset" test
    let runner =
        try CertificationRun(setup, train, test, la)
        with :? ArgumentException as e -> raise (UsageError e.Message)
    let quiet = p.Has "json"
    if not quiet then
        eprintfn "certify: %s, %s prior%s, bound set %d of %d training examples; %s" (setup.Architecture.ToString()) (setup.Prior.ToString().ToLowerInvariant())
            (if setup.Prior = PriorKind.Learnt then sprintf " (fraction %g)" setup.PriorFraction else "") runner.BoundSet.Count train.Count (setup.Posterior.Describe())
    let result =
        try runner.Run(Option.toObj (p.TryGet "checkpoint"), Option.toObj (p.TryGet "reuse-prior"), Action<CertifyProgress>(reporter quiet))
        with :? InvalidDataException as e -> raise (InputError e.Message)
    let seconds = JsonObject()
    for kv in result.StageSeconds do seconds[kv.Key] <- jnum kv.Value
    let epochs = JsonArray()
    for e in result.Epochs do
        let phases = JsonObject()
        for kv in e.PhaseSeconds do phases[kv.Key] <- jnum kv.Value
        epochs.Add(obj [ "epoch", jint (int64 e.Epoch + 1L); "objective", jnum e.Objective; "bounded_ce", jnum e.BoundedCrossEntropy
                         "stochastic_train_error", jnum e.StochasticError; "kl", jnum e.Kl; "prior_sigma", jnum e.PriorSigma; "seconds", jnum e.Seconds
                         "phase_seconds", phases ])
    let o =
        obj [ "command", jstr "certify"
              "setup", JsonNode.Parse(setup.Key())
              "architecture", jstr (setup.Architecture.ToString())
              "parameters", jint setup.Architecture.ParameterCount
              "prior", jstr (setup.Prior.ToString())
              "prior_set_size", jint (int64 result.PriorSetSize)
              "posterior_set_size", jint (int64 result.PosteriorSetSize)
              "certificate", certificateJson result.Certificate
              "stochastic_test_error", jnum result.StochasticTestError
              "stochastic_test_error_ci99", JsonArray(jnum result.StochasticTestInterval.Lower, jnum result.StochasticTestInterval.Upper)
              "test_draws", jint result.TestDraws
              "deterministic_test_error", jnum result.DeterministicTestError
              "prior_test_error", jnum result.PriorTestError
              "final_prior_sigma", jnum result.FinalPriorSigma
              "rescaling",
                (match result.Rescaling with
                 | null -> null
                 | r -> obj [ "kl_before", jnum r.KlBefore; "kl_after", jnum r.KlAfter; "sweeps", jint (int64 r.Sweeps); "output_scale", jnum r.OutputScale ] :> JsonNode)
              "subspace",
                (match result.Subspace with
                 | null -> null
                 | r -> obj [ "dimension", jint (int64 r.Dimension); "rank", jint (int64 r.Rank); "noise", jnum r.Noise; "tau2", jnum r.Tau2
                              "z_norm", jnum r.ZNorm; "hash", jstr r.Hash ] :> JsonNode)
              "epochs", epochs
              "stage_seconds", seconds
              "blas", jstr la.Name
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    match p.TryGet "out" with
    | Some f ->
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath f)) |> ignore
        GenBounds.IO.AtomicFile.WriteAllBytes(f, Text.Encoding.UTF8.GetBytes(o.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true))))
    | None -> ()
    o

let show (o: JsonObject) =
    let c = o["certificate"].AsObject()
    let f (n: JsonNode) = n.GetValue<float>()
    printfn "certified 0-1 risk     %.4f  (%s)" (f c["certificate"]) (c["statement"].GetValue<string>())
    printfn "stochastic test error  %.4f  (99%% CI %.4f–%.4f, %d draws)" (f o["stochastic_test_error"]) (f (o["stochastic_test_error_ci99"].[0])) (f (o["stochastic_test_error_ci99"].[1])) (o["test_draws"].GetValue<int64>())
    printfn "deterministic test err %.4f  (posterior mean); prior net %.4f" (f o["deterministic_test_error"]) (f o["prior_test_error"])
    printfn "bound set              m = %d, KL = %.1f, KL/m = %.5f, MC %d/%d errors (upper %.5f)" (c["bound_set_size"].GetValue<int64>()) (f c["kl"]) (f c["kl_over_m"]) (c["mc_errors"].GetValue<int64>()) (c["mc_draws"].GetValue<int64>()) (f c["empirical_risk_upper"])
    match o["subspace"] with
    | null -> ()
    | sub ->
        printfn "subspace prior         D = %d (rank %d), s = %g, tau^2 = %.4g, |P^T(mu - mu0)| = %.3f, P sha256 %s"
            (sub["dimension"].GetValue<int64>()) (sub["rank"].GetValue<int64>()) (f sub["noise"]) (f sub["tau2"]) (f sub["z_norm"]) (sub["hash"].GetValue<string>().Substring(0, 12))
    match o["rescaling"] with
    | null -> ()
    | r -> printfn "rescaled posterior     KL %.1f -> %.1f (%d sweeps, output scale %.4g)" (f r["kl_before"]) (f r["kl_after"]) (r["sweeps"].GetValue<int64>()) (f r["output_scale"])
    printfn "wall                   %.1f s" (f o["wall_seconds"])
