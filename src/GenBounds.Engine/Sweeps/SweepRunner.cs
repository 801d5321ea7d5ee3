using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using GenBounds.IO;

namespace GenBounds.Sweeps;

/// <summary>What a sweep point needs besides its parameters.</summary>
/// <param name="Log">Progress messages (stderr in the CLI).</param>
public sealed record SweepContext(Action<string> Log);

/// <summary>
/// A computation a sweep can run at each point. Implementations must be deterministic given the point (seeds are
/// parameters), so that a point computed on any machine gives the same result.
/// </summary>
public interface ISweepTask
{
    /// <summary>Name used in sweep specs.</summary>
    string Name { get; }
    /// <summary>Identity of the data the point reads (e.g. a content hash), part of the point's content address.</summary>
    string DataIdentity(SweepPoint point);
    /// <summary>Computes the point's result.</summary>
    JsonObject Run(SweepPoint point, SweepContext context);
}

/// <summary>Which points a process computes: those with index ≡ <see cref="Index"/> (mod <see cref="Count"/>).</summary>
/// <param name="Index">0-based shard index.</param>
/// <param name="Count">Number of shards.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole sweep.</summary>
    public static Shard All => new(0, 1);

    /// <summary>Whether the point belongs to this shard.</summary>
    public bool Owns(int pointIndex) => pointIndex % Count == Index;

    /// <summary>
    /// Parses <c>i/n</c>. Without an explicit value, reads the array index of a SLURM array job
    /// (<c>SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN</c>, count <c>SLURM_ARRAY_TASK_COUNT</c>) or of a Kubernetes indexed job
    /// (<c>JOB_COMPLETION_INDEX</c>; its count is not in the environment, so <paramref name="count"/> must be given).
    /// </summary>
    public static Shard Resolve(string? text, int? count, Func<string, string?> env)
    {
        if (!string.IsNullOrEmpty(text))
        {
            var parts = text.Split('/');
            if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i >= n)
                throw new ArgumentException($"shard '{text}' must be i/n with 0 ≤ i < n");
            return new Shard(i, n);
        }
        if (env("SLURM_ARRAY_TASK_ID") is { } sid)
        {
            int id = int.Parse(sid, CultureInfo.InvariantCulture);
            int min = env("SLURM_ARRAY_TASK_MIN") is { } m ? int.Parse(m, CultureInfo.InvariantCulture) : 0;
            int n = count ?? (env("SLURM_ARRAY_TASK_COUNT") is { } c ? int.Parse(c, CultureInfo.InvariantCulture) : throw new ArgumentException("SLURM_ARRAY_TASK_ID is set but the shard count is unknown: pass --shards N"));
            if (id - min < 0 || id - min >= n) throw new ArgumentException($"SLURM array index {id} (min {min}) is outside 0..{n - 1}");
            return new Shard(id - min, n);
        }
        if (env("JOB_COMPLETION_INDEX") is { } kid)
        {
            int id = int.Parse(kid, CultureInfo.InvariantCulture);
            int n = count ?? throw new ArgumentException("JOB_COMPLETION_INDEX is set (Kubernetes indexed job) but the shard count is not in the environment: pass --shards N (the job's completions)");
            if (id < 0 || id >= n) throw new ArgumentException($"JOB_COMPLETION_INDEX {id} is outside 0..{n - 1}");
            return new Shard(id, n);
        }
        return count is { } k && k > 1 ? throw new ArgumentException("--shards N needs an index: --shard i/N, SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX") : All;
    }
}

/// <summary>Outcome of running (part of) a sweep.</summary>
/// <param name="Computed">Points computed by this run.</param>
/// <param name="Reused">Points of this shard whose result already existed (resumed).</param>
/// <param name="Shard">The shard run.</param>
/// <param name="Folder">Results folder.</param>
public sealed record SweepRunSummary(int Computed, int Reused, Shard Shard, string Folder);

/// <summary>
/// Runs sweeps: each point is a content-addressed result file <c>results/&lt;sha256&gt;.json</c> where the hash covers the
/// task, every parameter, the code revision and the identity of the data. Results are written atomically, so a killed
/// run resumes where it stopped and concurrent shards never see half-written files; shards on different machines
/// write disjoint files into the same (or copied-together) folder, and <see cref="Merge"/> assembles them in the
/// spec's point order.
/// </summary>
public sealed class SweepRunner
{
    private readonly IReadOnlyDictionary<string, ISweepTask> _tasks;
    private readonly string _revision;

    /// <summary>A runner for <paramref name="tasks"/>, stamping results with <paramref name="codeRevision"/>.</summary>
    public SweepRunner(IEnumerable<ISweepTask> tasks, string codeRevision)
    {
        _tasks = tasks.ToDictionary(t => t.Name, StringComparer.Ordinal);
        _revision = codeRevision;
    }

