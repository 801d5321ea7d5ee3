using System.Security.Cryptography;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>
/// The random subspace of a data-free subspace prior (docs/pacbayes.md §3b). Every coordinate i of the parameter
/// vector (weights, then biases, layer by layer) is hashed to a group g(i) ∈ [0, d) with a random sign s(i), both drawn
/// from the seed alone; column k of P is Σ_{g(i)=k} s(i)·eᵢ/√n_k. The columns have disjoint supports, so PᵀP is the
/// identity on the <see cref="Effective"/> non-empty groups (an empty group's column is zero and carries no KL).
/// P is never materialised: <see cref="Expand"/> computes μ = μ₀ + Pz and <see cref="Transpose"/> Pᵀg in one pass.
/// </summary>
public sealed class HashedSubspace
{
    private readonly int[][] _wg, _bg;
    private readonly double[][] _wc, _bc;
    private readonly bool[] _nonEmpty;

    /// <summary>Draws the groups and signs for <paramref name="architecture"/> from <paramref name="rng"/>.</summary>
    public HashedSubspace(MlpArchitecture architecture, int dimension, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(rng);
        if (dimension < 1 || dimension > architecture.ParameterCount)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"the subspace dimension must lie in 1..{architecture.ParameterCount} (the parameter count)");
        Architecture = architecture; Dimension = dimension;
        int L = architecture.Depth;
        _wg = new int[L][]; _bg = new int[L][]; _wc = new double[L][]; _bc = new double[L][];
        var counts = new int[dimension];
        for (int l = 0; l < L; l++)
        {
            int nw = architecture.LayerSizes[l] * architecture.LayerSizes[l + 1], nb = architecture.Bias ? architecture.LayerSizes[l + 1] : 0;
            _wg[l] = Groups(nw, rng, counts); _bg[l] = Groups(nb, rng, counts);
        }
        _nonEmpty = counts.Select(c => c > 0).ToArray();
        Effective = _nonEmpty.Count(b => b);
        var signs = rng.Split("signs");
        for (int l = 0; l < L; l++)
        {
            _wc[l] = Coefficients(_wg[l], counts, signs);
            _bc[l] = Coefficients(_bg[l], counts, signs);
        }
    }

    private static int[] Groups(int n, Rng rng, int[] counts)
    {
        var g = new int[n];
        for (int i = 0; i < n; i++) { g[i] = rng.NextInt(counts.Length); counts[g[i]]++; }
        return g;
    }

    // Double precision: the KL formula needs PᵀP = I, and float32 coefficients would miss it by ~1e-7 per group, which
    // a small s amplifies (a relative error of the quadratic form over s²).
    private static double[] Coefficients(int[] groups, int[] counts, Rng signs)
    {
        var c = new double[groups.Length];
        for (int i = 0; i < groups.Length; i++) c[i] = (signs.NextInt(2) == 0 ? -1.0 : 1.0) / Math.Sqrt(counts[groups[i]]);
        return c;
    }

    /// <summary>Network shape.</summary>
    public MlpArchitecture Architecture { get; }
    /// <summary>d: number of subspace coordinates.</summary>
    public int Dimension { get; }
    /// <summary>Non-empty groups: the rank of P.</summary>
    public int Effective { get; }

    /// <summary>Whether group k has members (an empty group's coordinate moves nothing).</summary>
    public bool IsUsed(int k) => _nonEmpty[k];

    /// <summary>Means of <paramref name="q"/> ← μ₀ + Pz (each coordinate formed in double, rounded once to float32).</summary>
    public void Expand(ReadOnlySpan<float> z, Mlp origin, GaussianMlp q)
    {
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(q);
        if (z.Length != Dimension) throw new ArgumentException($"z has {z.Length} coordinates, the subspace {Dimension}");
        for (int l = 0; l < _wg.Length; l++)
        {
            ExpandBlock(z, _wg[l], _wc[l], origin.Layers[l].Weight, q.WeightMeans[l]);
            if (_bg[l].Length > 0) ExpandBlock(z, _bg[l], _bc[l], origin.Layers[l].Bias!, q.BiasMeans[l]);
        }
    }

    private static void ExpandBlock(ReadOnlySpan<float> z, int[] g, double[] c, float[] origin, float[] mu)
    {
        for (int i = 0; i < g.Length; i++) mu[i] = (float)(origin[i] + c[i] * z[g[i]]);
    }

    /// <summary>gz ← Pᵀ g for a gradient (or any vector) given per layer in the network layout (accumulated in double).</summary>
    public void Transpose(IReadOnlyList<float[]> weights, IReadOnlyList<float[]> biases, Span<double> gz)
    {
        if (gz.Length != Dimension) throw new ArgumentException($"gz has {gz.Length} coordinates, the subspace {Dimension}");
        gz.Clear();
        for (int l = 0; l < _wg.Length; l++)
        {
            TransposeBlock(weights[l], _wg[l], _wc[l], gz);
            if (_bg[l].Length > 0) TransposeBlock(biases[l], _bg[l], _bc[l], gz);
        }
    }

    private static void TransposeBlock(float[] v, int[] g, double[] c, Span<double> gz)
    {
        for (int i = 0; i < g.Length; i++) gz[g[i]] += c[i] * v[i];
    }

    /// <summary>
    /// For the stored posterior means: ‖Δ‖² and ‖PᵀΔ‖² of Δ = μ − μ₀ in double — what the exact KL needs (float32
    /// rounding leaves a tiny part of Δ outside the subspace, which the KL charges at the isotropic rate).
    /// </summary>
    public (double DeltaNorm2, double ProjectedNorm2) Difference(GaussianMlp q, Mlp origin)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(origin);
        var y = new double[Dimension];
        double total = 0;
        for (int l = 0; l < _wg.Length; l++)
        {
            total += Project(q.WeightMeans[l], origin.Layers[l].Weight, _wg[l], _wc[l], y);
            if (_bg[l].Length > 0) total += Project(q.BiasMeans[l], origin.Layers[l].Bias!, _bg[l], _bc[l], y);
        }
        return (total, y.Sum(v => v * v));
    }

    private static double Project(float[] mu, float[] origin, int[] g, double[] c, double[] y)
    {
        double s = 0;
        for (int i = 0; i < g.Length; i++)
        {
            double d = (double)mu[i] - origin[i];
            s += d * d; y[g[i]] += c[i] * d;
        }
        return s;
    }

    /// <summary>
    /// The posterior-variance sums of the exact KL for a diagonal Q with materialised σᵢ (which may differ from s in the
    /// last float32 bit: the vectorised and scalar softplus paths round differently): Σᵢ φ(σᵢ²/s²) with
    /// φ(u) = u − 1 − ln u, and Σᵢ cᵢ² σᵢ²/s² (cᵢ the coefficient of coordinate i, so (PPᵀ)ᵢᵢ = cᵢ²).
    /// </summary>
    public (double SumPhi, double SumC2U) VarianceTerms(GaussianMlp q, double s)
    {
        ArgumentNullException.ThrowIfNull(q);
        var (sw, sb) = q.Sigmas();
        double phi = 0, c2u = 0, inv = 1 / (s * s);
        void Add(float[] sigma, double[] c)
        {
            for (int i = 0; i < sigma.Length; i++)
            {
                double u = (double)sigma[i] * sigma[i] * inv, t = u - 1;
                phi += Math.Abs(t) < 0.5 ? t - MathEx.Log1P(t) : t - Math.Log(u);
                c2u += c[i] * c[i] * u;
            }
        }
        for (int l = 0; l < _wg.Length; l++) { Add(sw[l], _wc[l]); if (_bg[l].Length > 0) Add(sb[l], _bc[l]); }
        return (phi, c2u);
    }

    /// <summary>P as a dense N×d matrix (small networks only: tests).</summary>
    public double[,] ToDense()
    {
        long n = Architecture.ParameterCount;
        if (n * Dimension > 10_000_000) throw new InvalidOperationException($"a dense {n}×{Dimension} P is too large");
        var m = new double[n, Dimension];
        long row = 0;
        for (int l = 0; l < _wg.Length; l++)
            foreach (var (g, c) in new[] { (_wg[l], _wc[l]), (_bg[l], _bc[l]) })
                for (int i = 0; i < g.Length; i++) m[row++, g[i]] = c[i];
        return m;
    }

    /// <summary>SHA-256 (hex) of the groups and coefficients: identifies the prior's subspace in reports.</summary>
    public string ContentHash()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        for (int l = 0; l < _wg.Length; l++)
        {
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_wg[l].AsSpan()));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_wc[l].AsSpan()));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_bg[l].AsSpan()));
            h.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_bc[l].AsSpan()));
        }
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
    }
}

