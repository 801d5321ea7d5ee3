using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;

namespace GenBounds.Measures;

/// <summary>
/// Norms of one weight matrix A (rows = output units, columns = inputs; PyTorch layout), used by the capacity measures
/// of the arXiv Figure 4 caption (catalog §4). Mixed-norm convention (the paper does not define it): ‖A‖_{p,q} is the
/// q-norm, over output units r, of the p-norm of row r (unit r's incoming weights). So ‖A‖_{1,∞} = max_r Σ_c |A_rc|
/// (Bartlett &amp; Mendelson's per-unit ℓ1), ‖A‖_{2,1} = Σ_r ‖A_r‖₂ (Bartlett et al. 2017's ‖Aᵀ‖_{2,1} in their
/// column convention), ‖A‖_{1,2} = (Σ_r ‖A_r‖₁²)^{1/2}.
/// </summary>
public sealed record MatrixNorms(double Spectral, double Frobenius, double StableRank, double L1Inf, double L12, double L21, long Parameters)
{
    /// <summary>
    /// Norms of the row-major rows×cols matrix <paramref name="a"/>; the spectral norm is the largest singular value
    /// from the provider's SVD (exact to LAPACK accuracy, catalog §2), srank = ‖A‖_F²/‖A‖₂².
    /// </summary>
    public static MatrixNorms Of(ReadOnlySpan<double> a, int rows, int cols, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        double spectral = p.SingularValues(a, rows, cols)[0];
        double fro = TensorPrimitives.Norm(a[..(rows * cols)]);
        double l1inf = 0, l12 = 0, l21 = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = a.Slice(r * cols, cols);
            double l1 = TensorPrimitives.SumOfMagnitudes(row), l2 = TensorPrimitives.Norm(row);
            l1inf = Math.Max(l1inf, l1); l12 += l1 * l1; l21 += l2;
        }
        return new MatrixNorms(spectral, fro, spectral == 0 ? 0 : fro * fro / (spectral * spectral), l1inf, Math.Sqrt(l12), l21, (long)rows * cols);
    }
}
