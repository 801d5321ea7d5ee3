using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>Output of Vector-Compress (ARORA-ALG2).</summary>
/// <param name="Compressed">ĉ with ĉ_i = z_i c_i / p_i.</param>
/// <param name="Probabilities">p_i = min(1, 2c_i²/(ηγ²)).</param>
/// <param name="NonZeros">nnz(ĉ).</param>
public sealed record VectorCompressResult(double[] Compressed, double[] Probabilities, int NonZeros);

/// <summary>Output of the discretised Vector-Compress (ARORA-L5).</summary>
/// <param name="Values">ĉ on the grid (γ/(2√h))ℤ.</param>
/// <param name="Step">Grid step γ/(2√h).</param>
/// <param name="Threshold">Entries with |c̃_i| ≥ 2ηγ√h were set to zero.</param>
/// <param name="ZeroedByThreshold">How many sampled entries the threshold removed.</param>
/// <param name="NonZeros">nnz(ĉ).</param>
public sealed record DiscretizedVectorCompressResult(double[] Values, double Step, double Threshold, int ZeroedByThreshold, int NonZeros);

/// <summary>Output of Vector-Project (ARORA-ALG3).</summary>
/// <param name="Coefficients">z_i = ⟨v_i, c⟩ (rounded when requested).</param>
/// <param name="Reconstruction">ĉ = (1/k) Σ z_i v_i.</param>
/// <param name="Step">Rounding step γ/(2√(hk)), or null when z was not rounded.</param>
/// <param name="HelperSpectralNorm">‖V‖₂ of V = [v_1..v_k] when computed, else null.</param>
/// <param name="HelperNormEventHeld">Whether ‖V‖₂ ≤ 2√h (the event the proof of ARORA-L7 uses for the rounding step), when computed.</param>
public sealed record VectorProjectResult(double[] Coefficients, double[] Reconstruction, double? Step, double? HelperSpectralNorm, bool? HelperNormEventHeld);

/// <summary>Vector compression schemes of Arora et al. 2018, App. A.2: ARORA-ALG2/L4, ARORA-L5 and ARORA-ALG3/L7.</summary>
public static class VectorCompression
{
    /// <summary>
    /// ARORA-ALG2 Vector-Compress(γ, c): z_i ~ Bernoulli(p_i), p_i = min(1, 2c_i²/(ηγ²)) (the cap at 1 is ours; the paper is silent),
    /// ĉ_i = z_i c_i / p_i. Unbiased, Var(ĉ_i) = c_i²(1 − p_i)/p_i ≤ ηγ²/2 (DERIVED), E nnz ≤ 2‖c‖²/(ηγ²).
    /// </summary>
    public static VectorCompressResult Compress(ReadOnlySpan<double> c, double gamma, double eta, Rng rng)
    {
        if (!(gamma > 0) || !(eta > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), $"need γ > 0 and η > 0 (got {gamma}, {eta})");
        var p = new double[c.Length];
        var r = new double[c.Length];
        int nnz = 0;
        double scale = 2 / (eta * gamma * gamma);
        for (int i = 0; i < c.Length; i++)
        {
            p[i] = Math.Min(1.0, scale * c[i] * c[i]);
            double u = rng.NextDouble(); // one uniform per coordinate keeps the stream aligned across inputs
            if (p[i] > 0 && u < p[i]) { r[i] = c[i] / p[i]; nnz++; }
        }
        return new VectorCompressResult(r, p, nnz);
    }

