using System.Text.Json;
using GenBounds.IO;
using Xunit;

namespace GenBounds.Cli.Tests;

/// <summary>
/// `genbounds prune`, `sketch` and `reproduce` as a user runs them. The end-to-end runs train on 1,000 MNIST images (the other
/// 59,000 held out as the validation set) with a tiny 784-8-10 network, so each takes seconds.
/// </summary>
public class PruneSketchCliTests
{
    private static readonly string[] Tiny = ["--arch", "784-8-10", "--epochs", "1", "--validation", "59000", "--batch", "100"];

    [Theory]
    [InlineData("prune", "--rate", "1.5")]
    [InlineData("prune", "--epochs", "0")]
    [InlineData("prune", "--arch", "100-30-10")]
    [InlineData("prune", "--validation", "60000")]
    [InlineData("prune", "--bogus", "1")]
    [InlineData("reproduce", "lottery-lenet", "--rounds", "-1")]
    public void Bad_arguments_exit_with_2_and_a_message_and_write_nothing(params string[] args)
    {
        using var dir = new TempFolder();
        string outDir = dir.Sub("run");
        var (code, _, err) = CliRunner.Run([.. args, "--out", outDir]);
        Assert.Equal(2, code);
        Assert.StartsWith($"genbounds {args[0]}:", err);
        Assert.False(Directory.Exists(outDir), $"{outDir} was created");
    }

    [Fact]
    public void Unknown_reproductions_and_missing_or_bad_models_are_refused()
    {
        Assert.Equal(2, CliRunner.Run("reproduce", "no-such-experiment").Code);
        var (code, _, err) = CliRunner.Run("sketch", "/nonexistent/model.safetensors");
        Assert.Equal(1, code);
        Assert.Contains("not found", err);
        Assert.Equal(2, CliRunner.Run("sketch", "/nonexistent/model.safetensors", "--cs", "-1").Code);
    }

    [Theory]
    [InlineData("prune")]
    [InlineData("sketch")]
    [InlineData("reproduce")]
    public void Every_new_command_has_help(string command)
    {
        var (code, stdout, _) = CliRunner.Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("--json", stdout);
        Assert.Contains($"usage: genbounds {command}", stdout);
    }

    [Fact]
    public void Prune_resumes_bit_identically_refuses_a_foreign_run_and_its_tickets_can_be_sketched()
    {
        using var dir = new TempFolder();
        string a = dir.Sub("a"), b = dir.Sub("b");
        var (c1, _, e1) = CliRunner.Run(["prune", .. Tiny, "--rounds", "1", "--out", a]);
        Assert.True(c1 == 0, e1);
        var (c2, out2, e2) = CliRunner.Run(["prune", .. Tiny, "--rounds", "2", "--out", a, "--json"]);
        Assert.True(c2 == 0, e2);
        Assert.Contains("resuming after round 1", e2);
        using var json = JsonDocument.Parse(out2);
        Assert.Equal(1, json.RootElement.GetProperty("resumed_after_round").GetInt32());
        Assert.Equal(3, json.RootElement.GetProperty("rounds").GetArrayLength());
        Assert.True(File.Exists(Path.Combine(a, "rounds.json")));
        var (c3, _, e3) = CliRunner.Run(["prune", .. Tiny, "--rounds", "2", "--out", b]);
        Assert.True(c3 == 0, e3);
        for (int r = 0; r <= 2; r++)
        {
            string name = $"ticket-{r:D2}.safetensors";
            Assert.Equal(ModelFile.Load(Path.Combine(b, name)).Network.ContentHash(), ModelFile.Load(Path.Combine(a, name)).Network.ContentHash());
        }
        // Same folder, different pruning rate: refused before any training, checkpoints untouched.
        var before = File.ReadAllBytes(Path.Combine(a, "round-00.safetensors"));
        var (c4, _, e4) = CliRunner.Run(["prune", .. Tiny, "--rate", "0.3", "--out", a]);
        Assert.Equal(1, c4);
        Assert.Contains("different run", e4);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(a, "round-00.safetensors")));
        // Sketch the last ticket: JSON per layer with sizes, counts and the recovery error.
        string report = dir.Sub("sketch.json");
        var (c5, out5, e5) = CliRunner.Run("sketch", Path.Combine(a, "ticket-02.safetensors"), "--cs", "2", "--json", "--out", report);
        Assert.True(c5 == 0, e5);
        using var sk = JsonDocument.Parse(out5);
        var layers = sk.RootElement.GetProperty("layers");
        Assert.Equal(2, layers.GetArrayLength());
        foreach (var l in layers.EnumerateArray())
        {
            Assert.True(l.GetProperty("sketch_rows").GetInt32() > 0);
            Assert.True(l.GetProperty("relative_error").GetDouble() >= 0);
            Assert.True(l.GetProperty("non_zeros").GetInt64() <= l.GetProperty("positions").GetInt64());
        }
        Assert.Equal(out5.Trim(), File.ReadAllText(report).Trim());
    }

    [Fact]
    public void The_lottery_reproduction_writes_a_report_folder_with_our_rounds_beside_the_published_thresholds()
    {
        using var dir = new TempFolder();
        string outDir = dir.Sub("lottery");
        var (code, stdout, err) = CliRunner.Run(["reproduce", "lottery-lenet", .. Tiny, "--rounds", "1", "--out", outDir, "--json"]);
        Assert.True(code == 0, err);
        using var json = JsonDocument.Parse(stdout);
        Assert.Equal(2, json.RootElement.GetProperty("rounds").GetArrayLength());
        Assert.Equal(4, json.RootElement.GetProperty("comparison").GetArrayLength());
        var md = File.ReadAllText(Path.Combine(outDir, "report.md"));
        Assert.Contains("| quantity | Frankle & Carbin 2019 (text of §2) | ours |", md);
        Assert.Contains("21.1%", md);
        Assert.True(File.Exists(Path.Combine(outDir, "report.json")));
        Assert.True(Directory.Exists(Path.Combine(outDir, "checkpoints")));
    }
}
