using System.Diagnostics;
using GenBounds.LinearAlgebra;

namespace GenBounds.Benchmarks;

/// <summary>Raw cblas_sgemm rate on the GEMM shapes of MLP training (the ceiling the trainer is measured against).</summary>
public static class GemmBenchmark
{
    /// <summary>Prints GFLOP/s of C = A·B for each m×n×k given as arguments (default: 128×1000×1000 family).</summary>
    public static int Run(string[] args)
    {
        var p = LinearAlgebraProviders.Default;
        Console.WriteLine($"provider: {p.Name}");
        var shapes = args.Length > 0
            ? args.Select(s => s.Split('x').Select(int.Parse).ToArray()).ToArray()
            : new[] { new[] { 128, 1000, 784 }, new[] { 128, 1000, 1000 }, new[] { 1000, 1000, 128 }, new[] { 128, 784, 1000 } };
        foreach (var s in shapes)
            Console.WriteLine($"{s[0]}x{s[1]}x{s[2]}: {Rate(p, s[0], s[1], s[2]):F1} GFLOP/s");
        return 0;
    }

    /// <summary>Best-of-5 GFLOP/s over repeated calls of at least 0.2 s each.</summary>
    public static double Rate(ILinearAlgebraProvider p, int m, int n, int k)
    {
        var rng = new Random.Rng(1);
        var a = new float[m * k]; var b = new float[k * n]; var c = new float[m * n];
        rng.FillGaussian(a); rng.FillGaussian(b);
        for (int i = 0; i < 3; i++) p.Gemm(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, c, n);
        double best = 0;
        for (int rep = 0; rep < 5; rep++)
        {
            int calls = 0; var sw = Stopwatch.StartNew();
            while (sw.Elapsed.TotalSeconds < 0.2) { p.Gemm(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, c, n); calls++; }
            best = Math.Max(best, 2.0 * m * n * k * calls / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }
}
