using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace GenBounds.Sweeps;

/// <summary>One point of a sweep: the task and every parameter (fixed ones and this point's grid values).</summary>
/// <param name="Index">Position in the sweep's fixed enumeration order (0-based).</param>
/// <param name="Task">Name of the task that computes the point.</param>
/// <param name="Parameters">Parameter name → JSON value, grid axes and fixed values merged.</param>
public sealed record SweepPoint(int Index, string Task, IReadOnlyDictionary<string, JsonNode> Parameters)
{
    /// <summary>Canonical JSON of task and parameters (keys sorted, no whitespace): what a point's identity hashes.</summary>
    public string Canonical()
    {
        var o = new JsonObject { ["task"] = Task };
        var p = new JsonObject();
        foreach (var k in Parameters.Keys.OrderBy(k => k, StringComparer.Ordinal)) p[k] = SweepSpec.Canonicalize(Parameters[k]);
        o["parameters"] = p;
        return o.ToJsonString();
    }

    /// <summary>A parameter as an integer.</summary>
    public int Int(string name) => Get(name).GetValue<int>();
    /// <summary>A parameter as a double.</summary>
    public double Double(string name) => Get(name).GetValue<double>();
    /// <summary>A parameter as a string.</summary>
    public string String(string name) => Get(name).GetValue<string>();
    /// <summary>A parameter as an unsigned 64-bit integer.</summary>
    public ulong UInt64(string name) => Get(name).GetValue<ulong>();
    /// <summary>Whether the parameter is present.</summary>
    public bool Has(string name) => Parameters.ContainsKey(name);

    /// <summary>The parameter's JSON value; throws a clear message when absent.</summary>
    public JsonNode Get(string name) =>
        Parameters.TryGetValue(name, out var v) ? v : throw new KeyNotFoundException($"sweep point {Index} of task '{Task}' has no parameter '{name}'");

    /// <summary>Short human label, e.g. <c>width=784 seed=1</c>.</summary>
    public string Label(IEnumerable<string> axes) => string.Join(" ", axes.Select(a => $"{a}={Parameters[a].ToJsonString().Trim('"')}"));
}

/// <summary>
/// A sweep: a task, a grid of parameter axes (their Cartesian product, first axis slowest) and fixed parameters.
/// JSON form: <c>{"name": "…", "task": "…", "grid": {"width": [500, 784], "seed": [1, 2]}, "fixed": {"epochs": 3}}</c>.
/// The enumeration order is the order of the axes in the file, so shards and merges agree on point indices.
/// </summary>
public sealed record SweepSpec(string Name, string Task, IReadOnlyList<(string Axis, IReadOnlyList<JsonNode> Values)> Grid, IReadOnlyDictionary<string, JsonNode> Fixed)
{
    /// <summary>Parses a sweep spec, with clear messages for malformed files.</summary>
    public static SweepSpec Parse(string json, string source = "sweep spec")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not valid JSON ({e.Message})"); }
        if (root is not JsonObject o) throw new InvalidDataException($"{source}: the top level must be a JSON object");
        string Str(string key) => o[key] is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : throw new InvalidDataException($"{source}: '{key}' must be a non-empty string");
        var grid = new List<(string, IReadOnlyList<JsonNode>)>();
        if (o["grid"] is JsonObject g)
            foreach (var (axis, values) in g)
            {
                if (values is not JsonArray a || a.Count == 0) throw new InvalidDataException($"{source}: grid axis '{axis}' must be a non-empty array");
                grid.Add((axis, a.Select(v => v?.DeepClone() ?? throw new InvalidDataException($"{source}: grid axis '{axis}' holds null")).ToList()));
            }
        else if (o["grid"] is not null) throw new InvalidDataException($"{source}: 'grid' must be an object of arrays");
        var fixedParams = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        if (o["fixed"] is JsonObject f)
            foreach (var (k, v) in f) fixedParams[k] = v?.DeepClone() ?? throw new InvalidDataException($"{source}: fixed parameter '{k}' is null");
        else if (o["fixed"] is not null) throw new InvalidDataException($"{source}: 'fixed' must be an object");
        foreach (var (axis, _) in grid)
            if (fixedParams.ContainsKey(axis)) throw new InvalidDataException($"{source}: '{axis}' is both a grid axis and a fixed parameter");
        return new SweepSpec(Str("name"), Str("task"), grid, fixedParams);
    }

    /// <summary>The spec as JSON (round-trips through <see cref="Parse"/>).</summary>
    public JsonObject ToJson()
    {
        var g = new JsonObject();
        foreach (var (axis, values) in Grid) g[axis] = new JsonArray(values.Select(v => (JsonNode?)v.DeepClone()).ToArray());
        var f = new JsonObject();
        foreach (var (k, v) in Fixed) f[k] = v.DeepClone();
        return new JsonObject { ["name"] = Name, ["task"] = Task, ["grid"] = g, ["fixed"] = f };
    }

    /// <summary>Number of points (product of the axis lengths; 1 for an empty grid).</summary>
    public int Count => Grid.Aggregate(1, (n, a) => checked(n * a.Values.Count));

    /// <summary>Every point in the fixed order (first axis slowest).</summary>
    public IEnumerable<SweepPoint> Points()
    {
        int n = Count;
        for (int i = 0; i < n; i++)
        {
            var p = new Dictionary<string, JsonNode>(Fixed.ToDictionary(kv => kv.Key, kv => kv.Value.DeepClone()), StringComparer.Ordinal);
            int rest = i;
            for (int a = Grid.Count - 1; a >= 0; a--)
            {
                var values = Grid[a].Values;
                p[Grid[a].Axis] = values[rest % values.Count].DeepClone();
                rest /= values.Count;
            }
            yield return new SweepPoint(i, Task, p);
        }
    }

    /// <summary>Canonical JSON of a node (object keys sorted recursively) so that equal values hash equally.</summary>
    public static JsonNode? Canonicalize(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, Canonicalize(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonicalize).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };

    /// <summary>SHA-256 (hex) of a string.</summary>
    public static string Sha256(string s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s))).ToLowerInvariant();
}
