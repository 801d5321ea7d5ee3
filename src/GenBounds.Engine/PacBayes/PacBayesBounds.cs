namespace GenBounds.PacBayes;

/// <summary>Which PAC-Bayes bound (catalog baseline-bounds §7).</summary>
public enum PacBayesBoundKind
{
    /// <summary>PB-MCA99, McAllester (1999/2003): L̂ + √((KL + ln(1/δ) + ln m + 2)/(2m − 1)) (RECALLED form).</summary>
    McAllester,
    /// <summary>PB-SSBD, Shalev-Shwartz &amp; Ben-David (2014) Thm 31.1: L̂ + √((KL + ln(m/δ))/(2(m − 1))).</summary>
    ShalevShwartzBenDavid,
    /// <summary>PB-KL, Langford–Seeger (Seeger 2002): kl(L̂‖L) ≤ (KL + ln((m+1)/δ))/m, inverted (RECALLED form).</summary>
    SeegerLangford,
    /// <summary>PB-MAURER, Maurer (2004), m ≥ 8: kl(L̂‖L) ≤ (KL + ln(2√m/δ))/m, inverted. The tightest of the family.</summary>
    Maurer,
    /// <summary>PB-CLASSIC (PBB "fclassic"): Pinsker relaxation of Maurer, L̂ + √((KL + ln(2√m/δ))/(2m)).</summary>
    Classic,
    /// <summary>PB-QUAD (PBB "fquad"): (√(L̂ + B/2m) + √(B/2m))², B = KL + ln(2√m/δ).</summary>
    Quad,
    /// <summary>PB-LAMBDA (Thiemann et al. 2017; PBB "flamb") at the optimal λ (valid for all λ at once).</summary>
    Lambda,
    /// <summary>PB-CATONI, Catoni (2007) Thm 1.2.6, best C of a grid paid for by a union bound (RECALLED form).</summary>
    Catoni,
}

/// <summary>Result of a Catoni bound optimised over a grid of C values.</summary>
/// <param name="Bound">The smallest bound over the grid, each evaluated at confidence δ/|grid|.</param>
/// <param name="C">The C that attains it.</param>
/// <param name="GridSize">|grid| (the union bound's divisor).</param>
public sealed record CatoniResult(double Bound, double C, int GridSize);

/// <summary>
/// PAC-Bayes bounds on the risk L(Q) of a randomised classifier from its empirical risk L̂_S(Q) ∈ [0, 1] on the m
/// points of S (the points the prior did not see), KL = KL(Q‖P) ≥ 0 and confidence δ ∈ (0, 1). Every bound holds with
/// probability ≥ 1 − δ over S simultaneously for all Q, so Q may be optimised on S; the prior may not (pay a union
/// bound, <see cref="ConfidenceBudget"/>). Values above 1 are returned as computed (vacuous). Statements and tags are
/// those of catalog baseline-bounds §7; the inequality chain Maurer ≤ Quad, Lambda, Classic holds for equal inputs.
/// </summary>
public static class PacBayesBounds
{
    /// <summary>The bound of kind <paramref name="kind"/> (Catoni: the default grid of <see cref="DefaultCatoniGrid"/>).</summary>
    public static double Evaluate(PacBayesBoundKind kind, double risk, double kl, long m, double delta) => kind switch
    {
        PacBayesBoundKind.McAllester => McAllester(risk, kl, m, delta),
        PacBayesBoundKind.ShalevShwartzBenDavid => ShalevShwartzBenDavid(risk, kl, m, delta),
        PacBayesBoundKind.SeegerLangford => SeegerLangford(risk, kl, m, delta),
        PacBayesBoundKind.Maurer => Maurer(risk, kl, m, delta),
        PacBayesBoundKind.Classic => Classic(risk, kl, m, delta),
        PacBayesBoundKind.Quad => Quad(risk, kl, m, delta),
        PacBayesBoundKind.Lambda => LambdaOptimal(risk, kl, m, delta).Bound,
        PacBayesBoundKind.Catoni => CatoniGrid(risk, kl, m, delta, DefaultCatoniGrid).Bound,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown bound"),
    };

    /// <summary>PB-MCA99: L̂ + √((KL + ln(1/δ) + ln m + 2)/(2m − 1)).</summary>
    public static double McAllester(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        return risk + Math.Sqrt((kl + Math.Log(1 / delta) + Math.Log(m) + 2) / (2.0 * m - 1));
    }

    /// <summary>PB-SSBD: L̂ + √((KL + ln(m/δ))/(2(m − 1))), m ≥ 2.</summary>
    public static double ShalevShwartzBenDavid(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        if (m < 2) throw new ArgumentOutOfRangeException(nameof(m), m, "the bound needs m ≥ 2");
        return risk + Math.Sqrt((kl + Math.Log(m / delta)) / (2.0 * (m - 1)));
    }

    /// <summary>PB-KL: kl⁻¹↑(L̂, (KL + ln((m+1)/δ))/m).</summary>
    public static double SeegerLangford(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        return BinaryKl.UpperInverse(risk, (kl + Math.Log((m + 1.0) / delta)) / m);
    }

