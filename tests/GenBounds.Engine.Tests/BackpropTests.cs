using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class BackpropTests
{
    private static (double[][] W, double[]?[] B) Params(Mlp net) =>
        (net.Layers.Select(l => l.WeightAsDouble()).ToArray(),
         net.Layers.Select(l => l.Bias is null ? null : Array.ConvertAll(l.Bias, v => (double)v)).ToArray());

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Gradients_agree_with_central_finite_differences_in_float64(bool bias)
    {
        var arch = new MlpArchitecture(new[] { 6, 5, 4, 3 }, bias);
        var net = Mlp.InitializeDefault(arch, new Rng(5));
        var (w, b) = Params(net);
        var rng = new Rng(9);
        int batch = 7;
        var x = new double[batch * 6]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(3)).ToArray();
        var bp = new Backprop<double>(LinearAlgebraProviders.Default, arch.LayerSizes, bias, batch);
        double Loss() { bp.Forward(w, b, x, batch); return bp.CrossEntropy(y, batch, out _); }
        Loss();
        bp.Backward(w, x, batch);
        var gw = bp.WeightGradients.Select(g => (double[])g.Clone()).ToArray();
        var gb = bp.BiasGradients.Select(g => (double[])g.Clone()).ToArray();
        const double h = 1e-6;
        for (int l = 0; l < w.Length; l++)
        {
            for (int i = 0; i < w[l].Length; i++)
            {
                double keep = w[l][i];
                w[l][i] = keep + h; double up = Loss();
                w[l][i] = keep - h; double down = Loss();
                w[l][i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - gw[l][i]) <= 1e-7 + 1e-5 * Math.Abs(fd), $"dW[{l}][{i}]: backprop {gw[l][i]} vs finite difference {fd}");
            }
            if (!bias) { Assert.Empty(gb[l]); continue; }
            for (int i = 0; i < b[l]!.Length; i++)
            {
                double keep = b[l]![i];
                b[l]![i] = keep + h; double up = Loss();
                b[l]![i] = keep - h; double down = Loss();
                b[l]![i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - gb[l][i]) <= 1e-7 + 1e-5 * Math.Abs(fd), $"db[{l}][{i}]: backprop {gb[l][i]} vs finite difference {fd}");
            }
        }
    }

    [Fact]
    public void Cross_entropy_of_uniform_logits_is_log_k_and_ties_count_as_errors()
    {
        var arch = new MlpArchitecture(new[] { 3, 4 }, bias: false);
        var bp = new Backprop<double>(LinearAlgebraProviders.Default, arch.LayerSizes, false, 2);
        var w = new[] { new double[12] };
        bp.Forward(w, new double[]?[] { null }, new double[6] { 1, 2, 3, 4, 5, 6 }, 2);
        double loss = bp.CrossEntropy(new[] { 0, 3 }, 2, out int correct);
        Assert.Equal(Math.Log(4), loss, 12);
        Assert.Equal(0, correct);
    }

    internal static Dataset Synthetic(int n, int d, int k, ulong seed)
    {
        // Linearly separable-ish clusters so that a few epochs make visible progress.
        var rng = new Rng(seed);
        var centers = new double[k * d]; rng.FillGaussian(centers);
        var x = new float[n * d]; var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            y[i] = rng.NextInt(k);
            for (int j = 0; j < d; j++) x[i * d + j] = (float)(centers[y[i] * d + j] + 0.5 * rng.NextGaussian());
        }
        return new Dataset("synthetic", x, y, d, k);
    }

    [Theory]
    [InlineData(OptimizerKind.Adam)]
    [InlineData(OptimizerKind.Sgd)]
    public void Same_seed_and_thread_count_give_bit_identical_weights(OptimizerKind opt)
    {
        var data = Synthetic(1000, 20, 4, 3);
        var arch = new MlpArchitecture(new[] { 20, 64, 32, 4 }, bias: true);
        var o = new TrainingOptions { Epochs = 2, BatchSize = 50, Optimizer = opt, LearningRate = opt == OptimizerKind.Adam ? 1e-3 : 0.05, WeightDecay = 1e-4, Seed = 77 };
        string Run(ulong seed)
        {
            var net = Trainer.Initialize(arch, seed);
            var t = new Trainer(net, o with { Seed = seed }, LinearAlgebraProviders.Default);
            for (int e = 0; e < o.Epochs; e++) t.TrainEpoch(data);
            return net.ContentHash();
        }
        Assert.Equal(Run(77), Run(77));
        Assert.NotEqual(Run(77), Run(78));
    }

    [Fact]
    public void Training_lowers_the_loss_and_raises_accuracy_on_separable_data()
    {
        var data = Synthetic(2000, 20, 4, 4);
        var net = Trainer.Initialize(new MlpArchitecture(new[] { 20, 32, 4 }, bias: true), 1);
        var before = Evaluation.Evaluate(net, data, LinearAlgebraProviders.Default);
        var t = new Trainer(net, new TrainingOptions { Epochs = 3, BatchSize = 32, Seed = 1 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 3; e++) t.TrainEpoch(data);
        var after = Evaluation.Evaluate(net, data, LinearAlgebraProviders.Default);
        Assert.True(after.Loss < 0.5 * before.Loss, $"loss {before.Loss} → {after.Loss}");
        Assert.True(after.Accuracy > 0.9, $"accuracy {after.Accuracy}");
    }

    [Fact]
    public void Resuming_from_exported_state_reproduces_uninterrupted_training_exactly()
    {
        var data = Synthetic(600, 10, 3, 8);
        var arch = new MlpArchitecture(new[] { 10, 16, 3 }, bias: true);
        var o = new TrainingOptions { Epochs = 3, BatchSize = 64, Seed = 5 };
        var straight = Trainer.Initialize(arch, 5);
        var t1 = new Trainer(straight, o, LinearAlgebraProviders.Default);
        for (int e = 0; e < 3; e++) t1.TrainEpoch(data);

        var first = Trainer.Initialize(arch, 5);
        var t2 = new Trainer(first, o, LinearAlgebraProviders.Default);
        t2.TrainEpoch(data);
        var (state, step, epochs) = t2.ExportState();
        var resumed = first.Clone();
        var t3 = new Trainer(resumed, o, LinearAlgebraProviders.Default);
        t3.ImportState(state, step, epochs);
        t3.TrainEpoch(data); t3.TrainEpoch(data);
        Assert.Equal(straight.ContentHash(), resumed.ContentHash());
    }

    [Fact]
    public void The_prior_penalty_pulls_weights_toward_the_prior()
    {
        var data = Synthetic(500, 10, 3, 2);
        var arch = new MlpArchitecture(new[] { 10, 16, 3 }, bias: false);
        var prior = Trainer.Initialize(arch, 3);
        double Distance(double lambda)
        {
            var net = prior.Clone();
            var t = new Trainer(net, new TrainingOptions { Epochs = 2, BatchSize = 25, Optimizer = OptimizerKind.Sgd, LearningRate = 0.05, PriorPenalty = lambda, Prior = prior, Seed = 3 }, LinearAlgebraProviders.Default);
            t.TrainEpoch(data); t.TrainEpoch(data);
            return net.Layers.Zip(prior.Layers).Sum(p => p.First.Weight.Zip(p.Second.Weight).Sum(q => (double)(q.First - q.Second) * (q.First - q.Second)));
        }
        Assert.True(Distance(5.0) < 0.5 * Distance(0.0));
    }

    [Fact]
    public void Invalid_options_are_rejected_with_a_clear_message()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TrainingOptions { BatchSize = 0 }.Validate());
        Assert.Contains("batch size", ex.Message);
        Assert.Throws<ArgumentException>(() => new TrainingOptions { LearningRate = double.NaN }.Validate());
        Assert.Throws<ArgumentException>(() => new TrainingOptions { PriorPenalty = 1 }.Validate());
    }
}
