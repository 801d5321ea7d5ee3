using MathNet.Numerics.Distributions;

namespace GenBounds.Measures;

/// <summary>A two-sided confidence interval for a binomial proportion.</summary>
/// <param name="Lower">Lower limit.</param>
/// <param name="Upper">Upper limit.</param>
/// <param name="Confidence">Two-sided confidence level, e.g. 0.99.</param>
public readonly record struct ProportionInterval(double Lower, double Upper, double Confidence);

/// <summary>Exact (Clopper–Pearson) intervals for failure rates counted over independent trials.</summary>
public static class ClopperPearson
{
    /// <summary>
    /// The Clopper–Pearson interval of F failures in N trials at two-sided <paramref name="confidence"/>: Beta quantiles,
    /// lower 0 when F = 0 and upper 1 when F = N (the same rule as the verifier's <c>Stats.clopperPearson</c>).
    /// </summary>
    public static ProportionInterval Interval(int failures, int trials, double confidence = 0.99)
    {
        if (trials <= 0 || failures < 0 || failures > trials) throw new ArgumentOutOfRangeException(nameof(failures), $"{failures} failures out of {trials} trials");
        if (!(confidence > 0 && confidence < 1)) throw new ArgumentOutOfRangeException(nameof(confidence), $"confidence must be in (0, 1) (got {confidence})");
        double a = (1 - confidence) / 2;
        double lo = failures == 0 ? 0.0 : Beta.InvCDF(failures, trials - failures + 1, a);
        double hi = failures == trials ? 1.0 : Beta.InvCDF(failures + 1, trials - failures, 1 - a);
        return new ProportionInterval(lo, hi, confidence);
    }
}
