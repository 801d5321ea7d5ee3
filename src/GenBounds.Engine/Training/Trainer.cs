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
    /// <summary>Forward plus backward seconds per module kind (<c>Linear</c>, <c>Conv2d</c>, <c>MaxPool2d</c>, …; optimiser steps of a layer excluded).</summary>
    public IReadOnlyDictionary<string, double> ModuleSeconds { get; init; } = new Dictionary<string, double>();
}

/// <summary>Progress within an epoch, reported every few batches.</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double RunningAccuracy);

/// <summary>
/// Mini-batch training of a sequential <see cref="Network"/> (an <see cref="Mlp"/> is trained through its
/// <see cref="Mlp.AsNetwork"/> view, in place) in float32 with Adam or SGD. Deterministic: the data order of epoch e is
/// drawn from the stream <c>data-order/epoch-e</c> of the master seed, all element-wise work is single-threaded in a
/// fixed order, and BLAS is the only parallel runtime, so the same seed and thread count give bit-identical weights.
/// The optimiser updates each layer right after its gradient has been propagated further down (fused, single pass).
/// </summary>
public sealed class Trainer
{
    private readonly Network _net;
    private readonly TrainingOptions _o;
    private readonly NetworkBackprop<float> _bp;
    private readonly float[][] _w, _b;
    private readonly float[][] _m, _v, _mb, _vb;     // Adam moments (or SGD momentum in _m/_mb)
    private readonly float[][]? _pw, _pb;              // prior parameters
    private readonly string[] _names;                  // Sequential index of each weight layer, for state tensor names
    private readonly float[] _xBatch;
    private readonly int[] _yBatch;
    private readonly float[]?[]? _masks;                // per layer 1 keep / 0 pruned, or null for unmasked training

    /// <summary>Prepares training of <paramref name="net"/> (updated in place).</summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la) : this(net.AsNetwork(), options, la, masks: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) under pruning <paramref name="masks"/>: the pruned weights
    /// are set to 0 now and, with their optimiser state, stay exactly 0 after every step (iterative magnitude pruning with
    /// retraining). Biases are never masked. With null masks this is the unmasked trainer, bit for bit.
    /// </summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks)
        : this(net.AsNetwork(), options, la, MatchingMasks(masks, net.Architecture)) { }

    private static Compression.NetworkMasks? MatchingMasks(Compression.NetworkMasks? masks, MlpArchitecture architecture) =>
        masks is null || masks.Architecture.Equals(architecture) ? masks
        : throw new ArgumentException($"masks are for {masks.Architecture}, the network is {architecture}");

