using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.InteropServices;

namespace GenBounds.Training;

/// <summary>The ReLU step of back-propagation, shared by the MLP and the sequential backprop.</summary>
internal static class ReluGradient
{
    /// <summary>∂z = ∂a where the stored post-activation is positive (PyTorch's threshold_backward convention at 0); may run in place.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Backward<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            int w = Vector<T>.Count;
            ref T ra = ref MemoryMarshal.GetReference(a); ref T rd = ref MemoryMarshal.GetReference(da);
            ref T rz = ref MemoryMarshal.GetReference(dz);
            for (; i <= a.Length - w; i += w)
            {
                var mask = Vector.GreaterThan(Vector.LoadUnsafe(ref ra, (nuint)i), Vector<T>.Zero);
                Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref rd, (nuint)i), Vector<T>.Zero).StoreUnsafe(ref rz, (nuint)i);
            }
        }
        for (; i < a.Length; i++) dz[i] = a[i] > T.Zero ? da[i] : T.Zero;
    }
}
