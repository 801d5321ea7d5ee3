using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;
using TorchSharp;
using Xunit;

namespace GenBounds.Torch.Tests;

/// <summary>The torch engine on convolutional networks: determinism, and the native engine's training semantics.</summary>
public class TorchCnnTrainerTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static GenBounds.Data.Dataset Images(int n, TensorShape shape, int classes, ulong seed)
    {
        var d = TorchTrainerTests.Synthetic(n, shape.Size, classes, seed);
        return new(d.Name, d.Features, d.Labels, d.Dimension, d.Classes) { ImageShape = shape };
    }

    private static string TrainTorch(NetworkArchitecture arch, TrainingOptions o, GenBounds.Data.Dataset data)
    {
        var net = Trainer.Initialize(arch, o.Seed);
        using var t = new TorchTrainer(net, o, TorchRuntime.ResolveDevice("cpu"));
        for (int e = 0; e < o.Epochs; e++) t.TrainEpoch(data);
        return net.ContentHash();
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Same_seed_and_thread_count_give_bit_identical_torch_trained_CNN_weights(OptimizerKind opt)
    {
        var arch = NetworkArchitecture.Parse("2x9x9:conv4k3s2p1-maxpool2-conv6k2-avgpool1-fc3");
        var data = Images(300, arch.InputShape, 3, 5);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.05, WeightDecay = 1e-4, Seed = 31 };
        string first = TrainTorch(arch, o, data);
        Assert.Equal(first, TrainTorch(arch, o, data));
        Assert.NotEqual(first, TrainTorch(arch, o with { Seed = 32 }, data));
        Assert.NotEqual(Trainer.Initialize(arch, 31).ContentHash(), first);
    }

    internal static double MaxRelativeDifference(Network a, Network b)
    {
        double worst = 0;
        for (int k = 0; k < a.WeightLayers.Count; k++)
        {
            var pa = a.WeightLayers[k].Weight.Concat(a.WeightLayers[k].Bias ?? []).ToArray();
            var pb = b.WeightLayers[k].Weight.Concat(b.WeightLayers[k].Bias ?? []).ToArray();
            double scale = pa.Max(v => Math.Abs(v));
            for (int i = 0; i < pa.Length; i++) worst = Math.Max(worst, Math.Abs(pa[i] - pb[i]) / scale);
        }
        return worst;
    }

    [Theory]
    [InlineData("2x9x9:conv4k3s2p1-maxpool2-fc8-3", OptimizerKind.Sgd, 0.0, false)]
    [InlineData("1x10x10:conv3k3p1-avgpool2-conv4k3s2-3/nobias", OptimizerKind.Sgd, 1e-3, true)]
    [InlineData("2x9x9:conv4k3s2p1-maxpool2-fc8-3", OptimizerKind.Adam, 1e-4, false)]
    [InlineData("1x10x10:conv3k3p1-avgpool2-conv4k3s2-3/nobias", OptimizerKind.Adam, 0.0, true)]
    public void Torch_and_native_engines_take_the_same_CNN_steps_from_the_same_seed(string architecture, OptimizerKind opt, double weightDecay, bool prior)
    {
        // As for MLPs: same init, batches, loss and optimiser arithmetic, so the engines differ by float rounding only, far
        // below one optimiser step over 20 SGD steps or 7 Adam steps (Adam's first steps are ±lr per weight whatever the
        // gradient's size, so a gradient near 0 that rounds to the other sign would move a weight by 2·lr: fewer steps).
        var arch = NetworkArchitecture.Parse(architecture);
        var data = Images(opt == OptimizerKind.Adam ? 200 : 640, arch.InputShape, 3, 9);
        var o = new TrainingOptions
        {
            Epochs = 1, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.1, WeightDecay = weightDecay,
            Seed = 21, PriorPenalty = prior ? 0.5 : 0, PriorNetwork = prior ? Trainer.Initialize(arch, 99) : null,
        };
        var start = Trainer.Initialize(arch, o.Seed);
        var native = start.Clone();
        var nativeTrainer = new Trainer(native, o, LinearAlgebraProviders.Default);
        var nativeStats = nativeTrainer.TrainEpoch(data);
        var viaTorch = start.Clone();
        EpochStats torchStats;
        IReadOnlyDictionary<string, float[]> torchState;
        using (var t = new TorchTrainer(viaTorch, o, TorchRuntime.ResolveDevice("cpu")))
        {
            torchStats = t.TrainEpoch(data);
            (torchState, _, _) = t.ExportState();
            Assert.Equal(nativeTrainer.Step, t.Step);
        }

        double moved = MaxRelativeDifference(start, native), differ = MaxRelativeDifference(native, viaTorch);
        output.WriteLine($"{architecture} {opt}: {nativeTrainer.Step} steps moved the weights {moved:G3}, engines differ {differ:G3}, loss {nativeStats.Loss} vs {torchStats.Loss}");
        Assert.True(moved > 1e-3, $"training moved the weights by {moved}");
        Assert.True(differ < 2e-5, $"engines differ by {differ} (relative), training moved them by {moved}");
        Assert.Equal(nativeStats.Loss, torchStats.Loss, 4);
        Assert.Equal(nativeStats.Accuracy, torchStats.Accuracy, 10);
        // Checkpoints name the optimiser state alike, so either engine's state resumes the other's run.
        var (nativeState, _, _) = nativeTrainer.ExportState();
        Assert.Equal(nativeState.Keys.Order(), torchState.Keys.Order());
    }

    [Fact]
    public void A_torch_CNN_run_resumed_from_exported_state_reproduces_uninterrupted_training_exactly()
    {
        var arch = NetworkArchitecture.Parse("1x8x8:conv3k3-pool2-fc4");
        var data = Images(250, arch.InputShape, 4, 8);
        var o = new TrainingOptions { Epochs = 3, BatchSize = 50, Seed = 5 };
        var device = TorchRuntime.ResolveDevice("cpu");
        var straight = Trainer.Initialize(arch, 5);
        using (var t1 = new TorchTrainer(straight, o, device)) for (int e = 0; e < 3; e++) t1.TrainEpoch(data);

        var first = Trainer.Initialize(arch, 5);
        (IReadOnlyDictionary<string, float[]> State, long Step, int Epochs) saved;
        using (var t2 = new TorchTrainer(first, o, device)) { t2.TrainEpoch(data); saved = t2.ExportState(); }
        var resumed = first.Clone();
        using (var t3 = new TorchTrainer(resumed, o, device))
        {
            t3.ImportState(saved.State, saved.Step, saved.Epochs);
            t3.TrainEpoch(data); t3.TrainEpoch(data);
        }
        Assert.Equal(straight.ContentHash(), resumed.ContentHash());
    }

    [Fact]
    public void Data_that_does_not_fit_the_CNN_input_is_refused_before_any_step()
    {
        var arch = NetworkArchitecture.Parse("1x8x8:conv3k3-pool2-fc4");
        using var t = new TorchTrainer(Trainer.Initialize(arch, 1), new TrainingOptions { Seed = 1 }, TorchRuntime.ResolveDevice("cpu"));
        Assert.Contains("holds 4x4x4 images", Assert.Throws<ArgumentException>(() => t.TrainEpoch(Images(20, new TensorShape(4, 4, 4), 2, 1))).Message);
        Assert.Contains("data dimension 63", Assert.Throws<ArgumentException>(() => t.TrainEpoch(TorchTrainerTests.Synthetic(20, 63, 2, 1))).Message);
        Assert.Equal(0, t.Step);
        Assert.Contains("dropout", Assert.Throws<ArgumentException>(() => new TorchTrainer(Trainer.Initialize(arch, 1), new TrainingOptions { Dropout = 0.2 }, TorchRuntime.ResolveDevice("cpu"))).Message);
    }
}
