using GenBounds.LinearAlgebra;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The certified Lanczos bracket of ‖A‖₂ against the full SVD (the plain reference) on the shapes the Guha checks use.</summary>
public class SpectralNormTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    private static double[] Matrix(int rows, int cols, string kind, ulong seed)
    {
        var rng = new Rng(seed);
        var a = new double[rows * cols];
        rng.FillGaussian(a);
        switch (kind)
        {
            case "pruned":     // a pruning residual: about 40% of the entries zeroed
                for (int i = 0; i < a.Length; i++) if (rng.NextDouble() < 0.4) a[i] = 0;
                break;
            case "low-rank":   // rank 3 plus small noise: a well-separated top singular value, as in trained layers
                var u = new double[rows * 3]; var v = new double[cols * 3];
                rng.FillGaussian(u); rng.FillGaussian(v);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                    {
                        double s = 0;
                        for (int r = 0; r < 3; r++) s += (3 - r) * u[i * 3 + r] * v[j * 3 + r];
                        a[i * cols + j] = s + 1e-3 * a[i * cols + j];
                    }
                break;
            case "clustered":  // many equal singular values at the top: the gap-free case the certificate is built for
                for (int i = 0; i < a.Length; i++) a[i] = 0;
                for (int i = 0; i < Math.Min(rows, cols); i++) a[i * cols + i] = i < 50 ? 2.0 : 1.0 + 0.5 * rng.NextDouble();
                break;
        }
        return a;
    }

    [Theory]
    [InlineData(300, 250, "gaussian")]
    [InlineData(250, 300, "pruned")]
    [InlineData(400, 400, "low-rank")]
    [InlineData(400, 400, "clustered")]
    [InlineData(1000, 784, "pruned")]
    public void Lanczos_bracket_contains_the_SVD_norm_and_its_lower_end_is_the_SVD_norm(int rows, int cols, string kind)
    {
        var a = Matrix(rows, cols, kind, (ulong)(rows * 31 + cols));
        double svd = La.SingularValues(a, rows, cols)[0];
        var b = SpectralNorm.Bound(La, a, rows, cols, 17UL);
        Assert.True(b.Steps > 0, "a large matrix must take the Lanczos path");
        Assert.True(b.Lower <= svd * (1 + 1e-12), $"lower {b.Lower} above the SVD norm {svd}");
        Assert.True(svd <= b.Upper, $"SVD norm {svd} above the certified upper end {b.Upper}");
        Assert.True(b.RelativeWidth <= SpectralNorm.DefaultRelativeWidth * (1 + 1e-6), $"width {b.RelativeWidth}");
        // The certificate is gap-free and loose; the Ritz value itself converges far faster on these spectra.
        Assert.True(Math.Abs(b.Lower - svd) <= 1e-8 * svd, $"Ritz value {b.Lower} vs SVD {svd}");
    }

    [Fact]
    public void Small_matrices_get_the_exact_dense_norm()
    {
        var a = Matrix(10, 300, "gaussian", 5);
        var b = SpectralNorm.Bound(La, a, 10, 300, 1UL);
        Assert.Equal(0, b.Steps);
        Assert.Equal(La.SingularValues(a, 10, 300)[0], b.Lower);
        Assert.Equal(b.Lower, b.Upper);
    }

    [Fact]
    public void The_bound_is_a_pure_function_of_matrix_and_seed()
    {
        var a = Matrix(200, 180, "pruned", 9);
        Assert.Equal(SpectralNorm.Bound(La, a, 200, 180, 4UL), SpectralNorm.Bound(La, a, 200, 180, 4UL));
    }

    [Fact]
    public void Step_count_certifies_the_requested_width()
    {
        foreach (int n in new[] { 100, 784, 1000, 100_000 })
            foreach (double w in new[] { 0.001, 0.01, 0.1 })
            {
                int k = SpectralNorm.StepsFor(n, w, 1e-9);
                double eps = SpectralNorm.RelativeEigenError(n, k, 1e-9);
                Assert.True(1 / Math.Sqrt(1 - eps) <= 1 + w + 1e-12, $"n={n} w={w} k={k}");
                // one step fewer would not certify it (k is the smallest such count)
                if (k > 2) Assert.True(1 / Math.Sqrt(1 - SpectralNorm.RelativeEigenError(n, k - 1, 1e-9)) > 1 + w);
            }
    }
}
