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
        int d = train.Dimension;
        foreach (int h in widths)
        {
            var x = new float[Batch * d];
            var t = Time(it => { train.Features.AsSpan((it * Batch) % (train.Count - Batch) * d, Batch * d).CopyTo(x); return x; }, d, h, batches, inputGradient: false);
            Console.WriteLine(JsonSerializer.Serialize(t.Json(d, h)));
        }
        return 0;
    }

    private const int Batch = 128;

    /// <summary>Microseconds per batch of each product, sparse and dense, and the inputs' mean fraction of nonzeros.</summary>
    internal sealed record ProductTimes(double NonzeroFraction, double Fill, double SparseForward, double SparseWeightGradient,
                                        double DenseForward, double DenseWeightGradient, double? SparseMaskedInputGradient, double? DenseInputGradient)
    {
        public object Json(int inputs, int outputs) => new
        {
            inputs, outputs, batch = Batch, nonzero_fraction = NonzeroFraction,
            sparse_fill_us = Fill, sparse_forward_us = SparseForward, sparse_weight_gradient_us = SparseWeightGradient,
            dense_forward_us = DenseForward, dense_weight_gradient_us = DenseWeightGradient,
            sparse_masked_input_gradient_us = SparseMaskedInputGradient, dense_input_gradient_us = DenseInputGradient,
            blas = LinearAlgebraProviders.Default.Name,
        };
    }

    /// <summary>
    /// Times a layer's products on 128-row inputs <paramref name="inputAt"/>(iteration) (d features; W d×h input-major):
    /// filling the sparse rows and columns, Z = X·W and ∂Wᵀ = Xᵀ·∂Z sparse (one thread) and by the provider's sgemm, and with
    /// <paramref name="inputGradient"/> also ∂Z·Wᵀ masked by X's nonzeros against the sgemm ∂Z·Wᵀ. Five warm-up iterations.
    /// </summary>
    internal static ProductTimes Time(Func<int, float[]> inputAt, int d, int h, int batches, bool inputGradient)
    {
        var la = LinearAlgebraProviders.Default;
        var rng = new Random.Rng(3);
        var w = new float[d * h]; rng.FillUniform(w, -0.05f, 0.05f);
        var dz = new float[Batch * h]; rng.FillUniform(dz, -1f, 1f);
        var z = new float[Batch * h]; var g = new float[d * h]; var da = new float[Batch * d];
        var rows = new SparseRows(Batch, d); var cols = new SparseRows(d, Batch);
        var ticks = new long[7];
        var stamps = new long[8];
        double density = 0;
        for (int it = 0; it < batches + 5; it++)
        {
            var x = inputAt(it);
            stamps[0] = Stopwatch.GetTimestamp();
            rows.FillFromDense(x, 0, Batch);
            cols.FillTransposed(rows, Batch, 0, d);
            stamps[1] = Stopwatch.GetTimestamp();
            SparseProduct.Multiply(rows, 0, Batch, w, h, 0, h, z, h);
            stamps[2] = Stopwatch.GetTimestamp();
            SparseProduct.Multiply(cols, 0, d, dz, h, 0, h, g, h);
            stamps[3] = Stopwatch.GetTimestamp();
            la.Gemm(Transpose.No, Transpose.No, Batch, h, d, 1f, x, d, w, h, 0f, z, h);
            stamps[4] = Stopwatch.GetTimestamp();
            la.Gemm(Transpose.Yes, Transpose.No, d, h, Batch, 1f, x, d, dz, h, 0f, g, h);
            stamps[5] = Stopwatch.GetTimestamp();
            if (inputGradient) SparseProduct.MaskedInputGradient(cols, 0, d, Batch, dz, w, h, da, d);
            stamps[6] = Stopwatch.GetTimestamp();
            if (inputGradient) la.Gemm(Transpose.No, Transpose.Yes, Batch, d, h, 1f, dz, h, w, h, 0f, da, d);
            stamps[7] = Stopwatch.GetTimestamp();
            if (it < 5) continue;   // warm-up
            for (int k = 0; k < 7; k++) ticks[k] += stamps[k + 1] - stamps[k];
            density += rows.Density(0, Batch);
        }
        double us = 1e6 / Stopwatch.Frequency / batches;
        return new ProductTimes(density / batches, ticks[0] * us, ticks[1] * us, ticks[2] * us, ticks[3] * us, ticks[4] * us,
                                inputGradient ? ticks[5] * us : null, inputGradient ? ticks[6] * us : null);
    }
}