    /// <summary>The right-hand side B/m = (KL + ln(2√m/δ))/m of Maurer's kl inequality.</summary>
    public static double MaurerBudget(double kl, long m, double delta)
    {
        Check(0, kl, m, delta);
        return (kl + Math.Log(2 * Math.Sqrt(m) / delta)) / m;
    }

    /// <summary>PB-MAURER: kl⁻¹↑(L̂, (KL + ln(2√m/δ))/m), m ≥ 8 (certified inverse).</summary>
    public static double Maurer(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        RequireMaurer(m);
        return BinaryKl.UpperInverse(risk, MaurerBudget(kl, m, delta));
    }

    /// <summary>PB-CLASSIC: L̂ + √((KL + ln(2√m/δ))/(2m)), m ≥ 8.</summary>
    public static double Classic(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        RequireMaurer(m);
        return risk + Math.Sqrt(MaurerBudget(kl, m, delta) / 2);
    }

    /// <summary>PB-QUAD: (√(L̂ + B/(2m)) + √(B/(2m)))², B = KL + ln(2√m/δ), m ≥ 8.</summary>
    public static double Quad(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        RequireMaurer(m);
        double a = MaurerBudget(kl, m, delta) / 2;
        double s = Math.Sqrt(risk + a) + Math.Sqrt(a);
        return s * s;
    }

    /// <summary>PB-LAMBDA at a fixed λ ∈ (0, 2): L̂/(1 − λ/2) + B/(m λ (1 − λ/2)), m ≥ 8.</summary>
    public static double Lambda(double risk, double kl, long m, double delta, double lambda)
    {
        Check(risk, kl, m, delta);
        RequireMaurer(m);
        if (!(lambda > 0 && lambda < 2)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must lie in (0, 2)");
        double b = MaurerBudget(kl, m, delta);
        return risk / (1 - lambda / 2) + b / (lambda * (1 - lambda / 2));
    }

    /// <summary>
    /// PB-LAMBDA at its minimising λ* = 2/(√(2mL̂/B + 1) + 1) (Thiemann et al. 2017; stationary point of the convex
    /// objective in t = λ/2). Legitimate without a union bound: the inequality holds for all λ simultaneously.
    /// </summary>
    public static (double Bound, double Lambda) LambdaOptimal(double risk, double kl, long m, double delta)
    {
        Check(risk, kl, m, delta);
        RequireMaurer(m);
        double budget = MaurerBudget(kl, m, delta);
        double lambda = 2 / (Math.Sqrt(2 * risk / budget + 1) + 1);
        return (Lambda(risk, kl, m, delta, lambda), lambda);
    }

    /// <summary>PB-CATONI at a fixed C &gt; 0: (1 − exp(−C L̂ − (KL + ln(1/δ))/m))/(1 − e^{−C}).</summary>
    public static double Catoni(double risk, double kl, long m, double delta, double c)
    {
        Check(risk, kl, m, delta);
        if (!(c > 0) || double.IsInfinity(c)) throw new ArgumentOutOfRangeException(nameof(c), c, "C must be positive and finite");
        return -MathEx.ExpM1(-c * risk - (kl + Math.Log(1 / delta)) / m) / -MathEx.ExpM1(-c);
    }

    /// <summary>
    /// PB-CATONI minimised over <paramref name="grid"/>: each C is evaluated at confidence δ/|grid| (union bound), so the
    /// minimum holds with probability ≥ 1 − δ. The grid must be fixed before S is seen.
    /// </summary>
    public static CatoniResult CatoniGrid(double risk, double kl, long m, double delta, IReadOnlyList<double> grid)
    {
        Check(risk, kl, m, delta);
        ArgumentNullException.ThrowIfNull(grid);
        if (grid.Count == 0) throw new ArgumentException("the Catoni grid is empty", nameof(grid));
        double share = delta / grid.Count, best = double.PositiveInfinity, bestC = double.NaN;
        foreach (double c in grid)
        {
            double b = Catoni(risk, kl, m, share, c);
            if (b < best) { best = b; bestC = c; }
        }
        return new CatoniResult(best, bestC, grid.Count);
    }

    /// <summary>A fixed geometric grid of Catoni's C: 2^{k/4}, k = −16…40 (57 values from 1/16 to 1024).</summary>
    public static IReadOnlyList<double> DefaultCatoniGrid { get; } = Enumerable.Range(-16, 57).Select(k => Math.Pow(2, k / 4.0)).ToArray();

    private static void RequireMaurer(long m)
    {
        if (m < 8) throw new ArgumentOutOfRangeException(nameof(m), m, "Maurer's bound (and its relaxations) needs m ≥ 8");
    }

    internal static void Check(double risk, double kl, long m, double delta)
    {
        if (!(risk >= 0 && risk <= 1)) throw new ArgumentOutOfRangeException(nameof(risk), risk, "the empirical risk must lie in [0, 1]");
        if (!(kl >= 0) || double.IsPositiveInfinity(kl)) throw new ArgumentOutOfRangeException(nameof(kl), kl, "KL(Q‖P) must be finite and ≥ 0");
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, "the sample size m must be positive");
        ConfidenceBudget.CheckDelta(delta, nameof(delta));
    }
}
