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
/// convolutions in the channels-last patch formulation of <see cref="GroupedConv"/> (Y = P·W_eᵀ, ∂W_e = ∂Yᵀ·P,
/// ∂P = ∂Y·W_e, then fold). Image activations are kept channels-last ([n][y][x][c]): a patch row is then a few contiguous
/// runs of the input, the GEMM's output is the next activation as it stands, and a block of whole samples is contiguous
/// everywhere, so convolutions and poolings split into sample blocks (the block's patch matrix stays in cache); flatten
/// turns each sample into PyTorch's [c][y][x] order for the dense layers. A ReLU right after a weight layer is fused into
/// it (applied to the GEMM output in the same pass as the bias; its backward mask is applied where the gradient is next
/// read: by a dense layer's caller, by a convolution block by block). Buffers are owned and reused.
/// </summary>
public sealed class NetworkBackprop<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    private readonly ILinearAlgebraProvider _la;
    private readonly Step[] _steps;
    private readonly int _workers;
    private readonly bool _imageInput;           // the input is an image batch (converted to channels-last on entry)
    private readonly T[][] _scratchCols;         // per worker: one block's patch matrix
    private readonly T[][] _scratchGrad;         // per worker: one block's ∂P
    private readonly T[][] _scratchPad;          // per worker: one block's zero-padded input (or input gradient)
    private readonly T[][] _partialDw;           // per worker: its blocks' share of ∂W_e (summed in worker order)
    private readonly T[][] _partialDb;           // per worker: its blocks' bias-gradient tile sums
    private T[] _input = [];                     // the batch input, channels-last, shared by the workers

    private sealed class Step
    {
        public required int Module;
        public required LayerSpec Spec;
        public required TensorShape In, Out;
        public required bool InImage, OutImage;  // channels-last image activations
        public bool FusedRelu;
        public int Weight = -1;
        public bool NeedInputGrad;
        public T[] Output = [], Grad = [];
        public int Block = 1;      // samples per block of a convolution or pooling
        public GroupedConv Conv;
        public T[] Expanded = [];  // W_e of a convolution, rebuilt by every forward pass
        public T[] BiasTile = [];  // the expanded bias repeated over TileRows patch rows
        public int TileRows = 1;
        public int[]? Argmax;
        public Step? Pool;          // a pooling right after this convolution, run inside its blocks
        public bool PairPool;       // that pooling is 2×2/2 max over contiguous runs (ChannelsLastPooling.MaxForwardPairs)
        public bool InConvBlocks;   // this pooling runs inside the preceding convolution's blocks
        public long Ticks;
    }

    /// <summary>
    /// Buffers for batches of up to <paramref name="maxBatch"/> samples. Convolutions run over blocks of samples whose patch
    /// matrix takes about <paramref name="patchBlockBytes"/> (so it stays in cache between the unfold and the GEMM); the backward
    /// pass rebuilds each block's patch matrix instead of keeping the batch's, and accumulates ∂W over the blocks in order.
    /// With <paramref name="workers"/> &gt; 1 the blocks of every convolution are shared among that many threads (block b
    /// goes to worker b mod workers; each worker sums its blocks' ∂W, and the workers' sums are added in worker order), so
    /// results are reproducible for a given worker count; poolings split the batch into one contiguous share per worker.
    /// The provider is then called from several threads at once: use a single-threaded BLAS (e.g.
    /// <see cref="NativeLinearAlgebraProvider.SetThreads"/>(1)) so that the two thread pools do not compete for the cores.
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
        var specs = architecture.Layers;
        _imageInput = specs.Count > 0 && specs[0] is not DenseSpec;
        bool image = _imageInput; int weights = 0;
        for (int m = 0; m < specs.Count; m++)
        {
            var spec = specs[m];
            var st = new Step { Module = m, Spec = spec, In = architecture.Shapes[m], Out = architecture.Shapes[m + 1], InImage = image, OutImage = false };
            st.OutImage = spec switch { Conv2dSpec => true, Pool2dSpec or ReluSpec => image, _ => false };
            if (spec.HasWeight)
            {
                st.Weight = weights++;
                st.NeedInputGrad = st.Weight > 0;
                if (m + 1 < specs.Count && specs[m + 1] is ReluSpec) { st.FusedRelu = true; m++; st.Out = architecture.Shapes[m + 1]; }
            }
            else st.NeedInputGrad = weights > 0;
            image = st.OutImage;
            st.Output = new T[(long)maxBatch * st.Out.Size];
            st.Grad = new T[(long)maxBatch * st.Out.Size];
            if (spec is Pool2dSpec { Kind: PoolKind.Max }) st.Argmax = new int[(long)maxBatch * st.Out.Size];
            if (spec is Pool2dSpec) st.Block = (maxBatch + workers - 1) / workers;
            steps.Add(st);
        }
        // A pooling that follows a convolution runs on each block's output while it is in cache, and its backward pass
        // produces the block's output gradient right before the convolution's backward GEMMs read it.
        for (int i = 0; i + 1 < steps.Count; i++)
            if (steps[i].Spec is Conv2dSpec && steps[i + 1].Spec is Pool2dSpec) { steps[i].Pool = steps[i + 1]; steps[i + 1].InConvBlocks = true; }
        _steps = steps.ToArray();
        WeightGradients = new T[weights][]; BiasGradients = new T[weights][];
        long scratch = 0, maxWe = 0, maxTile = 0, pad = 0;
        foreach (var st in _steps.Where(s => s.Weight >= 0))
        {
            int rows = st.Spec is DenseSpec d ? d.Outputs : ((Conv2dSpec)st.Spec).OutChannels;
            WeightGradients[st.Weight] = new T[checked((int)architecture.WeightCount(st.Module))];
            BiasGradients[st.Weight] = architecture.Bias ? new T[rows] : [];
            if (st.Spec is Conv2dSpec c)
            {
                var g = st.Conv = GroupedConv.For(c, st.In);
                if (st.Pool?.Spec is Pool2dSpec { Kind: PoolKind.Max, Kernel: 2, Stride: 2 } && (g.Group == 1 || g.Group % 2 == 0))
                {
                    st.Conv = g = g with { PairOrder = g.Group > 1 };
                    st.PairPool = true;
                }
                long perSample = (long)g.RowsPerSample * g.PatchSize;
                st.Block = (int)Math.Clamp(patchBlockBytes / (perSample * Marshal.SizeOf<T>()), 1, maxBatch);
                scratch = Math.Max(scratch, perSample * st.Block);
                if (c.Padding > 0) pad = Math.Max(pad, (long)st.Block * g.Padded.Height * g.Padded.Width * g.Channels);
                st.Expanded = new T[g.GroupOutputs * g.PatchSize];
                maxWe = Math.Max(maxWe, st.Expanded.Length);
                st.TileRows = Math.Max(1, 512 / g.GroupOutputs);
                st.BiasTile = architecture.Bias ? new T[st.TileRows * g.GroupOutputs] : [];
                maxTile = Math.Max(maxTile, st.TileRows * g.GroupOutputs);
            }
        }
        _workers = workers;
        _scratchCols = Enumerable.Range(0, workers).Select(_ => new T[scratch]).ToArray();
        _scratchGrad = Enumerable.Range(0, workers).Select(_ => new T[scratch]).ToArray();
        _scratchPad = Enumerable.Range(0, workers).Select(_ => new T[pad]).ToArray();
        _partialDw = Enumerable.Range(0, workers).Select(_ => new T[maxWe]).ToArray();
        _partialDb = Enumerable.Range(0, workers).Select(_ => new T[architecture.Bias ? maxTile : 0]).ToArray();
        if (_imageInput) _input = new T[(long)maxBatch * architecture.InputShape.Size];
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
    /// <summary>Output pixels per patch row of each convolution (in module order; see <see cref="GroupedConv.ChooseGroup"/>).</summary>
    public IReadOnlyList<int> ConvolutionGroups => _steps.Where(s => s.Spec is Conv2dSpec).Select(s => s.Conv.Group).ToArray();
    /// <summary>∂loss/∂W_k after <see cref="Backward"/>, per weight layer k (PyTorch layout).</summary>
    public T[][] WeightGradients { get; }
    /// <summary>∂loss/∂b_k after <see cref="Backward"/> (empty arrays for bias-free nets).</summary>
    public T[][] BiasGradients { get; }

    /// <summary>Stopwatch ticks spent per module kind (forward and backward together) since the last <see cref="ResetTimers"/>.</summary>
    public IReadOnlyDictionary<string, long> Ticks =>
        _steps.GroupBy(s => s.Spec.TorchModule).ToDictionary(g => g.Key, g => g.Sum(s => s.Ticks));

    /// <summary>Zeroes <see cref="Ticks"/>.</summary>
    public void ResetTimers() { foreach (var s in _steps) s.Ticks = 0; }

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
        if (_imageInput)
        {
            var shape = Architecture.InputShape;
            ChannelsLastLayout.FromChannelsFirst(input, batch, shape.Channels, shape.Locations, _input);
            input = _input.AsSpan(0, batch * shape.Size);
        }
        bool drop = _dropout > 0 && DropoutRng is not null;
        _droppedLastForward = drop;
        T keepScale = T.CreateChecked(drop ? 1 / (1 - _dropout) : 1);
        for (int i = 0; i < _steps.Length; i++)
        {
            var st = _steps[i];
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            var y = st.Output.AsSpan(0, batch * st.Out.Size);
            switch (st.Spec)
            {
                case DenseSpec d:
                {
                    int nin = st.In.Size, nout = d.Outputs;
                    var w = weights[st.Weight]; var b = biases[st.Weight];
                    var src = InputArray(i);
                    if (src is not null && Split(batch, nout, nin))
                    {
                        ForShares(batch, (r0, rows) =>
                        {
                            var yr = st.Output.AsSpan(r0 * nout, rows * nout);
                            Gemm(Transpose.No, Transpose.Yes, rows, nout, nin, src.AsSpan(r0 * nin, rows * nin), nin, w, nin, yr, nout);
                            BiasRelu(st, yr, rows, nout, b);
                        });
                    }
                    else
                    {
                        Gemm(Transpose.No, Transpose.Yes, batch, nout, nin, input, nin, w, nin, y, nout);
                        BiasRelu(st, y, batch, nout, b);
                    }
                    // Dropout draws its uniforms row by row, unit by unit, on this thread.
                    if (st.FusedRelu && drop)
                        for (int j = 0; j < batch * nout; j++) y[j] = DropoutRng!.NextDouble() < _dropout ? T.Zero : y[j] * keepScale;
                    break;
                }
                case Conv2dSpec:
                {
                    st.Conv.ExpandWeights<T>(weights[st.Weight], st.Expanded);
                    var b = biases[st.Weight];
                    if (b is not null)
                        for (int r = 0; r < st.TileRows * st.Conv.Group; r++) b.CopyTo(st.BiasTile.AsSpan(r * st.Conv.OutChannels));
                    var src = InputArray(i)!;
                    ForBlocks(st, batch, (worker, r0, nb) => ConvForwardBlock(st, worker, src, r0, nb, b is not null));
                    break;
                }
                case Pool2dSpec when st.InConvBlocks:
                    break;
                case Pool2dSpec:
                {
                    var src = InputArray(i)!;
                    ForBlocks(st, batch, (_, r0, nb) => PoolForward(st, src, r0, nb));
                    break;
                }
                case FlattenSpec:
                    if (st.InImage) ChannelsLastLayout.ToChannelsFirst(input, batch, st.In.Channels, st.In.Locations, y);
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
            ReadOnlySpan<T> input = i > 0 ? _steps[i - 1].Output.AsSpan(0, batch * st.In.Size)
                : _imageInput ? _input.AsSpan(0, batch * st.In.Size) : x[..(batch * st.In.Size)];
            ReadOnlySpan<T> grad = st.Grad.AsSpan(0, batch * st.Out.Size);
            Span<T> gradIn = st.NeedInputGrad ? _steps[i - 1].Grad.AsSpan(0, batch * st.In.Size) : default;
            switch (st.Spec)
            {
                case DenseSpec d:
                {
                    int nin = st.In.Size, nout = d.Outputs;
                    var src = InputArray(i);
                    if (src is not null && Split(batch, nout, nin))
                    {
                        // ∂W split by output units, ∂A by samples, one contiguous share per worker.
                        var gradArr = st.Grad; var w = weights[st.Weight]; var dw = WeightGradients[st.Weight];
                        ForShares(nout, (o0, count) => Gemm(Transpose.Yes, Transpose.No, count, nin, batch, gradArr.AsSpan(o0), nout, src, nin, dw.AsSpan(o0 * nin), nin));
                        if (st.NeedInputGrad)
                        {
                            var gin = _steps[i - 1].Grad;
                            ForShares(batch, (r0, rows) => Gemm(Transpose.No, Transpose.No, rows, nin, nout, gradArr.AsSpan(r0 * nout, rows * nout), nout, w, nin, gin.AsSpan(r0 * nin, rows * nin), nin));
                        }
                    }
                    else
                    {
                        Gemm(Transpose.Yes, Transpose.No, nout, nin, batch, grad, nout, input, nin, WeightGradients[st.Weight], nin);
                        if (st.NeedInputGrad) Gemm(Transpose.No, Transpose.No, batch, nin, nout, grad, nout, weights[st.Weight], nin, gradIn, nin);
                    }
                    if (Architecture.Bias)
                    {
                        var gb = BiasGradients[st.Weight].AsSpan();
                        gb.Clear();
                        for (int r = 0; r < batch; r++) TensorPrimitives.Add<T>(gb, grad.Slice(r * nout, nout), gb);
                    }
                    break;
                }
                case Conv2dSpec:
                {
                    var src = InputArray(i)!;
                    var gradInArr = st.NeedInputGrad ? _steps[i - 1].Grad : null;
                    ForBlocks(st, batch, (worker, r0, nb) => ConvBackwardBlock(st, worker, src, r0, nb, gradInArr));
                    // The workers' sums in worker order, then each kernel entry gathered from its g copies in W_e.
                    int blocks = (batch + st.Block - 1) / st.Block, used = Math.Min(_workers, blocks);
                    var dwe = _partialDw[0].AsSpan(0, st.Expanded.Length);
                    for (int w = 1; w < used; w++) TensorPrimitives.Add<T>(dwe, _partialDw[w].AsSpan(0, dwe.Length), dwe);
                    st.Conv.FoldWeightGradient<T>(dwe, WeightGradients[st.Weight]);
                    if (Architecture.Bias)
                    {
                        var tile = _partialDb[0].AsSpan(0, st.TileRows * st.Conv.GroupOutputs);
                        for (int w = 1; w < used; w++) TensorPrimitives.Add<T>(tile, _partialDb[w].AsSpan(0, tile.Length), tile);
                        var db = BiasGradients[st.Weight].AsSpan();
                        db.Clear();
                        for (int r = 0; r < st.TileRows * st.Conv.Group; r++) TensorPrimitives.Add<T>(db, tile.Slice(r * db.Length, db.Length), db);
                    }
                    break;
                }
                case Pool2dSpec when st.NeedInputGrad && !st.InConvBlocks:
                {
                    var gin = _steps[i - 1].Grad;
                    ForBlocks(st, batch, (_, r0, nb) => PoolBackward(st, gin, r0, nb));
                    break;
                }
                case FlattenSpec when st.NeedInputGrad:
                    if (st.InImage) ChannelsLastLayout.FromChannelsFirst(grad, batch, st.In.Channels, st.In.Locations, gradIn);
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

    // The array holding step i's input: the previous module's output, or the batch input converted to channels-last (the
    // backward pass reuses the forward pass's conversion: both get the same batch); null for an MLP's first layer, which
    // reads the caller's span.
    private T[]? InputArray(int i) => i > 0 ? _steps[i - 1].Output : _imageInput ? _input : null;

    private void ForBlocks(Step st, int batch, Action<int, int, int> block)
    {
        int blocks = (batch + st.Block - 1) / st.Block;
        void Worker(int w) { for (int b = w; b < blocks; b += _workers) block(w, b * st.Block, Math.Min(st.Block, batch - b * st.Block)); }
        if (_workers == 1 || blocks == 1) { for (int w = 0; w < Math.Min(_workers, blocks); w++) Worker(w); return; }
        Region(Math.Min(_workers, blocks), Worker);
    }

    // body(w) for w < used, concurrently. (A spinning WorkerTeam instead of the thread pool made no measurable
    // difference to a LeNet-5 epoch: 1.51–1.56 s either way, three runs each.)
    private void Region(int used, Action<int> body) =>
        Parallel.For(0, used, new ParallelOptions { MaxDegreeOfParallelism = _workers }, body);

    // Whether a dense layer's products are shared among the workers: with several workers, and enough work per product
    // (a shared call costs a few microseconds of hand-off; LeNet's 400→120 and 120→84 layers qualify, its 84→10 does not).
    private bool Split(int batch, int nout, int nin) => _workers > 1 && 2.0 * batch * nout * nin >= 1e6;

    // body(start, count) over one contiguous share of [0, n) per worker.
    private void ForShares(int n, Action<int, int> body)
    {
        int shares = Math.Min(_workers, n), size = (n + shares - 1) / shares;
        Region(shares, w =>
        {
            int start = w * size, count = Math.Min(size, n - start);
            if (count > 0) body(start, count);
        });
    }

    private static void BiasRelu(Step st, Span<T> y, int rows, int nout, T[]? b)
    {
        for (int r = 0; r < rows; r++)
        {
            var row = y.Slice(r * nout, nout);
            if (b is not null) TensorPrimitives.Add<T>(row, b, row);
            if (st.FusedRelu) TensorPrimitives.Max<T>(row, T.Zero, row);
        }
    }

    // Pooling of samples r0..r0+nb−1 (channels-last images of `input`, which holds the whole batch).
    private static void PoolForward(Step st, T[] input, int r0, int nb)
    {
        var p = (Pool2dSpec)st.Spec;
        int inSize = st.In.Size, outSize = st.Out.Size;
        var xin = input.AsSpan(r0 * inSize, nb * inSize); var y = st.Output.AsSpan(r0 * outSize, nb * outSize);
        if (p.Kind == PoolKind.Max) ChannelsLastPooling.MaxForward<T>(xin, nb, st.In.Height, st.In.Width, st.In.Channels, p.Kernel, p.Stride, y, st.Argmax.AsSpan(r0 * outSize, nb * outSize));
        else ChannelsLastPooling.AverageForward<T>(xin, nb, st.In.Height, st.In.Width, st.In.Channels, p.Kernel, p.Stride, y);
    }

    private static void PoolBackward(Step st, T[] gradIn, int r0, int nb)
    {
        var p = (Pool2dSpec)st.Spec;
        int inSize = st.In.Size, outSize = st.Out.Size;
        var gy = st.Grad.AsSpan(r0 * outSize, nb * outSize); var gx = gradIn.AsSpan(r0 * inSize, nb * inSize);
        if (p.Kind == PoolKind.Max) ChannelsLastPooling.MaxBackward<T>(gy, st.Argmax.AsSpan(r0 * outSize, nb * outSize), nb, st.In.Height, st.In.Width, st.In.Channels, st.Out.Height, st.Out.Width, gx);
        else ChannelsLastPooling.AverageBackward<T>(gy, nb, st.In.Height, st.In.Width, st.In.Channels, p.Kernel, p.Stride, gx);
    }

    // The block's patch matrix; a padded convolution unfolds a zero-padded copy of the block (no clipped runs).
    private void Unfold(Step st, int worker, T[] input, int r0, int nb, Span<T> patches)
    {
        var g = st.Conv;
        var x = input.AsSpan(r0 * st.In.Size, nb * st.In.Size);
        if (g.Padding == 0) { g.Unfold(x, nb, patches); return; }
        var padded = _scratchPad[worker];
        g.Pad(x, nb, padded);
        g.Padded.Unfold<T>(padded, nb, patches);
    }

    private void ConvForwardBlock(Step st, int worker, T[] input, int r0, int nb, bool bias)
    {
        var g = st.Conv;
        int rows = nb * g.RowsPerSample, k = g.PatchSize, go = g.GroupOutputs;
        var patches = _scratchCols[worker].AsSpan(0, rows * k);
        Unfold(st, worker, input, r0, nb, patches);
        var y = st.Output.AsSpan(r0 * st.Out.Size, nb * st.Out.Size);
        Gemm(Transpose.No, Transpose.Yes, rows, go, k, patches, k, st.Expanded, k, y, go);
        // Bias and ReLU while the block's output is still in cache (the bias tile covers TileRows patch rows per call).
        if (bias)
            for (int r = 0; r < rows; r += st.TileRows)
            {
                var seg = y.Slice(r * go, Math.Min(st.TileRows, rows - r) * go);
                TensorPrimitives.Add<T>(seg, st.BiasTile.AsSpan(0, seg.Length), seg);
            }
        if (st.PairPool)
        {
            // Max pooling of the raw outputs, then the ReLU on the pooled values (4 times fewer): max and ReLU commute, and
            // where they pick different entries of a window (all ≤ 0) the gradient is 0 either way.
            var pool = st.Pool!;
            var pooled = pool.Output.AsSpan(r0 * pool.Out.Size, nb * pool.Out.Size);
            ChannelsLastPooling.MaxForwardPairs<T>(y, nb, g.OutHeight, g.OutWidth * g.OutChannels, g.PairUnit, g.PairUnits, pooled, pool.Argmax.AsSpan(r0 * pool.Out.Size, nb * pool.Out.Size));
            if (st.FusedRelu) TensorPrimitives.Max<T>(pooled, T.Zero, pooled);
        }
        else
        {
            if (st.FusedRelu) TensorPrimitives.Max<T>(y, T.Zero, y);
            if (st.Pool is not null) PoolForward(st.Pool, st.Output, r0, nb);
        }
    }

    private void ConvBackwardBlock(Step st, int worker, T[] input, int r0, int nb, T[]? gradIn)
    {
        var g = st.Conv;
        int rows = nb * g.RowsPerSample, k = g.PatchSize, go = g.GroupOutputs;
        var patches = _scratchCols[worker].AsSpan(0, rows * k);
        Unfold(st, worker, input, r0, nb, patches);
        var dy = st.Grad.AsSpan(r0 * st.Out.Size, nb * st.Out.Size);
        if (st.PairPool)
        {
            var pool = st.Pool!;
            int ps = pool.Out.Size;
            ChannelsLastPooling.MaxBackwardPairs<T>(pool.Grad.AsSpan(r0 * ps, nb * ps), pool.Argmax.AsSpan(r0 * ps, nb * ps),
                st.FusedRelu ? pool.Output.AsSpan(r0 * ps, nb * ps) : default, nb, g.OutHeight, g.OutWidth * g.OutChannels, g.PairUnit, g.PairUnits, dy);
        }
        else
        {
            if (st.Pool is not null) PoolBackward(st.Pool, st.Grad, r0, nb);
            // This layer's ReLU mask, applied to the block's gradient while it is in cache (the layer above leaves it unmasked).
            if (st.FusedRelu) ReluBackward(st.Output.AsSpan(r0 * st.Out.Size, nb * st.Out.Size), dy, dy);
        }
        bool first = r0 / st.Block < _workers;
        Gemm(Transpose.Yes, Transpose.No, go, k, rows, dy, go, patches, k, _partialDw[worker], k, accumulate: !first);
        if (Architecture.Bias)
        {
            var tile = _partialDb[worker].AsSpan(0, st.TileRows * go);
            if (first) tile.Clear();
            for (int r = 0; r < rows; r += st.TileRows)
            {
                var seg = dy.Slice(r * go, Math.Min(st.TileRows, rows - r) * go);
                TensorPrimitives.Add<T>(tile[..seg.Length], seg, tile[..seg.Length]);
            }
        }
        if (gradIn is not null)
        {
            var dpatches = _scratchGrad[worker].AsSpan(0, rows * k);
            Gemm(Transpose.No, Transpose.No, rows, k, go, dy, go, st.Expanded, k, dpatches, k);
            if (g.Padding == 0) g.Fold<T>(dpatches, nb, gradIn.AsSpan(r0 * st.In.Size, nb * st.In.Size));
            else
            {
                var padded = _scratchPad[worker];
                g.Padded.Fold<T>(dpatches, nb, padded);
                g.Crop<T>(padded, nb, gradIn.AsSpan(r0 * st.In.Size, nb * st.In.Size));
            }
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
