using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
                        for (int u = 0; u < kh; u++) Copy(ref Unsafe.Add(ref from, (nint)u * line), ref Unsafe.Add(ref dst, u * run), run);
                        continue;
                    }
                    for (int u = 0; u < kh; u++)
                    {
                        ref T seg = ref Unsafe.Add(ref dst, u * run);
                        int iy = iy0 + u;
                        if (iy < 0 || iy >= h || a >= b) { Fill(ref seg, run); continue; }
                        Fill(ref seg, a * c);
                        Copy(ref Unsafe.Add(ref src0, (nint)n * image + (nint)iy * line + (ix0 + a) * c), ref Unsafe.Add(ref seg, a * c), (b - a) * c);
                        Fill(ref Unsafe.Add(ref seg, b * c), (sw - b) * c);
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
                        Add(ref Unsafe.Add(ref src, u * run + a * c), ref Unsafe.Add(ref to, (nint)iy * line), (b - a) * c);
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill<T>(ref T dst, int len) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < len; i++) Unsafe.Add(ref dst, i) = T.Zero;
    }

    // Runs are short (LeNet: 8 and 30 entries), so whole-vector moves with an overlapping last one beat a memmove call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(ref T src, ref T dst, int len) where T : unmanaged
    {
        int vw = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated && len >= vw)
        {
            int i = 0;
            for (; i + vw <= len; i += vw) Vector256.LoadUnsafe(ref src, (nuint)i).StoreUnsafe(ref dst, (nuint)i);
            if (i < len) Vector256.LoadUnsafe(ref src, (nuint)(len - vw)).StoreUnsafe(ref dst, (nuint)(len - vw));
        }
        else for (int i = 0; i < len; i++) Unsafe.Add(ref dst, i) = Unsafe.Add(ref src, i);
    }

    // dst[i] += src[i]: whole vectors, then half a vector, then the tail one by one (an overlapping vector would add twice).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(ref T src, ref T dst, int len) where T : unmanaged, INumberBase<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i + Vector256<T>.Count <= len; i += Vector256<T>.Count)
                (Vector256.LoadUnsafe(ref dst, (nuint)i) + Vector256.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
            if (i + Vector128<T>.Count <= len)
            {
                (Vector128.LoadUnsafe(ref dst, (nuint)i) + Vector128.LoadUnsafe(ref src, (nuint)i)).StoreUnsafe(ref dst, (nuint)i);
                i += Vector128<T>.Count;
            }
        }
        for (; i < len; i++) Unsafe.Add(ref dst, i) += Unsafe.Add(ref src, i);
    }
}

