using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Training;

/// <summary>Statistics of one epoch (averages over the mini-batches, measured before each step as PyTorch loops usually log them).</summary>
public sealed record EpochStats(int Epoch, double Loss, double Accuracy, double Seconds)
{
    /// <summary>
    /// Where the epoch's time went: batch assembly, forward (GEMM + bias/ReLU), loss, backward GEMMs and ReLU masks, optimiser
    /// steps, and (MLPs split over a worker team) <c>sync</c>, the time members waited for each other.
    /// </summary>
    public IReadOnlyDictionary<string, double> PhaseSeconds { get; init; } = new Dictionary<string, double>();
    /// <summary>
    /// The hidden layers whose inputs the trainer counted (MLPs, see <see cref="TrainingOptions.ActivationSparsity"/>): the
    /// fraction of nonzeros in each layer's ReLU input over the epoch, and how many batches multiplied by them only.
    /// </summary>
    public IReadOnlyList<LayerInputStats> LayerInputs { get; init; } = [];
    /// <summary>Forward plus backward seconds per module kind (<c>Linear</c>, <c>Conv2d</c>, <c>MaxPool2d</c>, …; optimiser steps of a layer excluded).</summary>
    public IReadOnlyDictionary<string, double> ModuleSeconds { get; init; } = new Dictionary<string, double>();
}

/// <summary>Layer <paramref name="Layer"/>'s input over an epoch: its fraction of nonzeros and the batches that ran sparse.</summary>
public sealed record LayerInputStats(int Layer, double NonzeroFraction, int SparseBatches, int Batches);

/// <summary>Progress within an epoch, reported every few batches.</summary>
public readonly record struct BatchProgress(int Epoch, int Batch, int Batches, double RunningLoss, double RunningAccuracy);

/// <summary>
/// Mini-batch training of a sequential <see cref="Network"/> (an <see cref="Mlp"/> is trained through its
/// <see cref="Mlp.AsNetwork"/> view, in place) in float32 with Adam or SGD, optionally under pruning masks. The data order
/// of epoch e is drawn from the stream <c>data-order/epoch-e</c> of the master seed. Two execution paths, one arithmetic:
/// <list type="bullet">
/// <item>A plain MLP (<see cref="NetworkArchitecture.IsMlp"/>) has every mini-batch split over a <see cref="WorkerTeam"/> of
/// <see cref="Threads"/> threads in a fixed partition — batch rows for gathering, the loss and (small layers) the forward
/// pass and ∂Z·W; output units for ∂W, ∂b, the optimiser and (large layers, so each thread reads only its share of W) the
/// forward pass; input columns for a large layer's ∂Z·W — with BLAS single-threaded inside, so the team is the only
/// parallel runtime. Each layer's optimiser step runs in the region right after the one that last reads its weights, on
/// the thread that computed its gradient rows, with the pruning mask sliced like the weights. On mostly-zero inputs (see
/// <see cref="TrainingOptions.InputSparsity"/>) the first layer's two products run over the batch's nonzeros only, and
/// so do a hidden layer's on batches whose ReLU inputs are mostly zeros (<see cref="TrainingOptions.ActivationSparsity"/>).</item>
/// <item>Any other network runs through <see cref="NetworkBackprop{T}"/>, its convolutions' sample blocks (with the
/// pooling after each) and its wide dense layers' products shared among <see cref="Threads"/> workers, and updates each
/// layer right after its gradient has been propagated further down.</item>
/// </list>
/// Both are deterministic: the same seed and thread count give bit-identical weights, and an MLP trained on one thread
/// with dense products gets the same weights on either path.
/// </summary>
public sealed partial class Trainer
{
    private readonly Network _net;
    private readonly TrainingOptions _o;
    private readonly ILinearAlgebraProvider _la;
    private readonly float[][] _w, _b;
    private readonly float[]?[] _biases;               // _b with bias-free layers as null, as the backprop kernels take them
    private readonly int[] _rows;                       // output units (rows of W in PyTorch layout) per weight layer
    private readonly float[][] _m, _v, _mb, _vb;     // Adam moments (or SGD momentum in _m/_mb)
    private readonly float[][]? _pw, _pb;              // prior parameters
    private readonly string[] _names;                  // Sequential index of each weight layer, for state tensor names
    private readonly float[] _xBatch;
    private readonly int[] _yBatch;
    private readonly float[]?[]? _masks;                // per layer 1 keep / 0 pruned, or null for unmasked training
    private readonly float[][] _gradW, _gradB;         // ∂loss/∂W, ∂loss/∂b per weight layer, owned by the path's backprop
    private readonly TeamPath? _team;                  // the MLP path, or null
    private readonly NetworkBackprop<float>? _sequential;   // the path of every other network, or null
    private OptimizerSteps.AdamCoefficients _adam;     // of the step being taken

