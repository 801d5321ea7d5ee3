namespace GenBounds.ElfPatch;

/// <summary>One version an object needs from a dependency: a <c>Vernaux</c> entry of <c>.gnu.version_r</c>.</summary>
/// <param name="File">The dependency (vn_file), e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name (vna_name), e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="Flags">vna_flags; bit <see cref="VersionNeeds.VerFlgWeak"/> marks a weak requirement.</param>
/// <param name="Index">vna_other: the index that <c>.gnu.version</c> uses for symbols of this version.</param>
/// <param name="FlagsOffset">File offset of vna_flags.</param>
public sealed record VersionRequirement(string File, string Version, ushort Flags, ushort Index, long FlagsOffset)
{
    /// <summary>Whether VER_FLG_WEAK is set: the dynamic loader then accepts a dependency that lacks the version.</summary>
    public bool IsWeak => (Flags & VersionNeeds.VerFlgWeak) != 0;
}

/// <summary>What <see cref="VersionNeeds.Weaken"/> did.</summary>
public enum WeakenOutcome
{
    /// <summary>The requirement was strong and is now weak.</summary>
    Weakened,
    /// <summary>The requirement was already weak; nothing changed.</summary>
    AlreadyWeak,
    /// <summary>The object does not need that version; nothing changed.</summary>
    Absent,
}

/// <summary>
/// Reads and weakens symbol-version requirements (GNU symbol versioning: <c>SHT_GNU_verneed</c>, <c>SHT_GNU_verdef</c>,
/// <c>SHT_GNU_versym</c>).
/// <para>
/// Why: TorchSharp 0.107's <c>libLibTorchSharp.so</c> was linked by GCC 13 and needs <c>GLIBCXX_3.4.32</c> from
/// libstdc++ for exactly one symbol, <c>std::ios_base_library_init()</c>, which GCC 13's <c>&lt;iostream&gt;</c> only
/// <em>references</em> (a <c>.globl</c> without any relocation) to pull in the library's stream initialisation. The
/// library never calls it, so the requirement can be weak; GCC 12's libstdc++ (Debian 12) lacks the version and the
/// loader then refuses the whole library ("version `GLIBCXX_3.4.32' not found"). With VER_FLG_WEAK the loader accepts
/// it. <see cref="Weaken"/> refuses when any symbol of that version is the target of a relocation, because then the
/// symbol would really be needed at run time and weakening would only move the failure.
/// </para>
/// </summary>
public static class VersionNeeds
{
    /// <summary>VER_FLG_WEAK in vna_flags.</summary>
    public const ushort VerFlgWeak = 0x2;

    /// <summary>Every version requirement of the object, in file order (empty when it has no <c>.gnu.version_r</c>).</summary>
    public static IReadOnlyList<VersionRequirement> Read(ElfImage elf)
    {
        var result = new List<VersionRequirement>();
        if (elf.FindSection(ElfImage.ShtGnuVerneed) is not { } sec) return result;
        var strings = elf.Section(sec.Link);
        long entry = sec.Offset;
        for (uint i = 0; i < sec.Info; i++)
        {
            // Elf{32,64}_Verneed: vn_version u16, vn_cnt u16, vn_file u32, vn_aux u32, vn_next u32
            ElfImage.RequireInside(sec, entry, 16, "Verneed entry");
            int count = elf.ReadUInt16(entry + 2);
            string file = elf.ReadString(strings, elf.ReadUInt32(entry + 4));
            long aux = entry + elf.ReadUInt32(entry + 8);
            for (int j = 0; j < count; j++)
            {
                // Elf{32,64}_Vernaux: vna_hash u32, vna_flags u16, vna_other u16, vna_name u32, vna_next u32
                ElfImage.RequireInside(sec, aux, 16, "Vernaux entry");
                result.Add(new VersionRequirement(file, elf.ReadString(strings, elf.ReadUInt32(aux + 8)),
                    elf.ReadUInt16(aux + 4), elf.ReadUInt16(aux + 6), aux + 4));
                uint next = elf.ReadUInt32(aux + 12);
                if (next == 0) break;
                aux += next;
            }
            uint nextEntry = elf.ReadUInt32(entry + 12);
            if (nextEntry == 0) break;
            entry += nextEntry;
        }
        return result;
    }

