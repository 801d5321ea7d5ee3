using System.Diagnostics;
using GenBounds.Measures;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>Where the matrices of a sketching experiment come from. Implementations must be thread-safe (draws run in parallel).</summary>
public abstract class SketchMatrixSource
{
    /// <summary>Short name recorded in results and in the stream names (e.g. <c>synthetic-j4</c>).</summary>
    public abstract string Name { get; }
    /// <summary>Largest p this source can provide.</summary>
    public abstract int MaxSize { get; }
    /// <summary>Draws one p×p matrix (row-major) from <paramref name="rng"/>.</summary>
    public abstract double[] Draw(int p, Rng rng);
}

/// <summary>Synthetic (j, j)-distributed-sparse matrices with a non-zero diagonal (<see cref="DistributedSparse.Sample"/>).</summary>
public sealed class SyntheticSketchSource(int j) : SketchMatrixSource
{
    /// <summary>Nominal j (the diagonal plus j − 1 matchings).</summary>
    public int J { get; } = j >= 1 ? j : throw new ArgumentOutOfRangeException(nameof(j), "j must be at least 1");
    /// <inheritdoc />
    public override string Name => $"synthetic-j{J}";
    /// <inheritdoc />
    public override int MaxSize => 1 << 20;
    /// <inheritdoc />
    public override double[] Draw(int p, Rng rng) => DistributedSparse.Sample(p, p, J, rng);
}

/// <summary>
/// The top-left p×p block of a trained layer, pruned by GUHA-ALG1 at strength d with a fresh mask per draw (weights fixed, the
/// mask resampled: the catalog's real-network mode). Ψ is the whole layer's variance, as the algorithm uses it; the diagonal
/// policy defaults to the paper's (kept), which gives the non-zero diagonal of GUHA-D5.1.
/// </summary>
public sealed class PrunedLayerSketchSource : SketchMatrixSource
{
    private readonly float[] _weight;
    private readonly int _rows, _cols;
    private readonly double _psi;

    /// <summary>Source over the rows×cols row-major <paramref name="weight"/>, pruned at strength <paramref name="d"/>.</summary>
    public PrunedLayerSketchSource(string name, ReadOnlySpan<float> weight, int rows, int cols, double d, DiagonalPolicy diagonal = DiagonalPolicy.Keep)
    {
        if (rows <= 0 || cols <= 0 || weight.Length != (long)rows * cols) throw new ArgumentException($"weight buffer of {weight.Length} entries does not match {rows}×{cols}");
        _weight = weight.ToArray(); _rows = rows; _cols = cols;
        _psi = MagnitudePruning.PopulationVariance(weight);
        if (!(_psi > 0)) throw new ArgumentException("the layer is constant (Ψ = 0): magnitude pruning has no scale");
        D = d; Diagonal = diagonal;
        _ = MagnitudePruning.KeepProbabilityGaussian(d);   // validates d
        Name = name;
    }

    /// <inheritdoc />
    public override string Name { get; }
    /// <summary>Pruning strength d.</summary>
    public double D { get; }
    /// <summary>Diagonal policy of the pruning.</summary>
    public DiagonalPolicy Diagonal { get; }
    /// <inheritdoc />
    public override int MaxSize => Math.Min(_rows, _cols);

    /// <inheritdoc />
    public override double[] Draw(int p, Rng rng)
    {
        if (p <= 0 || p > MaxSize) throw new ArgumentOutOfRangeException(nameof(p), $"block side {p} must be in 1..{MaxSize}");
        var block = new float[p * p];
        for (int i = 0; i < p; i++) _weight.AsSpan(i * _cols, p).CopyTo(block.AsSpan(i * p, p));
        var mask = MagnitudePruning.SampleMask(block, p, p, D, _psi, Diagonal, rng);
        var pruned = mask.Apply(block);
        return Array.ConvertAll(pruned, v => (double)v);
    }
}

/// <summary>Which decoder a sketching experiment runs.</summary>
public enum SketchDecoder
{
    /// <summary>Column-by-column, then row-by-row ℓ1 (<see cref="L1Recovery.TryRecoverExactly"/>): the scalable decoder.</summary>
    TwoStage,
    /// <summary>GUHA-EQ1's joint program over all p² unknowns (<see cref="L1Recovery.RecoverJoint"/>): small p only.</summary>
    Joint,
}

