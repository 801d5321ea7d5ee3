using System.Text.Json;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.PacBayes;

/// <summary>Where the prior's mean comes from.</summary>
public enum PriorKind
{
    /// <summary>Data-free: the random initialisation (Dziugaite–Roy 2017; PBB's <c>rand</c>); every training example may enter the bound.</summary>
    DataFree,
    /// <summary>Learnt on a held-out prior split by ERM (PBB's <c>learnt</c>, Pérez-Ortiz et al. 2021); the bound uses only the rest.</summary>
    Learnt,
}

/// <summary>Where the posterior's mean starts.</summary>
public enum PosteriorStart
{
    /// <summary>At the prior mean (PBB).</summary>
    Prior,
    /// <summary>
    /// At a network trained by ERM on the posterior-training data from the prior's initialisation (Dziugaite–Roy 2017
    /// start from their SGD solution). Legitimate: the posterior may depend on the data in any way.
    /// </summary>
    Erm,
}

/// <summary>Which examples the posterior is trained on.</summary>
public enum PosteriorData
{
    /// <summary>All training data, prior split included (PBB; legitimate: only the prior must not see the bound split).</summary>
    All,
    /// <summary>Only the bound split: the objective's empirical risk is then the certificate's.</summary>
    BoundSet,
}

/// <summary>
/// A whole certified PAC-Bayes run: architecture, data transforms, prior, posterior training and certificate. Every
/// choice is recorded; <see cref="Key"/> identifies the run so that a checkpoint is only resumed by the same set-up.
/// </summary>
public sealed record CertifySetup
{
    /// <summary>Network shape (PBB's MNIST FCN: 784-600-600-600-10 with biases).</summary>
    public MlpArchitecture Architecture { get; init; } = new([784, 600, 600, 600, 10], bias: true);
    /// <summary>Prior kind.</summary>
    public PriorKind Prior { get; init; } = PriorKind.Learnt;
    /// <summary>Share of the training set used for the learnt prior (PBB: 0.5 in the example).</summary>
    public double PriorFraction { get; init; } = 0.5;
    /// <summary>ERM options of the learnt prior (and of the ERM posterior start); PBB: SGD lr 0.005, momentum 0.99, dropout 0.2.</summary>
    public TrainingOptions PriorTraining { get; init; } = new() { Optimizer = OptimizerKind.Sgd, LearningRate = 0.005, Momentum = 0.99, BatchSize = 250, Epochs = 30, Dropout = 0.2 };
    /// <summary>Random image translations of up to this many pixels in every ERM epoch of the learnt prior (0 = none; PBB: none).</summary>
    public int PriorShift { get; init; }
    /// <summary>σ_P of the prior N(μ_P, σ_P² I) (initial value when learned).</summary>
    public double PriorSigma { get; init; } = 0.03;
    /// <summary>Initial σ of the posterior; null = σ_P.</summary>
    public double? PosteriorSigma { get; init; }
    /// <summary>
    /// When set, the initial posterior σ of every coordinate is this factor times |μ| of the start (Dziugaite–Roy's code:
    /// log σ = log(2|w|), factor 2), floored at 1e-6; overrides <see cref="PosteriorSigma"/>.
    /// </summary>
    public double? PosteriorSigmaFactor { get; init; }
    /// <summary>Start of the posterior mean.</summary>
    public PosteriorStart PosteriorStart { get; init; } = PosteriorStart.Prior;
    /// <summary>Examples the posterior is trained on.</summary>
    public PosteriorData PosteriorData { get; init; } = PosteriorData.All;
    /// <summary>Posterior training.</summary>
    public PosteriorTrainingOptions Posterior { get; init; } = new();
    /// <summary>Certificate.</summary>
    public CertificateOptions Certificate { get; init; } = new();
    /// <summary>Monte Carlo passes over the test set for the stochastic test error.</summary>
    public int TestPasses { get; init; } = 1;
    /// <summary>Input normalisation (mean, std), or null for raw [0, 1] pixels (PBB: 0.1307, 0.3081).</summary>
    public (double Mean, double Std)? Normalization { get; init; } = (0.1307, 0.3081);
    /// <summary>Dziugaite–Roy's binary task (digits 0–4 vs 5–9).</summary>
    public bool BinaryDigits { get; init; }
    /// <summary>
    /// Rescale the trained posterior's hidden units (and its output layer) to the KL-minimising function-preserving
    /// scales before the certificate (<see cref="PosteriorRescaling"/>): the same stochastic classifier, a smaller KL.
    /// Applied after the last epoch, so it is not part of the checkpoint key: one trained posterior can be certified
    /// both ways.
    /// </summary>
    public bool RescalePosterior { get; init; }
    /// <summary>
    /// When set, the data-free prior is the subspace prior N(μ₀, s²I + τ²PPᵀ) of a seeded <see cref="HashedSubspace"/>
    /// with this many columns, and the posterior N(μ₀ + Pz, s²I) learns only z (docs/pacbayes.md §3b).
    /// </summary>
    public int? SubspaceDimension { get; init; }
    /// <summary>s: the isotropic noise of the subspace prior and of every posterior weight.</summary>
    public double SubspaceNoise { get; init; } = 0.01;
    /// <summary>Master seed: streams <c>init</c>, <c>data/prior-split</c>, <c>prior</c>, <c>pacbayes/…</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message for an inconsistent set-up.</summary>
    public void Validate()
    {
        if (Prior == PriorKind.Learnt && !(PriorFraction > 0 && PriorFraction < 1))
            throw new ArgumentException($"the prior fraction must lie strictly between 0 and 1 (got {PriorFraction})");
        if (!(PriorSigma > 0) || double.IsInfinity(PriorSigma)) throw new ArgumentException($"σ_P must be positive (got {PriorSigma})");
        if (PosteriorSigma is { } s && (!(s > 0) || double.IsInfinity(s))) throw new ArgumentException($"the posterior σ must be positive (got {s})");
        if (PosteriorSigmaFactor is { } f && (!(f > 0) || double.IsInfinity(f))) throw new ArgumentException($"the posterior σ factor must be positive (got {f})");
        if (TestPasses < 1) throw new ArgumentException($"test passes must be ≥ 1 (got {TestPasses})");
        if (PriorShift < 0) throw new ArgumentException($"the prior's shift augmentation must be ≥ 0 (got {PriorShift})");
        if (Normalization is { } n && (!(n.Std > 0) || !double.IsFinite(n.Mean))) throw new ArgumentException("normalisation needs a positive std");
        if (Posterior.LearnPriorScale && Certificate.Grid is null)
            throw new ArgumentException("a learned prior scale must be paid for: set the certificate's prior-variance grid");
        if (BinaryDigits && Architecture.OutputSize != 2) throw new ArgumentException($"the binary task needs 2 outputs, the architecture has {Architecture.OutputSize}");
        if (SubspaceDimension is { } dim)
        {
            if (Prior != PriorKind.DataFree) throw new ArgumentException("the subspace prior is data-free: use it with --prior data-free");
            if (dim < 1 || dim > Architecture.ParameterCount) throw new ArgumentException($"the subspace dimension must lie in 1..{Architecture.ParameterCount} (got {dim})");
            if (!(SubspaceNoise > 0) || double.IsInfinity(SubspaceNoise)) throw new ArgumentException($"the subspace noise s must be positive (got {SubspaceNoise})");
            if (RescalePosterior) throw new ArgumentException("rescaling would move the posterior out of the subspace: --rescale-posterior does not combine with --subspace");
            if (Posterior.LearnPriorScale) throw new ArgumentException("the subspace prior pays for τ² on its own grid: --learn-prior-sigma does not combine with --subspace");
            if (PosteriorStart != PosteriorStart.Prior) throw new ArgumentException("the subspace posterior starts at the prior mean (z = 0)");
            if (Certificate.Grid is null) throw new ArgumentException("the subspace prior's τ² is chosen after training: the certificate needs a grid");
        }
        PriorTraining.Validate();
        Posterior.Validate();
        Certificate.Validate();
    }

