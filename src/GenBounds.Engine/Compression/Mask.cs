using GenBounds.Networks;

namespace GenBounds.Compression;

/// <summary>
/// A validated 0/1 pruning mask for one weight matrix (Out×In row-major, the <see cref="WeightLayer.Weight"/> layout).
/// 1 keeps the weight, 0 prunes it. Immutable: every pruning step returns a new mask.
/// </summary>
public sealed class Mask
{
    private readonly byte[] _values;

    /// <summary>Creates a mask; throws unless every value is exactly 0 or 1 and the shape matches the buffer.</summary>
    public Mask(int rows, int cols, ReadOnlySpan<byte> values)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"mask dimensions must be positive (got {rows}×{cols})");
        if (values.Length != (long)rows * cols) throw new ArgumentException($"mask has {values.Length} values, shape {rows}×{cols} needs {(long)rows * cols}");
        for (int i = 0; i < values.Length; i++)
            if (values[i] > 1) throw new ArgumentException($"mask value at {i / cols},{i % cols} is {values[i]}; masks hold only 0 or 1");
        Rows = rows; Cols = cols;
        _values = values.ToArray();
    }

    /// <summary>A mask from floating-point values (e.g. a PyTorch mask tensor); throws unless every value is exactly 0 or 1.</summary>
    public static Mask FromFloats(int rows, int cols, ReadOnlySpan<float> values)
    {
        var b = new byte[values.Length];
        for (int i = 0; i < values.Length; i++)
            b[i] = values[i] switch
            {
                0f => 0,
                1f => 1,
                _ => throw new ArgumentException($"mask value at {i} is {values[i]}; masks hold only 0 or 1"),
            };
        return new Mask(rows, cols, b);
    }

    /// <summary>The all-keep mask.</summary>
    public static Mask Ones(int rows, int cols)
    {
        var b = new byte[(long)rows * cols];
        b.AsSpan().Fill(1);
        return new Mask(rows, cols, b);
    }

    /// <summary>Number of rows (h_l, the layer's outputs).</summary>
    public int Rows { get; }
    /// <summary>Number of columns (h_{l−1}, the layer's inputs).</summary>
    public int Cols { get; }
    /// <summary>Row-major 0/1 values.</summary>
    public ReadOnlySpan<byte> Values => _values;
    /// <summary>Whether weight (i, j) is kept.</summary>
    public bool this[int i, int j] => _values[i * Cols + j] == 1;
    /// <summary>Number of kept positions.</summary>
    public long KeptCount { get { long n = 0; foreach (var v in _values) n += v; return n; } }
    /// <summary>Fraction of kept positions.</summary>
    public double Density => KeptCount / (double)_values.Length;

    /// <summary>True when every position kept here is kept in <paramref name="other"/> (this mask only removed weights).</summary>
    public bool IsSubsetOf(Mask other)
    {
        if (other.Rows != Rows || other.Cols != Cols) return false;
        for (int i = 0; i < _values.Length; i++) if (_values[i] > other._values[i]) return false;
        return true;
    }

    /// <summary>Ŵ = M ⊙ W in float32 (W Out×In row-major, same shape as the mask).</summary>
    public float[] Apply(ReadOnlySpan<float> weight)
    {
        if (weight.Length != _values.Length) throw new ArgumentException($"weight has {weight.Length} entries, mask {Rows}×{Cols} has {_values.Length}");
        var r = new float[weight.Length];
        for (int i = 0; i < r.Length; i++) r[i] = _values[i] == 1 ? weight[i] : 0f;
        return r;
    }
}

/// <summary>One <see cref="Mask"/> per weight layer of an <see cref="Mlp"/>, validated against its architecture.</summary>
public sealed class NetworkMasks
{
    /// <summary>Creates per-layer masks; throws unless there is one mask per layer with the layer's Out×In shape.</summary>
    public NetworkMasks(MlpArchitecture architecture, IReadOnlyList<Mask> layers)
    {
        if (layers.Count != architecture.Depth) throw new ArgumentException($"{layers.Count} masks for {architecture.Depth} layers");
        for (int l = 0; l < layers.Count; l++)
        {
            int rows = architecture.LayerSizes[l + 1], cols = architecture.LayerSizes[l];
            if (layers[l].Rows != rows || layers[l].Cols != cols)
                throw new ArgumentException($"mask {l} is {layers[l].Rows}×{layers[l].Cols}, layer {l} weight is {rows}×{cols}");
        }
        Architecture = architecture;
        Layers = layers.ToArray();
    }

    /// <summary>The architecture these masks fit.</summary>
    public MlpArchitecture Architecture { get; }
    /// <summary>Masks, index 0 for the first layer.</summary>
    public IReadOnlyList<Mask> Layers { get; }

    /// <summary>All-keep masks for an architecture.</summary>
    public static NetworkMasks Ones(MlpArchitecture architecture) =>
        new(architecture, Enumerable.Range(0, architecture.Depth).Select(l => Mask.Ones(architecture.LayerSizes[l + 1], architecture.LayerSizes[l])).ToArray());

    /// <summary>Kept weights over all layers.</summary>
    public long KeptCount => Layers.Sum(m => m.KeptCount);
    /// <summary>Weight positions over all layers (biases excluded).</summary>
    public long PositionCount => Layers.Sum(m => (long)m.Rows * m.Cols);

    /// <summary>True when every layer's mask is a subset of the corresponding mask in <paramref name="other"/>.</summary>
    public bool IsSubsetOf(NetworkMasks other) => other.Layers.Count == Layers.Count && Layers.Zip(other.Layers).All(p => p.First.IsSubsetOf(p.Second));

    /// <summary>
    /// The pruned network: each weight matrix multiplied by its mask; biases are copied unchanged, because the pruning
    /// schemes implemented here (GUHA-ALG1, iterative magnitude pruning) prune weights only.
    /// </summary>
    public Mlp Apply(Mlp network)
    {
        if (!network.Architecture.Equals(Architecture)) throw new ArgumentException($"masks are for {Architecture}, network is {network.Architecture}");
        var pruned = network.Clone();
        for (int l = 0; l < Layers.Count; l++)
            Layers[l].Apply(network.Layers[l].Weight).CopyTo(pruned.Layers[l].Weight, 0);
        return pruned;
    }
}
