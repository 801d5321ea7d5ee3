using GenBounds.Data;
using Xunit;

namespace GenBounds.Tests;

public class Cifar10Tests
{
    private static byte[] Record(int label, int seed)
    {
        var r = new byte[Cifar10.RecordSize];
        r[0] = (byte)label;
        for (int j = 1; j < r.Length; j++) r[j] = (byte)((j * 31 + seed * 17) % 256);
        return r;
    }

    /// <summary>Batch file b (0..4 train, 5 test) with <c>b + 1</c> records whose labels are (b + k) mod 10.</summary>
    private static byte[] Batch(int b) => Enumerable.Range(0, b + 1).SelectMany(k => Record((b + k) % 10, 10 * b + k)).ToArray();

    private static void WriteAll(string folder)
    {
        Directory.CreateDirectory(folder);
        for (int b = 0; b < 5; b++) File.WriteAllBytes(Path.Combine(folder, Cifar10.TrainFiles[b]), Batch(b));
        File.WriteAllBytes(Path.Combine(folder, Cifar10.TestFile), Batch(5));
    }

    [Fact]
    public void Batches_concatenate_in_order_with_channel_major_features_scaled_by_1_over_255()
    {
        using var t = new TempFolder();
        WriteAll(t.Path);
        var (train, test) = Cifar10.Load(t.Path);
        Assert.Equal(("cifar10-train", 15, 3072, 10), (train.Name, train.Count, train.Dimension, train.Classes));
        Assert.Equal(("cifar10-test", 6), (test.Name, test.Count));
        var expected = Enumerable.Range(0, 5).SelectMany(b => Enumerable.Range(0, b + 1).Select(k => (b, k))).ToArray();
        for (int i = 0; i < train.Count; i++)
        {
            var (b, k) = expected[i];
            var rec = Record((b + k) % 10, 10 * b + k);
            Assert.Equal(rec[0], train.Labels[i]);
            Assert.Equal(rec.Skip(1).Select(v => v / 255f), train.Row(i).ToArray());
        }
        Assert.Equal(Enumerable.Range(0, 6).Select(k => (5 + k) % 10), test.Labels);
    }

    [Fact]
    public void The_archive_top_folder_is_accepted()
    {
        using var t = new TempFolder();
        WriteAll(Path.Combine(t.Path, "cifar-10-batches-bin"));
        Assert.Equal(6, Cifar10.Load(t.Path).Test.Count);
    }

    [Fact]
    public void A_size_that_is_not_a_whole_number_of_records_is_rejected()
    {
        using var t = new TempFolder();
        WriteAll(t.Path);
        var path = Path.Combine(t.Path, "data_batch_2.bin");
        File.WriteAllBytes(path, File.ReadAllBytes(path)[..^5]);
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(t.Path));
        Assert.Contains("data_batch_2.bin", e.Message);
        Assert.Contains("not a positive multiple of the 3073-byte record", e.Message);
        Assert.Contains("3068 extra bytes", e.Message);
    }

    [Fact]
    public void An_empty_batch_is_rejected()
    {
        using var t = new TempFolder();
        WriteAll(t.Path);
        File.WriteAllBytes(Path.Combine(t.Path, Cifar10.TestFile), []);
        Assert.Contains("has 0 bytes", Assert.Throws<InvalidDataException>(() => Cifar10.Load(t.Path)).Message);
    }

    [Fact]
    public void A_label_of_10_or_more_is_rejected_with_its_record()
    {
        using var t = new TempFolder();
        WriteAll(t.Path);
        var path = Path.Combine(t.Path, "data_batch_3.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[2 * Cifar10.RecordSize] = 10;
        File.WriteAllBytes(path, bytes);
        var e = Assert.Throws<InvalidDataException>(() => Cifar10.Load(t.Path));
        Assert.Contains("data_batch_3.bin': record 2 has label 10", e.Message);
    }

    [Fact]
    public void A_missing_batch_is_named()
    {
        using var t = new TempFolder();
        WriteAll(t.Path);
        File.Delete(Path.Combine(t.Path, "data_batch_4.bin"));
        var e = Assert.Throws<FileNotFoundException>(() => Cifar10.Load(t.Path));
        Assert.Contains("data_batch_4.bin", e.Message);
        Assert.Contains("cifar-10-binary.tar.gz", e.Message);
    }
}
