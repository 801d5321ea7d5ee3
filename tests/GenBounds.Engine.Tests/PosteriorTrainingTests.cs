using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.PacBayes;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class PosteriorTrainingTests
{
    /// <summary>Three Gaussian blobs in ℝ⁶ (10% label noise by default): a distribution whose samples are free and i.i.d.</summary>
    internal static Dataset Blobs(int n, Rng rng, string name = "blobs", double labelNoise = 0.1, double separation = 2.0)
    {
        const int d = 6, k = 3;
        var x = new float[n * d]; var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.NextInt(k);
            for (int j = 0; j < d; j++) x[i * d + j] = (float)(rng.NextGaussian() + (j % k == c ? separation : 0.0));
            y[i] = rng.NextDouble() < labelNoise ? rng.NextInt(k) : c;
        }
        return new Dataset(name, x, y, d, k);
    }

    private static readonly MlpArchitecture Arch = new([6, 16, 12, 3], bias: true);

    private static PosteriorTrainingOptions Options(ulong seed = 5) => new()
    {
        Objective = ObjectiveKind.Quad, Epochs = 3, BatchSize = 32, Optimizer = OptimizerKind.Adam, LearningRate = 0.01, Seed = seed,
    };

    [Fact]
    public void Training_lowers_the_objective_and_the_stochastic_error()
    {
        var rng = new Rng(1);
        var train = Blobs(2000, rng.Split("train"));
        var init = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        // σ_P = 0.5: with m = 2000 a much smaller prior scale makes staying at the prior optimal for f-quad.
        var q = GaussianMlp.Around(init, 0.5);
        var t = new PosteriorTrainer(q, init, 0.5, Options() with { Epochs = 8 }, LinearAlgebraProviders.Default);
        var first = t.TrainEpoch(train);
        PosteriorEpochStats last = first;
        for (int e = 1; e < 8; e++) last = t.TrainEpoch(train);
        Assert.True(last.Objective < first.Objective, $"objective {first.Objective} → {last.Objective}");
        Assert.True(last.StochasticError < 0.35 && last.StochasticError < first.StochasticError - 0.1, $"stochastic training error {first.StochasticError} → {last.StochasticError}");
        Assert.True(last.Kl > 0);
        Assert.True(Math.Abs(q.Kl(init, 0.5) - t.Kl) <= 1e-4 * q.Kl(init, 0.5), $"running KL {t.Kl} vs exact {q.Kl(init, 0.5)}");
    }

    [Fact]
    public void Running_kl_stays_exact_on_a_large_network_near_the_prior()
    {
        // 150k coordinates with σ ≈ σ_P and μ ≈ μ_P: the regime where summing N ln σ_P, Σ ln σ and Σσ²/σ_P² separately
        // cancels below float precision. The trainer's running KL must match the double-precision KL.
        var rng = new Rng(21);
        var arch = new MlpArchitecture([200, 300, 300, 10], bias: true);
        var prior = PacBayesInit.TruncatedNormal(arch, rng.Split("init"));
        var q = GaussianMlp.Around(prior, 0.03);
        var noise = rng.Split("perturb");
        for (int l = 0; l < arch.Depth; l++)
            for (int j = 0; j < q.WeightMeans[l].Length; j++)
            {
                q.WeightMeans[l][j] += (float)(1e-3 * noise.NextGaussian());
                q.WeightRhos[l][j] += (float)(1e-2 * noise.NextGaussian());
            }
        double exact = q.Kl(prior, 0.03);
        var t = new PosteriorTrainer(q, prior, 0.03, Options(), LinearAlgebraProviders.Default);
        Assert.InRange(exact, 50, 5000);
        Assert.True(Math.Abs(t.Kl - exact) <= 1e-3 * exact, $"running KL {t.Kl} vs exact {exact}");
        // Far from the prior scale (σ = 10⁻⁶ ≪ σ_P, Dziugaite–Roy's 2|w| start on tiny weights) the terms stay finite and exact.
        q.WeightRhos[0].AsSpan(0, 1000).Fill((float)Softplus.Inverse(1e-6));
        double far = q.Kl(prior, 0.03);
        var t2 = new PosteriorTrainer(q, prior, 0.03, Options(), LinearAlgebraProviders.Default);
        Assert.True(double.IsFinite(t2.Kl) && Math.Abs(t2.Kl - far) <= 1e-3 * far, $"running KL {t2.Kl} vs exact {far}");
    }

    [Fact]
    public void Resuming_from_exported_state_is_bit_identical_to_an_uninterrupted_run()
    {
        var rng = new Rng(2);
        var train = Blobs(600, rng.Split("train"));
        var init = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        foreach (var opt in new[] { OptimizerKind.Adam, OptimizerKind.Sgd })
            foreach (bool learn in new[] { false, true })
            {
                var o = Options() with { Optimizer = opt, LearnPriorScale = learn };
                var qa = GaussianMlp.Around(init, 0.05);
                var ta = new PosteriorTrainer(qa, init, 0.05, o, LinearAlgebraProviders.Default);
                ta.TrainEpoch(train); ta.TrainEpoch(train);

                var qb = GaussianMlp.Around(init, 0.05);
                var tb = new PosteriorTrainer(qb, init, 0.05, o, LinearAlgebraProviders.Default);
                tb.TrainEpoch(train);
                var (tensors, step, epochs, logSigma, moments) = tb.ExportState();
                var qc = qb.Clone();
                var tc = new PosteriorTrainer(qc, init, 0.05, o, LinearAlgebraProviders.Default);
                tc.ImportState(tensors, step, epochs, logSigma, moments);
                tc.TrainEpoch(train);
                Assert.Equal(qa.ContentHash(), qc.ContentHash());
                Assert.Equal(ta.PriorSigma, tc.PriorSigma);
                if (learn) Assert.NotEqual(0.05, ta.PriorSigma);
            }
    }

    [Fact]
    public void Same_seed_gives_identical_posteriors_and_another_seed_does_not()
    {
        var rng = new Rng(3);
        var train = Blobs(500, rng.Split("train"));
        var init = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        string Run(ulong seed)
        {
            var q = GaussianMlp.Around(init, 0.05);
            new PosteriorTrainer(q, init, 0.05, Options(seed), LinearAlgebraProviders.Default).TrainEpoch(train);
            return q.ContentHash();
        }
        Assert.Equal(Run(9), Run(9));
        Assert.NotEqual(Run(9), Run(10));
    }

    [Fact]
    public void Monte_carlo_evaluation_is_deterministic_and_unbiased_against_whole_network_draws()
    {
        var rng = new Rng(4);
        var data = Blobs(300, rng.Split("data"));
        var init = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        var q = GaussianMlp.Around(init, 0.3);
        var la = LinearAlgebraProviders.Default;
        var a = StochasticEvaluation.Evaluate(q, data, 20, new Rng(8), la, chunk: 64);
        var b = StochasticEvaluation.Evaluate(q, data, 20, new Rng(8), la, chunk: 64);
        Assert.Equal(a, b);
        Assert.Equal(20L * 300, a.Draws);
        // Reference: one whole network drawn per (pass, example), run by Evaluation on that single example.
        var (sw, sb) = q.Sigmas();
        var brute = new Rng(9);
        long errors = 0; const int passes = 20;
        for (int p = 0; p < passes; p++)
        {
            var nets = new Mlp(Arch);
            for (int i = 0; i < data.Count; i++)
            {
                for (int l = 0; l < Arch.Depth; l++)
                {
                    for (int j = 0; j < nets.Layers[l].Weight.Length; j++) nets.Layers[l].Weight[j] = (float)(q.WeightMeans[l][j] + sw[l][j] * brute.NextGaussian());
                    for (int j = 0; j < nets.Layers[l].Bias!.Length; j++) nets.Layers[l].Bias![j] = (float)(q.BiasMeans[l][j] + sb[l][j] * brute.NextGaussian());
                }
                var one = data.Select([i], "one");
                errors += (long)Math.Round((1 - Evaluation.Evaluate(nets, one, la).Accuracy));
            }
        }
        double p1 = a.Rate, p2 = errors / (double)(passes * data.Count);
        double se = Math.Sqrt(p1 * (1 - p1) / a.Draws + p2 * (1 - p2) / (passes * data.Count));
        Assert.True(Math.Abs(p1 - p2) <= 5 * se, $"moment draws {p1} vs whole-network draws {p2} (se {se})");
    }

    [Fact]
    public void Certificate_uses_the_bound_split_size_and_states_its_confidence_split()
    {
        var rng = new Rng(6);
        var train = Blobs(1500, rng.Split("train"));
        var (priorPart, boundPart) = train.Split(0.5, rng.Split("split"));
        var prior = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        new Trainer(prior, new TrainingOptions { Epochs = 5, BatchSize = 32, Seed = 3 }, LinearAlgebraProviders.Default).TrainEpoch(priorPart);
        var q = GaussianMlp.Around(prior, 0.03);
        new PosteriorTrainer(q, prior, 0.03, Options(), LinearAlgebraProviders.Default).TrainEpoch(train);
        var cert = Certification.Certify(q, prior, 0.03, boundPart, new CertificateOptions { Passes = 4 }, LinearAlgebraProviders.Default);
        Assert.Equal(boundPart.Count, cert.BoundSetSize);
        Assert.Equal(4L * boundPart.Count, cert.MonteCarlo.Draws);
        Assert.True(cert.EmpiricalRiskUpper >= cert.MonteCarlo.Rate);
        Assert.True(cert.Certificate >= cert.EmpiricalRiskUpper);
        Assert.Equal(PacBayesBounds.Maurer(cert.EmpiricalRiskUpper, cert.Kl, boundPart.Count, 0.025), cert.Certificate, 12);
        Assert.Equal(q.Kl(prior, 0.03), cert.Kl);
        Assert.Contains("δ = 0.025 PAC-Bayes + δ′ = 0.01 Monte Carlo", cert.Statement);

        var gridded = Certification.Certify(q, prior, 0.03, boundPart, new CertificateOptions { Passes = 4, Grid = new PriorVarianceGrid() }, LinearAlgebraProviders.Default);
        Assert.NotNull(gridded.GridIndex);
        Assert.Equal(UnionBound.Polynomial(0.025, gridded.GridIndex!.Value), gridded.DeltaPacBayes, 15);
        Assert.True(gridded.Certificate > cert.Certificate * 0.999, "paying for the grid cannot make the certificate tighter by more than the rounding of σ_P");

        // Choosing among K set-ups on the same bound set: the same certificate as δ/K and δ′/K, and never tighter than K = 1.
        var chosen = Certification.Certify(q, prior, 0.03, boundPart, new CertificateOptions { Passes = 4, Configurations = 20 }, LinearAlgebraProviders.Default);
        var split = Certification.Certify(q, prior, 0.03, boundPart, new CertificateOptions { Passes = 4, Delta = 0.025 / 20, DeltaMonteCarlo = 0.01 / 20 }, LinearAlgebraProviders.Default);
        Assert.Equal(split.Certificate, chosen.Certificate, 15);
        Assert.True(chosen.Certificate > cert.Certificate, "a union bound over 20 set-ups must cost something");
        Assert.Equal(20, chosen.Configurations);
        Assert.Contains("chosen among 20 tried on this bound set", chosen.Statement);
        Assert.Throws<ArgumentException>(() => new CertificateOptions { Configurations = 0 }.Validate());
    }

    [Fact]
    public void Certificates_fail_at_most_delta_plus_delta_prime_of_the_time_over_independent_bound_sets()
    {
        // A fixed posterior (trained on data independent of every bound set), its true risk L(Q) from a large fresh
        // sample, and R independent bound sets: the failure count must be consistent with Bin(R, δ + δ′).
        var rng = new Rng(12);
        var la = LinearAlgebraProviders.Default;
        var prior = PacBayesInit.TruncatedNormal(Arch, rng.Split("init"));
        new Trainer(prior, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 1 }, la).TrainEpoch(Blobs(800, rng.Split("prior-data")));
        // Q = P: KL = 0, so the certificate is the Monte Carlo step followed by Maurer's inversion at its sharpest.
        var q = GaussianMlp.Around(prior, 0.2);
        var truth = StochasticEvaluation.Evaluate(q, Blobs(50000, rng.Split("truth")), 4, rng.Split("truth-mc"), la);
        double trueRisk = truth.Rate, trueRiskLow = MonteCarloBounds.ClopperPearson(truth.Errors, truth.Draws, 0.999).Lower;
        const int R = 300;
        var o = new CertificateOptions { Delta = 0.1, DeltaMonteCarlo = 0.05, Passes = 2 };
        Assert.True(q.Kl(prior, 0.2) < 1e-6, "Q = P up to the float32 round trip of σ");
        int failures = 0;
        for (int r = 0; r < R; r++)
        {
            var bound = Blobs(200, rng.Split("bound-" + r));
            var c = Certification.Certify(q, prior, 0.2, bound, o with { Seed = (ulong)r }, la);
            if (c.Certificate < trueRiskLow) failures++;
        }
        var ci = MonteCarloBounds.ClopperPearson(failures, R, 0.99);
        Assert.True(ci.Lower <= 0.15, $"{failures}/{R} certificates below the true risk {trueRisk}: more than δ + δ′ = 0.15");
    }
}
