using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace GenBounds.Networks.Kernels;

/// <summary>
/// Moves of short contiguous runs for the unfold/fold kernels (a patch row is a few runs of a handful to a few dozen
/// values, where the call and set-up cost of a memmove or a span operation dominates); callers bound every address first.
/// </summary>
internal static class Runs
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Fill<T>(ref T dst, int len) where T : unmanaged, INumberBase<T>
    {
        for (int i = 0; i < len; i++) Unsafe.Add(ref dst, i) = T.Zero;
    }

    // Runs are short (LeNet: 8 and 30 entries), so whole-vector moves with an overlapping last one beat a memmove call.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy<T>(ref T src, ref T dst, int len) where T : unmanaged
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
    public static void Add<T>(ref T src, ref T dst, int len) where T : unmanaged, INumberBase<T>
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
