using System.Numerics;
using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>Per-sample interlayer-smoothness ratios of one noise draw and the activation flips behind them.</summary>
public sealed class SmoothnessDraw
{
    internal SmoothnessDraw(int depth, int n) { Ratio = new PairSamples(depth, n, false); Flipped = new PairSamples(depth, n, false); UnitFlips = new long[depth]; Units = new long[depth]; }

    /// <summary>R_{i,j}(x) per sample; +∞ where the inequality is vacuous (no flip on the path, or η = 0).</summary>
    public PairSamples Ratio { get; }
    /// <summary>1 where some unit of layers i..j−1 changed sign along M^{i,j}(x^i + η), else 0.</summary>
    public PairSamples Flipped { get; }
    /// <summary>Per layer k = 1..d−1: units (over samples) whose sign differs between the perturbed and the clean net.</summary>
    public long[] UnitFlips { get; }
    /// <summary>Per layer k: units examined (n·h^k).</summary>
    public long[] Units { get; }
    /// <summary>Fraction of flipped activations at layer k of the perturbed net.</summary>
    public double FlipFraction(int k) => Units[k] == 0 ? 0 : (double)UnitFlips[k] / Units[k];
    /// <summary>ρ of this draw: min over pairs i &lt; j and samples of R, after dropping the ⌊ζn⌋ samples with the smallest per-sample minimum.</summary>
    public double Rho(double zeta = 0) => Robust.Min(Robust.Pointwise(Ratio.Pairs().Select(q => Ratio[q.I, q.J]), Math.Min, double.PositiveInfinity), zeta);
}

/// <summary>
/// Interlayer smoothness (ARORA-D7). For a perturbed network (some lower layers replaced, same shape) and each pair
/// i &lt; j: x^i + η = x̂^i is the perturbed net's pre-activation at layer i, M^{i,j} the clean layers i+1..j, and
/// R = ‖η‖‖x^j‖ / (‖x^i‖ ‖M^{i,j}(x^i+η) − J^{i,j}_{x^i}(x^i+η)‖) with J on the clean activation pattern. The residual
/// is computed as M^{i,j}(x̂^i) − x^j − J^{i,j}η, equal to the paper's for bias-free nets (M^{i,j}(x^i) = J^{i,j}x^i) and
/// the affine analogue with biases. It is exactly zero when no unit of layers i..j−1 changes sign along the path (then
/// φ acts as the clean D^k), so such samples get R = +∞ instead of a rounding-noise ratio. The caller takes the
/// δ-quantile of <see cref="SmoothnessDraw.Rho"/> over independent draws to get ρ_δ.
/// </summary>
public static class InterlayerSmoothness
{
    /// <summary>ρ_δ estimate from the per-draw ρ values: the ⌊δN⌋-th smallest, i.e. the largest ρ met by a 1−δ fraction of draws.</summary>
    public static double RhoDelta(ReadOnlySpan<double> rhoPerDraw, double delta) => Robust.Min(rhoPerDraw, delta);

    /// <summary>One draw over the samples of a clean trace and the perturbed net's trace on the same inputs.</summary>
    public static SmoothnessDraw Measure(ForwardTrace clean, ForwardTrace perturbed, ILinearAlgebraProvider? provider = null)
    {
        var d = new SmoothnessDraw(clean.Net.Depth, clean.Count);
        Accumulate(clean, perturbed, d, 0, provider);
        return d;
    }

    /// <summary>An empty draw for n samples, to be filled chunk by chunk with <see cref="Accumulate(ForwardTrace, ForwardTrace, SmoothnessDraw, int, ILinearAlgebraProvider?, Action{int, int, double[]}?)"/>.</summary>
    public static SmoothnessDraw Create(int depth, int n) => new(depth, n);

