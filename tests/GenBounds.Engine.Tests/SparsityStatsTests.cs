using GenBounds.Compression;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.CompressionTestSupport;

namespace GenBounds.Tests;

public class SparsityStatsTests
{
    [Fact]
    public void Row_and_column_counts_match_a_naive_count()
    {
        const int rows = 23, cols = 17;
        var rng = new Rng(2);
        var w = new float[rows * cols];
        for (int i = 0; i < w.Length; i++) w[i] = rng.NextDouble() < 0.3 ? (float)rng.NextGaussian() : 0f;
        var p = SparsityStats.Profile(w, rows, cols);
        for (int i = 0; i < rows; i++) Assert.Equal(Enumerable.Range(0, cols).Count(j => w[i * cols + j] != 0), p.RowCounts[i]);
        for (int j = 0; j < cols; j++) Assert.Equal(Enumerable.Range(0, rows).Count(i => w[i * cols + j] != 0), p.ColCounts[j]);
        Assert.Equal(w.Count(x => x != 0), p.NonZeros);
        Assert.Equal(Enumerable.Range(0, rows).Max(i => p.RowCounts[i]), p.MaxRowCount);
        Assert.Equal(Enumerable.Range(0, Math.Min(rows, cols)).Where(i => w[i * cols + i] == 0).ToArray(), p.ZeroDiagonal);
    }

    [Fact]
    public void Distributed_sparsity_reports_every_violating_row_column_and_diagonal_entry()
    {
        // 4×4: row 1 has 3 non-zeros, column 2 has 3, diagonal (3,3) is zero.
        var w = new float[]
        {
            1, 0, 1, 0,
            1, 1, 1, 0,
            0, 0, 1, 0,
            0, 0, 0, 0,
        };
        var p = SparsityStats.Profile(w, 4, 4);
        var c = SparsityStats.CheckDistributedSparse(p, jc: 2, jr: 2);
        Assert.False(c.Holds);
        Assert.Equal(new[] { 1 }, c.RowsOver);
        Assert.Equal(new[] { 2 }, c.ColsOver);
        Assert.Equal(new[] { 3 }, c.ZeroDiagonal);
        Assert.False(c.Rectangular);
        w[15] = 1;
        Assert.True(SparsityStats.CheckDistributedSparse(SparsityStats.Profile(w, 4, 4), 3, 3).Holds);
        Assert.True(SparsityStats.CheckDistributedSparse(SparsityStats.Profile(new float[] { 1, 1, 0, 1, 1, 0 }, 2, 3), 2, 2).Rectangular);
    }

    [Fact]
    public void Binomial_cdf_matches_direct_summation()
    {
        static double Choose(int n, int k) { double c = 1; for (int i = 1; i <= k; i++) c = c * (n - k + i) / i; return c; }
        foreach (var (n, p) in new[] { (10, 0.3), (25, 0.9), (40, 0.05) })
            for (int k = -1; k <= n; k++)
            {
                double direct = Enumerable.Range(0, Math.Max(0, k + 1)).Sum(j => Choose(n, j) * Math.Pow(p, j) * Math.Pow(1 - p, n - j));
                Assert.Equal(direct, SparsityStats.BinomialCdf(n, p, k), 12);
            }
    }

    [Theory]
    [InlineData(DiagonalPolicy.Keep)]
    [InlineData(DiagonalPolicy.Prune)]
    public void Exact_max_row_count_law_matches_Monte_Carlo_by_chi_square(DiagonalPolicy policy)
    {
        const int rows = 6, cols = 8, trials = 4000;
        const double d = 1.0;
        double chi = MagnitudePruning.KeepProbabilityGaussian(d);
        var counts = new long[cols + 1];
        var rng = new Rng(77);
        for (int t = 0; t < trials; t++)
        {
            // Fresh weights each trial: the joint (weights × mask) space in which entries are kept i.i.d. with probability χ(d).
            var w = GaussianWeights(rows, cols, 1.0, rng);
            var m = MagnitudePruning.SampleMask(w, rows, cols, d, 1.0, policy, rng);
            counts[SparsityStats.Profile(m).MaxRowCount]++;
        }
        int diag = policy == DiagonalPolicy.Keep ? Math.Min(rows, cols) : 0;
        var pmf = SparsityStats.MaxLineCountPmf(rows, cols, diag, chi);
        Assert.Equal(1.0, pmf.Sum(), 12);
        var (chi2, df) = PooledChiSquare(counts, pmf, trials);
        Assert.True(chi2 < ChiSquare999(df), $"χ² = {chi2:F2} with {df} df exceeds the 0.999 quantile {ChiSquare999(df):F2}");
    }

