using GenBounds.Random;

namespace GenBounds.Data;

/// <summary>Synthetic data sets with a known generating distribution (for tests and sweep examples).</summary>
public static class Synthetic
{
    /// <summary>
    /// k Gaussian blobs in [0, 1]^d: class c has mean 0.5 + s·e_c/ (unit vectors cycled over the coordinates, scaled by
    /// <paramref name="separation"/>·0.1) and isotropic noise of std 0.1; inputs are clamped to [0, 1]; each label is
    /// replaced by a uniform class with probability <paramref name="labelNoise"/>. Name <c>blobs(n,d,k)</c>.
    /// </summary>
    public static Dataset Blobs(int count, int dimension, int classes, double separation, double labelNoise, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (count < 1 || dimension < 1 || classes < 2) throw new ArgumentOutOfRangeException(nameof(count), "need n ≥ 1, d ≥ 1 and k ≥ 2");
        if (!(labelNoise >= 0 && labelNoise <= 1)) throw new ArgumentOutOfRangeException(nameof(labelNoise), labelNoise, "label noise must lie in [0, 1]");
        var x = new float[count * dimension];
        var y = new int[count];
        for (int i = 0; i < count; i++)
        {
            int c = rng.NextInt(classes);
            for (int j = 0; j < dimension; j++)
                x[i * dimension + j] = (float)Math.Clamp(0.5 + 0.1 * rng.NextGaussian() + (j % classes == c ? 0.1 * separation : 0), 0, 1);
            y[i] = rng.NextDouble() < labelNoise ? rng.NextInt(classes) : c;
        }
        return new Dataset($"blobs({count},{dimension},{classes})", x, y, dimension, classes);
    }
}