    /// <summary>The task called <paramref name="name"/>; a clear message lists the known ones.</summary>
    public ISweepTask Task(string name) => _tasks.TryGetValue(name, out var t) ? t
        : throw new ArgumentException($"unknown sweep task '{name}' (known: {string.Join(", ", _tasks.Keys.Order())})");

    /// <summary>Content address of a point: SHA-256 of its canonical JSON, the code revision and its data identity.</summary>
    public string Hash(SweepPoint point) => SweepSpec.Sha256(point.Canonical() + "\n" + _revision + "\n" + Task(point.Task).DataIdentity(point));

    /// <summary>Path of a point's result file.</summary>
    public string ResultPath(string folder, SweepPoint point) => Path.Combine(folder, "results", Hash(point) + ".json");

    /// <summary>Computes the points of <paramref name="shard"/> that have no result yet; writes the spec to <c>spec.json</c>.</summary>
    public SweepRunSummary Run(SweepSpec spec, string folder, Shard shard, Action<string>? log = null)
    {
        var task = Task(spec.Task);
        Directory.CreateDirectory(Path.Combine(folder, "results"));
        var specPath = Path.Combine(folder, "spec.json");
        string specText = spec.ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        if (File.Exists(specPath))
        {
            var existing = SweepSpec.Parse(File.ReadAllText(specPath), specPath);
            if (existing.ToJson().ToJsonString() != spec.ToJson().ToJsonString())
                throw new InvalidDataException($"{folder} holds a different sweep ({specPath}); use another folder");
        }
        else AtomicFile.WriteAllBytes(specPath, Encoding.UTF8.GetBytes(specText));
        int computed = 0, reused = 0;
        var axes = spec.Grid.Select(g => g.Axis).ToList();
        foreach (var point in spec.Points().Where(p => shard.Owns(p.Index)))
        {
            string path = ResultPath(folder, point);
            if (File.Exists(path) && TryRead(path) is not null) { reused++; continue; }
            log?.Invoke($"point {point.Index + 1}/{spec.Count} ({point.Label(axes)}): running");
            var sw = Stopwatch.StartNew();
            var result = task.Run(point, new SweepContext(m => log?.Invoke($"point {point.Index + 1}/{spec.Count}: {m}")));
            var envelope = new JsonObject
            {
                ["sweep"] = spec.Name, ["index"] = point.Index, ["hash"] = Hash(point), ["point"] = JsonNode.Parse(point.Canonical()),
                ["code_revision"] = _revision, ["data_identity"] = task.DataIdentity(point), ["seconds"] = sw.Elapsed.TotalSeconds, ["result"] = result,
            };
            AtomicFile.WriteAllBytes(path, Encoding.UTF8.GetBytes(envelope.ToJsonString(new JsonSerializerOptions { WriteIndented = true })));
            computed++;
            log?.Invoke($"point {point.Index + 1}/{spec.Count}: done in {sw.Elapsed.TotalSeconds:F1} s");
        }
        return new SweepRunSummary(computed, reused, shard, Path.GetFullPath(folder));
    }

    /// <summary>
    /// The results of every point in the spec's order (each the stored envelope); throws listing the missing points
    /// unless <paramref name="allowPartial"/>. The merged document contains no timings, so merging the results of a
    /// sharded run and of an unsharded one gives identical documents when the results are identical.
    /// </summary>
    public JsonObject Merge(SweepSpec spec, string folder, bool allowPartial = false)
    {
        var points = new JsonArray();
        var missing = new List<int>();
        foreach (var point in spec.Points())
        {
            string path = ResultPath(folder, point);
            var env = File.Exists(path) ? TryRead(path) : null;
            if (env is null) { missing.Add(point.Index); continue; }
            points.Add(new JsonObject { ["index"] = point.Index, ["hash"] = env["hash"]?.DeepClone(), ["point"] = env["point"]?.DeepClone(), ["result"] = env["result"]?.DeepClone() });
        }
        if (missing.Count > 0 && !allowPartial)
            throw new InvalidDataException($"{missing.Count} of {spec.Count} points have no result in {folder} (indices {string.Join(", ", missing.Take(20))}{(missing.Count > 20 ? ", …" : "")}): run the missing shards first");
        return new JsonObject { ["sweep"] = spec.Name, ["task"] = spec.Task, ["code_revision"] = _revision, ["points"] = points, ["missing"] = new JsonArray(missing.Select(i => (JsonNode?)JsonValue.Create(i)).ToArray()) };
    }

    private static JsonObject? TryRead(string path)
    {
        try { return JsonNode.Parse(File.ReadAllText(path)) as JsonObject; }
        catch (JsonException) { return null; }
    }
}
