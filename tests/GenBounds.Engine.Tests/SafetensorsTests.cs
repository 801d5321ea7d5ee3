using System.Buffers.Binary;
using System.Text;
using GenBounds.IO;
using Xunit;

namespace GenBounds.Tests;

public class SafetensorsTests
{
    private static SafetensorsTensor Raw(string name, SafetensorsDType dtype, long[] shape, params byte[] data) => new(name, dtype, shape, data);

    private static SafetensorsFile AllDTypes() => new(
    [
        SafetensorsTensor.FromSingle("w", [2, 2], [1.5f, -0f, float.Epsilon, float.NaN]),
        SafetensorsTensor.FromDouble("d", [3], [Math.PI, -1e300, 0.1]),
        SafetensorsTensor.FromInt64("steps", [], [long.MinValue]),
        Raw("half", SafetensorsDType.F16, [2], 0x00, 0x3C, 0x00, 0xC0),          // 1.0, −2.0
        Raw("brain", SafetensorsDType.BF16, [2], 0x80, 0x3F, 0x49, 0x40),        // 1.0, 3.140625
        Raw("idx", SafetensorsDType.I32, [2], 0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0), // −1, 7
        Raw("mask", SafetensorsDType.U8, [1, 3], 0, 128, 255),
        Raw("empty", SafetensorsDType.F32, [0, 5]),
    ], new Dictionary<string, string> { ["format"] = "pt", ["note"] = "quote \" backslash \\ newline \n tab \t bell \u0007 θ é" });

