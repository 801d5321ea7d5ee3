namespace GenBounds.PacBayes;

/// <summary>
/// The Bernoulli relative entropy kl(q‖p) = q ln(q/p) + (1−q) ln((1−q)/(1−p)) and its two inverses (catalog
/// baseline-bounds §8). Conventions: 0 ln 0 = 0; kl(q‖p) = +∞ when p ∈ {0, 1} and p ≠ q. p ↦ kl(q‖p) is convex,
/// decreasing on [0, q] and increasing on [q, 1].
/// <para>Certified inverses. <see cref="UpperInverse"/> returns a number that is never below
/// sup{p ∈ [q, 1] : kl(q‖p) ≤ c}, <see cref="LowerInverse"/> one that is never above inf{p ∈ [0, q] : kl(q‖p) ≤ c}.
/// Both bisect on the monotone branch and return the outer end of the final bracket; the end only moves inward when
/// the computed kl exceeds c by more than a relative slack of 1e-12 (far above the ≈1e-15 relative rounding error of
/// <see cref="Kl"/>), so rounding can only make the result more conservative. The bracket is narrowed to an absolute
/// width of <see cref="DefaultTolerance"/> (or until no double lies strictly inside).</para>
/// </summary>
public static class BinaryKl
{
    /// <summary>Default absolute width of the final bracket of the inverses.</summary>
    public const double DefaultTolerance = 1e-12;

    private const double RelativeSlack = 1e-12;

    /// <summary>kl(q‖p) for q, p ∈ [0, 1] (natural logarithm).</summary>
    public static double Kl(double q, double p)
    {
        CheckProbability(q, nameof(q));
        CheckProbability(p, nameof(p));
        double a = q == 0 ? 0 : (p == 0 ? double.PositiveInfinity : q * Math.Log(q / p));
        double b = q == 1 ? 0 : (p == 1 ? double.PositiveInfinity : (1 - q) * Math.Log((1 - q) / (1 - p)));
        // Each term may be negative; the sum is ≥ 0 mathematically and is clamped so rounding never reports kl < 0.
        return Math.Max(0, a + b);
    }

    /// <summary>∂kl(q‖p)/∂p = (1−q)/(1−p) − q/p for p ∈ (0, 1).</summary>
    public static double DerivativeInP(double q, double p)
    {
        CheckProbability(q, nameof(q));
        if (!(p > 0 && p < 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "the derivative needs p in (0, 1)");
        return (1 - q) / (1 - p) - q / p;
    }

    /// <summary>
    /// kl⁻¹↑(q, c) = sup{p ∈ [q, 1] : kl(q‖p) ≤ c}: the upper bound on a true risk whose empirical value is q. Certified
    /// (never below the exact value). c = 0 gives q, c = +∞ gives 1; at q = 0 the exact value is 1 − e^{−c}.
    /// </summary>
    public static double UpperInverse(double q, double c, double tolerance = DefaultTolerance)
    {
        CheckProbability(q, nameof(q));
        CheckBudget(c);
        CheckTolerance(tolerance);
        if (q == 1 || double.IsPositiveInfinity(c)) return 1;
        if (c == 0) return q;
        double threshold = c * (1 + RelativeSlack);
        double lo = q, hi = 1;
        // Invariant: hi = 1 or kl(q‖hi) > c (certified); the exact sup lies in [lo, hi].
        while (hi - lo > tolerance)
        {
            double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) break;
            if (Kl(q, mid) > threshold) hi = mid;
            else lo = mid;
        }
        return hi;
    }

    /// <summary>
    /// kl⁻¹↓(q, c) = inf{p ∈ [0, q] : kl(q‖p) ≤ c}: the lower bound on a true risk whose empirical value is q. Certified
    /// (never above the exact value). c = 0 gives q, c = +∞ gives 0; at q = 1 the exact value is e^{−c}.
    /// </summary>
    public static double LowerInverse(double q, double c, double tolerance = DefaultTolerance)
    {
        CheckProbability(q, nameof(q));
        CheckBudget(c);
        CheckTolerance(tolerance);
        if (q == 0 || double.IsPositiveInfinity(c)) return 0;
        if (c == 0) return q;
        double threshold = c * (1 + RelativeSlack);
        double lo = 0, hi = q;
        // Invariant: lo = 0 or kl(q‖lo) > c (certified); the exact inf lies in [lo, hi].
        while (hi - lo > tolerance)
        {
            double mid = lo + (hi - lo) / 2;
            if (mid <= lo || mid >= hi) break;
            if (Kl(q, mid) > threshold) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    /// <summary>
    /// kl⁻¹↑(q, c) by Newton's method from above (Dziugaite–Roy's <c>Newt</c>), started at the Pinsker bound
    /// q + √(c/2) (or just below 1 when that is ≥ 1). Because kl(q‖·) is convex and increasing on [q, 1), every iterate started above
    /// the root stays above it and decreases monotonically, so every iterate is a valid upper bound. Iterates until the
    /// residual kl(q‖p) − c is negligible (at most <paramref name="maxIterations"/> steps), then certifies the result
    /// like <see cref="UpperInverse"/>: p is nudged up until the computed kl(q‖p) exceeds c by the relative slack.
    /// </summary>
    public static double UpperInverseNewton(double q, double c, double tolerance = DefaultTolerance, int maxIterations = 100)
    {
        CheckProbability(q, nameof(q));
        CheckBudget(c);
        CheckTolerance(tolerance);
        if (q == 1 || double.IsPositiveInfinity(c)) return 1;
        if (c == 0) return q;
        double p = q + Math.Sqrt(c / 2);
        if (p >= 1)
        {
            // Pinsker overshoots 1: start just below 1 instead, which is above the root unless the root is within an ulp of 1.
            p = Math.BitDecrement(1.0);
            if (Kl(q, p) <= c * (1 + RelativeSlack)) return 1;
        }
        for (int i = 0; i < maxIterations; i++)
        {
            double f = Kl(q, p) - c;
            // Stop on the residual, not on the step: near p = 1 the derivative is huge and the steps tiny far from the root.
            if (f <= c * 1e-14) break;
            double g = DerivativeInP(q, p);
            if (!(g > 0)) break;
            double next = p - f / g;
            if (!(next < p) || next <= q) break;
            bool small = p - next <= tolerance * 1e-3 && f <= c * 1e-9;
            p = next;
            if (small) break;
        }
        // Newton lands on the root to rounding accuracy, where the computed kl may fall either side of c: step up until
        // the computed kl clears c by the slack, which certifies p ≥ the exact root (the same rule as the bisection).
        double threshold = c * (1 + RelativeSlack), nudge = Math.Max(tolerance * 1e-3, 4 * double.Epsilon + p * 1e-15);
        while (p < 1 && Kl(q, p) <= threshold) { p = Math.Min(1, p + nudge); nudge *= 2; }
        return p;
    }

    private static void CheckProbability(double x, string name)
    {
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(name, x, $"{name} must be a probability in [0, 1]");
    }

    private static void CheckBudget(double c)
    {
        if (double.IsNaN(c) || c < 0) throw new ArgumentOutOfRangeException(nameof(c), c, "the kl budget c must be ≥ 0");
    }

    private static void CheckTolerance(double t)
    {
        if (!(t > 0) || double.IsInfinity(t)) throw new ArgumentOutOfRangeException(nameof(t), t, "the tolerance must be positive and finite");
    }
}
