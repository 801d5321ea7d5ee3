using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace GenBounds.IO;

/// <summary>
/// Element types GenBounds reads from safetensors files. They are declared in the order of the Rust <c>safetensors</c>
/// crate's <c>Dtype</c> enum (increasing alignment); writers lay tensors out in decreasing order of this value.
/// </summary>
public enum SafetensorsDType
{
    /// <summary>Unsigned 8-bit integer.</summary>
    U8,
    /// <summary>IEEE 754 binary16.</summary>
    F16,
    /// <summary>bfloat16 (the upper half of a binary32).</summary>
    BF16,
    /// <summary>Signed 32-bit integer.</summary>
    I32,
    /// <summary>IEEE 754 binary32.</summary>
    F32,
    /// <summary>IEEE 754 binary64.</summary>
    F64,
    /// <summary>Signed 64-bit integer.</summary>
    I64,
}

/// <summary>One named tensor: dtype, shape (C order) and its raw little-endian bytes.</summary>
public sealed class SafetensorsTensor
{
    private readonly byte[] _data;

    /// <summary>Creates a tensor from raw little-endian bytes (copied); their length must equal the shape's element count × element size.</summary>
    public SafetensorsTensor(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, ReadOnlySpan<byte> data)
        : this(name, dtype, shape, data.ToArray()) { }

    private SafetensorsTensor(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        if (name == Safetensors.MetadataKey) throw new ArgumentException($"'{Safetensors.MetadataKey}' is reserved for the metadata and cannot name a tensor", nameof(name));
        if (!Enum.IsDefined(dtype)) throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype");
        long? bytes = Safetensors.ByteLength(dtype, shape);
        if (shape.Any(d => d < 0)) throw new ArgumentException($"tensor '{name}': shape [{string.Join(",", shape)}] has a negative dimension", nameof(shape));
        if (bytes != data.Length)
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes do not match shape [{string.Join(",", shape)}] of {dtype} ({bytes?.ToString(CultureInfo.InvariantCulture) ?? "overflowing"} bytes)", nameof(data));
        Name = name; DType = dtype; Shape = shape.ToArray(); _data = data;
    }

    /// <summary>Tensor name (the key in the header).</summary>
    public string Name { get; }
    /// <summary>Element type.</summary>
    public SafetensorsDType DType { get; }
    /// <summary>Dimensions, outermost first; empty for a scalar.</summary>
    public IReadOnlyList<long> Shape { get; }
    /// <summary>Raw little-endian element bytes.</summary>
    public ReadOnlySpan<byte> Data => _data;
    /// <summary>Number of elements (product of the shape; 1 for a scalar).</summary>
    public long ElementCount => _data.Length / Safetensors.ElementSize(DType);

    /// <summary>A float32 tensor (values copied).</summary>
    public static SafetensorsTensor FromSingle(string name, IReadOnlyList<long> shape, ReadOnlySpan<float> values) =>
        new(name, SafetensorsDType.F32, shape, MemoryMarshal.AsBytes(values).ToArray());
    /// <summary>A float64 tensor (values copied).</summary>
    public static SafetensorsTensor FromDouble(string name, IReadOnlyList<long> shape, ReadOnlySpan<double> values) =>
        new(name, SafetensorsDType.F64, shape, MemoryMarshal.AsBytes(values).ToArray());
    /// <summary>An int64 tensor (values copied).</summary>
    public static SafetensorsTensor FromInt64(string name, IReadOnlyList<long> shape, ReadOnlySpan<long> values) =>
        new(name, SafetensorsDType.I64, shape, MemoryMarshal.AsBytes(values).ToArray());

    internal static SafetensorsTensor Wrap(string name, SafetensorsDType dtype, IReadOnlyList<long> shape, byte[] data) => new(name, dtype, shape, data);

    /// <summary>Values as float32: exact for F32, F16 and BF16, rounded to nearest for F64; integer dtypes are rejected.</summary>
    public float[] ToSingle()
    {
        switch (DType)
        {
            case SafetensorsDType.F32: return MemoryMarshal.Cast<byte, float>(_data).ToArray();
            case SafetensorsDType.F64: return Array.ConvertAll(MemoryMarshal.Cast<byte, double>(_data).ToArray(), v => (float)v);
            case SafetensorsDType.F16:
                return Array.ConvertAll(MemoryMarshal.Cast<byte, ushort>(_data).ToArray(), bits => (float)BitConverter.UInt16BitsToHalf(bits));
            case SafetensorsDType.BF16:
                return Array.ConvertAll(MemoryMarshal.Cast<byte, ushort>(_data).ToArray(), bits => BitConverter.UInt32BitsToSingle((uint)bits << 16));
            default: throw new InvalidOperationException($"tensor '{Name}' holds integers ({DType}), not floating-point values");
        }
    }

