using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;

namespace GenBounds.Measures;

/// <summary>
/// A sequential <see cref="Network"/> widened to float64 and indexed by the paper's layers (Arora et al. §1 and §5):
/// weight layer k = 1..d maps u^{k−1} to x^k = A^k u^{k−1} + b^k, and its activation block φ_k — the parameter-free
/// modules between weight layers k−1 and k (one ReLU, any pooling, a flatten) — maps x^{k−1} to u^{k−1} = φ_k(x^{k−1}).
/// x⁰ is the input and block 1 holds the modules before the first weight layer (never a ReLU; the paper's literal
/// x¹ = A¹φ(x⁰) is the option <c>reluOnInput</c>). Pooling is part of φ: max pooling is positively homogeneous and
/// piecewise linear, average pooling linear, so for bias-free nets M^{i,j}(x^i) = J^{i,j}x^i still holds.
/// <para>Batches of activations are stored channel-major ([c][n][y][x]) for images and sample-major ([n][f]) for vectors.</para>
/// </summary>
public sealed class DoubleNetwork
{
    /// <summary>Copies the parameters of <paramref name="net"/>; throws <see cref="NotSupportedException"/> if some block between two weight layers does not hold exactly one ReLU, or the first one holds any.</summary>
    public DoubleNetwork(Network net)
    {
        ArgumentNullException.ThrowIfNull(net);
        Architecture = net.Architecture;
        var a = net.Architecture;
        int d = a.Depth;
        Depth = d;
        W = new double[d + 1][]; B = new double[]?[d + 1]; WeightSpecs = new LayerSpec[d + 1];
        Blocks = new LayerSpec[d + 1][]; BlockShapes = new TensorShape[d + 1][];
        XShape = new TensorShape[d + 1]; UShape = new TensorShape[d];
        W[0] = [];
        XShape[0] = a.InputShape;
        int prev = -1;
        for (int k = 1; k <= d; k++)
        {
            int m = a.WeightModules[k - 1];
            var layer = net.WeightLayers[k - 1];
            W[k] = layer.WeightAsDouble();
            B[k] = layer.Bias is { } b ? Array.ConvertAll(b, v => (double)v) : null;
            WeightSpecs[k] = a.Layers[m];
            Blocks[k] = a.Layers.Skip(prev + 1).Take(m - prev - 1).ToArray();
            BlockShapes[k] = Enumerable.Range(prev + 1, m - prev).Select(q => a.Shapes[q]).ToArray();
            int relus = Blocks[k].Count(s => s is ReluSpec);
            if (k == 1 && relus > 0) throw new NotSupportedException($"{a}: a ReLU before the first weight layer is not supported by the measures (use the reluOnInput option)");
            if (k > 1 && relus != 1) throw new NotSupportedException($"{a}: the measures need exactly one ReLU between weight layers {k - 1} and {k} (found {relus})");
            UShape[k - 1] = a.Shapes[m];
            XShape[k] = a.Shapes[m + 1];
            prev = m;
        }
        Widths = XShape.Select(s => s.Channels).ToArray();
        Locations = XShape.Select(s => s.Locations).ToArray();
    }

    /// <summary>The shape.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>Number of weight layers d.</summary>
    public int Depth { get; }
    /// <summary>A^k in PyTorch layout (rows × fan-in), k = 1..d.</summary>
    public double[][] W { get; }
    /// <summary>b^k or null, k = 1..d.</summary>
    public double[]?[] B { get; }
    /// <summary>Spec of weight layer k (<see cref="DenseSpec"/> or <see cref="Conv2dSpec"/>), k = 1..d.</summary>
    public LayerSpec[] WeightSpecs { get; }
    /// <summary>Modules of block φ_k (applied to x^{k−1}), k = 1..d.</summary>
    public LayerSpec[][] Blocks { get; }
    /// <summary>BlockShapes[k][q] is the input shape of module q of block k; the last entry is u^{k−1}'s shape.</summary>
    public TensorShape[][] BlockShapes { get; }
    /// <summary>Shape of x^k, k = 0..d.</summary>
    public TensorShape[] XShape { get; }
    /// <summary>Shape of u^k (the input of weight layer k+1), k = 0..d−1.</summary>
    public TensorShape[] UShape { get; }
    /// <summary>h^k: channels (units) of x^k.</summary>
    public int[] Widths { get; }
    /// <summary>n₁^k·n₂^k: spatial locations of x^k (1 for vectors).</summary>
    public int[] Locations { get; }
    /// <summary>True when layers carry biases (then M^{i,j}(x^i) = J^{i,j}x^i fails).</summary>
    public bool HasBias => Architecture.Bias;
    /// <summary>Whether weight layer k is a convolution.</summary>
    public bool IsConv(int k) => WeightSpecs[k] is Conv2dSpec;
}

