using System.Runtime.InteropServices;

namespace GenBounds.ElfPatch;

/// <summary>
/// <c>GenBounds.ElfPatch weaken-if-missing LIBRARY VERSION</c>: marks LIBRARY's requirement of VERSION weak unless the
/// system's copy of the dependency that should provide it already defines it (then nothing changes).
/// <c>GenBounds.ElfPatch show LIBRARY</c>: lists the version requirements. Exit codes: 0 done (including "nothing to
/// do"), 1 bad file or refused patch, 2 bad arguments.
/// </summary>
public static class Program
{
    /// <summary>Entry point.</summary>
    public static int Main(string[] args)
    {
        try
        {
            switch (args)
            {
                case ["weaken-if-missing", var library, var version]:
                    Console.WriteLine(WeakenIfMissing(library, version, LocateLoaded));
                    return 0;
                case ["show", var library]:
                    foreach (var r in VersionNeeds.Read(new ElfImage(File.ReadAllBytes(library))))
                        Console.WriteLine($"{r.File}\t{r.Version}\t{(r.IsWeak ? "weak" : "strong")}\tindex {r.Index}");
                    return 0;
                default:
                    Console.Error.WriteLine("usage: GenBounds.ElfPatch weaken-if-missing LIBRARY VERSION | show LIBRARY");
                    return 2;
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidOperationException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"GenBounds.ElfPatch: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Weakens <paramref name="library"/>'s requirement of <paramref name="version"/> unless the dependency that should
    /// provide it, as located by <paramref name="locate"/> (soname → file, or null when it cannot be found), defines it.
    /// Returns a one-line account of what happened.
    /// </summary>
    public static string WeakenIfMissing(string library, string version, Func<string, string?> locate)
    {
        if (!File.Exists(library)) throw new FileNotFoundException($"library not found: {library}");
        var needs = VersionNeeds.Read(new ElfImage(File.ReadAllBytes(library))).Where(r => r.Version == version).ToList();
        if (needs.Count == 0) return $"{library}: does not need {version}; nothing to do";
        string provider = needs[0].File;
        var providerPath = locate(provider);
        if (providerPath is not null && VersionNeeds.Definitions(new ElfImage(File.ReadAllBytes(providerPath))).Contains(version))
            return $"{library}: the system's {provider} ({providerPath}) defines {version}; nothing to do";
        var outcome = VersionNeeds.WeakenFile(library, version);
        string where = providerPath is null ? $"{provider} not found on this system" : $"{providerPath} lacks it";
        return outcome switch
        {
            WeakenOutcome.Weakened => $"{library}: marked {version} ({provider}) weak ({where})",
            WeakenOutcome.AlreadyWeak => $"{library}: {version} ({provider}) already weak",
            _ => $"{library}: does not need {version}; nothing to do",
        };
    }

    /// <summary>
    /// The file the dynamic loader picks for <paramref name="soname"/> in this process (loaded if need be, then found in
    /// <c>/proc/self/maps</c>), or null. The loader's choice is what matters: it is the copy the patched library will meet.
    /// </summary>
    public static string? LocateLoaded(string soname)
    {
        if (!NativeLibrary.TryLoad(soname, out _)) return null;
        int so = soname.IndexOf(".so", StringComparison.Ordinal);
        string stem = so < 0 ? soname : soname[..(so + 3)];
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                int slash = line.IndexOf('/');
                if (slash < 0) continue;
                var path = line[slash..];
                if (Path.GetFileName(path).StartsWith(stem, StringComparison.Ordinal)) return path;
            }
        }
        catch (IOException) { }
        return null;
    }
}