    /// <summary>Values as float64 (exact for every floating-point dtype); integer dtypes are rejected.</summary>
    public double[] ToDouble() => DType == SafetensorsDType.F64
        ? MemoryMarshal.Cast<byte, double>(_data).ToArray()
        : Array.ConvertAll(ToSingle(), v => (double)v);

    /// <summary>Values as int64 for the integer dtypes I64, I32 and U8; floating-point dtypes are rejected.</summary>
    public long[] ToInt64() => DType switch
    {
        SafetensorsDType.I64 => MemoryMarshal.Cast<byte, long>(_data).ToArray(),
        SafetensorsDType.I32 => Array.ConvertAll(MemoryMarshal.Cast<byte, int>(_data).ToArray(), v => (long)v),
        SafetensorsDType.U8 => Array.ConvertAll(_data, v => (long)v),
        _ => throw new InvalidOperationException($"tensor '{Name}' holds floating-point values ({DType}), not integers"),
    };
}

/// <summary>The content of a safetensors file: string metadata (absent or a string→string map) and named tensors.</summary>
public sealed class SafetensorsFile
{
    private readonly Dictionary<string, SafetensorsTensor> _byName;

    /// <summary>
    /// Collects tensors (names must be unique) into the order the Rust crate lays them out: decreasing
    /// <see cref="SafetensorsDType"/>, then name by UTF-8 bytes.
    /// </summary>
    public SafetensorsFile(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
        : this(Safetensors.LayoutOrder(tensors), metadata) { }

    private SafetensorsFile(List<SafetensorsTensor> ordered, IReadOnlyDictionary<string, string>? metadata)
    {
        _byName = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        foreach (var t in ordered)
            if (!_byName.TryAdd(t.Name, t)) throw new ArgumentException($"duplicate tensor name '{t.Name}'");
        Tensors = ordered.AsReadOnly();
        Metadata = metadata is null ? null : new Dictionary<string, string>(metadata, StringComparer.Ordinal);
    }

    /// <summary>A file whose tensors keep the given order (that of their offsets in a file being read).</summary>
    internal static SafetensorsFile InFileOrder(List<SafetensorsTensor> ordered, IReadOnlyDictionary<string, string>? metadata) => new(ordered, metadata);

    /// <summary>The <c>__metadata__</c> map, or null when the file has none.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; }
    /// <summary>Tensors in the order of their bytes in the data buffer.</summary>
    public IReadOnlyList<SafetensorsTensor> Tensors { get; }

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    public SafetensorsTensor this[string name] => _byName.TryGetValue(name, out var t) ? t
        : throw new KeyNotFoundException($"no tensor named '{name}' (the file has {string.Join(", ", Tensors.Select(x => $"'{x.Name}'"))})");

    /// <summary>Looks up a tensor by name.</summary>
    public bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafetensorsTensor? tensor) => _byName.TryGetValue(name, out tensor);
}

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian u64 N, N bytes of UTF-8 JSON header, then the data
/// buffer. The header maps <c>__metadata__</c> to a string→string object and each tensor name to
/// <c>{"dtype","shape","data_offsets":[begin,end]}</c> with offsets relative to the buffer, contiguous and covering it.
/// Files are written byte-for-byte as the Rust crate (and so PyTorch's <c>safetensors.torch.save_file</c>) writes them,
/// except that metadata keys are sorted (the crate emits them in hash-map order).
/// </summary>
public static class Safetensors
{
    /// <summary>Header key of the metadata map.</summary>
    public const string MetadataKey = "__metadata__";
    /// <summary>Largest header accepted (the Rust crate's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    private static readonly Dictionary<string, SafetensorsDType> DTypeNames =
        Enum.GetValues<SafetensorsDType>().ToDictionary(d => d.ToString(), d => d, StringComparer.Ordinal);

    /// <summary>Bytes per element.</summary>
    public static int ElementSize(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.U8 => 1,
        SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>Bytes of a tensor of this shape and dtype, or null when negative or beyond a single .NET array.</summary>
    internal static long? ByteLength(SafetensorsDType dtype, IReadOnlyList<long> shape)
    {
        long n = ElementSize(dtype);
        foreach (long d in shape)
        {
            if (d < 0) return null;
            if (d != 0 && n > Array.MaxLength / d) return null;
            n *= d;
        }
        return n;
    }

    /// <summary>Reads and validates a safetensors file; every error names the file and the offending tensor or numbers.</summary>
    public static SafetensorsFile Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"safetensors file '{path}' does not exist", path);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors data is little-endian; big-endian hosts are not supported");
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        InvalidDataException Bad(string message) => new($"safetensors file '{path}': {message}");

