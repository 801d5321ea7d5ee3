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

    [Fact]
    public void FillGaussian_equals_Box_Muller_with_separate_cos_and_sin_calls()
    {
        // The reference is the plain formula on the same uniform pairs; FillGaussian's sincos must give the same bits.
        var r = new Rng(12); var u = new Rng(12);
        var x = new double[400001]; r.FillGaussian(x);
        var f = new float[1001]; var rf = new Rng(13); rf.FillGaussian(f, 0.5, 2.0); var uf = new Rng(13);
        for (int i = 0; i + 1 < x.Length; i += 2)
        {
            double u1 = 1.0 - u.NextDouble(), u2 = u.NextDouble(), rad = Math.Sqrt(-2.0 * Math.Log(u1)), t = 2.0 * Math.PI * u2;
            Assert.Equal(rad * Math.Cos(t), x[i]);
            Assert.Equal(rad * Math.Sin(t), x[i + 1]);
        }
        Assert.Equal(u.NextGaussian(), x[^1]);
        for (int i = 0; i + 1 < f.Length; i += 2)
        {
            double u1 = 1.0 - uf.NextDouble(), u2 = uf.NextDouble(), rad = Math.Sqrt(-2.0 * Math.Log(u1)), t = 2.0 * Math.PI * u2;
            Assert.Equal((float)(0.5 + 2.0 * rad * Math.Cos(t)), f[i]);
            Assert.Equal((float)(0.5 + 2.0 * rad * Math.Sin(t)), f[i + 1]);
        }
        Assert.Equal(r.NextUInt64(), u.NextUInt64());
    }

    [Theory]
    [InlineData(200_000, 2)]
    [InlineData(200_001, 2)]
    [InlineData(131_071, 3)]
    [InlineData(99_999, 7)]
    [InlineData(1_000, 4)]
    public void A_parallel_Gaussian_fill_is_bit_identical_to_the_sequential_one_and_leaves_the_same_stream_position(int length, int threads)
    {
        var seq = new Rng(21); var par = new Rng(21);
        seq.NextUInt64(); par.NextUInt64();
        var a = new double[length]; var b = new double[length];
        seq.FillGaussian(a); par.FillGaussian(b, threads);
        Assert.Equal(a, b);
        Assert.Equal(seq.NextUInt64(), par.NextUInt64());
    }

    [Theory]
    [InlineData(21UL)] [InlineData(22UL)]
    public void Ziggurat_samples_pass_Kolmogorov_Smirnov_against_the_normal_cdf_and_hit_the_tail_at_its_rate(ulong seed)
    {
        var x = new double[4_000_000];
        new Rng(seed).FillGaussianZiggurat(x);
        // The tail beyond R = 3.4426 (the ziggurat's base strip) and the body beyond 1 and 2: counts within 99.9% z-bands.
        foreach (double c in new[] { 1.0, 2.0, 3.442619855899, 4.0 })
        {
            double p = 2 * (1 - MathNet.Numerics.Distributions.Normal.CDF(0, 1, c));
            double expected = p * x.Length, count = x.Count(v => Math.Abs(v) > c);
            Assert.True(Math.Abs(count - expected) <= 3.29 * Math.Sqrt(expected * (1 - p)), $"|Z| > {c}: {count} vs {expected:F1}");
        }
        double d = KsDistance(x);
        Assert.True(d < 1.95 / Math.Sqrt(x.Length), $"KS distance {d:E3} above the 0.1% critical value");   // α = 0.001
        double mean = x.Average(), var = x.Select(v => (v - mean) * (v - mean)).Sum() / (x.Length - 1);
        Assert.InRange(mean, -3.29 / Math.Sqrt(x.Length), 3.29 / Math.Sqrt(x.Length));
        Assert.InRange(var, 1 - 3.29 * Math.Sqrt(2.0 / x.Length), 1 + 3.29 * Math.Sqrt(2.0 / x.Length));
    }

    [Fact]
    public void The_Kolmogorov_Smirnov_check_rejects_normals_with_a_one_percent_wrong_scale()
    {
        // The same statistic as above must see a 1% scale error (the size of a wrong strip table), or it proves nothing.
        var x = new double[4_000_000];
        new Rng(21).FillGaussianZiggurat(x);
        double d = KsDistance(x.Select(v => 1.01 * v).ToArray());
        Assert.True(d >= 1.95 / Math.Sqrt(x.Length), $"KS distance {d:E3} missed a 1% scale error");
    }

    /// <summary>sup |F_n − Φ| of a sample.</summary>
    private static double KsDistance(double[] sample)
    {
        var s = sample.Order().ToArray();
        double d = 0;
        for (int i = 0; i < s.Length; i++)
        {
            double f = MathNet.Numerics.Distributions.Normal.CDF(0, 1, s[i]);
            d = Math.Max(d, Math.Max(f - (double)i / s.Length, (double)(i + 1) / s.Length - f));
        }
        return d;
    }
}
