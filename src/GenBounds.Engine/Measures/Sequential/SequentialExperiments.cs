using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>
/// Interlayer smoothness (ARORA-D7) and noise attenuation (Figure 1) on sequential networks: the algorithms of
/// <see cref="InterlayerSmoothness"/> and <see cref="NoiseAttenuation"/> with convolutions, pooling and flatten, and the
/// activation pattern extended to max-pooling choices. On an MLP they give the same numbers (same noise streams).
/// </summary>
public static class SequentialExperiments
{
    /// <summary>
    /// One draw of interlayer smoothness: for each pair i &lt; j, x̂ⁱ = xⁱ + η is the perturbed net's xⁱ, and
    /// R = ‖η‖‖x^j‖ / (‖xⁱ‖‖M^{i,j}(x̂ⁱ) − x^j − J^{i,j}η‖), with M^{i,j} the clean layers and J at the clean pattern
    /// (equal to the paper's residual for bias-free nets). The residual is exactly zero unless some ReLU sign or max-pooling
    /// choice along the path differs from the clean one; such samples get R = +∞. Fills rows offset.. of <paramref name="draw"/>.
    /// </summary>
    public static void Smoothness(NetworkTrace clean, NetworkTrace perturbed, SmoothnessDraw draw, int offset, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = clean.Net; int d = net.Depth, n = clean.Count;
        if (!perturbed.Net.Architecture.Equals(net.Architecture) || perturbed.Count != n) throw new ArgumentException("perturbed trace must have the clean shape and samples");
        for (int k = 1; k < d; k++)
        {
            var a = clean.X[k]; var b = perturbed.X[k]; long f = 0;
            for (int u = 0; u < a.Length; u++) if (a[u] > 0 != b[u] > 0) f++;
            draw.UnitFlips[k] += f; draw.Units[k] += a.Length;
        }
        var scratch = SequentialOps.Scratch(net, n);
        var sampleOf = Enumerable.Range(0, n).ToArray();
        var etaNorm = new double[n]; var flipped = new bool[n]; var sq = new double[n];
        for (int i = 1; i < d; i++)
        {
            var shape = net.XShape[i];
            var eta = new double[perturbed.X[i].Length];
            TensorPrimitives.Subtract(perturbed.X[i], clean.X[i], eta);
            NetworkTrace.Norms(shape, n, eta, etaNorm);
            Array.Clear(flipped);
            var linear = new Dictionary<int, double[]>();
            NetworkJacobians.Jvp(clean, i, d, eta, n, sampleOf, (k, y) => linear[k] = y, p, scratch);
            NetworkTrace.Propagate(net, i, perturbed.X[i], n, d, false, p, scratch, (k, z, outs, args) =>
            {
                MarkFlips(net, k, n, clean, outs, args, flipped);
                var res = new double[z.Length];
                TensorPrimitives.Subtract(z, clean.X[k], res);
                TensorPrimitives.Subtract(res, linear[k], res);
                NetworkTrace.Norms(net.XShape[k], n, res, sq);
                var ratio = draw.Ratio[i, k]; var fl = draw.Flipped[i, k];
                for (int s = 0; s < n; s++)
                {
                    fl[offset + s] = flipped[s] ? 1 : 0;
                    ratio[offset + s] = !flipped[s] || etaNorm[s] == 0 ? double.PositiveInfinity
                        : Robust.RatioForMin(etaNorm[s] * clean.XNorm[k][s], clean.XNorm[i][s] * sq[s]);
                }
            });
        }
    }

