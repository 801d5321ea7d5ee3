using System.ComponentModel;

namespace GenBounds.Training;

/// <summary>Optimiser family.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with (heavy-ball) momentum, PyTorch semantics: b ← μb + g; p ← p − lr·b.</summary>
    Sgd,
    /// <summary>Adam (Kingma &amp; Ba), PyTorch semantics with L2 weight decay added to the gradient (not AdamW).</summary>
    Adam,
}

/// <summary>How the first layer of an MLP multiplies by its inputs (see <see cref="TrainingOptions.InputSparsity"/>).</summary>
public enum InputSparsity
{
    /// <summary>Sparse when at least half of the training features are zeros.</summary>
    Auto,
    /// <summary>Always by the nonzeros only.</summary>
    Sparse,
    /// <summary>Always dense GEMMs.</summary>
    Dense,
}

/// <summary>
/// Every knob of a training run. Immutable; the run is reproducible from these values, the data and the thread count.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>Number of passes over the training set.</summary>
    [Description("number of epochs")] public int Epochs { get; init; } = 5;
    /// <summary>Mini-batch size; the last batch of an epoch may be smaller (PyTorch drop_last=False).</summary>
    [Description("mini-batch size")] public int BatchSize { get; init; } = 128;
    /// <summary>Optimiser.</summary>
    [Description("optimiser: adam or sgd")] public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;
    /// <summary>Learning rate.</summary>
    [Description("learning rate")] public double LearningRate { get; init; } = 1e-3;
    /// <summary>SGD momentum μ (ignored by Adam).</summary>
    [Description("SGD momentum")] public double Momentum { get; init; } = 0.9;
    /// <summary>L2 weight decay coefficient added to the gradient as wd·p (PyTorch <c>weight_decay</c>).</summary>
    [Description("L2 weight decay")] public double WeightDecay { get; init; }
    /// <summary>Adam β₁.</summary>
    [Description("Adam beta1")] public double Beta1 { get; init; } = 0.9;
    /// <summary>Adam β₂.</summary>
    [Description("Adam beta2")] public double Beta2 { get; init; } = 0.999;
    /// <summary>Adam ε.</summary>
    [Description("Adam epsilon")] public double Epsilon { get; init; } = 1e-8;
    /// <summary>
    /// λ of the penalty λ/(K+1)·Σ_k ‖W_k − W_prior,k‖²_F toward <see cref="Prior"/> (K+1 = number of weight layers), as used
    /// to train the posterior mean of PAC-Bayes bounds with data-dependent priors. 0 disables it. Applies to weights and biases.
    /// </summary>
    [Description("lambda of the L2 penalty toward the prior network")] public double PriorPenalty { get; init; }
    /// <summary>Reference network of the prior penalty (same architecture), or null.</summary>
    public Networks.Mlp? Prior { get; init; }
    /// <summary>Reference network of the prior penalty for any sequential network (takes precedence over <see cref="Prior"/>), or null.</summary>
    public Networks.Network? PriorNetwork { get; init; }
    /// <summary>
    /// Threads that share each convolution's sample blocks (1 = everything on the calling thread, BLAS aside). Results are
    /// reproducible for a given value; with more than one worker the BLAS should run single-threaded (the CLI arranges it).
    /// For an MLP a value above 1 is the size of the trainer's worker team; at 1 the team has as many threads as BLAS (see
    /// <see cref="Trainer.Threads"/>), and the trainer makes BLAS single-threaded itself while the team runs.
    /// </summary>
    [Description("threads sharing convolution blocks (MLPs: worker team size when above 1)")] public int Workers { get; init; } = 1;
    /// <summary>Inverted-dropout rate on the hidden activations during training (0 = off; PBB's learnt prior uses 0.2).</summary>
    [Description("dropout rate on hidden activations")] public double Dropout { get; init; }
    /// <summary>
    /// Stop after this many optimiser steps (0 = no limit): a step budget such as Muthukumar &amp; Sulam's "SGD, 5,000 steps,
    /// batch 100" (SULAM-X1). The last epoch may then be partial; <see cref="Epochs"/> still caps the number of epochs.
    /// </summary>
    [Description("maximum optimiser steps (0 = no limit)")] public long MaxSteps { get; init; }
    /// <summary>
    /// How an MLP's first layer uses its input (the worker-team path; other networks ignore it): <c>Auto</c> multiplies by
    /// the inputs' nonzeros only (<see cref="SparseProduct"/>, W₀ held input-major during the epoch) when at least half of
    /// the training features are exact zeros, as MNIST's 81% are, and uses dense GEMMs otherwise; <c>Sparse</c> and
    /// <c>Dense</c> force one. The two compute the same products in a different summation order (last-bit differences).
    /// </summary>
    [Description("first-layer input products: auto, sparse or dense")] public InputSparsity InputSparsity { get; init; } = InputSparsity.Auto;
    /// <summary>
    /// How an MLP's hidden layers (l ≥ 1) use their ReLU inputs (the worker-team path): <c>Auto</c> holds every hidden layer
    /// with at least 64 outputs input-major during the epoch and multiplies a batch by its input's nonzeros only
    /// (<see cref="SparseProduct"/>) when the previous batch's input had under 40% nonzeros — ReLU layers of trained nets
    /// often have fewer — and by dense GEMMs otherwise (the first batch of every epoch sparse); <c>Sparse</c> holds every
    /// hidden layer input-major and always multiplies sparsely; <c>Dense</c> leaves them as they are. Like
    /// <see cref="InputSparsity"/>, the routes differ only in summation order. A layer held input-major keeps a second copy
    /// of its weights and optimiser moments during the epoch (12 MB for a 1000×1000 layer under Adam).
    /// </summary>
    [Description("hidden-layer products: auto, sparse or dense")] public InputSparsity ActivationSparsity { get; init; } = InputSparsity.Auto;
    /// <summary>Master seed; split into the named streams <c>init</c> and <c>data-order</c>.</summary>
    [Description("master seed")] public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> with a clear message if any value is out of range.</summary>
    public void Validate()
    {
        if (Epochs < 0) throw new ArgumentException($"epochs must be ≥ 0 (got {Epochs})");
        if (BatchSize <= 0) throw new ArgumentException($"batch size must be positive (got {BatchSize})");
        if (Workers < 1) throw new ArgumentException($"workers must be at least 1 (got {Workers})");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentException($"learning rate must be a positive number (got {LearningRate})");
        if (Momentum < 0 || Momentum >= 1) throw new ArgumentException($"momentum must be in [0, 1) (got {Momentum})");
        if (WeightDecay < 0) throw new ArgumentException($"weight decay must be ≥ 0 (got {WeightDecay})");
        if (Beta1 < 0 || Beta1 >= 1 || Beta2 < 0 || Beta2 >= 1) throw new ArgumentException("Adam betas must be in [0, 1)");
        if (!(Epsilon > 0)) throw new ArgumentException("Adam epsilon must be positive");
        if (PriorPenalty < 0) throw new ArgumentException("prior penalty must be ≥ 0");
        if (PriorPenalty > 0 && Prior is null && PriorNetwork is null) throw new ArgumentException("a prior penalty needs a prior network");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"dropout must lie in [0, 1) (got {Dropout})");
        if (MaxSteps < 0) throw new ArgumentException($"the step budget must be ≥ 0 (got {MaxSteps})");
    }

    /// <summary>One-line description recorded in model metadata, e.g. <c>adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-08, wd=0) batch=128</c>.</summary>
    public string Describe() => (Optimizer == OptimizerKind.Adam
        ? FormattableString.Invariant($"adam(lr={LearningRate}, b1={Beta1}, b2={Beta2}, eps={Epsilon}, wd={WeightDecay})")
        : FormattableString.Invariant($"sgd(lr={LearningRate}, momentum={Momentum}, wd={WeightDecay})"))
        + FormattableString.Invariant($" batch={BatchSize}") + (PriorPenalty > 0 ? FormattableString.Invariant($" prior-penalty={PriorPenalty}") : "")
        + (Dropout > 0 ? FormattableString.Invariant($" dropout={Dropout}") : "")
        + (MaxSteps > 0 ? FormattableString.Invariant($" steps={MaxSteps}") : "");
}
