using System.Buffers;
using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;

namespace GenBounds.Measures;

/// <summary>
/// Float64 network outputs and the per-sample quantities every margin argument uses, shared by the measures and the
/// verifier so that one definition of each is in force: logits f(x) without keeping the trace, margins
/// f(x)[y] − max_{j≠y} f(x)[j] (a sample is an error iff its margin is ≤ 0), the label-free top-two gap, and row norms
/// and distances of row-major blocks.
/// </summary>
public static class Outputs
{
    /// <summary>f(x) for n row-major inputs, computed in blocks of <paramref name="chunkRows"/> so that only one layer of one block is alive at a time.</summary>
    public static double[] Logits(DoubleMlp net, ReadOnlySpan<float> inputs, int n, ILinearAlgebraProvider? provider = null, int chunkRows = 2048)
    {
        int len = n * net.Widths[0];
        var x = ArrayPool<double>.Shared.Rent(len);
        try
        {
            TensorPrimitives.ConvertChecked<float, double>(inputs[..len], x.AsSpan(0, len));
            return Logits(net, x.AsSpan(0, len), n, provider, chunkRows);
        }
        finally { ArrayPool<double>.Shared.Return(x); }
    }

    /// <summary>
    /// f(x) for n row-major float64 inputs of the MLP with these layer sizes, weights (h_out×h_in row-major per layer)
    /// and biases (null entries: none). The arrays are read in place, not copied: for one pass of each of many weight
    /// sets (the verifier's pruning trials), where copying the network cost as much as the pass's memory traffic.
    /// </summary>
    public static double[] Logits(IReadOnlyList<int> widths, IReadOnlyList<double[]> weights, IReadOnlyList<double[]?>? biases, ReadOnlySpan<double> inputs, int n,
        ILinearAlgebraProvider? provider = null)
        => Logits(DoubleMlp.Adopt(widths, weights, biases), inputs, n, provider);

    /// <summary>f(x) for n row-major float64 inputs.</summary>
    public static double[] Logits(DoubleMlp net, ReadOnlySpan<double> inputs, int n, ILinearAlgebraProvider? provider = null, int chunkRows = 2048)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        int h0 = net.Widths[0], k = net.Widths[net.Depth], hmax = net.Widths.Max();
        if (inputs.Length < n * h0) throw new ArgumentException($"expected {n}×{h0} inputs");
        var result = new double[n * k];
        int block = Math.Max(1, Math.Min(chunkRows, n));
        // Pooled work blocks: every entry read is written first (the inputs, then each layer's output). Fresh arrays of
        // this size cost more than the pass itself where first touches of new pages are slow (measured on our VMs).
        double[] a0 = ArrayPool<double>.Shared.Rent(block * hmax), b0 = ArrayPool<double>.Shared.Rent(block * hmax);
        try
        {
            var (a, b) = (a0, b0);
            for (int s = 0; s < n; s += block)
            {
                int m = Math.Min(block, n - s);
                inputs.Slice(s * h0, m * h0).CopyTo(a);
                for (int l = 1; l <= net.Depth; l++)
                {
                    var y = b.AsSpan(0, m * net.Widths[l]);
                    Propagation.Affine(net, l, a.AsSpan(0, m * net.Widths[l - 1]), y, m, p);
                    if (l < net.Depth) TensorPrimitives.Max(y, 0.0, y);
                    (a, b) = (b, a);
                }
                a.AsSpan(0, m * k).CopyTo(result.AsSpan(s * k, m * k));
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(a0);
            ArrayPool<double>.Shared.Return(b0);
        }
        return result;
    }

    /// <summary>f(x)[y] − max_{j≠y} f(x)[j] for every row of an n×k block of logits.</summary>
    public static double[] Margins(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, int k)
    {
        int n = labels.Length;
        if (logits.Length < n * k) throw new ArgumentException("fewer logits than labels × classes");
        var m = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = logits.Slice(i * k, k);
            int y = labels[i];
            double other = double.NegativeInfinity;
            for (int j = 0; j < k; j++) if (j != y && row[j] > other) other = row[j];
            m[i] = row[y] - other;
        }
        return m;
    }

    /// <summary>The gap between the two largest scores of every row (a margin that needs no label).</summary>
    public static double[] TopTwoGaps(ReadOnlySpan<double> logits, int n, int k)
    {
        var g = new double[n];
        for (int i = 0; i < n; i++)
        {
            var row = logits.Slice(i * k, k);
            double first = double.NegativeInfinity, second = double.NegativeInfinity;
            foreach (var v in row)
            {
                if (v > first) { second = first; first = v; }
                else if (v > second) second = v;
            }
            g[i] = first - second;
        }
        return g;
    }

    /// <summary>The index of the largest score of every row (the first one on ties).</summary>
    public static int[] Predictions(ReadOnlySpan<double> logits, int n, int k)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++)
        {
            var row = logits.Slice(i * k, k);
            int best = 0;
            for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
            p[i] = best;
        }
        return p;
    }

    /// <summary>Number of rows whose margin is ≤ 0 (errors, ties counting as errors).</summary>
    public static int Errors(ReadOnlySpan<double> logits, ReadOnlySpan<int> labels, int k)
    {
        int e = 0;
        foreach (var m in Margins(logits, labels, k)) if (m <= 0) e++;
        return e;
    }

    /// <summary>‖a_i − b_i‖ for every row of two row-major n×h blocks.</summary>
    public static double[] RowDistances(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, int h)
    {
        var d = new double[n];
        var diff = new double[h];
        for (int i = 0; i < n; i++)
        {
            TensorPrimitives.Subtract(a.Slice(i * h, h), b.Slice(i * h, h), diff);
            d[i] = TensorPrimitives.Norm<double>(diff);
        }
        return d;
    }

    /// <summary>max_j |a_ij − b_ij| for every row of two row-major n×h blocks.</summary>
    public static double[] RowMaxAbsDifferences(ReadOnlySpan<double> a, ReadOnlySpan<double> b, int n, int h)
    {
        var d = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = 0;
            for (int j = 0; j < h; j++) m = Math.Max(m, Math.Abs(a[i * h + j] - b[i * h + j]));
            d[i] = m;
        }
        return d;
    }
}