    /// <summary>The version names the object defines (<c>.gnu.version_d</c>), e.g. <c>GLIBCXX_3.4.30</c> for libstdc++.</summary>
    public static IReadOnlySet<string> Definitions(ElfImage elf)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        if (elf.FindSection(ElfImage.ShtGnuVerdef) is not { } sec) return result;
        var strings = elf.Section(sec.Link);
        long entry = sec.Offset;
        for (uint i = 0; i < sec.Info; i++)
        {
            // Elf{32,64}_Verdef: vd_version u16, vd_flags u16, vd_ndx u16, vd_cnt u16, vd_hash u32, vd_aux u32, vd_next u32;
            // the first Verdaux (vda_name u32, vda_next u32) names the version.
            ElfImage.RequireInside(sec, entry, 20, "Verdef entry");
            if (elf.ReadUInt16(entry + 6) > 0)
            {
                long aux = entry + elf.ReadUInt32(entry + 12);
                ElfImage.RequireInside(sec, aux, 8, "Verdaux entry");
                result.Add(elf.ReadString(strings, elf.ReadUInt32(aux)));
            }
            uint next = elf.ReadUInt32(entry + 16);
            if (next == 0) break;
            entry += next;
        }
        return result;
    }

    /// <summary>
    /// The dynamic symbols whose version index is <paramref name="versionIndex"/>, each with whether a relocation
    /// (REL or RELA against the dynamic symbol table) refers to it.
    /// </summary>
    public static IReadOnlyList<(string Name, bool Relocated)> SymbolsOfVersion(ElfImage elf, ushort versionIndex)
    {
        if (elf.FindSection(ElfImage.ShtDynsym) is not { } dynsym || elf.FindSection(ElfImage.ShtGnuVersym) is not { } versym) return [];
        var strings = elf.Section(dynsym.Link);
        long symSize = elf.Is64 ? 24 : 16;
        long count = dynsym.Size / symSize;
        var relocated = new HashSet<long>();
        foreach (var rel in elf.Sections.Where(s => (s.Type == ElfImage.ShtRela || s.Type == ElfImage.ShtRel) && s.Link == dynsym.Index))
        {
            long size = (elf.Is64 ? 8 : 4) * (rel.Type == ElfImage.ShtRela ? 3 : 2);
            for (long at = rel.Offset; at + size <= rel.Offset + rel.Size; at += size)
            {
                // r_info follows r_offset; the symbol index is its high 32 bits (ELF64) or high 24 bits (ELF32).
                long sym = elf.Is64 ? (long)(elf.ReadUInt64(at + 8) >> 32) : elf.ReadUInt32(at + 4) >> 8;
                relocated.Add(sym);
            }
        }
        var result = new List<(string, bool)>();
        for (long i = 1; i < count; i++)
        {
            long vAt = versym.Offset + 2 * i;
            ElfImage.RequireInside(versym, vAt, 2, "version index");
            if ((elf.ReadUInt16(vAt) & 0x7fff) != versionIndex) continue;
            long s = dynsym.Offset + i * symSize;
            ElfImage.RequireInside(dynsym, s, symSize, "dynamic symbol");
            result.Add((elf.ReadString(strings, elf.ReadUInt32(s)), relocated.Contains(i)));
        }
        return result;
    }

    /// <summary>
    /// Sets VER_FLG_WEAK on every requirement named <paramref name="version"/> (in memory). Throws
    /// <see cref="InvalidOperationException"/>, changing nothing, when a symbol of that version is relocated.
    /// </summary>
    public static WeakenOutcome Weaken(ElfImage elf, string version)
    {
        var matches = Read(elf).Where(r => r.Version == version).ToList();
        if (matches.Count == 0) return WeakenOutcome.Absent;
        if (matches.All(r => r.IsWeak)) return WeakenOutcome.AlreadyWeak;
        foreach (var r in matches)
        {
            var used = SymbolsOfVersion(elf, r.Index).Where(s => s.Relocated).Select(s => s.Name).ToList();
            if (used.Count > 0)
                throw new InvalidOperationException($"{version} (from {r.File}) cannot be made weak: relocations refer to {string.Join(", ", used)}, so the library really calls them");
        }
        foreach (var r in matches.Where(r => !r.IsWeak))
            elf.WriteUInt16(r.FlagsOffset, (ushort)(r.Flags | VerFlgWeak));
        return WeakenOutcome.Weakened;
    }

    /// <summary>
    /// <see cref="Weaken"/> on a file. The file is replaced atomically (new file, then rename: a hard link to the original,
    /// such as a NuGet cache entry, is never written through) and keeps its permissions and modification time, so that a
    /// build's size-and-time up-to-date check keeps the patched copy. Nothing is written unless the flag changes.
    /// </summary>
    public static WeakenOutcome WeakenFile(string path, string version)
    {
        var elf = new ElfImage(File.ReadAllBytes(path));
        var outcome = Weaken(elf, version);
        if (outcome != WeakenOutcome.Weakened) return outcome;
        var full = Path.GetFullPath(path);
        var time = File.GetLastWriteTimeUtc(full);
        var tmp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllBytes(tmp, elf.Bytes);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, File.GetUnixFileMode(full));
            File.SetLastWriteTimeUtc(tmp, time);
            File.Move(tmp, full, overwrite: true);
        }
        finally { if (File.Exists(tmp)) File.Delete(tmp); }
        return outcome;
    }
}
