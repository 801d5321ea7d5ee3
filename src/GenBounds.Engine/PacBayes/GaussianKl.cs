namespace GenBounds.PacBayes;

/// <summary>
/// KL divergences between Gaussian distributions over parameter vectors, summed over coordinates and accumulated in
/// double precision (catalog baseline-bounds §7). Posterior Q = N(μ_Q, diag σ_Q²); the prior is diagonal
/// (per-coordinate σ_P), isotropic (one variance λ for all coordinates, Dziugaite–Roy) or shares the posterior's
/// variances (Neyshabur et al., Muthukumar–Sulam).
/// </summary>
public static class GaussianKl
{
    /// <summary>KL(N(μ_q, σ_q²) ‖ N(μ_p, σ_p²)) = ½[ln(σ_p²/σ_q²) + (σ_q² + (μ_q − μ_p)²)/σ_p² − 1] for one coordinate.</summary>
    public static double Univariate(double muQ, double sigmaQ, double muP, double sigmaP)
    {
        CheckSigma(sigmaQ, nameof(sigmaQ));
        CheckSigma(sigmaP, nameof(sigmaP));
        double r = sigmaQ / sigmaP, d = (muQ - muP) / sigmaP;
        // ln(σ_p²/σ_q²) + r² − 1 = r² − 1 − ln r², written so that it stays ≥ 0 and accurate when σ_q ≈ σ_p.
        double t = r * r - 1;
        double varPart = t - MathEx.Log1P(t);
        return 0.5 * (Math.Max(0, varPart) + d * d);
    }

    /// <summary>Σ_j KL(N(μ_Q,j, σ_Q,j²) ‖ N(μ_P,j, σ_P,j²)): diagonal posterior against a diagonal prior (PBB's <c>compute_kl</c>).</summary>
    public static double Diagonal(ReadOnlySpan<float> muQ, ReadOnlySpan<float> sigmaQ, ReadOnlySpan<float> muP, ReadOnlySpan<float> sigmaP)
    {
        CheckLengths(muQ.Length, sigmaQ.Length, muP.Length, sigmaP.Length);
        double s = 0;
        for (int j = 0; j < muQ.Length; j++) s += Univariate(muQ[j], sigmaQ[j], muP[j], sigmaP[j]);
        return s;
    }

    /// <summary>Double-precision overload of <see cref="Diagonal(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float})"/>.</summary>
    public static double Diagonal(ReadOnlySpan<double> muQ, ReadOnlySpan<double> sigmaQ, ReadOnlySpan<double> muP, ReadOnlySpan<double> sigmaP)
    {
        CheckLengths(muQ.Length, sigmaQ.Length, muP.Length, sigmaP.Length);
        double s = 0;
        for (int j = 0; j < muQ.Length; j++) s += Univariate(muQ[j], sigmaQ[j], muP[j], sigmaP[j]);
        return s;
    }

    /// <summary>
    /// Σ_j KL(N(μ_Q,j, σ_Q,j²) ‖ N(μ_P,j, σ_P²)) with one prior scale σ_P for every coordinate, equal to Dziugaite–Roy's
    /// ½[(‖σ_Q‖² + ‖μ_Q − μ_P‖²)/λ − N + N ln λ − Σ_j ln σ_Q,j²] with λ = σ_P² (their <c>KLdivTimes2/2</c>).
    /// </summary>
    public static double ScalarPrior(ReadOnlySpan<float> muQ, ReadOnlySpan<float> sigmaQ, ReadOnlySpan<float> muP, double sigmaP)
    {
        CheckLengths(muQ.Length, sigmaQ.Length, muP.Length, muQ.Length);
        CheckSigma(sigmaP, nameof(sigmaP));
        double s = 0;
        for (int j = 0; j < muQ.Length; j++) s += Univariate(muQ[j], sigmaQ[j], muP[j], sigmaP);
        return s;
    }

    /// <summary>The isotropic prior N(μ_P, λI) of Dziugaite–Roy, λ = prior variance: <see cref="ScalarPrior"/> with σ_P = √λ.</summary>
    public static double Isotropic(ReadOnlySpan<float> muQ, ReadOnlySpan<float> sigmaQ, ReadOnlySpan<float> muP, double lambda)
    {
        if (!(lambda > 0) || double.IsInfinity(lambda)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "the prior variance λ must be positive and finite");
        return ScalarPrior(muQ, sigmaQ, muP, Math.Sqrt(lambda));
    }

    /// <summary>Equal posterior and prior variances σ² (per coordinate or shared): Σ_j (μ_Q,j − μ_P,j)²/(2σ²).</summary>
    public static double EqualVariance(ReadOnlySpan<float> muQ, ReadOnlySpan<float> muP, double sigma)
    {
        CheckLengths(muQ.Length, muP.Length, muQ.Length, muQ.Length);
        CheckSigma(sigma, nameof(sigma));
        double s = 0;
        for (int j = 0; j < muQ.Length; j++) { double d = (double)muQ[j] - muP[j]; s += d * d; }
        return s / (2 * sigma * sigma);
    }

    private static void CheckLengths(int a, int b, int c, int d)
    {
        if (a != b || a != c || a != d) throw new ArgumentException($"parameter vectors differ in length ({a}, {b}, {c}, {d})");
    }

    private static void CheckSigma(double s, string name)
    {
        if (!(s > 0) || double.IsInfinity(s)) throw new ArgumentOutOfRangeException(name, s, $"standard deviation {name} must be positive and finite");
    }
}
