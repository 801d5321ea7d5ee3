using System.Numerics;
using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Measures;

/// <summary>
/// An <see cref="Mlp"/> widened to float64 and indexed by the paper's layer numbers (§1): A^k = <see cref="W"/>[k]
/// (h^k×h^{k−1}, row-major), k = 1..d; index 0 is unused. Caches per-layer data that several measures reuse.
/// </summary>
public sealed class DoubleMlp
{
    private readonly double[]?[] _colNorms2, _gram, _transposed;

    /// <summary>Copies the parameters of <paramref name="net"/>.</summary>
    public DoubleMlp(Mlp net)
    {
        Architecture = net.Architecture;
        Depth = net.Architecture.Depth;
        Widths = net.Architecture.LayerSizes.ToArray();
        W = new double[Depth + 1][]; B = new double[]?[Depth + 1];
        W[0] = [];
        for (int k = 1; k <= Depth; k++)
        {
            W[k] = net.Layers[k - 1].WeightAsDouble();
            B[k] = net.Layers[k - 1].Bias is { } b ? Array.ConvertAll(b, v => (double)v) : null;
        }
        _colNorms2 = new double[]?[Depth + 1]; _gram = new double[]?[Depth + 1]; _transposed = new double[]?[Depth + 1];
    }

    /// <summary>
    /// A network from raw float64 parameters: <paramref name="weights"/>[l] is layer l+1's h^{l+1}×h^l matrix
    /// (row-major, copied), <paramref name="biases"/>[l] its bias or null. Used for perturbed, pruned or synthetic
    /// weights that are not an <see cref="Mlp"/>.
    /// </summary>
    public DoubleMlp(IReadOnlyList<int> widths, IReadOnlyList<double[]> weights, IReadOnlyList<double[]?>? biases = null)
        : this(widths, weights, biases, copy: true) { }

    /// <summary>
    /// A network that takes <paramref name="weights"/> and <paramref name="biases"/> as they are, without copying: for
    /// freshly drawn arrays (a compression draw's surrogate layers) or arrays shared read-only with another network.
    /// </summary>
    internal static DoubleMlp Adopt(IReadOnlyList<int> widths, IReadOnlyList<double[]> weights, IReadOnlyList<double[]?>? biases = null)
        => new(widths, weights, biases, copy: false);

    private DoubleMlp(IReadOnlyList<int> widths, IReadOnlyList<double[]> weights, IReadOnlyList<double[]?>? biases, bool copy)
    {
        if (weights.Count != widths.Count - 1) throw new ArgumentException($"{widths.Count - 1} weight matrices expected, got {weights.Count}");
        bool bias = biases is not null && biases.Any(b => b is not null);
        Architecture = new MlpArchitecture(widths, bias);
        Depth = Architecture.Depth;
        Widths = widths.ToArray();
        W = new double[Depth + 1][]; B = new double[]?[Depth + 1];
        W[0] = [];
        for (int k = 1; k <= Depth; k++)
        {
            if (weights[k - 1].Length != Widths[k] * Widths[k - 1]) throw new ArgumentException($"layer {k}: expected {Widths[k]}×{Widths[k - 1]} weights");
            W[k] = copy ? (double[])weights[k - 1].Clone() : weights[k - 1];
            if (biases?[k - 1] is { } b)
            {
                if (b.Length != Widths[k]) throw new ArgumentException($"layer {k}: expected {Widths[k]} biases");
                B[k] = copy ? (double[])b.Clone() : b;
            }
            else if (bias) B[k] = new double[Widths[k]];
        }
        _colNorms2 = new double[]?[Depth + 1]; _gram = new double[]?[Depth + 1]; _transposed = new double[]?[Depth + 1];
    }

    /// <summary>The shape.</summary>
    public MlpArchitecture Architecture { get; }
    /// <summary>Number of weight layers d.</summary>
    public int Depth { get; }
    /// <summary>h⁰..h^d.</summary>
    public int[] Widths { get; }
    /// <summary>A^k, k = 1..d.</summary>
    public double[][] W { get; }
    /// <summary>b^k or null, k = 1..d.</summary>
    public double[]?[] B { get; }
    /// <summary>True when layers carry biases: M^{i,j}(x^i) = J^{i,j}x^i then fails (catalog §1 note ii).</summary>
    public bool HasBias => Architecture.Bias;

