using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace GenBounds.Torch.Tests;

/// <summary>GenBounds MLP ↔ TorchSharp Sequential: bit-identical round trips and forwards equal up to float32 rounding.</summary>
public class TorchConversionTests
{
    public static TheoryData<string, bool, ulong> Shapes => new()
    {
        { "1-1", true, 1 }, { "3-1-2", false, 2 }, { "17-5-9", true, 3 }, { "31-64-33-10", true, 4 }, { "784-100-10", false, 5 }, { "8-3-7-2-5", true, 6 },
    };

    private static Mlp RandomNet(string sizes, bool bias, ulong seed)
    {
        var net = Trainer.Initialize(MlpArchitecture.Parse(sizes, bias), seed);
        // Values a careless conversion would change: −0, a subnormal, a NaN payload, the extremes.
        var w = net.Layers[0].Weight;
        w[0] = -0f;
        if (w.Length > 1) w[1] = float.Epsilon;
        if (w.Length > 2) w[2] = BitConverter.Int32BitsToSingle(0x7fc00123);
        if (w.Length > 3) w[3] = float.MaxValue;
        return net;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void An_MLP_sent_to_torch_and_back_has_bit_identical_parameters(string sizes, bool bias, ulong seed)
    {
        var net = RandomNet(sizes, bias, seed);
        using var module = TorchConversion.ToTorch(net);
        var back = TorchConversion.ToMlp(module);
        Assert.Equal(net.Architecture, back.Architecture);
        Assert.Equal(net.ContentHash(), back.ContentHash());
        // The torch module itself holds the same bits under PyTorch's names.
        var sd = module.state_dict();
        for (int l = 0; l < net.Layers.Length; l++)
        {
            Assert.Equal(Bits(net.Layers[l].Weight), Bits(TorchConversion.ToArray(sd[$"{2 * l}.weight"])));
            Assert.Equal(new long[] { net.Layers[l].Out, net.Layers[l].In }, sd[$"{2 * l}.weight"].shape);
            Assert.Equal(bias, sd.ContainsKey($"{2 * l}.bias"));
        }
    }

    private static int[] Bits(float[] x) => Array.ConvertAll(x, BitConverter.SingleToInt32Bits);

    [Fact]
    public void A_module_built_in_torch_comes_back_to_torch_unchanged()
    {
        TorchRuntime.EnsureLoaded();
        torch.random.manual_seed(3);
        using var module = nn.Sequential(("0", nn.Linear(13, 7)), ("1", nn.ReLU()), ("2", nn.Linear(7, 3)));
        var net = TorchConversion.ToMlp(module);
        Assert.Equal("13-7-3", string.Join("-", net.Architecture.LayerSizes));
        using var again = TorchConversion.ToTorch(net);
        var a = module.state_dict(); var b = again.state_dict();
        Assert.Equal(a.Keys.Order(), b.Keys.Order());
        foreach (var key in a.Keys) Assert.Equal(Bits(TorchConversion.ToArray(a[key])), Bits(TorchConversion.ToArray(b[key])));
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Torch_and_GenBounds_forwards_agree_with_the_exact_result_within_float32_rounding_bounds(string sizes, bool bias, ulong seed)
    {
        var net = Trainer.Initialize(MlpArchitecture.Parse(sizes, bias), seed);
        int batch = 23, d = net.Architecture.InputSize, k = net.Architecture.OutputSize;
        var x = new float[batch * d];
        new Rng(seed + 100).FillUniform(x, -2, 2);
        var bp = new Backprop<float>(LinearAlgebraProviders.Default, net.Architecture.LayerSizes, bias, batch);
        var ours = bp.Forward(net.Layers.Select(l => l.Weight).ToArray(), net.Layers.Select(l => l.Bias).ToArray(), x, batch).ToArray();
        using var module = TorchConversion.ToTorch(net);
        using var input = TorchConversion.FromArray(x, [batch, d]);
        float[] theirs;
        using (no_grad()) using (var output = module.forward(input)) theirs = TorchConversion.ToArray(output);

        var (exact, bound) = ExactWithRoundingBound(net, x, batch);
        for (int i = 0; i < batch * k; i++)
        {
            Assert.True(Math.Abs(ours[i] - exact[i]) <= bound[i], $"GenBounds logit {i}: {ours[i]} vs exact {exact[i]}, bound {bound[i]}");
            Assert.True(Math.Abs(theirs[i] - exact[i]) <= bound[i], $"torch logit {i}: {theirs[i]} vs exact {exact[i]}, bound {bound[i]}");
        }
    }

    // The forward pass in float64 from the same float32 parameters (exact to ~1e-16 relative), and a rigorous bound on
    // how far any float32 evaluation order can be from it: a layer with fan-in n adds γ_{n+1}·(|W||â| + |b|) to the
    // propagated error |W|·e (γ_n = n·u/(1 − n·u), u = 2⁻²⁴; ReLU is 1-Lipschitz, |â| ≤ |a| + e).
    private static (double[] Exact, double[] Bound) ExactWithRoundingBound(Mlp net, float[] x, int batch)
    {
        double u = Math.ScaleB(1, -24);
        var a = Array.ConvertAll(x, v => (double)v);
        var e = new double[a.Length];
        for (int l = 0; l < net.Layers.Length; l++)
        {
            var layer = net.Layers[l];
            int nin = layer.In, nout = layer.Out;
            double gamma = (nin + 1) * u / (1 - (nin + 1) * u);
            var z = new double[batch * nout]; var ez = new double[batch * nout];
            for (int r = 0; r < batch; r++)
                for (int o = 0; o < nout; o++)
                {
                    double s = layer.Bias?[o] ?? 0, mag = Math.Abs(layer.Bias?[o] ?? 0), prop = 0;
                    for (int i = 0; i < nin; i++)
                    {
                        double w = layer.Weight[o * nin + i];
                        s += w * a[r * nin + i];
                        mag += Math.Abs(w) * (Math.Abs(a[r * nin + i]) + e[r * nin + i]);
                        prop += Math.Abs(w) * e[r * nin + i];
                    }
                    bool relu = l < net.Layers.Length - 1;
                    z[r * nout + o] = relu ? Math.Max(0, s) : s;
                    ez[r * nout + o] = prop + gamma * mag + 1e-300;
                }
            a = z; e = ez;
        }
        return (a, e);
    }

    [Fact]
    public void Modules_an_MLP_cannot_represent_are_refused_with_the_module_named()
    {
        TorchRuntime.EnsureLoaded();
        using var sigmoid = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.Sigmoid()), ("2", nn.Linear(3, 2)));
        var e = Assert.Throws<NotSupportedException>(() => TorchConversion.ToMlp(sigmoid));
        Assert.Contains("module 1 is a Sigmoid", e.Message);
        using var adjacent = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.Linear(3, 2)));
        Assert.Contains("module 1 is Linear(3, 2) where an MLP", Assert.Throws<NotSupportedException>(() => TorchConversion.ToMlp(adjacent)).Message);
        using var mixed = nn.Sequential(("0", nn.Linear(4, 3, hasBias: false)), ("1", nn.ReLU()), ("2", nn.Linear(3, 2)));
        Assert.Contains("biases must be on all", Assert.Throws<NotSupportedException>(() => TorchConversion.ToMlp(mixed)).Message);
        using var trailing = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()));
        Assert.Contains("ends with ReLU", Assert.Throws<NotSupportedException>(() => TorchConversion.ToMlp(trailing)).Message);
        using var mismatch = nn.Sequential(("0", nn.Linear(4, 3)), ("1", nn.ReLU()), ("2", nn.Linear(5, 2)));
        Assert.Contains("takes 5 inputs but layer 0 has 3 outputs", Assert.Throws<NotSupportedException>(() => TorchConversion.ToMlp(mismatch)).Message);
    }
}
