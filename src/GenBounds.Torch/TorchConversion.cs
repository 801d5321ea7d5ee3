using System.Runtime.InteropServices;
using GenBounds.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GenBounds.Torch;

/// <summary>
/// Moves networks between GenBounds and TorchSharp: an <see cref="Mlp"/> becomes a <c>Sequential</c> of
/// <c>Linear</c>/<c>ReLU</c> named like PyTorch's (<c>0.weight</c>, <c>2.weight</c>, …) and back. Parameters are float32
/// in both and are copied bit for bit, so a round trip returns identical weights.
/// </summary>
public static class TorchConversion
{
    /// <summary>A TorchSharp module computing the same function as <paramref name="network"/>, on <paramref name="device"/> (default CPU).</summary>
    public static Sequential ToTorch(Mlp network, Device? device = null) => ToTorch(SequentialLayer.Of(network), device);

    /// <summary>A <c>Sequential</c> with one torch module per layer, parameters copied from the GenBounds layers.</summary>
    public static Sequential ToTorch(IReadOnlyList<SequentialLayer> layers, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        TorchRuntime.EnsureLoaded();
        var modules = new List<(string, nn.Module<Tensor, Tensor>)>();
        for (int i = 0; i < layers.Count; i++)
        {
            nn.Module<Tensor, Tensor> module = layers[i] switch
            {
                SequentialLayer.Dense d => ToLinear(d.Layer),
                SequentialLayer.Relu => nn.ReLU(),
                var other => throw new NotSupportedException($"no torch module for layer kind {other.GetType().Name}"),
            };
            modules.Add((i.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        }
        var seq = nn.Sequential(modules);
        if (device is not null && device.type != DeviceType.CPU) seq.to(device);
        return seq;
    }

    /// <summary>The layers of <paramref name="module"/> (a <c>Sequential</c>, its children in order), parameters copied to the CPU.</summary>
    public static IReadOnlyList<SequentialLayer> FromTorch(Sequential module)
    {
        ArgumentNullException.ThrowIfNull(module);
        var result = new List<SequentialLayer>();
        int i = 0;
        foreach (var child in module.children())
        {
            result.Add(child switch
            {
                Linear linear => new SequentialLayer.Dense(FromLinear(linear)),
                ReLU => new SequentialLayer.Relu(),
                _ => throw new NotSupportedException($"module {i} is a {child.GetType().Name}; GenBounds converts Linear and ReLU modules"),
            });
            i++;
        }
        return result;
    }

    /// <summary>The MLP computed by <paramref name="module"/> (Linear, ReLU, …, Linear); see <see cref="SequentialLayer.ToMlp"/>.</summary>
    public static Mlp ToMlp(Sequential module) => SequentialLayer.ToMlp(FromTorch(module));

    /// <summary>Overwrites the parameters of <paramref name="module"/> (built by <see cref="ToTorch(Mlp, Device?)"/> for the same architecture) with <paramref name="network"/>'s.</summary>
    public static void CopyInto(Mlp network, Sequential module)
    {
        var linears = module.children().OfType<Linear>().ToList();
        if (linears.Count != network.Layers.Length) throw new ArgumentException($"module has {linears.Count} Linear layers, network {network.Layers.Length}");
        for (int l = 0; l < linears.Count; l++)
        {
            var layer = network.Layers[l];
            Assign(linears[l].weight!, layer.Weight, [layer.Out, layer.In]);
            if (layer.Bias is { } b)
                Assign(linears[l].bias ?? throw new ArgumentException($"Linear layer {l} has no bias but the network does"), b, [layer.Out]);
        }
    }

    /// <summary>Overwrites <paramref name="network"/>'s parameters with those of <paramref name="module"/> (same architecture).</summary>
    public static void CopyFrom(Sequential module, Mlp network)
    {
        var linears = module.children().OfType<Linear>().ToList();
        if (linears.Count != network.Layers.Length) throw new ArgumentException($"module has {linears.Count} Linear layers, network {network.Layers.Length}");
        for (int l = 0; l < linears.Count; l++)
        {
            ReadInto(linears[l].weight!, network.Layers[l].Weight);
            if (network.Layers[l].Bias is { } b) ReadInto(linears[l].bias!, b);
        }
    }

    /// <summary>A float32 tensor holding a copy of <paramref name="values"/> with the given shape, on <paramref name="device"/>.</summary>
    public static Tensor FromArray(float[] values, long[] shape, Device? device = null)
    {
        var t = torch.tensor(values, shape, ScalarType.Float32);
        if (device is null || device.type == DeviceType.CPU) return t;
        using (t) return t.to(device);
    }

    /// <summary>The values of a float32 tensor (any device), row-major.</summary>
    public static float[] ToArray(Tensor tensor)
    {
        var result = new float[tensor.numel()];
        ReadInto(tensor, result);
        return result;
    }

    private static Linear ToLinear(DenseLayer layer)
    {
        var linear = nn.Linear(layer.In, layer.Out, hasBias: layer.Bias is not null);
        Assign(linear.weight!, layer.Weight, [layer.Out, layer.In]);
        if (layer.Bias is { } b) Assign(linear.bias!, b, [layer.Out]);
        return linear;
    }

    private static DenseLayer FromLinear(Linear linear)
    {
        var w = linear.weight!;
        if (w.dim() != 2) throw new NotSupportedException($"Linear weight has {w.dim()} dimensions");
        if (w.dtype != ScalarType.Float32) throw new NotSupportedException($"Linear weight is {w.dtype}; GenBounds networks are float32 (convert with module.to(float32))");
        var layer = new DenseLayer((int)w.shape[1], (int)w.shape[0], linear.bias is not null);
        ReadInto(w, layer.Weight);
        if (layer.Bias is { } b) ReadInto(linear.bias!, b);
        return layer;
    }

    // Writes the raw float32 bits into the parameter's storage (no autograd, no rounding).
    private static void Assign(Tensor parameter, float[] values, long[] shape)
    {
        if (!parameter.shape.SequenceEqual(shape)) throw new ArgumentException($"parameter shape [{string.Join(",", parameter.shape)}] differs from [{string.Join(",", shape)}]");
        using var _ = no_grad();
        using var src = FromArray(values, shape, parameter.device);
        parameter.copy_(src);
    }

    private static void ReadInto(Tensor tensor, float[] destination)
    {
        if (tensor.dtype != ScalarType.Float32) throw new NotSupportedException($"tensor is {tensor.dtype}, expected float32");
        if (tensor.numel() != destination.Length) throw new ArgumentException($"tensor has {tensor.numel()} values, destination {destination.Length}");
        using var _ = no_grad();
        using var cpu = tensor.device_type == DeviceType.CPU ? tensor.contiguous() : tensor.cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(cpu.bytes).CopyTo(destination);
    }
}
