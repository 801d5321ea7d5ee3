using GenBounds.Networks;

namespace GenBounds.Torch;

/// <summary>
/// One module of a feed-forward network in the order a PyTorch/TorchSharp <c>Sequential</c> holds it: the common
/// vocabulary between GenBounds networks and torch modules. A new layer kind is a new case here, plus one arm in each of
/// <see cref="TorchConversion"/>'s two switches and in <see cref="SpecOf"/>.
/// </summary>
public abstract record SequentialLayer
{
    private SequentialLayer() { }

    /// <summary>An affine layer (torch <c>Linear</c>); the GenBounds layer's arrays are shared, not copied.</summary>
    public sealed record Dense(DenseLayer Layer) : SequentialLayer;

    /// <summary>
    /// A 2-D convolution (torch <c>Conv2d</c>, dilation 1, one group, zero padding) with its weight [out, in, kh, kw] and
    /// optional bias, both shared with the network they came from. It holds arrays rather than a
    /// <see cref="Conv2dLayer"/> because a torch module does not know the image size a GenBounds layer is built for.
    /// </summary>
    public sealed record Conv2d(Conv2dSpec Spec, int InChannels, float[] Weight, float[]? Bias) : SequentialLayer;

    /// <summary>Max or average pooling without padding (torch <c>MaxPool2d</c> / <c>AvgPool2d</c>).</summary>
    public sealed record Pool(Pool2dSpec Spec) : SequentialLayer;

    /// <summary>C×H×W → C·H·W in (channel, row, column) order (torch <c>Flatten()</c> with its default dimensions).</summary>
    public sealed record Flatten : SequentialLayer;

    /// <summary>Element-wise max(x, 0) (torch <c>ReLU</c>).</summary>
    public sealed record Relu : SequentialLayer;

    /// <summary>The module sequence of an MLP: Dense, ReLU, Dense, …, Dense (no activation after the last layer).</summary>
    public static IReadOnlyList<SequentialLayer> Of(Mlp network)
    {
        ArgumentNullException.ThrowIfNull(network);
        var layers = new List<SequentialLayer>();
        for (int l = 0; l < network.Layers.Length; l++)
        {
            if (l > 0) layers.Add(new Relu());
            layers.Add(new Dense(network.Layers[l]));
        }
        return layers;
    }

    /// <summary>The module sequence of any sequential network, one entry per module, parameter arrays shared.</summary>
    public static IReadOnlyList<SequentialLayer> Of(Network network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return network.Layers.Select<Layer, SequentialLayer>(layer => layer switch
        {
            DenseLayer d => new Dense(d),
            Conv2dLayer c => new Conv2d(c.Conv, c.InChannels, c.Weight, c.Bias),
            { Spec: Pool2dSpec p } => new Pool(p),
            { Spec: FlattenSpec } => new Flatten(),
            { Spec: ReluSpec } => new Relu(),
            _ => throw new NotSupportedException($"no torch module for {layer.Spec.TorchModule}"),
        }).ToList();
    }

    /// <summary>
    /// The MLP that <paramref name="layers"/> describe. Accepts exactly Dense (ReLU Dense)*: other layer kinds or
    /// another order give <see cref="NotSupportedException"/>, naming the first module an MLP cannot represent.
    /// Parameters are copied.
    /// </summary>
    public static Mlp ToMlp(IReadOnlyList<SequentialLayer> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        var dense = new List<DenseLayer>();
        for (int i = 0; i < layers.Count; i++)
        {
            bool expectDense = i % 2 == 0;
            switch (layers[i])
            {
                case Dense d when expectDense: dense.Add(d.Layer); break;
                case Relu when !expectDense: break;
                case var other:
                    throw new NotSupportedException($"module {i} is {Describe(other)} where an MLP (Linear, ReLU, Linear, …, Linear) has " +
                                                    (expectDense ? "a Linear layer" : "a ReLU"));
            }
        }
        if (dense.Count == 0) throw new NotSupportedException("the module sequence is empty");
        if (layers.Count % 2 == 0) throw new NotSupportedException($"the sequence ends with {Describe(layers[^1])}: an MLP ends with a Linear layer (logits)");
        for (int l = 1; l < dense.Count; l++)
            if (dense[l].In != dense[l - 1].Out)
                throw new NotSupportedException($"Linear layer {l} takes {dense[l].In} inputs but layer {l - 1} has {dense[l - 1].Out} outputs");
        bool bias = dense[0].Bias is not null;
        if (dense.Any(d => (d.Bias is not null) != bias))
            throw new NotSupportedException("biases must be on all Linear layers or on none (GenBounds MLPs are uniform)");
        var sizes = new List<int> { dense[0].In };
        sizes.AddRange(dense.Select(d => d.Out));
        var net = new Mlp(new MlpArchitecture(sizes, bias));
        for (int l = 0; l < dense.Count; l++)
        {
            dense[l].Weight.CopyTo(net.Layers[l].Weight, 0);
            dense[l].Bias?.CopyTo(net.Layers[l].Bias!, 0);
        }
        return net;
    }

