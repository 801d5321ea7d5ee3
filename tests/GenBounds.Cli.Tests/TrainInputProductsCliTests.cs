using System.Text.Json.Nodes;
using Xunit;

namespace GenBounds.Cli.Tests;

public class TrainInputProductsCliTests
{
    [Fact]
    public void Sparse_and_dense_first_layer_products_train_mnist_to_the_same_accuracy_and_a_bad_mode_writes_nothing()
    {
        using var tmp = new TempFolder();
        double Train(string mode)
        {
            var r = CliProcess.Run("train", "--arch", "784-64-10", "--epochs", "2", "--train-subset", "4000", "--seed", "9",
                                   "--input-products", mode, "--out", tmp.File(mode + ".safetensors"), "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            return JsonNode.Parse(r.StdOut)!["test_accuracy"]!.GetValue<double>();
        }
        double sparse = Train("sparse"), dense = Train("dense");
        // The same steps up to float32 summation order: accuracies within a few test points of each other, and well trained.
        Assert.True(sparse > 0.85 && dense > 0.85, $"sparse {sparse}, dense {dense}");
        Assert.True(Math.Abs(sparse - dense) < 0.01, $"sparse {sparse}, dense {dense}");
        var bad = CliProcess.Run("train", "--arch", "784-64-10", "--epochs", "1", "--input-products", "maybe", "--out", tmp.File("bad.safetensors"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--input-products", bad.StdErr);
        Assert.False(File.Exists(tmp.File("bad.safetensors")));
    }

    [Fact]
    public void Sparse_and_dense_hidden_layer_products_train_mnist_to_the_same_accuracy_are_recorded_and_a_bad_mode_writes_nothing()
    {
        using var tmp = new TempFolder();
        double Train(string mode)
        {
            string file = tmp.File(mode + ".safetensors");
            var r = CliProcess.Run("train", "--arch", "784-128-96-10", "--epochs", "2", "--train-subset", "4000", "--seed", "9",
                                   "--activation-products", mode, "--out", file, "--json");
            Assert.True(r.ExitCode == 0, r.StdErr);
            var info = CliProcess.Run("info", file, "--json");
            Assert.True(info.ExitCode == 0, info.StdErr);
            Assert.Equal(mode, JsonNode.Parse(info.StdOut)!["metadata"]!["activation_products"]!.GetValue<string>());
            var result = JsonNode.Parse(r.StdOut)!;
            // Per epoch, the hidden layers held input-major: both for forced sparse products (every batch sparse), none for dense.
            var epochs = result["hidden_inputs"]!.AsArray();
            Assert.Equal(2, epochs.Count);
            foreach (var epoch in epochs)
            {
                var layers = epoch!.AsArray();
                Assert.Equal(mode == "sparse" ? 2 : 0, layers.Count);
                foreach (var layer in layers)
                {
                    Assert.InRange(layer!["nonzero_fraction"]!.GetValue<double>(), 0.01, 0.99);
                    Assert.Equal(layer["batches"]!.GetValue<int>(), layer["sparse_batches"]!.GetValue<int>());
                }
            }
            return result["test_accuracy"]!.GetValue<double>();
        }
        double sparse = Train("sparse"), dense = Train("dense");
        Assert.True(sparse > 0.85 && dense > 0.85, $"sparse {sparse}, dense {dense}");
        Assert.True(Math.Abs(sparse - dense) < 0.01, $"sparse {sparse}, dense {dense}");
        var bad = CliProcess.Run("train", "--arch", "784-64-10", "--epochs", "1", "--activation-products", "sometimes", "--out", tmp.File("bad.safetensors"));
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("--activation-products", bad.StdErr);
        Assert.False(File.Exists(tmp.File("bad.safetensors")));
    }
}
