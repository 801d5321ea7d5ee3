using System.Globalization;
using System.Text.Json.Nodes;
using GenBounds.Bounds;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.PacBayes;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Sweeps;

/// <summary>
/// Guha et al. (2023)'s appendix-table experiment for one width (catalog guha2023 §4, from the authors' code): MNIST
/// normalised with mean 0.5 and std 0.5, a seeded 80% training split (their <c>val_split: 0.2</c>, 48,000 points),
/// an MLP with <c>depth</c> Linear layers of equal hidden width and biases, PyTorch's default initialisation, SGD
/// (lr 0.02, momentum 0.9, weight decay 1e-4, batch 256). Training runs at least <c>epochs</c> epochs (3 in their
/// width-study config) and continues, up to <c>max_epochs</c>, until every training margin is positive — the code's
/// γ is the minimum training margin and its rows are infinite otherwise. Result: the three baseline rows in the
/// seed-code form (natural logs) and ln(test error).
/// Parameters: width, depth, epochs, max_epochs, lr, momentum, weight_decay, batch, train_size, seed.
/// </summary>
public sealed class Guha2023TableTask(string mnistFolder, ILinearAlgebraProvider la) : ISweepTask
{
    private (Dataset Train, Dataset Test, string Hash)? _data;

    /// <inheritdoc />
    public string Name => "guha2023-baselines";

    private (Dataset Train, Dataset Test, string Hash) Data()
    {
        if (_data is { } d) return d;
        var (train, test) = Mnist.Load(mnistFolder);
        var loaded = (DataTransforms.Normalize(train, 0.5, 0.5), DataTransforms.Normalize(test, 0.5, 0.5), SweepSpec.Sha256(train.ContentHash() + test.ContentHash()));
        _data = loaded;
        return loaded;
    }

    /// <inheritdoc />
    public string DataIdentity(SweepPoint point) => "mnist:" + Data().Hash;

    /// <inheritdoc />
    public JsonObject Run(SweepPoint point, SweepContext context)
    {
        var (all, test, _) = Data();
        int width = point.Int("width"), depth = point.Int("depth"), epochs = point.Int("epochs"), maxEpochs = point.Int("max_epochs"), trainSize = point.Int("train_size");
        ulong seed = point.UInt64("seed");
        if (depth < 2 || width < 1 || epochs < 1 || maxEpochs < epochs) throw new ArgumentException($"bad point: width {width}, depth {depth}, epochs {epochs}..{maxEpochs}");
        if (trainSize < 1 || trainSize > all.Count) throw new ArgumentException($"train_size must lie in 1..{all.Count}");
        var streams = new SeedStreams(seed);
        var train = trainSize == all.Count ? all : all.Split(trainSize / (double)all.Count, streams.Stream(SeedStreams.Names.Data + "/val-split")).First;
        var sizes = new List<int> { all.Dimension };
        sizes.AddRange(Enumerable.Repeat(width, depth - 1));
        sizes.Add(10);
        var arch = new MlpArchitecture(sizes, bias: true);
        var init = Trainer.Initialize(arch, seed);
        var net = init.Clone();
        var options = new TrainingOptions
        {
            Optimizer = OptimizerKind.Sgd, LearningRate = point.Double("lr"), Momentum = point.Double("momentum"), WeightDecay = point.Double("weight_decay"),
            BatchSize = point.Int("batch"), Epochs = maxEpochs, Seed = seed,
        };
        var trainer = new Trainer(net, options, la);
        int done = 0;
        double minMargin = double.NegativeInfinity;
        while (done < maxEpochs)
        {
            var st = trainer.TrainEpoch(train);
            done++;
            if (done >= epochs)
            {
                minMargin = Evaluation.Evaluate(net, train, la).Margins.Min();
                context.Log(string.Create(CultureInfo.InvariantCulture, $"width {width}: epoch {done}, loss {st.Loss:F4}, min training margin {minMargin:G4} ({st.Seconds:F1} s)"));
                if (minMargin > 0) break;
            }
        }
        var b = BoundInputs.Compute(net, init, train, test, la);
        var rows = NormBounds.SeedCode(b).ToDictionary(r => r.Id);
        JsonNode? Ln(string id) => double.IsFinite(rows[id].LogValue) ? JsonValue.Create(rows[id].LogValue) : JsonValue.Create(rows[id].LogValue.ToString(CultureInfo.InvariantCulture));
        return new JsonObject
        {
            ["width"] = width, ["architecture"] = arch.ToString(), ["epochs_trained"] = done, ["separable"] = b.MinMargin > 0,
            ["train_size"] = train.Count, ["train_error"] = b.TrainError, ["test_error"] = b.TestError, ["min_margin"] = b.MinMargin,
            ["ln_neyshabur2015"] = Ln("GUHA23-neyshabur2015/seed-code"), ["ln_neyshabur2017"] = Ln("GUHA23-neyshabur2017/seed-code"),
            ["ln_bartlett2017"] = Ln("GUHA23-bartlett2017/seed-code"), ["ln_test_error"] = b.TestError > 0 ? JsonValue.Create(Math.Log(b.TestError)) : null,
        };
    }
}

/// <summary>
/// A small self-contained task (no data files): train an MLP on <see cref="Synthetic.Blobs"/> and report its errors,
/// training margins and the practical-form capacities. Used by the tests of the sweep runner and as the template of
/// a new task. Parameters: width, n, seed, epochs.
/// </summary>
public sealed class SyntheticMlpTask(ILinearAlgebraProvider la) : ISweepTask
{
    /// <inheritdoc />
    public string Name => "synthetic-mlp";

    /// <inheritdoc />
    public string DataIdentity(SweepPoint point) => "synthetic-blobs(d=8,k=3,separation=3,noise=0.05)";

    /// <inheritdoc />
    public JsonObject Run(SweepPoint point, SweepContext context)
    {
        int width = point.Int("width"), n = point.Int("n"), epochs = point.Int("epochs");
        ulong seed = point.UInt64("seed");
        var streams = new SeedStreams(seed);
        var train = Synthetic.Blobs(n, 8, 3, 3, 0.05, streams.Stream("data/train"));
        var test = Synthetic.Blobs(2000, 8, 3, 3, 0.05, streams.Stream("data/test"));
        var arch = new MlpArchitecture([8, width, width, 3], bias: true);
        var init = Trainer.Initialize(arch, seed);
        var net = init.Clone();
        var trainer = new Trainer(net, new TrainingOptions { Epochs = epochs, BatchSize = 32, LearningRate = 0.01, Seed = seed }, la);
        for (int e = 0; e < epochs; e++) trainer.TrainEpoch(train);
        var b = BoundInputs.Compute(net, init, train, test, la);
        var result = new JsonObject { ["width"] = width, ["n"] = n, ["train_error"] = b.TrainError, ["test_error"] = b.TestError, ["median_margin"] = b.MarginPercentile(50) };
        if (b.MarginPercentile(5) > 0)
            foreach (var r in NormBounds.Practical(b, new BoundOptions()))
                result[r.Id] = r.LogValue;
        context.Log($"width {width}, n {n}: test error {b.TestError:P2}");
        return result;
    }
}
