using System.Diagnostics;
using GenBounds.LinearAlgebra;
using GenBounds.Networks.Kernels;

namespace GenBounds.Benchmarks;

/// <summary>
/// Milliseconds per call of the pieces of a LeNet-5 training step (batch 128, one thread) in the channels-last grouped
/// formulation that training uses (unfold, the three GEMMs, fold, the pair pooling), then the first layer's GEMMs for every
/// group size g (what <see cref="GroupedConv.ChooseGroup"/> is based on).
/// </summary>
public static class ConvPartsBenchmark
{
    /// <summary>Prints one line per piece.</summary>
    public static int Run(string[] args)
    {
        var la = LinearAlgebraProviders.Default;
        int n = 128;
        void Time(string name, double flops, Action a)
        {
            for (int i = 0; i < 3; i++) a();
            var sw = Stopwatch.StartNew(); int reps = 0;
            while (sw.Elapsed.TotalSeconds < 0.5) { a(); reps++; }
            double ms = sw.Elapsed.TotalMilliseconds / reps;
            Console.WriteLine($"{name,-44} {ms,8:F3} ms" + (flops > 0 ? $" {flops / ms / 1e6,7:F1} GFLOP/s" : ""));
        }
        foreach (var (c, h, o, k, p) in new[] { (1, 28, 6, 5, 2), (6, 14, 16, 5, 0) })
        {
            var g = GroupedConv.For(new Networks.Conv2dSpec(o, k, k, 1, p), new Networks.TensorShape(c, h, h));
            g = g with { PairOrder = g.Group > 1 };
            int rows = n * g.RowsPerSample, kk = g.PatchSize, go = g.GroupOutputs;
            var x = new float[n * c * h * h]; new Random.Rng(1).FillGaussian(x);
            var padded = new float[n * g.Padded.Height * g.Padded.Width * c];
            var patches = new float[rows * kk]; var dpatches = new float[rows * kk];
            var we = new float[go * kk]; new Random.Rng(2).FillGaussian(we);
            var y = new float[rows * go]; var dwe = new float[we.Length];
            double flops = 2.0 * rows * go * kk;
            Console.WriteLine($"conv {c}x{h}x{h} -> {o} k{k} p{p}: group {g.Group}, GEMM rows {rows}, columns {go}, inner {kk}");
            if (p > 0) Time("  pad", 0, () => g.Pad<float>(x, n, padded));
            Time("  unfold", 0, () => { if (p > 0) g.Padded.Unfold<float>(padded, n, patches); else g.Unfold<float>(x, n, patches); });
            Time("  gemm forward Y = P·W_eᵀ", flops, () => la.Gemm(Transpose.No, Transpose.Yes, rows, go, kk, 1f, patches, kk, we, kk, 0f, y, go));
            Time("  gemm ∂W_e = ∂Yᵀ·P", flops, () => la.Gemm(Transpose.Yes, Transpose.No, go, kk, rows, 1f, y, go, patches, kk, 0f, dwe, kk));
            Time("  gemm ∂P = ∂Y·W_e", flops, () => la.Gemm(Transpose.No, Transpose.No, rows, kk, go, 1f, y, go, we, kk, 0f, dpatches, kk));
            Time("  fold", 0, () => { if (p > 0) g.Padded.Fold<float>(dpatches, n, padded); else g.Fold<float>(dpatches, n, x); });
            System.Numerics.Tensors.TensorPrimitives.Max(y, 0f, y);
            int unit = g.PairUnit, units = g.PairUnits;
            var pooled = new float[n * (g.OutHeight / 2) * units * unit]; var arg = new int[pooled.Length];
            Time("  max pool 2x2 forward (pairs)", 0, () => ChannelsLastPooling.MaxForwardPairs<float>(y, n, g.OutHeight, g.OutWidth * o, unit, units, pooled, arg));
            Time("  max pool 2x2 backward + ReLU (pairs)", 0, () => ChannelsLastPooling.MaxBackwardPairs<float>(pooled, arg, pooled, n, g.OutHeight, g.OutWidth * o, unit, units, y));
        }
        Console.WriteLine("first layer (1x28x28 -> 6, k5 p2), GEMMs per group size g:");
        foreach (int g in new[] { 1, 2, 4, 7, 14 })
        {
            var gc = GroupedConv.For(new Networks.Conv2dSpec(6, 5, 5, 1, 2), new Networks.TensorShape(1, 28, 28)) with { Group = g };
            int rows = n * gc.RowsPerSample, kk = gc.PatchSize, go = gc.GroupOutputs;
            var patches = new float[rows * kk]; new Random.Rng(3).FillGaussian(patches);
            var we = new float[go * kk]; new Random.Rng(4).FillGaussian(we);
            var y = new float[rows * go]; var dwe = new float[we.Length];
            double flops = 2.0 * rows * go * kk;
            Time($"  g {g,2}: forward {rows}x{go}x{kk}", flops, () => la.Gemm(Transpose.No, Transpose.Yes, rows, go, kk, 1f, patches, kk, we, kk, 0f, y, go));
            Time($"  g {g,2}: ∂W_e", flops, () => la.Gemm(Transpose.Yes, Transpose.No, go, kk, rows, 1f, y, go, patches, kk, 0f, dwe, kk));
        }
        return 0;
    }
}