/// <summary>
/// Batched float64 kernels of the measures: weight layers forward (with or without bias) and transposed, and the
/// activation blocks forward (recording ReLU outputs and max-pooling choices), linearised at a recorded pattern, and
/// transposed. A batch of <c>count</c> tensors of one shape is channel-major for images and sample-major for vectors;
/// in linearised and transposed calls, vector r of the batch takes the pattern of trace sample <c>sampleOf[r]</c>.
/// </summary>
public static class SequentialOps
{
    /// <summary>
    /// Scratch entries for patch matrices: convolutions run in blocks of members whose patch matrix takes about 1 MB, so
    /// that it is still in cache when the fold (col2im) or the GEMM reads it back.
    /// </summary>
    public const int PatchBudget = 1 << 17;

    /// <summary>A patch-matrix scratch buffer for batches of <paramref name="count"/>: at most about <see cref="PatchBudget"/> entries, at least one member's patch matrix.</summary>
    public static double[] Scratch(DoubleNetwork net, int count)
    {
        long member = 1;
        for (int k = 1; k <= net.Depth; k++)
            if (net.WeightSpecs[k] is Conv2dSpec c)
                member = Math.Max(member, (long)net.UShape[k - 1].Channels * c.KernelHeight * c.KernelWidth * net.Locations[k]);
        return new double[Math.Max(member, Math.Min(member * Math.Max(1, count), PatchBudget))];
    }

    /// <summary>Visits the contiguous planes of a batch: (channel, member, offset, length); one plane per member for vectors.</summary>
    public static void Planes(TensorShape shape, int count, Action<int, int, int, int> visit)
    {
        if (shape.IsVector) { for (int r = 0; r < count; r++) visit(0, r, r * shape.Size, shape.Size); return; }
        int p = shape.Locations;
        for (int c = 0; c < shape.Channels; c++)
            for (int r = 0; r < count; r++) visit(c, r, (c * count + r) * p, p);
    }

    /// <summary>Offset of plane (c, r) in a batch of <paramref name="count"/> (c = 0 for vectors).</summary>
    public static int PlaneOffset(TensorShape shape, int count, int c, int r) => shape.IsVector ? r * shape.Size : (c * count + r) * shape.Locations;

    /// <summary>y ← A x (+ b) for <paramref name="count"/> inputs of shape <paramref name="inShape"/>.</summary>
    public static void WeightForward(ILinearAlgebraProvider p, DoubleNetwork net, int k, TensorShape inShape, int count, double[] x, double[] y, bool bias, double[] scratch)
    {
        var w = net.W[k]; var b = bias ? net.B[k] : null;
        if (net.WeightSpecs[k] is DenseSpec d)
        {
            int nin = inShape.Size;
            p.Gemm(Transpose.No, Transpose.Yes, count, d.Outputs, nin, 1.0, x, nin, w, nin, 0.0, y, d.Outputs);
            if (b is not null) for (int r = 0; r < count; r++) System.Numerics.Tensors.TensorPrimitives.Add(y.AsSpan(r * d.Outputs, d.Outputs), b, y.AsSpan(r * d.Outputs, d.Outputs));
            return;
        }
        var c = (Conv2dSpec)net.WeightSpecs[k];
        var o = c.OutputShape(inShape);
        int patch = inShape.Channels * c.KernelHeight * c.KernelWidth, lo = o.Locations, ldc = count * lo;
        int block = Math.Max(1, Math.Min(count, scratch.Length / Math.Max(1, patch * lo)));
        for (int r0 = 0; r0 < count; r0 += block)
        {
            int nb = Math.Min(block, count - r0);
            var g = new ConvGeometry(inShape.Channels, nb, inShape.Height, inShape.Width, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding,
                (long)count * inShape.Locations, inShape.Locations);
            var cols = scratch.AsSpan(0, patch * nb * lo);
            Im2Col.Unfold<double>(g, x.AsSpan(r0 * inShape.Locations), cols);
            p.Gemm(Transpose.No, Transpose.No, c.OutChannels, nb * lo, patch, 1.0, w, patch, cols, nb * lo, 0.0, y.AsSpan(r0 * lo), ldc);
        }
        if (b is not null)
            for (int oc = 0; oc < c.OutChannels; oc++) System.Numerics.Tensors.TensorPrimitives.Add(y.AsSpan(oc * ldc, ldc), b[oc], y.AsSpan(oc * ldc, ldc));
    }