    /// <summary>A JSON string of the fields that determine the prior (architecture, prior kind and split, ERM options, seed, data transforms).</summary>
    public string PriorKey() => JsonSerializer.Serialize(new
    {
        architecture = Architecture.ToString(), prior = Prior.ToString(), PriorFraction, priorTraining = PriorTraining.Describe(), priorEpochs = PriorTraining.Epochs, PriorShift,
        normalization = Normalization is { } n ? $"{n.Mean},{n.Std}" : null, BinaryDigits, Seed,
    });

    /// <summary>
    /// A JSON string of every field that determines the run up to the posterior epoch count (the checkpoint key): a run
    /// may be resumed with more epochs than it was started with, and continues exactly where it stopped.
    /// </summary>
    public string Key() => JsonSerializer.Serialize(new
    {
        architecture = Architecture.ToString(), prior = Prior.ToString(), PriorFraction, priorTraining = PriorTraining.Describe(),
        priorEpochs = PriorTraining.Epochs, priorSeed = PriorTraining.Seed, PriorShift, PriorSigma, PosteriorSigma, PosteriorSigmaFactor, posteriorStart = PosteriorStart.ToString(),
        posterior = (Posterior with { Epochs = 0 }).Describe(), posteriorSeed = Posterior.Seed, posteriorData = PosteriorData.ToString(), objectiveM = Posterior.ObjectiveSampleSize,
        grid = Certificate.Grid is { } g ? $"{g.Base},{g.Precision}" : null,
        subspace = SubspaceDimension is { } sd ? $"{sd},{SubspaceNoise.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}" : null,
        normalization = Normalization is { } n ? $"{n.Mean},{n.Std}" : null, BinaryDigits, Seed,
    });
}
