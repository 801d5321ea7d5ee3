using GenBounds.LinearAlgebra;

namespace GenBounds.Sparsity;

/// <summary>
/// One forward pass of a network over a data set, kept in the form every sparsity quantity reads: per sample and hidden
/// layer the clean pre-activations u_k = W_k x_{k−1} sorted ascending (so any radius r_k at any s_k is an O(1) lookup and any
/// threshold count an O(log d_k) search), the raw margins of h, and the input norms. Layer-wise rescaling W_k/c_k (SULAM-A3)
/// divides u_k by Π_{n≤k} c_n and the margin by Π_{n≤K+1} c_n, so one pass serves every normalisation, sparsity vector and
/// grid point. Memory: 8·n·Σ_{k≤K} d_k bytes (440 MB for 55,000 samples of a width-1000 layer).
/// </summary>
public sealed class ActivationProfile
{
    private readonly double[][] _sorted;

    private ActivationProfile(int[] widths, int count, double[][] sorted, double[]? margins, double[] inputNorms, int[]? predictions)
    {
        Widths = widths; Count = count; _sorted = sorted; Margins = margins; InputNorms = inputNorms; Predictions = predictions;
    }

    /// <summary>d₀..d_{K+1} of the network.</summary>
    public int[] Widths { get; }
    /// <summary>Number of samples n.</summary>
    public int Count { get; }
    /// <summary>K.</summary>
    public int K => Widths.Length - 2;
    /// <summary>Raw margins [h(x)]_y − max_{j≠y}[h(x)]_j (null when no labels were given).</summary>
    public double[]? Margins { get; }
    /// <summary>argmax_j h(x)_j (lowest index on ties, footnote 3), or null without labels.</summary>
    public int[]? Predictions { get; }
    /// <summary>‖x₀‖₂ per sample.</summary>
    public double[] InputNorms { get; }

    /// <summary>Sorted (ascending) pre-activations of hidden layer k ∈ [K] for sample i.</summary>
    public ReadOnlySpan<double> Sorted(int k, int i) => _sorted[k].AsSpan(i * Widths[k], Widths[k]);

    /// <summary>#{j : u_k[j] &lt; threshold} for sample i (binary search).</summary>
    public int CountBelow(int k, int i, double threshold)
    {
        var row = Sorted(k, i);
        int lo = 0, hi = row.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >> 1;
            if (row[mid] < threshold) lo = mid + 1; else hi = mid;
        }
        return lo;
    }

    /// <summary>The s-th smallest pre-activation (1-based s) of layer k for sample i.</summary>
    public double OrderStatistic(int k, int i, int s) => Sorted(k, i)[s - 1];

    /// <summary>Computes the profile of <paramref name="net"/> on n row-major inputs (labels optional), in chunks of GEMMs.</summary>
    public static ActivationProfile Compute(SparseNetwork net, ReadOnlySpan<float> inputs, int n, ReadOnlySpan<int> labels, ILinearAlgebraProvider la, int chunk = 1024)
    {
        int d0 = net.Widths[0], K = net.K, C = net.Widths[K + 1];
        if (inputs.Length < (long)n * d0) throw new ArgumentException($"{n} inputs of dimension {d0} expected");
        bool withLabels = !labels.IsEmpty;
        if (withLabels && labels.Length != n) throw new ArgumentException("one label per input expected");
        var sorted = new double[K + 1][];
        for (int k = 1; k <= K; k++) sorted[k] = new double[(long)n * net.Widths[k]];
        var margins = withLabels ? new double[n] : null;
        var predictions = withLabels ? new int[n] : null;
        var norms = new double[n];
        int maxWidth = net.Widths.Max();
        var a = new double[chunk * maxWidth];
        var b = new double[chunk * maxWidth];
        for (int start = 0; start < n; start += chunk)
        {
            int m = Math.Min(chunk, n - start);
            for (int i = 0; i < m * d0; i++) a[i] = inputs[start * d0 + i];
            for (int r = 0; r < m; r++) norms[start + r] = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(a.AsSpan(r * d0, d0)));
            for (int k = 1; k <= K + 1; k++)
            {
                int rows = net.Widths[k], cols = net.Widths[k - 1];
                la.Gemm(Transpose.No, Transpose.Yes, m, rows, cols, 1.0, a.AsSpan(0, m * cols), cols, net.W[k], cols, 0.0, b.AsSpan(0, m * rows), rows);
                if (k <= K)
                {
                    var dst = sorted[k].AsSpan(start * rows, m * rows);
                    b.AsSpan(0, m * rows).CopyTo(dst);
                    for (int r = 0; r < m; r++) dst.Slice(r * rows, rows).Sort();
                    System.Numerics.Tensors.TensorPrimitives.Max(b.AsSpan(0, m * rows), 0.0, b.AsSpan(0, m * rows));
                }
                else if (withLabels)
                {
                    for (int r = 0; r < m; r++)
                    {
                        var row = b.AsSpan(r * C, C);
                        int y = labels[start + r];
                        double other = double.NegativeInfinity;
                        int arg = 0;
                        for (int j = 0; j < C; j++)
                        {
                            if (j != y && row[j] > other) other = row[j];
                            if (row[j] > row[arg]) arg = j;
                        }
                        margins![start + r] = row[y] - other;
                        predictions![start + r] = arg;
                    }
                }
                (a, b) = (b, a);
            }
        }
        return new ActivationProfile(net.Widths, n, sorted, margins, norms, predictions);
    }
}
