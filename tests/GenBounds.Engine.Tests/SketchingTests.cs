using GenBounds.Compression;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.CompressionTestSupport;

namespace GenBounds.Tests;

public class SketchingTests
{
    [Theory]
    [InlineData(BipartiteConvention.LeftRegular)]
    [InlineData(BipartiteConvention.RightRegular)]
    public void Bipartite_degrees_are_exact_on_the_regular_side(BipartiteConvention convention)
    {
        const int s = 12, p = 30, deg = 4;
        var a = Sketching.SampleBipartite(s, p, deg, convention, new Rng(1));
        var dense = a.ToDense();
        Assert.All(dense, x => Assert.True(x == 0 || x == 1));
        if (convention == BipartiteConvention.LeftRegular)
            for (int i = 0; i < s; i++) Assert.Equal(deg, Enumerable.Range(0, p).Count(j => dense[i * p + j] == 1));
        else
            for (int j = 0; j < p; j++) Assert.Equal(deg, Enumerable.Range(0, s).Count(i => dense[i * p + j] == 1));
        Assert.Equal(convention == BipartiteConvention.LeftRegular ? s * deg : p * deg, (int)dense.Sum());
        Assert.Equal(convention, a.Convention);
    }

    [Fact]
    public void Neighbour_sets_are_uniform_by_a_chi_square_test_on_edge_frequencies()
    {
        const int s = 3, p = 8, deg = 3, trials = 3000;
        var rng = new Rng(2);
        var counts = new long[p];
        for (int t = 0; t < trials; t++)
            foreach (int j in Sketching.SampleBipartite(s, p, deg, BipartiteConvention.LeftRegular, rng).Neighbours[0]) counts[j]++;
        var probs = Enumerable.Repeat(1.0 / p, p).ToArray();
        var (chi2, df) = PooledChiSquare(counts, probs, trials * deg);
        Assert.True(chi2 < ChiSquare999(df), $"χ² = {chi2:F2}, df {df}");
    }

    [Fact]
    public void Sketch_equals_A_X_B_transpose_computed_naively()
    {
        const int pr = 9, pc = 7;
        var rng = new Rng(3);
        var a = Sketching.SampleBipartite(4, pr, 2, BipartiteConvention.RightRegular, rng);
        var b = Sketching.SampleBipartite(5, pc, 3, BipartiteConvention.LeftRegular, rng);
        var x = Gaussian(pr * pc, rng);
        var y = Sketching.Sketch(a, b, x);
        var ad = a.ToDense(); var bd = b.ToDense();
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 5; j++)
            {
                double s = 0;
                for (int r = 0; r < pr; r++) for (int c = 0; c < pc; c++) s += ad[i * pr + r] * x[r * pc + c] * bd[j * pc + c];
                Assert.Equal(s, y[i * 5 + j], 10);
            }
    }
}
