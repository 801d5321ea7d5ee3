using System.Diagnostics;
using System.Text.Json;
using GenBounds.LinearAlgebra;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// A hidden layer's two products with a post-ReLU input A (128 rows, a given fraction of nonzeros, synthetic: max(g − c, 0)
/// for Gaussian g), sparse (<see cref="SparseProduct"/>, one thread) against the sgemm they replace (the provider's, at its
/// current thread count): Z = A·Wᵀ with W held input-major, and ∂Wᵀ = Aᵀ·∂Z. Prints one JSON object per density with
/// microseconds per batch; and the input gradient (∂Z·W) ⊙ [A ≠ 0], one dot product per nonzero of A
/// (<see cref="SparseProduct.MaskedInputGradient"/>) against the sgemm ∂Z·W (the ReLU mask not included in it). Arguments: inputs, outputs, comma-separated nonzero fractions, batches to time (default 200).
/// </summary>
public static class SparseHiddenBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        int d = args.Length > 0 ? int.Parse(args[0]) : 1000, h = args.Length > 1 ? int.Parse(args[1]) : 1000;
        var fractions = (args.Length > 2 ? args[2] : "0.2,0.3,0.4,0.5").Split(',').Select(s => double.Parse(s, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        int batches = args.Length > 3 ? int.Parse(args[3]) : 200;
        var la = LinearAlgebraProviders.Default;
        const int B = 128;
        var rng = new Random.Rng(3);
        var w = new float[d * h]; rng.FillUniform(w, -0.05f, 0.05f);
        var dz = new float[B * h]; rng.FillUniform(dz, -1f, 1f);
        var z = new float[B * h]; var g = new float[d * h];
        var rows = new SparseRows(B, d); var cols = new SparseRows(d, B);
        foreach (double f in fractions)
        {
            // The threshold is the sample's (1 − f)-quantile, so the fraction of nonzeros is f up to ties.
            var x = new float[B * d]; rng.FillGaussian(x);
            var sorted = (float[])x.Clone(); Array.Sort(sorted);
            float c = sorted[Math.Clamp((int)((1 - f) * x.Length), 0, x.Length - 1)];
            for (int i = 0; i < x.Length; i++) x[i] = MathF.Max(x[i] - c, 0f);
            double tFill = 0, tSparseF = 0, tSparseB = 0, tDenseF = 0, tDenseB = 0, tSparseI = 0, tDenseI = 0;
            var da = new float[B * d];
            for (int it = 0; it < batches + 5; it++)
            {
                long t0 = Stopwatch.GetTimestamp();
                rows.FillFromDense(x, 0, B);
                cols.FillTransposed(rows, B, 0, d);
                long t1 = Stopwatch.GetTimestamp();
                SparseProduct.Multiply(rows, 0, B, w, h, 0, h, z, h);
                long t2 = Stopwatch.GetTimestamp();
                SparseProduct.Multiply(cols, 0, d, dz, h, 0, h, g, h);
                long t3 = Stopwatch.GetTimestamp();
                la.Gemm(Transpose.No, Transpose.No, B, h, d, 1f, x, d, w, h, 0f, z, h);
                long t4 = Stopwatch.GetTimestamp();
                la.Gemm(Transpose.Yes, Transpose.No, d, h, B, 1f, x, d, dz, h, 0f, g, h);
                long t5 = Stopwatch.GetTimestamp();
                SparseProduct.MaskedInputGradient(cols, 0, d, B, dz, w, h, da, d);
                long t6 = Stopwatch.GetTimestamp();
                la.Gemm(Transpose.No, Transpose.Yes, B, d, h, 1f, dz, h, w, h, 0f, da, d);
                long t7 = Stopwatch.GetTimestamp();
                if (it < 5) continue;   // warm-up
                tFill += t1 - t0; tSparseF += t2 - t1; tSparseB += t3 - t2; tDenseF += t4 - t3; tDenseB += t5 - t4; tSparseI += t6 - t5; tDenseI += t7 - t6;
            }
            double us = 1e6 / Stopwatch.Frequency / batches;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                inputs = d, outputs = h, batch = B, nonzero_fraction = rows.Density(0, B),
                sparse_fill_us = tFill * us, sparse_forward_us = tSparseF * us, sparse_weight_gradient_us = tSparseB * us,
                dense_forward_us = tDenseF * us, dense_weight_gradient_us = tDenseB * us,
                sparse_masked_input_gradient_us = tSparseI * us, dense_input_gradient_us = tDenseI * us, blas = la.Name,
            }));
        }
        return 0;
    }
}
