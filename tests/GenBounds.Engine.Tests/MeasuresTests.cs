using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;
using static GenBounds.Tests.MeasuresTestKit;

namespace GenBounds.Tests;

public class MeasuresTests
{
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ForwardTrace_equals_a_naive_scalar_forward(bool bias, bool reluOnInput)
    {
        var net = Net("5-7-6-3", bias, 1); int n = 9; var x = Inputs(n, 5, 2);
        var t = ForwardTrace.Compute(new DoubleMlp(net), x, n, reluOnInput);
        var sub = NoiseSensitivity.SubNetwork(t.Net, 0, 3); var f = new double[n * 3];
        if (!reluOnInput) sub(x.Select(v => (double)v).ToArray(), n, f);
        for (int s = 0; s < n; s++)
        {
            var xs = Forward(net, x.AsSpan(s * 5, 5), reluOnInput);
            for (int k = 0; k <= 3; k++)
            {
                for (int u = 0; u < xs[k].Length; u++) Close(xs[k][u], t.Row(k, s)[u], 1e-12, $"x^{k}[{u}]");
                Close(Norm(xs[k]), t.XNorm[k][s], 1e-12, $"‖x^{k}‖");
                if (k < 3) Close(Norm(k == 0 && !reluOnInput ? xs[0] : xs[k].Select(v => Math.Max(v, 0)).ToArray()), t.PhiNorm[k][s], 1e-12, $"‖u^{k}‖");
            }
            if (!reluOnInput) for (int u = 0; u < 3; u++) Close(xs[3][u], f[s * 3 + u], 1e-12, "M^{0,d}");
        }
    }

    [Fact]
    public void Matrix_norms_follow_the_row_convention_and_spectral_norm_matches_the_managed_SVD()
    {
        var m = MatrixNorms.Of(new double[] { 1, -2, 3, 4 }, 2, 2);
        Close(Math.Sqrt(30), m.Frobenius, 1e-14, "fro");
        Close(7, m.L1Inf, 1e-14, "l1inf"); Close(Math.Sqrt(58), m.L12, 1e-14, "l12"); Close(Math.Sqrt(5) + 5, m.L21, 1e-14, "l21");
        var a = new double[37 * 23]; new Rng(3).FillGaussian(a.AsSpan());
        var fast = MatrixNorms.Of(a, 37, 23, LinearAlgebraProviders.Default);
        Close(LinearAlgebraProviders.Managed.SingularValues(a, 37, 23)[0], fast.Spectral, 1e-12, "spectral");
        Close(fast.Frobenius * fast.Frobenius / (fast.Spectral * fast.Spectral), fast.StableRank, 1e-12, "srank");
        Assert.InRange(fast.StableRank, 1, 23);
    }

    // 2-2-2 bias-free net, A¹ = I, A² = [[1,1],[1,−1]], inputs (1,0), (1,1), (1,−1): values worked out by hand.
    [Fact]
    public void Cushions_contraction_and_Table1_quantity_have_the_hand_computed_values_on_a_tiny_net()
    {
        var net = new Mlp(new MlpArchitecture([2, 2, 2], bias: false));
        net.Layers[0].Weight[0] = 1; net.Layers[0].Weight[3] = 1;
        new float[] { 1, 1, 1, -1 }.CopyTo(net.Layers[1].Weight, 0);
        var x = new float[] { 1, 0, 1, 1, 1, -1 };
        var m = NetworkMeasures.Compute(net, x, 3, [0, 0, 0], new MeasureOptions());
        double r = 1 / Math.Sqrt(2);
        Close(r, m.LayerCushion(1), 1e-14, "μ1"); Close(r, m.LayerCushion(2), 1e-14, "μ2");
        Assert.Equal(new[] { 1.0, r, r }, m.InterlayerRatio![1, 2].Select(v => Math.Round(v, 14)).ToArray(), new ToleranceComparer(1e-13));
        Close(r, m.MinimalInterlayerCushion(1), 1e-14, "μ1→"); Close(r, m.MinimalInterlayerCushion(2), 1e-14, "μ2→ = 1/√h²");
        Close(Math.Sqrt(2), m.C(), 1e-14, "c"); Close(Math.Sqrt(2), m.Contraction(1), 1e-14, "c1");
        Assert.Equal(new[] { 0.5, 1, 0.5 }, m.ActiveFraction[1]);
        Assert.Equal(new[] { 0.0, 2, 0 }, m.Margin!);
        Close(8, m.EffectiveParameters(1), 1e-12, "layer-1 effective params"); Close(8, m.EffectiveParameters(2), 1e-12, "layer-2");
        Close(4 * 16, m.TheoremProxy(1), 1e-12, "proxy");
        Assert.Equal(4, m.Layers()[0].ActualParameters);
        var csv = new StringWriter(); m.WritePerSampleCsv(csv);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.All(lines, l => Assert.Equal(lines[0].Split(',').Length, l.Split(',').Length));
        Assert.Contains("interlayer_1_2", lines[0]);
        Assert.StartsWith("2,", lines[3]);
    }

