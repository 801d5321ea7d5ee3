namespace GenBounds.Networks;

/// <summary>
/// Shape of one sample's activation: either an image-like tensor C×H×W (the output of an input image, a convolution or a
/// pooling layer) or a flat vector of <see cref="Channels"/> entries (the output of a flatten or a dense layer), for which
/// <see cref="Height"/> = <see cref="Width"/> = 1 and <see cref="IsVector"/> is true. The distinction matters because, as
/// in PyTorch, a dense layer needs a flat input and a convolution an image; a 512×1×1 image is not a 512-vector until it
/// is flattened. Flattening uses PyTorch's order (channel, row, column).
/// </summary>
public readonly record struct TensorShape
{
    /// <summary>An image-like shape C×H×W (all positive).</summary>
    public TensorShape(int channels, int height, int width)
    {
        if (channels <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(channels), $"shape {channels}×{height}×{width} must be positive");
        if ((long)channels * height * width > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(channels), $"shape {channels}×{height}×{width} is too large");
        Channels = channels; Height = height; Width = width; IsVector = false;
    }

    private TensorShape(int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size), $"vector size {size} must be positive");
        Channels = size; Height = 1; Width = 1; IsVector = true;
    }

    /// <summary>A flat vector of <paramref name="size"/> entries.</summary>
    public static TensorShape Vector(int size) => new(size);

    /// <summary>Channels C (the length, for a vector).</summary>
    public int Channels { get; }
    /// <summary>Height H (1 for a vector).</summary>
    public int Height { get; }
    /// <summary>Width W (1 for a vector).</summary>
    public int Width { get; }
    /// <summary>True for a flat vector, false for an image-like tensor.</summary>
    public bool IsVector { get; }
    /// <summary>Number of spatial locations H·W (1 for a vector): the n₁·n₂ of Arora et al.'s convolutional definitions.</summary>
    public int Locations => Height * Width;
    /// <summary>Number of entries C·H·W.</summary>
    public int Size => Channels * Height * Width;

    /// <summary><c>784</c> for a vector, <c>1x28x28</c> for an image (the architecture grammar's input prefix).</summary>
    public override string ToString() => IsVector ? Channels.ToString(System.Globalization.CultureInfo.InvariantCulture) : $"{Channels}x{Height}x{Width}";
}
