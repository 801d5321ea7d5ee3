using System.Text.Json;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class NetworkModelFileTests
{
    private static string Fixture(string name) => Path.Combine(Repo.Root, "tests", "GenBounds.Engine.Tests", "fixtures", name);

    [Theory]
    [InlineData("1x28x28:conv6k5p2-pool2-conv16k5-pool2-fc120-fc84-10")]
    [InlineData("3x8x8:conv4k3s2p1-avgpool2s1-conv3k1-7/nobias")]
    [InlineData("1x28x28:fc20-10")]
    public void Networks_round_trip_every_bit_with_pytorch_names_and_layouts(string text)
    {
        var arch = NetworkArchitecture.Parse(text);
        var net = Network.InitializeDefault(arch, new Rng(3));
        using var dir = new TempFolder();
        var path = dir.File("m.safetensors");
        ModelFile.Save(path, net, new ModelMetadata { Seed = 3, Epochs = 2 });
        var file = Safetensors.Read(path);
        Assert.Equal(ModelFile.NetworkFormat, file.Metadata!["format"]);
        Assert.Equal(arch.ToString(), file.Metadata["architecture"]);
        for (int k = 0; k < arch.Depth; k++)
        {
            var t = file[$"{arch.WeightModules[k]}.weight"];
            Assert.Equal(net.WeightLayers[k].WeightShape, t.Shape);
            Assert.Equal(arch.Bias, file.TryGet($"{arch.WeightModules[k]}.bias", out _));
        }
        var (back, meta) = ModelFile.LoadNetwork(path);
        Assert.Equal(net.ContentHash(), back.ContentHash());
        Assert.Equal(3UL, meta.Seed);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(path));
        Assert.Contains("LoadNetwork", e.Message);
    }

    [Fact]
    public void An_mlp_saved_as_a_network_is_the_mlp_file_byte_for_byte()
    {
        var mlp = Mlp.InitializeDefault(MlpArchitecture.Parse("5-4-3", true), new Rng(1));
        using var dir = new TempFolder();
        var meta = new ModelMetadata { Created = DateTimeOffset.UnixEpoch };
        ModelFile.Save(dir.File("a"), mlp, meta);
        ModelFile.Save(dir.File("b"), mlp.AsNetwork(), meta);
        Assert.Equal(File.ReadAllBytes(dir.File("a")), File.ReadAllBytes(dir.File("b")));
        var (net, _) = ModelFile.LoadNetwork(dir.File("a"));
        Assert.True(net.Architecture.IsMlp);
        Assert.Equal(mlp.ContentHash(), net.ContentHash());
        // The same tensors also load into the equivalent image-input stack (flatten first): indices are matched in order.
        var (img, _) = ModelFile.LoadNetwork(dir.File("a"), NetworkArchitecture.Parse("1x1x5:fc4-3"));
        Assert.Equal(mlp.Layers[1].Weight, img.WeightLayers[1].Weight);
    }

    private static (NetworkArchitecture Arch, float[] X, double[] Y32, double[] Y64) Expected()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("torch_cnn_expected.json")));
        var r = doc.RootElement;
        double[] Arr(string k) => r.GetProperty(k).EnumerateArray().Select(e => e.GetDouble()).ToArray();
        return (NetworkArchitecture.Parse(r.GetProperty("architecture").GetString()!), Arr("input").Select(v => (float)v).ToArray(), Arr("float32"), Arr("float64"));
    }

    [Fact]
    public void A_pytorch_written_cnn_loads_and_computes_pytorchs_outputs()
    {
        var (arch, x, y32, y64) = Expected();
        var (net, meta) = ModelFile.LoadNetwork(Fixture("torch_cnn.safetensors"));
        Assert.Equal(arch, net.Architecture);
        Assert.Equal("pt", meta.Extra["format"]);
        int batch = x.Length / arch.InputShape.Size;
        var bp = new NetworkBackprop<float>(LinearAlgebraProviders.Default, arch, batch);
        var logits = bp.Forward(net.WeightLayers.Select(l => l.Weight).ToArray(), net.WeightLayers.Select(l => l.Bias).ToArray(), x, batch).ToArray();
        for (int i = 0; i < logits.Length; i++) Assert.True(Math.Abs(logits[i] - y32[i]) <= 1e-5 * (1 + Math.Abs(y32[i])), $"output {i}: {logits[i]} vs PyTorch {y32[i]}");
        var (w, b) = NaiveNetwork.Parameters(net);
        var bpd = new NetworkBackprop<double>(LinearAlgebraProviders.Default, arch, batch);
        var exact = bpd.Forward(w, b, Array.ConvertAll(x, v => (double)v), batch).ToArray();
        for (int i = 0; i < exact.Length; i++) Assert.True(Math.Abs(exact[i] - y64[i]) <= 1e-12 * (1 + Math.Abs(y64[i])), $"float64 output {i}: {exact[i]} vs PyTorch {y64[i]}");
    }

    [Fact]
    public void A_pytorch_cnn_without_architecture_metadata_needs_one_and_then_loads()
    {
        var (arch, _, _, _) = Expected();
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.LoadNetwork(Fixture("torch_cnn_noarch.safetensors")));
        Assert.Contains("does not record strides, paddings or pooling", e.Message);
        var (net, _) = ModelFile.LoadNetwork(Fixture("torch_cnn_noarch.safetensors"), arch);
        var (withMeta, _) = ModelFile.LoadNetwork(Fixture("torch_cnn.safetensors"));
        Assert.Equal(withMeta.ContentHash(), net.ContentHash());
        var wrong = NetworkArchitecture.Parse("2x11x9:conv3k3s2p1-pool2-conv4k1-avgpool2s1-fc6-5");
        var bad = Assert.Throws<InvalidDataException>(() => ModelFile.LoadNetwork(Fixture("torch_cnn_noarch.safetensors"), wrong));
        Assert.Contains("needs [4,3,1,1]", bad.Message);
        var moved = NetworkArchitecture.Parse("2x11x9:conv3k3s2p1-conv4k2x1-pool2-fc6-5");
        Assert.Contains("missing", Assert.Throws<InvalidDataException>(() => ModelFile.LoadNetwork(Fixture("torch_cnn_noarch.safetensors"), moved)).Message);
    }

    [Fact]
    public void A_cnn_file_disagreeing_with_a_requested_architecture_is_rejected()
    {
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.LoadNetwork(Fixture("torch_cnn.safetensors"), NetworkArchitecture.Parse("lenet5", new TensorShape(1, 28, 28))));
        Assert.Contains("not the requested", e.Message);
    }

    [Fact]
    public void Cnn_checkpoints_resume_bit_identically()
    {
        var data = NetworkBackpropTests.BlobImages(200, 1);
        var arch = NetworkArchitecture.Parse("conv3k3-pool2-fc8-4", data.ImageShape);
        var options = new TrainingOptions { Epochs = 3, BatchSize = 16, Seed = 5 };
        var straight = Trainer.Initialize(arch, 5);
        var t = new Trainer(straight, options, LinearAlgebraProviders.Default);
        for (int e = 0; e < 3; e++) t.TrainEpoch(data);

        var first = Trainer.Initialize(arch, 5);
        var t1 = new Trainer(first, options, LinearAlgebraProviders.Default);
        t1.TrainEpoch(data);
        using var dir = new TempFolder();
        var c = new Checkpoint(t1.EpochsDone, t1.Step, 5);
        c.SetNetwork("model.", first);
        foreach (var (k, v) in t1.ExportState().Tensors) c.Set(k, v);
        Assert.Contains("exp_avg.4.weight", c.TensorNames);                 // Sequential index of the dense layer
        c.Save(dir.File("ck"));
        var loaded = Checkpoint.Load(dir.File("ck"));
        var resumed = loaded.GetNetwork("model.", arch);
        var t2 = new Trainer(resumed, options, LinearAlgebraProviders.Default);
        t2.ImportState(loaded.TensorNames.Where(n => !n.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(n => n, loaded.Get), loaded.Step, loaded.Epoch);
        for (int e = t2.EpochsDone; e < 3; e++) t2.TrainEpoch(data);
        Assert.Equal(straight.ContentHash(), resumed.ContentHash());
    }
}
