namespace GenBounds.Compression;

/// <summary>Sketch sizing of one pruned layer for GUHA-T5.2 / GUHA-T6.2.</summary>
/// <param name="Layer">Layer index (0 = first).</param>
/// <param name="Rows">h_l.</param>
/// <param name="Cols">h_{l−1}.</param>
/// <param name="NonZeros">J_l.</param>
/// <param name="J">j_l = max(j_r, j_c) of the pruned layer.</param>
/// <param name="P">p_l = max(h_l, h_{l−1}) (the paper's padded side).</param>
/// <param name="Side">s_l = ⌈c_s·√(j_l·p_l)·ln p_l⌉ (the sketch is s_l×s_l, as in the paper).</param>
public sealed record LayerSketchSize(int Layer, int Rows, int Cols, long NonZeros, int J, int P, int Side)
{
    /// <summary>s_l²: real numbers the sketch stores.</summary>
    public long SketchEntries => (long)Side * Side;
    /// <summary>Whether the sketch stores fewer numbers than the dense layer (h_l·h_{l−1}).</summary>
    public bool SmallerThanDense => SketchEntries < (long)Rows * Cols;
    /// <summary>Whether the sketch stores fewer numbers than the non-zeros alone (it never pays for positions, so this is the fair test).</summary>
    public bool SmallerThanNonZeros => SketchEntries < NonZeros;
}

/// <summary>The reconstructed explicit GUHA-T5.2 bound, term by term (nats).</summary>
/// <param name="Q">q = Σ_l s_l².</param>
/// <param name="CatalogComplexity">q·ln r with r = max_l (2K_l + 1), K_l = max|Y^l|/ρ_l (the catalog's "q ln r").</param>
/// <param name="HonestComplexity">
/// Σ_l [s_l²·ln(2K_l + 1) + ln(K_l(K_l + 1)) + ln(s_l(s_l + 1))] + L·ln G: per-layer levels, the data-dependent range K_l and
/// side s_l (j_l is measured after training), and the step ρ_l from a grid of G fixed in advance.
/// </param>
/// <param name="MarginLoss">L̂_{2γ}(f) (the 2γ margin of the corrected GUHA-T3.1).</param>
/// <param name="Deviation">√((HonestComplexity + ln(1/δ))/(2m)).</param>
/// <param name="Bound">MarginLoss + Deviation.</param>
/// <param name="Confidence">1 − δ − Σ_l ε_l (ε_l: sketch-recovery failure allowances; 0 for layers whose recovery was checked).</param>
/// <param name="M">Training samples m.</param>
public sealed record T52Bound(long Q, double CatalogComplexity, double HonestComplexity, double MarginLoss, double Deviation, double Bound, double Confidence, long M)
{
    /// <summary>A bound ≥ 1 says nothing about a 0/1 loss.</summary>
    public bool Vacuous => Bound >= 1;
}

/// <summary>Arithmetic of GUHA-T5.2 (reconstructed explicit form) and GUHA-T6.2, for the statements to bind.</summary>
public static class GuhaBounds
{
    /// <summary>
    /// s_l = ⌈c_s·√(j_l·p_l)·ln p_l⌉ for every layer of a pruned network (j_l measured on its non-zero pattern, p_l = max side).
    /// <paramref name="cs"/> should be the smallest sufficient c_s of the GUHA-T5.1 experiment at the matching p.
    /// </summary>
    public static IReadOnlyList<LayerSketchSize> SketchSizes(IReadOnlyList<SparsityProfile> layers, double cs) =>
        layers.Select((p, l) =>
        {
            int side = Math.Max(p.Rows, p.Cols), j = p.MaxLineCount;
            return new LayerSketchSize(l, p.Rows, p.Cols, p.NonZeros, j, side, SketchSizing.Side(cs, j, side));
        }).ToArray();