    /// <summary>‖A^k_{:,c}‖² for every column c: ‖A^k D‖_F² = Σ_{c active} ‖A^k_{:,c}‖².</summary>
    public double[] ColumnNormsSquared(int k)
    {
        if (_colNorms2[k] is { } cached) return cached;
        int rows = Widths[k], cols = Widths[k - 1];
        var s = new double[cols];
        for (int r = 0; r < rows; r++) TensorPrimitives.FusedMultiplyAdd(W[k].AsSpan(r * cols, cols), W[k].AsSpan(r * cols, cols), s, s);
        return _colNorms2[k] = s;
    }

    /// <summary>(A^k)ᵀ row-major (h^{k−1}×h^k): row c is column c of A^k, contiguous for sparse products.</summary>
    public double[] Transposed(int k)
    {
        if (_transposed[k] is { } cached) return cached;
        int rows = Widths[k], cols = Widths[k - 1];
        var t = new double[rows * cols]; var w = W[k];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
        return _transposed[k] = t;
    }

    /// <summary>Gram matrix (A^k)ᵀA^k (h^{k−1}×h^{k−1}).</summary>
    public double[] Gram(int k, ILinearAlgebraProvider p)
    {
        if (_gram[k] is { } cached) return cached;
        int rows = Widths[k], cols = Widths[k - 1];
        var g = new double[cols * cols];
        p.Gemm(Transpose.Yes, Transpose.No, cols, cols, rows, 1.0, W[k], cols, W[k], cols, 0.0, g, cols);
        return _gram[k] = g;
    }
}

/// <summary>
/// Float64 measurement forward pass (catalog §1, §2 "double precision"): x⁰ the input, x^k = A^k u^{k−1} + b^k with
/// layer inputs u⁰ = x⁰ (or φ(x⁰), the paper's literal x¹ = A¹φ(x⁰), when <see cref="ReluOnInput"/>; the two agree for
/// pixels in [0,1]) and u^k = φ(x^k) = ReLU(x^k) for 1 ≤ k &lt; d. All arrays are row-major n×h^k.
/// </summary>
public sealed class ForwardTrace
{
    private ForwardTrace(DoubleMlp net, int n, bool reluOnInput)
    {
        Net = net; Count = n; ReluOnInput = reluOnInput;
        X = new double[net.Depth + 1][]; Phi = new double[net.Depth][];
        XNorm = new double[net.Depth + 1][]; PhiNorm = new double[net.Depth][];
    }

    /// <summary>The network (float64).</summary>
    public DoubleMlp Net { get; private set; }
    /// <summary>Number of samples n.</summary>
    public int Count { get; }
    /// <summary>Whether layer 1 sees φ(x⁰) instead of x⁰.</summary>
    public bool ReluOnInput { get; }
    /// <summary>x^k for k = 0..d (x⁰ = the input, x^d = f(x)).</summary>
    public double[][] X { get; }
    /// <summary>Layer inputs u^k, k = 0..d−1: u⁰ = x⁰ or φ(x⁰), u^k = φ(x^k).</summary>
    public double[][] Phi { get; }
    /// <summary>Per-sample ‖x^k‖.</summary>
    public double[][] XNorm { get; }
    /// <summary>Per-sample ‖u^k‖.</summary>
    public double[][] PhiNorm { get; }
    /// <summary>Row s of x^k.</summary>
    public ReadOnlySpan<double> Row(int k, int s) => X[k].AsSpan(s * Net.Widths[k], Net.Widths[k]);