    /// <summary>
    /// The sequential network that <paramref name="layers"/> describe, on samples of shape <paramref name="input"/>;
    /// parameters are copied. Modules do not record the image size, so a network that starts with a convolution, pooling
    /// or flatten needs <paramref name="input"/>; one that starts with a Linear layer gets a flat input of its width when
    /// <paramref name="input"/> is null. A module that does not fit the shape before it, a sequence that does not end with
    /// a Linear layer, or biases on some weight layers only give <see cref="NotSupportedException"/> naming the module.
    /// </summary>
    public static Network ToNetwork(IReadOnlyList<SequentialLayer> layers, TensorShape? input = null)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new NotSupportedException("the module sequence is empty");
        var shape = input ?? (layers[0] is Dense first ? TensorShape.Vector(first.Layer.In)
            : throw new NotSupportedException($"module 0 is {Describe(layers[0])}: a torch module does not record the image size, so give the input shape (C×H×W)"));
        var weighted = layers.Select((l, i) => (Layer: l, Index: i)).Where(p => p.Layer is Dense or Conv2d).ToList();
        if (weighted.Count == 0) throw new NotSupportedException("the module sequence has no Linear or Conv2d layer");
        bool bias = HasBias(weighted[0].Layer);
        if (weighted.FirstOrDefault(p => HasBias(p.Layer) != bias) is { Layer: not null } odd)
            throw new NotSupportedException($"module {odd.Index} ({Describe(odd.Layer)}) {(bias ? "has no bias" : "has a bias")} but module {weighted[0].Index} " +
                                            $"{(bias ? "has one" : "has none")}: biases must be on all weight layers or on none (GenBounds networks are uniform)");
        NetworkArchitecture arch;
        try { arch = new NetworkArchitecture(shape, layers.Select(SpecOf).ToList(), bias); }
        catch (ArgumentException e) { throw new NotSupportedException($"the modules do not form a GenBounds network on {shape} inputs: {e.Message}", e); }
        var net = new Network(arch);
        foreach (var (layer, m) in weighted)
        {
            var target = (WeightLayer)net.Layers[m];
            var (weight, b, fanIn) = layer switch
            {
                Dense d => (d.Layer.Weight, d.Layer.Bias, d.Layer.In),
                Conv2d c => (c.Weight, c.Bias, c.InChannels * c.Spec.KernelHeight * c.Spec.KernelWidth),
                _ => throw new InvalidOperationException(),
            };
            if (fanIn != target.FanIn || weight.Length != target.Weight.Length)
                throw new NotSupportedException($"module {m} is {Describe(layer)} but gets a {net.Layers[m].InputShape} input, which needs weight [{string.Join(",", target.WeightShape)}]");
            weight.CopyTo(target.Weight, 0);
            b?.CopyTo(target.Bias!, 0);
        }
        return net;
    }

    /// <summary>The parameter-free description of a module.</summary>
    public static LayerSpec SpecOf(SequentialLayer layer) => layer switch
    {
        Dense d => new DenseSpec(d.Layer.Out),
        Conv2d c => c.Spec,
        Pool p => p.Spec,
        Flatten => new FlattenSpec(),
        Relu => new ReluSpec(),
        _ => throw new NotSupportedException(layer.GetType().Name),
    };

    private static bool HasBias(SequentialLayer layer) => layer switch { Dense d => d.Layer.Bias is not null, Conv2d c => c.Bias is not null, _ => false };

    private static string Describe(SequentialLayer layer) => layer switch
    {
        Dense d => $"Linear({d.Layer.In}, {d.Layer.Out})",
        Conv2d c => $"Conv2d({c.InChannels}, {c.Spec.OutChannels}, kernel {c.Spec.KernelHeight}×{c.Spec.KernelWidth}, stride {c.Spec.Stride}, padding {c.Spec.Padding})",
        Pool p => $"{p.Spec.TorchModule}({p.Spec.Kernel}, stride {p.Spec.Stride})",
        Flatten => "Flatten",
        Relu => "ReLU",
        _ => layer.GetType().Name,
    };
}
