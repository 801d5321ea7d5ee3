using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The channels-last training kernels (grouped patch convolution, pooling, layouts) against naive loops and their adjoints.</summary>
public class ChannelsLastKernelTests
{
    private static double[] Gaussian(Rng rng, int n) { var a = new double[n]; rng.FillGaussian(a); return a; }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    // A random convolution on a random input whose output width has at least one divisor (every width has 1).
    private static (Conv2dSpec Spec, TensorShape Shape, int N) RandomConv(Rng rng)
    {
        while (true)
        {
            var shape = new TensorShape(1 + rng.NextInt(3), 3 + rng.NextInt(10), 3 + rng.NextInt(10));
            var spec = new Conv2dSpec(1 + rng.NextInt(6), 1 + rng.NextInt(4), 1 + rng.NextInt(4), 1 + rng.NextInt(3), rng.NextInt(3));
            try { spec.OutputShape(shape); } catch (ArgumentException) { continue; }
            return (spec, shape, 1 + rng.NextInt(3));
        }
    }

    // Every grouping of a convolution: each divisor g of the output width, in natural and (g even) pair order.
    private static IEnumerable<GroupedConv> Groupings(Conv2dSpec spec, TensorShape shape)
    {
        var g1 = GroupedConv.For(spec, shape) with { Group = 1 };
        for (int g = 1; g <= g1.OutWidth; g++)
        {
            if (g1.OutWidth % g != 0) continue;
            yield return g1 with { Group = g };
            if (g % 2 == 0) yield return g1 with { Group = g, PairOrder = true };
        }
    }

