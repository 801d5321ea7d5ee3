using System.Text.Json;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// A hidden layer's two products with a post-ReLU input A (128 rows, a given fraction of nonzeros, synthetic: max(g − c, 0)
/// for Gaussian g), sparse (<see cref="SparseProduct"/>, one thread) against the sgemm they replace (the provider's, at its
/// current thread count): Z = A·Wᵀ with W held input-major, and ∂Wᵀ = Aᵀ·∂Z. Prints one JSON object per density with
/// microseconds per batch; and the input gradient (∂Z·W) ⊙ [A ≠ 0], one dot product per nonzero of A
/// (<see cref="SparseProduct.MaskedInputGradient"/>) against the sgemm ∂Z·W (the ReLU mask not included in it).
/// Timing as in <see cref="SparseBenchmark.Time"/>. Arguments: inputs, outputs, comma-separated nonzero fractions, batches
/// to time (default 200).
/// </summary>
public static class SparseHiddenBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        int d = args.Length > 0 ? int.Parse(args[0]) : 1000, h = args.Length > 1 ? int.Parse(args[1]) : 1000;
        var fractions = (args.Length > 2 ? args[2] : "0.2,0.3,0.4,0.5").Split(',').Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int batches = args.Length > 3 ? int.Parse(args[3]) : 200;
        var rng = new Random.Rng(4);
        foreach (double f in fractions)
        {
            // The threshold is the sample's (1 − f)-quantile, so the fraction of nonzeros is f up to ties.
            var x = new float[128 * d]; rng.FillGaussian(x);
            var sorted = (float[])x.Clone(); Array.Sort(sorted);
            float c = sorted[Math.Clamp((int)((1 - f) * x.Length), 0, x.Length - 1)];
            for (int i = 0; i < x.Length; i++) x[i] = MathF.Max(x[i] - c, 0f);
            Console.WriteLine(JsonSerializer.Serialize(SparseBenchmark.Time(_ => x, d, h, batches, inputGradient: true).Json(d, h)));
        }
        return 0;
    }
}
