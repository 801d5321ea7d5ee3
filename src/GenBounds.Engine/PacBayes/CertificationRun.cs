using System.Diagnostics;
using System.Globalization;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.PacBayes;

/// <summary>Progress of a certification run.</summary>
/// <param name="Stage">prior, posterior-start, posterior, certificate, test.</param>
/// <param name="Done">Units done in the stage (epochs or batches).</param>
/// <param name="Total">Units in the stage.</param>
/// <param name="Detail">Free-form status (loss, KL, …).</param>
public readonly record struct CertifyProgress(string Stage, int Done, int Total, string Detail);

/// <summary>Outcome of a certification run.</summary>
/// <param name="Certificate">The risk certificate on the bound split.</param>
/// <param name="StochasticTestError">Per-example-draw error of Q on the test set.</param>
/// <param name="StochasticTestInterval">Its 99% Clopper–Pearson interval (draws are independent Bernoullis).</param>
/// <param name="TestDraws">Draws on the test set.</param>
/// <param name="DeterministicTestError">Test error of the posterior-mean network.</param>
/// <param name="PriorTestError">Test error of the prior-mean network.</param>
/// <param name="PriorSetSize">Examples used for the prior (0 for a data-free prior).</param>
/// <param name="PosteriorSetSize">Examples the posterior was trained on.</param>
/// <param name="Epochs">Per-epoch posterior statistics (this process's epochs only when resumed).</param>
/// <param name="StageSeconds">Wall-clock seconds per stage run in this process.</param>
/// <param name="FinalPriorSigma">σ_P at the end of training (before grid rounding).</param>
/// <param name="Rescaling">The KL-minimising rescaling applied before the certificate, or null when the set-up asks for none.</param>
/// <param name="Subspace">The subspace prior, or null for the isotropic one.</param>
public sealed record CertificationResult(RiskCertificate Certificate, double StochasticTestError, ProbabilityInterval StochasticTestInterval, long TestDraws,
    double DeterministicTestError, double PriorTestError, int PriorSetSize, int PosteriorSetSize, IReadOnlyList<PosteriorEpochStats> Epochs,
    IReadOnlyDictionary<string, double> StageSeconds, double FinalPriorSigma, RescalingOutcome? Rescaling = null, SubspaceReport? Subspace = null);

/// <summary>The data-free subspace prior a certificate used.</summary>
/// <param name="Dimension">d, columns of P.</param>
/// <param name="Rank">Non-empty columns.</param>
/// <param name="Noise">s, the isotropic standard deviation of the prior and the posterior.</param>
/// <param name="Tau2">τ² of the grid point the certificate used.</param>
/// <param name="ZNorm">‖PᵀΔ‖ of the stored posterior mean.</param>
/// <param name="Hash">SHA-256 of P's groups and coefficients.</param>
public sealed record SubspaceReport(int Dimension, int Rank, double Noise, double Tau2, double ZNorm, string Hash);

/// <summary>
/// Prior, posterior, certificate — end to end, with a checkpoint after the prior stage and after every epoch. The
/// data split is fixed by the seed (stream <c>data/prior-split</c>, stratified); with a learnt prior the prior is trained on the
/// prior split only, the posterior on all training data (legitimate: only the prior must not see the bound split),
/// and the certificate uses the other split with m = its size. With a data-free prior every training example is in
/// the bound set.
/// </summary>
public sealed partial class CertificationRun
{
    private const string CheckpointKind = "genbounds-certify/1";
    private readonly CertifySetup _s;
    private readonly ILinearAlgebraProvider _la;
    private readonly Dataset _train, _test, _prior, _bound;

    /// <summary>Prepares a run on the raw (train, test) pair: applies the set-up's transforms and the prior/bound split.</summary>
    public CertificationRun(CertifySetup setup, Dataset train, Dataset test, ILinearAlgebraProvider la)
    {
        ArgumentNullException.ThrowIfNull(setup);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        setup.Validate();
        _s = setup; _la = la;
        Dataset Prep(Dataset d)
        {
            if (setup.BinaryDigits) d = DataTransforms.BinaryDigits(d);
            if (setup.Normalization is { } n) d = DataTransforms.Normalize(d, n.Mean, n.Std);
            return d;
        }
        _train = Prep(train); _test = Prep(test);
        if (_train.Dimension != setup.Architecture.InputSize) throw new ArgumentException($"the architecture expects {setup.Architecture.InputSize} inputs but {train.Name} has dimension {train.Dimension}");
        if (_train.Classes > setup.Architecture.OutputSize) throw new ArgumentException($"the architecture has {setup.Architecture.OutputSize} outputs but the data have {_train.Classes} classes");
        if (setup.Prior == PriorKind.Learnt)
        {
            int k = (int)Math.Round(setup.PriorFraction * _train.Count, MidpointRounding.AwayFromZero);
            if (k < 1 || _train.Count - k < 8)
                throw new ArgumentException($"a prior fraction of {setup.PriorFraction} leaves {_train.Count - k} of the {_train.Count} examples for the bound (Maurer's bound needs at least 8)");
            (_prior, _bound) = _train.StratifiedSplit(setup.PriorFraction, new SeedStreams(setup.Seed).Stream(SeedStreams.Names.Data + "/prior-split"));
        }
        else { _prior = _train.Take(0); _bound = _train; }
    }

