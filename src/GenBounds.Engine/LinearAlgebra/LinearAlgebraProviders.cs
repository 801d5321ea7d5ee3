namespace GenBounds.LinearAlgebra;

/// <summary>
/// Chooses the provider for a process: the native CBLAS/LAPACK one when it loads and its kernel passes the GEMM
/// self-test (<see cref="OpenBlasKernel"/>), otherwise the managed reference, whose name then says why.
/// <c>GENBOUNDS_PROVIDER=managed</c> forces the reference (useful to localise a numerical discrepancy).
/// </summary>
public static class LinearAlgebraProviders
{
    private static readonly Lazy<ILinearAlgebraProvider> Best = new(Create);

    /// <summary>The process-wide default provider (created on first use).</summary>
    public static ILinearAlgebraProvider Default => Best.Value;

    /// <summary>The managed reference provider.</summary>
    public static ILinearAlgebraProvider Managed { get; } = new ManagedLinearAlgebraProvider();

    private static ILinearAlgebraProvider Create()
    {
        if (string.Equals(Environment.GetEnvironmentVariable("GENBOUNDS_PROVIDER"), "managed", StringComparison.OrdinalIgnoreCase))
            return Managed;
        return Choose(() => new NativeLinearAlgebraProvider());
    }

    /// <summary>
    /// The provider <paramref name="createNative"/> makes, or the managed reference when it cannot load
    /// (<see cref="DllNotFoundException"/>, <see cref="EntryPointNotFoundException"/>) or its kernel failed the self-test
    /// (<see cref="BlasSelfTestException"/>; the reference's name then carries the reason).
    /// </summary>
    public static ILinearAlgebraProvider Choose(Func<ILinearAlgebraProvider> createNative)
    {
        ArgumentNullException.ThrowIfNull(createNative);
        try { return createNative(); }
        catch (BlasSelfTestException e) { return new ManagedLinearAlgebraProvider(e.Message); }
        catch (DllNotFoundException) { return Managed; }
        catch (EntryPointNotFoundException) { return Managed; }
    }
}