    // A sample is flipped at block k when some ReLU output's sign or some max-pooling choice differs from the clean trace.
    private static void MarkFlips(DoubleNetwork net, int k, int n, NetworkTrace clean, double[][] outs, int[]?[] args, bool[] flipped)
    {
        var block = net.Blocks[k]; var shapes = net.BlockShapes[k];
        for (int q = 0; q < block.Length; q++)
        {
            if (block[q] is ReluSpec)
            {
                var a = outs[q]; var b = clean.BlockOutputs[k][q];
                SequentialOps.Planes(shapes[q + 1], n, (c, r, off, len) =>
                {
                    if (flipped[r]) return;
                    for (int u = off; u < off + len; u++) if (a[u] > 0 != b[u] > 0) { flipped[r] = true; return; }
                });
            }
            else if (args[q] is { } am)
            {
                var b = clean.BlockArgmax[k][q]!;
                SequentialOps.Planes(shapes[q + 1], n, (c, r, off, len) =>
                {
                    if (flipped[r]) return;
                    for (int u = off; u < off + len; u++) if (am[u] != b[u]) { flipped[r] = true; return; }
                });
            }
        }
    }

    /// <summary>
    /// Noise attenuation (Figure 1): for each layer i inject Gaussian noise of norm <paramref name="relative"/>·‖site‖ into
    /// layer i's input u^{i−1} (or into xⁱ), run the clean layers above and record ‖x̂^j − x^j‖/‖x^j‖ for every j ≥ i. The
    /// noise of sample s at layer i is drawn in PyTorch order from the stream seeded by (<paramref name="seed"/>, offset + s, i),
    /// as <see cref="NoiseAttenuation"/> does. Fills rows offset.. of <paramref name="result"/>.
    /// </summary>
    public static void Attenuation(NetworkTrace t, ulong seed, AttenuationResult result, int offset, double relative = 0.1, NoiseSite site = NoiseSite.LayerInput, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net; int d = net.Depth, n = t.Count;
        var scratch = SequentialOps.Scratch(net, n); var sq = new double[n];
        for (int i = 1; i <= d; i++)
        {
            var shape = site == NoiseSite.LayerInput ? net.UShape[i - 1] : net.XShape[i];
            var src = site == NoiseSite.LayerInput ? t.U[i - 1] : t.X[i];
            var srcNorm = site == NoiseSite.LayerInput ? t.UNorm[i - 1] : t.XNorm[i];
            var noisy = (double[])src.Clone();
            var eta = new double[shape.Size];
            for (int s = 0; s < n; s++)
            {
                new Rng(Rng.Mix(seed ^ Rng.Mix((ulong)(offset + s) * (ulong)(d + 1) + (ulong)i))).FillGaussian(eta);
                double g = TensorPrimitives.Norm(eta), scale = g == 0 ? 0 : relative * srcNorm[s] / g;
                TensorPrimitives.Multiply(eta, scale, eta);
                result.InjectedRelativeNorm[i][offset + s] = srcNorm[s] == 0 ? 0 : TensorPrimitives.Norm(eta) / srcNorm[s];
                if (shape.IsVector) TensorPrimitives.Add(noisy.AsSpan(s * shape.Size, shape.Size), eta, noisy.AsSpan(s * shape.Size, shape.Size));
                else
                    for (int c = 0; c < shape.Channels; c++)
                    {
                        var plane = noisy.AsSpan((c * n + s) * shape.Locations, shape.Locations);
                        TensorPrimitives.Add(plane, eta.AsSpan(c * shape.Locations, shape.Locations), plane);
                    }
            }
            double[] xi;
            if (site == NoiseSite.LayerInput)
            {
                xi = new double[n * net.XShape[i].Size];
                SequentialOps.WeightForward(p, net, i, shape, n, noisy, xi, bias: true, scratch);
            }
            else xi = noisy;
            void Record(int j, double[] z)
            {
                var diff = new double[z.Length];
                TensorPrimitives.Subtract(z, t.X[j], diff);
                NetworkTrace.Norms(net.XShape[j], n, diff, sq);
                for (int s = 0; s < n; s++) result.RelativeError[i, j][offset + s] = Robust.RatioForMin(sq[s], t.XNorm[j][s]);
            }
            Record(i, xi);
            NetworkTrace.Propagate(net, i, xi, n, d, false, p, scratch, (j, z, _, _) => Record(j, z));
        }
    }
}
