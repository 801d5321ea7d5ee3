using GenBounds.Compression;
using GenBounds.Random;
using Xunit;
using Xunit.Abstractions;
using static GenBounds.Tests.CompressionTestSupport;

namespace GenBounds.Tests;

public class MatrixProjectTests(ITestOutputHelper output)
{
    private static double Bilinear(double[] a, int rows, int cols, double[] u, double[] v)
    {
        double s = 0;
        for (int p = 0; p < rows; p++) for (int q = 0; q < cols; q++) s += u[p] * a[p * cols + q] * v[q];
        return s;
    }

    [Fact]
    public void Helper_count_is_the_ceiling_of_C_ln_one_over_eta_over_eps_squared()
    {
        Assert.Equal(12, MatrixProject.HelperCount(0.5, 0.05));       // ln 20 / 0.25 = 11.98
        Assert.Equal(34, MatrixProject.HelperCount(0.3, 0.05));       // 33.29
        Assert.Equal(19, MatrixProject.HelperCount(0.5, 0.01));       // 18.42
        Assert.Equal(24, MatrixProject.HelperCount(0.5, 0.05, 2.0));  // 23.97
    }

    [Fact]
    public void Coefficients_are_inner_products_with_the_regenerated_sign_matrices_across_chunk_boundaries()
    {
        const int rows = 70, cols = 80, k = 3; // 5600 entries: more than one 4096-entry block
        var a = Gaussian(rows * cols, new Rng(1));
        var z = MatrixProject.Compress(a, rows, cols, k, 11);
        var m = new double[rows * cols];
        for (int t = 0; t < k; t++)
        {
            MatrixProject.FillSigns(11, t, m);
            Assert.All(m, x => Assert.True(x == 1 || x == -1));
            Assert.Equal(a.Zip(m, (x, y) => x * y).Sum(), z[t], 9);
        }
        var ahat = MatrixProject.Decompress(z, rows, cols, 11);
        var manual = new double[rows * cols];
        for (int t = 0; t < k; t++) { MatrixProject.FillSigns(11, t, m); for (int i = 0; i < m.Length; i++) manual[i] += z[t] * m[i] / k; }
        for (int i = 0; i < m.Length; i++) Assert.Equal(manual[i], ahat[i], 9);
    }

    [Fact]
    public void Decompress_of_compress_is_deterministic_for_a_seed_and_differs_across_seeds()
    {
        var a = Gaussian(6 * 7, new Rng(2));
        var x = MatrixProject.Decompress(MatrixProject.Compress(a, 6, 7, 5, 100), 6, 7, 100);
        var y = MatrixProject.Decompress(MatrixProject.Compress(a, 6, 7, 5, 100), 6, 7, 100);
        var z = MatrixProject.Decompress(MatrixProject.Compress(a, 6, 7, 5, 101), 6, 7, 101);
        Assert.Equal(x, y);
        Assert.NotEqual(x, z);
    }

    [Fact]
    public void Projection_is_unbiased_and_its_bilinear_variance_matches_the_exact_second_moment_formula()
    {
        const int rows = 4, cols = 5, k = 3, trials = 4000;
        var rng = new Rng(3);
        var a = Gaussian(rows * cols, rng);
        var u = Gaussian(rows, rng);
        var v = Gaussian(cols, rng);
        double fro2 = a.Sum(x => x * x);
        var sum = new double[a.Length];
        var bil = new List<double>(trials);
        for (int t = 0; t < trials; t++)
        {
            ulong seed = SeedStreams.Derive(77, "trial-" + t);
            var ahat = MatrixProject.Decompress(MatrixProject.Compress(a, rows, cols, k, seed), rows, cols, seed);
            for (int i = 0; i < a.Length; i++) sum[i] += ahat[i];
            bil.Add(Bilinear(ahat, rows, cols, u, v));
        }
        // Var(Â_pq) = (‖A‖_F² − A_pq²)/k (the formula with B = e_p e_qᵀ); z = 4 covers 20 entries at 99.9% jointly.
        for (int i = 0; i < a.Length; i++) AssertMeanBand(sum[i] / trials, a[i], Math.Sqrt((fro2 - a[i] * a[i]) / k), trials, $"entry {i}", 4.0);
        double exact = MatrixProject.BilinearVariance(a, rows, cols, u, v, k);
        var (mean, var) = MeanVar(bil);
        AssertMeanBand(mean, Bilinear(a, rows, cols, u, v), Math.Sqrt(exact), trials, "E uᵀÂv");
        // Sample variance band from the sample fourth central moment: Var(s²) ≈ (μ₄ − σ⁴)/n.
        double mu4 = bil.Sum(x => Math.Pow(x - mean, 4)) / trials;
        AssertMeanBand(var, exact, Math.Sqrt(mu4 - var * var), trials, "Var uᵀÂv");
    }

