using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GenBounds.Torch.Tests;

/// <summary>
/// GenBounds CNN ↔ TorchSharp Sequential (Conv2d, pooling, flatten): bit-identical round trips both ways and forwards
/// within a rigorous float32 rounding bound of the exact result.
/// </summary>
public class TorchCnnConversionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Odd sizes, non-square kernels, stride > 1, padding, with and without bias, max and average pooling, short and explicit forms.
    public static TheoryData<string, ulong> Architectures => new()
    {
        { "3x11x9:conv5k3s2p1-maxpool2-fc7-4", 1 },
        { "1x13x13:conv4k5x3p2-avgpool3s2-conv6k2s2-10/nobias", 2 },
        { "2x7x7:conv3k3p1-maxpool3s2-relu-flatten-fc5-relu-fc3", 3 },
        { "3x8x8:conv4k3s3-avgpool2-fc6-2/nobias", 4 },
        { "1x28x28:lenet5", 5 },
    };

    private static Network RandomNet(string arch, ulong seed) => Trainer.Initialize(NetworkArchitecture.Parse(arch), seed);

    private static int[] Bits(float[] x) => Array.ConvertAll(x, BitConverter.SingleToInt32Bits);

    [Theory]
    [MemberData(nameof(Architectures))]
    public void A_CNN_sent_to_torch_and_back_has_bit_identical_parameters_under_PyTorch_names_and_shapes(string arch, ulong seed)
    {
        var net = RandomNet(arch, seed);
        // Values a careless conversion would change: −0, a subnormal, a NaN payload, the extremes.
        var w = net.WeightLayers[0].Weight;
        w[0] = -0f; w[1] = float.Epsilon; w[2] = BitConverter.Int32BitsToSingle(0x7fc00123); w[3] = float.MaxValue;
        using var module = TorchConversion.ToTorch(net);
        var back = TorchConversion.ToNetwork(module, net.InputShape);
        Assert.Equal(net.Architecture, back.Architecture);
        Assert.Equal(net.ContentHash(), back.ContentHash());
        var sd = module.state_dict();
        var modules = net.Architecture.WeightModules;
        Assert.Equal(modules.Count * (net.Architecture.Bias ? 2 : 1), sd.Count);
        for (int k = 0; k < modules.Count; k++)
        {
            var layer = net.WeightLayers[k];
            Assert.Equal(layer.WeightShape, sd[$"{modules[k]}.weight"].shape);
            Assert.Equal(Bits(layer.Weight), Bits(TorchConversion.ToArray(sd[$"{modules[k]}.weight"])));
            if (layer.Bias is { } b) Assert.Equal(Bits(b), Bits(TorchConversion.ToArray(sd[$"{modules[k]}.bias"])));
        }
        var kinds = module.children().Select(c => c.GetType().Name).ToArray();
        Assert.Equal(net.Architecture.Layers.Select(l => l.TorchModule).ToArray(), kinds);
    }

    [Fact]
    public void A_CNN_built_in_torch_comes_back_to_torch_unchanged()
    {
        TorchRuntime.EnsureLoaded();
        torch.random.manual_seed(11);
        using var module = nn.Sequential(
            ("0", nn.Conv2d(2, 4, (3, 2), stride: (2, 2), padding: (1, 1))), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
            ("3", nn.Conv2d(4, 3, 2, bias: true)), ("4", nn.ReLU()), ("5", nn.AvgPool2d(2, stride: 1)),
            ("6", nn.Flatten()), ("7", nn.Linear(3 * 2 * 1, 5)), ("8", nn.ReLU()), ("9", nn.Linear(5, 3)));
        var input = new TensorShape(2, 15, 12);
        var net = TorchConversion.ToNetwork(module, input);
        Assert.Equal("2x15x12:conv4k3x2s2p1-pool2-conv3k2-avgpool2s1-fc5-3", net.Architecture.ToString());
        using var again = TorchConversion.ToTorch(net);
        var a = module.state_dict(); var b = again.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys)
        {
            Assert.Equal(a[key].shape, b[key].shape);
            Assert.Equal(Bits(TorchConversion.ToArray(a[key])), Bits(TorchConversion.ToArray(b[key])));
        }
    }

    [Theory]
    [MemberData(nameof(Architectures))]
    public void Torch_and_GenBounds_CNN_forwards_agree_with_the_exact_result_within_float32_rounding_bounds(string arch, ulong seed)
    {
        var net = RandomNet(arch, seed);
        int batch = 7, d = net.InputShape.Size, k = net.OutputSize;
        var x = new float[batch * d];
        new Rng(seed + 100).FillUniform(x, -2, 2);
        var bp = new NetworkBackprop<float>(LinearAlgebraProviders.Default, net.Architecture, batch);
        var ours = bp.Forward(net.WeightLayers.Select(l => l.Weight).ToArray(), net.WeightLayers.Select(l => l.Bias).ToArray(), x, batch).ToArray();
        using var module = TorchConversion.ToTorch(net);
        using var input = TorchConversion.Input(x, batch, net.InputShape);
        float[] theirs;
        using (no_grad()) using (var y = module.forward(input)) theirs = TorchConversion.ToArray(y);

        var (exact, bound) = RoundingBound.Forward(net, x, batch);
        double disagreement = 0, worstShare = 0;
        for (int i = 0; i < batch * k; i++)
        {
            Assert.True(Math.Abs(ours[i] - exact[i]) <= bound[i], $"GenBounds logit {i}: {ours[i]} vs exact {exact[i]}, bound {bound[i]}");
            Assert.True(Math.Abs(theirs[i] - exact[i]) <= bound[i], $"torch logit {i}: {theirs[i]} vs exact {exact[i]}, bound {bound[i]}");
            disagreement = Math.Max(disagreement, Math.Abs(ours[i] - theirs[i]));
            worstShare = Math.Max(worstShare, Math.Max(Math.Abs(ours[i] - exact[i]), Math.Abs(theirs[i] - exact[i])) / bound[i]);
        }
        output.WriteLine($"{arch}: max |GenBounds − torch| = {disagreement:G3}, largest error / bound = {worstShare:G3}, bound range {bound.Min():G3}..{bound.Max():G3}");
    }

    [Fact]
    public void Torch_modules_GenBounds_cannot_represent_are_refused_with_the_module_and_setting_named()
    {
        TorchRuntime.EnsureLoaded();
        var shape = new TensorShape(1, 8, 8);
        void Refused(string expected, TensorShape? input, params (string, nn.Module<Tensor, Tensor>)[] modules)
        {
            using var seq = nn.Sequential(modules);
            var e = Assert.Throws<NotSupportedException>(() => TorchConversion.ToNetwork(seq, input));
            Assert.Contains(expected, e.Message);
        }
        (string, nn.Module<Tensor, Tensor>) Head() => ("9", nn.Linear(4, 2));
        Refused("module 0 is a Conv2d with dilation (2, 2)", shape, ("0", nn.Conv2d(1, 1, 3, dilation: 2)), ("1", nn.Flatten()), Head());
        Refused("module 0 is a Conv2d with groups = 2", shape, ("0", nn.Conv2d(2, 2, 3, groups: 2)), ("1", nn.Flatten()), Head());
        Refused("module 0 is a Conv2d with padding_mode Reflect", shape, ("0", nn.Conv2d(1, 1, 3, padding: 1, padding_mode: PaddingModes.Reflect)), ("1", nn.Flatten()), Head());
        Refused("module 0 is a Conv2d with stride (2, 1)", shape, ("0", nn.Conv2d(1, 1, (3, 3), stride: (2, 1))), ("1", nn.Flatten()), Head());
        Refused("module 0 is a Conv2d with padding 'Same'", shape, ("0", nn.Conv2d(1, 1, 3, Padding.Same)), ("1", nn.Flatten()), Head());
        Refused("module 1 is a MaxPool2d with ceil_mode true", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.MaxPool2d(2, ceil_mode: true)), ("2", nn.Flatten()), Head());
        Refused("module 1 is a AvgPool2d with padding (1, 1)", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.AvgPool2d(2, padding: 1)), ("2", nn.Flatten()), Head());
        Refused("module 1 is a MaxPool2d with kernel (2, 3)", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.MaxPool2d((2, 3))), ("2", nn.Flatten()), Head());
        Refused("module 1 is Flatten(0, -1)", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.Flatten(0)), Head());
        Refused("give the input shape", null, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.Flatten()), Head());
        // Shapes are checked against the input: a dense layer on an image, a Linear whose width misses the flattened size.
        Refused("put a flatten before it", shape, ("0", nn.Conv2d(1, 1, 3)), Head());
        Refused("module 2 is Linear(4, 2) but gets a 36 input", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.Flatten()), ("2", nn.Linear(4, 2)));
        Refused("module 2 (Linear(36, 2)) has no bias", shape, ("0", nn.Conv2d(1, 1, 3)), ("1", nn.Flatten()), ("2", nn.Linear(36, 2, hasBias: false)));
    }
}
