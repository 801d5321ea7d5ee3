namespace GenBounds.LinearAlgebra;

/// <summary>
/// Chooses the provider for a process: the native CBLAS/LAPACK one when it loads, otherwise the managed reference.
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
        try { return new NativeLinearAlgebraProvider(); }
        catch (DllNotFoundException) { return Managed; }
        catch (EntryPointNotFoundException) { return Managed; }
    }
}
