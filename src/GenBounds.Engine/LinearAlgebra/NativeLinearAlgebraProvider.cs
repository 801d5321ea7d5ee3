using GenBounds.Native;

namespace GenBounds.LinearAlgebra;

/// <summary>
/// CBLAS/LAPACK provider over the system <c>libblas.so.3</c>/<c>liblapack.so.3</c> (OpenBLAS when installed).
/// Validates every argument before pinning; LAPACK routines get a column-major view by transposition tricks rather than copies where possible.
/// </summary>
public sealed unsafe class NativeLinearAlgebraProvider : ILinearAlgebraProvider
{
    /// <summary>
    /// The real OpenBLAS kernel switch (DYNAMIC_ARCH builds). Re-selecting is safe only while no BLAS call is in flight
    /// in the process; GenBounds itself uses it once, inside the kernel check, before any product.
    /// </summary>
    public static IBlasKernelControl KernelControl { get; } = new OpenBlasKernelControl();

    private static readonly Lazy<BlasKernelStatus> Checked = new(() => OpenBlasKernel.Select(
        NativeMethods.CoreTypeOverride, NativeMethods.UserCoreType, KernelControl, () => OpenBlasKernel.SelfTest(new NativeLinearAlgebraProvider(check: false))));

    /// <summary>
    /// Creates the provider; throws <see cref="DllNotFoundException"/> if the libraries cannot be loaded and
    /// <see cref="BlasSelfTestException"/> if the BLAS kernel in use fails the GEMM self-test (<see cref="OpenBlasKernel"/>),
    /// which runs once per process, before the first product.
    /// </summary>
    public NativeLinearAlgebraProvider() : this(check: true) { }

    private NativeLinearAlgebraProvider(bool check)
    {
        NativeMethods.EnsureResolver();
        // Probe once so a missing library fails here, with a clear message, not in the middle of training.
        float one = 1f, r = 0f;
        NativeMethods.cblas_sgemm(NativeMethods.RowMajor, NativeMethods.NoTrans, NativeMethods.NoTrans, 1, 1, 1, 1f, &one, 1, &one, 1, 0f, &r, 1);
        if (r != 1f) throw new InvalidOperationException("cblas_sgemm self-test failed");
        if (!check) { Name = "unchecked native BLAS (kernel self-test)"; return; }
        var kernel = Checked.Value;
        if (kernel.UseManagedFallback) throw new BlasSelfTestException(kernel);
        var mapped = NativeMethods.MappedFile("blas") ?? NativeMethods.Blas;
        var cfg = NativeMethods.OpenBlasConfig();
        Name = cfg is null ? $"cblas ({mapped}; {kernel.Describe()})" : $"{cfg.Trim()} ({mapped}, {NativeMethods.OpenBlasThreads()} threads; {kernel.Describe()})";
    }

    /// <summary>The result of this process's BLAS kernel check (runs it if no provider has been created yet).</summary>
    public static BlasKernelStatus KernelStatus => Checked.Value;

    private sealed class OpenBlasKernelControl : IBlasKernelControl
    {
        public string? CurrentKernel { get { NativeMethods.EnsureResolver(); return NativeMethods.OpenBlasCoreName(); } }
        public bool Reselect(string? coreType) { NativeMethods.EnsureResolver(); return NativeMethods.ReselectOpenBlasKernel(coreType); }
    }

    /// <summary>OPENBLAS_CORETYPE as OpenBLAS sees it now (the native environment), or null.</summary>
    public static string? CoreTypeVariable => NativeMethods.NativeCoreTypeVariable();

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>True when the mapped BLAS is OpenBLAS (exports openblas_get_config).</summary>
    public static bool IsOpenBlas => NativeMethods.OpenBlasConfig() is not null;

    /// <summary>OpenBLAS thread count, or null for a BLAS without the extension.</summary>
    public static int? Threads => NativeMethods.OpenBlasThreads();

    /// <summary>Sets OpenBLAS's thread count (no-op returning false for other BLAS libraries).</summary>
    public static bool SetThreads(int n) => NativeMethods.SetOpenBlasThreads(n);

