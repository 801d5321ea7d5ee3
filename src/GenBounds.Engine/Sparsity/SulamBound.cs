using GenBounds.LinearAlgebra;

namespace GenBounds.Sparsity;

/// <summary>How the prior centre is rescaled when the posterior centre is normalised (SULAM-A3; UNVERIFIED for P_data).</summary>
public enum PriorScaling
{
    /// <summary>The prior is divided by the posterior's normalisers c_k (the same as not normalising, with ξ_k = c_k).</summary>
    SameScale,
    /// <summary>The prior is divided by its own ‖W_prior,k‖_(d_k−1,s_{k−1}) (allowed: it depends only on the prior split).</summary>
    OwnNorms,
}

/// <summary>Options of one evaluation of Theorem 13 or 11 (every open choice of catalog SULAM-X5 that enters it).</summary>
public sealed record SulamBoundOptions
{
    /// <summary>M_X, the data-independent bound on ‖x‖₂ (28 = √784 for pixels in [0, 1]; not stated in the paper, UNVERIFIED).</summary>
    public double InputBound { get; init; } = 28;
    /// <summary>The δ the theorem is instantiated at (after any union bound over a grid: δ_red).</summary>
    public double Delta { get; init; } = 0.05;
    /// <summary>Lemma 12's bookkeeping inside σ (paper δ/(K+1) or safe δ/(2K+1)).</summary>
    public UnionVariant Union { get; init; } = UnionVariant.Paper;
    /// <summary>The last layer's posterior variance.</summary>
    public LastLayerVariance Last { get; init; } = LastLayerVariance.Corrected;
    /// <summary>Strict "&lt;" in the sparse indicators as the statement prints them; false (default) uses the conservative "≤" of Eq. (13).</summary>
    public bool StrictIndicators { get; init; }
    /// <summary>How a prior centre is rescaled.</summary>
    public PriorScaling PriorScaling { get; init; } = PriorScaling.SameScale;
}

/// <summary>Every term of one evaluation of Theorem 13 (or Theorem 11's explicit form) at fixed (s, η, ε), normalised weights (ξ = 1).</summary>
/// <param name="Theorem">"T13" or "T11".</param>
/// <param name="M">Sample size m of the empirical terms.</param>
/// <param name="Delta">δ the theorem was instantiated at.</param>
/// <param name="S">s₀..s_{K+1}.</param>
/// <param name="Eta">η₁..η_K (index 0 and K+1 unused).</param>
/// <param name="Epsilon">ε₁..ε_{K+1}.</param>
/// <param name="Normalisers">c_k = ‖W_k‖_(d_k−1,s_{k−1}) (k = 1..K+1).</param>
/// <param name="Sigma">Posterior (= prior) standard deviations σ_k of the normalised layers.</param>
/// <param name="Kl">KL_k = ‖W̃_k − W̃_prior,k‖²_F/(2σ_k²).</param>
/// <param name="MarginThreshold">4 ζ_{K+1} γ_{K+1} (on the normalised network).</param>
/// <param name="MarginLoss">R̂_{4ζγ}: fraction of samples with normalised margin &lt; the threshold.</param>
/// <param name="SparseGamma">Σ_{k∈[K]} (1/m) Σ_i 1{∃ n ≤ k : r_n ≤ γ_n} (first sparse sum).</param>
/// <param name="Sparse3Gamma">Σ_{k∈[K]} (1/m) Σ_i 1{∃ n ≤ k : r_n ≤ 3γ_n} (second sparse sum).</param>
/// <param name="ConstantTerm">4(K+1)/(√m − 1).</param>
/// <param name="KlTerm">√((4 KL + 2 ln(2m(K+1)/δ))/(m − 1)).</param>
/// <param name="LayerKlTerms">Σ_{k∈[K]} √((4 Σ_{n≤k} KL_n + 2 ln(2m(K+1)/δ))/(m − 1)).</param>
/// <param name="Total">The bound (raw, never capped at 1).</param>
public sealed record SulamBoundTerms(string Theorem, int M, double Delta, int[] S, double[] Eta, double[] Epsilon, double[] Normalisers, double[] Sigma,
    double[] Kl, double MarginThreshold, double MarginLoss, double SparseGamma, double Sparse3Gamma, double ConstantTerm, double KlTerm, double LayerKlTerms, double Total)
{
    /// <summary>KL(𝒩(h̃, σ²) ‖ P) over all K+1 layers.</summary>
    public double KlTotal => Kl.Sum();
}

