using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using TorchSharp;
using Xunit;

namespace GenBounds.Torch.Tests;

/// <summary>The torch engine: determinism, and the same training semantics as the native engine.</summary>
public class TorchTrainerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    internal static Dataset Synthetic(int n, int d, int k, ulong seed)
    {
        var rng = new Rng(seed);
        var centers = new double[k * d];
        for (int i = 0; i < centers.Length; i++) centers[i] = 2 * rng.NextGaussian();
        var x = new float[n * d]; var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.NextInt(k);
            for (int j = 0; j < d; j++) x[i * d + j] = (float)(centers[y[i] * d + j] + 0.5 * rng.NextGaussian());
        }
        return new Dataset("synthetic", x, y, d, k);
    }

    private static string TrainTorch(MlpArchitecture arch, TrainingOptions o, Dataset data)
    {
        var net = Trainer.Initialize(arch, o.Seed);
        using var t = new TorchTrainer(net, o, TorchRuntime.ResolveDevice("cpu"));
        for (int e = 0; e < o.Epochs; e++) t.TrainEpoch(data);
        return net.ContentHash();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Same_seed_and_thread_count_give_bit_identical_torch_trained_weights(OptimizerKind opt)
    {
        var data = Synthetic(700, 20, 4, 3);
        var arch = new MlpArchitecture([20, 48, 24, 4], bias: true);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 64, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.05, WeightDecay = 1e-4, Seed = 77 };
        int threads = torch.get_num_threads();
        Assert.Equal(TrainTorch(arch, o, data), TrainTorch(arch, o, data));
        Assert.Equal(threads, torch.get_num_threads());
        Assert.NotEqual(TrainTorch(arch, o, data), TrainTorch(arch, o with { Seed = 78 }, data));
    }

    private static double MaxRelativeDifference(Mlp a, Mlp b) =>
        TorchCnnTrainerTests.MaxRelativeDifference(Network.FromMlp(a), Network.FromMlp(b));

    [Theory]
    [InlineData(OptimizerKind.Sgd, 0.0, false)]
    [InlineData(OptimizerKind.Sgd, 1e-3, true)]
    [InlineData(OptimizerKind.Adam, 0.0, false)]
    public void Torch_and_native_engines_take_the_same_steps_from_the_same_seed(OptimizerKind opt, double weightDecay, bool prior)
    {
        // Same init, batches, loss and optimiser arithmetic: the two engines differ only by float rounding, which stays
        // far below one optimiser step over a few dozen steps (SGD moves weights continuously in the gradient; Adam's
        // first steps are ±lr per weight, so its check uses fewer steps).
        var data = Synthetic(opt == OptimizerKind.Adam ? 200 : 640, 12, 3, 9);
        var arch = new MlpArchitecture([12, 20, 3], bias: true);
        var priorNet = prior ? Trainer.Initialize(arch, 99) : null;
        var o = new TrainingOptions
        {
            Epochs = 1, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.1, WeightDecay = weightDecay,
            Seed = 21, PriorPenalty = prior ? 0.5 : 0, Prior = priorNet,
        };
        var start = Trainer.Initialize(arch, o.Seed);
        var native = start.Clone();
        var nativeStats = new Trainer(native, o, LinearAlgebraProviders.Default).TrainEpoch(data);
        var viaTorch = start.Clone();
        EpochStats torchStats;
        using (var t = new TorchTrainer(viaTorch, o, TorchRuntime.ResolveDevice("cpu"))) torchStats = t.TrainEpoch(data);

        double moved = MaxRelativeDifference(start, native), differ = MaxRelativeDifference(native, viaTorch);
        output.WriteLine($"moved {moved:G3}, engines differ {differ:G3}, loss {nativeStats.Loss} vs {torchStats.Loss}");
        Assert.True(moved > 1e-3, $"training moved the weights by {moved}");
        Assert.True(differ < 2e-5, $"engines differ by {differ} (relative), training moved them by {moved}");
        Assert.Equal(nativeStats.Loss, torchStats.Loss, 4);
        Assert.Equal(nativeStats.Accuracy, torchStats.Accuracy, 10);
    }

    [Fact]
    public void Training_with_torch_lowers_the_loss_and_the_native_evaluation_sees_it()
    {
        var data = Synthetic(1500, 20, 4, 4);
        var net = Trainer.Initialize(new MlpArchitecture([20, 32, 4], bias: true), 1);
        var before = Evaluation.Evaluate(net, data, LinearAlgebraProviders.Default);
        using var t = new TorchTrainer(net, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 1 }, TorchRuntime.ResolveDevice("cpu"));
        EpochStats? last = null;
        var progress = new List<BatchProgress>();
        for (int e = 0; e < 3; e++) last = t.TrainEpoch(data, progress.Add);
        var after = Evaluation.Evaluate(net, data, LinearAlgebraProviders.Default);
        Assert.True(after.Loss < 0.5 * before.Loss, $"loss {before.Loss} → {after.Loss}");
        Assert.True(after.Accuracy > 0.9, $"accuracy {after.Accuracy}");
        Assert.Equal(3, t.EpochsDone);
        Assert.Equal(3 * 47, t.Step);
        Assert.Equal(47, progress[^1].Batch);
        Assert.Equal(last!.Accuracy, progress[^1].RunningAccuracy, 12);
        Assert.Contains("forward", last.PhaseSeconds.Keys);
    }

    [Fact]
    public void A_torch_run_resumed_from_exported_state_reproduces_uninterrupted_training_exactly()
    {
        var data = Synthetic(600, 10, 3, 8);
        var arch = new MlpArchitecture([10, 16, 3], bias: true);
        var o = new TrainingOptions { Epochs = 3, BatchSize = 64, Seed = 5 };
        var device = TorchRuntime.ResolveDevice("cpu");
        var straight = Trainer.Initialize(arch, 5);
        using (var t1 = new TorchTrainer(straight, o, device)) for (int e = 0; e < 3; e++) t1.TrainEpoch(data);

        var first = Trainer.Initialize(arch, 5);
        (IReadOnlyDictionary<string, float[]> State, long Step, int Epochs) saved;
        using (var t2 = new TorchTrainer(first, o, device)) { t2.TrainEpoch(data); saved = t2.ExportState(); }
        var resumed = Trainer.Initialize(arch, 123);            // wrong weights: ImportState must not depend on them
        using (var t3 = new TorchTrainer(resumed, o, device))
        {
            first.Layers.Zip(resumed.Layers).ToList().ForEach(p => { p.First.Weight.CopyTo(p.Second.Weight, 0); p.First.Bias!.CopyTo(p.Second.Bias!, 0); });
            t3.ImportState(saved.State, saved.Step, saved.Epochs);
            t3.TrainEpoch(data); t3.TrainEpoch(data);
        }
        Assert.Equal(straight.ContentHash(), resumed.ContentHash());
    }

    [Fact]
    public void Cuda_without_a_CUDA_libtorch_names_the_packages_to_add()
    {
        var e = Assert.Throws<TorchUnavailableException>(() => TorchRuntime.ResolveDevice("cuda", new TorchCapabilities(false, 0)));
        Assert.Contains(TorchRuntime.CudaPackage, e.Message);
        Assert.Contains(TorchRuntime.CudaBundlePackage, e.Message);
        Assert.Contains("libtorch-cuda-12.8-linux-x64", e.Message);
        Assert.Contains("no CUDA device", Assert.Throws<TorchUnavailableException>(() => TorchRuntime.ResolveDevice("cuda:0", new TorchCapabilities(true, 0))).Message);
        Assert.Contains("numbered 0..1", Assert.Throws<TorchUnavailableException>(() => TorchRuntime.ResolveDevice("cuda:2", new TorchCapabilities(true, 2))).Message);
        var d = TorchRuntime.ResolveDevice("cuda:1", new TorchCapabilities(true, 2));
        Assert.Equal((DeviceType.CUDA, 1), (d.type, (int)d.index));
        Assert.Equal("cuda:1", TorchRuntime.DeviceName(d));
        Assert.Throws<ArgumentException>(() => TorchRuntime.ParseDevice("gpu"));
        Assert.Throws<ArgumentException>(() => TorchRuntime.ParseDevice("cuda:-1"));
        // This build is the CPU one: the real capabilities must say so, and asking for CUDA must fail the same way.
        if (!TorchRuntime.Capabilities.CudaLibraryPresent)
            Assert.Contains(TorchRuntime.CudaPackage, Assert.Throws<TorchUnavailableException>(() => TorchRuntime.ResolveDevice("cuda")).Message);
    }
}