    /// <summary>Prepares training of <paramref name="net"/> (updated in place).</summary>
    public Trainer(Network net, TrainingOptions options, ILinearAlgebraProvider la) : this(net, options, la, masks: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) under pruning <paramref name="masks"/>, one per weight
    /// layer with that layer's weight count (see the <see cref="Mlp"/> overload).
    /// </summary>
    public Trainer(Network net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks)
    {
        ArgumentNullException.ThrowIfNull(net);
        options.Validate();
        var prior = options.PriorNetwork ?? options.Prior?.AsNetwork();
        if (prior is not null && !prior.Architecture.Equals(net.Architecture))
            throw new ArgumentException($"prior architecture {prior.Architecture} differs from the network's {net.Architecture}");
        _net = net; _o = options;
        if (options.Dropout > 0 && !net.Architecture.IsMlp)
            throw new ArgumentException("dropout is implemented for the hidden layers of MLPs only");
        _bp = new NetworkBackprop<float>(la, net.Architecture, options.BatchSize, workers: options.Workers) { DropoutRate = options.Dropout };
        _w = net.WeightLayers.Select(l => l.Weight).ToArray();
        _b = net.WeightLayers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        _names = net.Architecture.WeightModules.Select(m => m.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        _m = _w.Select(a => new float[a.Length]).ToArray(); _v = _w.Select(a => new float[a.Length]).ToArray();
        _mb = _b.Select(a => new float[a.Length]).ToArray(); _vb = _b.Select(a => new float[a.Length]).ToArray();
        if (options.PriorPenalty > 0)
        {
            _pw = prior!.WeightLayers.Select(l => l.Weight).ToArray();
            _pb = prior!.WeightLayers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        }
        if (masks is not null)
        {
            if (masks.Layers.Count != _w.Length)
                throw new ArgumentException($"{masks.Layers.Count} masks for a network with {_w.Length} weight layers");
            _masks = new float[]?[_w.Length];
            for (int l = 0; l < _w.Length; l++)
            {
                var mv = masks.Layers[l].Values;
                if (mv.Length != _w[l].Length)
                    throw new ArgumentException($"mask {l} has {mv.Length} entries, weight layer {l} has {_w[l].Length}");
                var f = new float[mv.Length];
                for (int i = 0; i < f.Length; i++) f[i] = mv[i];
                for (int i = 0; i < f.Length; i++) if (mv[i] == 0) _w[l][i] = 0f;
                _masks[l] = f;
            }
        }
        _xBatch = new float[options.BatchSize * net.InputShape.Size];
        _yBatch = new int[options.BatchSize];
        Seeds = new SeedStreams(options.Seed);
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }
    /// <summary>Called after every optimiser step with the step count (e.g. to capture the weights of an early iteration for rewinding).</summary>
    public Action<long>? AfterStep { get; set; }

    /// <summary>A freshly initialised network (PyTorch default init) from the <c>init</c> stream of <paramref name="seed"/>.</summary>
    public static Mlp Initialize(MlpArchitecture architecture, ulong seed) =>
        Mlp.InitializeDefault(architecture, new SeedStreams(seed).Stream(SeedStreams.Names.Init));

    /// <summary>A freshly initialised network (PyTorch default init) from the <c>init</c> stream of <paramref name="seed"/>; an MLP gets the parameters of the <see cref="MlpArchitecture"/> overload.</summary>
    public static Network Initialize(NetworkArchitecture architecture, ulong seed) =>
        Network.InitializeDefault(architecture, new SeedStreams(seed).Stream(SeedStreams.Names.Init));

    /// <summary>Checks that <paramref name="data"/> fits a network's input and output; throws <see cref="ArgumentException"/> with the reason.</summary>
    public static void CheckData(NetworkArchitecture architecture, Dataset data)
    {
        var shape = architecture.InputShape;
        if (data.Dimension != shape.Size) throw new ArgumentException($"data dimension {data.Dimension} ≠ network input {shape} ({shape.Size} values)");
        if (!shape.IsVector && data.ImageShape is { } img && img != shape)
            throw new ArgumentException($"{data.Name} holds {img} images but the network expects {shape}");
        if (data.Classes > architecture.OutputSize) throw new ArgumentException($"data has {data.Classes} classes, network only {architecture.OutputSize} outputs");
    }

    /// <summary>Runs one epoch over <paramref name="train"/>.</summary>
    public EpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        CheckData(_net.Architecture, train);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int epoch = EpochsDone;
        var order = Seeds.Stream($"{SeedStreams.Names.DataOrder}/epoch-{epoch}").Permutation(train.Count);
        _bp.DropoutRng = _o.Dropout > 0 ? Seeds.Stream($"dropout/epoch-{epoch}") : null;
        int n = train.Count, B = _o.BatchSize, d = train.Dimension, batches = (n + B - 1) / B;
        double lossSum = 0; long correctSum = 0; int processed = 0;
        long tGather = 0, tForward = 0, tLoss = 0, tBackward = 0;
        _optimizerTicks = 0;
        _bp.ResetTimers();
        var biases = _b.Select(b => b.Length == 0 ? null : b).ToArray();
        for (int bi = 0; bi < batches; bi++)
        {
            if (_o.MaxSteps > 0 && Step >= _o.MaxSteps) break;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            int start = bi * B, batch = Math.Min(B, n - start);
            for (int r = 0; r < batch; r++)
            {
                int i = order[start + r];
                train.Features.AsSpan(i * d, d).CopyTo(_xBatch.AsSpan(r * d, d));
                _yBatch[r] = train.Labels[i];
            }
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            _bp.Forward(_w, biases, _xBatch, batch);
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            double loss = _bp.CrossEntropy(_yBatch.AsSpan(0, batch), batch, out int correct);
            long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            lossSum += loss * batch; correctSum += correct; processed += batch;
            Step++;
            var adam = _o.Optimizer == OptimizerKind.Adam ? OptimizerSteps.AdamCoefficients.For(_o, Step, _w.Length) : default;
            _bp.Backward(_w, _xBatch, batch, l => StepLayer(l, adam));
            AfterStep?.Invoke(Step);
            long t4 = System.Diagnostics.Stopwatch.GetTimestamp();
            tGather += t1 - t0; tForward += t2 - t1; tLoss += t3 - t2; tBackward += t4 - t3;
            if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                progress(new BatchProgress(epoch, bi + 1, batches, lossSum / (start + batch), (double)correctSum / (start + batch)));
        }
        EpochsDone++;
        double f = 1.0 / System.Diagnostics.Stopwatch.Frequency;
        int seen = Math.Max(processed, 1);
        return new EpochStats(epoch, lossSum / seen, (double)correctSum / seen, sw.Elapsed.TotalSeconds)
        {
            PhaseSeconds = new Dictionary<string, double>
            {
                ["batch"] = tGather * f, ["forward"] = tForward * f, ["loss"] = tLoss * f,
                ["backward"] = (tBackward - _optimizerTicks) * f, ["optimizer"] = _optimizerTicks * f,
            },
            ModuleSeconds = _bp.Ticks.ToDictionary(kv => kv.Key, kv => kv.Value * f),
        };
    }

