using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenBounds.Networks.Kernels;

/// <summary>
/// Geometry of one convolution applied to a batch of N samples: input C×H×W, kernel kh×kw, stride s, zero padding p,
/// output Ho×Wo. The input is addressed through two strides so that both memory layouts used in GenBounds work without a
/// copy: channel-major "CNHW" ([c][n][y][x]: <see cref="ChannelMajor"/>) and sample-major "NCHW" ([n][c][y][x], a batch of
/// flattened PyTorch tensors: <see cref="SampleMajor"/>).
/// </summary>
public readonly record struct ConvGeometry(int Channels, int Samples, int Height, int Width, int KernelHeight, int KernelWidth, int Stride, int Padding,
    long ChannelStride, long SampleStride)
{
    /// <summary>Output height ⌊(H + 2p − kh)/s⌋ + 1.</summary>
    public int OutHeight => (Height + 2 * Padding - KernelHeight) / Stride + 1;
    /// <summary>Output width ⌊(W + 2p − kw)/s⌋ + 1.</summary>
    public int OutWidth => (Width + 2 * Padding - KernelWidth) / Stride + 1;
    /// <summary>Rows of the patch matrix: C·kh·kw (the weight matrix's row length).</summary>
    public int PatchSize => Channels * KernelHeight * KernelWidth;
    /// <summary>Columns of the patch matrix: N·Ho·Wo.</summary>
    public int Columns => Samples * OutHeight * OutWidth;
    /// <summary>Whether the patch matrix is the input itself (1×1 kernel, stride 1, no padding, channel-major input).</summary>
    public bool IsIdentity => KernelHeight == 1 && KernelWidth == 1 && Stride == 1 && Padding == 0 && SampleStride == (long)Height * Width && ChannelStride == (long)Samples * Height * Width;

    /// <summary>Geometry for a channel-major (CNHW) input.</summary>
    public static ConvGeometry ChannelMajor(int c, int n, int h, int w, int kh, int kw, int stride, int padding) =>
        new(c, n, h, w, kh, kw, stride, padding, (long)n * h * w, (long)h * w);

    /// <summary>Geometry for a sample-major (NCHW) input.</summary>
    public static ConvGeometry SampleMajor(int c, int n, int h, int w, int kh, int kw, int stride, int padding) =>
        new(c, n, h, w, kh, kw, stride, padding, (long)h * w, (long)c * h * w);
}

