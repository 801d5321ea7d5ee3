namespace GenBounds.Networks;

/// <summary>One module of a <see cref="Network"/>: its spec, the shapes it maps between and, for weight layers, its parameters.</summary>
public abstract class Layer
{
    private protected Layer(LayerSpec spec, TensorShape input)
    {
        Spec = spec;
        InputShape = input;
        OutputShape = spec.OutputShape(input);
    }

    /// <summary>What the module computes.</summary>
    public LayerSpec Spec { get; }
    /// <summary>Shape of one sample's input.</summary>
    public TensorShape InputShape { get; }
    /// <summary>Shape of one sample's output.</summary>
    public TensorShape OutputShape { get; }

    /// <summary>A parameter-free module for <paramref name="spec"/>, or a zero-initialised weight layer.</summary>
    public static Layer Create(LayerSpec spec, TensorShape input, bool bias) => spec switch
    {
        DenseSpec d => new DenseLayer(input, d, bias),
        Conv2dSpec c => new Conv2dLayer(input, c, bias),
        Pool2dSpec or FlattenSpec or ReluSpec => new ParameterFreeLayer(spec, input),
        _ => throw new NotSupportedException($"unknown module {spec.GetType().Name}"),
    };
}

/// <summary>A module without parameters: ReLU, pooling or flatten.</summary>
public sealed class ParameterFreeLayer : Layer
{
    internal ParameterFreeLayer(LayerSpec spec, TensorShape input) : base(spec, input)
    {
        if (spec.HasWeight) throw new ArgumentException($"{spec.TorchModule} has weights");
    }
}

/// <summary>
/// A layer with a weight tensor and an optional bias, stored as float32 in PyTorch's layout. Viewed as a matrix, the weight
/// has <see cref="Rows"/> rows (output units or channels) of <see cref="FanIn"/> entries each (row-major), which is the
/// matrix a convolution applies to every input patch.
/// </summary>
public abstract class WeightLayer : Layer
{
    private protected WeightLayer(LayerSpec spec, TensorShape input, int rows, int fanIn, bool bias) : base(spec, input)
    {
        Rows = rows; FanIn = fanIn;
        Weight = new float[checked(rows * fanIn)];
        Bias = bias ? new float[rows] : null;
    }

    /// <summary>Output units (dense) or output channels (convolution).</summary>
    public int Rows { get; }
    /// <summary>Entries per row: inputs (dense) or in·kh·kw (convolution).</summary>
    public int FanIn { get; }
    /// <summary>Weights, <see cref="Rows"/>×<see cref="FanIn"/> row-major (PyTorch layout).</summary>
    public float[] Weight { get; }
    /// <summary>Bias vector (one per row), or null for a bias-free layer.</summary>
    public float[]? Bias { get; }
    /// <summary>PyTorch shape of the weight tensor: [out, in] or [out, in, kh, kw].</summary>
    public abstract IReadOnlyList<long> WeightShape { get; }

    /// <summary>Weights widened to float64 (same layout), for the measurement code.</summary>
    public double[] WeightAsDouble() => Array.ConvertAll(Weight, w => (double)w);
}

/// <summary>One affine layer x ↦ W·x + b with W stored as <see cref="Out"/>×<see cref="In"/> row-major (PyTorch <c>nn.Linear.weight</c> layout).</summary>
public sealed class DenseLayer : WeightLayer
{
    /// <summary>Creates a zero layer.</summary>
    public DenseLayer(int inputs, int outputs, bool bias) : this(TensorShape.Vector(inputs), new DenseSpec(outputs), bias) { }

    internal DenseLayer(TensorShape input, DenseSpec spec, bool bias) : base(spec, input, spec.Outputs, input.Size, bias) { }

    /// <summary>Input width h_{l−1}.</summary>
    public int In => FanIn;
    /// <summary>Output width h_l.</summary>
    public int Out => Rows;

    /// <summary>The weights as a matrix view (no copy; writes go to the layer).</summary>
    public LinearAlgebra.Matrix<float> WeightMatrix => new(Out, In, Weight);

    /// <inheritdoc />
    public override IReadOnlyList<long> WeightShape => [Out, In];
}

/// <summary>A 2-D convolution (<see cref="Conv2dSpec"/>) with weight [out, in, kh, kw] and optional bias [out].</summary>
public sealed class Conv2dLayer : WeightLayer
{
    internal Conv2dLayer(TensorShape input, Conv2dSpec spec, bool bias)
        : base(spec, input, spec.OutChannels, checked(input.Channels * spec.KernelHeight * spec.KernelWidth), bias) => Conv = spec;

    /// <summary>Kernel size, stride and padding.</summary>
    public Conv2dSpec Conv { get; }
    /// <summary>Input channels.</summary>
    public int InChannels => InputShape.Channels;
    /// <summary>Output channels.</summary>
    public int OutChannels => Conv.OutChannels;

    /// <inheritdoc />
    public override IReadOnlyList<long> WeightShape => [Conv.OutChannels, InputShape.Channels, Conv.KernelHeight, Conv.KernelWidth];
}
