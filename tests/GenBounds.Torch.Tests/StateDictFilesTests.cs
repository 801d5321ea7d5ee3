using System.Text.Json;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GenBounds.Torch.Tests;

/// <summary>TorchSharp <c>.dat</c> and PyTorch <c>.pt</c> state dicts in and out of GenBounds.</summary>
public sealed class StateDictFilesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("genbounds-statedict-");
    public void Dispose() => _dir.Delete(recursive: true);
    private string File(string name) => Path.Combine(_dir.FullName, name);
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);
    private static int[] Bits(float[] x) => Array.ConvertAll(x, BitConverter.SingleToInt32Bits);

    [Fact]
    public void A_TorchSharp_Module_save_file_loads_with_the_module_parameters_bit_for_bit()
    {
        TorchRuntime.EnsureLoaded();
        torch.random.manual_seed(17);
        using var module = nn.Sequential(("0", nn.Linear(9, 6)), ("1", nn.ReLU()), ("2", nn.Linear(6, 5)), ("3", nn.ReLU()), ("4", nn.Linear(5, 2)));
        string path = File("model.dat");
        module.save(path);
        Assert.Equal(ModelFormat.TorchSharp, StateDictFiles.Detect(path));
        var net = StateDictFiles.Load(path);
        Assert.Equal("9-6-5-2", string.Join("-", net.Architecture.LayerSizes));
        var sd = module.state_dict();
        for (int l = 0; l < 3; l++)
        {
            Assert.Equal(Bits(TorchConversion.ToArray(sd[$"{2 * l}.weight"])), Bits(net.Layers[l].Weight));
            Assert.Equal(Bits(TorchConversion.ToArray(sd[$"{2 * l}.bias"])), Bits(net.Layers[l].Bias!));
        }
    }

    [Fact]
    public void A_file_written_for_TorchSharp_loads_into_a_TorchSharp_module_and_back_unchanged()
    {
        var net = Trainer.Initialize(MlpArchitecture.Parse("7-4-3", bias: false), 5);
        string path = File("out.dat");
        StateDictFiles.SaveTorchSharp(path, net);
        using var module = nn.Sequential(("0", nn.Linear(7, 4, hasBias: false)), ("1", nn.ReLU()), ("2", nn.Linear(4, 3, hasBias: false)));
        module.load(path);
        Assert.Equal(net.ContentHash(), TorchConversion.ToMlp(module).ContentHash());
        Assert.Equal(net.ContentHash(), StateDictFiles.Load(path).ContentHash());
    }

    public static TheoryData<string> PyTorchFixtures => new() { "pytorch_sequential.pt", "pytorch_nobias_f64.pt" };

    [Theory]
    [MemberData(nameof(PyTorchFixtures))]
    public void A_PyTorch_state_dict_written_by_torch_save_loads_with_its_values_and_computes_what_torch_computed(string file)
    {
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(Fixture("pytorch_fixtures.json")));
        var expected = json.RootElement.GetProperty(file);
        var net = StateDictFiles.Load(Fixture(file));
        var parameters = expected.GetProperty("parameters");
        bool f64 = file.Contains("f64");
        for (int l = 0; l < net.Layers.Length; l++)
        {
            var w = parameters.GetProperty($"{2 * l}.weight");
            Assert.Equal(new[] { net.Layers[l].Out, net.Layers[l].In }, w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray());
            // float32 parameters arrive bit for bit; float64 ones are rounded to the nearest float32 once.
            Assert.Equal(Bits(w.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()), Bits(net.Layers[l].Weight));
            Assert.Equal(!f64, parameters.TryGetProperty($"{2 * l}.bias", out var b));
            if (!f64) Assert.Equal(Bits(b.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()), Bits(net.Layers[l].Bias!));
        }
        var inputs = expected.GetProperty("inputs").EnumerateArray().Select(r => r.EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()).ToArray();
        var outputs = expected.GetProperty("outputs").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        int k = net.Architecture.OutputSize;
        var bp = new Backprop<float>(LinearAlgebraProviders.Default, net.Architecture.LayerSizes, net.Architecture.Bias, inputs.Length);
        var logits = bp.Forward(net.Layers.Select(l => l.Weight).ToArray(), net.Layers.Select(l => l.Bias).ToArray(), inputs.SelectMany(r => r).ToArray(), inputs.Length).ToArray();
        for (int r = 0; r < inputs.Length; r++)
            for (int j = 0; j < k; j++)
                Assert.True(Math.Abs(logits[r * k + j] - outputs[r][j]) <= 1e-5 * (1 + Math.Abs(outputs[r][j])), $"row {r} logit {j}: {logits[r * k + j]} vs torch {outputs[r][j]}");
    }

    [Fact]
    public void A_PyTorch_state_dict_written_from_GenBounds_reads_back_bit_for_bit()
    {
        var net = Trainer.Initialize(MlpArchitecture.Parse("11-6-4", bias: true), 8);
        string path = File("out.pt");
        StateDictFiles.SavePyTorch(path, net);
        Assert.Equal(ModelFormat.PyTorch, StateDictFiles.Detect(path));
        Assert.Equal(net.ContentHash(), StateDictFiles.Load(path).ContentHash());
    }

    [Fact]
    public void Damaged_or_foreign_files_give_a_clear_error()
    {
        var net = Trainer.Initialize(MlpArchitecture.Parse("5-3-2", bias: true), 2);
        string dat = File("m.dat");
        StateDictFiles.SaveTorchSharp(dat, net);
        var bytes = System.IO.File.ReadAllBytes(dat);
        System.IO.File.WriteAllBytes(File("cut.dat"), bytes[..(bytes.Length - 3)]);
        Assert.Contains("needs", Assert.Throws<InvalidDataException>(() => StateDictFiles.Load(File("cut.dat"))).Message);
        System.IO.File.WriteAllBytes(File("long.dat"), [.. bytes, 0, 0]);
        Assert.Contains("bytes after the last tensor", Assert.Throws<InvalidDataException>(() => StateDictFiles.Load(File("long.dat"))).Message);
        System.IO.File.WriteAllBytes(File("legacy.pt"), [0x80, 0x02, 0x8a, 0x0a]);
        Assert.Contains("zip format", Assert.Throws<InvalidDataException>(() => StateDictFiles.Detect(File("legacy.pt"))).Message);
        using (var zip = System.IO.Compression.ZipFile.Open(File("other.pt"), System.IO.Compression.ZipArchiveMode.Create))
            using (var w = new StreamWriter(zip.CreateEntry("readme.txt").Open())) w.Write("not a model");
        Assert.Contains("cannot be unpickled", Assert.Throws<InvalidDataException>(() => StateDictFiles.Load(File("other.pt"))).Message);
        Assert.Equal(ModelFormat.Safetensors, StateDictFiles.Detect(Fixture("pytorch_fixtures.json")));
    }

    [Fact]
    public void A_state_dict_of_a_non_MLP_is_refused_naming_the_tensor()
    {
        TorchRuntime.EnsureLoaded();
        using var conv = nn.Sequential(("0", nn.Conv2d(1, 2, 3)), ("1", nn.ReLU()), ("2", nn.Linear(4, 2)));
        string path = File("conv.dat");
        conv.save(path);
        Assert.Contains("Conv2d", Assert.Throws<InvalidDataException>(() => StateDictFiles.Load(path)).Message);
    }
}
