using System.Numerics;

namespace GenBounds.Networks.Kernels;

/// <summary>
/// Max and average pooling without padding over P contiguous H×W planes (P = C·N: the planes of a channel-major or a
/// sample-major batch alike), each giving an Ho×Wo plane with Ho = ⌊(H − k)/s⌋ + 1, Wo likewise.
/// </summary>
public static class Pooling
{
    /// <summary>
    /// Max pooling; <paramref name="argmax"/> receives, per output, the index of the chosen input within its plane (the first
    /// maximum in row-major window order, the last NaN wins, as PyTorch's CPU kernel), which the backward pass and the measures'
    /// linearisation use.
    /// <para>PyTorch's rule: a value replaces the running maximum when it is larger or NaN.</para>
    /// </summary>
    public static void MaxForward<T>(ReadOnlySpan<T> input, int planes, int h, int w, int k, int s, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(input.Length, output.Length, planes, h, w, ho, wo);
        if (argmax.Length < planes * ho * wo) throw new ArgumentException("max pooling: argmax buffer too small");
        if (k == 2 && s == 2) { MaxForward2x2(input, planes, h, w, output, argmax); return; }
        for (int q = 0; q < planes; q++)
        {
            var src = input.Slice(q * h * w, h * w);
            int o = q * ho * wo;
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o++)
                {
                    int best = y * s * w + x * s;
                    T max = src[best];
                    for (int u = 0; u < k; u++)
                    {
                        int r = (y * s + u) * w + x * s;
                        for (int v = 0; v < k; v++)
                        {
                            T val = src[r + v];
                            if (val > max || T.IsNaN(val)) { max = val; best = r + v; }
                        }
                    }
                    output[o] = max;
                    argmax[o] = best;
                }
        }
    }

    // The common 2×2/2 window without branches on the data (random comparisons mispredict): the maximum by max
    // instructions, then the first window entry equal to it, in row-major order, by integer arithmetic. This is the general
    // loop's choice for all finite inputs; with a NaN in the window the output is NaN as there, the recorded choice may differ.
    private static void MaxForward2x2<T>(ReadOnlySpan<T> input, int planes, int h, int w, Span<T> output, Span<int> argmax)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int ho = h / 2, wo = w / 2;
        ref T src = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(input);
        ref T dst = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(output);
        ref int arg = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(argmax);
        int o = 0;
        for (int q = 0; q < planes; q++)
        {
            int plane = q * h * w;
            for (int y = 0; y < ho; y++)
            {
                int r0 = 2 * y * w, r1 = r0 + w;
                for (int x = 0; x < wo; x++, o++)
                {
                    int i0 = r0 + 2 * x, i2 = r1 + 2 * x;
                    T a = System.Runtime.CompilerServices.Unsafe.Add(ref src, plane + i0), b = System.Runtime.CompilerServices.Unsafe.Add(ref src, plane + i0 + 1);
                    T c = System.Runtime.CompilerServices.Unsafe.Add(ref src, plane + i2), d = System.Runtime.CompilerServices.Unsafe.Add(ref src, plane + i2 + 1);
                    T m = T.Max(T.Max(a, b), T.Max(c, d));
                    int na = a == m ? 0 : 1, nb = b == m ? 0 : 1, nc = c == m ? 0 : 1;
                    int off = na * (1 - nb) + na * nb * ((1 - nc) * (i2 - i0) + nc * (i2 - i0 + 1));
                    System.Runtime.CompilerServices.Unsafe.Add(ref dst, o) = m;
                    System.Runtime.CompilerServices.Unsafe.Add(ref arg, o) = i0 + off;
                }
            }
        }
    }

    /// <summary>Backward of max pooling: ∂in ← 0, then ∂in[argmax] += ∂out (overlapping windows accumulate).</summary>
    public static void MaxBackward<T>(ReadOnlySpan<T> gradOutput, ReadOnlySpan<int> argmax, int planes, int h, int w, int ho, int wo, Span<T> gradInput)
        where T : unmanaged, INumberBase<T>
    {
        Check(gradInput.Length, gradOutput.Length, planes, h, w, ho, wo);
        gradInput[..(planes * h * w)].Clear();
        for (int q = 0; q < planes; q++)
        {
            var dst = gradInput.Slice(q * h * w, h * w);
            int o = q * ho * wo;
            for (int j = 0; j < ho * wo; j++, o++) dst[argmax[o]] += gradOutput[o];
        }
    }

    /// <summary>Average pooling: mean over each k×k window (divisor k², no padding).</summary>
    public static void AverageForward<T>(ReadOnlySpan<T> input, int planes, int h, int w, int k, int s, Span<T> output) where T : unmanaged, INumberBase<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(input.Length, output.Length, planes, h, w, ho, wo);
        T inv = T.One / T.CreateChecked(k * k);
        for (int q = 0; q < planes; q++)
        {
            var src = input.Slice(q * h * w, h * w);
            int o = q * ho * wo;
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o++)
                {
                    T sum = T.Zero;
                    for (int u = 0; u < k; u++)
                    {
                        int r = (y * s + u) * w + x * s;
                        for (int v = 0; v < k; v++) sum += src[r + v];
                    }
                    output[o] = sum * inv;
                }
        }
    }

    /// <summary>Backward of average pooling: ∂in ← 0, then every input of a window gets ∂out/k².</summary>
    public static void AverageBackward<T>(ReadOnlySpan<T> gradOutput, int planes, int h, int w, int k, int s, Span<T> gradInput) where T : unmanaged, INumberBase<T>
    {
        int ho = (h - k) / s + 1, wo = (w - k) / s + 1;
        Check(gradInput.Length, gradOutput.Length, planes, h, w, ho, wo);
        gradInput[..(planes * h * w)].Clear();
        T inv = T.One / T.CreateChecked(k * k);
        for (int q = 0; q < planes; q++)
        {
            var dst = gradInput.Slice(q * h * w, h * w);
            int o = q * ho * wo;
            for (int y = 0; y < ho; y++)
                for (int x = 0; x < wo; x++, o++)
                {
                    T g = gradOutput[o] * inv;
                    for (int u = 0; u < k; u++)
                    {
                        int r = (y * s + u) * w + x * s;
                        for (int v = 0; v < k; v++) dst[r + v] += g;
                    }
                }
        }
    }

    private static void Check(int inLength, int outLength, int planes, int h, int w, int ho, int wo)
    {
        if (ho <= 0 || wo <= 0) throw new ArgumentException($"pooling window does not fit a {h}×{w} plane");
        if (inLength < (long)planes * h * w) throw new ArgumentException($"pooling: input has {inLength} entries, needs {(long)planes * h * w}");
        if (outLength < (long)planes * ho * wo) throw new ArgumentException($"pooling: output has {outLength} entries, needs {(long)planes * ho * wo}");
    }
}

