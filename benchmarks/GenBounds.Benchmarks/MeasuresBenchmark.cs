using System.Diagnostics;
using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Benchmarks;

/// <summary>
/// Arora-measure throughput on 784-1000-1000-1000-10 (bias-free, PyTorch-default random init: timing only, the values
/// are those of an untrained net). Inputs: MNIST training images from .cache/mnist (IDX, pixels/255) when present,
/// else uniform [0,1] vectors. Args: [exactN=10000] [estimatorN=60000] [probes=8].
/// </summary>
public static class MeasuresBenchmark
{
    public static int Run(string[] args)
    {
        int exactN = args.Length > 0 ? int.Parse(args[0]) : 10_000, estN = args.Length > 1 ? int.Parse(args[1]) : 60_000, probes = args.Length > 2 ? int.Parse(args[2]) : 8;
        var p = LinearAlgebraProviders.Default;
        Console.WriteLine($"provider: {p.Name}");
        var seeds = new SeedStreams(2018);
        var arch = MlpArchitecture.Parse("784-1000-1000-1000-10", bias: false);
        var net = Mlp.InitializeDefault(arch, seeds.Stream(SeedStreams.Names.Init));
        var (x, labels, source) = Inputs(Math.Max(exactN, estN), seeds.Stream(SeedStreams.Names.Data));
        Console.WriteLine($"inputs: {source}; net {arch} random init (PyTorch default)");

        // A stand-in "compressed" net: layer 1 weights + Gaussian noise of 5% relative Frobenius norm.
        var pert = net.Clone(); var w = pert.Layers[0].Weight; var noise = new float[w.Length];
        seeds.Stream(SeedStreams.Names.Projection).FillGaussian(noise);
        double scale = 0.05 * Math.Sqrt(w.Sum(v => (double)v * v) / w.Length);
        for (int k = 0; k < w.Length; k++) w[k] += (float)(scale * noise[k]);

        var sw = Stopwatch.StartNew();
        var exact = NetworkMeasures.Compute(net, x, exactN, labels, new MeasureOptions { Perturbed = pert, Attenuation = true, Rng = seeds.Stream(SeedStreams.Names.MonteCarlo), Provider = p });
        Report($"exact, n = {exactN}", exact, sw.Elapsed.TotalSeconds, arch);
        Console.WriteLine($"  mu_i: {string.Join(" ", Enumerable.Range(1, 4).Select(i => exact.LayerCushion(i).ToString("G3")))}; mu_i->: {string.Join(" ", Enumerable.Range(1, 4).Select(i => exact.MinimalInterlayerCushion(i).ToString("G3")))}; c = {exact.C():G4}; rho(draw) = {exact.Smoothness!.Rho():G3}");
        Console.WriteLine($"  attenuation (inject at 1): {string.Join(" ", Enumerable.Range(1, 4).Select(j => exact.Attenuation!.Summary(1, j).Median.ToString("G3")))}");

        sw.Restart();
        Console.WriteLine($"  dgemm ceiling now: {DgemmRate(p, 1024, 1000, 1000):F1} GFLOP/s (1024x1000x1000)");
        var est = NetworkMeasures.Compute(net, x, estN, labels, new MeasureOptions { ExactJacobians = false, EstimatorProbes = probes, Rng = seeds.Stream(SeedStreams.Names.MonteCarlo), Provider = p });
        Report($"estimator, n = {estN}, {probes} Gaussian probes", est, sw.Elapsed.TotalSeconds, arch);
        return 0;
    }

    private static void Report(string title, NetworkMeasures m, double total, MlpArchitecture arch)
    {
        Console.WriteLine($"{title}: total {total:F1} s");
        foreach (var (k, v) in m.PhaseSeconds)
            Console.WriteLine($"  {k,-12} {v,8:F2} s" + (m.PhaseFlops.TryGetValue(k, out var f) ? $"   {f / 1e9,9:F1} GFLOP in GEMMs, {f / v / 1e9,6:F1} GFLOP/s" : ""));
    }

    private static double DgemmRate(ILinearAlgebraProvider p, int m, int n, int k)
    {
        var a = new double[m * k]; var b = new double[k * n]; var c = new double[m * n];
        new Rng(1).FillGaussian(a.AsSpan()); new Rng(2).FillGaussian(b.AsSpan());
        p.Gemm(Transpose.No, Transpose.No, m, n, k, 1.0, a, k, b, n, 0.0, c, n);
        var sw = Stopwatch.StartNew(); int calls = 0;
        while (sw.Elapsed.TotalSeconds < 1) { p.Gemm(Transpose.No, Transpose.No, m, n, k, 1.0, a, k, b, n, 0.0, c, n); calls++; }
        return 2.0 * m * n * k * calls / sw.Elapsed.TotalSeconds / 1e9;
    }

    private static (float[] X, int[] Y, string Source) Inputs(int n, Rng rng)
    {
        string dir = Path.Combine(FindRoot(), ".cache", "mnist"), img = Path.Combine(dir, "train-images-idx3-ubyte"), lab = Path.Combine(dir, "train-labels-idx1-ubyte");
        if (File.Exists(img) && File.Exists(lab))
        {
            // IDX: big-endian int32 magic, counts, then unsigned bytes (images: 16-byte header, labels: 8-byte header).
            var ib = File.ReadAllBytes(img); var lb = File.ReadAllBytes(lab);
            int count = Math.Min(n, (ib[4] << 24) | (ib[5] << 16) | (ib[6] << 8) | ib[7]);
            var x = new float[n * 784]; var y = new int[n];
            for (int s = 0; s < n; s++)
            {
                int src = s % count;
                for (int k = 0; k < 784; k++) x[s * 784 + k] = ib[16 + src * 784 + k] / 255f;
                y[s] = lb[8 + src];
            }
            return (x, y, $"MNIST train images ({count} distinct)");
        }
        var xr = new float[n * 784]; rng.FillUniform(xr, 0, 1);
        return (xr, Enumerable.Range(0, n).Select(_ => rng.NextInt(10)).ToArray(), "uniform [0,1]^784");
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, ".cache"))) dir = dir.Parent;
        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }
}
