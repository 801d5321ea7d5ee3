using System.Globalization;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>Which kl inequality the certificate inverts.</summary>
public enum CertificateBound
{
    /// <summary>PB-MAURER: kl(L̂‖L) ≤ (KL + ln(2√m/δ))/m (PBB's <c>compute_final_stats_risk</c>).</summary>
    Maurer,
    /// <summary>Dziugaite–Roy 2017: kl(L̂‖L) ≤ (KL + ln(m/δ))/(m − 1), i.e. with their grid weights (KL + 2 ln j + ln(π²m/(6δ)))/(m − 1).</summary>
    DziugaiteRoy,
}

/// <summary>How a certificate is computed.</summary>
public sealed record CertificateOptions
{
    /// <summary>δ of the PAC-Bayes step (before any prior-grid split).</summary>
    public double Delta { get; init; } = 0.025;
    /// <summary>δ′ of the Monte Carlo step.</summary>
    public double DeltaMonteCarlo { get; init; } = 0.01;
    /// <summary>Passes over the bound set; each pass draws an independent network per example (n = passes × m draws).</summary>
    public int Passes { get; init; } = 5;
    /// <summary>ln(2/δ′) (the papers' two-sided form) instead of the sufficient ln(1/δ′).</summary>
    public bool TwoSidedMonteCarlo { get; init; } = true;
    /// <summary>The kl inequality inverted.</summary>
    public CertificateBound Bound { get; init; } = CertificateBound.Maurer;
    /// <summary>
    /// Prior-variance grid when σ_P was chosen after seeing the bound set (learned): λ = σ_P² is rounded to its two
    /// neighbours λ_j, each paid with δ_j = 6δ/(π²j²). Null: σ_P was fixed before the bound set was seen.
    /// </summary>
    public PriorVarianceGrid? Grid { get; init; }
    /// <summary>
    /// K: set-ups (hyper-parameters, objectives, seeds) tried on this same bound set, the one certified chosen among them
    /// after seeing their results. Choosing by the certificate is data snooping unless every set-up's certificate holds
    /// at once, which a union bound buys: each pays δ/K and δ′/K. 1 = the set-up was fixed before the bound set was used.
    /// </summary>
    public int Configurations { get; init; } = 1;
    /// <summary>Seed of the Monte Carlo stream <c>pacbayes/certificate</c>.</summary>
    public ulong Seed { get; init; } = 1;
    /// <summary>Rows per forward chunk.</summary>
    public int Chunk { get; init; } = 1000;

    /// <summary>Throws <see cref="ArgumentException"/> for out-of-range values.</summary>
    public void Validate()
    {
        if (!(Delta > 0 && Delta < 1)) throw new ArgumentException($"δ must lie strictly between 0 and 1 (got {Delta})");
        if (!(DeltaMonteCarlo > 0 && DeltaMonteCarlo < 1)) throw new ArgumentException($"δ′ must lie strictly between 0 and 1 (got {DeltaMonteCarlo})");
        if (Delta + DeltaMonteCarlo >= 1) throw new ArgumentException($"δ + δ′ = {Delta + DeltaMonteCarlo} must be below 1");
        if (Passes < 1) throw new ArgumentException($"need at least one Monte Carlo pass (got {Passes})");
        if (Chunk < 1) throw new ArgumentException("chunk must be positive");
        if (Configurations < 1) throw new ArgumentException($"the number of set-ups tried must be ≥ 1 (got {Configurations})");
    }
}