/// <summary>Settings of the GUHA-T5.1 / GUHA-R5.1 Monte Carlo.</summary>
public sealed record SketchExperimentOptions
{
    /// <summary>Matrix sides p.</summary>
    public IReadOnlyList<int> Sizes { get; init; } = [50, 100, 200];
    /// <summary>Grid of c_s in s = ⌈c_s·√(j·p)·ln p⌉, increasing.</summary>
    public IReadOnlyList<double> SketchConstants { get; init; } = [0.25, 0.5, 0.75, 1.0, 1.5];
    /// <summary>c_δ in δ_s = ⌈c_δ·ln p⌉.</summary>
    public double DegreeConstant { get; init; } = 1.0;
    /// <summary>Bipartite convention of A and B (GUHA-DE.1; UNVERIFIED which one Dasarathy et al. use).</summary>
    public BipartiteConvention Convention { get; init; } = BipartiteConvention.RightRegular;
    /// <summary>Trials per (p, c_s) cell.</summary>
    public int Trials { get; init; } = 200;
    /// <summary>Failure rate a sketch size must meet (by the Clopper–Pearson upper limit).</summary>
    public double TargetFailureRate { get; init; } = 0.05;
    /// <summary>Two-sided confidence of the Clopper–Pearson intervals.</summary>
    public double Confidence { get; init; } = 0.99;
    /// <summary>A trial succeeds when max|X̂ − X| ≤ tolerance·max|X|.</summary>
    public double Tolerance { get; init; } = 1e-6;
    /// <summary>Trials solved in parallel (each trial is single-threaded; results do not depend on this).</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Master seed.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>
    /// Decoder. The two-stage decoder is weaker than the joint program (it fails on instances the joint program recovers), so
    /// its smallest sufficient c_s is an upper bound for GUHA-EQ1's.
    /// </summary>
    public SketchDecoder Decoder { get; init; } = SketchDecoder.TwoStage;

    /// <summary>Throws <see cref="ArgumentException"/> on any out-of-range value.</summary>
    public void Validate()
    {
        if (Sizes.Count == 0 || Sizes.Any(p => p < 2)) throw new ArgumentException("sizes must be at least 2");
        if (SketchConstants.Count == 0 || SketchConstants.Any(c => !(c > 0) || double.IsInfinity(c))) throw new ArgumentException("sketch constants must be positive");
        for (int i = 1; i < SketchConstants.Count; i++)
            if (!(SketchConstants[i] > SketchConstants[i - 1])) throw new ArgumentException("sketch constants must be strictly increasing");
        if (!(DegreeConstant > 0)) throw new ArgumentException("the degree constant must be positive");
        if (Trials < 1) throw new ArgumentException("trials must be at least 1");
        if (!(TargetFailureRate > 0 && TargetFailureRate < 1)) throw new ArgumentException("the target failure rate must be in (0, 1)");
        if (!(Confidence > 0 && Confidence < 1)) throw new ArgumentException("confidence must be in (0, 1)");
        if (!(Tolerance > 0)) throw new ArgumentException("tolerance must be positive");
        if (Threads < 1) throw new ArgumentException("threads must be at least 1");
    }
}

/// <summary>One (p, c_s) cell of the experiment.</summary>
/// <param name="P">Matrix side.</param>
/// <param name="Cs">c_s.</param>
/// <param name="Degree">δ_s used.</param>
/// <param name="Trials">Trials run.</param>
/// <param name="Failures">Trials where two-stage ℓ1 recovery did not return X within tolerance.</param>
/// <param name="Interval">Clopper–Pearson interval of the failure probability.</param>
/// <param name="MeanJ">Mean of j = max(j_r, j_c) over the drawn matrices.</param>
/// <param name="MinSide">Smallest sketch side s drawn (s depends on each matrix's j).</param>
/// <param name="MaxSide">Largest sketch side s.</param>
/// <param name="MeanNonZeros">Mean number of non-zeros of the drawn matrices.</param>
/// <param name="Seconds">Wall time of the cell.</param>
public sealed record SketchCell(int P, double Cs, int Degree, int Trials, int Failures, ProportionInterval Interval, double MeanJ,
    int MinSide, int MaxSide, double MeanNonZeros, double Seconds)
{
    /// <summary>Observed failure rate F/N.</summary>
    public double FailureRate => Failures / (double)Trials;
    /// <summary>Whether s² ≥ p·p for some draw: the sketch then holds at least as many numbers as the dense matrix.</summary>
    public bool SketchNotSmaller => (long)MaxSide * MaxSide >= (long)P * P;
}

