using System.Text.Json;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// One epoch of MNIST training (batch 128, Adam) for sequential networks given in the architecture grammar (default
/// <c>lenet5</c>), with GFLOP/s of the epoch's GEMMs and the time per phase and per module kind. Prints one JSON object
/// per architecture. Arguments: MNIST folder, comma-separated architectures, epochs to time (best is reported), workers
/// sharing the convolution blocks (default 1; with more, run OpenBLAS single-threaded).
/// </summary>
public static class CnnTrainBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : ".cache/mnist";
        var archs = (args.Length > 1 ? args[1] : "lenet5").Split(',');
        int epochs = args.Length > 2 ? int.Parse(args[2]) : 1;
        int workers = args.Length > 3 ? int.Parse(args[3]) : 1;
        var (train, test) = Mnist.Load(folder);
        var la = LinearAlgebraProviders.Default;
        Console.Error.WriteLine($"provider: {la.Name}");
        foreach (var a in archs)
        {
            var arch = NetworkArchitecture.Parse(a, train.ImageShape);
            var net = Trainer.Initialize(arch, 1);
            var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, Seed = 1, Workers = workers };
            new Trainer(net.Clone(), options, la).TrainEpoch(train.Take(1280));
            var trainer = new Trainer(net, options, la);
            EpochStats? best = null; double bestCpu = 0;
            for (int e = 0; e < epochs; e++)
            {
                var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                var st = trainer.TrainEpoch(train);
                var cpu = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
                if (best is null || st.Seconds < best.Seconds) { best = st; bestCpu = cpu; }
            }
            var acc = Evaluation.Evaluate(net, test, la).Accuracy;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                arch = a,
                canonical = arch.ToString(),
                workers,
                seconds = best!.Seconds,
                cpu_seconds = bestCpu,
                gflops = EpochFlops(arch, train.Count) / best.Seconds / 1e9,
                test_accuracy = acc,
                phase_seconds = best.PhaseSeconds,
                module_seconds = best.ModuleSeconds,
                blas = la.Name,
            }));
        }
        return 0;
    }

    /// <summary>GEMM flops of one epoch: forward 2·rows·fan_in·outputs per weight layer and sample, backward twice that (∂W, ∂input; no ∂input for the first layer).</summary>
    public static double EpochFlops(NetworkArchitecture arch, int samples)
    {
        double flops = 0;
        for (int k = 0; k < arch.Depth; k++)
        {
            int m = arch.WeightModules[k];
            double perSample = 2.0 * arch.WeightCount(m) * arch.Shapes[m + 1].Locations;
            flops += perSample * samples * (k == 0 ? 2 : 3);
        }
        return flops;
    }
}

/// <summary>
/// Prints the PyTorch modules of an architecture string as JSON (one object per module: type and arguments), so that the
/// PyTorch side of a benchmark builds exactly the network GenBounds trains. Arguments: architecture, data set (mnist or cifar10).
/// </summary>
public static class ArchitectureBenchmark
{
    /// <summary>Prints the module list.</summary>
    public static int Run(string[] args)
    {
        var shape = args.Length > 1 && args[1] == "cifar10" ? new TensorShape(3, 32, 32) : new TensorShape(1, 28, 28);
        var arch = NetworkArchitecture.Parse(args[0], shape);
        var modules = arch.Layers.Select((l, m) => (object)(l switch
        {
            Conv2dSpec c => new { type = "Conv2d", @in = arch.Shapes[m].Channels, @out = c.OutChannels, kernel = new[] { c.KernelHeight, c.KernelWidth }, stride = c.Stride, padding = c.Padding, bias = arch.Bias },
            DenseSpec d => new { type = "Linear", @in = arch.Shapes[m].Size, @out = d.Outputs, bias = arch.Bias },
            Pool2dSpec p => new { type = p.TorchModule, kernel = p.Kernel, stride = p.Stride },
            _ => (object)new { type = l.TorchModule },
        })).ToList();
        Console.WriteLine(JsonSerializer.Serialize(new { architecture = arch.ToString(), input = new[] { shape.Channels, shape.Height, shape.Width }, modules }));
        return 0;
    }
}
