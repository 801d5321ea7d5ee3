using System.Diagnostics;
using GenBounds.Compression;
using GenBounds.IO;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Benchmarks;

/// <summary>
/// Sketch + two-stage ℓ1 recovery speed (GUHA-EQ1 / T5.1). Modes:
/// <c>recover [p] [density] [s | cs=C] [cdelta] [threads] [model]</c>: one pruned p×p layer (magnitude pruning to the given density of a
/// N(0, 1/p) matrix, or of layer 1 of a model file when given) sketched with s×p matrices and recovered; prints one line
/// per run with sizes, j, error and seconds.
/// <c>mc [trials] [threads] [sizes] [constants] [j]</c>: the T5.1 Monte Carlo on synthetic (j, j)-sparse matrices; prints the table.
/// </summary>
public static class SketchBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "recover";
        return mode switch
        {
            "recover" => Recover(args[1..]),
            "mc" => MonteCarlo(args[1..]),
            _ => throw new ArgumentException($"unknown mode '{mode}' (recover or mc)"),
        };
    }

    private static int Recover(string[] args)
    {
        int p = args.Length > 0 ? int.Parse(args[0]) : 1000;
        double density = args.Length > 1 ? double.Parse(args[1]) : 0.1;
        string sideArg = args.Length > 2 ? args[2] : "cs=1";
        double cDelta = args.Length > 3 ? double.Parse(args[3]) : 1.0;
        int threads = args.Length > 4 ? int.Parse(args[4]) : Environment.ProcessorCount;
        string? model = args.Length > 5 ? args[5] : null;
        float[] w;
        if (model is null)
        {
            w = new float[p * p];
            new Rng(11).FillGaussian(w, 0, 1 / Math.Sqrt(p));
        }
        else
        {
            var (net, _) = ModelFile.Load(model);
            var layer = net.Layers.First(l => l.In >= p && l.Out >= p);
            w = new float[p * p];
            for (int i = 0; i < p; i++) layer.Weight.AsSpan(i * layer.In, p).CopyTo(w.AsSpan(i * p, p));
        }
        // Deterministic magnitude pruning to the target density (open_lth style: smallest magnitudes removed).
        var one = new Mlp(new MlpArchitecture([p, p], bias: false));
        w.CopyTo(one.Layers[0].Weight, 0);
        var masks = IterativePruning.PruneRound(one, NetworkMasks.Ones(one.Architecture), 1 - density, PruningScope.LayerWise).Masks;
        var x = Array.ConvertAll(masks.Layers[0].Apply(w), v => (double)v);
        int j = DistributedSparse.MaxLineCount(x, p, p);
        // "cs=C": the theorem's side s = ⌈C·√(j·p)·ln p⌉ for the measured j; a plain number: that side.
        int s = sideArg.StartsWith("cs=", StringComparison.Ordinal) ? SketchSizing.Side(double.Parse(sideArg[3..]), j, p) : int.Parse(sideArg);
        int deg = SketchSizing.Degree(cDelta, p, s);
        var a = Sketching.SampleBipartite(s, p, deg, BipartiteConvention.RightRegular, new Rng(SeedStreams.Derive(1, "bench/A")));
        var b = Sketching.SampleBipartite(s, p, deg, BipartiteConvention.RightRegular, new Rng(SeedStreams.Derive(1, "bench/B")));
        var sw = Stopwatch.StartNew();
        var y = Sketching.SketchSparse(a, b, x);
        double tSketch = sw.Elapsed.TotalSeconds;
        var r = L1Recovery.RecoverTwoStage(a, b, y, threads);
        Console.WriteLine($"p={p} density={density} nnz={x.Count(v => v != 0)} j={j} s={s} delta={deg} threads={threads}: " +
            $"rel error {r.RelativeError(x):E2}, programs {r.Programs} (not optimal {r.NotOptimal}), simplex iterations {r.Iterations}, " +
            $"sketch {tSketch:F2} s, recovery {r.Seconds:F2} s; s_theory(c_s=1) = {SketchSizing.Side(1, j, p)}; sketch numbers {(long)s * s} vs nnz {x.Count(v => v != 0)}");
        return 0;
    }

    private static int MonteCarlo(string[] args)
    {
        int trials = args.Length > 0 ? int.Parse(args[0]) : 200;
        int threads = args.Length > 1 ? int.Parse(args[1]) : Environment.ProcessorCount;
        var sizes = (args.Length > 2 ? args[2] : "50,100,200").Split(',').Select(int.Parse).ToArray();
        var cs = (args.Length > 3 ? args[3] : "0.25,0.5,0.75,1,1.5").Split(',').Select(double.Parse).ToArray();
        int jj = args.Length > 4 ? int.Parse(args[4]) : 4;
        var opts = new SketchExperimentOptions { Sizes = sizes, SketchConstants = cs, Trials = trials, Threads = threads };
        var r = SketchExperiment.Run(new SyntheticSketchSource(jj), opts,
            pr => Console.Error.WriteLine($"  cell {pr.CellsDone}/{pr.Cells}: p={pr.Last.P} c_s={pr.Last.Cs} s={pr.Last.MinSide}..{pr.Last.MaxSide} failures {pr.Last.Failures}/{pr.Last.Trials} {pr.Last.Seconds:F1}s"));
        Console.WriteLine(SketchReport.Table(r));
        Console.WriteLine($"total {r.Seconds:F1} s ({trials} trials per cell, {threads} threads)");
        return 0;
    }
}