/// <summary>
/// Theorem 13 (App. A.3, Eq. (8); catalog SULAM-T13) and Theorem 11 (§3.2; SULAM-T11) evaluated on a trained bias-free network
/// at fixed base hyper-parameters, after the normalisation of SULAM-A3 (W̃_k = W_k/‖W_k‖_(d_k−1,s_{k−1}), ξ = 1):
/// R₀(h) ≤ R̂_{4ζ_{K+1}γ_{K+1}}(h̃) + 4(K+1)/(√m−1) + √((4KL + 2 ln(2m(K+1)/δ))/(m−1)) + two sparse sums
/// + Σ_{k∈[K]} √((4Σ_{n≤k}KL_n + 2 ln(2m(K+1)/δ))/(m−1)), with σ_k of Eq. (8) (the corrected last-layer variance, DERIVED) and
/// KL against a Gaussian prior of the same variances centred at zero (P₀) or at a prior network (P_data).
/// Theorem 11's Õ hides its constants; its explicit form here (DERIVED) is Theorem 13's chain with Theorem 11's smaller σ
/// and the two sparse sums replaced by 2K·(1/m)Σ ℓ_sparse. The bound is reported raw (values ≥ 1 are vacuous, never capped).
/// </summary>
public static class SulamBound
{
    /// <summary>Theorem 13 (or 11 when <paramref name="theorem11"/>) from a profile of the bound's m samples.</summary>
    public static SulamBoundTerms Evaluate(LayerCache cache, SparseNetwork? prior, ActivationProfile data, int[] s, double[] eta, double[] epsilon,
        SulamBoundOptions o, bool theorem11 = false)
    {
        var h = cache.Network;
        int K = h.K, m = data.Count;
        if (data.Margins is null) throw new ArgumentException("the bound needs labels (margins) in the activation profile");
        var c = new double[K + 2];
        for (int k = 1; k <= K + 1; k++) c[k] = cache.RowNorm(k, s[k - 1]);
        var p = Parameters(h, s, eta, epsilon, o.InputBound);
        // Normalised pre-activations of layer k are u_k / Π_{n≤k} c_n; radii divide by ξ_k ζ_{k−1} = ζ_{k−1}.
        var scale = new double[K + 1];
        double prod = 1;
        for (int k = 1; k <= K; k++) { prod *= c[k]; scale[k] = prod * p.Zeta(k - 1); }
        double marginScale = prod * c[K + 1];
        double threshold = 4 * p.Zeta(K + 1) * p.Gamma(K + 1);
        int marginErrors = 0;
        var countA = new int[K + 1];
        var countB = new int[K + 1];
        var gammas = Enumerable.Range(0, K + 1).Select(p.Gamma).ToArray();
        for (int i = 0; i < m; i++)
        {
            if (data.Margins[i] / marginScale < threshold) marginErrors++;
            bool a = false, b = false;
            for (int k = 1; k <= K; k++)
            {
                double r = s[k] == 0 ? double.PositiveInfinity : Math.Max(0, -data.OrderStatistic(k, i, s[k])) / scale[k];
                double g = gammas[k];
                a |= Below(r, g, o.StrictIndicators);
                b |= Below(r, 3 * g, o.StrictIndicators);
                if (a) countA[k]++;
                if (b) countB[k]++;
            }
        }
        return Assemble(theorem11, h, prior, p, c, m, marginErrors, countA, countB, threshold, o);
    }

