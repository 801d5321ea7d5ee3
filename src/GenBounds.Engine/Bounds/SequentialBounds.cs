using System.Diagnostics;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.Bounds;

/// <summary>
/// The side-by-side table for sequential networks with convolutions and pooling. Only families whose source prescribes
/// what a convolution contributes are computed: Jiang et al.'s measures, whose re-implementation reshapes a conv kernel to
/// (out, in·kh·kw) and runs the network itself for the path norm (catalog baseline-bounds §5), and Bartlett–Foster–
/// Telgarsky's Theorem 1.1 (biases through an exact bias-free equivalent), whose layers are any linear maps A_i followed
/// by ρ_i-Lipschitz nonlinearities fixing 0: a convolution enters as the operator it is (‖A‖₂ and ‖Aᵀ‖_{2,1} of the
/// zero-padded strided map, not of the reshaped kernel), ReLU as 1-Lipschitz, a k×k pooling with stride s as
/// ⌈k/s⌉-Lipschitz (max) or ⌈k/s⌉/k (average). The other families state their
/// quantities for fully connected matrices (NTS15's group norms and per-unit paths, NBS18's h×h perturbation bound, the
/// bneyshabur code's widths, Arora's Theorem 4.1 and Guha's Theorem 3.1 for MLPs); they are listed in the table's notes as
/// not computed, never evaluated on reshaped kernels. On a network of dense layers only the rows equal the MLP catalog's
/// (tested).
/// </summary>
public static class SequentialBounds
{
    /// <summary>Families that are not computed on convolutional networks, with the reason (the table's notes).</summary>
    public static readonly IReadOnlyList<string> NotComputed =
    [
        "published, corrected and practical norm bounds of NTS15 and NBS18, the practical forms and the Guha et al. seed-code rows: stated for fully connected layers (group norms of matrices, widths h, the h×h Gaussian perturbation of NBS18); not computed on convolutions rather than computed on reshaped kernels, which the papers do not prescribe",
        "Arora et al. Theorem 4.1 and Guha et al. Theorem 3.1: MLP theorems; Arora's Theorem 5.1 for CNNs is checked by `genbounds verify` (ARORA-T5.1)",
    ];

    /// <summary>Measures <paramref name="net"/> on <paramref name="train"/> and <paramref name="test"/> and evaluates the families above.</summary>
    public static BoundTable Compute(Network net, Network? initialization, Dataset train, Dataset test, BoundCatalogOptions o, ILinearAlgebraProvider la, Action<string>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(o);
        var arch = net.Architecture;
        if (initialization is not null && !initialization.Architecture.Equals(arch)) throw new ArgumentException($"initialisation architecture {initialization.Architecture} differs from {arch}");
        if (train.Dimension != arch.InputShape.Size || test.Dimension != arch.InputShape.Size) throw new ArgumentException($"data dimension {train.Dimension} ≠ network input {arch.InputShape.Size}");
        if (train.Count == 0) throw new ArgumentException("the training set is empty");
        var sw = Stopwatch.StartNew();
        var seconds = new Dictionary<string, double>();
        progress?.Invoke("margins, kernel norms and the path norm");
        var tr = Evaluation.Evaluate(net, train, la);
        var te = Evaluation.Evaluate(net, test, la);
        var margins = (double[])tr.Margins.Clone();
        Array.Sort(margins);
        if (!(margins[^1] > 0)) throw new ArgumentException("the network has no positive training margin (every training point is misclassified or tied): margin bounds are undefined");
        double chance = 1 - 1.0 / arch.OutputSize;
        if (1 - tr.Accuracy >= chance - 0.02)
            throw new ArgumentException($"the network looks untrained: training error {1 - tr.Accuracy:P1} is at chance level ({chance:P1} for {arch.OutputSize} classes)");
        var wl = net.WeightLayers;
        var layers = new MatrixNormSet[wl.Count];
        for (int l = 0; l < wl.Count; l++)
            layers[l] = MatrixNormSet.Of(wl[l].WeightAsDouble(), initialization?.WeightLayers[l].WeightAsDouble(), wl[l].Rows, wl[l].FanIn, la);
        var jiang = new JiangInputs(train.Count, margins[Math.Max(1, train.Count / 10) - 1], layers, wl.Select(l => l.Weight).ToArray(),
            initialization?.WeightLayers.Select(l => l.Weight).ToArray(), PathNorm(net, la), (data, perturb) =>
            {
                var p = net.Clone();
                foreach (var layer in p.WeightLayers) { perturb(layer.Weight); if (layer.Bias is { } bb) perturb(bb); }
                return Evaluation.Evaluate(p, data, la).Accuracy;
            });
        seconds["inputs"] = sw.Elapsed.TotalSeconds; sw.Restart();
        var rows = new List<BoundValue>();
        var notes = new List<string> { "Jiang et al.'s measures read each convolution kernel reshaped to (out, in·kh·kw), as their re-implementation does (catalog baseline-bounds §5), and exclude biases except in the path norm; BFT17 reads the convolutions as linear operators" };
        if (o.Published)
        {
            progress?.Invoke("Bartlett et al. Theorem 1.1 with the convolutions' operator norms");
            if (Bft17(net, initialization, train, margins, o.Norm.Delta, la) is { } row) rows.Add(row);
            else notes.Add("not computed: Bartlett et al. Theorem 1.1 — a convolution with biases and padding 2p > k − 1 has no bias tap that reads inside the image at every location, so the bias-free equivalent used here does not exist");
            seconds["published"] = sw.Elapsed.TotalSeconds; sw.Restart();
        }
        if (o.Jiang)
        {
            progress?.Invoke("Jiang et al. measures" + (o.Norm.Sharpness ? " (σ searches)" : ""));
            rows.AddRange(JiangMeasures.Compute(jiang, o.Norm, train, la));
            seconds["jiang"] = sw.Elapsed.TotalSeconds;
        }
        else notes.Add("Jiang et al. measures skipped");
        notes.AddRange(NotComputed.Select(n => "not computed for a convolutional network: " + n));
        if (initialization is null) notes.Add("the random initialisation W⁰ is unknown: rows that need it use the reference 0 and say so");
        return new BoundTable(arch.ToString(), arch.ParameterCount, train.Count, test.Count, 1 - tr.Accuracy, 1 - te.Accuracy, rows, notes, seconds);
    }

