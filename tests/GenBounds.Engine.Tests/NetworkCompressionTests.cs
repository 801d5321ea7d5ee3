using GenBounds.Compression;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class NetworkCompressionTests
{
    private static AroraLemma3Inputs HandInputs() =>
        new(new[] { 0.5, 0.3 }, new[] { 0.2, 0.25 }, ActivationContraction: 1.5, Depth: 2, MaxWidth: 10, SampleCount: 100, Epsilon: 0.5, Delta: 0.1);

    [Fact]
    public void Lemma_3_accuracies_helper_counts_and_parameter_counts_match_hand_computation()
    {
        var plan = NetworkCompression.Plan(HandInputs());
        // η = 0.1/(6·2²·10²·100) = 0.1/240000; ε_i = 0.5·μ_iμ_{i→}/(6·1.5·2) = 0.1/36 and 0.075/36.
        Assert.Equal(1.0, plan.Eta / (0.1 / 240000), 14);
        Assert.Equal(1.0 / 360, plan.LayerEpsilons[0], 15);
        Assert.Equal(1.0 / 480, plan.LayerEpsilons[1], 15);
        double ln = Math.Log(2_400_000);
        Assert.Equal(ln * 360 * 360, plan.HelperCounts[0], 6);
        Assert.Equal(ln * 480 * 480, plan.HelperCounts[1], 6);
        Assert.Equal(ln * (360 * 360 + 480 * 480), plan.TotalParameters, 5);
        // Paper form of k_i: 36c²d²·ln(6d²h²m/δ)/(ε²μ_i²μ_{i→}²).
        Assert.Equal(36 * 2.25 * 4 * ln / (0.25 * 0.01), plan.HelperCounts[0], 5);
        // Stated count: 72·c²·d²·ln(mdh/δ)/ε²·Σ 1/(μ_i²μ_{i→}²) = 72·2.25·4·ln(20000)/0.25·(100 + 1600/9).
        Assert.Equal(72 * 2.25 * 4 * Math.Log(20000) / 0.25 * (100 + 1600.0 / 9), plan.StatedCount, 4);
        Assert.True(plan.StatedCount >= plan.TotalParameters, "with m/δ ≥ 6 the stated count covers the per-layer counts");
    }

    [Fact]
    public void The_printed_4cd_denominator_gives_counts_smaller_by_four_ninths()
    {
        var six = NetworkCompression.Plan(HandInputs());
        var four = NetworkCompression.Plan(HandInputs(), epsilonDenominator: 4);
        Assert.Equal(six.TotalParameters * 16 / 36, four.TotalParameters, 5);
        var twice = NetworkCompression.Plan(HandInputs(), helperConstant: 2);
        Assert.Equal(2 * six.TotalParameters, twice.TotalParameters, 5);
    }

    [Fact]
    public void Invalid_measurements_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => NetworkCompression.Plan(HandInputs() with { Depth = 3 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => NetworkCompression.Plan(HandInputs() with { Epsilon = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => NetworkCompression.Plan(HandInputs() with { ActivationContraction = 0.5 }));
    }

    [Fact]
    public void Layers_under_the_budget_use_exact_projection_others_the_surrogate_and_biases_are_kept()
    {
        var arch = new MlpArchitecture(new[] { 6, 5, 4 }, bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(1));
        var inputs = new AroraLemma3Inputs(new[] { 1.0, 1.0 }, new[] { 1.0, 1.0 }, 1.0, 2, 6, 10, 1.0, 1.0);
        var plan = NetworkCompression.Plan(inputs);
        long k0 = (long)Math.Ceiling(plan.HelperCounts[0]);
        // Budget admits layer 1 (k·4·5) but not layer 0 (k·5·6).
        var r = NetworkCompression.Compress(net, plan, 9, new Rng(2), exactBudget: k0 * 20);
        Assert.Equal(ProjectionMethod.GaussianSurrogate, r.Layers[0].Method);
        Assert.Null(r.Layers[0].Coefficients);
        Assert.Equal(ProjectionMethod.Exact, r.Layers[1].Method);
        Assert.Equal(k0, r.Layers[1].Coefficients!.Length);
        var again = NetworkCompression.Compress(net, plan, 9, new Rng(2), exactBudget: k0 * 20);
        Assert.Equal(r.Network.ContentHash(), again.Network.ContentHash());
        var expected = MatrixProject.Decompress(r.Layers[1].Coefficients!, 4, 5, r.Layers[1].HelperSeed);
        for (int i = 0; i < 20; i++) Assert.Equal((float)expected[i], r.Network.Layers[1].Weight[i]);
        for (int l = 0; l < 2; l++) Assert.Equal(net.Layers[l].Bias!, r.Network.Layers[l].Bias!);
        // k ≈ 144·ln(1/η) helpers: relative Frobenius error about √(n/k) per layer.
        for (int l = 0; l < 2; l++)
        {
            var a = net.Layers[l].Weight; var b = r.Network.Layers[l].Weight;
            double rel = Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum() / a.Sum(x => (double)x * x));
            Assert.InRange(rel, 0.02, 0.4);
        }
    }

    [Fact]
    public void Compressing_the_difference_from_an_unchanged_init_reproduces_the_init_for_both_methods()
    {
        var arch = new MlpArchitecture(new[] { 6, 5, 4 }, bias: false);
        var init = Mlp.InitializeDefault(arch, new SeedStreams(3).Stream(SeedStreams.Names.Init));
        var plan = NetworkCompression.Plan(new AroraLemma3Inputs(new[] { 1.0, 1.0 }, new[] { 1.0, 1.0 }, 1.0, 2, 6, 10, 1.0, 1.0));
        foreach (long budget in new[] { 0L, long.MaxValue })
        {
            var r = NetworkCompression.Compress(init, plan, 4, new Rng(5), budget, initial: init);
            Assert.True(r.CompressedDeltaFromInit);
            Assert.Equal(init.ContentHash(), r.Network.ContentHash());
        }
    }
}
