using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.Bounds;

/// <summary>
/// Everything the bounds of the catalog are functions of, measured once on one network (one code path for all):
/// per-layer norms of W and W − W⁰, the same for the bias-augmented network, training margins, data norms, path sums
/// and parameter counts. Everything is float64 except the forward pass that produces the margins (float32, as trained).
/// </summary>
public sealed class BoundInputs
{
    private BoundInputs() { }

    /// <summary>The network.</summary>
    public required Mlp Network { get; init; }
    /// <summary>Its random initialisation W⁰, or null when unknown (bounds that need it then use the reference 0 and say so).</summary>
    public required Mlp? Initialization { get; init; }
    /// <summary>m: training-set size.</summary>
    public required int M { get; init; }
    /// <summary>k: number of classes (network outputs).</summary>
    public required int Classes { get; init; }
    /// <summary>Training margins f(x)[y] − max_{j≠y} f(x)[j], sorted ascending.</summary>
    public required double[] SortedMargins { get; init; }
    /// <summary>Training 0-1 error (margin ≤ 0).</summary>
    public required double TrainError { get; init; }
    /// <summary>Test 0-1 error.</summary>
    public required double TestError { get; init; }
    /// <summary>Test-set size.</summary>
    public required int TestCount { get; init; }
    /// <summary>Norms of W_l (and of W_l − W⁰_l), l = 1..L (index 0 = first layer).</summary>
    public required MatrixNormSet[] Layers { get; init; }
    /// <summary>The bias-augmented bias-free network (<see cref="NetworkNorms.Augment"/>); the network itself when bias-free.</summary>
    public required BiasFreeNetwork Augmented { get; init; }
    /// <summary>The same augmentation of W⁰, or null.</summary>
    public required BiasFreeNetwork? AugmentedInitialization { get; init; }
    /// <summary>Norms of the augmented matrices (distances to the augmented W⁰).</summary>
    public required MatrixNormSet[] AugmentedLayers { get; init; }
    /// <summary>max_y ‖row y of the augmented last layer‖₂ (a class output's last-layer weights).</summary>
    public required double LastRowL2 { get; init; }
    /// <summary>max_y ‖row y of the augmented last layer‖₁.</summary>
    public required double LastRowL1 { get; init; }
    /// <summary>max_i ‖x̃_i‖₂ over the training set (augmented input (x, 1) when the net has biases).</summary>
    public required double MaxInputL2 { get; init; }
    /// <summary>max_i ‖x̃_i‖_∞ over the training set.</summary>
    public required double MaxInputLInf { get; init; }
    /// <summary>‖X̃‖_F = √(Σ_i ‖x̃_i‖₂²) over the training set (Bartlett et al.'s ‖X‖₂).</summary>
    public required double InputFrobenius { get; init; }
    /// <summary>
    /// Radius of the input domain for statements over all inputs (Neyshabur et al. 2018's B): √D̃ when every training
    /// feature lies in [0, 1] (pixel data; the augmented coordinate adds 1), else NaN.
    /// </summary>
    public required double DomainRadius { get; init; }
    /// <summary>Per-output path sums with |θ| (p = 1), biases included.</summary>
    public required double[] PathSums1 { get; init; }
    /// <summary>Per-output path sums with |θ|^1.5.</summary>
    public required double[] PathSums15 { get; init; }
    /// <summary>Per-output path sums with θ² (p = 2).</summary>
    public required double[] PathSums2 { get; init; }
    /// <summary>Weights plus biases.</summary>
    public long ParameterCount => Network.Architecture.ParameterCount;
    /// <summary>Weights only.</summary>
    public long WeightCount => Network.Layers.Sum(l => (long)l.Weight.Length);
    /// <summary>Depth d = number of weight layers.</summary>
    public int Depth => Network.Layers.Length;

    /// <summary>Fraction of training margins ≤ γ: the empirical margin loss L̂_γ.</summary>
    public double MarginLoss(double gamma)
    {
        int lo = 0, hi = SortedMargins.Length;
        while (lo < hi) { int mid = (lo + hi) / 2; if (SortedMargins[mid] <= gamma) lo = mid + 1; else hi = mid; }
        return lo / (double)SortedMargins.Length;
    }