/// <summary>Whether the smallest sufficient c_s stays flat in p (the only falsifiable content of the O(·) in GUHA-T5.1).</summary>
public enum ConstantTrend
{
    /// <summary>Every size has a sufficient c_s and they lie within one grid step of each other.</summary>
    Flat,
    /// <summary>The smallest sufficient c_s increases by more than one grid step from the smallest to the largest p.</summary>
    Grows,
    /// <summary>It decreases by more than one grid step.</summary>
    Shrinks,
    /// <summary>Some size has no sufficient c_s on the grid (or only one size was run).</summary>
    Undetermined,
}

/// <summary>Result of <see cref="SketchExperiment.Run"/>.</summary>
/// <param name="Source">Matrix source name.</param>
/// <param name="Options">The settings.</param>
/// <param name="Cells">Cells in (p, c_s) order.</param>
/// <param name="SmallestSufficient">Per p, the smallest c_s on the grid whose Clopper–Pearson upper limit is ≤ the target (null if none).</param>
/// <param name="SmallestByPointEstimate">Per p, the smallest c_s whose observed failure rate is ≤ the target (null if none).</param>
/// <param name="Trend">Flatness verdict over p for <paramref name="SmallestSufficient"/>.</param>
/// <param name="FailureExponents">
/// Per c_s, the least-squares slope c of ln(failure rate) ≈ −c·ln p + const over the sizes with 0 &lt; F &lt; N (null with fewer
/// than two such sizes): the empirical counterpart of the exponent in 1 − p^{−c} (GUHA-R5.1, whose c₀ the catalog does not have).
/// </param>
/// <param name="Seconds">Wall time.</param>
public sealed record SketchExperimentResult(string Source, SketchExperimentOptions Options, IReadOnlyList<SketchCell> Cells,
    IReadOnlyDictionary<int, double?> SmallestSufficient, IReadOnlyDictionary<int, double?> SmallestByPointEstimate, ConstantTrend Trend,
    IReadOnlyDictionary<double, double?> FailureExponents, double Seconds);

/// <summary>Progress of the Monte Carlo: cells done out of the total.</summary>
public readonly record struct SketchProgress(int CellsDone, int Cells, SketchCell Last);

/// <summary>
/// The Monte Carlo behind GUHA-T5.1 and GUHA-R5.1: for each p and c_s, draw a matrix, A and B, sketch, recover with the
/// two-stage ℓ1 decoder (<see cref="L1Recovery"/>), count failures, and form Clopper–Pearson intervals. A trial's matrix comes
/// from the stream <c>sketch-mc/SOURCE/p-P/trial-T/matrix</c> (shared by every c_s: common random numbers make the c_s columns
/// comparable) and its A, B from <c>sketch-mc/SOURCE/p-P/cs-I/trial-T/A</c> and <c>/B</c>; results are independent of the
/// thread count.
/// </summary>
public static class SketchExperiment
{
    /// <summary>Runs every cell of <paramref name="options"/> on <paramref name="source"/>.</summary>
    public static SketchExperimentResult Run(SketchMatrixSource source, SketchExperimentOptions options, Action<SketchProgress>? progress = null)
    {
        options.Validate();
        foreach (int p in options.Sizes)
            if (p > source.MaxSize) throw new ArgumentException($"source {source.Name} provides matrices up to {source.MaxSize}×{source.MaxSize}, not {p}×{p}");
        var total = Stopwatch.StartNew();
        var cells = new List<SketchCell>();
        int nCells = options.Sizes.Count * options.SketchConstants.Count;
        foreach (int p in options.Sizes)
        {
            // Matrices are drawn once per (p, trial) and shared by every c_s.
            var matrices = new double[options.Trials][];
            var js = new int[options.Trials];
            Parallel.For(0, options.Trials, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, t =>
            {
                var rng = new Rng(SeedStreams.Derive(options.Seed, $"sketch-mc/{source.Name}/p-{p}/trial-{t}/matrix"));
                matrices[t] = source.Draw(p, rng);
                js[t] = DistributedSparse.MaxLineCount(matrices[t], p, p);
            });
            for (int ci = 0; ci < options.SketchConstants.Count; ci++)
            {
                double cs = options.SketchConstants[ci];
                var sw = Stopwatch.StartNew();
                var failed = new bool[options.Trials];
                var sides = new int[options.Trials];
                Parallel.For(0, options.Trials, new ParallelOptions { MaxDegreeOfParallelism = options.Threads }, t =>
                {
                    int s = SketchSizing.Side(cs, js[t], p);
                    int deg = SketchSizing.Degree(options.DegreeConstant, p, s);
                    sides[t] = s;
                    string stem = $"sketch-mc/{source.Name}/p-{p}/cs-{ci}/trial-{t}";
                    var a = Sketching.SampleBipartite(s, p, deg, options.Convention, new Rng(SeedStreams.Derive(options.Seed, stem + "/A")));
                    var b = Sketching.SampleBipartite(s, p, deg, options.Convention, new Rng(SeedStreams.Derive(options.Seed, stem + "/B")));
                    if (options.Decoder == SketchDecoder.TwoStage)
                        failed[t] = !L1Recovery.TryRecoverExactly(a, b, matrices[t], options.Tolerance).Exact;
                    else
                    {
                        var r = L1Recovery.RecoverJoint(a, b, Sketching.SketchSparse(a, b, matrices[t]), maxUnknowns: int.MaxValue);
                        failed[t] = r.NotOptimal > 0 || r.RelativeError(matrices[t]) > options.Tolerance;
                    }
                });
                int f = failed.Count(x => x);
                var cell = new SketchCell(p, cs, SketchSizing.Degree(options.DegreeConstant, p, sides.Min()), options.Trials, f,
                    ClopperPearson.Interval(f, options.Trials, options.Confidence), js.Average(), sides.Min(), sides.Max(),
                    matrices.Average(m => (double)m.Count(v => v != 0)), sw.Elapsed.TotalSeconds);
                cells.Add(cell);
                progress?.Invoke(new SketchProgress(cells.Count, nCells, cell));
            }
        }
        return Summarise(source.Name, options, cells, total.Elapsed.TotalSeconds);
    }

