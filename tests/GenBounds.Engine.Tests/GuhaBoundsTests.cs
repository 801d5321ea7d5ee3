using GenBounds.Compression;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;
using static GenBounds.Tests.MaskedTrainingTests;

namespace GenBounds.Tests;

public class GuhaBoundsTests
{
    [Theory]
    [InlineData(10, 3)]
    [InlineData(52, 5)]
    [InlineData(30, 0)]
    [InlineData(30, 30)]
    [InlineData(1000, 17)]
    public void Log_binomial_matches_the_product_formula(int n, int k)
    {
        double exact = 0;
        for (int i = 1; i <= k; i++) exact += Math.Log(n - k + i) - Math.Log(i);
        Assert.Equal(exact, CompressionCounts.LogBinomial(n, k), 9);
    }

    [Fact]
    public void Log_binomial_of_a_large_layer_agrees_with_Stirling_and_rejects_impossible_arguments()
    {
        // ln C(n, k) ≈ n·H(k/n) − ½ln(2π k (n−k)/n) for large n, k.
        long n = 784L * 1000, k = n / 10;
        double pk = (double)k / n;
        double stirling = n * (-pk * Math.Log(pk) - (1 - pk) * Math.Log(1 - pk)) - 0.5 * Math.Log(2 * Math.PI * k * (n - k) / (double)n);
        Assert.Equal(stirling, CompressionCounts.LogBinomial(n, k), 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => CompressionCounts.LogBinomial(5, 6));
    }

    [Fact]
    public void The_hoeffding_deviation_is_the_solution_of_N_times_exp_minus_2_tau_squared_m_equals_delta()
    {
        double lnN = 1234.5, delta = 0.01; long m = 60_000;
        double tau = CompressionCounts.HoeffdingDeviation(lnN, delta, m);
        Assert.Equal(Math.Log(delta), lnN - 2 * tau * tau * m, 9);
    }

    [Fact]
    public void The_honest_count_pays_for_support_size_levels_step_and_range_and_exceeds_the_optimistic_count()
    {
        // One 10×10 layer with 7 non-zeros on levels ±1..±3, step grid of 8.
        var layer = new LayerCountInput(100, 7, 3, 4);
        var c = CompressionCounts.PrunedClass([layer], 8);
        double support = CompressionCounts.LogBinomial(100, 7) + Math.Log(101);
        double values = 7 * Math.Log(6);
        double dense = 100 * Math.Log(7);
        Assert.Equal(support, c.Support, 12);
        Assert.Equal(values, c.Values, 12);
        Assert.Equal(dense, c.Dense, 12);
        Assert.Equal(Math.Min(support + values, dense) + Math.Log(2), c.Encoding, 12);
        Assert.Equal(Math.Log(8), c.StepChoice, 12);
        Assert.Equal(Math.Log(12), c.RangeChoice, 12);
        Assert.Equal(7 * Math.Log(4), c.Optimistic, 12);
        Assert.True(c.Total > c.Optimistic);
        // At 60% density with three levels the dense encoding (0 as a grid value) is the cheaper one.
        var dense60 = CompressionCounts.PrunedClass([new LayerCountInput(100, 60, 1, 2)], 1);
        Assert.True(100 * Math.Log(3) < CompressionCounts.LogBinomial(100, 60) + Math.Log(101) + 60 * Math.Log(2));
        Assert.Equal(100 * Math.Log(3) + Math.Log(2), dense60.Encoding, 12);
    }

    [Fact]
    public void Levels_of_a_rounded_layer_are_read_off_the_grid()
    {
        var w = new float[] { 0.31f, -0.05f, 0f, 0.49f, -0.26f, 0.02f };
        var r = Rounding.Round(w, 0.1);
        var lv = CompressionCounts.Levels(r.Rounded, 0.1);
        Assert.Equal(6, lv.Positions);
        Assert.Equal(4, lv.Kept);                  // 0.3, −0.1 (−0.05 rounds away from zero), 0.5, −0.3
        Assert.Equal(5, lv.MaxLevel);
        Assert.Equal(r.DistinctNonZeroLevels, lv.LevelsUsed);
        Assert.Throws<ArgumentException>(() => CompressionCounts.Levels([0.15], 0.1));
    }

    [Fact]
    public void The_naive_LD1_count_is_the_sum_of_log_binomials_and_value_bits()
    {
        double c = CompressionCounts.NaiveCountLD1([(100, 7), (50, 5)], 9);
        Assert.Equal(CompressionCounts.LogBinomial(100, 7) + CompressionCounts.LogBinomial(50, 5) + 12 * Math.Log(9), c, 12);
    }

    [Fact]
    public void Explicit_T52_adds_up_its_terms_and_flags_vacuity()
    {
        var profiles = new[]
        {
            SparsityStats.Profile(new float[] { 1, 0, 0, 0, 2, 0 }, 2, 3),
            SparsityStats.Profile(new float[] { 1, 1, 0, 3, 0, 0, 0, 0, 4 }, 3, 3),
        };
        var sizes = GuhaBounds.SketchSizes(profiles, 0.5);
        Assert.Equal(SketchSizing.Side(0.5, 1, 3), sizes[0].Side);
        Assert.Equal(SketchSizing.Side(0.5, 2, 3), sizes[1].Side);
        var b = GuhaBounds.ExplicitT52(sizes, [2, 5], 4, 0.01, 1000, 0.05, [0.0, 0.001]);
        long q = sizes.Sum(s => s.SketchEntries);
        Assert.Equal(q, b.Q);
        Assert.Equal(q * Math.Log(11), b.CatalogComplexity, 12);
        double honest = 2 * Math.Log(4);
        foreach (var (s, k) in sizes.Zip(new long[] { 2, 5 }))
            honest += (double)s.Side * s.Side * Math.Log(2 * k + 1) + Math.Log(k * (k + 1.0)) + Math.Log(s.Side * (s.Side + 1.0));
        Assert.Equal(honest, b.HonestComplexity, 9);
        Assert.Equal(0.01 + Math.Sqrt((honest + Math.Log(20)) / 2000), b.Bound, 12);
        Assert.Equal(1 - 0.05 - 0.001, b.Confidence, 12);
        Assert.Equal(b.Bound >= 1, b.Vacuous);
    }