    /// <summary>Prepares training of <paramref name="net"/> (updated in place), split over as many threads as BLAS has now.</summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la) : this(net, options, la, masks: null, threads: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) with each mini-batch split over
    /// <paramref name="threads"/> threads (null: see <see cref="Threads"/>).
    /// </summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la, int? threads) : this(net, options, la, masks: null, threads) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) under pruning <paramref name="masks"/>: the pruned weights
    /// are set to 0 now and, with their optimiser state, stay exactly 0 after every step (iterative magnitude pruning with
    /// retraining). Biases are never masked. With null masks this is the unmasked trainer, bit for bit.
    /// </summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks)
        : this(net, options, la, masks, threads: null) { }

    /// <summary>Prepares masked training of <paramref name="net"/> on <paramref name="threads"/> threads (see the other overloads).</summary>
    public Trainer(Mlp net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks, int? threads)
        : this(net.AsNetwork(), options, la, MatchingMasks(masks, net.Architecture), threads) { }

    private static Compression.NetworkMasks? MatchingMasks(Compression.NetworkMasks? masks, MlpArchitecture architecture) =>
        masks is null || masks.Architecture.Equals(architecture) ? masks
        : throw new ArgumentException($"masks are for {masks.Architecture}, the network is {architecture}");

    /// <summary>Prepares training of <paramref name="net"/> (updated in place).</summary>
    public Trainer(Network net, TrainingOptions options, ILinearAlgebraProvider la) : this(net, options, la, masks: null, threads: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place) under pruning <paramref name="masks"/>, one per weight
    /// layer with that layer's weight count (see the <see cref="Mlp"/> overload).
    /// </summary>
    public Trainer(Network net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks)
        : this(net, options, la, masks, threads: null) { }

