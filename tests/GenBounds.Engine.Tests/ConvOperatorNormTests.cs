using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class ConvOperatorNormTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    private static (double[] W, Conv2dSpec Spec, TensorShape Input) RandomConv(Rng rng, bool strideOne = false)
    {
        while (true)
        {
            var input = new TensorShape(1 + rng.NextInt(3), 3 + rng.NextInt(6), 3 + rng.NextInt(6));
            var spec = new Conv2dSpec(1 + rng.NextInt(4), 1 + rng.NextInt(4), 1 + rng.NextInt(4), strideOne ? 1 : 1 + rng.NextInt(3), rng.NextInt(3));
            try { spec.OutputShape(input); } catch (ArgumentException) { continue; }
            var w = new double[spec.OutChannels * input.Channels * spec.KernelHeight * spec.KernelWidth];
            rng.FillGaussian(w);
            return (w, spec, input);
        }
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)]
    public void The_dense_operator_is_the_convolution_and_its_frobenius_norm_is_the_tap_count_formula(ulong seed)
    {
        var rng = new Rng(seed);
        for (int t = 0; t < 20; t++)
        {
            var (w, spec, input) = RandomConv(rng);
            var o = spec.OutputShape(input);
            var a = ConvOperatorNorms.DenseOperator(w, spec, input);
            var x = new double[input.Size]; rng.FillGaussian(x);
            var y = new double[o.Size];
            La.Gemm(Transpose.No, Transpose.No, o.Size, 1, input.Size, 1.0, a, input.Size, x, 1, 0.0, y, 1);
            var expected = NaiveNetwork.Conv(x, input, w, null, spec);
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-12 * (1 + Math.Abs(y[i])));
            double fro = Math.Sqrt(a.Sum(v => v * v));
            Assert.True(Math.Abs(ConvOperatorNorms.OperatorFrobenius(w, spec, input) - fro) <= 1e-12 * fro, $"{spec} on {input}");
        }
    }

    [Theory]
    [InlineData(7)] [InlineData(8)] [InlineData(9)]
    public void The_operator_row_l21_norm_is_the_sum_of_the_dense_operator_row_norms(ulong seed)
    {
        var rng = new Rng(seed);
        for (int t = 0; t < 20; t++)
        {
            var (w, spec, input) = RandomConv(rng);
            var a = ConvOperatorNorms.DenseOperator(w, spec, input);
            int rows = spec.OutputShape(input).Size, cols = input.Size;
            double expected = 0;
            for (int r = 0; r < rows; r++) { double s = 0; for (int k = 0; k < cols; k++) s += a[r * cols + k] * a[r * cols + k]; expected += Math.Sqrt(s); }
            double got = ConvOperatorNorms.OperatorRowL21(w, spec, input);
            Assert.True(Math.Abs(got - expected) <= 1e-12 * (1 + expected), $"{spec} on {input}: {got} vs {expected}");
        }
    }

    [Theory]
    [InlineData(4)] [InlineData(5)] [InlineData(6)]
    public void The_lanczos_bracket_of_the_zero_padded_operator_contains_the_dense_svd_value(ulong seed)
    {
        var rng = new Rng(seed);
        for (int t = 0; t < 8; t++)
        {
            var (w, spec, input) = RandomConv(rng);
            var o = spec.OutputShape(input);
            double exact = La.SingularValues(ConvOperatorNorms.DenseOperator(w, spec, input), o.Size, input.Size)[0];
            var b = ConvOperatorNorms.OperatorSpectral(w, spec, input, La, seed: 7, relativeWidth: 1e-3, denseEntryLimit: 0);
            Assert.True(b.Steps > 0);
            Assert.True(b.Lower <= exact * (1 + 1e-9) && exact <= b.Upper * (1 + 1e-9), $"{spec} on {input}: {exact} outside [{b.Lower}, {b.Upper}]");
            Assert.True(b.RelativeWidth <= 1e-3 + 1e-9);
            var d = ConvOperatorNorms.OperatorSpectral(w, spec, input, La);
            Assert.Equal(0, d.Steps);
            Assert.Equal(exact, d.Lower, 10);
        }
    }

    [Theory]
    [InlineData(7)] [InlineData(8)] [InlineData(9)]
    public void The_fft_block_diagonalisation_gives_every_singular_value_of_the_circular_operator(ulong seed)
    {
        var rng = new Rng(seed);
        for (int t = 0; t < 8; t++)
        {
            var (w, spec, input) = RandomConv(rng, strideOne: true);
            int c = input.Channels, h = input.Height, wd = input.Width, kh = spec.KernelHeight, kw = spec.KernelWidth, oc = spec.OutChannels;
            // Circular operator on the same grid: out[o, y, x] = Σ W[o, c, u, v]·in[c, (y + u − p) mod H, (x + v − p) mod W].
            int n = c * h * wd, m = oc * h * wd;
            var a = new double[m * n];
            for (int o = 0; o < oc; o++) for (int y = 0; y < h; y++) for (int x = 0; x < wd; x++)
                for (int ic = 0; ic < c; ic++) for (int u = 0; u < kh; u++) for (int v = 0; v < kw; v++)
                {
                    int iy = ((y + u - spec.Padding) % h + h) % h, ix = ((x + v - spec.Padding) % wd + wd) % wd;
                    a[((o * h + y) * wd + x) * n + (ic * h + iy) * wd + ix] += w[((o * c + ic) * kh + u) * kw + v];
                }
            var exact = La.SingularValues(a, m, n);
            var fft = ConvOperatorNorms.CircularSingularValues(w, spec, input, La);
            Assert.Equal(exact.Length, fft.Length);
            for (int i = 0; i < exact.Length; i++) Assert.True(Math.Abs(exact[i] - fft[i]) <= 1e-9 * (1 + exact[0]), $"{spec} on {input}: σ{i} {exact[i]} vs {fft[i]}");
        }
    }

    [Fact]
    public void Layer_norms_report_operator_and_kernel_norms_separately()
    {
        var arch = NetworkArchitecture.Parse("1x12x12:conv4k3p1-fc5");
        var net = Network.InitializeDefault(arch, new Rng(1));
        var layer = (Conv2dLayer)net.WeightLayers[0];
        var n = ConvOperatorNorms.Compute(layer, La);
        var w = layer.WeightAsDouble();
        Assert.Equal(Math.Sqrt(w.Sum(v => v * v)), n.KernelFrobenius, 12);
        Assert.Equal(La.SingularValues(w, 4, 9)[0], n.KernelSpectral, 12);
        Assert.Equal(144, n.OutputLocations);
        Assert.True(n.OperatorFrobenius < 12 * n.KernelFrobenius);            // padding drops taps at the border
        // A patch equal to K's top right singular vector, placed where a whole window fits, maps to σ₁(K)·u at that output
        // location (and more elsewhere), so ‖A‖₂ ≥ ‖K‖₂ whenever some window lies inside the image.
        Assert.True(n.OperatorSpectral.Upper >= n.KernelSpectral * (1 - 1e-9));
        Assert.True(n.CircularSpectral > 0);
    }
}
