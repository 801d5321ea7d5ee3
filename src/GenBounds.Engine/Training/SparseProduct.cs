using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace GenBounds.Training;

/// <summary>
/// Lists of (index, value) pairs, one list per row, each in increasing index order: the nonzeros of a batch of inputs
/// (rows = samples, index = input feature) or of their transpose (rows = features, index = sample). Row r's entries sit
/// at offset r·<see cref="Capacity"/>, so rows can be filled by different threads without a prefix sum.
/// </summary>
public sealed class SparseRows
{
    private readonly int[] _index;
    private readonly float[] _value;
    private readonly int[] _count;

    /// <summary>Room for <paramref name="rows"/> rows of up to <paramref name="capacity"/> entries.</summary>
    public SparseRows(int rows, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Rows = rows; Capacity = capacity;
        _index = new int[(long)rows * capacity <= int.MaxValue ? rows * capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];
        _value = new float[rows * capacity];
        _count = new int[rows];
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }
    /// <summary>Most entries one row holds (the length of a dense row).</summary>
    public int Capacity { get; }

    /// <summary>Entries of row <paramref name="r"/>.</summary>
    public int Count(int r) => _count[r];
    /// <summary>Indices of row <paramref name="r"/>'s entries, increasing.</summary>
    public ReadOnlySpan<int> Indices(int r) => _index.AsSpan(r * Capacity, _count[r]);
    /// <summary>Values of row <paramref name="r"/>'s entries.</summary>
    public ReadOnlySpan<float> Values(int r) => _value.AsSpan(r * Capacity, _count[r]);

    /// <summary>Row <paramref name="r"/> ← the nonzeros of <paramref name="dense"/> (<see cref="Capacity"/> values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillRow(int r, ReadOnlySpan<float> dense)
    {
        CheckRows(r, r + 1);
        if (dense.Length != Capacity) throw new ArgumentException($"a dense row has {Capacity} values, got {dense.Length}");
        int n = 0, o = r * Capacity, j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            // Eight values at a time: the bit mask of the nonzeros (−0 counts as zero, NaN as nonzero, as in the scalar test).
            ref float d0 = ref MemoryMarshal.GetReference(dense);
            for (; j + 8 <= dense.Length; j += 8)
            {
                uint bits = ~Vector256.Equals(Vector256.LoadUnsafe(ref d0, (nuint)j), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu;
                while (bits != 0)
                {
                    int k = j + System.Numerics.BitOperations.TrailingZeroCount(bits);
                    _index[o + n] = k; _value[o + n] = dense[k]; n++;
                    bits &= bits - 1;
                }
            }
        }
        for (; j < dense.Length; j++)
            if (dense[j] != 0f) { _index[o + n] = j; _value[o + n] = dense[j]; n++; }
        _count[r] = n;
    }

    /// <summary>Rows <paramref name="r0"/>..<paramref name="r1"/>−1 ← the nonzeros of the same rows of the dense row-major <paramref name="dense"/> (<see cref="Capacity"/> columns).</summary>
    public void FillFromDense(ReadOnlySpan<float> dense, int r0, int r1)
    {
        CheckRows(r0, r1);
        int d = Capacity;
        if (dense.Length < r1 * d) throw new ArgumentException($"dense input has {dense.Length} values, needs {r1}×{d}");
        for (int r = r0; r < r1; r++) FillRow(r, dense.Slice(r * d, d));
    }

