using System.Text.Json.Nodes;
using Xunit;

namespace GenBounds.Cli.Tests;

/// <summary>A small MNIST model trained once for the command tests (784-32-10, 3,000 training points).</summary>
public sealed class TrainedModelFixture : IDisposable
{
    public TrainedModelFixture()
    {
        var r = CliProcess.Run("train", "--arch", "784-32-10", "--epochs", "3", "--train-subset", "3000", "--seed", "4", "--out", Folder.File("m.safetensors"), "--json");
        if (r.ExitCode != 0) throw new InvalidOperationException("training the fixture model failed: " + r.StdErr);
        var u = CliProcess.Run("train", "--arch", "784-32-10", "--epochs", "0", "--seed", "4", "--out", Folder.File("untrained.safetensors"), "--json");
        if (u.ExitCode != 0) throw new InvalidOperationException("writing the untrained model failed: " + u.StdErr);
    }

    internal TempFolder Folder { get; } = new();
    public string Model => Folder.File("m.safetensors");
    public string Untrained => Folder.File("untrained.safetensors");
    public void Dispose() => Folder.Dispose();
}

public class BoundsCertifyCliTests(TrainedModelFixture fx) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void Bounds_writes_the_four_report_files_with_every_form_labelled()
    {
        using var tmp = new TempFolder();
        string out1 = tmp.File("report");
        var r = CliProcess.Run("bounds", fx.Model, "--out", out1, "--no-sharpness", "--arora-samples", "200", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var o = JsonNode.Parse(r.StdOut)!;
        foreach (var f in new[] { "bounds.json", "bounds.csv", "bounds.tex", "bounds.html" }) Assert.True(File.Exists(Path.Combine(out1, f)), f);
        var forms = o["rows"]!.AsArray().Select(x => x!["form"]!.GetValue<string>()).Distinct().ToHashSet();
        Assert.Superset(new HashSet<string> { "published", "corrected", "practical", "seed-code", "measure" }, forms);
        Assert.Equal(5, forms.Count);
        foreach (var row in o["rows"]!.AsArray())
        {
            bool bound = row!["is_bound"]!.GetValue<bool>();
            Assert.Equal(bound, row["vacuous"] is not null);
            Assert.False(string.IsNullOrEmpty(row["source"]!.GetValue<string>()));
        }
        Assert.Contains("\\begin{tabular}", File.ReadAllText(Path.Combine(out1, "bounds.tex")));
    }

    [Fact]
    public void Bounds_on_a_CNN_reports_the_families_defined_for_convolutions_and_says_which_are_not()
    {
        using var tmp = new TempFolder();
        var t = CliProcess.Run("train", "--arch", "1x28x28:conv4k5s2-pool2-fc10", "--epochs", "1", "--train-subset", "2000", "--seed", "3", "--out", tmp.File("cnn.safetensors"), "--json");
        Assert.True(t.ExitCode == 0, t.StdErr);
        var r = CliProcess.Run("bounds", tmp.File("cnn.safetensors"), "--out", tmp.File("report"), "--no-sharpness", "--json");
        Assert.True(r.ExitCode == 0, r.StdErr);
        var o = JsonNode.Parse(r.StdOut)!;
        var rows = o["rows"]!.AsArray();
        Assert.Contains(rows, x => x!["id"]!.GetValue<string>() == "JIANG20-PATH_NORM/measure");
        // BFT17 (through the bias-free equivalent) is the one published row; everything else is a Jiang measure.
        var published = rows.Where(x => x!["form"]!.GetValue<string>() == "published").Select(x => x!["id"]!.GetValue<string>()).ToList();
        Assert.Equal(["BFT17-spectral-l21/published"], published);
        Assert.All(rows.Where(x => x!["form"]!.GetValue<string>() != "published"), x => Assert.Equal("measure", x!["form"]!.GetValue<string>()));
        Assert.Contains(o["notes"]!.AsArray(), n => n!.GetValue<string>().Contains("not computed for a convolutional network"));
        Assert.True(File.Exists(Path.Combine(tmp.File("report"), "bounds.html")));
    }

    [Fact]
    public void Bounds_refuses_bad_input_with_a_non_zero_exit_and_writes_nothing()
    {
        using var tmp = new TempFolder();
        var badDelta = CliProcess.Run("bounds", fx.Model, "--out", tmp.File("a"), "--delta", "1.5");
        Assert.Equal(2, badDelta.ExitCode);
        Assert.Contains("--delta must lie strictly between 0 and 1", badDelta.StdErr);
        var untrained = CliProcess.Run("bounds", fx.Untrained, "--out", tmp.File("b"), "--no-sharpness", "--no-arora");
        Assert.Equal(1, untrained.ExitCode);
        Assert.True(untrained.StdErr.Contains("untrained") || untrained.StdErr.Contains("no positive training margin"), untrained.StdErr);
        var missing = CliProcess.Run("bounds", tmp.File("none.safetensors"), "--out", tmp.File("c"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    private static string[] Tiny(string extra) =>
        ["certify", "--arch", "784-24-10", "--prior-epochs", "1", "--batch", "100", "--train-subset", "1600", "--test-subset", "400",
         "--mc-passes", "2", "--optimizer", "adam", "--lr", "0.001", "--json", .. extra.Split(' ', StringSplitOptions.RemoveEmptyEntries)];

    [Fact]
    public void Certify_resumed_from_a_checkpoint_gives_the_same_certificate_as_an_uninterrupted_run()
    {
        using var tmp = new TempFolder();
        var straight = CliProcess.Run(Tiny($"--epochs 2 --out {tmp.File("a.json")}"));
        Assert.True(straight.ExitCode == 0, straight.StdErr);
        var first = CliProcess.Run(Tiny($"--epochs 1 --checkpoint {tmp.File("ck")}"));
        Assert.True(first.ExitCode == 0, first.StdErr);
        var resumed = CliProcess.Run(Tiny($"--epochs 2 --checkpoint {tmp.File("ck")}"));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        var a = JsonNode.Parse(straight.StdOut)!["certificate"]!;
        var b = JsonNode.Parse(resumed.StdOut)!["certificate"]!;
        foreach (var key in new[] { "certificate", "kl", "mc_errors", "bound_set_size" })
            Assert.Equal(a[key]!.ToJsonString(), b[key]!.ToJsonString());
        Assert.Equal(800, a["bound_set_size"]!.GetValue<long>());
        Assert.True(a["certificate"]!.GetValue<double>() >= a["empirical_risk_upper"]!.GetValue<double>());
        Assert.True(File.Exists(tmp.File("a.json")));
        // The resumed run trained only the second epoch itself.
        Assert.Single(JsonNode.Parse(resumed.StdOut)!["epochs"]!.AsArray());
    }

    [Fact]
    public void Certify_with_a_rescaled_posterior_uses_the_smaller_kl_of_the_same_classifier()
    {
        // One trained posterior (the checkpoint), certified as trained and rescaled: the rescaled KL is the one the
        // certificate uses, it is not larger, and the deterministic test error (the mean network's arg max) is unchanged.
        using var tmp = new TempFolder();
        var plain = CliProcess.Run(Tiny($"--prior data-free --epochs 2 --checkpoint {tmp.File("ck")}"));
        Assert.True(plain.ExitCode == 0, plain.StdErr);
        var rescaled = CliProcess.Run(Tiny($"--prior data-free --epochs 2 --checkpoint {tmp.File("ck")} --rescale-posterior"));
        Assert.True(rescaled.ExitCode == 0, rescaled.StdErr);
        var a = JsonNode.Parse(plain.StdOut)!; var b = JsonNode.Parse(rescaled.StdOut)!;
        Assert.Null(a["rescaling"]);
        var r = b["rescaling"]!;
        double before = r["kl_before"]!.GetValue<double>(), after = r["kl_after"]!.GetValue<double>();
        Assert.Equal(a["certificate"]!["kl"]!.GetValue<double>(), before, 9);
        Assert.Equal(b["certificate"]!["kl"]!.GetValue<double>(), after, 9);
        Assert.True(after < before, $"KL {before} → {after}");
        Assert.Equal(a["deterministic_test_error"]!.GetValue<double>(), b["deterministic_test_error"]!.GetValue<double>());
    }

    [Fact]
    public void Certify_with_a_subspace_prior_reports_it_and_resumes_to_the_same_certificate()
    {
        using var tmp = new TempFolder();
        string args = "--prior data-free --subspace 60 --subspace-noise 0.02 --lr 0.05";
        var straight = CliProcess.Run(Tiny($"{args} --epochs 2"));
        Assert.True(straight.ExitCode == 0, straight.StdErr);
        var first = CliProcess.Run(Tiny($"{args} --epochs 1 --checkpoint {tmp.File("ck")}"));
        Assert.True(first.ExitCode == 0, first.StdErr);
        var resumed = CliProcess.Run(Tiny($"{args} --epochs 2 --checkpoint {tmp.File("ck")}"));
        Assert.True(resumed.ExitCode == 0, resumed.StdErr);
        var a = JsonNode.Parse(straight.StdOut)!; var b = JsonNode.Parse(resumed.StdOut)!;
        foreach (var key in new[] { "certificate", "kl", "mc_errors", "grid_index" })
            Assert.Equal(a["certificate"]![key]!.ToJsonString(), b["certificate"]![key]!.ToJsonString());
        var sub = a["subspace"]!;
        Assert.Equal(60, sub["dimension"]!.GetValue<long>());
        Assert.True(sub["z_norm"]!.GetValue<double>() > 0);
        Assert.Equal(1600, a["certificate"]!["bound_set_size"]!.GetValue<long>());
        Assert.Contains("subspace prior", a["certificate"]!["statement"]!.GetValue<string>());
        // The prior's τ² is the grid point the certificate used.
        Assert.Equal(sub["tau2"]!.GetValue<double>(), Math.Pow(a["certificate"]!["prior_sigma"]!.GetValue<double>(), 2), 9);
        // The text output names the prior too.
        var text = CliProcess.Run(Tiny($"{args} --epochs 2").Where(x => x != "--json").ToArray());
        Assert.True(text.ExitCode == 0, text.StdErr);
        Assert.Contains("subspace prior         D = 60", text.StdOut);
    }

    [Theory]
    [InlineData("--subspace 60", "data-free")]
    [InlineData("--prior data-free --subspace 60 --rescale-posterior", "does not combine")]
    [InlineData("--prior data-free --subspace 0", "subspace dimension")]
    [InlineData("--prior data-free --subspace 60 --subspace-noise -1", "noise")]
    public void Certify_refuses_an_inconsistent_subspace_set_up(string extra, string message)
    {
        using var tmp = new TempFolder();
        var r = CliProcess.Run(Tiny($"{extra} --epochs 1 --out {tmp.File("r.json")}"));
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
        Assert.Empty(Directory.GetFileSystemEntries(tmp.Path));
    }

    [Fact]
    public void Certify_refuses_bad_input_before_any_work_and_writes_nothing()
    {
        using var tmp = new TempFolder();
        string outFile = tmp.File("r.json");
        var delta = CliProcess.Run(Tiny($"--epochs 1 --delta 0 --out {outFile}"));
        Assert.Equal(2, delta.ExitCode);
        Assert.Contains("δ must lie strictly between 0 and 1", delta.StdErr);
        var fraction = CliProcess.Run(Tiny($"--epochs 1 --prior-fraction 1.5 --out {outFile}"));
        Assert.Equal(2, fraction.ExitCode);
        Assert.Contains("prior fraction", fraction.StdErr);
        var tooLarge = CliProcess.Run(["certify", "--train-subset", "12", "--prior-fraction", "0.5", "--out", outFile]);
        Assert.Equal(2, tooLarge.ExitCode);
        Assert.Contains("leaves", tooLarge.StdErr);
        Assert.False(File.Exists(outFile));
    }
}
