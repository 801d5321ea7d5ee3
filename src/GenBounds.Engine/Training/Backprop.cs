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
    }

    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Whether the layers have biases.</summary>
    public bool HasBias { get; }
    /// <summary>∂loss/∂W_l after <see cref="Backward"/> (Out×In row-major).</summary>
    public T[][] WeightGradients { get; }
    /// <summary>∂loss/∂b_l after <see cref="Backward"/> (empty arrays for bias-free nets).</summary>
    public T[][] BiasGradients { get; }

    /// <summary>
    /// Inverted dropout on the hidden activations (PBB trains its learnt prior with 0.2): each hidden unit of each row is
    /// zeroed with this probability and the survivors are scaled by 1/(1 − p). Applied by <see cref="Forward"/> only while
    /// <see cref="DropoutRng"/> is set (training); 0 (the default) leaves every computation bit-identical.
    /// </summary>
    public double DropoutRate
    {
        get => _dropout;
        set => _dropout = value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "the dropout rate must lie in [0, 1)");
    }

    /// <summary>Source of the dropout masks (one uniform per hidden unit and row); null disables dropout.</summary>
    public GenBounds.Random.Rng? DropoutRng { get; set; }

    private double _dropout;
    private bool _droppedLastForward;

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
        int L = _sizes.Length - 1;
        ReadOnlySpan<T> input = x;
        bool drop = _dropout > 0 && DropoutRng is not null;
        _droppedLastForward = drop;
        T keepScale = T.CreateChecked(drop ? 1 / (1 - _dropout) : 1);
        for (int l = 0; l < L; l++)
        {
            int nin = _sizes[l], nout = _sizes[l + 1];
            var y = _act[l].AsSpan(0, batch * nout);
            Gemm(Transpose.No, Transpose.Yes, batch, nout, nin, input, nin, weights[l], nin, y, nout);
            var b = biases[l];
            bool relu = l < L - 1;
            for (int r = 0; r < batch; r++)
            {
                var row = y.Slice(r * nout, nout);
                if (b is not null) TensorPrimitives.Add<T>(row, b, row);
                if (relu) TensorPrimitives.Max<T>(row, T.Zero, row);
                if (relu && drop)
                    for (int j = 0; j < nout; j++) row[j] = DropoutRng!.NextDouble() < _dropout ? T.Zero : row[j] * keepScale;
            }
            input = y;
        }
        return _act[L - 1].AsSpan(0, batch * _sizes[L]);
    }

    /// <summary>
    /// After <see cref="Forward"/>: mean softmax cross-entropy over the batch (accumulated in double), the number of
    /// correct arg-max predictions (ties count as errors), and ∂loss/∂logits = (softmax − onehot)/batch stored for backward.
    /// </summary>
    public double CrossEntropy(ReadOnlySpan<int> labels, int batch, out int correct)
    {
        int L = _sizes.Length - 1, k = _sizes[L];
        var logits = _act[L - 1]; var dz = _dz[L - 1];
        double loss = 0; correct = 0;
        T invB = T.One / T.CreateChecked(batch);
        for (int r = 0; r < batch; r++)
        {
            var z = logits.AsSpan(r * k, k); var g = dz.AsSpan(r * k, k);
            int y = labels[r];
            if ((uint)y >= (uint)k) throw new ArgumentException($"label {y} outside 0..{k - 1}");
            T max = z[0]; int arg = 0; bool tie = false;
            for (int j = 1; j < k; j++)
                if (z[j] > max) { max = z[j]; arg = j; tie = false; }
                else if (z[j] == max) tie = true;
            if (arg == y && !tie) correct++;
            T sum = T.Zero;
            for (int j = 0; j < k; j++) { g[j] = T.Exp(z[j] - max); sum += g[j]; }
            loss += double.CreateChecked(T.Log(sum) - (z[y] - max));
            T inv = invB / sum;
            for (int j = 0; j < k; j++) g[j] *= inv;
            g[y] -= invB;
        }
        return loss / batch;
    }

    /// <summary>
    /// Back-propagates the gradient left by <see cref="CrossEntropy"/>, from the last layer down. After layer l's
    /// gradients are complete — and after they were used to propagate further down — <paramref name="layerDone"/>(l)
    /// is called, so an optimiser may update layer l while its gradient is still in cache.
    /// </summary>
    public void Backward(IReadOnlyList<T[]> weights, ReadOnlySpan<T> x, int batch, Action<int>? layerDone = null)
    {
        CheckBatch(batch, x.Length);
        int L = _sizes.Length - 1;
        for (int l = L - 1; l >= 0; l--)
        {
            int nin = _sizes[l], nout = _sizes[l + 1];
            ReadOnlySpan<T> dz = _dz[l].AsSpan(0, batch * nout);
            ReadOnlySpan<T> a = l == 0 ? x[..(batch * nin)] : _act[l - 1].AsSpan(0, batch * nin);
            Gemm(Transpose.Yes, Transpose.No, nout, nin, batch, dz, nout, a, nin, WeightGradients[l], nin);
            if (HasBias)
            {
                var gb = BiasGradients[l].AsSpan();
                gb.Clear();
                for (int r = 0; r < batch; r++) TensorPrimitives.Add<T>(gb, dz.Slice(r * nout, nout), gb);
            }
            if (l > 0)
            {
                var da = _da.AsSpan(0, batch * nin);
                Gemm(Transpose.No, Transpose.No, batch, nin, nout, dz, nout, weights[l], nin, da, nin);
                // With dropout the stored activation is mask·ReLU(z)/(1 − p): it is positive exactly where the unit was
                // active and kept, and the survivors' gradient carries the same 1/(1 − p).
                if (_droppedLastForward) TensorPrimitives.Multiply<T>(da, T.CreateChecked(1 / (1 - _dropout)), da);
                ReluBackward(a, da, _dz[l - 1].AsSpan(0, batch * nin));
            }
            layerDone?.Invoke(l);
        }
    }

    // ∂z = ∂a where the stored post-activation is positive (PyTorch's threshold_backward convention at 0).
    private static void ReluBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz)
    {
        int i = 0;
        if (Vector.IsHardwareAccelerated && Vector<T>.IsSupported)
        {
            int w = Vector<T>.Count;
            ref T ra = ref MemoryMarshal.GetReference(a); ref T rd = ref MemoryMarshal.GetReference(da);
            ref T rz = ref MemoryMarshal.GetReference(dz);
            for (; i <= a.Length - w; i += w)
            {
                var mask = Vector.GreaterThan(Vector.LoadUnsafe(ref ra, (nuint)i), Vector<T>.Zero);
                Vector.ConditionalSelect(mask, Vector.LoadUnsafe(ref rd, (nuint)i), Vector<T>.Zero).StoreUnsafe(ref rz, (nuint)i);
            }
        }
        for (; i < a.Length; i++) dz[i] = a[i] > T.Zero ? da[i] : T.Zero;
    }

    private void CheckBatch(int batch, int xLength)
    {
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (xLength < batch * _sizes[0]) throw new ArgumentException($"input has {xLength} values, needs {batch}×{_sizes[0]}");
    }
}