/// <summary>Experiment: max pooling variants.</summary>
public static class PoolVariantsBenchmark
{
    /// <summary>Runs.</summary>
    public static int Run(string[] args)
    {
        int planes = 6 * 128, h = 28, w = 28, ho = 14, wo = 14;
        var x = new float[planes * h * w]; new Random.Rng(1).FillGaussian(x);
        var y = new float[planes * ho * wo]; var arg = new int[y.Length];
        void Time(string name, Action a)
        {
            for (int i = 0; i < 3; i++) a();
            var sw = Stopwatch.StartNew(); int reps = 0;
            while (sw.Elapsed.TotalSeconds < 0.5) { a(); reps++; }
            Console.WriteLine($"{name,-40} {sw.Elapsed.TotalMilliseconds / reps,8:F3} ms");
        }
        Time("generic 2x2", () => Pooling.MaxForward<float>(x, planes, h, w, 2, 2, y, arg));
        Time("plain float no argmax", () =>
        {
            int o = 0;
            for (int q = 0; q < planes; q++)
                for (int yy = 0; yy < ho; yy++)
                {
                    int r0 = q * h * w + 2 * yy * w, r1 = r0 + w;
                    for (int xx = 0; xx < wo; xx++, o++) y[o] = MathF.Max(MathF.Max(x[r0 + 2 * xx], x[r0 + 2 * xx + 1]), MathF.Max(x[r1 + 2 * xx], x[r1 + 2 * xx + 1]));
                }
        });
        Time("plain float argmax branches", () =>
        {
            int o = 0;
            for (int q = 0; q < planes; q++)
                for (int yy = 0; yy < ho; yy++)
                {
                    int r0 = q * h * w + 2 * yy * w, r1 = r0 + w;
                    for (int xx = 0; xx < wo; xx++, o++)
                    {
                        int at = r0 + 2 * xx; float b = x[at];
                        if (x[r0 + 2 * xx + 1] > b) { at = r0 + 2 * xx + 1; b = x[at]; }
                        if (x[r1 + 2 * xx] > b) { at = r1 + 2 * xx; b = x[at]; }
                        if (x[r1 + 2 * xx + 1] > b) { at = r1 + 2 * xx + 1; b = x[at]; }
                        y[o] = b; arg[o] = at;
                    }
                }
        });
        Time("max then equality arithmetic", () =>
        {
            int o = 0;
            for (int q = 0; q < planes; q++)
                for (int yy = 0; yy < ho; yy++)
                {
                    int r0 = q * h * w + 2 * yy * w, r1 = r0 + w;
                    for (int xx = 0; xx < wo; xx++, o++)
                    {
                        float a = x[r0 + 2 * xx], b = x[r0 + 2 * xx + 1], c = x[r1 + 2 * xx], d = x[r1 + 2 * xx + 1];
                        float m = MathF.Max(MathF.Max(a, b), MathF.Max(c, d));
                        int na = a == m ? 0 : 1, nb = b == m ? 0 : 1, nc = c == m ? 0 : 1;
                        int off = na * (1 - nb) + na * nb * ((1 - nc) * w + nc * (w + 1));
                        y[o] = m; arg[o] = r0 - q * h * w + 2 * xx + off;
                    }
                }
        });
        return 0;
    }
}
