using System.Diagnostics;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;

namespace GenBounds.Bounds;

/// <summary>
/// The side-by-side table for sequential networks with convolutions and pooling. Only families whose source prescribes
/// what a convolution contributes are computed: Jiang et al.'s measures, whose re-implementation reshapes a conv kernel to
/// (out, in·kh·kw) and runs the network itself for the path norm (catalog baseline-bounds §5). The other families state
/// their quantities for matrices of fully connected layers (NTS15's group norms and per-unit paths, NBS18's h×h
/// perturbation bound, the bneyshabur code's widths, Arora's Theorem 4.1 and Guha's Theorem 3.1 for MLPs); they are listed
/// in the table's notes as not computed, never evaluated on reshaped kernels silently. On a network of dense layers only the
/// rows equal the MLP catalog's (tested).
/// </summary>
public static class SequentialBounds
{
    /// <summary>Families that are not computed on convolutional networks, with the reason (the table's notes).</summary>
    public static readonly IReadOnlyList<string> NotComputed =
    [
        "published, corrected and practical norm bounds (NTS15, BFT17, NBS18) and the Guha et al. seed-code rows: stated for fully connected layers (group norms of matrices, widths h, the h×h Gaussian perturbation of NBS18); not computed on convolutions rather than computed on reshaped kernels, which the papers do not prescribe",
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
        var notes = new List<string> { "convolution kernels enter every norm reshaped to (out, in·kh·kw), as Jiang et al.'s re-implementation does (catalog baseline-bounds §5); biases are excluded except in the path norm" };
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
