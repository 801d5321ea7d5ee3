using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using GenBounds.Data;
using GenBounds.IO;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Compression;

/// <summary>
/// Settings of iterative magnitude pruning with rewinding (Frankle &amp; Carbin 2019, "Strategy 1: iterative pruning with
/// resetting"; late rewinding: Frankle, Dziugaite, Roy, Carbin 2019). Defaults follow Frankle &amp; Carbin's LeNet-300-100
/// set-up where it is affordable: Adam at 1.2·10⁻³, batch 60, 20% of each hidden layer and 10% of the output layer pruned per
/// round, layer-wise, rewinding to θ₀; each round trains <see cref="TrainingOptions.Epochs"/> epochs instead of their 50K iterations.
/// </summary>
public sealed record ImpOptions
{
    /// <summary>Network shape (LeNet-300-100 by default).</summary>
    public MlpArchitecture Architecture { get; init; } = new([784, 300, 100, 10], bias: true);
    /// <summary>Pruning rounds after the dense round 0.</summary>
    public int Rounds { get; init; } = 15;
    /// <summary>Fraction of each non-output layer's surviving weights removed per round.</summary>
    public double PruneFraction { get; init; } = 0.2;
    /// <summary>Fraction of the output layer's surviving weights removed per round (Frankle &amp; Carbin: half the rate).</summary>
    public double OutputPruneFraction { get; init; } = 0.1;
    /// <summary>Rewind target: 0 = the initial weights θ₀; k &gt; 0 = the weights after k optimiser steps of round 0.</summary>
    public long RewindStep { get; init; }
    /// <summary>Also train every pruned round's masks from a fresh initialisation (the random-reinitialisation control).</summary>
    public bool ReinitControls { get; init; } = true;
    /// <summary>Per-round training; its <see cref="TrainingOptions.Seed"/> is ignored (seeds come from <see cref="Seed"/>).</summary>
    public TrainingOptions Training { get; init; } = new() { Epochs = 5, BatchSize = 60, LearningRate = 1.2e-3 };
    /// <summary>Master seed: streams <c>init</c>, <c>imp/round-R</c> (data order of round R) and <c>imp/reinit/round-R</c>.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="ArgumentException"/> on any out-of-range value.</summary>
    public void Validate()
    {
        if (Rounds < 0) throw new ArgumentException($"rounds must be ≥ 0 (got {Rounds})");
        if (!(PruneFraction >= 0 && PruneFraction < 1)) throw new ArgumentException($"the pruning fraction must be in [0, 1) (got {PruneFraction})");
        if (!(OutputPruneFraction >= 0 && OutputPruneFraction < 1)) throw new ArgumentException($"the output pruning fraction must be in [0, 1) (got {OutputPruneFraction})");
        if (RewindStep < 0) throw new ArgumentException($"the rewind step must be ≥ 0 (got {RewindStep})");
        Training.Validate();
        if (Training.Epochs < 1) throw new ArgumentException("each round must train at least one epoch");
        if (Training.PriorPenalty > 0) throw new ArgumentException("a prior penalty is not supported by iterative pruning");
    }

    /// <summary>Fraction pruned per round for each layer (the last layer at <see cref="OutputPruneFraction"/>).</summary>
    public double[] LayerFractions() =>
        Enumerable.Range(0, Architecture.Depth).Select(l => l == Architecture.Depth - 1 ? OutputPruneFraction : PruneFraction).ToArray();

    /// <summary>What must match between a checkpoint folder and a run that resumes it (JSON).</summary>
    public string RunKey(Dataset train, Dataset validation) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["format"] = "genbounds-imp/1",
        ["architecture"] = Architecture.ToString(),
        ["prune_fraction"] = PruneFraction.ToString("R", CultureInfo.InvariantCulture),
        ["output_prune_fraction"] = OutputPruneFraction.ToString("R", CultureInfo.InvariantCulture),
        ["rewind_step"] = RewindStep.ToString(CultureInfo.InvariantCulture),
        ["reinit_controls"] = ReinitControls ? "true" : "false",
        ["training"] = Training.Describe() + FormattableString.Invariant($" epochs={Training.Epochs}"),
        ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
        ["train_data"] = train.ContentHash(),
        ["validation_data"] = validation.ContentHash(),
    });
}

/// <summary>One training run of a round (the ticket or its reinitialised control).</summary>
/// <param name="ValidationLoss">Mean cross-entropy on the validation set after each epoch.</param>
/// <param name="TestAccuracy">Test accuracy after each epoch.</param>
/// <param name="TrainAccuracy">Running training accuracy of each epoch (before each step, as training logs it).</param>
/// <param name="EarlyStopEpoch">1-based epoch of minimum validation loss (Frankle &amp; Carbin's early-stopping criterion).</param>
/// <param name="Steps">Optimiser steps taken.</param>
/// <param name="Seconds">Wall time of the training (evaluation included).</param>
public sealed record ImpTraining(double[] ValidationLoss, double[] TestAccuracy, double[] TrainAccuracy, int EarlyStopEpoch, long Steps, double Seconds)
{
    /// <summary>Test accuracy after the last epoch.</summary>
    public double FinalTestAccuracy => TestAccuracy[^1];
    /// <summary>Test accuracy at the early-stopping epoch.</summary>
    public double EarlyStopTestAccuracy => TestAccuracy[EarlyStopEpoch - 1];
}

