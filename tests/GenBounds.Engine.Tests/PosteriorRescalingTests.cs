using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.PacBayes;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class PosteriorRescalingTests
{
    private static readonly MlpArchitecture Arch = new([6, 16, 12, 3], bias: true);

    /// <summary>
    /// A posterior that moved away from its prior the way trained nets do: every hidden unit's incoming weights grown
    /// or shrunk by its own factor, plus noise, with varied σ. Rescaling has something to win here.
    /// </summary>
    private static (GaussianMlp Q, Mlp Prior) Trained(ulong seed, MlpArchitecture? arch = null)
    {
        arch ??= Arch;
        var rng = new Rng(seed);
        var prior = PacBayesInit.TruncatedNormal(arch, rng.Split("init"));
        var q = GaussianMlp.Around(prior, 0.05);
        var r = rng.Split("move");
        for (int l = 0; l < arch.Depth; l++)
        {
            int fanIn = arch.LayerSizes[l], units = arch.LayerSizes[l + 1];
            for (int j = 0; j < units; j++)
            {
                double grow = Math.Exp(0.4 * r.NextGaussian());
                for (int i = 0; i < fanIn; i++) q.WeightMeans[l][j * fanIn + i] = (float)(grow * q.WeightMeans[l][j * fanIn + i] + 0.02 * r.NextGaussian());
                q.BiasMeans[l][j] = (float)(0.1 * r.NextGaussian());
            }
            for (int i = 0; i < q.WeightRhos[l].Length; i++) q.WeightRhos[l][i] = (float)Softplus.Inverse(0.05 * Math.Exp(0.5 * r.NextGaussian()));
        }
        return (q, prior);
    }

    /// <summary>Logits of the posterior-mean network, in double, by plain loops (the reference the rescaling must preserve).</summary>
    private static double[] MeanLogits(GaussianMlp q, double[] x)
    {
        var h = x;
        for (int l = 0; l < q.Architecture.Depth; l++)
        {
            int fanIn = q.Architecture.LayerSizes[l], units = q.Architecture.LayerSizes[l + 1];
            var z = new double[units];
            for (int j = 0; j < units; j++)
            {
                double s = q.BiasMeans[l].Length > 0 ? q.BiasMeans[l][j] : 0;
                for (int i = 0; i < fanIn; i++) s += q.WeightMeans[l][j * fanIn + i] * h[i];
                z[j] = l + 1 < q.Architecture.Depth ? Math.Max(0, s) : s;
            }
            h = z;
        }
        return h;
    }

    private static double MaxRelativeLogitError(GaussianMlp before, GaussianMlp after, double outputScale, int inputs, ulong seed)
    {
        var r = new Rng(seed);
        double worst = 0;
        for (int n = 0; n < inputs; n++)
        {
            var x = Enumerable.Range(0, before.Architecture.InputSize).Select(_ => 2 * r.NextGaussian()).ToArray();
            var a = MeanLogits(before, x); var b = MeanLogits(after, x);
            double scale = a.Max(Math.Abs) + 1e-12;
            for (int k = 0; k < a.Length; k++) worst = Math.Max(worst, Math.Abs(b[k] - outputScale * a[k]) / (outputScale * scale));
        }
        return worst;
    }

    [Fact]
    public void Rescaling_lowers_the_kl_and_keeps_the_mean_network_up_to_the_output_scale()
    {
        var (q, prior) = Trained(3);
        var before = q.Clone();
        var o = PosteriorRescaling.Minimise(q, prior, 0.05);
        Assert.Equal(before.Kl(prior, 0.05), o.KlBefore, 12);
        Assert.Equal(q.Kl(prior, 0.05), o.KlAfter, 12);
        Assert.True(o.KlAfter < 0.9 * o.KlBefore, $"KL {o.KlBefore} → {o.KlAfter}");
        Assert.True(o.UnitScales.SelectMany(u => u).Any(a => Math.Abs(Math.Log(a)) > 0.1), "some unit must have moved");
        double err = MaxRelativeLogitError(before, q, o.OutputScale, 200, 11);
        Assert.True(err < 1e-5, $"mean-network logits changed beyond float32 rounding: {err:G3}");
    }

    [Fact]
    public void Rescaling_keeps_the_stochastic_classifier_draw_for_draw()
    {
        // With the same noise stream every pre-activation of Q′ is α times that of Q (the local reparametrisation draws
        // μ·h + √(σ²·h²)·ε): the same examples are misclassified, up to float32 ties.
        var (q, prior) = Trained(4);
        var data = PosteriorTrainingTests.Blobs(3000, new Rng(8));
        var la = LinearAlgebraProviders.Default;
        var before = StochasticEvaluation.Evaluate(q, data, 2, new Rng(9), la);
        PosteriorRescaling.Minimise(q, prior, 0.05);
        var after = StochasticEvaluation.Evaluate(q, data, 2, new Rng(9), la);
        Assert.InRange(before.Errors, 300, 5700);
        Assert.True(Math.Abs(before.Errors - after.Errors) <= 2, $"errors {before.Errors} → {after.Errors} of {before.Draws} draws");
    }

    [Fact]
    public void Forgetting_the_outgoing_weights_is_caught_by_the_invariance_check()
    {
        // The mutant rescaling (incoming weights and bias only) lowers the KL too, but changes the classifier: the same
        // logit check that passes the real rescaling must reject it.
        var (q, prior) = Trained(5);
        var mutant = q.Clone();
        int fanIn = Arch.LayerSizes[0];
        for (int j = 0; j < Arch.LayerSizes[1]; j++)
        {
            for (int i = 0; i < fanIn; i++) mutant.WeightMeans[0][j * fanIn + i] *= 0.7f;
            mutant.BiasMeans[0][j] *= 0.7f;
        }
        Assert.True(MaxRelativeLogitError(q, mutant, 1, 50, 12) > 1e-2);
    }

    [Fact]
    public void Block_coordinate_descent_reaches_the_brute_force_minimum_on_one_hidden_unit()
    {
        // 3-1-2: one hidden scale α and one output scale β; KL(α, β) by brute force on a fine log grid.
        var arch = new MlpArchitecture([3, 1, 2], bias: true);
        var (q, prior) = Trained(6, arch);
        const double sigmaP = 0.05;
        double Kl(double a, double b)
        {
            var c = q.Clone();
            var (sw, sb) = c.Sigmas();
            void Set(float[] mu, float[] rho, float[] sigma, int idx, double f) { mu[idx] = (float)(mu[idx] * f); rho[idx] = (float)Softplus.Inverse(sigma[idx] * f); }
            for (int t = 0; t < 3; t++) Set(c.WeightMeans[0], c.WeightRhos[0], sw[0], t, a);
            Set(c.BiasMeans[0], c.BiasRhos[0], sb[0], 0, a);
            for (int t = 0; t < 2; t++) Set(c.WeightMeans[1], c.WeightRhos[1], sw[1], t, b / a);
            for (int t = 0; t < 2; t++) Set(c.BiasMeans[1], c.BiasRhos[1], sb[1], t, b);
            return c.Kl(prior, sigmaP);
        }
        // Coarse grid of ln α, ln β over [−2, 2]², then a fine one around its best point.
        (double Kl, double A, double B) best = (double.PositiveInfinity, 0, 0);
        for (int i = -100; i <= 100; i++)
            for (int k = -100; k <= 100; k++)
                if (Kl(Math.Exp(i * 0.02), Math.Exp(k * 0.02)) is var v && v < best.Kl) best = (v, i * 0.02, k * 0.02);
        var coarse = best;
        for (int i = -40; i <= 40; i++)
            for (int k = -40; k <= 40; k++)
                if (Kl(Math.Exp(coarse.A + i * 0.001), Math.Exp(coarse.B + k * 0.001)) is var v && v < best.Kl) best = (v, coarse.A + i * 0.001, coarse.B + k * 0.001);
        var o = PosteriorRescaling.Minimise(q, prior, sigmaP, tolerance: 1e-12);
        Assert.True(o.KlBefore - best.Kl > 0.1, $"the test net leaves nothing to win ({o.KlBefore} vs {best.Kl})");
        Assert.True(o.KlAfter <= best.Kl + 1e-5, $"rescaled KL {o.KlAfter} above the grid minimum {best.Kl}");
        Assert.True(o.KlAfter >= best.Kl - 1e-4, $"rescaled KL {o.KlAfter} below the grid minimum {best.Kl}: the grid or the KL is wrong");
    }

    [Fact]
    public void A_posterior_at_the_prior_is_left_alone()
    {
        var prior = PacBayesInit.TruncatedNormal(Arch, new Rng(7));
        var q = GaussianMlp.Around(prior, 0.05);
        var hash = q.ContentHash();
        var o = PosteriorRescaling.Minimise(q, prior, 0.05);
        Assert.Equal(0, o.KlAfter, 9);
        Assert.Equal(hash, q.ContentHash());
    }
}