        long fileLength = stream.Length;
        if (fileLength < 8) throw Bad($"{fileLength} bytes is shorter than the 8-byte header length prefix");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeaderLength) throw Bad($"header length {n} exceeds the {MaxHeaderLength}-byte (100 MB) limit");
        if (n > (ulong)(fileLength - 8)) throw Bad($"header length {n} is larger than the file ({fileLength} bytes, {fileLength - 8} after the length prefix)");
        if (n < 2) throw Bad($"header length {n} is too small for a JSON object");
        var header = new byte[n];
        stream.ReadExactly(header);
        try { new UTF8Encoding(false, throwOnInvalidBytes: true).GetCharCount(header); }
        catch (DecoderFallbackException e) { throw Bad($"header is not valid UTF-8 ({e.Message})"); }
        if (header[0] != (byte)'{') throw Bad($"header does not start with '{{' (first byte 0x{header[0]:X2})");

        JsonDocument doc;
        try { doc = JsonDocument.Parse(header); }
        catch (JsonException e) { throw Bad($"header is not valid JSON: {e.Message}"); }
        using var _ = doc;
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad("header is not a JSON object");

        Dictionary<string, string>? metadata = null;
        var entries = new List<(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var prop in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(prop.Name)) throw Bad($"header lists '{prop.Name}' twice");
            if (prop.Name == MetadataKey)
            {
                if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad($"'{MetadataKey}' must be an object of strings, found {prop.Value.ValueKind}");
                metadata = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var kv in prop.Value.EnumerateObject())
                {
                    if (kv.Value.ValueKind != JsonValueKind.String) throw Bad($"metadata value of '{kv.Name}' must be a string, found {kv.Value.ValueKind}");
                    if (!metadata.TryAdd(kv.Name, kv.Value.GetString()!)) throw Bad($"metadata key '{kv.Name}' appears twice");
                }
                continue;
            }
            var info = prop.Value;
            if (info.ValueKind != JsonValueKind.Object) throw Bad($"entry of tensor '{prop.Name}' must be an object, found {info.ValueKind}");
            if (!info.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String) throw Bad($"tensor '{prop.Name}' has no string \"dtype\"");
            if (!DTypeNames.TryGetValue(dt.GetString()!, out var dtype))
                throw Bad($"tensor '{prop.Name}' has unknown or unsupported dtype '{dt.GetString()}' (GenBounds reads {string.Join(", ", DTypeNames.Keys)})");
            var shape = ReadIntegers(info, "shape", prop.Name, Bad);
            var offsets = ReadIntegers(info, "data_offsets", prop.Name, Bad);
            if (offsets.Length != 2) throw Bad($"tensor '{prop.Name}' has {offsets.Length} data_offsets, expected [begin, end]");
            if (offsets[1] < offsets[0]) throw Bad($"tensor '{prop.Name}' has data_offsets [{offsets[0]},{offsets[1]}] that end before they begin");
            long? need = ByteLength(dtype, shape);
            if (need is null) throw Bad($"tensor '{prop.Name}' has shape [{string.Join(",", shape)}] that is too large");
            if (offsets[1] - offsets[0] != need)
                throw Bad($"tensor '{prop.Name}' has data_offsets [{offsets[0]},{offsets[1]}] spanning {offsets[1] - offsets[0]} bytes, but shape [{string.Join(",", shape)}] of {dtype} needs {need} bytes");
            entries.Add((prop.Name, dtype, shape, offsets[0], offsets[1]));
        }

        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long bufferLength = fileLength - 8 - (long)n, position = 0;
        string previous = "the start of the data buffer";
        foreach (var e in entries)
        {
            if (e.Begin < position) throw Bad($"tensor '{e.Name}' [{e.Begin},{e.End}] overlaps {previous}, which ends at {position}");
            if (e.Begin > position) throw Bad($"offsets are not contiguous: tensor '{e.Name}' begins at {e.Begin} but {previous} ends at {position}");
            position = e.End;
            previous = $"tensor '{e.Name}'";
        }
        if (position != bufferLength)
            throw Bad($"data buffer is {bufferLength} bytes but the tensors cover {position} bytes ({(bufferLength > position ? "trailing bytes after the last tensor" : "file truncated")})");

        var tensors = new List<SafetensorsTensor>(entries.Count);
        foreach (var e in entries)
        {
            var bytes = new byte[e.End - e.Begin];
            stream.ReadExactly(bytes);
            tensors.Add(SafetensorsTensor.Wrap(e.Name, e.DType, e.Shape, bytes));
        }
        return SafetensorsFile.InFileOrder(tensors, metadata);
    }

    /// <summary>Writes <paramref name="file"/> atomically (see <see cref="AtomicFile"/>).</summary>
    public static void Write(string path, SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var header = Header(file);
        AtomicFile.Write(path, s =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            s.Write(prefix);
            s.Write(header);
            foreach (var t in file.Tensors) s.Write(t.Data);
        });
    }

    /// <summary>Writes tensors and optional metadata atomically, laid out as the Rust crate does.</summary>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null) =>
        Write(path, new SafetensorsFile(tensors, metadata));

    /// <summary>The complete file content (length prefix, header, data) as <see cref="Write(string, SafetensorsFile)"/> writes it.</summary>
    public static byte[] Serialize(SafetensorsFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var header = Header(file);
        using var ms = new MemoryStream();
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        ms.Write(prefix);
        ms.Write(header);
        foreach (var t in file.Tensors) ms.Write(t.Data);
        return ms.ToArray();
    }

    /// <summary>
    /// The header bytes: compact JSON (serde_json style: no spaces, only '"', '\' and control characters escaped),
    /// metadata first, tensors in layout order with consecutive offsets, padded with spaces to a multiple of 8 bytes so
    /// that the data buffer starts 8-byte aligned.
    /// </summary>
    internal static byte[] Header(SafetensorsFile file)
    {
        var sb = new StringBuilder("{");
        bool first = true;
        if (file.Metadata is { } meta)
        {
            sb.Append('"').Append(MetadataKey).Append("\":{");
            bool firstKey = true;
            foreach (var key in meta.Keys.OrderBy(k => k, StringComparer.Ordinal))
            {
                if (!firstKey) sb.Append(',');
                firstKey = false;
                AppendString(sb, key).Append(':');
                AppendString(sb, meta[key]);
            }
            sb.Append('}');
            first = false;
        }
        long offset = 0;
        foreach (var t in file.Tensors)
        {
            if (!first) sb.Append(',');
            first = false;
            AppendString(sb, t.Name).Append(":{\"dtype\":\"").Append(t.DType).Append("\",\"shape\":[")
              .Append(string.Join(",", t.Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append("],\"data_offsets\":[")
              .Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',');
            offset += t.Data.Length;
            sb.Append(offset.ToString(CultureInfo.InvariantCulture)).Append("]}");
        }
        sb.Append('}');
        int length = Encoding.UTF8.GetByteCount(sb.ToString());
        sb.Append(' ', (8 - length % 8) % 8);
        var bytes = Encoding.UTF8.GetBytes(sb.ToString());
        if (bytes.Length > MaxHeaderLength) throw new InvalidOperationException($"the header would be {bytes.Length} bytes, beyond the {MaxHeaderLength}-byte limit readers enforce");
        return bytes;
    }

    /// <summary>Decreasing dtype rank, then name compared as UTF-8 bytes (Rust's <c>String</c> order).</summary>
    internal static List<SafetensorsTensor> LayoutOrder(IEnumerable<SafetensorsTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = tensors.ToList();
        if (list.Any(t => t is null)) throw new ArgumentException("tensor list contains null", nameof(tensors));
        return list.Select(t => (Tensor: t, Key: Encoding.UTF8.GetBytes(t.Name)))
                   .OrderByDescending(x => x.Tensor.DType)
                   .ThenBy(x => x.Key, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))
                   .Select(x => x.Tensor).ToList();
    }

    private static StringBuilder AppendString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case < ' ': sb.Append("\\u00").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture)); break;
                default: sb.Append(c); break;
            }
        }
        return sb.Append('"');
    }

    private static long[] ReadIntegers(JsonElement info, string field, string tensor, Func<string, InvalidDataException> bad)
    {
        if (!info.TryGetProperty(field, out var array) || array.ValueKind != JsonValueKind.Array)
            throw bad($"tensor '{tensor}' has no \"{field}\" array");
        var values = new long[array.GetArrayLength()];
        int i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out long x) || x < 0)
                throw bad($"tensor '{tensor}' has a \"{field}\" entry {v.GetRawText()} that is not a non-negative integer");
            values[i++] = x;
        }
        return values;
    }
}