    /// <summary>
    /// ARORA-L5: c̃ = Vector-Compress(γ/2, c); ĉ_i = 0 if |c̃_i| ≥ 2ηγ√h, otherwise c̃_i rounded to the nearest multiple of γ/(2√h)
    /// (ties away from zero). PAPER-ISSUE: the printed equivalence "|c̃_i| ≥ 2ηγ√h iff |c_i| ≤ γ/(4√h)" holds with γ/(16√h) instead,
    /// since |c̃_i| = ηγ²/(8|c_i|) for p_i &lt; 1; this implements the printed threshold on c̃ and reports how many entries it removed.
    /// </summary>
    public static DiscretizedVectorCompressResult CompressDiscretized(ReadOnlySpan<double> c, double gamma, double eta, Rng rng)
    {
        int h = c.Length;
        if (h == 0) throw new ArgumentException("empty vector");
        var tilde = Compress(c, gamma / 2, eta, rng).Compressed;
        double thr = 2 * eta * gamma * Math.Sqrt(h), step = gamma / (2 * Math.Sqrt(h));
        var v = new double[h];
        int zeroed = 0, nnz = 0;
        for (int i = 0; i < h; i++)
        {
            if (tilde[i] == 0) continue;
            if (Math.Abs(tilde[i]) >= thr) { zeroed++; continue; }
            v[i] = Rounding.RoundToGrid(tilde[i], step);
            if (v[i] != 0) nnz++;
        }
        return new DiscretizedVectorCompressResult(v, step, thr, zeroed, nnz);
    }

    /// <summary>k = ⌈16·ln(1/η)/γ²⌉ helper vectors for Vector-Project (ARORA-ALG3).</summary>
    public static int ProjectHelperCount(double gamma, double eta)
    {
        if (!(gamma > 0) || !(eta > 0 && eta < 1)) throw new ArgumentOutOfRangeException(nameof(gamma));
        return Math.Max(1, (int)Math.Ceiling(16 * Math.Log(1 / eta) / (gamma * gamma)));
    }

    /// <summary>Writes helper vector v_i ~ N(0, I_h), regenerated from <c>SeedStreams.Derive(seed, "v" + i)</c>.</summary>
    public static void FillHelper(ulong seed, int i, Span<double> v) =>
        new Rng(SeedStreams.Derive(seed, "v" + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).FillGaussian(v);

    /// <summary>
    /// ARORA-ALG3 Vector-Project(γ, c): z_i = ⟨v_i, c⟩ for k helper vectors, optionally rounded to multiples of γ/(2√(hk)),
    /// ĉ = (1/k) Σ z_i v_i. ARORA-L7: for fixed u, |ĉᵀu − cᵀu| ≤ γ with probability ≥ 1 − η (the rounding part needs ‖V‖₂ ≤ 2√h,
    /// roughly k ≤ h; when <paramref name="checkHelperNorm"/> is set, ‖V‖₂ is computed by SVD through the provider and reported).
    /// </summary>
    public static VectorProjectResult Project(ReadOnlySpan<double> c, double gamma, int k, ulong seed, bool round, bool checkHelperNorm = false, ILinearAlgebraProvider? provider = null)
    {
        int h = c.Length;
        if (h == 0 || k <= 0 || !(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(k));
        var z = new double[k];
        var v = new double[h];
        var vAll = checkHelperNorm ? new double[(long)k * h] : null;
        double? step = round ? gamma / (2 * Math.Sqrt((double)h * k)) : null;
        for (int i = 0; i < k; i++)
        {
            FillHelper(seed, i, v);
            z[i] = System.Numerics.Tensors.TensorPrimitives.Dot(v, c);
            if (step is double s) z[i] = Rounding.RoundToGrid(z[i], s);
            if (vAll is not null) v.CopyTo(vAll.AsSpan(i * h, h));
        }
        var rec = Reconstruct(z, h, seed);
        double? norm = null;
        if (vAll is not null) norm = (provider ?? LinearAlgebraProviders.Default).SingularValues(vAll, k, h)[0];
        return new VectorProjectResult(z, rec, step, norm, norm is double n ? n <= 2 * Math.Sqrt(h) : null);
    }

    /// <summary>ĉ = (1/k) Σ z_i v_i with the helper vectors regenerated from <paramref name="seed"/>.</summary>
    public static double[] Reconstruct(ReadOnlySpan<double> z, int h, ulong seed)
    {
        var acc = new double[h];
        var v = new double[h];
        for (int i = 0; i < z.Length; i++)
        {
            FillHelper(seed, i, v);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(v, z[i], acc, acc);
        }
        System.Numerics.Tensors.TensorPrimitives.Multiply(acc, 1.0 / z.Length, acc);
        return acc;
    }
}
