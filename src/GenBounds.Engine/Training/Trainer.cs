using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Training;

/// <summary>Statistics of one epoch (averages over the mini-batches, measured before each step as PyTorch loops usually log them).</summary>
public sealed record EpochStats(int Epoch, double Loss, double Accuracy, double Seconds)
{
    /// <summary>Where the epoch's time went: batch assembly, forward (GEMM + bias/ReLU), loss, backward GEMMs and ReLU masks, optimiser steps.</summary>
    public IReadOnlyDictionary<string, double> PhaseSeconds { get; init; } = new Dictionary<string, double>();
}

/// <summary>Progress within an epoch, reported every few batches.</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double RunningAccuracy);

/// <summary>
/// Mini-batch training of an <see cref="Mlp"/> in float32 with Adam or SGD. Deterministic: the data order of epoch e is
/// drawn from the stream <c>data-order/epoch-e</c> of the master seed, and every mini-batch is split over a
/// <see cref="WorkerTeam"/> of as many threads as BLAS had when the trainer was made, in a fixed partition — batch rows
/// for gathering, the loss and (small layers) the forward pass and ∂Z·W; output units for ∂W, ∂b, the optimiser and
/// (large layers, so each thread reads only its share of W) the forward pass; input columns for a large layer's ∂Z·W — with BLAS itself
/// single-threaded inside, so the team is the only parallel runtime and the same seed and thread count give bit-identical
/// weights. Each layer's optimiser step runs in the region right after the one that last reads its weights, on the
/// thread that computed its gradient rows (fused: one pass over parameters, gradient and moments).
/// </summary>
public sealed class Trainer
{
    private readonly Mlp _net;
    private readonly TrainingOptions _o;
    private readonly ILinearAlgebraProvider _la;
    private readonly Backprop<float> _bp;
    private readonly float[][] _w, _b;
    private readonly float[]?[] _biases;
    private readonly float[][] _m, _v, _mb, _vb;     // Adam moments (or SGD momentum in _m/_mb)
    private readonly float[][]? _pw, _pb;              // prior parameters
    private readonly float[] _xBatch;
    private readonly int[] _yBatch;
    private readonly double[] _rowLoss;
    private readonly bool[] _rowCorrect;
    private readonly int[] _sizes;
    // state of the batch being trained, read by the team's regions
    private Dataset? _data;
    private int[] _order = [];
    private int _start, _batch, _layer;
    private OptimizerSteps.AdamCoefficients _adam;
    private int _team, _stage;
    private readonly Action<int> _forwardRegion, _backwardRegion;
    // Layers whose weights are large enough that each team member should read only its share (split by output units in
    // the forward pass and by input columns in ∂Z·W) rather than the whole matrix (split by batch rows).
    private readonly bool[] _unitSplit;
    // The forward pass as stages: the operations of one stage run in one region (no barrier between them).
    private readonly ForwardOp[][] _stages;

    // A member's share of W_l (≥ 1 MiB, the rough size where reading the whole matrix per member starts to cost memory
    // bandwidth next to the product itself) is read once per product with a unit split, the whole W_l with a row split.
    private const long UnitSplitBytes = 1 << 20;

    private enum ForwardLayerOp { Gather, LayerRows, LayerUnits, Loss }
    private readonly record struct ForwardOp(ForwardLayerOp Kind, int Layer);

