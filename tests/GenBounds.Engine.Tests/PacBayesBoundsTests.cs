using GenBounds.PacBayes;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class PacBayesBoundsTests
{
    [Fact]
    public void Full_certificate_reproduces_the_catalog_worked_example()
    {
        // Catalog §9: L̂ = 0.02 over n = 150000 draws, δ′ = 0.01, KL = 500, m = 30000, δ = 0.025.
        double inner = BinaryKl.UpperInverse(0.02, Math.Log(2 / 0.01) / 150000);
        Assert.Equal(0.0211994, inner, 6);
        Assert.Equal(0.0591961, PacBayesBounds.Maurer(inner, 500, 30000, 0.025), 6);
        Assert.Equal(0.0211994, MonteCarloBounds.SampleConvergenceUpper(3000, 150000, 0.01), 6);
    }

    [Fact]
    public void Maurer_is_below_its_relaxations_quad_lambda_and_classic()
    {
        var rng = new Rng(3);
        for (int t = 0; t < 2000; t++)
        {
            double risk = rng.NextDouble() * rng.NextDouble();
            double kl = Math.Exp(-3 + 12 * rng.NextDouble());
            long m = 8 + rng.NextInt(100000);
            double delta = 0.001 + 0.5 * rng.NextDouble();
            double maurer = PacBayesBounds.Maurer(risk, kl, m, delta);
            Assert.True(maurer <= PacBayesBounds.Quad(risk, kl, m, delta) + 1e-9, $"Maurer {maurer} above quad at {risk}, {kl}, {m}, {delta}");
            Assert.True(maurer <= PacBayesBounds.Classic(risk, kl, m, delta) + 1e-9, "Maurer above classic");
            Assert.True(maurer <= PacBayesBounds.LambdaOptimal(risk, kl, m, delta).Bound + 1e-9, "Maurer above the λ bound");
            Assert.True(PacBayesBounds.SeegerLangford(risk, kl, m, delta) >= risk);
        }
    }

    [Fact]
    public void Bounds_grow_with_kl_and_shrink_with_m()
    {
        foreach (PacBayesBoundKind kind in Enum.GetValues<PacBayesBoundKind>())
        {
            double prev = 0;
            foreach (double kl in new[] { 0.0, 1, 10, 100, 1000 })
            {
                double v = PacBayesBounds.Evaluate(kind, 0.05, kl, 10000, 0.05);
                Assert.True(v > prev, $"{kind} did not grow with KL at {kl}");
                prev = v;
            }
            prev = double.PositiveInfinity;
            foreach (long m in new long[] { 100, 1000, 10000, 100000 })
            {
                double v = PacBayesBounds.Evaluate(kind, 0.05, 50, m, 0.05);
                Assert.True(v < prev, $"{kind} did not shrink with m at {m}");
                prev = v;
            }
        }
    }

    [Fact]
    public void Optimal_lambda_is_the_minimum_over_a_fine_grid()
    {
        foreach (var (risk, kl) in new[] { (0.0, 10.0), (0.02, 500.0), (0.3, 5.0), (0.9, 2000.0) })
        {
            var (best, lambda) = PacBayesBounds.LambdaOptimal(risk, kl, 30000, 0.025);
            for (int i = 1; i < 2000; i++)
                Assert.True(best <= PacBayesBounds.Lambda(risk, kl, 30000, 0.025, i / 1000.0) + 1e-12, $"λ = {i / 1000.0} beats λ* = {lambda}");
        }
    }

    [Fact]
    public void Catoni_grid_pays_for_its_union_bound_and_is_never_below_maurer_by_more_than_the_union_cost()
    {
        var grid = PacBayesBounds.DefaultCatoniGrid;
        var r = PacBayesBounds.CatoniGrid(0.03, 200, 30000, 0.025, grid);
        Assert.Equal(grid.Count, r.GridSize);
        // At the same C, the grid version is evaluated at δ/|grid|, hence larger.
        Assert.True(r.Bound > PacBayesBounds.Catoni(0.03, 200, 30000, 0.025, r.C));
        // Catoni at any C is a relaxation of the kl bound with ln(1/δ) instead of ln(2√m/δ): it cannot beat the
        // Seeger-type inversion with the same log term.
        double klForm = BinaryKl.UpperInverse(0.03, (200 + Math.Log(grid.Count / 0.025)) / 30000);
        Assert.True(r.Bound >= klForm - 1e-12);
    }

    [Fact]
    public void Objective_derivatives_match_finite_differences()
    {
        foreach (ObjectiveKind kind in Enum.GetValues<ObjectiveKind>())
            foreach (var (risk, kl, penalty) in new[] { (0.1, 300.0, 1.0), (0.01, 5000.0, 0.1), (0.4, 1.0, 1.0) })
            {
                var v = TrainingObjective.Evaluate(kind, risk, kl, 30000, 0.025, penalty);
                double h = 1e-6;
                double dr = (TrainingObjective.Evaluate(kind, risk + h, kl, 30000, 0.025, penalty).Value - TrainingObjective.Evaluate(kind, risk - h, kl, 30000, 0.025, penalty).Value) / (2 * h);
                double hk = 1e-3 * Math.Max(1, kl);
                double dk = (TrainingObjective.Evaluate(kind, risk, kl + hk, 30000, 0.025, penalty).Value - TrainingObjective.Evaluate(kind, risk, kl - hk, 30000, 0.025, penalty).Value) / (2 * hk);
                Assert.Equal(dr, v.DRisk, 5);
                Assert.True(Math.Abs(dk - v.DKl) <= 1e-6 * Math.Abs(dk) + 1e-12, $"{kind}: ∂/∂KL {v.DKl} vs finite difference {dk}");
                if (penalty == 1 && risk <= 1)
                    Assert.True(v.Value >= PacBayesBounds.Maurer(risk, kl, 30000, 0.025) - 1e-12, $"{kind} objective below Maurer");
            }
    }

    [Fact]
    public void Gaussian_kl_matches_closed_forms_and_dziugaite_roy()
    {
        Assert.Equal(0.5 * (Math.Log(4.0) + (1 + 9) / 4.0 - 1), GaussianKl.Univariate(3, 1, 0, 2), 14);
        Assert.Equal(0.0, GaussianKl.Univariate(1.5, 0.3, 1.5, 0.3));
        var rng = new Rng(5);
        int n = 257;
        float[] mq = new float[n], sq = new float[n], mp = new float[n], sp = new float[n];
        for (int j = 0; j < n; j++) { mq[j] = (float)rng.NextGaussian(); sq[j] = 0.01f + rng.NextFloat(); mp[j] = (float)rng.NextGaussian(); sp[j] = 0.01f + rng.NextFloat(); }
        double naive = 0;
        for (int j = 0; j < n; j++)
            naive += 0.5 * (Math.Log((double)sp[j] * sp[j] / ((double)sq[j] * sq[j])) + ((double)sq[j] * sq[j] + ((double)mq[j] - mp[j]) * ((double)mq[j] - mp[j])) / ((double)sp[j] * sp[j]) - 1);
        Assert.Equal(naive, GaussianKl.Diagonal(mq, sq, mp, sp), 9);
        double lambda = 0.02;
        double s2 = 0, d2 = 0, logs = 0;
        for (int j = 0; j < n; j++) { s2 += (double)sq[j] * sq[j]; d2 += ((double)mq[j] - mp[j]) * ((double)mq[j] - mp[j]); logs += Math.Log((double)sq[j] * sq[j]); }
        double dr17 = 0.5 * ((s2 + d2) / lambda - n + n * Math.Log(lambda) - logs);
        Assert.Equal(dr17, GaussianKl.Isotropic(mq, sq, mp, lambda), 8);
        Assert.Equal(d2 / (2 * 0.04), GaussianKl.EqualVariance(mq, mp, 0.2), 9);
    }

    [Fact]
    public void Gaussian_kl_equals_a_monte_carlo_estimate_of_the_log_density_ratio()
    {
        var rng = new Rng(11);
        double mq = 0.4, sq = 0.7, mp = -0.1, sp = 1.3;
        int n = 200000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; i++)
        {
            double x = mq + sq * rng.NextGaussian();
            double lr = -Math.Log(sq) - (x - mq) * (x - mq) / (2 * sq * sq) + Math.Log(sp) + (x - mp) * (x - mp) / (2 * sp * sp);
            sum += lr; sum2 += lr * lr;
        }
        double mean = sum / n, se = Math.Sqrt((sum2 / n - mean * mean) / n);
        Assert.InRange(GaussianKl.Univariate(mq, sq, mp, sp), mean - 5 * se, mean + 5 * se);
    }

    [Fact]
    public void Union_bound_weights_sum_to_delta_and_the_budget_refuses_overspending()
    {
        double s = 0;
        for (long j = 1; j <= 2_000_000; j++) s += UnionBound.Polynomial(0.1, j);
        Assert.InRange(s, 0.1 - 1e-6, 0.1);
        s = 0;
        for (long k = -2_000_000; k <= 2_000_000; k++) s += UnionBound.Integer(0.1, k);
        Assert.InRange(s, 0.1 - 1e-6, 0.1);
        var b = new ConfidenceBudget(0.035);
        b.Allocate("PAC-Bayes", 0.025);
        b.Allocate("Monte Carlo", 0.01);
        Assert.Throws<InvalidOperationException>(() => b.Allocate("extra", 0.001));
        Assert.Contains("0.025 (PAC-Bayes) + 0.01 (Monte Carlo)", b.Describe());
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConfidenceBudget(1.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PacBayesBounds.Maurer(0.1, 10, 1000, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PacBayesBounds.Maurer(0.1, 10, 7, 0.05));
    }

    [Fact]
    public void Prior_variance_grid_brackets_a_learned_variance()
    {
        var g = new PriorVarianceGrid();
        Assert.Equal((1L, 1L), g.Neighbours(0.0999));   // above λ_1 = 0.1·e^(−1/100): j = 1 is the only candidate
        foreach (double lambda in new[] { 1e-6, 3e-4, 0.01, 0.0985 })
        {
            var (lo, hi) = g.Neighbours(lambda);
            Assert.True(hi - lo <= 1);
            Assert.True(g.Value(lo) >= lambda * (1 - 1e-12) && g.Value(hi) <= lambda * (1 + 1e-12), $"{lambda} not bracketed by {g.Value(lo)}, {g.Value(hi)}");
        }
    }

    [Fact]
    public void Sample_convergence_bound_fails_at_most_delta_prime_of_the_time()
    {
        // The kl Chernoff bound for a Bernoulli mean: count failures over independent trials (Clopper–Pearson).
        var rng = new Rng(2024);
        const double p = 0.07, deltaPrime = 0.05;
        const int trials = 4000, draws = 300;
        int failures = 0;
        for (int t = 0; t < trials; t++)
        {
            int k = 0;
            for (int i = 0; i < draws; i++) if (rng.NextDouble() < p) k++;
            if (MonteCarloBounds.SampleConvergenceUpper(k, draws, deltaPrime, twoSided: false) < p) failures++;
        }
        var ci = MonteCarloBounds.ClopperPearson(failures, trials, 0.99);
        Assert.True(ci.Lower <= deltaPrime, $"failure rate {failures}/{trials} (CP99 lower {ci.Lower}) exceeds δ′ = {deltaPrime}");
    }

    [Fact]
    public void Maurer_bound_with_posterior_equal_to_prior_fails_at_most_delta_of_the_time()
    {
        // Q = P (KL = 0) on a loss with known mean: the bound must hold with probability ≥ 1 − δ over the sample.
        var rng = new Rng(99);
        const double p = 0.2, delta = 0.1;
        const int trials = 4000, m = 60;
        int failures = 0;
        for (int t = 0; t < trials; t++)
        {
            double sum = 0;
            for (int i = 0; i < m; i++) sum += rng.NextDouble() < p ? 1 : 0;
            if (PacBayesBounds.Maurer(sum / m, 0, m, delta) < p) failures++;
        }
        var ci = MonteCarloBounds.ClopperPearson(failures, trials, 0.99);
        Assert.True(ci.Lower <= delta, $"failure rate {failures}/{trials} exceeds δ = {delta}");
    }

    [Fact]
    public void Clopper_pearson_matches_known_values()
    {
        var ci = MonteCarloBounds.ClopperPearson(0, 100, 0.95);
        Assert.Equal(0.0, ci.Lower);
        Assert.Equal(1 - Math.Pow(0.025, 1.0 / 100), ci.Upper, 10);
        var ci2 = MonteCarloBounds.ClopperPearson(100, 100, 0.95);
        Assert.Equal(Math.Pow(0.025, 1.0 / 100), ci2.Lower, 10);
        var ts = MonteCarloBounds.TestSetBound(20, 1000, 0.01);
        Assert.True(ts.Lower < 0.02 && ts.Upper > 0.02);
    }
}
