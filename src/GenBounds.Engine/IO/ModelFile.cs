using System.Globalization;
using System.Text.RegularExpressions;
using GenBounds.Data;
using GenBounds.Networks;

namespace GenBounds.IO;

/// <summary>
/// Provenance of a trained model, stored as strings in the safetensors <c>__metadata__</c>. Absent values are omitted
/// from the file and read back as null. <see cref="Extra"/> carries any further key-values (and, for files not written by
/// GenBounds, the file's whole foreign metadata).
/// </summary>
public sealed record ModelMetadata
{
    /// <summary>Master seed of the training run.</summary>
    public ulong? Seed { get; init; }
    /// <summary>Name of the training data set, e.g. <c>mnist-train[split 0.05 #1]</c>.</summary>
    public string? Dataset { get; init; }
    /// <summary><see cref="GenBounds.Data.Dataset.ContentHash"/> of the training data set.</summary>
    public string? DatasetHash { get; init; }
    /// <summary>Number of training epochs.</summary>
    public int? Epochs { get; init; }
    /// <summary>Optimizer description, e.g. <c>sgd lr=0.01 momentum=0.9 batch=64</c>.</summary>
    public string? Optimizer { get; init; }
    /// <summary>Accuracy on the training set, in [0, 1].</summary>
    public double? TrainAccuracy { get; init; }
    /// <summary>Accuracy on the test set, in [0, 1].</summary>
    public double? TestAccuracy { get; init; }
    /// <summary>Source revision (e.g. git commit) of the code that trained the model.</summary>
    public string? CodeRevision { get; init; }
    /// <summary>The training engine: <c>genbounds</c> (the native float32 engine) or <c>torch</c> (libtorch through TorchSharp).</summary>
    public string? Engine { get; init; }
    /// <summary>The device the engine trained on, e.g. <c>cpu</c> or <c>cuda:0</c>.</summary>
    public string? Device { get; init; }
    /// <summary>libtorch's version for the torch engine (e.g. <c>2.10.0</c>), else null.</summary>
    public string? LibTorchVersion { get; init; }
    /// <summary>Creation time; <see cref="ModelFile.Save(string, Mlp, ModelMetadata)"/> stamps the current UTC time when null.</summary>
    public DateTimeOffset? Created { get; init; }
    /// <summary>Further key-values; keys must not collide with the reserved ones in <see cref="ModelFile.ReservedKeys"/>.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();

    /// <summary>This metadata with <see cref="Extra"/> replaced by <paramref name="extra"/>.</summary>
    public ModelMetadata WithExtra(IReadOnlyDictionary<string, string> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        return this with { Extra = extra };
    }

    /// <summary>This metadata with <see cref="Dataset"/> and <see cref="DatasetHash"/> taken from <paramref name="data"/>.</summary>
    public ModelMetadata WithDataset(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return this with { Dataset = data.Name, DatasetHash = data.ContentHash() };
    }
}

/// <summary>
/// Networks as safetensors files with the tensor names of a PyTorch <c>nn.Sequential(Linear, ReLU, Linear, …)</c> state_dict
/// (<c>0.weight</c> [out, in], <c>0.bias</c>, <c>2.weight</c>, …, float32), so that <c>model.load_state_dict(load_file(p))</c>
/// works in PyTorch, and files saved by PyTorch load here. Other sequential networks (<see cref="Network"/>) use the same
/// naming with each module's Sequential index (<c>0.weight</c> [out, in, kh, kw] for a first Conv2d, <c>3.weight</c>, …)
/// and record their architecture string (<see cref="NetworkArchitecture"/>) in the metadata; MLPs keep the
/// <c>genbounds-mlp/1</c> format byte for byte.
/// </summary>
public static class ModelFile
{
    /// <summary>Value of the <c>format</c> metadata key in MLP files (written by both <c>Save</c> overloads for an MLP).</summary>
    public const string Format = "genbounds-mlp/1";
    /// <summary>Value of the <c>format</c> metadata key in files of other sequential networks (<see cref="Save(string, Network, ModelMetadata)"/>).</summary>
    public const string NetworkFormat = "genbounds-net/1";

