using GenBounds.Data;
using Xunit;

namespace GenBounds.Tests;

public class IdxTests
{
    // Three 2×3 images with pixel values 0, 7, 14, …, and labels 3, 0, 9.
    private static readonly byte[] Pixels = Enumerable.Range(0, 18).Select(i => (byte)(i * 7 % 256)).ToArray();
    private static readonly byte[] LabelBytes = [3, 0, 9];

    private static byte[] ImagesFile() => [0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3, .. Pixels];
    private static byte[] LabelsFile(params byte[] labels) => [0, 0, 8, 1, 0, 0, 0, (byte)labels.Length, .. labels];

    private static Dataset LoadPair(TempFolder t, byte[] images, byte[] labels)
    {
        File.WriteAllBytes(t.File("img"), images);
        File.WriteAllBytes(t.File("lbl"), labels);
        return Idx.Load(t.File("img"), t.File("lbl"), "toy", 10);
    }

    [Fact]
    public void Hand_written_big_endian_files_parse_to_scaled_features_and_labels()
    {
        using var t = new TempFolder();
        var d = LoadPair(t, ImagesFile(), LabelsFile(LabelBytes));
        Assert.Equal((3, 6, 10, "toy"), (d.Count, d.Dimension, d.Classes, d.Name));
        Assert.Equal([3, 0, 9], d.Labels);
        Assert.Equal(Pixels.Select(b => b / 255f), d.Features);
        var raw = Idx.ReadImages(t.File("img"));
        Assert.Equal((3, 2, 3), (raw.Count, raw.Rows, raw.Columns));
    }

    [Fact]
    public void Writers_produce_the_same_bytes_as_the_format_specification()
    {
        using var t = new TempFolder();
        Idx.WriteImages(t.File("img"), 2, 3, Pixels);
        Idx.WriteLabels(t.File("lbl"), LabelBytes);
        Assert.Equal(ImagesFile(), File.ReadAllBytes(t.File("img")));
        Assert.Equal(LabelsFile(LabelBytes), File.ReadAllBytes(t.File("lbl")));
    }

    private static string Failure(Func<byte[], byte[]> corruptImages, Func<byte[], byte[]>? corruptLabels = null)
    {
        using var t = new TempFolder();
        var images = corruptImages(ImagesFile());
        var labels = (corruptLabels ?? (x => x))(LabelsFile(LabelBytes));
        var e = Assert.Throws<InvalidDataException>(() => LoadPair(t, images, labels));
        Assert.Contains(t.Path, e.Message); // names the file
        return e.Message;
    }

    [Fact]
    public void Bad_magic_is_reported()
    {
        var msg = Failure(b => { b[0] = 0x1f; b[1] = 0x8b; return b; });
        Assert.Contains("bad magic", msg);
        Assert.Contains("0x1F8B0803", msg);
    }

    [Fact]
    public void Wrong_dtype_code_is_reported() =>
        Assert.Contains("wrong dtype code 0x0D", Failure(b => { b[2] = 0x0D; return b; }));

    [Fact]
    public void A_labels_file_given_as_images_is_reported_by_its_rank() =>
        Assert.Contains("1 dimensions, expected 3", Failure(_ => LabelsFile(LabelBytes)));

    [Fact]
    public void Truncation_reports_actual_and_expected_bytes()
    {
        var msg = Failure(b => b[..^1]);
        Assert.Contains("truncated", msg);
        Assert.Contains("33 bytes, expected 34", msg);
    }

    [Fact]
    public void A_file_cut_inside_the_header_is_truncated() =>
        Assert.Contains("truncated: 10 bytes", Failure(b => b[..10]));

    [Fact]
    public void Trailing_garbage_is_reported() =>
        Assert.Contains("trailing garbage: 35 bytes, expected 34", Failure(b => [.. b, 0xAA]));

    [Fact]
    public void Image_label_count_mismatch_is_reported() =>
        Assert.Contains("3 images but", Failure(b => b, _ => LabelsFile(1, 2)));

    [Fact]
    public void Label_out_of_range_is_reported_with_its_index() =>
        Assert.Contains("label 10 at index 1", Failure(b => b, _ => LabelsFile(3, 10, 9)));

    [Fact]
    public void Missing_mnist_files_point_to_the_setup_script()
    {
        using var t = new TempFolder();
        var e = Assert.Throws<FileNotFoundException>(() => Mnist.Load(t.Path));
        Assert.Contains("scripts/setup.sh", e.Message);
        Assert.Contains(Mnist.TrainImages, e.Message);
    }

    [Fact]
    public void Real_mnist_has_the_published_sizes_labels_and_pixel_range()
    {
        var (train, test) = Mnist.Load(Mnist.DefaultFolder(Repo.Root));
        Assert.Equal(("mnist-train", 60000, 784, 10), (train.Name, train.Count, train.Dimension, train.Classes));
        Assert.Equal(("mnist-test", 10000, 784, 10), (test.Name, test.Count, test.Dimension, test.Classes));
        Assert.Equal(5, train.Labels[0]);
        Assert.Equal(7, test.Labels[0]);
        // Class frequencies of the original distribution (LeCun et al.).
        Assert.Equal([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949], Histogram(train));
        Assert.Equal([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], Histogram(test));
        foreach (var d in new[] { train, test })
        {
            Assert.Equal(0f, d.Features.Min());
            Assert.Equal(1f, d.Features.Max());
            Assert.All(d.Features.Take(784 * 100), v => Assert.Equal(v, MathF.Round(v * 255f) / 255f));
        }
        Assert.Equal(0f, train.Row(0)[0]); // the border of every MNIST digit is blank
    }

    private static int[] Histogram(Dataset d)
    {
        var h = new int[d.Classes];
        foreach (var y in d.Labels) h[y]++;
        return h;
    }
}
