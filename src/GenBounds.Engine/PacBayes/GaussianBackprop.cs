using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using GenBounds.LinearAlgebra;

namespace GenBounds.PacBayes;

/// <summary>
/// Forward and backward pass of a ReLU network whose weights are independent Gaussians N(μ, σ²), by the local
/// reparametrisation of Kingma, Salimans &amp; Welling (2015): for a layer input row a, every pre-activation
/// z_k = Σ_j W_kj a_j + b_k is Gaussian with mean Σ_j μ_kj a_j + μ_b,k and variance Σ_j σ²_kj a_j² + σ²_b,k, and the
/// pre-activations of different units are independent (different rows of W). So z = M + √V ∘ ε with
/// M = A·μᵀ + μ_b, V = (A∘A)·(σ²)ᵀ + σ²_b, ε ~ N(0, I): two GEMMs per layer.
/// <para>Exactness (docs/pacbayes.md, "per-example draws"): conditionally on the layer input, this is the exact law of
/// the pre-activations of a network drawn from the posterior, and layer l's weights are independent of the earlier
/// layers', so chaining the conditionals gives for each batch row exactly the output law of one network drawn from Q,
/// and fresh ε makes the rows independent: every example sees its own independently drawn network.</para>
/// Gradients are with respect to the means and the variances σ² of the weights and biases; the caller chains them to
/// its parametrisation of σ. Buffers are owned and reused; float32 for training, float64 for gradient checks.
/// </summary>
public sealed class GaussianBackprop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILinearAlgebraProvider _la;
    private readonly int[] _sizes;
    private readonly T[][] _mean, _std, _act, _dz, _h;   // per layer: M (then z), √V, post-activation, ∂/∂z, ∂/∂V
    private readonly T[] _sq, _p, _q;                     // scratch: A∘A, G·μ, H·σ²

    /// <summary>Buffers for batches of up to <paramref name="maxBatch"/> rows of a network with layer sizes <paramref name="sizes"/>.</summary>
    public GaussianBackprop(ILinearAlgebraProvider la, IReadOnlyList<int> sizes, bool bias, int maxBatch)
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException("GaussianBackprop supports float and double");
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch));
        if (sizes.Count < 2) throw new ArgumentException("a network needs at least two layer sizes");
        _la = la; _sizes = sizes.ToArray(); MaxBatch = maxBatch; HasBias = bias;
        int L = _sizes.Length - 1;
        _mean = new T[L][]; _std = new T[L][]; _act = new T[L][]; _dz = new T[L][]; _h = new T[L][];
        Noise = new T[L][];
        WeightMeanGradients = new T[L][]; WeightVarianceGradients = new T[L][];
        BiasMeanGradients = new T[L][]; BiasVarianceGradients = new T[L][];
        for (int l = 0; l < L; l++)
        {
            int n = maxBatch * _sizes[l + 1];
            _mean[l] = new T[n]; _std[l] = new T[n]; _act[l] = new T[n]; _dz[l] = new T[n]; _h[l] = new T[n]; Noise[l] = new T[n];
            WeightMeanGradients[l] = new T[_sizes[l] * _sizes[l + 1]];
            WeightVarianceGradients[l] = new T[_sizes[l] * _sizes[l + 1]];
            BiasMeanGradients[l] = bias ? new T[_sizes[l + 1]] : [];
            BiasVarianceGradients[l] = bias ? new T[_sizes[l + 1]] : [];
        }
        int widest = _sizes.Take(L).Max();
        _sq = new T[maxBatch * widest]; _p = new T[maxBatch * widest]; _q = new T[maxBatch * widest];
    }

    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Whether the layers have biases.</summary>
    public bool HasBias { get; }
    /// <summary>Standard normal noise ε per layer (batch × h_l row-major), filled by the caller before <see cref="Forward"/>.</summary>
    public T[][] Noise { get; }
    /// <summary>∂loss/∂μ_W per layer after <see cref="Backward"/>.</summary>
    public T[][] WeightMeanGradients { get; }
    /// <summary>∂loss/∂σ²_W per layer after <see cref="Backward"/>.</summary>
    public T[][] WeightVarianceGradients { get; }
    /// <summary>∂loss/∂μ_b per layer (empty without biases).</summary>
    public T[][] BiasMeanGradients { get; }
    /// <summary>∂loss/∂σ²_b per layer (empty without biases).</summary>
    public T[][] BiasVarianceGradients { get; }

    private void Gemm(Transpose ta, Transpose tb, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc)
    {
        if (typeof(T) == typeof(float))
            _la.Gemm(ta, tb, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, 0f, MemoryMarshal.Cast<T, float>(c), ldc);
        else
            _la.Gemm(ta, tb, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, 0.0, MemoryMarshal.Cast<T, double>(c), ldc);
    }

    /// <summary>
    /// Logits of <paramref name="batch"/> inputs under per-row independent posterior draws (the noise in
    /// <see cref="Noise"/>); a view into an owned buffer. <paramref name="weightVariances"/> are σ² of the weights
    /// (same layout as the means), <paramref name="biasVariances"/> σ² of the biases.
    /// </summary>
    public ReadOnlySpan<T> Forward(IReadOnlyList<T[]> weightMeans, IReadOnlyList<T[]> weightVariances,
        IReadOnlyList<T[]?> biasMeans, IReadOnlyList<T[]?> biasVariances, ReadOnlySpan<T> x, int batch)
    {
        CheckBatch(batch, x.Length);
        int L = _sizes.Length - 1;
        ReadOnlySpan<T> input = x;
        for (int l = 0; l < L; l++)
        {
            int nin = _sizes[l], nout = _sizes[l + 1], size = batch * nout;
            var mean = _mean[l].AsSpan(0, size);
            var std = _std[l].AsSpan(0, size);
            var sq = _sq.AsSpan(0, batch * nin);
            Gemm(Transpose.No, Transpose.Yes, batch, nout, nin, input, nin, weightMeans[l], nin, mean, nout);
            TensorPrimitives.Multiply<T>(input[..(batch * nin)], input[..(batch * nin)], sq);
            Gemm(Transpose.No, Transpose.Yes, batch, nout, nin, sq, nin, weightVariances[l], nin, std, nout);
            T[]? bm = biasMeans[l], bv = biasVariances[l];
            if (bm is not null && bv is not null)
                for (int r = 0; r < batch; r++)
                {
                    TensorPrimitives.Add<T>(mean.Slice(r * nout, nout), bm, mean.Slice(r * nout, nout));
                    TensorPrimitives.Add<T>(std.Slice(r * nout, nout), bv, std.Slice(r * nout, nout));
                }
            // V can round to a tiny negative value only if σ² were negative; clamp so √V is defined.
            TensorPrimitives.Max<T>(std, T.Zero, std);
            TensorPrimitives.Sqrt<T>(std, std);
            var act = _act[l].AsSpan(0, size);
            TensorPrimitives.FusedMultiplyAdd<T>(std, Noise[l].AsSpan(0, size), mean, act);
            if (l < L - 1) TensorPrimitives.Max<T>(act, T.Zero, act);
            input = act;
        }
        return _act[L - 1].AsSpan(0, batch * _sizes[L]);
    }

    /// <summary>
    /// After <see cref="Forward"/>: PBB's bounded cross-entropy, mean over the batch of −max(ln p_y, ln p_min)/ln(1/p_min)
    /// ∈ [0, 1] (p = softmax of the logits), accumulated in double; the number of arg-max errors (ties count as errors);
    /// and ∂(mean loss)/∂logits stored for <see cref="Backward"/> (zero where the clamp is active, as in PyTorch).
    /// </summary>
    public double BoundedCrossEntropy(ReadOnlySpan<int> labels, int batch, double pMin, out int errors)
    {
        if (!(pMin > 0 && pMin < 1)) throw new ArgumentOutOfRangeException(nameof(pMin), pMin, "p_min must lie in (0, 1)");
        int L = _sizes.Length - 1, k = _sizes[L];
        var logits = _act[L - 1]; var dz = _dz[L - 1];
        double scale = 1 / Math.Log(1 / pMin), logPMin = Math.Log(pMin), loss = 0;
        T g0 = T.CreateChecked(scale / batch);
        errors = 0;
        for (int r = 0; r < batch; r++)
        {
            var z = logits.AsSpan(r * k, k); var g = dz.AsSpan(r * k, k);
            int y = labels[r];
            if ((uint)y >= (uint)k) throw new ArgumentException($"label {y} outside 0..{k - 1}");
            T max = z[0]; int arg = 0; bool tie = false;
            for (int j = 1; j < k; j++)
                if (z[j] > max) { max = z[j]; arg = j; tie = false; }
                else if (z[j] == max) tie = true;
            if (arg != y || tie) errors++;
            T sum = T.Zero;
            for (int j = 0; j < k; j++) { g[j] = T.Exp(z[j] - max); sum += g[j]; }
            double logPy = double.CreateChecked(z[y] - max - T.Log(sum));
            if (logPy > logPMin)
            {
                loss -= logPy * scale;
                T inv = g0 / sum;
                for (int j = 0; j < k; j++) g[j] *= inv;
                g[y] -= g0;
            }
            else
            {
                loss -= logPMin * scale;
                g.Clear();
            }
        }
        return loss / batch;
    }

    /// <summary>Number of arg-max errors (ties count as errors) of the logits left by <see cref="Forward"/>.</summary>
    public int Errors(ReadOnlySpan<int> labels, int batch)
    {
        int L = _sizes.Length - 1, k = _sizes[L], errors = 0;
        var logits = _act[L - 1];
        for (int r = 0; r < batch; r++)
        {
            var z = logits.AsSpan(r * k, k);
            int y = labels[r];
            T zy = z[y];
            for (int j = 0; j < k; j++)
                if (j != y && z[j] >= zy) { errors++; break; }
        }
        return errors;
    }

    /// <summary>
    /// Back-propagates the gradient left by <see cref="BoundedCrossEntropy"/> (or written by the caller into the last
    /// layer's ∂/∂z through <see cref="OutputGradient"/>): with G = ∂/∂z and H = ∂/∂V = G∘ε/(2√V),
    /// ∂μ_W = Gᵀ·A, ∂σ²_W = Hᵀ·(A∘A), ∂A = G·μ_W + 2A∘(H·σ²_W), then the ReLU mask.
    /// </summary>
    public void Backward(IReadOnlyList<T[]> weightMeans, IReadOnlyList<T[]> weightVariances, ReadOnlySpan<T> x, int batch)
    {
        CheckBatch(batch, x.Length);
        int L = _sizes.Length - 1;
        T half = T.CreateChecked(0.5), two = T.CreateChecked(2);
        for (int l = L - 1; l >= 0; l--)
        {
            int nin = _sizes[l], nout = _sizes[l + 1], size = batch * nout;
            var g = _dz[l].AsSpan(0, size);
            var h = _h[l].AsSpan(0, size);
            var std = _std[l].AsSpan(0, size);
            var eps = Noise[l].AsSpan(0, size);
            // H = G∘ε/(2√V); where V = 0 the noise term vanishes and so does its gradient.
            for (int i = 0; i < size; i++) h[i] = std[i] > T.Zero ? half * g[i] * eps[i] / std[i] : T.Zero;
            ReadOnlySpan<T> a = l == 0 ? x[..(batch * nin)] : _act[l - 1].AsSpan(0, batch * nin);
            var sq = _sq.AsSpan(0, batch * nin);
            TensorPrimitives.Multiply<T>(a, a, sq);
            Gemm(Transpose.Yes, Transpose.No, nout, nin, batch, g, nout, a, nin, WeightMeanGradients[l], nin);
            Gemm(Transpose.Yes, Transpose.No, nout, nin, batch, h, nout, sq, nin, WeightVarianceGradients[l], nin);
            if (HasBias)
            {
                var gb = BiasMeanGradients[l].AsSpan(); var hb = BiasVarianceGradients[l].AsSpan();
                gb.Clear(); hb.Clear();
                for (int r = 0; r < batch; r++)
                {
                    TensorPrimitives.Add<T>(gb, g.Slice(r * nout, nout), gb);
                    TensorPrimitives.Add<T>(hb, h.Slice(r * nout, nout), hb);
                }
            }
            if (l == 0) break;
            var p = _p.AsSpan(0, batch * nin); var q = _q.AsSpan(0, batch * nin);
            Gemm(Transpose.No, Transpose.No, batch, nin, nout, g, nout, weightMeans[l], nin, p, nin);
            Gemm(Transpose.No, Transpose.No, batch, nin, nout, h, nout, weightVariances[l], nin, q, nin);
            var below = _dz[l - 1].AsSpan(0, batch * nin);
            // ∂A = P + 2A∘Q, then ReLU: the stored input a is the post-activation of layer l−1.
            TensorPrimitives.Multiply<T>(a, q, q);
            TensorPrimitives.FusedMultiplyAdd<T>(q, two, p, below);
            for (int i = 0; i < below.Length; i++) if (!(a[i] > T.Zero)) below[i] = T.Zero;
        }
    }

    /// <summary>The last layer's ∂loss/∂logits buffer (batch × classes), for callers with their own loss.</summary>
    public Span<T> OutputGradient(int batch) => _dz[^1].AsSpan(0, batch * _sizes[^1]);

    private void CheckBatch(int batch, int xLength)
    {
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (xLength < batch * _sizes[0]) throw new ArgumentException($"input has {xLength} values, needs {batch}×{_sizes[0]}");
    }
}