    // Position within a GEMM row of output pixel j of a group (the order GroupedConv documents).
    private static int Position(GroupedConv g, int j) => g.PairOrder ? (j % 2) * (g.Group / 2) + j / 2 : j;

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    public void Grouped_patch_convolution_agrees_with_the_naive_loop_for_every_group_and_order(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 12; trial++)
        {
            var (spec, shape, n) = RandomConv(rng);
            var o = spec.OutputShape(shape);
            var w = Gaussian(rng, spec.OutChannels * shape.Channels * spec.KernelHeight * spec.KernelWidth);
            var x = Gaussian(rng, n * shape.Size);                                  // PyTorch layout [n][c][y][x]
            var xl = new double[x.Length];
            ChannelsLastLayout.FromChannelsFirst<double>(x, n, shape.Channels, shape.Locations, xl);
            var expected = Enumerable.Range(0, n).Select(s => NaiveNetwork.Conv(x.AsSpan(s * shape.Size, shape.Size).ToArray(), shape, w, null, spec)).ToArray();
            foreach (var g in Groupings(spec, shape))
            {
                Assert.Equal((o.Height, o.Width), (g.OutHeight, g.OutWidth));
                var patches = new double[n * g.RowsPerSample * g.PatchSize];
                g.Unfold<double>(xl, n, patches);
                if (g.Padding > 0)
                {
                    // The padded route gives the same patch matrix, bit for bit.
                    var padded = new double[n * g.Padded.Height * g.Padded.Width * g.Channels];
                    g.Pad<double>(xl, n, padded);
                    var viaPad = new double[patches.Length];
                    g.Padded.Unfold<double>(padded, n, viaPad);
                    Assert.Equal(patches, viaPad);
                }
                var we = new double[g.GroupOutputs * g.PatchSize];
                g.ExpandWeights<double>(w, we);
                int rows = n * g.RowsPerSample;
                var y = new double[rows * g.GroupOutputs];
                LinearAlgebraProviders.Managed.Gemm(Transpose.No, Transpose.Yes, rows, g.GroupOutputs, g.PatchSize, 1.0, patches, g.PatchSize, we, g.PatchSize, 0.0, y, g.GroupOutputs);
                for (int s = 0; s < n; s++)
                    for (int yy = 0; yy < o.Height; yy++)
                        for (int xx = 0; xx < o.Width; xx++)
                            for (int oc = 0; oc < spec.OutChannels; oc++)
                            {
                                int row = (s * o.Height + yy) * (o.Width / g.Group) + xx / g.Group;
                                double got = y[row * g.GroupOutputs + Position(g, xx % g.Group) * spec.OutChannels + oc];
                                double want = expected[s][(oc * o.Height + yy) * o.Width + xx];
                                Assert.True(Math.Abs(got - want) <= 1e-12 * (1 + Math.Abs(want)), $"{spec} on {shape}, g {g.Group} pairs {g.PairOrder}: ({s},{oc},{yy},{xx}) {got} vs {want}");
                            }
            }
        }
    }

    [Theory]
    [InlineData(11)] [InlineData(12)] [InlineData(13)]
    public void Fold_crop_and_weight_fold_are_the_adjoints_of_unfold_pad_and_expansion(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 15; trial++)
        {
            var (spec, shape, n) = RandomConv(rng);
            foreach (var g in Groupings(spec, shape))
            {
                var x = Gaussian(rng, n * shape.Size);
                var r = Gaussian(rng, n * g.RowsPerSample * g.PatchSize);
                var unfolded = new double[r.Length]; g.Unfold<double>(x, n, unfolded);
                var folded = new double[x.Length]; g.Fold<double>(r, n, folded);
                double lhs = Dot(r, unfolded), rhs = Dot(folded, x);
                Assert.True(Math.Abs(lhs - rhs) <= 1e-10 * (1 + Math.Abs(lhs)), $"unfold/fold {spec} on {shape}, g {g.Group}: {lhs} vs {rhs}");

                var w = Gaussian(rng, spec.OutChannels * shape.Channels * spec.KernelHeight * spec.KernelWidth);
                var d = Gaussian(rng, g.GroupOutputs * g.PatchSize);
                var we = new double[d.Length]; g.ExpandWeights<double>(w, we);
                var dw = new double[w.Length]; g.FoldWeightGradient<double>(d, dw);
                lhs = Dot(d, we); rhs = Dot(dw, w);
                Assert.True(Math.Abs(lhs - rhs) <= 1e-10 * (1 + Math.Abs(lhs)), $"expand/fold weights {spec}, g {g.Group} pairs {g.PairOrder}: {lhs} vs {rhs}");

                var q = Gaussian(rng, n * g.Padded.Height * g.Padded.Width * g.Channels);
                var padded = new double[q.Length]; g.Pad<double>(x, n, padded);
                var cropped = new double[x.Length]; g.Crop<double>(q, n, cropped);
                lhs = Dot(q, padded); rhs = Dot(cropped, x);
                Assert.True(Math.Abs(lhs - rhs) <= 1e-10 * (1 + Math.Abs(lhs)), $"pad/crop p {g.Padding}: {lhs} vs {rhs}");
            }
        }
    }

    [Fact]
    public void Groups_fill_sixteen_gemm_columns_and_divide_the_output_width()
    {
        Assert.Equal(4, GroupedConv.ChooseGroup(28, 6));     // LeNet's first layer: 24 columns
        Assert.Equal(1, GroupedConv.ChooseGroup(10, 16));    // wide enough already
        Assert.Equal(7, GroupedConv.ChooseGroup(14, 3));     // 2·3 < 16, 7·3 ≥ 16
        Assert.Equal(5, GroupedConv.ChooseGroup(5, 1));      // no divisor reaches 16: the whole width
        for (int w = 1; w <= 40; w++)
            for (int o = 1; o <= 20; o++) Assert.Equal(0, w % GroupedConv.ChooseGroup(w, o));
    }

    // The pooling rule written out: a value replaces the running maximum (start: the window's first entry) when it is
    // larger or NaN; indices within the sample's channels-last image.
    private static (double[] Y, int[] Arg) NaiveMax(double[] x, int n, int h, int w, int c, int k, int s)
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        var y = new double[n * ho * wo * c]; var arg = new int[y.Length];
        for (int b = 0; b < n; b++)
            for (int yy = 0; yy < ho; yy++)
                for (int xx = 0; xx < wo; xx++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        int best = ((yy * s) * w + xx * s) * c + ch;
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++)
                            {
                                int p = ((yy * s + u) * w + xx * s + v) * c + ch;
                                double val = x[b * h * w * c + p];
                                if (val > x[b * h * w * c + best] || double.IsNaN(val)) best = p;
                            }
                        int o = ((b * ho + yy) * wo + xx) * c + ch;
                        y[o] = x[b * h * w * c + best]; arg[o] = best;
                    }
        return (y, arg);
    }

    // Inputs with many exact ties (a few levels, as ReLU outputs and constant backgrounds give) and, optionally, NaNs.
    private static double[] TiedInput(Rng rng, int length, bool nans)
    {
        var x = new double[length];
        for (int i = 0; i < length; i++)
        {
            x[i] = rng.NextInt(3) == 0 ? (float)rng.NextGaussian() : rng.NextInt(4) - 1;   // exact in float
            if (nans && rng.NextInt(40) == 0) x[i] = double.NaN;
        }
        return x;
    }

    private static void AssertSame(double expected, double actual, string what)
    {
        if (double.IsNaN(expected)) Assert.True(double.IsNaN(actual), what);
        else Assert.True(expected == actual, $"{what}: {actual} vs {expected}");
    }

    [Theory]
    [InlineData(21, false)] [InlineData(22, true)] [InlineData(23, false)] [InlineData(24, true)]
    public void Channels_last_max_pooling_follows_the_rule_in_float_and_double_with_ties_and_nans(ulong seed, bool nans)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 25; trial++)
        {
            int n = 1 + rng.NextInt(3), c = 1 + rng.NextInt(9), k = 1 + rng.NextInt(3), s = 1 + rng.NextInt(3);
            int h = k + rng.NextInt(8), w = k + rng.NextInt(12);
            var x = TiedInput(rng, n * h * w * c, nans);
            var (want, wantArg) = NaiveMax(x, n, h, w, c, k, s);
            var y = new double[want.Length]; var arg = new int[want.Length];
            ChannelsLastPooling.MaxForward<double>(x, n, h, w, c, k, s, y, arg);
            var yf = new float[want.Length]; var argf = new int[want.Length];
            ChannelsLastPooling.MaxForward<float>(Array.ConvertAll(x, v => (float)v), n, h, w, c, k, s, yf, argf);   // levels are exact in float
            for (int i = 0; i < want.Length; i++)
            {
                AssertSame(want[i], y[i], $"double {n}×{h}×{w}×{c} k{k} s{s} output {i}");
                AssertSame(want[i], yf[i], $"float {n}×{h}×{w}×{c} k{k} s{s} output {i}");
            }
            Assert.Equal(wantArg, arg);
            Assert.Equal(wantArg, argf);
            // Backward: ∂in[argmax] += ∂out.
            var g = Gaussian(rng, want.Length);
            var gx = new double[x.Length];
            ChannelsLastPooling.MaxBackward<double>(g, arg, n, h, w, c, (h - k) / s + 1, (w - k) / s + 1, gx);
            var naive = new double[x.Length];
            int outs = want.Length / n;
            for (int i = 0; i < want.Length; i++) naive[i / outs * h * w * c + wantArg[i]] += g[i];
            Assert.Equal(naive, gx);
        }
    }

    [Theory]
    [InlineData(31)] [InlineData(32)]
    public void Channels_last_average_pooling_and_layouts_agree_with_the_channel_major_kernels(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 20; trial++)
        {
            int n = 1 + rng.NextInt(3), c = 1 + rng.NextInt(5), k = 1 + rng.NextInt(3), s = 1 + rng.NextInt(3);
            int h = k + rng.NextInt(7), w = k + rng.NextInt(7), ho = (h - k) / s + 1, wo = (w - k) / s + 1;
            var x = Gaussian(rng, n * c * h * w);                   // [n][c][p]
            var xl = new double[x.Length];
            ChannelsLastLayout.FromChannelsFirst<double>(x, n, c, h * w, xl);
            var back = new double[x.Length];
            ChannelsLastLayout.ToChannelsFirst<double>(xl, n, c, h * w, back);
            Assert.Equal(x, back);
            var want = new double[n * c * ho * wo];
            Pooling.AverageForward<double>(x, n * c, h, w, k, s, want);
            var yl = new double[want.Length]; var y = new double[want.Length];
            ChannelsLastPooling.AverageForward<double>(xl, n, h, w, c, k, s, yl);
            ChannelsLastLayout.ToChannelsFirst<double>(yl, n, c, ho * wo, y);
            for (int i = 0; i < y.Length; i++) Assert.Equal(want[i], y[i], 12);
            var g = Gaussian(rng, want.Length); var gl = new double[g.Length];
            ChannelsLastLayout.FromChannelsFirst<double>(g, n, c, ho * wo, gl);
            var gxWant = new double[x.Length];
            Pooling.AverageBackward<double>(g, n * c, h, w, k, s, gxWant);
            var gxl = new double[x.Length]; var gx = new double[x.Length];
            ChannelsLastPooling.AverageBackward<double>(gl, n, h, w, c, k, s, gxl);
            ChannelsLastLayout.ToChannelsFirst<double>(gxl, n, c, h * w, gx);
            for (int i = 0; i < gx.Length; i++) Assert.Equal(gxWant[i], gx[i], 12);
        }
    }

    [Theory]
    [InlineData(41, false)] [InlineData(42, true)] [InlineData(43, false)]
    public void Pair_pooling_of_a_grouped_output_is_channels_last_pooling_of_the_image(ulong seed, bool nans)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 25; trial++)
        {
            int n = 1 + rng.NextInt(3), c = 1 + rng.NextInt(9), h = 2 + rng.NextInt(7);
            bool pairs = rng.NextInt(2) == 0;
            int g = pairs ? 2 * (1 + rng.NextInt(4)) : 1, w = pairs ? g * (1 + rng.NextInt(3)) : 2 + rng.NextInt(9);
            var x = TiedInput(rng, n * h * w * c, nans);           // the NHWC image
            // The same values in the grouped layout: row (n, y, xg), pixel j at its pair-order position.
            var xp = new double[x.Length];
            for (int b = 0; b < n; b++)
                for (int yy = 0; yy < h; yy++)
                    for (int xx = 0; xx < w; xx++)
                    {
                        int j = xx % g, pos = pairs ? (j % 2) * (g / 2) + j / 2 : j;
                        for (int ch = 0; ch < c; ch++) xp[((b * h + yy) * w + xx - j + pos) * c + ch] = x[((b * h + yy) * w + xx) * c + ch];
                    }
            int unit = Math.Max(1, g / 2) * c, units = pairs ? w / g : w / 2;
            var (want, wantArg) = NaiveMax(x, n, h, w, c, 2, 2);
            foreach (bool single in new[] { true, false })
            {
                var yp = new double[want.Length]; var argp = new int[want.Length];
                if (single)
                {
                    var yf = new float[want.Length];
                    ChannelsLastPooling.MaxForwardPairs<float>(Array.ConvertAll(xp, v => (float)v), n, h, w * c, unit, units, yf, argp);
                    yp = Array.ConvertAll(yf, v => (double)v);
                }
                else ChannelsLastPooling.MaxForwardPairs<double>(xp, n, h, w * c, unit, units, yp, argp);
                for (int i = 0; i < want.Length; i++)
                {
                    AssertSame(want[i], yp[i], $"{(single ? "float" : "double")} g {g} pairs {pairs} output {i}");
                    // The chosen entry is the same pixel and channel, moved by the layout.
                    int a = wantArg[i], xx = a / c % w, j = xx % g, pos = pairs ? (j % 2) * (g / 2) + j / 2 : j;
                    Assert.Equal(a + (pos - j) * c, argp[i]);
                }
                // Backward, with and without the ReLU mask, against the scatter of the (masked) gradient.
                var grad = Gaussian(rng, want.Length);
                foreach (bool relu in new[] { false, true })
                {
                    var gx = new double[x.Length]; Array.Fill(gx, double.NaN);   // every entry must be written
                    ChannelsLastPooling.MaxBackwardPairs<double>(grad, argp, relu ? yp : default, n, h, w * c, unit, units, gx);
                    var expect = new double[x.Length];
                    int outs = want.Length / n;
                    for (int i = 0; i < want.Length; i++)
                        if (!relu || yp[i] > 0) expect[i / outs * h * w * c + argp[i]] += grad[i];
                    Assert.Equal(expect, gx);
                    if (single)
                    {
                        var gf = new float[x.Length]; Array.Fill(gf, float.NaN);
                        ChannelsLastPooling.MaxBackwardPairs<float>(Array.ConvertAll(grad, v => (float)v), argp, relu ? Array.ConvertAll(yp, v => (float)v) : default, n, h, w * c, unit, units, gf);
                        for (int i = 0; i < gf.Length; i++) Assert.Equal((float)expect[i], gf[i]);
                    }
                }
            }
        }
    }
}