/// <summary>One round of iterative magnitude pruning.</summary>
/// <param name="Round">0 for the dense network.</param>
/// <param name="Remaining">Fraction of all weights (biases excluded) still present.</param>
/// <param name="LayerRemaining">Per-layer fraction of weights still present.</param>
/// <param name="Kept">Weights still present.</param>
/// <param name="Ticket">Training of the rewound ticket (round 0: the dense network).</param>
/// <param name="Reinit">Training of the same masks from a fresh initialisation (null for round 0 or without controls).</param>
public sealed record ImpRound(int Round, double Remaining, double[] LayerRemaining, long Kept, ImpTraining Ticket, ImpTraining? Reinit);

/// <summary>Progress of an IMP run: the round, which run, the epoch.</summary>
public readonly record struct ImpProgress(int Round, int Rounds, string Run, int Epoch, int Epochs, double Loss, double RunningAccuracy);

/// <summary>
/// Iterative magnitude pruning with rewinding: train; prune the smallest-magnitude surviving weights of each layer
/// (<see cref="IterativePruning.PruneRound(Mlp, NetworkMasks, IReadOnlyList{double})"/>); reset the survivors to θ₀ (or θ_k);
/// retrain under the masks (pruned weights and their Adam moments stay exactly 0); repeat. A checkpoint per round in
/// <see cref="Folder"/> (<c>round-RR.safetensors</c>: trained ticket, rewind weights, masks, history) lets a run resume after the
/// last completed round; because every round's randomness comes from named streams of the master seed, a resumed run is
/// bit-identical to an uninterrupted one (same thread count).
/// </summary>
public sealed class ImpRunner
{
    private readonly ImpOptions _o;
    private readonly Dataset _train, _validation, _test;
    private readonly ILinearAlgebraProvider _la;
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>Prepares a run; <paramref name="folder"/> holds the per-round checkpoints (created if missing; null: none are written).</summary>
    public ImpRunner(ImpOptions options, Dataset train, Dataset validation, Dataset test, ILinearAlgebraProvider la, string? folder)
    {
        options.Validate();
        foreach (var d in new[] { train, validation, test })
        {
            if (d.Dimension != options.Architecture.InputSize) throw new ArgumentException($"{d.Name} has dimension {d.Dimension}, the network {options.Architecture.InputSize} inputs");
            if (d.Classes > options.Architecture.OutputSize) throw new ArgumentException($"{d.Name} has {d.Classes} classes, the network {options.Architecture.OutputSize} outputs");
        }
        _o = options; _train = train; _validation = validation; _test = test; _la = la; Folder = folder;
        RunKey = options.RunKey(train, validation);
    }

    /// <summary>Checkpoint folder, or null.</summary>
    public string? Folder { get; }
    /// <summary>The run's identity (options and data hashes) as stored in every checkpoint.</summary>
    public string RunKey { get; }

    /// <summary>Checkpoint file of round <paramref name="round"/>.</summary>
    public static string CheckpointName(int round) => FormattableString.Invariant($"round-{round:D2}.safetensors");

    /// <summary>The last completed round found in the folder that belongs to this run (−1 if none); a foreign checkpoint is an error.</summary>
    public int LastCompletedRound()
    {
        if (Folder is null || !Directory.Exists(Folder)) return -1;
        int last = -1;
        for (int r = 0; r <= _o.Rounds; r++)
        {
            string path = Path.Combine(Folder, CheckpointName(r));
            if (!File.Exists(path)) break;
            var c = Checkpoint.Load(path);
            if (c.OptionsJson != RunKey) throw new InvalidDataException($"checkpoint {path} belongs to a different run: {c.OptionsJson}");
            last = r;
        }
        return last;
    }