/// <summary>
/// KL(N(μ, s²I) ‖ N(μ₀, s²I + τ²PPᵀ)) for P with r orthonormal columns (a <see cref="HashedSubspace"/>): with
/// Δ = μ − μ₀, y = PᵀΔ and ρ = τ²/s²,
/// ½[r(ln(1 + ρ) − ρ/(1 + ρ)) + (‖Δ‖² − ‖y‖²)/s² + ‖y‖²/(s² + τ²)] (docs/pacbayes.md §3b). At the best τ² = ‖y‖²/r it is
/// (r/2)·ln(1 + ‖y‖²/(r s²)) when Δ lies in the subspace: a logarithmic price for the mean shift instead of the
/// isotropic prior's ‖Δ‖²/(2s²).
/// </summary>
public static class SubspaceKl
{
    /// <summary>
    /// The exact KL (double precision). For a posterior whose σᵢ are not all exactly s, pass the sums of
    /// <see cref="HashedSubspace.VarianceTerms"/>: the variance part is then ½[Σφ(uᵢ) − t·Σcᵢ²uᵢ + r ln(1 + ρ)] with
    /// uᵢ = σᵢ²/s², t = τ²/(s² + τ²), which is ½r(ln(1 + ρ) − t) when every uᵢ = 1.
    /// </summary>
    public static double Value(double deltaNorm2, double projectedNorm2, int rank, double s, double tau2, double sumPhi, double sumC2U)
    {
        double exact = Value(deltaNorm2, projectedNorm2, rank, s, tau2);
        double t = tau2 / (s * s + tau2);
        // Value(...) holds the uniform case's −t·r; replace it by −t·Σcᵢ²uᵢ and add Σφ.
        return exact + 0.5 * (sumPhi - t * (sumC2U - rank));
    }

