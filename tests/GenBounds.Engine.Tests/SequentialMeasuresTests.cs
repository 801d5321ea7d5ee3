using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class SequentialMeasuresTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    private static void Close(double expected, double actual, double rel, string what)
    {
        if (double.IsPositiveInfinity(expected) || double.IsPositiveInfinity(actual)) { Assert.Equal(expected, actual); return; }
        Assert.True(Math.Abs(expected - actual) <= rel * (1e-12 + Math.Abs(expected)), $"{what}: expected {expected}, got {actual}");
    }

    [Theory]
    [InlineData("7-9-8-6-4", false)]
    [InlineData("6-10-5-3", true)]
    public void On_a_dense_only_network_the_general_path_gives_the_mlp_measures(string sizes, bool bias)
    {
        var mlp = MeasuresTestKit.Net(sizes, bias, 3);
        var pert = MeasuresTestKit.Net(sizes, bias, 3);
        for (int k = 0; k < 2; k++) { var w = pert.Layers[k].Weight; for (int q = 0; q < w.Length; q++) w[q] *= 1 + 0.3f * MathF.Sin(q + k); }
        int n = 40, h0 = mlp.Architecture.InputSize;
        var x = MeasuresTestKit.Inputs(n, h0, 5);
        var labels = Enumerable.Range(0, n).Select(s => s % mlp.Architecture.OutputSize).ToArray();
        var a = NetworkMeasures.Compute(mlp, x, n, labels, new MeasureOptions { Perturbed = pert, Attenuation = true, Rng = new Rng(9), ChunkRows = 16 });
        var b = SequentialMeasures.Compute(mlp.AsNetwork(), x, n, labels, new SequentialMeasureOptions { Perturbed = pert.AsNetwork(), Attenuation = true, Rng = new Rng(9), ChunkRows = 13 });
        int d = mlp.Architecture.Depth;
        for (int i = 1; i <= d; i++)
        {
            Close(a.Norms[i].Frobenius, b.Norms[i].Kernel.Frobenius, 1e-12, $"‖A{i}‖_F");
            Close(a.Norms[i].Spectral, b.Norms[i].OperatorSpectral.Lower, 1e-10, $"‖A{i}‖₂");
            for (int s = 0; s < n; s++)
            {
                Close(a.LayerCushionRatio[i][s], b.LayerCushionRatio[i][s], 1e-10, $"cushion {i} sample {s}");
                Close(a.LayerCushionRatio[i][s], b.OperatorLayerCushionRatio[i][s], 1e-10, $"operator cushion {i} sample {s}");
                if (i < d)
                {
                    Close(a.ContractionRatio[i][s], b.ContractionRatio[i][s], 1e-10, $"contraction {i} sample {s}");
                    Assert.Equal(a.ActiveFraction[i][s], b.ActiveFraction[i][s]);
                }
            }
            Assert.Equal(1.0, b.Beta(i));
            Assert.Equal(1, b.KernelOverStride(i));
            Close(a.MinimalInterlayerCushion(i), b.MinimalInterlayerCushion(i), 1e-9, $"μ_{i}→");
            Close(a.EffectiveParameters(i), b.EffectiveParameters(i), 1e-8, $"effective parameters {i}");
        }
        for (int s = 0; s < n; s++) { Close(a.OutputNorm[s], b.OutputNorm[s], 1e-12, "‖f‖"); Close(a.Margin![s], b.Margin![s], 1e-10, "margin"); }
        foreach (var (i, j) in a.JacobianFrobenius!.Pairs())
            for (int s = 0; s < n; s++)
            {
                Close(a.JacobianFrobenius[i, j][s], b.JacobianFrobenius![i, j][s], 1e-9, $"‖J{i},{j}‖_F sample {s}");
                Close(a.JacobianTimesInput![i, j][s], b.JacobianTimesInput![i, j][s], 1e-9, $"‖J{i},{j}x‖ sample {s}");
                Close(a.InterlayerRatio![i, j][s], b.InterlayerRatio![i, j][s], 1e-9, $"interlayer {i},{j} sample {s}");
                Assert.True(b.WellDistributed![i, j][s] is 1.0 or 0.0);
                Assert.Equal(a.Smoothness!.Flipped[i, j][s], b.Smoothness!.Flipped[i, j][s]);
                Close(a.Smoothness.Ratio[i, j][s], b.Smoothness.Ratio[i, j][s], 1e-7, $"smoothness {i},{j} sample {s}");
            }
        foreach (var (i, j) in a.Attenuation!.RelativeError.Pairs())
            for (int s = 0; s < n; s++) Close(a.Attenuation.RelativeError[i, j][s], b.Attenuation!.RelativeError[i, j][s], 1e-9, $"attenuation {i},{j} sample {s}");
        for (int k = 1; k < d; k++) Assert.Equal(a.Smoothness!.UnitFlips[k], b.Smoothness!.UnitFlips[k]);
        Close(a.TheoremProxy(1.5), b.TheoremProxy(1.5), 1e-8, "Theorem 4.1 proxy");
    }

    private static (Network Net, float[] X, int N) RandomCnn(ulong seed, bool bias = false, int n = 5)
    {
        var rng = new Rng(seed);
        var arch = NaiveNetwork.RandomArchitecture(rng, bias);
        var net = Network.InitializeDefault(arch, rng.Split("init"));
        var x = new float[n * arch.InputShape.Size]; rng.FillGaussian(x);
        return (net, x, n);
    }

    /// <summary>J^{i,j} of one sample by central differences of the float64 network from level i (rows = x^j in PyTorch order).</summary>
    private static double[,] FiniteDifferenceJacobian(DoubleNetwork dn, NetworkTrace t, int s, int i, int j)
    {
        var xi = t.Sample(i, s); var shapeI = dn.XShape[i]; int rows = dn.XShape[j].Size;
        var J = new double[rows, xi.Length];
        const double h = 1e-6;
        double[] Run(double[] v)
        {
            var batch = SequentialOps.ToBatchLayout(shapeI, 1, v);
            double[] outp = batch;
            if (j > i) NetworkTrace.Propagate(dn, i, batch, 1, j, false, La, new double[1 << 16], (k, y, _, _) => { if (k == j) outp = y; });
            return SequentialOps.Member(dn.XShape[j], 1, outp, 0);
        }
        for (int c = 0; c < xi.Length; c++)
        {
            var up = (double[])xi.Clone(); up[c] += h;
            var dn2 = (double[])xi.Clone(); dn2[c] -= h;
            var a = Run(up); var b = Run(dn2);
            for (int r = 0; r < rows; r++) J[r, c] = (a[r] - b[r]) / (2 * h);
        }
        return J;
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    public void Coloured_probing_gives_the_exact_jacobian_norms_and_beta_of_finite_difference_jacobians(ulong seed)
    {
        // With biases no pre-activation is exactly 0 (a bias-free window on padding alone gives 0, where a central
        // difference sees ReLU's slope as 1/2 while the Jacobian convention, PyTorch's, is 0).
        var (net, x, n) = RandomCnn(seed, bias: true);
        CheckAgainstFiniteDifferences(net, x, n);
    }

    [Theory]
    [InlineData("2x10x9:conv3k3-maxpool2-relu-conv4k2-relu-flatten-fc3")]     // pooling before the ReLU
    [InlineData("1x9x9:conv2k2-relu-maxpool2s1-conv3k3-relu-avgpool2-flatten-fc4")]
    [InlineData("1x8x8:conv3k3p1-relu-conv2k3s2-relu-flatten-fc5-relu-fc3")]
    public void Exact_jacobian_norms_hold_for_every_block_shape(string text)
    {
        var arch = NetworkArchitecture.Parse(text);
        var net = Network.InitializeDefault(arch, new Rng(4));
        int n = 3; var x = new float[n * arch.InputShape.Size]; new Rng(5).FillGaussian(x);
        CheckAgainstFiniteDifferences(net, x, n);
    }

    private static void CheckAgainstFiniteDifferences(Network net, float[] x, int n)
    {
        var dn = new DoubleNetwork(net);
        var t = NetworkTrace.Compute(dn, x, n);
        int d = dn.Depth;
        var fro = new PairSamples(d, n, false); var beta = new PairSamples(d, n, false);
        NetworkJacobians.ExactFrobenius(t, fro, beta, 0, La);
        foreach (var (i, j) in fro.Pairs())
            for (int s = 0; s < n; s++)
            {
                var J = FiniteDifferenceJacobian(dn, t, s, i, j);
                int l = dn.Locations[i], cols = J.GetLength(1);
                double total = 0; var perLoc = new double[l];
                for (int r = 0; r < J.GetLength(0); r++) for (int c = 0; c < cols; c++) { total += J[r, c] * J[r, c]; perLoc[c % l] += J[r, c] * J[r, c]; }
                Assert.True(Math.Abs(total - fro[i, j][s]) <= 1e-6 * (1 + total), $"{net.Architecture} ‖J{i},{j}‖² sample {s}: probing {fro[i, j][s]} vs finite differences {total}");
                double b = total > 0 ? Math.Sqrt(l * perLoc.Max() / total) : 0;
                Assert.True(Math.Abs(b - beta[i, j][s]) <= 1e-5 * (1 + b), $"{net.Architecture} β{i},{j} sample {s}: {beta[i, j][s]} vs {b}");
            }
    }

    [Theory]
    [InlineData(1)] [InlineData(2)] [InlineData(3)]
    public void Colour_classes_partition_the_rows(ulong seed)
    {
        var (net, _, _) = RandomCnn(seed);
        var dn = new DoubleNetwork(net);
        for (int j = 2; j <= dn.Depth; j++)
        {
            var all = NetworkJacobians.Colouring(dn, j).SelectMany(c => c).OrderBy(v => v).ToArray();
            Assert.Equal(Enumerable.Range(0, dn.XShape[j].Size), all);
        }
    }

    [Fact]
    public void Bias_free_cnns_are_positively_homogeneous_so_j_times_x_is_x()
    {
        var (net, x, n) = RandomCnn(11);
        var dn = new DoubleNetwork(net);
        var t = NetworkTrace.Compute(dn, x, n);
        var jx = new PairSamples(dn.Depth, n, false);
        NetworkJacobians.JacobianTimesInputNorms(t, jx, 0, La);
        foreach (var (i, j) in jx.Pairs())
            for (int s = 0; s < n; s++) Close(t.XNorm[j][s], jx[i, j][s], 1e-10, $"‖J{i},{j}x{i}‖ vs ‖x{j}‖");
    }

    [Theory]
    [InlineData(21)] [InlineData(22)]
    public void The_hutchinson_estimates_are_unbiased_for_the_exact_norms(ulong seed)
    {
        var (net, x, n) = RandomCnn(seed, n: 8);
        var m = SequentialMeasures.Compute(net, x, n, null, new SequentialMeasureOptions { EstimatorProbes = 64, Rng = new Rng(seed) });
        double num = 0, var = 0;
        foreach (var (i, j) in m.JacobianFrobenius!.Pairs())
            for (int s = 0; s < n; s++)
            {
                double exact = m.JacobianFrobenius[i, j][s] * m.JacobianFrobenius[i, j][s], est = m.EstimatedFrobeniusSquared![i, j][s], se = m.EstimatedStdErr![i, j][s];
                if (exact == 0) { Assert.Equal(0, est); continue; }
                Assert.True(Math.Abs(est - exact) <= 6 * se, $"({i},{j}) sample {s}: estimate {est} ± {se} vs exact {exact}");
                num += (est - exact) / exact; var += se * se / (exact * exact);
            }
        Assert.True(Math.Abs(num) <= 4 * Math.Sqrt(var), $"summed relative deviation {num} vs its standard error {Math.Sqrt(var)}");
    }

    [Fact]
    public void Conv_layer_cushions_use_the_kernel_and_the_operator_frobenius_norms()
    {
        var arch = NetworkArchitecture.Parse("2x9x8:conv3k3s2p1-pool2-conv4k2-5/nobias");
        var net = Network.InitializeDefault(arch, new Rng(2));
        var x = new float[3 * 144]; new Rng(3).FillGaussian(x);
        var m = SequentialMeasures.Compute(net, x, 3, null, new SequentialMeasureOptions());
        var dn = new DoubleNetwork(net);
        var t = NetworkTrace.Compute(dn, x, 3);
        for (int i = 1; i <= dn.Depth; i++)
            for (int s = 0; s < 3; s++)
            {
                var u = SequentialOps.Member(dn.UShape[i - 1], 3, t.U[i - 1], s);
                double au = Math.Sqrt(t.Sample(i, s).Sum(v => v * v)), un = Math.Sqrt(u.Sum(v => v * v));
                double kf = Math.Sqrt(dn.W[i].Sum(v => v * v));
                double of = dn.WeightSpecs[i] is Conv2dSpec c ? Math.Sqrt(ConvOperatorNorms.DenseOperator(dn.W[i], c, dn.UShape[i - 1]).Sum(v => v * v)) : kf;
                Close(au / (kf * un), m.LayerCushionRatio[i][s], 1e-10, $"cushion {i}");
                Close(au / (of * un), m.OperatorLayerCushionRatio[i][s], 1e-10, $"operator cushion {i}");
            }
        Assert.Equal(2, m.KernelOverStride(1));         // ⌈3/2⌉
        Assert.Equal(2, m.KernelOverStride(2));         // ⌈2/1⌉
        Assert.True(m.Beta() >= 1);
    }

    [Fact]
    public void An_unperturbed_copy_is_perfectly_smooth_and_attenuation_noise_has_the_requested_norm()
    {
        var (net, x, n) = RandomCnn(31, n: 6);
        var m = SequentialMeasures.Compute(net, x, n, null, new SequentialMeasureOptions { Perturbed = net.Clone(), Attenuation = true, AttenuationSite = NoiseSite.PreActivation, Rng = new Rng(1) });
        foreach (var (i, j) in m.Smoothness!.Ratio.Pairs())
            for (int s = 0; s < n; s++) { Assert.Equal(double.PositiveInfinity, m.Smoothness.Ratio[i, j][s]); Assert.Equal(0, m.Smoothness.Flipped[i, j][s]); }
        for (int i = 1; i <= m.Net.Depth; i++)
            for (int s = 0; s < n; s++) Close(0.1, m.Attenuation!.RelativeError[i, i][s], 1e-12, $"injected noise at layer {i}");
    }

    [Fact]
    public void Measures_do_not_depend_on_the_chunk_size()
    {
        var (net, x, n) = RandomCnn(41, n: 9);
        SequentialMeasures M(int chunk) => SequentialMeasures.Compute(net, x, n, null, new SequentialMeasureOptions { ChunkRows = chunk, EstimatorProbes = 3, Attenuation = true, Rng = new Rng(2) });
        var a = M(2); var b = M(9);
        foreach (var (i, j) in a.JacobianFrobenius!.Pairs())
        {
            Assert.Equal(a.EstimatedFrobeniusSquared![i, j], b.EstimatedFrobeniusSquared![i, j]);
            for (int s = 0; s < n; s++) Close(a.JacobianFrobenius[i, j][s], b.JacobianFrobenius![i, j][s], 1e-12, "‖J‖_F");
        }
        Assert.Equal(a.Attenuation!.RelativeError[1, 2], b.Attenuation!.RelativeError[1, 2]);
    }
}