/// <summary>
/// Conversions between the two batch layouts: channel-major [c][n][p] (what a patch-matrix convolution produces, p = y·W + x)
/// and sample-major [n][c][p] (a batch of flattened PyTorch tensors: what flatten feeds to a dense layer, and the data's layout).
/// </summary>
public static class Layout
{
    /// <summary>dst[n, c, p] ← src[c, n, p] for C channels, N samples, P positions per plane.</summary>
    public static void ChannelToSampleMajor<T>(ReadOnlySpan<T> src, int c, int n, int p, Span<T> dst)
    {
        Check(src.Length, dst.Length, (long)c * n * p);
        for (int ch = 0; ch < c; ch++)
            for (int s = 0; s < n; s++)
                src.Slice((ch * n + s) * p, p).CopyTo(dst.Slice((s * c + ch) * p, p));
    }

    /// <summary>dst[c, n, p] ← src[n, c, p].</summary>
    public static void SampleToChannelMajor<T>(ReadOnlySpan<T> src, int c, int n, int p, Span<T> dst)
    {
        Check(src.Length, dst.Length, (long)c * n * p);
        for (int s = 0; s < n; s++)
            for (int ch = 0; ch < c; ch++)
                src.Slice((s * c + ch) * p, p).CopyTo(dst.Slice((ch * n + s) * p, p));
    }

    private static void Check(int a, int b, long need)
    {
        if (a < need || b < need) throw new ArgumentException($"layout conversion needs {need} entries in both buffers (got {a} and {b})");
    }
}