    /// <summary>
    /// Fills rows offset.. of <paramref name="draw"/> from one chunk. <paramref name="onPropagated"/>(i, k, z), when
    /// given, receives z = M^{i,k}(x̂^i) (rows×h^k: the clean layers i+1..k applied to the perturbed pre-activation
    /// x̂^i) for every pair i &lt; k, valid only during the call; NoiseStability.Draw reuses it for Lemma 3's induction.
    /// </summary>
    /// <remarks>
    /// The residual e^k = M^{i,k}(x̂^i) − x^k − J^{i,k}η is propagated exactly instead of as a difference of three
    /// separately rounded products: with z^k = M^{i,k}(x̂^i) = x^k + J^{i,k}η + e^k and e^i = 0,
    /// e^k = A^k (r^{k−1} + D^{k−1}e^{k−1}) where r = φ(z) − D z is non-zero only at units whose sign differs from the
    /// clean pattern (φ(x) = D x). At the usual compression noise almost no unit flips, so the first product is a few
    /// columns of A^k (sparse path), and one dense GEMM per step (the clean propagation of x̂^i) remains.
    /// </remarks>
    public static void Accumulate(ForwardTrace clean, ForwardTrace perturbed, SmoothnessDraw draw, int offset, ILinearAlgebraProvider? provider = null,
        Action<int, int, double[]>? onPropagated = null)
        => Accumulate(clean, perturbed, draw, offset, provider, onPropagated, null);

    /// <summary>Work arrays of <see cref="Accumulate(ForwardTrace, ForwardTrace, SmoothnessDraw, int, ILinearAlgebraProvider?, Action{int, int, double[]}?)"/>, kept between the draws of one caller.</summary>
    internal sealed class Scratch
    {
        internal double[] Z = [], Zn = [], V = [], E = [], En = [], EtaNorm = [];
        internal bool[] Flipped = [];

        internal void Ensure(int n, int hmax)
        {
            if (Z.Length < n * hmax) { Z = new double[n * hmax]; Zn = new double[n * hmax]; V = new double[n * hmax]; E = new double[n * hmax]; En = new double[n * hmax]; }
            if (EtaNorm.Length < n) { EtaNorm = new double[n]; Flipped = new bool[n]; }
        }
    }

