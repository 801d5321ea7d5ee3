using GenBounds.Networks;

namespace GenBounds.PacBayes;

/// <summary>Outcome of <see cref="PosteriorRescaling.Minimise"/>.</summary>
/// <param name="KlBefore">KL(Q ‖ P) of the posterior as given (from its materialised float32 σ).</param>
/// <param name="KlAfter">KL(Q′ ‖ P) of the rescaled posterior as stored (float32 means and ρ).</param>
/// <param name="Sweeps">Block-coordinate sweeps run.</param>
/// <param name="OutputScale">Product of the global scales applied to the output layer.</param>
/// <param name="UnitScales">Per hidden layer, per unit: product of the scales α applied to that unit.</param>
public sealed record RescalingOutcome(double KlBefore, double KlAfter, int Sweeps, double OutputScale, double[][] UnitScales);

/// <summary>
/// Function-preserving rescaling of a diagonal-Gaussian posterior over a ReLU network that lowers its KL to a fixed
/// scalar-variance prior N(μ_P, σ_P² I) without changing the stochastic classifier (docs/pacbayes.md, "Rescaling the
/// posterior").
/// <para>
/// ReLU is positively homogeneous: multiplying the incoming weights and the bias of hidden unit j by α &gt; 0 and its
/// outgoing weights by 1/α leaves every network unchanged, and multiplying the whole output layer by α &gt; 0 multiplies
/// the logits by α and leaves the arg max unchanged. Applied to a Gaussian posterior (means and standard deviations
/// alike) the map T is a bijection of weight space with h(T(w)) = h(w) for every w, so Q′ = T#Q is again a diagonal
/// Gaussian whose every draw classifies as the corresponding draw of Q: L(Q′) = L(Q) exactly, on every distribution.
/// The prior does not move, so KL(Q′ ‖ P) differs from KL(Q ‖ P), and the posterior is ours to choose after seeing the
/// data: the certificate may use whichever of the two has the smaller KL. The certificate is still computed for the
/// stored Q′ itself (its KL and its own Monte Carlo draws), so rounding the rescaled values to float32 costs nothing in
/// soundness.
/// </para>
/// <para>
/// For one unit the KL as a function of α is f(α) = aα² − bα + c/α² − d/α + (n_out − n_in) ln α with
/// a = Σ_in (σ² + μ²)/(2σ_P²), b = Σ_in μ μ_P/σ_P², c, d the same sums over the outgoing weights; units of one layer
/// touch disjoint coordinates, so each layer is one exact block step (a scan of ln α over [−ln 16, ln 16] refined by
/// golden sections), the output layer's scale has the closed form α = (b + √(b² + 8an))/(4a), and sweeps repeat until
/// a sweep gains less than the tolerance. Every step lowers the KL; a step that would not is skipped.
/// </para>
/// </summary>
public static class PosteriorRescaling
{
    private const double MaxLogScale = 2.772588722239781; // ln 16: a unit rescaled further would point to a degenerate posterior

