using GenBounds.Compression;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

/// <summary>
/// Hidden layers multiplied by their ReLU inputs' nonzeros (<see cref="TrainingOptions.ActivationSparsity"/>): the
/// input-major GEMM variants against the output-major ones, and the trainer's epochs against its dense epochs (same steps
/// up to summation order) on both of a batch's routes, with masks, priors, hooks and both team splits.
/// </summary>
public class SparseHiddenTests
{
    private static float[] Transposed(float[] w, int rows, int cols)
    {
        var t = new float[w.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
        return t;
    }

    [Theory]
    [InlineData(1)] [InlineData(7)]
    public void Every_input_major_product_equals_the_output_major_product_on_the_transposed_weights(int batch)
    {
        int[] sizes = [9, 13, 11, 4];
        var rng = new Rng(21);
        var w = Enumerable.Range(0, 3).Select(l => { var a = new float[sizes[l] * sizes[l + 1]]; rng.FillUniform(a, -1f, 1f); return a; }).ToArray();
        var b = Enumerable.Range(0, 3).Select(l => { var a = new float[sizes[l + 1]]; rng.FillUniform(a, -0.5f, 0.5f); return (float[]?)a; }).ToArray();
        var wt = Enumerable.Range(0, 3).Select(l => Transposed(w[l], sizes[l + 1], sizes[l])).ToArray();
        var x = new float[batch * sizes[0]]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(4)).ToArray();
        var plain = new Backprop<float>(LinearAlgebraProviders.Managed, sizes, true, batch);
        var major = new Backprop<float>(LinearAlgebraProviders.Managed, sizes, true, batch);
        // Layer 1 input-major in the second backprop: forward by rows for layer 0, by units (two ranges) for layer 1.
        for (int l = 0; l < 3; l++)
        {
            plain.ForwardLayerRows(l, w, b, x, 0, batch);
            if (l == 1) { major.ForwardLayerUnits(1, wt, b, x, batch, 0, 5, inputMajor: true); major.ForwardLayerUnits(1, wt, b, x, batch, 5, 11, inputMajor: true); }
            else if (l == 2) major.ForwardLayerRows(2, wt, b, x, 0, batch, inputMajor: true);
            else major.ForwardLayerRows(l, w, b, x, 0, batch);
        }
        for (int l = 0; l < 3; l++)
            AssertClose(plain.LayerOutput(l)[..(batch * sizes[l + 1])], major.LayerOutput(l)[..(batch * sizes[l + 1])], $"output of layer {l}");
        plain.CrossEntropy(y, batch, out _); major.CrossEntropy(y, batch, out _);
        // Backward, layer 2 with a row split and layer 1 with a column split on the input-major side.
        plain.WeightGradientRows(2, x, batch, 0, 4); plain.InputGradientRows(2, w, batch, 0, batch);
        major.WeightGradientFeatures(2, x, batch, 0, 6); major.WeightGradientFeatures(2, x, batch, 6, 11); major.BiasGradientUnits(2, batch, 0, 4);
        major.InputGradientRows(2, wt, batch, 0, batch, inputMajor: true);
        plain.WeightGradientRows(1, x, batch, 0, 11); plain.InputGradientColumns(1, w, batch, 0, 13);
        major.WeightGradientFeatures(1, x, batch, 0, 13); major.BiasGradientUnits(1, batch, 0, 11);
        major.InputGradientColumns(1, wt, batch, 0, 4, inputMajor: true); major.InputGradientColumns(1, wt, batch, 4, 13, inputMajor: true);
        for (int l = 1; l < 3; l++)
        {
            AssertClose(Transposed(plain.WeightGradients[l], sizes[l + 1], sizes[l]), major.WeightGradients[l], $"∂W of layer {l}");
            AssertClose(plain.BiasGradients[l], major.BiasGradients[l], $"∂b of layer {l}");
        }
        AssertClose(plain.PreActivationGradient(0)[..(batch * sizes[1])], major.PreActivationGradient(0)[..(batch * sizes[1])], "∂Z of layer 0");
    }

