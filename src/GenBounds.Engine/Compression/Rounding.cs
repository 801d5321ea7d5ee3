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
        var seen = new HashSet<long>();
        long nnz = 0;
        double err2 = 0;
        for (int i = 0; i < weight.Length; i++)
        {
            double w = weight[i];
            if (!double.IsFinite(w)) throw new ArgumentException($"weight {i} is {w}");
            if (w != 0) nnz++;
            double q = Math.Round(w / step, MidpointRounding.AwayFromZero);
            if (Math.Abs(q) > long.MaxValue / 2.0) throw new ArgumentException($"step {step} is too fine for weight {w}");
            levels[i] = (long)q;
            rounded[i] = q * step;
            seen.Add(levels[i]);
            double e = w - rounded[i];
            err2 += e * e;
        }
        int distinct = seen.Count;
        return new RoundingResult(rounded, levels, step, nnz, distinct, seen.Contains(0) ? distinct - 1 : distinct, Math.Sqrt(err2));
    }

    /// <summary>W̃ as float32 (e.g. to put back into a <see cref="GenBounds.Networks.DenseLayer"/>).</summary>
    public static float[] ToFloat(RoundingResult r) => Array.ConvertAll(r.Rounded, v => (float)v);

    private static void CheckStep(double step)
    {
        if (!(step > 0) || double.IsInfinity(step)) throw new ArgumentOutOfRangeException(nameof(step), $"grid step ρ must be positive and finite (got {step})");
    }
}
