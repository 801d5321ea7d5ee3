using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;

namespace GenBounds.Measures;

/// <summary>
/// Norms of one convolution layer, both of the convolution as a linear operator A: ℝ^{C·H·W} → ℝ^{O·Ho·Wo} on the layer's
/// actual input size (zero padding and stride as the network computes them) and of the reshaped kernel matrix
/// K ∈ ℝ^{O × C·kh·kw}. Published bound code mixes the two (e.g. uses ‖K‖₂ where a bound needs ‖A‖₂); they differ:
/// ‖A‖_F² = Σ over output locations of the kernel taps that land inside the image (≤ Ho·Wo·‖K‖_F², with equality without
/// padding), and ‖A‖₂ is neither ‖K‖₂ nor a fixed multiple of it.
/// </summary>
/// <param name="KernelFrobenius">‖K‖_F = ‖W‖_F.</param>
/// <param name="KernelSpectral">‖K‖₂ of the O × C·kh·kw reshaped kernel (LAPACK SVD).</param>
/// <param name="OperatorFrobenius">‖A‖_F, exact (counts of in-image taps).</param>
/// <param name="OperatorSpectral">‖A‖₂ of the zero-padded strided operator: exact (dense SVD, Steps = 0) for small operators, else a
/// certified Lanczos bracket on AᵀA (<see cref="SpectralNorm.Bound(ILinearAlgebraProvider, Action{double[], double[]}, int, ulong, double, double)"/>).</param>
/// <param name="CircularSpectral">‖A_circ‖₂ of the circular-padding, stride-1 convolution with the same kernel on the same H×W grid,
/// exact by the block diagonalisation of Sedghi, Gupta and Long (ICLR 2019): max over the H·W frequencies (f, g) of σ_max(P(f, g)),
/// P(f, g)[o, c] = Σ_{u,v} W[o, c, u, v]·e^{−2πi(fu/H + gv/W)}. NaN for stride &gt; 1, where the block structure does not hold.</param>
/// <param name="OutputLocations">Ho·Wo (n₁ⁱ·n₂ⁱ of Arora et al.'s Definition 8 for this layer's output).</param>
public sealed record ConvLayerNorms(double KernelFrobenius, double KernelSpectral, double OperatorFrobenius, SpectralNormBound OperatorSpectral,
    double CircularSpectral, int OutputLocations);

/// <summary>Operator and kernel norms of convolutions (<see cref="ConvLayerNorms"/>).</summary>
public static class ConvOperatorNorms
{
    /// <summary>Largest operator (entries of the dense matrix) for which <see cref="Compute(Conv2dLayer, ILinearAlgebraProvider, ulong, double)"/> uses a dense SVD instead of Lanczos.</summary>
    public const long DenseEntryLimit = 1_000_000;

    /// <summary>All norms of <paramref name="layer"/>; the Lanczos start vector comes from <paramref name="seed"/>.</summary>
    public static ConvLayerNorms Compute(Conv2dLayer layer, ILinearAlgebraProvider provider, ulong seed = 0x5EED, double relativeWidth = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return Compute(layer.WeightAsDouble(), layer.Conv, layer.InputShape, provider, seed, relativeWidth);
    }

    /// <summary>All norms of the convolution with weight <paramref name="w"/> ([out, in, kh, kw], row-major) on inputs of shape <paramref name="input"/>.</summary>
    public static ConvLayerNorms Compute(double[] w, Conv2dSpec spec, TensorShape input, ILinearAlgebraProvider provider, ulong seed = 0x5EED, double relativeWidth = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(provider);
        var output = spec.OutputShape(input);
        int rows = spec.OutChannels, fanIn = input.Channels * spec.KernelHeight * spec.KernelWidth;
        if (w.Length != rows * fanIn) throw new ArgumentException($"weight has {w.Length} entries, {spec} on {input} needs {rows * fanIn}");
        double kf = Math.Sqrt(TensorPrimitives.Dot<double>(w, w));
        double ks = provider.SingularValues(w, rows, fanIn)[0];
        return new ConvLayerNorms(kf, ks, OperatorFrobenius(w, spec, input), OperatorSpectral(w, spec, input, provider, seed, relativeWidth),
            spec.Stride == 1 ? CircularSingularValues(w, spec, input, provider).Max() : double.NaN, output.Locations);
    }