/// <summary>
/// A certified upper bound on the 0-1 risk L(Q) of the randomised classifier Q (a fresh network drawn from Q for every
/// prediction), valid with probability ≥ 1 − (δ + δ′) over the bound set and the Monte Carlo draws.
/// </summary>
/// <param name="Certificate">The bound on L(Q).</param>
/// <param name="BoundSetSize">m: examples of the bound set (none of them used to choose the prior).</param>
/// <param name="MonteCarlo">Errors over the per-example draws on the bound set.</param>
/// <param name="EmpiricalRiskUpper">kl⁻¹↑(L̂_MC, ln(2/δ′)/n): upper bound on L̂_S(Q) from the Monte Carlo step.</param>
/// <param name="Kl">KL(Q‖P) at the prior scale used (double precision, from the materialised σ).</param>
/// <param name="PriorSigma">σ_P of the prior the bound uses (a grid point when a grid was used).</param>
/// <param name="GridIndex">j of the grid point (null without grid).</param>
/// <param name="DeltaPacBayes">δ_j actually used in the PAC-Bayes step (δ, or 6δ/(π²j²) with a grid).</param>
/// <param name="Delta">δ of the PAC-Bayes step.</param>
/// <param name="DeltaMonteCarlo">δ′.</param>
/// <param name="Bound">Inequality inverted.</param>
/// <param name="KlBudget">Right-hand side c of kl(L̂‖L) ≤ c.</param>
/// <param name="Statement">One-sentence statement with the δ split.</param>
public sealed record RiskCertificate(double Certificate, long BoundSetSize, StochasticErrors MonteCarlo, double EmpiricalRiskUpper, double Kl,
    double PriorSigma, long? GridIndex, double DeltaPacBayes, double Delta, double DeltaMonteCarlo, CertificateBound Bound, double KlBudget, string Statement)
{
    /// <summary>K of <see cref="CertificateOptions.Configurations"/>: the steps used δ/K and δ′/K.</summary>
    public int Configurations { get; init; } = 1;
}

/// <summary>
/// The risk certificate of catalog baseline-bounds §9: L(Q) ≤ kl⁻¹↑(kl⁻¹↑(L̂_MC, ln(2/δ′)/n), c) with c Maurer's
/// (KL + ln(2√m/δ))/m (or Dziugaite–Roy's), m = the size of the bound split — never the size of the whole data set
/// (PBB's code divides by the latter when the prior is learnt; catalog §11) — and the Monte Carlo estimate from
/// per-example posterior draws on that same split.
/// </summary>
public static class Certification
{
    /// <summary>Certifies <paramref name="posterior"/> against the prior N(<paramref name="priorMean"/>, σ_P² I) on <paramref name="boundSet"/>.</summary>
    public static RiskCertificate Certify(GaussianMlp posterior, Mlp priorMean, double priorSigma, Dataset boundSet, CertificateOptions options,
        ILinearAlgebraProvider la, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(priorMean);
        ArgumentNullException.ThrowIfNull(options);
        if (!(priorSigma > 0) || double.IsInfinity(priorSigma)) throw new ArgumentOutOfRangeException(nameof(priorSigma), priorSigma, "σ_P must be positive");
        var inv = CultureInfo.InvariantCulture;
        return Certify(posterior, boundSet, options, la, progress, priorSigma * priorSigma, lambda => posterior.Kl(priorMean, Math.Sqrt(lambda)),
            j => j is { } jj
                ? string.Format(inv, "; σ_P² rounded to grid point j = {0} of λ_j = {1}·e^(−j/{2}), paid with δ_j = 6δ/(π²j²)", jj, options.Grid!.Base, options.Grid.Precision)
                : "; σ_P fixed before the bound set was seen");
    }

