using GenBounds.Compression;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class RoundingTests
{
    [Fact]
    public void Ties_round_away_from_zero_on_an_exact_binary_grid()
    {
        Assert.Equal(0.25, Rounding.RoundToGrid(0.125, 0.25));
        Assert.Equal(-0.25, Rounding.RoundToGrid(-0.125, 0.25));
        Assert.Equal(0.5, Rounding.RoundToGrid(0.375, 0.25));
        Assert.Equal(0.0, Rounding.RoundToGrid(0.1, 0.25));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.05)]
    [InlineData(0.001)]
    public void Frobenius_error_is_at_most_half_the_step_times_root_nnz_and_levels_are_counted_exactly(double step)
    {
        var rng = new Rng(12);
        var w = CompressionTestSupport.GaussianWeights(40, 30, 0.3, rng);
        var m = MagnitudePruning.SampleMask(w, 40, 30, 1.0, 0.3, DiagonalPolicy.Keep, rng.Split("m"));
        var pruned = m.Apply(w);
        var r = Rounding.Round(pruned, step);
        Assert.Equal(pruned.Count(x => x != 0), r.NonZeros);
        Assert.True(r.BoundHolds, $"‖Ŵ−W̃‖_F = {r.FrobeniusError} > {r.FrobeniusBound}");
        double naiveErr = Math.Sqrt(pruned.Select((x, i) => (x - r.Rounded[i]) * (x - r.Rounded[i])).Sum());
        Assert.Equal(naiveErr, r.FrobeniusError, 12);
        for (int i = 0; i < pruned.Length; i++)
        {
            Assert.True(Math.Abs(pruned[i] - r.Rounded[i]) <= step / 2 * (1 + 1e-12));
            Assert.Equal(r.Levels[i] * step, r.Rounded[i]);
            if (pruned[i] == 0) Assert.Equal(0, r.Levels[i]);
        }
        Assert.Equal(r.Rounded.Distinct().Count(), r.DistinctLevels);
        Assert.Equal(r.Rounded.Where(x => x != 0).Distinct().Count(), r.DistinctNonZeroLevels);
    }

    [Theory]
    [InlineData(new float[] { 1e6f, -1e6f, 0.5f, 3e5f, 1e6f, 0f }, 1e-3)]   // levels span 2·10⁹: counted by sorting
    [InlineData(new float[] { 1e6f, -1e6f, 0.5f, 3e5f, 1e6f }, 1e-3)]       // the same without a zero level
    [InlineData(new float[] { 0.3f, 0.31f, -0.3f, 0.7f }, 0.1)]             // a narrow span: counted in a table
    [InlineData(new float[] { 0.3f, 0.31f, -0.3f, 0.7f, 0f }, 0.1)]
    public void Distinct_levels_and_the_zero_level_match_a_set_of_the_rounded_values_for_narrow_and_wide_spans(float[] w, double step)
    {
        var r = Rounding.Round(w, step);
        var levels = r.Levels.ToHashSet();
        Assert.Equal(levels.Count, r.DistinctLevels);
        Assert.Equal(levels.Count - (levels.Contains(0) ? 1 : 0), r.DistinctNonZeroLevels);
    }
}
