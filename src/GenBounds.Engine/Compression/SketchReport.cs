using System.Globalization;
using System.Text;

namespace GenBounds.Compression;

/// <summary>Plain-text (Markdown) rendering of sketching experiment results, shared by the CLI and the benchmarks.</summary>
public static class SketchReport
{
    /// <summary>
    /// One row per (p, c_s) cell: sketch sides, j, failures, Clopper–Pearson interval, seconds; then the smallest sufficient c_s
    /// per p, the flatness verdict and the empirical failure exponents (GUHA-T5.1 / GUHA-R5.1, both RECON/UNVERIFIED in the catalog).
    /// </summary>
    public static string Table(SketchExperimentResult r)
    {
        var inv = CultureInfo.InvariantCulture;
        var o = r.Options;
        var sb = new StringBuilder();
        sb.AppendLine(FormattableString.Invariant(
            $"GUHA-T5.1 Monte Carlo (RECON/UNVERIFIED statement): source {r.Source}, decoder {o.Decoder}, convention {o.Convention}, δ_s = ⌈{o.DegreeConstant}·ln p⌉, {o.Trials} trials per cell, target failure ≤ {o.TargetFailureRate} by the {o.Confidence:P0} Clopper–Pearson upper limit, exact = max|X̂−X| ≤ {o.Tolerance:G2}·max|X|"));
        sb.AppendLine();
        sb.AppendLine("| p | c_s | s | δ_s | mean j | mean nnz | failures | rate | CP interval | s² ≥ p² | seconds |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var c in r.Cells)
            sb.AppendLine(string.Format(inv, "| {0} | {1} | {2} | {3} | {4:F1} | {5:F0} | {6}/{7} | {8:F3} | [{9:F3}, {10:F3}] | {11} | {12:F1} |",
                c.P, c.Cs, c.MinSide == c.MaxSide ? c.MinSide.ToString(inv) : $"{c.MinSide}–{c.MaxSide}", c.Degree, c.MeanJ, c.MeanNonZeros,
                c.Failures, c.Trials, c.FailureRate, c.Interval.Lower, c.Interval.Upper, c.SketchNotSmaller ? "yes" : "no", c.Seconds));
        sb.AppendLine();
        sb.AppendLine("| p | smallest sufficient c_s (CP upper ≤ target) | smallest c_s by point estimate |");
        sb.AppendLine("|---|---|---|");
        foreach (int p in o.Sizes)
            sb.AppendLine(string.Format(inv, "| {0} | {1} | {2} |", p, Show(r.SmallestSufficient[p]), Show(r.SmallestByPointEstimate[p])));
        sb.AppendLine();
        sb.AppendLine($"trend of the smallest sufficient c_s over p: {r.Trend}");
        sb.Append("empirical failure exponents c in rate ≈ p^(−c) (GUHA-R5.1; the paper's c₀ is not available to us): ");
        sb.AppendLine(string.Join(", ", r.FailureExponents.Select(kv => string.Format(inv, "c_s={0}: {1}", kv.Key, kv.Value is { } v ? v.ToString("F2", inv) : "n/a"))));
        return sb.ToString();
    }

    private static string Show(double? v) => v is { } x ? x.ToString(CultureInfo.InvariantCulture) : "none on the grid";
}
