namespace GenBounds.Bounds;

/// <summary>
/// What kind of number a row is. Forms are never mixed: a published bound, a practitioner's capacity term and a seed
/// paper's code quantity differ by constants, logs and confidence terms, and only the first bounds the test error.
/// </summary>
public enum BoundForm
{
    /// <summary>The paper's statement with every constant, log factor, confidence term and union bound: a real upper bound on the test error (with probability ≥ 1 − δ).</summary>
    Published,
    /// <summary>A paper's statement corrected where the catalog found it wrong (e.g. Arora et al.'s factor-2 margin slip): a real bound.</summary>
    Corrected,
    /// <summary>The constant-free capacity term as practitioners compute it (<c>bneyshabur/generalization-bounds</c>): not a bound.</summary>
    Practical,
    /// <summary>The quantity a seed paper's code put in its table (Guha et al. 2023's baseline rows): not a bound.</summary>
    SeedCode,
    /// <summary>A generalization measure of Jiang et al. (2020) as Dziugaite et al.'s re-implementation reports it: not a bound.</summary>
    Measure,
}

/// <summary>One number of the side-by-side table, labelled with its source and its form.</summary>
/// <param name="Id">Stable identifier, e.g. <c>NTS15-frobenius/published</c>.</param>
/// <param name="Source">Short citation of the paper whose statement or code defines the number.</param>
/// <param name="Name">What is bounded or measured, e.g. "Frobenius (group norm p = q = 2)".</param>
/// <param name="Form">Published, corrected, practical, seed-code or measure.</param>
/// <param name="Value">The number (may be +∞ when a margin is ≤ 0; then <see cref="LogValue"/> is +∞ too).</param>
/// <param name="LogValue">Its natural logarithm, computed in log space (products of norms overflow float64 for deep nets).</param>
/// <param name="Gamma">The margin γ used (NaN when none).</param>
/// <param name="GammaRule">How γ was chosen, e.g. "5th percentile of the training margins".</param>
/// <param name="Formula">The formula evaluated, in plain text.</param>
/// <param name="Tags">Catalog provenance tags (RECALLED, UNVERIFIED, DERIVED, PAPER-ISSUE, …).</param>
/// <param name="Notes">Caveats: hypotheses not met, conventions chosen, sample sizes.</param>
public sealed record BoundValue(string Id, string Source, string Name, BoundForm Form, double Value, double LogValue, double Gamma, string GammaRule,
    string Formula, IReadOnlyList<string> Tags, IReadOnlyList<string> Notes)
{
    /// <summary>Whether the number is an upper bound on a test error (published or corrected forms).</summary>
    public bool IsBound => Form is BoundForm.Published or BoundForm.Corrected;

    /// <summary>For bounds: whether the value is ≥ 1 (says nothing about a 0-1 error). Null for numbers that are not bounds.</summary>
    public bool? Vacuous => IsBound ? Value >= 1 || double.IsNaN(Value) : null;

    /// <summary>A value from its logarithm (exp overflows to +∞ for huge capacities, which is what the value is then).</summary>
    public static BoundValue FromLog(string id, string source, string name, BoundForm form, double logValue, double gamma, string gammaRule, string formula,
        IReadOnlyList<string> tags, IReadOnlyList<string> notes) =>
        new(id, source, name, form, Math.Exp(logValue), logValue, gamma, gammaRule, formula, tags, notes);

    /// <summary>A value given directly.</summary>
    public static BoundValue Of(string id, string source, string name, BoundForm form, double value, double gamma, string gammaRule, string formula,
        IReadOnlyList<string> tags, IReadOnlyList<string> notes) =>
        new(id, source, name, form, value, value > 0 ? Math.Log(value) : value == 0 ? double.NegativeInfinity : double.NaN, gamma, gammaRule, formula, tags, notes);
}
