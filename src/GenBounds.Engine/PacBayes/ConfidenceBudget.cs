using System.Globalization;

namespace GenBounds.PacBayes;

/// <summary>
/// A total failure probability δ split into named parts (e.g. "PAC-Bayes", "Monte Carlo", "prior-variance grid"). A
/// certificate that combines several high-probability statements holds with probability ≥ 1 − Σ parts by the union
/// bound; this class makes that sum explicit and refuses to over-spend it.
/// </summary>
public sealed class ConfidenceBudget
{
    private readonly List<(string Name, double Delta)> _parts = [];

    /// <summary>A budget of total failure probability <paramref name="total"/> ∈ (0, 1).</summary>
    public ConfidenceBudget(double total)
    {
        CheckDelta(total, nameof(total));
        Total = total;
    }

    /// <summary>The total δ.</summary>
    public double Total { get; }
    /// <summary>The parts allocated so far, in order.</summary>
    public IReadOnlyList<(string Name, double Delta)> Parts => _parts;
    /// <summary>δ not yet allocated.</summary>
    public double Remaining => Total - _parts.Sum(p => p.Delta);

    /// <summary>Allocates <paramref name="delta"/> to the statement <paramref name="name"/>; throws when the budget would be exceeded.</summary>
    public double Allocate(string name, double delta)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        CheckDelta(delta, nameof(delta));
        if (_parts.Any(p => p.Name == name)) throw new ArgumentException($"confidence part '{name}' is already allocated", nameof(name));
        if (delta > Remaining * (1 + 1e-12)) throw new InvalidOperationException($"allocating δ = {delta} to '{name}' exceeds the remaining budget {Remaining} of δ = {Total}");
        _parts.Add((name, delta));
        return delta;
    }

    /// <summary>e.g. <c>δ = 0.035 = 0.025 (PAC-Bayes) + 0.01 (Monte Carlo)</c>.</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        string parts = string.Join(" + ", _parts.Select(p => string.Format(inv, "{0:G6} ({1})", p.Delta, p.Name)));
        return string.Format(inv, "δ = {0:G6}", _parts.Sum(p => p.Delta)) + (parts.Length > 0 ? " = " + parts : "");
    }

    /// <summary>Throws unless <paramref name="delta"/> lies strictly between 0 and 1.</summary>
    public static void CheckDelta(double delta, string name)
    {
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(name, delta, $"the confidence parameter {name} must lie strictly between 0 and 1");
    }
}

/// <summary>
/// Union bounds over grids fixed before the data are seen: each grid point j gets its own share δ_j with Σ_j δ_j ≤ δ,
/// and a statement then holds for all grid points simultaneously with probability ≥ 1 − δ, so the best point may be
/// chosen after looking at the data.
/// </summary>
public static class UnionBound
{
    /// <summary>δ/T for each of T grid points.</summary>
    public static double Uniform(double delta, long count)
    {
        ConfidenceBudget.CheckDelta(delta, nameof(delta));
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "a grid needs at least one point");
        return delta / count;
    }

    /// <summary>
    /// Dziugaite–Roy's weights over j = 1, 2, …: δ_j = 6δ/(π² j²) (Σ_j δ_j = δ). In a bound this costs
    /// ln(1/δ_j) = ln(π²/(6δ)) + 2 ln j.
    /// </summary>
    public static double Polynomial(double delta, long j)
    {
        ConfidenceBudget.CheckDelta(delta, nameof(delta));
        if (j < 1) throw new ArgumentOutOfRangeException(nameof(j), j, "grid index j must be ≥ 1");
        return 6 * delta / (Math.PI * Math.PI * (double)j * j);
    }

    /// <summary>
    /// Weights over all integers k (e.g. exponents of a dyadic grid 2^k): δ_k = δ/(Z (|k| + 1)²) with
    /// Z = Σ_{k∈ℤ} (|k| + 1)^{−2} = π²/3 − 1, so Σ_k δ_k = δ.
    /// </summary>
    public static double Integer(double delta, long k)
    {
        ConfidenceBudget.CheckDelta(delta, nameof(delta));
        double a = Math.Abs((double)k) + 1;
        return delta / ((Math.PI * Math.PI / 3 - 1) * a * a);
    }
}

/// <summary>
/// Dziugaite–Roy's prior-variance grid λ_j = c·e^{−j/b}, j = 1, 2, … (c = 0.1, b = 100 in their code), with the
/// weights of <see cref="UnionBound.Polynomial"/>. A learned λ is rounded to the two neighbouring grid points; both
/// are covered by the union bound, so the smaller of the two bounds may be kept.
/// </summary>
public sealed record PriorVarianceGrid(double Base = 0.1, double Precision = 100)
{
    /// <summary>λ_j = c·e^{−j/b}.</summary>
    public double Value(long j)
    {
        Validate();
        if (j < 1) throw new ArgumentOutOfRangeException(nameof(j), j, "grid index j must be ≥ 1");
        return Base * Math.Exp(-j / Precision);
    }

    /// <summary>The grid indices just below and above λ (j = b ln(c/λ) rounded up and down; both ≥ 1).</summary>
    public (long Lower, long Upper) Neighbours(double lambda)
    {
        Validate();
        if (!(lambda > 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be positive and finite");
        double j = Precision * Math.Log(Base / lambda);
        long lo = Math.Max(1, (long)Math.Floor(j)), hi = Math.Max(1, (long)Math.Ceiling(j));
        return (lo, hi);
    }

    private void Validate()
    {
        if (!(Base > 0) || !(Precision > 0)) throw new InvalidOperationException($"grid base c = {Base} and precision b = {Precision} must be positive");
    }
}
