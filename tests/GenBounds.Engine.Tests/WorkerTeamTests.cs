using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The trainer's worker team and the split of a mini-batch over it.</summary>
public class WorkerTeamTests
{
    [Theory]
    [InlineData(128, 2, 8)]
    [InlineData(10, 2, 8)]
    [InlineData(1000, 3, 8)]
    [InlineData(7, 5, 1)]
    [InlineData(0, 2, 8)]
    public void Parts_tile_the_range_in_order_with_aligned_inner_boundaries(int n, int parts, int align)
    {
        int next = 0;
        for (int t = 0; t < parts; t++)
        {
            var (s, e) = WorkerTeam.Part(n, parts, t, align);
            Assert.Equal(next, s);
            Assert.True(e >= s);
            if (t < parts - 1) Assert.True(e % align == 0 || e == n, $"boundary {e}");
            next = e;
        }
        Assert.Equal(n, next);
    }

    [Fact]
    public void Run_calls_every_member_once_per_region_and_rethrows_a_member_failure()
    {
        using var team = new WorkerTeam(3);
        var hits = new int[3];
        for (int region = 0; region < 1000; region++) team.Run(t => Interlocked.Increment(ref hits[t]));
        Assert.Equal([1000, 1000, 1000], hits);
        var e = Assert.Throws<InvalidOperationException>(() => team.Run(t => { if (t == 2) throw new InvalidOperationException("member 2"); }));
        Assert.Equal("member 2", e.Message);
        team.Run(t => Interlocked.Increment(ref hits[t]));   // still usable after a failure
        Assert.Equal([1001, 1001, 1001], hits);
    }

    [Fact]
    public void A_team_that_waited_long_enough_to_block_still_wakes_for_the_next_region()
    {
        using var team = new WorkerTeam(2);
        int sum = 0;
        for (int i = 0; i < 3; i++)
        {
            Thread.Sleep(50);   // team threads stop spinning and block
            team.Run(t => Interlocked.Add(ref sum, t + 1));
        }
        Assert.Equal(9, sum);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, true)]
    [InlineData(OptimizerKind.Sgd, false)]
    public void Splitting_each_batch_over_two_or_three_threads_gives_the_one_thread_weights_bit_for_bit(OptimizerKind opt, bool bias)
    {
        // The managed reference computes every product entry on its own, so any split must reproduce one thread exactly;
        // a race or an overlapping partition would not.
        var data = BackpropTests.Synthetic(300, 12, 3, 5);
        var arch = new MlpArchitecture([12, 19, 9, 3], bias);
        var prior = Trainer.Initialize(arch, 40);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 37, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.05,
                                      WeightDecay = 1e-4, PriorPenalty = 0.1, Prior = prior, Seed = 9 };
        string Train(int threads)
        {
            var net = Trainer.Initialize(arch, o.Seed);
            var t = new Trainer(net, o, LinearAlgebraProviders.Managed, threads);
            Assert.Equal(threads, t.Threads);
            for (int e = 0; e < o.Epochs; e++) t.TrainEpoch(data);
            return net.ContentHash();
        }
        string one = Train(1);
        Assert.Equal(one, Train(2));
        Assert.Equal(one, Train(3));
    }

    [Fact]
    public void A_layer_large_enough_for_the_unit_split_also_reproduces_one_thread_bit_for_bit()
    {
        // 600×500 float weights (1.2 MB) are split by units forward and by input columns in ∂Z·W; the small layers by rows.
        var data = BackpropTests.Synthetic(150, 12, 3, 8);
        var arch = new MlpArchitecture([12, 600, 500, 3], bias: true);
        var o = new TrainingOptions { Epochs = 1, BatchSize = 37, Seed = 2 };
        string Train(int threads)
        {
            var net = Trainer.Initialize(arch, o.Seed);
            new Trainer(net, o, LinearAlgebraProviders.Managed, threads).TrainEpoch(data);
            return net.ContentHash();
        }
        string one = Train(1);
        Assert.Equal(one, Train(2));
        Assert.Equal(one, Train(3));
    }

    [Fact]
    public void With_the_native_BLAS_a_two_thread_split_is_reproducible()
    {
        var data = BackpropTests.Synthetic(500, 20, 4, 6);
        var arch = new MlpArchitecture([20, 600, 500, 4], bias: true);   // row- and unit-split layers
        var o = new TrainingOptions { Epochs = 2, BatchSize = 50, Seed = 3 };
        string Train()
        {
            var net = Trainer.Initialize(arch, o.Seed);
            var t = new Trainer(net, o, LinearAlgebraProviders.Default, threads: 2);
            for (int e = 0; e < o.Epochs; e++) t.TrainEpoch(data);
            return net.ContentHash();
        }
        Assert.Equal(Train(), Train());
    }
}
