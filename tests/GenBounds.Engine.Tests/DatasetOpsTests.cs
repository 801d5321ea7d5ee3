using GenBounds.Data;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class DatasetOpsTests
{
    /// <summary>n samples whose single feature is the sample's original index, so results can be traced back.</summary>
    private static Dataset Indexed(int n, Func<int, int>? label = null) =>
        new("toy", Enumerable.Range(0, n).Select(i => (float)i).ToArray(), Enumerable.Range(0, n).Select(label ?? (i => i % 10)).ToArray(), 1, 10);

    private static int[] Ids(Dataset d) => d.Features.Select(f => (int)f).ToArray();

    [Fact]
    public void Take_keeps_the_first_samples()
    {
        var d = Indexed(50).Take(7);
        Assert.Equal(Enumerable.Range(0, 7), Ids(d));
        Assert.Equal("toy[take 7]", d.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => Indexed(5).Take(6));
    }

    [Fact]
    public void Subset_is_deterministic_distinct_and_in_original_order()
    {
        var data = Indexed(1000);
        var a = data.Subset(100, new Rng(1));
        Assert.Equal(Ids(a), Ids(data.Subset(100, new Rng(1))));
        Assert.NotEqual(Ids(a), Ids(data.Subset(100, new Rng(2))));
        Assert.Equal(100, Ids(a).Distinct().Count());
        Assert.Equal(Ids(a).Order(), Ids(a));
        Assert.Equal(Ids(a).Select(i => i % 10), a.Labels);
        Assert.Equal("toy[subset 100]", a.Name);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Subset(1001, new Rng(1)));
    }

    [Fact]
    public void Subset_includes_every_sample_with_equal_probability()
    {
        const int n = 20, k = 5, reps = 20000;
        var counts = new int[n];
        var rng = new Rng(3);
        var data = Indexed(n);
        for (int r = 0; r < reps; r++) foreach (int i in Ids(data.Subset(k, rng))) counts[i]++;
        double mean = reps * (double)k / n, sd = Math.Sqrt(reps * (k / (double)n) * (1 - k / (double)n));
        // 4.5 sd per index keeps the family-wise false-alarm rate over 20 indices below 1e-4.
        Assert.All(counts, c => Assert.InRange(c, mean - 4.5 * sd, mean + 4.5 * sd));
    }

    [Theory]
    [InlineData(1000, 0.05, 50)]
    [InlineData(10, 0.25, 3)]    // 2.5 rounds away from zero
    [InlineData(7, 0.5, 4)]
    [InlineData(60000, 0.05, 3000)]
    public void Split_parts_are_disjoint_covering_and_of_exact_size(int n, double fraction, int expectedFirst)
    {
        var (first, second) = Indexed(n).Split(fraction, new Rng(11));
        Assert.Equal(expectedFirst, first.Count);
        Assert.Equal(n - expectedFirst, second.Count);
        Assert.Empty(Ids(first).Intersect(Ids(second)));
        Assert.Equal(Enumerable.Range(0, n), Ids(first).Concat(Ids(second)).Order());
        Assert.Equal(Ids(first).Order(), Ids(first));
        Assert.Equal(FormattableString.Invariant($"toy[split {fraction:R} #0]"), first.Name);
        Assert.Equal(FormattableString.Invariant($"toy[split {fraction:R} #1]"), second.Name);
    }

    [Fact]
    public void Split_is_deterministic_per_seed()
    {
        var data = Indexed(500);
        Assert.Equal(Ids(data.Split(0.1, new Rng(5)).First), Ids(data.Split(0.1, new Rng(5)).First));
        Assert.NotEqual(Ids(data.Split(0.1, new Rng(5)).First), Ids(data.Split(0.1, new Rng(6)).First));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(double.NaN)]
    [InlineData(0.01)] // round(0.01·20) = 0 leaves the first part empty
    public void Split_rejects_fractions_that_leave_an_empty_part(double fraction) =>
        Assert.ThrowsAny<ArgumentException>(() => Indexed(20).Split(fraction, new Rng(1)));

    [Fact]
    public void Stratified_split_takes_each_class_share_and_the_exact_total()
    {
        var data = Indexed(1000); // 100 samples per class
        var (first, second) = data.StratifiedSplit(0.05, new Rng(9));
        Assert.Equal(50, first.Count);
        Assert.All(Enumerable.Range(0, 10), c => Assert.Equal(5, first.Labels.Count(y => y == c)));
        Assert.Empty(Ids(first).Intersect(Ids(second)));
        Assert.Equal(1000, first.Count + second.Count);
        Assert.Equal("toy[stratified-split 0.05 #0]", first.Name);
        Assert.NotEqual(Ids(first), Ids(data.StratifiedSplit(0.05, new Rng(10)).First));
    }

    [Fact]
    public void Stratified_split_gives_the_leftover_sample_to_the_largest_remainder()
    {
        // Class 0 has 7 samples, class 1 has 13: half of each is 3.5 and 6.5, and round(0.5·20) = 10 = 3 + 6 + 1.
        var data = Indexed(20, i => i < 7 ? 0 : 1);
        var (first, _) = data.StratifiedSplit(0.5, new Rng(4));
        Assert.Equal(10, first.Count);
        Assert.Equal(4, first.Labels.Count(y => y == 0)); // tie on the remainder: the smaller class index wins
        Assert.Equal(6, first.Labels.Count(y => y == 1));
    }

    [Fact]
    public void Random_labels_with_p_zero_change_nothing_and_p_one_redraws_everything()
    {
        var data = Indexed(1000);
        var (same, replaced0, changed0) = data.WithRandomLabels(0, new Rng(1));
        Assert.Equal((0, 0), (replaced0, changed0));
        Assert.Equal(data.Labels, same.Labels);
        var (all, replaced1, changed1) = data.WithRandomLabels(1, new Rng(1));
        Assert.Equal(1000, replaced1);
        Assert.Equal(data.Labels.Zip(all.Labels).Count(p => p.First != p.Second), changed1);
        Assert.Equal(data.Features, all.Features);
        Assert.NotSame(data.Features, all.Features);
        Assert.Equal("toy[random-labels 1]", all.Name);
    }

    [Fact]
    public void Random_label_counts_lie_in_the_binomial_999_band_and_are_uniform()
    {
        const int n = 20000;
        const double p = 0.3;
        var data = Indexed(n);
        var (noisy, replaced, changed) = data.WithRandomLabels(p, new Rng(77));
        Assert.Equal(data.Labels.Zip(noisy.Labels).Count(x => x.First != x.Second), changed);
        // z = 3.29 is the two-sided 99.9% normal quantile; n is large enough for the normal approximation.
        Assert.InRange(replaced, n * p - 3.29 * Math.Sqrt(n * p * (1 - p)), n * p + 3.29 * Math.Sqrt(n * p * (1 - p)));
        double q = p * 0.9;
        Assert.InRange(changed, n * q - 3.29 * Math.Sqrt(n * q * (1 - q)), n * q + 3.29 * Math.Sqrt(n * q * (1 - q)));

        var fully = data.WithRandomLabels(1, new Rng(78)).Data;
        var counts = new int[10];
        foreach (var y in fully.Labels) counts[y]++;
        double e = n / 10.0, chi2 = counts.Sum(c => (c - e) * (c - e) / e);
        Assert.True(chi2 < 27.88, $"chi² = {chi2} exceeds the 0.999 quantile for 9 degrees of freedom");
    }

    [Fact]
    public void Random_labels_are_deterministic_and_coupled_across_probabilities()
    {
        var data = Indexed(5000);
        var a = data.WithRandomLabels(0.2, new Rng(8)).Data;
        Assert.Equal(a.Labels, data.WithRandomLabels(0.2, new Rng(8)).Data.Labels);
        Assert.NotEqual(a.Labels, data.WithRandomLabels(0.2, new Rng(9)).Data.Labels);
        var b = data.WithRandomLabels(0.5, new Rng(8)).Data;
        for (int i = 0; i < data.Count; i++)
            if (a.Labels[i] != data.Labels[i]) Assert.Equal(a.Labels[i], b.Labels[i]);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.WithRandomLabels(1.5, new Rng(1)));
    }
}
