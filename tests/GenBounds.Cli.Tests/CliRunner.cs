using System.Diagnostics;

namespace GenBounds.Cli.Tests;

/// <summary>Runs the built <c>genbounds</c> command as a child process (one BLAS thread), capturing its output and exit code.</summary>
internal static class CliRunner
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "GenBounds.sln"))) return d.FullName;
        throw new InvalidOperationException($"no GenBounds.sln above {AppContext.BaseDirectory}");
    }

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    public static string Dll => Path.Combine(Root, "src", "GenBounds.Cli", "bin", Configuration, "net10.0", "genbounds.dll");

    public static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["OPENBLAS_NUM_THREADS"] = "1";
        psi.Environment.Remove("GENBOUNDS_PROGRESS");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(300_000)) { p.Kill(entireProcessTree: true); throw new TimeoutException($"genbounds {string.Join(' ', args)} ran over 5 minutes"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