    /// <summary>The exact KL when every posterior σ equals s (double precision).</summary>
    public static double Value(double deltaNorm2, double projectedNorm2, int rank, double s, double tau2)
    {
        if (!(s > 0) || double.IsInfinity(s)) throw new ArgumentOutOfRangeException(nameof(s), s, "s must be positive");
        if (!(tau2 >= 0) || double.IsInfinity(tau2)) throw new ArgumentOutOfRangeException(nameof(tau2), tau2, "τ² must be non-negative");
        if (projectedNorm2 > deltaNorm2 * (1 + 1e-12) + 1e-300) throw new ArgumentException($"‖PᵀΔ‖² = {projectedNorm2} exceeds ‖Δ‖² = {deltaNorm2}: P's columns are not orthonormal");
        double s2 = s * s, rho = tau2 / s2;
        double logDet = rank * (MathEx.Log1P(rho) - rho / (1 + rho));
        double outside = Math.Max(0, deltaNorm2 - projectedNorm2) / s2;
        return 0.5 * (logDet + outside + projectedNorm2 / (s2 + tau2));
    }

    /// <summary>The τ² that minimises the exact KL: ‖y‖²/r.</summary>
    public static double BestTau2(double projectedNorm2, int rank) => projectedNorm2 / rank;

    /// <summary>Training form: (r/2)·ln(1 + ‖z‖²/(r s²)) and its gradient factor 1/(s² + ‖z‖²/r) (∂/∂z = factor·z).</summary>
    public static (double Kl, double GradientFactor) AtBestScale(double zNorm2, int rank, double s)
    {
        double s2 = s * s;
        return (0.5 * rank * MathEx.Log1P(zNorm2 / (rank * s2)), 1 / (s2 + zNorm2 / rank));
    }
}