    /// <summary>Whether the step budget (<see cref="TrainingOptions.MaxSteps"/>) is spent.</summary>
    public bool StepBudgetSpent => _o.MaxSteps > 0 && Step >= _o.MaxSteps;

    /// <summary>
    /// Trains until the step budget is spent (or <see cref="TrainingOptions.Epochs"/> epochs are done, whichever comes first);
    /// epoch e draws its data order from the stream <c>data-order/epoch-e</c> as <see cref="TrainEpoch"/> does.
    /// </summary>
    public List<EpochStats> TrainSteps(Dataset train, Action<BatchProgress>? progress = null)
    {
        if (_o.MaxSteps <= 0) throw new InvalidOperationException("TrainSteps needs a step budget (TrainingOptions.MaxSteps > 0)");
        var stats = new List<EpochStats>();
        while (!StepBudgetSpent && EpochsDone < _o.Epochs) stats.Add(TrainEpoch(train, progress));
        return stats;
    }

    private long _optimizerTicks;

    private void StepLayer(int l, in OptimizerSteps.AdamCoefficients adam)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        StepLayerCore(l, adam);
        _optimizerTicks += System.Diagnostics.Stopwatch.GetTimestamp() - start;
    }

    private void StepLayerCore(int l, in OptimizerSteps.AdamCoefficients adam)
    {
        var gw = _bp.WeightGradients[l]; var gb = _bp.BiasGradients[l];
        ReadOnlySpan<float> pw = _pw is null ? default : _pw[l], pb = _pb is null ? default : _pb[l];
        var mask = _masks?[l];
        if (_o.Optimizer == OptimizerKind.Adam)
        {
            if (mask is null) OptimizerSteps.Adam(_w[l], gw, _m[l], _v[l], pw, adam);
            else OptimizerSteps.AdamMasked(_w[l], gw, _m[l], _v[l], pw, mask, adam);
            if (_b[l].Length > 0) OptimizerSteps.Adam(_b[l], gb, _mb[l], _vb[l], pb, adam);
        }
        else
        {
            float lr = (float)_o.LearningRate, mu = (float)_o.Momentum, wd = (float)_o.WeightDecay;
            float pk = OptimizerSteps.PriorGradientCoefficient(_o, _w.Length);
            if (mask is null) OptimizerSteps.Sgd(_w[l], gw, _m[l], pw, lr, mu, wd, pk, Step == 1);
            else OptimizerSteps.SgdMasked(_w[l], gw, _m[l], pw, mask, lr, mu, wd, pk, Step == 1);
            if (_b[l].Length > 0) OptimizerSteps.Sgd(_b[l], gb, _mb[l], pb, lr, mu, wd, pk, Step == 1);
        }
    }

    /// <summary>
    /// The optimiser state as named float32 tensors (PyTorch-like names with the Sequential index, e.g. <c>exp_avg.0.weight</c>) plus the step and
    /// epoch counters, so training can be checkpointed and resumed bit-identically.
    /// </summary>
    public (IReadOnlyDictionary<string, float[]> Tensors, long Step, int Epochs) ExportState()
    {
        var t = new Dictionary<string, float[]>();
        for (int l = 0; l < _w.Length; l++)
        {
            string name = _names[l];
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
            string name = _names[l];
            Load($"exp_avg.{name}.weight", _m[l]); Load($"exp_avg_sq.{name}.weight", _v[l]);
            if (_b[l].Length > 0) { Load($"exp_avg.{name}.bias", _mb[l]); Load($"exp_avg_sq.{name}.bias", _vb[l]); }
        }
        Step = step; EpochsDone = epochs;
    }
}
