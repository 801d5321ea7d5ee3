using System.Text.Json;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GenBounds.Torch.Tests;

/// <summary>TorchSharp <c>.dat</c> and PyTorch <c>.pt</c> state dicts of convolutional networks, read with their architecture and written.</summary>
public sealed class StateDictCnnTests(Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("genbounds-statedict-cnn-");
    public void Dispose() => _dir.Delete(recursive: true);
    private string File(string name) => Path.Combine(_dir.FullName, name);
    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);
    private static int[] Bits(float[] x) => Array.ConvertAll(x, BitConverter.SingleToInt32Bits);

    [Fact]
    public void A_PyTorch_CNN_state_dict_loads_with_its_architecture_and_computes_what_torch_computed_within_rounding_bounds()
    {
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(Fixture("pytorch_fixtures.json")));
        var expected = json.RootElement.GetProperty("pytorch_cnn.pt");
        var arch = NetworkArchitecture.Parse(expected.GetProperty("architecture").GetString()!);
        var net = StateDictFiles.LoadNetwork(Fixture("pytorch_cnn.pt"), arch);
        Assert.Equal(arch, net.Architecture);
        var parameters = expected.GetProperty("parameters");
        var modules = arch.WeightModules;
        Assert.Equal(2 * modules.Count, parameters.EnumerateObject().Count());
        for (int k = 0; k < modules.Count; k++)
        {
            var w = parameters.GetProperty($"{modules[k]}.weight");
            Assert.Equal(net.WeightLayers[k].WeightShape, w.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()).ToArray());
            Assert.Equal(Bits(w.GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray()), Bits(net.WeightLayers[k].Weight));
            var b = parameters.GetProperty($"{modules[k]}.bias").GetProperty("values").EnumerateArray().Select(e => (float)e.GetDouble()).ToArray();
            Assert.Equal(Bits(b), Bits(net.WeightLayers[k].Bias!));
        }
        // The inputs are [batch, C, H, W] nested lists: flattening them row-major is GenBounds' sample-major C×H×W layout.
        var x = Flatten(expected.GetProperty("inputs")).Select(v => (float)v).ToArray();
        var torchOut = Flatten(expected.GetProperty("outputs")).ToArray();
        int batch = expected.GetProperty("inputs").GetArrayLength();
        var bp = new NetworkBackprop<float>(LinearAlgebraProviders.Default, arch, batch);
        var ours = bp.Forward(net.WeightLayers.Select(l => l.Weight).ToArray(), net.WeightLayers.Select(l => l.Bias).ToArray(), x, batch).ToArray();
        var (exact, bound) = RoundingBound.Forward(net, x, batch);
        Assert.Equal(exact.Length, torchOut.Length);
        double worst = 0;
        for (int i = 0; i < exact.Length; i++)
        {
            Assert.True(Math.Abs(ours[i] - exact[i]) <= bound[i], $"GenBounds logit {i}: {ours[i]} vs exact {exact[i]}, bound {bound[i]}");
            Assert.True(Math.Abs(torchOut[i] - exact[i]) <= bound[i], $"PyTorch logit {i}: {torchOut[i]} vs exact {exact[i]}, bound {bound[i]}");
            worst = Math.Max(worst, Math.Abs(ours[i] - torchOut[i]));
        }
        output.WriteLine($"max |GenBounds − PyTorch {json.RootElement.GetProperty("torch_version").GetString()}| = {worst:G3}, bounds {bound.Min():G3}..{bound.Max():G3}");
    }

    private static IEnumerable<double> Flatten(JsonElement e) =>
        e.ValueKind == JsonValueKind.Array ? e.EnumerateArray().SelectMany(Flatten) : [e.GetDouble()];

    [Fact]
    public void A_CNN_state_dict_without_an_architecture_or_with_one_that_does_not_fit_is_refused_saying_why()
    {
        var none = Assert.Throws<InvalidDataException>(() => StateDictFiles.LoadNetwork(Fixture("pytorch_cnn.pt")));
        Assert.Contains("PyTorch state_dict", none.Message);
        Assert.Contains("give the architecture (e.g. --arch", none.Message);
        var wider = NetworkArchitecture.Parse("2x11x10:conv3k3x2s2p1-pool2-conv4k2-avgpool2s1-fc6-3");
        Assert.Contains("'7.weight' has shape [5,4]", Assert.Throws<InvalidDataException>(() => StateDictFiles.LoadNetwork(Fixture("pytorch_cnn.pt"), wider)).Message);
        var noBias = NetworkArchitecture.Parse("2x11x10:conv3k3x2s2p1-pool2-conv4k2-avgpool2s1-fc5-3/nobias");
        Assert.Contains("exists but the architecture is bias-free", Assert.Throws<InvalidDataException>(() => StateDictFiles.LoadNetwork(Fixture("pytorch_cnn.pt"), noBias)).Message);
        // The MLP reader still names the convolution it cannot represent.
        Assert.Contains("Conv2d", Assert.Throws<InvalidDataException>(() => StateDictFiles.Load(Fixture("pytorch_cnn.pt"))).Message);
    }

    [Fact]
    public void A_CNN_written_for_TorchSharp_loads_into_a_TorchSharp_module_and_a_TorchSharp_CNN_file_loads_back_unchanged()
    {
        var arch = NetworkArchitecture.Parse("3x9x9:conv4k3s2p1-avgpool2-conv5k2-fc3/nobias");
        var net = Trainer.Initialize(arch, 12);
        string path = File("cnn.dat");
        StateDictFiles.SaveTorchSharp(path, net);
        using var module = nn.Sequential(("0", nn.Conv2d(3, 4, 3, stride: 2, padding: 1, bias: false)), ("1", nn.ReLU()), ("2", nn.AvgPool2d(2)),
            ("3", nn.Conv2d(4, 5, 2, bias: false)), ("4", nn.ReLU()), ("5", nn.Flatten()), ("6", nn.Linear(5, 3, hasBias: false)));
        module.load(path);
        Assert.Equal(net.ContentHash(), TorchConversion.ToNetwork(module, arch.InputShape).ContentHash());
        Assert.Equal(net.ContentHash(), StateDictFiles.LoadNetwork(path, arch).ContentHash());

        torch.random.manual_seed(4);
        using var fresh = nn.Sequential(("0", nn.Conv2d(3, 4, 3, stride: 2, padding: 1, bias: false)), ("1", nn.ReLU()), ("2", nn.AvgPool2d(2)),
            ("3", nn.Conv2d(4, 5, 2, bias: false)), ("4", nn.ReLU()), ("5", nn.Flatten()), ("6", nn.Linear(5, 3, hasBias: false)));
        fresh.save(File("fresh.dat"));
        Assert.Equal(TorchConversion.ToNetwork(fresh, arch.InputShape).ContentHash(), StateDictFiles.LoadNetwork(File("fresh.dat"), arch).ContentHash());
    }

    [Fact]
    public void A_PyTorch_CNN_state_dict_written_from_GenBounds_reads_back_bit_for_bit()
    {
        var arch = NetworkArchitecture.Parse("1x12x12:lenet5");
        var net = Trainer.Initialize(NetworkArchitecture.Parse("conv6k5p2-pool2-conv16k5-pool2-fc120-fc84-10", new TensorShape(1, 28, 28)), 6);
        string path = File("lenet.pt");
        StateDictFiles.SavePyTorch(path, net);
        Assert.Equal(ModelFormat.PyTorch, StateDictFiles.Detect(path));
        Assert.Equal(net.ContentHash(), StateDictFiles.LoadNetwork(path, net.Architecture).ContentHash());
        // The image size is not in the file; a wrong one is caught where it changes a Linear layer's width (16 instead of 400).
        Assert.Contains("has shape [120,400]", Assert.Throws<InvalidDataException>(() => StateDictFiles.LoadNetwork(path, arch)).Message);
    }
}
