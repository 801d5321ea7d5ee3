using System.Numerics.Tensors;
using GenBounds.Random;

namespace GenBounds.LinearAlgebra;

/// <summary>
/// A two-sided bound Lower ≤ ‖A‖₂ ≤ Upper on a spectral norm. <see cref="Lower"/> is deterministic (a Rayleigh quotient,
/// up to the stated floating-point slack); <see cref="Upper"/> holds with probability at least 1 − <see cref="FailureProbability"/>
/// over the random start vector (0 when both ends come from a dense SVD). <see cref="Steps"/> is the number of Lanczos
/// steps (0 for a dense SVD).
/// </summary>
public readonly record struct SpectralNormBound(double Lower, double Upper, int Steps, double FailureProbability)
{
    /// <summary>Relative width Upper/Lower − 1 of the bracket.</summary>
    public double RelativeWidth => Upper / Lower - 1;
}

/// <summary>
/// Spectral norms without a full SVD: k steps of the Lanczos process on AᵀA (one fused pass over the rows of A per step:
/// t = A_i·v, w += t A_i), with full reorthogonalisation, from a Gaussian start vector of a named seed.
/// <para>Certificate. The largest Ritz value θ of the k-dimensional Krylov space is max ‖Ax‖² over unit x in that space,
/// so √θ ≤ ‖A‖₂ always. Kuczyński and Woźniakowski (SIAM J. Matrix Anal. Appl. 13 (1992) 1094–1122, Thm 4.2): for a
/// start vector uniform on the sphere of ℝⁿ, P((λ₁ − θ)/λ₁ ≥ ε) ≤ 1.648 √n e^{−√ε (2k−1)} for every positive
/// semidefinite n×n matrix. Solving for ε at failure probability η gives Upper = √(θ/(1 − ε)). The number of steps is
/// chosen so that Upper/Lower − 1 is at most the requested relative width; it does not depend on the spectrum (no gap
/// assumption). A relative slack of 1e-10 on both ends covers floating-point rounding of the Rayleigh quotients.</para>
/// Matrices whose smaller side is not larger than the step count get a dense SVD instead (exact, cheap there).
/// </summary>
public static class SpectralNorm
{
    /// <summary>Default failure probability of one upper bound (per call).</summary>
    public const double DefaultFailureProbability = 1e-9;

    /// <summary>Default relative width Upper/Lower − 1 of the bracket.</summary>
    public const double DefaultRelativeWidth = 0.01;

    private const double RoundingSlack = 1e-10;

    /// <summary>Lanczos steps k for which the Kuczyński–Woźniakowski bound certifies the relative width at failure probability η (n = side of AᵀA).</summary>
    public static int StepsFor(int n, double relativeWidth, double failureProbability)
    {
        if (n < 1) throw new ArgumentOutOfRangeException(nameof(n));
        if (!(relativeWidth > 0)) throw new ArgumentOutOfRangeException(nameof(relativeWidth), "the relative width must be positive");
        if (!(failureProbability > 0 && failureProbability < 1)) throw new ArgumentOutOfRangeException(nameof(failureProbability));
        // Upper/Lower = 1/√(1 − ε) ≤ 1 + w  ⇔  ε ≤ 1 − 1/(1 + w)².
        double eps = 1 - 1 / ((1 + relativeWidth) * (1 + relativeWidth));
        double log = Math.Log(1.648 * Math.Sqrt(n) / failureProbability);
        return Math.Max(2, (int)Math.Ceiling((log / Math.Sqrt(eps) + 1) / 2));
    }

    /// <summary>The ε of the Kuczyński–Woźniakowski bound after k steps at failure probability η (relative error of θ against λ₁ = ‖A‖₂²).</summary>
    public static double RelativeEigenError(int n, int steps, double failureProbability)
    {
        double log = Math.Log(1.648 * Math.Sqrt(n) / failureProbability);
        double r = log / (2 * steps - 1);
        return Math.Min(1, r * r);
    }

