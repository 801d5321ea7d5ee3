using GenBounds.LinearAlgebra;

namespace GenBounds.Sparsity;

/// <summary>How the sample-wide sparsity level is picked from the per-sample greedy vectors (catalog SULAM-A2).</summary>
public enum QuantileRule
{
    /// <summary>App. B's level 2α/(K(K−1)); undefined for K = 1 (PAPER-TYPO), where α is used.</summary>
    Paper,
    /// <summary>The safe level 2α/(K(K+1)) (DERIVED: the event "∃ n ≤ k" summed over k ∈ [K] has K(K+1)/2 layer terms).</summary>
    Safe,
}

/// <summary>
/// Per-layer caches of a network that the greedy rule and the bound read many times: ξ_k(s_{k−1}) = ‖W_k‖_(d_k−1,s_{k−1}) for
/// every s_{k−1} (one sort per row), and the babel profiles μ_{·,s_{k−1}}(W_k), computed lazily per s_{k−1} and kept.
/// </summary>
public sealed class LayerCache
{
    private readonly SparseNetwork _net;
    private readonly ILinearAlgebraProvider? _la;
    private readonly double[][] _rowNorms;
    private readonly Dictionary<(int, int), BabelProfile> _babel = new();

    /// <summary>Caches for <paramref name="net"/>.</summary>
    public LayerCache(SparseNetwork net, ILinearAlgebraProvider? la = null)
    {
        _net = net; _la = la;
        _rowNorms = new double[net.K + 2][];
        for (int k = 1; k <= net.K + 1; k++) _rowNorms[k] = SparseNorms.ReducedRowNormProfile(net.W[k], net.Widths[k], net.Widths[k - 1]);
    }

    /// <summary>The network.</summary>
    public SparseNetwork Network => _net;

    /// <summary>‖W_k‖_(d_k−1, s_{k−1}).</summary>
    public double RowNorm(int k, int sPrev) => _rowNorms[k][sPrev];

    /// <summary>μ_{s_k, s_{k−1}}(W_k) (corrected Algorithm 1; profiles over s_k are cached per s_{k−1}).</summary>
    public double Babel(int k, int s, int sPrev)
    {
        if (!_babel.TryGetValue((k, sPrev), out var p))
        {
            p = BabelFunction.Profile(_net.W[k], _net.Widths[k], _net.Widths[k - 1], sPrev, _la);
            _babel[(k, sPrev)] = p;
        }
        return p.Mu[s];
    }
}

/// <summary>
/// The greedy layer-wise sparsity vector s*(x, ε) of §3.3 and App. B (catalog SULAM-A2) and the effective activity ratio κ of
/// §4 (SULAM-D-EAR). For k = 1..K, with s₁..s_{k−1} fixed: s_k = max{s ∈ [d_k] : r_k(x; s) &gt; 3γ_k}, which by the DERIVED closed
/// form is the threshold count #{j : −w_k[j]·x_{k−1} &gt; 3γ_k ξ_k ζ_{k−1}} (0 when no s qualifies: no constraint, radius +∞).
/// ξ_k = ‖W_k‖_(d_k−1, s_{k−1}) exactly (the "closest bound" of App. B; normalisation to ξ = 1 is equivalent), and
/// ζ_{k−1} = M_X Π_{n&lt;k} ξ_n √(1+η_n) with η_n = μ_{s_n, s_{n−1}}(W_n), rounded up to the η grid when one is given.
/// </summary>
public static class GreedySparsity
{
    /// <summary>The multiple of γ_k the radius must exceed (3 in the paper).</summary>
    public const double ThresholdFactor = 3.0;

    /// <summary>η rounded up to the grid (sorted ascending); +∞ when it exceeds the last grid value; unchanged without a grid.</summary>
    public static double RoundUp(double eta, double[]? grid)
    {
        if (grid is null) return eta;
        foreach (var g in grid) if (g >= eta - 1e-12 * Math.Max(1, eta)) return g;
        return double.PositiveInfinity;
    }

    /// <summary>s*(x_i, ε) from a profile: s[0..K+1] with s₀ = s_{K+1} = 0. ε indexed 1..K+1 (ε_{K+1} unused here).</summary>
    public static int[] Vector(ActivationProfile profile, LayerCache cache, int i, double[] epsilon, double inputBound, double[]? etaGrid = null)
    {
        int K = profile.K;
        var s = new int[K + 2];
        double scale = inputBound;     // Π_{n<k} ξ_n √(1+η_n) · M_X, built layer by layer
        double gamma = 0;
        for (int k = 1; k <= K; k++)
        {
            gamma = (1 + gamma) * (1 + epsilon[k]) - 1;
            double xi = cache.RowNorm(k, s[k - 1]);
            double threshold = ThresholdFactor * gamma * xi * scale;
            s[k] = profile.CountBelow(k, i, -threshold);
            if (s[k] > profile.Widths[k] - 1) s[k] = profile.Widths[k] - 1;   // Table 1: s_k ≤ d_k − 1
            if (k < K)
            {
                double eta = RoundUp(cache.Babel(k, s[k], s[k - 1]), etaGrid);
                scale *= xi * Math.Sqrt(1 + eta);
            }
        }
        return s;
    }

