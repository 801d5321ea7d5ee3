using System.Diagnostics;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Bounds;

/// <summary>Which families <see cref="BoundCatalog.Compute"/> evaluates.</summary>
public sealed record BoundCatalogOptions
{
    /// <summary>Options of the norm bounds and Jiang measures.</summary>
    public BoundOptions Norm { get; init; } = new();
    /// <summary>Options of the compression bounds.</summary>
    public CompressionBoundOptions Compression { get; init; } = new();
    /// <summary>Published forms of the norm bounds.</summary>
    public bool Published { get; init; } = true;
    /// <summary>Practical forms.</summary>
    public bool Practical { get; init; } = true;
    /// <summary>Guha et al.'s seed-code rows.</summary>
    public bool SeedCode { get; init; } = true;
    /// <summary>Jiang et al.'s measures.</summary>
    public bool Jiang { get; init; } = true;
    /// <summary>Arora et al.'s Theorem 4.1 (exact Jacobians on a training subset; the slowest family).</summary>
    public bool Arora { get; init; } = true;
    /// <summary>Guha et al.'s Theorem 3.1.</summary>
    public bool Guha { get; init; } = true;
}

/// <summary>The side-by-side table of one network: every row plus the errors it is compared with.</summary>
/// <param name="Architecture">Network shape.</param>
/// <param name="Parameters">Weights and biases.</param>
/// <param name="M">Training-set size m.</param>
/// <param name="TestCount">Test-set size.</param>
/// <param name="TrainError">Training 0-1 error.</param>
/// <param name="TestError">Test 0-1 error.</param>
/// <param name="Rows">Every bound, practical form, seed-code quantity and measure.</param>
/// <param name="Notes">Table-wide notes (what was skipped and why).</param>
/// <param name="Seconds">Wall-clock seconds per family.</param>
public sealed record BoundTable(string Architecture, long Parameters, int M, int TestCount, double TrainError, double TestError,
    IReadOnlyList<BoundValue> Rows, IReadOnlyList<string> Notes, IReadOnlyDictionary<string, double> Seconds);

/// <summary>One entry point for every bound of issue 10 (one code path: every family reads the same <see cref="BoundInputs"/>).</summary>
public static class BoundCatalog
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> with a clear message for inputs the bounds cannot be computed on: no positive
    /// training margin, a network at chance level, δ outside (0, 1).
    /// </summary>
    public static void Validate(BoundInputs b, BoundCatalogOptions o)
    {
        foreach (var (name, delta) in new[] { ("δ of the norm bounds", o.Norm.Delta), ("δ of the compression bounds", o.Compression.Delta) })
            if (!(delta > 0 && delta < 1)) throw new ArgumentException($"{name} must lie strictly between 0 and 1 (got {delta})");
        if (!(b.SortedMargins[^1] > 0)) throw new ArgumentException("the network has no positive training margin (every training point is misclassified or tied): margin bounds are undefined");
        double chance = 1 - 1.0 / b.Classes;
        if (b.TrainError >= chance - 0.02)
            throw new ArgumentException($"the network looks untrained: training error {b.TrainError:P1} is at chance level ({chance:P1} for {b.Classes} classes)");
    }

    /// <summary>Measures the network once and evaluates every family selected in <paramref name="o"/>.</summary>
    public static BoundTable Compute(Mlp net, Mlp? initialization, Dataset train, Dataset test, BoundCatalogOptions o, ILinearAlgebraProvider la, Action<string>? progress = null)
    {
        var sw = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>();
        void Lap(string family) { seconds[family] = sw.Elapsed.TotalSeconds; sw.Restart(); }
        progress?.Invoke("norms and margins");
        var b = BoundInputs.Compute(net, initialization, train, test, la);
        Validate(b, o);
        Lap("inputs");
        var rows = new List<BoundValue>();
        var notes = new List<string>();
        if (o.Published)
        {
            progress?.Invoke("published norm bounds");
            rows.AddRange(NormBounds.Published(b, o.Norm));
            if (o.Norm.Sharpness) { progress?.Invoke("expected-sharpness PAC-Bayes bound (Monte Carlo over a σ grid)"); rows.Add(SharpnessBound.Compute(b, train, o.Norm.Delta, o.Norm.Seed, la)); }
            else notes.Add("Neyshabur et al. 2017's expected-sharpness bound skipped (Monte Carlo families off)");
            Lap("published");
        }
        if (o.Practical) { progress?.Invoke("practical forms"); rows.AddRange(NormBounds.Practical(b, o.Norm)); Lap("practical"); }
        if (o.SeedCode) { rows.AddRange(NormBounds.SeedCode(b)); Lap("seed-code"); }
        if (o.Jiang) { progress?.Invoke("Jiang et al. measures" + (o.Norm.Sharpness ? " (σ searches)" : "")); rows.AddRange(JiangMeasures.Compute(b, o.Norm, train, la)); Lap("jiang"); }
        else notes.Add("Jiang et al. measures skipped");
        if (o.Arora) { progress?.Invoke("Arora et al. Theorem 4.1 (exact Jacobians)"); rows.AddRange(CompressionBounds.Arora(b, train, o.Compression, la)); Lap("arora"); }
        else notes.Add("Arora et al. Theorem 4.1 skipped");
        if (o.Guha) { progress?.Invoke("Guha et al. Theorem 3.1 (pruning, rounding)"); rows.AddRange(CompressionBounds.Guha(b, train, o.Compression, la)); Lap("guha"); }
        else notes.Add("Guha et al. Theorem 3.1 skipped");
        if (b.Initialization is null) notes.Add("the random initialisation W⁰ is unknown: rows that need it use the reference 0 and say so");
        return new BoundTable(net.Architecture.ToString(), net.Architecture.ParameterCount, b.M, b.TestCount, b.TrainError, b.TestError, rows, notes, seconds);
    }
}
