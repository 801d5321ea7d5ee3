using System.Globalization;

namespace GenBounds.LinearAlgebra;

/// <summary>Who chose the BLAS kernel in use.</summary>
public enum KernelChooser
{
    /// <summary>The user, through OPENBLAS_CORETYPE in the environment.</summary>
    Environment,
    /// <summary>GenBounds, from the CPU's flags (OpenBLAS 0.3.21 misdetects some virtualised CPUs as Prescott).</summary>
    GenBounds,
    /// <summary>OpenBLAS's own CPU detection (also the fallback when GenBounds' choice fails its self-test).</summary>
    OpenBlas,
    /// <summary>The BLAS is not OpenBLAS, so there is no kernel to choose.</summary>
    NotOpenBlas,
}

/// <summary>
/// The outcome of checking the process's BLAS kernel: which kernel runs, who chose it, whether the GEMM self-test
/// passed, and whether an earlier choice was abandoned (and why).
/// </summary>
/// <param name="Kernel">OpenBLAS's core name in use (e.g. <c>SkylakeX</c>), or null for a BLAS without kernels.</param>
/// <param name="ChosenBy">Who chose <paramref name="Kernel"/>.</param>
/// <param name="SelfTestPassed">Whether sgemm/dgemm agreed with the managed reference on the self-test shapes with this kernel.</param>
/// <param name="RejectedKernel">A kernel that failed the self-test and was replaced, or null.</param>
/// <param name="Failure">What failed (first failing product and its error), or null.</param>
public sealed record BlasKernelStatus(string? Kernel, KernelChooser ChosenBy, bool SelfTestPassed, string? RejectedKernel, string? Failure)
{
    /// <summary>Whether the native BLAS must not be used (the kernel in use failed its self-test).</summary>
    public bool UseManagedFallback => !SelfTestPassed;

    /// <summary>One line for reports and <c>genbounds info</c>, e.g. <c>kernel SkylakeX chosen by GenBounds, self-test passed</c>.</summary>
    public string Describe()
    {
        string who = ChosenBy switch
        {
            KernelChooser.Environment => "set by OPENBLAS_CORETYPE in the environment",
            KernelChooser.GenBounds => "chosen by GenBounds",
            KernelChooser.OpenBlas => "OpenBLAS's own choice",
            _ => "",
        };
        string head = Kernel is null ? "BLAS" : $"kernel {Kernel} {who}";
        string test = SelfTestPassed ? "self-test passed" : $"self-test FAILED ({Failure}); using the managed reference instead";
        string rejected = RejectedKernel is null ? "" : $"; {RejectedKernel} failed the self-test ({Failure}) and was replaced";
        return $"{head}, {test}{rejected}";
    }
}

/// <summary>Switches OpenBLAS's kernel at run time (the real one lives in <see cref="NativeLinearAlgebraProvider"/>; tests inject fakes).</summary>
public interface IBlasKernelControl
{
    /// <summary>The kernel in use, or null when the BLAS has no kernels (not OpenBLAS).</summary>
    string? CurrentKernel { get; }
    /// <summary>Re-selects the kernel: <paramref name="coreType"/>, or OpenBLAS's own detection when null. False when impossible (nothing changed).</summary>
    bool Reselect(string? coreType);
}

/// <summary>
/// Checks the BLAS kernel before GenBounds computes anything with it. Some OpenBLAS builds compute wrong results or
/// crash on processors they do not know, which is why environments set OPENBLAS_CORETYPE; when GenBounds picks a kernel
/// itself it must therefore prove it: sgemm and dgemm on odd shapes, all transposes, α ≠ 1, β ≠ 0, against the managed
/// triple-loop reference. A failing GenBounds choice falls back to OpenBLAS's own detection (the kernel OpenBLAS would
/// use without GenBounds), which is tested in turn; a kernel that still fails (or that the user chose) is not used at
/// all: the process falls back to the managed reference provider.
/// </summary>
public static class OpenBlasKernel
{
    /// <summary>
    /// The policy. <paramref name="genBoundsChoice"/> is the kernel GenBounds set (null if it set none),
    /// <paramref name="userChoice"/> the environment's OPENBLAS_CORETYPE; <paramref name="selfTest"/> returns null when
    /// products with the current kernel are right, otherwise a description of the first wrong one.
    /// </summary>
    public static BlasKernelStatus Select(string? genBoundsChoice, string? userChoice, IBlasKernelControl control, Func<string?> selfTest)
    {
        ArgumentNullException.ThrowIfNull(control);
        ArgumentNullException.ThrowIfNull(selfTest);
        string? kernel = control.CurrentKernel;
        var chooser = kernel is null ? KernelChooser.NotOpenBlas
                    : genBoundsChoice is not null ? KernelChooser.GenBounds
                    : userChoice is not null ? KernelChooser.Environment
                    : KernelChooser.OpenBlas;
        string? failure = selfTest();
        if (failure is null) return new BlasKernelStatus(kernel, chooser, true, null, null);
        if (chooser != KernelChooser.GenBounds || !control.Reselect(null))
            return new BlasKernelStatus(kernel, chooser, false, null, failure);
        string? fallback = control.CurrentKernel;
        string? second = selfTest();
        return second is null
            ? new BlasKernelStatus(fallback, KernelChooser.OpenBlas, true, kernel, failure)
            : new BlasKernelStatus(fallback, KernelChooser.OpenBlas, false, kernel, $"{failure}; then with {fallback}: {second}");
    }

