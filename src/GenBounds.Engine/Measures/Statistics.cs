namespace GenBounds.Measures;

/// <summary>
/// Per-sample arrays for layer pairs (i, j), 1 ≤ i &lt; j ≤ d (or i ≤ j with the diagonal), kept whole for histograms/CSV.
/// </summary>
public sealed class PairSamples
{
    private readonly double[]?[,] _v;

    /// <summary>Allocates n values for every pair.</summary>
    public PairSamples(int depth, int n, bool diagonal)
    {
        Depth = depth; Count = n; Diagonal = diagonal;
        _v = new double[]?[depth + 1, depth + 1];
        foreach (var (i, j) in Pairs()) _v[i, j] = new double[n];
    }

    /// <summary>Number of weight layers d.</summary>
    public int Depth { get; }
    /// <summary>Samples per pair.</summary>
    public int Count { get; }
    /// <summary>Whether pairs (i, i) are included.</summary>
    public bool Diagonal { get; }
    /// <summary>The per-sample values of pair (i, j).</summary>
    public double[] this[int i, int j] => _v[i, j] ?? throw new ArgumentOutOfRangeException(nameof(j), $"no pair ({i},{j}) for depth {Depth}");
    /// <summary>All pairs in (i, j) lexicographic order.</summary>
    public IEnumerable<(int I, int J)> Pairs()
    {
        for (int i = 1; i <= Depth; i++)
            for (int j = Diagonal ? i : i + 1; j <= Depth; j++) yield return (i, j);
    }
}

/// <summary>Summary of a per-sample distribution (NaN ignored; ±∞ kept, so a mean may be infinite).</summary>
public sealed record Distribution(int Count, double Mean, double Min, double Q05, double Median, double Q95, double Max)
{
    /// <summary>Summarises <paramref name="values"/>.</summary>
    public static Distribution Of(ReadOnlySpan<double> values)
    {
        var v = Robust.SortedFinite(values);
        if (v.Length == 0) return new Distribution(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        double mean = 0; foreach (var x in v) mean += x;
        return new Distribution(v.Length, mean / v.Length, v[0], Robust.Quantile(v, 0.05), Robust.Quantile(v, 0.5), Robust.Quantile(v, 0.95), v[^1]);
    }
}

/// <summary>A Monte Carlo mean with its standard error (CI: Mean ± z·StandardError).</summary>
public readonly record struct MeanEstimate(double Mean, double StandardError, int Draws)
{
    /// <summary>Lower end of the normal-approximation interval at z standard errors.</summary>
    public double Lower(double z = 1.959963984540054) => Mean - z * StandardError;
    /// <summary>Upper end of the normal-approximation interval at z standard errors.</summary>
    public double Upper(double z = 1.959963984540054) => Mean + z * StandardError;
}

/// <summary>
/// Outlier removal (ARORA-CA.1, ARORA-R4.1): a minimum over S becomes the minimum over the 1−ζ fraction of S left after
/// dropping the ⌊ζ·|S|⌋ smallest values (an order statistic), a maximum likewise. Each quantity drops its own worst
/// points; a caller that removes points for several quantities at once pays at most the sum of their ζ in Corollary A.1.
/// Both are monotone in ζ: the robust minimum never decreases, the robust maximum never increases. NaN values are ignored.
/// </summary>
public static class Robust
{
    /// <summary>min over the sample after removing the ⌊ζn⌋ smallest values (ζ = 0: the plain minimum).</summary>
    public static double Min(ReadOnlySpan<double> values, double zeta = 0)
    {
        var v = SortedFinite(values);
        return v.Length == 0 ? double.PositiveInfinity : v[Drop(v.Length, zeta)];
    }

    /// <summary>max over the sample after removing the ⌊ζn⌋ largest values (ζ = 0: the plain maximum).</summary>
    public static double Max(ReadOnlySpan<double> values, double zeta = 0)
    {
        var v = SortedFinite(values);
        return v.Length == 0 ? 0.0 : v[v.Length - 1 - Drop(v.Length, zeta)];
    }

    /// <summary>Per-sample minimum over several arrays (e.g. over j for μ_{i→}), so removal drops whole samples.</summary>
    public static double[] Pointwise(IEnumerable<double[]> arrays, Func<double, double, double> combine, double seed)
    {
        double[]? acc = null;
        foreach (var a in arrays)
        {
            acc ??= Enumerable.Repeat(seed, a.Length).ToArray();
            for (int s = 0; s < a.Length; s++) acc[s] = combine(acc[s], a[s]);
        }
        return acc ?? [];
    }

    /// <summary>The q-quantile of sorted values (linear interpolation between order statistics).</summary>
    public static double Quantile(double[] sorted, double q)
    {
        double pos = q * (sorted.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, sorted.Length - 1);
        if (double.IsInfinity(sorted[lo]) || double.IsInfinity(sorted[hi])) return pos - lo < 0.5 ? sorted[lo] : sorted[hi];
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    internal static double[] SortedFinite(ReadOnlySpan<double> values)
    {
        var v = new List<double>(values.Length);
        foreach (var x in values) if (!double.IsNaN(x)) v.Add(x);
        var a = v.ToArray(); Array.Sort(a);
        return a;
    }

    private static int Drop(int n, double zeta)
    {
        if (zeta < 0 || zeta >= 1) throw new ArgumentOutOfRangeException(nameof(zeta), "ζ must lie in [0, 1)");
        return Math.Min(n - 1, (int)Math.Floor(zeta * n));
    }

    /// <summary>
    /// a/b for a quantity that enters a minimum (cushions, smoothness): b = 0 means the defining inequality
    /// μ·b ≤ a holds for every μ, so the sample is vacuous and maps to +∞.
    /// </summary>
    public static double RatioForMin(double a, double b) => b == 0 ? double.PositiveInfinity : a / b;

    /// <summary>
    /// a/b for a quantity that enters a maximum (activation contraction ‖x‖ ≤ c‖φ(x)‖): 0/0 is vacuous (0), a/0 with a &gt; 0 is +∞.
    /// </summary>
    public static double RatioForMax(double a, double b) => b == 0 ? (a == 0 ? 0.0 : double.PositiveInfinity) : a / b;
}
