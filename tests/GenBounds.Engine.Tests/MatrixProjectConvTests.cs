using GenBounds.Compression;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class MatrixProjectConvTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    [Fact]
    public void Helper_counts_follow_the_catalog_formula()
    {
        var spec = new Conv2dSpec(4, 5, 3, Stride: 2);
        Assert.Equal((int)Math.Ceiling(2.0 * 9 * Math.Log(1 / 0.05) / 0.25), MatrixProjectConv.HelperCount(0.5, 0.05, spec, q: 2));   // ⌈5/2⌉ = 3
        Assert.Equal(3, MatrixProjectConv.Independence(0.05));
        Assert.Throws<ArgumentOutOfRangeException>(() => MatrixProjectConv.HelperCount(0, 0.05, spec));
    }

    [Fact]
    public void The_basis_is_orthonormal_and_regenerated_from_the_seed()
    {
        var u = MatrixProjectConv.Basis(12, 5, 7);
        for (int a = 0; a < 5; a++) for (int b = 0; b < 5; b++)
        {
            double dot = 0; for (int i = 0; i < 12; i++) dot += u[i * 5 + a] * u[i * 5 + b];
            Assert.Equal(a == b ? 1.0 : 0.0, dot, 12);
        }
        Assert.Equal(u, MatrixProjectConv.Basis(12, 5, 7));
        Assert.NotEqual(u, MatrixProjectConv.Basis(12, 5, 8));
    }

    [Theory]
    [InlineData(30, 7, 3)] [InlineData(40, 40, 4)] [InlineData(288, 111, 5)]
    public void The_basis_spans_the_same_subspace_as_the_thin_SVD_of_its_Gaussian_matrix(int dim, int r, ulong seed)
    {
        // Plain reference: U of the thin SVD of the same Gaussian matrix (column j drawn as the j-th block of D values).
        var draws = new double[dim * r];
        new Rng(SeedStreams.Derive(seed, "subspace")).FillGaussian(draws);
        var g = new double[dim * r];
        for (int j = 0; j < r; j++) for (int i = 0; i < dim; i++) g[i * r + j] = draws[j * dim + i];
        var (u, _, _) = La.Svd(g, dim, r);
        var b = MatrixProjectConv.Basis(dim, r, seed);
        // Equal spans ⇔ equal orthogonal projectors: ‖BBᵀ − UUᵀ‖_max small.
        double worst = 0;
        for (int p = 0; p < dim; p++)
            for (int q = 0; q < dim; q++)
            {
                double pb = 0, pu = 0;
                for (int j = 0; j < r; j++) { pb += b[p * r + j] * b[q * r + j]; pu += u[p * r + j] * u[q * r + j]; }
                worst = Math.Max(worst, Math.Abs(pb - pu));
            }
        Assert.True(worst < 1e-10, $"projectors differ by {worst:E2}");
    }

    [Theory]
    [InlineData(1)] [InlineData(2)]
    public void Lemma_11_every_location_kernel_comes_from_the_stored_coordinates_alone(ulong seed)
    {
        var rng = new Rng(seed);
        var spec = new Conv2dSpec(3, 3, 2, 2, 1); var input = new TensorShape(2, 7, 6);
        var w = new double[3 * 2 * 3 * 2]; rng.FillGaussian(w);
        int k = 5, p = 2;
        var c = MatrixProjectConv.Compress(w, spec, input, k, p, 99, La);
        Assert.Equal(10, c.SubspaceDimension);
        var basis = MatrixProjectConv.Basis(c.Dimension, 10, 99);
        for (int loc = 0; loc < c.Locations; loc++)
        {
            var fromCoordinates = MatrixProjectConv.LocationKernel(c, loc, basis, La);
            // Reference from the full kernel: M_t = √(D/r)·U g_t, Â = (1/k) Σ ⟨A, M_t⟩ M_t, with the same g_t.
            var g = new double[10]; var reference = new double[c.Dimension];
            var stream = new Rng(SeedStreams.Derive(99, "location-" + loc));
            double scale = Math.Sqrt((double)c.Dimension / 10);
            for (int t = 0; t < k; t++)
            {
                stream.FillGaussian(g);
                var m = new double[c.Dimension];
                for (int i = 0; i < c.Dimension; i++) { double s = 0; for (int j = 0; j < 10; j++) s += basis[i * 10 + j] * g[j]; m[i] = scale * s; }
                double z = 0; for (int i = 0; i < c.Dimension; i++) z += w[i] * m[i];
                for (int i = 0; i < c.Dimension; i++) reference[i] += z * m[i] / k;
            }
            for (int i = 0; i < c.Dimension; i++) Assert.True(Math.Abs(reference[i] - fromCoordinates[i]) <= 1e-10 * (1 + Math.Abs(reference[i])), $"location {loc} entry {i}");
        }
    }

    [Fact]
    public void The_compressed_kernel_is_unbiased_over_helper_strings()
    {
        var spec = new Conv2dSpec(2, 2, 2); var input = new TensorShape(1, 3, 3);
        double[] w = [0.9, -0.4, 0.3, 1.2, -0.7, 0.5, 0.1, -1.1];
        const int trials = 3000;
        var sum = new double[8]; var sumSq = new double[8];
        for (int t = 0; t < trials; t++)
        {
            var c = MatrixProjectConv.Compress(w, spec, input, 2, 2, (ulong)t, La);
            var a = MatrixProjectConv.LocationKernel(c, t % c.Locations, MatrixProjectConv.Basis(8, 4, (ulong)t), La);
            for (int i = 0; i < 8; i++) { sum[i] += a[i]; sumSq[i] += a[i] * a[i]; }
        }
        for (int i = 0; i < 8; i++)
        {
            double mean = sum[i] / trials, se = Math.Sqrt((sumSq[i] / trials - mean * mean) / trials);
            Assert.True(Math.Abs(mean - w[i]) <= 4.5 * se, $"entry {i}: E[Â] ≈ {mean} ± {se}, A = {w[i]}");
        }
    }

    [Fact]
    public void The_compressed_layer_applies_each_location_kernel_to_its_patch()
    {
        var rng = new Rng(3);
        var spec = new Conv2dSpec(2, 3, 3, 2, 1); var input = new TensorShape(2, 5, 6);
        var w = new double[2 * 2 * 9]; rng.FillGaussian(w);
        var c = MatrixProjectConv.Compress(w, spec, input, 3, 2, 5, La);
        var kernels = MatrixProjectConv.Decompress(c, La);
        int n = 2; var x = new double[n * input.Size]; rng.FillGaussian(x);
        var y = MatrixProjectConv.Apply(c, kernels, x, n);
        var o = spec.OutputShape(input);
        for (int s = 0; s < n; s++)
            for (int l = 0; l < o.Locations; l++)
            {
                var expected = NaiveNetwork.Conv(x.AsSpan(s * input.Size, input.Size).ToArray(), input, kernels.AsSpan(l * c.Dimension, c.Dimension).ToArray(), null, spec);
                for (int oc = 0; oc < 2; oc++) Assert.Equal(expected[oc * o.Locations + l], y[s * o.Size + oc * o.Locations + l], 12);
            }
        // With the whole space as S (kp ≥ D) and many Gaussians, Â approaches A.
        var full = MatrixProjectConv.Compress(w, spec, input, 4000, 1, 5, La);
        Assert.Equal(full.Dimension, full.SubspaceDimension);
        var k0 = MatrixProjectConv.LocationKernel(full, 0, MatrixProjectConv.Basis(full.Dimension, full.Dimension, 5), La);
        double err = Math.Sqrt(k0.Zip(w, (a, b) => (a - b) * (a - b)).Sum()), norm = Math.Sqrt(w.Sum(v => v * v));
        Assert.True(err < 0.2 * norm, $"relative error {err / norm} with k = 4000");
    }

    [Theory]
    [InlineData(2, 3, 3, 2, 1, 2, 5, 6, 7)]
    [InlineData(4, 5, 5, 2, 0, 1, 28, 28, 3)]
    [InlineData(3, 2, 3, 1, 2, 3, 4, 5, 1)]
    public void The_feature_major_layer_equals_the_sample_major_one(int outs, int kh, int kw, int stride, int pad, int channels, int h, int w, int n)
    {
        var rng = new Rng(11);
        var spec = new Conv2dSpec(outs, kh, kw, stride, pad); var input = new TensorShape(channels, h, w);
        var o = spec.OutputShape(input);
        var c = new CompressedConv(new double[] { 0 }, 1, 1, 0, spec, input);
        var kernels = new double[o.Locations * c.Dimension]; rng.FillGaussian(kernels);
        var x = new double[n * input.Size]; rng.FillGaussian(x);
        var xt = new double[x.Length];
        for (int s = 0; s < n; s++) for (int f = 0; f < input.Size; f++) xt[f * n + s] = x[s * input.Size + f];
        var reference = MatrixProjectConv.Apply(c, kernels, x, n);
        var fast = MatrixProjectConv.ApplyFeatureMajor(c, kernels, xt, n);
        for (int s = 0; s < n; s++)
            for (int f = 0; f < o.Size; f++)
                Assert.Equal(reference[s * o.Size + f], fast[f * n + s], 10);
    }
}