    [Fact]
    public void Outlier_removed_minima_and_maxima_are_monotone_in_zeta()
    {
        var v = new double[101]; new Rng(5).FillGaussian(v.AsSpan());
        Assert.Equal(v.Min(), Robust.Min(v)); Assert.Equal(v.Max(), Robust.Max(v));
        var m = NetworkMeasures.Compute(Net("6-9-8-4", false, 6), Inputs(80, 6, 7), 80, null, new MeasureOptions());
        double prevMin = double.NegativeInfinity, prevMax = double.PositiveInfinity, prevMu = 0, prevMut = 0, prevC = double.PositiveInfinity;
        for (double z = 0; z < 0.5; z += 0.01)
        {
            Assert.True(Robust.Min(v, z) >= prevMin && Robust.Max(v, z) <= prevMax);
            prevMin = Robust.Min(v, z); prevMax = Robust.Max(v, z);
            Assert.True(m.LayerCushion(2, z) >= prevMu && m.MinimalInterlayerCushion(1, z) >= prevMut && m.C(z) <= prevC);
            prevMu = m.LayerCushion(2, z); prevMut = m.MinimalInterlayerCushion(1, z); prevC = m.C(z);
        }
        Assert.True(Robust.Min(v, 0.2) > v.Min() && m.LayerCushion(2, 0.3) > m.LayerCushion(2));
    }

    [Fact]
    public void Proposition_3_1_closed_form_matches_Monte_Carlo_and_bounds_the_stable_rank()
    {
        var net = Net("6-10-8-3", false, 8); int n = 6;
        var dn = new DoubleMlp(net); var t = ForwardTrace.Compute(dn, Inputs(n, 6, 9), n);
        double srank = MatrixNorms.Of(dn.W[2], 8, 10).StableRank;
        var mc = NoiseSensitivity.MonteCarlo(NoiseSensitivity.LinearMap(dn.W[2], 8, 10), 10, 8, t.Phi[1], n, 4000, new Rng(10));
        var m = NetworkMeasures.Compute(net, Inputs(n, 6, 9), n, null, new MeasureOptions());
        for (int s = 0; s < n; s++)
        {
            double closed = NoiseSensitivity.Linear(dn.W[2], 8, 10, t.Phi[1].AsSpan(s * 10, 10));
            Assert.True(Math.Abs(mc[s].Mean - closed) < 4 * mc[s].StandardError, $"MC {mc[s].Mean} ± {mc[s].StandardError} vs {closed}");
            Assert.True(closed >= srank * (1 - 1e-12), $"ψ = {closed} < srank = {srank}");
        }
        double psiMax = Enumerable.Range(0, n).Max(s => NoiseSensitivity.Linear(dn.W[2], 8, 10, t.Phi[1].AsSpan(s * 10, 10)));
        Close(1 / Math.Pow(m.LayerCushion(2), 2), psiMax, 1e-10, "1/μ² = ψ_S(A)");
    }

    [Fact]
    public void Smoothness_is_infinite_without_flips_and_matches_the_definition_with_flips()
    {
        var net = Net("5-12-10-8-3", false, 12); int n = 40; var x = Inputs(n, 5, 13);
        var dn = new DoubleMlp(net); var clean = ForwardTrace.Compute(dn, x, n);
        var scaled = net.Clone(); for (int k = 0; k < scaled.Layers[0].Weight.Length; k++) scaled.Layers[0].Weight[k] *= 1.5f;
        var none = InterlayerSmoothness.Measure(clean, ForwardTrace.Compute(new DoubleMlp(scaled), x, n));
        Assert.True(double.IsPositiveInfinity(none.Rho()), "positive rescaling flips nothing, so every R is +∞");
        Assert.Equal(0, none.FlipFraction(2));

        var noisy = net.Clone(); var g = new float[noisy.Layers[0].Weight.Length]; new Rng(14).FillGaussian(g);
        for (int k = 0; k < g.Length; k++) noisy.Layers[0].Weight[k] += 0.3f * g[k];
        var draw = InterlayerSmoothness.Measure(clean, ForwardTrace.Compute(new DoubleMlp(noisy), x, n));
        Assert.True(draw.FlipFraction(1) > 0 && double.IsFinite(draw.Rho()));
        int checkedPairs = 0;
        for (int s = 0; s < n; s++)
        {
            var xs = Forward(net, x.AsSpan(s * 5, 5)); var xh = Forward(noisy, x.AsSpan(s * 5, 5));
            foreach (var (i, j) in draw.Ratio.Pairs())
            {
                var z = xh[i];
                for (int k = i + 1; k <= j; k++) z = Affine(net, k, z.Select(v => Math.Max(v, 0)).ToArray());
                var jz = Apply(Jacobian(net, xs, i, j), xh[i]);
                double res = Norm(z.Zip(jz, (a, b) => a - b).ToArray()), eta = Norm(xh[i].Zip(xs[i], (a, b) => a - b).ToArray());
                double r = draw.Ratio[i, j][s];
                if (double.IsPositiveInfinity(r)) { Assert.True(res < 1e-12 * Norm(z), $"R=∞ but residual {res}"); continue; }
                Close(eta * Norm(xs[j]) / (Norm(xs[i]) * res), r, 1e-8, $"R({i},{j}) sample {s}");
                checkedPairs++;
            }
        }
        Assert.True(checkedPairs > 10);
    }

    [Fact]
    public void Attenuation_noise_has_exactly_the_requested_relative_norm()
    {
        var net = Net("6-9-8-4", true, 15); int n = 20;
        var t = ForwardTrace.Compute(new DoubleMlp(net), Inputs(n, 6, 16), n);
        var a = NoiseAttenuation.Measure(t, new Rng(17));
        for (int i = 1; i <= 3; i++) foreach (var v in a.InjectedRelativeNorm[i]) Close(0.1, v, 1e-12, "‖η‖/‖u‖");
        var b = NoiseAttenuation.Measure(t, new Rng(17), 0.1, NoiseSite.PreActivation);
        for (int i = 1; i <= 3; i++) foreach (var v in b.RelativeError[i, i]) Close(0.1, v, 1e-12, "‖x̂^i − x^i‖/‖x^i‖");
        Assert.True(a.Summary(1, 3).Count == n && a.Summary(1, 3).Max > 0);
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(double v) => 0;
    }
}
