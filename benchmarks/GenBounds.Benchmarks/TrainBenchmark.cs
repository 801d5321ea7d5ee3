using System.Diagnostics;
using System.Text.Json;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// One epoch of MNIST training (batch 128, Adam) per architecture, with the achieved GFLOP/s next to the rate that
/// <c>cblas_sgemm</c> itself reaches on the same GEMM shapes. Prints one JSON object per architecture.
/// Arguments: MNIST folder, comma-separated architectures, epochs to time (best is reported), first-layer input products
/// (auto, sparse or dense; default auto, as <c>genbounds train</c>), hidden-layer products (the same choices and default).
/// With sparse inputs the GFLOP/s and the fraction of the
/// sgemm rate count the dense products' FLOPs (a dense-equivalent rate: it can exceed what sgemm reaches).
/// </summary>
public static class TrainBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : ".cache/mnist";
        var archs = (args.Length > 1 ? args[1] : "784-100-10,784-1000-1000-10,784-1000-1000-1000-10").Split(',');
        int epochs = args.Length > 2 ? int.Parse(args[2]) : 1;
        var sparsity = args.Length > 3 ? Enum.Parse<InputSparsity>(args[3], ignoreCase: true) : InputSparsity.Auto;
        var hidden = args.Length > 4 ? Enum.Parse<InputSparsity>(args[4], ignoreCase: true) : InputSparsity.Auto;
        var (train, test) = Mnist.Load(folder);
        var la = LinearAlgebraProviders.Default;
        Console.Error.WriteLine($"provider: {la.Name}");
        foreach (var a in archs)
        {
            var arch = MlpArchitecture.Parse(a, bias: true);
            var net = Trainer.Initialize(arch, 1);
            var options = new TrainingOptions { Epochs = epochs, BatchSize = 128, Optimizer = OptimizerKind.Adam, LearningRate = 1e-3, Seed = 1, InputSparsity = sparsity, ActivationSparsity = hidden };
            // Warm-up on a few batches of a throw-away copy, so JIT tiering and BLAS buffers are hot (as for the PyTorch run).
            new Trainer(net.Clone(), options, la).TrainEpoch(train.Take(640));
            var trainer = new Trainer(net, options, la);
            double best = double.MaxValue;
            IReadOnlyDictionary<string, double> phases = new Dictionary<string, double>();
            var epochInputs = new List<object>();
            for (int e = 0; e < epochs; e++)
            {
                var st = trainer.TrainEpoch(train);
                epochInputs.Add(new { seconds = st.Seconds, layers = st.LayerInputs.Select(x => new { layer = x.Layer, nonzero_fraction = x.NonzeroFraction, sparse_batches = x.SparseBatches, batches = x.Batches }) });
                if (st.Seconds < best) { best = st.Seconds; phases = st.PhaseSeconds; }
            }
            var acc = Evaluation.Evaluate(net, test, la).Accuracy;
            // FLOPs of one epoch: forward 2·B·in·out per layer, backward 2× that (∂W, ∂A; no ∂A for the first layer).
            double flops = 0, gemmSeconds = 0;
            int n = train.Count;
            for (int l = 0; l < arch.Depth; l++)
            {
                int i = arch.LayerSizes[l], o = arch.LayerSizes[l + 1];
                double per = 2.0 * n * i * o;
                flops += per * (l == 0 ? 2 : 3);
                // what sgemm alone needs for the same products at its measured rate on these shapes
                int full = n / 128;
                gemmSeconds += full * 2.0 * 128 * i * o / (GemmBenchmark.Rate(la, 128, o, i) * 1e9);
                gemmSeconds += full * 2.0 * 128 * i * o / (GemmBenchmark.Rate(la, o, i, 128) * 1e9);
                if (l > 0) gemmSeconds += full * 2.0 * 128 * i * o / (GemmBenchmark.Rate(la, 128, i, o) * 1e9);
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                arch = a,
                seconds = best,
                gflops = flops / best / 1e9,
                sgemm_only_seconds = gemmSeconds,
                fraction_of_sgemm_rate = gemmSeconds / best,
                test_accuracy = acc,
                phase_seconds = phases,
                blas = la.Name,
                input_products = sparsity.ToString().ToLowerInvariant(),
                activation_products = hidden.ToString().ToLowerInvariant(),
                epochs = epochInputs,
            }));
        }
        return 0;
    }
}
