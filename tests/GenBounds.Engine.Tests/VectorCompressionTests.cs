using GenBounds.Compression;
using GenBounds.Random;
using Xunit;
using Xunit.Abstractions;
using static GenBounds.Tests.CompressionTestSupport;

namespace GenBounds.Tests;

public class VectorCompressionTests(ITestOutputHelper output)
{
    private static double[] Unit(int n, Rng rng)
    {
        var x = Gaussian(n, rng);
        double s = Math.Sqrt(x.Sum(v => v * v));
        return x.Select(v => v / s).ToArray();
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();

    [Theory]
    [InlineData(0.3, 0.25)]
    [InlineData(0.1, 0.05)]
    public void Vector_compress_is_unbiased_with_variance_at_most_eta_gamma_squared_over_two(double gamma, double eta)
    {
        const int h = 200, trials = 3000;
        var rng = new Rng(10);
        var c = Unit(h, rng);
        var u = Unit(h, rng);
        var coins = rng.Split("coins");
        var proj = new List<double>(trials);
        var sum = new double[h];
        int fails = 0;
        double target = Dot(c, u);
        for (int t = 0; t < trials; t++)
        {
            var r = VectorCompression.Compress(c, gamma, eta, coins);
            for (int i = 0; i < h; i++) sum[i] += r.Compressed[i];
            double x = Dot(r.Compressed, u);
            proj.Add(x);
            if (Math.Abs(x - target) > gamma) fails++;
        }
        var first = VectorCompression.Compress(c, gamma, eta, new Rng(1));
        for (int i = 0; i < h; i++)
        {
            double p = first.Probabilities[i], vi = c[i] * c[i] * (1 - p) / p;
            Assert.True(vi <= eta * gamma * gamma / 2 * (1 + 1e-12), $"Var(ĉ_{i}) = {vi} above ηγ²/2");
            if (p == 1) Assert.Equal(c[i], sum[i] / trials, 12); // kept with certainty: ĉ_i = c_i every draw
            else AssertMeanBand(sum[i] / trials, c[i], Math.Sqrt(vi), trials, $"E ĉ_{i}", 4.5); // Bonferroni over 200 coordinates
        }
        var (mean, var) = MeanVar(proj);
        double bound = eta * gamma * gamma / 2;
        double mu4 = proj.Sum(x => Math.Pow(x - mean, 4)) / trials;
        Assert.True(var - Z999 * Math.Sqrt((mu4 - var * var) / trials) <= bound, $"Var(ĉᵀu) = {var} significantly above ηγ²/2 = {bound}");
        double pf = fails / (double)trials;
        Assert.True(pf - Z999 * Math.Sqrt(Math.Max(pf, 1.0 / trials) / trials) <= eta / 2, $"failure rate {pf} above η/2 (Chebyshev)");
        Assert.True(first.Probabilities.Sum() <= 2 / (eta * gamma * gamma), "E nnz above 2/(ηγ²)");
    }

    [Fact]
    public void Discretized_vector_compress_meets_the_lemma_5_conclusion_and_lies_on_the_grid()
    {
        const int h = 100, trials = 3000;
        const double gamma = 0.3, eta = 0.1;
        var rng = new Rng(20);
        var c = Unit(h, rng);
        var u = Unit(h, rng);
        var coins = rng.Split("coins");
        int fails = 0, zeroed = 0;
        for (int t = 0; t < trials; t++)
        {
            var r = VectorCompression.CompressDiscretized(c, gamma, eta, coins);
            Assert.All(r.Values, x => Assert.Equal(x, Rounding.RoundToGrid(x, r.Step), 12));
            zeroed += r.ZeroedByThreshold;
            if (Math.Abs(Dot(r.Values, u) - Dot(c, u)) > gamma) fails++;
        }
        double pf = fails / (double)trials;
        output.WriteLine($"Lemma 5: failure {pf:F4} (η = {eta}), entries removed by the printed threshold per draw {zeroed / (double)trials:F2}");
        Assert.True(pf - Z999 * Math.Sqrt(Math.Max(pf, 1.0 / trials) / trials) <= eta, $"failure rate {pf} above η = {eta}");
    }

    [Fact]
    public void Vector_project_tail_is_below_eta_in_the_catalog_setting_and_reconstruction_is_reproducible()
    {
        // Catalog FINDING setting: γ = 0.5, η = 0.05 ⇒ k = 192; deviation > γ/2 for the unrounded projection, > γ rounded.
        const int h = 64, trials = 250;
        const double gamma = 0.5, eta = 0.05;
        int k = VectorCompression.ProjectHelperCount(gamma, eta);
        Assert.Equal(192, k);
        var rng = new Rng(30);
        var c = Unit(h, rng);
        var u = Unit(h, rng);
        int failHalf = 0, failRounded = 0;
        for (int t = 0; t < trials; t++)
        {
            ulong seed = rng.NextUInt64();
            var r = VectorCompression.Project(c, gamma, k, seed, round: false);
            if (Math.Abs(Dot(r.Reconstruction, u) - Dot(c, u)) > gamma / 2) failHalf++;
            var q = VectorCompression.Project(c, gamma, k, seed, round: true);
            if (Math.Abs(Dot(q.Reconstruction, u) - Dot(c, u)) > gamma) failRounded++;
            if (t == 0) Assert.Equal(r.Reconstruction, VectorCompression.Reconstruct(r.Coefficients, h, seed));
        }
        output.WriteLine($"Vector-Project k = {k}: tail(γ/2) {failHalf}/{trials}, rounded tail(γ) {failRounded}/{trials}");
        foreach (int f in new[] { failHalf, failRounded })
        {
            double pf = f / (double)trials;
            Assert.True(pf + Z999 * Math.Sqrt(Math.Max(pf, 1.0 / trials) / trials) <= eta, $"tail {pf} not below η");
        }
    }

    [Fact]
    public void Helper_norm_event_is_reported_and_fails_when_k_exceeds_h()
    {
        var c = Unit(50, new Rng(1));
        var few = VectorCompression.Project(c, 0.5, 5, 3, round: true, checkHelperNorm: true);
        var many = VectorCompression.Project(c, 0.5, 400, 3, round: true, checkHelperNorm: true);
        Assert.True(few.HelperNormEventHeld, $"‖V‖₂ = {few.HelperSpectralNorm} with k = 5, h = 50");
        Assert.False(many.HelperNormEventHeld, $"‖V‖₂ = {many.HelperSpectralNorm} with k = 400, h = 50");
        Assert.InRange(many.HelperSpectralNorm!.Value, 0.9 * (Math.Sqrt(50) + 20), 1.1 * (Math.Sqrt(50) + 20));
        Assert.Equal(0.5 / (2 * Math.Sqrt(50.0 * 400)), many.Step!.Value, 15);
    }
}
