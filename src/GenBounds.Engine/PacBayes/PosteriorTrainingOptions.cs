using System.Globalization;
using GenBounds.Training;

namespace GenBounds.PacBayes;

/// <summary>
/// Every knob of a posterior-training run (PAC-Bayes with backprop). Defaults follow PBB's MNIST example
/// (<c>running_example.py</c>: batch 250, SGD lr 0.001 momentum 0.95, p_min 1e-5, δ = 0.025) unless stated.
/// </summary>
public sealed record PosteriorTrainingOptions
{
    /// <summary>Training objective.</summary>
    public ObjectiveKind Objective { get; init; } = ObjectiveKind.Quad;
    /// <summary>Passes over the posterior-training data.</summary>
    public int Epochs { get; init; } = 10;
    /// <summary>Mini-batch size.</summary>
    public int BatchSize { get; init; } = 250;
    /// <summary>Optimiser of μ, ρ (and of ln σ_P when learned).</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Sgd;
    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>
    /// Multiplier of the learning rate of ρ (the posterior scales) relative to that of μ. With σ = softplus(ρ) the
    /// gradient in ρ carries a factor sigmoid(ρ) ≈ σ, so with small σ plain SGD barely moves the scales.
    /// </summary>
    public double RhoLearningRateFactor { get; init; } = 1;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.95;
    /// <summary>Adam β₁.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>Adam β₂.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Adam ε.</summary>
    public double Epsilon { get; init; } = 1e-8;
    /// <summary>δ inside the objective (a training heuristic; the certificate states its own δ).</summary>
    public double Delta { get; init; } = 0.025;
    /// <summary>κ multiplying KL inside the objective (PBB's <c>kl_penalty</c>); certificates always use the full KL.</summary>
    public double KlPenalty { get; init; } = 1;
    /// <summary>p_min of the bounded cross-entropy.</summary>
    public double PMin { get; init; } = 1e-5;
    /// <summary>m inside the objective; null = the size of the posterior-training set (PBB's <c>n_posterior</c>).</summary>
    public long? ObjectiveSampleSize { get; init; }
    /// <summary>
    /// Learn the prior scale σ_P jointly (Dziugaite–Roy 2017's learned prior variance λ = σ_P²); the certificate then
    /// rounds λ to <see cref="PriorVarianceGrid"/> and pays for the grid with a union bound.
    /// </summary>
    public bool LearnPriorScale { get; init; }
    /// <summary>Grid of prior variances used when <see cref="LearnPriorScale"/> is on (Dziugaite–Roy: c = 0.1, b = 100).</summary>
    public PriorVarianceGrid PriorGrid { get; init; } = new();
    /// <summary>Master seed: streams <c>pacbayes/posterior/data-order/epoch-e</c> and <c>pacbayes/posterior/noise/epoch-e</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message for out-of-range values.</summary>
    public void Validate()
    {
        if (Epochs < 0) throw new ArgumentException($"posterior epochs must be ≥ 0 (got {Epochs})");
        if (BatchSize <= 0) throw new ArgumentException($"batch size must be positive (got {BatchSize})");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"learning rate must be positive (got {LearningRate})");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"momentum must be in [0, 1) (got {Momentum})");
        if (!(RhoLearningRateFactor > 0) || double.IsInfinity(RhoLearningRateFactor)) throw new ArgumentException($"the ρ learning-rate factor must be positive (got {RhoLearningRateFactor})");
        if (!(Delta > 0 && Delta < 1)) throw new ArgumentException($"δ must lie strictly between 0 and 1 (got {Delta})");
        if (!(KlPenalty > 0) || double.IsInfinity(KlPenalty)) throw new ArgumentException($"the KL penalty must be positive (got {KlPenalty})");
        if (!(PMin > 0 && PMin < 1)) throw new ArgumentException($"p_min must lie in (0, 1) (got {PMin})");
        if (ObjectiveSampleSize is { } m && m < 8) throw new ArgumentException($"the objective's m must be ≥ 8 (got {m})");
        if (Beta1 < 0 || Beta1 >= 1 || Beta2 < 0 || Beta2 >= 1 || !(Epsilon > 0)) throw new ArgumentException("Adam β₁, β₂ must be in [0, 1) and ε positive");
    }

    /// <summary>One-line description for reports.</summary>
    public string Describe()
    {
        var inv = CultureInfo.InvariantCulture;
        string opt = Optimizer == OptimizerKind.Adam
            ? string.Format(inv, "adam(lr={0}, b1={1}, b2={2})", LearningRate, Beta1, Beta2)
            : string.Format(inv, "sgd(lr={0}, momentum={1})", LearningRate, Momentum);
        return string.Format(inv, "{0} objective, {1}, batch {2}, {3} epochs, kl-penalty {4}, p_min {5}, delta {6}{7}{8}",
            Objective.ToString().ToLowerInvariant(), opt, BatchSize, Epochs, KlPenalty, PMin, Delta, LearnPriorScale ? ", learned prior scale" : "",
            RhoLearningRateFactor != 1 ? string.Format(inv, ", rho lr x{0}", RhoLearningRateFactor) : "");
    }
}
