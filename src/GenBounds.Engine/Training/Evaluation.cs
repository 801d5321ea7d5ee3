using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Training;

/// <summary>
/// Accuracy, mean cross-entropy and the per-sample margins f(x)[y] − max_{j≠y} f(x)[j] (the quantity every margin bound
/// uses; a sample is misclassified iff its margin is ≤ 0, ties counting as errors).
/// </summary>
public sealed record EvaluationResult(string Data, int Count, double Accuracy, double Loss, double[] Margins)
{
    /// <summary>Empirical margin loss L̂_γ = (1/m)·#{margin ≤ γ}.</summary>
    public double MarginLoss(double gamma) => Margins.Count(m => m <= gamma) / (double)Count;
}

/// <summary>Batched float32 evaluation through the provider.</summary>
public static class Evaluation
{
    /// <summary>
    /// Evaluates a sequential <paramref name="net"/> (convolutional or not) on every sample of <paramref name="data"/>, in chunks
    /// of <paramref name="chunk"/> rows, convolutions shared among <paramref name="workers"/> threads (see <see cref="NetworkBackprop{T}"/>).
    /// </summary>
    public static EvaluationResult Evaluate(Network net, Dataset data, ILinearAlgebraProvider la, int chunk = 500, int workers = 1)
    {
        ArgumentNullException.ThrowIfNull(net);
        Trainer.CheckData(net.Architecture, data);
        int n = data.Count, k = net.OutputSize, d = data.Dimension;
        chunk = Math.Max(1, Math.Min(chunk, n));
        var bp = new NetworkBackprop<float>(la, net.Architecture, chunk, workers: workers);
        var w = net.WeightLayers.Select(l => l.Weight).ToArray();
        var b = net.WeightLayers.Select(l => l.Bias).ToArray();
        var margins = new double[n];
        double loss = 0; long correct = 0;
        for (int start = 0; start < n; start += chunk)
        {
            int batch = Math.Min(chunk, n - start);
            var logits = bp.Forward(w, b, data.Features.AsSpan(start * d, batch * d), batch);
            Score(logits, data.Labels.AsSpan(start, batch), k, margins.AsSpan(start, batch), ref loss, ref correct);
        }
        return new EvaluationResult(data.Name, n, (double)correct / n, loss / n, margins);
    }

    private static void Score(ReadOnlySpan<float> logits, ReadOnlySpan<int> labels, int k, Span<double> margins, ref double loss, ref long correct)
    {
        for (int r = 0; r < labels.Length; r++)
        {
            var z = logits.Slice(r * k, k);
            int y = labels[r];
            double other = double.NegativeInfinity, max = double.NegativeInfinity;
            for (int j = 0; j < k; j++) { max = Math.Max(max, z[j]); if (j != y) other = Math.Max(other, z[j]); }
            double margin = z[y] - other;
            margins[r] = margin;
            if (margin > 0) correct++;
            double sum = 0;
            for (int j = 0; j < k; j++) sum += Math.Exp(z[j] - max);
            loss += Math.Log(sum) - (z[y] - max);
        }
    }

    /// <summary>Evaluates <paramref name="net"/> on every sample of <paramref name="data"/>, in chunks of <paramref name="chunk"/> rows.</summary>
    public static EvaluationResult Evaluate(Mlp net, Dataset data, ILinearAlgebraProvider la, int chunk = 1000)
    {
        if (data.Dimension != net.Architecture.InputSize) throw new ArgumentException($"data dimension {data.Dimension} ≠ network input {net.Architecture.InputSize}");
        if (data.Classes > net.Architecture.OutputSize) throw new ArgumentException($"data has {data.Classes} classes, network only {net.Architecture.OutputSize} outputs");
        int n = data.Count, k = net.Architecture.OutputSize, d = data.Dimension;
        chunk = Math.Max(1, Math.Min(chunk, n));
        var bp = new Backprop<float>(la, net.Architecture.LayerSizes, net.Architecture.Bias, chunk);
        var w = net.Layers.Select(l => l.Weight).ToArray();
        var b = net.Layers.Select(l => l.Bias).ToArray();
        var margins = new double[n];
        double loss = 0; long correct = 0;
        for (int start = 0; start < n; start += chunk)
        {
            int batch = Math.Min(chunk, n - start);
            var logits = bp.Forward(w, b, data.Features.AsSpan(start * d, batch * d), batch);
            Score(logits, data.Labels.AsSpan(start, batch), k, margins.AsSpan(start, batch), ref loss, ref correct);
        }
        return new EvaluationResult(data.Name, n, (double)correct / n, loss / n, margins);
    }
}
