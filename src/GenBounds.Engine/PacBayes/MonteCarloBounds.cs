using MathNet.Numerics.Distributions;

namespace GenBounds.PacBayes;

/// <summary>A two-sided interval for a probability with the method that produced it.</summary>
/// <param name="Lower">Lower limit.</param>
/// <param name="Upper">Upper limit.</param>
/// <param name="Method">e.g. "Clopper–Pearson 99%".</param>
public sealed record ProbabilityInterval(double Lower, double Upper, string Method);

/// <summary>
/// Bounds for a mean of independent [0, 1] variables: the Monte Carlo step of a PAC-Bayes certificate (Langford &amp;
/// Caruana 2001, catalog §9) and test-set bounds (Langford 2005).
/// <para>The Chernoff–kl inequality P(kl(X̄‖μ) &gt; t, X̄ &lt; μ) ≤ e^{−nt} holds for any n independent variables in [0, 1]
/// with mean of means μ, not only i.i.d. ones (Hoeffding 1963, §4, extends the bound for Bernoulli sums to sums of
/// non-identical bounded variables). That is what makes per-example posterior draws legitimate: drawing an independent
/// network h_i ~ Q for each bound-set example z_i gives independent Bernoullis ℓ(h_i, z_i) whose mean of means is
/// exactly L̂_S(Q).</para>
/// </summary>
public static class MonteCarloBounds
{
    /// <summary>
    /// Langford–Caruana sample convergence: with probability ≥ 1 − δ′ over n independent draws with mean X̄ = errors/n,
    /// the expectation is ≤ kl⁻¹↑(X̄, ln(2/δ′)/n). The ln 2 is the two-sided form the papers use (<paramref name="twoSided"/>
    /// = true reproduces them; ln(1/δ′) suffices for the one-sided upper bound).
    /// </summary>
    public static double SampleConvergenceUpper(long errors, long draws, double deltaPrime, bool twoSided = true)
    {
        CheckCounts(errors, draws);
        ConfidenceBudget.CheckDelta(deltaPrime, nameof(deltaPrime));
        double c = Math.Log((twoSided ? 2 : 1) / deltaPrime) / draws;
        return BinaryKl.UpperInverse(errors / (double)draws, c);
    }

    /// <summary>The lower counterpart kl⁻¹↓(X̄, ln(2/δ′)/n) (two-sided) of <see cref="SampleConvergenceUpper"/>.</summary>
    public static double SampleConvergenceLower(long errors, long draws, double deltaPrime, bool twoSided = true)
    {
        CheckCounts(errors, draws);
        ConfidenceBudget.CheckDelta(deltaPrime, nameof(deltaPrime));
        double c = Math.Log((twoSided ? 2 : 1) / deltaPrime) / draws;
        return BinaryKl.LowerInverse(errors / (double)draws, c);
    }

    /// <summary>
    /// Langford's test-set bound for a fixed predictor: with n_t i.i.d. test points, the true risk lies in
    /// [kl⁻¹↓(L̂, ln(1/δ_t)/n_t), kl⁻¹↑(L̂, ln(1/δ_t)/n_t)], each side with probability ≥ 1 − δ_t.
    /// </summary>
    public static ProbabilityInterval TestSetBound(long errors, long count, double deltaTest)
    {
        CheckCounts(errors, count);
        ConfidenceBudget.CheckDelta(deltaTest, nameof(deltaTest));
        double q = errors / (double)count, c = Math.Log(1 / deltaTest) / count;
        return new ProbabilityInterval(BinaryKl.LowerInverse(q, c), BinaryKl.UpperInverse(q, c), $"kl test-set bound, δ_t = {deltaTest:G3} per side");
    }

    /// <summary>Exact Clopper–Pearson interval for k successes out of n at two-sided <paramref name="confidence"/>.</summary>
    public static ProbabilityInterval ClopperPearson(long k, long n, double confidence)
    {
        CheckCounts(k, n);
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must lie in (0, 1)");
        double alpha = 1 - confidence;
        double lo = k == 0 ? 0 : Beta.InvCDF(k, n - k + 1, alpha / 2);
        double hi = k == n ? 1 : Beta.InvCDF(k + 1, n - k, 1 - alpha / 2);
        return new ProbabilityInterval(lo, hi, $"Clopper–Pearson {100 * confidence:G3}%");
    }

    private static void CheckCounts(long k, long n)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n), n, "need at least one draw");
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), k, $"count must lie in 0..{n}");
    }
}
