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

    // A tiny MNIST-format data set (IDX files, 28×28 bytes): class c is a bright 7×7 square in quadrant c on noise, so a small
    // CNN separates the classes within a few dozen steps without the real MNIST files.
    private string TinyMnist(int train, int test)
    {
        string dir = Directory.CreateDirectory(File("tiny-mnist")).FullName;
        var rng = new GenBounds.Random.Rng(20261202);
        void Write(string images, string labels, int n)
        {
            var pixels = new byte[n * 28 * 28]; var y = new byte[n];
            for (int i = 0; i < n; i++)
            {
                y[i] = (byte)rng.NextInt(4);
                int top = 3 + 14 * (y[i] / 2), left = 3 + 14 * (y[i] % 2);
                for (int p = 0; p < 28 * 28; p++)
                {
                    bool inside = p / 28 - top is >= 0 and < 7 && p % 28 - left is >= 0 and < 7;
                    pixels[i * 784 + p] = (byte)Math.Min(255, (inside ? 160 : 0) + rng.NextInt(96));
                }
            }
            GenBounds.Data.Idx.WriteImages(Path.Combine(dir, images), 28, 28, pixels);
            GenBounds.Data.Idx.WriteLabels(Path.Combine(dir, labels), y);
        }
        Write(GenBounds.Data.Mnist.TrainImages, GenBounds.Data.Mnist.TrainLabels, train);
        Write(GenBounds.Data.Mnist.TestImages, GenBounds.Data.Mnist.TestLabels, test);
        return dir;
    }

    [Fact]
    public void Torch_trains_a_CNN_from_the_CLI_reproducibly_into_a_native_format_file_that_eval_info_and_bounds_read()
    {
        string data = TinyMnist(400, 100);
        const string arch = "conv4k5s2-pool2-fc10";
        string[] Train(string engine, string output, int epochs = 2, params string[] more) =>
            ["train", "--engine", engine, "--threads", "1", "--arch", arch, "--epochs", epochs.ToString(), "--batch", "20", "--lr", "0.01", "--seed", "3",
             "--data-dir", data, "--out", output, "--json", .. more];
        var first = Run(Train("torch", File("a.safetensors")));
        Assert.True(first.Exit == 0, first.Err);
        var second = Run(Train("torch", File("b.safetensors")));
        Assert.True(second.Exit == 0, second.Err);
        var native = Run(Train("genbounds", File("n.safetensors")));
        Assert.True(native.Exit == 0, native.Err);
        var (a, n) = (Json(first.Out), Json(native.Out));
        Assert.Equal("torch", a.GetProperty("engine").GetString());
        Assert.Equal("1x28x28:conv4k5s2-pool2-10", a.GetProperty("architecture").GetString());
        Assert.Equal(40L, a.GetProperty("steps").GetInt64());
        string Format(string model) => GenBounds.IO.Safetensors.Read(model).Metadata!["format"];
        Assert.Equal(Format(File("n.safetensors")), Format(File("a.safetensors")));

        string Hash(string model) => Json(Run("info", model, "--json").Out).GetProperty("model_hash").GetString()!;
        Assert.Equal(Hash(File("a.safetensors")), Hash(File("b.safetensors")));
        Assert.NotEqual(Hash(File("a.safetensors")), Hash(File("n.safetensors")));   // other BLAS, other last bits

        var eval = Run("eval", File("a.safetensors"), "--data-dir", data, "--threads", "1", "--json");
        Assert.True(eval.Exit == 0, eval.Err);
        var e = Json(eval.Out);
        Assert.Equal(a.GetProperty("test_accuracy").GetDouble(), e.GetProperty("test_accuracy").GetDouble());
        Assert.True(e.GetProperty("test_accuracy").GetDouble() > 0.9, eval.Out);
        // The engines took the same steps: their accuracies on the held-out images agree to within one image or so.
        Assert.True(Math.Abs(e.GetProperty("test_accuracy").GetDouble() - n.GetProperty("test_accuracy").GetDouble()) <= 0.02, $"{eval.Out}\n{native.Out}");

        var info = Json(Run("info", File("a.safetensors"), "--json").Out);
        var meta = info.GetProperty("metadata");
        Assert.Equal("torch", meta.GetProperty("engine").GetString());
        Assert.Equal("cpu", meta.GetProperty("device").GetString());
        Assert.StartsWith("2.10", meta.GetProperty("libtorch_version").GetString());
        Assert.Equal("Conv2d", info.GetProperty("layers")[0].GetProperty("kind").GetString());

        // bounds inlines the Vega scripts into its HTML page; this test reads bounds.json only, so empty scripts stand in for them.
        string js = Directory.CreateDirectory(File("js")).FullName;
        foreach (var f in new[] { "vega.min.js", "vega-lite.min.js", "vega-embed.min.js" }) System.IO.File.WriteAllText(Path.Combine(js, f), "");
        var bounds = Run("bounds", File("a.safetensors"), "--data-dir", data, "--threads", "1", "--out", File("bounds"), "--js", js, "--no-sharpness",
            "--no-jiang", "--no-arora", "--no-guha", "--no-sulam", "--json");
        Assert.True(bounds.Exit == 0, bounds.Err);
        Assert.True(System.IO.File.Exists(Path.Combine(File("bounds"), "bounds.json")));

        // A run checkpointed after one epoch and resumed for the second writes the uninterrupted run's weights.
        var part = Run(Train("torch", File("c1.safetensors"), 1, "--checkpoint", File("c.ckpt")));
        Assert.True(part.Exit == 0, part.Err);
        var resumed = Run(Train("torch", File("c2.safetensors"), 2, "--resume", File("c.ckpt")));
        Assert.True(resumed.Exit == 0, resumed.Err);
        Assert.Equal(Hash(File("a.safetensors")), Hash(File("c2.safetensors")));
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

    [Fact]
    public void Convert_moves_a_PyTorch_CNN_state_dict_through_every_format_given_its_architecture_once()
    {
        string pt = Path.Combine(AppContext.BaseDirectory, "fixtures", "pytorch_cnn.pt");
        const string arch = "2x11x10:conv3k3x2s2p1-pool2-conv4k2-avgpool2s1-fc5-3";
        string Hash(params string[] args)
        {
            var r = Run([.. args, "--json"]);
            Assert.True(r.Exit == 0, r.Err);
            return Json(r.Out).GetProperty("model_hash").GetString()!;
        }
        var noArch = Run("convert", pt, "--out", File("never.safetensors"));
        Assert.Equal(1, noArch.Exit);
        Assert.Contains("give the architecture (e.g. --arch", noArch.Err);
        string h = Hash("convert", pt, "--arch", arch, "--out", File("m.safetensors"));
        // The GenBounds file records the architecture, so from here on only the state dicts need --arch.
        Assert.Equal(h, Hash("convert", File("m.safetensors"), "--out", File("m.dat")));
        Assert.Equal(h, Hash("convert", File("m.dat"), "--arch", arch, "--out", File("m.pt")));
        Assert.Equal(h, Hash("convert", File("m.pt"), "--arch", arch, "--out", File("m2.safetensors")));
        Assert.Equal(h, Hash("info", File("m.safetensors")));
        Assert.Equal(h, Hash("info", File("m.dat"), "--arch", arch));
        var info = Json(Run("info", File("m2.safetensors"), "--json").Out);
        Assert.Equal(arch, info.GetProperty("architecture").GetString());
        Assert.Equal("pytorch-state-dict", info.GetProperty("metadata").GetProperty("converted_from_format").GetString());
    }
}