    private static (string Json, int Length) Header(byte[] file)
    {
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, n), n);
    }

    [Fact]
    public void Every_dtype_round_trips_bit_for_bit_with_metadata()
    {
        using var t = new TempFolder();
        var original = AllDTypes();
        Safetensors.Write(t.File("a.safetensors"), original);
        var read = Safetensors.Read(t.File("a.safetensors"));
        Assert.Equal(original.Metadata, read.Metadata);
        Assert.Equal(original.Tensors.Select(x => x.Name), read.Tensors.Select(x => x.Name));
        foreach (var a in original.Tensors)
        {
            var b = read[a.Name];
            Assert.Equal(a.DType, b.DType);
            Assert.Equal(a.Shape, b.Shape);
            Assert.True(a.Data.SequenceEqual(b.Data), a.Name);
        }
        Assert.Equal([1f, -2f], read["half"].ToSingle());
        Assert.Equal([1f, 3.140625f], read["brain"].ToSingle());
        Assert.Equal([-1L, 7L], read["idx"].ToInt64());
        Assert.Equal([0L, 128L, 255L], read["mask"].ToInt64());
        Assert.Equal([long.MinValue], read["steps"].ToInt64());
        Assert.Equal([Math.PI, -1e300, 0.1], read["d"].ToDouble());
        Assert.Equal(BitConverter.SingleToInt32Bits(-0f), BitConverter.SingleToInt32Bits(read["w"].ToSingle()[1]));
        Assert.Empty(read["empty"].ToSingle());
        Assert.Throws<InvalidOperationException>(() => read["idx"].ToSingle());
        Assert.Throws<InvalidOperationException>(() => read["w"].ToInt64());
        Assert.Equal(File.ReadAllBytes(t.File("a.safetensors")), Safetensors.Serialize(read));
    }

    [Fact]
    public void Header_is_compact_json_padded_with_spaces_to_a_multiple_of_8()
    {
        for (int len = 1; len <= 12; len++)
        {
            var file = Safetensors.Serialize(new SafetensorsFile([SafetensorsTensor.FromSingle(new string('x', len), [1], [1f])]));
            var (json, n) = Header(file);
            Assert.Equal(0, (8 + n) % 8);
            string trimmed = json.TrimEnd(' ');
            Assert.True(json.Length - trimmed.Length < 8);
            Assert.Equal($"{{\"{new string('x', len)}\":{{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}}}", trimmed);
            Assert.Equal(8 + n + 4, file.Length);
        }
    }

    [Fact]
    public void Tensors_are_laid_out_by_descending_dtype_alignment_then_name()
    {
        var file = new SafetensorsFile(
        [
            Raw("b", SafetensorsDType.U8, [1], 1),
            SafetensorsTensor.FromSingle("a", [1], [2f]),
            SafetensorsTensor.FromInt64("c", [1], [3]),
            SafetensorsTensor.FromDouble("z", [1], [4]),
            SafetensorsTensor.FromSingle("B", [1], [5f]),
            Raw("h", SafetensorsDType.BF16, [1], 0, 0),
            Raw("g", SafetensorsDType.F16, [1], 0, 0),
            Raw("i", SafetensorsDType.I32, [1], 0, 0, 0, 0),
        ]);
        // The Rust crate's Dtype order: … U8 < F16 < BF16 < I32 < F32 < F64 < I64; uppercase sorts before lowercase.
        string[] expected = ["c", "z", "B", "a", "i", "h", "g", "b"];
        Assert.Equal(expected, file.Tensors.Select(x => x.Name));
        var (json, _) = Header(Safetensors.Serialize(file));
        var positions = expected.Select(name => json.IndexOf($"\"{name}\":", StringComparison.Ordinal)).ToArray();
        Assert.Equal(positions.Order(), positions);
        Assert.Contains("\"c\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}", json);
        Assert.Contains("\"z\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[8,16]}", json);
        Assert.Contains("\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[32,33]}", json);
    }

    [Fact]
    public void Output_matches_the_published_test_vectors_of_the_rust_crate()
    {
        // safetensors/src/tensor.rs tests: test_empty (with and without metadata) and test_serialization.
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, .. "{}      "u8], Safetensors.Serialize(new SafetensorsFile([])));
        Assert.Equal([40, 0, 0, 0, 0, 0, 0, 0, .. "{\"__metadata__\":{\"framework\":\"pt\"}}     "u8],
            Safetensors.Serialize(new SafetensorsFile([], new Dictionary<string, string> { ["framework"] = "pt" })));
        var attn = SafetensorsTensor.FromSingle("attn.0", [1, 2, 3], [0f, 1f, 2f, 3f, 4f, 5f]);
        byte[] expected = [64, 0, 0, 0, 0, 0, 0, 0, .. "{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"u8,
            0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];
        Assert.Equal(expected, Safetensors.Serialize(new SafetensorsFile([attn])));
    }

    [Fact]
    public void The_committed_pytorch_fixture_is_reproduced_byte_for_byte()
    {
        var path = Path.Combine(Repo.Root, "tests", "GenBounds.Engine.Tests", "fixtures", "torch_sequential.safetensors");
        var read = Safetensors.Read(path);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt" }, read.Metadata);
        Assert.Equal(["0.bias", "0.weight", "2.bias", "2.weight"], read.Tensors.Select(x => x.Name));
        Assert.Equal(File.ReadAllBytes(path), Safetensors.Serialize(new SafetensorsFile(read.Tensors.Reverse(), read.Metadata)));
    }

    // Corrupt files: a header (padded to 8 bytes as writers do) followed by dataBytes zero bytes, or raw bytes.
    private static byte[] FileBytes(string header, int dataBytes, ulong? declaredLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        h = [.. h, .. Enumerable.Repeat((byte)' ', (8 - h.Length % 8) % 8)];
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, declaredLength ?? (ulong)h.Length);
        return [.. prefix, .. h, .. new byte[dataBytes]];
    }

    private static string Rejection(string header, int dataBytes, ulong? declaredLength = null) => Rejection(FileBytes(header, dataBytes, declaredLength));

    private static string Rejection(byte[] bytes)
    {
        using var t = new TempFolder();
        File.WriteAllBytes(t.File("bad.safetensors"), bytes);
        var e = Assert.Throws<InvalidDataException>(() => Safetensors.Read(t.File("bad.safetensors")));
        Assert.Contains("bad.safetensors", e.Message);
        return e.Message;
    }

    private const string Good = "{\"t\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";

    [Fact]
    public void A_well_formed_hand_written_file_is_accepted()
    {
        using var t = new TempFolder();
        File.WriteAllBytes(t.File("ok.safetensors"), FileBytes(Good, 16));
        Assert.Equal([2L, 2L], Safetensors.Read(t.File("ok.safetensors"))["t"].Shape);
    }

    [Fact] public void Too_short_for_the_length_prefix() => Assert.Contains("shorter than the 8-byte", Rejection([1, 2, 3]));
    [Fact] public void Header_longer_than_the_file() => Assert.Contains("header length 4096 is larger than the file", Rejection(Good, 16, 4096));
    [Fact] public void Header_beyond_100_MB() => Assert.Contains("exceeds the 100000000-byte (100 MB) limit", Rejection(Good, 16, 200_000_000));
    [Fact] public void Header_not_utf8() => Assert.Contains("not valid UTF-8", Rejection([8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', 0xFF, 0xFE, (byte)'}', 32, 32, 32, 32]));
    [Fact] public void Header_not_json() => Assert.Contains("not valid JSON", Rejection("{\"t\":", 0));
    [Fact] public void Header_not_an_object() => Assert.Contains("does not start with '{'", Rejection("[1,2]", 0));
    [Fact] public void Unknown_dtype() => Assert.Contains("unknown or unsupported dtype 'Q7'", Rejection(Good.Replace("F32", "Q7"), 16));
    [Fact] public void Unsupported_safetensors_dtype() => Assert.Contains("dtype 'BOOL'", Rejection(Good.Replace("F32", "BOOL"), 16));
    [Fact] public void Offsets_inconsistent_with_shape() => Assert.Contains("spanning 12 bytes, but shape [2,2] of F32 needs 16 bytes", Rejection(Good.Replace("16]", "12]"), 12));
    [Fact] public void Negative_shape() => Assert.Contains("not a non-negative integer", Rejection(Good.Replace("[2,2]", "[-2,2]"), 16));
    [Fact] public void Metadata_values_must_be_strings() => Assert.Contains("must be a string", Rejection("{\"__metadata__\":{\"epoch\":3}}", 0));
    [Fact] public void Duplicate_names() => Assert.Contains("lists 't' twice", Rejection("{\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"t\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}", 2));

    [Fact]
    public void Overlapping_offsets() => Assert.Contains("'b' [4,12] overlaps tensor 'a', which ends at 8", Rejection(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));

    [Fact]
    public void Gap_between_tensors() => Assert.Contains("not contiguous: tensor 'b' begins at 12 but tensor 'a' ends at 8", Rejection(
        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}", 20));

    [Fact]
    public void Trailing_bytes_after_the_last_tensor() => Assert.Contains("data buffer is 20 bytes but the tensors cover 16 bytes (trailing", Rejection(Good, 20));

    [Fact]
    public void Truncated_data_buffer() => Assert.Contains("data buffer is 10 bytes but the tensors cover 16 bytes (file truncated)", Rejection(Good, 10));

    [Fact]
    public void Tensor_construction_checks_the_byte_count()
    {
        var e = Assert.Throws<ArgumentException>(() => Raw("x", SafetensorsDType.F32, [3], 1, 2, 3, 4));
        Assert.Contains("4 bytes do not match shape [3] of F32 (12 bytes)", e.Message);
        Assert.Throws<ArgumentException>(() => new SafetensorsFile([SafetensorsTensor.FromSingle("x", [1], [1f]), SafetensorsTensor.FromSingle("x", [1], [2f])]));
        Assert.Throws<ArgumentException>(() => SafetensorsTensor.FromSingle("__metadata__", [1], [1f]));
    }

    [Fact]
    public void A_failing_write_keeps_the_old_file_and_leaves_no_temporary()
    {
        using var t = new TempFolder();
        var path = t.File("m.safetensors");
        AtomicFile.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<IOException>(() => AtomicFile.Write(path, s => { s.Write(new byte[100_000]); throw new IOException("disk full (simulated)"); }));
        Assert.Equal("disk full (simulated)", e.Message);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(t.Path));

        IEnumerable<SafetensorsTensor> Failing() { yield return SafetensorsTensor.FromSingle("a", [1], [1f]); throw new InvalidOperationException("trainer crashed"); }
        Assert.Throws<InvalidOperationException>(() => Safetensors.Write(path, Failing()));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));

        Safetensors.Write(path, AllDTypes());
        Assert.Equal(Safetensors.Serialize(AllDTypes()), File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(t.Path));
    }
}