    /// <summary>
    /// Rows <paramref name="c0"/>..<paramref name="c1"/>−1 of this ← columns c0..c1−1 of the first <paramref name="sourceRows"/>
    /// rows of <paramref name="source"/> (a transpose restricted to a column range; entries stay in increasing index order).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void FillTransposed(SparseRows source, int sourceRows, int c0, int c1)
    {
        ArgumentNullException.ThrowIfNull(source);
        CheckRows(c0, c1);
        if (sourceRows > source.Rows || sourceRows > Capacity) throw new ArgumentOutOfRangeException(nameof(sourceRows));
        if (c1 > source.Capacity) throw new ArgumentOutOfRangeException(nameof(c1), $"column {c1} beyond the source's {source.Capacity}");
        _count.AsSpan(c0, c1 - c0).Clear();
        for (int r = 0; r < sourceRows; r++)
        {
            var idx = source.Indices(r); var val = source.Values(r);
            // Indices are sorted: skip to the first ≥ c0, stop at the first ≥ c1.
            int p = idx.BinarySearch(c0); if (p < 0) p = ~p;
            for (; p < idx.Length && idx[p] < c1; p++)
            {
                int c = idx[p], slot = c * Capacity + _count[c]++;
                _index[slot] = r; _value[slot] = val[p];
            }
        }
    }

    /// <summary>Number of values of <paramref name="dense"/> that are not zero (−0 counts as zero, NaN as nonzero, as in <see cref="FillRow"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountNonzeros(ReadOnlySpan<float> dense)
    {
        int n = 0, j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float d0 = ref MemoryMarshal.GetReference(dense);
            for (; j + 8 <= dense.Length; j += 8)
                n += System.Numerics.BitOperations.PopCount(~Vector256.Equals(Vector256.LoadUnsafe(ref d0, (nuint)j), Vector256<float>.Zero).ExtractMostSignificantBits() & 0xFFu);
        }
        for (; j < dense.Length; j++) if (dense[j] != 0f) n++;
        return n;
    }

    /// <summary>Fraction of the nonzeros among rows r0..r1−1's <see cref="Capacity"/> slots each.</summary>
    public double Density(int r0, int r1)
    {
        long n = 0;
        for (int r = r0; r < r1; r++) n += _count[r];
        return r1 > r0 ? (double)n / ((long)(r1 - r0) * Capacity) : 0;
    }

    private void CheckRows(int r0, int r1)
    {
        if (r0 < 0 || r1 > Rows || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} outside 0..{Rows}");
    }
}

/// <summary>
/// The product of a sparse matrix S (<see cref="SparseRows"/>) and a dense row-major matrix M, for the layer whose input
/// is mostly zeros (MNIST pixels: 81% exact zeros): out[r, o] = Σ_{(j, v) ∈ S_r} v·M[j, o]. Per nonzero it is one
/// broadcast times a contiguous stretch of M, accumulated in registers over a block of 64 outputs, so the work is
/// proportional to the nonzeros, not to S's dense size — which a dense GEMM cannot exploit.
/// <para>Every output is the fused multiply-add chain acc ← fma(v, M[j, o], acc) over S_r in index order from acc = 0,
/// whatever the vector width, the block or the column range: results do not depend on how callers split rows or
/// columns among threads, and <see cref="Reference"/> (the same chain, one scalar at a time) gives the same bits.</para>
/// </summary>
public static class SparseProduct
{
    /// <summary>
    /// out[r·ldo + o] ← Σ_{(j,v) ∈ S_r} v·M[j·ldm + o] for rows r0..r1−1 of <paramref name="s"/> and columns
    /// o0..o1−1; other entries of <paramref name="output"/> are not touched.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(SparseRows s, int r0, int r1, ReadOnlySpan<float> m, int ldm, int o0, int o1, Span<float> output, int ldo)
    {
        Check(s, r0, r1, m, ldm, o0, o1, output, ldo);
        if (o0 == o1) return;
        // Column blocks outside, rows inside: the stretch of M that one block reads stays in cache for every row of S.
        int o = o0;
        if (Vector256.IsHardwareAccelerated && o1 - o0 >= 8)
        {
            bool wide = Vector512.IsHardwareAccelerated;
            if (wide)
                for (; o + 128 <= o1; o += 128)
                    for (int r = r0; r < r1; r++) Block128x512(s.Indices(r), s.Values(r), m, ldm, o, output.Slice(r * ldo, o1));
            for (; o + 64 <= o1; o += 64)
                for (int r = r0; r < r1; r++)
                    if (wide) Block64x512(s.Indices(r), s.Values(r), m, ldm, o, output.Slice(r * ldo, o1));
                    else Block64(s.Indices(r), s.Values(r), m, ldm, o, output.Slice(r * ldo, o1));
            for (; o + 32 <= o1; o += 32)
                for (int r = r0; r < r1; r++) Block32(s.Indices(r), s.Values(r), m, ldm, o, output.Slice(r * ldo, o1));
            // The last columns in blocks of 8, the final block shifted back to end at o1: columns it shares with the block
            // before are computed again by the same chain, so they get the same bits.
            for (; o < o1; o += 8)
            {
                int ob = Math.Min(o, o1 - 8);
                for (int r = r0; r < r1; r++) Block8(s.Indices(r), s.Values(r), m, ldm, ob, output.Slice(r * ldo, o1));
            }
            return;
        }
        for (int r = r0; r < r1; r++)
            for (int oo = o; oo < o1; oo++) output[r * ldo + oo] = Chain(s.Indices(r), s.Values(r), m, ldm, oo);
    }

