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
/// drawn from the stream <c>data-order/epoch-e</c> of the master seed, all element-wise work is single-threaded in a
/// fixed order, and BLAS is the only parallel runtime, so the same seed and thread count give bit-identical weights.
/// The optimiser updates each layer right after its gradient has been propagated further down (fused, single pass).
/// </summary>
public sealed class Trainer
{
    private readonly Mlp _net;
    private readonly TrainingOptions _o;
    private readonly Backprop<float> _bp;
    private readonly float[][] _w, _b;
    private readonly float[][] _m, _v, _mb, _vb;     // Adam moments (or SGD momentum in _m/_mb)
    private readonly float[][]? _pw, _pb;              // prior parameters
    private readonly float[] _xBatch;
    private readonly int[] _yBatch;

    /// <summary>Prepares training of <paramref name="net"/> (updated in place).</summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la)
    {
        options.Validate();
        if (options.Prior is { } prior && !prior.Architecture.Equals(net.Architecture))
            throw new ArgumentException($"prior architecture {prior.Architecture} differs from the network's {net.Architecture}");
        _net = net; _o = options;
        var sizes = net.Architecture.LayerSizes;
        _bp = new Backprop<float>(la, sizes, net.Architecture.Bias, options.BatchSize) { DropoutRate = options.Dropout };
        int L = net.Layers.Length;
        _w = net.Layers.Select(l => l.Weight).ToArray();
        _b = net.Layers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        _m = _w.Select(a => new float[a.Length]).ToArray(); _v = _w.Select(a => new float[a.Length]).ToArray();
        _mb = _b.Select(a => new float[a.Length]).ToArray(); _vb = _b.Select(a => new float[a.Length]).ToArray();
        if (options.PriorPenalty > 0)
        {
            _pw = options.Prior!.Layers.Select(l => l.Weight).ToArray();
            _pb = options.Prior!.Layers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        }
        _xBatch = new float[options.BatchSize * sizes[0]];
        _yBatch = new int[options.BatchSize];
        Seeds = new SeedStreams(options.Seed);
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }

    /// <summary>A freshly initialised network (PyTorch default init) from the <c>init</c> stream of <paramref name="seed"/>.</summary>
    public static Mlp Initialize(MlpArchitecture architecture, ulong seed) =>
        Mlp.InitializeDefault(architecture, new SeedStreams(seed).Stream(SeedStreams.Names.Init));

    /// <summary>Runs one epoch over <paramref name="train"/>.</summary>
    public EpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        if (train.Dimension != _net.Architecture.InputSize) throw new ArgumentException($"data dimension {train.Dimension} ≠ network input {_net.Architecture.InputSize}");
        if (train.Classes > _net.Architecture.OutputSize) throw new ArgumentException($"data has {train.Classes} classes, network only {_net.Architecture.OutputSize} outputs");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int epoch = EpochsDone;
        var order = Seeds.Stream($"{SeedStreams.Names.DataOrder}/epoch-{epoch}").Permutation(train.Count);
        _bp.DropoutRng = _o.Dropout > 0 ? Seeds.Stream($"dropout/epoch-{epoch}") : null;
        int n = train.Count, B = _o.BatchSize, d = train.Dimension, batches = (n + B - 1) / B;
        double lossSum = 0; long correctSum = 0; int processed = 0;
        long tGather = 0, tForward = 0, tLoss = 0, tBackward = 0;
        _optimizerTicks = 0;
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
        if (_o.Optimizer == OptimizerKind.Adam)
        {
            OptimizerSteps.Adam(_w[l], gw, _m[l], _v[l], pw, adam);
            if (_b[l].Length > 0) OptimizerSteps.Adam(_b[l], gb, _mb[l], _vb[l], pb, adam);
        }
        else
        {
            float lr = (float)_o.LearningRate, mu = (float)_o.Momentum, wd = (float)_o.WeightDecay;
            float pk = OptimizerSteps.PriorGradientCoefficient(_o, _w.Length);
            OptimizerSteps.Sgd(_w[l], gw, _m[l], pw, lr, mu, wd, pk, Step == 1);
            if (_b[l].Length > 0) OptimizerSteps.Sgd(_b[l], gb, _mb[l], pb, lr, mu, wd, pk, Step == 1);
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
