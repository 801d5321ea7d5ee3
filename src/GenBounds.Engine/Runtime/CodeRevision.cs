using System.Diagnostics;

namespace GenBounds.Runtime;

/// <summary>The code revision recorded in model files and reports: the git commit of the checkout the binaries were built from.</summary>
public static class CodeRevision
{
    private static readonly Lazy<string> Value = new(Read);

    /// <summary>Commit hash (with <c>+dirty</c> when tracked files differ from it), or <c>unknown</c> outside a git checkout.</summary>
    public static string Current => Value.Value;

    private static string Read()
    {
        var env = Environment.GetEnvironmentVariable("GENBOUNDS_REVISION");
        if (!string.IsNullOrEmpty(env)) return env;
        var root = RepositoryRoot();
        if (root is null) return "unknown";
        var head = Git(root, "rev-parse HEAD");
        if (head is null) return "unknown";
        var dirty = Git(root, "status --porcelain --untracked-files=no");
        return string.IsNullOrWhiteSpace(dirty) ? head : head + "+dirty";
    }

    /// <summary>The nearest ancestor of the executable's folder (or the working directory) containing GenBounds.sln.</summary>
    public static string? RepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "GenBounds.sln"))) return d.FullName;
        return null;
    }

    private static string? Git(string dir, string args)
    {
        try
        {
            var psi = new ProcessStartInfo("git", $"-C \"{dir}\" {args}") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(psi);
            if (p is null) return null;
            var output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5000);
            return p.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
