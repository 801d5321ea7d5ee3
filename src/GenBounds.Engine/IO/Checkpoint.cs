using System.Globalization;
using System.Text.Json;
using GenBounds.Networks;

namespace GenBounds.IO;

/// <summary>
/// Training state for resuming a run: position (<see cref="Epoch"/>, <see cref="Step"/>), <see cref="Seed"/>, the trainer's
/// options as JSON, and any number of named float32 tensors: the network (<c>model.0.weight</c>, …) and optimizer state
/// (e.g. <c>adam.m.0.weight</c>). Stored as a safetensors file with format <c>genbounds-checkpoint/1</c>.
/// </summary>
public sealed class Checkpoint
{
    /// <summary>Value of the <c>format</c> metadata key.</summary>
    public const string Format = "genbounds-checkpoint/1";
    private static readonly string[] Reserved = ["format", "epoch", "step", "seed", "options"];
    private readonly Dictionary<string, SafetensorsTensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Creates an empty checkpoint; <paramref name="optionsJson"/> must be valid JSON.</summary>
    public Checkpoint(int epoch, long step, ulong seed, string optionsJson = "{}")
    {
        if (epoch < 0) throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "epoch must be non-negative");
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step), step, "step must be non-negative");
        ArgumentNullException.ThrowIfNull(optionsJson);
        try { using var _ = JsonDocument.Parse(optionsJson); }
        catch (JsonException e) { throw new ArgumentException($"options are not valid JSON: {e.Message}", nameof(optionsJson)); }
        Epoch = epoch; Step = step; Seed = seed; OptionsJson = optionsJson;
    }

    /// <summary>Completed epochs.</summary>
    public int Epoch { get; }
    /// <summary>Completed optimizer steps.</summary>
    public long Step { get; }
    /// <summary>Master seed of the run.</summary>
    public ulong Seed { get; }
    /// <summary>The trainer's options, serialised as JSON.</summary>
    public string OptionsJson { get; }
    /// <summary>Further string metadata (keys other than format, epoch, step, seed, options).</summary>
    public Dictionary<string, string> Extra { get; } = new(StringComparer.Ordinal);
    /// <summary>Names of the stored tensors.</summary>
    public IReadOnlyCollection<string> TensorNames => _tensors.Keys;

    /// <summary>Stores (a copy of) <paramref name="values"/> under <paramref name="name"/> with the given shape, replacing any previous tensor.</summary>
    public void Set(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _tensors[name] = SafetensorsTensor.FromSingle(name, shape, values);
    }

    /// <summary>Stores a 1-D tensor.</summary>
    public void Set(string name, ReadOnlySpan<float> values) => Set(name, [values.Length], values);

    /// <summary>A copy of the tensor <paramref name="name"/>.</summary>
    public float[] Get(string name) => Tensor(name).ToSingle();

    /// <summary>The shape of the tensor <paramref name="name"/>.</summary>
    public IReadOnlyList<long> ShapeOf(string name) => Tensor(name).Shape;

    /// <summary>Whether a tensor called <paramref name="name"/> is stored.</summary>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Stores every parameter of <paramref name="network"/> as <paramref name="prefix"/> + <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, ….</summary>
    public void SetNetwork(string prefix, Mlp network)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(network);
        foreach (var t in ModelFile.NetworkTensors(network, prefix)) _tensors[t.Name] = t;
    }

    /// <summary>Rebuilds the network stored by <see cref="SetNetwork(string, Mlp)"/> under <paramref name="prefix"/>.</summary>
    public Mlp GetNetwork(string prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var mine = _tensors.Values.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)
                                              && System.Text.RegularExpressions.Regex.IsMatch(t.Name.AsSpan(prefix.Length), @"^\d+\.(weight|bias)$"))
                                  .ToList();
        if (mine.Count == 0) throw new KeyNotFoundException($"checkpoint has no network under prefix '{prefix}'");
        return ModelFile.BuildNetwork(mine, $"checkpoint network '{prefix}'", requiredPrefix: prefix);
    }

    /// <summary>Stores every parameter of a sequential <paramref name="network"/> as <paramref name="prefix"/> + <c>{index}.weight</c> / <c>{index}.bias</c> (Sequential indices).</summary>
    public void SetNetwork(string prefix, Network network)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(network);
        foreach (var t in ModelFile.NetworkTensors(network, prefix)) _tensors[t.Name] = t;
    }

    /// <summary>Rebuilds a network of <paramref name="architecture"/> stored by <see cref="SetNetwork(string, Network)"/> under <paramref name="prefix"/>; shapes are checked.</summary>
    public Network GetNetwork(string prefix, NetworkArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(architecture);
        var mine = _tensors.Values.Where(t => t.Name.StartsWith(prefix, StringComparison.Ordinal)
                                              && System.Text.RegularExpressions.Regex.IsMatch(t.Name.AsSpan(prefix.Length), @"^\d+\.(weight|bias)$"))
                                  .ToList();
        if (mine.Count == 0) throw new KeyNotFoundException($"checkpoint has no network under prefix '{prefix}'");
        return ModelFile.BuildNetwork(mine, architecture, $"checkpoint network '{prefix}'", requiredPrefix: prefix);
    }

    /// <summary>Writes the checkpoint atomically, so an interrupted save never destroys the previous checkpoint.</summary>
    public void Save(string path)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = Format,
            ["epoch"] = Epoch.ToString(CultureInfo.InvariantCulture),
            ["step"] = Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = Seed.ToString(CultureInfo.InvariantCulture),
            ["options"] = OptionsJson,
        };
        foreach (var (key, value) in Extra)
        {
            if (Reserved.Contains(key)) throw new InvalidOperationException($"extra checkpoint key '{key}' is reserved");
            meta[key] = value;
        }
        Safetensors.Write(path, _tensors.Values, meta);
    }

    /// <summary>Reads a checkpoint written by <see cref="Save"/>.</summary>
    public static Checkpoint Load(string path)
    {
        var file = Safetensors.Read(path);
        InvalidDataException Bad(string message) => new($"checkpoint '{path}': {message}");
        var meta = file.Metadata ?? throw Bad("has no metadata; it was not written by Checkpoint.Save");
        if (meta.GetValueOrDefault("format") != Format) throw Bad($"format is '{meta.GetValueOrDefault("format")}', expected '{Format}'");
        string Field(string key) => meta.TryGetValue(key, out var v) ? v : throw Bad($"metadata '{key}' is missing");
        var inv = CultureInfo.InvariantCulture;
        if (!int.TryParse(Field("epoch"), NumberStyles.None, inv, out int epoch)) throw Bad($"epoch '{Field("epoch")}' is not a non-negative integer");
        if (!long.TryParse(Field("step"), NumberStyles.None, inv, out long step)) throw Bad($"step '{Field("step")}' is not a non-negative integer");
        if (!ulong.TryParse(Field("seed"), NumberStyles.None, inv, out ulong seed)) throw Bad($"seed '{Field("seed")}' is not an unsigned integer");
        Checkpoint c;
        try { c = new Checkpoint(epoch, step, seed, Field("options")); }
        catch (ArgumentException e) { throw Bad(e.Message); }
        foreach (var (key, value) in meta)
            if (!Reserved.Contains(key)) c.Extra[key] = value;
        foreach (var t in file.Tensors)
        {
            if (t.DType != SafetensorsDType.F32) throw Bad($"tensor '{t.Name}' is {t.DType}; checkpoints hold F32 tensors only");
            c._tensors[t.Name] = t;
        }
        return c;
    }

    private SafetensorsTensor Tensor(string name) =>
        _tensors.TryGetValue(name, out var t) ? t : throw new KeyNotFoundException($"checkpoint has no tensor '{name}'");
}
