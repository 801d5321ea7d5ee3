using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class CnnCifarTests
{
    /// <summary>
    /// Synthetic CIFAR-10 binary batches (the real record format: label byte, then the red, green and blue 32×32 planes):
    /// class c is a bright square in one of ten positions and colours on noise, so a small CNN can learn it.
    /// </summary>
    internal static void WriteSynthetic(string folder, int perBatch, ulong seed)
    {
        var rng = new Rng(seed);
        byte[] Records(int n)
        {
            var bytes = new byte[n * Cifar10.RecordSize];
            for (int r = 0; r < n; r++)
            {
                int c = rng.NextInt(10);
                var rec = bytes.AsSpan(r * Cifar10.RecordSize, Cifar10.RecordSize);
                rec[0] = (byte)c;
                int oy = (c / 5) * 14 + rng.NextInt(4), ox = (c % 5) * 5 + rng.NextInt(3), colour = c % 3;
                for (int ch = 0; ch < 3; ch++)
                    for (int p = 0; p < 1024; p++)
                    {
                        int y = p / 32, x = p % 32;
                        bool on = ch == colour && y >= oy && y < oy + 8 && x >= ox && x < ox + 6;
                        rec[1 + ch * 1024 + p] = (byte)Math.Clamp((on ? 200 : 60) + 40 * rng.NextGaussian(), 0, 255);
                    }
            }
            return bytes;
        }
        foreach (var f in Cifar10.TrainFiles) File.WriteAllBytes(Path.Combine(folder, f), Records(perBatch));
        File.WriteAllBytes(Path.Combine(folder, Cifar10.TestFile), Records(perBatch));
    }

    [Fact]
    public void A_narrow_vgg11_learns_synthetic_cifar_batches()
    {
        using var dir = new TempFolder();
        WriteSynthetic(dir.Path, 160, 1);
        var (train, test) = Cifar10.Load(dir.Path);
        Assert.Equal(new TensorShape(3, 32, 32), train.ImageShape);
        var arch = NetworkArchitecture.Parse("vgg11w4", train.ImageShape);
        Assert.Equal(8, arch.Layers.Count(l => l is Conv2dSpec));
        var net = Trainer.Initialize(arch, 3);
        var t = new Trainer(net, new TrainingOptions { Epochs = 6, BatchSize = 32, LearningRate = 3e-3, Seed = 3 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 6; e++) t.TrainEpoch(train);
        var acc = Evaluation.Evaluate(net, test, LinearAlgebraProviders.Default).Accuracy;
        Assert.True(acc > 0.3, $"test accuracy {acc} (chance 0.1)");
    }

    [Fact]
    public void A_missing_cifar_folder_is_a_clear_error()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => Cifar10.Load("/nonexistent/cifar"));
        Assert.Contains("does not exist", e.Message);
        Assert.Contains("--data-dir", e.Message);
    }
}
