using GenBounds.LinearAlgebra;
using GenBounds.Random;
using GenBounds.Sparsity;
using Xunit;

namespace GenBounds.Tests;

/// <summary>Radii, greedy sparsity vectors, the bound's terms, the neighbourhood test and the attacks against plain references.</summary>
public class SparsityNetworkTests
{
    private static readonly ILinearAlgebraProvider La = LinearAlgebraProviders.Default;

    internal static SparseNetwork RandomNet(int[] widths, ulong seed)
    {
        var rng = new Rng(seed);
        var ws = new double[widths.Length - 1][];
        for (int k = 1; k < widths.Length; k++)
        {
            ws[k - 1] = new double[widths[k] * widths[k - 1]];
            rng.Split($"w{k}").FillGaussian(ws[k - 1], 0, 1 / Math.Sqrt(widths[k - 1]));
        }
        return new SparseNetwork(widths, ws);
    }

    internal static (float[] X, int[] Y) RandomData(int n, int d0, int classes, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[n * d0];
        rng.FillGaussian(x);
        for (int i = 0; i < x.Length; i++) x[i] = Math.Abs(x[i]);   // non-negative like pixels
        var y = Enumerable.Range(0, n).Select(_ => rng.NextInt(classes)).ToArray();
        return (x, y);
    }

    public static IEnumerable<object[]> Nets()
    {
        yield return [new[] { 7, 9, 3 }, 1UL];
        yield return [new[] { 5, 13, 4 }, 2UL];
        yield return [new[] { 6, 8, 7, 3 }, 3UL];
        yield return [new[] { 9, 5, 11, 2 }, 4UL];
    }