    /// <summary>
    /// BFT17's published row (null when <see cref="BiasAugmentation.BiasFree"/> has no equivalent): per weight layer of the
    /// bias-free equivalent an upper bound on the
    /// operator's ‖A_i‖₂ (exact SVD, or the upper end of a certified Lanczos bracket whose failure probability is taken out
    /// of δ) and ‖A_iᵀ − M_iᵀ‖_{2,1} with M_i = the layer at initialisation (0 when unknown); the Lipschitz constants of the
    /// modules between weight layers; W = the largest number of units of any module's input or output.
    /// </summary>
    public static BoundValue? Bft17(Network net, Network? initialization, Dataset train, double[] sortedMargins, double delta, ILinearAlgebraProvider la)
    {
        if (net.Architecture.WeightModules[0] != 0) throw new ArgumentException($"{net.Architecture}: a module before the first weight layer is not covered by Bartlett et al.'s layer form");
        // With biases: the exact bias-free equivalent on inputs with a constant (BiasAugmentation), as the MLP path does.
        bool biased = net.Architecture.Bias;
        if (BiasAugmentation.BiasFree(net) is not { } free) return null;
        int ones = free.InputOnes;
        net = free.Net;
        if (initialization is not null) initialization = BiasAugmentation.BiasFree(initialization)!.Value.Net;
        var arch = net.Architecture;
        int d = arch.Depth;
        var spectral = new double[d];
        var dist = new double[d];
        double failure = 0;
        var notes = new List<string>();
        for (int l = 0; l < d; l++)
        {
            var layer = net.WeightLayers[l];
            var w = layer.WeightAsDouble();
            var w0 = initialization?.WeightLayers[l].WeightAsDouble();
            var diff = w0 is null ? w : w.Select((v, i) => v - w0[i]).ToArray();
            if (layer is Conv2dLayer c)
            {
                var bound = Measures.ConvOperatorNorms.OperatorSpectral(w, c.Conv, c.InputShape, la);
                spectral[l] = bound.Upper; failure += bound.FailureProbability;
                dist[l] = Measures.ConvOperatorNorms.OperatorRowL21(diff, c.Conv, c.InputShape);
            }
            else
            {
                spectral[l] = la.SingularValues(w, layer.Rows, layer.FanIn)[0];
                dist[l] = NetworkNorms.GroupNorm(diff, layer.Rows, layer.FanIn, 2, 1);
            }
        }
        double lnLipschitz = 0;
        for (int m = 0; m < arch.Layers.Count; m++)
            if (arch.Layers[m] is Pool2dSpec p && p.Stride < p.Kernel)
            {
                double overlap = Math.Ceiling(p.Kernel / (double)p.Stride);
                lnLipschitz += Math.Log(p.Kind == PoolKind.Max ? overlap : overlap / p.Kernel);
            }
            else if (arch.Layers[m] is Pool2dSpec { Kind: PoolKind.Average } a) lnLipschitz += Math.Log(1.0 / a.Kernel);
        double sumSq = 0;
        for (int i = 0; i < train.Count; i++) { sumSq += ones; foreach (float v in train.Row(i)) sumSq += (double)v * v; }
        int width = arch.Shapes.Max(s => s.Size);
        int n = sortedMargins.Length;
        double MarginLoss(double gamma)
        {
            int lo = 0, hi = n;
            while (lo < hi) { int mid = (lo + hi) / 2; if (sortedMargins[mid] <= gamma) lo = mid + 1; else hi = mid; }
            return lo / (double)n;
        }
        double deltaLeft = delta - failure;
        var (lnBound, gammaBest) = NormBounds.Bft17Core(spectral, dist, lnLipschitz, Math.Sqrt(sumSq), width, train.Count, MarginLoss, NormBounds.MarginGrid(sortedMargins[^1]), deltaLeft);
        notes.AddRange(NormBounds.Bft17Notes(Math.Sqrt(sumSq), width));
        notes.Add("convolutions as linear operators on their actual input size: s_i ≥ ‖A_i‖₂ of the zero-padded strided map (exact SVD, or the upper end of a certified Lanczos bracket) and ‖A_iᵀ − M_iᵀ‖_{2,1} = Σ over output units of the row's ℓ₂ norm (exact)");
        notes.Add(F("Lipschitz constants of the modules between weight layers: ReLU 1, k×k pooling with stride s ⌈k/s⌉ (max) or ⌈k/s⌉/k (average), flatten 1; product {0:G4}", Math.Exp(lnLipschitz)));
        if (failure > 0) notes.Add(F("the Lanczos brackets' failure probability {0:G3} is taken out of δ", failure));
        notes.Add(initialization is null ? "reference matrices M_i = 0 (W⁰ unknown)" : "reference matrices M_i = the random initialisation (data-independent, allowed)");
        if (biased)
            notes.Add(ones == 1
                ? "biases through the augmented bias-free network [[W, b], [0, 1]] and inputs (x, 1)"
                : F("biases through the exact bias-free equivalent: a constant channel of ones appended to the input ({0} entries per input, counted in ‖X̃‖), each hidden layer carrying it on one extra channel or unit, each bias the weight from it (a convolution's tap (p, p))", ones));
        return NormBounds.Bft17Value(lnBound, gammaBest, notes);
    }

    private static string F(string format, params object[] args) => string.Format(System.Globalization.CultureInfo.InvariantCulture, format, args);

    /// <summary>
    /// 1ᵀ f_{θ²}(1): the network with every weight and bias squared, run (in float64) on an all-ones input — Dziugaite et
    /// al.'s PATH_NORM, which runs the model's own modules, pooling included (every value is ≥ 0, so the ReLUs pass it).
    /// </summary>
    public static double PathNorm(Network net, ILinearAlgebraProvider la)
    {
        // Squared in float64, as the MLP path's path sums are, and run through the network's own modules.
        var w = net.WeightLayers.Select(l => Array.ConvertAll(l.Weight, v => (double)v * v)).ToArray();
        var b = net.WeightLayers.Select(l => l.Bias is { } bb ? Array.ConvertAll(bb, v => (double)v * v) : null).ToArray();
        var ones = new double[net.InputShape.Size];
        Array.Fill(ones, 1.0);
        var forward = new GenBounds.Training.NetworkBackprop<double>(la, net.Architecture, 1);
        double sum = 0;
        foreach (double v in forward.Forward(w, b, ones, 1)) sum += v;
        return sum;
    }
}