    /// <summary>Trace of n row-major float32 inputs (n×h⁰).</summary>
    public static ForwardTrace Compute(DoubleMlp net, ReadOnlySpan<float> inputs, int n, bool reluOnInput = false, ILinearAlgebraProvider? provider = null)
    {
        var x0 = new double[n * net.Widths[0]];
        TensorPrimitives.ConvertChecked<float, double>(inputs[..x0.Length], x0);
        return Build(net, x0, n, reluOnInput, provider ?? LinearAlgebraProviders.Default);
    }

    /// <summary>Trace of n row-major float64 inputs (n×h⁰).</summary>
    public static ForwardTrace Compute(DoubleMlp net, ReadOnlySpan<double> inputs, int n, bool reluOnInput = false, ILinearAlgebraProvider? provider = null)
        => Build(net, inputs[..(n * net.Widths[0])].ToArray(), n, reluOnInput, provider ?? LinearAlgebraProviders.Default);

    /// <summary>
    /// The trace of <paramref name="net"/> (the shape of <paramref name="like"/>'s network) on <paramref name="like"/>'s
    /// inputs, which it shares read-only. The arrays of <paramref name="reuse"/> are overwritten and returned when it
    /// has the same shape and sample count, so that many perturbed copies of one network on the same samples (the
    /// compression draws) allocate their traces once; the values are those of <see cref="Compute(DoubleMlp, ReadOnlySpan{double}, int, bool, ILinearAlgebraProvider?)"/>.
    /// </summary>
    internal static ForwardTrace OnInputsOf(DoubleMlp net, ForwardTrace like, ForwardTrace? reuse, ILinearAlgebraProvider p)
    {
        if (!net.Architecture.Equals(like.Net.Architecture)) throw new ArgumentException("the network must have the shape of the trace's network");
        var t = reuse is not null && reuse.Count == like.Count && reuse.ReluOnInput == like.ReluOnInput && reuse.Net.Architecture.Equals(net.Architecture)
            ? reuse : new ForwardTrace(net, like.Count, like.ReluOnInput);
        t.Net = net;
        t.X[0] = like.X[0]; t.Phi[0] = like.Phi[0]; t.XNorm[0] = like.XNorm[0]; t.PhiNorm[0] = like.PhiNorm[0];
        t.Propagate(p);
        return t;
    }

    /// <summary>Layers 1..d from u⁰ = Phi[0] and the row norms of layers ≥ 1, into the trace's arrays (allocated where missing).</summary>
    private void Propagate(ILinearAlgebraProvider p)
    {
        int n = Count;
        for (int k = 1; k <= Net.Depth; k++)
        {
            X[k] ??= new double[n * Net.Widths[k]];
            Propagation.Affine(Net, k, Phi[k - 1], X[k], n, p);
            if (k < Net.Depth) { Phi[k] ??= new double[X[k].Length]; TensorPrimitives.Max(X[k], 0.0, Phi[k]); }
        }
        for (int k = 1; k <= Net.Depth; k++) { XNorm[k] ??= new double[n]; RowNorms(X[k], n, Net.Widths[k], XNorm[k]); }
        for (int k = 1; k < Net.Depth; k++) { PhiNorm[k] ??= new double[n]; RowNorms(Phi[k], n, Net.Widths[k], PhiNorm[k]); }
    }

    /// <summary>Memory-bounded iteration: traces of consecutive blocks of at most <paramref name="chunkRows"/> samples, with their offsets.</summary>
    public static IEnumerable<(int Offset, ForwardTrace Trace)> Chunks(DoubleMlp net, float[] inputs, int n, int chunkRows = 1024, bool reluOnInput = false, ILinearAlgebraProvider? provider = null)
    {
        int h0 = net.Widths[0];
        for (int s = 0; s < n; s += chunkRows)
        {
            int m = Math.Min(chunkRows, n - s);
            yield return (s, Compute(net, inputs.AsSpan(s * h0, m * h0), m, reluOnInput, provider));
        }
    }