    internal static void Accumulate(ForwardTrace clean, ForwardTrace perturbed, SmoothnessDraw draw, int offset, ILinearAlgebraProvider? provider,
        Action<int, int, double[]>? onPropagated, Scratch? scratch)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = clean.Net; int dd = net.Depth, n = clean.Count, hmax = net.Widths.Max();
        if (!perturbed.Net.Architecture.Equals(net.Architecture) || perturbed.Count != n) throw new ArgumentException("perturbed trace must have the clean shape and samples");
        for (int k = 1; k < dd; k++)
        {
            var a = clean.X[k]; var b = perturbed.X[k]; long f = 0;
            for (int u = 0; u < a.Length; u++) if (a[u] > 0 != b[u] > 0) f++;
            draw.UnitFlips[k] += f; draw.Units[k] += a.Length;
        }
        // Every entry a step reads is written first in that step (z, v, zn, en; e only after a step wrote it), so
        // reused arrays give the values of fresh ones.
        scratch ??= new Scratch();
        scratch.Ensure(n, hmax);
        var z = scratch.Z; var zn = scratch.Zn; var v = scratch.V; var e = scratch.E; var en = scratch.En;
        var etaNorm = scratch.EtaNorm; var flipped = scratch.Flipped;
        for (int i = 1; i < dd; i++)
        {
            int hi = net.Widths[i];
            perturbed.X[i].CopyTo(z, 0);
            TensorPrimitives.Subtract(perturbed.X[i], clean.X[i], v.AsSpan(0, n * hi));
            for (int s = 0; s < n; s++) { etaNorm[s] = TensorPrimitives.Norm(v.AsSpan(s * hi, hi)); flipped[s] = false; }
            bool eZero = true;
            for (int k = i + 1; k <= dd; k++)
            {
                int hp = net.Widths[k - 1], hk = net.Widths[k];
                long nnz = FlipInput(z, clean.X[k - 1], eZero ? null : e, v, flipped, n, hp);
                ResidualStep(net, k, v, nnz, en, n, p);
                eZero = nnz == 0;
                Propagation.NetworkStep(net, k, z, zn, n, p);
                onPropagated?.Invoke(i, k, zn);
                var ratio = draw.Ratio[i, k]; var fl = draw.Flipped[i, k];
                for (int s = 0; s < n; s++)
                {
                    fl[offset + s] = flipped[s] ? 1 : 0;
                    if (!flipped[s] || etaNorm[s] == 0) { ratio[offset + s] = double.PositiveInfinity; continue; }
                    double res = TensorPrimitives.Norm(en.AsSpan(s * hk, hk));
                    ratio[offset + s] = Robust.RatioForMin(etaNorm[s] * clean.XNorm[k][s], clean.XNorm[i][s] * res);
                }
                (z, zn) = (zn, z); (e, en) = (en, e);
            }
        }
    }

    /// <summary>
    /// v ← r + D e with r = φ(z) − D z and D = diag(1[x &gt; 0]) per row (e = null: zero); marks the rows where z and x
    /// differ in sign as flipped; returns the number of non-zeros of v.
    /// </summary>
    private static long FlipInput(double[] z, double[] x, double[]? e, double[] v, bool[] flipped, int n, int h)
    {
        long nnz = 0;
        int w = Vector<double>.Count;
        for (int s = 0; s < n; s++)
        {
            var zr = z.AsSpan(s * h, h); var xr = x.AsSpan(s * h, h); var vr = v.AsSpan(s * h, h);
            var er = e is null ? default : e.AsSpan(s * h, h);
            bool f = false;
            int u = 0;
            // The same arithmetic lane by lane (±z, then + e only where x > 0), so the result is the scalar loop's bit for bit.
            if (Vector.IsHardwareAccelerated)
                for (; u + w <= h; u += w)
                {
                    var zv = new Vector<double>(zr[u..]);
                    var xp = Vector.GreaterThan(new Vector<double>(xr[u..]), Vector<double>.Zero);
                    var zp = Vector.GreaterThan(zv, Vector<double>.Zero);
                    var differ = Vector.Xor(xp, zp);
                    var r = Vector.ConditionalSelect(differ, Vector.ConditionalSelect(zp, zv, -zv), Vector<double>.Zero);
                    if (e is not null) r = Vector.ConditionalSelect(xp, r + new Vector<double>(er[u..]), r);
                    r.CopyTo(vr[u..]);
                    if (differ != Vector<long>.Zero) f = true;
                    nnz += w + Vector.Sum(Vector.Equals(r, Vector<double>.Zero));
                }
            for (; u < h; u++)
            {
                bool xp = xr[u] > 0, zp = zr[u] > 0;
                double r = xp == zp ? 0 : zp ? zr[u] : -zr[u];
                if (xp != zp) f = true;
                if (e is not null && xp) r += e[s * h + u];
                vr[u] = r;
                if (r != 0) nnz++;
            }
            if (f) flipped[s] = true;
        }
        return nnz;
    }

    /// <summary>y ← v (A^k)ᵀ for n rows; by columns of A^k when v has few non-zeros, else one GEMM.</summary>
    private static void ResidualStep(DoubleMlp net, int k, double[] v, long nnz, double[] y, int n, ILinearAlgebraProvider p)
    {
        int hin = net.Widths[k - 1], hout = net.Widths[k];
        var ys = y.AsSpan(0, n * hout);
        if (nnz == 0) { ys.Clear(); return; }
        if (nnz * SparseFactor > (long)n * hin)
        {
            p.Gemm(Transpose.No, Transpose.Yes, n, hout, hin, 1.0, v, hin, net.W[k], hin, 0.0, y, hout);
            return;
        }
        var wt = net.Transposed(k);
        ys.Clear();
        for (int s = 0; s < n; s++)
        {
            var vr = v.AsSpan(s * hin, hin); var yr = ys.Slice(s * hout, hout);
            for (int u = 0; u < hin; u++)
                if (vr[u] != 0) TensorPrimitives.MultiplyAdd(wt.AsSpan(u * hout, hout), vr[u], yr, yr);
        }
    }

    /// <summary>Below one non-zero in this many entries a residual step goes column by column instead of through GEMM.</summary>
    public const int SparseFactor = 16;
}

/// <summary>Where the Figure-1 noise is injected.</summary>
public enum NoiseSite
{
    /// <summary>Into layer i's input u^{i−1} = φ(x^{i−1}) (x⁰ for i = 1), ‖η‖ = r‖u^{i−1}‖ (the paper: "noise injected at a layer input"); x̂^i = A^i(u + η) + b^i.</summary>
    LayerInput,
    /// <summary>Into the pre-activation x^i, ‖η‖ = r‖x^i‖.</summary>
    PreActivation,
}

