using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class ConvKernelTests
{
    private static double[] Gaussian(Rng rng, int n) { var a = new double[n]; rng.FillGaussian(a); return a; }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    public void Patch_matrix_convolution_agrees_with_the_naive_loop_in_both_layouts(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 20; trial++)
        {
            int c = 1 + rng.NextInt(3), n = 1 + rng.NextInt(3), h = 3 + rng.NextInt(7), w = 3 + rng.NextInt(7);
            var spec = new Conv2dSpec(1 + rng.NextInt(4), 1 + rng.NextInt(4), 1 + rng.NextInt(4), 1 + rng.NextInt(3), rng.NextInt(3));
            var shape = new TensorShape(c, h, w);
            TensorShape o;
            try { o = spec.OutputShape(shape); } catch (ArgumentException) { continue; }
            var wt = Gaussian(rng, spec.OutChannels * c * spec.KernelHeight * spec.KernelWidth);
            var b = Gaussian(rng, spec.OutChannels);
            var x = Gaussian(rng, n * shape.Size);                       // sample-major
            var xc = new double[x.Length];
            Layout.SampleToChannelMajor<double>(x, c, n, h * w, xc);
            foreach (bool channelMajor in new[] { false, true })
            {
                var g = channelMajor ? ConvGeometry.ChannelMajor(c, n, h, w, spec.KernelHeight, spec.KernelWidth, spec.Stride, spec.Padding)
                                     : ConvGeometry.SampleMajor(c, n, h, w, spec.KernelHeight, spec.KernelWidth, spec.Stride, spec.Padding);
                Assert.Equal(o.Height, g.OutHeight); Assert.Equal(o.Width, g.OutWidth);
                var cols = new double[g.PatchSize * g.Columns];
                Im2Col.Unfold<double>(g, channelMajor ? xc : x, cols);
                var y = new double[spec.OutChannels * g.Columns];
                LinearAlgebraProviders.Default.Gemm(Transpose.No, Transpose.No, spec.OutChannels, g.Columns, g.PatchSize, 1.0, wt, g.PatchSize, cols, g.Columns, 0.0, y, g.Columns);
                for (int s = 0; s < n; s++)
                {
                    var expected = NaiveNetwork.Conv(x.AsSpan(s * shape.Size, shape.Size).ToArray(), shape, wt, b, spec);
                    for (int oc = 0; oc < spec.OutChannels; oc++)
                        for (int p = 0; p < o.Locations; p++)
                        {
                            double got = y[(oc * n + s) * o.Locations + p] + b[oc];
                            Assert.True(Math.Abs(got - expected[oc * o.Locations + p]) <= 1e-12 * (1 + Math.Abs(got)), $"{spec} on {shape}: ({oc},{s},{p}) {got} vs {expected[oc * o.Locations + p]}");
                        }
                }
            }
        }
    }

    [Theory]
    [InlineData(1, 28, 28, 5, 2)] [InlineData(3, 7, 9, 3, 1)] [InlineData(2, 5, 4, 1, 0)] [InlineData(2, 3, 6, 5, 2)] [InlineData(1, 2, 2, 3, 1)]
    public void Same_width_unfolds_take_the_whole_row_copy_path_and_agree_with_the_naive_loop(int c, int h, int w, int k, int p)
    {
        var rng = new Rng(77);
        int n = 3;
        var x = Gaussian(rng, n * c * h * w);
        foreach (bool channelMajor in new[] { false, true })
        {
            var g = channelMajor ? ConvGeometry.ChannelMajor(c, n, h, w, k, k, 1, p) : ConvGeometry.SampleMajor(c, n, h, w, k, k, 1, p);
            Assert.Equal(w, g.OutWidth);
            var cols = Gaussian(rng, g.PatchSize * g.Columns);            // garbage that must be overwritten
            Im2Col.Unfold<double>(g, x, cols);
            for (int ch = 0; ch < c; ch++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++)
                for (int s = 0; s < n; s++) for (int y = 0; y < g.OutHeight; y++) for (int xx = 0; xx < w; xx++)
                {
                    int iy = y + u - p, ix = xx + v - p;
                    double expected = iy < 0 || iy >= h || ix < 0 || ix >= w ? 0 : x[ch * g.ChannelStride + s * g.SampleStride + iy * w + ix];
                    Assert.Equal(expected, cols[((ch * k + u) * k + v) * g.Columns + (s * g.OutHeight + y) * w + xx]);
                }
        }
    }

    [Theory]
    [InlineData(6, 14, 14, 5, 0)] [InlineData(3, 13, 17, 4, 1)] [InlineData(2, 20, 21, 4, 0)] [InlineData(1, 9, 30, 7, 2)] [InlineData(2, 6, 5, 3, 0)]
    public void Stride_one_unfold_and_col2im_in_float32_equal_their_definitions_on_rows_longer_than_a_vector(int c, int h, int w, int k, int p)
    {
        // The narrower-than-input stride-1 path copies and accumulates rows with whole vectors (the last copy overlapping);
        // rows of 8 to 26 floats cross one, two and three vector widths with and without a tail.
        var rng = new Rng(91);
        int n = 3;
        var x = new float[n * c * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        foreach (bool channelMajor in new[] { false, true })
        {
            var g = channelMajor ? ConvGeometry.ChannelMajor(c, n, h, w, k, k, 1, p) : ConvGeometry.SampleMajor(c, n, h, w, k, k, 1, p);
            Assert.NotEqual(w, g.OutWidth);
            var cols = new float[g.PatchSize * g.Columns];
            for (int i = 0; i < cols.Length; i++) cols[i] = float.NaN;                   // must be overwritten everywhere
            Im2Col.Unfold<float>(g, x, cols);
            var z = new float[cols.Length];
            for (int i = 0; i < z.Length; i++) z[i] = (float)rng.NextGaussian();
            var back = new double[x.Length];
            for (int ch = 0; ch < c; ch++) for (int u = 0; u < k; u++) for (int v = 0; v < k; v++)
                for (int s = 0; s < n; s++) for (int y = 0; y < g.OutHeight; y++) for (int xx = 0; xx < g.OutWidth; xx++)
                {
                    int iy = y + u - p, ix = xx + v - p;
                    int at = ((ch * k + u) * k + v) * g.Columns + (s * g.OutHeight + y) * g.OutWidth + xx;
                    bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
                    long src = ch * g.ChannelStride + s * g.SampleStride + iy * w + ix;
                    Assert.Equal(inside ? x[src] : 0f, cols[at]);
                    if (inside) back[src] += z[at];
                }
            var got = new float[x.Length];
            for (int i = 0; i < got.Length; i++) got[i] = float.NaN;                     // Col2Im must clear it first
            Im2Col.Col2Im<float>(g, z, got);
            for (int i = 0; i < got.Length; i++)
                Assert.True(Math.Abs(got[i] - back[i]) <= 1e-5 * (1 + Math.Abs(back[i])), $"col2im at {i}: {got[i]} vs {back[i]}");
        }
    }

    [Theory]
    [InlineData(11)] [InlineData(12)] [InlineData(13)]
    public void Col2im_is_the_adjoint_of_im2col(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 30; trial++)
        {
            int c = 1 + rng.NextInt(3), n = 1 + rng.NextInt(3), h = 2 + rng.NextInt(8), w = 2 + rng.NextInt(8);
            int kh = 1 + rng.NextInt(4), kw = 1 + rng.NextInt(4), s = 1 + rng.NextInt(3), p = rng.NextInt(3);
            if (h + 2 * p < kh || w + 2 * p < kw) continue;
            var g = rng.NextInt(2) == 0 ? ConvGeometry.ChannelMajor(c, n, h, w, kh, kw, s, p) : ConvGeometry.SampleMajor(c, n, h, w, kh, kw, s, p);
            var x = Gaussian(rng, c * n * h * w);
            var z = Gaussian(rng, g.PatchSize * g.Columns);
            var ux = new double[z.Length];
            Im2Col.Unfold<double>(g, x, ux);
            var az = Gaussian(rng, x.Length);                              // garbage that Col2Im must overwrite
            Im2Col.Col2Im<double>(g, z, az);
            double lhs = 0, rhs = 0;
            for (int i = 0; i < z.Length; i++) lhs += ux[i] * z[i];
            for (int i = 0; i < x.Length; i++) rhs += x[i] * az[i];
            Assert.True(Math.Abs(lhs - rhs) <= 1e-10 * (1 + Math.Abs(lhs)), $"<Ux, z> = {lhs} but <x, U*z> = {rhs} for {g}");
        }
    }

    [Theory]
    [InlineData(21)] [InlineData(22)] [InlineData(23)]
    public void Pooling_agrees_with_the_naive_loop_and_backward_is_its_adjoint(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 30; trial++)
        {
            int c = 1 + rng.NextInt(3), h = 2 + rng.NextInt(8), w = 2 + rng.NextInt(8), k = 1 + rng.NextInt(3), s = 1 + rng.NextInt(3);
            if (h < k || w < k) continue;
            var kind = rng.NextInt(2) == 0 ? PoolKind.Max : PoolKind.Average;
            var spec = new Pool2dSpec(kind, k, s);
            var shape = new TensorShape(c, h, w); var o = spec.OutputShape(shape);
            var x = Gaussian(rng, shape.Size);
            var y = new double[o.Size]; var arg = new int[o.Size];
            if (kind == PoolKind.Max) Pooling.MaxForward<double>(x, c, h, w, k, s, y, arg);
            else Pooling.AverageForward<double>(x, c, h, w, k, s, y);
            var expected = NaiveNetwork.Pool(x, shape, spec);
            for (int i = 0; i < y.Length; i++) Assert.True(Math.Abs(y[i] - expected[i]) <= 1e-14 * (1 + Math.Abs(y[i])), $"{spec} on {shape}: entry {i}");
            // Pooling is linear for average pooling and for max pooling at a fixed argmax: ⟨P x', g⟩ = ⟨x', Pᵀ g⟩.
            var gy = Gaussian(rng, o.Size); var gx = new double[shape.Size];
            if (kind == PoolKind.Max) Pooling.MaxBackward<double>(gy, arg, c, h, w, o.Height, o.Width, gx);
            else Pooling.AverageBackward<double>(gy, c, h, w, k, s, gx);
            var xp = Gaussian(rng, shape.Size); var yp = new double[o.Size];
            if (kind == PoolKind.Max) for (int i = 0; i < yp.Length; i++) yp[i] = xp[(i / o.Locations) * shape.Locations + arg[i]];
            else Pooling.AverageForward<double>(xp, c, h, w, k, s, yp);
            double lhs = 0, rhs = 0;
            for (int i = 0; i < yp.Length; i++) lhs += yp[i] * gy[i];
            for (int i = 0; i < xp.Length; i++) rhs += xp[i] * gx[i];
            Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * (1 + Math.Abs(lhs)), $"{spec}: adjoint mismatch {lhs} vs {rhs}");
        }
    }

    [Fact]
    public void Max_pooling_breaks_ties_toward_the_first_maximum()
    {
        double[] x = [1, 3, 3, 0];
        var y = new double[1]; var arg = new int[1];
        Pooling.MaxForward<double>(x, 1, 2, 2, 2, 2, y, arg);
        Assert.Equal(3, y[0]);
        Assert.Equal(1, arg[0]);
    }

    [Fact]
    public void The_2x2_fast_path_picks_the_first_maximum_even_with_many_ties()
    {
        var rng = new Rng(5);
        int planes = 7, h = 9, w = 8;                   // odd height: the last row is outside every window
        var x = new float[planes * h * w];
        for (int i = 0; i < x.Length; i++) x[i] = rng.NextInt(3);
        var y = new float[planes * 4 * 4]; var arg = new int[y.Length];
        Pooling.MaxForward<float>(x, planes, h, w, 2, 2, y, arg);
        for (int q = 0; q < planes; q++)
            for (int oy = 0; oy < 4; oy++)
                for (int ox = 0; ox < 4; ox++)
                {
                    int o = (q * 4 + oy) * 4 + ox, best = -1;
                    foreach (int i in new[] { 2 * oy * w + 2 * ox, 2 * oy * w + 2 * ox + 1, (2 * oy + 1) * w + 2 * ox, (2 * oy + 1) * w + 2 * ox + 1 })
                        if (best < 0 || x[q * h * w + i] > x[q * h * w + best]) best = i;
                    Assert.Equal(best, arg[o]);
                    Assert.Equal(x[q * h * w + best], y[o]);
                }
    }

    [Fact]
    public void Layout_conversions_are_inverse_transposes()
    {
        var rng = new Rng(3);
        int c = 3, n = 5, p = 7;
        var x = Gaussian(rng, c * n * p);
        var y = new double[x.Length]; var z = new double[x.Length];
        Layout.ChannelToSampleMajor<double>(x, c, n, p, y);
        for (int ch = 0; ch < c; ch++) for (int s = 0; s < n; s++) for (int q = 0; q < p; q++)
            Assert.Equal(x[(ch * n + s) * p + q], y[(s * c + ch) * p + q]);
        Layout.SampleToChannelMajor<double>(y, c, n, p, z);
        Assert.Equal(x, z);
    }
}
