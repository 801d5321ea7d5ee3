using System.Diagnostics;

namespace GenBounds.Cli.Tests;

/// <summary>Result of one genbounds process.</summary>
internal sealed record CliResult(int ExitCode, string StdOut, string StdErr);

/// <summary>Runs the built genbounds command as a separate process (same configuration as the tests).</summary>
internal static class CliProcess
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "GenBounds.sln"))) return d.FullName;
        throw new InvalidOperationException($"no GenBounds.sln above {AppContext.BaseDirectory}");
    }

    private static string Dll()
    {
        string config = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}") ? "Debug" : "Release";
        string dll = Path.Combine(Root, "src", "GenBounds.Cli", "bin", config, "net10.0", "genbounds.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"build the CLI first: {dll} not found");
        return dll;
    }

    /// <summary>Runs <c>genbounds args…</c> with extra environment variables; waits at most <paramref name="timeoutSeconds"/>.</summary>
    public static CliResult Run(IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, int timeoutSeconds = 300)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Root };
        psi.ArgumentList.Add(Dll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        // A shard index left in the environment by a CI runner must not leak into these tests.
        foreach (var v in new[] { "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_COUNT", "JOB_COMPLETION_INDEX" }) psi.Environment.Remove(v);
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        psi.Environment["GENBOUNDS_REVISION"] = "cli-tests";
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"genbounds {string.Join(" ", args)} did not finish in {timeoutSeconds} s");
        }
        return new CliResult(p.ExitCode, stdout.Result, stderr.Result);
    }

    public static CliResult Run(params string[] args) => Run(args, null);
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "genbounds-cli-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }
    public string File(string name) => System.IO.Path.Combine(Path, name);
    public string Sub(string name) => File(name);
    public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
}
