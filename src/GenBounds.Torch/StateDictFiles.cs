using System.Collections;
using System.Text;
using GenBounds.IO;
using GenBounds.Networks;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace GenBounds.Torch;

/// <summary>The model file formats GenBounds reads and writes.</summary>
public enum ModelFormat
{
    /// <summary>GenBounds' safetensors model file (also PyTorch's <c>safetensors.torch.save_file</c>).</summary>
    Safetensors,
    /// <summary>TorchSharp's <c>Module.save</c> state_dict (<c>.dat</c>).</summary>
    TorchSharp,
    /// <summary>PyTorch's <c>torch.save(model.state_dict(), …)</c> (zip format; <c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</summary>
    PyTorch,
}

/// <summary>
/// State dicts of <c>nn.Sequential</c> modules written by TorchSharp or PyTorch, read as GenBounds networks and written
/// from them. A state_dict holds parameters only: between Linear layers the activation is taken to be ReLU (as for
/// safetensors files), and a network with Conv2d layers needs its architecture (strides, paddings, pooling and the image
/// size are not recorded). TorchSharp's format is parsed here directly (no libtorch needed); PyTorch's pickled zip goes
/// through TorchSharp.PyBridge.
/// </summary>
public static class StateDictFiles
{
    /// <summary>The format of <paramref name="path"/> from its first bytes (zip → PyTorch) and extension (.dat → TorchSharp).</summary>
    public static ModelFormat Detect(string path)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        Span<byte> head = stackalloc byte[4];
        int got;
        using (var f = File.OpenRead(path)) got = f.ReadAtLeast(head, 4, throwOnEndOfStream: false);
        if (got == 4 && head[0] == (byte)'P' && head[1] == (byte)'K' && head[2] == 3 && head[3] == 4) return ModelFormat.PyTorch;
        return ext switch
        {
            ".dat" => ModelFormat.TorchSharp,
            ".pt" or ".pth" or ".bin" => throw new InvalidDataException(
                $"{path}: not a zip archive; only torch.save's zip format (PyTorch ≥ 1.6, the default) can be read, not the legacy pickle-only format"),
            _ => ModelFormat.Safetensors,
        };
    }

    /// <summary>The MLP in a TorchSharp or PyTorch state_dict file (format from <see cref="Detect"/>).</summary>
    public static Mlp Load(string path)
    {
        var (tensors, source) = Read(path);
        return ModelFile.FromStateDict(tensors, source);
    }

    /// <summary>
    /// The network in a TorchSharp or PyTorch state_dict file: of <paramref name="architecture"/> when given (the tensors
    /// must fit it), else the MLP its Linear layers describe; Conv2d weights without an architecture are an error that says
    /// to give one (see <see cref="ModelFile.NetworkFromStateDict"/>).
    /// </summary>
    public static Network LoadNetwork(string path, NetworkArchitecture? architecture = null)
    {
        var (tensors, source) = Read(path);
        return ModelFile.NetworkFromStateDict(tensors, architecture, source);
    }

    private static (IReadOnlyList<SafetensorsTensor> Tensors, string Source) Read(string path) => Detect(path) switch
    {
        ModelFormat.TorchSharp => (ReadTorchSharp(path), $"TorchSharp state_dict '{path}'"),
        ModelFormat.PyTorch => (ReadPyTorch(path), $"PyTorch state_dict '{path}'"),
        _ => throw new ArgumentException($"{path} is a safetensors file; read it with ModelFile.Load"),
    };

    /// <summary>
    /// The tensors of a TorchSharp <c>Module.save</c> file: a LEB128 entry count, then per entry a .NET length-prefixed
    /// UTF-8 name, the ScalarType code, the rank and the dimensions (LEB128 each), and the raw little-endian elements.
    /// </summary>
    public static IReadOnlyList<SafetensorsTensor> ReadTorchSharp(string path)
    {
        InvalidDataException Bad(string message) => new($"TorchSharp state_dict '{path}': {message}");
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        long length = stream.Length;
        var result = new List<SafetensorsTensor>();
        try
        {
            long count = Leb128(reader);
            if (count <= 0 || count > 100_000) throw Bad($"entry count {count} is implausible (not a Module.save file?)");
            for (long e = 0; e < count; e++)
            {
                string name = reader.ReadString();
                long code = Leb128(reader);
                var dtype = code switch
                {
                    0 => SafetensorsDType.U8, 3 => SafetensorsDType.I32, 4 => SafetensorsDType.I64, 5 => SafetensorsDType.F16,
                    6 => SafetensorsDType.F32, 7 => SafetensorsDType.F64, 15 => SafetensorsDType.BF16,
                    _ => throw Bad($"tensor '{name}' has ScalarType {code}, which GenBounds does not read"),
                };
                long rank = Leb128(reader);
                if (rank < 0 || rank > 8) throw Bad($"tensor '{name}' has rank {rank}");
                var shape = new long[rank];
                long elements = 1;
                for (int d = 0; d < rank; d++)
                {
                    shape[d] = Leb128(reader);
                    if (shape[d] < 0 || (shape[d] > 0 && elements > length / shape[d])) throw Bad($"tensor '{name}' has impossible shape");
                    elements *= shape[d];
                }
                long bytes = elements * GenBounds.IO.Safetensors.ElementSize(dtype);
                if (bytes > length - stream.Position) throw Bad($"tensor '{name}' needs {bytes} bytes but the file ends after {length - stream.Position}");
                result.Add(new SafetensorsTensor(name, dtype, shape, reader.ReadBytes((int)bytes)));
            }
        }
        catch (EndOfStreamException) { throw Bad("truncated"); }
        if (stream.Position != length) throw Bad($"{length - stream.Position} bytes after the last tensor (not a Module.save file?)");
        return result;
    }

    private static long Leb128(BinaryReader reader)
    {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            byte b = reader.ReadByte();
            value |= (long)(b & 0x7f) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("LEB128 number longer than 64 bits");
    }

    /// <summary>The tensors of a PyTorch <c>torch.save(state_dict)</c> zip, through TorchSharp.PyBridge (loads libtorch).</summary>
    public static IReadOnlyList<SafetensorsTensor> ReadPyTorch(string path)
    {
        TorchRuntime.EnsureLoaded();
        Hashtable table;
        try { table = PyTorchUnpickler.UnpickleStateDict(path); }
        catch (Exception e) when (e is not IOException and not UnauthorizedAccessException)
        {
            throw new InvalidDataException($"PyTorch state_dict '{path}': cannot be unpickled ({e.GetType().Name}: {e.Message}); " +
                                           "expected torch.save(model.state_dict(), path) of an nn.Sequential", e);
        }
        var result = new List<SafetensorsTensor>();
        try
        {
            foreach (DictionaryEntry entry in table)
            {
                string name = entry.Key as string ?? throw new InvalidDataException($"PyTorch state_dict '{path}': a key is not a string");
                if (entry.Value is not Tensor t)
                    throw new InvalidDataException($"PyTorch state_dict '{path}': '{name}' is a {entry.Value?.GetType().Name ?? "null"}, not a tensor " +
                                                   "(a checkpoint dict? save model.state_dict() itself)");
                var dtype = t.dtype switch
                {
                    ScalarType.Float32 => SafetensorsDType.F32, ScalarType.Float64 => SafetensorsDType.F64,
                    ScalarType.Float16 => SafetensorsDType.F16, ScalarType.BFloat16 => SafetensorsDType.BF16,
                    ScalarType.Int64 => SafetensorsDType.I64, ScalarType.Int32 => SafetensorsDType.I32, ScalarType.Byte => SafetensorsDType.U8,
                    var other => throw new InvalidDataException($"PyTorch state_dict '{path}': '{name}' has dtype {other}"),
                };
                using var c = t.cpu().contiguous();
                result.Add(new SafetensorsTensor(name, dtype, t.shape, c.bytes));
            }
        }
        finally
        {
            foreach (DictionaryEntry entry in table) (entry.Value as Tensor)?.Dispose();
        }
        return result;
    }

    /// <summary>Writes <paramref name="network"/> as a TorchSharp <c>Module.save</c> file (atomically): <c>module.load(path)</c> in TorchSharp reads it.</summary>
    public static void SaveTorchSharp(string path, Mlp network) => SaveTorchSharp(path, network.AsNetwork());

    /// <summary>Writes <paramref name="network"/> as a PyTorch state_dict zip (atomically): <c>model.load_state_dict(torch.load(path))</c> reads it.</summary>
    public static void SavePyTorch(string path, Mlp network) => SavePyTorch(path, network.AsNetwork());

    /// <summary>
    /// Writes any sequential network as a TorchSharp <c>Module.save</c> file (atomically), parameters under their Sequential
    /// indices: <c>module.load(path)</c> reads it into a TorchSharp <c>Sequential</c> with the same modules.
    /// </summary>
    public static void SaveTorchSharp(string path, Network network)
    {
        using var module = TorchConversion.ToTorch(network);
        // Module.save closes the stream it is given; serialise to memory, then write atomically.
        var buffer = new MemoryStream();
        module.save(buffer);
        AtomicFile.WriteAllBytes(path, buffer.ToArray());
    }

    /// <summary>
    /// Writes any sequential network as a PyTorch state_dict zip (atomically): <c>model.load_state_dict(torch.load(path))</c>
    /// reads it into an <c>nn.Sequential</c> with the same modules.
    /// </summary>
    public static void SavePyTorch(string path, Network network)
    {
        using var module = TorchConversion.ToTorch(network);
        var buffer = new MemoryStream();
        module.save_py(buffer, leaveOpen: true);
        AtomicFile.WriteAllBytes(path, buffer.ToArray());
    }
}
