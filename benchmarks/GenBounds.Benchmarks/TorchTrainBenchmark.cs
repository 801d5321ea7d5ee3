using System.Text.Json;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Torch;
using GenBounds.Training;
using TorchSharp;

namespace GenBounds.Benchmarks;

/// <summary>
/// The TorchSharp contender of the training benchmark: one epoch of MNIST (batch 128, Adam) per architecture with
/// GenBounds' torch engine (<see cref="TorchTrainer"/>: libtorch's own BLAS, MKL on x86-64, and OpenMP threads).
/// Arguments: MNIST folder, comma-separated architectures, epochs to time (best is reported). The thread count comes
/// from TORCH_THREADS (default: libtorch's choice); MKL_ENABLE_INSTRUCTIONS and OMP_* are read by libtorch itself.
/// Prints one JSON object per architecture.
/// </summary>
public static class TorchTrainBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : ".cache/mnist";
        var archs = (args.Length > 1 ? args[1] : "784-100-10,784-1000-1000-10,784-1000-1000-1000-10").Split(',');
        int epochs = args.Length > 2 ? int.Parse(args[2]) : 1;
        var (train, test) = Mnist.Load(folder);
        var device = TorchRuntime.ResolveDevice(Environment.GetEnvironmentVariable("TORCH_DEVICE") ?? "cpu");
        if (int.TryParse(Environment.GetEnvironmentVariable("TORCH_THREADS"), out int threads) && threads > 0) torch.set_num_threads(threads);
        Console.Error.WriteLine($"libtorch {TorchRuntime.LibTorchVersion}, TorchSharp {TorchRuntime.TorchSharpVersion}, {torch.get_num_threads()} threads, {TorchRuntime.DeviceName(device)}");
        foreach (var a in archs)
        {
            var arch = MlpArchitecture.Parse(a, bias: true);
            var net = Trainer.Initialize(arch, 1);
            var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, Seed = 1 };
            // Warm-up on a throw-away copy (allocator, OpenMP pool, MKL dispatch), as for the other contenders.
            using (var warm = new TorchTrainer(net.Clone(), options, device)) warm.TrainEpoch(train.Take(640));
            using var trainer = new TorchTrainer(net, options, device);
            double best = double.MaxValue;
            IReadOnlyDictionary<string, double> phases = new Dictionary<string, double>();
            for (int e = 0; e < epochs; e++)
            {
                var st = trainer.TrainEpoch(train);
                if (st.Seconds < best) { best = st.Seconds; phases = st.PhaseSeconds; }
            }
            var acc = Evaluation.Evaluate(net, test, LinearAlgebraProviders.Default).Accuracy;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                arch = a,
                seconds = best,
                test_accuracy = acc,
                phase_seconds = phases,
                libtorch = TorchRuntime.LibTorchVersion,
                config = new
                {
                    torch_threads = torch.get_num_threads(),
                    MKL_ENABLE_INSTRUCTIONS = Environment.GetEnvironmentVariable("MKL_ENABLE_INSTRUCTIONS") ?? "",
                    OMP_WAIT_POLICY = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "",
                },
            }));
        }
        return 0;
    }
}
