using GenBounds.Compression;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

/// <summary>
/// The sparse first-layer path: its kernel against the plain reference and the exact product, and the trainer's sparse
/// epochs against its dense ones (same steps up to summation order), with masks, priors, hooks and the automatic choice.
/// </summary>
public class SparseInputTests
{
    // Rows of a rows×cols matrix with about `density` nonzeros, some of them −0 and tiny values, as float32.
    private static float[] SparseMatrix(int rows, int cols, double density, ulong seed)
    {
        var rng = new Rng(seed);
        var x = new float[rows * cols];
        for (int i = 0; i < x.Length; i++)
        {
            double u = rng.NextDouble();
            x[i] = u < density ? (float)rng.NextGaussian() : u < density + 0.02 ? -0f : 0f;
        }
        return x;
    }

    // Data whose features are ~75% exact zeros (MNIST-like), labels from a random linear rule so training makes progress.
    internal static Dataset SparseData(int n, int d, int k, ulong seed)
    {
        var x = SparseMatrix(n, d, 0.25, seed);
        var rng = new Rng(seed + 1);
        var w = new double[k * d]; rng.FillGaussian(w);
        var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            double best = double.NegativeInfinity;
            for (int c = 0; c < k; c++)
            {
                double s = 0;
                for (int j = 0; j < d; j++) s += w[c * d + j] * x[i * d + j];
                if (s > best) { best = s; y[i] = c; }
            }
        }
        return new Dataset("sparse-synthetic", x, y, d, k);
    }

    [Theory]
    [InlineData(1, 1, 0, 1)]
    [InlineData(7, 13, 0, 13)]
    [InlineData(9, 100, 0, 100)]
    [InlineData(5, 150, 3, 141)]
    [InlineData(17, 257, 64, 200)]
    [InlineData(3, 70, 60, 70)]
    public void The_sparse_product_gives_the_reference_fma_chain_bit_for_bit_and_the_exact_product_within_its_rounding_bound(int rows, int width, int o0, int o1)
    {
        const int inner = 37;
        var xs = SparseMatrix(rows, inner, 0.3, (ulong)(rows * 1000 + width));
        var s = new SparseRows(rows + 2, inner);
        s.FillFromDense(xs, 0, rows);
        var m = new float[inner * width];
        new Rng(5).FillUniform(m, -2f, 2f);
        var fast = Enumerable.Repeat(float.NaN, rows * width).ToArray();
        var reference = Enumerable.Repeat(float.NaN, rows * width).ToArray();
        SparseProduct.Multiply(s, 0, rows, m, width, o0, o1, fast, width);
        SparseProduct.Reference(s, 0, rows, m, width, o0, o1, reference, width);
        for (int i = 0; i < fast.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(reference[i]), BitConverter.SingleToInt32Bits(fast[i]));
        // Outside [o0, o1) nothing is written; inside, the exact product (float64) within n·u·Σ|x||m| (n = nonzeros of the row).
        for (int r = 0; r < rows; r++)
            for (int o = 0; o < width; o++)
            {
                float got = fast[r * width + o];
                if (o < o0 || o >= o1) { Assert.True(float.IsNaN(got)); continue; }
                double exact = 0, abs = 0; int nnz = 0;
                for (int j = 0; j < inner; j++)
                {
                    double p = (double)xs[r * inner + j] * m[j * width + o];
                    exact += p; abs += Math.Abs(p); if (xs[r * inner + j] != 0) nnz++;
                }
                double u = Math.Pow(2, -24), bound = nnz * u / (1 - nnz * u) * abs;
                Assert.True(Math.Abs(got - exact) <= bound, $"row {r} col {o}: {got} vs {exact}, bound {bound}");
            }
    }

    [Fact]
    public void Rows_hold_exactly_the_nonzeros_in_order_and_the_transpose_holds_them_by_column()
    {
        int rows = 11, cols = 29;
        var x = SparseMatrix(rows, cols, 0.4, 8);
        var s = new SparseRows(rows, cols);
        s.FillFromDense(x, 0, rows);
        for (int r = 0; r < rows; r++)
        {
            var expected = Enumerable.Range(0, cols).Where(j => x[r * cols + j] != 0f).ToArray();
            Assert.Equal(expected, s.Indices(r).ToArray());
            Assert.Equal(expected.Select(j => x[r * cols + j]), s.Values(r).ToArray());
        }
        var t = new SparseRows(cols, rows);
        t.FillTransposed(s, rows, 0, 13);
        t.FillTransposed(s, rows, 13, cols);   // two ranges, as two team members fill them
        for (int c = 0; c < cols; c++)
        {
            var expected = Enumerable.Range(0, rows).Where(r => x[r * cols + c] != 0f).ToArray();
            Assert.Equal(expected, t.Indices(c).ToArray());
            Assert.Equal(expected.Select(r => x[r * cols + c]), t.Values(c).ToArray());
        }
    }

    private static (Mlp Net, Trainer Trainer) Train(Dataset data, MlpArchitecture arch, TrainingOptions o, InputSparsity mode, int threads,
                                                   NetworkMasks? masks = null)
    {
        var net = Trainer.Initialize(arch, o.Seed);
        var trainer = new Trainer(net, o with { InputSparsity = mode }, LinearAlgebraProviders.Managed, masks, threads);
        for (int e = 0; e < o.Epochs; e++) trainer.TrainEpoch(data);
        return (net, trainer);
    }

    // Largest |a − b| over every weight and bias, relative to the largest |weight| of its layer.
    internal static double MaxRelativeDifference(Mlp a, Mlp b)
    {
        double worst = 0;
        for (int l = 0; l < a.Layers.Length; l++)
        {
            var (x, y) = (a.Layers[l].Weight, b.Layers[l].Weight);
            double scale = x.Max(v => Math.Abs(v));
            for (int i = 0; i < x.Length; i++) worst = Math.Max(worst, Math.Abs(x[i] - y[i]) / scale);
            if (a.Layers[l].Bias is { } ba && b.Layers[l].Bias is { } bb)
                for (int i = 0; i < ba.Length; i++) worst = Math.Max(worst, Math.Abs(ba[i] - bb[i]) / scale);
        }
        return worst;
    }

    // The optimiser states of two trainers agree entry by entry to 1e-4 relative (in the network's layout).
    internal static void AssertCloseStates(Trainer a, Trainer b)
    {
        var (sa, _, _) = a.ExportState(); var (sb, _, _) = b.ExportState();
        foreach (var key in sa.Keys)
            for (int i = 0; i < sa[key].Length; i++)
                Assert.True(Math.Abs(sa[key][i] - sb[key][i]) <= 1e-4 * (Math.Abs(sb[key][i]) + 1e-3), $"{key}[{i}]: {sa[key][i]} vs {sb[key][i]}");
    }

    [Theory]
    [InlineData(OptimizerKind.Adam, true, 1)]
    [InlineData(OptimizerKind.Adam, false, 2)]
    [InlineData(OptimizerKind.Sgd, true, 2)]
    public void Sparse_epochs_take_the_dense_epochs_steps_up_to_summation_order(OptimizerKind opt, bool bias, int threads)
    {
        var data = SparseData(300, 40, 3, 31);
        var arch = new MlpArchitecture([40, 70, 20, 3], bias);
        var prior = Trainer.Initialize(arch, 99);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 32, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 2e-3 : 0.05,
                                      WeightDecay = 1e-4, PriorPenalty = 0.05, Prior = prior, Seed = 4 };
        var (sparse, ts) = Train(data, arch, o, InputSparsity.Sparse, threads);
        var (dense, td) = Train(data, arch, o, InputSparsity.Dense, threads);
        var (start, _) = Train(data, arch, o with { Epochs = 0 }, InputSparsity.Dense, threads);
        // Training moved the weights by O(1e-1); the two orders of summation differ by float32 rounding, amplified a little
        // over 20 steps. A transposed or misplaced gradient would differ at the scale of the movement itself.
        double moved = MaxRelativeDifference(dense, start), diff = MaxRelativeDifference(sparse, dense);
        Assert.True(moved > 1e-2, $"training moved the weights only {moved}");
        Assert.True(diff < 1e-4, $"sparse and dense epochs differ by {diff} (movement {moved})");
        // The optimiser state comes back in the network's layout too.
        AssertCloseStates(ts, td);
        // Same seed, same threads: the same bits.
        var (again, _) = Train(data, arch, o, InputSparsity.Sparse, threads);
        for (int l = 0; l < arch.Depth; l++) Assert.Equal(sparse.Layers[l].Weight, again.Layers[l].Weight);
    }

    [Fact]
    public void Auto_multiplies_sparsely_on_mostly_zero_inputs_and_densely_otherwise()
    {
        var arch = new MlpArchitecture([40, 30, 3], true);
        var o = new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 6 };
        var sparseData = SparseData(200, 40, 3, 7);
        var denseData = BackpropTests.Synthetic(200, 40, 3, 7);
        var (autoOnSparse, _) = Train(sparseData, arch, o, InputSparsity.Auto, 1);
        var (forcedSparse, _) = Train(sparseData, arch, o, InputSparsity.Sparse, 1);
        var (forcedDenseOnSparse, _) = Train(sparseData, arch, o, InputSparsity.Dense, 1);
        var (autoOnDense, _) = Train(denseData, arch, o, InputSparsity.Auto, 1);
        var (forcedDense, _) = Train(denseData, arch, o, InputSparsity.Dense, 1);
        Assert.Equal(forcedSparse.Layers[0].Weight, autoOnSparse.Layers[0].Weight);
        Assert.NotEqual(forcedDenseOnSparse.Layers[0].Weight, autoOnSparse.Layers[0].Weight);   // the paths really differ in the last bits
        Assert.Equal(forcedDense.Layers[0].Weight, autoOnDense.Layers[0].Weight);
    }

    [Fact]
    public void A_masked_sparse_run_keeps_pruned_weights_at_zero_and_the_after_step_hook_reads_the_current_weights()
    {
        var data = SparseData(256, 40, 3, 12);
        var arch = new MlpArchitecture([40, 50, 3], true);
        var rng = new Rng(13);
        var masks = new NetworkMasks(arch, Enumerable.Range(0, arch.Depth).Select(l =>
        {
            var v = new byte[arch.LayerSizes[l] * arch.LayerSizes[l + 1]];
            for (int i = 0; i < v.Length; i++) v[i] = rng.NextDouble() < 0.5 ? (byte)1 : (byte)0;
            return new Mask(arch.LayerSizes[l + 1], arch.LayerSizes[l], v);
        }).ToArray());
        var o = new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 14 };
        var net = Trainer.Initialize(arch, o.Seed);
        var trainer = new Trainer(net, o with { InputSparsity = InputSparsity.Sparse }, LinearAlgebraProviders.Managed, masks, 2);
        float[]? atStep3 = null;
        trainer.AfterStep = s => { if (s == 3) atStep3 = (float[])net.Layers[0].Weight.Clone(); };
        trainer.TrainEpoch(data);
        var w = net.Layers[0].Weight; var keep = masks.Layers[0].Values;
        for (int i = 0; i < w.Length; i++) if (keep[i] == 0) Assert.Equal(0f, w[i]);
        // A run stopped after 3 steps ends with the weights the hook saw at step 3.
        var stopped = Trainer.Initialize(arch, o.Seed);
        new Trainer(stopped, o with { InputSparsity = InputSparsity.Sparse, MaxSteps = 3 }, LinearAlgebraProviders.Managed, masks, 2).TrainEpoch(data);
        Assert.NotNull(atStep3);
        Assert.Equal(stopped.Layers[0].Weight, atStep3);
        Assert.NotEqual(w, atStep3);
    }
}
