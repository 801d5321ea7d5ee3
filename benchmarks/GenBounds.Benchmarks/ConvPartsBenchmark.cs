using System.Diagnostics;
using GenBounds.LinearAlgebra;
using GenBounds.Networks.Kernels;

namespace GenBounds.Benchmarks;

/// <summary>Milliseconds per call of the pieces of a LeNet-5 training step (batch 128): unfold, GEMMs, fold, pooling.</summary>
public static class ConvPartsBenchmark
{
    /// <summary>Prints one line per piece.</summary>
    public static int Run(string[] args)
    {
        var la = LinearAlgebraProviders.Default;
        int n = 128;
        void Time(string name, Action a)
        {
            for (int i = 0; i < 3; i++) a();
            var sw = Stopwatch.StartNew(); int reps = 0;
            while (sw.Elapsed.TotalSeconds < 0.5) { a(); reps++; }
            Console.WriteLine($"{name,-40} {sw.Elapsed.TotalMilliseconds / reps,8:F3} ms");
        }
        foreach (var (c, h, o, k, p) in new[] { (1, 28, 6, 5, 2), (6, 14, 16, 5, 0) })
        {
            var g = ConvGeometry.ChannelMajor(c, n, h, h, k, k, 1, p);
            var x = new float[c * n * h * h]; new Random.Rng(1).FillGaussian(x);
            var cols = new float[g.PatchSize * g.Columns];
            var w = new float[o * g.PatchSize]; new Random.Rng(2).FillGaussian(w);
            var y = new float[o * g.Columns]; var dw = new float[w.Length];
            Time($"unfold {c}x{h}x{h} k{k} p{p}", () => Im2Col.Unfold<float>(g, x, cols));
            Time($"gemm fwd {o}x{g.Columns}x{g.PatchSize}", () => la.Gemm(Transpose.No, Transpose.No, o, g.Columns, g.PatchSize, 1f, w, g.PatchSize, cols, g.Columns, 0f, y, g.Columns));
            Time($"gemm dW {o}x{g.PatchSize}x{g.Columns}", () => la.Gemm(Transpose.No, Transpose.Yes, o, g.PatchSize, g.Columns, 1f, y, g.Columns, cols, g.Columns, 0f, dw, g.PatchSize));
            Time($"gemm dcols {g.PatchSize}x{g.Columns}x{o}", () => la.Gemm(Transpose.Yes, Transpose.No, g.PatchSize, g.Columns, o, 1f, w, g.PatchSize, y, g.Columns, 0f, cols, g.Columns));
            Time($"fold {c}x{h}x{h} k{k} p{p}", () => Im2Col.Col2Im<float>(g, cols, x));
            int bs = 16, bc = bs * g.OutHeight * g.OutWidth;
            Time($"  block{bs}: gemm fwd {o}x{bc}x{g.PatchSize} x{n / bs}", () => { for (int b = 0; b < n / bs; b++) la.Gemm(Transpose.No, Transpose.No, o, bc, g.PatchSize, 1f, w, g.PatchSize, cols.AsSpan(b * bc), g.Columns, 0f, y.AsSpan(b * bc), g.Columns); });
            Time($"  block{bs}: gemm dW x{n / bs}", () => { for (int b = 0; b < n / bs; b++) la.Gemm(Transpose.No, Transpose.Yes, o, g.PatchSize, bc, 1f, y.AsSpan(b * bc), g.Columns, cols.AsSpan(b * bc), g.Columns, b > 0 ? 1f : 0f, dw, g.PatchSize); });
            var yt = new float[g.Columns * o];
            Time($"  transposed fwd {g.Columns}x{o}x{g.PatchSize}", () => la.Gemm(Transpose.Yes, Transpose.Yes, g.Columns, o, g.PatchSize, 1f, cols, g.Columns, w, g.PatchSize, 0f, yt, o));
            var pooled = new float[o * n * (g.OutHeight / 2) * (g.OutWidth / 2)]; var arg = new int[pooled.Length];
            Time($"maxpool fwd {o}x{g.OutHeight}", () => Pooling.MaxForward<float>(y, o * n, g.OutHeight, g.OutWidth, 2, 2, pooled, arg));
            Time($"maxpool bwd {o}x{g.OutHeight}", () => Pooling.MaxBackward<float>(pooled, arg, o * n, g.OutHeight, g.OutWidth, g.OutHeight / 2, g.OutWidth / 2, y));
            Time($"bias+relu {o}x{g.Columns}", () => { for (int q = 0; q < o; q++) { var row = y.AsSpan(q * g.Columns, g.Columns); System.Numerics.Tensors.TensorPrimitives.Add(row, 0.1f, row); System.Numerics.Tensors.TensorPrimitives.Max(row, 0f, row); } });
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