/// <summary>
/// The patch ("im2col") formulation of a convolution: the input batch is unfolded into a C·kh·kw × N·Ho·Wo matrix whose
/// row (c, u, v) and column (n, y, x) holds in[c, n, s·y + u − p, s·x + v − p] (0 outside the image). Then a convolution
/// with weight W (out × C·kh·kw, PyTorch's [out, in, kh, kw] read row-major) is the single GEMM Y = W·cols, whose result is
/// channel-major (out × N·Ho·Wo); its backward passes are dW = dY·colsᵀ and dcols = Wᵀ·dY followed by <see cref="Col2Im{T}"/>.
/// All products therefore go through the BLAS provider; these two routines only move data.
/// </summary>
public static class Im2Col
{
    /// <summary>Unfolds <paramref name="input"/> into <paramref name="cols"/> (<see cref="ConvGeometry.PatchSize"/> × <see cref="ConvGeometry.Columns"/>, row-major).</summary>
    public static void Unfold<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> cols) where T : unmanaged, INumberBase<T>
    {
        int ho = g.OutHeight, wo = g.OutWidth, n = g.Samples, cs = g.Columns;
        if (cols.Length < (long)g.PatchSize * cs) throw new ArgumentException($"im2col: buffer has {cols.Length} entries, needs {(long)g.PatchSize * cs}");
        if (g.Stride == 1 && wo == g.Width) { UnfoldSameWidth(g, input, cols); return; }
        if (g.Stride == 1) { CheckInput(g, input.Length, "im2col"); UnfoldStride1(g, input, cols); return; }
        for (int c = 0; c < g.Channels; c++)
            for (int u = 0; u < g.KernelHeight; u++)
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    var row = cols.Slice(((c * g.KernelHeight + u) * g.KernelWidth + v) * cs, cs);
                    // Output columns x whose input column s·x + v − p lies inside [0, W).
                    int x0 = Math.Max(0, CeilDiv(g.Padding - v, g.Stride)), x1 = Math.Min(wo, CeilDiv(g.Width + g.Padding - v, g.Stride));
                    for (int s = 0; s < n; s++)
                    {
                        long plane = c * g.ChannelStride + s * g.SampleStride;
                        for (int y = 0; y < ho; y++)
                        {
                            var dst = row.Slice((s * ho + y) * wo, wo);
                            int iy = y * g.Stride + u - g.Padding;
                            if (iy < 0 || iy >= g.Height || x0 >= x1) { dst.Clear(); continue; }
                            dst[..x0].Clear();
                            dst[x1..].Clear();
                            var src = input.Slice((int)(plane + (long)iy * g.Width), g.Width);
                            int ix = x0 * g.Stride + v - g.Padding;
                            if (g.Stride == 1) src.Slice(ix, x1 - x0).CopyTo(dst[x0..x1]);
                            else for (int x = x0; x < x1; x++, ix += g.Stride) dst[x] = src[ix];
                        }
                    }
                }
    }

    // Stride 1 with output width = input width ("same" padding across): the patch row (c, u, v) of one sample is the
    // input plane shifted by (u − p) rows and (v − p) columns, so it is one contiguous copy of whole rows followed by
    // zeroing the columns that the shift wrapped around, instead of one short copy per output row.
    private static void UnfoldSameWidth<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> cols) where T : unmanaged, INumberBase<T>
    {
        int ho = g.OutHeight, w = g.Width, n = g.Samples, cs = g.Columns, p = g.Padding;
        long planeSize = (long)g.Height * w;
        for (int c = 0; c < g.Channels; c++)
            for (int u = 0; u < g.KernelHeight; u++)
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    var row = cols.Slice(((c * g.KernelHeight + u) * g.KernelWidth + v) * cs, cs);
                    int shift = v - p, y0 = Math.Max(0, p - u), y1 = Math.Min(ho, g.Height + p - u);
                    for (int s = 0; s < n; s++)
                    {
                        var dst = row.Slice(s * ho * w, ho * w);
                        if (y0 >= y1) { dst.Clear(); continue; }
                        dst[..(y0 * w)].Clear();
                        dst[(y1 * w)..].Clear();
                        long plane = c * g.ChannelStride + s * g.SampleStride;
                        // dst[j] = src[j + (u − p)·W + shift] for j in [y0·W, y1·W), clamped to the plane.
                        long from = (long)(y0 + u - p) * w + shift, to = from + (long)(y1 - y0) * w;
                        long a = Math.Max(from, 0), b = Math.Min(to, planeSize);
                        var body = dst[(y0 * w)..(y1 * w)];
                        body[..(int)(a - from)].Clear();
                        body[(int)(b - from)..].Clear();
                        input.Slice((int)(plane + a), (int)(b - a)).CopyTo(body[(int)(a - from)..]);
                        if (shift < 0) for (int y = y0; y < y1; y++) dst.Slice(y * w, -shift).Clear();
                        else if (shift > 0) for (int y = y0; y < y1; y++) dst.Slice(y * w + w - shift, shift).Clear();
                    }
                }
    }

    // Stride 1, output narrower than the input (no or little padding, e.g. LeNet's second convolution): every patch row
    // is wo contiguous inputs. Rows are short (a few to a few dozen entries), so the per-row cost of span slicing and a
    // memmove call dominated; rows are copied here with whole-vector moves (the last one overlapping) through refs,
    // after CheckInput has bounded every address.
    private static void UnfoldStride1<T>(in ConvGeometry g, ReadOnlySpan<T> input, Span<T> cols) where T : unmanaged, INumberBase<T>
    {
        int ho = g.OutHeight, wo = g.OutWidth, n = g.Samples, cs = g.Columns, p = g.Padding, w = g.Width, h = g.Height;
        ref T src0 = ref MemoryMarshal.GetReference(input);
        ref T dst0 = ref MemoryMarshal.GetReference(cols);
        for (int c = 0; c < g.Channels; c++)
            for (int u = 0; u < g.KernelHeight; u++)
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    long row = (long)((c * g.KernelHeight + u) * g.KernelWidth + v) * cs;
                    int x0 = Math.Max(0, p - v), x1 = Math.Min(wo, w + p - v), len = x1 - x0;
                    for (int s = 0; s < n; s++)
                    {
                        long plane = c * g.ChannelStride + s * g.SampleStride;
                        for (int y = 0; y < ho; y++)
                        {
                            ref T dst = ref Unsafe.Add(ref dst0, (nint)(row + (long)(s * ho + y) * wo));
                            int iy = y + u - p;
                            if (iy < 0 || iy >= h || len <= 0) { Runs.Fill(ref dst, wo); continue; }
                            Runs.Fill(ref dst, x0);
                            Runs.Fill(ref Unsafe.Add(ref dst, x1), wo - x1);
                            Runs.Copy(ref Unsafe.Add(ref src0, (nint)(plane + (long)iy * w + x0 + v - p)), ref Unsafe.Add(ref dst, x0), len);
                        }
                    }
                }
    }

    // Every input address the geometry reads lies inside a span of this length.
    private static void CheckInput(in ConvGeometry g, int length, string what)
    {
        long need = (g.Channels - 1) * g.ChannelStride + (g.Samples - 1) * g.SampleStride + (long)g.Height * g.Width;
        if (length < need) throw new ArgumentException($"{what}: input has {length} entries, the geometry reads {need}");
    }

    /// <summary>
    /// The adjoint of <see cref="Unfold{T}"/>: <paramref name="input"/> ← 0, then every patch-matrix entry is added to the
    /// input position it was read from (positions read by several patches accumulate; padding entries are dropped).
    /// </summary>
    public static void Col2Im<T>(in ConvGeometry g, ReadOnlySpan<T> cols, Span<T> input) where T : unmanaged, INumberBase<T>
    {
        int ho = g.OutHeight, wo = g.OutWidth, n = g.Samples, cs = g.Columns;
        if (cols.Length < (long)g.PatchSize * cs) throw new ArgumentException($"col2im: buffer has {cols.Length} entries, needs {(long)g.PatchSize * cs}");
        CheckInput(g, input.Length, "col2im");
        for (int c = 0; c < g.Channels; c++)
            for (int s = 0; s < n; s++)
                input.Slice((int)(c * g.ChannelStride + s * g.SampleStride), g.Height * g.Width).Clear();
        ref T colRef = ref MemoryMarshal.GetReference(cols);
        ref T inRef = ref MemoryMarshal.GetReference(input);
        for (int c = 0; c < g.Channels; c++)
            for (int u = 0; u < g.KernelHeight; u++)
                for (int v = 0; v < g.KernelWidth; v++)
                {
                    long row0 = (long)((c * g.KernelHeight + u) * g.KernelWidth + v) * cs;
                    var row = cols.Slice((int)row0, cs);
                    int x0 = Math.Max(0, CeilDiv(g.Padding - v, g.Stride)), x1 = Math.Min(wo, CeilDiv(g.Width + g.Padding - v, g.Stride));
                    if (x0 >= x1) continue;
                    for (int s = 0; s < n; s++)
                    {
                        long plane = c * g.ChannelStride + s * g.SampleStride;
                        for (int y = 0; y < ho; y++)
                        {
                            int iy = y * g.Stride + u - g.Padding;
                            if (iy < 0 || iy >= g.Height) continue;
                            int ix = x0 * g.Stride + v - g.Padding;
                            if (g.Stride == 1)
                            {
                                // Bounded by the checks above: (s·ho + y)·wo + x1 ≤ cs, and plane + iy·W + ix + (x1 − x0) ≤ the plane's end.
                                Runs.Add(ref Unsafe.Add(ref colRef, (nint)(row0 + (long)(s * ho + y) * wo + x0)), ref Unsafe.Add(ref inRef, (nint)(plane + (long)iy * g.Width + ix)), x1 - x0);
                                continue;
                            }
                            var src = row.Slice((s * ho + y) * wo, wo);
                            var dst = input.Slice((int)(plane + (long)iy * g.Width), g.Width);
                            for (int x = x0; x < x1; x++, ix += g.Stride) dst[ix] += src[x];
                        }
                    }
                }
    }

    private static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
