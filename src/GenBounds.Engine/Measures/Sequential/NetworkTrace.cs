using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Measures;

/// <summary>
/// Float64 forward pass of a <see cref="DoubleNetwork"/> on n samples, keeping what the measures need: x^k (k = 0..d),
/// the layer inputs u^k = φ_{k+1}(x^k) (k = 0..d−1; with <see cref="ReluOnInput"/>, u⁰ = φ₁(ReLU(x⁰))), every block
/// module's output and max-pooling choices (the activation pattern at which Jacobians are taken), and per-sample norms.
/// Batches are channel-major for images and sample-major for vectors (<see cref="DoubleNetwork"/>).
/// </summary>
public sealed class NetworkTrace
{
    private NetworkTrace(DoubleNetwork net, int n, bool reluOnInput)
    {
        Net = net; Count = n; ReluOnInput = reluOnInput; int d = net.Depth;
        X = new double[d + 1][]; U = new double[d][];
        BlockOutputs = new double[d + 1][][]; BlockArgmax = new int[]?[d + 1][];
        XNorm = new double[d + 1][]; UNorm = new double[d][]; LinearNorm = new double[d + 1][]; ReluNorm = new double[d + 1][];
    }

    /// <summary>The network.</summary>
    public DoubleNetwork Net { get; }
    /// <summary>Number of samples n.</summary>
    public int Count { get; }
    /// <summary>Whether u⁰ starts from ReLU(x⁰) (the paper's literal x¹ = A¹φ(x⁰)).</summary>
    public bool ReluOnInput { get; }
    /// <summary>x^k, k = 0..d (batch layout).</summary>
    public double[][] X { get; }
    /// <summary>u^k = input of weight layer k+1, k = 0..d−1.</summary>
    public double[][] U { get; }
    /// <summary>BlockOutputs[k][q]: output of module q of block φ_k (k = 1..d).</summary>
    public double[][][] BlockOutputs { get; }
    /// <summary>BlockArgmax[k][q]: max-pooling choices of module q of block φ_k, or null.</summary>
    public int[]?[][] BlockArgmax { get; }
    /// <summary>Per-sample ‖x^k‖.</summary>
    public double[][] XNorm { get; }
    /// <summary>Per-sample ‖u^k‖.</summary>
    public double[][] UNorm { get; }
    /// <summary>Per-sample ‖x^k − b^k‖ = ‖A^k u^{k−1}‖ (k = 1..d; ‖x^k‖ without biases).</summary>
    public double[][] LinearNorm { get; }
    /// <summary>Per-sample ‖ReLU(x^k)‖, k = 1..d−1 (activation contraction's denominator).</summary>
    public double[][] ReluNorm { get; }

    /// <summary>Sample s of x^k in PyTorch order.</summary>
    public double[] Sample(int k, int s) => SequentialOps.Member(Net.XShape[k], Count, X[k], s);

    /// <summary>Trace of n row-major float32 inputs (each a flattened C×H×W sample).</summary>
    public static NetworkTrace Compute(DoubleNetwork net, ReadOnlySpan<float> inputs, int n, bool reluOnInput = false, ILinearAlgebraProvider? provider = null)
    {
        var x0 = new double[n * net.XShape[0].Size];
        TensorPrimitives.ConvertChecked<float, double>(inputs[..x0.Length], x0);
        return Compute(net, x0, n, reluOnInput, provider);
    }

    /// <summary>Trace of n row-major float64 inputs.</summary>
    public static NetworkTrace Compute(DoubleNetwork net, ReadOnlySpan<double> inputs, int n, bool reluOnInput = false, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var t = new NetworkTrace(net, n, reluOnInput);
        var x0 = SequentialOps.ToBatchLayout(net.XShape[0], n, inputs[..(n * net.XShape[0].Size)]);
        t.X[0] = x0;
        var scratch = SequentialOps.Scratch(net, n);
        Propagate(net, 0, x0, n, net.Depth, reluOnInput, p, scratch, (k, xk, outs, args) =>
        {
            t.X[k] = xk; t.BlockOutputs[k] = outs; t.BlockArgmax[k] = args;
            t.U[k - 1] = outs.Length == 0 ? (k == 1 ? x0 : throw new InvalidOperationException()) : outs[^1];
        });
        int d = net.Depth;
        var tmp = new double[n];
        for (int k = 0; k <= d; k++) { t.XNorm[k] = new double[n]; Norms(net.XShape[k], n, t.X[k], t.XNorm[k]); }
        for (int k = 0; k < d; k++) { t.UNorm[k] = new double[n]; Norms(net.UShape[k], n, t.U[k], t.UNorm[k]); }
        for (int k = 1; k <= d; k++)
        {
            t.LinearNorm[k] = new double[n];
            if (net.B[k] is { } b)
            {
                var lin = (double[])t.X[k].Clone();
                SubtractBias(net.XShape[k], n, lin, b);
                Norms(net.XShape[k], n, lin, t.LinearNorm[k]);
            }
            else t.XNorm[k].CopyTo(t.LinearNorm[k], 0);
            if (k < d)
            {
                var r = new double[t.X[k].Length];
                TensorPrimitives.Max(t.X[k], 0.0, r);
                t.ReluNorm[k] = new double[n];
                Norms(net.XShape[k], n, r, t.ReluNorm[k]);
            }
        }
        return t;
    }