    /// <summary>Metadata keys written from the network and the typed fields of <see cref="ModelMetadata"/>.</summary>
    public static IReadOnlySet<string> ReservedKeys { get; } = new HashSet<string>(StringComparer.Ordinal)
    {
        "format", "architecture", "bias", "seed", "dataset", "dataset_sha256", "epochs", "optimizer",
        "train_accuracy", "test_accuracy", "code_revision", "created", "engine", "device", "libtorch_version",
    };

    private static readonly Regex ParameterName = new(@"^(?<prefix>(?:[^.]+\.)*?)(?<index>\d+)\.(?<kind>weight|bias)$", RegexOptions.CultureInvariant);

    /// <summary>Name of layer <paramref name="layer"/>'s (0-based) weight or bias: Linear layers sit at even Sequential indices.</summary>
    public static string TensorName(int layer, bool bias) => $"{2 * layer}.{(bias ? "bias" : "weight")}";

    /// <summary>Writes <paramref name="network"/> and <paramref name="metadata"/> atomically.</summary>
    public static void Save(string path, Mlp network, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(metadata);
        var meta = MetadataOf(metadata, Format, string.Join("-", network.Architecture.LayerSizes), network.Architecture.Bias);
        Safetensors.Write(path, NetworkTensors(network, ""), meta);
    }

