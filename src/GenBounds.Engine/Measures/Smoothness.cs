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

    /// <summary>An empty draw for n samples, to be filled chunk by chunk with <see cref="Accumulate"/>.</summary>
    public static SmoothnessDraw Create(int depth, int n) => new(depth, n);

    /// <summary>Fills rows offset.. of <paramref name="draw"/> from one chunk.</summary>
    public static void Accumulate(ForwardTrace clean, ForwardTrace perturbed, SmoothnessDraw draw, int offset, ILinearAlgebraProvider? provider = null)
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
        var z = new double[n * hmax]; var zn = new double[n * hmax];
        var w = new double[n * hmax]; var wn = new double[n * hmax];
        var etaNorm = new double[n]; var flipped = new bool[n];
        for (int i = 1; i < dd; i++)
        {
            int hi = net.Widths[i];
            perturbed.X[i].CopyTo(z, 0);
            TensorPrimitives.Subtract(perturbed.X[i], clean.X[i], w.AsSpan(0, n * hi));
            for (int s = 0; s < n; s++) { etaNorm[s] = TensorPrimitives.Norm(w.AsSpan(s * hi, hi)); flipped[s] = false; }
            for (int k = i + 1; k <= dd; k++)
            {
                int hp = net.Widths[k - 1], hk = net.Widths[k];
                for (int s = 0; s < n; s++)
                {
                    var zr = z.AsSpan(s * hp, hp); var xr = clean.Row(k - 1, s);
                    for (int u = 0; u < hp && !flipped[s]; u++) if (zr[u] > 0 != xr[u] > 0) flipped[s] = true;
                }
                Propagation.NetworkStep(net, k, z, zn, n, p);
                Propagation.LinearStep(clean, k, w, wn, n, 0, 1, p);
                var ratio = draw.Ratio[i, k]; var fl = draw.Flipped[i, k];
                for (int s = 0; s < n; s++)
                {
                    fl[offset + s] = flipped[s] ? 1 : 0;
                    if (!flipped[s] || etaNorm[s] == 0) { ratio[offset + s] = double.PositiveInfinity; continue; }
                    double res2 = 0; var zr = zn.AsSpan(s * hk, hk); var xr = clean.Row(k, s); var wr = wn.AsSpan(s * hk, hk);
                    for (int u = 0; u < hk; u++) { double e = zr[u] - xr[u] - wr[u]; res2 += e * e; }
                    ratio[offset + s] = Robust.RatioForMin(etaNorm[s] * clean.XNorm[k][s], clean.XNorm[i][s] * Math.Sqrt(res2));
                }
                (z, zn) = (zn, z); (w, wn) = (wn, w);
            }
        }
    }
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
