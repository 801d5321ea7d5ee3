using System.Runtime.CompilerServices;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using GenBounds.LinearAlgebra;

namespace GenBounds.Training;

/// <summary>
/// Forward pass, softmax cross-entropy and backward pass of a fully connected ReLU network on one mini-batch, in
/// float32 (training) or float64 (gradient checks). Parameters are passed in, buffers are owned and reused, and
/// every product is one GEMM through the provider: Z = A·Wᵀ, ∂W = ∂Zᵀ·A, ∂A = ∂Z·W.
/// </summary>
public sealed class Backprop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILinearAlgebraProvider _la;
    private readonly int[] _sizes;
    private readonly T[][] _act;      // _act[l] = output of layer l+1 (post-ReLU for hidden layers, logits for the last)
    private readonly T[][] _dz;       // ∂loss/∂(pre-activation) of layer l+1
    private readonly T[] _da;         // scratch for ∂loss/∂(post-activation)
    private readonly double[] _rowLoss;
    private readonly bool[] _rowCorrect;

    /// <summary>Buffers for batches of up to <paramref name="maxBatch"/> rows of a network with layer sizes <paramref name="sizes"/>.</summary>
    public Backprop(ILinearAlgebraProvider la, IReadOnlyList<int> sizes, bool bias, int maxBatch)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException("Backprop supports float and double");
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch));
        _la = la; _sizes = sizes.ToArray(); MaxBatch = maxBatch; HasBias = bias;
        int L = _sizes.Length - 1;
        _act = new T[L][]; _dz = new T[L][];
        WeightGradients = new T[L][]; BiasGradients = new T[L][];
        for (int l = 0; l < L; l++)
        {
            _act[l] = new T[maxBatch * _sizes[l + 1]];
            _dz[l] = new T[maxBatch * _sizes[l + 1]];
            WeightGradients[l] = new T[_sizes[l] * _sizes[l + 1]];
            BiasGradients[l] = bias ? new T[_sizes[l + 1]] : Array.Empty<T>();
        }
        _da = new T[maxBatch * _sizes.Take(L).Max()];
        _rowLoss = new double[maxBatch];
        _rowCorrect = new bool[maxBatch];
    }

    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Whether the layers have biases.</summary>
    public bool HasBias { get; }
    /// <summary>∂loss/∂W_l after <see cref="Backward"/> (Out×In row-major).</summary>
    public T[][] WeightGradients { get; }
    /// <summary>∂loss/∂b_l after <see cref="Backward"/> (empty arrays for bias-free nets).</summary>
    public T[][] BiasGradients { get; }

    private void Gemm(Transpose ta, Transpose tb, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc)
    {
        if (typeof(T) == typeof(float))
            _la.Gemm(ta, tb, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, 0f, MemoryMarshal.Cast<T, float>(c), ldc);
        else
            _la.Gemm(ta, tb, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, 0.0, MemoryMarshal.Cast<T, double>(c), ldc);
    }

    /// <summary>Logits of <paramref name="batch"/> inputs <paramref name="x"/> (batch×h₀ row-major); a view into an owned buffer.</summary>
    public ReadOnlySpan<T> Forward(IReadOnlyList<T[]> weights, IReadOnlyList<T[]?> biases, ReadOnlySpan<T> x, int batch)
    {
        CheckBatch(batch, x.Length);
        ForwardRows(weights, biases, x, 0, batch);
        return _act[_sizes.Length - 2].AsSpan(0, batch * _sizes[^1]);
    }

    /// <summary>
    /// The forward pass of rows <paramref name="r0"/>..<paramref name="r1"/>−1 of the batch held in <paramref name="x"/>
    /// (row-major, h₀ columns). Rows are independent, so disjoint row ranges may run on different threads; the results
    /// are those of <see cref="Forward"/> for those rows.
    /// </summary>
    public void ForwardRows(IReadOnlyList<T[]> weights, IReadOnlyList<T[]?> biases, ReadOnlySpan<T> x, int r0, int r1)
    {
        for (int l = 0; l < _sizes.Length - 1; l++) ForwardLayerRows(l, weights, biases, x, r0, r1);
    }

    /// <summary>
    /// Layer <paramref name="l"/> of the forward pass for rows <paramref name="r0"/>..<paramref name="r1"/>−1 (those rows of its
    /// input must be done). With <paramref name="inputMajor"/>, weights[l] holds W_lᵀ (h_l×h_{l+1}) instead of W_l.
    /// </summary>
    public void ForwardLayerRows(int l, IReadOnlyList<T[]> weights, IReadOnlyList<T[]?> biases, ReadOnlySpan<T> x, int r0, int r1, bool inputMajor = false)
    {
        if (r0 < 0 || r1 > MaxBatch || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} outside 0..{MaxBatch}");
        if (l == 0 && x.Length < r1 * _sizes[0]) throw new ArgumentException($"input has {x.Length} values, needs {r1}×{_sizes[0]}");
        int rows = r1 - r0, nin = _sizes[l], nout = _sizes[l + 1];
        if (rows == 0) return;
        ReadOnlySpan<T> input = l == 0 ? x.Slice(r0 * nin, rows * nin) : _act[l - 1].AsSpan(r0 * nin, rows * nin);
        var y = _act[l].AsSpan(r0 * nout, rows * nout);
        if (inputMajor) Gemm(Transpose.No, Transpose.No, rows, nout, nin, input, nin, weights[l], nout, y, nout);
        else Gemm(Transpose.No, Transpose.Yes, rows, nout, nin, input, nin, weights[l], nin, y, nout);
        BiasRelu(y, rows, nout, 0, nout, biases[l], l < _sizes.Length - 2);
    }

    /// <summary>
    /// Layer <paramref name="l"/> of the forward pass for output units <paramref name="o0"/>..<paramref name="o1"/>−1 of all
    /// <paramref name="batch"/> rows (the whole input of the layer must be done); each member of a team reads only its
    /// units' rows of W_l, which is what makes this split cheaper than a row split for large layers. With
    /// <paramref name="inputMajor"/>, weights[l] holds W_lᵀ (h_l×h_{l+1}) and each member reads its units' columns of it.
    /// </summary>
    public void ForwardLayerUnits(int l, IReadOnlyList<T[]> weights, IReadOnlyList<T[]?> biases, ReadOnlySpan<T> x, int batch, int o0, int o1, bool inputMajor = false)
    {
        int nin = _sizes[l], nout = _sizes[l + 1], units = o1 - o0;
        if (o0 < 0 || o1 > nout || units < 0) throw new ArgumentOutOfRangeException(nameof(o0), $"units {o0}..{o1} outside 0..{nout}");
        CheckBatch(batch, l == 0 ? x.Length : int.MaxValue);
        if (units == 0) return;
        ReadOnlySpan<T> input = l == 0 ? x[..(batch * nin)] : _act[l - 1].AsSpan(0, batch * nin);
        var y = _act[l].AsSpan(0, batch * nout);
        if (inputMajor) Gemm(Transpose.No, Transpose.No, batch, units, nin, input, nin, weights[l].AsSpan(o0), nout, y[o0..], nout);
        else Gemm(Transpose.No, Transpose.Yes, batch, units, nin, input, nin, weights[l].AsSpan(o0 * nin, units * nin), nin, y[o0..], nout);
        BiasRelu(y, batch, nout, o0, o1, biases[l], l < _sizes.Length - 2);
    }

    // y[r, o0..o1) ← (y + b) then max(·, 0): TensorPrimitives' Add and Max, whatever the split, so every split gives the same bits.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BiasRelu(Span<T> y, int rows, int stride, int o0, int o1, T[]? b, bool relu)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * stride + o0, o1 - o0);
            if (b is not null) TensorPrimitives.Add<T>(row, b.AsSpan(o0, o1 - o0), row);
            if (relu) TensorPrimitives.Max<T>(row, T.Zero, row);
        }
    }

    /// <summary>
    /// After <see cref="Forward"/>: mean softmax cross-entropy over the batch (accumulated in double), the number of
    /// correct arg-max predictions (ties count as errors), and ∂loss/∂logits = (softmax − onehot)/batch stored for backward.
    /// </summary>
    public double CrossEntropy(ReadOnlySpan<int> labels, int batch, out int correct)
    {
        CrossEntropyRows(labels, batch, 0, batch, _rowLoss, _rowCorrect);
        double loss = 0; correct = 0;
        for (int r = 0; r < batch; r++) { loss += _rowLoss[r]; if (_rowCorrect[r]) correct++; }
        return loss / batch;
    }

    /// <summary>
    /// <see cref="CrossEntropy"/> for rows <paramref name="r0"/>..<paramref name="r1"/>−1 of a batch of
    /// <paramref name="batch"/>: each row's loss and correctness go to <paramref name="rowLoss"/>/<paramref name="rowCorrect"/>
    /// (indexed by row), so that the caller sums them in row order whatever the split.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void CrossEntropyRows(ReadOnlySpan<int> labels, int batch, int r0, int r1, Span<double> rowLoss, Span<bool> rowCorrect)
    {
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (r0 < 0 || r1 > batch || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} outside 0..{batch}");
        int L = _sizes.Length - 1, k = _sizes[L];
        var logits = _act[L - 1]; var dz = _dz[L - 1];
        T invB = T.One / T.CreateChecked(batch);
        for (int r = r0; r < r1; r++)
        {
            var z = logits.AsSpan(r * k, k); var g = dz.AsSpan(r * k, k);
            int y = labels[r];
            if ((uint)y >= (uint)k) throw new ArgumentException($"label {y} outside 0..{k - 1}");
            T max = z[0]; int arg = 0; bool tie = false;
            for (int j = 1; j < k; j++)
                if (z[j] > max) { max = z[j]; arg = j; tie = false; }
                else if (z[j] == max) tie = true;
            rowCorrect[r] = arg == y && !tie;
            T sum = T.Zero;
            for (int j = 0; j < k; j++) { g[j] = T.Exp(z[j] - max); sum += g[j]; }
            rowLoss[r] = double.CreateChecked(T.Log(sum) - (z[y] - max));
            T inv = invB / sum;
            for (int j = 0; j < k; j++) g[j] *= inv;
            g[y] -= invB;
        }
    }

    /// <summary>
    /// Back-propagates the gradient left by <see cref="CrossEntropy"/>, from the last layer down. After layer l's
    /// gradients are complete — and after they were used to propagate further down — <paramref name="layerDone"/>(l)
    /// is called, so an optimiser may update layer l while its gradient is still in cache.
    /// </summary>
    public void Backward(IReadOnlyList<T[]> weights, ReadOnlySpan<T> x, int batch, Action<int>? layerDone = null)
    {
        CheckBatch(batch, x.Length);
        for (int l = _sizes.Length - 2; l >= 0; l--)
        {
            WeightGradientRows(l, x, batch, 0, _sizes[l + 1]);
            if (l > 0) InputGradientRows(l, weights, batch, 0, batch);
            layerDone?.Invoke(l);
        }
    }

    /// <summary>
    /// Rows <paramref name="o0"/>..<paramref name="o1"/>−1 (output units) of ∂loss/∂W_l = ∂Z_lᵀ·A_{l−1} and of ∂loss/∂b_l,
    /// from the whole batch (∂Z_l must be complete). Disjoint unit ranges may run on different threads; each bias entry is
    /// summed over the batch rows in row order, as in <see cref="Backward"/>.
    /// </summary>
    public void WeightGradientRows(int l, ReadOnlySpan<T> x, int batch, int o0, int o1)
    {
        int nin = _sizes[l], nout = _sizes[l + 1], units = o1 - o0;
        if (o0 < 0 || o1 > nout || units < 0) throw new ArgumentOutOfRangeException(nameof(o0), $"units {o0}..{o1} outside 0..{nout}");
        if (units == 0) return;
        ReadOnlySpan<T> dz = _dz[l].AsSpan(0, batch * nout);
        ReadOnlySpan<T> a = l == 0 ? x[..(batch * nin)] : _act[l - 1].AsSpan(0, batch * nin);
        Gemm(Transpose.Yes, Transpose.No, units, nin, batch, dz[o0..], nout, a, nin, WeightGradients[l].AsSpan(o0 * nin, units * nin), nin);
        BiasGradientUnits(l, batch, o0, o1);
    }

    /// <summary>
    /// Rows <paramref name="k0"/>..<paramref name="k1"/>−1 (input features) of ∂loss/∂W_lᵀ = A_{l−1}ᵀ·∂Z_l, written input-major
    /// (h_l×h_{l+1}) into <see cref="WeightGradients"/>[l]: the weight gradient of a layer whose weights are held input-major.
    /// Biases are not touched (see <see cref="BiasGradientUnits"/>).
    /// </summary>
    public void WeightGradientFeatures(int l, ReadOnlySpan<T> x, int batch, int k0, int k1)
    {
        int nin = _sizes[l], nout = _sizes[l + 1], features = k1 - k0;
        if (k0 < 0 || k1 > nin || features < 0) throw new ArgumentOutOfRangeException(nameof(k0), $"features {k0}..{k1} outside 0..{nin}");
        if (features == 0) return;
        ReadOnlySpan<T> dz = _dz[l].AsSpan(0, batch * nout);
        ReadOnlySpan<T> a = l == 0 ? x[..(batch * nin)] : _act[l - 1].AsSpan(0, batch * nin);
        Gemm(Transpose.Yes, Transpose.No, features, nout, batch, a[k0..], nin, dz, nout, WeightGradients[l].AsSpan(k0 * nout, features * nout), nout);
    }

    /// <summary>Entries <paramref name="o0"/>..<paramref name="o1"/>−1 of ∂loss/∂b_l (nothing for a bias-free net), each summed over the batch rows in row order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void BiasGradientUnits(int l, int batch, int o0, int o1)
    {
        if (!HasBias || o0 == o1) return;
        int nout = _sizes[l + 1], units = o1 - o0;
        ReadOnlySpan<T> dz = _dz[l].AsSpan(0, batch * nout);
        var gb = BiasGradients[l].AsSpan(o0, units);
        gb.Clear();
        for (int r = 0; r < batch; r++) TensorPrimitives.Add<T>(gb, dz.Slice(r * nout + o0, units), gb);
    }

    /// <summary>Layer <paramref name="l"/>'s output buffer (rows of h_{l+1} values), for a caller that computes the product itself (see <see cref="FinishForward"/>).</summary>
    public Span<T> LayerOutput(int l) => _act[l];

    /// <summary>∂loss/∂(pre-activation) of layer <paramref name="l"/> (rows of h_{l+1} values), complete once layer l+1's input gradient is.</summary>
    public ReadOnlySpan<T> PreActivationGradient(int l) => _dz[l];

    /// <summary>The buffer of <see cref="PreActivationGradient"/>(l), for a caller that computes layer l+1's input gradient itself.</summary>
    internal Span<T> PreActivationGradientBuffer(int l) => _dz[l];

    /// <summary>
    /// Adds the bias and applies the ReLU (hidden layers) to rows <paramref name="r0"/>..<paramref name="r1"/>−1, units
    /// <paramref name="o0"/>..<paramref name="o1"/>−1 of <see cref="LayerOutput"/>(l), after the caller wrote the product there:
    /// the rest of <see cref="ForwardLayerRows"/>, so a product computed another way is finished identically.
    /// </summary>
    public void FinishForward(int l, IReadOnlyList<T[]?> biases, int r0, int r1, int o0, int o1)
    {
        int nout = _sizes[l + 1];
        if (r0 < 0 || r1 > MaxBatch || r0 > r1 || o0 < 0 || o1 > nout || o0 > o1)
            throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} or units {o0}..{o1} outside 0..{MaxBatch} × 0..{nout}");
        BiasRelu(_act[l].AsSpan(r0 * nout, (r1 - r0) * nout), r1 - r0, nout, o0, o1, biases[l], l < _sizes.Length - 2);
    }

    /// <summary>
    /// Rows <paramref name="r0"/>..<paramref name="r1"/>−1 of ∂loss/∂Z_{l−1} = (∂Z_l·W_l) ⊙ [A_{l−1} &gt; 0] (needs those rows
    /// of ∂Z_l; reads W_l, which must not change until every range is done). Disjoint row ranges may run on different threads.
    /// With <paramref name="inputMajor"/>, weights[l] holds W_lᵀ (h_l×h_{l+1}).
    /// </summary>
    public void InputGradientRows(int l, IReadOnlyList<T[]> weights, int batch, int r0, int r1, bool inputMajor = false)
    {
        if (l <= 0 || l >= _sizes.Length - 1) throw new ArgumentOutOfRangeException(nameof(l), $"layer {l} has no input gradient to propagate");
        if (r0 < 0 || r1 > batch || r0 > r1) throw new ArgumentOutOfRangeException(nameof(r0), $"rows {r0}..{r1} outside 0..{batch}");
        int nin = _sizes[l], nout = _sizes[l + 1], rows = r1 - r0;
        if (rows == 0) return;
        var da = _da.AsSpan(r0 * nin, rows * nin);
        if (inputMajor) Gemm(Transpose.No, Transpose.Yes, rows, nin, nout, _dz[l].AsSpan(r0 * nout, rows * nout), nout, weights[l], nout, da, nin);
        else Gemm(Transpose.No, Transpose.No, rows, nin, nout, _dz[l].AsSpan(r0 * nout, rows * nout), nout, weights[l], nin, da, nin);
        ReluBackward(_act[l - 1].AsSpan(r0 * nin, rows * nin), da, _dz[l - 1].AsSpan(r0 * nin, rows * nin));
    }

    /// <summary>
    /// Columns <paramref name="i0"/>..<paramref name="i1"/>−1 (input units of layer l) of ∂loss/∂Z_{l−1} for every row
    /// (needs all of ∂Z_l; reads only those columns of W_l). The column split of <see cref="InputGradientRows"/>; with
    /// <paramref name="inputMajor"/>, weights[l] holds W_lᵀ and those columns are its rows i0..i1−1.
    /// </summary>
    public void InputGradientColumns(int l, IReadOnlyList<T[]> weights, int batch, int i0, int i1, bool inputMajor = false)
    {
        if (l <= 0 || l >= _sizes.Length - 1) throw new ArgumentOutOfRangeException(nameof(l), $"layer {l} has no input gradient to propagate");
        int nin = _sizes[l], nout = _sizes[l + 1], cols = i1 - i0;
        if (i0 < 0 || i1 > nin || cols < 0) throw new ArgumentOutOfRangeException(nameof(i0), $"columns {i0}..{i1} outside 0..{nin}");
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (cols == 0) return;
        var da = _da.AsSpan(0, batch * nin);
        if (inputMajor) Gemm(Transpose.No, Transpose.Yes, batch, cols, nout, _dz[l].AsSpan(0, batch * nout), nout, weights[l].AsSpan(i0 * nout), nout, da[i0..], nin);
        else Gemm(Transpose.No, Transpose.No, batch, cols, nout, _dz[l].AsSpan(0, batch * nout), nout, weights[l].AsSpan(i0), nin, da[i0..], nin);
        var a = _act[l - 1].AsSpan(0, batch * nin); var dz = _dz[l - 1].AsSpan(0, batch * nin);
        for (int r = 0; r < batch; r++)
            ReluBackward(a.Slice(r * nin + i0, cols), da.Slice(r * nin + i0, cols), dz.Slice(r * nin + i0, cols));
    }

    private static void ReluBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz) => ReluGradient.Backward(a, da, dz);

    private void CheckBatch(int batch, int xLength)
    {
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (xLength < batch * _sizes[0]) throw new ArgumentException($"input has {xLength} values, needs {batch}×{_sizes[0]}");
    }
}
