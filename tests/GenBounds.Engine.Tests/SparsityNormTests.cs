using GenBounds.LinearAlgebra;
using GenBounds.Random;
using GenBounds.Sparsity;
using Xunit;

namespace GenBounds.Tests;

/// <summary>Sparse induced norms and the reduced babel function against plain enumeration (catalog SULAM-D1, D2, L17, L18, A1).</summary>
public class SparsityNormTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    internal static double[] Gaussian(int rows, int cols, ulong seed, double sd = 1)
    {
        var w = new double[rows * cols];
        new Rng(seed).FillGaussian(w, 0, sd);
        return w;
    }

    /// <summary>Random shapes 1..6 × 1..7 (odd sizes included), each with a seed.</summary>
    public static IEnumerable<object[]> Shapes()
    {
        var rng = new Rng(2023);
        for (int t = 0; t < 24; t++) yield return [1 + rng.NextInt(6), 1 + rng.NextInt(7), (ulong)(100 + t)];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_closed_form_reduced_row_norm_equals_enumeration_for_every_column_sparsity(int rows, int cols, ulong seed)
    {
        var w = Gaussian(rows, cols, seed);
        var profile = SparseNorms.ReducedRowNormProfile(w, rows, cols);
        for (int s1 = 0; s1 < cols; s1++)
        {
            double exact = SparseNorms.Exact(w, rows, cols, rows - 1, s1);
            Assert.Equal(exact, SparseNorms.ReducedRowNorm(w, rows, cols, s1), 10);
            Assert.Equal(exact, profile[s1], 10);
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sparse_norms_interpolate_between_the_largest_entry_and_the_spectral_norm_and_are_monotone(int rows, int cols, ulong seed)
    {
        var w = Gaussian(rows, cols, seed);
        Assert.Equal(w.Max(Math.Abs), SparseNorms.Exact(w, rows, cols, rows - 1, cols - 1), 10);
        Assert.Equal(La.SingularValues(w, rows, cols)[0], SparseNorms.Exact(w, rows, cols, 0, 0), 9);
        for (int s2 = 0; s2 < rows; s2++)
            for (int s1 = 0; s1 < cols; s1++)
            {
                double n = SparseNorms.Exact(w, rows, cols, s2, s1);
                if (s2 + 1 < rows) Assert.True(SparseNorms.Exact(w, rows, cols, s2 + 1, s1) <= n + 1e-12, "Lemma 17 fails in s2");
                if (s1 + 1 < cols) Assert.True(SparseNorms.Exact(w, rows, cols, s2, s1 + 1) <= n + 1e-12, "Lemma 17 fails in s1");
            }
    }

    [Theory]
    [InlineData(3, 5, 1UL)]
    [InlineData(7, 2, 2UL)]
    [InlineData(6, 6, 3UL)]
    [InlineData(1, 9, 4UL)]
    public void The_jacobi_spectral_norm_matches_lapack(int m, int n, ulong seed)
    {
        var a = Gaussian(m, n, seed, 3);
        Assert.Equal(La.SingularValues(a, m, n)[0], SparseNorms.SmallSpectralNorm(a, m, n), 10);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_corrected_algorithm_1_equals_definition_2_by_brute_force(int rows, int cols, ulong seed)
    {
        var w = Gaussian(rows, cols, seed);
        for (int s1 = 0; s1 < cols; s1++)
        {
            var profile = BabelFunction.Profile(w, rows, cols, s1, La);
            var loop = BabelFunction.Profile(w, rows, cols, s1, null);
            for (int s2 = 0; s2 < rows; s2++)
            {
                double brute = BabelFunction.BruteForce(w, rows, cols, s2, s1);
                double mu = BabelFunction.Reduced(w, rows, cols, s2, s1, La);
                Assert.True(Math.Abs(brute - mu) <= 1e-10 * Math.Max(1, brute), $"mu_({s2},{s1}): {mu} vs brute force {brute}");
                Assert.Equal(mu, profile.Mu[s2], 10);
                Assert.Equal(mu, loop.Mu[s2], 10);
                Assert.True(mu <= rows - s2 - 1 + 1e-12, $"mu = {mu} exceeds d2 - s2 - 1");
            }
        }
    }

    [Fact]
    public void The_babel_function_is_invariant_under_positive_rescaling()
    {
        var w = Gaussian(9, 11, 7);
        var scaled = w.Select(v => v * 37.5).ToArray();
        for (int s1 = 0; s1 < 11; s1 += 3)
            for (int s2 = 0; s2 < 9; s2 += 2)
                Assert.Equal(BabelFunction.Reduced(w, 9, 11, s2, s1), BabelFunction.Reduced(scaled, 9, 11, s2, s1), 9);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Lemma_18_bounds_every_sparse_norm_by_the_reduced_row_norm_and_the_babel_function(int rows, int cols, ulong seed)
    {
        var w = Gaussian(rows, cols, seed);
        for (int s2 = 0; s2 < rows; s2++)
            for (int s1 = 0; s1 < cols; s1++)
                Assert.True(SparseNorms.Exact(w, rows, cols, s2, s1) <= SparseNorms.BabelUpperBound(w, rows, cols, s2, s1, La) * (1 + 1e-12));
    }

    [Fact]
    public void The_printed_algorithm_1_disagrees_with_definition_2_on_a_witness()
    {
        var w = Gaussian(5, 6, 11, 2);
        double brute = BabelFunction.BruteForce(w, 5, 6, 1, 2);
        double printed = BabelFunction.Printed(w, 5, 6, 1, 2);
        Assert.True(Math.Abs(printed - brute) > 1e-3 * brute, $"printed {printed} vs definition {brute}");
    }

    [Fact]
    public void Exact_enumeration_refuses_sizes_beyond_its_limit_and_bad_sparsities()
    {
        var w = Gaussian(40, 40, 1);
        Assert.Throws<ArgumentException>(() => SparseNorms.Exact(w, 40, 40, 20, 20));
        Assert.Throws<ArgumentOutOfRangeException>(() => SparseNorms.ReducedRowNorm(w, 40, 40, 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => BabelFunction.Reduced(w, 40, 40, -1, 0));
    }

    [Fact]
    public void Selection_sums_match_sorting()
    {
        var rng = new Rng(5);
        for (int t = 0; t < 200; t++)
        {
            int n = 1 + rng.NextInt(60);
            var a = new double[n];
            rng.FillGaussian(a);
            if (t % 3 == 0) for (int i = 0; i < n; i++) a[i] = Math.Round(a[i]);   // ties
            int k = rng.NextInt(n + 1);
            var sorted = a.OrderBy(v => v).ToArray();
            Assert.Equal(sorted.Skip(n - k).Sum(), Selection.SumOfLargest(a.ToArray(), k), 10);
            Assert.Equal(sorted.Take(k).Sum(), Selection.SumOfSmallest(a.ToArray(), k), 10);
        }
    }

    [Fact]
    public void Log_binomials_match_direct_sums_and_alpha_has_its_row_norm_special_case()
    {
        for (int n = 0; n < 40; n++)
            for (int k = 0; k <= n; k++)
            {
                double direct = 0;
                for (int i = 1; i <= k; i++) direct += Math.Log(n - k + i) - Math.Log(i);
                Assert.Equal(direct, Combinatorics.LogBinomial(n, k), 9);
            }
        double delta = 0.01;
        double a = SparsityParameters.Alpha(100, 784, 99, 0, delta);
        Assert.Equal(1 + Math.Sqrt(784) + Math.Sqrt(2 * Math.Log(100) + 2 * Math.Log(1 / delta)), a, 9);
    }
}
