using System.Globalization;
using GenBounds.Data;

namespace GenBounds.PacBayes;

/// <summary>Input and label transforms of the PAC-Bayes set-ups (new data sets; the inputs are never modified).</summary>
public static class DataTransforms
{
    /// <summary>
    /// (x − mean)/std on every feature (PBB's MNIST <c>Normalize((0.1307,), (0.3081,))</c>); name <c>…[normalize m,s]</c>.
    /// </summary>
    public static Dataset Normalize(Dataset data, double mean, double std)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (!double.IsFinite(mean) || !(std > 0) || double.IsInfinity(std)) throw new ArgumentOutOfRangeException(nameof(std), std, "normalisation needs a finite mean and a positive finite std");
        var x = new float[data.Features.Length];
        float m = (float)mean, inv = (float)(1 / std);
        for (int i = 0; i < x.Length; i++) x[i] = (data.Features[i] - m) * inv;
        return new Dataset(string.Format(CultureInfo.InvariantCulture, "{0}[normalize {1},{2}]", data.Name, mean, std), x, (int[])data.Labels.Clone(), data.Dimension, data.Classes);
    }

    /// <summary>
    /// Random translations of square images (data augmentation): every image is shifted by (dx, dy) drawn uniformly from
    /// {−k, …, k}², vacated pixels take the image's smallest value (the background). Used only to train a learnt prior,
    /// which may use its split in any way; the bound split is never augmented. Name <c>…[shift k]</c>.
    /// </summary>
    public static Dataset RandomShift(Dataset data, int maxShift, GenBounds.Random.Rng rng)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rng);
        int side = (int)Math.Round(Math.Sqrt(data.Dimension));
        if (side * side != data.Dimension) throw new ArgumentException($"{data.Name}: dimension {data.Dimension} is not a square image");
        if (maxShift < 0 || maxShift >= side) throw new ArgumentOutOfRangeException(nameof(maxShift), maxShift, $"the shift must lie in 0..{side - 1}");
        var x = new float[data.Features.Length];
        for (int i = 0; i < data.Count; i++)
        {
            int dx = rng.NextInt(2 * maxShift + 1) - maxShift, dy = rng.NextInt(2 * maxShift + 1) - maxShift;
            var src = data.Row(i);
            var dst = x.AsSpan(i * data.Dimension, data.Dimension);
            float background = float.PositiveInfinity;
            foreach (float v in src) background = Math.Min(background, v);
            for (int r = 0; r < side; r++)
                for (int c = 0; c < side; c++)
                {
                    int sr = r - dy, sc = c - dx;
                    dst[r * side + c] = sr >= 0 && sr < side && sc >= 0 && sc < side ? src[sr * side + sc] : background;
                }
        }
        return new Dataset($"{data.Name}[shift {maxShift}]", x, (int[])data.Labels.Clone(), data.Dimension, data.Classes);
    }

    /// <summary>
    /// Dziugaite–Roy's binary MNIST (RECALLED in the catalog): label 0 for digits 0–4, 1 for digits 5–9; name
    /// <c>…[binary 0-4 vs 5-9]</c>.
    /// </summary>
    public static Dataset BinaryDigits(Dataset data)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Classes != 10) throw new ArgumentException($"{data.Name} has {data.Classes} classes; the binary task needs the 10 digit classes");
        var y = Array.ConvertAll(data.Labels, l => l < 5 ? 0 : 1);
        return new Dataset(data.Name + "[binary 0-4 vs 5-9]", (float[])data.Features.Clone(), y, data.Dimension, 2);
    }
}
