using GenBounds.Compression;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.CompressionTestSupport;

namespace GenBounds.Tests;

public class MagnitudePruningTests
{
    [Theory]
    [InlineData(0.1, 0.782)]
    [InlineData(0.5, 0.553)]
    [InlineData(1.0, 0.423)]
    [InlineData(2.0, 0.293)]
    [InlineData(5.0, 0.155)]
    [InlineData(10.0, 0.087)]
    public void Chi_reproduces_the_catalog_reference_keep_probabilities(double d, double expected)
    {
        Assert.Equal(expected, MagnitudePruning.KeepProbabilityGaussian(d), 3);
        Assert.Equal(1.0, MagnitudePruning.KeepProbabilityGaussian(d) + MagnitudePruning.PruneProbabilityGaussian(d), 12);
    }

    [Theory]
    [InlineData(0.7, 1.0, 1.0)]
    [InlineData(0.2, 0.5, 0.3)]
    [InlineData(1.5, 3.0, 0.8)]
    public void Prune_frequency_of_a_fixed_weight_is_in_the_binomial_band_around_exp_minus_w2_over_d_psi(double w, double d, double psi)
    {
        const int rows = 150, cols = 200;
        var weight = Enumerable.Repeat((float)w, rows * cols).ToArray();
        var mask = MagnitudePruning.SampleMask(weight, rows, cols, d, psi, DiagonalPolicy.Prune, new Rng(17));
        long pruned = rows * cols - mask.KeptCount;
        AssertBinomialBand(pruned, rows * cols, Math.Exp(-(double)(float)w * (float)w / (d * psi)), $"w={w}, d={d}");
    }

    [Theory]
    [InlineData(0.1)]
    [InlineData(1.0)]
    [InlineData(10.0)]
    public void Keep_fraction_on_Gaussian_weights_matches_chi_of_d(double d)
    {
        const int rows = 300, cols = 300;
        var rng = new Rng(23);
        var w = GaussianWeights(rows, cols, 1.0, rng);
        var mask = MagnitudePruning.SampleMask(w, rows, cols, d, 1.0, DiagonalPolicy.Prune, rng.Split("mask"));
        AssertBinomialBand(mask.KeptCount, rows * cols, MagnitudePruning.KeepProbabilityGaussian(d), $"keep fraction at d={d}");
    }

    [Fact]
    public void The_diagonal_is_kept_under_the_paper_policy_and_pruned_like_any_entry_under_the_code_policy()
    {
        const int rows = 30, cols = 50;
        var rng = new Rng(3);
        var w = GaussianWeights(rows, cols, 1.0, rng);
        for (int i = 0; i < rows; i++) w[i * cols + i] = 0f; // prune probability 1 under the code policy
        var keep = MagnitudePruning.SampleMask(w, rows, cols, 1.0, 1.0, DiagonalPolicy.Keep, new Rng(9));
        var prune = MagnitudePruning.SampleMask(w, rows, cols, 1.0, 1.0, DiagonalPolicy.Prune, new Rng(9));
        for (int i = 0; i < rows; i++) { Assert.True(keep[i, i]); Assert.False(prune[i, i]); }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                if (i != j) Assert.Equal(keep[i, j], prune[i, j]);
    }

    [Fact]
    public void Masks_are_determined_by_the_seed()
    {
        var arch = new MlpArchitecture(new[] { 20, 16, 10 }, bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(1));
        var a = MagnitudePruning.Prune(net, 1.0, new Rng(42));
        var b = MagnitudePruning.Prune(net, 1.0, new Rng(42));
        var c = MagnitudePruning.Prune(net, 1.0, new Rng(43));
        Assert.Equal(a.Network.ContentHash(), b.Network.ContentHash());
        Assert.NotEqual(a.Network.ContentHash(), c.Network.ContentHash());
        Assert.Equal(42UL, a.Seed);
    }

