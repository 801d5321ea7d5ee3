using GenBounds.Compression;
using GenBounds.Measures;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class SketchExperimentTests
{
    [Fact]
    public void Clopper_Pearson_limits_match_their_closed_forms_at_zero_and_all_failures()
    {
        var zero = ClopperPearson.Interval(0, 200, 0.99);
        Assert.Equal(0, zero.Lower);
        Assert.Equal(1 - Math.Pow(0.005, 1.0 / 200), zero.Upper, 10);
        var all = ClopperPearson.Interval(50, 50, 0.99);
        Assert.Equal(Math.Pow(0.005, 1.0 / 50), all.Lower, 10);
        Assert.Equal(1, all.Upper);
        var mid = ClopperPearson.Interval(10, 100, 0.95);
        Assert.InRange(mid.Lower, 0.0490, 0.0491);    // R: binom.test(10, 100)$conf.int = [0.04900469, 0.17622260]
        Assert.InRange(mid.Upper, 0.1762, 0.1763);
        Assert.Throws<ArgumentOutOfRangeException>(() => ClopperPearson.Interval(3, 2));
    }

    [Fact]
    public void A_small_monte_carlo_separates_a_too_small_from_a_generous_sketch_and_does_not_depend_on_threads()
    {
        var o = new SketchExperimentOptions { Sizes = [20, 30], SketchConstants = [0.3, 3.0], Trials = 8, TargetFailureRate = 0.5, Seed = 4 };
        var src = new SyntheticSketchSource(2);
        var one = SketchExperiment.Run(src, o);
        var two = SketchExperiment.Run(src, o with { Threads = 2 });
        Assert.Equal(4, one.Cells.Count);
        foreach (var c in one.Cells.Where(c => c.Cs == 0.3)) Assert.Equal(c.Trials, c.Failures);
        foreach (var c in one.Cells.Where(c => c.Cs == 3.0)) Assert.Equal(0, c.Failures);
        Assert.Equal(one.Cells.Select(c => c.Failures), two.Cells.Select(c => c.Failures));
        Assert.Equal(3.0, one.SmallestByPointEstimate[20]);
        Assert.All(one.Cells, c => Assert.InRange(c.MeanJ, 1, 2));
    }

    [Fact]
    public void The_joint_decoder_option_runs_the_joint_program()
    {
        var o = new SketchExperimentOptions { Sizes = [12], SketchConstants = [0.2, 3.0], DegreeConstant = 2, Trials = 4, Decoder = SketchDecoder.Joint, TargetFailureRate = 0.5 };
        var r = SketchExperiment.Run(new SyntheticSketchSource(2), o);
        Assert.Equal(4, r.Cells[0].Failures);
        Assert.Equal(0, r.Cells[1].Failures);
        Assert.Contains("decoder Joint", SketchReport.Table(r));
    }

    private static SketchCell Cell(int p, double cs, int failures, int trials = 200) =>
        new(p, cs, 5, trials, failures, ClopperPearson.Interval(failures, trials), 4, 10, 10, 100, 0);

    [Fact]
    public void The_trend_of_the_smallest_sufficient_constant_is_flat_growing_or_undetermined_as_the_cells_say()
    {
        var o = new SketchExperimentOptions { Sizes = [50, 100, 200], SketchConstants = [0.5, 1.0, 1.5, 2.0] };
        SketchExperimentResult R(params int[] firstSufficientIndex) =>
            SketchExperiment.Summarise("t", o, o.Sizes.SelectMany((p, k) => o.SketchConstants.Select((c, i) => Cell(p, c, i >= firstSufficientIndex[k] ? 0 : 200))).ToList(), 0);
        Assert.Equal(ConstantTrend.Flat, R(1, 1, 2).Trend);
        Assert.Equal(ConstantTrend.Grows, R(0, 1, 2).Trend);
        Assert.Equal(ConstantTrend.Shrinks, R(3, 2, 1).Trend);
        Assert.Equal(ConstantTrend.Undetermined, R(1, 1, 9).Trend);
        Assert.Equal(1.5, R(0, 1, 2).SmallestSufficient[200]);
        Assert.Null(R(1, 1, 9).SmallestSufficient[200]);
    }

    [Fact]
    public void The_failure_exponent_is_the_slope_of_log_rate_against_log_p()
    {
        var o = new SketchExperimentOptions { Sizes = [50, 100, 200], SketchConstants = [1.0] };
        // rate = 10/p² with N = 10⁶ trials: F = 4000, 1000, 250.
        var cells = o.Sizes.Select(p => Cell(p, 1.0, (int)Math.Round(1e7 / ((double)p * p)), 1_000_000)).ToList();
        var r = SketchExperiment.Summarise("t", o, cells, 0);
        Assert.Equal(2.0, r.FailureExponents[1.0]!.Value, 6);
    }

    [Fact]
    public void Pruned_layer_blocks_keep_their_diagonal_and_only_drop_entries()
    {
        var w = new float[40 * 60];
        new Rng(8).FillGaussian(w, 0, 0.1);
        var src = new PrunedLayerSketchSource("layer", w, 40, 60, 5.0);
        Assert.Equal(40, src.MaxSize);
        var x = src.Draw(25, new Rng(9));
        for (int i = 0; i < 25; i++)
        {
            Assert.Equal(w[i * 60 + i], (float)x[i * 25 + i]);
            for (int j = 0; j < 25; j++) Assert.True(x[i * 25 + j] == 0 || x[i * 25 + j] == w[i * 60 + j]);
        }
        Assert.InRange(x.Count(v => v != 0) / 625.0, 0.05, 0.5);   // χ(5) ≈ 0.155 under the Gaussian model
        Assert.Throws<ArgumentOutOfRangeException>(() => src.Draw(41, new Rng(1)));
    }
}