    /// <summary>
    /// The clean network from level <paramref name="from"/>: given x^from for <paramref name="count"/> members, computes
    /// block φ_k and weight layer k (with bias) for k = from+1..<paramref name="to"/> and hands each x^k, the block's module
    /// outputs and max-pooling choices to <paramref name="visit"/>. With <paramref name="reluOnInput"/> and from = 0 the input is rectified first.
    /// </summary>
    public static void Propagate(DoubleNetwork net, int from, double[] x, int count, int to, bool reluOnInput, ILinearAlgebraProvider p, double[] scratch,
        Action<int, double[], double[][], int[]?[]> visit)
    {
        var cur = x;
        for (int k = from + 1; k <= to; k++)
        {
            var block = net.Blocks[k]; var shapes = net.BlockShapes[k];
            var outs = new double[block.Length][]; var args = new int[]?[block.Length];
            var inp = cur;
            if (k == 1 && reluOnInput)
            {
                inp = new double[cur.Length];
                TensorPrimitives.Max(cur, 0.0, inp);
            }
            for (int q = 0; q < block.Length; q++)
            {
                var o = shapes[q + 1];
                outs[q] = new double[count * o.Size];
                if (block[q] is Pool2dSpec { Kind: PoolKind.Max }) args[q] = new int[count * o.Size];
                SequentialOps.ModuleForward(block[q], shapes[q], count, inp, outs[q], args[q]);
                inp = outs[q];
            }
            if (k == 1 && reluOnInput && block.Length == 0) outs = [inp];
            var y = new double[count * net.XShape[k].Size];
            SequentialOps.WeightForward(p, net, k, net.UShape[k - 1], count, inp, y, bias: true, scratch);
            visit(k, y, outs, args);
            cur = y;
        }
    }

    /// <summary>
    /// The sub-network M^{i,j}: x^i ↦ x^j (0 ≤ i &lt; j ≤ d; clean layers with biases) as a <see cref="BatchMap"/> on
    /// sample-major rows in PyTorch order, e.g. for Monte Carlo noise sensitivity (<see cref="NoiseSensitivity.MonteCarlo"/>).
    /// </summary>
    public static BatchMap SubNetwork(DoubleNetwork net, int i, int j, ILinearAlgebraProvider? provider = null)
    {
        if (i < 0 || j <= i || j > net.Depth) throw new ArgumentOutOfRangeException(nameof(j), $"need 0 ≤ i < j ≤ d, got ({i},{j})");
        var p = provider ?? LinearAlgebraProviders.Default;
        double[] scratch = [];
        return (input, n, output) =>
        {
            if (scratch.Length < SequentialOps.Scratch(net, n).Length) scratch = SequentialOps.Scratch(net, n);
            var x = SequentialOps.ToBatchLayout(net.XShape[i], n, input);
            double[] y = x;
            Propagate(net, i, x, n, j, false, p, scratch, (k, xk, _, _) => { if (k == j) y = xk; });
            var o = net.XShape[j];
            if (o.IsVector) y.AsSpan(0, n * o.Size).CopyTo(output);
            else GenBounds.Networks.Kernels.Layout.ChannelToSampleMajor<double>(y, o.Channels, n, o.Locations, output);
        };
    }

    internal static void Norms(TensorShape shape, int n, ReadOnlySpan<double> a, Span<double> dst)
    {
        SequentialOps.SquaredNorms(shape, n, a, dst);
        for (int s = 0; s < n; s++) dst[s] = Math.Sqrt(dst[s]);
    }

    internal static void SubtractBias(TensorShape shape, int n, Span<double> a, double[] b)
    {
        if (shape.IsVector) { for (int s = 0; s < n; s++) TensorPrimitives.Subtract(a.Slice(s * shape.Size, shape.Size), b, a.Slice(s * shape.Size, shape.Size)); return; }
        int plane = n * shape.Locations;
        for (int c = 0; c < shape.Channels; c++) TensorPrimitives.Subtract(a.Slice(c * plane, plane), b[c], a.Slice(c * plane, plane));
    }
}
