using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace GenBounds.Networks.Kernels;

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
    public static void FromChannelsFirst<T>(ReadOnlySpan<T> src, int samples, int c, int p, Span<T> dst) => Transpose(src, samples, c, p, dst);

    /// <summary>dst[n, c, p] ← src[n, p, c] (what flatten gives a dense layer).</summary>
    public static void ToChannelsFirst<T>(ReadOnlySpan<T> src, int samples, int c, int p, Span<T> dst) => Transpose(src, samples, p, c, dst);

    // Each sample's rows × cols block, transposed (a copy when either side is 1).
    private static void Transpose<T>(ReadOnlySpan<T> src, int samples, int rows, int cols, Span<T> dst)
    {
        int size = rows * cols;
        Check(src.Length, dst.Length, (long)samples * size);
        if (rows == 1 || cols == 1) { src[..(samples * size)].CopyTo(dst); return; }
        for (int n = 0; n < samples; n++)
        {
            var s = src.Slice(n * size, size); var d = dst.Slice(n * size, size);
            for (int r = 0; r < rows; r++)
                for (int q = 0; q < cols; q++) d[q * rows + r] = s[r * cols + q];
        }
    }

    private static void Check(int a, int b, long need)
    {
        if (a < need || b < need) throw new ArgumentException($"layout conversion needs {need} entries in both buffers (got {a} and {b})");
    }
}
