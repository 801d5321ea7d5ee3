using MathNet.Numerics;

namespace GenBounds.Compression;

/// <summary>What one pruned and rounded layer contributes to a compression count.</summary>
/// <param name="Positions">n_l = h_l·h_{l−1}.</param>
/// <param name="Kept">J_l: non-zero entries after pruning and rounding.</param>
/// <param name="MaxLevel">K_l: the largest |k| of an entry kρ_l of the rounded layer (entries lie on {kρ_l : |k| ≤ K_l}).</param>
/// <param name="LevelsUsed">Distinct non-zero grid values the layer actually uses (what the optimistic count binds as r).</param>
public sealed record LayerCountInput(long Positions, long Kept, long MaxLevel, long LevelsUsed);

/// <summary>
/// ln N of the compression class, in nats, with every choice made after training paid for (an Occam / weighted union
/// bound: each configuration gets prior weight e^{−cost}, and the weights sum to at most 1).
/// </summary>
/// <param name="Support">Σ_l [ln C(n_l, J_l) + ln(n_l + 1)]: which positions are non-zero, and how many (J_l is data-dependent).</param>
/// <param name="Values">Σ_l J_l·ln(2K_l): a non-zero integer level in [−K_l, K_l] per kept entry.</param>
/// <param name="Dense">Σ_l n_l·ln(2K_l + 1): the alternative encoding, every entry a level with 0 as one of the grid values.</param>
/// <param name="Encoding">Σ_l min(sparse_l, dense_l) + L·ln 2: the cheaper encoding per layer plus one bit to say which.</param>
/// <param name="StepChoice">L·ln G: each ρ_l picked from a grid of G steps fixed before training (instead of ρ_l = √Ψ_l/10 chosen after it).</param>
/// <param name="RangeChoice">Σ_l ln(K_l(K_l + 1)): the level range K_l, a data-dependent integer, with prior 1/(K(K+1)).</param>
/// <param name="Optimistic">Σ_l J_l·ln r_l with r_l = levels used: the count GUHA-T3.1 binds today (support and grid unpaid).</param>
public sealed record CompressionClassCount(double Support, double Values, double Dense, double Encoding, double StepChoice, double RangeChoice, double Optimistic)
{
    /// <summary>The honest ln N = encoding + step choice + range choice.</summary>
    public double Total => Encoding + StepChoice + RangeChoice;
    /// <summary>Honest over optimistic (how much the optimistic count under-counts).</summary>
    public double Ratio => Optimistic > 0 ? Total / Optimistic : double.PositiveInfinity;
}

/// <summary>The arithmetic of the compression bounds (GUHA-T3.1, GUHA-TD.1, GUHA-LD.1): counts and the Hoeffding deviation.</summary>
public static class CompressionCounts
{
    /// <summary>ln C(n, k) through log-gamma (exact to rounding for every n ≤ 2⁵³).</summary>
    public static double LogBinomial(long n, long k)
    {
        if (n < 0 || k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"C({n}, {k}) is not defined");
        if (k == 0 || k == n) return 0;
        return SpecialFunctions.GammaLn(n + 1.0) - SpecialFunctions.GammaLn(k + 1.0) - SpecialFunctions.GammaLn(n - k + 1.0);
    }

    /// <summary>
    /// √((ln N + ln(1/δ))/(2m)): with probability ≥ 1 − δ over the m i.i.d. samples, every configuration's true error exceeds
    /// its training error by at most this much (Hoeffding, e^{−2τ²m} per configuration, weighted union bound; GUHA-TD.1, DERIVED).
    /// </summary>
    public static double HoeffdingDeviation(double logN, double delta, long m)
    {
        if (!(logN >= 0) || double.IsNaN(logN)) throw new ArgumentOutOfRangeException(nameof(logN), $"ln N must be ≥ 0 (got {logN})");
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta), $"δ must be in (0, 1) (got {delta})");
        if (m <= 0) throw new ArgumentOutOfRangeException(nameof(m), "m must be positive");
        return Math.Sqrt((logN + Math.Log(1 / delta)) / (2.0 * m));
    }

    /// <summary>
    /// The honest count of the pruned-and-rounded class (what GUHA-T3.1 and GUHA-LD.1 need), next to the optimistic one.
    /// <paramref name="stepGridSize"/> is G, the number of candidate steps ρ fixed before training (G = 1: one step fixed in
    /// advance, costs nothing).
    /// </summary>
    public static CompressionClassCount PrunedClass(IReadOnlyList<LayerCountInput> layers, int stepGridSize)
    {
        if (layers.Count == 0) throw new ArgumentException("no layers");
        if (stepGridSize < 1) throw new ArgumentOutOfRangeException(nameof(stepGridSize), "the step grid needs at least one step");
        double support = 0, values = 0, dense = 0, encoding = 0, range = 0, optimistic = 0;
        foreach (var l in layers)
        {
            if (l.Positions <= 0 || l.Kept < 0 || l.Kept > l.Positions) throw new ArgumentException($"layer with {l.Kept} kept of {l.Positions} positions");
            if (l.MaxLevel < 1 && l.Kept > 0) throw new ArgumentException("a layer with non-zero entries needs K ≥ 1");
            long k = Math.Max(1, l.MaxLevel);
            double sup = LogBinomial(l.Positions, l.Kept) + Math.Log(l.Positions + 1.0);
            double val = l.Kept * Math.Log(2.0 * k);
            double den = l.Positions * Math.Log(2.0 * k + 1);
            support += sup; values += val; dense += den;
            encoding += Math.Min(sup + val, den) + Math.Log(2);
            range += Math.Log(k * (k + 1.0));
            optimistic += l.Kept * Math.Log(Math.Max(1, l.LevelsUsed));
        }
        return new CompressionClassCount(support, values, dense, encoding, layers.Count * Math.Log(stepGridSize), range, optimistic);
    }

    /// <summary>
    /// GUHA-LD.1 as the catalog reconstructs it: Σ_l [ln C(n_l, J_l) + J_l·ln r] with one r for every layer (no payment for J_l,
    /// r or the step; the catalog's own form).
    /// </summary>
    public static double NaiveCountLD1(IReadOnlyList<(long Positions, long Kept)> layers, long r)
    {
        if (r < 1) throw new ArgumentOutOfRangeException(nameof(r));
        return layers.Sum(l => LogBinomial(l.Positions, l.Kept) + l.Kept * Math.Log(r));
    }

    /// <summary>Level data of a rounded layer: K = max|k|, J = non-zeros, and the number of distinct non-zero levels.</summary>
    public static LayerCountInput Levels(ReadOnlySpan<double> rounded, double step)
    {
        if (!(step > 0)) throw new ArgumentOutOfRangeException(nameof(step), "the grid step must be positive");
        long kept = 0, maxLevel = 0;
        var used = new HashSet<long>();
        foreach (var v in rounded)
        {
            if (v == 0) continue;
            long k = (long)Math.Round(v / step);
            if (Math.Abs(k * step - v) > 1e-9 * Math.Max(Math.Abs(v), step)) throw new ArgumentException($"entry {v} is not on the grid of step {step}");
            kept++; used.Add(k); maxLevel = Math.Max(maxLevel, Math.Abs(k));
        }
        return new LayerCountInput(rounded.Length, kept, maxLevel, used.Count);
    }
}
