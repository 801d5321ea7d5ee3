namespace GenBounds.Compression;

/// <summary>Outcome of rounding a (pruned) weight matrix to the grid ρℤ (GUHA-L4.4).</summary>
/// <param name="Rounded">W̃ = ρ·round(Ŵ/ρ), row-major, in double (the grid values are exact multiples of ρ up to one rounding).</param>
/// <param name="Levels">The integers n_ij with W̃_ij = n_ij·ρ.</param>
/// <param name="Step">ρ.</param>
/// <param name="NonZeros">J = nnz(Ŵ) of the input.</param>
/// <param name="DistinctLevels">r: number of distinct grid values among all entries of W̃, zero included when present.</param>
/// <param name="DistinctNonZeroLevels">Number of distinct non-zero grid values among the entries of W̃.</param>
/// <param name="FrobeniusError">‖Ŵ − W̃‖_F computed in double.</param>
public sealed record RoundingResult(double[] Rounded, long[] Levels, double Step, long NonZeros, int DistinctLevels, int DistinctNonZeroLevels, double FrobeniusError)
{
    /// <summary>The deterministic bound (ρ/2)·√J of GUHA-L4.4 (DERIVED): only the J non-zeros move, each by at most ρ/2.</summary>
    public double FrobeniusBound => Step / 2 * Math.Sqrt(NonZeros);
    /// <summary>Whether ‖Ŵ − W̃‖_F ≤ (ρ/2)√J holds (with a relative tolerance of 1e-12 for the accumulation).</summary>
    public bool BoundHolds => FrobeniusError <= FrobeniusBound * (1 + 1e-12);
}

/// <summary>
/// Discretisation of GUHA-L4.4 (RECON in the catalog; the deterministic part ‖Ŵ − W̃‖_F ≤ (ρ/2)√J is DERIVED):
/// each entry rounded to the nearest multiple of ρ. Ties (exact odd multiples of ρ/2) round away from zero, so the grid is
/// symmetric under W ↦ −W and a tie still moves the entry by exactly ρ/2, within the bound. Zeros stay zero.
/// </summary>
public static class Rounding
{
    /// <summary>Nearest multiple of <paramref name="step"/>, ties away from zero.</summary>
    public static double RoundToGrid(double x, double step)
    {
        CheckStep(step);
        return Math.Round(x / step, MidpointRounding.AwayFromZero) * step;
    }

    /// <summary>Rounds every entry of <paramref name="weight"/> to ρℤ and reports r, J and the Frobenius error.</summary>
    public static RoundingResult Round(ReadOnlySpan<float> weight, double step)
    {
        CheckStep(step);
        var rounded = new double[weight.Length];
        var levels = new long[weight.Length];
        long nnz = 0, lo = long.MaxValue, hi = long.MinValue;
        double err2 = 0;
        for (int i = 0; i < weight.Length; i++)
        {
            double w = weight[i];
            if (!double.IsFinite(w)) throw new ArgumentException($"weight {i} is {w}");
            if (w != 0) nnz++;
            double q = Math.Round(w / step, MidpointRounding.AwayFromZero);
            if (Math.Abs(q) > long.MaxValue / 2.0) throw new ArgumentException($"step {step} is too fine for weight {w}");
            long level = (long)q;
            levels[i] = level;
            lo = Math.Min(lo, level); hi = Math.Max(hi, level);
            rounded[i] = q * step;
            double e = w - rounded[i];
            err2 += e * e;
        }
        var (distinct, zero) = DistinctLevels(levels, lo, hi);
        return new RoundingResult(rounded, levels, step, nnz, distinct, zero ? distinct - 1 : distinct, Math.Sqrt(err2));
    }

    /// <summary>
    /// The number of distinct levels and whether 0 is one of them. Levels usually span a few hundred integers, so a
    /// table over [lo, hi] counts them (a hash set cost most of a whole-network rounding); a wide span sorts a copy.
    /// </summary>
    private static (int Distinct, bool Zero) DistinctLevels(long[] levels, long lo, long hi)
    {
        if (levels.Length == 0) return (0, false);
        if (hi - lo < 4L * levels.Length + 1024)
        {
            var seen = new bool[hi - lo + 1];
            int distinct = 0;
            foreach (long l in levels)
                if (!seen[l - lo]) { seen[l - lo] = true; distinct++; }
            return (distinct, lo <= 0 && hi >= 0 && seen[-lo]);
        }
        var sorted = (long[])levels.Clone();
        Array.Sort(sorted);
        int n = 1;
        for (int i = 1; i < sorted.Length; i++) if (sorted[i] != sorted[i - 1]) n++;
        return (n, Array.BinarySearch(sorted, 0L) >= 0);
    }

    /// <summary>W̃ as float32 (e.g. to put back into a <see cref="GenBounds.Networks.DenseLayer"/>).</summary>
    public static float[] ToFloat(RoundingResult r) => Array.ConvertAll(r.Rounded, v => (float)v);

    private static void CheckStep(double step)
    {
        if (!(step > 0) || double.IsInfinity(step)) throw new ArgumentOutOfRangeException(nameof(step), $"grid step ρ must be positive and finite (got {step})");
    }
}
