using System.Runtime.InteropServices;
using GenBounds.Networks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GenBounds.Torch;

/// <summary>
/// Moves networks between GenBounds and TorchSharp: a <see cref="Network"/> (an <see cref="Mlp"/> among them) becomes a
/// <c>Sequential</c> of <c>Linear</c>/<c>Conv2d</c>/<c>ReLU</c>/<c>MaxPool2d</c>/<c>AvgPool2d</c>/<c>Flatten</c> named like
/// PyTorch's (<c>{index}.weight</c>, Conv2d weights [out, in, kh, kw]) and back. Parameters are float32 in both and are
/// copied bit for bit, so a round trip returns identical weights. Both store a sample as C×H×W in (channel, row, column)
/// order and flatten in that order, so <see cref="Input"/> is a reshape, not a permutation.
/// </summary>
public static class TorchConversion
{
    /// <summary>A TorchSharp module computing the same function as <paramref name="network"/>, on <paramref name="device"/> (default CPU).</summary>
    public static Sequential ToTorch(Mlp network, Device? device = null) => ToTorch(SequentialLayer.Of(network), device);

    /// <summary>A TorchSharp module computing the same function as <paramref name="network"/>, on <paramref name="device"/> (default CPU).</summary>
    public static Sequential ToTorch(Network network, Device? device = null) => ToTorch(SequentialLayer.Of(network), device);

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
                SequentialLayer.Conv2d c => ToConv2d(c),
                SequentialLayer.Pool { Spec.Kind: PoolKind.Max } p => nn.MaxPool2d(p.Spec.Kernel, stride: p.Spec.Stride),
                SequentialLayer.Pool p => nn.AvgPool2d(p.Spec.Kernel, stride: p.Spec.Stride),
                SequentialLayer.Flatten => nn.Flatten(),
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
                Conv2d conv => FromConv2d(conv, i),
                MaxPool2d max => FromPool(PoolKind.Max, max.kernel_size, max.stride, max.padding, max.dilation, max.ceil_mode, i),
                AvgPool2d avg when avg.divisor_override is null => FromPool(PoolKind.Average, avg.kernel_size, avg.stride, avg.padding, null, avg.ceil_mode, i),
                AvgPool2d => throw new NotSupportedException($"module {i} is an AvgPool2d with divisor_override; GenBounds divides by the window size"),
                Flatten flatten when flatten.start_dim == 1 && flatten.end_dim == -1 => new SequentialLayer.Flatten(),
                Flatten flatten => throw new NotSupportedException($"module {i} is Flatten({flatten.start_dim}, {flatten.end_dim}); GenBounds flattens dimensions 1..-1 (each sample to a vector)"),
                ReLU => new SequentialLayer.Relu(),
                _ => throw new NotSupportedException($"module {i} is a {child.GetType().Name}; GenBounds converts Linear, Conv2d, ReLU, MaxPool2d, AvgPool2d and Flatten modules"),
            });
            i++;
        }
        return result;
    }

    /// <summary>The MLP computed by <paramref name="module"/> (Linear, ReLU, …, Linear); see <see cref="SequentialLayer.ToMlp"/>.</summary>
    public static Mlp ToMlp(Sequential module) => SequentialLayer.ToMlp(FromTorch(module));

    /// <summary>
    /// The network computed by <paramref name="module"/> on samples of shape <paramref name="input"/> (needed when the first
    /// module is not a Linear layer: torch modules do not record the image size); see <see cref="SequentialLayer.ToNetwork"/>.
    /// </summary>
    public static Network ToNetwork(Sequential module, TensorShape? input = null) => SequentialLayer.ToNetwork(FromTorch(module), input);

    /// <summary>Overwrites the parameters of <paramref name="module"/> (built by <see cref="ToTorch(Mlp, Device?)"/> for the same architecture) with <paramref name="network"/>'s.</summary>
    public static void CopyInto(Mlp network, Sequential module) => CopyInto(network.AsNetwork(), module);

    /// <summary>Overwrites <paramref name="network"/>'s parameters with those of <paramref name="module"/> (same architecture).</summary>
    public static void CopyFrom(Sequential module, Mlp network) => CopyFrom(module, network.AsNetwork());

    /// <summary>Overwrites the parameters of <paramref name="module"/> (built by <see cref="ToTorch(Network, Device?)"/> for the same architecture) with <paramref name="network"/>'s.</summary>
    public static void CopyInto(Network network, Sequential module)
    {
        var weighted = WeightModules(module, network);
        for (int k = 0; k < weighted.Count; k++)
        {
            var layer = network.WeightLayers[k];
            Assign(weighted[k].Weight, layer.Weight, layer.WeightShape.ToArray());
            if (layer.Bias is { } b)
                Assign(weighted[k].Bias ?? throw new ArgumentException($"weight layer {k} has no bias in the module but has one in the network"), b, [layer.Rows]);
        }
    }

    /// <summary>Overwrites <paramref name="network"/>'s parameters with those of <paramref name="module"/> (same architecture).</summary>
    public static void CopyFrom(Sequential module, Network network)
    {
        var weighted = WeightModules(module, network);
        for (int k = 0; k < weighted.Count; k++)
        {
            ReadInto(weighted[k].Weight, network.WeightLayers[k].Weight);
            if (network.WeightLayers[k].Bias is { } b) ReadInto(weighted[k].Bias!, b);
        }
    }

    /// <summary>The Linear and Conv2d parameters of <paramref name="module"/> in module order: the network's weight layers.</summary>
    public static IReadOnlyList<(Tensor Weight, Tensor? Bias)> WeightParameters(Sequential module)
    {
        ArgumentNullException.ThrowIfNull(module);
        return module.children().Select<nn.Module, (Tensor, Tensor?)?>(m => m switch
        {
            Linear l => (l.weight!, l.bias),
            Conv2d c => (c.weight!, c.bias),
            _ => null,
        }).Where(p => p is not null).Select(p => p!.Value).ToList();
    }

    private static IReadOnlyList<(Tensor Weight, Tensor? Bias)> WeightModules(Sequential module, Network network)
    {
        var weighted = WeightParameters(module);
        if (weighted.Count != network.WeightLayers.Count)
            throw new ArgumentException($"module has {weighted.Count} Linear/Conv2d layers, network {network.WeightLayers.Count}");
        return weighted;
    }

    /// <summary>
    /// A batch of <paramref name="batch"/> samples (each <paramref name="shape"/>.Size values in GenBounds' C×H×W order) as the
    /// float32 input tensor a torch module takes: [batch, C, H, W] for images, [batch, N] for flat vectors.
    /// </summary>
    public static Tensor Input(float[] values, int batch, TensorShape shape, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Length != (long)batch * shape.Size) throw new ArgumentException($"{values.Length} values are not {batch} samples of {shape}");
        return FromArray(values, InputShape(batch, shape), device);
    }

    /// <summary>The torch shape of a batch of <paramref name="batch"/> samples of <paramref name="shape"/>.</summary>
    public static long[] InputShape(long batch, TensorShape shape) =>
        shape.IsVector ? [batch, shape.Size] : [batch, shape.Channels, shape.Height, shape.Width];

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

    private static Conv2d ToConv2d(SequentialLayer.Conv2d c)
    {
        var s = c.Spec;
        var conv = nn.Conv2d(c.InChannels, s.OutChannels, (s.KernelHeight, s.KernelWidth), stride: (s.Stride, s.Stride),
            padding: (s.Padding, s.Padding), bias: c.Bias is not null);
        Assign(conv.weight!, c.Weight, [s.OutChannels, c.InChannels, s.KernelHeight, s.KernelWidth]);
        if (c.Bias is { } b) Assign(conv.bias!, b, [s.OutChannels]);
        return conv;
    }

    // GenBounds' convolution is torch's with dilation 1, one group, zero padding and the same stride and padding in both directions.
    private static SequentialLayer.Conv2d FromConv2d(Conv2d conv, int index)
    {
        NotSupportedException Refuse(string what) => new($"module {index} is a Conv2d with {what}; GenBounds convolutions have dilation 1, one group, " +
                                                         "zero padding and equal stride and padding in both directions");
        if (conv.transposed) throw Refuse("transposed = true");
        if (conv.groups != 1) throw Refuse($"groups = {conv.groups}");
        if (conv.padding_mode != PaddingModes.Zeros) throw Refuse($"padding_mode {conv.padding_mode}");
        if (conv.dilation.Any(d => d != 1)) throw Refuse($"dilation ({string.Join(", ", conv.dilation)})");
        if (conv.stride.Length != 2 || conv.stride[0] != conv.stride[1]) throw Refuse($"stride ({string.Join(", ", conv.stride)})");
        long padding = conv.padding_type switch
        {
            null => conv.padding is [var ph, var pw] && ph == pw ? ph : throw Refuse($"padding ({string.Join(", ", conv.padding ?? [])})"),
            Padding.Valid => 0,
            var other => throw Refuse($"padding '{other}'; give the padding as a number"),
        };
        var w = conv.weight!;
        if (w.dtype != ScalarType.Float32) throw new NotSupportedException($"module {index}: Conv2d weight is {w.dtype}; GenBounds networks are float32 (convert with module.to(float32))");
        var shape = w.shape.Select(d => checked((int)d)).ToArray();
        var spec = new Conv2dSpec(shape[0], shape[2], shape[3], checked((int)conv.stride[0]), checked((int)padding));
        var weight = new float[w.numel()];
        ReadInto(w, weight);
        float[]? bias = null;
        if (conv.bias is { } b) ReadInto(b, bias = new float[shape[0]]);
        return new SequentialLayer.Conv2d(spec, shape[1], weight, bias);
    }

    // GenBounds pools square windows with equal strides, without padding or dilation, rounding sizes down.
    private static SequentialLayer.Pool FromPool(PoolKind kind, long[] kernel, long[]? stride, long[]? padding, long[]? dilation, bool ceilMode, int index)
    {
        string name = kind == PoolKind.Max ? "MaxPool2d" : "AvgPool2d";
        NotSupportedException Refuse(string what) => new($"module {index} is a {name} with {what}; GenBounds pools square windows with equal strides, " +
                                                         "no padding, no dilation and ceil_mode false");
        if (kernel.Length != 2 || kernel[0] != kernel[1]) throw Refuse($"kernel ({string.Join(", ", kernel)})");
        var s = stride is null || stride.Length == 0 ? kernel : stride;
        if (s.Length != 2 || s[0] != s[1]) throw Refuse($"stride ({string.Join(", ", s)})");
        if (padding is not null && padding.Any(p => p != 0)) throw Refuse($"padding ({string.Join(", ", padding)})");
        if (dilation is not null && dilation.Any(d => d != 1)) throw Refuse($"dilation ({string.Join(", ", dilation)})");
        if (ceilMode) throw Refuse("ceil_mode true");
        return new SequentialLayer.Pool(new Pool2dSpec(kind, checked((int)kernel[0]), checked((int)s[0])));
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