    /// <summary>Rescales <paramref name="q"/> in place; returns the KL before and after (never larger after: reverted otherwise).</summary>
    public static RescalingOutcome Minimise(GaussianMlp q, Mlp priorMean, double priorSigma, int maxSweeps = 200, double tolerance = 1e-3)
    {
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(priorMean);
        if (!priorMean.Architecture.Equals(q.Architecture)) throw new ArgumentException($"prior architecture {priorMean.Architecture} differs from {q.Architecture}");
        if (!(priorSigma > 0) || double.IsInfinity(priorSigma)) throw new ArgumentOutOfRangeException(nameof(priorSigma), priorSigma, "σ_P must be positive");
        if (maxSweeps < 0) throw new ArgumentOutOfRangeException(nameof(maxSweeps), maxSweeps, "need a non-negative sweep count");
        var arch = q.Architecture;
        int L = arch.Depth;
        double klBefore = q.Kl(priorMean, priorSigma);
        var original = q.Clone();
        var (sw, sb) = q.Sigmas();
        // Work in double; write float32 back once at the end.
        double[][] mw = q.WeightMeans.Select(ToDouble).ToArray(), mb = q.BiasMeans.Select(ToDouble).ToArray();
        double[][] vw = sw.Select(ToDouble).ToArray(), vb = sb.Select(ToDouble).ToArray();
        double[][] pw = priorMean.Layers.Select(x => ToDouble(x.Weight)).ToArray();
        double[][] pb = priorMean.Layers.Select(x => x.Bias is null ? Array.Empty<double>() : ToDouble(x.Bias)).ToArray();
        double inv2s2 = 1 / (2 * priorSigma * priorSigma), invs2 = 1 / (priorSigma * priorSigma);
        var unitScales = Enumerable.Range(0, L - 1).Select(h => Enumerable.Repeat(1.0, arch.LayerSizes[h + 1]).ToArray()).ToArray();
        double outputScale = 1;
        int sweeps = 0;
        for (; sweeps < maxSweeps; sweeps++)
        {
            double gain = 0;
            // Output layer: f(α) = aα² − bα − n ln α, minimised in closed form.
            {
                int o = L - 1;
                double a = 0, b = 0;
                Accumulate(mw[o], vw[o], pw[o], ref a, ref b);
                Accumulate(mb[o], vb[o], pb[o], ref a, ref b);
                a *= inv2s2; b *= invs2;
                double n = mw[o].Length + mb[o].Length;
                double alpha = (b + Math.Sqrt(b * b + 8 * a * n)) / (4 * a);
                double g = OutputGain(a, b, n, alpha);
                if (g > 0)
                {
                    Scale(mw[o], vw[o], alpha); Scale(mb[o], vb[o], alpha);
                    outputScale *= alpha; gain += g;
                }
            }
            // Hidden units, one layer (one exact block step) at a time.
            for (int h = 0; h < L - 1; h++)
            {
                int nIn = arch.LayerSizes[h], units = arch.LayerSizes[h + 1], nOut = arch.LayerSizes[h + 2];
                bool bias = mb[h].Length > 0;
                for (int j = 0; j < units; j++)
                {
                    double a = 0, b = 0, c = 0, d = 0;
                    var rowM = mw[h].AsSpan(j * nIn, nIn); var rowV = vw[h].AsSpan(j * nIn, nIn); var rowP = pw[h].AsSpan(j * nIn, nIn);
                    Accumulate(rowM, rowV, rowP, ref a, ref b);
                    if (bias) Accumulate(mb[h].AsSpan(j, 1), vb[h].AsSpan(j, 1), pb[h].AsSpan(j, 1), ref a, ref b);
                    for (int k = 0; k < nOut; k++)
                    {
                        int idx = k * units + j;
                        double mu = mw[h + 1][idx], s = vw[h + 1][idx];
                        c += s * s + mu * mu; d += mu * pw[h + 1][idx];
                    }
                    a *= inv2s2; b *= invs2; c *= inv2s2; d *= invs2;
                    var unit = new UnitCost(a, b, c, d, nOut - (nIn + (bias ? 1 : 0)));
                    double alpha = unit.Minimiser();
                    double g = unit.Value(0) - unit.Value(Math.Log(alpha));
                    if (!(g > 0)) continue;
                    for (int i = 0; i < nIn; i++) { rowM[i] *= alpha; rowV[i] *= alpha; }
                    if (bias) { mb[h][j] *= alpha; vb[h][j] *= alpha; }
                    for (int k = 0; k < nOut; k++) { int idx = k * units + j; mw[h + 1][idx] /= alpha; vw[h + 1][idx] /= alpha; }
                    unitScales[h][j] *= alpha; gain += g;
                }
            }
            if (gain < tolerance) { sweeps++; break; }
        }
        for (int l = 0; l < L; l++)
        {
            WriteBack(mw[l], vw[l], q.WeightMeans[l], q.WeightRhos[l]);
            WriteBack(mb[l], vb[l], q.BiasMeans[l], q.BiasRhos[l]);
        }
        double klAfter = q.Kl(priorMean, priorSigma);
        if (!(klAfter <= klBefore))
        {
            // float32 rounding of an (almost) zero gain: keep the posterior as it was.
            original.CopyTo(q);
            return new RescalingOutcome(klBefore, klBefore, sweeps, 1, unitScales.Select(u => Enumerable.Repeat(1.0, u.Length).ToArray()).ToArray());
        }
        return new RescalingOutcome(klBefore, klAfter, sweeps, outputScale, unitScales);
    }

    /// <summary>One hidden unit's KL as a function of t = ln α, up to a constant: a e^{2t} − b e^t + c e^{−2t} − d e^{−t} + k t.</summary>
    internal readonly record struct UnitCost(double A, double B, double C, double D, double K)
    {
        public double Value(double t)
        {
            double e = Math.Exp(t), ie = 1 / e;
            return A * e * e - B * e + C * ie * ie - D * ie + K * t;
        }

        /// <summary>The minimising α over [1/16, 16]: the best point of a 321-point scan of t, refined by golden sections.</summary>
        public double Minimiser()
        {
            const int steps = 320;
            double step = 2 * MaxLogScale / steps, bestT = 0, bestF = Value(0);
            for (int i = 0; i <= steps; i++)
            {
                double t = -MaxLogScale + i * step, f = Value(t);
                if (f < bestF) { bestF = f; bestT = t; }
            }
            double lo = Math.Max(-MaxLogScale, bestT - step), hi = Math.Min(MaxLogScale, bestT + step);
            double r = (Math.Sqrt(5) - 1) / 2, x1 = hi - r * (hi - lo), x2 = lo + r * (hi - lo), f1 = Value(x1), f2 = Value(x2);
            for (int it = 0; it < 60; it++)
            {
                if (f1 <= f2) { hi = x2; x2 = x1; f2 = f1; x1 = hi - r * (hi - lo); f1 = Value(x1); }
                else { lo = x1; x1 = x2; f1 = f2; x2 = lo + r * (hi - lo); f2 = Value(x2); }
            }
            double tRefined = f1 <= f2 ? x1 : x2;
            return Math.Exp(Value(tRefined) <= bestF ? tRefined : bestT);
        }
    }

    private static double OutputGain(double a, double b, double n, double alpha) => (a - b) - (a * alpha * alpha - b * alpha - n * Math.Log(alpha));

    private static void Accumulate(ReadOnlySpan<double> mu, ReadOnlySpan<double> sigma, ReadOnlySpan<double> prior, ref double a, ref double b)
    {
        for (int i = 0; i < mu.Length; i++) { a += sigma[i] * sigma[i] + mu[i] * mu[i]; b += mu[i] * prior[i]; }
    }

    private static void Scale(double[] mu, double[] sigma, double alpha)
    {
        for (int i = 0; i < mu.Length; i++) { mu[i] *= alpha; sigma[i] *= alpha; }
    }

    private static double[] ToDouble(float[] x) => Array.ConvertAll(x, v => (double)v);

    private static void WriteBack(double[] mu, double[] sigma, float[] muOut, float[] rhoOut)
    {
        for (int i = 0; i < mu.Length; i++)
        {
            muOut[i] = (float)mu[i];
            // σ that underflowed to 0 in float32 stays 0 under any scale: keep its ρ.
            if (sigma[i] > 0) rhoOut[i] = (float)Softplus.Inverse(sigma[i]);
        }
    }
}