    /// <summary>Prepares training of <paramref name="net"/> (updated in place), split over as many threads as BLAS has now.</summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la) : this(net, options, la, threads: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) with each mini-batch split over
    /// <paramref name="threads"/> threads (null: the BLAS thread count now, 1 for a BLAS without threads).
    /// </summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la, int? threads)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        options.Validate();
        if (options.Prior is { } prior && !prior.Architecture.Equals(net.Architecture))
            throw new ArgumentException($"prior architecture {prior.Architecture} differs from the network's {net.Architecture}");
        _net = net; _o = options; _la = la;
        _sizes = net.Architecture.LayerSizes.ToArray();
        _bp = new Backprop<float>(la, _sizes, net.Architecture.Bias, options.BatchSize);
        _w = net.Layers.Select(l => l.Weight).ToArray();
        _b = net.Layers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        _biases = _b.Select(b => b.Length == 0 ? null : b).ToArray();
        _m = _w.Select(a => new float[a.Length]).ToArray(); _v = _w.Select(a => new float[a.Length]).ToArray();
        _mb = _b.Select(a => new float[a.Length]).ToArray(); _vb = _b.Select(a => new float[a.Length]).ToArray();
        if (options.PriorPenalty > 0)
        {
            _pw = options.Prior!.Layers.Select(l => l.Weight).ToArray();
            _pb = options.Prior!.Layers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        }
        _xBatch = new float[options.BatchSize * _sizes[0]];
        _yBatch = new int[options.BatchSize];
        _rowLoss = new double[options.BatchSize];
        _rowCorrect = new bool[options.BatchSize];
        Seeds = new SeedStreams(options.Seed);
        Threads = threads ?? (la is NativeLinearAlgebraProvider && NativeLinearAlgebraProvider.Threads is > 1 and var t ? t : 1);
        _forwardRegion = ForwardRegion;
        _backwardRegion = BackwardRegion;
        _unitSplit = Enumerable.Range(0, _w.Length).Select(l => Threads > 1 && 4L * _w[l].Length >= UnitSplitBytes).ToArray();
        _stages = PlanForward(_unitSplit);
    }

    // Row-split operations chain without barriers (each member only needs its own rows); a unit-split layer needs the
    // whole input before it starts and produces columns, so it is a stage of its own.
    private static ForwardOp[][] PlanForward(bool[] unitSplit)
    {
        var stages = new List<ForwardOp[]>();
        var current = new List<ForwardOp> { new(ForwardLayerOp.Gather, 0) };
        void Close() { if (current.Count > 0) stages.Add(current.ToArray()); current = []; }
        for (int l = 0; l < unitSplit.Length; l++)
        {
            if (unitSplit[l]) { Close(); stages.Add([new(ForwardLayerOp.LayerUnits, l)]); }
            else current.Add(new(ForwardLayerOp.LayerRows, l));
        }
        current.Add(new(ForwardLayerOp.Loss, 0));
        Close();
        return stages.ToArray();
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }
    /// <summary>Threads a mini-batch is split over: the BLAS thread count when the trainer was made (1 for a BLAS without threads).</summary>
    public int Threads { get; }

    /// <summary>A freshly initialised network (PyTorch default init) from the <c>init</c> stream of <paramref name="seed"/>.</summary>
    public static Mlp Initialize(MlpArchitecture architecture, ulong seed) =>
        Mlp.InitializeDefault(architecture, new SeedStreams(seed).Stream(SeedStreams.Names.Init));

    // Thread 0's time per phase (ticks), for EpochStats.PhaseSeconds.
    private long _tGather, _tForward, _tLoss, _tBackward, _tOptimizer;

    /// <summary>Runs one epoch over <paramref name="train"/>.</summary>
    public EpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        if (train.Dimension != _net.Architecture.InputSize) throw new ArgumentException($"data dimension {train.Dimension} ≠ network input {_net.Architecture.InputSize}");
        if (train.Classes > _net.Architecture.OutputSize) throw new ArgumentException($"data has {train.Classes} classes, network only {_net.Architecture.OutputSize} outputs");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int epoch = EpochsDone;
        _order = Seeds.Stream($"{SeedStreams.Names.DataOrder}/epoch-{epoch}").Permutation(train.Count);
        _data = train;
        int n = train.Count, B = _o.BatchSize, batches = (n + B - 1) / B, L = _w.Length;
        double lossSum = 0; long correctSum = 0;
        long tRegions = 0;
        _tGather = _tForward = _tLoss = _tBackward = _tOptimizer = 0;
        // While the team runs, BLAS is single-threaded inside each member (one parallel runtime at a time).
        int? blasThreads = Threads > 1 && _la is NativeLinearAlgebraProvider ? NativeLinearAlgebraProvider.Threads : null;
        bool restoreBlas = blasThreads is > 1 && NativeLinearAlgebraProvider.SetThreads(1);
        using var team = new WorkerTeam(Threads);
        try
        {
            for (int bi = 0; bi < batches; bi++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                _start = bi * B; _batch = Math.Min(B, n - _start); _team = team.Size;
                for (_stage = 0; _stage < _stages.Length; _stage++) team.Run(_forwardRegion);
                for (int r = 0; r < _batch; r++) { lossSum += _rowLoss[r]; if (_rowCorrect[r]) correctSum++; }
                Step++;
                _adam = _o.Optimizer == OptimizerKind.Adam ? OptimizerSteps.AdamCoefficients.For(_o, Step, L) : default;
                for (_layer = L - 1; _layer >= 0; _layer--) team.Run(_backwardRegion);
                tRegions += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                {
                    int seen = _start + _batch;
                    progress(new BatchProgress(epoch, bi + 1, batches, lossSum / seen, (double)correctSum / seen));
                }
            }
        }
        finally
        {
            if (restoreBlas) NativeLinearAlgebraProvider.SetThreads(blasThreads!.Value);
            _data = null;
        }
        EpochsDone++;
        double f = 1.0 / System.Diagnostics.Stopwatch.Frequency;
        long work = _tGather + _tForward + _tLoss + _tBackward + _tOptimizer;
        return new EpochStats(epoch, lossSum / n, (double)correctSum / n, sw.Elapsed.TotalSeconds)
        {
            PhaseSeconds = new Dictionary<string, double>
            {
                ["batch"] = _tGather * f, ["forward"] = _tForward * f, ["loss"] = _tLoss * f,
                ["backward"] = _tBackward * f, ["optimizer"] = _tOptimizer * f, ["sync"] = Math.Max(0, tRegions - work) * f,
            },
        };
    }

    // A forward stage, member t: gather its batch rows, run row-split layers on them, or its units of a unit-split
    // layer, and the loss and ∂logits of its rows.
    private void ForwardRegion(int t)
    {
        var (r0, r1) = WorkerTeam.Part(_batch, _team, t, 8);
        foreach (var op in _stages[_stage])
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            switch (op.Kind)
            {
                case ForwardLayerOp.Gather:
                    var data = _data!;
                    int d = data.Dimension;
                    for (int r = r0; r < r1; r++)
                    {
                        int i = _order[_start + r];
                        data.Features.AsSpan(i * d, d).CopyTo(_xBatch.AsSpan(r * d, d));
                        _yBatch[r] = data.Labels[i];
                    }
                    if (t == 0) _tGather += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                    break;
                case ForwardLayerOp.LayerRows:
                    _bp.ForwardLayerRows(op.Layer, _w, _biases, _xBatch, r0, r1);
                    if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                    break;
                case ForwardLayerOp.LayerUnits:
                    var (o0, o1) = WorkerTeam.Part(_sizes[op.Layer + 1], _team, t, 8);
                    _bp.ForwardLayerUnits(op.Layer, _w, _biases, _xBatch, _batch, o0, o1);
                    if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                    break;
                case ForwardLayerOp.Loss:
                    _bp.CrossEntropyRows(_yBatch, _batch, r0, r1, _rowLoss, _rowCorrect);
                    if (t == 0) _tLoss += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                    break;
            }
        }
    }

    // Backward region of layer l, member t: the optimiser step of layer l+1 (whose weights ∂Z_{l+1}·W_{l+1} read in the
    // previous region) on the units whose gradient t computed, ∂W_l/∂b_l for t's units of layer l, ∂Z_{l−1} for t's
    // batch rows (or t's columns, for a unit-split layer); for l = 0 also layer 0's step (nothing reads W_0 here).
    private void BackwardRegion(int t)
    {
        int l = _layer;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        if (l + 1 < _w.Length) StepUnits(l + 1, t);
        long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        var (o0, o1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
        _bp.WeightGradientRows(l, _xBatch, _batch, o0, o1);
        if (l > 0 && _unitSplit[l])
        {
            var (i0, i1) = WorkerTeam.Part(_sizes[l], _team, t, 8);
            _bp.InputGradientColumns(l, _w, _batch, i0, i1);
        }
        else if (l > 0)
        {
            var (r0, r1) = WorkerTeam.Part(_batch, _team, t, 8);
            _bp.InputGradientRows(l, _w, _batch, r0, r1);
        }
        long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
        if (l == 0) StepUnits(0, t);
        if (t == 0) { long t3 = System.Diagnostics.Stopwatch.GetTimestamp(); _tOptimizer += (t1 - t0) + (t3 - t2); _tBackward += t2 - t1; }
    }

    // The optimiser step of layer l for member t's output units (rows of W_l, entries of b_l): element-wise, so any split
    // gives the same values as one pass over the whole layer.
    private void StepUnits(int l, int t)
    {
        int nin = _sizes[l];
        var (o0, o1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
        if (o0 == o1) return;
        Range wr = (o0 * nin)..(o1 * nin), br = o0..o1;
        var gw = _bp.WeightGradients[l].AsSpan(wr); var gb = _bp.BiasGradients[l];
        ReadOnlySpan<float> pw = _pw is null ? default : _pw[l].AsSpan(wr), pb = _pb is null || _pb[l].Length == 0 ? default : _pb[l].AsSpan(br);
        bool bias = _b[l].Length > 0;
        if (_o.Optimizer == OptimizerKind.Adam)
        {
            OptimizerSteps.Adam(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), _v[l].AsSpan(wr), pw, _adam);
            if (bias) OptimizerSteps.Adam(_b[l].AsSpan(br), gb.AsSpan(br), _mb[l].AsSpan(br), _vb[l].AsSpan(br), pb, _adam);
        }
        else
        {
            float lr = (float)_o.LearningRate, mu = (float)_o.Momentum, wd = (float)_o.WeightDecay;
            float pk = OptimizerSteps.PriorGradientCoefficient(_o, _w.Length);
            OptimizerSteps.Sgd(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), pw, lr, mu, wd, pk, Step == 1);
            if (bias) OptimizerSteps.Sgd(_b[l].AsSpan(br), gb.AsSpan(br), _mb[l].AsSpan(br), pb, lr, mu, wd, pk, Step == 1);
        }
    }

    /// <summary>
    /// The optimiser state as named float32 tensors (PyTorch-like names, e.g. <c>exp_avg.0.weight</c>) plus the step and
    /// epoch counters, so training can be checkpointed and resumed bit-identically.
    /// </summary>
    public (IReadOnlyDictionary<string, float[]> Tensors, long Step, int Epochs) ExportState()
    {
        var t = new Dictionary<string, float[]>();
        for (int l = 0; l < _w.Length; l++)
        {
            string name = $"{2 * l}";
            t[$"exp_avg.{name}.weight"] = (float[])_m[l].Clone();
            t[$"exp_avg_sq.{name}.weight"] = (float[])_v[l].Clone();
            if (_b[l].Length > 0) { t[$"exp_avg.{name}.bias"] = (float[])_mb[l].Clone(); t[$"exp_avg_sq.{name}.bias"] = (float[])_vb[l].Clone(); }
        }
        return (t, Step, EpochsDone);
    }

    /// <summary>Restores a state produced by <see cref="ExportState"/> on a network of the same architecture.</summary>
    public void ImportState(IReadOnlyDictionary<string, float[]> tensors, long step, int epochs)
    {
        void Load(string key, float[] dst)
        {
            if (!tensors.TryGetValue(key, out var src)) throw new InvalidDataException($"checkpoint lacks optimiser tensor '{key}'");
            if (src.Length != dst.Length) throw new InvalidDataException($"checkpoint tensor '{key}' has {src.Length} values, expected {dst.Length}");
            src.CopyTo(dst, 0);
        }
        for (int l = 0; l < _w.Length; l++)
        {
            string name = $"{2 * l}";
            Load($"exp_avg.{name}.weight", _m[l]); Load($"exp_avg_sq.{name}.weight", _v[l]);
            if (_b[l].Length > 0) { Load($"exp_avg.{name}.bias", _mb[l]); Load($"exp_avg_sq.{name}.bias", _vb[l]); }
        }
        Step = step; EpochsDone = epochs;
    }
}
