using System.Globalization;

namespace GenBounds.Sparsity;

/// <summary>How the per-layer ε is built from the grid value ε̄ (catalog SULAM-A2, "Sensitivity vector").</summary>
public enum EpsilonSchedule
{
    /// <summary>§3.3: ε_k = ε̄ for every layer.</summary>
    Common,
    /// <summary>App. B's ε_k = ε̄/(K+1−k) with the typo repaired as ε_k = ε̄/(K+2−k) (UNVERIFIED reading; k = K+1 gets ε̄).</summary>
    AppendixB,
}

/// <summary>
/// The grid of §3.3 / App. B and every open choice of catalog SULAM-X5, recorded with each result. Defaults are our readings
/// (the paper gives no δ, no M_X and no grid resolutions).
/// </summary>
public sealed record SulamSearchOptions
{
    /// <summary>The evaluation options (M_X, union variant, last-layer variance, indicators, prior scaling). Its δ is ignored: see <see cref="Delta"/>.</summary>
    public SulamBoundOptions Bound { get; init; } = new();
    /// <summary>Total failure probability δ before the grid's union bound (UNVERIFIED: not stated).</summary>
    public double Delta { get; init; } = 0.05;
    /// <summary>ε̄ grid (data-independent).</summary>
    public double[] EpsilonGrid { get; init; } = DefaultEpsilonGrid();
    /// <summary>α grid: control levels of the quantile rule (α only selects s, which the union over all s pays for).</summary>
    public double[] AlphaGrid { get; init; } = [0, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5];
    /// <summary>η grid (ascending, data-independent); each η_k is μ rounded up to it.</summary>
    public double[] EtaGrid { get; init; } = DefaultEtaGrid();
    /// <summary>ε schedule.</summary>
    public EpsilonSchedule Schedule { get; init; } = EpsilonSchedule.AppendixB;
    /// <summary>Quantile rule of the sample-wide sparsity.</summary>
    public QuantileRule Quantile { get; init; } = QuantileRule.Safe;
    /// <summary>Whether the union bound pays for s chosen from the data (log Π d_k, DERIVED F-UNION). False is a diagnostic only: then the result is not a bound.</summary>
    public bool PayForSparsity { get; init; } = true;
    /// <summary>Whether to also evaluate Theorem 11's explicit form at every grid point.</summary>
    public bool Theorem11 { get; init; } = true;

    /// <summary>40 values geometric from 10⁻³ to 1.</summary>
    public static double[] DefaultEpsilonGrid() => Enumerable.Range(0, 40).Select(i => Math.Pow(10, -3 + 3.0 * i / 39)).ToArray();

    /// <summary>0 and 2^{j/2} for j = −12..24 (1/64 … 4096): 38 values.</summary>
    public static double[] DefaultEtaGrid() => new[] { 0.0 }.Concat(Enumerable.Range(-12, 37).Select(j => Math.Pow(2, j / 2.0))).ToArray();

    /// <summary>ε₁..ε_{K+1} (index 0 unused) for grid value ε̄.</summary>
    public double[] EpsilonFor(double bar, int K)
    {
        var e = new double[K + 2];
        for (int k = 1; k <= K + 1; k++) e[k] = Schedule == EpsilonSchedule.Common ? bar : bar / (K + 2 - k);
        return e;
    }

    /// <summary>Every choice as (name, value) text, for the run metadata (catalog SULAM-X5).</summary>
    public IReadOnlyList<(string Name, string Value)> Describe(int K)
    {
        string G(double[] g) => $"{g.Length} values in [{g.Min().ToString("G3", CultureInfo.InvariantCulture)}, {g.Max().ToString("G3", CultureInfo.InvariantCulture)}]";
        return
        [
            ("delta", Delta.ToString("R", CultureInfo.InvariantCulture) + " (UNVERIFIED: the paper states none)"),
            ("M_X", Bound.InputBound.ToString("R", CultureInfo.InvariantCulture) + " (UNVERIFIED: data-independent bound on ||x||)"),
            ("epsilon grid", G(EpsilonGrid) + " geometric (UNVERIFIED: resolution not given)"),
            ("alpha grid", string.Join(",", AlphaGrid.Select(a => a.ToString("R", CultureInfo.InvariantCulture)))),
            ("eta grid", G(EtaGrid) + ", mu rounded up"),
            ("epsilon schedule", Schedule == EpsilonSchedule.Common ? "common: eps_k = eps-bar (main text)" : "App. B: eps_k = eps-bar/(K+2-k) (K+1-k repaired, UNVERIFIED)"),
            ("quantile rule", Quantile == QuantileRule.Safe ? $"safe level 2 alpha/(K(K+1)) = {GreedySparsity.QuantileLevel(1, K, QuantileRule.Safe):G3} alpha" : "paper level 2 alpha/(K(K-1)) (alpha for K = 1)"),
            ("lemma 12 union", Bound.Union == UnionVariant.Paper ? "paper delta/(K+1)" : "safe delta/(2K+1)"),
            ("last-layer variance", Bound.Last == LastLayerVariance.Corrected ? "corrected eps xi/alpha (DERIVED)" : "printed eps^2/alpha (PAPER-TYPO)"),
            ("sparse indicators", Bound.StrictIndicators ? "strict < as printed" : "<= (conservative, Eq. (13))"),
            ("prior scaling", Bound.PriorScaling == PriorScaling.SameScale ? "prior divided by the posterior's normalisers" : "prior divided by its own norms (UNVERIFIED)"),
            ("union over s", PayForSparsity ? "paid: log prod d_k (DERIVED F-UNION)" : "NOT paid (diagnostic, not a bound)"),
        ];
    }
}

