using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class RngTests
{
    [Fact]
    public void SplitMix64_reproduces_the_published_reference_outputs_for_seed_zero()
    {
        // Reference values of splitmix64.c (Vigna) with x = 0.
        var r = new Rng(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, r.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, r.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, r.NextUInt64());
    }

    [Fact]
    public void Named_streams_depend_only_on_master_seed_and_name()
    {
        var s = new SeedStreams(42);
        var a = s.Stream("init"); a.NextUInt64(); a.NextUInt64();
        Assert.Equal(new SeedStreams(42).Stream("data-order").NextUInt64(), s.Stream("data-order").NextUInt64());
        Assert.NotEqual(s.Stream("init").NextUInt64(), s.Stream("data-order").NextUInt64());
        Assert.NotEqual(new SeedStreams(43).Stream("init").NextUInt64(), s.Stream("init").NextUInt64());
    }

    [Fact]
    public void NextInt_is_uniform_by_a_chi_square_test()
    {
        var r = new Rng(7);
        const int n = 7, draws = 70000;
        var counts = new int[n];
        for (int i = 0; i < draws; i++) counts[r.NextInt(n)]++;
        double e = draws / (double)n, chi2 = counts.Sum(c => (c - e) * (c - e) / e);
        Assert.True(chi2 < 22.46, $"chi² = {chi2} exceeds the 0.999 quantile for 6 degrees of freedom"); // χ²₆(0.999) = 22.46
    }

    [Fact]
    public void Gaussian_samples_have_unit_variance_within_a_99_percent_band()
    {
        var r = new Rng(11);
        var x = new double[200000]; r.FillGaussian(x);
        double mean = x.Average(), var = x.Select(v => (v - mean) * (v - mean)).Sum() / (x.Length - 1);
        Assert.InRange(mean, -2.576 / Math.Sqrt(x.Length), 2.576 / Math.Sqrt(x.Length));
        Assert.InRange(var, 1 - 2.576 * Math.Sqrt(2.0 / x.Length), 1 + 2.576 * Math.Sqrt(2.0 / x.Length));
    }
}
