using GenBounds.Compression;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class IterativePruningTests
{
    private static Mlp Net() => Mlp.InitializeDefault(new MlpArchitecture(new[] { 30, 20, 10 }, bias: true), new Rng(3));

    [Theory]
    [InlineData(PruningScope.Global)]
    [InlineData(PruningScope.LayerWise)]
    public void Masks_shrink_monotonically_and_each_round_prunes_the_target_fraction_within_one_weight(PruningScope scope)
    {
        var net = Net();
        var prev = NetworkMasks.Ones(net.Architecture);
        foreach (var round in IterativePruning.Run(net, 5, 0.2, scope))
        {
            Assert.True(round.Masks.IsSubsetOf(prev));
            if (scope == PruningScope.Global)
            {
                double target = 0.2 * prev.KeptCount;
                long removed = prev.KeptCount - round.Masks.KeptCount;
                Assert.True(removed >= target && removed < target + 1, $"removed {removed}, target {target}");
            }
            else
                for (int l = 0; l < net.Layers.Length; l++)
                {
                    double target = 0.2 * prev.Layers[l].KeptCount;
                    long removed = prev.Layers[l].KeptCount - round.Masks.Layers[l].KeptCount;
                    Assert.True(removed >= target && removed < target + 1, $"layer {l}: removed {removed}, target {target}");
                    Assert.Equal(removed, round.PrunedThisRound[l]);
                }
            prev = round.Masks;
        }
        Assert.InRange(prev.KeptCount / (double)prev.PositionCount, Math.Pow(0.8, 5) - 0.01, Math.Pow(0.8, 5) + 0.01);
    }

    [Theory]
    [InlineData(PruningScope.Global)]
    [InlineData(PruningScope.LayerWise)]
    public void The_threshold_separates_surviving_weights_from_weights_pruned_in_the_round(PruningScope scope)
    {
        var net = Net();
        var prev = NetworkMasks.Ones(net.Architecture);
        foreach (var round in IterativePruning.Run(net, 4, 0.3, scope))
        {
            for (int l = 0; l < net.Layers.Length; l++)
            {
                var w = net.Layers[l].Weight;
                for (int i = 0; i < w.Length; i++)
                {
                    bool was = prev.Layers[l].Values[i] == 1, now = round.Masks.Layers[l].Values[i] == 1;
                    if (now) Assert.True(Math.Abs(w[i]) >= round.Thresholds[l]);
                    else if (was) Assert.True(Math.Abs(w[i]) <= round.Thresholds[l]);
                }
            }
            if (scope == PruningScope.Global) Assert.All(round.Thresholds, t => Assert.Equal(round.Thresholds[0], t));
            prev = round.Masks;
        }
    }

    [Fact]
    public void Pruned_weights_stay_pruned_even_if_retraining_makes_them_large()
    {
        var net = Net();
        var r1 = IterativePruning.PruneRound(net, NetworkMasks.Ones(net.Architecture), 0.5, PruningScope.Global);
        var retrained = net.Clone();
        // Pretend retraining blew up the masked weights: they must not be ranked, so they cannot come back.
        for (int l = 0; l < net.Layers.Length; l++)
            for (int i = 0; i < retrained.Layers[l].Weight.Length; i++)
                if (r1.Masks.Layers[l].Values[i] == 0) retrained.Layers[l].Weight[i] = 100f;
        var r2 = IterativePruning.PruneRound(retrained, r1.Masks, 0.5, PruningScope.Global);
        Assert.True(r2.Masks.IsSubsetOf(r1.Masks));
        Assert.Equal((long)Math.Ceiling(0.5 * r1.Masks.KeptCount), r1.Masks.KeptCount - r2.Masks.KeptCount);
    }

    [Fact]
    public void Per_layer_fractions_remove_the_ceiling_of_each_layers_own_fraction_of_its_survivors()
    {
        var net = Net();
        var masks = NetworkMasks.Ones(net.Architecture);
        var fractions = new[] { 0.2, 0.1 };
        for (int round = 0; round < 4; round++)
        {
            var r = IterativePruning.PruneRound(net, masks, fractions);
            for (int l = 0; l < 2; l++)
            {
                long before = masks.Layers[l].KeptCount;
                Assert.Equal((long)Math.Ceiling(fractions[l] * before), before - r.Masks.Layers[l].KeptCount);
                Assert.Equal(before - r.Masks.Layers[l].KeptCount, r.PrunedThisRound[l]);
                var w = net.Layers[l].Weight;
                for (int i = 0; i < w.Length; i++)
                {
                    if (r.Masks.Layers[l].Values[i] == 1) Assert.True(Math.Abs(w[i]) >= r.Thresholds[l]);
                    else if (masks.Layers[l].Values[i] == 1) Assert.True(Math.Abs(w[i]) <= r.Thresholds[l]);
                }
            }
            Assert.True(r.Masks.IsSubsetOf(masks));
            masks = r.Masks;
        }
        Assert.Throws<ArgumentException>(() => IterativePruning.PruneRound(net, masks, [0.2]));
    }
}