    /// <summary>
    /// Runs (or resumes) every round and returns all of them. <paramref name="stopAfterRound"/> ends the run early after that
    /// round (for tests of resumption); the default runs to <see cref="ImpOptions.Rounds"/>.
    /// </summary>
    public IReadOnlyList<ImpRound> Run(Action<ImpProgress>? progress = null, Action<ImpRound>? roundDone = null, int stopAfterRound = int.MaxValue)
    {
        var history = new List<ImpRound>();
        NetworkMasks masks;
        Mlp trained, rewind;
        int start = LastCompletedRound() + 1;
        if (start > 0)
        {
            var c = Checkpoint.Load(Path.Combine(Folder!, CheckpointName(start - 1)));
            trained = c.GetNetwork("trained.");
            rewind = c.GetNetwork("rewind.");
            masks = ReadMasks(c);
            history.AddRange(JsonSerializer.Deserialize<List<ImpRound>>(c.Extra["imp_history"], Json)
                             ?? throw new InvalidDataException("checkpoint history is empty"));
        }
        else
        {
            var init = Trainer.Initialize(_o.Architecture, _o.Seed);
            masks = NetworkMasks.Ones(_o.Architecture);
            trained = init.Clone();
            Mlp? captured = _o.RewindStep == 0 ? init.Clone() : null;
            var dense = TrainOne(trained, masks, 0, "dense", progress, _o.RewindStep > 0 ? (step, net) => { if (step == _o.RewindStep) captured = net.Clone(); } : null);
            rewind = captured ?? throw new ArgumentException($"rewind step {_o.RewindStep} is beyond round 0's {dense.Steps} steps");
            var r0 = new ImpRound(0, 1.0, Enumerable.Repeat(1.0, _o.Architecture.Depth).ToArray(), masks.KeptCount, dense, null);
            history.Add(r0);
            Save(0, trained, rewind, masks, history);
            roundDone?.Invoke(r0);
            start = 1;
        }
        for (int r = start; r <= Math.Min(_o.Rounds, stopAfterRound); r++)
        {
            masks = IterativePruning.PruneRound(trained, masks, _o.LayerFractions()).Masks;
            trained = masks.Apply(rewind);
            var ticket = TrainOne(trained, masks, r, "ticket", progress, null);
            ImpTraining? control = null;
            if (_o.ReinitControls)
            {
                var fresh = masks.Apply(Mlp.InitializeDefault(_o.Architecture, new SeedStreams(_o.Seed).Stream($"imp/reinit/round-{r}")));
                control = TrainOne(fresh, masks, r, "reinit", progress, null);
            }
            var layerRemaining = masks.Layers.Select(m => m.Density).ToArray();
            var round = new ImpRound(r, masks.KeptCount / (double)masks.PositionCount, layerRemaining, masks.KeptCount, ticket, control);
            history.Add(round);
            Save(r, trained, rewind, masks, history);
            roundDone?.Invoke(round);
        }
        return history;
    }

    /// <summary>The ticket trained in round <paramref name="round"/>, with its masks, read back from the checkpoint folder.</summary>
    public (Mlp Network, NetworkMasks Masks) LoadRound(int round)
    {
        if (Folder is null) throw new InvalidOperationException("this run writes no checkpoints");
        var c = Checkpoint.Load(Path.Combine(Folder, CheckpointName(round)));
        if (c.OptionsJson != RunKey) throw new InvalidDataException($"checkpoint of round {round} belongs to a different run");
        return (c.GetNetwork("trained."), ReadMasks(c));
    }

    private ImpTraining TrainOne(Mlp net, NetworkMasks masks, int round, string run, Action<ImpProgress>? progress, Action<long, Mlp>? afterStep)
    {
        var sw = Stopwatch.StartNew();
        // The ticket and its control of one round see the same data order: the comparison is paired.
        var options = _o.Training with { Seed = SeedStreams.Derive(_o.Seed, $"imp/round-{round}") };
        var trainer = new Trainer(net, options, _la, round == 0 ? null : masks);
        if (afterStep is not null) trainer.AfterStep = step => afterStep(step, net);
        int epochs = options.Epochs;
        var vl = new double[epochs]; var ta = new double[epochs]; var tr = new double[epochs];
        for (int e = 0; e < epochs; e++)
        {
            var st = trainer.TrainEpoch(_train, bp =>
                progress?.Invoke(new ImpProgress(round, _o.Rounds, run, e + 1, epochs, bp.RunningLoss, bp.RunningAccuracy)));
            tr[e] = st.Accuracy;
            vl[e] = Evaluation.Evaluate(net, _validation, _la).Loss;
            ta[e] = Evaluation.Evaluate(net, _test, _la).Accuracy;
        }
        int best = 0;
        for (int e = 1; e < epochs; e++) if (vl[e] < vl[best]) best = e;
        return new ImpTraining(vl, ta, tr, best + 1, trainer.Step, sw.Elapsed.TotalSeconds);
    }

    private void Save(int round, Mlp trained, Mlp rewind, NetworkMasks masks, List<ImpRound> history)
    {
        if (Folder is null) return;
        Directory.CreateDirectory(Folder);
        var c = new Checkpoint(round, history.Sum(h => h.Ticket.Steps + (h.Reinit?.Steps ?? 0)), _o.Seed, RunKey);
        c.SetNetwork("trained.", trained);
        c.SetNetwork("rewind.", rewind);
        for (int l = 0; l < masks.Layers.Count; l++)
        {
            var m = masks.Layers[l];
            var f = new float[m.Values.Length];
            for (int i = 0; i < f.Length; i++) f[i] = m.Values[i];
            c.Set(FormattableString.Invariant($"mask.{2 * l}.weight"), [m.Rows, m.Cols], f);
        }
        c.Extra["imp_history"] = JsonSerializer.Serialize(history, Json);
        c.Save(Path.Combine(Folder, CheckpointName(round)));
    }

    private NetworkMasks ReadMasks(Checkpoint c) =>
        new(_o.Architecture, Enumerable.Range(0, _o.Architecture.Depth).Select(l =>
        {
            string name = FormattableString.Invariant($"mask.{2 * l}.weight");
            var shape = c.ShapeOf(name);
            return Mask.FromFloats((int)shape[0], (int)shape[1], c.Get(name));
        }).ToArray());
}