/// <summary>
/// Pooling without padding over channels-last (NHWC) images: each output pixel holds, channel by channel, the maximum or
/// mean of a k×k window (stride s), Ho = ⌊(H − k)/s⌋ + 1, Wo likewise.
/// </summary>
public static class ChannelsLastPooling
{
    /// <summary>
    /// Max pooling; <paramref name="argmax"/> receives, per output, the index within its sample's image (NHWC) of the chosen
    /// input: the first maximum in row-major window order, a NaN replacing any value (PyTorch's CPU rule: a value replaces the
    /// running maximum when it is larger or NaN, so the last NaN wins).
    /// </summary>
    public static void MaxForward<T>(ReadOnlySpan<T> input, int samples, int h, int w, int c, int k, int s, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(input.Length, output.Length, samples, h, w, c, ho, wo);
        if (argmax.Length < samples * ho * wo * c) throw new ArgumentException("max pooling: argmax buffer too small");
        if (typeof(T) == typeof(float) && Avx2.IsSupported && wo * c >= Vector256<float>.Count)
        {
            MaxForwardFloat(MemoryMarshal.Cast<T, float>(input), samples, h, w, c, k, s, MemoryMarshal.Cast<T, float>(output), argmax);
            return;
        }
        ref T src = ref MemoryMarshal.GetReference(input);
        ref T dst = ref MemoryMarshal.GetReference(output);
        ref int arg = ref MemoryMarshal.GetReference(argmax);
        int image = h * w * c, o = 0;
        for (int n = 0; n < samples; n++)
        {
            ref T img = ref Unsafe.Add(ref src, n * image);
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o += c)
                {
                    int first = (y * s * w + x * s) * c;
                    for (int ch = 0; ch < c; ch++) { Unsafe.Add(ref dst, o + ch) = Unsafe.Add(ref img, first + ch); Unsafe.Add(ref arg, o + ch) = first + ch; }
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++)
                        {
                            if (u == 0 && v == 0) continue;
                            int p = ((y * s + u) * w + x * s + v) * c;
                            for (int ch = 0; ch < c; ch++)
                            {
                                T val = Unsafe.Add(ref img, p + ch), cur = Unsafe.Add(ref dst, o + ch);
                                bool take = val > cur || T.IsNaN(val);
                                Unsafe.Add(ref dst, o + ch) = take ? val : cur;
                                Unsafe.Add(ref arg, o + ch) = take ? p + ch : Unsafe.Add(ref arg, o + ch);
                            }
                        }
                }
        }
    }

    // The float kernel: an output line (Wo·C values, contiguous) is taken 8 at a time; the 8 inputs at window position
    // (u, v) are gathered through a precomputed index vector (output t reads pixel ⌊t/C⌋·s, channel t mod C), and the
    // running maximum and its index are updated by compare-and-blend in window order, with the scalar loop's rule
    // (larger or NaN replaces). Channels-last outputs of a few channels have no contiguous vectors otherwise.
    private static unsafe void MaxForwardFloat(ReadOnlySpan<float> input, int samples, int h, int w, int c, int k, int s, Span<float> output, Span<int> argmax)
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1, line = wo * c, vecs = line / 8, image = h * w * c;
        Span<int> offsets = stackalloc int[vecs * 8];
        for (int t = 0; t < offsets.Length; t++) offsets[t] = t / c * s * c + t % c;
        fixed (float* src0 = input, dst0 = output)
        fixed (int* arg0 = argmax, off0 = offsets)
        {
            for (int n = 0; n < samples; n++)
            {
                float* img = src0 + (long)n * image;
                for (int y = 0; y < ho; y++)
                {
                    long o = ((long)n * ho + y) * line;
                    int rowBase = y * s * w * c;
                    for (int vi = 0; vi < vecs; vi++)
                    {
                        var idx0 = Avx.LoadVector256(off0 + vi * 8) + Vector256.Create(rowBase);
                        var cur = Avx2.GatherVector256(img, idx0, 4);
                        var at = idx0;
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++)
                            {
                                if (u == 0 && v == 0) continue;
                                var idx = idx0 + Vector256.Create((u * w + v) * c);
                                var val = Avx2.GatherVector256(img, idx, 4);
                                var take = Avx.Or(Avx.CompareGreaterThan(val, cur), Avx.CompareUnordered(val, val));
                                cur = Avx.BlendVariable(cur, val, take);
                                at = Avx2.BlendVariable(at, idx, take.AsInt32());
                            }
                        Avx.Store(dst0 + o + vi * 8, cur);
                        Avx.Store(arg0 + o + vi * 8, at);
                    }
                    for (int t = vecs * 8; t < line; t++)
                    {
                        int first = rowBase + t / c * s * c + t % c, best = first;
                        float m = img[first];
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++)
                            {
                                int p = first + (u * w + v) * c;
                                if (img[p] > m || float.IsNaN(img[p])) { m = img[p]; best = p; }
                            }
                        dst0[o + t] = m; arg0[o + t] = best;
                    }
                }
            }
        }
    }

    /// <summary>
    /// 2×2 max pooling with stride 2 over an image whose lines hold <paramref name="line"/> values and whose windows are four
    /// contiguous runs of <paramref name="unit"/> values: window i of a line pair reads a = line₀[2i·unit …], b = the next
    /// unit, c and d the same two units of the next line, and writes one unit of the output line (<paramref name="units"/>
    /// windows per line pair; lines 2y and 2y + 1 give output line y). That is a channels-last image (unit = C, windows of
    /// two neighbouring pixels) or the output of a <see cref="GroupedConv"/> in pair order (unit = g/2·C). The result and the
    /// argmax (index within the sample's input) follow <see cref="MaxForward{T}"/>'s rule, lane by lane in whole vectors.
    /// </summary>
    public static void MaxForwardPairs<T>(ReadOnlySpan<T> input, int samples, int height, int line, int unit, int units, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ho = height / 2, outLine = units * unit, image = height * line;
        if (ho <= 0 || units <= 0 || 2 * units * unit > line) throw new ArgumentException($"pair pooling: {units} windows of 2×{unit} do not fit lines of {line}");
        if (input.Length < (long)samples * image || output.Length < (long)samples * ho * outLine || argmax.Length < (long)samples * ho * outLine)
            throw new ArgumentException("pair pooling: buffer too small");
        ref T src0 = ref MemoryMarshal.GetReference(input);
        ref T dst = ref MemoryMarshal.GetReference(output);
        ref int arg = ref MemoryMarshal.GetReference(argmax);
        bool vector = typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated;
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        for (int n = 0; n < samples; n++)
        {
            ref T img = ref Unsafe.Add(ref src0, (nint)n * image);
            for (int y = 0; y < ho; y++)
                for (int i = 0; i < units; i++, dst = ref Unsafe.Add(ref dst, unit), arg = ref Unsafe.Add(ref arg, unit))
                {
                    int ia = 2 * y * line + 2 * i * unit, ib = ia + unit, ic = ia + line, id = ic + unit, l = 0;
                    if (vector)
                        for (; l + 8 <= unit; l += 8)
                        {
                            var m = Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ia + l)));
                            var at = lanes + Vector256.Create(ia + l);
                            Take(ref m, ref at, Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ib + l))), lanes + Vector256.Create(ib + l));
                            Take(ref m, ref at, Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ic + l))), lanes + Vector256.Create(ic + l));
                            Take(ref m, ref at, Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, id + l))), lanes + Vector256.Create(id + l));
                            m.StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref dst, l)));
                            at.StoreUnsafe(ref Unsafe.Add(ref arg, l));
                        }
                    if (vector && l + 4 <= unit)
                    {
                        var lanes4 = lanes.GetLower();
                        var m = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ia + l)));
                        var at = lanes4 + Vector128.Create(ia + l);
                        Take(ref m, ref at, Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ib + l))), lanes4 + Vector128.Create(ib + l));
                        Take(ref m, ref at, Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, ic + l))), lanes4 + Vector128.Create(ic + l));
                        Take(ref m, ref at, Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref img, id + l))), lanes4 + Vector128.Create(id + l));
                        m.StoreUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref dst, l)));
                        at.StoreUnsafe(ref Unsafe.Add(ref arg, l));
                        l += 4;
                    }
                    for (; l < unit; l++)
                    {
                        T m = Unsafe.Add(ref img, ia + l); int at = ia + l;
                        foreach (int q in (ReadOnlySpan<int>)[ib + l, ic + l, id + l])
                        {
                            T v = Unsafe.Add(ref img, q);
                            if (v > m || T.IsNaN(v)) { m = v; at = q; }
                        }
                        Unsafe.Add(ref dst, l) = m; Unsafe.Add(ref arg, l) = at;
                    }
                }
        }
    }

    // A value replaces the running maximum when it is larger or NaN (PyTorch's rule), lane by lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(ref Vector256<float> max, ref Vector256<int> at, Vector256<float> value, Vector256<int> index)
    {
        var take = Vector256.GreaterThan(value, max) | ~Vector256.Equals(value, value);
        max = Vector256.ConditionalSelect(take, value, max);
        at = Vector256.ConditionalSelect(take.AsInt32(), index, at);
    }

    /// <summary>
    /// Backward of <see cref="MaxForwardPairs{T}"/>: writes the whole input gradient — each window's ∂out at its argmax, 0 at
    /// its other three entries and at entries no window reads — so no clearing pass is needed. With a non-empty
    /// <paramref name="reluOutput"/> (the pooled values) the gradient is also masked where the pooled value is not positive:
    /// the backward pass of a ReLU applied after the pooling, which equals pooling after a ReLU because max and ReLU commute.
    /// </summary>
    public static void MaxBackwardPairs<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argmax, ReadOnlySpan<T> reluOutput, int samples, int height, int line, int unit, int units, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ho = height / 2, outLine = units * unit, image = height * line, covered = 2 * units * unit;
        bool relu = !reluOutput.IsEmpty;
        if (ho <= 0 || units <= 0 || covered > line) throw new ArgumentException($"pair pooling: {units} windows of 2×{unit} do not fit lines of {line}");
        if (gradInput.Length < (long)samples * image || gradOutput.Length < (long)samples * ho * outLine || argmax.Length < (long)samples * ho * outLine
            || relu && reluOutput.Length < (long)samples * ho * outLine)
            throw new ArgumentException("pair pooling backward: buffer too small");
        ref T g0 = ref MemoryMarshal.GetReference(gradOutput);
        ref T r0 = ref MemoryMarshal.GetReference(reluOutput);
        ref int arg = ref MemoryMarshal.GetReference(argmax);
        ref T dst0 = ref MemoryMarshal.GetReference(gradInput);
        bool vector = typeof(T) == typeof(float) && Vector256.IsHardwareAccelerated;
        var lanes = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);
        int o = 0;
        for (int n = 0; n < samples; n++)
        {
            var img = gradInput.Slice(n * image, image);
            ref T dimg = ref Unsafe.Add(ref dst0, (nint)n * image);
            for (int y = 0; y < ho; y++)
            {
                if (covered < line) { img.Slice(2 * y * line + covered, line - covered).Clear(); img.Slice((2 * y + 1) * line + covered, line - covered).Clear(); }
                for (int i = 0; i < units; i++, o += unit)
                {
                    int ia = 2 * y * line + 2 * i * unit, ib = ia + unit, ic = ia + line, id = ic + unit, l = 0;
                    if (vector)
                    {
                        for (; l + 8 <= unit; l += 8)
                        {
                            var g = Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref g0, o + l)));
                            if (relu) g = Vector256.ConditionalSelect(Vector256.GreaterThan(Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref r0, o + l))), Vector256<float>.Zero), g, Vector256<float>.Zero);
                            var at = Vector256.LoadUnsafe(ref Unsafe.Add(ref arg, o + l)) - lanes;
                            Scatter(g, at, ia + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ia + l)));
                            Scatter(g, at, ib + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ib + l)));
                            Scatter(g, at, ic + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ic + l)));
                            Scatter(g, at, id + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, id + l)));
                        }
                        if (l + 4 <= unit)
                        {
                            var g = Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref g0, o + l)));
                            if (relu) g = Vector128.ConditionalSelect(Vector128.GreaterThan(Vector128.LoadUnsafe(ref Unsafe.As<T, float>(ref Unsafe.Add(ref r0, o + l))), Vector128<float>.Zero), g, Vector128<float>.Zero);
                            var at = Vector128.LoadUnsafe(ref Unsafe.Add(ref arg, o + l)) - lanes.GetLower();
                            Scatter(g, at, ia + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ia + l)));
                            Scatter(g, at, ib + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ib + l)));
                            Scatter(g, at, ic + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, ic + l)));
                            Scatter(g, at, id + l, ref Unsafe.As<T, float>(ref Unsafe.Add(ref dimg, id + l)));
                            l += 4;
                        }
                    }
                    for (; l < unit; l++)
                    {
                        T g = Unsafe.Add(ref g0, o + l);
                        if (relu && !(Unsafe.Add(ref r0, o + l) > T.Zero)) g = T.Zero;
                        int at = Unsafe.Add(ref arg, o + l);
                        Unsafe.Add(ref dimg, ia + l) = at == ia + l ? g : T.Zero;
                        Unsafe.Add(ref dimg, ib + l) = at == ib + l ? g : T.Zero;
                        Unsafe.Add(ref dimg, ic + l) = at == ic + l ? g : T.Zero;
                        Unsafe.Add(ref dimg, id + l) = at == id + l ? g : T.Zero;
                    }
                }
            }
            if (2 * ho < height) img.Slice(2 * ho * line, line).Clear();
        }
    }

    // dst[lane] = g[lane] where the lane's argmax (less its lane number) is `start`, else 0.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(Vector256<float> g, Vector256<int> at, int start, ref float dst) =>
        Vector256.ConditionalSelect(Vector256.Equals(at, Vector256.Create(start)).AsSingle(), g, Vector256<float>.Zero).StoreUnsafe(ref dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Scatter(Vector128<float> g, Vector128<int> at, int start, ref float dst) =>
        Vector128.ConditionalSelect(Vector128.Equals(at, Vector128.Create(start)).AsSingle(), g, Vector128<float>.Zero).StoreUnsafe(ref dst);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Take(ref Vector128<float> max, ref Vector128<int> at, Vector128<float> value, Vector128<int> index)
    {
        var take = Vector128.GreaterThan(value, max) | ~Vector128.Equals(value, value);
        max = Vector128.ConditionalSelect(take, value, max);
        at = Vector128.ConditionalSelect(take.AsInt32(), index, at);
    }

    /// <summary>Backward of max pooling: ∂in ← 0, then ∂in[argmax] += ∂out (overlapping windows accumulate).</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argmax, int samples, int h, int w, int c, int ho, int wo, Span<T> gradInput)
        where T : unmanaged, INumberBase<T>
    {
        Check(gradInput.Length, gradOutput.Length, samples, h, w, c, ho, wo);
        int image = h * w * c, outs = ho * wo * c;
        gradInput[..(samples * image)].Clear();
        for (int n = 0; n < samples; n++)
        {
            var dst = gradInput.Slice(n * image, image);
            for (int j = 0, o = n * outs; j < outs; j++, o++) dst[argmax[o]] += gradOutput[o];
        }
    }

    /// <summary>Average pooling: the mean over each k×k window (divisor k²).</summary>
    public static void AverageForward<T>(ReadOnlySpan<T> input, int samples, int h, int w, int c, int k, int s, Span<T> output) where T : unmanaged, INumberBase<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(input.Length, output.Length, samples, h, w, c, ho, wo);
        T inv = T.One / T.CreateChecked(k * k);
        int image = h * w * c, o = 0;
        for (int n = 0; n < samples; n++)
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o += c)
                    for (int ch = 0; ch < c; ch++)
                    {
                        T sum = T.Zero;
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++) sum += input[n * image + ((y * s + u) * w + x * s + v) * c + ch];
                        output[o + ch] = sum * inv;
                    }
    }

    /// <summary>Backward of average pooling: ∂in ← 0, then every input of a window gets ∂out/k².</summary>
    public static void AverageBackward<T>(ReadOnlySpan<T> gradOutput, int samples, int h, int w, int c, int k, int s, Span<T> gradInput) where T : unmanaged, INumberBase<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(gradInput.Length, gradOutput.Length, samples, h, w, c, ho, wo);
        T inv = T.One / T.CreateChecked(k * k);
        int image = h * w * c, o = 0;
        gradInput[..(samples * image)].Clear();
        for (int n = 0; n < samples; n++)
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o += c)
                    for (int ch = 0; ch < c; ch++)
                    {
                        T g = gradOutput[o + ch] * inv;
                        for (int u = 0; u < k; u++)
                            for (int v = 0; v < k; v++) gradInput[n * image + ((y * s + u) * w + x * s + v) * c + ch] += g;
                    }
    }

    private static void Check(int inLength, int outLength, int samples, int h, int w, int c, int ho, int wo)
    {
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"pooling window does not fit a {h}×{w} image");
        if (inLength < (long)samples * h * w * c) throw new ArgumentException($"pooling: input has {inLength} entries, needs {(long)samples * h * w * c}");
        if (outLength < (long)samples * ho * wo * c) throw new ArgumentException($"pooling: output has {outLength} entries, needs {(long)samples * ho * wo * c}");
    }
}

