namespace GenBounds.Data;

/// <summary>
/// CIFAR-10 (Krizhevsky 2009) in its binary distribution (<c>cifar-10-binary.tar.gz</c>): files <c>data_batch_1.bin</c>
/// … <c>data_batch_5.bin</c> and <c>test_batch.bin</c>, each a sequence of 3073-byte records (one label byte, then a
/// 32×32 image as the full red plane, then green, then blue, each row-major). Features keep that channel-major order
/// (the layout of a flattened PyTorch CHW tensor), scaled by 1/255, dimension 3072.
/// </summary>
public static class Cifar10
{
    /// <summary>Feature dimension 3·32·32.</summary>
    public const int Dimension = 3 * 32 * 32;
    /// <summary>Bytes per record: label + image.</summary>
    public const int RecordSize = 1 + Dimension;
    /// <summary>Number of classes.</summary>
    public const int Classes = 10;
    /// <summary>Training batch file names, in the order their records are concatenated.</summary>
    public static IReadOnlyList<string> TrainFiles { get; } = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];
    /// <summary>Test batch file name.</summary>
    public const string TestFile = "test_batch.bin";

    /// <summary>
    /// Loads <c>cifar10-train</c> (the five training batches concatenated) and <c>cifar10-test</c> from
    /// <paramref name="folder"/>, or from its <c>cifar-10-batches-bin</c> subfolder (the archive's top folder).
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"CIFAR-10 folder '{Path.GetFullPath(folder)}' does not exist; download cifar-10-binary.tar.gz from " +
                "https://www.cs.toronto.edu/~kriz/cifar.html, extract it and pass the folder (or its cifar-10-batches-bin subfolder) as --data-dir");
        string nested = Path.Combine(folder, "cifar-10-batches-bin");
        if (!File.Exists(Path.Combine(folder, TestFile)) && Directory.Exists(nested)) folder = nested;
        foreach (var f in TrainFiles.Append(TestFile))
            if (!File.Exists(Path.Combine(folder, f)))
                throw new FileNotFoundException(
                    $"CIFAR-10 file '{f}' is missing from '{Path.GetFullPath(folder)}'; download cifar-10-binary.tar.gz from " +
                    "https://www.cs.toronto.edu/~kriz/cifar.html and extract it there", Path.Combine(folder, f));
        return (ReadBatches(TrainFiles.Select(f => Path.Combine(folder, f)).ToArray(), "cifar10-train"),
                ReadBatches([Path.Combine(folder, TestFile)], "cifar10-test"));
    }

    /// <summary>Reads and concatenates binary batch files, validating sizes and labels.</summary>
    public static Dataset ReadBatches(IReadOnlyList<string> paths, string name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (paths.Count == 0) throw new ArgumentException("at least one CIFAR-10 batch file is required", nameof(paths));
        var files = new List<byte[]>(paths.Count);
        long records = 0;
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new FileNotFoundException($"CIFAR-10 batch file '{path}' does not exist", path);
            var bytes = File.ReadAllBytes(path);
            if (bytes.Length == 0 || bytes.Length % RecordSize != 0)
                throw new InvalidDataException(
                    $"CIFAR-10 batch '{path}' has {bytes.Length} bytes, not a positive multiple of the {RecordSize}-byte record " +
                    $"({bytes.Length / RecordSize} whole records and {bytes.Length % RecordSize} extra bytes): truncated or not a binary batch");
            files.Add(bytes);
            records += bytes.Length / RecordSize;
        }
        if (records * Dimension > Array.MaxLength) throw new InvalidDataException($"{records} CIFAR-10 records do not fit in one array");
        var features = new float[records * Dimension];
        var labels = new int[records];
        Span<float> table = stackalloc float[256];
        for (int i = 0; i < 256; i++) table[i] = i / 255f;
        int r = 0;
        for (int f = 0; f < files.Count; f++)
        {
            var bytes = files[f];
            for (int k = 0; k < bytes.Length / RecordSize; k++, r++)
            {
                var record = bytes.AsSpan(k * RecordSize, RecordSize);
                if (record[0] >= Classes)
                    throw new InvalidDataException($"CIFAR-10 batch '{paths[f]}': record {k} has label {record[0]}, expected 0..{Classes - 1}");
                labels[r] = record[0];
                var dst = features.AsSpan(r * Dimension, Dimension);
                for (int j = 0; j < Dimension; j++) dst[j] = table[record[1 + j]];
            }
        }
        return new Dataset(name, features, labels, Dimension, Classes) { ImageShape = new Networks.TensorShape(3, 32, 32) };
    }
}
