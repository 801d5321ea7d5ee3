namespace GenBounds.Networks;

/// <summary>Pooling operator of a <see cref="Pool2dSpec"/>.</summary>
public enum PoolKind
{
    /// <summary>Maximum over the window (PyTorch <c>nn.MaxPool2d</c>; ties go to the first maximum in row-major window order).</summary>
    Max,
    /// <summary>Mean over the window (PyTorch <c>nn.AvgPool2d</c> without padding, so the divisor is always kh·kw).</summary>
    Average,
}

/// <summary>
/// One module of a sequential network, without parameters: the unit of <see cref="NetworkArchitecture"/>. Each spec is
/// one module of a PyTorch <c>nn.Sequential</c>, so a module's position in the list is its Sequential index and its
/// parameters are stored as <c>{index}.weight</c> and <c>{index}.bias</c>.
/// </summary>
public abstract record LayerSpec
{
    private protected LayerSpec() { }

    /// <summary>The PyTorch module class this spec stands for, e.g. <c>Conv2d</c>.</summary>
    public abstract string TorchModule { get; }

    /// <summary>Output shape for one sample of shape <paramref name="input"/>; throws <see cref="ArgumentException"/> with a clear message if the input does not fit.</summary>
    public abstract TensorShape OutputShape(TensorShape input);

    /// <summary>Whether the module has a weight (and possibly a bias).</summary>
    public virtual bool HasWeight => false;
}

/// <summary>Fully connected layer y = W·x + b, W of shape [<see cref="Outputs"/>, in] (PyTorch <c>nn.Linear</c>); needs a flat input.</summary>
public sealed record DenseSpec(int Outputs) : LayerSpec
{
    /// <inheritdoc />
    public override string TorchModule => "Linear";
    /// <inheritdoc />
    public override bool HasWeight => true;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        if (Outputs <= 0) throw new ArgumentException($"a dense layer needs a positive number of outputs (got {Outputs})");
        if (!input.IsVector) throw new ArgumentException($"a dense layer needs a flat input, but gets a {input} image: put a flatten before it");
        return TensorShape.Vector(Outputs);
    }
}

/// <summary>
/// 2-D convolution (cross-correlation, as PyTorch <c>nn.Conv2d</c>) with zero padding <see cref="Padding"/> on every side,
/// equal stride <see cref="Stride"/> in both directions and dilation 1: output (o, y, x) = b_o + Σ_{c,u,v} W[o, c, u, v]·
/// in[c, s·y + u − p, s·x + v − p]. Weight shape [out, in, kh, kw]. Output size ⌊(H + 2p − kh)/s⌋ + 1 (likewise W).
/// </summary>
public sealed record Conv2dSpec(int OutChannels, int KernelHeight, int KernelWidth, int Stride = 1, int Padding = 0) : LayerSpec
{
    /// <inheritdoc />
    public override string TorchModule => "Conv2d";
    /// <inheritdoc />
    public override bool HasWeight => true;

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        if (OutChannels <= 0 || KernelHeight <= 0 || KernelWidth <= 0 || Stride <= 0 || Padding < 0)
            throw new ArgumentException($"convolution needs positive channels, kernel and stride and a non-negative padding (got {this})");
        if (input.IsVector) throw new ArgumentException($"a convolution needs an image input (C×H×W), but gets a flat vector of {input.Channels}");
        int h = (input.Height + 2 * Padding - KernelHeight) / Stride + 1, w = (input.Width + 2 * Padding - KernelWidth) / Stride + 1;
        if (input.Height + 2 * Padding < KernelHeight || input.Width + 2 * Padding < KernelWidth)
            throw new ArgumentException($"a {KernelHeight}×{KernelWidth} convolution with padding {Padding} does not fit a {input} input");
        return new TensorShape(OutChannels, h, w);
    }
}

/// <summary>
/// 2-D pooling without padding (PyTorch <c>nn.MaxPool2d</c> / <c>nn.AvgPool2d</c>, ceil_mode false): output
/// ⌊(H − k)/s⌋ + 1 per side, channels unchanged.
/// </summary>
public sealed record Pool2dSpec(PoolKind Kind, int Kernel, int Stride) : LayerSpec
{
    /// <inheritdoc />
    public override string TorchModule => Kind == PoolKind.Max ? "MaxPool2d" : "AvgPool2d";

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input)
    {
        if (Kernel <= 0 || Stride <= 0) throw new ArgumentException($"pooling needs a positive kernel and stride (got {this})");
        if (input.IsVector) throw new ArgumentException($"pooling needs an image input (C×H×W), but gets a flat vector of {input.Channels}");
        if (input.Height < Kernel || input.Width < Kernel) throw new ArgumentException($"a {Kernel}×{Kernel} pooling does not fit a {input} input");
        return new TensorShape(input.Channels, (input.Height - Kernel) / Stride + 1, (input.Width - Kernel) / Stride + 1);
    }
}

/// <summary>Flattens an image C×H×W to a vector in PyTorch order (PyTorch <c>nn.Flatten</c>).</summary>
public sealed record FlattenSpec : LayerSpec
{
    /// <inheritdoc />
    public override string TorchModule => "Flatten";

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input) =>
        input.IsVector ? throw new ArgumentException("flatten needs an image input, but the input is already flat") : TensorShape.Vector(input.Size);
}

/// <summary>Element-wise ReLU φ(z) = max(z, 0) (PyTorch <c>nn.ReLU</c>).</summary>
public sealed record ReluSpec : LayerSpec
{
    /// <inheritdoc />
    public override string TorchModule => "ReLU";

    /// <inheritdoc />
    public override TensorShape OutputShape(TensorShape input) => input;
}
