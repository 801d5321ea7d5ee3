using GenBounds.Compression;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;
using static GenBounds.Tests.MaskedTrainingTests;

namespace GenBounds.Tests;

public class LotteryTicketTests
{
    private static readonly Dataset Train = Synthetic(400, 12, 11, "train"), Validation = Synthetic(100, 12, 12, "val"), Test = Synthetic(200, 12, 13, "test");
    private static readonly ILinearAlgebraProvider La = new ManagedLinearAlgebraProvider();

    private static ImpOptions Options(int rounds = 3, long rewind = 0, bool controls = true) => new()
    {
        Architecture = new MlpArchitecture([12, 20, 10, 3], bias: true),
        Rounds = rounds, RewindStep = rewind, ReinitControls = controls, Seed = 5,
        Training = new TrainingOptions { Epochs = 2, BatchSize = 32, LearningRate = 5e-3 },
    };

    [Fact]
    public void A_round_is_prune_then_rewind_to_the_initial_weights_then_masked_retraining()
    {
        using var dir = new TempFolder();
        var o = Options(rounds: 1, controls: false);
        var runner = new ImpRunner(o, Train, Validation, Test, La, dir.Path);
        runner.Run();
        // The same procedure written out by hand.
        var init = Trainer.Initialize(o.Architecture, o.Seed);
        var dense = init.Clone();
        var t0 = new Trainer(dense, o.Training with { Seed = SeedStreams.Derive(o.Seed, "imp/round-0") }, La);
        for (int e = 0; e < 2; e++) t0.TrainEpoch(Train);
        var masks = IterativePruning.PruneRound(dense, NetworkMasks.Ones(o.Architecture), [0.2, 0.2, 0.1]).Masks;
        var ticket = masks.Apply(init);
        var t1 = new Trainer(ticket, o.Training with { Seed = SeedStreams.Derive(o.Seed, "imp/round-1") }, La, masks);
        for (int e = 0; e < 2; e++) t1.TrainEpoch(Train);
        var (net0, _) = runner.LoadRound(0);
        var (net1, masks1) = runner.LoadRound(1);
        Assert.Equal(dense.ContentHash(), net0.ContentHash());
        Assert.Equal(ticket.ContentHash(), net1.ContentHash());
        Assert.True(masks1.IsSubsetOf(NetworkMasks.Ones(o.Architecture)));
        for (int l = 0; l < 3; l++)
            for (int i = 0; i < net1.Layers[l].Weight.Length; i++)
                if (masks1.Layers[l].Values[i] == 0) Assert.Equal(0f, net1.Layers[l].Weight[i]);
    }

    [Fact]
    public void Rewinding_to_step_k_restarts_the_ticket_from_the_weights_after_k_steps_of_dense_training()
    {
        var o = Options(rounds: 1, rewind: 3, controls: false);
        using var dir = new TempFolder();
        var runner = new ImpRunner(o, Train, Validation, Test, La, dir.Path);
        runner.Run();
        var dense = Trainer.Initialize(o.Architecture, o.Seed);
        Mlp? atK = null;
        var t0 = new Trainer(dense, o.Training with { Seed = SeedStreams.Derive(o.Seed, "imp/round-0") }, La) { AfterStep = s => { if (s == 3) atK = dense.Clone(); } };
        for (int e = 0; e < 2; e++) t0.TrainEpoch(Train);
        var masks = IterativePruning.PruneRound(dense, NetworkMasks.Ones(o.Architecture), [0.2, 0.2, 0.1]).Masks;
        var ticket = masks.Apply(atK!);
        var t1 = new Trainer(ticket, o.Training with { Seed = SeedStreams.Derive(o.Seed, "imp/round-1") }, La, masks);
        for (int e = 0; e < 2; e++) t1.TrainEpoch(Train);
        Assert.Equal(ticket.ContentHash(), runner.LoadRound(1).Network.ContentHash());
        Assert.Throws<ArgumentException>(() => new ImpRunner(Options(rewind: 10_000), Train, Validation, Test, La, null).Run());
    }

