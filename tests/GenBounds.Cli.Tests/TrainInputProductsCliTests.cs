using System.Text.Json.Nodes;
using Xunit;

namespace GenBounds.Cli.Tests;

public class TrainInputProductsCliTests
{
    // --input-products (first layer) on 784-64-10, --activation-products (hidden layers) on 784-128-96-10.
    [Theory]
    [InlineData("input-products", "784-64-10", "maybe")]
    [InlineData("activation-products", "784-128-96-10", "sometimes")]
    public void Sparse_and_dense_products_train_mnist_to_the_same_accuracy_are_recorded_and_a_bad_mode_writes_nothing(string option, string arch, string badMode)
    {
        using var tmp = new TempFolder();
        double Train(string mode)
        {
            string file = tmp.File(mode + ".safetensors");
            var r = CliProcess.Run("train", "--arch", arch, "--epochs", "2", "--train-subset", "4000", "--seed", "9",
                                   "--" + option, mode, "--out", file, "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            var info = CliProcess.Run("info", file, "--json");
            Assert.True(info.ExitCode == 0, info.StdErr);
            Assert.Equal(mode, JsonNode.Parse(info.StdOut)!["metadata"]![option.Replace('-', '_')]!.GetValue<string>());
            var result = JsonNode.Parse(r.StdOut)!;
            // Per epoch, the hidden layers held input-major: both for forced sparse products (every batch sparse), none
            // for dense; the first-layer option leaves the hidden layers at auto, where 64 → 10 is not held.
            var epochs = result["hidden_inputs"]!.AsArray();
            Assert.Equal(2, epochs.Count);
            foreach (var epoch in epochs)
            {
                var layers = epoch!.AsArray();
                Assert.Equal(option == "activation-products" && mode == "sparse" ? 2 : 0, layers.Count);
                foreach (var layer in layers)
                {
                    Assert.InRange(layer!["nonzero_fraction"]!.GetValue<double>(), 0.01, 0.99);
                    Assert.Equal(layer["batches"]!.GetValue<int>(), layer["sparse_batches"]!.GetValue<int>());
                }
            }
            return result["test_accuracy"]!.GetValue<double>();
        }
        double sparse = Train("sparse"), dense = Train("dense");
        // The same steps up to float32 summation order: accuracies within a few test points of each other, and well trained.
        Assert.True(sparse > 0.85 && dense > 0.85, $"sparse {sparse}, dense {dense}");
        Assert.True(Math.Abs(sparse - dense) < 0.01, $"sparse {sparse}, dense {dense}");
        var bad = CliProcess.Run("train", "--arch", "784-64-10", "--epochs", "1", "--" + option, badMode, "--out", tmp.File("bad.safetensors"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--" + option, bad.StdErr);
        Assert.False(File.Exists(tmp.File("bad.safetensors")));
    }
}
