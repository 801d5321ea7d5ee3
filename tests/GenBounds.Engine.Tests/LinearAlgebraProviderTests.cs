using GenBounds.LinearAlgebra;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The native provider against the managed triple-loop reference, on random shapes and transposes.</summary>
public class LinearAlgebraProviderTests
{
    private static readonly ILinearAlgebraProvider Native = LinearAlgebraProviders.Default;
    private static readonly ILinearAlgebraProvider Reference = LinearAlgebraProviders.Managed;

    public static IEnumerable<object[]> Shapes()
    {
        var rng = new Rng(20261121);
        foreach (var ta in new[] { Transpose.No, Transpose.Yes })
            foreach (var tb in new[] { Transpose.No, Transpose.Yes })
                for (int rep = 0; rep < 4; rep++)
                    yield return new object[] { ta, tb, 1 + rng.NextInt(37), 1 + rng.NextInt(29), 1 + rng.NextInt(41), rep };
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Sgemm_agrees_with_the_naive_triple_loop(Transpose ta, Transpose tb, int m, int n, int k, int rep)
    {
        var rng = new Rng((ulong)(m * 1000003 + n * 1009 + k * 7 + rep));
        int lda = (ta == Transpose.No ? k : m) + rep;     // padded leading dimensions exercise strides
        int ldb = (tb == Transpose.No ? n : k) + rep % 2;
        int ldc = n + rep;
        var a = new float[(ta == Transpose.No ? m : k) * lda];
        var b = new float[(tb == Transpose.No ? k : n) * ldb];
        var c0 = new float[m * ldc];
        rng.FillGaussian(a); rng.FillGaussian(b); rng.FillGaussian(c0);
        var c1 = (float[])c0.Clone(); var c2 = (float[])c0.Clone();
        Native.Gemm(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, -0.5f, c1, ldc);
        Reference.Gemm(ta, tb, m, n, k, 0.75f, a, lda, b, ldb, -0.5f, c2, ldc);
        for (int i = 0; i < c1.Length; i++)
            Assert.True(Math.Abs(c1[i] - c2[i]) <= 1e-4 * (1 + Math.Abs(c2[i])), $"index {i}: native {c1[i]} vs reference {c2[i]}");
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Dgemm_agrees_with_the_naive_triple_loop(Transpose ta, Transpose tb, int m, int n, int k, int rep)
    {
        var rng = new Rng((ulong)(m * 7919 + n * 31 + k + rep));
        int lda = ta == Transpose.No ? k : m, ldb = tb == Transpose.No ? n : k;
        var a = new double[(ta == Transpose.No ? m : k) * lda];
        var b = new double[(tb == Transpose.No ? k : n) * ldb];
        var c1 = new double[m * n];
        rng.FillGaussian(a); rng.FillGaussian(b); rng.FillGaussian(c1);
        var c2 = (double[])c1.Clone();
        Native.Gemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, 1.0, c1, n);
        Reference.Gemm(ta, tb, m, n, k, 1.0, a, lda, b, ldb, 1.0, c2, n);
        for (int i = 0; i < c1.Length; i++)
            Assert.True(Math.Abs(c1[i] - c2[i]) <= 1e-12 * (10 + Math.Abs(c2[i])), $"index {i}: {c1[i]} vs {c2[i]}");
    }

    [Fact]
    public void Gemm_rejects_a_buffer_too_small_before_touching_native_code()
    {
        var a = new float[5]; var b = new float[6]; var c = new float[6];
        var ex = Assert.Throws<ArgumentException>(() => Native.Gemm(Transpose.No, Transpose.No, 2, 3, 3, 1f, a, 3, b, 3, 0f, c, 3));
        Assert.Contains("buffer A", ex.Message);
        Assert.Throws<ArgumentException>(() => Native.Gemm(Transpose.No, Transpose.No, 2, 3, 2, 1f, new float[4], 1, b, 3, 0f, c, 3));
    }

    [Fact]
    public void Singular_values_of_a_known_matrix()
    {
        // [[3,0],[4,5]] has singular values √45 and √5.
        var s = Native.SingularValues(new double[] { 3, 0, 4, 5 }, 2, 2);
        Assert.Equal(Math.Sqrt(45), s[0], 12);
        Assert.Equal(Math.Sqrt(5), s[1], 12);
    }

    [Theory]
    [InlineData(7, 3)]
    [InlineData(3, 7)]
    [InlineData(12, 12)]
    [InlineData(1, 9)]
    public void Svd_reconstructs_the_matrix_and_matches_the_managed_solver(int m, int n)
    {
        var rng = new Rng((ulong)(m * 100 + n));
        var a = new double[m * n]; rng.FillGaussian(a);
        var (u, s, vt) = Native.Svd(a, m, n);
        var sRef = Reference.SingularValues(a, m, n);
        int r = Math.Min(m, n);
        for (int i = 0; i < r; i++) Assert.Equal(sRef[i], s[i], 10);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double x = 0;
                for (int p = 0; p < r; p++) x += u[i * r + p] * s[p] * vt[p * n + j];
                Assert.Equal(a[i * n + j], x, 10);
            }
    }

    [Fact]
    public void Symmetric_eigen_matches_the_managed_solver_and_satisfies_Av_equals_lambda_v()
    {
        var rng = new Rng(99);
        int n = 9;
        var g = new double[n * n]; rng.FillGaussian(g);
        var a = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i * n + j] = g[i * n + j] + g[j * n + i];
        var (w, v) = Native.SymmetricEigen(a, n, vectors: true);
        var (wRef, _) = Reference.SymmetricEigen(a, n, vectors: false);
        for (int i = 0; i < n; i++) Assert.Equal(wRef[i], w[i], 10);
        for (int e = 0; e < n; e++)
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int j = 0; j < n; j++) av += a[i * n + j] * v![e * n + j];
                Assert.Equal(w[e] * v![e * n + i], av, 9);
            }
    }
}