    private static ForwardTrace Build(DoubleMlp net, double[] x0, int n, bool reluOnInput, ILinearAlgebraProvider p)
    {
        if (x0.Length != n * net.Widths[0]) throw new ArgumentException($"expected {n}×{net.Widths[0]} inputs");
        var t = new ForwardTrace(net, n, reluOnInput);
        t.X[0] = x0;
        if (reluOnInput) { t.Phi[0] = new double[x0.Length]; TensorPrimitives.Max(x0, 0.0, t.Phi[0]); }
        else t.Phi[0] = x0;
        t.XNorm[0] = RowNorms(x0, n, net.Widths[0]);
        t.PhiNorm[0] = RowNorms(t.Phi[0], n, net.Widths[0]);
        t.Propagate(p);
        return t;
    }

    /// <summary>Euclidean norm of every row of a row-major n×h matrix.</summary>
    public static double[] RowNorms(ReadOnlySpan<double> a, int n, int h)
    {
        var r = new double[n];
        RowNorms(a, n, h, r);
        return r;
    }

    private static void RowNorms(ReadOnlySpan<double> a, int n, int h, Span<double> r)
    {
        for (int s = 0; s < n; s++) r[s] = TensorPrimitives.Norm(a.Slice(s * h, h));
    }
}

/// <summary>Batched propagation kernels shared by the measures: one GEMM per layer for all rows.</summary>
internal static class Propagation
{
    /// <summary>y ← u (A^k)ᵀ + b^k for n rows.</summary>
    public static void Affine(DoubleMlp net, int k, ReadOnlySpan<double> u, Span<double> y, int n, ILinearAlgebraProvider p)
    {
        int hin = net.Widths[k - 1], hout = net.Widths[k];
        p.Gemm(Transpose.No, Transpose.Yes, n, hout, hin, 1.0, u, hin, net.W[k], hin, 0.0, y, hout);
        if (net.B[k] is { } b)
            for (int s = 0; s < n; s++) TensorPrimitives.Add(y.Slice(s * hout, hout), b, y.Slice(s * hout, hout));
    }

    /// <summary>
    /// One linearised step v ↦ A^k D^{k−1} v (no bias): rows r of <paramref name="v"/> belong to sample
    /// s0 + r / perSample of the trace, whose activation pattern at layer k−1 masks them (v is masked in place).
    /// </summary>
    public static void LinearStep(ForwardTrace t, int k, double[] v, double[] y, int rows, int s0, int perSample, ILinearAlgebraProvider p)
    {
        var net = t.Net;
        int hin = net.Widths[k - 1], hout = net.Widths[k];
        for (int r = 0; r < rows; r++) Mask(v.AsSpan(r * hin, hin), t.Row(k - 1, s0 + r / perSample));
        p.Gemm(Transpose.No, Transpose.Yes, rows, hout, hin, 1.0, v, hin, net.W[k], hin, 0.0, y, hout);
    }

    /// <summary>One step of the clean network on pre-activations: z ↦ A^k φ(z) + b^k (z is overwritten by φ(z)).</summary>
    public static void NetworkStep(DoubleMlp net, int k, double[] z, double[] y, int rows, ILinearAlgebraProvider p)
    {
        var zs = z.AsSpan(0, rows * net.Widths[k - 1]);
        TensorPrimitives.Max(zs, 0.0, zs);
        Affine(net, k, zs, y, rows, p);
    }

    /// <summary>v ← D v with D = diag(1[x &gt; 0]).</summary>
    public static void Mask(Span<double> v, ReadOnlySpan<double> x)
    {
        int c = 0, w = Vector<double>.Count;
        if (Vector.IsHardwareAccelerated)
            for (; c + w <= v.Length; c += w)
                Vector.ConditionalSelect(Vector.GreaterThan(new Vector<double>(x[c..]), Vector<double>.Zero), new Vector<double>(v[c..]), Vector<double>.Zero).CopyTo(v[c..]);
        for (; c < v.Length; c++) if (!(x[c] > 0)) v[c] = 0;
    }

    /// <summary>Squared Euclidean norm of every row.</summary>
    public static void RowNormsSquared(ReadOnlySpan<double> a, int rows, int h, Span<double> dst)
    {
        for (int r = 0; r < rows; r++) { var row = a.Slice(r * h, h); dst[r] = TensorPrimitives.Dot(row, row); }
    }
}