    /// <summary>‖A‖_F² = Σ_{u,v} n(u)·m(v)·Σ_{o,c} W[o,c,u,v]², n(u) = #{y : 0 ≤ s·y + u − p &lt; H}, m(v) likewise: exact.</summary>
    public static double OperatorFrobenius(double[] w, Conv2dSpec spec, TensorShape input)
    {
        var o = spec.OutputShape(input);
        int kh = spec.KernelHeight, kw = spec.KernelWidth, c = input.Channels;
        double sum = 0;
        for (int u = 0; u < kh; u++)
        {
            int nu = 0;
            for (int y = 0; y < o.Height; y++) { int iy = y * spec.Stride + u - spec.Padding; if (iy >= 0 && iy < input.Height) nu++; }
            for (int v = 0; v < kw; v++)
            {
                int mv = 0;
                for (int x = 0; x < o.Width; x++) { int ix = x * spec.Stride + v - spec.Padding; if (ix >= 0 && ix < input.Width) mv++; }
                double tap = 0;
                for (int oc = 0; oc < spec.OutChannels; oc++)
                    for (int ic = 0; ic < c; ic++) { double e = w[((oc * c + ic) * kh + u) * kw + v]; tap += e * e; }
                sum += (double)nu * mv * tap;
            }
        }
        return Math.Sqrt(sum);
    }

    /// <summary>
    /// Σ over output units (o, y, x) of the ℓ₂ norm of the operator's row — the taps of output channel o's kernel that land
    /// inside the image at (y, x): Bartlett et al.'s ‖Aᵀ‖_{2,1} (their column-wise ℓ_{2,1} of Aᵀ) of the convolution as the
    /// linear map it is, exact. Not Ho·Wo times a kernel norm: border rows lose the taps that fall into the padding.
    /// </summary>
    public static double OperatorRowL21(double[] w, Conv2dSpec spec, TensorShape input)
    {
        var o = spec.OutputShape(input);
        int kh = spec.KernelHeight, kw = spec.KernelWidth, c = input.Channels;
        if (w.Length != spec.OutChannels * c * kh * kw) throw new ArgumentException($"weight has {w.Length} entries, {spec} on {input} needs {spec.OutChannels * c * kh * kw}");
        // Tap energies Σ_c W[o, c, u, v]², then per output location the taps whose input position is inside the image.
        var tap = new double[spec.OutChannels * kh * kw];
        for (int oc = 0; oc < spec.OutChannels; oc++)
            for (int ic = 0; ic < c; ic++)
                for (int u = 0; u < kh; u++)
                    for (int v = 0; v < kw; v++) { double e = w[((oc * c + ic) * kh + u) * kw + v]; tap[(oc * kh + u) * kw + v] += e * e; }
        static (int, int) Range(int pos, int stride, int pad, int k, int size) =>
            (Math.Max(0, pad - pos * stride), Math.Min(k, size + pad - pos * stride));
        double sum = 0;
        for (int oc = 0; oc < spec.OutChannels; oc++)
            for (int y = 0; y < o.Height; y++)
            {
                var (u0, u1) = Range(y, spec.Stride, spec.Padding, kh, input.Height);
                for (int x = 0; x < o.Width; x++)
                {
                    var (v0, v1) = Range(x, spec.Stride, spec.Padding, kw, input.Width);
                    double row = 0;
                    for (int u = u0; u < u1; u++) for (int v = v0; v < v1; v++) row += tap[(oc * kh + u) * kw + v];
                    sum += Math.Sqrt(row);
                }
            }
        return sum;
    }

    /// <summary>
    /// ‖A‖₂ of the zero-padded strided convolution: a dense SVD of <see cref="DenseOperator"/> when it has at most
    /// <paramref name="denseEntryLimit"/> entries (exact), else a certified Lanczos bracket of relative width <paramref name="relativeWidth"/>
    /// with AᵀA applied as convolution then transposed convolution (failure probability 1e-9 for the upper end).
    /// </summary>
    public static SpectralNormBound OperatorSpectral(double[] w, Conv2dSpec spec, TensorShape input, ILinearAlgebraProvider provider, ulong seed = 0x5EED,
        double relativeWidth = 1e-3, long denseEntryLimit = DenseEntryLimit)
    {
        var o = spec.OutputShape(input);
        int n = input.Size, m = o.Size;
        if ((long)n * m <= denseEntryLimit)
        {
            double s = provider.SingularValues(DenseOperator(w, spec, input), m, n)[0];
            return new SpectralNormBound(s, s, 0, 0);
        }
        var g = ConvGeometry.ChannelMajor(input.Channels, 1, input.Height, input.Width, spec.KernelHeight, spec.KernelWidth, spec.Stride, spec.Padding);
        var cols = new double[g.PatchSize * g.Columns]; var y = new double[m];
        return SpectralNorm.Bound(provider, (v, result) =>
        {
            Im2Col.Unfold<double>(g, v, cols);
            provider.Gemm(Transpose.No, Transpose.No, spec.OutChannels, g.Columns, g.PatchSize, 1.0, w, g.PatchSize, cols, g.Columns, 0.0, y, g.Columns);
            provider.Gemm(Transpose.Yes, Transpose.No, g.PatchSize, g.Columns, spec.OutChannels, 1.0, w, g.PatchSize, y, g.Columns, 0.0, cols, g.Columns);
            Im2Col.Col2Im<double>(g, cols, result);
        }, n, seed, relativeWidth);
    }

