using System.Runtime.InteropServices;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class ModelFileTests
{
    private static Mlp Network(string sizes, bool bias, ulong seed = 1) => Mlp.InitializeDefault(MlpArchitecture.Parse(sizes, bias), new Rng(seed));

    private static void AssertSameBits(Mlp expected, Mlp actual)
    {
        Assert.Equal(expected.Architecture, actual.Architecture);
        for (int l = 0; l < expected.Layers.Length; l++)
        {
            Assert.True(MemoryMarshal.AsBytes(expected.Layers[l].Weight.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.Layers[l].Weight.AsSpan())), $"weight {l}");
            Assert.Equal(expected.Layers[l].Bias is null, actual.Layers[l].Bias is null);
            if (expected.Layers[l].Bias is { } b)
                Assert.True(MemoryMarshal.AsBytes(b.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.Layers[l].Bias.AsSpan())), $"bias {l}");
        }
        Assert.Equal(expected.ContentHash(), actual.ContentHash());
    }

    /// <summary>f(x) = W₂·ReLU(W₁x + b₁) + b₂ …, written out independently of any engine code.</summary>
    private static float[] Forward(Mlp net, float[] x)
    {
        for (int l = 0; l < net.Layers.Length; l++)
        {
            var layer = net.Layers[l];
            var y = new float[layer.Out];
            for (int o = 0; o < layer.Out; o++)
            {
                float s = layer.Bias?[o] ?? 0f;
                for (int i = 0; i < layer.In; i++) s += layer.Weight[o * layer.In + i] * x[i];
                y[o] = l < net.Layers.Length - 1 ? Math.Max(0f, s) : s;
            }
            x = y;
        }
        return x;
    }

    [Fact]
    public void Round_trip_preserves_every_bit_and_every_metadata_field()
    {
        using var t = new TempFolder();
        var net = Network("7-5-4-3", bias: true);
        net.Layers[0].Weight[0] = -0f;
        net.Layers[0].Weight[1] = BitConverter.Int32BitsToSingle(0x7FC0_1234); // NaN with a payload
        net.Layers[1].Bias![2] = float.Epsilon;
        var data = new Dataset("mnist-train[split 0.05 #1]", [0f, 0.5f, 1f, 0.25f], [0, 1], 2, 2);
        var meta = new ModelMetadata
        {
            Seed = ulong.MaxValue,
            Epochs = 17,
            Optimizer = "sgd lr=0.01 momentum=0.9 batch=64",
            TrainAccuracy = 0.1 + 0.2,
            TestAccuracy = 0.98765432109876,
            CodeRevision = "0123abcd",
            Created = new DateTimeOffset(2026, 11, 21, 19, 35, 12, TimeSpan.Zero).AddTicks(1234567),
            Extra = new Dictionary<string, string> { ["pruned"] = "yes", ["note"] = "λ = \"0.5\"" },
        }.WithDataset(data);
        ModelFile.Save(t.File("m.safetensors"), net, meta);
        var (loaded, m) = ModelFile.Load(t.File("m.safetensors"));
        AssertSameBits(net, loaded);
        Assert.Equal(meta with { Extra = m.Extra }, m);
        Assert.Equal(meta.Extra, m.Extra);
        Assert.Equal(data.ContentHash(), m.DatasetHash);
        Assert.Equal("mnist-train[split 0.05 #1]", m.Dataset);

        var raw = Safetensors.Read(t.File("m.safetensors"));
        Assert.Equal("genbounds-mlp/1", raw.Metadata!["format"]);
        Assert.Equal("7-5-4-3", raw.Metadata["architecture"]);
        Assert.Equal("true", raw.Metadata["bias"]);
        Assert.Equal("2026-11-21T19:35:12.1234567Z", raw.Metadata["created"]);
        Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight", "4.bias", "4.weight"], raw.Tensors.Select(x => x.Name));
        Assert.Equal([5L, 7L], raw["0.weight"].Shape);
    }

    [Fact]
    public void Bias_free_networks_store_no_bias_tensors_and_missing_fields_stay_null()
    {
        using var t = new TempFolder();
        var net = Network("4-6-2", bias: false, seed: 9);
        var before = DateTimeOffset.UtcNow;
        ModelFile.Save(t.File("m.safetensors"), net, new ModelMetadata());
        var (loaded, m) = ModelFile.Load(t.File("m.safetensors"));
        AssertSameBits(net, loaded);
        Assert.False(loaded.Architecture.Bias);
        Assert.Equal(["0.weight", "2.weight"], Safetensors.Read(t.File("m.safetensors")).Tensors.Select(x => x.Name));
        Assert.Equal("false", Safetensors.Read(t.File("m.safetensors")).Metadata!["bias"]);
        Assert.Null(m.Seed);
        Assert.Null(m.TrainAccuracy);
        Assert.Empty(m.Extra);
        Assert.InRange(m.Created!.Value, before.AddSeconds(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public void Reserved_extra_keys_are_rejected()
    {
        using var t = new TempFolder();
        var e = Assert.Throws<ArgumentException>(() => ModelFile.Save(t.File("m.safetensors"), Network("2-2", true),
            new ModelMetadata { Extra = new Dictionary<string, string> { ["seed"] = "3" } }));
        Assert.Contains("'seed' is reserved", e.Message);
        Assert.False(File.Exists(t.File("m.safetensors")));
    }

    [Fact]
    public void Metadata_that_contradicts_the_tensors_is_rejected()
    {
        using var t = new TempFolder();
        ModelFile.Save(t.File("m.safetensors"), Network("3-4-2", true), new ModelMetadata());
        var file = Safetensors.Read(t.File("m.safetensors"));
        var meta = file.Metadata!.ToDictionary(kv => kv.Key, kv => kv.Value);
        meta["architecture"] = "3-5-2";
        Safetensors.Write(t.File("m.safetensors"), file.Tensors, meta);
        Assert.Contains("architecture '3-5-2' does not match the tensors (3-4-2)",
            Assert.Throws<InvalidDataException>(() => ModelFile.Load(t.File("m.safetensors"))).Message);
        meta["architecture"] = "3-4-2";
        meta["epochs"] = "ten";
        Safetensors.Write(t.File("m.safetensors"), file.Tensors, meta);
        Assert.Contains("'epochs' = 'ten' is not a valid Int32", Assert.Throws<InvalidDataException>(() => ModelFile.Load(t.File("m.safetensors"))).Message);
    }

    [Fact]
    public void The_pytorch_fixture_loads_and_computes_the_outputs_computed_by_its_script()
    {
        var (net, meta) = ModelFile.Load(Path.Combine(Repo.Root, "tests", "GenBounds.Engine.Tests", "fixtures", "torch_sequential.safetensors"));
        Assert.Equal(MlpArchitecture.Parse("4-3-2", bias: true), net.Architecture);
        Assert.Equal([0.5f, -0.25f, 0.125f, 1.0f], net.Layers[0].Weight[..4]);
        // Printed by make_torch_fixture.py; all values are dyadic, so float32 reproduces them exactly.
        Assert.Equal([0.9296875f, 2.09375f], Forward(net, [1.0f, 0.5f, -0.5f, 0.25f]));
        Assert.Equal([-0.9609375f, 1.609375f], Forward(net, [-1.0f, 2.0f, 0.5f, -0.25f]));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, meta.Extra);
        Assert.Null(meta.Seed);
        Assert.Null(meta.Created);
    }

    public static TheoryData<string, SafetensorsDType> Foreign() => new()
    {
        { "", SafetensorsDType.F32 }, { "model.", SafetensorsDType.F64 }, { "net.", SafetensorsDType.F16 }, { "layers.", SafetensorsDType.BF16 },
    };

    /// <summary>Writes net's parameters under PyTorch names with a prefix, at Sequential indices start, start+step, …, in the given dtype.</summary>
    private static void WriteForeign(string path, Mlp net, string prefix, SafetensorsDType dtype, int start = 0, int step = 2)
    {
        var tensors = new List<SafetensorsTensor>();
        SafetensorsTensor Convert(string name, long[] shape, float[] v) => dtype switch
        {
            SafetensorsDType.F32 => SafetensorsTensor.FromSingle(name, shape, v),
            SafetensorsDType.F64 => SafetensorsTensor.FromDouble(name, shape, v.Select(x => (double)x).ToArray()),
            SafetensorsDType.F16 => new SafetensorsTensor(name, dtype, shape, MemoryMarshal.AsBytes(v.Select(x => (Half)x).ToArray().AsSpan())),
            _ => new SafetensorsTensor(name, dtype, shape, MemoryMarshal.AsBytes(v.Select(x => (ushort)(BitConverter.SingleToUInt32Bits(x) >> 16)).ToArray().AsSpan())),
        };
        for (int l = 0; l < net.Layers.Length; l++)
        {
            var layer = net.Layers[l];
            tensors.Add(Convert($"{prefix}{start + step * l}.weight", [layer.Out, layer.In], layer.Weight));
            if (layer.Bias is { } b) tensors.Add(Convert($"{prefix}{start + step * l}.bias", [layer.Out], b));
        }
        Safetensors.Write(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
    }

    [Theory]
    [MemberData(nameof(Foreign))]
    public void PyTorch_state_dicts_load_with_prefixes_and_float_dtypes(string prefix, SafetensorsDType dtype)
    {
        using var t = new TempFolder();
        // Values exactly representable in bfloat16 and binary16, so every dtype must reproduce them exactly.
        var net = new Mlp(MlpArchitecture.Parse("3-5-4-2", bias: true));
        int k = 0;
        foreach (var layer in net.Layers)
        {
            for (int i = 0; i < layer.Weight.Length; i++) layer.Weight[i] = (k++ % 17 - 8) / 8f;
            for (int i = 0; i < layer.Out; i++) layer.Bias![i] = (k++ % 5 - 2) / 4f;
        }
        WriteForeign(t.File("p.safetensors"), net, prefix, dtype);
        var (loaded, meta) = ModelFile.Load(t.File("p.safetensors"));
        AssertSameBits(net, loaded);
        Assert.Equal("pt", meta.Extra["format"]);
    }

    [Fact]
    public void Sequentials_with_a_leading_module_and_two_activations_per_layer_load()
    {
        using var t = new TempFolder();
        var net = Network("6-4-3", bias: false);
        WriteForeign(t.File("p.safetensors"), net, "", SafetensorsDType.F32, start: 1, step: 3); // Flatten, Linear, ReLU, Dropout, Linear
        AssertSameBits(net, ModelFile.Load(t.File("p.safetensors")).Network);
    }

    private static string LoadError(params SafetensorsTensor[] tensors)
    {
        using var t = new TempFolder();
        Safetensors.Write(t.File("bad.safetensors"), tensors);
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(t.File("bad.safetensors")));
        Assert.Contains("bad.safetensors", e.Message);
        return e.Message;
    }

    private static SafetensorsTensor W(string name, int outputs, int inputs) => SafetensorsTensor.FromSingle(name, [outputs, inputs], new float[outputs * inputs]);
    private static SafetensorsTensor B(string name, int outputs) => SafetensorsTensor.FromSingle(name, [outputs], new float[outputs]);

    [Fact]
    public void A_conv2d_weight_is_rejected() =>
        Assert.Contains("4-D weight belongs to a convolution (Conv2d)",
            LoadError(SafetensorsTensor.FromSingle("0.weight", [8, 1, 3, 3], new float[72]), W("2.weight", 10, 8)));

    [Fact]
    public void A_missing_layer_is_detected_from_irregular_indices() =>
        Assert.Contains("missing between '2' and '6'", LoadError(W("0.weight", 5, 4), W("2.weight", 5, 5), W("6.weight", 2, 5)));

    [Fact]
    public void A_bias_without_its_weight_is_a_missing_layer() =>
        Assert.Contains("'2.bias' has no matching weight '2.weight'", LoadError(W("0.weight", 3, 4), B("0.bias", 3), B("2.bias", 2)));

    [Fact]
    public void Inconsistent_chains_are_rejected() =>
        Assert.Contains("'0.weight' is [3,4] (3 outputs) but '2.weight' is [2,5] (5 inputs)", LoadError(W("0.weight", 3, 4), W("2.weight", 2, 5)));

    [Fact]
    public void A_bias_of_the_wrong_length_is_rejected() =>
        Assert.Contains("'0.bias' has shape [4] but '0.weight' has 3 outputs", LoadError(W("0.weight", 3, 4), B("0.bias", 4)));

    [Fact]
    public void Biases_must_be_all_or_none() =>
        Assert.Contains("all layers or none: '0.bias' exists but '2.bias' does not", LoadError(W("0.weight", 3, 4), B("0.bias", 3), W("2.weight", 2, 3)));

    [Fact]
    public void Adjacent_linear_layers_are_rejected() =>
        Assert.Contains("adjacent", LoadError(W("0.weight", 3, 4), W("1.weight", 2, 3)));

    [Fact]
    public void Mixed_prefixes_are_rejected()
    {
        var msg = LoadError(W("model.0.weight", 3, 4), W("encoder.2.weight", 2, 3));
        Assert.Contains("expected one nn.Sequential", msg);
        Assert.Contains("'model.'", msg);
        Assert.Contains("'encoder.'", msg);
    }

    [Fact]
    public void Non_sequential_names_are_rejected() =>
        Assert.Contains("'fc1.weight' is not a Linear parameter", LoadError(W("fc1.weight", 3, 4)));

    [Fact]
    public void Integer_parameters_are_rejected() =>
        Assert.Contains("integer dtype I64", LoadError(SafetensorsTensor.FromInt64("0.weight", [1, 1], [1])));

    [Fact]
    public void Checkpoints_round_trip_network_and_optimizer_state()
    {
        using var t = new TempFolder();
        var model = Network("5-3-2", bias: true, seed: 4);
        var m = Network("5-3-2", bias: true, seed: 5);
        var c = new Checkpoint(epoch: 3, step: 1234, seed: 42, optionsJson: "{\"lr\":0.01,\"optimizer\":\"adam\"}");
        c.SetNetwork("model.", model);
        c.SetNetwork("adam.m.", m);
        c.Set("adam.beta_powers", [0.9f * 0.9f, 0.999f * 0.999f]);
        c.Set("rng.state", [2, 2], [1f, 2f, 3f, 4f]);
        c.Extra["note"] = "after epoch 3";
        c.Save(t.File("ck.safetensors"));

        var r = Checkpoint.Load(t.File("ck.safetensors"));
        Assert.Equal((3, 1234L, 42UL, "{\"lr\":0.01,\"optimizer\":\"adam\"}"), (r.Epoch, r.Step, r.Seed, r.OptionsJson));
        Assert.Equal("after epoch 3", r.Extra["note"]);
        AssertSameBits(model, r.GetNetwork("model."));
        AssertSameBits(m, r.GetNetwork("adam.m."));
        Assert.Equal(m.Layers[1].Bias, r.Get("adam.m.2.bias"));
        Assert.Equal([0.9f * 0.9f, 0.999f * 0.999f], r.Get("adam.beta_powers"));
        Assert.Equal([2L, 2L], r.ShapeOf("rng.state"));
        Assert.Equal(c.TensorNames.Order(), r.TensorNames.Order());
        Assert.Throws<KeyNotFoundException>(() => r.GetNetwork("adam.v."));
        Assert.Throws<KeyNotFoundException>(() => r.Get("missing"));
    }

    [Fact]
    public void Checkpoints_validate_their_options_and_format()
    {
        Assert.Contains("not valid JSON", Assert.Throws<ArgumentException>(() => new Checkpoint(0, 0, 1, "{lr: 0.1")).Message);
        using var t = new TempFolder();
        ModelFile.Save(t.File("m.safetensors"), Network("2-2", true), new ModelMetadata());
        Assert.Contains("expected 'genbounds-checkpoint/1'", Assert.Throws<InvalidDataException>(() => Checkpoint.Load(t.File("m.safetensors"))).Message);
    }
}
