using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class NetworkBackpropTests
{
    [Theory]
    [InlineData(1, true)] [InlineData(2, false)] [InlineData(3, true)] [InlineData(4, false)] [InlineData(5, true)] [InlineData(6, false)]
    public void Cnn_gradients_agree_with_central_finite_differences_in_float64(ulong seed, bool bias)
    {
        var rng = new Rng(seed);
        var arch = NaiveNetwork.RandomArchitecture(rng, bias);
        var net = Network.InitializeDefault(arch, rng.Split("init"));
        var (w, b) = NaiveNetwork.Parameters(net);
        int batch = 3;
        var x = new double[batch * arch.InputShape.Size]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(arch.OutputSize)).ToArray();
        AssertFiniteDifferenceGradients(new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch), w, b, x, y, batch);
    }

    // Every weight and bias gradient of one backward pass against central finite differences of the loss (step 1e-6).
    private static void AssertFiniteDifferenceGradients(NetworkBackprop<double> bp, double[][] w, double[]?[] b, double[] x, int[] y, int batch)
    {
        var arch = bp.Architecture;
        double Loss() { bp.Forward(w, b, x, batch); return bp.CrossEntropy(y, batch, out _); }
        Loss();
        bp.Backward(w, x, batch);
        var gw = bp.WeightGradients.Select(g => (double[])g.Clone()).ToArray();
        var gb = bp.BiasGradients.Select(g => (double[])g.Clone()).ToArray();
        const double h = 1e-6;
        void Check(double[] p, double[] grad, string what)
        {
            for (int i = 0; i < p.Length; i++)
            {
                double keep = p[i];
                p[i] = keep + h; double up = Loss();
                p[i] = keep - h; double down = Loss();
                p[i] = keep;
                double fd = (up - down) / (2 * h);
                Assert.True(Math.Abs(fd - grad[i]) <= 1e-7 + 1e-5 * Math.Abs(fd), $"{arch}: {what}[{i}] backprop {grad[i]} vs finite difference {fd}");
            }
        }
        for (int k = 0; k < w.Length; k++)
        {
            Check(w[k], gw[k], $"dW{k}");
            if (arch.Bias) Check(b[k]!, gb[k], $"db{k}"); else Assert.Empty(gb[k]);
        }
    }

    // LeNet-shaped nets whose first convolution is grouped (4 pixels per patch row, pair order for the pooling fused into
    // its blocks) and whose second is not (16 channels), plus variants that take the other pooling routes.
    [Theory]
    [InlineData("1x16x16:conv6k5p2-pool2-conv16k3-pool2-fc10", true, new[] { 4, 1 })]
    [InlineData("1x16x16:conv6k5p2-pool2-conv16k3-pool2-fc10", false, new[] { 4, 1 })]
    [InlineData("2x15x15:conv6k3p2-pool2-conv16k3-avgpool2-fc12-4", true, new[] { 17, 1 })]
    [InlineData("1x16x16:conv6k5p2-maxpool2-relu-conv5k3-relu-maxpool2s1-flatten-fc7", false, new[] { 4, 6 })]
    public void Grouped_and_pooled_convolutions_get_finite_difference_gradients_and_the_naive_forward(string architecture, bool bias, int[] groups)
    {
        var arch = NetworkArchitecture.Parse(architecture, bias: bias);
        var net = Network.InitializeDefault(arch, new Rng(5));
        var (w, b) = NaiveNetwork.Parameters(net);
        var rng = new Rng(6);
        int batch = 3, d = arch.InputShape.Size, k = arch.OutputSize;
        var x = new double[batch * d]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(k)).ToArray();
        var bp = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch);
        Assert.Equal(groups, bp.ConvolutionGroups);
        var logits = bp.Forward(w, b, x, batch).ToArray();
        for (int s = 0; s < batch; s++)
        {
            var expected = NaiveNetwork.Forward(arch, w, b, x.AsSpan(s * d, d).ToArray());
            for (int j = 0; j < k; j++) Assert.True(Math.Abs(logits[s * k + j] - expected[j]) <= 1e-12 * (1 + Math.Abs(expected[j])), $"sample {s} logit {j}");
        }
        AssertFiniteDifferenceGradients(bp, w, b, x, y, batch);
    }

    [Theory]
    [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)]
    public void Cnn_forward_agrees_with_the_naive_network_in_float64_and_float32(ulong seed)
    {
        var rng = new Rng(seed);
        for (int trial = 0; trial < 5; trial++)
        {
            var arch = NaiveNetwork.RandomArchitecture(rng, bias: rng.NextInt(2) == 0);
            var net = Network.InitializeDefault(arch, rng.Split($"init-{trial}"));
            var (w, b) = NaiveNetwork.Parameters(net);
            int batch = 1 + rng.NextInt(4), d = arch.InputShape.Size, k = arch.OutputSize;
            var x = new double[batch * d]; rng.FillGaussian(x);
            var bp = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch);
            var logits = bp.Forward(w, b, x, batch).ToArray();
            var bpf = new NetworkBackprop<float>(LinearAlgebraProviders.Default, arch, batch);
            var logitsF = bpf.Forward(net.WeightLayers.Select(l => l.Weight).ToArray(), net.WeightLayers.Select(l => l.Bias).ToArray(),
                Array.ConvertAll(x, v => (float)v), batch).ToArray();
            for (int s = 0; s < batch; s++)
            {
                var expected = NaiveNetwork.Forward(arch, w, b, x.AsSpan(s * d, d).ToArray());
                for (int j = 0; j < k; j++)
                {
                    Assert.True(Math.Abs(logits[s * k + j] - expected[j]) <= 1e-12 * (1 + Math.Abs(expected[j])), $"{arch}: sample {s} logit {j}: {logits[s * k + j]} vs {expected[j]}");
                    Assert.True(Math.Abs(logitsF[s * k + j] - expected[j]) <= 1e-4 * (1 + Math.Abs(expected[j])), $"{arch} float32: {logitsF[s * k + j]} vs {expected[j]}");
                }
            }
        }
    }

    [Theory]
    [InlineData(true)] [InlineData(false)]
    public void On_an_mlp_the_general_backprop_is_bit_identical_to_the_mlp_backprop(bool bias)
    {
        var mlp = Mlp.InitializeDefault(new MlpArchitecture([13, 9, 7, 4], bias), new Rng(3));
        var net = mlp.AsNetwork();
        var rng = new Rng(4);
        int batch = 11;
        var x = new float[batch * 13]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(4)).ToArray();
        var w = mlp.Layers.Select(l => l.Weight).ToArray(); var b = mlp.Layers.Select(l => l.Bias).ToArray();
        var old = new Backprop<float>(LinearAlgebraProviders.Default, mlp.Architecture.LayerSizes, bias, batch);
        var gen = new NetworkBackprop<float>(LinearAlgebraProviders.Default, net.Architecture, batch);
        Assert.Equal(old.Forward(w, b, x, batch).ToArray(), gen.Forward(w, b, x, batch).ToArray());
        Assert.Equal(old.CrossEntropy(y, batch, out int c1), gen.CrossEntropy(y, batch, out int c2));
        Assert.Equal(c1, c2);
        var doneOld = new List<int>(); var doneGen = new List<int>();
        old.Backward(w, x, batch, doneOld.Add);
        gen.Backward(w, x, batch, doneGen.Add);
        Assert.Equal(doneOld, doneGen);
        for (int l = 0; l < w.Length; l++)
        {
            Assert.Equal(old.WeightGradients[l], gen.WeightGradients[l]);
            Assert.Equal(old.BiasGradients[l], gen.BiasGradients[l]);
        }
    }

    /// <summary>Synthetic 1×8×8 images: class c has a bright 3×3 blob in quadrant c, plus noise.</summary>
    internal static Dataset BlobImages(int n, ulong seed, int channels = 1)
    {
        var rng = new Rng(seed);
        int side = 8, d = channels * side * side;
        var x = new float[n * d]; var y = new int[n];
        for (int i = 0; i < n; i++)
        {
            int c = rng.NextInt(4); y[i] = c;
            int oy = (c / 2) * 4 + rng.NextInt(2), ox = (c % 2) * 4 + rng.NextInt(2);
            for (int ch = 0; ch < channels; ch++)
                for (int p = 0; p < side * side; p++)
                {
                    int py = p / side, px = p % side;
                    bool blob = py >= oy && py < oy + 3 && px >= ox && px < ox + 3;
                    x[i * d + ch * side * side + p] = (float)((blob ? 1.0 : 0.0) + 0.3 * rng.NextGaussian());
                }
        }
        return new Dataset("blobs", x, y, d, 4) { ImageShape = new TensorShape(channels, side, side) };
    }

    [Fact]
    public void A_small_cnn_learns_blob_images_and_training_is_bit_reproducible()
    {
        var data = BlobImages(600, 5, channels: 2);
        var arch = NetworkArchitecture.Parse("conv4k3p1-pool2-conv6k3s2-fc12-4", data.ImageShape);
        var options = new TrainingOptions { Epochs = 4, BatchSize = 32, LearningRate = 0.01, Seed = 11 };
        Network Train()
        {
            var net = Trainer.Initialize(arch, options.Seed);
            var t = new Trainer(net, options, LinearAlgebraProviders.Default);
            for (int e = 0; e < options.Epochs; e++) t.TrainEpoch(data);
            return net;
        }
        var a = Train(); var b = Train();
        Assert.Equal(a.ContentHash(), b.ContentHash());
        var eval = Evaluation.Evaluate(a, BlobImages(300, 6, channels: 2), LinearAlgebraProviders.Default);
        Assert.True(eval.Accuracy > 0.9, $"accuracy {eval.Accuracy}");
    }

    [Fact]
    public void Convolutions_give_the_same_results_whatever_the_sample_block_size()
    {
        var arch = NetworkArchitecture.Parse("2x9x7:conv3k3s2p1-avgpool2s1-conv4k2-fc5");
        var net = Network.InitializeDefault(arch, new Rng(1));
        var (w, b) = NaiveNetwork.Parameters(net);
        var rng = new Rng(2); int batch = 7;
        var x = new double[batch * arch.InputShape.Size]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(5)).ToArray();
        var one = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch, patchBlockBytes: 1);
        var all = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch, patchBlockBytes: 1L << 30);
        Assert.All(one.ConvolutionBlocks, v => Assert.Equal(1, v));
        Assert.All(all.ConvolutionBlocks, v => Assert.Equal(batch, v));
        var logits = new List<double[]>();
        foreach (var bp in new[] { one, all }) { logits.Add(bp.Forward(w, b, x, batch).ToArray()); bp.CrossEntropy(y, batch, out _); bp.Backward(w, x, batch); }
        for (int i = 0; i < logits[0].Length; i++) Assert.Equal(logits[0][i], logits[1][i], 12);
        for (int k = 0; k < w.Length; k++)
            for (int i = 0; i < w[k].Length; i++) Assert.Equal(one.WeightGradients[k][i], all.WeightGradients[k][i], 12);
    }

    [Fact]
    public void Workers_sharing_convolutions_poolings_and_dense_layers_change_only_the_rounding_even_with_dropout()
    {
        // Dense layers this wide are shared among the workers (400→120 and 120→84 style products), the last one is not.
        var arch = NetworkArchitecture.Parse("1x16x16:conv6k5p2-pool2-conv16k3-pool2-fc120-fc84-10");
        var net = Network.InitializeDefault(arch, new Rng(9));
        var (w, b) = NaiveNetwork.Parameters(net);
        var rng = new Rng(10); int batch = 64;
        var x = new double[batch * arch.InputShape.Size]; rng.FillGaussian(x);
        var y = Enumerable.Range(0, batch).Select(_ => rng.NextInt(10)).ToArray();
        (double[] Logits, double[][] Dw, double[][] Db) Run(int workers)
        {
            var bp = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch, workers: workers) { DropoutRate = 0.2, DropoutRng = new Rng(11) };
            var logits = bp.Forward(w, b, x, batch).ToArray();
            bp.CrossEntropy(y, batch, out _);
            bp.Backward(w, x, batch);
            return (logits, bp.WeightGradients.Select(g => (double[])g.Clone()).ToArray(), bp.BiasGradients.Select(g => (double[])g.Clone()).ToArray());
        }
        var one = Run(1);
        var two = Run(2);
        Assert.Equal(two.Logits, Run(2).Logits);
        foreach (var other in new[] { two, Run(3) })
        {
            for (int i = 0; i < one.Logits.Length; i++) Assert.Equal(one.Logits[i], other.Logits[i], 12);
            for (int l = 0; l < one.Dw.Length; l++)
            {
                for (int i = 0; i < one.Dw[l].Length; i++) Assert.Equal(one.Dw[l][i], other.Dw[l][i], 12);
                for (int i = 0; i < one.Db[l].Length; i++) Assert.Equal(one.Db[l][i], other.Db[l][i], 12);
            }
        }
    }

    [Fact]
    public void Worker_threads_change_only_the_rounding_and_repeat_bit_for_bit()
    {
        var data = BlobImages(300, 8, channels: 2);
        var arch = NetworkArchitecture.Parse("conv4k3p1-pool2-conv6k3-fc12-4", data.ImageShape);
        Network Train(int workers)
        {
            var options = new TrainingOptions { Epochs = 1, BatchSize = 64, Seed = 2, Workers = workers };
            var net = Trainer.Initialize(arch, 2);
            var t = new Trainer(net, options, LinearAlgebraProviders.Default);
            t.TrainEpoch(data);
            return net;
        }
        var one = Train(1); var two = Train(2); var twoAgain = Train(2); var three = Train(3);
        Assert.Equal(two.ContentHash(), twoAgain.ContentHash());
        foreach (var other in new[] { two, three })
            for (int k = 0; k < arch.Depth; k++)
                for (int i = 0; i < one.WeightLayers[k].Weight.Length; i++)
                    Assert.True(Math.Abs(one.WeightLayers[k].Weight[i] - other.WeightLayers[k].Weight[i]) <= 1e-4, $"layer {k} weight {i}");
    }
}