    /// <summary>
    /// Prepares training of <paramref name="net"/> (updated in place), under pruning <paramref name="masks"/> when not null,
    /// on <paramref name="threads"/> threads (null: see <see cref="Threads"/>).
    /// </summary>
    public Trainer(Network net, TrainingOptions options, ILinearAlgebraProvider la, Compression.NetworkMasks? masks, int? threads)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread");
        options.Validate();
        var prior = options.PriorNetwork ?? options.Prior?.AsNetwork();
        if (prior is not null && !prior.Architecture.Equals(net.Architecture))
            throw new ArgumentException($"prior architecture {prior.Architecture} differs from the network's {net.Architecture}");
        _net = net; _o = options; _la = la;
        _w = net.WeightLayers.Select(l => l.Weight).ToArray();
        _b = net.WeightLayers.Select(l => l.Bias ?? Array.Empty<float>()).ToArray();
        _biases = _b.Select(b => b.Length == 0 ? null : b).ToArray();
        _rows = net.WeightLayers.Select(l => l.Rows).ToArray();
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
        if (options.Dropout > 0 && !net.Architecture.IsMlp)
            throw new ArgumentException("dropout is implemented for the hidden layers of MLPs only");
        // Dropout draws its masks from one stream in row order, which a team split by rows would reorder: with dropout an
        // MLP takes the sequential path (same arithmetic, one thread besides BLAS).
        if (net.Architecture.IsMlp && options.Dropout == 0)
        {
            Threads = threads ?? (options.Workers > 1 ? options.Workers
                : la is NativeLinearAlgebraProvider && NativeLinearAlgebraProvider.Threads is > 1 and var t ? t : 1);
            _team = new TeamPath(this, net.Architecture.ToMlp());
            (_gradW, _gradB) = (_team.Backprop.WeightGradients, _team.Backprop.BiasGradients);
        }
        else
        {
            Threads = threads ?? options.Workers;
            _sequential = new NetworkBackprop<float>(la, net.Architecture, options.BatchSize, workers: Threads) { DropoutRate = options.Dropout };
            (_gradW, _gradB) = (_sequential.WeightGradients, _sequential.BiasGradients);
        }
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }
    /// <summary>Called after every optimiser step with the step count (e.g. to capture the weights of an early iteration for rewinding).</summary>
    public Action<long>? AfterStep { get; set; }
    /// <summary>
    /// Threads a mini-batch is split over. An MLP: the worker team's size — the <c>threads</c> argument, else
    /// <see cref="TrainingOptions.Workers"/> when above 1, else the BLAS thread count when the trainer was made (1 for a BLAS
    /// without threads). Other networks: the workers sharing each convolution's sample blocks — the <c>threads</c> argument,
    /// else <see cref="TrainingOptions.Workers"/>.
    /// </summary>
    public int Threads { get; }

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
        int epoch = EpochsDone;
        var order = Seeds.Stream($"{SeedStreams.Names.DataOrder}/epoch-{epoch}").Permutation(train.Count);
        var stats = _team is not null ? _team.Epoch(train, order, epoch, progress) : SequentialEpoch(train, order, epoch, progress);
        EpochsDone++;
        return stats;
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

    // Counts the step and prepares its optimiser coefficients (before any layer is updated).
    private void BeginStep()
    {
        Step++;
        _adam = _o.Optimizer == OptimizerKind.Adam ? OptimizerSteps.AdamCoefficients.For(_o, Step, _w.Length) : default;
    }

    // The optimiser step of weight layer l for output units [o0, o1) (rows of W_l, entries of b_l, and the same slice of the
    // mask, moments and prior): element-wise, so any split of the units gives the same values as one pass over the layer.
    private void StepUnits(int l, int o0, int o1)
    {
        if (o0 == o1) return;
        int fanIn = _w[l].Length / _rows[l];
        StepRange(l, (o0 * fanIn)..(o1 * fanIn), o0..o1);
    }

    // The optimiser step of the weight entries wr and bias entries br of layer l, whatever the layout of W_l (the
    // input-major first layer of a sparse-input epoch included): every array of the layer is laid out alike.
    private void StepRange(int l, Range wr, Range br)
    {
        ReadOnlySpan<float> gw = _gradW[l].AsSpan(wr);
        ReadOnlySpan<float> pw = _pw is null ? default : _pw[l].AsSpan(wr), pb = _pb is null || _pb[l].Length == 0 ? default : _pb[l].AsSpan(br);
        var mask = _masks?[l];
        bool bias = _b[l].Length > 0;
        if (_o.Optimizer == OptimizerKind.Adam)
        {
            if (mask is null) OptimizerSteps.Adam(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), _v[l].AsSpan(wr), pw, _adam);
            else OptimizerSteps.AdamMasked(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), _v[l].AsSpan(wr), pw, mask.AsSpan(wr), _adam);
            if (bias) OptimizerSteps.Adam(_b[l].AsSpan(br), _gradB[l].AsSpan(br), _mb[l].AsSpan(br), _vb[l].AsSpan(br), pb, _adam);
        }
        else
        {
            float lr = (float)_o.LearningRate, mu = (float)_o.Momentum, wd = (float)_o.WeightDecay;
            float pk = OptimizerSteps.PriorGradientCoefficient(_o, _w.Length);
            if (mask is null) OptimizerSteps.Sgd(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), pw, lr, mu, wd, pk, Step == 1);
            else OptimizerSteps.SgdMasked(_w[l].AsSpan(wr), gw, _m[l].AsSpan(wr), pw, mask.AsSpan(wr), lr, mu, wd, pk, Step == 1);
            if (bias) OptimizerSteps.Sgd(_b[l].AsSpan(br), _gradB[l].AsSpan(br), _mb[l].AsSpan(br), pb, lr, mu, wd, pk, Step == 1);
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