    [Fact]
    public void Network_pruning_uses_the_population_variance_per_layer_and_leaves_biases()
    {
        var arch = new MlpArchitecture(new[] { 20, 16, 10 }, bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(1));
        var r = MagnitudePruning.Prune(net, 2.0, new Rng(4));
        for (int l = 0; l < 2; l++)
        {
            var w = net.Layers[l].Weight;
            double mean = w.Average(x => (double)x), var = w.Sum(x => (x - mean) * (x - mean)) / w.Length;
            Assert.Equal(var, r.Layers[l].Psi, 12);
            Assert.Equal(net.Layers[l].Bias!, r.Network.Layers[l].Bias!);
            Assert.Equal(r.Masks.Layers[l].KeptCount, r.Layers[l].Kept);
            Assert.Equal(Math.Min(net.Layers[l].Out, net.Layers[l].In), r.Layers[l].ExemptDiagonal);
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(3.0)]
    public void Residual_moments_on_Gaussian_weights_match_the_derived_formulas(double d)
    {
        const int rows = 400, cols = 500;
        const double psi = 0.7;
        var rng = new Rng(31);
        var w = GaussianWeights(rows, cols, psi, rng);
        var mask = MagnitudePruning.SampleMask(w, rows, cols, d, psi, DiagonalPolicy.Prune, rng.Split("mask"));
        int n = rows * cols;
        double s1 = 0, s2 = 0, s4 = 0;
        for (int i = 0; i < n; i++)
        {
            double delta = mask.Values[i] == 1 ? 0 : w[i];
            s1 += delta; s2 += delta * delta; s4 += delta * delta * delta * delta;
        }
        // E Δ^{2k} = (2k−1)!! Ψ^k (d/(d+2))^{k+1/2}; the band uses the exact variance of each sample moment.
        double r = d / (d + 2);
        double M(int k, double dfact) => dfact * Math.Pow(psi, k) * Math.Pow(r, k + 0.5);
        var (e2, e4) = MagnitudePruning.GaussianResidualMoments(d, psi);
        Assert.Equal(M(1, 1), e2, 12);
        Assert.Equal(M(2, 3), e4, 12);
        AssertMeanBand(s1 / n, 0, Math.Sqrt(e2), n, "E Δ");
        AssertMeanBand(s2 / n, e2, Math.Sqrt(e4 - e2 * e2), n, "E Δ²");
        AssertMeanBand(s4 / n, e4, Math.Sqrt(M(4, 105) - e4 * e4), n, "E Δ⁴");
    }

    [Fact]
    public void Conditional_residual_mean_on_fixed_weights_is_w_times_the_prune_probability()
    {
        const int rows = 4, cols = 5, trials = 20000;
        var w = GaussianWeights(rows, cols, 1.0, new Rng(8));
        double psi = MagnitudePruning.PopulationVariance(w);
        const double d = 1.5;
        var cm = MagnitudePruning.ConditionalMoments(w, rows, cols, d, psi, DiagonalPolicy.Keep);
        var sum = new double[w.Length];
        var rng = new Rng(99);
        for (int t = 0; t < trials; t++)
        {
            var m = MagnitudePruning.SampleMask(w, rows, cols, d, psi, DiagonalPolicy.Keep, rng);
            for (int i = 0; i < w.Length; i++) if (m.Values[i] == 0) sum[i] += w[i];
        }
        for (int i = 0; i < w.Length; i++)
        {
            double p = Math.Exp(-(double)w[i] * w[i] / (d * psi));
            bool diag = i / cols == i % cols;
            Assert.Equal(diag ? 0 : w[i] * p, cm.Mean[i], 12);
            // Δ_ij = Z·w with Z ~ Bernoulli(p): sd |w|√(p(1−p)); Bonferroni over 20 entries → z = 4.
            AssertMeanBand(sum[i] / trials, cm.Mean[i], Math.Abs(w[i]) * Math.Sqrt(p * (1 - p)), trials, $"entry {i}", 4.0);
        }
    }
}