    /// <summary>
    /// Certifies a diagonal Q = N(μ, diag σ²) (σ ≈ s) against the data-free subspace prior N(μ₀, s²I + τ²PPᵀ) of
    /// <paramref name="subspace"/> (docs/pacbayes.md §3b). τ² is chosen after training, so <see cref="CertificateOptions.Grid"/>
    /// is required: τ² is rounded to its two grid neighbours, each paid by the grid's union bound. The KL is exact for the
    /// stored float32 means (SubspaceKl.Value).
    /// </summary>
    public static RiskCertificate CertifySubspace(GaussianMlp posterior, Mlp origin, HashedSubspace subspace, double s, Dataset boundSet, CertificateOptions options,
        ILinearAlgebraProvider la, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(subspace);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Grid is null) throw new ArgumentException("the subspace prior's τ² is chosen after training: the certificate needs its grid");
        if (!(s > 0) || double.IsInfinity(s)) throw new ArgumentOutOfRangeException(nameof(s), s, "s must be positive");
        var (delta2, proj2) = subspace.Difference(posterior, origin);
        var (sumPhi, sumC2U) = subspace.VarianceTerms(posterior, s);
        double tau2 = Math.Max(SubspaceKl.BestTau2(proj2, subspace.Effective), 1e-300);
        var inv = CultureInfo.InvariantCulture;
        return Certify(posterior, boundSet, options, la, progress, tau2, lambda => SubspaceKl.Value(delta2, proj2, subspace.Effective, s, lambda, sumPhi, sumC2U),
            j => string.Format(inv, "; data-free subspace prior N(μ₀, s²I + τ²PPᵀ) with s = {0:G6}, P a seeded {1}-column hashed subspace (rank {2}), τ² rounded to grid point j = {3} of λ_j = {4}·e^(−j/{5}), paid with δ_j = 6δ/(π²j²)",
                s, subspace.Dimension, subspace.Effective, j, options.Grid.Base, options.Grid.Precision));
    }

    private static RiskCertificate Certify(GaussianMlp posterior, Dataset boundSet, CertificateOptions options, ILinearAlgebraProvider la, Action<int, int>? progress,
        double lambda, Func<double, double> klAt, Func<long?, string> priorText)
    {
        ArgumentNullException.ThrowIfNull(boundSet);
        options.Validate();
        long m = boundSet.Count;
        if (options.Bound == CertificateBound.Maurer && m < 8) throw new ArgumentException($"Maurer's bound needs a bound set of at least 8 examples (got {m})");
        if (m < 2) throw new ArgumentException($"the bound set needs at least 2 examples (got {m})");
        var mc = StochasticEvaluation.Evaluate(posterior, boundSet, options.Passes, new SeedStreams(options.Seed).Stream("pacbayes/certificate"), la, options.Chunk, progress);
        // Selection among K set-ups on this bound set: every set-up's two steps hold at once with δ/K and δ′/K each.
        double deltaPb = options.Delta / options.Configurations, deltaMc = options.DeltaMonteCarlo / options.Configurations;
        double inner = MonteCarloBounds.SampleConvergenceUpper(mc.Errors, mc.Draws, deltaMc, options.TwoSidedMonteCarlo);
        var candidates = new List<(double Lambda, long? J, double DeltaJ)>();
        if (options.Grid is { } grid)
        {
            var (lo, hi) = grid.Neighbours(lambda);
            foreach (long j in lo == hi ? new[] { lo } : new[] { lo, hi })
                candidates.Add((grid.Value(j), j, UnionBound.Polynomial(deltaPb, j)));
        }
        else candidates.Add((lambda, null, deltaPb));
        RiskCertificate? best = null;
        foreach (var (lam, j, deltaJ) in candidates)
        {
            double kl = klAt(lam);
            double c = options.Bound == CertificateBound.Maurer
                ? PacBayesBounds.MaurerBudget(kl, m, deltaJ)
                : (kl + Math.Log(m / deltaJ)) / (m - 1);
            double cert = BinaryKl.UpperInverse(inner, c);
            if (best is null || cert < best.Certificate)
                best = new RiskCertificate(cert, m, mc, inner, kl, Math.Sqrt(lam), j, deltaJ, options.Delta, options.DeltaMonteCarlo, options.Bound, c, "");
        }
        var inv = CultureInfo.InvariantCulture;
        string grid2 = priorText(best!.GridIndex) + (best.GridIndex is not null ? string.Format(inv, " = {0:G4}", best.DeltaPacBayes) : "");
        string chosen = options.Configurations > 1
            ? string.Format(inv, "; the set-up was chosen among {0} tried on this bound set, so each step is paid δ/{0} and δ′/{0} (union bound)", options.Configurations)
            : "";
        string stmt = string.Format(inv,
            "With probability ≥ 1 − {0:G4} (δ = {1:G4} PAC-Bayes + δ′ = {2:G4} Monte Carlo) over the {3} bound-set examples and the {4} per-example posterior draws, " +
            "the 0-1 risk of the randomised classifier is ≤ {5:G6} ({6} bound, m = {3}, KL = {7:G6}{8}).",
            options.Delta + options.DeltaMonteCarlo, options.Delta, options.DeltaMonteCarlo, m, mc.Draws, best.Certificate,
            options.Bound == CertificateBound.Maurer ? "Maurer" : "Dziugaite–Roy", best.Kl, grid2 + chosen);
        return best with { Statement = stmt, Configurations = options.Configurations };
    }
}
