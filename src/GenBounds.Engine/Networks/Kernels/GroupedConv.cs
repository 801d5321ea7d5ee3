using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenBounds.Networks.Kernels;

/// <summary>
/// A convolution in the channels-last ("NHWC": [n][y][x][c]) patch formulation used for training, with output pixels taken
/// <see cref="Group"/> at a time along x. Patch row (n, y, xg) holds the input window that output pixels
/// (n, y, xg·g … xg·g + g − 1) read: for each kernel row u, <see cref="SpanWidth"/> = (g − 1)·s + kw consecutive input pixels
/// with all their channels, in NHWC one contiguous run of memory (zero where the window leaves the image). The g·O outputs
/// of the row are one GEMM row: Y = P·W_eᵀ with the expanded weight W_e ((g·O) × <see cref="PatchSize"/>, entry
/// ((j, o), (u, v′, c)) = W[o, c, u, v′ − j·s] where 0 ≤ v′ − j·s &lt; kw, else 0), and the result is the NHWC output itself.
/// <para>Why groups: with few output channels (LeNet's 6) the plain patch GEMM is N·Ho·Wo × O × C·kh·kw, and a GEMM with 6
/// columns and 25 inner products runs at a third of the BLAS kernel's speed while the patch matrix is large; four pixels
/// per row make it 24 columns and 40 inner products, at near peak, with a patch matrix 2.5 times smaller. The zeros of W_e
/// cost (g − 1)·s/kw more multiplications, which is why groups are only used for narrow layers
/// (<see cref="ChooseGroup"/>). Every product remains one GEMM through the BLAS provider.</para>
/// </summary>
public readonly record struct GroupedConv(int Channels, int Height, int Width, int OutChannels, int KernelHeight, int KernelWidth, int Stride, int Padding, int Group)
{
    /// <summary>Output height ⌊(H + 2p − kh)/s⌋ + 1.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelHeight) / Stride + 1;
    /// <summary>Output width ⌊(W + 2p − kw)/s⌋ + 1 (a multiple of <see cref="Group"/>).</summary>
    public int OutWidth => (Width + 2 * Padding - KernelWidth) / Stride + 1;
    /// <summary>Input pixels along x that one patch row covers: (g − 1)·s + kw.</summary>
    public int SpanWidth => (Group - 1) * Stride + KernelWidth;
    /// <summary>Length of a patch row: kh · <see cref="SpanWidth"/> · C.</summary>
    public int PatchSize => KernelHeight * SpanWidth * Channels;
    /// <summary>Outputs of a patch row: g · O (the GEMM's column count).</summary>
    public int GroupOutputs => Group * OutChannels;
    /// <summary>Patch rows per sample: Ho · Wo / g.</summary>
    public int RowsPerSample => OutHeight * (OutWidth / Group);

    /// <summary>
    /// Output pixels of a patch row in pair order (even j first, then odd j; g even): a 2×2/2 max pooling that follows then
    /// reads each window as four contiguous runs of g/2·O values (<see cref="ChannelsLastPooling.MaxForwardPairs"/>), and
    /// its pooled row comes out channels-last. The convolution's own output is then channels-last up to that order within
    /// each group, which only the pooling reads.
    /// </summary>
    public bool PairOrder { get; init; }

    /// <summary>
    /// Run length of a 2×2/2 max-pooling window read as four contiguous runs, which works with one pixel per patch row
    /// (neighbouring pixels are neighbouring rows) or pixels in <see cref="PairOrder"/>: g/2·O values (O for g = 1).
    /// </summary>
    public int PairUnit => Math.Max(1, Group / 2) * OutChannels;
    /// <summary>Windows per output line pair: ⌊Wo/2⌋ for g = 1, else Wo/g.</summary>
    public int PairUnits => Group == 1 ? OutWidth / 2 : OutWidth / Group;

    // Column of output pixel j (of the group), channel o, in a GEMM row.
    private int Column(int j, int o) => (PairOrder ? (j % 2) * (Group / 2) + j / 2 : j) * OutChannels + o;

    /// <summary>The grouped geometry of a convolution spec on a C×H×W input.</summary>
    public static GroupedConv For(Conv2dSpec spec, TensorShape input)
    {
        var g = new GroupedConv(input.Channels, input.Height, input.Width, spec.OutChannels, spec.KernelHeight, spec.KernelWidth, spec.Stride, spec.Padding, 1);
        return g with { Group = ChooseGroup(g.OutWidth, spec.OutChannels) };
    }

    /// <summary>
    /// Pixels per patch row: 1 when the layer has at least 16 output channels (the BLAS kernel's columns are filled already),
    /// otherwise the smallest divisor g of the output width with g·O ≥ 16 (the whole width if none; measured on LeNet's first
    /// layer, O = 6: g = 1, 2, 4, 7, 14 took 0.86, 0.62, 0.56, 0.76, 1.11 ms forward and 1.05, 0.61, 0.58, 1.00, 1.14 ms for ∂W,
    /// batch 128, OpenBLAS Haswell, one core).
    /// </summary>
    public static int ChooseGroup(int outWidth, int outChannels)
    {
        if (outChannels >= 16) return 1;
        for (int g = 1; g <= outWidth; g++)
            if (outWidth % g == 0 && g * outChannels >= 16) return g;
        return outWidth;
    }

    private void CheckSamples(int samples, int inLength, int patchLength, string what)
    {
        if (OutHeight <= 0 || OutWidth <= 0 || OutWidth % Group != 0) throw new ArgumentException($"{what}: output {OutHeight}×{OutWidth} does not split into groups of {Group}");
        if (inLength < (long)samples * Height * Width * Channels) throw new ArgumentException($"{what}: the image buffer has {inLength} entries, needs {(long)samples * Height * Width * Channels}");
        if (patchLength < (long)samples * RowsPerSample * PatchSize) throw new ArgumentException($"{what}: the patch buffer has {patchLength} entries, needs {(long)samples * RowsPerSample * PatchSize}");
    }

    /// <summary>Patch matrix (samples·<see cref="RowsPerSample"/> × <see cref="PatchSize"/>, row-major) of <paramref name="samples"/> NHWC images.</summary>
    public void Unfold<T>(ReadOnlySpan<T> input, int samples, Span<T> patches) where T : unmanaged, INumberBase<T>
    {
        CheckSamples(samples, input.Length, patches.Length, "unfold");
        int c = Channels, sw = SpanWidth, run = sw * c, k = PatchSize, groups = OutWidth / Group, image = Height * Width * c, line = Width * c;
        int kh = KernelHeight, stride = Stride, pad = Padding, h = Height;
        ref T src0 = ref MemoryMarshal.GetReference(input);
        ref T dst = ref MemoryMarshal.GetReference(patches);
        for (int n = 0; n < samples; n++)
            for (int y = 0; y < OutHeight; y++)
            {
                int iy0 = y * stride - pad;
                bool rowsInside = iy0 >= 0 && iy0 + kh <= h;
                for (int xg = 0; xg < groups; xg++, dst = ref Unsafe.Add(ref dst, k))
                {
                    int ix0 = xg * Group * stride - pad;
                    int a = Math.Max(0, -ix0), b = Math.Min(sw, Width - ix0);   // pixels of the run inside the image
                    if (rowsInside && a == 0 && b == sw)
                    {
                        // The window lies inside the image: kh contiguous runs, one input line apart.
                        ref T from = ref Unsafe.Add(ref src0, (nint)n * image + (nint)iy0 * line + ix0 * c);
                        for (int u = 0; u < kh; u++) Runs.Copy(ref Unsafe.Add(ref from, (nint)u * line), ref Unsafe.Add(ref dst, u * run), run);
                        continue;
                    }
                    for (int u = 0; u < kh; u++)
                    {
                        ref T seg = ref Unsafe.Add(ref dst, u * run);
                        int iy = iy0 + u;
                        if (iy < 0 || iy >= h || a >= b) { Runs.Fill(ref seg, run); continue; }
                        Runs.Fill(ref seg, a * c);
                        Runs.Copy(ref Unsafe.Add(ref src0, (nint)n * image + (nint)iy * line + (ix0 + a) * c), ref Unsafe.Add(ref seg, a * c), (b - a) * c);
                        Runs.Fill(ref Unsafe.Add(ref seg, b * c), (sw - b) * c);
                    }
                }
            }
    }

    /// <summary>The adjoint of <see cref="Unfold{T}"/>: <paramref name="input"/> ← 0, then every patch entry is added to the pixel it was read from.</summary>
    public void Fold<T>(ReadOnlySpan<T> patches, int samples, Span<T> input) where T : unmanaged, INumberBase<T>
    {
        CheckSamples(samples, input.Length, patches.Length, "fold");
        int c = Channels, sw = SpanWidth, run = sw * c, k = PatchSize, groups = OutWidth / Group, image = Height * Width * c, line = Width * c;
        int kh = KernelHeight, stride = Stride, pad = Padding, h = Height;
        input[..(samples * image)].Clear();
        ref T src = ref MemoryMarshal.GetReference(patches);
        ref T dst0 = ref MemoryMarshal.GetReference(input);
        for (int n = 0; n < samples; n++)
            for (int y = 0; y < OutHeight; y++)
            {
                int iy0 = y * stride - pad;
                for (int xg = 0; xg < groups; xg++, src = ref Unsafe.Add(ref src, k))
                {
                    int ix0 = xg * Group * stride - pad;
                    int a = Math.Max(0, -ix0), b = Math.Min(sw, Width - ix0);
                    if (a >= b) continue;
                    ref T to = ref Unsafe.Add(ref dst0, (nint)n * image + (ix0 + a) * c);
                    for (int u = 0; u < kh; u++)
                    {
                        int iy = iy0 + u;
                        if (iy < 0 || iy >= h) continue;
                        Runs.Add(ref Unsafe.Add(ref src, u * run + a * c), ref Unsafe.Add(ref to, (nint)iy * line), (b - a) * c);
                    }
                }
            }
    }

    /// <summary>The same convolution on the zero-padded image (Padding 0, H + 2p × W + 2p): its patch matrix is identical.</summary>
    public GroupedConv Padded => this with { Height = Height + 2 * Padding, Width = Width + 2 * Padding, Padding = 0 };

    /// <summary>
    /// Copies <paramref name="samples"/> NHWC images into <paramref name="padded"/> with a border of p zeros, the input of
    /// <see cref="Padded"/>: unfolding that has no boundary cases (one cheap pass instead of a clipped copy per patch run).
    /// </summary>
    public void Pad<T>(ReadOnlySpan<T> input, int samples, Span<T> padded) where T : unmanaged, INumberBase<T>
    {
        int c = Channels, line = Width * c, pw = Width + 2 * Padding, pline = pw * c, pimage = (Height + 2 * Padding) * pline, image = Height * line;
        if (input.Length < (long)samples * image || padded.Length < (long)samples * pimage) throw new ArgumentException("pad: buffer sizes");
        for (int n = 0; n < samples; n++)
        {
            var dst = padded.Slice(n * pimage, pimage);
            dst[..(Padding * pline)].Clear();
            dst[((Padding + Height) * pline)..].Clear();
            for (int y = 0; y < Height; y++)
            {
                var row = dst.Slice((Padding + y) * pline, pline);
                row[..(Padding * c)].Clear();
                input.Slice(n * image + y * line, line).CopyTo(row[(Padding * c)..]);
                row[((Padding + Width) * c)..].Clear();
            }
        }
    }

    /// <summary>The adjoint of <see cref="Pad{T}"/>: the interior of each padded image, copied out.</summary>
    public void Crop<T>(ReadOnlySpan<T> padded, int samples, Span<T> input) where T : unmanaged, INumberBase<T>
    {
        int c = Channels, line = Width * c, pline = (Width + 2 * Padding) * c, pimage = (Height + 2 * Padding) * pline, image = Height * line;
        if (input.Length < (long)samples * image || padded.Length < (long)samples * pimage) throw new ArgumentException("crop: buffer sizes");
        for (int n = 0; n < samples; n++)
            for (int y = 0; y < Height; y++)
                padded.Slice(n * pimage + (Padding + y) * pline + Padding * c, line).CopyTo(input.Slice(n * image + y * line, line));
    }

    /// <summary>W_e ((g·O) × <see cref="PatchSize"/>) from the PyTorch weight W [O, C, kh, kw].</summary>
    public void ExpandWeights<T>(ReadOnlySpan<T> weight, Span<T> expanded) where T : unmanaged, INumberBase<T>
    {
        int kk = KernelHeight * KernelWidth, o = OutChannels, c = Channels;
        if (weight.Length < o * c * kk || expanded.Length < GroupOutputs * PatchSize) throw new ArgumentException("expand weights: buffer sizes");
        if (PairOrder && Group % 2 != 0) throw new InvalidOperationException("pair order needs an even group");
        expanded[..(GroupOutputs * PatchSize)].Clear();
        for (int j = 0; j < Group; j++)
            for (int oc = 0; oc < o; oc++)
            {
                var row = expanded.Slice(Column(j, oc) * PatchSize, PatchSize);
                for (int ch = 0; ch < c; ch++)
                    for (int u = 0; u < KernelHeight; u++)
                        for (int v = 0; v < KernelWidth; v++)
                            row[(u * SpanWidth + j * Stride + v) * c + ch] = weight[((oc * c + ch) * KernelHeight + u) * KernelWidth + v];
            }
    }

    /// <summary>∂W [O, C, kh, kw] from ∂W_e: each kernel entry sums the g copies of it in the expanded matrix (zeros of W_e are not parameters).</summary>
    public void FoldWeightGradient<T>(ReadOnlySpan<T> expandedGradient, Span<T> gradient) where T : unmanaged, INumberBase<T>
    {
        int o = OutChannels, c = Channels;
        for (int oc = 0; oc < o; oc++)
            for (int ch = 0; ch < c; ch++)
                for (int u = 0; u < KernelHeight; u++)
                    for (int v = 0; v < KernelWidth; v++)
                    {
                        T sum = T.Zero;
                        for (int j = 0; j < Group; j++) sum += expandedGradient[Column(j, oc) * PatchSize + (u * SpanWidth + j * Stride + v) * c + ch];
                        gradient[((oc * c + ch) * KernelHeight + u) * KernelWidth + v] = sum;
                    }
    }
}
