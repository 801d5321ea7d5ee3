using System.Security.Cryptography;

namespace GenBounds.Data;

/// <summary>
/// An in-memory labelled data set: <see cref="Count"/> samples of dimension <see cref="Dimension"/>, stored row-major in
/// float32 (pixels scaled to [0, 1] by the loaders), labels in 0..<see cref="Classes"/>−1.
/// </summary>
public sealed class Dataset
{
    /// <summary>Creates a data set, validating shapes and labels.</summary>
    public Dataset(string name, float[] features, int[] labels, int dimension, int classes)
    {
        if (dimension <= 0) throw new ArgumentOutOfRangeException(nameof(dimension));
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), "a classification data set needs at least two classes");
        if (features.Length != (long)labels.Length * dimension)
            throw new ArgumentException($"{name}: {features.Length} feature values do not match {labels.Length} samples × {dimension}");
        foreach (var y in labels)
            if ((uint)y >= (uint)classes) throw new ArgumentException($"{name}: label {y} outside 0..{classes - 1}");
        Name = name; Features = features; Labels = labels; Dimension = dimension; Classes = classes;
    }

    /// <summary>Descriptive name (e.g. <c>mnist-train</c>, <c>mnist-train[prior 5%]</c>).</summary>
    public string Name { get; }
    /// <summary>Row-major features, <see cref="Count"/>×<see cref="Dimension"/>.</summary>
    public float[] Features { get; }
    /// <summary>Labels, one per sample.</summary>
    public int[] Labels { get; }
    /// <summary>Feature dimension.</summary>
    public int Dimension { get; }
    /// <summary>Number of classes.</summary>
    public int Classes { get; }
    /// <summary>Number of samples.</summary>
    public int Count => Labels.Length;
    /// <summary>
    /// Shape of one sample when the features are images stored channel-major (C×H×W, as a flattened PyTorch tensor), e.g.
    /// 1×28×28 for MNIST and 3×32×32 for CIFAR-10; null when unknown (then the features are a flat vector).
    /// Its size must equal <see cref="Dimension"/>. Operations that copy samples keep it.
    /// </summary>
    public Networks.TensorShape? ImageShape
    {
        get => _imageShape;
        init
        {
            if (value is { } s && s.Size != Dimension) throw new ArgumentException($"{Name}: image shape {s} has {s.Size} entries, but samples have dimension {Dimension}");
            _imageShape = value;
        }
    }
    private readonly Networks.TensorShape? _imageShape;

    /// <summary>Features of sample <paramref name="i"/>.</summary>
    public ReadOnlySpan<float> Row(int i) => Features.AsSpan(i * Dimension, Dimension);

    /// <summary>SHA-256 (hex) over dimension, classes, features and labels: identifies the exact data a report used.</summary>
    public string ContentHash()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(BitConverter.GetBytes(Dimension));
        h.AppendData(BitConverter.GetBytes(Classes));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Features.AsSpan()));
        h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(Labels.AsSpan()));
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
    }

    /// <summary>The samples at <paramref name="indices"/>, in that order.</summary>
    public Dataset Select(ReadOnlySpan<int> indices, string name)
    {
        var x = new float[(long)indices.Length * Dimension];
        var y = new int[indices.Length];
        for (int r = 0; r < indices.Length; r++)
        {
            int i = indices[r];
            if ((uint)i >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(indices), $"index {i} outside 0..{Count - 1}");
            Row(i).CopyTo(x.AsSpan(r * Dimension, Dimension));
            y[r] = Labels[i];
        }
        return new Dataset(name, x, y, Dimension, Classes) { ImageShape = ImageShape };
    }
}
