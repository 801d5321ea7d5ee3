using GenBounds.Data;
using GenBounds.PacBayes;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class DataTransformsTests
{
    [Fact]
    public void Random_shift_translates_each_image_and_fills_with_its_background()
    {
        const int side = 5;
        var x = new float[2 * side * side];
        for (int i = 0; i < x.Length; i++) x[i] = i % 7 == 0 ? 0.9f : 0.1f;
        var data = new Dataset("img", x, [0, 1], side * side, 2);
        Assert.Equal(x, DataTransforms.RandomShift(data, 0, new Rng(1)).Features);
        var rng = new Rng(3);
        var shifted = DataTransforms.RandomShift(data, 2, new Rng(3));
        for (int i = 0; i < 2; i++)
        {
            int dx = rng.NextInt(5) - 2, dy = rng.NextInt(5) - 2;   // the same draws, in the same order
            for (int r = 0; r < side; r++)
                for (int c = 0; c < side; c++)
                {
                    int sr = r - dy, sc = c - dx;
                    float expected = sr is >= 0 and < side && sc is >= 0 and < side ? x[i * 25 + sr * side + sc] : 0.1f;
                    Assert.Equal(expected, shifted.Features[i * 25 + r * side + c]);
                }
        }
        Assert.Equal(data.Labels, shifted.Labels);
        Assert.Throws<ArgumentException>(() => DataTransforms.RandomShift(new Dataset("v", new float[6], [0, 1], 3, 2), 1, new Rng(1)));
    }

    [Fact]
    public void Normalize_and_binary_digits_transform_copies()
    {
        var data = new Dataset("d", [0f, 1f, 0.5f, 0.25f], [3, 7], 2, 10);
        var n = DataTransforms.Normalize(data, 0.5, 0.5);
        Assert.Equal([-1f, 1f, 0f, -0.5f], n.Features);
        Assert.Equal([0f, 1f, 0.5f, 0.25f], data.Features);
        var b = DataTransforms.BinaryDigits(data);
        Assert.Equal([0, 1], b.Labels);
        Assert.Equal(2, b.Classes);
    }
}