    /// <summary>
    /// The convolution as a dense (O·Ho·Wo) × (C·H·W) row-major matrix (rows and columns in PyTorch's flattening order),
    /// built entry by entry from the definition: the reference the fast paths are tested against, and exact for small layers.
    /// </summary>
    public static double[] DenseOperator(double[] w, Conv2dSpec spec, TensorShape input)
    {
        var o = spec.OutputShape(input);
        int n = input.Size, kh = spec.KernelHeight, kw = spec.KernelWidth, c = input.Channels;
        var a = new double[(long)o.Size * n];
        for (int oc = 0; oc < o.Channels; oc++)
            for (int y = 0; y < o.Height; y++)
                for (int x = 0; x < o.Width; x++)
                {
                    long row = (long)((oc * o.Height + y) * o.Width + x) * n;
                    for (int ic = 0; ic < c; ic++)
                        for (int u = 0; u < kh; u++)
                            for (int v = 0; v < kw; v++)
                            {
                                int iy = y * spec.Stride + u - spec.Padding, ix = x * spec.Stride + v - spec.Padding;
                                if (iy < 0 || iy >= input.Height || ix < 0 || ix >= input.Width) continue;
                                a[row + (ic * input.Height + iy) * input.Width + ix] += w[((oc * c + ic) * kh + u) * kw + v];
                            }
                }
        return a;
    }

    /// <summary>
    /// All singular values (descending) of the circular-padding stride-1 convolution on the H×W grid of <paramref name="input"/>
    /// (Sedghi, Gupta and Long 2019, Theorem 6): the union over frequencies (f, g) of the singular values of the O×C complex
    /// matrix P(f, g), each computed as those of the real 2O×2C embedding [[Re P, −Im P], [Im P, Re P]] (which lists every
    /// singular value of P twice; one copy of each is kept). Kernels larger than the grid wrap around (taps alias).
    /// </summary>
    public static double[] CircularSingularValues(double[] w, Conv2dSpec spec, TensorShape input, ILinearAlgebraProvider provider)
    {
        if (spec.Stride != 1) throw new ArgumentException("the block diagonalisation of circular convolutions needs stride 1");
        int h = input.Height, wd = input.Width, oc = spec.OutChannels, ic = input.Channels, kh = spec.KernelHeight, kw = spec.KernelWidth;
        var all = new List<double>(h * wd * Math.Min(oc, ic));
        var emb = new double[4 * oc * ic];
        for (int f = 0; f < h; f++)
            for (int g = 0; g < wd; g++)
            {
                Array.Clear(emb);
                for (int u = 0; u < kh; u++)
                    for (int v = 0; v < kw; v++)
                    {
                        double angle = -2 * Math.PI * ((double)(f * u % h) / h + (double)(g * v % wd) / wd);
                        double re = Math.Cos(angle), im = Math.Sin(angle);
                        for (int o = 0; o < oc; o++)
                            for (int c = 0; c < ic; c++)
                            {
                                double k = w[((o * ic + c) * kh + u) * kw + v];
                                emb[o * 2 * ic + c] += k * re;                  // Re P
                                emb[o * 2 * ic + ic + c] -= k * im;             // −Im P
                                emb[(oc + o) * 2 * ic + c] += k * im;           // Im P
                                emb[(oc + o) * 2 * ic + ic + c] += k * re;      // Re P
                            }
                    }
                var s = provider.SingularValues(emb, 2 * oc, 2 * ic);
                for (int i = 0; i < s.Length; i += 2) all.Add(s[i]);
            }
        all.Sort((a, b) => b.CompareTo(a));
        return all.ToArray();
    }
}
