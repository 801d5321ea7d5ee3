using GenBounds.Random;

namespace GenBounds.Networks;

/// <summary>
/// Shape of a fully connected ReLU network: layer sizes h₀ (input), h₁…h_{L−1} (hidden), h_L (classes), and whether
/// layers carry biases. Several lemmas (perturbation bounds, interlayer cushions) hold only without biases, so
/// bias-free networks are first-class.
/// </summary>
public sealed record MlpArchitecture
{
    /// <summary>Creates an architecture; every size must be positive and there must be at least one weight layer.</summary>
    public MlpArchitecture(IReadOnlyList<int> layerSizes, bool bias)
    {
        if (layerSizes.Count < 2) throw new ArgumentException("an MLP needs at least an input and an output size");
        if (layerSizes.Any(s => s <= 0)) throw new ArgumentException($"layer sizes must be positive: {string.Join("-", layerSizes)}");
        LayerSizes = layerSizes.ToArray();
        Bias = bias;
    }

    /// <summary>h₀, h₁, …, h_L.</summary>
    public IReadOnlyList<int> LayerSizes { get; }
    /// <summary>Whether every layer has a bias vector.</summary>
    public bool Bias { get; }
    /// <summary>Number of weight layers L.</summary>
    public int Depth => LayerSizes.Count - 1;
    /// <summary>Input dimension h₀.</summary>
    public int InputSize => LayerSizes[0];
    /// <summary>Number of outputs h_L.</summary>
    public int OutputSize => LayerSizes[^1];
    /// <summary>Total number of trainable parameters.</summary>
    public long ParameterCount => Enumerable.Range(0, Depth).Sum(l => (long)LayerSizes[l] * LayerSizes[l + 1] + (Bias ? LayerSizes[l + 1] : 0));

    /// <summary>e.g. <c>784-100-10</c>, with <c>/nobias</c> for bias-free nets.</summary>
    public override string ToString() => string.Join("-", LayerSizes) + (Bias ? "" : "/nobias");

    /// <summary>Parses <c>784-100-10</c> (sizes separated by '-' or 'x').</summary>
    public static MlpArchitecture Parse(string sizes, bool bias)
    {
        var parts = sizes.Split('-', 'x', ',');
        var list = new List<int>();
        foreach (var p in parts)
        {
            if (!int.TryParse(p.Trim(), out int v) || v <= 0)
                throw new FormatException($"invalid architecture '{sizes}': expected positive sizes separated by '-', e.g. 784-100-10");
            list.Add(v);
        }
        return new MlpArchitecture(list, bias);
    }

    /// <inheritdoc />
    public bool Equals(MlpArchitecture? other) => other is not null && Bias == other.Bias && LayerSizes.SequenceEqual(other.LayerSizes);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Bias, string.Join("-", LayerSizes));
}

/// <summary>A fully connected ReLU network f(x) = W_L·ReLU(W_{L−1}·…ReLU(W₁x + b₁)… + b_{L−1}) + b_L.</summary>
public sealed class Mlp
{
    /// <summary>A network of the given shape with all parameters zero.</summary>
    public Mlp(MlpArchitecture architecture)
    {
        Architecture = architecture;
        Layers = new DenseLayer[architecture.Depth];
        for (int l = 0; l < architecture.Depth; l++)
            Layers[l] = new DenseLayer(architecture.LayerSizes[l], architecture.LayerSizes[l + 1], architecture.Bias);
    }

    /// <summary>A view over existing layers (shared, not copied); used by <see cref="Network.AsMlp"/>.</summary>
    internal Mlp(MlpArchitecture architecture, DenseLayer[] layers)
    {
        if (layers.Length != architecture.Depth) throw new ArgumentException("layer count differs from the architecture's depth");
        for (int l = 0; l < layers.Length; l++)
            if (layers[l].In != architecture.LayerSizes[l] || layers[l].Out != architecture.LayerSizes[l + 1] || (layers[l].Bias is not null) != architecture.Bias)
                throw new ArgumentException($"layer {l} does not match {architecture}");
        Architecture = architecture;
        Layers = layers;
    }

    /// <summary>The shape.</summary>
    public MlpArchitecture Architecture { get; }
    /// <summary>Weight layers 1..L (index 0 is the first layer).</summary>
    public DenseLayer[] Layers { get; }

    /// <summary>
    /// PyTorch's default <c>nn.Linear</c> initialisation: W and b uniform on [−1/√fan_in, 1/√fan_in]
    /// (kaiming_uniform with a = √5 reduces to this bound for the weights).
    /// </summary>
    public static Mlp InitializeDefault(MlpArchitecture architecture, Rng rng)
    {
        var net = new Mlp(architecture);
        foreach (var layer in net.Layers)
        {
            float bound = (float)(1.0 / Math.Sqrt(layer.In));
            rng.FillUniform(layer.Weight, -bound, bound);
            if (layer.Bias is { } b) rng.FillUniform(b, -bound, bound);
        }
        return net;
    }

    /// <summary>Deep copy.</summary>
    public Mlp Clone()
    {
        var c = new Mlp(Architecture);
        for (int l = 0; l < Layers.Length; l++)
        {
            Layers[l].Weight.CopyTo(c.Layers[l].Weight, 0);
            Layers[l].Bias?.CopyTo(c.Layers[l].Bias!, 0);
        }
        return c;
    }

    /// <summary>
    /// The same network as a general sequential <see cref="Network"/> (Dense, ReLU, …, Dense), sharing the parameter
    /// arrays: training or editing either view changes both. Its <see cref="Network.ContentHash"/> equals <see cref="ContentHash"/>.
    /// </summary>
    public Network AsNetwork() => Network.FromMlp(this);

    /// <summary>SHA-256 (hex) of the architecture and every parameter bit: identifies the exact model a report used.</summary>
    public string ContentHash()
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Text.Encoding.UTF8.GetBytes(Architecture.ToString()));
        foreach (var layer in Layers)
        {
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weight.AsSpan()));
            if (layer.Bias is { } b) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));
        }
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
    }
}
