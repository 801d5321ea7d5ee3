using System.Buffers.Binary;

namespace GenBounds.Data;

/// <summary>Unsigned-byte images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/>×<see cref="Columns"/> pixels, row-major.</summary>
public sealed record IdxImages(int Count, int Rows, int Columns, byte[] Pixels);

/// <summary>
/// The IDX format of LeCun's MNIST distribution: a big-endian magic <c>0x0000TTDD</c> (TT = element type, DD = number of
/// dimensions), DD big-endian u32 sizes, then the elements. GenBounds reads unsigned-byte images (magic 0x00000803) and
/// labels (0x00000801) only; every violation is reported with the file name and the offending numbers.
/// </summary>
public static class Idx
{
    /// <summary>Magic number of unsigned-byte 3-D data (images).</summary>
    public const int ImagesMagic = 0x00000803;
    /// <summary>Magic number of unsigned-byte 1-D data (labels).</summary>
    public const int LabelsMagic = 0x00000801;
    private const byte UnsignedByte = 0x08;

    /// <summary>Reads an unsigned-byte image file (magic 0x00000803).</summary>
    public static IdxImages ReadImages(string path)
    {
        var (dims, data) = ReadUnsignedBytes(path, 3);
        return new IdxImages(dims[0], dims[1], dims[2], data);
    }

    /// <summary>Reads an unsigned-byte label file (magic 0x00000801).</summary>
    public static byte[] ReadLabels(string path) => ReadUnsignedBytes(path, 1).Data;

    /// <summary>
    /// Reads a matching image/label pair into a <see cref="Dataset"/> with pixels scaled by 1/255, checking that the
    /// counts agree and that every label is below <paramref name="classes"/>.
    /// </summary>
    public static Dataset Load(string imagesPath, string labelsPath, string name, int classes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (classes < 2) throw new ArgumentOutOfRangeException(nameof(classes), classes, "a classification data set needs at least two classes");
        var images = ReadImages(imagesPath);
        var raw = ReadLabels(labelsPath);
        if (raw.Length != images.Count)
            throw new InvalidDataException($"IDX count mismatch: '{imagesPath}' holds {images.Count} images but '{labelsPath}' holds {raw.Length} labels");
        var labels = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            if (raw[i] >= classes)
                throw new InvalidDataException($"IDX label out of range in '{labelsPath}': label {raw[i]} at index {i}, expected 0..{classes - 1}");
            labels[i] = raw[i];
        }
        return new Dataset(name, ScaleBytes(images.Pixels), labels, images.Rows * images.Columns, classes);
    }

    /// <summary>Writes an unsigned-byte image file (for tests and for exporting subsets).</summary>
    public static void WriteImages(string path, int rows, int columns, ReadOnlySpan<byte> pixels)
    {
        if (rows <= 0 || columns <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"image size {rows}×{columns} must be positive");
        if (pixels.Length % (rows * columns) != 0)
            throw new ArgumentException($"{pixels.Length} pixels are not a whole number of {rows}×{columns} images", nameof(pixels));
        Write(path, ImagesMagic, [pixels.Length / (rows * columns), rows, columns], pixels);
    }

    /// <summary>Writes an unsigned-byte label file.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels) => Write(path, LabelsMagic, [labels.Length], labels);

    /// <summary>Bytes 0..255 mapped to <c>b / 255f</c> through a table, so every loader produces bit-identical features.</summary>
    internal static float[] ScaleBytes(ReadOnlySpan<byte> bytes)
    {
        Span<float> table = stackalloc float[256];
        for (int i = 0; i < 256; i++) table[i] = i / 255f;
        var x = new float[bytes.Length];
        for (int i = 0; i < bytes.Length; i++) x[i] = table[bytes[i]];
        return x;
    }

    private static (int[] Dims, byte[] Data) ReadUnsignedBytes(string path, int expectedRank)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"IDX file '{path}' does not exist", path);
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 4) throw new InvalidDataException($"IDX file '{path}' is truncated: {bytes.Length} bytes, shorter than the 4-byte magic number");
        int magic = BinaryPrimitives.ReadInt32BigEndian(bytes);
        if (bytes[0] != 0 || bytes[1] != 0)
            throw new InvalidDataException($"IDX file '{path}' has bad magic number 0x{magic:X8}: the first two bytes must be zero (is it gzip-compressed or not an IDX file?)");
        if (bytes[2] != UnsignedByte)
            throw new InvalidDataException($"IDX file '{path}' has wrong dtype code 0x{bytes[2]:X2}: only unsigned bytes (0x08) are supported");
        if (bytes[3] != expectedRank)
            throw new InvalidDataException($"IDX file '{path}' has bad magic number 0x{magic:X8}: {bytes[3]} dimensions, expected {expectedRank} (magic 0x{0x0800 | expectedRank:X8})");
        long headerLength = 4 + 4L * expectedRank;
        if (bytes.Length < headerLength)
            throw new InvalidDataException($"IDX file '{path}' is truncated: {bytes.Length} bytes, expected at least the {headerLength}-byte header");
        var dims = new int[expectedRank];
        long elements = 1;
        for (int d = 0; d < expectedRank; d++)
        {
            uint size = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            if (size > int.MaxValue) throw new InvalidDataException($"IDX file '{path}' declares dimension {d} of size {size}, which is too large");
            dims[d] = (int)size;
            elements *= size;
            if (elements > Array.MaxLength) throw new InvalidDataException($"IDX file '{path}' declares {string.Join("×", dims.Take(d + 1))} elements, which is too large");
        }
        long expected = headerLength + elements;
        if (bytes.Length < expected)
            throw new InvalidDataException($"IDX file '{path}' is truncated: {bytes.Length} bytes, expected {expected} for shape {string.Join("×", dims)}");
        if (bytes.Length > expected)
            throw new InvalidDataException($"IDX file '{path}' has trailing garbage: {bytes.Length} bytes, expected {expected} for shape {string.Join("×", dims)}");
        return (dims, bytes.AsSpan((int)headerLength).ToArray());
    }

    private static void Write(string path, int magic, int[] dims, ReadOnlySpan<byte> data)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var header = new byte[4 + 4 * dims.Length];
        BinaryPrimitives.WriteInt32BigEndian(header, magic);
        for (int d = 0; d < dims.Length; d++) BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4 + 4 * d), dims[d]);
        var bytes = data.ToArray();
        GenBounds.IO.AtomicFile.Write(path, s => { s.Write(header); s.Write(bytes); });
    }
}
