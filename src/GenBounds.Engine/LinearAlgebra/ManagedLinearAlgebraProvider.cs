using MathNetMatrix = MathNet.Numerics.LinearAlgebra.Matrix<double>;
using MathNet.Numerics.LinearAlgebra;

namespace GenBounds.LinearAlgebra;

/// <summary>
/// Plain managed reference provider: textbook triple-loop GEMM (accumulated in double) and Math.NET's managed
/// SVD/eigen solvers. Slow by design; it is the oracle that every fast path is tested against, and the fallback
/// when no native BLAS can be loaded.
/// </summary>
public sealed class ManagedLinearAlgebraProvider : ILinearAlgebraProvider
{
    /// <summary>The reference provider.</summary>
    public ManagedLinearAlgebraProvider() { }

    /// <summary>The reference provider standing in for a native one; <paramref name="reason"/> says why (recorded in its name).</summary>
    public ManagedLinearAlgebraProvider(string reason) => Name = $"managed reference ({reason})";

    /// <inheritdoc />
    public string Name { get; } = "managed reference";

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA == Transpose.No ? a[i * lda + p] : a[p * lda + i];
                    float bv = transB == Transpose.No ? b[p * ldb + j] : b[j * ldb + p];
                    s += (double)av * bv;
                }
                ref float cij = ref c[i * ldc + j];
                cij = (float)(alpha * s + (beta == 0f ? 0.0 : (double)beta * cij));
            }
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    double av = transA == Transpose.No ? a[i * lda + p] : a[p * lda + i];
                    double bv = transB == Transpose.No ? b[p * ldb + j] : b[j * ldb + p];
                    s += av * bv;
                }
                ref double cij = ref c[i * ldc + j];
                cij = alpha * s + (beta == 0.0 ? 0.0 : beta * cij);
            }
    }

    private static MathNetMatrix ToMathNet(ReadOnlySpan<double> a, int m, int n)
    {
        var mat = MathNetMatrix.Build.Dense(m, n);
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) mat[i, j] = a[i * n + j];
        return mat;
    }

    /// <inheritdoc />
    public double[] SingularValues(ReadOnlySpan<double> a, int m, int n)
    {
        GemmArgs.ValidateMatrix(nameof(a), m, n, a.Length);
        return ToMathNet(a, m, n).Svd(computeVectors: false).S.ToArray();
    }

    /// <inheritdoc />
    public (double[] U, double[] S, double[] Vt) Svd(ReadOnlySpan<double> a, int m, int n)
    {
        GemmArgs.ValidateMatrix(nameof(a), m, n, a.Length);
        var svd = ToMathNet(a, m, n).Svd(computeVectors: true);
        int r = Math.Min(m, n);
        var u = new double[m * r]; var vt = new double[r * n];
        for (int i = 0; i < m; i++) for (int j = 0; j < r; j++) u[i * r + j] = svd.U[i, j];
        for (int i = 0; i < r; i++) for (int j = 0; j < n; j++) vt[i * n + j] = svd.VT[i, j];
        return (u, svd.S.ToArray()[..r], vt);
    }

    /// <inheritdoc />
    public (double[] Values, double[]? Vectors) SymmetricEigen(ReadOnlySpan<double> a, int n, bool vectors)
    {
        GemmArgs.ValidateMatrix(nameof(a), n, n, a.Length);
        var evd = ToMathNet(a, n, n).Evd(Symmetricity.Symmetric);
        var vals = evd.EigenValues.Select(z => z.Real).ToArray();
        var order = Enumerable.Range(0, n).OrderBy(i => vals[i]).ToArray();
        var sorted = order.Select(i => vals[i]).ToArray();
        if (!vectors) return (sorted, null);
        var vec = new double[n * n];
        for (int r = 0; r < n; r++) for (int j = 0; j < n; j++) vec[r * n + j] = evd.EigenVectors[j, order[r]];
        return (sorted, vec);
    }
}
