using GenBounds.LinearAlgebra;

namespace GenBounds.Compression;

/// <summary>Truncated SVD of ARORA-L1.</summary>
/// <param name="Approximation">Â, row-major rows×cols.</param>
/// <param name="Rows">Rows of A.</param>
/// <param name="Cols">Columns of A.</param>
/// <param name="Delta">δ: singular values below δ‖A‖₂ were removed.</param>
/// <param name="Rank">rank(Â), the number of singular values kept.</param>
/// <param name="SingularValues">All singular values of A, descending.</param>
/// <param name="SpectralNorm">‖A‖₂.</param>
/// <param name="FrobeniusNorm">‖A‖_F.</param>
/// <param name="SpectralError">‖Â − A‖₂ = the largest removed singular value (0 when none was removed).</param>
public sealed record LowRankResult(double[] Approximation, int Rows, int Cols, double Delta, int Rank, double[] SingularValues, double SpectralNorm, double FrobeniusNorm, double SpectralError)
{
    /// <summary>The rank bound ‖A‖_F²/(δ²‖A‖₂²) of ARORA-L1 (rank(Â) ≤ it because ‖A‖_F ≥ ‖Â‖_F ≥ √r·δ‖A‖₂).</summary>
    public double RankBound => FrobeniusNorm * FrobeniusNorm / (Delta * Delta * SpectralNorm * SpectralNorm);
    /// <summary>Parameters to store Â in factored form: r·(rows + cols).</summary>
    public long FactoredParameterCount => (long)Rank * (Rows + Cols);
}

/// <summary>ARORA-L1 (EXACT): remove the singular values of A below δ‖A‖₂; then ‖Â − A‖₂ ≤ δ‖A‖₂ and rank(Â) ≤ ‖A‖_F²/(δ²‖A‖₂²).</summary>
public static class LowRank
{
    /// <summary>Truncated SVD through the provider's float64 <see cref="ILinearAlgebraProvider.Svd"/>; Â = U_r·diag(s_r)·V_rᵀ by one GEMM.</summary>
    public static LowRankResult Truncate(ReadOnlySpan<double> a, int rows, int cols, double delta, ILinearAlgebraProvider? provider = null)
    {
        GemmArgs.ValidateMatrix(nameof(a), rows, cols, a.Length);
        if (!(delta > 0) || double.IsInfinity(delta)) throw new ArgumentOutOfRangeException(nameof(delta), $"δ must be positive (got {delta})");
        provider ??= LinearAlgebraProviders.Default;
        var (u, s, vt) = provider.Svd(a, rows, cols);
        int rmin = s.Length;
        double spec = s.Length == 0 ? 0 : s[0];
        double fro = Math.Sqrt(s.Sum(x => x * x));
        double cut = delta * spec;
        int r = 0;
        while (r < rmin && s[r] >= cut && s[r] > 0) r++;
        var approx = new double[(long)rows * cols];
        if (r > 0)
        {
            // U_r·diag(s_r): scale the leading r columns of U (ld = rmin) into an rows×r buffer.
            var us = new double[(long)rows * r];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < r; j++) us[i * r + j] = u[i * rmin + j] * s[j];
            provider.Gemm(Transpose.No, Transpose.No, rows, cols, r, 1.0, us, r, vt, cols, 0.0, approx, cols);
        }
        double err = r < rmin ? s[r] : 0;
        return new LowRankResult(approx, rows, cols, delta, r, s, spec, fro, err);
    }
}
