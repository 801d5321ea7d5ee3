using System.Diagnostics;
using System.Text.Json;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// The first layer's two products on real MNIST batches (128 rows), sparse (<see cref="SparseProduct"/>, one thread) against
/// the dense sgemm they replace (the provider's, at its current thread count): Z₀ = X·W₀ᵀ and ∂W₀ᵀ = Xᵀ·∂Z₀, for each
/// output width. Prints one JSON object per width with microseconds per batch.
/// Arguments: MNIST folder, comma-separated output widths (default 100,1000), batches to time (default 200).
/// </summary>
public static class SparseBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string folder = args.Length > 0 ? args[0] : ".cache/mnist";
        var widths = (args.Length > 1 ? args[1] : "100,1000").Split(',').Select(int.Parse).ToArray();
        int batches = args.Length > 2 ? int.Parse(args[2]) : 200;
        var (train, _) = Mnist.Load(folder);
        var la = LinearAlgebraProviders.Default;
        const int B = 128; int d = train.Dimension;
        var rng = new Random.Rng(3);
        foreach (int h in widths)
        {
            var w = new float[d * h]; rng.FillUniform(w, -0.05f, 0.05f);
            var dz = new float[B * h]; rng.FillUniform(dz, -1f, 1f);
            var z = new float[B * h]; var g = new float[d * h];
            var rows = new SparseRows(B, d); var cols = new SparseRows(d, B);
            var x = new float[B * d];
            double tFill = 0, tSparseF = 0, tSparseB = 0, tDenseF = 0, tDenseB = 0, density = 0;
            for (int it = 0; it < batches + 5; it++)
            {
                int start = (it * B) % (train.Count - B);
                train.Features.AsSpan(start * d, B * d).CopyTo(x);
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
                if (it < 5) continue;   // warm-up
                tFill += t1 - t0; tSparseF += t2 - t1; tSparseB += t3 - t2; tDenseF += t4 - t3; tDenseB += t5 - t4;
                density += rows.Density(0, B);
            }
            double us = 1e6 / Stopwatch.Frequency / batches;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                inputs = d, outputs = h, batch = B, nonzero_fraction = density / batches,
                sparse_fill_us = tFill * us, sparse_forward_us = tSparseF * us, sparse_weight_gradient_us = tSparseB * us,
                dense_forward_us = tDenseF * us, dense_weight_gradient_us = tDenseB * us, blas = la.Name,
            }));
        }
        return 0;
    }
}