    [Fact]
    public void Every_round_removes_the_ceiling_of_the_layer_fraction_of_its_survivors_and_masks_only_shrink()
    {
        var rounds = new ImpRunner(Options(rounds: 4), Train, Validation, Test, La, null).Run();
        Assert.Equal(5, rounds.Count);
        var sizes = new long[] { 12 * 20, 20 * 10, 10 * 3 };
        var kept = (long[])sizes.Clone();
        var fractions = new[] { 0.2, 0.2, 0.1 };
        foreach (var r in rounds.Skip(1))
        {
            for (int l = 0; l < 3; l++) kept[l] -= (long)Math.Ceiling(fractions[l] * kept[l]);
            Assert.Equal(kept.Sum(), r.Kept);
            for (int l = 0; l < 3; l++) Assert.Equal(kept[l] / (double)sizes[l], r.LayerRemaining[l], 12);
            Assert.NotNull(r.Reinit);
            Assert.Equal(2, r.Ticket.TestAccuracy.Length);
            Assert.InRange(r.Ticket.EarlyStopEpoch, 1, 2);
        }
        Assert.Null(rounds[0].Reinit);
        Assert.Equal(1.0, rounds[0].Remaining);
    }

    [Fact]
    public void A_resumed_run_is_bit_identical_to_an_uninterrupted_one()
    {
        using var straight = new TempFolder();
        using var resumed = new TempFolder();
        var o = Options(rounds: 3);
        var full = new ImpRunner(o, Train, Validation, Test, La, straight.Path).Run();
        var partial = new ImpRunner(o, Train, Validation, Test, La, resumed.Path).Run(stopAfterRound: 1);
        Assert.Equal(2, partial.Count);
        var again = new ImpRunner(o, Train, Validation, Test, La, resumed.Path);
        Assert.Equal(1, again.LastCompletedRound());
        var rest = again.Run();
        Assert.Equal(full.Count, rest.Count);
        for (int r = 0; r <= 3; r++)
        {
            Assert.Equal(new ImpRunner(o, Train, Validation, Test, La, straight.Path).LoadRound(r).Network.ContentHash(),
                         again.LoadRound(r).Network.ContentHash());
            Assert.Equal(full[r].Ticket.TestAccuracy, rest[r].Ticket.TestAccuracy);
            Assert.Equal(full[r].Reinit?.ValidationLoss, rest[r].Reinit?.ValidationLoss);
        }
    }

    [Fact]
    public void A_checkpoint_folder_of_another_run_is_refused()
    {
        using var dir = new TempFolder();
        new ImpRunner(Options(rounds: 0), Train, Validation, Test, La, dir.Path).Run();
        var other = new ImpRunner(Options(rounds: 0) with { PruneFraction = 0.3 }, Train, Validation, Test, La, dir.Path);
        Assert.Throws<InvalidDataException>(() => other.Run());
    }

    [Fact]
    public void Reinitialised_controls_share_the_masks_but_not_the_weights_of_the_ticket()
    {
        var o = Options(rounds: 1);
        var rounds = new ImpRunner(o, Train, Validation, Test, La, null).Run();
        var r1 = rounds[1];
        Assert.NotNull(r1.Reinit);
        Assert.NotEqual(r1.Ticket.ValidationLoss, r1.Reinit!.ValidationLoss);
        Assert.Equal(r1.Ticket.Steps, r1.Reinit.Steps);
    }

    [Theory]
    [InlineData(3, 0.513)]
    [InlineData(6, 0.263)]
    [InlineData(7, 0.211)]
    [InlineData(9, 0.135)]
    [InlineData(15, 0.036)]
    [InlineData(16, 0.029)]
    public void The_reference_schedule_reproduces_the_papers_fractions_remaining(int rounds, double published)
    {
        Assert.Equal(published, Math.Round(LotteryReference.RemainingAfter(rounds), 3), 3);
    }
}