    /// <summary>numpy's <c>np.percentile(margins, q)</c> (linear interpolation): the 5th percentile is <c>bneyshabur</c>'s margin.</summary>
    public double MarginPercentile(double percent)
    {
        double pos = percent / 100 * (SortedMargins.Length - 1);
        int lo = (int)Math.Floor(pos), hi = Math.Min(lo + 1, SortedMargins.Length - 1);
        return SortedMargins[lo] + (pos - lo) * (SortedMargins[hi] - SortedMargins[lo]);
    }

    /// <summary>torch's <c>margins.kthvalue(m // 10)</c> (the ⌊m/10⌋-th smallest; Jiang et al./Dziugaite et al.), before their <c>.abs()</c>.</summary>
    public double MarginKth10 => SortedMargins[Math.Max(1, M / 10) - 1];

    /// <summary>The smallest training margin (Guha et al.'s code; ≤ 0 when a training point is misclassified).</summary>
    public double MinMargin => SortedMargins[0];

    /// <summary>Measures <paramref name="network"/> on <paramref name="train"/> (margins, data norms) and <paramref name="test"/> (error).</summary>
    public static BoundInputs Compute(Mlp network, Mlp? initialization, Dataset train, Dataset test, ILinearAlgebraProvider la)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        var arch = network.Architecture;
        if (initialization is not null && !initialization.Architecture.Equals(arch)) throw new ArgumentException($"initialisation architecture {initialization.Architecture} differs from {arch}");
        if (train.Dimension != arch.InputSize || test.Dimension != arch.InputSize) throw new ArgumentException($"data dimension {train.Dimension} ≠ network input {arch.InputSize}");
        if (train.Count == 0) throw new ArgumentException("the training set is empty");
        var tr = Evaluation.Evaluate(network, train, la);
        var te = Evaluation.Evaluate(network, test, la);
        var margins = (double[])tr.Margins.Clone();
        Array.Sort(margins);
        int L = network.Layers.Length;
        var layers = new MatrixNormSet[L];
        for (int l = 0; l < L; l++)
        {
            var layer = network.Layers[l];
            layers[l] = MatrixNormSet.Of(layer.WeightAsDouble(), initialization?.Layers[l].WeightAsDouble(), layer.Out, layer.In, la);
        }
        var aug = NetworkNorms.Augment(network);
        var augInit = initialization is null ? null : NetworkNorms.Augment(initialization);
        var augLayers = new MatrixNormSet[L];
        for (int l = 0; l < L; l++) augLayers[l] = MatrixNormSet.Of(aug.Weights[l], augInit?.Weights[l], aug.Widths[l + 1], aug.Widths[l], la);
        int lastCols = aug.Widths[L - 1];
        double lastL2 = 0, lastL1 = 0;
        for (int y = 0; y < aug.Widths[L]; y++)
        {
            double s2 = 0, s1 = 0;
            for (int c = 0; c < lastCols; c++) { double v = aug.Weights[L - 1][y * lastCols + c]; s2 += v * v; s1 += Math.Abs(v); }
            lastL2 = Math.Max(lastL2, Math.Sqrt(s2)); lastL1 = Math.Max(lastL1, s1);
        }
        double extra = arch.Bias ? 1 : 0, maxL2 = 0, maxInf = arch.Bias ? 1 : 0, sumSq = 0;
        bool unitBox = true;
        for (int i = 0; i < train.Count; i++)
        {
            var x = train.Row(i);
            double s = extra;
            foreach (float v in x)
            {
                s += (double)v * v;
                maxInf = Math.Max(maxInf, Math.Abs(v));
                if (v < 0 || v > 1) unitBox = false;
            }
            sumSq += s; maxL2 = Math.Max(maxL2, Math.Sqrt(s));
        }
        return new BoundInputs
        {
            Network = network, Initialization = initialization, M = train.Count, Classes = arch.OutputSize, SortedMargins = margins,
            TrainError = 1 - tr.Accuracy, TestError = 1 - te.Accuracy, TestCount = test.Count, Layers = layers, Augmented = aug,
            AugmentedInitialization = augInit, AugmentedLayers = augLayers, LastRowL2 = lastL2, LastRowL1 = lastL1,
            MaxInputL2 = maxL2, MaxInputLInf = maxInf, InputFrobenius = Math.Sqrt(sumSq),
            DomainRadius = unitBox ? Math.Sqrt(arch.InputSize + extra) : double.NaN,
            PathSums1 = NetworkNorms.PathSums(network, 1), PathSums15 = NetworkNorms.PathSums(network, 1.5), PathSums2 = NetworkNorms.PathSums(network, 2),
        };
    }
}
