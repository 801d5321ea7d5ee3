using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace GenBounds.Torch.Tests;

/// <summary>The genbounds command with the torch engine and the state-dict formats, run as a child process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("genbounds-cli-");
    public void Dispose() => _dir.Delete(recursive: true);
    private string File(string name) => Path.Combine(_dir.FullName, name);

    private static readonly string Root = GenBounds.Runtime.CodeRevision.RepositoryRoot() ?? throw new InvalidOperationException("repository root not found");

    // The CLI's own build output, same configuration as this test assembly (bin/<Configuration>/net10.0/).
    private static readonly string Cli = Path.Combine(Root, "src", "GenBounds.Cli", "bin",
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name, "net10.0", "genbounds.dll");

    private static (int Exit, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        psi.ArgumentList.Add(Cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, output, err.Result);
    }

    private static JsonElement Json(string output) => JsonDocument.Parse(output).RootElement.Clone();

    [Fact]
    public void Asking_for_CUDA_on_the_CPU_build_fails_before_any_work_naming_the_packages_to_add()
    {
        var (exit, _, err) = Run("train", "--engine", "torch", "--device", "cuda", "--epochs", "1", "--out", File("never.safetensors"));
        Assert.Equal(2, exit);
        Assert.Contains("libtorch-cuda-12.8-linux-x64", err);
        Assert.Contains("TorchSharp-cuda-linux", err);
        Assert.False(System.IO.File.Exists(File("never.safetensors")));
        (exit, _, err) = Run("train", "--device", "cuda:0", "--out", File("never.safetensors"));
        Assert.Equal(2, exit);
        Assert.Contains("applies to --engine torch", err);
        Assert.Equal(2, Run("train", "--engine", "tensorflow").Exit);
    }

    [Fact]
    public void The_torch_engine_refuses_a_convolutional_architecture_before_loading_any_data()
    {
        // The data folder does not exist: exit 1 would mean the data was looked for before the architecture was checked.
        var (exit, _, err) = Run("train", "--engine", "torch", "--arch", "lenet5", "--data-dir", File("no-mnist"), "--out", File("never.safetensors"));
        Assert.Equal(2, exit);
        Assert.Contains("--engine torch trains fully connected", err);
        Assert.Contains("--engine genbounds", err);
        Assert.False(System.IO.File.Exists(File("never.safetensors")));
    }

    [Fact]
    [Trait("Category", "Mnist")]
    public void Torch_training_from_the_CLI_is_reproducible_and_its_model_file_works_with_eval_and_info()
    {
        string[] Train(string output) =>
            ["train", "--engine", "torch", "--device", "cpu", "--threads", "1", "--arch", "784-16-10", "--epochs", "2", "--train-subset", "2000",
             "--batch", "50", "--seed", "4", "--out", output, "--json"];
        var first = Run(Train(File("a.safetensors")));
        Assert.True(first.Exit == 0, first.Err);
        var second = Run(Train(File("b.safetensors")));
        Assert.True(second.Exit == 0, second.Err);
        var (a, b) = (Json(first.Out), Json(second.Out));
        Assert.Equal("torch", a.GetProperty("engine").GetString());
        Assert.Equal("cpu", a.GetProperty("device").GetString());

        var evalA = Run("eval", File("a.safetensors"), "--json");
        Assert.True(evalA.Exit == 0, evalA.Err);
        var infoB = Run("info", File("b.safetensors"), "--json");
        Assert.Equal(Json(evalA.Out).GetProperty("model_hash").GetString(), Json(infoB.Out).GetProperty("model_hash").GetString());
        Assert.Equal(a.GetProperty("test_accuracy").GetDouble(), Json(evalA.Out).GetProperty("test_accuracy").GetDouble());
        Assert.True(Json(evalA.Out).GetProperty("test_accuracy").GetDouble() > 0.5);

        var info = Json(Run("info", File("a.safetensors"), "--json").Out).GetProperty("metadata");
        Assert.Equal("torch", info.GetProperty("engine").GetString());
        Assert.Equal("cpu", info.GetProperty("device").GetString());
        Assert.StartsWith("2.10", info.GetProperty("libtorch_version").GetString());
        Assert.Equal("1", info.GetProperty("torch_threads").GetString());
    }

    [Fact]
    public void Convert_moves_a_PyTorch_state_dict_through_every_format_with_the_same_weights()
    {
        string pt = Path.Combine(AppContext.BaseDirectory, "fixtures", "pytorch_sequential.pt");
        string Hash(params string[] args)
        {
            var r = Run([.. args, "--json"]);
            Assert.True(r.Exit == 0, r.Err);
            return Json(r.Out).GetProperty("model_hash").GetString()!;
        }
        string h = Hash("convert", pt, "--out", File("m.safetensors"));
        Assert.Equal(h, Hash("convert", File("m.safetensors"), "--out", File("m.dat")));
        Assert.Equal(h, Hash("convert", File("m.dat"), "--out", File("m.pt")));
        Assert.Equal(h, Hash("convert", File("m.pt"), "--out", File("m2.safetensors")));
        var info = Json(Run("info", File("m.safetensors"), "--json").Out);
        Assert.Equal(h, info.GetProperty("model_hash").GetString());
        Assert.Equal("pytorch-state-dict", info.GetProperty("metadata").GetProperty("converted_from_format").GetString());
        Assert.Equal(h, Json(Run("info", File("m.dat"), "--json").Out).GetProperty("model_hash").GetString());
        var bad = Run("convert", pt, "--out", File("m.onnx"));
        Assert.Equal(2, bad.Exit);
        Assert.Contains("unknown extension", bad.Err);
        System.IO.File.WriteAllBytes(File("broken.dat"), [1, 2, 3]);
        var broken = Run("info", File("broken.dat"));
        Assert.Equal(1, broken.Exit);
        Assert.Contains("TorchSharp state_dict", broken.Err);
    }
}
