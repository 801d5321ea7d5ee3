using GenBounds.Compression;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class MaskedTrainingTests
{
    /// <summary>A small separable-ish synthetic data set: class = argmax of three fixed projections of Gaussian inputs.</summary>
    internal static Dataset Synthetic(int n, int dim, ulong seed, string name)
    {
        var rng = new Rng(seed);
        var proj = new double[3 * dim];
        new Rng(99).FillGaussian(proj);
        var x = new float[n * dim];
        rng.FillGaussian(x);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            double best = double.NegativeInfinity;
            for (int c = 0; c < 3; c++)
            {
                double s = 0;
                for (int k = 0; k < dim; k++) s += proj[c * dim + k] * x[i * dim + k];
                if (s > best) { best = s; y[i] = c; }
            }
        }
        return new Dataset(name, x, y, dim, 3);
    }

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

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(37)]
    [InlineData(1003)]
    public void Masked_Adam_updates_kept_entries_bit_for_bit_like_Adam_and_zeroes_pruned_entries_and_moments(int n)
    {
        var rng = new Rng((ulong)n);
        float[] R() { var a = new float[n]; rng.FillGaussian(a); return a; }
        var p = R(); var g = R(); var m = R(); var v = Array.ConvertAll(R(), Math.Abs); var prior = R();
        var mask = Enumerable.Range(0, n).Select(i => (i * 7 + n) % 3 == 0 ? 0f : 1f).ToArray();
        var c = new OptimizerSteps.AdamCoefficients(0.9f, 0.999f, 1e-3f, 1.2f, 1e-8f, 0.01f, 0.05f);
        var (p1, m1, v1) = ((float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone());
        var (p2, m2, v2) = ((float[])p.Clone(), (float[])m.Clone(), (float[])v.Clone());
        OptimizerSteps.Adam(p1, g, m1, v1, prior, c);
        OptimizerSteps.AdamMasked(p2, g, m2, v2, prior, mask, c);
        for (int i = 0; i < n; i++)
            if (mask[i] == 1) { Assert.Equal(p1[i], p2[i]); Assert.Equal(m1[i], m2[i]); Assert.Equal(v1[i], v2[i]); }
            else { Assert.Equal(0f, p2[i]); Assert.Equal(0f, m2[i]); Assert.Equal(0f, v2[i]); }
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Pruned_weights_and_their_optimiser_state_stay_exactly_zero_through_training(OptimizerKind optimizer)
    {
        var data = Synthetic(300, 12, 1, "syn");
        var arch = new MlpArchitecture([12, 16, 8, 3], bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(2));
        var masks = RandomMasks(arch, 0.4, 3);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = optimizer, LearningRate = optimizer == OptimizerKind.Adam ? 1e-2 : 0.1, WeightDecay = 0.01, Seed = 4 };
        var t = new Trainer(net, o, new ManagedLinearAlgebraProvider(), masks);
        t.TrainEpoch(data); t.TrainEpoch(data);
        var (state, _, _) = t.ExportState();
        for (int l = 0; l < arch.Depth; l++)
            for (int i = 0; i < net.Layers[l].Weight.Length; i++)
            {
                bool kept = masks.Layers[l].Values[i] == 1;
                if (!kept)
                {
                    Assert.Equal(0f, net.Layers[l].Weight[i]);
                    Assert.Equal(0f, state[$"exp_avg.{2 * l}.weight"][i]);
                    if (optimizer == OptimizerKind.Adam) Assert.Equal(0f, state[$"exp_avg_sq.{2 * l}.weight"][i]);
                }
            }
        Assert.Contains(net.Layers[0].Weight, w => w != 0);
    }

    [Fact]
    public void All_keep_masks_train_bit_identically_to_unmasked_training()
    {
        var data = Synthetic(257, 10, 5, "syn");
        var arch = new MlpArchitecture([10, 13, 3], bias: true);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 16, LearningRate = 5e-3, Seed = 6 };
        var a = Mlp.InitializeDefault(arch, new Rng(7));
        var b = a.Clone();
        var la = new ManagedLinearAlgebraProvider();
        var ta = new Trainer(a, o, la);
        var tb = new Trainer(b, o, la, NetworkMasks.Ones(arch));
        for (int e = 0; e < 2; e++) { ta.TrainEpoch(data); tb.TrainEpoch(data); }
        Assert.Equal(a.ContentHash(), b.ContentHash());
    }

    [Fact]
    public void The_after_step_hook_sees_every_step_in_order()
    {
        var data = Synthetic(100, 6, 8, "syn");
        var net = Mlp.InitializeDefault(new MlpArchitecture([6, 5, 3], bias: false), new Rng(9));
        var t = new Trainer(net, new TrainingOptions { BatchSize = 30, Seed = 1 }, new ManagedLinearAlgebraProvider());
        var seen = new List<long>();
        t.AfterStep = s => seen.Add(s);
        t.TrainEpoch(data);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, seen);
    }

    [Fact]
    public void Masks_of_another_architecture_are_rejected()
    {
        var net = Mlp.InitializeDefault(new MlpArchitecture([6, 5, 3], bias: false), new Rng(9));
        var masks = NetworkMasks.Ones(new MlpArchitecture([6, 4, 3], bias: false));
        Assert.Throws<ArgumentException>(() => new Trainer(net, new TrainingOptions(), new ManagedLinearAlgebraProvider(), masks));
    }
}