/// <summary>Conversions of a batch between PyTorch's per-sample layout [n][c][p] and channels-last [n][p][c] (p = y·W + x).</summary>
public static class ChannelsLastLayout
{
    /// <summary>dst[n, p, c] ← src[n, c, p].</summary>
    public static void FromChannelsFirst<T>(ReadOnlySpan<T> src, int samples, int c, int p, Span<T> dst)
    {
        Check(src.Length, dst.Length, (long)samples * c * p);
        if (c == 1) { src[..(samples * p)].CopyTo(dst); return; }
        for (int n = 0; n < samples; n++)
        {
            var s = src.Slice(n * c * p, c * p); var d = dst.Slice(n * c * p, c * p);
            for (int ch = 0; ch < c; ch++)
                for (int q = 0; q < p; q++) d[q * c + ch] = s[ch * p + q];
        }
    }

    /// <summary>dst[n, c, p] ← src[n, p, c] (what flatten gives a dense layer).</summary>
    public static void ToChannelsFirst<T>(ReadOnlySpan<T> src, int samples, int c, int p, Span<T> dst)
    {
        Check(src.Length, dst.Length, (long)samples * c * p);
        if (c == 1) { src[..(samples * p)].CopyTo(dst); return; }
        for (int n = 0; n < samples; n++)
        {
            var s = src.Slice(n * c * p, c * p); var d = dst.Slice(n * c * p, c * p);
            for (int q = 0; q < p; q++)
                for (int ch = 0; ch < c; ch++) d[ch * p + q] = s[q * c + ch];
        }
    }

    private static void Check(int a, int b, long need)
    {
        if (a < need || b < need) throw new ArgumentException($"layout conversion needs {need} entries in both buffers (got {a} and {b})");
    }
}