    private static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = 0;
        foreach (float v in expected) scale = Math.Max(scale, Math.Abs(v));
        Assert.True(scale > 0, $"{what} is all zeros: nothing compared");
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-5 * scale, $"{what}[{i}]: {actual[i]} vs {expected[i]}");
    }

    [Theory]
    [InlineData(5, 40, 70)]
    [InlineData(33, 200, 1000)]
    [InlineData(1, 17, 63)]
    public void The_masked_input_gradient_is_the_product_where_the_input_is_nonzero_and_zero_elsewhere_whatever_the_feature_split(int batch, int features, int n)
    {
        var rng = new Rng((ulong)(batch * 7 + n));
        var a = new float[batch * features];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() < 0.3 ? (float)rng.NextDouble() + 0.1f : 0f;
        var dz = new float[batch * n]; rng.FillGaussian(dz);
        var wt = new float[features * n]; rng.FillUniform(wt, -1f, 1f);
        var rows = new SparseRows(batch, features); rows.FillFromDense(a, 0, batch);
        var cols = new SparseRows(features, batch);
        int split = features / 3;
        cols.FillTransposed(rows, batch, 0, split); cols.FillTransposed(rows, batch, split, features);
        var whole = Enumerable.Repeat(float.NaN, batch * features).ToArray();
        var parts = Enumerable.Repeat(float.NaN, batch * features).ToArray();
        SparseProduct.MaskedInputGradient(cols, 0, features, batch, dz, wt, n, whole, features);
        SparseProduct.MaskedInputGradient(cols, split, features, batch, dz, wt, n, parts, features);
        SparseProduct.MaskedInputGradient(cols, 0, split, batch, dz, wt, n, parts, features);
        Assert.Equal(whole, parts);   // the same bits whatever the split
        for (int r = 0; r < batch; r++)
            for (int j = 0; j < features; j++)
            {
                float got = whole[r * features + j];
                if (a[r * features + j] == 0f) { Assert.Equal(0f, got); continue; }
                double exact = 0, abs = 0;
                for (int o = 0; o < n; o++) { double p = (double)dz[r * n + o] * wt[j * n + o]; exact += p; abs += Math.Abs(p); }
                double u = Math.Pow(2, -24), bound = n * u / (1 - n * u) * abs;
                Assert.True(Math.Abs(got - exact) <= bound, $"({r}, {j}): {got} vs {exact}, bound {bound}");
            }
    }

    [Fact]
    public void Counting_nonzeros_agrees_with_the_scalar_test_including_negative_zero_and_nan()
    {
        var rng = new Rng(3);
        foreach (int n in new[] { 0, 1, 7, 8, 9, 63, 100 })
        {
            var x = new float[n];
            for (int i = 0; i < n; i++) { double u = rng.NextDouble(); x[i] = u < 0.3 ? 0f : u < 0.4 ? -0f : u < 0.45 ? float.NaN : (float)rng.NextGaussian(); }
            Assert.Equal(x.Count(v => v != 0f), SparseRows.CountNonzeros(x));
        }
    }

    private static (Mlp Net, Trainer Trainer, List<EpochStats> Stats) Train(Dataset data, MlpArchitecture arch, TrainingOptions o, InputSparsity hidden,
                                                                          int threads, NetworkMasks? masks = null)
    {
        var net = Trainer.Initialize(arch, o.Seed);
        var trainer = new Trainer(net, o with { InputSparsity = InputSparsity.Dense, ActivationSparsity = hidden }, LinearAlgebraProviders.Managed, masks, threads);
        var stats = new List<EpochStats>();
        for (int e = 0; e < o.Epochs; e++) stats.Add(trainer.TrainEpoch(data));
        return (net, trainer, stats);
    }

    // Widths: 70 → 80 → 3 is the row-split team path; 520 → 520 (over 1 MiB of weights) splits a two-member team by units.
    [Theory]
    [InlineData(OptimizerKind.Adam, true, 1, 80, InputSparsity.Sparse)]
    [InlineData(OptimizerKind.Adam, true, 2, 80, InputSparsity.Auto)]
    [InlineData(OptimizerKind.Sgd, false, 2, 80, InputSparsity.Sparse)]
    [InlineData(OptimizerKind.Adam, true, 2, 520, InputSparsity.Sparse)]
    [InlineData(OptimizerKind.Adam, false, 2, 520, InputSparsity.Auto)]
    [InlineData(OptimizerKind.Adam, true, 2, 520, InputSparsity.Auto)]
    [InlineData(OptimizerKind.Sgd, false, 2, 520, InputSparsity.Auto)]
    public void Hidden_layers_multiplied_by_their_inputs_nonzeros_take_the_dense_steps_up_to_summation_order(OptimizerKind opt, bool bias, int threads, int width, InputSparsity mode)
    {
        var data = BackpropTests.Synthetic(192, 30, 3, 41);
        var arch = new MlpArchitecture([30, width, width, 3], bias);
        var prior = Trainer.Initialize(arch, 99);
        // Adam's ε is 1e-5, not 1e-8: a weight whose batch gradient cancels to rounding level gets a step of about lr·sign(g)
        // under ε = 1e-8, so one order of summation against another moves it by O(lr) (measured: 1.2e-3 of the weight scale
        // on the bias-free 520-wide net, in either route, while SGD and the biased nets agree to 1e-5); the test is of the
        // products, and a misplaced or transposed gradient would differ at the scale of the movement itself (≥ 1e-2).
        var o = new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.02,
                                      WeightDecay = 1e-4, PriorPenalty = 0.05, Prior = prior, Seed = 4, Epsilon = 1e-5 };
        var (sparse, ts, stats) = Train(data, arch, o, mode, threads);
        var (dense, td, denseStats) = Train(data, arch, o, InputSparsity.Dense, threads);
        var (start, _, _) = Train(data, arch, o with { Epochs = 0 }, InputSparsity.Dense, threads);
        double moved = SparseInputTests.MaxRelativeDifference(dense, start), diff = SparseInputTests.MaxRelativeDifference(sparse, dense);
        Assert.True(moved > 1e-2, $"training moved the weights only {moved}");
        Assert.True(diff < 1e-4, $"sparse and dense epochs differ by {diff} (movement {moved})");
        SparseInputTests.AssertCloseStates(ts, td);
        // Which layers took which route: Sparse holds every hidden layer and always multiplies sparsely; Auto holds the
        // layers with ≥ 64 outputs, starts each epoch sparse and here (about half the ReLUs on) continues densely.
        Assert.Empty(denseStats[0].LayerInputs);
        var layers = stats[^1].LayerInputs;
        Assert.Equal(mode == InputSparsity.Sparse ? new[] { 1, 2 } : new[] { 1 }, layers.Select(s => s.Layer).ToArray());
        foreach (var s in layers)
        {
            Assert.Equal(6, s.Batches);
            Assert.InRange(s.NonzeroFraction, 0.05, 0.95);
            if (mode == InputSparsity.Sparse) Assert.Equal(6, s.SparseBatches);
            else Assert.InRange(s.SparseBatches, 1, 5);   // both routes ran
        }
        // Same seed, same threads: the same bits.
        var (again, _, _) = Train(data, arch, o, mode, threads);
        for (int l = 0; l < arch.Depth; l++) Assert.Equal(sparse.Layers[l].Weight, again.Layers[l].Weight);
    }

    [Fact]
    public void A_masked_hidden_layer_keeps_pruned_weights_at_zero_and_the_after_step_hook_reads_the_current_weights()
    {
        var data = BackpropTests.Synthetic(256, 30, 3, 12);
        var arch = new MlpArchitecture([30, 70, 80, 3], true);
        var rng = new Rng(13);
        var masks = new NetworkMasks(arch, Enumerable.Range(0, arch.Depth).Select(l =>
        {
            var v = new byte[arch.LayerSizes[l] * arch.LayerSizes[l + 1]];
            for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() < 0.5 ? (byte)1 : (byte)0;
            return new Mask(arch.LayerSizes[l + 1], arch.LayerSizes[l], v);
        }).ToArray());
        var o = new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 14, ActivationSparsity = InputSparsity.Sparse };
        var net = Trainer.Initialize(arch, o.Seed);
        var trainer = new Trainer(net, o, LinearAlgebraProviders.Managed, masks, 2);
        float[]? atStep3 = null;
        trainer.AfterStep = s => { if (s == 3) atStep3 = (float[])net.Layers[1].Weight.Clone(); };
        trainer.TrainEpoch(data);
        for (int l = 1; l < arch.Depth; l++)
        {
            var w = net.Layers[l].Weight; var keep = masks.Layers[l].Values;
            for (int i = 0; i < w.Length; i++) if (keep[i] == 0) Assert.Equal(0f, w[i]);
        }
        var stopped = Trainer.Initialize(arch, o.Seed);
        new Trainer(stopped, o with { MaxSteps = 3 }, LinearAlgebraProviders.Managed, masks, 2).TrainEpoch(data);
        Assert.NotNull(atStep3);
        Assert.Equal(stopped.Layers[1].Weight, atStep3);
        Assert.NotEqual(net.Layers[1].Weight, atStep3);
    }
}
