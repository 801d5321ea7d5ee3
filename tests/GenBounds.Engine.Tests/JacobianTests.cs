using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.MeasuresTestKit;

namespace GenBounds.Tests;

public class JacobianTests
{
    // Shapes exercise the Gram path (h³ > a²), the direct chain (h^j ≤ a^{j−1}), chains of length ≥ 2 with wide and
    // narrow heads, and biases.
    [Theory]
    [InlineData("5-8-6-20-4", false, 1UL)]
    [InlineData("5-8-30-4-3", false, 2UL)]
    [InlineData("4-10-9-11-30-2", false, 3UL)]
    [InlineData("6-7-5-9-3", true, 4UL)]
    public void Exact_Jacobian_Frobenius_and_Jx_equal_dense_products_including_dead_samples(string sizes, bool bias, ulong seed)
    {
        var net = Net(sizes, bias, seed); int d = net.Architecture.Depth, h0 = net.Architecture.InputSize, n = 7;
        var x = Inputs(n, h0, seed + 100);
        Array.Clear(x, 0, h0); // sample 0 is the zero input: dead layers for bias-free nets
        var t = ForwardTrace.Compute(new DoubleMlp(net), x, n);
        var fro = new PairSamples(d, n, false); var jx = new PairSamples(d, n, false);
        JacobianNorms.ExactFrobeniusSquared(t, fro, 0); JacobianNorms.JacobianTimesInputNorms(t, jx, 0);
        int inactive = 0;
        for (int s = 0; s < n; s++)
        {
            var xs = Forward(net, x.AsSpan(s * h0, h0));
            inactive += xs.Skip(1).Take(d - 1).Sum(v => v.Count(e => e <= 0));
            foreach (var (i, j) in fro.Pairs())
            {
                var J = Jacobian(net, xs, i, j);
                Close(Frobenius2(J), fro[i, j][s], 1e-10, $"‖J^{i},{j}‖² sample {s}");
                Close(Norm(Apply(J, xs[i])), jx[i, j][s], 1e-10, $"‖J^{i},{j}x‖ sample {s}");
            }
        }
        Assert.True(inactive > n, "the test needs inactive units");
    }

    [Fact]
    public void Jacobian_times_input_is_the_higher_preactivation_only_without_biases()
    {
        foreach (var bias in new[] { false, true })
        {
            var net = Net("6-9-8-7-4", bias, 11); int n = 5;
            var t = ForwardTrace.Compute(new DoubleMlp(net), Inputs(n, 6, 12), n);
            var jx = new PairSamples(4, n, false); JacobianNorms.JacobianTimesInputNorms(t, jx, 0);
            double worst = jx.Pairs().Max(q => Enumerable.Range(0, n).Max(s => Math.Abs(jx[q.I, q.J][s] - t.XNorm[q.J][s]) / t.XNorm[q.J][s]));
            if (bias) Assert.True(worst > 1e-3, $"with biases J x^i should differ from x^j (worst {worst})");
            else Assert.True(worst < 1e-12, $"bias-free: J x^i = x^j violated by {worst}");
        }
    }

    [Fact]
    public void Hutchinson_estimate_is_unbiased_and_its_CI_covers_the_exact_value_at_the_nominal_rate()
    {
        var net = Net("6-12-10-9-5", false, 21); int d = 4, trials = 300;
        var one = Inputs(1, 6, 22); var x = new float[trials * 6];
        for (int s = 0; s < trials; s++) one.CopyTo(x, s * 6); // identical samples, independent probe streams
        var t = ForwardTrace.Compute(new DoubleMlp(net), x, trials);
        var exact = new PairSamples(d, trials, false); JacobianNorms.ExactFrobeniusSquared(t, exact, 0);
        foreach (var kind in new[] { ProbeKind.Gaussian, ProbeKind.Rademacher })
        {
            var mean = new PairSamples(d, trials, false); var se = new PairSamples(d, trials, false);
            JacobianNorms.Estimate(t, 64, 23UL, mean, se, 0, kind, rowsPerGemm: 500);
            foreach (var (i, j) in mean.Pairs())
            {
                double truth = exact[i, j][0], grand = mean[i, j].Average();
                double grandSe = Math.Sqrt(mean[i, j].Select(m => (m - grand) * (m - grand)).Sum() / (trials - 1) / trials);
                Assert.True(Math.Abs(grand - truth) < 4 * grandSe, $"{kind} ({i},{j}): mean {grand} vs exact {truth} (se {grandSe})");
                double cover = Enumerable.Range(0, trials).Count(s => Math.Abs(mean[i, j][s] - truth) <= 1.96 * se[i, j][s]) / (double)trials;
                Assert.InRange(cover, 0.89, 0.99);
            }
        }
    }

    [Fact]
    public void Chunked_measures_equal_unchunked_ones()
    {
        var net = Net("5-9-8-6-3", false, 31); int n = 37; var x = Inputs(n, 5, 32);
        var pert = net.Clone(); pert.Layers[0].Weight[0] += 0.5f; pert.Layers[0].Weight[7] -= 0.5f;
        NetworkMeasures Run(int chunk) => NetworkMeasures.Compute(net, x, n, null,
            new MeasureOptions { EstimatorProbes = 4, Attenuation = true, Perturbed = pert, Rng = new Rng(33), ChunkRows = chunk });
        var a = Run(5); var b = Run(64);
        foreach (var (i, j) in a.JacobianFrobenius!.Pairs()) AllClose(a.InterlayerRatio![i, j], b.InterlayerRatio![i, j], 1e-12, "μ_ij");
        foreach (var (i, j) in a.Smoothness!.Ratio.Pairs()) AllClose(a.Smoothness.Ratio[i, j], b.Smoothness!.Ratio[i, j], 1e-9, "R");
        Assert.Equal(a.Smoothness.UnitFlips, b.Smoothness!.UnitFlips);
        Assert.True(a.Smoothness.UnitFlips.Sum() > 0);
        var chunks = ForwardTrace.Chunks(new DoubleMlp(net), x, n, 8).ToList();
        Assert.Equal(5, chunks.Count);
        var whole = ForwardTrace.Compute(new DoubleMlp(net), x, n);
        foreach (var (off, t) in chunks) for (int k = 0; k <= 4; k++) AllClose(whole.X[k].AsSpan(off * whole.Net.Widths[k], t.X[k].Length).ToArray(), t.X[k], 1e-12, "x");
        foreach (var (i, j) in a.EstimatedFrobeniusSquared!.Pairs()) AllClose(a.EstimatedFrobeniusSquared[i, j], b.EstimatedFrobeniusSquared![i, j], 1e-12, "est");
        foreach (var (i, j) in a.Attenuation!.RelativeError.Pairs()) AllClose(a.Attenuation.RelativeError[i, j], b.Attenuation!.RelativeError[i, j], 1e-12, "att");
    }

    [Fact]
    public void Exact_Jacobians_agree_between_OpenBLAS_and_the_managed_reference()
    {
        var net = Net("7-20-15-12-4", false, 41); int n = 6;
        var t = ForwardTrace.Compute(new DoubleMlp(net), Inputs(n, 7, 42), n);
        var a = new PairSamples(4, n, false); var b = new PairSamples(4, n, false);
        JacobianNorms.ExactFrobeniusSquared(t, a, 0, LinearAlgebraProviders.Default);
        JacobianNorms.ExactFrobeniusSquared(t, b, 0, LinearAlgebraProviders.Managed);
        foreach (var (i, j) in a.Pairs()) for (int s = 0; s < n; s++) Close(b[i, j][s], a[i, j][s], 1e-12, $"({i},{j})");
    }
}
