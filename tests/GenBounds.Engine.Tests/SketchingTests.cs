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

    [Theory]
    [InlineData(BipartiteConvention.LeftRegular)]
    [InlineData(BipartiteConvention.RightRegular)]
    public void Column_row_lists_are_the_dense_matrix_read_by_columns(BipartiteConvention convention)
    {
        var a = Sketching.SampleBipartite(7, 11, 3, convention, new Rng(5));
        var dense = a.ToDense();
        for (int j = 0; j < 11; j++)
            Assert.Equal(Enumerable.Range(0, 7).Where(i => dense[i * 11 + j] == 1).ToArray(), a.ColumnRows[j]);
        Assert.Equal(Enumerable.Range(0, 11).Count(j => Enumerable.Range(0, 7).All(i => dense[i * 11 + j] == 0)), a.EmptyColumns);
    }

    [Theory]
    [InlineData(BipartiteConvention.LeftRegular)]
    [InlineData(BipartiteConvention.RightRegular)]
    public void Every_neighbour_subset_is_equally_likely_by_a_chi_square_test(BipartiteConvention convention)
    {
        // p = 6, δ = 2 on the regular side: 15 subsets, each with probability 1/15.
        const int other = 6, deg = 2, trials = 3000;
        var rng = new Rng(2);
        var counts = new long[other * other];
        for (int t = 0; t < trials; t++)
        {
            var a = convention == BipartiteConvention.LeftRegular
                ? Sketching.SampleBipartite(3, other, deg, convention, rng)
                : Sketching.SampleBipartite(other, 3, deg, convention, rng);
            var nb = a.Neighbours[1];
            counts[nb[0] * other + nb[1]]++;
        }
        var cells = new List<long>();
        for (int i = 0; i < other; i++) for (int j = i + 1; j < other; j++) cells.Add(counts[i * other + j]);
        Assert.Equal(15, cells.Count);
        Assert.Equal(trials, cells.Sum());
        var (chi2, df) = PooledChiSquare(cells.ToArray(), Enumerable.Repeat(1.0 / 15, 15).ToArray(), trials);
        Assert.True(chi2 < ChiSquare999(df), $"χ² = {chi2:F2}, df {df}");
    }

    [Fact]
    public void Neighbour_lists_of_different_nodes_are_independent_by_a_chi_square_test_on_pairs()
    {
        const int p = 4, trials = 4000;
        var rng = new Rng(9);
        var joint = new long[p * p];
        for (int t = 0; t < trials; t++)
        {
            var a = Sketching.SampleBipartite(p, 2, 1, BipartiteConvention.RightRegular, rng);
            joint[a.Neighbours[0][0] * p + a.Neighbours[1][0]]++;
        }
        var (chi2, df) = PooledChiSquare(joint, Enumerable.Repeat(1.0 / (p * p), p * p).ToArray(), trials);
        Assert.True(chi2 < ChiSquare999(df), $"χ² = {chi2:F2}, df {df}");
    }

    [Fact]
    public void The_same_stream_draws_the_same_matrix()
    {
        var a = Sketching.SampleBipartite(20, 50, 4, BipartiteConvention.RightRegular, new Rng(SeedStreams.Derive(3, "A")));
        var b = Sketching.SampleBipartite(20, 50, 4, BipartiteConvention.RightRegular, new Rng(SeedStreams.Derive(3, "A")));
        var c = Sketching.SampleBipartite(20, 50, 4, BipartiteConvention.RightRegular, new Rng(SeedStreams.Derive(3, "B")));
        Assert.Equal(a.ToDense(), b.ToDense());
        Assert.NotEqual(a.ToDense(), c.ToDense());
    }

    [Fact]
    public void Invalid_shapes_degrees_and_neighbour_lists_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Sketching.SampleBipartite(0, 5, 1, BipartiteConvention.RightRegular, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sketching.SampleBipartite(3, 5, 4, BipartiteConvention.RightRegular, new Rng(1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => Sketching.SampleBipartite(3, 5, 6, BipartiteConvention.LeftRegular, new Rng(1)));
        Assert.Throws<ArgumentException>(() => new BipartiteMatrix(3, 2, 2, BipartiteConvention.RightRegular, [[1, 0], [0, 2]]));
        Assert.Throws<ArgumentException>(() => new BipartiteMatrix(3, 2, 2, BipartiteConvention.RightRegular, [[0, 0], [0, 2]]));
        Assert.Throws<ArgumentException>(() => new BipartiteMatrix(3, 2, 2, BipartiteConvention.RightRegular, [[0, 3], [0, 2]]));
        Assert.Throws<ArgumentException>(() => new BipartiteMatrix(3, 2, 2, BipartiteConvention.RightRegular, [[0, 1]]));
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

    [Theory]
    [InlineData(1, 1, 1, 1, 1)]
    [InlineData(13, 17, 5, 6, 3)]
    [InlineData(31, 8, 11, 29, 4)]
    public void The_edge_list_sketch_equals_the_GEMM_sketch_on_odd_shapes(int rows, int cols, int sr, int sc, int deg)
    {
        var rng = new Rng((ulong)(rows * 100 + cols));
        var a = Sketching.SampleBipartite(sr, rows, Math.Min(deg, sr), BipartiteConvention.RightRegular, rng);
        var b = Sketching.SampleBipartite(sc, cols, Math.Min(deg, cols), BipartiteConvention.LeftRegular, rng);
        var x = Gaussian(rows * cols, rng);
        for (int i = 0; i < x.Length; i += 3) x[i] = 0;   // sparse enough to exercise the skip
        var dense = Sketching.Sketch(a, b, x);
        var sparse = Sketching.SketchSparse(a, b, x);
        Assert.Equal(dense.Length, sparse.Length);
        for (int i = 0; i < dense.Length; i++) Assert.True(Math.Abs(dense[i] - sparse[i]) <= 1e-12 * (1 + Math.Abs(dense[i])), $"entry {i}: {dense[i]} vs {sparse[i]}");
        Assert.Equal(sparse.Max(Math.Abs), Sketching.SketchMaxAbs(a, b, x));
    }

    [Fact]
    public void Sketch_sides_follow_cs_sqrt_jp_ln_p_and_degrees_are_clamped()
    {
        Assert.Equal((int)Math.Ceiling(0.5 * Math.Sqrt(4 * 200) * Math.Log(200)), SketchSizing.Side(0.5, 4, 200));
        Assert.Equal(2567, SketchSizing.Side(1.0, 138, 1000));
        Assert.Equal(6, SketchSizing.Degree(1.0, 200, 100));     // ⌈ln 200⌉ = 6
        Assert.Equal(3, SketchSizing.Degree(1.0, 200, 3));       // at most s distinct neighbours
        Assert.Throws<ArgumentOutOfRangeException>(() => SketchSizing.Side(0, 4, 200));
    }

    [Fact]
    public void Synthetic_distributed_sparse_matrices_have_a_nonzero_diagonal_and_at_most_j_per_line()
    {
        foreach (var (rows, cols, j) in new[] { (40, 40, 4), (17, 33, 3), (33, 17, 5), (1, 9, 2) })
        {
            var x = DistributedSparse.Sample(rows, cols, j, new Rng((ulong)(rows + cols + j)));
            for (int i = 0; i < Math.Min(rows, cols); i++) Assert.NotEqual(0, x[i * cols + i]);
            for (int i = 0; i < rows; i++) Assert.InRange(Enumerable.Range(0, cols).Count(k => x[i * cols + k] != 0), 1, j);
            for (int k = 0; k < cols; k++) Assert.True(Enumerable.Range(0, rows).Count(i => x[i * cols + k] != 0) <= j);
            Assert.All(x, v => Assert.True(v == 0 || (Math.Abs(v) >= 0.5 && Math.Abs(v) <= 1.5)));
            int naive = Math.Max(Enumerable.Range(0, rows).Max(i => Enumerable.Range(0, cols).Count(k => x[i * cols + k] != 0)),
                                 Enumerable.Range(0, cols).Max(k => Enumerable.Range(0, rows).Count(i => x[i * cols + k] != 0)));
            Assert.Equal(naive, DistributedSparse.MaxLineCount(x, rows, cols));
        }
    }
}