    /// <summary>
    /// Runs the GEMM self-test through <paramref name="candidate"/>: returns null when every product agrees with the
    /// managed reference within a float rounding bound, otherwise the first disagreement. Takes a few milliseconds.
    /// </summary>
    public static string? SelfTest(ILinearAlgebraProvider candidate)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        var reference = new ManagedLinearAlgebraProvider();
        // Odd sizes exercise every edge path of blocked kernels; the last shape is large enough for OpenBLAS to thread.
        (int M, int N, int K)[] shapes = [(1, 1, 1), (3, 5, 7), (17, 13, 31), (37, 53, 61), (67, 129, 33), (131, 97, 259)];
        var rng = new Random.Rng(0x5E1F7E57UL);
        foreach (var (m, n, k) in shapes)
            foreach (var ta in new[] { Transpose.No, Transpose.Yes })
                foreach (var tb in new[] { Transpose.No, Transpose.Yes })
                {
                    if (m * n * k > 100_000 && (ta, tb) != (Transpose.No, Transpose.No) && (ta, tb) != (Transpose.No, Transpose.Yes)) continue;
                    if (CheckSingle(candidate, reference, rng, ta, tb, m, n, k) is { } s) return s;
                    if (CheckDouble(candidate, reference, rng, ta, tb, m, n, k) is { } d) return d;
                }
        return null;
    }

    // Any summation order satisfies |fl(αAB + βC) − (αAB + βC)| ≤ (k + 2)·u·(|α||A||B| + |β||C|) entry-wise (u the unit
    // roundoff); the reference rounds once more, so a right kernel stays within twice that. A wrong kernel does not.
    private static string? CheckSingle(ILinearAlgebraProvider p, ILinearAlgebraProvider r, Random.Rng rng, Transpose ta, Transpose tb, int m, int n, int k)
    {
        int lda = (ta == Transpose.No ? k : m) + 1, ldb = (tb == Transpose.No ? n : k) + 2, ldc = n + 3;
        var a = new float[(ta == Transpose.No ? m : k) * lda]; var b = new float[(tb == Transpose.No ? k : n) * ldb];
        var c = new float[m * ldc];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1); rng.FillUniform(c, -1, 1);
        var expected = (float[])c.Clone();
        var scale = Array.ConvertAll(c, Math.Abs);
        p.Gemm(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, c, ldc);
        r.Gemm(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, expected, ldc);
        r.Gemm(ta, tb, m, n, k, 1.5f, Array.ConvertAll(a, Math.Abs), lda, Array.ConvertAll(b, Math.Abs), ldb, 0.5f, scale, ldc);
        double u = Math.ScaleB(1, -24);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double err = Math.Abs((double)c[i * ldc + j] - expected[i * ldc + j]);
                if (!(err <= 2 * (k + 2) * u * scale[i * ldc + j])) return Describe("sgemm", ta, tb, m, n, k, i, j, c[i * ldc + j], expected[i * ldc + j]);
            }
        return null;
    }

    private static string? CheckDouble(ILinearAlgebraProvider p, ILinearAlgebraProvider r, Random.Rng rng, Transpose ta, Transpose tb, int m, int n, int k)
    {
        int lda = (ta == Transpose.No ? k : m) + 2, ldb = (tb == Transpose.No ? n : k) + 1, ldc = n + 1;
        var a = new double[(ta == Transpose.No ? m : k) * lda]; var b = new double[(tb == Transpose.No ? k : n) * ldb];
        var c = new double[m * ldc];
        FillSymmetric(rng, a); FillSymmetric(rng, b); FillSymmetric(rng, c);
        var expected = (double[])c.Clone();
        var scale = Array.ConvertAll(c, Math.Abs);
        p.Gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, c, ldc);
        r.Gemm(ta, tb, m, n, k, 1.5, a, lda, b, ldb, 0.5, expected, ldc);
        r.Gemm(ta, tb, m, n, k, 1.5, Array.ConvertAll(a, Math.Abs), lda, Array.ConvertAll(b, Math.Abs), ldb, 0.5, scale, ldc);
        double u = Math.ScaleB(1, -53);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double err = Math.Abs(c[i * ldc + j] - expected[i * ldc + j]);
                if (!(err <= 2 * (k + 2) * u * scale[i * ldc + j])) return Describe("dgemm", ta, tb, m, n, k, i, j, c[i * ldc + j], expected[i * ldc + j]);
            }
        return null;
    }

    private static void FillSymmetric(Random.Rng rng, double[] x)
    {
        for (int i = 0; i < x.Length; i++) x[i] = 2 * rng.NextDouble() - 1;
    }

    private static string Describe(string routine, Transpose ta, Transpose tb, int m, int n, int k, int i, int j, double got, double want) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{routine} {m}x{n}x{k} ({(ta == Transpose.No ? 'N' : 'T')}{(tb == Transpose.No ? 'N' : 'T')}) C[{i},{j}] = {got:R}, reference {want:R}");
}
