using System.Globalization;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Sparsity;

namespace GenBounds.Bounds;

/// <summary>Options of the sparsity-aware rows of <c>genbounds bounds</c>.</summary>
public sealed record SulamBoundRowOptions
{
    /// <summary>Total δ before the grid's union bound.</summary>
    public double Delta { get; init; } = 0.05;
    /// <summary>M_X (28 = √784 for pixels in [0, 1]).</summary>
    public double InputBound { get; init; } = 28;
}

/// <summary>
/// Muthukumar &amp; Sulam (COLT 2023)'s Theorems 13 and 11 as rows of the side-by-side table (catalog SULAM-T11, T13, F-UNION):
/// each the best point of the (ε̄, α) grid search with its union-bound price, labelled with theorem, prior (P₀ or P_data) and
/// form — <b>published</b> (the printed statement: Lemma 12's δ/(K+1), the printed last-layer variance ε²/α, App. B's quantile
/// level) and <b>corrected</b> (the DERIVED corrected last-layer variance εξ/α, the safe δ/(2K+1) and quantile level
/// 2α/(K(K+1))). Theorem 11's row is its DERIVED explicit form (the Õ written with Theorem 13's constants). The bound sample must
/// be disjoint from the data that chose P_data's centre; the caller passes it.
/// </summary>
public static class SulamBounds
{
    /// <summary>The rows for one network, prior (null: P₀) and bound sample.</summary>
    public static IReadOnlyList<BoundValue> Rows(Mlp net, Mlp? prior, Dataset boundData, SulamBoundRowOptions o, ILinearAlgebraProvider la, string priorNote)
    {
        var h = SparseNetwork.FromMlp(net);
        var p = prior is null ? null : SparseNetwork.FromMlp(prior);
        var profile = ActivationProfile.Compute(h, boundData.Features, boundData.Count, boundData.Labels, la);
        var cache = new LayerCache(h, la);
        string priorLabel = prior is null ? "P0" : "Pdata";
        var rows = new List<BoundValue>();
        foreach (bool corrected in new[] { false, true })
        {
            var options = new SulamSearchOptions
            {
                Delta = o.Delta,
                Bound = new SulamBoundOptions
                {
                    InputBound = o.InputBound,
                    Union = corrected ? UnionVariant.Safe : UnionVariant.Paper,
                    Last = corrected ? LastLayerVariance.Corrected : LastLayerVariance.Printed,
                },
                Quantile = corrected ? QuantileRule.Safe : QuantileRule.Paper,
                Theorem11 = corrected,
            };
            var r = SulamBoundSearch.Run(cache, p, profile, options);
            var form = corrected ? BoundForm.Corrected : BoundForm.Published;
            string formLabel = corrected ? "corrected" : "published";
            var notes = new List<string>
            {
                priorNote,
                string.Create(CultureInfo.InvariantCulture, $"m = {boundData.Count}; best of {r.Points.Count} grid points at eps-bar = {r.Best.EpsilonBar:G3}, alpha = {r.Best.Alpha:G3}; delta_red = {r.DeltaReduced:G3} (ln T = {r.LogUnionCount:F2})"),
                string.Create(CultureInfo.InvariantCulture, $"terms: margin loss {r.Best.Terms.MarginLoss:G4}, sparse sums {r.Best.Terms.SparseGamma:G4} + {r.Best.Terms.Sparse3Gamma:G4}, KL {r.Best.Terms.KlTotal:G4}, KL term {r.Best.Terms.KlTerm:G4}, layer KL terms {r.Best.Terms.LayerKlTerms:G4}, constant {r.Best.Terms.ConstantTerm:G4}"),
            };
            notes.AddRange(r.Choices.Select(c => $"{c.Name}: {c.Value}"));
            var tags = corrected ? new[] { "DERIVED", "UNVERIFIED" } : new[] { "PAPER-TYPO", "UNVERIFIED" };
            rows.Add(BoundValue.Of($"SULAM23-T13/{priorLabel}/{formLabel}", "Muthukumar & Sulam 2023", $"Theorem 13 (sparsity-aware PAC-Bayes, prior {priorLabel})", form,
                r.Best.Terms.Total, r.Best.Terms.MarginThreshold, "4 zeta_{K+1} gamma_{K+1} of the best grid point (normalised net)",
                "R_hat_{4 zeta gamma} + 4(K+1)/(sqrt m - 1) + sqrt((4 KL + 2 ln(2m(K+1)/delta_red))/(m-1)) + sparse sums + sum_k sqrt((4 sum_{n<=k} KL_n + 2 ln(2m(K+1)/delta_red))/(m-1))",
                tags, notes));
            if (corrected && r.BestTheorem11 is { } b11)
                rows.Add(BoundValue.Of($"SULAM23-T11/{priorLabel}/corrected", "Muthukumar & Sulam 2023", $"Theorem 11, explicit form (prior {priorLabel})", BoundForm.Corrected,
                    b11.Theorem11!.Total, b11.Theorem11.MarginThreshold, "4 zeta_{K+1} gamma_{K+1} of the best grid point",
                    "Theorem 13's chain with Theorem 11's sigma_k = eps_k xi_k/(4 sqrt(2 d_eff + ln(2(K+1) sqrt m))) and 2K (1/m) sum l_sparse",
                    ["DERIVED", "UNVERIFIED"], [priorNote, "Theorem 11 hides its constants in O~(.); this row writes them with Theorem 13's (DERIVED)", .. notes.Skip(1)]));
        }
        return rows;
    }
}
