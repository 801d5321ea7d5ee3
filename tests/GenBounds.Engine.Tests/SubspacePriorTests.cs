using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.PacBayes;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class SubspacePriorTests
{
    private static readonly MlpArchitecture Tiny = new([3, 2, 2], bias: true);   // N = 14 coordinates

    private static Mlp Zero(MlpArchitecture arch) => new(arch);

    /// <summary>The parameter vector of the means of <paramref name="q"/> in the subspace's order (weights, biases, layer by layer).</summary>
    private static double[] Flat(GaussianMlp q) =>
        Enumerable.Range(0, q.Architecture.Depth).SelectMany(l => q.WeightMeans[l].Concat(q.BiasMeans[l])).Select(v => (double)v).ToArray();

    [Fact]
    public void Hashed_subspace_columns_are_orthonormal_and_transpose_is_the_adjoint()
    {
        var arch = new MlpArchitecture([5, 7, 3], bias: true);
        var p = new HashedSubspace(arch, 9, new Rng(1));
        var dense = p.ToDense();
        int n = dense.GetLength(0), d = dense.GetLength(1);
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
            {
                double dot = 0;
                for (int i = 0; i < n; i++) dot += dense[i, a] * dense[i, b];
                Assert.Equal(a == b && p.IsUsed(a) ? 1.0 : 0.0, dot, 6);
            }
        // ⟨g, Pz⟩ = ⟨Pᵀg, z⟩ for random g and z.
        var r = new Rng(2);
        var g = new GaussianMlp(arch);
        foreach (var v in g.WeightMeans.Concat(g.BiasMeans)) for (int i = 0; i < v.Length; i++) v[i] = (float)r.NextGaussian();
        var z = Enumerable.Range(0, d).Select(_ => (float)r.NextGaussian()).ToArray();
        var gz = new double[d];
        p.Transpose(g.WeightMeans, g.BiasMeans, gz);
        var gflat = Flat(g);
        double lhs = 0, rhs = 0;
        for (int i = 0; i < n; i++) { double pz = 0; for (int k = 0; k < d; k++) pz += dense[i, k] * z[k]; lhs += gflat[i] * pz; }
        for (int k = 0; k < d; k++) rhs += gz[k] * z[k];
        Assert.Equal(lhs, rhs, 5);
    }

    /// <summary>KL(N(μ, diag σ²) ‖ N(0, Σ)) in double by Cholesky: the definition, for a dense Σ.</summary>
    private static double DenseKl(double[] mu, double[] sigma, double[,] sigmaP)
    {
        int n = mu.Length;
        var l = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double sum = sigmaP[i, j];
                for (int k = 0; k < j; k++) sum -= l[i, k] * l[j, k];
                l[i, j] = i == j ? Math.Sqrt(sum) : sum / l[j, j];
            }
        double Solve(double[] b, double[] x)   // x = Σ⁻¹b, returns bᵀΣ⁻¹b
        {
            var y = new double[n];
            for (int i = 0; i < n; i++) { double t = b[i]; for (int k = 0; k < i; k++) t -= l[i, k] * y[k]; y[i] = t / l[i, i]; }
            for (int i = n - 1; i >= 0; i--) { double t = y[i]; for (int k = i + 1; k < n; k++) t -= l[k, i] * x[k]; x[i] = t / l[i, i]; }
            double q = 0; for (int i = 0; i < n; i++) q += b[i] * x[i];
            return q;
        }
        double trace = 0;
        for (int i = 0; i < n; i++) { var e = new double[n]; e[i] = 1; var x = new double[n]; Solve(e, x); trace += x[i] * sigma[i] * sigma[i]; }
        double quad = Solve(mu, new double[n]);
        double logDetP = 0; for (int i = 0; i < n; i++) logDetP += 2 * Math.Log(l[i, i]);
        return 0.5 * (trace + quad - n + logDetP - sigma.Sum(v => Math.Log(v * v)));
    }

    [Theory]
    [InlineData(4, 0.05, 0.3)]
    [InlineData(6, 0.2, 0.01)]
    [InlineData(3, 0.01, 2.0)]
    public void Subspace_kl_equals_the_dense_gaussian_kl(int d, double s, double tau2)
    {
        var p = new HashedSubspace(Tiny, d, new Rng((ulong)d));
        var r = new Rng(9);
        // Posterior σ = s as materialised in float32 (not all bit-equal), jittered on a few coordinates.
        var q = GaussianMlp.Around(Zero(Tiny), s);
        q.WeightRhos[0][1] = (float)Softplus.Inverse(1.3 * s); q.BiasRhos[1][0] = (float)Softplus.Inverse(0.7 * s);
        // Mean shift mostly in the subspace, partly outside it.
        var z = Enumerable.Range(0, d).Select(_ => (float)(3 * r.NextGaussian())).ToArray();
        p.Expand(z, Zero(Tiny), q);
        foreach (var v in q.WeightMeans.Concat(q.BiasMeans)) for (int i = 0; i < v.Length; i++) v[i] += (float)(0.05 * r.NextGaussian());
        var dense = p.ToDense();
        int n = (int)Tiny.ParameterCount;
        var sigmaP = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double c = 0; for (int k = 0; k < d; k++) c += dense[i, k] * dense[j, k];
                sigmaP[i, j] = tau2 * c + (i == j ? s * s : 0);
            }
        var (sw, sb) = q.Sigmas();
        var sigma = Enumerable.Range(0, Tiny.Depth).SelectMany(l => sw[l].Concat(sb[l])).Select(v => (double)v).ToArray();
        double reference = DenseKl(Flat(q), sigma, sigmaP);
        var (delta2, proj2) = p.Difference(q, Zero(Tiny));
        var (phi, c2u) = p.VarianceTerms(q, s);
        double kl = SubspaceKl.Value(delta2, proj2, p.Effective, s, tau2, phi, c2u);
        Assert.True(Math.Abs(kl - reference) <= 1e-9 * reference, $"subspace KL {kl} vs dense {reference}");
        // The uniform-σ form ignores the two jittered coordinates: off by their variance terms.
        Assert.True(Math.Abs(SubspaceKl.Value(delta2, proj2, p.Effective, s, tau2) - reference) > 1e-3);
        // Mutant: the isotropic KL ‖Δ‖²/(2s²) ignores the prior's subspace variance; it must disagree here.
        Assert.True(Math.Abs(delta2 / (2 * s * s) - reference) > 1e-2 * reference);
    }

    [Fact]
    public void The_best_tau_minimises_the_kl_and_gives_the_log_form()
    {
        double s = 0.01, y2 = 4000; int r = 1000;
        double best = SubspaceKl.BestTau2(y2, r), kl = SubspaceKl.Value(y2, y2, r, s, best);
        foreach (double f in new[] { 0.5, 0.9, 0.99, 1.01, 1.1, 2 }) Assert.True(SubspaceKl.Value(y2, y2, r, s, best * f) > kl);
        Assert.Equal(SubspaceKl.AtBestScale(y2, r, s).Kl, kl, 6);
    }

    [Fact]
    public void Subspace_training_learns_and_keeps_the_posterior_in_the_subspace()
    {
        var arch = new MlpArchitecture([6, 16, 12, 3], bias: true);
        var rng = new Rng(4);
        var train = PosteriorTrainingTests.Blobs(2000, rng.Split("train"));
        var prior = PacBayesInit.TruncatedNormal(arch, rng.Split("init"));
        var p = new HashedSubspace(arch, 40, rng.Split("subspace"));
        var q = GaussianMlp.Around(prior, 0.05);
        var t = new SubspacePosteriorTrainer(q, prior, p, 0.05, new PosteriorTrainingOptions
        {
            Objective = ObjectiveKind.Quad, Epochs = 8, BatchSize = 32, Optimizer = GenBounds.Training.OptimizerKind.Adam, LearningRate = 0.05, Seed = 5, KlPenalty = 1e-3,
        }, LinearAlgebraProviders.Default);
        var first = t.TrainEpoch(train);
        PosteriorEpochStats last = first;
        for (int e = 1; e < 8; e++) last = t.TrainEpoch(train);
        Assert.True(last.StochasticError < first.StochasticError - 0.1 && last.StochasticError < 0.4, $"stochastic training error {first.StochasticError} → {last.StochasticError}");
        var (delta2, proj2) = p.Difference(q, prior);
        Assert.True(proj2 > 0 && delta2 - proj2 <= 1e-9 * delta2 + 1e-10, $"‖Δ‖² {delta2} vs ‖PᵀΔ‖² {proj2}: the mean left the subspace");
        // Resuming from the exported state continues exactly.
        var (tensors, step, epochs) = t.ExportState();
        var q2 = GaussianMlp.Around(prior, 0.05);
        var t2 = new SubspacePosteriorTrainer(q2, prior, p, 0.05, new PosteriorTrainingOptions
        {
            Objective = ObjectiveKind.Quad, Epochs = 9, BatchSize = 32, Optimizer = GenBounds.Training.OptimizerKind.Adam, LearningRate = 0.05, Seed = 5, KlPenalty = 1e-3,
        }, LinearAlgebraProviders.Default);
        t2.ImportState(tensors, step, epochs);
        Assert.Equal(q.ContentHash(), q2.ContentHash());
        t.TrainEpoch(train); t2.TrainEpoch(train);
        Assert.Equal(q.ContentHash(), q2.ContentHash());
    }
}
