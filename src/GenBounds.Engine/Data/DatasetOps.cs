using System.Globalization;
using GenBounds.Random;

namespace GenBounds.Data;

/// <summary>
/// Deterministic operations on data sets: the result depends only on the input and the state of the <see cref="Rng"/>
/// passed in (by convention the <see cref="SeedStreams.Names.Data"/> stream). Every result keeps the original sample order
/// (selected indices are sorted), so two parts of a split read like filters of the original file, and its name records the
/// operation, e.g. <c>mnist-train[split 0.05 #0]</c>. Features are always copied, never shared.
/// </summary>
public static class DatasetOps
{
    /// <summary>The first <paramref name="count"/> samples; name <c>…[take n]</c>.</summary>
    public static Dataset Take(this Dataset data, int count)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (count < 0 || count > data.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"cannot take {count} of the {data.Count} samples of {data.Name}");
        return data.Select(Enumerable.Range(0, count).ToArray(), $"{data.Name}[take {count}]");
    }

    /// <summary>
    /// A uniformly random subset of <paramref name="count"/> distinct samples (partial Fisher–Yates, <paramref name="count"/>
    /// draws), in their original order; name <c>…[subset n]</c>.
    /// </summary>
    public static Dataset Subset(this Dataset data, int count, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rng);
        if (count < 0 || count > data.Count)
            throw new ArgumentOutOfRangeException(nameof(count), count, $"cannot draw {count} of the {data.Count} samples of {data.Name}");
        var chosen = SampleIndices(data.Count, count, rng);
        Array.Sort(chosen);
        return data.Select(chosen, $"{data.Name}[subset {count}]");
    }

    /// <summary>
    /// Splits uniformly at random into a first part of exactly round(<paramref name="fraction"/>·n) samples (half away from
    /// zero) and a second part with the rest: disjoint, together covering the set, each in original order. This is the
    /// prior/bound split of PAC-Bayes bounds with data-dependent priors (e.g. fraction 0.05). Names <c>…[split f #0]</c>
    /// and <c>…[split f #1]</c>. Both parts must be non-empty.
    /// </summary>
    public static (Dataset First, Dataset Second) Split(this Dataset data, double fraction, Rng rng)
    {
        int k = SplitSize(data, fraction, rng);
        var inFirst = new bool[data.Count];
        foreach (int i in SampleIndices(data.Count, k, rng)) inFirst[i] = true;
        return Parts(data, inFirst, $"split {F(fraction)}");
    }

    /// <summary>
    /// Like <see cref="Split"/>, but each class contributes its own share: class c with n_c samples gives ⌊f·n_c⌋ or
    /// ⌈f·n_c⌉ samples to the first part (largest remainders get the extra sample, ties to the smaller class index), so that
    /// the first part still has exactly round(f·n) samples and the class proportions of both parts match the original as
    /// closely as integers allow. Names <c>…[stratified-split f #0]</c>, <c>#1</c>.
    /// </summary>
    public static (Dataset First, Dataset Second) StratifiedSplit(this Dataset data, double fraction, Rng rng)
    {
        int k = SplitSize(data, fraction, rng);
        var byClass = new List<int>[data.Classes];
        for (int c = 0; c < data.Classes; c++) byClass[c] = [];
        for (int i = 0; i < data.Count; i++) byClass[data.Labels[i]].Add(i);
        var quota = new int[data.Classes];
        var remainder = new double[data.Classes];
        for (int c = 0; c < data.Classes; c++)
        {
            double q = fraction * byClass[c].Count;
            quota[c] = (int)Math.Floor(q);
            remainder[c] = q - quota[c];
        }
        int missing = k - quota.Sum();
        foreach (int c in Enumerable.Range(0, data.Classes).OrderByDescending(c => remainder[c]).ThenBy(c => c))
        {
            if (missing <= 0) break;
            if (quota[c] < byClass[c].Count) { quota[c]++; missing--; }
        }
        var inFirst = new bool[data.Count];
        for (int c = 0; c < data.Classes; c++)
        {
            var members = byClass[c];
            foreach (int j in SampleIndices(members.Count, quota[c], rng)) inFirst[members[j]] = true;
        }
        return Parts(data, inFirst, $"stratified-split {F(fraction)}");
    }

    /// <summary>
    /// The corrupted-label experiment of Zhang et al. (2017, "Understanding deep learning requires rethinking
    /// generalization"): independently for each sample, with probability <paramref name="probability"/> the label is
    /// replaced by a class drawn uniformly from all classes (so it may coincide with the original; p = 1 gives fully random
    /// labels). Features are copied unchanged. With one seed, the samples redrawn at p are a subset of those redrawn at any
    /// larger p, with the same new labels. Returns the new set (name <c>…[random-labels p]</c>), how many labels were
    /// redrawn (≈ Binomial(n, p)) and how many actually changed (≈ Binomial(n, p·(K−1)/K)).
    /// </summary>
    public static (Dataset Data, int Replaced, int Changed) WithRandomLabels(this Dataset data, double probability, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(probability >= 0 && probability <= 1))
            throw new ArgumentOutOfRangeException(nameof(probability), probability, "the corruption probability must lie in [0, 1]");
        var labels = (int[])data.Labels.Clone();
        int replaced = 0, changed = 0;
        for (int i = 0; i < labels.Length; i++)
        {
            // Both draws happen for every sample, so for one seed the samples redrawn at p are a subset of those redrawn at
            // any p' > p, with the same new labels: a sweep over p corrupts progressively, as in the original experiment.
            double u = rng.NextDouble();
            int y = rng.NextInt(data.Classes);
            if (u >= probability) continue;
            replaced++;
            if (y != labels[i]) changed++;
            labels[i] = y;
        }
        var result = new Dataset($"{data.Name}[random-labels {F(probability)}]", (float[])data.Features.Clone(), labels, data.Dimension, data.Classes) { ImageShape = data.ImageShape };
        return (result, replaced, changed);
    }

    private static int SplitSize(Dataset data, double fraction, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(fraction > 0 && fraction < 1))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the split fraction must lie strictly between 0 and 1");
        int k = (int)Math.Round(fraction * data.Count, MidpointRounding.AwayFromZero);
        if (k == 0 || k == data.Count)
            throw new ArgumentException($"splitting the {data.Count} samples of {data.Name} at fraction {F(fraction)} leaves an empty part", nameof(fraction));
        return k;
    }

    /// <summary>k distinct indices from 0..n−1, uniformly (the first k positions of a partial Fisher–Yates shuffle).</summary>
    private static int[] SampleIndices(int n, int k, Rng rng)
    {
        var pool = new int[n];
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < k; i++)
        {
            int j = i + rng.NextInt(n - i);
            (pool[i], pool[j]) = (pool[j], pool[i]);
        }
        return pool[..k];
    }

    private static (Dataset, Dataset) Parts(Dataset data, bool[] inFirst, string op)
    {
        var first = new List<int>();
        var second = new List<int>();
        for (int i = 0; i < inFirst.Length; i++) (inFirst[i] ? first : second).Add(i);
        return (data.Select(first.ToArray(), $"{data.Name}[{op} #0]"), data.Select(second.ToArray(), $"{data.Name}[{op} #1]"));
    }

    private static string F(double x) => x.ToString("R", CultureInfo.InvariantCulture);
}
