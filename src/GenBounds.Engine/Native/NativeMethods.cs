using System.Reflection;
using System.Runtime.InteropServices;

namespace GenBounds.Native;

/// <summary>
/// Every P/Invoke declaration of GenBounds. CBLAS from <c>libblas.so.3</c> and LAPACK (Fortran ABI) from
/// <c>liblapack.so.3</c>; on Debian both are alternatives links, so installing <c>libopenblas0-pthread</c>
/// switches them to OpenBLAS with no code change. Nothing outside <see cref="GenBounds.LinearAlgebra.NativeLinearAlgebraProvider"/>
/// calls these: arguments are validated there before any pointer is pinned.
/// </summary>
internal static unsafe partial class NativeMethods
{
    internal const string Blas = "libblas.so.3";
    internal const string Lapack = "liblapack.so.3";

    internal const int RowMajor = 101;
    internal const int NoTrans = 111;
    internal const int Trans = 112;

    static NativeMethods()
    {
        CoreTypeOverride = ChooseOpenBlasCoreType();
        // Optional override (GENBOUNDS_BLAS / GENBOUNDS_LAPACK = path of the library file); unset means default probing.
        NativeLibrary.SetDllImportResolver(typeof(NativeMethods).Assembly, Resolve);
    }

    /// <summary>The OPENBLAS_CORETYPE this process set before loading BLAS, or null if it left the choice to OpenBLAS/the user.
    /// The choice is provisional until <see cref="GenBounds.LinearAlgebra.OpenBlasKernel"/> has checked it.</summary>
    internal static string? CoreTypeOverride { get; }

    /// <summary>OPENBLAS_CORETYPE as the user's environment gave it (null when unset or empty).</summary>
    internal static string? UserCoreType { get; } = Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE") is { Length: > 0 } v ? v : null;

