using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Tests;

/// <summary>
/// Plain-loop references for the sequential-network kernels, in float64, one sample at a time in PyTorch's layout
/// ([c][y][x] per sample): the oracles every fast path is tested against.
/// </summary>
internal static class NaiveNetwork
{
    /// <summary>out[o, y, x] = b[o] + Σ_{c,u,v} W[o, c, u, v]·in[c, s·y + u − p, s·x + v − p] (zero outside).</summary>
    public static double[] Conv(double[] input, TensorShape shape, double[] w, double[]? b, Conv2dSpec spec)
    {
        var outShape = spec.OutputShape(shape);
        var y = new double[outShape.Size];
        int kh = spec.KernelHeight, kw = spec.KernelWidth;
        for (int o = 0; o < outShape.Channels; o++)
            for (int oy = 0; oy < outShape.Height; oy++)
                for (int ox = 0; ox < outShape.Width; ox++)
                {
                    double s = b?[o] ?? 0;
                    for (int c = 0; c < shape.Channels; c++)
                        for (int u = 0; u < kh; u++)
                            for (int v = 0; v < kw; v++)
                            {
                                int iy = oy * spec.Stride + u - spec.Padding, ix = ox * spec.Stride + v - spec.Padding;
                                if (iy < 0 || iy >= shape.Height || ix < 0 || ix >= shape.Width) continue;
                                s += w[((o * shape.Channels + c) * kh + u) * kw + v] * input[(c * shape.Height + iy) * shape.Width + ix];
                            }
                    y[(o * outShape.Height + oy) * outShape.Width + ox] = s;
                }
        return y;
    }

    /// <summary>Max or mean over each window.</summary>
    public static double[] Pool(double[] input, TensorShape shape, Pool2dSpec spec)
    {
        var o = spec.OutputShape(shape);
        var y = new double[o.Size];
        for (int c = 0; c < o.Channels; c++)
            for (int oy = 0; oy < o.Height; oy++)
                for (int ox = 0; ox < o.Width; ox++)
                {
                    double acc = spec.Kind == PoolKind.Max ? double.NegativeInfinity : 0;
                    for (int u = 0; u < spec.Kernel; u++)
                        for (int v = 0; v < spec.Kernel; v++)
                        {
                            double val = input[(c * shape.Height + oy * spec.Stride + u) * shape.Width + ox * spec.Stride + v];
                            acc = spec.Kind == PoolKind.Max ? Math.Max(acc, val) : acc + val;
                        }
                    y[(c * o.Height + oy) * o.Width + ox] = spec.Kind == PoolKind.Max ? acc : acc / (spec.Kernel * spec.Kernel);
                }
        return y;
    }

    /// <summary>y = W·x + b.</summary>
    public static double[] Dense(double[] x, double[] w, double[]? b, int outputs)
    {
        var y = new double[outputs];
        for (int o = 0; o < outputs; o++)
        {
            double s = b?[o] ?? 0;
            for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    /// <summary>The network's output for one sample, with the given float64 parameters per weight layer.</summary>
    public static double[] Forward(NetworkArchitecture a, double[][] w, double[]?[] b, double[] x)
    {
        var cur = x; int k = 0;
        for (int m = 0; m < a.Layers.Count; m++)
        {
            var shape = a.Shapes[m];
            cur = a.Layers[m] switch
            {
                Conv2dSpec c => Conv(cur, shape, w[k], b[k++], c),
                DenseSpec d => Dense(cur, w[k], b[k++], d.Outputs),
                Pool2dSpec p => Pool(cur, shape, p),
                ReluSpec => cur.Select(v => Math.Max(v, 0)).ToArray(),
                FlattenSpec => cur,
                _ => throw new NotSupportedException(),
            };
        }
        return cur;
    }

    /// <summary>Float64 copies of a network's parameters.</summary>
    public static (double[][] W, double[]?[] B) Parameters(Network net) =>
        (net.WeightLayers.Select(l => l.WeightAsDouble()).ToArray(),
         net.WeightLayers.Select(l => l.Bias is null ? null : Array.ConvertAll(l.Bias, v => (double)v)).ToArray());

    /// <summary>
    /// A random small architecture for property tests: an image input with odd or even sides, one or two convolutions with
    /// random kernels (non-square allowed), strides 1–3 and paddings 0–2, max or average pooling, and one or two dense layers.
    /// </summary>
    public static NetworkArchitecture RandomArchitecture(Rng rng, bool bias, bool allowAverage = true)
    {
        while (true)
        {
            var shape = new TensorShape(1 + rng.NextInt(3), 5 + rng.NextInt(6), 5 + rng.NextInt(6));
            var layers = new List<LayerSpec>();
            var cur = shape;
            bool ok = true;
            int convs = 1 + rng.NextInt(2);
            try
            {
                for (int c = 0; c < convs; c++)
                {
                    var conv = new Conv2dSpec(1 + rng.NextInt(4), 1 + rng.NextInt(3), 1 + rng.NextInt(3), 1 + rng.NextInt(c == 0 ? 3 : 2), rng.NextInt(3));
                    cur = conv.OutputShape(cur); layers.Add(conv);
                    layers.Add(new ReluSpec());
                    if (rng.NextInt(2) == 0 && cur.Height >= 2 && cur.Width >= 2)
                    {
                        var pool = new Pool2dSpec(allowAverage && rng.NextInt(2) == 0 ? PoolKind.Average : PoolKind.Max, 2, 1 + rng.NextInt(2));
                        cur = pool.OutputShape(cur); layers.Add(pool);
                    }
                }
            }
            catch (ArgumentException) { ok = false; }
            if (!ok || cur.Size > 200) continue;
            layers.Add(new FlattenSpec());
            if (rng.NextInt(2) == 0) { layers.Add(new DenseSpec(2 + rng.NextInt(4))); layers.Add(new ReluSpec()); }
            layers.Add(new DenseSpec(2 + rng.NextInt(3)));
            return new NetworkArchitecture(shape, layers, bias);
        }
    }
}
