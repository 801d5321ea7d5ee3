namespace GenBounds.PacBayes;

/// <summary>PAC-Bayes training objective (Pérez-Ortiz et al. 2021, PBB's <c>bounds.py</c>).</summary>
public enum ObjectiveKind
{
    /// <summary>f-quad: (√(L̂ + a) + √a)², a = (κ·KL + ln(2√m/δ))/(2m).</summary>
    Quad,
    /// <summary>f-λ: L̂/(1 − λ/2) + (κ·KL + ln(2√m/δ))/(mλ(1 − λ/2)), at the minimising λ of each step (PBB learns λ by SGD).</summary>
    Lambda,
    /// <summary>f-classic: L̂ + √a.</summary>
    Classic,
}

/// <summary>Value of an objective and its partial derivatives in the empirical risk and in KL.</summary>
/// <param name="Value">The objective.</param>
/// <param name="DRisk">∂/∂L̂.</param>
/// <param name="DKl">∂/∂KL (includes the KL penalty κ).</param>
/// <param name="Lambda">λ used (f-λ only; NaN otherwise).</param>
public readonly record struct ObjectiveValue(double Value, double DRisk, double DKl, double Lambda);

/// <summary>
/// The training objectives as differentiable functions of a surrogate empirical risk r (a bounded cross-entropy on a
/// mini-batch) and KL(Q‖P). κ (PBB's <c>kl_penalty</c>) scales KL inside the objective only; certificates always use
/// the full KL. The objectives are upper bounds on the risk only when r is a [0, 1] loss and κ = 1.
/// </summary>
public static class TrainingObjective
{
    /// <summary>Evaluates objective <paramref name="kind"/> at (r, KL) for m points, confidence δ and KL penalty κ.</summary>
    public static ObjectiveValue Evaluate(ObjectiveKind kind, double risk, double kl, long m, double delta, double klPenalty = 1)
    {
        if (!(risk >= 0) || double.IsInfinity(risk)) throw new ArgumentOutOfRangeException(nameof(risk), risk, "the surrogate risk must be finite and ≥ 0");
        if (!(kl >= 0) || double.IsInfinity(kl)) throw new ArgumentOutOfRangeException(nameof(kl), kl, "KL must be finite and ≥ 0");
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, "m must be positive");
        ConfidenceBudget.CheckDelta(delta, nameof(delta));
        if (!(klPenalty > 0) || double.IsInfinity(klPenalty)) throw new ArgumentOutOfRangeException(nameof(klPenalty), klPenalty, "the KL penalty must be positive");
        double b = klPenalty * kl + Math.Log(2 * Math.Sqrt(m) / delta);
        double a = b / (2.0 * m), dadkl = klPenalty / (2.0 * m);
        switch (kind)
        {
            case ObjectiveKind.Quad:
            {
                double s = Math.Sqrt(risk + a), t = Math.Sqrt(a), u = s + t;
                return new ObjectiveValue(u * u, u / s, u * u / (s * t) * dadkl, double.NaN);
            }
            case ObjectiveKind.Classic:
            {
                double t = Math.Sqrt(a);
                return new ObjectiveValue(risk + t, 1, dadkl / (2 * t), double.NaN);
            }
            case ObjectiveKind.Lambda:
            {
                // λ* = 2/(√(2mr/B + 1) + 1) minimises the convex objective; by the envelope theorem the gradient at λ*
                // is the partial gradient with λ held fixed.
                double lambda = 2 / (Math.Sqrt(2 * m * risk / b + 1) + 1), h = 1 - lambda / 2;
                double value = risk / h + b / (m * lambda * h);
                return new ObjectiveValue(value, 1 / h, klPenalty / (m * lambda * h), lambda);
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown objective");
        }
    }

    /// <summary>Parses <c>fquad</c>/<c>quad</c>, <c>flamb</c>/<c>lambda</c>, <c>fclassic</c>/<c>classic</c>.</summary>
    public static ObjectiveKind Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "fquad" or "quad" or "f-quad" => ObjectiveKind.Quad,
        "flamb" or "flambda" or "lambda" or "f-lambda" or "f-λ" => ObjectiveKind.Lambda,
        "fclassic" or "classic" or "f-classic" => ObjectiveKind.Classic,
        _ => throw new FormatException($"unknown objective '{name}' (expected fquad, flamb or fclassic)"),
    };
}