    /// <summary>
    /// The input gradient of a ReLU layer held input-major, only where the ReLU was on: for every feature j in
    /// <paramref name="k0"/>..<paramref name="k1"/>−1 and every sample r listed in row j of <paramref name="columns"/> (the
    /// nonzeros of the layer's input, by feature), out[r·ldo + j] ← ∂Z[r, :]·Wᵀ[j, :] (a dot product of length
    /// <paramref name="n"/>); every other entry of those columns of the first <paramref name="batch"/> rows ← 0. That is
    /// (∂Z·W) ⊙ [A ≠ 0] for W held as Wᵀ (h_in×n) — the ReLU backward of a post-ReLU input, where only the nonzeros count.
    /// <para>Each dot product is summed in one fixed order (16-lane partial sums over four interleaved 64-wide blocks, then a
    /// fixed reduction and a scalar tail), whatever the feature range: results do not depend on how callers split features.</para>
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaskedInputGradient(SparseRows columns, int k0, int k1, int batch, ReadOnlySpan<float> dz, ReadOnlySpan<float> wt, int n,
                                           Span<float> output, int ldo)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (k0 < 0 || k1 > columns.Rows || k0 > k1 || k1 > ldo) throw new ArgumentOutOfRangeException(nameof(k0), $"features {k0}..{k1} outside 0..{Math.Min(columns.Rows, ldo)}");
        if (batch < 0 || (long)batch * n > dz.Length) throw new ArgumentException($"∂Z has {dz.Length} values, needs {batch}×{n}");
        if ((long)k1 * n > wt.Length) throw new ArgumentException($"Wᵀ has {wt.Length} values, needs {k1}×{n}");
        if (batch > 0 && (long)(batch - 1) * ldo + k1 > output.Length) throw new ArgumentException($"output has {output.Length} values, needs {batch}×{ldo}");
        for (int r = 0; r < batch; r++) output.Slice(r * ldo + k0, k1 - k0).Clear();
        for (int j = k0; j < k1; j++)
        {
            var rows = columns.Indices(j);
            var w = wt.Slice(j * n, n);
            foreach (int r in rows)
            {
                if ((uint)r >= (uint)batch) throw new ArgumentException($"sample {r} of feature {j} outside the batch of {batch}");
                output[r * ldo + j] = Dot(dz.Slice(r * n, n), w);
            }
        }
    }

    // The fixed-order dot product of MaskedInputGradient.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        int n = x.Length, i = 0;
        float sum = 0f;
        if (Vector512.IsHardwareAccelerated && n >= 64)
        {
            ref float rx = ref MemoryMarshal.GetReference(x); ref float ry = ref MemoryMarshal.GetReference(y);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (; i + 64 <= n; i += 64)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)(i + 16)), Vector512.LoadUnsafe(ref ry, (nuint)(i + 16)), a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)(i + 32)), Vector512.LoadUnsafe(ref ry, (nuint)(i + 32)), a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)(i + 48)), Vector512.LoadUnsafe(ref ry, (nuint)(i + 48)), a3);
            }
            for (; i + 16 <= n; i += 16)
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), a0);
            sum = Vector512.Sum((a0 + a1) + (a2 + a3));
        }
        for (; i < n; i++) sum = MathF.FusedMultiplyAdd(x[i], y[i], sum);
        return sum;
    }

    /// <summary>The plain reference of <see cref="Multiply"/>: the same fused multiply-add chain, one output at a time.</summary>
    public static void Reference(SparseRows s, int r0, int r1, ReadOnlySpan<float> m, int ldm, int o0, int o1, Span<float> output, int ldo)
    {
        Check(s, r0, r1, m, ldm, o0, o1, output, ldo);
        for (int r = r0; r < r1; r++)
            for (int o = o0; o < o1; o++) output[r * ldo + o] = Chain(s.Indices(r), s.Values(r), m, ldm, o);
    }

    // One output: acc ← fma(v, M[j, o], acc) over the row's entries in order, from 0 — the definition every kernel follows.
    private static float Chain(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o)
    {
        float acc = 0f;
        for (int p = 0; p < idx.Length; p++) acc = MathF.FusedMultiplyAdd(val[p], m[idx[p] * ldm + o], acc);
        return acc;
    }

    // 64 outputs in eight accumulators: each nonzero costs eight loads and eight FMAs, and the 64-wide stretch of M that
    // a block reads over all nonzeros (rows of M × 256 bytes) stays in cache from one row of S to the next.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block64(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o, Span<float> row)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref int i0 = ref MemoryMarshal.GetReference(idx); ref float v0 = ref MemoryMarshal.GetReference(val);
        for (int p = 0; p < idx.Length; p++)
        {
            var v = Vector256.Create(Unsafe.Add(ref v0, p));
            ref float mr = ref Unsafe.Add(ref m0, Unsafe.Add(ref i0, p) * ldm + o);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 0), a0);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 8), a1);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 16), a2);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 24), a3);
            a4 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 32), a4);
            a5 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 40), a5);
            a6 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 48), a6);
            a7 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 56), a7);
        }
        ref float y = ref MemoryMarshal.GetReference(row[o..]);
        a0.StoreUnsafe(ref y, 0); a1.StoreUnsafe(ref y, 8); a2.StoreUnsafe(ref y, 16); a3.StoreUnsafe(ref y, 24);
        a4.StoreUnsafe(ref y, 32); a5.StoreUnsafe(ref y, 40); a6.StoreUnsafe(ref y, 48); a7.StoreUnsafe(ref y, 56);
    }

    // The same 64 outputs in four 512-bit accumulators (half the instructions where the CPU has AVX-512); per lane the
    // same FMA chain, so the same bits as Block64.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block64x512(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o, Span<float> row)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref int i0 = ref MemoryMarshal.GetReference(idx); ref float v0 = ref MemoryMarshal.GetReference(val);
        for (int p = 0; p < idx.Length; p++)
        {
            var v = Vector512.Create(Unsafe.Add(ref v0, p));
            ref float mr = ref Unsafe.Add(ref m0, Unsafe.Add(ref i0, p) * ldm + o);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 0), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 16), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 32), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 48), a3);
        }
        ref float y = ref MemoryMarshal.GetReference(row[o..]);
        a0.StoreUnsafe(ref y, 0); a1.StoreUnsafe(ref y, 16); a2.StoreUnsafe(ref y, 32); a3.StoreUnsafe(ref y, 48);
    }

    // 128 outputs in eight 512-bit accumulators: eight independent FMA chains per nonzero, enough to cover the FMA latency
    // where the CPU issues two 512-bit FMAs per cycle. Per lane the same chain as Block64.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block128x512(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o, Span<float> row)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref int i0 = ref MemoryMarshal.GetReference(idx); ref float v0 = ref MemoryMarshal.GetReference(val);
        for (int p = 0; p < idx.Length; p++)
        {
            var v = Vector512.Create(Unsafe.Add(ref v0, p));
            ref float mr = ref Unsafe.Add(ref m0, Unsafe.Add(ref i0, p) * ldm + o);
            a0 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 0), a0);
            a1 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 16), a1);
            a2 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 32), a2);
            a3 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 48), a3);
            a4 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 64), a4);
            a5 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 80), a5);
            a6 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 96), a6);
            a7 = Vector512.FusedMultiplyAdd(v, Vector512.LoadUnsafe(ref mr, 112), a7);
        }
        ref float y = ref MemoryMarshal.GetReference(row[o..]);
        a0.StoreUnsafe(ref y, 0); a1.StoreUnsafe(ref y, 16); a2.StoreUnsafe(ref y, 32); a3.StoreUnsafe(ref y, 48);
        a4.StoreUnsafe(ref y, 64); a5.StoreUnsafe(ref y, 80); a6.StoreUnsafe(ref y, 96); a7.StoreUnsafe(ref y, 112);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block32(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o, Span<float> row)
    {
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref int i0 = ref MemoryMarshal.GetReference(idx); ref float v0 = ref MemoryMarshal.GetReference(val);
        for (int p = 0; p < idx.Length; p++)
        {
            var v = Vector256.Create(Unsafe.Add(ref v0, p));
            ref float mr = ref Unsafe.Add(ref m0, Unsafe.Add(ref i0, p) * ldm + o);
            a0 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 0), a0);
            a1 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 8), a1);
            a2 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 16), a2);
            a3 = Vector256.FusedMultiplyAdd(v, Vector256.LoadUnsafe(ref mr, 24), a3);
        }
        ref float y = ref MemoryMarshal.GetReference(row[o..]);
        a0.StoreUnsafe(ref y, 0); a1.StoreUnsafe(ref y, 8); a2.StoreUnsafe(ref y, 16); a3.StoreUnsafe(ref y, 24);
    }

    // Eight outputs: one accumulator, so the FMA latency (not the loads) bounds it; only the last columns take it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block8(ReadOnlySpan<int> idx, ReadOnlySpan<float> val, ReadOnlySpan<float> m, int ldm, int o, Span<float> row)
    {
        Vector256<float> a = default;
        ref float m0 = ref MemoryMarshal.GetReference(m);
        ref int i0 = ref MemoryMarshal.GetReference(idx); ref float v0 = ref MemoryMarshal.GetReference(val);
        for (int p = 0; p < idx.Length; p++)
            a = Vector256.FusedMultiplyAdd(Vector256.Create(Unsafe.Add(ref v0, p)), Vector256.LoadUnsafe(ref Unsafe.Add(ref m0, Unsafe.Add(ref i0, p) * ldm + o)), a);
        a.StoreUnsafe(ref MemoryMarshal.GetReference(row[o..]));
    }

    private static void Check(SparseRows s, int r0, int r1, ReadOnlySpan<float> m, int ldm, int o0, int o1, Span<float> output, int ldo)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (r0 < 0 || r1 > s.Rows || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} outside 0..{s.Rows}");
        if (o0 < 0 || o0 > o1 || o1 > ldm || o1 > ldo) throw new ArgumentOutOfRangeException(nameof(o0), $"columns {o0}..{o1} do not fit ldm {ldm}, ldo {ldo}");
        // Every index of S must address a row of M: S's capacity bounds the indices of dense-filled rows.
        if ((long)s.Capacity * ldm > m.Length && s.Capacity > 0)
        {
            for (int r = r0; r < r1; r++)
                foreach (int j in s.Indices(r))
                    if ((long)(j + 1) * ldm > m.Length + (ldm - o1)) throw new ArgumentException($"index {j} of row {r} addresses beyond M ({m.Length} values, ldm {ldm})");
        }
        if (r1 > r0 && (long)(r1 - 1) * ldo + o1 > output.Length) throw new ArgumentException($"output has {output.Length} values, needs {(long)(r1 - 1) * ldo + o1}");
    }
}
