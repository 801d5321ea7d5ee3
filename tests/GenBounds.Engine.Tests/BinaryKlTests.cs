using GenBounds.PacBayes;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class BinaryKlTests
{
    // Catalog baseline-bounds §8: 200-step bisection values.
    [Theory]
    [InlineData(0.0, 0.1, 0.0951625820, 0.0)]
    [InlineData(0.01, 0.05, 0.0780984629, 0.0000249739)]
    [InlineData(0.1, 0.01, 0.1476755393, 0.0629106298)]
    [InlineData(0.3, 0.2, 0.6126327240, 0.0817714849)]
    [InlineData(0.5, 0.001, 0.5223495041, 0.4776504959)]
    public void Inverses_reproduce_the_catalog_test_vectors(double q, double c, double upper, double lower)
    {
        Assert.Equal(upper, BinaryKl.UpperInverse(q, c), 9);
        Assert.Equal(lower, BinaryKl.LowerInverse(q, c), 9);
        Assert.Equal(upper, BinaryKl.UpperInverseNewton(q, c), 9);
    }

    [Fact]
    public void Inverses_reproduce_the_catalog_vector_with_a_certificate_sized_budget()
    {
        double c = Math.Log(2 / 0.01) / 150000;
        Assert.Equal(0.0294088907, BinaryKl.UpperInverse(0.028, c), 9);
        Assert.Equal(0.0266355660, BinaryKl.LowerInverse(0.028, c), 9);
    }

    [Fact]
    public void Edges_zero_and_one_have_closed_forms()
    {
        foreach (double c in new[] { 1e-9, 1e-4, 0.1, 1, 10, 700 })
        {
            Assert.Equal(-MathEx.ExpM1(-c), BinaryKl.UpperInverse(0, c), 11);
            Assert.Equal(Math.Exp(-c), BinaryKl.LowerInverse(1, c), 11);
            Assert.Equal(1.0, BinaryKl.UpperInverse(1, c));
            Assert.Equal(0.0, BinaryKl.LowerInverse(0, c));
            Assert.True(BinaryKl.UpperInverse(0, c) >= -MathEx.ExpM1(-c), "the upper inverse at q = 0 undershoots 1 − e^{−c}");
            Assert.True(BinaryKl.LowerInverse(1, c) <= Math.Exp(-c), "the lower inverse at q = 1 overshoots e^{−c}");
        }
        Assert.Equal(0.3, BinaryKl.UpperInverse(0.3, 0));
        Assert.Equal(0.3, BinaryKl.LowerInverse(0.3, 0));
        Assert.Equal(1.0, BinaryKl.UpperInverse(0.3, double.PositiveInfinity));
        Assert.Equal(0.0, BinaryKl.LowerInverse(0.3, double.PositiveInfinity));
        Assert.Equal(double.PositiveInfinity, BinaryKl.Kl(0.2, 0));
        Assert.Equal(double.PositiveInfinity, BinaryKl.Kl(0.2, 1));
        Assert.Equal(0.0, BinaryKl.Kl(0, 0));
        Assert.Equal(0.0, BinaryKl.Kl(1, 1));
        Assert.Equal(-Math.Log(0.75), BinaryKl.Kl(0, 0.25), 14);
    }

    [Fact]
    public void Inverses_are_certified_and_tight_on_random_inputs_including_extremes()
    {
        var rng = new Rng(7);
        for (int t = 0; t < 3000; t++)
        {
            double q = t % 10 == 0 ? 0 : t % 10 == 1 ? 1 : Math.Pow(rng.NextDouble(), 1 + 4 * rng.NextDouble());
            double c = Math.Exp(-16 + 18 * rng.NextDouble());
            double up = BinaryKl.UpperInverse(q, c), lo = BinaryKl.LowerInverse(q, c);
            Assert.InRange(up, q, 1);
            Assert.InRange(lo, 0, q);
            // certified: the returned end is outside (or on) the feasible set …
            Assert.True(up == 1 || BinaryKl.Kl(q, up) > c, $"kl({q}‖{up}) ≤ {c}: upper inverse not certified");
            Assert.True(lo == 0 || BinaryKl.Kl(q, lo) > c, $"kl({q}‖{lo}) ≤ {c}: lower inverse not certified");
            // … and tight: just inside it the constraint holds.
            double inUp = Math.Max(q, up - 2 * BinaryKl.DefaultTolerance), inLo = Math.Min(q, lo + 2 * BinaryKl.DefaultTolerance);
            Assert.True(BinaryKl.Kl(q, inUp) <= c * (1 + 1e-9) + 1e-300, $"upper inverse of ({q}, {c}) is loose: kl at {inUp} is {BinaryKl.Kl(q, inUp)}");
            Assert.True(BinaryKl.Kl(q, inLo) <= c * (1 + 1e-9) + 1e-300, $"lower inverse of ({q}, {c}) is loose: kl at {inLo} is {BinaryKl.Kl(q, inLo)}");
            double newton = BinaryKl.UpperInverseNewton(q, c);
            Assert.True(newton >= up - 2 * BinaryKl.DefaultTolerance, $"Newton {newton} below the certified bisection {up}");
            Assert.True(Math.Abs(newton - up) <= 1e-9, $"Newton {newton} and bisection {up} disagree for ({q}, {c})");
        }
    }

    [Fact]
    public void Upper_inverse_grows_with_the_budget_and_with_the_empirical_risk()
    {
        double prev = 0;
        foreach (double c in new[] { 1e-6, 1e-4, 1e-2, 0.1, 0.5, 2 })
        {
            double v = BinaryKl.UpperInverse(0.05, c);
            Assert.True(v > prev);
            prev = v;
        }
        prev = 0;
        foreach (double q in new[] { 0, 0.01, 0.1, 0.5, 0.9 })
        {
            double v = BinaryKl.UpperInverse(q, 0.01);
            Assert.True(v > prev);
            prev = v;
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryKl.Kl(-0.1, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryKl.Kl(0.5, 1.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryKl.UpperInverse(0.5, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryKl.UpperInverse(0.5, double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => BinaryKl.LowerInverse(double.NaN, 0.1));
    }
}