    /// <summary>gx ← Aᵀ gy (no bias) for <paramref name="count"/> members.</summary>
    public static void WeightTranspose(ILinearAlgebraProvider p, DoubleNetwork net, int k, TensorShape inShape, int count, double[] gy, double[] gx, double[] scratch)
    {
        var w = net.W[k];
        if (net.WeightSpecs[k] is DenseSpec d)
        {
            int nin = inShape.Size;
            p.Gemm(Transpose.No, Transpose.No, count, nin, d.Outputs, 1.0, gy, d.Outputs, w, nin, 0.0, gx, nin);
            return;
        }
        var c = (Conv2dSpec)net.WeightSpecs[k];
        var o = c.OutputShape(inShape);
        int patch = inShape.Channels * c.KernelHeight * c.KernelWidth, lo = o.Locations, ldb = count * lo;
        int block = Math.Max(1, Math.Min(count, scratch.Length / Math.Max(1, patch * lo)));
        for (int r0 = 0; r0 < count; r0 += block)
        {
            int nb = Math.Min(block, count - r0);
            var g = new ConvGeometry(inShape.Channels, nb, inShape.Height, inShape.Width, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding,
                (long)count * inShape.Locations, inShape.Locations);
            var cols = scratch.AsSpan(0, patch * nb * lo);
            p.Gemm(Transpose.Yes, Transpose.No, patch, nb * lo, c.OutChannels, 1.0, w, patch, gy.AsSpan(r0 * lo), ldb, 0.0, cols, nb * lo);
            Im2Col.Col2Im<double>(g, cols, gx.AsSpan(r0 * inShape.Locations));
        }
    }

    /// <summary>One block module, nonlinear: y ← module(x); max pooling records its choices in <paramref name="argmax"/>.</summary>
    public static void ModuleForward(LayerSpec spec, TensorShape inShape, int count, double[] x, double[] y, int[]? argmax)
    {
        switch (spec)
        {
            case ReluSpec: System.Numerics.Tensors.TensorPrimitives.Max(x.AsSpan(0, count * inShape.Size), 0.0, y.AsSpan(0, count * inShape.Size)); break;
            case Pool2dSpec { Kind: PoolKind.Max } pool: Pooling.MaxForward<double>(x, inShape.Channels * count, inShape.Height, inShape.Width, pool.Kernel, pool.Stride, y, argmax!); break;
            case Pool2dSpec pool: Pooling.AverageForward<double>(x, inShape.Channels * count, inShape.Height, inShape.Width, pool.Kernel, pool.Stride, y); break;
            case FlattenSpec: Layout.ChannelToSampleMajor<double>(x, inShape.Channels, count, inShape.Locations, y); break;
            default: throw new NotSupportedException(spec.TorchModule);
        }
    }

    /// <summary>
    /// One block module linearised at a recorded pattern: ReLU masks by <paramref name="patternOutput"/> &gt; 0 (the recorded
    /// ReLU output of sample sampleOf[r]), max pooling picks the recorded choices, average pooling and flatten are linear.
    /// </summary>
    public static void ModuleLinear(LayerSpec spec, TensorShape inShape, int count, double[] v, double[] y, double[]? patternOutput, int[]? patternArgmax, int patternCount, int[] sampleOf)
    {
        switch (spec)
        {
            case ReluSpec:
            {
                int len = inShape.IsVector ? inShape.Size : inShape.Locations, channels = inShape.IsVector ? 1 : inShape.Channels;
                for (int c = 0; c < channels; c++)
                    for (int r = 0; r < count; r++)
                    {
                        int off = PlaneOffset(inShape, count, c, r);
                        MaskPositive(patternOutput.AsSpan(PlaneOffset(inShape, patternCount, c, sampleOf[r]), len), v.AsSpan(off, len), y.AsSpan(off, len));
                    }
                break;
            }
            case Pool2dSpec { Kind: PoolKind.Max } pool:
            {
                var o = pool.OutputShape(inShape);
                int pin = inShape.Locations, pout = o.Locations;
                for (int c = 0; c < inShape.Channels; c++)
                    for (int r = 0; r < count; r++)
                    {
                        var src = v.AsSpan((c * count + r) * pin, pin); var dst = y.AsSpan((c * count + r) * pout, pout);
                        var arg = patternArgmax.AsSpan((c * patternCount + sampleOf[r]) * pout, pout);
                        for (int q = 0; q < pout; q++) dst[q] = src[arg[q]];
                    }
                break;
            }
            default: ModuleForward(spec, inShape, count, v, y, null); break;
        }
    }

