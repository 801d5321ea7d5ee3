using GenBounds.Random;

namespace GenBounds.Networks;

/// <summary>
/// A sequential network (PyTorch <c>nn.Sequential</c>) of dense and convolution layers, ReLUs, max/average pooling and
/// flatten, with float32 parameters. <see cref="Mlp"/> is the special case Dense, ReLU, …, Dense; <see cref="FromMlp"/>
/// and <see cref="AsMlp"/> convert between the two without copying parameters.
/// <para>Layer numbering follows Arora et al.: the weight layers (convolutions and dense layers) are the paper's layers
/// 1..d (<see cref="WeightLayers"/>[i−1]); the parameter-free modules between two weight layers form that layer's activation φ.</para>
/// </summary>
public sealed class Network
{
    private readonly Layer[] _layers;
    private readonly WeightLayer[] _weightLayers;

    /// <summary>A network of the given shape with all parameters zero.</summary>
    public Network(NetworkArchitecture architecture)
        : this(architecture, architecture.Layers.Select((s, m) => Layer.Create(s, architecture.Shapes[m], architecture.Bias)).ToArray()) { }

    private Network(NetworkArchitecture architecture, Layer[] layers)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        Architecture = architecture;
        _layers = layers;
        _weightLayers = architecture.WeightModules.Select(m => (WeightLayer)layers[m]).ToArray();
    }

    /// <summary>The shape.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>All modules in order (index = Sequential index).</summary>
    public IReadOnlyList<Layer> Layers => _layers;
    /// <summary>The weight layers in order: the paper's A¹..A^d.</summary>
    public IReadOnlyList<WeightLayer> WeightLayers => _weightLayers;
    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape => Architecture.InputShape;
    /// <summary>Number of class scores.</summary>
    public int OutputSize => Architecture.OutputSize;

    /// <summary>
    /// PyTorch's default initialisation: for <c>nn.Linear</c> and <c>nn.Conv2d</c> alike, weights and biases uniform on
    /// [−1/√fan_in, 1/√fan_in] with fan_in = in (dense) or in·kh·kw (convolution) — kaiming_uniform with a = √5 reduces to
    /// this bound. Layers are filled in order, weight before bias, from one stream, so an MLP gets exactly the parameters of
    /// <see cref="Mlp.InitializeDefault"/>.
    /// </summary>
    public static Network InitializeDefault(NetworkArchitecture architecture, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var net = new Network(architecture);
        foreach (var layer in net._weightLayers)
        {
            float bound = (float)(1.0 / Math.Sqrt(layer.FanIn));
            rng.FillUniform(layer.Weight, -bound, bound);
            if (layer.Bias is { } b) rng.FillUniform(b, -bound, bound);
        }
        return net;
    }

    /// <summary>The sequential view of an MLP, sharing its <see cref="DenseLayer"/> objects (and so its parameter arrays).</summary>
    public static Network FromMlp(Mlp mlp)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var arch = NetworkArchitecture.FromMlp(mlp.Architecture);
        var layers = new Layer[arch.Layers.Count];
        for (int m = 0; m < layers.Length; m++)
            layers[m] = m % 2 == 0 ? mlp.Layers[m / 2] : Layer.Create(arch.Layers[m], arch.Shapes[m], arch.Bias);
        return new Network(arch, layers);
    }

    /// <summary>The <see cref="Mlp"/> view of this network (sharing parameters) when <see cref="NetworkArchitecture.IsMlp"/>, else null.</summary>
    public Mlp? AsMlp() => Architecture.IsMlp ? new Mlp(Architecture.ToMlp(), _weightLayers.Cast<DenseLayer>().ToArray()) : null;

    /// <summary>Deep copy.</summary>
    public Network Clone()
    {
        var c = new Network(Architecture);
        for (int k = 0; k < _weightLayers.Length; k++)
        {
            _weightLayers[k].Weight.CopyTo(c._weightLayers[k].Weight, 0);
            _weightLayers[k].Bias?.CopyTo(c._weightLayers[k].Bias!, 0);
        }
        return c;
    }

    /// <summary>
    /// SHA-256 (hex) of the canonical architecture string and every parameter bit (weight then bias, layer by layer);
    /// equal to <see cref="Mlp.ContentHash"/> for an MLP.
    /// </summary>
    public string ContentHash()
    {
        using var h = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        h.AppendData(System.Text.Encoding.UTF8.GetBytes(Architecture.ToString()));
        foreach (var layer in _weightLayers)
        {
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(layer.Weight.AsSpan()));
            if (layer.Bias is { } b) h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b.AsSpan()));
        }
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
    }
}
