using System.Buffers.Binary;
using System.Text;

namespace GenBounds.Torch.Tests;

/// <summary>
/// Writes small synthetic ELF shared objects with exactly the sections the version tools read (.dynstr, .dynsym,
/// .gnu.version, .gnu.version_r, .rela.dyn, .gnu.version_d), in any class and byte order, so the patcher is tested
/// on layouts no system library here has (32-bit, big-endian, several dependencies).
/// </summary>
internal sealed class ElfBuilder(bool is64, bool bigEndian)
{
    public sealed record Need(string File, params (string Version, ushort Flags, ushort Index)[] Versions);

    public List<Need> Needs { get; } = [];
    public List<string> Definitions { get; } = [];
    public List<(string Name, ushort VersionIndex, bool Relocated)> Symbols { get; } = [];

    public byte[] Build()
    {
        var strtab = new MemoryStream(); strtab.WriteByte(0);
        var offsets = new Dictionary<string, int>();
        int Str(string s)
        {
            if (offsets.TryGetValue(s, out int o)) return o;
            o = (int)strtab.Length; var b = Encoding.UTF8.GetBytes(s); strtab.Write(b); strtab.WriteByte(0);
            return offsets[s] = o;
        }
        int symSize = is64 ? 24 : 16;
        var dynsym = new byte[symSize * (Symbols.Count + 1)];
        var versym = new byte[2 * (Symbols.Count + 1)];
        var rela = new List<byte>();
        for (int i = 0; i < Symbols.Count; i++)
        {
            var (name, index, relocated) = Symbols[i];
            int at = (i + 1) * symSize;
            U32(dynsym, at, (uint)Str(name));
            dynsym[at + (is64 ? 4 : 12)] = 0x12;   // STB_GLOBAL, STT_FUNC
            U16(versym, 2 * (i + 1), index);
            if (relocated)
            {
                var r = new byte[is64 ? 24 : 12];
                if (is64) { U64(r, 0, 0x1000UL + (ulong)i * 8); U64(r, 8, ((ulong)(i + 1) << 32) | 7); }
                else { U32(r, 0, 0x1000u + (uint)i * 4); U32(r, 4, ((uint)(i + 1) << 8) | 7); }
                rela.AddRange(r);
            }
        }
        var verneed = new List<byte>();
        for (int f = 0; f < Needs.Count; f++)
        {
            var need = Needs[f];
            var e = new byte[16];
            U16(e, 0, 1); U16(e, 2, (ushort)need.Versions.Length); U32(e, 4, (uint)Str(need.File)); U32(e, 8, 16);
            U32(e, 12, f == Needs.Count - 1 ? 0u : (uint)(16 + 16 * need.Versions.Length));
            verneed.AddRange(e);
            for (int v = 0; v < need.Versions.Length; v++)
            {
                var (version, flags, index) = need.Versions[v];
                var a = new byte[16];
                U32(a, 0, ElfHash(version)); U16(a, 4, flags); U16(a, 6, index); U32(a, 8, (uint)Str(version));
                U32(a, 12, v == need.Versions.Length - 1 ? 0u : 16u);
                verneed.AddRange(a);
            }
        }
        var verdef = new List<byte>();
        for (int d = 0; d < Definitions.Count; d++)
        {
            var e = new byte[28];
            U16(e, 0, 1); U16(e, 4, (ushort)(d + 1)); U16(e, 6, 1); U32(e, 8, ElfHash(Definitions[d])); U32(e, 12, 20);
            U32(e, 16, d == Definitions.Count - 1 ? 0u : 28u);
            U32(e, 20, (uint)Str(Definitions[d]));
            verdef.AddRange(e);
        }

        // Layout: header, section contents (8-aligned), section header table.
        var sections = new List<(uint Type, byte[] Data, int Link, uint Info, int EntSize)>
        {
            (3, strtab.ToArray(), 0, 0, 0),
            (11, dynsym, 1, 1, symSize),
            (0x6fffffff, versym, 2, 0, 2),
            (0x6ffffffe, verneed.ToArray(), 1, (uint)Needs.Count, 0),
            (4, rela.ToArray(), 2, 0, is64 ? 24 : 12),
        };
        if (Definitions.Count > 0) sections.Add((0x6ffffffd, verdef.ToArray(), 1, (uint)Definitions.Count, 0));
        int headerSize = is64 ? 64 : 52, shentsize = is64 ? 64 : 40;
        var body = new MemoryStream();
        body.Write(new byte[headerSize]);
        var placed = new List<long>();
        foreach (var s in sections)
        {
            while (body.Length % 8 != 0) body.WriteByte(0);
            placed.Add(body.Length); body.Write(s.Data);
        }
        while (body.Length % 8 != 0) body.WriteByte(0);
        long shoff = body.Length;
        var shdrs = new byte[shentsize * (sections.Count + 1)];
        for (int i = 0; i < sections.Count; i++)
        {
            int h = shentsize * (i + 1);
            var s = sections[i];
            U32(shdrs, h + 4, s.Type);
            if (is64)
            {
                U64(shdrs, h + 24, (ulong)placed[i]); U64(shdrs, h + 32, (ulong)s.Data.Length);
                U32(shdrs, h + 40, (uint)s.Link); U32(shdrs, h + 44, s.Info); U64(shdrs, h + 48, 8); U64(shdrs, h + 56, (ulong)s.EntSize);
            }
            else
            {
                U32(shdrs, h + 16, (uint)placed[i]); U32(shdrs, h + 20, (uint)s.Data.Length);
                U32(shdrs, h + 24, (uint)s.Link); U32(shdrs, h + 28, s.Info); U32(shdrs, h + 32, 8); U32(shdrs, h + 36, (uint)s.EntSize);
            }
        }
        body.Write(shdrs);
        var bytes = body.ToArray();
        bytes[0] = 0x7f; bytes[1] = (byte)'E'; bytes[2] = (byte)'L'; bytes[3] = (byte)'F';
        bytes[4] = (byte)(is64 ? 2 : 1); bytes[5] = (byte)(bigEndian ? 2 : 1); bytes[6] = 1;
        U16(bytes, 16, 3);   // ET_DYN
        if (is64) { U64(bytes, 0x28, (ulong)shoff); U16(bytes, 0x34, 64); U16(bytes, 0x3A, (ushort)shentsize); U16(bytes, 0x3C, (ushort)(sections.Count + 1)); U16(bytes, 0x3E, 1); }
        else { U32(bytes, 0x20, (uint)shoff); U16(bytes, 0x28, 52); U16(bytes, 0x2E, (ushort)shentsize); U16(bytes, 0x30, (ushort)(sections.Count + 1)); U16(bytes, 0x32, 1); }
        return bytes;
    }

    /// <summary>The System V ABI's ELF hash (what vna_hash/vd_hash hold).</summary>
    public static uint ElfHash(string name)
    {
        uint h = 0;
        foreach (byte c in Encoding.UTF8.GetBytes(name))
        {
            h = (h << 4) + c;
            uint g = h & 0xf0000000;
            if (g != 0) h ^= g >> 24;
            h &= ~g;
        }
        return h;
    }

    private void U16(byte[] b, int at, ushort v) { if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), v); }
    private void U32(byte[] b, int at, uint v) { if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), v); }
    private void U64(byte[] b, int at, ulong v) { if (bigEndian) BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(at), v); else BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), v); }
}