    /// <summary>The transpose of <see cref="ModuleLinear"/>: gx ← (∂module)ᵀ gy at the recorded pattern.</summary>
    public static void ModuleTranspose(LayerSpec spec, TensorShape inShape, int count, double[] gy, double[] gx, double[]? patternOutput, int[]? patternArgmax, int patternCount, int[] sampleOf)
    {
        switch (spec)
        {
            case ReluSpec: ModuleLinear(spec, inShape, count, gy, gx, patternOutput, patternArgmax, patternCount, sampleOf); break;
            case Pool2dSpec { Kind: PoolKind.Max } pool:
            {
                var o = pool.OutputShape(inShape);
                int pin = inShape.Locations, pout = o.Locations;
                for (int c = 0; c < inShape.Channels; c++)
                    for (int r = 0; r < count; r++)
                    {
                        var src = gy.AsSpan((c * count + r) * pout, pout); var dst = gx.AsSpan((c * count + r) * pin, pin);
                        var arg = patternArgmax.AsSpan((c * patternCount + sampleOf[r]) * pout, pout);
                        dst.Clear();
                        for (int q = 0; q < pout; q++) dst[arg[q]] += src[q];
                    }
                break;
            }
            case Pool2dSpec pool: Pooling.AverageBackward<double>(gy, inShape.Channels * count, inShape.Height, inShape.Width, pool.Kernel, pool.Stride, gx); break;
            case FlattenSpec: Layout.SampleToChannelMajor<double>(gy, inShape.Channels, count, inShape.Locations, gx); break;
            default: throw new NotSupportedException(spec.TorchModule);
        }
    }

    /// <summary>dst[q] = pattern[q] &gt; 0 ? src[q] : 0 (vectorised; may run in place).</summary>
    public static void MaskPositive(ReadOnlySpan<double> pattern, ReadOnlySpan<double> src, Span<double> dst)
    {
        int q = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int w = System.Numerics.Vector<double>.Count;
            for (; q <= pattern.Length - w; q += w)
            {
                var mask = System.Numerics.Vector.GreaterThan(new System.Numerics.Vector<double>(pattern[q..]), System.Numerics.Vector<double>.Zero);
                System.Numerics.Vector.ConditionalSelect(mask, new System.Numerics.Vector<double>(src[q..]), System.Numerics.Vector<double>.Zero).CopyTo(dst[q..]);
            }
        }
        for (; q < pattern.Length; q++) dst[q] = pattern[q] > 0 ? src[q] : 0;
    }

    /// <summary>Per-member squared Euclidean norms of a batch.</summary>
    public static void SquaredNorms(TensorShape shape, int count, ReadOnlySpan<double> a, Span<double> dst)
    {
        dst[..count].Clear();
        if (shape.IsVector)
        {
            for (int r = 0; r < count; r++) { var row = a.Slice(r * shape.Size, shape.Size); dst[r] = System.Numerics.Tensors.TensorPrimitives.Dot(row, row); }
            return;
        }
        int p = shape.Locations;
        for (int c = 0; c < shape.Channels; c++)
            for (int r = 0; r < count; r++) { var pl = a.Slice((c * count + r) * p, p); dst[r] += System.Numerics.Tensors.TensorPrimitives.Dot(pl, pl); }
    }

    /// <summary>Converts a sample-major batch of images to channel-major (vectors are returned as a copy).</summary>
    public static double[] ToBatchLayout(TensorShape shape, int count, ReadOnlySpan<double> sampleMajor)
    {
        var y = new double[count * shape.Size];
        if (shape.IsVector) sampleMajor[..y.Length].CopyTo(y);
        else Layout.SampleToChannelMajor(sampleMajor, shape.Channels, count, shape.Locations, y);
        return y;
    }

    /// <summary>Member r of a batch in PyTorch order (c, y, x).</summary>
    public static double[] Member(TensorShape shape, int count, ReadOnlySpan<double> batch, int r)
    {
        var v = new double[shape.Size];
        if (shape.IsVector) batch.Slice(r * shape.Size, shape.Size).CopyTo(v);
        else for (int c = 0; c < shape.Channels; c++) batch.Slice((c * count + r) * shape.Locations, shape.Locations).CopyTo(v.AsSpan(c * shape.Locations));
        return v;
    }
}
