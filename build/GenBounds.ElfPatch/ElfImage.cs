using System.Buffers.Binary;
using System.Text;

namespace GenBounds.ElfPatch;

/// <summary>One entry of an ELF section header table (only the fields the version tools need).</summary>
/// <param name="Index">Position in the section header table.</param>
/// <param name="Type">sh_type, e.g. <see cref="ElfImage.ShtGnuVerneed"/>.</param>
/// <param name="Offset">sh_offset: where the section's bytes start in the file.</param>
/// <param name="Size">sh_size in bytes.</param>
/// <param name="Link">sh_link: for version, symbol and relocation sections, the index of the associated table.</param>
/// <param name="Info">sh_info: for verneed/verdef sections, the number of entries.</param>
/// <param name="EntrySize">sh_entsize (0 for sections without fixed-size entries).</param>
public sealed record ElfSection(int Index, uint Type, long Offset, long Size, int Link, uint Info, long EntrySize);

/// <summary>
/// Read access to an ELF file held in memory: 32- or 64-bit, little- or big-endian, bounds-checked (a truncated or
/// corrupt file gives <see cref="InvalidDataException"/>, never an out-of-range read). Writes go through
/// <see cref="WriteUInt16"/> only: the version tools change flag bits, never sizes or offsets.
/// </summary>
public sealed class ElfImage
{
    /// <summary>SHT_GNU_verneed: versions this object needs from its dependencies.</summary>
    public const uint ShtGnuVerneed = 0x6ffffffe;
    /// <summary>SHT_GNU_verdef: versions this object defines.</summary>
    public const uint ShtGnuVerdef = 0x6ffffffd;
    /// <summary>SHT_GNU_versym: one version index per dynamic symbol.</summary>
    public const uint ShtGnuVersym = 0x6fffffff;
    /// <summary>SHT_DYNSYM.</summary>
    public const uint ShtDynsym = 11;
    /// <summary>SHT_RELA.</summary>
    public const uint ShtRela = 4;
    /// <summary>SHT_REL.</summary>
    public const uint ShtRel = 9;

    private readonly byte[] _bytes;

    /// <summary>Parses the ELF header and section header table of <paramref name="bytes"/> (not copied).</summary>
    public ElfImage(byte[] bytes)
    {
        _bytes = bytes;
        if (bytes.Length < 16 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file (bad magic)");
        Is64 = bytes[4] switch { 1 => false, 2 => true, var c => throw new InvalidDataException($"unknown ELF class {c}") };
        BigEndian = bytes[5] switch { 1 => false, 2 => true, var d => throw new InvalidDataException($"unknown ELF data encoding {d}") };
        long shoff = Is64 ? (long)ReadUInt64(0x28) : ReadUInt32(0x20);
        int shentsize = ReadUInt16(Is64 ? 0x3A : 0x2E);
        long shnum = ReadUInt16(Is64 ? 0x3C : 0x30);
        if (shoff == 0) { Sections = []; return; }
        if (shentsize < (Is64 ? 64 : 40)) throw new InvalidDataException($"section header entries of {shentsize} bytes are too small");
        // Extended numbering: with 0xff00 or more sections, e_shnum is 0 and section 0's sh_size holds the count.
        if (shnum == 0) shnum = Is64 ? (long)ReadUInt64(shoff + 32) : ReadUInt32(shoff + 20);
        if (shnum > (bytes.Length - shoff) / shentsize) throw new InvalidDataException($"section header table ({shnum} entries at {shoff}) runs past the end of the file");
        var sections = new ElfSection[shnum];
        for (int i = 0; i < shnum; i++)
        {
            long h = shoff + (long)i * shentsize;
            sections[i] = Is64
                ? new ElfSection(i, ReadUInt32(h + 4), (long)ReadUInt64(h + 24), (long)ReadUInt64(h + 32), (int)ReadUInt32(h + 40), ReadUInt32(h + 44), (long)ReadUInt64(h + 56))
                : new ElfSection(i, ReadUInt32(h + 4), ReadUInt32(h + 16), ReadUInt32(h + 20), (int)ReadUInt32(h + 24), ReadUInt32(h + 28), ReadUInt32(h + 36));
        }
        Sections = sections;
    }

    /// <summary>ELFCLASS64 (true) or ELFCLASS32.</summary>
    public bool Is64 { get; }
    /// <summary>ELFDATA2MSB (true) or ELFDATA2LSB.</summary>
    public bool BigEndian { get; }
    /// <summary>The section header table.</summary>
    public IReadOnlyList<ElfSection> Sections { get; }
    /// <summary>The underlying bytes (changes made by <see cref="WriteUInt16"/> are visible here).</summary>
    public byte[] Bytes => _bytes;

    /// <summary>The first section of type <paramref name="type"/>, or null.</summary>
    public ElfSection? FindSection(uint type) => Sections.FirstOrDefault(s => s.Type == type);

    /// <summary>The section at <paramref name="index"/> (bounds-checked).</summary>
    public ElfSection Section(int index) =>
        index >= 0 && index < Sections.Count ? Sections[index] : throw new InvalidDataException($"section index {index} out of range (0..{Sections.Count - 1})");

    /// <summary>The NUL-terminated string at <paramref name="offset"/> within string-table section <paramref name="table"/>.</summary>
    public string ReadString(ElfSection table, long offset)
    {
        if (offset < 0 || offset >= table.Size) throw new InvalidDataException($"string offset {offset} outside its table of {table.Size} bytes");
        long start = table.Offset + offset, end = start, limit = Math.Min(table.Offset + table.Size, _bytes.Length);
        while (end < limit && _bytes[end] != 0) end++;
        if (end >= limit) throw new InvalidDataException($"unterminated string at offset {offset} of section {table.Index}");
        return Encoding.UTF8.GetString(_bytes, (int)start, (int)(end - start));
    }

    /// <summary>Reads a 16-bit field in the file's byte order.</summary>
    public ushort ReadUInt16(long at) { var s = Slice(at, 2); return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s); }
    /// <summary>Reads a 32-bit field in the file's byte order.</summary>
    public uint ReadUInt32(long at) { var s = Slice(at, 4); return BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s); }
    /// <summary>Reads a 64-bit field in the file's byte order.</summary>
    public ulong ReadUInt64(long at) { var s = Slice(at, 8); return BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(s) : BinaryPrimitives.ReadUInt64LittleEndian(s); }

    /// <summary>Writes a 16-bit field in the file's byte order.</summary>
    public void WriteUInt16(long at, ushort value)
    {
        var s = _bytes.AsSpan(CheckRange(at, 2), 2);
        if (BigEndian) BinaryPrimitives.WriteUInt16BigEndian(s, value); else BinaryPrimitives.WriteUInt16LittleEndian(s, value);
    }

    /// <summary>Throws unless [<paramref name="at"/>, <paramref name="at"/> + <paramref name="length"/>) lies inside section <paramref name="section"/>.</summary>
    public static void RequireInside(ElfSection section, long at, long length, string what)
    {
        if (at < section.Offset || length < 0 || at + length > section.Offset + section.Size)
            throw new InvalidDataException($"{what} at file offset {at} lies outside its section {section.Index} ([{section.Offset}, {section.Offset + section.Size}))");
    }

    private ReadOnlySpan<byte> Slice(long at, int length) => _bytes.AsSpan(CheckRange(at, length), length);

    private int CheckRange(long at, int length) =>
        at >= 0 && at <= _bytes.Length - length ? (int)at : throw new InvalidDataException($"read of {length} bytes at offset {at} past the end of the file ({_bytes.Length} bytes)");
}