    /// <summary>
    /// The plain reference: the literal max over s ∈ [d_k] of App. B's condition, every radius by selection on the clean
    /// pre-activations of a direct forward pass (no sorting shortcut, no threshold count).
    /// </summary>
    public static int[] BruteForce(SparseNetwork net, ReadOnlySpan<double> x, double[] epsilon, double inputBound, double[]? etaGrid, ILinearAlgebraProvider? la = null)
    {
        int K = net.K;
        var u = net.Forward(x);
        var s = new int[K + 2];
        double scale = inputBound;
        for (int k = 1; k <= K; k++)
        {
            double gamma = 1;
            for (int n = 1; n <= k; n++) gamma *= 1 + epsilon[n];
            gamma -= 1;
            double xi = SparseNorms.ReducedRowNorm(net.W[k], net.Widths[k], net.Widths[k - 1], s[k - 1]);
            int best = 0;
            for (int cand = 1; cand <= net.Widths[k]; cand++)
                if (SparseRadius.Of(u[k], cand, xi * scale) > ThresholdFactor * gamma) best = cand;
            s[k] = Math.Min(best, net.Widths[k] - 1);
            if (k < K)
            {
                double eta = RoundUp(BabelFunction.Reduced(net.W[k], net.Widths[k], net.Widths[k - 1], s[k], s[k - 1], la), etaGrid);
                scale *= xi * Math.Sqrt(1 + eta);
            }
        }
        return s;
    }

    /// <summary>
    /// κ(x, ε) = Σ_{k=1}^{K+1} (d_k − s_k)(d_{k−1} − s_{k−1}) / Σ_{k=1}^{K+1} d_k d_{k−1} with s₀ = s_{K+1} = 0 (the catalog's
    /// presumed range; UNVERIFIED).
    /// </summary>
    public static double Kappa(int[] widths, int[] s)
    {
        double num = 0, den = 0;
        for (int k = 1; k < widths.Length; k++)
        {
            num += (double)(widths[k] - s[k]) * (widths[k - 1] - s[k - 1]);
            den += (double)widths[k] * widths[k - 1];
        }
        return num / den;
    }

    /// <summary>κ with the sum over hidden layers k = 1..K only (the other reading of §4, UNVERIFIED; equal for K = 1).</summary>
    public static double KappaHidden(int[] widths, int[] s)
    {
        double num = 0, den = 0;
        for (int k = 1; k < widths.Length - 1; k++)
        {
            num += (double)(widths[k] - s[k]) * (widths[k - 1] - s[k - 1]);
            den += (double)widths[k] * widths[k - 1];
        }
        return num / den;
    }

    /// <summary>Greedy vectors of every sample of the profile for one ε (s[i] = s*(x_i, ε)).</summary>
    public static int[][] All(ActivationProfile profile, LayerCache cache, double[] epsilon, double inputBound, double[]? etaGrid = null)
    {
        var result = new int[profile.Count][];
        for (int i = 0; i < profile.Count; i++) result[i] = Vector(profile, cache, i, epsilon, inputBound, etaGrid);
        return result;
    }

    /// <summary>(a) of App. B: s̄_k = min_i s_k^{(i)}.</summary>
    public static int[] SampleWideMin(int[][] s)
    {
        int len = s[0].Length;
        var r = new int[len];
        for (int k = 1; k < len - 1; k++) r[k] = s.Min(v => v[k]);
        return r;
    }

    /// <summary>The quantile level of App. B's rule (b) for control level α.</summary>
    public static double QuantileLevel(double alpha, int K, QuantileRule rule) =>
        rule == QuantileRule.Safe ? 2 * alpha / (K * (K + 1.0)) : K == 1 ? alpha : 2 * alpha / (K * (K - 1.0));

    /// <summary>
    /// (b) of App. B: ŝ_k = the level-quantile of {s_k^{(i)}}: the ⌊level·m⌋-th smallest (0-based), so at most level·m samples
    /// have s_k^{(i)} below it.
    /// </summary>
    public static int[] SampleWideQuantile(int[][] s, double alpha, QuantileRule rule)
    {
        int len = s[0].Length, K = len - 2, m = s.Length;
        double level = QuantileLevel(alpha, K, rule);
        int idx = Math.Clamp((int)Math.Floor(level * m), 0, m - 1);
        var r = new int[len];
        var col = new int[m];
        for (int k = 1; k <= K; k++)
        {
            for (int i = 0; i < m; i++) col[i] = s[i][k];
            Array.Sort(col);
            r[k] = col[idx];
        }
        return r;
    }
}
