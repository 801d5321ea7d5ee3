using System.Diagnostics;
using GenBounds.ElfPatch;
using Xunit;

namespace GenBounds.Torch.Tests;

/// <summary>The build-time ELF patcher (build/GenBounds.ElfPatch) on synthetic objects and on TorchSharp's real library.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public class ElfPatchTests
{
    private static ElfBuilder Sample(bool is64, bool bigEndian, ushort flags = 0, bool relocated = false)
    {
        var b = new ElfBuilder(is64, bigEndian);
        b.Needs.Add(new("libc.so.6", ("GLIBC_2.2.5", 0, 2), ("GLIBC_2.34", 0, 3)));
        b.Needs.Add(new("libstdc++.so.6", ("GLIBCXX_3.4", 0, 4), ("GLIBCXX_3.4.32", flags, 5), ("CXXABI_1.3", 0, 6)));
        b.Symbols.Add(("malloc", 2, true));
        b.Symbols.Add(("_ZSt21ios_base_library_initv", 5, relocated));
        b.Symbols.Add(("_ZNSt8ios_baseD2Ev", 4, true));
        return b;
    }

    public static TheoryData<bool, bool> Layouts => new() { { true, false }, { true, true }, { false, false }, { false, true } };

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Every_requirement_is_read_with_its_file_flags_and_index(bool is64, bool bigEndian)
    {
        var needs = VersionNeeds.Read(new ElfImage(Sample(is64, bigEndian).Build()));
        Assert.Equal(
            [("libc.so.6", "GLIBC_2.2.5", 2), ("libc.so.6", "GLIBC_2.34", 3), ("libstdc++.so.6", "GLIBCXX_3.4", 4),
             ("libstdc++.so.6", "GLIBCXX_3.4.32", 5), ("libstdc++.so.6", "CXXABI_1.3", 6)],
            needs.Select(n => (n.File, n.Version, (int)n.Index)).ToList());
        Assert.All(needs, n => Assert.False(n.IsWeak));
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void Weakening_sets_exactly_the_weak_bit_of_that_one_entry_and_a_second_run_changes_nothing(bool is64, bool bigEndian)
    {
        var original = Sample(is64, bigEndian, flags: 0x1).Build();   // 0x1 = VER_FLG_BASE: other bits must survive
        var elf = new ElfImage((byte[])original.Clone());
        Assert.Equal(WeakenOutcome.Weakened, VersionNeeds.Weaken(elf, "GLIBCXX_3.4.32"));
        var diff = Enumerable.Range(0, original.Length).Where(i => original[i] != elf.Bytes[i]).ToList();
        Assert.Single(diff);
        var after = VersionNeeds.Read(elf);
        Assert.Equal(0x3, after.Single(n => n.Version == "GLIBCXX_3.4.32").Flags);
        Assert.All(after.Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.Equal(0, n.Flags));
        var again = (byte[])elf.Bytes.Clone();
        Assert.Equal(WeakenOutcome.AlreadyWeak, VersionNeeds.Weaken(elf, "GLIBCXX_3.4.32"));
        Assert.Equal(again, elf.Bytes);
    }

    [Fact]
    public void A_version_the_object_does_not_need_is_left_alone()
    {
        var bytes = Sample(true, false).Build();
        var elf = new ElfImage((byte[])bytes.Clone());
        Assert.Equal(WeakenOutcome.Absent, VersionNeeds.Weaken(elf, "GLIBCXX_3.4.33"));
        Assert.Equal(bytes, elf.Bytes);
    }

    [Theory]
    [MemberData(nameof(Layouts))]
    public void A_version_whose_symbol_is_relocated_is_refused_because_the_library_really_calls_it(bool is64, bool bigEndian)
    {
        var bytes = Sample(is64, bigEndian, relocated: true).Build();
        var elf = new ElfImage((byte[])bytes.Clone());
        var e = Assert.Throws<InvalidOperationException>(() => VersionNeeds.Weaken(elf, "GLIBCXX_3.4.32"));
        Assert.Contains("_ZSt21ios_base_library_initv", e.Message);
        Assert.Equal(bytes, elf.Bytes);
        Assert.Equal([("_ZSt21ios_base_library_initv", true)], VersionNeeds.SymbolsOfVersion(elf, 5));
    }

    [Fact]
    public void Definitions_list_the_versions_a_provider_defines()
    {
        var b = new ElfBuilder(true, false);
        b.Definitions.AddRange(["libstdc++.so.6", "GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32"]);
        var defs = VersionNeeds.Definitions(new ElfImage(b.Build()));
        Assert.Equal(["GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "libstdc++.so.6"], defs.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(70)]
    public void Truncated_or_foreign_files_give_a_clear_error_not_a_crash(int keep)
    {
        var bytes = Sample(true, false).Build();
        var cut = bytes[..Math.Min(keep, bytes.Length)];
        Assert.Throws<InvalidDataException>(() => VersionNeeds.Read(new ElfImage(cut)));
        var chopped = bytes[..(bytes.Length - 100)];   // section header table cut off
        Assert.Throws<InvalidDataException>(() => new ElfImage(chopped));
        Assert.Throws<InvalidDataException>(() => new ElfImage("#!/bin/sh\necho not elf\n"u8.ToArray()));
    }

    [Fact]
    public void The_file_is_replaced_not_written_through_a_hard_link_and_keeps_its_mode_and_time()
    {
        var dir = Directory.CreateTempSubdirectory("elfpatch-");
        try
        {
            string cache = Path.Combine(dir.FullName, "cache.so"), output = Path.Combine(dir.FullName, "out.so");
            var bytes = Sample(true, false).Build();
            File.WriteAllBytes(cache, bytes);
            File.SetUnixFileMode(cache, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
            var time = new DateTime(2026, 2, 13, 9, 58, 32, DateTimeKind.Utc);
            File.SetLastWriteTimeUtc(cache, time);
            using (var ln = Process.Start("ln", [cache, output])) ln.WaitForExit();
            Assert.Equal(WeakenOutcome.Weakened, VersionNeeds.WeakenFile(output, "GLIBCXX_3.4.32"));
            Assert.Equal(bytes, File.ReadAllBytes(cache));                       // the "NuGet cache" is untouched
            Assert.True(VersionNeeds.Read(new ElfImage(File.ReadAllBytes(output))).Single(n => n.Version == "GLIBCXX_3.4.32").IsWeak);
            Assert.Equal(File.GetUnixFileMode(cache), File.GetUnixFileMode(output));
            Assert.Equal(time, File.GetLastWriteTimeUtc(output));
            Assert.Equal(WeakenOutcome.AlreadyWeak, VersionNeeds.WeakenFile(output, "GLIBCXX_3.4.32"));
            Assert.Equal(2, Directory.GetFiles(dir.FullName).Length);             // no temporary file left behind
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Nothing_changes_when_the_system_provider_defines_the_version_and_the_patch_applies_when_it_does_not()
    {
        var dir = Directory.CreateTempSubdirectory("elfpatch-");
        try
        {
            string lib = Path.Combine(dir.FullName, "lib.so"), newStd = Path.Combine(dir.FullName, "new-libstdc++.so"), oldStd = Path.Combine(dir.FullName, "old-libstdc++.so");
            var bytes = Sample(true, false).Build();
            File.WriteAllBytes(lib, bytes);
            var provider = new ElfBuilder(true, false); provider.Definitions.AddRange(["GLIBCXX_3.4", "GLIBCXX_3.4.32"]);
            File.WriteAllBytes(newStd, provider.Build());
            var older = new ElfBuilder(true, false); older.Definitions.AddRange(["GLIBCXX_3.4", "GLIBCXX_3.4.30"]);
            File.WriteAllBytes(oldStd, older.Build());

            var said = Program.WeakenIfMissing(lib, "GLIBCXX_3.4.32", so => so == "libstdc++.so.6" ? newStd : null);
            Assert.Contains("defines GLIBCXX_3.4.32; nothing to do", said);
            Assert.Equal(bytes, File.ReadAllBytes(lib));

            said = Program.WeakenIfMissing(lib, "GLIBCXX_3.4.32", so => so == "libstdc++.so.6" ? oldStd : null);
            Assert.Contains("marked GLIBCXX_3.4.32 (libstdc++.so.6) weak", said);
            Assert.Contains("already weak", Program.WeakenIfMissing(lib, "GLIBCXX_3.4.32", _ => oldStd));
            Assert.Contains("does not need GLIBCXX_3.4.33", Program.WeakenIfMissing(lib, "GLIBCXX_3.4.33", _ => oldStd));
        }
        finally { dir.Delete(recursive: true); }
    }

    private static string OutputLibrary => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    private static string? PackageLibrary()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = Path.Combine(root, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        return File.Exists(path) ? path : null;
    }

    [Fact]
    public void TorchSharp_needs_GLIBCXX_3_4_32_only_for_one_never_relocated_symbol_and_the_package_copy_stays_unpatched()
    {
        var package = PackageLibrary();
        Assert.True(package is not null, "the torchsharp 0.107.0 package is restored (paket restore)");
        var elf = new ElfImage(File.ReadAllBytes(package!));
        var need = VersionNeeds.Read(elf).Single(n => n.Version == "GLIBCXX_3.4.32");
        Assert.Equal("libstdc++.so.6", need.File);
        Assert.False(need.IsWeak);   // the build never writes into the NuGet cache
        Assert.Equal([("_ZSt21ios_base_library_initv", false)], VersionNeeds.SymbolsOfVersion(elf, need.Index));
    }

    [Fact]
    public void The_copy_in_this_build_output_is_weak_exactly_when_the_system_libstdcxx_lacks_the_version()
    {
        var output = VersionNeeds.Read(new ElfImage(File.ReadAllBytes(OutputLibrary))).Single(n => n.Version == "GLIBCXX_3.4.32");
        var system = Program.LocateLoaded("libstdc++.so.6");
        Assert.NotNull(system);
        bool systemHasIt = VersionNeeds.Definitions(new ElfImage(File.ReadAllBytes(system!))).Contains("GLIBCXX_3.4.32");
        Assert.Equal(!systemHasIt, output.IsWeak);
        // TorchSharp's fallback copy of the unpatched natives (made after a failed load) would shadow the patched one.
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "cpu", "libLibTorchSharp.so")));
    }
}
