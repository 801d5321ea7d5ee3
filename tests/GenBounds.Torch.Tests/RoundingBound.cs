using GenBounds.Networks;

namespace GenBounds.Torch.Tests;

/// <summary>
/// The forward pass of a sequential network in float64 from its float32 parameters (exact to ~1e-16 relative), with a
/// rigorous bound on how far any float32 evaluation that forms each output as a sum of products (GEMM, im2col, direct
/// convolution; any summation order, with or without FMA) can be from it.
/// <para>With u = 2⁻²⁴ and γ_n = n·u/(1 − n·u): a dense or convolution output with fan-in n (in·kh·kw; zero padding adds
/// exact zeros) adds γ_{n+1}·(Σ|w|(|a| + e) + |b|) to the propagated error Σ|w|·e; ReLU and max pooling are 1-Lipschitz in
/// the max norm and flatten moves values, so they pass the error on; an average over k² values is a sum of k² terms times a
/// rounded 1/k² (or a division), so it adds γ_{k²+1}·mean(|a| + e) to mean(e). Each γ also carries the float64
/// reference's own γ (u = 2⁻⁵³), so the bound holds between the float32 result and the reference, not only the real value.</para>
/// </summary>
internal static class RoundingBound
{
    private static double Gamma(int n) => G(n, Math.ScaleB(1, -24)) + G(n, Math.ScaleB(1, -53));
    private static double G(int n, double u) => n * u / (1 - n * u);

    /// <summary>Exact logits and their error bounds for <paramref name="batch"/> samples of <paramref name="x"/> (sample-major, C×H×W each).</summary>
    public static (double[] Exact, double[] Bound) Forward(Network net, float[] x, int batch)
    {
        var a = Array.ConvertAll(x, v => (double)v);
        var e = new double[a.Length];
        foreach (var layer in net.Layers)
        {
            var (inS, outS) = (layer.InputShape, layer.OutputShape);
            var z = new double[batch * outS.Size]; var ez = new double[z.Length];
            for (int r = 0; r < batch; r++)
            {
                Span<double> ai = a.AsSpan(r * inS.Size, inS.Size), ei = e.AsSpan(r * inS.Size, inS.Size);
                Span<double> ao = z.AsSpan(r * outS.Size, outS.Size), eo = ez.AsSpan(r * outS.Size, outS.Size);
                switch (layer)
                {
                    case DenseLayer d: Dense(d, ai, ei, ao, eo); break;
                    case Conv2dLayer c: Conv(c, ai, ei, ao, eo); break;
                    case { Spec: Pool2dSpec p }: Pool(p, inS, ai, ei, ao, eo); break;
                    case { Spec: ReluSpec }:
                        for (int i = 0; i < ai.Length; i++) { ao[i] = Math.Max(0, ai[i]); eo[i] = ei[i]; }
                        break;
                    case { Spec: FlattenSpec }: ai.CopyTo(ao); ei.CopyTo(eo); break;
                    default: throw new NotSupportedException(layer.Spec.TorchModule);
                }
            }
            a = z; e = ez;
        }
        for (int i = 0; i < e.Length; i++) e[i] += 1e-300;
        return (a, e);
    }

    private static void Dense(DenseLayer layer, ReadOnlySpan<double> a, ReadOnlySpan<double> e, Span<double> z, Span<double> ez)
    {
        double gamma = Gamma(layer.In + 1);
        for (int o = 0; o < layer.Out; o++)
        {
            double b = layer.Bias?[o] ?? 0, s = b, mag = Math.Abs(b), prop = 0;
            for (int i = 0; i < layer.In; i++)
            {
                double w = layer.Weight[o * layer.In + i];
                s += w * a[i];
                mag += Math.Abs(w) * (Math.Abs(a[i]) + e[i]);
                prop += Math.Abs(w) * e[i];
            }
            z[o] = s; ez[o] = prop + gamma * mag;
        }
    }

    private static void Conv(Conv2dLayer layer, ReadOnlySpan<double> a, ReadOnlySpan<double> e, Span<double> z, Span<double> ez)
    {
        var (c, o) = (layer.Conv, layer.OutputShape);
        var inS = layer.InputShape;
        double gamma = Gamma(layer.FanIn + 1);
        for (int oc = 0; oc < o.Channels; oc++)
            for (int y = 0; y < o.Height; y++)
                for (int xo = 0; xo < o.Width; xo++)
                {
                    double b = layer.Bias?[oc] ?? 0, s = b, mag = Math.Abs(b), prop = 0;
                    for (int ic = 0; ic < inS.Channels; ic++)
                        for (int u = 0; u < c.KernelHeight; u++)
                            for (int v = 0; v < c.KernelWidth; v++)
                            {
                                int iy = c.Stride * y + u - c.Padding, ix = c.Stride * xo + v - c.Padding;
                                if (iy < 0 || iy >= inS.Height || ix < 0 || ix >= inS.Width) continue;
                                double w = layer.Weight[((oc * inS.Channels + ic) * c.KernelHeight + u) * c.KernelWidth + v];
                                int i = (ic * inS.Height + iy) * inS.Width + ix;
                                s += w * a[i];
                                mag += Math.Abs(w) * (Math.Abs(a[i]) + e[i]);
                                prop += Math.Abs(w) * e[i];
                            }
                    int j = (oc * o.Height + y) * o.Width + xo;
                    z[j] = s; ez[j] = prop + gamma * mag;
                }
    }

    private static void Pool(Pool2dSpec p, TensorShape inS, ReadOnlySpan<double> a, ReadOnlySpan<double> e, Span<double> z, Span<double> ez)
    {
        var o = p.OutputShape(inS);
        int n = p.Kernel * p.Kernel;
        double gamma = Gamma(n + 1);
        for (int ch = 0; ch < o.Channels; ch++)
            for (int y = 0; y < o.Height; y++)
                for (int x = 0; x < o.Width; x++)
                {
                    double max = double.NegativeInfinity, sum = 0, mag = 0, emax = 0, esum = 0;
                    for (int u = 0; u < p.Kernel; u++)
                        for (int v = 0; v < p.Kernel; v++)
                        {
                            int i = (ch * inS.Height + p.Stride * y + u) * inS.Width + p.Stride * x + v;
                            max = Math.Max(max, a[i]); sum += a[i]; mag += Math.Abs(a[i]) + e[i];
                            emax = Math.Max(emax, e[i]); esum += e[i];
                        }
                    int j = (ch * o.Height + y) * o.Width + x;
                    (z[j], ez[j]) = p.Kind == PoolKind.Max ? (max, emax) : (sum / n, esum / n + gamma * mag / n);
                }
    }
}
