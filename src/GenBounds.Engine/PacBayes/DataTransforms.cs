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
