using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class DropoutTests
{
    [Fact]
    public void Dropout_gradients_agree_with_finite_differences_under_a_fixed_mask()
    {
        var arch = new MlpArchitecture([7, 9, 8, 3], bias: true);
        var net = Mlp.InitializeDefault(arch, new Rng(2));
        var w = net.Layers.Select(l => l.WeightAsDouble()).ToArray();
        var b = net.Layers.Select(l => (double[]?)Array.ConvertAll(l.Bias!, v => (double)v)).ToArray();
        var rng = new Rng(3);
        int batch = 5;
        var x = new double[batch * 7]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(3)).ToArray();
        var bp = new NetworkBackprop<double>(LinearAlgebraProviders.Managed, net.AsNetwork().Architecture, batch) { DropoutRate = 0.3 };
        // Re-seeding the mask source before every forward pass fixes the mask, so the loss is a smooth function of W.
        double Loss() { bp.DropoutRng = new Rng(77); bp.Forward(w, b, x, batch); return bp.CrossEntropy(y, batch, out _); }
        Loss();
        bp.Backward(w, x, batch);
        var gw = bp.WeightGradients.Select(g => (double[])g.Clone()).ToArray();
        int zeros = 0;
        for (int l = 0; l < w.Length; l++)
            for (int i = 0; i < w[l].Length; i++)
            {
                double keep = w[l][i], h = 1e-6;
                w[l][i] = keep + h; double up = Loss();
                w[l][i] = keep - h; double down = Loss();
                w[l][i] = keep;
                double fd = (up - down) / (2 * h);
                if (gw[l][i] == 0) zeros++;
                Assert.True(Math.Abs(fd - gw[l][i]) <= 1e-7 + 1e-5 * Math.Abs(fd), $"dW[{l}][{i}]: backprop {gw[l][i]} vs finite difference {fd}");
            }
        Assert.True(zeros > 0, "a 30% dropout mask must zero some gradients");
    }

    [Fact]
    public void Zero_dropout_or_no_mask_source_leaves_training_bit_identical()
    {
        var arch = new MlpArchitecture([6, 12, 3], bias: true);
        var data = PosteriorTrainingTests.Blobs(300, new Rng(4));
        string Train(double dropout)
        {
            var net = Trainer.Initialize(arch, 3);
            new Trainer(net, new TrainingOptions { Epochs = 1, BatchSize = 32, Seed = 3, Dropout = dropout }, LinearAlgebraProviders.Default).TrainEpoch(data);
            return net.ContentHash();
        }
        Assert.Equal(Train(0), Train(0));
        Assert.NotEqual(Train(0), Train(0.2));
        Assert.Equal(Train(0.2), Train(0.2));
        // Evaluation never drops units: a fresh backprop has no mask source.
        var net2 = Trainer.Initialize(arch, 3);
        var e1 = Evaluation.Evaluate(net2, data, LinearAlgebraProviders.Default);
        Assert.Equal(e1.Accuracy, Evaluation.Evaluate(net2, data, LinearAlgebraProviders.Default).Accuracy);
    }
}
