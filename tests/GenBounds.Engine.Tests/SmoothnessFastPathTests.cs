using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.MeasuresTestKit;

namespace GenBounds.Tests;

/// <summary>
/// The exact residual recursion of <see cref="InterlayerSmoothness"/> (sparse by columns when few units flip, one GEMM
/// otherwise) and the induction steps <see cref="NoiseStability.Draw"/> takes from it, against plain per-sample loops
/// of the definitions on float64 networks.
/// </summary>
public class SmoothnessFastPathTests
{
    /// <summary>x⁰..x^d of one float64 input through a float64 network (plain loops).</summary>
    private static double[][] ForwardPlain(DoubleMlp net, double[] x0)
    {
        var xs = new double[net.Depth + 1][]; xs[0] = x0;
        for (int k = 1; k <= net.Depth; k++) xs[k] = LayerPlain(net, k, k == 1 ? x0 : xs[k - 1].Select(v => Math.Max(v, 0)).ToArray(), true);
        return xs;
    }

    /// <summary>A^k u (+ b^k).</summary>
    private static double[] LayerPlain(DoubleMlp net, int k, double[] u, bool bias)
    {
        int hin = net.Widths[k - 1], hout = net.Widths[k]; var y = new double[hout];
        for (int r = 0; r < hout; r++)
        {
            double s = bias && net.B[k] is { } b ? b[r] : 0;
            for (int c = 0; c < hin; c++) s += net.W[k][r * hin + c] * u[c];
            y[r] = s;
        }
        return y;
    }

    /// <summary>The clean layers i+1..j applied to z (z^j = M^{i,j}(z)), every intermediate pre-activation included.</summary>
    private static double[][] Propagate(DoubleMlp net, double[] z, int i, int j)
    {
        var zs = new double[j + 1][]; zs[i] = z;
        for (int k = i + 1; k <= j; k++) zs[k] = LayerPlain(net, k, zs[k - 1].Select(v => Math.Max(v, 0)).ToArray(), true);
        return zs;
    }

    /// <summary>J^{i,j}η on the clean pattern xs: η masked by D^k and multiplied by A^{k+1}, no bias.</summary>
    private static double[] JacobianTimes(DoubleMlp net, double[][] xs, double[] eta, int i, int j)
    {
        var v = eta;
        for (int k = i + 1; k <= j; k++) v = LayerPlain(net, k, v.Select((e, u) => xs[k - 1][u] > 0 ? e : 0).ToArray(), false);
        return v;
    }

    private static double Dist(double[] a, double[] b) => Norm(a.Zip(b, (p, q) => p - q).ToArray());

    private static double[] Row(float[] x, int s, int dim) => x.Skip(s * dim).Take(dim).Select(v => (double)v).ToArray();

    /// <summary>R_{i,j}(x) by the definition: +∞ without a sign change on the path or with η = 0.</summary>
    private static double RatioPlain(DoubleMlp clean, double[][] xs, double[][] xh, int i, int j)
    {
        var zs = Propagate(clean, xh[i], i, j);
        bool flipped = Enumerable.Range(i, j - i).Any(m => zs[m].Where((v, u) => v > 0 != xs[m][u] > 0).Any());
        var eta = xh[i].Zip(xs[i], (a, b) => a - b).ToArray();
        if (!flipped || Norm(eta) == 0) return double.PositiveInfinity;
        var jeta = JacobianTimes(clean, xs, eta, i, j);
        double res = Norm(zs[j].Select((v, u) => v - xs[j][u] - jeta[u]).ToArray());
        return Norm(eta) * Norm(xs[j]) / (Norm(xs[i]) * res);
    }

    [Theory]
    [InlineData("7-13-11-9-5", false, 0.01, true)]
    [InlineData("7-13-11-9-5", true, 0.01, true)]
    [InlineData("6-17-10-3", false, 0.4, false)]
    [InlineData("6-17-10-3", true, 0.4, false)]
    public void Smoothness_ratios_equal_the_definition_when_few_or_many_units_flip(string sizes, bool bias, double noise, bool sparse)
    {
        var net = Net(sizes, bias, 41); int n = 61, dim = net.Architecture.InputSize; var x = Inputs(n, dim, 42);
        var dn = new DoubleMlp(net);
        var w = dn.W.Skip(1).Select(a => (double[])a.Clone()).ToArray();
        var g = Gauss(w[0].Length, 44);
        for (int c = 0; c < g.Length; c++) w[0][c] += noise * g[c];
        var pert = new DoubleMlp(dn.Widths, w, dn.B.Skip(1).ToArray());
        var clean = ForwardTrace.Compute(dn, x, n); var tp = ForwardTrace.Compute(pert, x, n);
        var draw = InterlayerSmoothness.Measure(clean, tp);
        // The first step of pair (1, j) multiplies r^1, whose non-zeros are the flipped units of layer 1.
        double f1 = draw.FlipFraction(1);
        if (sparse) Assert.True(f1 > 0 && f1 * InterlayerSmoothness.SparseFactor < 1, $"flip fraction {f1} should take the column path");
        else Assert.True(f1 * InterlayerSmoothness.SparseFactor > 1, $"flip fraction {f1} should take the GEMM path");
        int finite = 0;
        for (int s = 0; s < n; s++)
        {
            var xs = ForwardPlain(dn, Row(x, s, dim)); var xh = ForwardPlain(pert, Row(x, s, dim));
            foreach (var (i, j) in draw.Ratio.Pairs())
            {
                double expected = RatioPlain(dn, xs, xh, i, j), actual = draw.Ratio[i, j][s];
                if (double.IsPositiveInfinity(expected)) { Assert.Equal(expected, actual); continue; }
                Close(expected, actual, 1e-7, $"R({i},{j}) sample {s}");
                finite++;
            }
        }
        Assert.True(finite > 10, $"only {finite} finite ratios");
    }