    private string? _dataHash;
    private string DataHash => _dataHash ??= Sweeps.SweepSpec.Sha256(_train.ContentHash() + _test.ContentHash());

    /// <summary>The bound split (what the certificate's m counts).</summary>
    public Dataset BoundSet => _bound;

    /// <summary>
    /// Runs (or resumes from <paramref name="checkpoint"/> when it exists and was written by the same set-up) every
    /// stage; the checkpoint is rewritten atomically after the prior stage and after every posterior epoch.
    /// </summary>
    public CertificationResult Run(string? checkpoint, Action<CertifyProgress>? progress = null) => Run(checkpoint, null, progress);

    /// <summary>
    /// As <see cref="Run(string?, Action{CertifyProgress}?)"/>, but takes the trained prior from <paramref name="priorSource"/>
    /// (another run's checkpoint) when that run's prior was determined by the same fields (<see cref="CertifySetup.PriorKey"/>):
    /// the same prior, without retraining it (for experiments on the posterior stage).
    /// </summary>
    public CertificationResult Run(string? checkpoint, string? priorSource, Action<CertifyProgress>? progress)
    {
        var seconds = new Dictionary<string, double>();
        var clock = Stopwatch.StartNew();
        void Lap(string stage) { seconds[stage] = seconds.GetValueOrDefault(stage) + clock.Elapsed.TotalSeconds; clock.Restart(); }
        var seeds = new SeedStreams(_s.Seed);
        Checkpoint? ck = checkpoint is not null && File.Exists(checkpoint) ? LoadChecked(checkpoint) : null;
        string stage = ck?.Extra.GetValueOrDefault("stage") ?? "start";

        // Prior: the random initialisation, or ERM on the prior split from it.
        Mlp prior;
        if (ck is not null && stage != "prior") prior = ck.GetNetwork("prior.");
        else if (priorSource is not null)
        {
            var src = Checkpoint.Load(priorSource);
            if (src.Extra.GetValueOrDefault("prior_key") != _s.PriorKey() || src.Extra.GetValueOrDefault("stage") == "prior")
                throw new InvalidDataException($"'{priorSource}' holds no finished prior of this set-up (prior key {src.Extra.GetValueOrDefault("prior_key")})");
            prior = src.GetNetwork("prior.");
            Lap("prior");
        }
        else
        {
            prior = PacBayesInit.TruncatedNormal(_s.Architecture, seeds.Stream(SeedStreams.Names.Init));
            int done = 0;
            Trainer? trainer = null;
            if (_s.Prior == PriorKind.Learnt)
            {
                trainer = new Trainer(prior, _s.PriorTraining with { Seed = SeedStreams.Derive(_s.Seed, "prior") }, _la);
                if (ck is not null && stage == "prior")
                {
                    prior = ck.GetNetwork("prior.");
                    trainer = new Trainer(prior, _s.PriorTraining with { Seed = SeedStreams.Derive(_s.Seed, "prior") }, _la);
                    trainer.ImportState(Tensors(ck, "prioropt."), ck.Step, ck.Epoch);
                    done = ck.Epoch;
                }
                for (int e = done; e < _s.PriorTraining.Epochs; e++)
                {
                    var data = _s.PriorShift > 0 ? DataTransforms.RandomShift(_prior, _s.PriorShift, seeds.Stream($"prior/shift/epoch-{e}")) : _prior;
                    var st = trainer.TrainEpoch(data);
                    progress?.Invoke(new CertifyProgress("prior", e + 1, _s.PriorTraining.Epochs, string.Format(CultureInfo.InvariantCulture, "loss {0:F4} acc {1:P2}", st.Loss, st.Accuracy)));
                    if (checkpoint is not null && e + 1 < _s.PriorTraining.Epochs)
                    {
                        var c = NewCheckpoint("prior", e + 1, trainer.Step);
                        c.SetNetwork("prior.", prior);
                        foreach (var (k, v) in trainer.ExportState().Tensors) c.Set("prioropt." + k, v);
                        c.Save(checkpoint);
                    }
                }
            }
            Lap("prior");
        }

        if (_s.SubspaceDimension is not null) return RunSubspace(prior, ck, stage, checkpoint, progress, seconds, Lap);

        // Posterior start and training.
        GaussianMlp q;
        PosteriorTrainer pt;
        double sigmaQ = _s.PosteriorSigma ?? _s.PriorSigma;
        var postOptions = _s.Posterior with { Seed = SeedStreams.Derive(_s.Seed, "posterior") };
        if (ck is not null && stage == "posterior")
        {
            q = ReadPosterior(ck);
            pt = new PosteriorTrainer(q, prior, _s.PriorSigma, postOptions, _la);
            var (logSigma, moments) = (double.Parse(ck.Extra["log_prior_sigma"], CultureInfo.InvariantCulture),
                ck.Extra["prior_moments"].Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray());
            // The trainer names its tensors "opt.…" itself: pass them with their full names.
            pt.ImportState(ck.TensorNames.Where(n => n.StartsWith("opt.", StringComparison.Ordinal)).ToDictionary(n => n, ck.Get), ck.Step, ck.Epoch, logSigma, moments);
        }
        else
        {
            Mlp start = prior;
            if (_s.PosteriorStart == PosteriorStart.Erm)
            {
                start = prior.Clone();
                var erm = new Trainer(start, _s.PriorTraining with { Seed = SeedStreams.Derive(_s.Seed, "posterior-start") }, _la);
                for (int e = 0; e < _s.PriorTraining.Epochs; e++)
                {
                    var st = erm.TrainEpoch(_train);
                    progress?.Invoke(new CertifyProgress("posterior-start", e + 1, _s.PriorTraining.Epochs, string.Format(CultureInfo.InvariantCulture, "loss {0:F4} acc {1:P2}", st.Loss, st.Accuracy)));
                }
                Lap("posterior-start");
            }
            q = GaussianMlp.Around(start, sigmaQ);
            if (_s.PosteriorSigmaFactor is { } factor)
                foreach (var (mu, rho) in q.WeightMeans.Zip(q.WeightRhos).Concat(q.BiasMeans.Zip(q.BiasRhos)))
                    for (int j = 0; j < mu.Length; j++) rho[j] = (float)Softplus.Inverse(Math.Max(1e-6, factor * Math.Abs(mu[j])));
            pt = new PosteriorTrainer(q, prior, _s.PriorSigma, postOptions, _la);
            if (checkpoint is not null) SavePosterior(checkpoint, prior, q, pt);
        }
        var epochs = new List<PosteriorEpochStats>();
        var posteriorSet = _s.PosteriorData == PosteriorData.All ? _train : _bound;
        for (int e = pt.EpochsDone; e < _s.Posterior.Epochs; e++)
        {
            var st = pt.TrainEpoch(posteriorSet, bp => progress?.Invoke(new CertifyProgress("posterior-batch", bp.Batch, bp.Batches,
                string.Format(CultureInfo.InvariantCulture, "epoch {0}/{1} objective {2:F4}", e + 1, _s.Posterior.Epochs, bp.RunningLoss))));
            epochs.Add(st);
            progress?.Invoke(new CertifyProgress("posterior", e + 1, _s.Posterior.Epochs, string.Format(CultureInfo.InvariantCulture,
                "objective {0:F4} bounded-CE {1:F4} stochastic train error {2:P2} KL {3:F1} sigma_P {4:G4} ({5:F1} s)", st.Objective, st.BoundedCrossEntropy, st.StochasticError, st.Kl, st.PriorSigma, st.Seconds)));
            if (checkpoint is not null) SavePosterior(checkpoint, prior, q, pt);
        }
        Lap("posterior");

        // The same stochastic classifier at a smaller KL (the posterior is ours to choose; the prior does not move).
        RescalingOutcome? rescaling = null;
        if (_s.RescalePosterior)
        {
            rescaling = PosteriorRescaling.Minimise(q, prior, pt.PriorSigma);
            progress?.Invoke(new CertifyProgress("rescale", 1, 1, string.Format(CultureInfo.InvariantCulture,
                "KL {0:F1} → {1:F1} in {2} sweeps (output scale {3:G4})", rescaling.KlBefore, rescaling.KlAfter, rescaling.Sweeps, rescaling.OutputScale)));
            Lap("rescale");
        }

        // Certificate on the bound split; reports on the test set.
        var cert = Certification.Certify(q, prior, pt.PriorSigma, _bound, _s.Certificate with { Seed = SeedStreams.Derive(_s.Seed, "certificate") }, _la,
            (d, t) => progress?.Invoke(new CertifyProgress("certificate", d, t, "")));
        Lap("certificate");
        var (test, detErr, priorErr) = TestErrors(q, prior, seeds, progress);
        Lap("test");
        return new CertificationResult(cert, test.Rate, MonteCarloBounds.ClopperPearson(test.Errors, test.Draws, 0.99), test.Draws, detErr, priorErr,
            _prior.Count, posteriorSet.Count, epochs, seconds, pt.PriorSigma, rescaling);
    }