    /// <summary>
    /// A certified bracket of ‖A‖₂ for the row-major rows×cols matrix <paramref name="a"/>; the start vector comes from
    /// the stream <paramref name="seed"/>, so the result is a pure function of its arguments.
    /// </summary>
    public static SpectralNormBound Bound(ILinearAlgebraProvider provider, ReadOnlySpan<double> a, int rows, int cols, ulong seed,
        double relativeWidth = DefaultRelativeWidth, double failureProbability = DefaultFailureProbability)
    {
        ArgumentNullException.ThrowIfNull(provider);
        GemmArgs.ValidateMatrix(nameof(a), rows, cols, a.Length);
        int k = StepsFor(cols, relativeWidth, failureProbability);
        if (Math.Min(rows, cols) <= k)
        {
            double s = provider.SingularValues(a, rows, cols)[0];
            return new SpectralNormBound(s, s, 0, 0);
        }
        double theta = LanczosTop(provider, a, rows, cols, k, seed);
        double eps = RelativeEigenError(cols, k, failureProbability);
        double lower = Math.Sqrt(theta) * (1 - RoundingSlack);
        double upper = Math.Sqrt(theta / (1 - eps)) * (1 + RoundingSlack);
        return new SpectralNormBound(lower, upper, k, failureProbability);
    }

    /// <summary>
    /// A certified bracket of ‖A‖₂ for a linear operator A given only through <paramref name="gram"/>(v, w): w ← AᵀA v on
    /// vectors of length <paramref name="n"/> (e.g. a convolution followed by its transpose, never formed as a matrix).
    /// Same certificate as the matrix overload (Kuczyński–Woźniakowski for the upper end, a Rayleigh quotient for the
    /// lower end); there is no dense fallback, so small operators take the full step count.
    /// </summary>
    public static SpectralNormBound Bound(ILinearAlgebraProvider provider, Action<double[], double[]> gram, int n, ulong seed,
        double relativeWidth = DefaultRelativeWidth, double failureProbability = DefaultFailureProbability)
    {
        ArgumentNullException.ThrowIfNull(provider);
        ArgumentNullException.ThrowIfNull(gram);
        int k = StepsFor(n, relativeWidth, failureProbability);
        double theta = LanczosTop(provider, gram, n, k, seed);
        double eps = RelativeEigenError(n, k, failureProbability);
        return new SpectralNormBound(Math.Sqrt(theta) * (1 - RoundingSlack), Math.Sqrt(theta / (1 - eps)) * (1 + RoundingSlack), k, failureProbability);
    }

    /// <summary>Largest Ritz value of AᵀA after k Lanczos steps (full reorthogonalisation; stops early on an invariant subspace).</summary>
    private static double LanczosTop(ILinearAlgebraProvider provider, ReadOnlySpan<double> a, int rows, int cols, int k, ulong seed)
    {
        var copy = a[..(rows * cols)].ToArray();
        return LanczosTop(provider, (v, w) =>
        {
            // w = Aᵀ(A v) in one pass: each row is read once while it is in cache.
            Array.Clear(w);
            for (int i = 0; i < rows; i++)
            {
                var row = copy.AsSpan(i * cols, cols);
                double t = TensorPrimitives.Dot(row, v);
                if (t != 0) TensorPrimitives.MultiplyAdd(row, t, w, w);
            }
        }, cols, k, seed);
    }

    private static double LanczosTop(ILinearAlgebraProvider provider, Action<double[], double[]> gram, int cols, int k, ulong seed)
    {
        var basis = new double[k][];
        var alpha = new double[k];
        var beta = new double[k];
        var v = new double[cols];
        new Rng(seed).FillGaussian(v);
        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        var w = new double[cols];
        int steps = 0;
        for (int j = 0; j < k; j++)
        {
            basis[j] = v;
            steps = j + 1;
            gram(v, w);
            alpha[j] = TensorPrimitives.Dot(w, v);
            // Full reorthogonalisation, twice ("twice is enough"): keeps the Ritz values free of spurious copies.
            for (int pass = 0; pass < 2; pass++)
                for (int p = 0; p <= j; p++)
                {
                    double c = TensorPrimitives.Dot(w, basis[p]);
                    TensorPrimitives.MultiplyAdd(basis[p], -c, w, w);
                }
            double b = TensorPrimitives.Norm(w);
            beta[j] = b;
            if (b <= 1e-13 * Math.Max(Math.Abs(alpha[j]), double.Epsilon) || j == k - 1) break;
            var next = new double[cols];
            TensorPrimitives.Divide(w, b, next);
            v = next;
        }
        // Tridiagonal T (diagonal α, off-diagonal β) as a dense steps×steps matrix; its largest eigenvalue is θ.
        var t2 = new double[steps * steps];
        for (int j = 0; j < steps; j++)
        {
            t2[j * steps + j] = alpha[j];
            if (j + 1 < steps) { t2[j * steps + j + 1] = beta[j]; t2[(j + 1) * steps + j] = beta[j]; }
        }
        var (values, _) = provider.SymmetricEigen(t2, steps, false);
        return Math.Max(0, values[^1]);
    }
}
