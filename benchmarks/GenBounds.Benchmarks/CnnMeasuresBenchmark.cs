using System.Diagnostics;
using System.Text.Json;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// All Arora measures, exact, on the first n MNIST training points of a bias-free 4-convolution network trained for one
/// epoch (batch 128, Adam, seed 1): norms (kernel and operator), layer cushions, contraction, exact interlayer Jacobian
/// norms and β of every pair by structured probing, interlayer smoothness against a copy whose first layer carries 5%
/// Gaussian noise, and noise attenuation. Prints the time per phase and one JSON line.
/// Args: [n = 2000] [architecture = conv16k5-pool2-conv16k3-conv32k3-pool2-conv32k3p1-10/nobias] [MNIST folder].
/// </summary>
public static class CnnMeasuresBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        int n = args.Length > 0 ? int.Parse(args[0]) : 2000;
        string text = args.Length > 1 ? args[1] : "conv16k5-pool2-conv16k3-conv32k3-pool2-conv32k3p1-10/nobias";
        string folder = args.Length > 2 ? args[2] : ".cache/mnist";
        var p = LinearAlgebraProviders.Default;
        Console.Error.WriteLine($"provider: {p.Name}");
        var (train, _) = Mnist.Load(folder);
        var arch = NetworkArchitecture.Parse(text, train.ImageShape);
        var seeds = new SeedStreams(1);
        var net = Trainer.Initialize(arch, 1);
        var sw = Stopwatch.StartNew();
        new Trainer(net, new TrainingOptions { Epochs = 1, Seed = 1 }, p).TrainEpoch(train);
        double trainSeconds = sw.Elapsed.TotalSeconds;
        var pert = net.Clone();
        var w = pert.WeightLayers[0].Weight; var noise = new float[w.Length];
        seeds.Stream(SeedStreams.Names.Projection).FillGaussian(noise);
        double scale = 0.05 * Math.Sqrt(w.Sum(v => (double)v * v) / w.Length);
        for (int k = 0; k < w.Length; k++) w[k] += (float)(scale * noise[k]);
        sw.Restart();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var m = SequentialMeasures.Compute(net, train.Features, n, train.Labels, new SequentialMeasureOptions
        {
            Perturbed = pert, Attenuation = true, Rng = seeds.Stream(SeedStreams.Names.MonteCarlo), Provider = p,
        });
        double total = sw.Elapsed.TotalSeconds, cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Console.Error.WriteLine($"{arch} ({arch.ParameterCount} parameters), trained 1 epoch in {trainSeconds:F1} s; exact measures on n = {n}: {total:F1} s (process CPU time {cpu:F1} s)");
        foreach (var (k, v) in m.PhaseSeconds)
            Console.Error.WriteLine($"  {k,-12} {v,8:F2} s" + (m.PhaseFlops.TryGetValue(k, out var f) ? $"   {f / 1e9,9:F1} GFLOP in GEMMs, {f / v / 1e9,6:F1} GFLOP/s" : ""));
        foreach (var l in m.Layers())
            Console.Error.WriteLine($"  layer {l.Layer} {l.Kind,-6} mu {l.LayerCushion:G3} (operator {l.OperatorLayerCushion:G3})  mu-> {l.MinimalInterlayerCushion:G3}  c {l.Contraction:G3}  beta {l.Beta:G3}  ceil(k/s) {l.KernelOverStride}  " +
                $"||A||2 in [{l.Norms.OperatorSpectral.Lower:G4}, {l.Norms.OperatorSpectral.Upper:G4}] vs kernel {l.Norms.Kernel.Spectral:G4}  eff {l.EffectiveParameters:G3} / {l.ActualParameters}");
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            architecture = arch.ToString(), samples = n, seconds = total, cpu_seconds = cpu, train_seconds = trainSeconds,
            phase_seconds = m.PhaseSeconds, phase_gflop = m.PhaseFlops.ToDictionary(kv => kv.Key, kv => kv.Value / 1e9),
            beta = m.Beta(), c = m.C(), rho = m.Smoothness!.Rho(), blas = p.Name,
        }));
        return 0;
    }
}
