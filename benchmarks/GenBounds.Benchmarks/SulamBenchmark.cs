using System.Diagnostics;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Sparsity;
using GenBounds.Sweeps;

namespace GenBounds.Benchmarks;

/// <summary>
/// Issue 11's speed target for Muthukumar &amp; Sulam (2023): the greedy sparsity vector s*(x, ε) and κ(x, ε) of every one of
/// the 55,000 training images of a width-1000 2-layer bias-free net over the 30-value ε grid linspace(10⁻⁴, 0.05, 30)
/// (Fig. 5's grid, M_X = 28) in under 2 minutes on 2 cores. Arguments: <c>[samples] [width] [model.safetensors]</c>
/// (defaults 55000, 1000, none). Without a model file the net is the X1-recipe P₀ net of seed 1 from the same cache as
/// <c>genbounds reproduce sulam2023-fig5</c> (<c>.cache/sulam2023/models</c>), trained there first if missing (untimed).
/// Prints the load, forward-profile and κ times; only <see cref="ActivityRatios.Compute"/> is the timed figure.
/// </summary>
public static class SulamBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        int samples = args.Length > 0 ? int.Parse(args[0]) : 55000;
        int width = args.Length > 1 ? int.Parse(args[1]) : 1000;
        var la = LinearAlgebraProviders.Default;
        Console.Error.WriteLine($"provider: {la.Name}");
        var (all, _) = Mnist.Load(".cache/mnist");
        var recipe = new SulamRecipeOptions();
        const ulong seed = 1;
        var (train, _) = SulamRecipe.ValidationSplit(all, recipe.Validation, seed);
        var arch = SulamRecipe.Architecture(all.Dimension, [width], 10);
        Mlp net;
        if (args.Length > 2) net = ModelFile.Load(args[2]).Network;
        else
        {
            // The key of SulamActivityTask, so the benchmark and the fig5 sweep share one trained net.
            string key = $"{arch}|{recipe.Describe()}|seed={seed}|subset={train.ContentHash()}|P0";
            var sw0 = Stopwatch.StartNew();
            net = SulamRecipe.Cached(".cache/sulam2023/models", key, () => SulamRecipe.Train(arch, train, null, null, recipe, seed, la));
            Console.Error.WriteLine($"net {arch}: ready in {sw0.Elapsed.TotalSeconds:F1} s (untimed; cached after the first run)");
        }
        var data = samples < train.Count ? train.Take(samples) : train;
        var grid = Enumerable.Range(0, 30).Select(i => 1e-4 + (0.05 - 1e-4) * i / 29.0).ToArray();
        var h = SparseNetwork.FromMlp(net);
        var sw = Stopwatch.StartNew();
        var result = ActivityRatios.Compute(h, data, grid, 28, la);
        double seconds = sw.Elapsed.TotalSeconds;
        Console.WriteLine($"greedy s* and kappa: {data.Count} samples x {grid.Length} eps, net {net.Architecture}: {seconds:F2} s " +
            $"(mean kappa {result.MeanKappa[0]:F3} at eps {grid[0]:G3}, {result.MeanKappa[^1]:F3} at eps {grid[^1]:G3})");
        Console.WriteLine($"{"benchmark (shared machine: provisional)",-74} {"target s",10} {"measured s",10}");
        Console.WriteLine($"{$"greedy s* + kappa, {data.Count} x 30 eps, 784-{width}-10",-74} {120,10} {seconds,10:F1}");
        return 0;
    }
}
