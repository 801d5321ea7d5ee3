using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Sparsity;

/// <summary>
/// The training set-up of Muthukumar &amp; Sulam's experiments (catalog SULAM-X1): bias-free ReLU MLPs, SGD without momentum,
/// 5,000 steps, batch 100, learning rate 0.01, and the objective CE + λ/(K+1)·Σ_k ‖W_k − W_prior,k‖²_F with λ = 1, where
/// W_prior = 0 for P₀ and the net h_init trained on a held-out 5% split for P_data. Readings of what the paper leaves open
/// (UNVERIFIED, recorded in every result): no momentum, schedule or weight decay; PyTorch's default initialisation; h_init
/// trained by the same recipe pulled toward 0; the P_data posterior initialised at h_init.
/// </summary>
public sealed record SulamRecipeOptions
{
    /// <summary>Optimiser steps.</summary>
    public int Steps { get; init; } = 5000;
    /// <summary>Mini-batch size.</summary>
    public int Batch { get; init; } = 100;
    /// <summary>SGD learning rate.</summary>
    public double LearningRate { get; init; } = 0.01;
    /// <summary>λ of the pull toward the prior centre.</summary>
    public double Lambda { get; init; } = 1.0;
    /// <summary>Fraction of the training subset held out to train h_init (P_data).</summary>
    public double PriorFraction { get; init; } = 0.05;
    /// <summary>Size of the validation split of MNIST's 60,000 training images (the paper's 55k/5k).</summary>
    public int Validation { get; init; } = 5000;
    /// <summary>Whether the P_data posterior starts at h_init (our reading) or at a fresh random initialisation.</summary>
    public bool PosteriorFromPrior { get; init; } = true;
    /// <summary>
    /// λ of h_init's own training (pulled toward 0); null: <see cref="Lambda"/>, our first reading. The paper does not say how
    /// h_init was trained (UNVERIFIED); with λ = 1 both h_init and the posterior pulled toward it collapse onto the zero network,
    /// so the reading "h_init trained without the pull" (0) is one of the readings the reproduction tries.
    /// </summary>
    public double? InitLambda { get; init; }

    /// <summary>The options h_init is trained with.</summary>
    public SulamRecipeOptions ForInit() => InitLambda is { } l ? this with { Lambda = l } : this;

    /// <summary>The SGD options of one training run with this recipe.</summary>
    public TrainingOptions Training(ulong seed, Mlp? pullTo) => new()
    {
        Optimizer = OptimizerKind.Sgd, Momentum = 0, LearningRate = LearningRate, BatchSize = Batch, MaxSteps = Steps, Epochs = int.MaxValue,
        PriorPenalty = Lambda, Prior = pullTo, Seed = seed,
    };

    /// <summary>One line for metadata and reports.</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"SGD lr={LearningRate} momentum=0 batch={Batch} steps={Steps} lambda={Lambda} prior-fraction={PriorFraction} validation={Validation} posterior-start={(PosteriorFromPrior ? "h_init" : "random")}{(InitLambda is { } l ? $" init-lambda={l}" : "")}");
}

/// <summary>The data splits and training runs of the recipe, shared by <c>genbounds train</c> and the reproduction sweeps.</summary>
public static class SulamRecipe
{
    /// <summary>Bump when training changes weights for the same recipe (part of the model cache key).</summary>
    public const string Version = "sulam-recipe-v1";

    /// <summary>MNIST's training images split into (train, validation) with the stream <c>data/validation</c> of <paramref name="seed"/>.</summary>
    public static (Dataset Train, Dataset Validation) ValidationSplit(Dataset all, int validation, ulong seed)
    {
        if (validation <= 0) return (all, all.Take(0));
        if (validation >= all.Count) throw new ArgumentException($"a validation split of {validation} leaves no training data out of {all.Count}");
        var (first, second) = all.Split((all.Count - validation) / (double)all.Count, new SeedStreams(seed).Stream(SeedStreams.Names.Data + "/validation"));
        return (first, second);
    }

    /// <summary>The training subset of the given fraction (20%…100% in the paper) from the stream <c>data/subset</c>.</summary>
    public static Dataset Subset(Dataset train, double fraction, ulong seed)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), "the subset fraction must lie in (0, 1]");
        int n = (int)Math.Round(fraction * train.Count, MidpointRounding.AwayFromZero);
        return n == train.Count ? train : train.Subset(n, new SeedStreams(seed).Stream(SeedStreams.Names.Data + "/subset"));
    }

    /// <summary>(prior part, bound part) of a training subset: the prior part (P_data's h_init) is never used in the bound.</summary>
    public static (Dataset Prior, Dataset Bound) PriorSplit(Dataset subset, double fraction, ulong seed) =>
        subset.Split(fraction, new SeedStreams(seed).Stream(SeedStreams.Names.Data + "/prior-split"));

    /// <summary>A bias-free architecture d₀-h₁-…-h_K-C.</summary>
    public static MlpArchitecture Architecture(int inputs, IReadOnlyList<int> hidden, int classes) =>
        new(new[] { inputs }.Concat(hidden).Append(classes).ToArray(), bias: false);

    /// <summary>
    /// Trains one network with the recipe: from <paramref name="start"/> (or the seed's default initialisation) pulled toward
    /// <paramref name="pullTo"/> (null: the zero network, P₀).
    /// </summary>
    public static Mlp Train(MlpArchitecture arch, Dataset data, Mlp? pullTo, Mlp? start, SulamRecipeOptions o, ulong seed, ILinearAlgebraProvider la)
    {
        if (arch.Bias) throw new ArgumentException("the recipe trains bias-free networks (footnote 4)");
        var net = start?.Clone() ?? Trainer.Initialize(arch, seed);
        var centre = pullTo ?? new Mlp(arch);
        var trainer = new Trainer(net, o.Training(seed, centre), la);
        trainer.TrainSteps(data);
        return net;
    }

    /// <summary>
    /// A trained network from a disk cache keyed by a content hash of everything that determines it (architecture, recipe,
    /// seed, role, data hash, <see cref="Version"/>), or trained and written atomically.
    /// </summary>
    public static Mlp Cached(string? folder, string key, Func<Mlp> train)
    {
        if (folder is null) return train();
        string hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key + "|" + Version))).ToLowerInvariant()[..20];
        string path = Path.Combine(folder, hash + ".safetensors");
        if (File.Exists(path)) return ModelFile.Load(path).Network;
        var net = train();
        Directory.CreateDirectory(folder);
        ModelFile.Save(path, net, new ModelMetadata { Optimizer = key });
        return net;
    }
}
