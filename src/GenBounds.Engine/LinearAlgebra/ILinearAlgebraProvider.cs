namespace GenBounds.LinearAlgebra;

/// <summary>Whether a GEMM operand is used as stored or transposed.</summary>
public enum Transpose { No, Yes }

/// <summary>
/// The dense linear-algebra seam of GenBounds. Every matrix product, SVD and symmetric eigendecomposition in the
/// engines goes through one instance of this interface, so a GPU provider can be added without touching callers.
/// All buffers are row-major; leading dimensions are the row strides in elements.
/// </summary>
public interface ILinearAlgebraProvider
{
    /// <summary>Human-readable name, e.g. the mapped BLAS library, recorded in reports.</summary>
    string Name { get; }

    /// <summary>C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n (float32).</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc);

    /// <summary>C ← α·op(A)·op(B) + β·C with op(A) m×k, op(B) k×n, C m×n (float64).</summary>
    void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc);

    /// <summary>Singular values (descending) of the row-major m×n matrix <paramref name="a"/>; <paramref name="a"/> is not modified.</summary>
    double[] SingularValues(ReadOnlySpan<double> a, int m, int n);

    /// <summary>Thin SVD A = U·diag(s)·Vᵀ of a row-major m×n matrix: U is m×r, Vt is r×n (row-major), r = min(m, n).</summary>
    (double[] U, double[] S, double[] Vt) Svd(ReadOnlySpan<double> a, int m, int n);

    /// <summary>Eigenvalues (ascending) and, if requested, row-major eigenvectors (one per row) of a symmetric n×n matrix.</summary>
    (double[] Values, double[]? Vectors) SymmetricEigen(ReadOnlySpan<double> a, int n, bool vectors);
}

/// <summary>Argument checks shared by every provider; run before any pointer is pinned.</summary>
public static class GemmArgs
{
    /// <summary>Throws unless the buffers can hold the operands that the GEMM arguments describe.</summary>
    public static void Validate(Transpose transA, Transpose transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb, int cLength, int ldc)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), $"GEMM dimensions must be non-negative (m={m}, n={n}, k={k}).");
        // op(A) is m×k: stored as m×k (No) or k×m (Yes); similarly for B (k×n).
        int aRows = transA == Transpose.No ? m : k, aCols = transA == Transpose.No ? k : m;
        int bRows = transB == Transpose.No ? k : n, bCols = transB == Transpose.No ? n : k;
        Check("A", aRows, aCols, aLength, lda);
        Check("B", bRows, bCols, bLength, ldb);
        Check("C", m, n, cLength, ldc);
    }

    private static void Check(string name, int rows, int cols, int length, int ld)
    {
        if (ld < Math.Max(1, cols)) throw new ArgumentException($"GEMM: leading dimension of {name} ({ld}) is smaller than its column count ({cols}).");
        long need = rows == 0 || cols == 0 ? 0 : (long)(rows - 1) * ld + cols;
        if (length < need) throw new ArgumentException($"GEMM: buffer {name} has {length} elements, needs {need} for {rows}×{cols} with leading dimension {ld}.");
    }

    /// <summary>Throws unless a row-major m×n matrix fits in <paramref name="length"/> elements.</summary>
    public static void ValidateMatrix(string name, int m, int n, int length)
    {
        if (m <= 0 || n <= 0) throw new ArgumentOutOfRangeException(name, $"{name}: dimensions must be positive (got {m}×{n}).");
        if (length < (long)m * n) throw new ArgumentException($"{name}: buffer has {length} elements, needs {(long)m * n} for {m}×{n}.");
    }
}
