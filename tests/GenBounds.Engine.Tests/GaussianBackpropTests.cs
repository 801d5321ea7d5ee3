using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.PacBayes;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class GaussianBackpropTests
{
    private sealed record Net(int[] Sizes, bool Bias, double[][] Wm, double[][] Wv, double[]?[] Bm, double[]?[] Bv);

    private static Net RandomNet(int[] sizes, bool bias, Rng rng, double sigmaScale = 0.3)
    {
        int L = sizes.Length - 1;
        var wm = new double[L][]; var wv = new double[L][]; var bm = new double[]?[L]; var bv = new double[]?[L];
        for (int l = 0; l < L; l++)
        {
            int n = sizes[l] * sizes[l + 1];
            wm[l] = Enumerable.Range(0, n).Select(_ => rng.NextGaussian() / Math.Sqrt(sizes[l])).ToArray();
            wv[l] = Enumerable.Range(0, n).Select(_ => Math.Pow(sigmaScale * (0.2 + rng.NextDouble()) / Math.Sqrt(sizes[l]), 2)).ToArray();
            if (bias)
            {
                bm[l] = Enumerable.Range(0, sizes[l + 1]).Select(_ => 0.1 * rng.NextGaussian()).ToArray();
                bv[l] = Enumerable.Range(0, sizes[l + 1]).Select(_ => Math.Pow(0.05 + 0.1 * rng.NextDouble(), 2)).ToArray();
            }
        }
        return new Net(sizes, bias, wm, wv, bm, bv);
    }

    // The loss with fixed noise, by naive loops (the reference for the gradient check).
    private static double NaiveLoss(Net net, double[] x, int[] y, int batch, double[][] noise, double pMin)
    {
        int L = net.Sizes.Length - 1;
        double total = 0;
        for (int r = 0; r < batch; r++)
        {
            var a = x.Skip(r * net.Sizes[0]).Take(net.Sizes[0]).ToArray();
            for (int l = 0; l < L; l++)
            {
                int nin = net.Sizes[l], nout = net.Sizes[l + 1];
                var z = new double[nout];
                for (int k = 0; k < nout; k++)
                {
                    double m = net.Bm[l]?[k] ?? 0, v = net.Bv[l]?[k] ?? 0;
                    for (int j = 0; j < nin; j++) { m += net.Wm[l][k * nin + j] * a[j]; v += net.Wv[l][k * nin + j] * a[j] * a[j]; }
                    z[k] = m + Math.Sqrt(v) * noise[l][r * nout + k];
                    if (l < L - 1) z[k] = Math.Max(0, z[k]);
                }
                a = z;
            }
            double max = a.Max(), sum = a.Sum(v => Math.Exp(v - max));
            double logp = a[y[r]] - max - Math.Log(sum);
            total += -Math.Max(logp, Math.Log(pMin)) / Math.Log(1 / pMin);
        }
        return total / batch;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradients_match_finite_differences_of_the_naive_loss_on_odd_shapes(bool bias)
    {
        var rng = new Rng(bias ? 31u : 32u);
        int[] sizes = [7, 5, 6, 3];
        var net = RandomNet(sizes, bias, rng);
        int batch = 4;
        var x = Enumerable.Range(0, batch * 7).Select(_ => rng.NextGaussian()).ToArray();
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(3)).ToArray();
        var bp = new GaussianBackprop<double>(LinearAlgebraProviders.Managed, sizes, bias, batch);
        for (int l = 0; l < 3; l++) new GaussianNoise().Fill(bp.Noise[l].AsSpan(0, batch * sizes[l + 1]), rng.Split("noise" + l));
        var noise = bp.Noise.Select(a => (double[])a.Clone()).ToArray();
        const double pMin = 1e-5;
        bp.Forward(net.Wm, net.Wv, net.Bm, net.Bv, x, batch);
        double loss = bp.BoundedCrossEntropy(y, batch, pMin, out _);
        Assert.Equal(NaiveLoss(net, x, y, batch, noise, pMin), loss, 10);
        bp.Backward(net.Wm, net.Wv, x, batch);
        void Check(double[] param, double[] grad, string what)
        {
            for (int i = 0; i < param.Length; i++)
            {
                double keep = param[i], h = 1e-6 * Math.Max(1e-3, Math.Abs(keep));
                param[i] = keep + h; double up = NaiveLoss(net, x, y, batch, noise, pMin);
                param[i] = keep - h; double down = NaiveLoss(net, x, y, batch, noise, pMin);
                param[i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - grad[i]) <= 1e-5 * Math.Max(1, Math.Abs(fd)), $"{what}[{i}]: analytic {grad[i]} vs finite difference {fd}");
            }
        }
        for (int l = 0; l < 3; l++)
        {
            Check(net.Wm[l], bp.WeightMeanGradients[l], $"∂μ_W{l}");
            Check(net.Wv[l], bp.WeightVarianceGradients[l], $"∂σ²_W{l}");
            if (bias) { Check(net.Bm[l]!, bp.BiasMeanGradients[l], $"∂μ_b{l}"); Check(net.Bv[l]!, bp.BiasVarianceGradients[l], $"∂σ²_b{l}"); }
        }
    }

    [Fact]
    public void Zero_variance_forward_equals_the_deterministic_network()
    {
        var rng = new Rng(4);
        var arch = new MlpArchitecture([9, 8, 5, 4], bias: true);
        var net = Mlp.InitializeDefault(arch, rng);
        int batch = 6;
        var x = Enumerable.Range(0, batch * 9).Select(_ => (float)rng.NextGaussian()).ToArray();
        var la = LinearAlgebraProviders.Default;
        var plain = new Backprop<float>(la, arch.LayerSizes, true, batch).Forward(net.Layers.Select(l => l.Weight).ToArray(), net.Layers.Select(l => l.Bias).ToArray(), x, batch).ToArray();
        var bp = new GaussianBackprop<float>(la, arch.LayerSizes, true, batch);
        for (int l = 0; l < 3; l++) new GaussianNoise().Fill(bp.Noise[l].AsSpan(0, batch * arch.LayerSizes[l + 1]), rng.Split("n" + l));
        var zeros = net.Layers.Select(l => new float[l.Weight.Length]).ToArray();
        var zb = net.Layers.Select(l => (float[]?)new float[l.Out]).ToArray();
        var got = bp.Forward(net.Layers.Select(l => l.Weight).ToArray(), zeros, net.Layers.Select(l => l.Bias).ToArray(), zb, x, batch).ToArray();
        for (int i = 0; i < got.Length; i++) Assert.Equal(plain[i], got[i], 5);
    }

    [Fact]
    public void Per_example_moment_draws_have_the_law_of_independently_sampled_networks()
    {
        // Brute force: draw a whole network W ~ Q for every sample and run it; compare with the layer-by-layer draws
        // from the pre-activation moments, on the outputs' means, variances and error probabilities.
        var rng = new Rng(77);
        int[] sizes = [5, 6, 4, 3];
        var net = RandomNet(sizes, true, rng, sigmaScale: 0.8);
        var x = Enumerable.Range(0, 5).Select(_ => rng.NextGaussian()).ToArray();
        const int draws = 40000;
        int L = sizes.Length - 1, k = sizes[^1];
        var bruteOut = new double[draws, k];
        var brute = rng.Split("brute");
        for (int t = 0; t < draws; t++)
        {
            var a = x;
            for (int l = 0; l < L; l++)
            {
                int nin = sizes[l], nout = sizes[l + 1];
                var z = new double[nout];
                for (int o = 0; o < nout; o++)
                {
                    double s = net.Bm[l]![o] + Math.Sqrt(net.Bv[l]![o]) * brute.NextGaussian();
                    for (int j = 0; j < nin; j++) s += (net.Wm[l][o * nin + j] + Math.Sqrt(net.Wv[l][o * nin + j]) * brute.NextGaussian()) * a[j];
                    z[o] = l < L - 1 ? Math.Max(0, s) : s;
                }
                a = z;
            }
            for (int o = 0; o < k; o++) bruteOut[t, o] = a[o];
        }
        const int batch = 1000;
        var bp = new GaussianBackprop<double>(LinearAlgebraProviders.Managed, sizes, true, batch);
        var xs = Enumerable.Range(0, batch).SelectMany(_ => x).ToArray();
        var momentOut = new double[draws, k];
        var noise = new GaussianNoise();
        var mr = rng.Split("moments");
        for (int c = 0; c < draws / batch; c++)
        {
            for (int l = 0; l < L; l++) noise.Fill(bp.Noise[l].AsSpan(0, batch * sizes[l + 1]), mr);
            var z = bp.Forward(net.Wm, net.Wv, net.Bm, net.Bv, xs, batch);
            for (int r = 0; r < batch; r++) for (int o = 0; o < k; o++) momentOut[c * batch + r, o] = z[r * k + o];
        }
        for (int o = 0; o < k; o++)
        {
            var (m1, v1) = MeanVar(bruteOut, o); var (m2, v2) = MeanVar(momentOut, o);
            double se = Math.Sqrt(v1 / draws + v2 / draws);
            Assert.True(Math.Abs(m1 - m2) <= 5 * se, $"output {o}: mean {m1} (networks) vs {m2} (moments), se {se}");
            Assert.True(Math.Abs(v1 / v2 - 1) <= 0.06, $"output {o}: variance {v1} (networks) vs {v2} (moments)");
            double ks = KolmogorovSmirnov(Column(bruteOut, o), Column(momentOut, o));
            // Two-sample KS at level 1e-4: critical value ≈ 2.15·√(2/n).
            Assert.True(ks <= 2.15 * Math.Sqrt(2.0 / draws), $"output {o}: KS distance {ks}");
        }
        for (int y = 0; y < k; y++)
        {
            double p1 = ErrorRate(bruteOut, y), p2 = ErrorRate(momentOut, y);
            double se = Math.Sqrt(p1 * (1 - p1) / draws + p2 * (1 - p2) / draws) + 1e-9;
            Assert.True(Math.Abs(p1 - p2) <= 5 * se, $"label {y}: error probability {p1} (networks) vs {p2} (moments)");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(200001)]
    public void Noise_is_standard_normal_deterministic_and_fills_odd_lengths(int n)
    {
        var a = new float[n]; var b = new float[n];
        new GaussianNoise().Fill(a, new Rng(5));
        new GaussianNoise().Fill(b, new Rng(5));
        Assert.Equal(a, b);
        Assert.All(a, v => Assert.True(float.IsFinite(v) && Math.Abs(v) < 8.6));
        if (n < 1000) return;
        double mean = a.Average(v => (double)v), var = a.Average(v => (v - mean) * (v - mean));
        Assert.InRange(mean, -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
        Assert.InRange(var, 1 - 5 * Math.Sqrt(2.0 / n), 1 + 5 * Math.Sqrt(2.0 / n));
        var sorted = a.Select(v => (double)v).OrderBy(v => v).ToArray();
        double d = 0;
        for (int i = 0; i < n; i++) { double cdf = MathNet.Numerics.Distributions.Normal.CDF(0, 1, sorted[i]); d = Math.Max(d, Math.Max(cdf - i / (double)n, (i + 1) / (double)n - cdf)); }
        Assert.True(d < 1.95 / Math.Sqrt(n), $"KS distance {d} (critical value at 0.1%: {1.95 / Math.Sqrt(n)})");
        // The double-precision path is the same law.
        var c = new double[n];
        new GaussianNoise().Fill(c, new Rng(6));
        Assert.InRange(c.Average(), -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
    }

    private static double[] Column(double[,] a, int o) => Enumerable.Range(0, a.GetLength(0)).Select(t => a[t, o]).ToArray();

    private static (double Mean, double Var) MeanVar(double[,] a, int o)
    {
        var c = Column(a, o); double m = c.Average();
        return (m, c.Sum(v => (v - m) * (v - m)) / (c.Length - 1));
    }

    private static double ErrorRate(double[,] a, int y)
    {
        int n = a.GetLength(0), k = a.GetLength(1), errors = 0;
        for (int t = 0; t < n; t++)
            for (int j = 0; j < k; j++)
                if (j != y && a[t, j] >= a[t, y]) { errors++; break; }
        return errors / (double)n;
    }

    private static double KolmogorovSmirnov(double[] a, double[] b)
    {
        Array.Sort(a); Array.Sort(b);
        int i = 0, j = 0; double d = 0;
        while (i < a.Length && j < b.Length)
        {
            double v = Math.Min(a[i], b[j]);
            while (i < a.Length && a[i] <= v) i++;
            while (j < b.Length && b[j] <= v) j++;
            d = Math.Max(d, Math.Abs(i / (double)a.Length - j / (double)b.Length));
        }
        return d;
    }
}