    // Stochastic (per-example draws), posterior-mean and prior-mean test errors: reported beside every certificate.
    private (StochasticErrors Stochastic, double Deterministic, double Prior) TestErrors(GaussianMlp q, Mlp prior, SeedStreams seeds, Action<CertifyProgress>? progress) =>
        (StochasticEvaluation.Evaluate(q, _test, _s.TestPasses, seeds.Stream("pacbayes/test"), _la, progress: (d, t) => progress?.Invoke(new CertifyProgress("test", d, t, ""))),
         1 - Evaluation.Evaluate(q.MeanNetwork(), _test, _la).Accuracy,
         1 - Evaluation.Evaluate(prior, _test, _la).Accuracy);

    private Checkpoint NewCheckpoint(string stage, int epoch, long step)
    {
        var c = new Checkpoint(epoch, step, _s.Seed, _s.Key());
        c.Extra["kind"] = CheckpointKind;
        c.Extra["stage"] = stage;
        c.Extra["prior_key"] = _s.PriorKey();
        c.Extra["data_hash"] = DataHash;
        return c;
    }

    private void SavePosterior(string path, Mlp prior, GaussianMlp q, PosteriorTrainer pt)
    {
        var (tensors, step, epochs, logSigma, moments) = pt.ExportState();
        var c = NewCheckpoint("posterior", epochs, step);
        c.SetNetwork("prior.", prior);
        for (int l = 0; l < q.WeightMeans.Length; l++)
        {
            c.Set($"mu.{2 * l}.weight", q.WeightMeans[l]); c.Set($"rho.{2 * l}.weight", q.WeightRhos[l]);
            if (q.BiasMeans[l].Length > 0) { c.Set($"mu.{2 * l}.bias", q.BiasMeans[l]); c.Set($"rho.{2 * l}.bias", q.BiasRhos[l]); }
        }
        foreach (var (k, v) in tensors) c.Set(k, v);
        c.Extra["log_prior_sigma"] = logSigma.ToString("R", CultureInfo.InvariantCulture);
        c.Extra["prior_moments"] = string.Join(",", moments.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        c.Save(path);
    }

    private GaussianMlp ReadPosterior(Checkpoint c)
    {
        var q = new GaussianMlp(_s.Architecture);
        void Read(string name, float[] dst)
        {
            var v = c.Get(name);
            if (v.Length != dst.Length) throw new InvalidDataException($"checkpoint tensor '{name}' has {v.Length} values, expected {dst.Length}");
            v.CopyTo(dst, 0);
        }
        for (int l = 0; l < q.WeightMeans.Length; l++)
        {
            Read($"mu.{2 * l}.weight", q.WeightMeans[l]); Read($"rho.{2 * l}.weight", q.WeightRhos[l]);
            if (q.BiasMeans[l].Length > 0) { Read($"mu.{2 * l}.bias", q.BiasMeans[l]); Read($"rho.{2 * l}.bias", q.BiasRhos[l]); }
        }
        return q;
    }

    private Checkpoint LoadChecked(string path)
    {
        var c = Checkpoint.Load(path);
        if (c.Extra.GetValueOrDefault("kind") != CheckpointKind) throw new InvalidDataException($"'{path}' is not a certification checkpoint");
        if (c.OptionsJson != _s.Key()) throw new InvalidDataException($"checkpoint '{path}' was written by a different set-up ({c.OptionsJson})");
        if (c.Extra.GetValueOrDefault("data_hash") != DataHash) throw new InvalidDataException($"checkpoint '{path}' was written for different data");
        return c;
    }

    private static Dictionary<string, float[]> Tensors(Checkpoint c, string prefix) =>
        c.TensorNames.Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(n => n[prefix.Length..], c.Get);
}