    /// <summary>Builds the per-size verdicts, the flatness trend and the failure exponents from finished cells.</summary>
    public static SketchExperimentResult Summarise(string source, SketchExperimentOptions options, IReadOnlyList<SketchCell> cells, double seconds)
    {
        var grid = options.SketchConstants;
        var sufficient = new Dictionary<int, double?>();
        var point = new Dictionary<int, double?>();
        foreach (int p in options.Sizes)
        {
            var row = cells.Where(c => c.P == p).OrderBy(c => c.Cs).ToList();
            sufficient[p] = row.FirstOrDefault(c => c.Interval.Upper <= options.TargetFailureRate)?.Cs;
            point[p] = row.FirstOrDefault(c => c.FailureRate <= options.TargetFailureRate)?.Cs;
        }
        var trend = ConstantTrend.Undetermined;
        if (options.Sizes.Count >= 2 && sufficient.Values.All(v => v.HasValue))
        {
            var idx = options.Sizes.OrderBy(p => p).Select(p => IndexOf(grid, sufficient[p]!.Value)).ToList();
            int first = idx[0], last = idx[^1], spread = idx.Max() - idx.Min();
            trend = spread <= 1 ? ConstantTrend.Flat : last > first ? ConstantTrend.Grows : last < first ? ConstantTrend.Shrinks : ConstantTrend.Undetermined;
        }
        var exponents = new Dictionary<double, double?>();
        foreach (double cs in grid)
        {
            var pts = cells.Where(c => c.Cs == cs && c.Failures > 0 && c.Failures < c.Trials)
                           .Select(c => (X: Math.Log(c.P), Y: Math.Log(c.FailureRate))).ToList();
            if (pts.Select(q => q.X).Distinct().Count() < 2) { exponents[cs] = null; continue; }
            double mx = pts.Average(q => q.X), my = pts.Average(q => q.Y);
            double sxy = pts.Sum(q => (q.X - mx) * (q.Y - my)), sxx = pts.Sum(q => (q.X - mx) * (q.X - mx));
            exponents[cs] = -sxy / sxx;
        }
        return new SketchExperimentResult(source, options, cells, sufficient, point, trend, exponents, seconds);
    }

    private static int IndexOf(IReadOnlyList<double> grid, double v)
    {
        for (int i = 0; i < grid.Count; i++) if (grid[i] == v) return i;
        return -1;
    }
}
