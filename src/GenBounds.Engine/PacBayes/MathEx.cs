namespace GenBounds.PacBayes;

/// <summary>
/// ln(1 + x) and e^x − 1 accurate for small |x| (the BCL's <c>double.LogP1</c>/<c>double.ExpM1</c> evaluate the naive
/// formulas). Both use Kahan's/Goldberg's trick of correcting with the rounded intermediate, accurate to a few ulps.
/// </summary>
public static class MathEx
{
    /// <summary>ln(1 + x) for x &gt; −1.</summary>
    public static double Log1P(double x)
    {
        double u = 1 + x;
        if (u == 1) return x;
        if (double.IsInfinity(u)) return Math.Log(u);
        return Math.Log(u) * x / (u - 1);
    }

    /// <summary>e^x − 1.</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        if (um1 == -1) return -1;
        if (double.IsInfinity(u)) return u;
        return um1 * x / Math.Log(u);
    }
}