/// <summary>One grid point of the search: (ε̄, α), the sample-wide s, η and the theorem's terms.</summary>
/// <param name="EpsilonBar">ε̄.</param>
/// <param name="Alpha">α of the quantile rule.</param>
/// <param name="Terms">Theorem 13's terms.</param>
/// <param name="Theorem11">Theorem 11's explicit terms (null when not evaluated).</param>
/// <param name="GreedyMeanKappa">Mean κ of the per-sample greedy vectors at this ε̄.</param>
public sealed record SulamGridPoint(double EpsilonBar, double Alpha, SulamBoundTerms Terms, SulamBoundTerms? Theorem11, double GreedyMeanKappa);

/// <summary>The result of a grid search: every point, the best by Theorem 13 and by Theorem 11, and the union-bound price.</summary>
/// <param name="Points">Every grid point.</param>
/// <param name="Best">The smallest Theorem-13 bound.</param>
/// <param name="BestTheorem11">The smallest Theorem-11 bound (null when not evaluated).</param>
/// <param name="DeltaReduced">δ_red = δ/(T_s T_η^K T_ε̄).</param>
/// <param name="LogUnionCount">ln(T_s T_η^K T_ε̄).</param>
/// <param name="Choices">Every open choice (SULAM-X5) as recorded text.</param>
public sealed record SulamSearchResult(IReadOnlyList<SulamGridPoint> Points, SulamGridPoint Best, SulamGridPoint? BestTheorem11, double DeltaReduced, double LogUnionCount,
    IReadOnlyList<(string Name, string Value)> Choices);

/// <summary>
/// The grid search of §3.3 and App. B (catalog SULAM-F-UNION, SULAM-A2): for every ε̄ the greedy vectors s*(x_i, ε) of the bound's
/// samples, for every α the sample-wide ŝ by the quantile rule, η_k = μ_{ŝ_k,ŝ_{k−1}}(W_k) rounded up to the grid, then Theorem 13
/// (and 11) at δ_red = δ/(T_s T_η^K T_ε̄) with T_s = Π_{k∈[K]} d_k (s is chosen from the data; DERIVED), T_ξ = 1 after normalisation.
/// The sparse sums are recomputed with the final (ŝ, η) rather than trusted (catalog A2 caveats).
/// </summary>
public static class SulamBoundSearch
{
    /// <summary>Runs the search on the profile of the bound's samples (labels required).</summary>
    public static SulamSearchResult Run(LayerCache cache, SparseNetwork? prior, ActivationProfile data, SulamSearchOptions o)
    {
        var h = cache.Network;
        int K = h.K;
        if (o.EpsilonGrid.Length == 0 || o.AlphaGrid.Length == 0 || o.EtaGrid.Length == 0) throw new ArgumentException("empty grid");
        double logT = Math.Log(o.EpsilonGrid.Length) + K * Math.Log(o.EtaGrid.Length);
        if (o.PayForSparsity) for (int k = 1; k <= K; k++) logT += Math.Log(h.Widths[k]);
        double deltaRed = o.Delta * Math.Exp(-logT);
        var bound = o.Bound with { Delta = deltaRed };
        var points = new List<SulamGridPoint>();
        foreach (double bar in o.EpsilonGrid)
        {
            var eps = o.EpsilonFor(bar, K);
            var greedy = GreedySparsity.All(data, cache, eps, bound.InputBound, o.EtaGrid);
            double meanKappa = greedy.Average(v => GreedySparsity.Kappa(h.Widths, v));
            foreach (double alpha in o.AlphaGrid)
            {
                var s = GreedySparsity.SampleWideQuantile(greedy, alpha, o.Quantile);
                var eta = new double[K + 2];
                bool finite = true;
                for (int k = 1; k <= K; k++)
                {
                    eta[k] = GreedySparsity.RoundUp(cache.Babel(k, s[k], s[k - 1]), o.EtaGrid);
                    finite &= double.IsFinite(eta[k]);
                }
                if (!finite) continue;
                var t13 = SulamBound.Evaluate(cache, prior, data, s, eta, eps, bound);
                var t11 = o.Theorem11 ? SulamBound.Evaluate(cache, prior, data, s, eta, eps, bound, theorem11: true) : null;
                points.Add(new SulamGridPoint(bar, alpha, t13, t11, meanKappa));
            }
        }
        if (points.Count == 0) throw new ArgumentException("no grid point has a finite eta (mu beyond the eta grid)");
        var best = points.MinBy(p => p.Terms.Total)!;
        var best11 = o.Theorem11 ? points.MinBy(p => p.Theorem11!.Total) : null;
        return new SulamSearchResult(points, best, best11, deltaRed, logT, o.Describe(K));
    }
}