    private static double[] Gauss(int n, ulong seed) { var g = new double[n]; new Rng(seed).FillGaussian(g); return g; }

    [Fact]
    public void Draws_through_one_reused_workspace_equal_draws_on_fresh_arrays_bit_for_bit()
    {
        var net = Net("9-15-12-7-4", false, 61); int n = 29, dim = net.Architecture.InputSize, d = net.Architecture.Depth;
        var x = Inputs(n, dim, 62); var labels = Enumerable.Range(0, n).Select(s => s % net.Architecture.OutputSize).ToArray();
        var dn = new DoubleMlp(net); var p = LinearAlgebraProviders.Default;
        var ws = new NoiseStability.Workspace();
        // Sparse and dense residual paths, two chunkings (the workspace's traces change shape), then the first again.
        foreach (var (helpers, chunkRows, seed) in new[] { (5e4, 3, 71UL), (200.0, 3, 72UL), (400.0, 29, 73UL), (5e4, 3, 71UL) })
        {
            var k = Enumerable.Repeat(helpers, d).ToArray();
            var chunks = NoiseStability.Chunks(dn, x, n, p, chunkRows);
            var fresh = NoiseStability.Draw(dn, chunks, labels, k, 0.5, new Rng(seed), p);
            var reused = NoiseStability.Draw(dn, chunks, labels, k, 0.5, new Rng(seed), p, ws);
            Assert.Equal(fresh with { InductionSteps = [], FlipFractions = [] }, reused with { InductionSteps = [], FlipFractions = [] });
            Assert.Equal(fresh.InductionSteps, reused.InductionSteps);
            Assert.Equal(fresh.FlipFractions, reused.FlipFractions);
            Assert.Equal(NoiseStability.OutputError(dn, chunks, k, 2.0, new Rng(seed + 10), p),
                NoiseStability.OutputError(dn, chunks, k, 2.0, new Rng(seed + 10), p, ws));
        }
    }

    [Theory]
    [InlineData("9-15-12-7-4", 5e4, 3, 0.05, true)]
    [InlineData("9-15-12-7-4", 400.0, 3, 1.0, false)]
    [InlineData("8-11-5", 200.0, 4, 1.0, false)]
    public void A_compression_draw_equals_the_plain_definitions_of_its_statistics(string sizes, double helpers, int chunkRows, double eps, bool sparse)
    {
        var net = Net(sizes, false, 51); int n = 29, dim = net.Architecture.InputSize, d = net.Architecture.Depth;
        var x = Inputs(n, dim, 52); var labels = Enumerable.Range(0, n).Select(s => s % net.Architecture.OutputSize).ToArray();
        var dn = new DoubleMlp(net); var p = LinearAlgebraProviders.Default;
        var k = Enumerable.Repeat(helpers, d).ToArray();
        var draw = NoiseStability.Draw(dn, NoiseStability.Chunks(dn, x, n, p, chunkRows), labels, k, eps, new Rng(53), p);
        var pert = NoiseStability.Compress(dn, k, 1.0, _ => true, new Rng(53));

        double rMin = double.PositiveInfinity, maxRel = 0; int errors = 0;
        var fail = new double[d + 1]; var count = new double[d + 1]; var flips = new double[d]; var units = new double[d];
        for (int s = 0; s < n; s++)
        {
            var xs = ForwardPlain(dn, Row(x, s, dim)); var xh = ForwardPlain(pert, Row(x, s, dim));
            for (int i = 1; i < d; i++) for (int j = i + 1; j <= d; j++) rMin = Math.Min(rMin, RatioPlain(dn, xs, xh, i, j));
            for (int i = 1; i <= d; i++)
            {
                var zs = Propagate(dn, xh[i], i, d);
                for (int j = i; j <= d; j++) { count[i]++; if (Dist(zs[j], xs[j]) > (double)i / d * eps * Norm(xs[j])) fail[i]++; }
            }
            for (int l = 1; l < d; l++) { units[l] += xs[l].Length; flips[l] += xs[l].Where((v, u) => v > 0 != xh[l][u] > 0).Count(); }
            maxRel = Math.Max(maxRel, Dist(xh[d], xs[d]) / Norm(xs[d]));
            if (Array.IndexOf(xh[d], xh[d].Max()) != labels[s]) errors++;
        }
        if (double.IsPositiveInfinity(rMin)) Assert.Equal(rMin, draw.R); else Close(rMin, draw.R, 1e-7, "R");
        Assert.Equal(Enumerable.Range(1, d).Select(i => fail[i] / count[i]), draw.InductionSteps);
        Assert.Equal(Enumerable.Range(1, d - 1).Select(l => flips[l] / units[l]), draw.FlipFractions);
        Close(maxRel, draw.MaxRelativeError, 1e-9, "max relative error");
        Assert.Equal((double)errors / n, draw.TrainingError);
        double f1 = draw.FlipFractions[0];
        if (sparse) Assert.True(f1 > 0 && f1 * InterlayerSmoothness.SparseFactor < 1, $"flip fraction {f1} should take the column path");
        else Assert.True(f1 * InterlayerSmoothness.SparseFactor > 1, $"flip fraction {f1} should take the GEMM path");
        Assert.Contains(draw.InductionSteps, v => v > 0 && v < 1);
    }
}