    /// <summary>
    /// The plain reference: normalises the network explicitly, runs a direct forward pass per sample, computes every radius by
    /// selection and every margin from the outputs (no profile, no sorting, no threshold counts).
    /// </summary>
    public static SulamBoundTerms Reference(SparseNetwork h, SparseNetwork? prior, ReadOnlySpan<float> inputs, ReadOnlySpan<int> labels, int[] s, double[] eta,
        double[] epsilon, SulamBoundOptions o, bool theorem11 = false)
    {
        int K = h.K, m = labels.Length, d0 = h.Widths[0], C = h.Widths[K + 1];
        var c = h.Normalisers(s);
        var hn = h.Scaled(c);
        var p = Parameters(h, s, eta, epsilon, o.InputBound);
        double threshold = 4 * p.Zeta(K + 1) * p.Gamma(K + 1);
        int marginErrors = 0;
        var countA = new int[K + 1];
        var countB = new int[K + 1];
        var x = new double[d0];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < d0; j++) x[j] = inputs[i * d0 + j];
            var u = hn.Forward(x);
            double other = double.NegativeInfinity;
            for (int j = 0; j < C; j++) if (j != labels[i]) other = Math.Max(other, u[K + 1][j]);
            if (u[K + 1][labels[i]] - other < threshold) marginErrors++;
            bool a = false, b = false;
            for (int k = 1; k <= K; k++)
            {
                double r = SparseRadius.Of(u[k], s[k], p.Zeta(k - 1));
                a |= Below(r, p.Gamma(k), o.StrictIndicators);
                b |= Below(r, 3 * p.Gamma(k), o.StrictIndicators);
                if (a) countA[k]++;
                if (b) countB[k]++;
            }
        }
        return Assemble(theorem11, h, prior, p, c, m, marginErrors, countA, countB, threshold, o);
    }

    private static bool Below(double r, double g, bool strict) => strict ? r < g : r <= g;

    /// <summary>The parameters of the normalised network (ξ = 1) at (s, η, ε) and input bound M_X.</summary>
    public static SparsityParameters Parameters(SparseNetwork h, int[] s, double[] eta, double[] epsilon, double inputBound)
    {
        var xi = Enumerable.Repeat(1.0, h.K + 2).ToArray();
        xi[0] = 1;
        var etaFull = new double[h.K + 2];
        for (int k = 1; k <= h.K; k++) etaFull[k] = eta[k];
        return new SparsityParameters(h.Widths, s, xi, etaFull, epsilon, inputBound);
    }

    /// <summary>KL_k of the normalised posterior against the prior centre (zero for P₀), with equal variances σ_k².</summary>
    public static double[] KlPerLayer(SparseNetwork h, SparseNetwork? prior, double[] c, int[] s, double[] sigma, PriorScaling scaling)
    {
        int K = h.K;
        var kl = new double[K + 2];
        for (int k = 1; k <= K + 1; k++)
        {
            double cp = 1;
            if (prior is not null)
                cp = scaling == PriorScaling.SameScale ? c[k] : Math.Max(SparseNorms.ReducedRowNorm(prior.W[k], h.Widths[k], h.Widths[k - 1], s[k - 1]), double.Epsilon);
            double sum = 0;
            var w = h.W[k];
            for (int i = 0; i < w.Length; i++)
            {
                double d = w[i] / c[k] - (prior is null ? 0 : prior.W[k][i] / cp);
                sum += d * d;
            }
            kl[k] = sum / (2 * sigma[k] * sigma[k]);
        }
        return kl;
    }

    private static SulamBoundTerms Assemble(bool theorem11, SparseNetwork h, SparseNetwork? prior, SparsityParameters p, double[] c, int m, int marginErrors,
        int[] countA, int[] countB, double threshold, SulamBoundOptions o)
    {
        int K = h.K;
        var sigma = new double[K + 2];
        for (int k = 1; k <= K + 1; k++)
            sigma[k] = theorem11 ? p.SigmaTheorem11(k, m, o.Union) : p.SigmaEq8(k, m, o.Union, o.Last);
        var kl = KlPerLayer(h, prior, c, p.S, sigma, o.PriorScaling);
        double logTerm = 2 * Math.Log(2.0 * m * (K + 1) / o.Delta);
        double klTerm = Math.Sqrt((4 * kl.Sum() + logTerm) / (m - 1));
        double layer = 0, acc = 0;
        for (int k = 1; k <= K; k++) { acc += kl[k]; layer += Math.Sqrt((4 * acc + logTerm) / (m - 1)); }
        double constant = 4.0 * (K + 1) / (Math.Sqrt(m) - 1);
        double marginLoss = (double)marginErrors / m;
        double sparseA = 0, sparseB = 0;
        for (int k = 1; k <= K; k++) { sparseA += (double)countA[k] / m; sparseB += (double)countB[k] / m; }
        double sparse = theorem11 ? 2.0 * K * countB[K] / m : sparseA + sparseB;
        double total = marginLoss + constant + klTerm + sparse + layer;
        return new SulamBoundTerms(theorem11 ? "T11" : "T13", m, o.Delta, (int[])p.S.Clone(), (double[])p.Eta.Clone(), (double[])p.Epsilon.Clone(), c, sigma, kl,
            threshold, marginLoss, theorem11 ? 0 : sparseA, theorem11 ? (double)countB[K] / m : sparseB, constant, klTerm, layer, total);
    }
}