    [Fact]
    public void The_radius_is_the_clipped_s_th_most_negative_preactivation_and_the_inactive_set_holds_the_s_smallest()
    {
        var rng = new Rng(9);
        for (int t = 0; t < 100; t++)
        {
            int d = 1 + rng.NextInt(30);
            var u = new double[d];
            rng.FillGaussian(u);
            int s = rng.NextInt(d + 1);
            double scale = 0.5 + rng.NextDouble();
            double r = SparseRadius.Of(u, s, scale);
            var sorted = u.OrderBy(v => v).ToArray();
            if (s == 0) { Assert.Equal(double.PositiveInfinity, r); continue; }
            Assert.Equal(Math.Max(0, -sorted[s - 1]) / scale, r, 12);
            var set = SparseRadius.InactiveSet(u, s);
            Assert.Equal(s, set.Distinct().Count());
            Assert.All(set, i => Assert.True(u[i] <= sorted[s - 1]));
            if (r > 0) Assert.All(set, i => Assert.True(u[i] <= -r * scale + 1e-12));
        }
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void The_greedy_threshold_count_equals_the_literal_scan_over_s(int[] widths, ulong seed)
    {
        var net = RandomNet(widths, seed);
        var (x, _) = RandomData(40, widths[0], widths[^1], seed + 10);
        var profile = ActivationProfile.Compute(net, x, 40, default, La);
        var cache = new LayerCache(net, La);
        var rng = new Rng(seed + 20);
        foreach (var grid in new[] { null, SulamSearchOptions.DefaultEtaGrid() })
            for (int t = 0; t < 6; t++)
            {
                var eps = new double[net.K + 2];
                for (int k = 1; k <= net.K + 1; k++) eps[k] = t == 0 ? 0 : Math.Pow(10, -3 + 2.5 * rng.NextDouble());
                double mx = 0.5 + 3 * rng.NextDouble();
                for (int i = 0; i < 40; i++)
                {
                    var xi = x.AsSpan(i * widths[0], widths[0]).ToArray().Select(v => (double)v).ToArray();
                    Assert.Equal(GreedySparsity.BruteForce(net, xi, eps, mx, grid, La), GreedySparsity.Vector(profile, cache, i, eps, mx, grid));
                }
            }
    }

    [Fact]
    public void Kappa_of_a_two_layer_net_is_one_minus_the_hidden_sparsity_fraction_and_both_ranges_agree_there()
    {
        int[] widths = [784, 50, 10];
        for (int s1 = 0; s1 < 50; s1 += 7)
        {
            int[] s = [0, s1, 0];
            Assert.Equal(1 - s1 / 50.0, GreedySparsity.Kappa(widths, s), 12);
            Assert.Equal(1 - s1 / 50.0, GreedySparsity.KappaHidden(widths, s), 12);
        }
    }

    [Fact]
    public void The_quantile_rule_leaves_at_most_the_level_fraction_below_the_chosen_sparsity()
    {
        var rng = new Rng(4);
        var s = Enumerable.Range(0, 500).Select(_ => new[] { 0, rng.NextInt(30), rng.NextInt(20), 0 }).ToArray();
        foreach (double alpha in new[] { 0.0, 0.01, 0.1, 0.3 })
        {
            var hat = GreedySparsity.SampleWideQuantile(s, alpha, QuantileRule.Safe);
            double level = GreedySparsity.QuantileLevel(alpha, 2, QuantileRule.Safe);
            Assert.Equal(alpha / 3, level, 12);
            for (int k = 1; k <= 2; k++) Assert.True(s.Count(v => v[k] < hat[k]) <= level * s.Length + 1e-9);
        }
        Assert.Equal(GreedySparsity.SampleWideMin(s), GreedySparsity.SampleWideQuantile(s, 0, QuantileRule.Safe));
        Assert.Equal(0.2, GreedySparsity.QuantileLevel(0.2, 1, QuantileRule.Paper), 12);
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void The_bound_from_a_profile_equals_the_direct_reference_for_both_theorems_and_priors(int[] widths, ulong seed)
    {
        var net = RandomNet(widths, seed);
        var prior = RandomNet(widths, seed + 100);
        var (x, y) = RandomData(60, widths[0], widths[^1], seed + 11);
        var profile = ActivationProfile.Compute(net, x, 60, y, La);
        var cache = new LayerCache(net, La);
        var rng = new Rng(seed + 30);
        for (int t = 0; t < 5; t++)
        {
            var s = new int[net.K + 2];
            var eta = new double[net.K + 2];
            var eps = new double[net.K + 2];
            for (int k = 1; k <= net.K; k++) { s[k] = rng.NextInt(widths[k]); eta[k] = BabelFunction.Reduced(net.W[k], widths[k], widths[k - 1], s[k], s[k - 1], La) + rng.NextDouble(); }
            for (int k = 1; k <= net.K + 1; k++) eps[k] = Math.Pow(10, -3 + 3 * rng.NextDouble());
            var o = new SulamBoundOptions { InputBound = 1 + 5 * rng.NextDouble(), Delta = 0.01, StrictIndicators = t % 2 == 0, PriorScaling = t % 3 == 0 ? PriorScaling.OwnNorms : PriorScaling.SameScale };
            foreach (var p in new[] { null, prior })
                foreach (bool t11 in new[] { false, true })
                {
                    var fast = SulamBound.Evaluate(cache, p, profile, s, eta, eps, o, t11);
                    var slow = SulamBound.Reference(net, p, x, y, s, eta, eps, o, t11);
                    Assert.Equal(slow.MarginLoss, fast.MarginLoss, 12);
                    Assert.Equal(slow.SparseGamma, fast.SparseGamma, 12);
                    Assert.Equal(slow.Sparse3Gamma, fast.Sparse3Gamma, 12);
                    Close(slow.KlTotal, fast.KlTotal);
                    Close(slow.Total, fast.Total);
                    Assert.True(fast.Total >= fast.ConstantTerm && fast.KlTerm > 0);
                }
        }
    }

    private static void Close(double expected, double actual, double rel = 1e-9) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    [Fact]
    public void With_the_zero_prior_the_bound_is_invariant_under_layer_rescaling()
    {
        var net = RandomNet([6, 8, 7, 3], 8);
        var scaled = net.Scaled([1, 0.3, 4.0, 2.5]);
        var (x, y) = RandomData(50, 6, 3, 9);
        int[] s = [0, 3, 2, 0];
        double[] eta = [0, 5, 5, 0];
        double[] eps = [0, 0.01, 0.02, 0.05];
        var o = new SulamBoundOptions { InputBound = 3 };
        var a = SulamBound.Reference(net, null, x, y, s, eta, eps, o);
        var b = SulamBound.Reference(scaled, null, x, y, s, eta, eps, o);
        Close(a.Total, b.Total);
        Assert.Equal(a.MarginLoss, b.MarginLoss, 12);
    }

    [Fact]
    public void With_zero_sparsity_both_sparse_sums_vanish_and_larger_epsilon_lowers_the_kl()
    {
        var net = RandomNet([7, 9, 5, 3], 5);
        var (x, y) = RandomData(30, 7, 3, 6);
        int[] s = [0, 0, 0, 0];
        double[] eta = [0, 9, 9, 0];
        var o = new SulamBoundOptions { InputBound = 2 };
        var small = SulamBound.Reference(net, null, x, y, s, eta, [0, 0.01, 0.01, 0.01], o);
        var large = SulamBound.Reference(net, null, x, y, s, eta, [0, 0.1, 0.1, 0.1], o);
        Assert.Equal(0, small.SparseGamma + small.Sparse3Gamma);
        Assert.True(large.KlTotal < small.KlTotal);
        Assert.True(large.MarginThreshold > small.MarginThreshold);
    }

    [Fact]
    public void The_sufficient_neighbourhood_test_never_certifies_what_the_exact_test_rejects()
    {
        var net = RandomNet([5, 6, 4, 3], 12);
        var p = new SparsityParameters(net.Widths, [0, 2, 1, 0], [0, 1, 1, 1], [0, 2, 2, 0], [0, 0.2, 0.2, 0.2], 2);
        var rng = new Rng(13);
        int agree = 0;
        for (int t = 0; t < 60; t++)
        {
            var hat = GaussianPosterior.Sample(net, [0, 0.02 * (1 + t % 6), 0.02 * (1 + t % 6), 0.02 * (1 + t % 6)], rng.Split($"t{t}"));
            var exact = NeighbourhoodTest.Of(net, hat, p, true, La);
            var bound = NeighbourhoodTest.Of(net, hat, p, false, La, (ulong)t);
            if (bound.Certified) Assert.True(exact.Certified);
            for (int k = 1; k <= 2; k++) Assert.True(bound.SparseRatio[k] >= exact.SparseRatio[k] * (1 - 1e-9));
            if (bound.Certified == exact.Certified) agree++;
        }
        Assert.True(agree > 0);
    }

    [Fact]
    public void Posterior_draws_replay_from_their_seed()
    {
        var net = RandomNet([4, 5, 2], 1);
        var a = GaussianPosterior.Sample(net, [0, 0.1, 0.2], new Rng(77));
        var b = GaussianPosterior.Sample(net, [0, 0.1, 0.2], new Rng(77));
        Assert.Equal(a.W[1], b.W[1]);
        Assert.Equal(a.W[2], b.W[2]);
        Assert.NotEqual(net.W[1], a.W[1]);
    }

    [Fact]
    public void The_single_row_attack_breaks_exactly_at_r_times_zeta0_over_the_input_norm()
    {
        var rng = new Rng(21);
        for (int t = 0; t < 30; t++)
        {
            int rows = 3 + rng.NextInt(8), cols = 2 + rng.NextInt(9);
            var w = SparsityNormTests.Gaussian(rows, cols, (ulong)(300 + t));
            var x = SparsityNormTests.Gaussian(1, cols, (ulong)(400 + t));
            double norm = Math.Sqrt(x.Sum(v => v * v));
            var u = Enumerable.Range(0, rows).Select(i => Enumerable.Range(0, cols).Sum(j => w[i * cols + j] * x[j])).ToArray();
            int negatives = u.Count(v => v < 0);
            if (negatives == 0) continue;
            int s = 1 + rng.NextInt(negatives);
            double xi = SparseNorms.ReducedRowNorm(w, rows, cols, 0), zeta = norm * (1 + rng.NextDouble());
            var (breaking, certified) = InactiveSetAttack.SingleRow(w, rows, cols, x, s, xi, zeta);
            Assert.Equal(certified * zeta / norm, breaking, 10);
            // The perturbation of that size (slightly more) really activates an index of I.
            var set = SparseRadius.InactiveSet(u, s);
            int i = set.MaxBy(j => u[j]);
            var d = InactiveSetAttack.SingleRowPerturbation(rows, cols, x, i, breaking * xi * 1.001);
            double moved = Enumerable.Range(0, cols).Sum(j => (w[i * cols + j] + d[i * cols + j]) * x[j]);
            Assert.True(moved > 0);
        }
    }

    [Theory]
    [MemberData(nameof(Nets))]
    public void Projected_ascent_inside_the_certified_radius_never_breaks_an_inactive_set(int[] widths, ulong seed)
    {
        var net = RandomNet(widths, seed);
        var (x, _) = RandomData(8, widths[0], widths[^1], seed + 40);
        var rng = new Rng(seed + 50);
        for (int i = 0; i < 8; i++)
        {
            var xi = x.AsSpan(i * widths[0], widths[0]).ToArray().Select(v => (double)v).ToArray();
            var u = net.Forward(xi);
            var s = new int[net.K + 2];
            for (int k = 1; k <= net.K; k++) s[k] = Math.Max(1, u[k].Count(v => v < 0) / 2);
            if (Enumerable.Range(1, net.K).Any(k => u[k].Count(v => v < 0) == 0)) continue;
            var xiK = new double[net.K + 2];
            var eta = new double[net.K + 2];
            for (int k = 1; k <= net.K + 1; k++) xiK[k] = SparseNorms.ReducedRowNorm(net.W[k], widths[k], widths[k - 1], s[k - 1]);
            for (int k = 1; k <= net.K; k++) eta[k] = BabelFunction.Reduced(net.W[k], widths[k], widths[k - 1], s[k], s[k - 1], La);
            double mx = Math.Sqrt(xi.Sum(v => v * v));
            var p0 = new SparsityParameters(widths, s, xiK, eta, Enumerable.Repeat(1.0, net.K + 2).ToArray(), mx);
            double eps = InactiveSetAttack.CertifiedCommonEpsilon(net, xi, p0);
            if (!(eps > 0) || double.IsInfinity(eps)) continue;
            var p = p0.WithEpsilon(Enumerable.Repeat(eps, net.K + 2).ToArray());
            var o = InactiveSetAttack.Attack(net, xi, p, 0.999, AttackObjective.InactiveSet, 15, rng.Split($"a{i}"), La);
            Assert.False(o.Broken, $"sample {i}: inactive set broken inside the certified radius ({o.MaxInactivePreactivation})");
            var n = NeighbourhoodTest.Of(net, o.Perturbed, p, false, La);
            Assert.True(n.Certified, "the attack left the certified neighbourhood");
            for (int k = 1; k <= net.K; k++) Assert.True(o.HiddenDeviation[k] <= p.Zeta(k) * p.Gamma(k) * (1 + 1e-9));
            Assert.True(o.OutputDeviation <= p.Zeta(net.K + 1) * p.Gamma(net.K + 1) * (1 + 1e-9));
        }
    }

    [Fact]
    public void On_one_layer_with_zeta0_equal_to_the_input_norm_the_attack_breaks_just_beyond_the_certified_radius()
    {
        var net = RandomNet([10, 12, 3], 31);
        var (x, _) = RandomData(1, 10, 3, 32);
        var xi = x.Select(v => (double)v).ToArray();
        var u = net.Forward(xi);
        int s = Math.Max(1, u[1].Count(v => v < 0) / 2);
        double mx = Math.Sqrt(xi.Sum(v => v * v));
        double x1 = SparseNorms.ReducedRowNorm(net.W[1], 12, 10, 0);
        double eta = BabelFunction.Reduced(net.W[1], 12, 10, s, 0, La);
        var p0 = new SparsityParameters([10, 12, 3], [0, s, 0], [0, x1, SparseNorms.ReducedRowNorm(net.W[2], 3, 12, s)], [0, eta, 0], [0, 1, 1], mx);
        double eps = InactiveSetAttack.CertifiedCommonEpsilon(net, xi, p0);
        var p = p0.WithEpsilon([0, eps, eps]);
        var rng = new Rng(33);
        Assert.False(InactiveSetAttack.Attack(net, xi, p, 0.99, AttackObjective.InactiveSet, 10, rng, La).Broken);
        Assert.True(InactiveSetAttack.Attack(net, xi, p, 1.02, AttackObjective.InactiveSet, 10, rng, La).Broken);
        double c = InactiveSetAttack.BreakingScale(net, xi, p, 4, 5, rng, La);
        Assert.InRange(c, 1.0, 1.01);
    }
}