    private static Dictionary<string, string> MetadataOf(ModelMetadata metadata, string format, string architecture, bool bias)
    {
        var meta = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["format"] = format,
            ["architecture"] = architecture,
            ["bias"] = bias ? "true" : "false",
            ["created"] = (metadata.Created ?? DateTimeOffset.UtcNow).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
        };
        void Put(string key, string? value) { if (value is not null) meta[key] = value; }
        Put("seed", metadata.Seed?.ToString(CultureInfo.InvariantCulture));
        Put("dataset", metadata.Dataset);
        Put("dataset_sha256", metadata.DatasetHash);
        Put("epochs", metadata.Epochs?.ToString(CultureInfo.InvariantCulture));
        Put("optimizer", metadata.Optimizer);
        Put("train_accuracy", metadata.TrainAccuracy?.ToString("R", CultureInfo.InvariantCulture));
        Put("test_accuracy", metadata.TestAccuracy?.ToString("R", CultureInfo.InvariantCulture));
        Put("code_revision", metadata.CodeRevision);
        Put("engine", metadata.Engine);
        Put("device", metadata.Device);
        Put("libtorch_version", metadata.LibTorchVersion);
        foreach (var (key, value) in metadata.Extra)
        {
            if (ReservedKeys.Contains(key)) throw new ArgumentException($"extra metadata key '{key}' is reserved; use the corresponding ModelMetadata property", nameof(metadata));
            ArgumentNullException.ThrowIfNull(value, $"extra metadata '{key}'");
            meta[key] = value;
        }
        return meta;
    }

    /// <summary>
    /// Reads a model file. Files written by <see cref="Save(string, Mlp, ModelMetadata)"/> give their full metadata (and must agree with the tensors);
    /// any other file (e.g. PyTorch's <c>save_file(model.state_dict(), p)</c>, possibly with a common name prefix such as
    /// <c>model.</c>, in F32, F64, F16 or BF16) gives empty typed fields and its metadata in <see cref="ModelMetadata.Extra"/>.
    /// The activation between Linear layers is assumed to be ReLU: a state_dict does not record it.
    /// </summary>
    public static (Mlp Network, ModelMetadata Metadata) Load(string path)
    {
        var file = Safetensors.Read(path);
        var meta = file.Metadata ?? new Dictionary<string, string>();
        if (meta.GetValueOrDefault("format") == NetworkFormat)
            throw new InvalidDataException($"model file '{path}': holds a sequential network ({meta.GetValueOrDefault("architecture") ?? "?"}) that is not a plain MLP; load it with ModelFile.LoadNetwork");
        var net = BuildNetwork(file.Tensors, $"model file '{path}'", requiredPrefix: null);
        if (!meta.TryGetValue("format", out var format) || !format.StartsWith("genbounds-mlp/", StringComparison.Ordinal))
            return (net, new ModelMetadata { Extra = new Dictionary<string, string>(meta, StringComparer.Ordinal) });
        InvalidDataException Bad(string message) => new($"model file '{path}': {message}");
        if (format != Format) throw Bad($"format '{format}' is not supported (this version reads '{Format}' and '{NetworkFormat}')");

        string arch = string.Join("-", net.Architecture.LayerSizes), bias = net.Architecture.Bias ? "true" : "false";
        if (meta.GetValueOrDefault("architecture") != arch) throw Bad($"metadata architecture '{meta.GetValueOrDefault("architecture")}' does not match the tensors ({arch})");
        if (meta.GetValueOrDefault("bias") != bias) throw Bad($"metadata bias '{meta.GetValueOrDefault("bias")}' does not match the tensors ({bias})");
        var metadata = ParseMetadata(meta, Bad);
        return (net, metadata);
    }

    /// <summary>
    /// Writes any sequential network atomically: an MLP exactly as <see cref="Save(string, Mlp, ModelMetadata)"/> does, any
    /// other network in format <c>genbounds-net/1</c> with its canonical architecture string (including the input shape) in
    /// the <c>architecture</c> key.
    /// </summary>
    public static void Save(string path, Network network, ModelMetadata metadata)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(metadata);
        if (network.AsMlp() is { } mlp) { Save(path, mlp, metadata); return; }
        var meta = MetadataOf(metadata, NetworkFormat, network.Architecture.ToString(), network.Architecture.Bias);
        Safetensors.Write(path, NetworkTensors(network, ""), meta);
    }

    /// <summary>
    /// Reads any model file as a sequential network. The architecture comes from <paramref name="architecture"/> when given
    /// (it must then agree with the file), else from the file's <c>architecture</c> metadata (GenBounds files, or a PyTorch
    /// file saved with <c>metadata={"architecture": "1x28x28:conv6k5-…"}</c>), else — for a state_dict of Linear layers only —
    /// from the tensor shapes, as <see cref="Load"/> does. A state_dict with Conv2d weights does not record strides, paddings
    /// or pooling, so it needs one of the first two.
    /// </summary>
    public static (Network Network, ModelMetadata Metadata) LoadNetwork(string path, NetworkArchitecture? architecture = null)
    {
        var file = Safetensors.Read(path);
        var meta = file.Metadata ?? new Dictionary<string, string>();
        InvalidDataException Bad(string message) => new($"model file '{path}': {message}");
        string? format = meta.GetValueOrDefault("format");
        bool ours = format is not null && format.StartsWith("genbounds-", StringComparison.Ordinal);
        if (format == Format || (!ours && architecture is null && !meta.ContainsKey("architecture") && file.Tensors.All(t => t.Shape.Count != 4)))
        {
            var (mlp, m) = Load(path);
            var net = mlp.AsNetwork();
            if (architecture is null || architecture.Equals(net.Architecture)) return (net, m);
            if (!SameDense(architecture, net.Architecture)) throw Bad($"holds {net.Architecture}, not the requested {architecture}");
            return (BuildNetwork(file.Tensors, architecture, $"model file '{path}'", null), m);
        }
        if (ours && format != NetworkFormat) throw Bad($"format '{format}' is not supported (this version reads '{Format}' and '{NetworkFormat}')");
        NetworkArchitecture arch;
        if (meta.TryGetValue("architecture", out var text))
        {
            try { arch = NetworkArchitecture.Parse(text); }
            catch (FormatException e) { throw Bad($"metadata architecture: {e.Message}"); }
            if (ours && meta.GetValueOrDefault("bias") != (arch.Bias ? "true" : "false"))
                throw Bad($"metadata bias '{meta.GetValueOrDefault("bias")}' does not match the architecture '{text}'");
            if (architecture is not null && !architecture.Equals(arch)) throw Bad($"holds {arch}, not the requested {architecture}");
        }
        else arch = architecture ?? throw Bad(
            "holds Conv2d weights (4-D tensors) but no architecture: a state_dict does not record strides, paddings or pooling; " +
            "give the architecture (e.g. --arch 1x28x28:conv6k5p2-pool2-…) or save the file with metadata {\"architecture\": \"…\"}");
        var network = BuildNetwork(file.Tensors, arch, $"model file '{path}'", null);
        var metadata = ours ? ParseMetadata(meta, Bad)
            : new ModelMetadata { Extra = new Dictionary<string, string>(meta, StringComparer.Ordinal) };
        return (network, metadata);
    }

    // A flat-input MLP and the same dense stack on an image input with a leading flatten hold the same tensors (shifted indices).
    private static bool SameDense(NetworkArchitecture a, NetworkArchitecture b) =>
        a.InputShape.Size == b.InputShape.Size && a.Bias == b.Bias &&
        a.Layers.OfType<DenseSpec>().SequenceEqual(b.Layers.OfType<DenseSpec>()) && a.Layers.All(l => l is DenseSpec or ReluSpec or FlattenSpec);

    /// <summary>Parameters of a sequential network as float32 tensors named <paramref name="prefix"/> + <c>{index}.weight</c> / <c>{index}.bias</c>.</summary>
    internal static IEnumerable<SafetensorsTensor> NetworkTensors(Network network, string prefix)
    {
        var modules = network.Architecture.WeightModules;
        for (int k = 0; k < modules.Count; k++)
        {
            var layer = network.WeightLayers[k];
            string i = modules[k].ToString(CultureInfo.InvariantCulture);
            yield return SafetensorsTensor.FromSingle($"{prefix}{i}.weight", layer.WeightShape, layer.Weight);
            if (layer.Bias is { } b) yield return SafetensorsTensor.FromSingle($"{prefix}{i}.bias", [layer.Rows], b);
        }
    }

    /// <summary>
    /// Fills a network of <paramref name="architecture"/> from Sequential-style tensors (names <c>{index}.weight</c> and
    /// <c>{index}.bias</c> with the modules' Sequential indices, an optional common prefix such as <c>model.</c>, shapes in
    /// PyTorch layout). When <paramref name="architecture"/> has dense layers only but the tensors are those of a plain
    /// Linear/ReLU Sequential (indices 0, 2, 4, …), the layers are matched in order. Any missing, extra or misshapen tensor is an error.
    /// </summary>
    internal static Network BuildNetwork(IReadOnlyList<SafetensorsTensor> tensors, NetworkArchitecture architecture, string source, string? requiredPrefix)
    {
        InvalidDataException Bad(string message) => new($"{source}: {message}");
        if (tensors.Count == 0) throw Bad("contains no tensors");
        string? prefix = requiredPrefix;
        var byIndex = new SortedDictionary<int, (SafetensorsTensor? Weight, SafetensorsTensor? Bias)>();
        foreach (var t in tensors)
        {
            var m = ParameterName.Match(t.Name);
            if (!m.Success || !int.TryParse(m.Groups["index"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw Bad($"tensor '{t.Name}' is not a parameter of an nn.Sequential (expected names like '0.weight', '0.bias', '3.weight')");
            string p = m.Groups["prefix"].Value;
            prefix ??= p;
            if (p != prefix) throw Bad($"tensor '{t.Name}' has prefix '{p}' but other tensors have '{prefix}': expected one nn.Sequential");
            if (t.DType is not (SafetensorsDType.F32 or SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16))
                throw Bad($"tensor '{t.Name}' has integer dtype {t.DType}; parameters must be F32, F64, F16 or BF16");
            var e = byIndex.GetValueOrDefault(index);
            byIndex[index] = m.Groups["kind"].Value == "bias" ? e with { Bias = t } : e with { Weight = t };
        }
        var modules = architecture.WeightModules;
        var indices = byIndex.Keys.ToArray();
        // A plain Linear/ReLU state_dict (0, 2, 4, …) loaded into a dense stack with a leading flatten: match in order.
        bool byOrder = !indices.SequenceEqual(modules) && indices.Length == modules.Count && architecture.Layers.All(l => l is DenseSpec or ReluSpec or FlattenSpec);
        if (!byOrder && !indices.SequenceEqual(modules))
        {
            var missing = modules.Except(indices).Select(i => $"'{prefix}{i}.weight'");
            var extra = indices.Except(modules).Select(i => $"'{prefix}{i}.*'");
            throw Bad($"tensors do not match the architecture {architecture} (weight layers at Sequential indices {string.Join(", ", modules)})" +
                (missing.Any() ? $"; missing {string.Join(", ", missing)}" : "") + (extra.Any() ? $"; unexpected {string.Join(", ", extra)}" : ""));
        }
        var net = new Network(architecture);
        for (int k = 0; k < modules.Count; k++)
        {
            var (w, b) = byIndex[indices[k]];
            var layer = net.WeightLayers[k];
            string name = $"{prefix}{indices[k]}";
            if (w is null) throw Bad($"'{name}.bias' has no matching weight '{name}.weight'");
            if (!w.Shape.SequenceEqual(layer.WeightShape))
                throw Bad($"'{w.Name}' has shape [{string.Join(",", w.Shape)}] but module {modules[k]} ({architecture.Layers[modules[k]].TorchModule}) of {architecture} needs [{string.Join(",", layer.WeightShape)}]");
            w.ToSingle().CopyTo(layer.Weight, 0);
            if (architecture.Bias != b is not null)
                throw Bad(architecture.Bias ? $"'{name}.bias' is missing (the architecture has biases)" : $"'{name}.bias' exists but the architecture is bias-free");
            if (b is not null)
            {
                if (b.Shape.Count != 1 || b.Shape[0] != layer.Rows) throw Bad($"'{b.Name}' has shape [{string.Join(",", b.Shape)}], expected [{layer.Rows}]");
                b.ToSingle().CopyTo(layer.Bias!, 0);
            }
        }
        return net;
    }

    private static ModelMetadata ParseMetadata(IReadOnlyDictionary<string, string> meta, Func<string, InvalidDataException> Bad)
    {
        T? Parse<T>(string key, Func<string, (bool, T)> parse) where T : struct
        {
            if (!meta.TryGetValue(key, out var s)) return null;
            var (ok, v) = parse(s);
            return ok ? v : throw Bad($"metadata '{key}' = '{s}' is not a valid {typeof(T).Name}");
        }
        var inv = CultureInfo.InvariantCulture;
        return new ModelMetadata
        {
            Seed = Parse("seed", s => (ulong.TryParse(s, NumberStyles.None, inv, out var v), v)),
            Dataset = meta.GetValueOrDefault("dataset"),
            DatasetHash = meta.GetValueOrDefault("dataset_sha256"),
            Epochs = Parse("epochs", s => (int.TryParse(s, NumberStyles.None, inv, out var v), v)),
            Optimizer = meta.GetValueOrDefault("optimizer"),
            TrainAccuracy = Parse("train_accuracy", s => (double.TryParse(s, NumberStyles.Float, inv, out var v), v)),
            TestAccuracy = Parse("test_accuracy", s => (double.TryParse(s, NumberStyles.Float, inv, out var v), v)),
            CodeRevision = meta.GetValueOrDefault("code_revision"),
            Engine = meta.GetValueOrDefault("engine"),
            Device = meta.GetValueOrDefault("device"),
            LibTorchVersion = meta.GetValueOrDefault("libtorch_version"),
            Created = Parse("created", s => (DateTimeOffset.TryParseExact(s, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", inv,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var v), v)),
            Extra = meta.Where(kv => !ReservedKeys.Contains(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
    }

    /// <summary>The network's parameters as float32 tensors named <paramref name="prefix"/> + <see cref="TensorName"/>.</summary>
    internal static IEnumerable<SafetensorsTensor> NetworkTensors(Mlp network, string prefix)
    {
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            yield return SafetensorsTensor.FromSingle(prefix + TensorName(l, false), [layer.Out, layer.In], layer.Weight);
            if (layer.Bias is { } b) yield return SafetensorsTensor.FromSingle(prefix + TensorName(l, true), [layer.Out], b);
        }
    }

    /// <summary>
    /// The MLP whose parameters are the tensors of an <c>nn.Sequential(Linear, ReLU, …, Linear)</c> state_dict (names
    /// <c>0.weight</c>, <c>0.bias</c>, <c>2.weight</c>, … with an optional common prefix; F32, F64, F16 or BF16, converted to
    /// float32), as read from another format (TorchSharp <c>.dat</c>, PyTorch <c>.pt</c>). Errors name <paramref name="source"/>.
    /// </summary>
    public static Mlp FromStateDict(IReadOnlyList<SafetensorsTensor> tensors, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        return BuildNetwork(tensors, source, requiredPrefix: null);
    }

    /// <summary>
    /// The sequential network whose parameters are the tensors of an <c>nn.Sequential</c> state_dict read from another format
    /// (TorchSharp <c>.dat</c>, PyTorch <c>.pt</c>), as <see cref="LoadNetwork"/> reads a safetensors file without metadata: a
    /// state_dict records neither strides, paddings, pooling nor the image size, so with Conv2d weights (4-D tensors) it needs
    /// <paramref name="architecture"/>; without one, Linear layers only are read as an MLP (<see cref="FromStateDict(IReadOnlyList{SafetensorsTensor}, string)"/>).
    /// Errors name <paramref name="source"/>.
    /// </summary>
    public static Network NetworkFromStateDict(IReadOnlyList<SafetensorsTensor> tensors, NetworkArchitecture? architecture, string source)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (architecture is not null) return BuildNetwork(tensors, architecture, source, null);
        if (tensors.Any(t => t.Shape.Count == 4))
            throw new InvalidDataException($"{source}: holds Conv2d weights (4-D tensors) but no architecture: a state_dict does not record strides, " +
                                           "paddings, pooling or the image size; give the architecture (e.g. --arch 1x28x28:conv6k5p2-pool2-…)");
        return FromStateDict(tensors, source).AsNetwork();
    }

    /// <summary>
    /// Infers an MLP from Sequential-style parameter tensors: Linear layers in increasing index order, equally spaced
    /// (one or more activation modules between consecutive Linear layers), shapes chained, biases on all layers or none.
    /// </summary>
    internal static Mlp BuildNetwork(IReadOnlyList<SafetensorsTensor> tensors, string source, string? requiredPrefix)
    {
        InvalidDataException Bad(string message) => new($"{source}: {message}");
        if (tensors.Count == 0) throw Bad("contains no tensors");
        var layers = new SortedDictionary<int, (SafetensorsTensor? Weight, SafetensorsTensor? Bias)>();
        string? prefix = requiredPrefix;
        foreach (var t in tensors)
        {
            var m = ParameterName.Match(t.Name);
            if (!m.Success || !int.TryParse(m.Groups["index"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw Bad($"tensor '{t.Name}' is not a Linear parameter of an nn.Sequential (expected names like '0.weight', '0.bias', '2.weight', optionally with a prefix such as 'model.')");
            string p = m.Groups["prefix"].Value;
            prefix ??= p;
            if (p != prefix) throw Bad($"tensor '{t.Name}' has prefix '{p}' but other tensors have '{prefix}': expected one nn.Sequential");
            if (t.DType is not (SafetensorsDType.F32 or SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16))
                throw Bad($"tensor '{t.Name}' has integer dtype {t.DType}; Linear parameters must be F32, F64, F16 or BF16");
            bool isBias = m.Groups["kind"].Value == "bias";
            var entry = layers.GetValueOrDefault(index);
            layers[index] = isBias ? entry with { Bias = t } : entry with { Weight = t };
        }
        var indices = layers.Keys.ToArray();
        foreach (int i in indices)
        {
            var (w, b) = layers[i];
            if (w is null) throw Bad($"'{prefix}{i}.bias' has no matching weight '{prefix}{i}.weight': a layer is missing");
            if (w.Shape.Count != 2)
                throw Bad($"'{w.Name}' has shape [{string.Join(",", w.Shape)}]: " + (w.Shape.Count == 4
                    ? "a 4-D weight belongs to a convolution (Conv2d), which an MLP cannot represent"
                    : $"a Linear weight must be 2-D [out, in], not {w.Shape.Count}-D"));
            if (b is not null && (b.Shape.Count != 1 || b.Shape[0] != w.Shape[0]))
                throw Bad($"'{b.Name}' has shape [{string.Join(",", b.Shape)}] but '{w.Name}' has {w.Shape[0]} outputs");
            if (w.Shape[0] > int.MaxValue || w.Shape[1] > int.MaxValue || w.Shape[0] == 0 || w.Shape[1] == 0)
                throw Bad($"'{w.Name}' has unusable shape [{string.Join(",", w.Shape)}]");
        }
        for (int k = 1; k < indices.Length; k++)
        {
            int gap = indices[k] - indices[k - 1];
            if (gap < 2)
                throw Bad($"Linear layers '{prefix}{indices[k - 1]}' and '{prefix}{indices[k]}' are adjacent: an MLP needs an activation module between them");
            if (gap != indices[1] - indices[0])
                throw Bad($"layer indices {string.Join(", ", indices)} are irregularly spaced: a Linear layer seems to be missing between '{prefix}{indices[k - 1]}' and '{prefix}{indices[k]}'");
            var prev = layers[indices[k - 1]].Weight!;
            var next = layers[indices[k]].Weight!;
            if (next.Shape[1] != prev.Shape[0])
                throw Bad($"inconsistent shapes: '{prev.Name}' is [{prev.Shape[0]},{prev.Shape[1]}] ({prev.Shape[0]} outputs) but '{next.Name}' is [{next.Shape[0]},{next.Shape[1]}] ({next.Shape[1]} inputs)");
        }
        var withBias = indices.Where(i => layers[i].Bias is not null).ToArray();
        if (withBias.Length != 0 && withBias.Length != indices.Length)
        {
            int without = indices.First(i => layers[i].Bias is null);
            throw Bad($"biases must be on all layers or none: '{prefix}{withBias[0]}.bias' exists but '{prefix}{without}.bias' does not");
        }
        var sizes = new List<int> { (int)layers[indices[0]].Weight!.Shape[1] };
        sizes.AddRange(indices.Select(i => (int)layers[i].Weight!.Shape[0]));
        var net = new Mlp(new MlpArchitecture(sizes, bias: withBias.Length != 0));
        for (int l = 0; l < indices.Length; l++)
        {
            var (w, b) = layers[indices[l]];
            w!.ToSingle().CopyTo(net.Layers[l].Weight, 0);
            if (b is not null) b.ToSingle().CopyTo(net.Layers[l].Bias!, 0);
        }
        return net;
    }
}