    /// <summary>
    /// The reconstructed explicit GUHA-T5.2 bound (RECON): L₀(g̃) ≤ L̂_{2γ}(f) + √((C + ln(1/δ))/(2m)) with probability
    /// ≥ 1 − δ − Σε_l, where g̃ is the network decoded from the rounded sketches. A, B are the helper string (drawn before the
    /// data, free); the sketch of a layer rounded to ρ_l·ℤ lies on ρ_l·ℤ again (A, B are 0/1), with levels |k| ≤ K_l.
    /// </summary>
    /// <param name="sizes">Per-layer sketch sides.</param>
    /// <param name="sketchMaxLevels">K_l = max|Y^l_ab|/ρ_l per layer.</param>
    /// <param name="stepGridSize">G, the number of candidate steps fixed before training.</param>
    /// <param name="marginLoss2Gamma">L̂_{2γ}(f) on the training set.</param>
    /// <param name="m">Training samples.</param>
    /// <param name="delta">δ of the Hoeffding step.</param>
    /// <param name="recoveryFailure">ε_l per layer (the T5.1 Clopper–Pearson upper limit, or 0 where decoding was verified).</param>
    public static T52Bound ExplicitT52(IReadOnlyList<LayerSketchSize> sizes, IReadOnlyList<long> sketchMaxLevels, int stepGridSize,
        double marginLoss2Gamma, long m, double delta, IReadOnlyList<double> recoveryFailure)
    {
        if (sizes.Count == 0 || sketchMaxLevels.Count != sizes.Count || recoveryFailure.Count != sizes.Count)
            throw new ArgumentException("sizes, sketch levels and failure allowances need one entry per layer");
        if (stepGridSize < 1) throw new ArgumentOutOfRangeException(nameof(stepGridSize));
        if (!(marginLoss2Gamma >= 0 && marginLoss2Gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(marginLoss2Gamma));
        if (recoveryFailure.Any(e => !(e >= 0 && e <= 1))) throw new ArgumentOutOfRangeException(nameof(recoveryFailure));
        long q = 0; long rMax = 1; double honest = sizes.Count * Math.Log(stepGridSize);
        for (int l = 0; l < sizes.Count; l++)
        {
            long k = Math.Max(1, sketchMaxLevels[l]);
            long s = sizes[l].Side;
            q += s * s;
            rMax = Math.Max(rMax, 2 * k + 1);
            honest += s * (double)s * Math.Log(2.0 * k + 1) + Math.Log(k * (k + 1.0)) + Math.Log(s * (s + 1.0));
        }
        double dev = CompressionCounts.HoeffdingDeviation(honest, delta, m);
        return new T52Bound(q, q * Math.Log(rMax), honest, marginLoss2Gamma, dev, marginLoss2Gamma + dev, 1 - delta - recoveryFailure.Sum(), m);
    }

    /// <summary>
    /// GUHA-T6.2's complexity term (RECON): √(c·(d_in·n + l·n²)·ln²D / m) for a target of input dimension d_in, width n and depth l
    /// inside a random network of width D (the O(·) constant c is unknown; c = 1 gives the shape).
    /// </summary>
    public static double T62Term(int dIn, int n, int depth, double width, long m, double constant = 1.0)
    {
        if (dIn <= 0 || n <= 0 || depth <= 0 || !(width > 1) || m <= 0 || !(constant > 0)) throw new ArgumentOutOfRangeException(nameof(dIn), "T6.2 needs positive sizes, D > 1 and m > 0");
        double l2 = Math.Log(width);
        return Math.Sqrt(constant * ((double)dIn * n + (double)depth * n * n) * l2 * l2 / m);
    }

    /// <summary>Σ_l s_l² of a pruned network's real ticket (the sketch count GUHA-T6.2 argues about), from <see cref="SketchSizes"/>.</summary>
    public static long TicketSketchCount(IReadOnlyList<LayerSketchSize> sizes) => sizes.Sum(s => s.SketchEntries);
}
