using GenBounds.Compression;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

/// <summary>
/// The trainer's two paths — plain MLPs split over a worker team, every other network through NetworkBackprop — compute the
/// same steps, and masks and the after-step hook behave alike on both.
/// </summary>
public class TrainerPathTests
{
    private static NetworkMasks RandomMasks(MlpArchitecture arch, double keep, ulong seed)
    {
        var rng = new Rng(seed);
        return new NetworkMasks(arch, Enumerable.Range(0, arch.Depth).Select(l =>
        {
            int rows = arch.LayerSizes[l + 1], cols = arch.LayerSizes[l];
            var v = new byte[rows * cols];
            for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() < keep ? (byte)1 : (byte)0;
            return new Mask(rows, cols, v);
        }).ToArray());
    }

    // The same function as the MLP, written with a flatten of a 1×1×d image first: not an MLP to the trainer, so it takes
    // the sequential path, with the MLP's parameters copied in.
    private static Network FlattenedTwin(Mlp mlp)
    {
        var sizes = mlp.Architecture.LayerSizes;
        var items = new List<string> { "flatten" };
        for (int l = 1; l < sizes.Count; l++) { items.Add($"fc{sizes[l]}"); if (l < sizes.Count - 1) items.Add("relu"); }
        var arch = NetworkArchitecture.Parse($"1x1x{sizes[0]}:{string.Join("-", items)}{(mlp.Architecture.Bias ? "" : "/nobias")}");
        Assert.False(arch.IsMlp);
        var net = Network.InitializeDefault(arch, new Rng(0));
        for (int l = 0; l < mlp.Layers.Length; l++)
        {
            mlp.Layers[l].Weight.CopyTo(net.WeightLayers[l].Weight, 0);
            mlp.Layers[l].Bias?.CopyTo(net.WeightLayers[l].Bias!, 0);
        }
        return net;
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, true, false)]
    [InlineData(OptimizerKind.Adam, false, true)]
    [InlineData(OptimizerKind.Sgd, true, true)]
    [InlineData(OptimizerKind.Sgd, false, false)]
    public void An_mlp_gets_the_same_weights_bit_for_bit_on_the_team_path_and_on_the_sequential_path(OptimizerKind opt, bool bias, bool masked)
    {
        var data = BackpropTests.Synthetic(230, 12, 3, 21);
        var arch = new MlpArchitecture([12, 19, 9, 3], bias);
        var prior = Trainer.Initialize(arch, 50);
        var masks = masked ? RandomMasks(arch, 0.6, 22) : null;
        var o = new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 2e-3 : 0.05,
                                      WeightDecay = 1e-4, PriorPenalty = 0.1, Seed = 23 };
        var team = Trainer.Initialize(arch, o.Seed);
        var sequential = FlattenedTwin(team);
        var teamTrainer = new Trainer(team, o with { Prior = prior }, LinearAlgebraProviders.Managed, masks, threads: 1);
        var sequentialTrainer = new Trainer(sequential, o with { PriorNetwork = FlattenedTwin(prior) }, LinearAlgebraProviders.Managed, masks, threads: 1);
        var steps = (Team: new List<long>(), Sequential: new List<long>());
        teamTrainer.AfterStep = steps.Team.Add;
        sequentialTrainer.AfterStep = steps.Sequential.Add;
        for (int e = 0; e < o.Epochs; e++) { teamTrainer.TrainEpoch(data); sequentialTrainer.TrainEpoch(data); }
        for (int l = 0; l < arch.Depth; l++)
        {
            Assert.Equal(team.Layers[l].Weight, sequential.WeightLayers[l].Weight);
            if (bias) Assert.Equal(team.Layers[l].Bias!, sequential.WeightLayers[l].Bias!);
        }
        Assert.Equal(Enumerable.Range(1, 16).Select(s => (long)s), steps.Team);
        Assert.Equal(steps.Team, steps.Sequential);
        var (a, _, _) = teamTrainer.ExportState();
        var (b, _, _) = sequentialTrainer.ExportState();
        Assert.Equal(a.Count, b.Count);
        // Sequential indices shift by one behind the flatten: exp_avg.0.weight is exp_avg.1.weight there, and so on.
        for (int l = 0; l < arch.Depth; l++)
            Assert.Equal(a[$"exp_avg.{2 * l}.weight"], b[$"exp_avg.{2 * l + 1}.weight"]);
    }

    [Fact]
    public void Masked_training_split_over_two_or_three_threads_reproduces_one_thread_with_unit_split_masks()
    {
        // 600×500 float weights (1.2 MB) are split by output units on two or more threads, so the mask of that layer is
        // sliced by unit ranges; the managed BLAS computes every entry on its own, so any split must match one thread.
        var data = BackpropTests.Synthetic(150, 12, 3, 31);
        var arch = new MlpArchitecture([12, 600, 500, 3], bias: true);
        var masks = RandomMasks(arch, 0.3, 32);
        var o = new TrainingOptions { Epochs = 1, BatchSize = 37, WeightDecay = 1e-3, Seed = 33 };
        (string Hash, Mlp Net, List<long> Steps) Train(int threads)
        {
            var net = Trainer.Initialize(arch, o.Seed);
            var t = new Trainer(net, o, LinearAlgebraProviders.Managed, masks, threads);
            Assert.Equal(threads, t.Threads);
            var steps = new List<long>();
            t.AfterStep = steps.Add;
            t.TrainEpoch(data);
            return (net.ContentHash(), net, steps);
        }
        var one = Train(1);
        foreach (int threads in new[] { 2, 3 })
        {
            var other = Train(threads);
            Assert.Equal(one.Hash, other.Hash);
            Assert.Equal(one.Steps, other.Steps);
        }
        Assert.Equal([1L, 2, 3, 4, 5], one.Steps);   // 150 samples in batches of 37
        for (int l = 0; l < arch.Depth; l++)
        {
            var keep = masks.Layers[l].Values;
            var w = one.Net.Layers[l].Weight;
            for (int i = 0; i < w.Length; i++)
                if (keep[i] == 0) Assert.Equal(0f, w[i]);
            Assert.Contains(w, x => x != 0);
        }
    }

    [Fact]
    public void The_thread_count_is_the_argument_else_the_workers_option_on_either_path()
    {
        var cnn = NetworkArchitecture.Parse("1x6x6:conv2k3-fc3");
        Assert.Equal(3, new Trainer(Trainer.Initialize(cnn, 1), new TrainingOptions { Workers = 3 }, LinearAlgebraProviders.Managed).Threads);
        Assert.Equal(2, new Trainer(Trainer.Initialize(cnn, 1), new TrainingOptions { Workers = 3 }, LinearAlgebraProviders.Managed, null, threads: 2).Threads);
        var mlp = new MlpArchitecture([4, 5, 3], bias: true);
        Assert.Equal(3, new Trainer(Trainer.Initialize(mlp, 1), new TrainingOptions { Workers = 3 }, LinearAlgebraProviders.Managed).Threads);
        Assert.Equal(1, new Trainer(Trainer.Initialize(mlp, 1), new TrainingOptions(), LinearAlgebraProviders.Managed).Threads);
        Assert.Throws<ArgumentOutOfRangeException>(() => new Trainer(Trainer.Initialize(mlp, 1), new TrainingOptions(), LinearAlgebraProviders.Managed, threads: 0));
    }
}
