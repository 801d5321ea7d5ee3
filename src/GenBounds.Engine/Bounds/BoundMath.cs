using GenBounds.PacBayes;

namespace GenBounds.Bounds;

/// <summary>Log-space arithmetic and grid union bounds shared by the bound formulas.</summary>
public static class BoundMath
{
    /// <summary>ln(Σ e^{x_i}) without overflow (−∞ terms are skipped).</summary>
    public static double LogSumExp(params double[] logs)
    {
        double max = double.NegativeInfinity;
        foreach (var x in logs) if (x > max) max = x;
        if (double.IsNegativeInfinity(max) || double.IsPositiveInfinity(max)) return max;
        double s = 0;
        foreach (var x in logs) if (!double.IsNegativeInfinity(x)) s += Math.Exp(x - max);
        return max + Math.Log(s);
    }

    /// <summary>ln x, with ln 0 = −∞.</summary>
    public static double SafeLog(double x) => x > 0 ? Math.Log(x) : double.NegativeInfinity;

    /// <summary>
    /// The smallest k with base^k ≥ x, for x &gt; 0 given through ln x (a budget rounded up onto the fixed grid base^ℤ).
    /// </summary>
    public static long GridUp(double lnX, double lnBase) => (long)Math.Ceiling(lnX / lnBase - 1e-12);

    /// <summary>The largest j with base^j ≤ x (a margin rounded down onto the grid base^ℤ).</summary>
    public static long GridDown(double lnX, double lnBase) => (long)Math.Floor(lnX / lnBase + 1e-12);

    /// <summary>
    /// δ spread over several integer grid indices at once: δ·Π_i w(k_i) with w the weights of
    /// <see cref="UnionBound.Integer"/> (Σ over ℤ^n of the product is 1), so a statement that holds for each grid point
    /// with its own share holds for all of them simultaneously with probability ≥ 1 − δ.
    /// </summary>
    public static double LogDeltaShare(double delta, params long[] indices)
    {
        double ln = Math.Log(delta);
        foreach (long k in indices) ln += Math.Log(UnionBound.Integer(0.5, k) / 0.5);
        return ln;
    }
}
