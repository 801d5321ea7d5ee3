using GenBounds.Networks;

namespace GenBounds.Torch;

/// <summary>
/// One module of a feed-forward network in the order a PyTorch/TorchSharp <c>Sequential</c> holds it: the common
/// vocabulary between GenBounds networks and torch modules. A new layer kind (Conv2d, pooling, flatten) is a new case
/// here, plus one arm in each of <see cref="TorchConversion"/>'s two switches and in the GenBounds network it maps to.
/// </summary>
public abstract record SequentialLayer
{
    private SequentialLayer() { }

    /// <summary>An affine layer (torch <c>Linear</c>); the GenBounds layer's arrays are shared, not copied.</summary>
    public sealed record Dense(DenseLayer Layer) : SequentialLayer;

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

    private static string Describe(SequentialLayer layer) => layer switch
    {
        Dense d => $"Linear({d.Layer.In}, {d.Layer.Out})",
        Relu => "ReLU",
        _ => layer.GetType().Name,
    };
}