    private static int T(Transpose t) => t == Transpose.No ? NativeMethods.NoTrans : NativeMethods.Trans;

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0) { ScaleC(c, m, n, ldc, beta); return; }
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
            NativeMethods.cblas_sgemm(NativeMethods.RowMajor, T(transA), T(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    /// <inheritdoc />
    public void Gemm(Transpose transA, Transpose transB, int m, int n, int k, double alpha,
        ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
    {
        GemmArgs.Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        if (m == 0 || n == 0) return;
        if (k == 0) { ScaleC(c, m, n, ldc, beta); return; }
        fixed (double* pa = a) fixed (double* pb = b) fixed (double* pc = c)
            NativeMethods.cblas_dgemm(NativeMethods.RowMajor, T(transA), T(transB), m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc);
    }

    // Reference BLAS rejects k = 0 for some lda values; the mathematical result is just β·C.
    private static void ScaleC<TNum>(Span<TNum> c, int m, int n, int ldc, TNum beta) where TNum : System.Numerics.INumber<TNum>
    {
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            for (int j = 0; j < n; j++) row[j] = beta == TNum.Zero ? TNum.Zero : row[j] * beta;
        }
    }

    /// <inheritdoc />
    public double[] SingularValues(ReadOnlySpan<double> a, int m, int n)
    {
        GemmArgs.ValidateMatrix(nameof(a), m, n, a.Length);
        // A row-major m×n buffer is the column-major n×m matrix Aᵀ, which has the same singular values.
        var work = a[..(m * n)].ToArray();
        int rows = n, cols = m, lda = Math.Max(1, n);
        var s = new double[Math.Min(m, n)];
        Gesdd((byte)'N', rows, cols, work, lda, s, null, 1, null, 1);
        return s;
    }

    /// <inheritdoc />
    public (double[] U, double[] S, double[] Vt) Svd(ReadOnlySpan<double> a, int m, int n)
    {
        GemmArgs.ValidateMatrix(nameof(a), m, n, a.Length);
        // Column-major view of the buffer is B = Aᵀ (n×m). B = U_B S V_Bᵀ ⇒ A = V_B S U_Bᵀ.
        // LAPACK returns U_B column-major n×r, which read row-major is U_Bᵀ (r×n) = Vt of A;
        // and V_Bᵀ column-major r×m, which read row-major is V_B (m×r) = U of A. No copies needed.
        int r = Math.Min(m, n);
        var work = a[..(m * n)].ToArray();
        var s = new double[r];
        var vtA = new double[r * n]; // U_B, column-major n×r, ldu = n
        var uA = new double[m * r];  // V_Bᵀ, column-major r×m, ldvt = r
        Gesdd((byte)'S', n, m, work, Math.Max(1, n), s, vtA, Math.Max(1, n), uA, Math.Max(1, r));
        return (uA, s, vtA);
    }

    private static void Gesdd(byte jobz, int rows, int cols, double[] a, int lda, double[] s, double[]? u, int ldu, double[]? vt, int ldvt)
    {
        int r = Math.Min(rows, cols);
        var iwork = new int[8 * Math.Max(1, r)];
        double dummy = 0;
        int info = 0, lwork = -1;
        double query = 0;
        fixed (double* pa = a) fixed (double* ps = s) fixed (double* pu = u) fixed (double* pvt = vt) fixed (int* piw = iwork)
        {
            double* uu = pu == null ? &dummy : pu, vv = pvt == null ? &dummy : pvt;
            NativeMethods.dgesdd_(&jobz, &rows, &cols, pa, &lda, ps, uu, &ldu, vv, &ldvt, &query, &lwork, piw, &info, 1);
            if (info != 0) throw new InvalidOperationException($"dgesdd workspace query failed (info={info})");
            lwork = Math.Max(1, (int)query);
            var work = new double[lwork];
            fixed (double* pw = work)
                NativeMethods.dgesdd_(&jobz, &rows, &cols, pa, &lda, ps, uu, &ldu, vv, &ldvt, pw, &lwork, piw, &info, 1);
        }
        if (info != 0) throw new InvalidOperationException($"dgesdd failed to converge (info={info}) on a {rows}×{cols} matrix");
    }

    /// <inheritdoc />
    public (double[] Values, double[]? Vectors) SymmetricEigen(ReadOnlySpan<double> a, int n, bool vectors)
    {
        GemmArgs.ValidateMatrix(nameof(a), n, n, a.Length);
        // Symmetric: the row-major buffer equals its column-major reading.
        var work = a[..(n * n)].ToArray();
        var w = new double[n];
        byte jobz = vectors ? (byte)'V' : (byte)'N', uplo = (byte)'U';
        int lda = n, info = 0, lwork = -1, liwork = -1, iquery = 0;
        double query = 0;
        fixed (double* pa = work) fixed (double* pw = w)
        {
            NativeMethods.dsyevd_(&jobz, &uplo, &n, pa, &lda, pw, &query, &lwork, &iquery, &liwork, &info, 1, 1);
            if (info != 0) throw new InvalidOperationException($"dsyevd workspace query failed (info={info})");
            lwork = Math.Max(1, (int)query); liwork = Math.Max(1, iquery);
            var wk = new double[lwork]; var iwk = new int[liwork];
            fixed (double* pwk = wk) fixed (int* piw = iwk)
                NativeMethods.dsyevd_(&jobz, &uplo, &n, pa, &lda, pw, pwk, &lwork, piw, &liwork, &info, 1, 1);
        }
        if (info != 0) throw new InvalidOperationException($"dsyevd failed (info={info}) on a {n}×{n} matrix");
        // Column-major eigenvectors (one per column) read row-major are one eigenvector per row.
        return (w, vectors ? work : null);
    }
}

/// <summary>The native BLAS computed a wrong product in the kernel self-test; the process must not use it.</summary>
public sealed class BlasSelfTestException : Exception
{
    /// <summary>Creates the exception for the failed check.</summary>
    public BlasSelfTestException(BlasKernelStatus status) : base($"native BLAS rejected: {status.Describe()}") => Status = status;

    /// <summary>What the check found.</summary>
    public BlasKernelStatus Status { get; }
}
