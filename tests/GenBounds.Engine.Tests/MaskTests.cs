using GenBounds.Compression;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class MaskTests
{
    [Fact]
    public void A_mask_accepts_only_zero_or_one_and_the_exact_shape()
    {
        Assert.Throws<ArgumentException>(() => new Mask(2, 2, new byte[] { 0, 1, 2, 1 }));
        Assert.Throws<ArgumentException>(() => new Mask(2, 3, new byte[] { 0, 1, 1, 1 }));
        Assert.Throws<ArgumentException>(() => Mask.FromFloats(1, 2, new[] { 1f, 0.5f }));
        var m = Mask.FromFloats(1, 3, new[] { 1f, 0f, 1f });
        Assert.Equal(2, m.KeptCount);
        Assert.True(m[0, 2]);
        Assert.False(m[0, 1]);
    }

    [Fact]
    public void Network_masks_must_match_every_layer_shape()
    {
        var arch = new MlpArchitecture(new[] { 3, 4, 2 }, bias: true);
        Assert.Throws<ArgumentException>(() => new NetworkMasks(arch, new[] { Mask.Ones(3, 4), Mask.Ones(2, 4) }));
        Assert.Throws<ArgumentException>(() => new NetworkMasks(arch, new[] { Mask.Ones(4, 3) }));
    }

    [Fact]
    public void Applying_masks_zeroes_exactly_the_masked_weights_and_leaves_biases_untouched()
    {
        var arch = new MlpArchitecture(new[] { 3, 4, 2 }, bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(5));
        var rng = new Rng(6);
        var masks = new NetworkMasks(arch, net.Layers.Select(l =>
        {
            var b = new byte[l.Weight.Length];
            for (int i = 0; i < b.Length; i++) b[i] = (byte)(rng.NextDouble() < 0.5 ? 1 : 0);
            return new Mask(l.Out, l.In, b);
        }).ToArray());
        var pruned = masks.Apply(net);
        for (int l = 0; l < net.Layers.Length; l++)
        {
            for (int i = 0; i < net.Layers[l].Weight.Length; i++)
                Assert.Equal(masks.Layers[l].Values[i] == 1 ? net.Layers[l].Weight[i] : 0f, pruned.Layers[l].Weight[i]);
            Assert.Equal(net.Layers[l].Bias!, pruned.Layers[l].Bias!);
        }
        Assert.True(masks.IsSubsetOf(NetworkMasks.Ones(arch)));
        Assert.False(NetworkMasks.Ones(arch).IsSubsetOf(masks));
    }
}