    [Fact]
    public void Max_line_law_with_no_diagonal_is_a_power_of_the_binomial_cdf()
    {
        Assert.Equal(Math.Pow(SparsityStats.BinomialCdf(20, 0.3, 9), 7), SparsityStats.MaxLineCountCdf(7, 20, 0, 0.3, 9), 12);
        double withDiag = Math.Pow(SparsityStats.BinomialCdf(20, 0.3, 9), 2) * Math.Pow(SparsityStats.BinomialCdf(19, 0.3, 8), 5);
        Assert.Equal(withDiag, SparsityStats.MaxLineCountCdf(7, 20, 5, 0.3, 9), 12);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(12)]
    public void Poisson_binomial_dp_matches_brute_force_enumeration(int n)
    {
        var rng = new Rng((ulong)n);
        var p = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
        var brute = new double[n + 1];
        for (int s = 0; s < 1 << n; s++)
        {
            double pr = 1; int c = 0;
            for (int j = 0; j < n; j++) if ((s >> j & 1) == 1) { pr *= p[j]; c++; } else pr *= 1 - p[j];
            brute[c] += pr;
        }
        var dp = SparsityStats.PoissonBinomialPmf(p);
        for (int c = 0; c <= n; c++) Assert.Equal(brute[c], dp[c], 13);
        for (int k = 0; k <= n; k++) Assert.Equal(brute.Take(k + 1).Sum(), SparsityStats.PoissonBinomialCdf(p, k), 12);
    }

    [Fact]
    public void Fixed_weight_row_law_is_the_product_of_Poisson_binomial_row_cdfs_and_matches_Monte_Carlo()
    {
        const int rows = 5, cols = 9, trials = 4000;
        var w = GaussianWeights(rows, cols, 1.0, new Rng(4));
        double psi = MagnitudePruning.PopulationVariance(w);
        var p = MagnitudePruning.KeepProbabilities(w, rows, cols, 1.0, psi, DiagonalPolicy.Keep);
        var rng = new Rng(5);
        var counts = new long[cols + 1];
        for (int t = 0; t < trials; t++) counts[SparsityStats.Profile(MagnitudePruning.SampleMask(w, rows, cols, 1.0, psi, DiagonalPolicy.Keep, rng)).MaxRowCount]++;
        var pmf = new double[cols + 1];
        double prev = 0;
        for (int k = 0; k <= cols; k++) { double c = SparsityStats.MaxRowCountCdfFixedWeights(p, rows, cols, k); pmf[k] = c - prev; prev = c; }
        Assert.Equal(1.0, prev, 12);
        var (chi2, df) = PooledChiSquare(counts, pmf, trials);
        Assert.True(chi2 < ChiSquare999(df), $"χ² = {chi2:F2} with {df} df exceeds {ChiSquare999(df):F2}");
    }

    [Fact]
    public void Balls_into_bins_deviation_solves_the_Bernstein_union_bound_and_holds_by_simulation()
    {
        const int bins = 50, balls = 500, trials = 2000;
        const double delta = 0.05;
        double t = SparsityStats.BallsIntoBinsDeviation(bins, balls, delta);
        Assert.Equal(delta, SparsityStats.BallsIntoBinsTail(bins, balls, t), 10);
        var rng = new Rng(6);
        int fails = 0;
        var load = new int[bins];
        for (int r = 0; r < trials; r++)
        {
            Array.Clear(load);
            for (int b = 0; b < balls; b++) load[rng.NextInt(bins)]++;
            if (load.Max() >= balls / (double)bins + t) fails++;
        }
        // Clopper–Pearson style upper limit at 99.9%: with F failures, p̂ + 3.29·sd must not exceed δ.
        double ph = fails / (double)trials;
        Assert.True(ph + Z999 * Math.Sqrt(Math.Max(ph, 1.0 / trials) * (1 - ph) / trials) <= delta, $"failure rate {ph} vs δ = {delta}");
    }
}
