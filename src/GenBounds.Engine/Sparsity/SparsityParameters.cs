namespace GenBounds.Sparsity;

/// <summary>How Lemma 12 splits its failure probability (catalog SULAM-L12).</summary>
public enum UnionVariant
{
    /// <summary>The paper's δ/(K+1) inside every α^k (each hidden layer has two events, so the union is (2K+1)δ/(K+1) &lt; 2δ).</summary>
    Paper,
    /// <summary>The safe bookkeeping δ/(2K+1) (DERIVED): the union of all 2K+1 events is then δ.</summary>
    Safe,
}

/// <summary>The variance of the last layer's posterior (catalog SULAM-L12, SULAM-T11).</summary>
public enum LastLayerVariance
{
    /// <summary>σ_{K+1} = ε_{K+1} ξ_{K+1}/α^{K+1}(C−1, s_K, δ′) (DERIVED correction).</summary>
    Corrected,
    /// <summary>σ_{K+1} = ε_{K+1}·ε_{K+1}/α^{K+1}(C−1, s_K, δ′), as printed (PAPER-TYPO: not scale-consistent).</summary>
    Printed,
}

/// <summary>
/// The base hyper-parameters (s, ξ, η, ε) of a depth-(K+1) network (Table 1) and the derived quantities of Table 2 and
/// App. A.2 (catalog SULAM-N3, N4, EQ7, L12, T11, T13). Arrays follow the paper's indices: <see cref="Widths"/>[k] = d_k for
/// k = 0..K+1 (d_{K+1} = C), <see cref="S"/>[k] = s_k for k = 0..K+1 with s₀ = s_{K+1} = 0 (footnote 8), and
/// <see cref="Xi"/>, <see cref="Eta"/>, <see cref="Epsilon"/> indexed 1..K+1 (index 0 unused; η_{K+1} unused).
/// </summary>
public sealed record SparsityParameters
{
    /// <summary>Creates and validates the parameters.</summary>
    public SparsityParameters(int[] widths, int[] s, double[] xi, double[] eta, double[] epsilon, double inputBound)
    {
        int k1 = widths.Length - 1;   // K + 1
        if (k1 < 1) throw new ArgumentException("a network needs at least one layer");
        if (s.Length != k1 + 1 || xi.Length != k1 + 1 || eta.Length != k1 + 1 || epsilon.Length != k1 + 1)
            throw new ArgumentException($"s, ξ, η and ε need K+2 = {k1 + 1} entries (index 0 and the paper's conventions included)");
        if (s[0] != 0 || s[k1] != 0) throw new ArgumentException("s₀ = s_{K+1} = 0 (footnote 8)");
        for (int k = 1; k < k1; k++)
            if (s[k] < 0 || s[k] > widths[k] - 1) throw new ArgumentOutOfRangeException(nameof(s), $"s_{k} = {s[k]} must lie in 0..{widths[k] - 1} (Table 1)");
        for (int k = 1; k <= k1; k++)
        {
            if (!(xi[k] > 0)) throw new ArgumentOutOfRangeException(nameof(xi), $"ξ_{k} must be positive");
            if (!(epsilon[k] >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"ε_{k} must be ≥ 0");
            if (k < k1 && !(eta[k] >= 0)) throw new ArgumentOutOfRangeException(nameof(eta), $"η_{k} must be ≥ 0");
        }
        if (!(inputBound > 0)) throw new ArgumentOutOfRangeException(nameof(inputBound), "M_X must be positive");
        Widths = widths; S = s; Xi = xi; Eta = eta; Epsilon = epsilon; InputBound = inputBound;
    }

    /// <summary>d₀..d_{K+1}.</summary>
    public int[] Widths { get; }
    /// <summary>s₀..s_{K+1} (s₀ = s_{K+1} = 0).</summary>
    public int[] S { get; }
    /// <summary>ξ₁..ξ_{K+1} at indices 1..K+1.</summary>
    public double[] Xi { get; }
    /// <summary>η₁..η_K at indices 1..K.</summary>
    public double[] Eta { get; }
    /// <summary>ε₁..ε_{K+1} at indices 1..K+1.</summary>
    public double[] Epsilon { get; }
    /// <summary>M_X, the bound on ‖x‖₂ over the input domain (= ζ₀).</summary>
    public double InputBound { get; }
    /// <summary>Number of hidden layers K.</summary>
    public int K => Widths.Length - 2;

    /// <summary>ζ₀ = M_X; ζ_k = ξ_k √(1+η_k) ζ_{k−1} for k ∈ [K]; ζ_{K+1} = ξ_{K+1} ζ_K (Table 2).</summary>
    public double Zeta(int k)
    {
        double z = InputBound;
        for (int n = 1; n <= k; n++) z *= n <= K ? Xi[n] * Math.Sqrt(1 + Eta[n]) : Xi[n];
        return z;
    }

    /// <summary>γ_k = −1 + Π_{n≤k}(1 + ε_n) (γ₀ = 0), computed as expm1 of a sum of log1p for small ε.</summary>
    public double Gamma(int k)
    {
        double l = 0;
        for (int n = 1; n <= k; n++) l += PacBayes.MathEx.Log1P(Epsilon[n]);
        return PacBayes.MathEx.ExpM1(l);
    }

    /// <summary>The same parameters with another sparsity vector (η, ξ unchanged).</summary>
    public SparsityParameters WithS(int[] s) => new(Widths, s, Xi, Eta, Epsilon, InputBound);

    /// <summary>The same parameters with other ε.</summary>
    public SparsityParameters WithEpsilon(double[] epsilon) => new(Widths, S, Xi, Eta, epsilon, InputBound);

    /// <summary>
    /// Eq. (7): α^k(s_k, s_{k−1}, δ) = √(d_k − s_k) + √(d_{k−1} − s_{k−1}) + √(2 ln C(d_k,s_k) + 2 ln C(d_{k−1},s_{k−1}) + 2 ln(1/δ))
    /// (log-binomials by log-gamma).
    /// </summary>
    public static double Alpha(int dk, int dkm1, int sk, int skm1, double delta)
    {
        if (!(delta > 0 && delta <= 1)) throw new ArgumentOutOfRangeException(nameof(delta), "δ must lie in (0, 1]");
        double lb = Combinatorics.LogBinomial(dk, sk) + Combinatorics.LogBinomial(dkm1, skm1);
        return Math.Sqrt(dk - sk) + Math.Sqrt(dkm1 - skm1) + Math.Sqrt(2 * lb + 2 * Math.Log(1 / delta));
    }

    /// <summary>The δ each α^k of Lemma 12 is evaluated at: δ/(K+1) (paper) or δ/(2K+1) (safe).</summary>
    public double LemmaDelta(double delta, UnionVariant variant) => variant == UnionVariant.Paper ? delta / (K + 1) : delta / (2 * K + 1);

    /// <summary>
    /// Lemma 12's σ_k(δ): for k ∈ [K], ε_k min{ξ_k√(1+η_k)/α^k(s_k,s_{k−1},δ′), ξ_k/α^k(d_k−1,s_{k−1},δ′)}; for k = K+1, ε_{K+1} ξ_{K+1}/α^{K+1}(C−1,s_K,δ′)
    /// (corrected) or ε_{K+1}²/α (printed). δ′ = δ/(K+1) (paper) or δ/(2K+1) (safe).
    /// </summary>
    public double Sigma(int k, double delta, UnionVariant variant, LastLayerVariance last = LastLayerVariance.Corrected)
    {
        double dp = LemmaDelta(delta, variant);
        int dk = Widths[k], dkm1 = Widths[k - 1];
        if (k == K + 1)
        {
            double a = Alpha(dk, dkm1, dk - 1, S[k - 1], dp);
            return Epsilon[k] * (last == LastLayerVariance.Corrected ? Xi[k] : Epsilon[k]) / a;
        }
        double aSparse = Alpha(dk, dkm1, S[k], S[k - 1], dp);
        double aRow = Alpha(dk, dkm1, dk - 1, S[k - 1], dp);
        return Epsilon[k] * Math.Min(Xi[k] * Math.Sqrt(1 + Eta[k]) / aSparse, Xi[k] / aRow);
    }

    /// <summary>Eq. (8): σ_k = σ^k(1/√m) of Lemma 12 (Theorem 13's posterior variances).</summary>
    public double SigmaEq8(int k, int m, UnionVariant variant, LastLayerVariance last = LastLayerVariance.Corrected) =>
        Sigma(k, 1 / Math.Sqrt(m), variant, last);

    /// <summary>d_eff = max_{k∈[K]} [(d_k − s_k) ln d_k + (d_{k−1} − s_{k−1}) ln d_{k−1}]/2 (Theorem 11).</summary>
    public double EffectiveDimension()
    {
        double best = 0;
        for (int k = 1; k <= K; k++)
            best = Math.Max(best, ((Widths[k] - S[k]) * Math.Log(Widths[k]) + (Widths[k - 1] - S[k - 1]) * Math.Log(Widths[k - 1])) / 2);
        return best;
    }

    /// <summary>
    /// Theorem 11's σ_k = ε_k ξ_k/(4√(2 d_eff + ln(2(K+1)√m))) for k ∈ [K]; the last layer (not given by the theorem, UNVERIFIED)
    /// takes the corrected Lemma-12 variance at δ = 1/√m, as the catalog reads it.
    /// </summary>
    public double SigmaTheorem11(int k, int m, UnionVariant variant)
    {
        if (k == K + 1) return SigmaEq8(k, m, variant);
        return Epsilon[k] * Xi[k] / (4 * Math.Sqrt(2 * EffectiveDimension() + Math.Log(2 * (K + 1) * Math.Sqrt(m))));
    }
}