/// <summary>Per-sample relative errors of the noise-attenuation experiment.</summary>
public sealed class AttenuationResult
{
    internal AttenuationResult(int depth, int n) { RelativeError = new PairSamples(depth, n, true); InjectedRelativeNorm = new double[depth + 1][]; for (int i = 1; i <= depth; i++) InjectedRelativeNorm[i] = new double[n]; }

    /// <summary>‖x̂^j − x^j‖/‖x^j‖ for noise injected at layer i, j ≥ i.</summary>
    public PairSamples RelativeError { get; }
    /// <summary>‖η‖ divided by the norm it was scaled to (the target ratio up to rounding), per injection layer i = 1..d.</summary>
    public double[][] InjectedRelativeNorm { get; }
    /// <summary>Distribution of the relative error at layer j for noise injected at layer i.</summary>
    public Distribution Summary(int i, int j) => Distribution.Of(RelativeError[i, j]);
}

/// <summary>
/// Noise attenuation (catalog §4, Arora Figure 1): for each layer i inject Gaussian noise of norm r = 10% (default) of
/// the layer input (or pre-activation, <see cref="NoiseSite"/>), run the clean layers above and record
/// ‖x̂^j − x^j‖/‖x^j‖ for every j ≥ i. Each sample and layer gets its own stream derived from one draw of the Rng.
/// </summary>
public static class NoiseAttenuation
{
    /// <summary>Allocates the per-sample result for n samples.</summary>
    public static AttenuationResult Create(int depth, int n) => new(depth, n);

    /// <summary>Runs the experiment on one trace.</summary>
    public static AttenuationResult Measure(ForwardTrace t, Rng rng, double relative = 0.1, NoiseSite site = NoiseSite.LayerInput, ILinearAlgebraProvider? provider = null)
    {
        var r = new AttenuationResult(t.Net.Depth, t.Count);
        Accumulate(t, rng.NextUInt64(), r, 0, relative, site, provider);
        return r;
    }

    /// <summary>Fills rows offset.. of <paramref name="result"/>; <paramref name="seed"/> is shared by all chunks.</summary>
    public static void Accumulate(ForwardTrace t, ulong seed, AttenuationResult result, int offset, double relative = 0.1, NoiseSite site = NoiseSite.LayerInput, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net; int d = net.Depth, n = t.Count, hmax = net.Widths.Max();
        var u = new double[n * hmax]; var z = new double[n * hmax]; var zn = new double[n * hmax];
        for (int i = 1; i <= d; i++)
        {
            int hs = site == NoiseSite.LayerInput ? net.Widths[i - 1] : net.Widths[i];
            var src = site == NoiseSite.LayerInput ? t.Phi[i - 1] : t.X[i];
            var srcNorm = site == NoiseSite.LayerInput ? t.PhiNorm[i - 1] : t.XNorm[i];
            for (int s = 0; s < n; s++)
            {
                var eta = u.AsSpan(s * hs, hs);
                new Rng(Rng.Mix(seed ^ Rng.Mix((ulong)(offset + s) * (ulong)(d + 1) + (ulong)i))).FillGaussian(eta);
                double g = TensorPrimitives.Norm(eta), scale = g == 0 ? 0 : relative * srcNorm[s] / g;
                TensorPrimitives.Multiply(eta, scale, eta);
                result.InjectedRelativeNorm[i][offset + s] = srcNorm[s] == 0 ? 0 : TensorPrimitives.Norm(eta) / srcNorm[s];
                TensorPrimitives.Add(eta, src.AsSpan(s * hs, hs), eta);
            }
            if (site == NoiseSite.LayerInput) Propagation.Affine(net, i, u.AsSpan(0, n * hs), z, n, p);
            else u.AsSpan(0, n * hs).CopyTo(z);
            for (int j = i; j <= d; j++)
            {
                if (j > i) { Propagation.NetworkStep(net, j, z, zn, n, p); (z, zn) = (zn, z); }
                int hj = net.Widths[j]; var err = result.RelativeError[i, j];
                for (int s = 0; s < n; s++)
                {
                    var a = z.AsSpan(s * hj, hj); var x = t.Row(j, s);
                    err[offset + s] = Robust.RatioForMin(Math.Sqrt(SquaredDistance(a, x)), t.XNorm[j][s]);
                }
            }
        }
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0; for (int k = 0; k < a.Length; k++) { double e = a[k] - b[k]; s += e * e; }
        return s;
    }
}
