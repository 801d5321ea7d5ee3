using System.Text.Json.Nodes;
using Xunit;

namespace GenBounds.Cli.Tests;

public class SweepCliTests
{
    private const string Spec = """
        {"name": "cli-test", "task": "synthetic-mlp", "grid": {"width": [6, 10, 14], "seed": [1, 2], "n": [200]}, "fixed": {"epochs": 2}}
        """;

    [Fact]
    public void Shards_run_as_separate_processes_merge_to_exactly_the_unsharded_result()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("spec.json"), Spec);
        string whole = tmp.File("whole"), sharded = tmp.File("sharded");
        Assert.Equal(0, CliProcess.Run("sweep", "run", tmp.File("spec.json"), "--out", whole).ExitCode);
        // Three shards, three ways of naming the index: explicit, a SLURM array (ids 1..3), a Kubernetes indexed job.
        var r0 = CliProcess.Run("sweep", "run", tmp.File("spec.json"), "--out", sharded, "--shard", "0/3", "--json");
        Assert.Equal(0, r0.ExitCode);
        Assert.Equal(2, JsonNode.Parse(r0.StdOut)!["computed"]!.GetValue<long>());
        var slurm = new Dictionary<string, string> { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_MIN"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "3" };
        var r1 = CliProcess.Run(["sweep", "run", tmp.File("spec.json"), "--out", sharded, "--json"], slurm);
        Assert.Equal(0, r1.ExitCode);
        Assert.Equal("1/3", JsonNode.Parse(r1.StdOut)!["shard"]!.GetValue<string>());
        var r2 = CliProcess.Run(["sweep", "run", tmp.File("spec.json"), "--out", sharded, "--shards", "3", "--json"], new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "2" });
        Assert.Equal(0, r2.ExitCode);
        Assert.Equal("2/3", JsonNode.Parse(r2.StdOut)!["shard"]!.GetValue<string>());
        Assert.Equal(6, Directory.GetFiles(Path.Combine(sharded, "results"), "*.json").Length);
        Assert.Equal(0, CliProcess.Run("sweep", "merge", whole).ExitCode);
        Assert.Equal(0, CliProcess.Run("sweep", "merge", sharded).ExitCode);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "merged.json")), File.ReadAllText(Path.Combine(sharded, "merged.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "merged.csv")), File.ReadAllText(Path.Combine(sharded, "merged.csv")));
        var merged = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "merged.json")))!;
        Assert.Equal(6, merged["points"]!.AsArray().Count);
        Assert.Equal([0, 1, 2, 3, 4, 5], merged["points"]!.AsArray().Select(p => p!["index"]!.GetValue<int>()));
    }

    [Fact]
    public void A_finished_shard_resumes_without_recomputing_and_merging_reports_missing_points()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("spec.json"), Spec);
        string dir = tmp.File("run");
        Assert.Equal(0, CliProcess.Run("sweep", "run", tmp.File("spec.json"), "--out", dir, "--shard", "1/2").ExitCode);
        var again = CliProcess.Run("sweep", "run", tmp.File("spec.json"), "--out", dir, "--shard", "1/2", "--json");
        Assert.Equal(0, again.ExitCode);
        var o = JsonNode.Parse(again.StdOut)!;
        Assert.Equal(0, o["computed"]!.GetValue<long>());
        Assert.Equal(3, o["reused"]!.GetValue<long>());
        var missing = CliProcess.Run("sweep", "merge", dir);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("3 of 6 points have no result", missing.StdErr);
        Assert.False(File.Exists(Path.Combine(dir, "merged.json")));
        Assert.Equal(0, CliProcess.Run("sweep", "merge", dir, "--allow-partial").ExitCode);
    }

    [Fact]
    public void Bad_sweep_arguments_exit_with_a_usage_error()
    {
        using var tmp = new TempFolder();
        File.WriteAllText(tmp.File("spec.json"), Spec);
        var r = CliProcess.Run("sweep", "run", tmp.File("spec.json"), "--out", tmp.File("x"), "--shard", "3/2");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("0 ≤ i < n", r.StdErr);
        Assert.False(Directory.Exists(tmp.File("x")));
        var k8s = CliProcess.Run(["sweep", "run", tmp.File("spec.json"), "--out", tmp.File("y")], new Dictionary<string, string> { ["JOB_COMPLETION_INDEX"] = "0" });
        Assert.Equal(2, k8s.ExitCode);
        Assert.Contains("--shards N", k8s.StdErr);
        File.WriteAllText(tmp.File("bad.json"), "{\"name\": \"b\", \"task\": \"no-such-task\"}");
        var unknown = CliProcess.Run("sweep", "run", tmp.File("bad.json"), "--out", tmp.File("z"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("unknown sweep task", unknown.StdErr);
        Assert.Equal(1, CliProcess.Run("sweep", "run", tmp.File("missing.json")).ExitCode);
    }
}

public class ReproduceCliTests
{
    [Fact]
    public void Guha_table_reproduction_runs_through_the_sweep_and_compares_with_the_paper_in_natural_logs()
    {
        using var tmp = new TempFolder();
        string dir = tmp.File("guha");
        var r = CliProcess.Run("reproduce", "guha2023-table", "--widths", "500,24", "--train-size", "1500", "--epochs", "1", "--max-epochs", "2", "--depth", "2", "--out", dir, "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var o = JsonNode.Parse(r.StdOut)!;
        Assert.Equal(0, o["missing"]!.GetValue<long>());
        Assert.Equal([24, 500], o["widths"]!.AsArray().Select(w => w!.GetValue<int>()));
        var rows = o["comparison"]!.AsArray();
        Assert.Equal(["Neyshabur 2015", "Neyshabur 2017", "Bartlett 2017", "true error"], rows.Select(x => x!["row"]!.GetValue<string>()));
        // Width 500 is a column of the paper's table, width 24 is not.
        Assert.Equal(22.29, rows[0]!["paper"]![1]!.GetValue<double>());
        Assert.Equal("NaN", rows[0]!["paper"]![0]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(dir, "table.md")));
        // The rows are the natural log of the seed-code quantities: 'Neyshabur 2017' − 'Bartlett 2017' = ln of a weighted
        // mean of input widths, so it lies between ln(min width) and ln(max width) of the network.
        var merged = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "merged.json")))!;
        foreach (var p in merged["points"]!.AsArray())
        {
            var res = p!["result"]!;
            if (!res["separable"]!.GetValue<bool>()) continue;
            double diff = res["ln_neyshabur2017"]!.GetValue<double>() - res["ln_bartlett2017"]!.GetValue<double>();
            int width = res["width"]!.GetValue<int>();
            Assert.InRange(diff, Math.Log(Math.Min(width, 784)) - 1e-9, Math.Log(Math.Max(width, 784)) + 1e-9);
        }
        // Running again reuses every point.
        var again = CliProcess.Run("reproduce", "guha2023-table", "--widths", "500,24", "--train-size", "1500", "--epochs", "1", "--max-epochs", "2", "--depth", "2", "--out", dir, "--json");
        Assert.Equal(0, JsonNode.Parse(again.StdOut)!["computed"]!.GetValue<long>());
    }
}
