using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;

namespace GenBounds.Training;

/// <summary>
/// Forward pass, softmax cross-entropy and backward pass of a sequential <see cref="Network"/> on one mini-batch, in float32
/// (training) or float64 (gradient checks). Every product is one GEMM through the provider: dense layers as
/// <see cref="Backprop{T}"/> (Z = A·Wᵀ, ∂W = ∂Zᵀ·A, ∂A = ∂Z·W, with identical calls, so an MLP gets bit-identical results),
/// convolutions in the patch formulation (<see cref="Im2Col"/>: Y = W·cols, ∂W = ∂Y·colsᵀ, ∂cols = Wᵀ·∂Y). Image activations
/// are kept channel-major ([c][n][y][x]), so a convolution is one GEMM per block of samples (the block's patch matrix
/// stays in cache); flatten turns them sample-major for the dense layers. A ReLU right after a weight layer is fused into
/// it (applied to the GEMM output in the same pass as the bias; its backward mask is applied where the gradient is next
/// read: by a dense layer's caller, by a convolution block by block). Buffers are owned and reused.
/// </summary>
public sealed class NetworkBackprop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILinearAlgebraProvider _la;
    private readonly Step[] _steps;
    private readonly int _workers;
    private readonly T[][] _scratchCols;         // per worker: one block's patch matrix
    private readonly T[][] _scratchGrad;         // per worker: one block's ∂cols
    private readonly T[][] _partialDw;           // per worker ≥ 1: its blocks' share of ∂W (summed in worker order)
    private T[] _input = [];                     // the batch input, copied when workers share it

    private sealed class Step
    {
        public required int Module;
        public required LayerSpec Spec;
        public required TensorShape In, Out;
        public required bool InChannelMajor, OutChannelMajor;
        public bool FusedRelu;
        public int Weight = -1;
        public bool NeedInputGrad;
        public T[] Output = [], Grad = [];
        public int Block = 1;      // samples per patch-matrix block of a convolution
        public int[]? Argmax;
        public long Ticks;
    }

    /// <summary>
    /// Buffers for batches of up to <paramref name="maxBatch"/> samples. Convolutions run over blocks of samples whose patch
    /// matrix takes about <paramref name="patchBlockBytes"/> (so it stays in cache between the unfold and the GEMM); the backward
    /// pass rebuilds each block's patch matrix instead of keeping the batch's, and accumulates ∂W over the blocks in order.
    /// With <paramref name="workers"/> &gt; 1 the blocks of every convolution are shared among that many threads (block b
    /// goes to worker b mod workers; each worker sums its blocks' ∂W, and the workers' sums are added in worker order), so
    /// results are reproducible for a given worker count. The provider is then called from several threads at once: use a
    /// single-threaded BLAS (e.g. <see cref="NativeLinearAlgebraProvider.SetThreads"/>(1)) so that the two thread pools do
    /// not compete for the cores.
    /// </summary>
    public NetworkBackprop(ILinearAlgebraProvider la, NetworkArchitecture architecture, int maxBatch, long patchBlockBytes = 1L << 20, int workers = 1)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), "at least one worker is needed");
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) throw new NotSupportedException("NetworkBackprop supports float and double");
        if (maxBatch <= 0) throw new ArgumentOutOfRangeException(nameof(maxBatch));
        if (patchBlockBytes <= 0) throw new ArgumentOutOfRangeException(nameof(patchBlockBytes));
        ArgumentNullException.ThrowIfNull(architecture);
        _la = la; Architecture = architecture; MaxBatch = maxBatch;
        var steps = new List<Step>();
        bool channelMajor = false; int weights = 0;
        var specs = architecture.Layers;
        for (int m = 0; m < specs.Count; m++)
        {
            var spec = specs[m];
            var st = new Step { Module = m, Spec = spec, In = architecture.Shapes[m], Out = architecture.Shapes[m + 1], InChannelMajor = channelMajor, OutChannelMajor = false };
            st.OutChannelMajor = spec switch { Conv2dSpec => true, Pool2dSpec or ReluSpec => channelMajor, _ => false };
            if (spec.HasWeight)
            {
                st.Weight = weights++;
                st.NeedInputGrad = st.Weight > 0;
                if (m + 1 < specs.Count && specs[m + 1] is ReluSpec) { st.FusedRelu = true; m++; st.Out = architecture.Shapes[m + 1]; }
            }
            else st.NeedInputGrad = weights > 0;
            channelMajor = st.OutChannelMajor;
            st.Output = new T[(long)maxBatch * st.Out.Size];
            st.Grad = new T[(long)maxBatch * st.Out.Size];
            if (spec is Pool2dSpec { Kind: PoolKind.Max }) st.Argmax = new int[(long)maxBatch * st.Out.Size];
            steps.Add(st);
        }
        _steps = steps.ToArray();
        WeightGradients = new T[weights][]; BiasGradients = new T[weights][];
        long scratch = 0;
        foreach (var st in _steps.Where(s => s.Weight >= 0))
        {
            int rows = st.Spec is DenseSpec d ? d.Outputs : ((Conv2dSpec)st.Spec).OutChannels;
            WeightGradients[st.Weight] = new T[checked((int)architecture.WeightCount(st.Module))];
            BiasGradients[st.Weight] = architecture.Bias ? new T[rows] : [];
            if (st.Spec is Conv2dSpec c)
            {
                long perSample = (long)st.In.Channels * c.KernelHeight * c.KernelWidth * st.Out.Locations;
                st.Block = (int)Math.Clamp(patchBlockBytes / (perSample * Marshal.SizeOf<T>()), 1, maxBatch);
                scratch = Math.Max(scratch, perSample * st.Block);
            }
        }
        _workers = workers;
        _scratchCols = Enumerable.Range(0, workers).Select(_ => new T[scratch]).ToArray();
        _scratchGrad = Enumerable.Range(0, workers).Select(_ => new T[scratch]).ToArray();
        long maxW = _steps.Where(s => s.Spec is Conv2dSpec).Select(s => architecture.WeightCount(s.Module)).DefaultIfEmpty(0).Max();
        _partialDw = workers == 1 ? [] : Enumerable.Range(0, workers).Select(_ => new T[maxW]).ToArray();
    }

    /// <summary>
    /// Inverted dropout on the activations of dense layers followed by a ReLU (the hidden layers of an MLP; PBB trains its
    /// learnt prior with 0.2): each such unit of each row is zeroed with this probability and the survivors scaled by
    /// 1/(1 − p), only while <see cref="DropoutRng"/> is set (training); 0 (the default) leaves every computation bit-identical.
    /// The uniforms are drawn row by row, unit by unit, layer by layer, as the MLP backprop drew them.
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

    /// <summary>The network shape.</summary>
    public NetworkArchitecture Architecture { get; }
    /// <summary>Largest batch the buffers hold.</summary>
    public int MaxBatch { get; }
    /// <summary>Threads sharing the convolution blocks.</summary>
    public int Workers => _workers;
    /// <summary>Samples per patch-matrix block of each convolution (in module order).</summary>
    public IReadOnlyList<int> ConvolutionBlocks => _steps.Where(s => s.Spec is Conv2dSpec).Select(s => s.Block).ToArray();
    /// <summary>∂loss/∂W_k after <see cref="Backward"/>, per weight layer k (PyTorch layout).</summary>
    public T[][] WeightGradients { get; }
    /// <summary>∂loss/∂b_k after <see cref="Backward"/> (empty arrays for bias-free nets).</summary>
    public T[][] BiasGradients { get; }

    /// <summary>Stopwatch ticks spent per module kind (forward and backward together) since the last <see cref="ResetTimers"/>.</summary>
    public IReadOnlyDictionary<string, long> Ticks =>
        _steps.GroupBy(s => s.Spec.TorchModule).ToDictionary(g => g.Key, g => g.Sum(s => s.Ticks));

    /// <summary>Zeroes <see cref="Ticks"/>.</summary>
    public void ResetTimers() { foreach (var s in _steps) s.Ticks = 0; }

    // Geometry of samples r0..r0+nb−1 of a batch of `batch` (the strides are those of the whole batch) and the input offset of sample r0.
    private static (ConvGeometry G, int Offset) Geometry(Step st, int batch, int r0, int nb)
    {
        var c = (Conv2dSpec)st.Spec;
        long plane = (long)st.In.Height * st.In.Width;
        return st.InChannelMajor
            ? (new ConvGeometry(st.In.Channels, nb, st.In.Height, st.In.Width, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding, batch * plane, plane), (int)(r0 * plane))
            : (new ConvGeometry(st.In.Channels, nb, st.In.Height, st.In.Width, c.KernelHeight, c.KernelWidth, c.Stride, c.Padding, plane, st.In.Channels * plane), (int)(r0 * st.In.Channels * plane));
    }

    private void Gemm(Transpose ta, Transpose tb, int m, int n, int k, ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc, bool accumulate = false)
    {
        if (typeof(T) == typeof(float))
            _la.Gemm(ta, tb, m, n, k, 1f, MemoryMarshal.Cast<T, float>(a), lda, MemoryMarshal.Cast<T, float>(b), ldb, accumulate ? 1f : 0f, MemoryMarshal.Cast<T, float>(c), ldc);
        else
            _la.Gemm(ta, tb, m, n, k, 1.0, MemoryMarshal.Cast<T, double>(a), lda, MemoryMarshal.Cast<T, double>(b), ldb, accumulate ? 1.0 : 0.0, MemoryMarshal.Cast<T, double>(c), ldc);
    }

    /// <summary>
    /// Logits of <paramref name="batch"/> inputs <paramref name="x"/> (batch × input size, each sample a flattened C×H×W
    /// tensor as PyTorch stores it); a view into an owned buffer. <paramref name="weights"/>[k] and <paramref name="biases"/>[k]
    /// are the parameters of weight layer k in PyTorch layout.
    /// </summary>
    public ReadOnlySpan<T> Forward(IReadOnlyList<T[]> weights, IReadOnlyList<T[]?> biases, ReadOnlySpan<T> x, int batch)
    {
        CheckBatch(batch, x.Length);
        ReadOnlySpan<T> input = x[..(batch * Architecture.InputShape.Size)];
        bool drop = _dropout > 0 && DropoutRng is not null;
        _droppedLastForward = drop;
        T keepScale = T.CreateChecked(drop ? 1 / (1 - _dropout) : 1);
        foreach (var st in _steps)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var y = st.Output.AsSpan(0, batch * st.Out.Size);
            switch (st.Spec)
            {
                case DenseSpec d:
                {
                    int nin = st.In.Size, nout = d.Outputs;
                    Gemm(Transpose.No, Transpose.Yes, batch, nout, nin, input, nin, weights[st.Weight], nin, y, nout);
                    var b = biases[st.Weight];
                    for (int r = 0; r < batch; r++)
                    {
                        var row = y.Slice(r * nout, nout);
                        if (b is not null) TensorPrimitives.Add<T>(row, b, row);
                        if (st.FusedRelu) TensorPrimitives.Max<T>(row, T.Zero, row);
                        if (st.FusedRelu && drop)
                            for (int j = 0; j < nout; j++) row[j] = DropoutRng!.NextDouble() < _dropout ? T.Zero : row[j] * keepScale;
                    }
                    break;
                }
                case Conv2dSpec:
                {
                    var (arr, start) = Source(st, x, batch, copy: true);
                    ForBlocks(st, batch, (worker, r0, nb) => ConvForwardBlock(st, worker, arr, start, batch, r0, nb, weights[st.Weight], biases[st.Weight]));
                    break;
                }
                case Pool2dSpec p when p.Kind == PoolKind.Max:
                    Pooling.MaxForward(input, st.In.Channels * batch, st.In.Height, st.In.Width, p.Kernel, p.Stride, y, st.Argmax!);
                    break;
                case Pool2dSpec p:
                    Pooling.AverageForward(input, st.In.Channels * batch, st.In.Height, st.In.Width, p.Kernel, p.Stride, y);
                    break;
                case FlattenSpec:
                    if (st.InChannelMajor) Layout.ChannelToSampleMajor(input, st.In.Channels, batch, st.In.Locations, y);
                    else input.CopyTo(y);
                    break;
                case ReluSpec:
                    TensorPrimitives.Max<T>(input, T.Zero, y);
                    break;
                default: throw new NotSupportedException(st.Spec.TorchModule);
            }
            st.Ticks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            input = y;
        }
        return input;
    }

    /// <summary>
    /// After <see cref="Forward"/>: mean softmax cross-entropy over the batch (accumulated in double), the number of
    /// correct arg-max predictions (ties count as errors), and ∂loss/∂logits = (softmax − onehot)/batch stored for backward.
    /// </summary>
    public double CrossEntropy(ReadOnlySpan<int> labels, int batch, out int correct)
    {
        var last = _steps[^1];
        int k = last.Out.Size;
        var logits = last.Output; var dz = last.Grad;
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
    /// Back-propagates the gradient left by <see cref="CrossEntropy"/> (or written into <see cref="OutputGradient"/>), from
    /// the last module down. After weight layer k's gradients are complete — and after they were used to propagate further
    /// down — <paramref name="layerDone"/>(k) is called, so an optimiser may update layer k while its gradient is in cache.
    /// </summary>
    public void Backward(IReadOnlyList<T[]> weights, ReadOnlySpan<T> x, int batch, Action<int>? layerDone = null)
    {
        CheckBatch(batch, x.Length);
        for (int i = _steps.Length - 1; i >= 0; i--)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var st = _steps[i];
            ReadOnlySpan<T> input = i == 0 ? x[..(batch * st.In.Size)] : _steps[i - 1].Output.AsSpan(0, batch * st.In.Size);
            ReadOnlySpan<T> grad = st.Grad.AsSpan(0, batch * st.Out.Size);
            Span<T> gradIn = st.NeedInputGrad ? _steps[i - 1].Grad.AsSpan(0, batch * st.In.Size) : default;
            switch (st.Spec)
            {
                case DenseSpec d:
                {
                    int nin = st.In.Size, nout = d.Outputs;
                    Gemm(Transpose.Yes, Transpose.No, nout, nin, batch, grad, nout, input, nin, WeightGradients[st.Weight], nin);
                    if (Architecture.Bias)
                    {
                        var gb = BiasGradients[st.Weight].AsSpan();
                        gb.Clear();
                        for (int r = 0; r < batch; r++) TensorPrimitives.Add<T>(gb, grad.Slice(r * nout, nout), gb);
                    }
                    if (st.NeedInputGrad) Gemm(Transpose.No, Transpose.No, batch, nin, nout, grad, nout, weights[st.Weight], nin, gradIn, nin);
                    break;
                }
                case Conv2dSpec c:
                {
                    var (arr, start) = Source(st, x, batch, copy: false);
                    var gradInArr = st.NeedInputGrad ? _steps[i - 1].Grad : null;
                    ForBlocks(st, batch, (worker, r0, nb) => ConvBackwardBlock(st, worker, arr, start, batch, r0, nb, weights[st.Weight], gradInArr));
                    if (_workers > 1)
                    {
                        var dw = WeightGradients[st.Weight];
                        int blocks = (batch + st.Block - 1) / st.Block;
                        _partialDw[0].AsSpan(0, dw.Length).CopyTo(dw);
                        for (int w = 1; w < Math.Min(_workers, blocks); w++) TensorPrimitives.Add<T>(dw, _partialDw[w].AsSpan(0, dw.Length), dw);
                    }
                    int ld = batch * st.Out.Locations;
                    if (Architecture.Bias)
                        for (int o = 0; o < c.OutChannels; o++) BiasGradients[st.Weight][o] = TensorPrimitives.Sum<T>(grad.Slice(o * ld, ld));
                    break;
                }
                case Pool2dSpec p when st.NeedInputGrad:
                    if (p.Kind == PoolKind.Max) Pooling.MaxBackward(grad, st.Argmax!, st.In.Channels * batch, st.In.Height, st.In.Width, st.Out.Height, st.Out.Width, gradIn);
                    else Pooling.AverageBackward(grad, st.In.Channels * batch, st.In.Height, st.In.Width, p.Kernel, p.Stride, gradIn);
                    break;
                case FlattenSpec when st.NeedInputGrad:
                    if (st.InChannelMajor) Layout.SampleToChannelMajor(grad, st.In.Channels, batch, st.In.Locations, gradIn);
                    else grad.CopyTo(gradIn);
                    break;
                case ReluSpec when st.NeedInputGrad:
                    ReluBackward(st.Output.AsSpan(0, grad.Length), grad, gradIn);
                    break;
            }
            // A fused ReLU masks the gradient it receives; a convolution does it itself, block by block.
            if (st.NeedInputGrad && _steps[i - 1].FusedRelu && _steps[i - 1].Spec is not Conv2dSpec)
            {
                // With dropout the stored activation is mask·ReLU(z)/(1 − p): positive exactly where the unit was active
                // and kept, and the survivors' gradient carries the same 1/(1 − p).
                if (_droppedLastForward && _steps[i - 1].Spec is DenseSpec) TensorPrimitives.Multiply<T>(gradIn, T.CreateChecked(1 / (1 - _dropout)), gradIn);
                ReluBackward(_steps[i - 1].Output.AsSpan(0, gradIn.Length), gradIn, gradIn);
            }
            st.Ticks += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
            if (st.Weight >= 0) layerDone?.Invoke(st.Weight);
        }
    }

    // The array holding a convolution's input and the input's offset: the previous module's output, or the batch input
    // (copied once per pass into an owned array when several workers read it, since spans cannot be shared with threads).
    // The backward pass reuses the forward pass's copy: both get the same batch.
    private (T[] Array, int Start) Source(Step st, ReadOnlySpan<T> x, int batch, bool copy)
    {
        int i = Array.IndexOf(_steps, st);
        if (i > 0) return (_steps[i - 1].Output, 0);
        int size = batch * st.In.Size;
        if (_input.Length < size) _input = new T[(long)MaxBatch * st.In.Size];
        if (copy) x[..size].CopyTo(_input);
        return (_input, 0);
    }

    private void ForBlocks(Step st, int batch, Action<int, int, int> block)
    {
        int blocks = (batch + st.Block - 1) / st.Block;
        void Worker(int w) { for (int b = w; b < blocks; b += _workers) block(w, b * st.Block, Math.Min(st.Block, batch - b * st.Block)); }
        if (_workers == 1 || blocks == 1) { for (int w = 0; w < Math.Min(_workers, blocks); w++) Worker(w); return; }
        Parallel.For(0, Math.Min(_workers, blocks), new ParallelOptions { MaxDegreeOfParallelism = _workers }, Worker);
    }

    private void ConvForwardBlock(Step st, int worker, T[] input, int start, int batch, int r0, int nb, T[] w, T[]? b)
    {
        var c = (Conv2dSpec)st.Spec;
        int lo = st.Out.Locations, ld = batch * lo;
        var (g, off) = Geometry(st, batch, r0, nb);
        var cols = _scratchCols[worker].AsSpan(0, g.PatchSize * g.Columns);
        Im2Col.Unfold(g, input.AsSpan(start + off), cols);
        var y = st.Output.AsSpan(0, batch * st.Out.Size);
        Gemm(Transpose.No, Transpose.No, c.OutChannels, g.Columns, g.PatchSize, w, g.PatchSize, cols, g.Columns, y[(r0 * lo)..], ld);
        // Bias and ReLU while the block's output is still in cache.
        for (int o = 0; o < c.OutChannels; o++)
        {
            var seg = y.Slice(o * ld + r0 * lo, nb * lo);
            if (b is not null) TensorPrimitives.Add<T>(seg, b[o], seg);
            if (st.FusedRelu) TensorPrimitives.Max<T>(seg, T.Zero, seg);
        }
    }

    private void ConvBackwardBlock(Step st, int worker, T[] input, int start, int batch, int r0, int nb, T[] w, T[]? gradIn)
    {
        var c = (Conv2dSpec)st.Spec;
        int lo = st.Out.Locations, ld = batch * lo;
        var (g, off) = Geometry(st, batch, r0, nb);
        int k = g.PatchSize, n = g.Columns;
        var cols = _scratchCols[worker].AsSpan(0, k * n);
        Im2Col.Unfold(g, input.AsSpan(start + off), cols);
        var grad = st.Grad.AsSpan(0, batch * st.Out.Size);
        if (st.FusedRelu)
            // This layer's ReLU mask, applied to the block's gradient while it is in cache (the layer above leaves it unmasked).
            for (int o = 0; o < c.OutChannels; o++)
                ReluBackward(st.Output.AsSpan(o * ld + r0 * lo, nb * lo), grad.Slice(o * ld + r0 * lo, nb * lo), grad.Slice(o * ld + r0 * lo, nb * lo));
        var gy = grad[(r0 * lo)..];
        bool first = r0 / st.Block < _workers;
        var dw = _workers == 1 ? WeightGradients[st.Weight] : _partialDw[worker];
        Gemm(Transpose.No, Transpose.Yes, c.OutChannels, k, n, gy, ld, cols, n, dw, k, accumulate: !first);
        if (gradIn is not null)
        {
            var dcols = _scratchGrad[worker].AsSpan(0, k * n);
            Gemm(Transpose.Yes, Transpose.No, k, n, c.OutChannels, w, k, gy, ld, dcols, n);
            Im2Col.Col2Im(g, dcols, gradIn.AsSpan(off, gradIn.Length - off));
        }
    }

    /// <summary>∂loss/∂logits (batch × classes, row-major) used by <see cref="Backward"/>; write into it to back-propagate another loss.</summary>
    public Span<T> OutputGradient(int batch) => _steps[^1].Grad.AsSpan(0, batch * _steps[^1].Out.Size);

    private static void ReluBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> da, Span<T> dz) => ReluGradient.Backward(a, da, dz);

    private void CheckBatch(int batch, int xLength)
    {
        if (batch <= 0 || batch > MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} outside 1..{MaxBatch}");
        if (xLength < batch * Architecture.InputShape.Size) throw new ArgumentException($"input has {xLength} values, needs {batch}×{Architecture.InputShape.Size}");
    }
}