    // OpenBLAS 0.3.21 (Debian 12) does not recognise this machine's virtualised Xeon and falls back to its
    // "Prescott" SSE3 kernels: 63 instead of ~240 GFLOP/s on 128×1000×1000. OpenBLAS reads OPENBLAS_CORETYPE once,
    // when the library is loaded, from the native environment (Environment.SetEnvironmentVariable does not reach
    // it on Unix), so it is set with libc's setenv before the first BLAS call. A user's own setting always wins.
    private static string? ChooseOpenBlasCoreType()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE"))) return null;
        if (Environment.GetEnvironmentVariable("GENBOUNDS_NO_CORETYPE") == "1") return null;
        string flags;
        try { flags = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal)) ?? ""; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
        var set = new HashSet<string>(flags.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        string? core = set.IsSupersetOf(new[] { "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd" }) ? "SkylakeX"
                     : set.IsSupersetOf(new[] { "avx2", "fma" }) ? "Haswell"
                     : null;
        if (core is null) return null;
        fixed (byte* name = "OPENBLAS_CORETYPE\0"u8) fixed (byte* value = System.Text.Encoding.ASCII.GetBytes(core + "\0"))
            if (setenv(name, value, 0) != 0) return null;
        return core;
    }

    [LibraryImport("libc", EntryPoint = "setenv")]
    private static partial int setenv(byte* name, byte* value, int overwrite);

    [LibraryImport("libc", EntryPoint = "unsetenv")]
    private static partial int unsetenv(byte* name);

    [LibraryImport("libc", EntryPoint = "getenv")]
    private static partial IntPtr getenv(byte* name);

    /// <summary>OPENBLAS_CORETYPE as the native environment holds it now (what OpenBLAS reads; .NET's copy of the environment does not see setenv).</summary>
    internal static string? NativeCoreTypeVariable()
    {
        fixed (byte* name = "OPENBLAS_CORETYPE\0"u8) return Marshal.PtrToStringAnsi(getenv(name));
    }

    /// <summary>
    /// Re-runs OpenBLAS's kernel selection with OPENBLAS_CORETYPE = <paramref name="coreType"/> (unset when null, which
    /// lets OpenBLAS detect the CPU itself). Only DYNAMIC_ARCH builds (Debian's) export the two entry points; returns
    /// false, changing nothing, for any other BLAS. OpenBLAS reads the kernel table through one pointer at every call,
    /// so this is safe whenever no BLAS call is in flight — callers guarantee that (the provider's one-time check runs
    /// before any product is computed).
    /// </summary>
    internal static bool ReselectOpenBlasKernel(string? coreType)
    {
        if (!NativeLibrary.TryLoad(Blas, typeof(NativeMethods).Assembly, null, out var h)) return false;
        if (!NativeLibrary.TryGetExport(h, "gotoblas_dynamic_quit", out var quit) || !NativeLibrary.TryGetExport(h, "gotoblas_dynamic_init", out var init))
            return false;
        fixed (byte* name = "OPENBLAS_CORETYPE\0"u8)
        {
            if (coreType is null) unsetenv(name);
            else fixed (byte* value = System.Text.Encoding.ASCII.GetBytes(coreType + "\0")) setenv(name, value, 1);
        }
        ((delegate* unmanaged<void>)quit)();
        ((delegate* unmanaged<void>)init)();
        return true;
    }

    /// <summary>The kernel OpenBLAS is using (e.g. <c>SkylakeX</c>, <c>Haswell</c>, <c>Prescott</c>), or null for another BLAS.</summary>
    internal static string? OpenBlasCoreName()
    {
        if (!NativeLibrary.TryLoad(Blas, typeof(NativeMethods).Assembly, null, out var h)) return null;
        if (!NativeLibrary.TryGetExport(h, "openblas_get_corename", out var f)) return null;
        return Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)f)());
    }

    /// <summary>Forces the static constructor (and so the resolver) to run before the first native call.</summary>
    internal static void EnsureResolver() { }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        string? over = name switch
        {
            Blas => Environment.GetEnvironmentVariable("GENBOUNDS_BLAS"),
            Lapack => Environment.GetEnvironmentVariable("GENBOUNDS_LAPACK"),
            _ => null,
        };
        return string.IsNullOrEmpty(over) ? IntPtr.Zero : NativeLibrary.Load(over);
    }

    [LibraryImport(Blas, EntryPoint = "cblas_sgemm")]
    internal static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k,
        float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport(Blas, EntryPoint = "cblas_dgemm")]
    internal static partial void cblas_dgemm(int order, int transA, int transB, int m, int n, int k,
        double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc);

    // Fortran ABI: every argument by pointer; one hidden size_t length per CHARACTER argument, appended last.
    [LibraryImport(Lapack, EntryPoint = "dgesdd_")]
    internal static partial void dgesdd_(byte* jobz, int* m, int* n, double* a, int* lda, double* s,
        double* u, int* ldu, double* vt, int* ldvt, double* work, int* lwork, int* iwork, int* info, nuint jobzLen);

    [LibraryImport(Lapack, EntryPoint = "dsyevd_")]
    internal static partial void dsyevd_(byte* jobz, byte* uplo, int* n, double* a, int* lda, double* w,
        double* work, int* lwork, int* iwork, int* liwork, int* info, nuint jobzLen, nuint uploLen);

    // OpenBLAS extensions; absent in the reference BLAS, so callers probe with TryGetExport first.
    internal static int? OpenBlasThreads()
    {
        if (!NativeLibrary.TryLoad(Blas, typeof(NativeMethods).Assembly, null, out var h)) return null;
        if (!NativeLibrary.TryGetExport(h, "openblas_get_num_threads", out var f)) return null;
        return ((delegate* unmanaged<int>)f)();
    }

    internal static bool SetOpenBlasThreads(int n)
    {
        if (!NativeLibrary.TryLoad(Blas, typeof(NativeMethods).Assembly, null, out var h)) return false;
        if (!NativeLibrary.TryGetExport(h, "openblas_set_num_threads", out var f)) return false;
        ((delegate* unmanaged<int, void>)f)(n);
        return true;
    }

    internal static string? OpenBlasConfig()
    {
        if (!NativeLibrary.TryLoad(Blas, typeof(NativeMethods).Assembly, null, out var h)) return null;
        if (!NativeLibrary.TryGetExport(h, "openblas_get_config", out var f)) return null;
        return Marshal.PtrToStringAnsi(((delegate* unmanaged<IntPtr>)f)());
    }

    /// <summary>The file that the loader actually mapped whose path contains <paramref name="stem"/> (from /proc/self/maps), for reports.</summary>
    internal static string? MappedFile(string stem)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                var path = line[slash..];
                if (path.Contains(stem, StringComparison.Ordinal)) return path;
            }
        }
        catch (IOException) { }
        return null;
    }
}