    [Fact]
    public void Mean_squared_Frobenius_error_is_n_minus_one_times_the_squared_norm_over_k()
    {
        const int rows = 5, cols = 6, k = 4, trials = 1500;
        var a = Gaussian(rows * cols, new Rng(4));
        double fro2 = a.Sum(x => x * x);
        var e = new List<double>(trials);
        for (int t = 0; t < trials; t++)
        {
            ulong seed = SeedStreams.Derive(5, "t" + t);
            var ahat = MatrixProject.Decompress(MatrixProject.Compress(a, rows, cols, k, seed), rows, cols, seed);
            e.Add(a.Select((x, i) => (ahat[i] - x) * (ahat[i] - x)).Sum());
        }
        var (mean, var) = MeanVar(e);
        AssertMeanBand(mean, (rows * cols - 1) * fro2 / k, Math.Sqrt(var), trials, "E‖Â−A‖_F²");
    }

    [Fact]
    public void Gaussian_surrogate_has_the_covariance_of_the_projection_without_the_diagonal_correction()
    {
        const int rows = 4, cols = 5, trials = 6000;
        const double k = 50;
        var rng = new Rng(6);
        var a = Gaussian(rows * cols, rng);
        var u = Gaussian(rows, rng);
        var v = Gaussian(cols, rng);
        double fro2 = a.Sum(x => x * x), ab = Bilinear(a, rows, cols, u, v), bb = u.Sum(x => x * x) * v.Sum(x => x * x);
        var bil = new List<double>(trials);
        var rs = rng.Split("surrogate");
        for (int t = 0; t < trials; t++) bil.Add(Bilinear(MatrixProject.GaussianSurrogate(a, rows, cols, k, rs), rows, cols, u, v));
        double expected = (fro2 * bb + ab * ab) / k;
        var (mean, var) = MeanVar(bil);
        AssertMeanBand(mean, ab, Math.Sqrt(expected), trials, "surrogate mean");
        AssertMeanBand(var, expected, Math.Sqrt(2) * expected, trials, "surrogate variance"); // Gaussian: Var(s²) = 2σ⁴/n
    }

    [Fact]
    public void Compressing_the_difference_from_init_returns_init_exactly_when_the_weights_did_not_move()
    {
        var init = Gaussian(20, new Rng(7));
        var z = MatrixProject.CompressDelta(init, init, 4, 5, 6, 8);
        Assert.All(z, c => Assert.Equal(0.0, c));
        Assert.Equal(init, MatrixProject.DecompressDelta(z, init, 4, 5, 8));
        var a = init.Select(x => x + 0.1).ToArray();
        var r = MatrixProject.DecompressDelta(MatrixProject.CompressDelta(a, init, 4, 5, 6, 8), init, 4, 5, 8);
        var direct = MatrixProject.Decompress(MatrixProject.Compress(a.Zip(init, (x, y) => x - y).ToArray(), 4, 5, 6, 8), 4, 5, 8);
        for (int i = 0; i < 20; i++) Assert.Equal(init[i] + direct[i], r[i], 12);
    }

    [Fact]
    public void Literal_helper_count_misses_the_promised_failure_rate_as_the_catalog_finding_says()
    {
        // ARORA-ALG1 FINDING: 8×8 Gaussian A, random u, v, ε = 0.5, η = 0.05, k = 12: failure ≈ 0.079 > η.
        const int rows = 8, cols = 8, trials = 6000;
        const double eps = 0.5, eta = 0.05;
        int k = MatrixProject.HelperCount(eps, eta);
        var rng = new Rng(2024);
        int fails = 0;
        for (int t = 0; t < trials; t++)
        {
            var a = Gaussian(rows * cols, rng);
            var u = Gaussian(rows, rng);
            var v = Gaussian(cols, rng);
            ulong seed = rng.NextUInt64();
            var ahat = MatrixProject.Decompress(MatrixProject.Compress(a, rows, cols, k, seed), rows, cols, seed);
            double dev = Math.Abs(Bilinear(ahat, rows, cols, u, v) - Bilinear(a, rows, cols, u, v));
            double scale = eps * Math.Sqrt(a.Sum(x => x * x) * u.Sum(x => x * x) * v.Sum(x => x * x));
            if (dev >= scale) fails++;
        }
        double p = fails / (double)trials, sd = Math.Sqrt(p * (1 - p) / trials);
        output.WriteLine($"literal k = {k}: failure rate {p:F4} ± {sd:F4} (η = {eta}; catalog 0.079 ± 0.004)");
        Assert.True(p - Z999 * sd > eta, $"failure rate {p} is not significantly above η = {eta}");
        Assert.True(Math.Abs(p - 0.079) <= Z999 * Math.Sqrt(sd * sd + 0.004 * 0.004), $"failure rate {p} disagrees with the catalog's 0.079 ± 0.004");
    }
}