    [Fact]
    public void T62_term_has_the_stated_shape()
    {
        double t = GuhaBounds.T62Term(2, 3, 1, 1000, 500);
        Assert.Equal(Math.Sqrt((2 * 3 + 9) * Math.Pow(Math.Log(1000), 2) / 500), t, 12);
    }

    [Fact]
    public void The_codes_kappa_is_scipys_bisection_root_and_one_for_widening_layers()
    {
        // Finding: with xtol = 0.01 on [0, 1], scipy's bisect stops at t = 0.1328125 (h_in = 784) and 0.1796875 (h_in = 500),
        // so the code's κ of a 784 → 10 and a 500 → 10 output layer (m = 48,000) is 0.420 and 0.568; the catalog's GUHA-LC.1
        // table (0.443, 0.555) uses the exact roots √(ln(m/0.01)/h_in)·√10.
        Assert.Equal(0.1328125 * Math.Sqrt(10), GuhaCodeProxy.Kappa(784, 10, 48_000), 12);
        Assert.Equal(0.1796875 * Math.Sqrt(10), GuhaCodeProxy.Kappa(500, 10, 48_000), 12);
        Assert.Equal(0.443, Math.Sqrt(Math.Log(48_000 / 0.01) / 784) * Math.Sqrt(10), 3);
        Assert.Equal(1.0, GuhaCodeProxy.Kappa(100, 300, 48_000));
        Assert.Equal(1.0, GuhaCodeProxy.Kappa(784, 784, 48_000));
    }

    [Fact]
    public void Bisection_follows_scipys_rule()
    {
        var (root, ok) = GuhaCodeProxy.Bisect(x => x * x - 2, 0, 2, 1e-10);
        Assert.True(ok);
        Assert.Equal(Math.Sqrt(2), root, 9);
        Assert.False(GuhaCodeProxy.Bisect(x => x + 1, 0, 1, 1e-3).Bracketed);
    }

    [Fact]
    public void The_code_proxy_is_reproducible_and_its_needed_margin_meets_the_training_margin()
    {
        var train = Synthetic(300, 10, 1, "train"); var test = Synthetic(200, 10, 2, "test");
        var net = Mlp.InitializeDefault(new MlpArchitecture([10, 30, 3], bias: false), new Rng(3));
        var t = new Trainer(net, new TrainingOptions { Epochs = 30, BatchSize = 30, LearningRate = 1e-2, Seed = 4 }, new ManagedLinearAlgebraProvider());
        for (int e = 0; e < 30; e++) t.TrainEpoch(train);
        var a = GuhaCodeProxy.Compute(net, train, test, new Rng(5));
        var b = GuhaCodeProxy.Compute(net, train, test, new Rng(5));
        Assert.Equal(a.Bound, b.Bound);
        Assert.Equal(a.D, b.D);
        if (a.MinTrainMargin > 0 && a.RootBracketed)
        {
            Assert.InRange(a.D, 0, 10);
            Assert.True(a.Evaluations >= 10);
        }
        double chi = a.D == 0 ? 1 : MagnitudePruning.KeepProbabilityGaussian(a.D);
        Assert.Equal(Math.Sqrt((300 * chi * Math.Pow(Math.Log(30), 2) + 90 * chi * Math.Pow(Math.Log(30), 2)) / 300), a.ComplexityTerm, 9);
        Assert.Equal(a.MarginLoss + a.ComplexityTerm, a.Bound, 12);
    }

    [Fact]
    public void The_needed_margin_is_the_product_formula_and_vanishes_for_an_unperturbed_network()
    {
        var net = Mlp.InitializeDefault(new MlpArchitecture([7, 5, 3], bias: false), new Rng(11));
        var pert = net.Clone();
        pert.Layers[0].Weight[3] = 0; pert.Layers[1].Weight[1] += 0.5f;
        var la = new ManagedLinearAlgebraProvider();
        double n0 = la.SingularValues(net.Layers[0].WeightAsDouble(), 5, 7)[0], n1 = la.SingularValues(net.Layers[1].WeightAsDouble(), 3, 5)[0];
        var d0 = new double[35]; d0[3] = net.Layers[0].Weight[3];
        var d1 = new double[15]; d1[1] = -0.5;
        double expected = Math.E * 2.0 * n0 * n1 * (Math.Abs(d0[3]) / n0 + 0.5 / n1) * 0.7;
        Assert.Equal(expected, GuhaCodeProxy.NeededMargin(net, pert, 2.0, [1.0, 0.7], la), 9);
        Assert.Equal(0.0, GuhaCodeProxy.NeededMargin(net, net.Clone(), 2.0, [1.0, 1.0], la));
    }
}
