using GenBounds.Measures;
using GenBounds.Networks;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

/// <summary>
/// The shared numerics of measure and verify against plain references: float64 logits of raw weights, margins, gaps,
/// predictions and distances; and the noise-stability draws and ρ_δ.
/// </summary>
public class OutputsAndNoiseStabilityTests
{
    [Theory]
    [InlineData("7-5-3", false, 9, 4)]
    [InlineData("11-6-4-5", true, 13, 5)]
    [InlineData("3-2", false, 1, 1)]
    public void LogitsAgreeWithThePlainForwardPassInEveryChunking(string sizes, bool bias, int n, int chunk)
    {
        var net = MeasuresTestKit.Net(sizes, bias, 3);
        int dim = net.Architecture.InputSize, k = net.Architecture.OutputSize, d = net.Architecture.Depth;
        var x = MeasuresTestKit.Inputs(n, dim, 5);
        var dn = new DoubleMlp(net);
        var logits = Outputs.Logits(dn, x, n, null, chunk);
        var whole = Outputs.Logits(dn, x, n, null, 4096);
        Assert.Equal(whole, logits);
        for (int s = 0; s < n; s++)
        {
            var reference = MeasuresTestKit.Forward(net, x.AsSpan(s * dim, dim))[d];
            for (int j = 0; j < k; j++) Assert.Equal(reference[j], logits[s * k + j], 10);
        }
    }

    [Fact]
    public void ARawDoubleNetworkComputesWhatItsWeightsSay()
    {
        var net = MeasuresTestKit.Net("6-4-3", false, 8);
        var raw = new DoubleMlp(net.Architecture.LayerSizes, net.Layers.Select(l => l.WeightAsDouble()).ToArray());
        var x = MeasuresTestKit.Inputs(5, 6, 2);
        Assert.Equal(Outputs.Logits(new DoubleMlp(net), x, 5), Outputs.Logits(raw, x, 5));
        Assert.Throws<ArgumentException>(() => new DoubleMlp(new[] { 6, 4, 3 }, new[] { new double[24] }));
        Assert.Throws<ArgumentException>(() => new DoubleMlp(new[] { 6, 4, 3 }, new[] { new double[23], new double[12] }));
    }

    [Fact]
    public void MarginsGapsPredictionsAndErrorsFollowTheirDefinitions()
    {
        var logits = new double[] { 3, 1, 2, /**/ 0, 0, -1, /**/ -1, 5, 4.5 };
        var labels = new[] { 0, 1, 2 };
        Assert.Equal(new[] { 1.0, 0.0, -0.5 }, Outputs.Margins(logits, labels, 3));
        Assert.Equal(new[] { 1.0, 0.0, 0.5 }, Outputs.TopTwoGaps(logits, 3, 3));
        Assert.Equal(new[] { 0, 0, 1 }, Outputs.Predictions(logits, 3, 3));
        // A tie (margin 0) counts as an error.
        Assert.Equal(2, Outputs.Errors(logits, labels, 3));
        var other = new double[] { 3, 1, 0, /**/ 0, 0, -1, /**/ -1, 5, 4.5 };
        Assert.Equal(new[] { 2.0, 0, 0 }, Outputs.RowDistances(logits, other, 3, 3));
        Assert.Equal(new[] { 2.0, 0, 0 }, Outputs.RowMaxAbsDifferences(logits, other, 3, 3));
    }

    [Fact]
    public void RhoDeltaIsTheDeltaQuantileAndTheCertifiedValueKeepsTheClopperPearsonLimitAtDelta()
    {
        var rng = new Rng(4);
        var r = Enumerable.Range(0, 500).Select(_ => 1 + rng.NextDouble() * 9).ToArray();
        var est = NoiseStability.RhoDelta(r, 0.1);
        var sorted = r.OrderBy(x => x).ToArray();
        Assert.Equal(sorted[49], est.Estimate);
        Assert.True(est.Lower <= est.Estimate && est.Estimate <= est.Upper);
        // Certified: the largest order statistic r_(f) whose failure count f keeps the CP99 upper limit ≤ δ.
        int f = -1;
        while (NoiseStability.ClopperPearsonUpper(f + 1, 500, 0.99) <= 0.1) f++;
        Assert.True(est.CertifiedAtDelta);
        Assert.Equal(sorted[f], est.Certified);
        Assert.True(est.Certified <= est.Estimate);
        // Too few draws to certify δ: the smallest R, flagged.
        var few = NoiseStability.RhoDelta(r.Take(10).ToArray(), 0.1);
        Assert.False(few.CertifiedAtDelta);
        Assert.Equal(r.Take(10).Min(), few.Certified);
    }

    [Fact]
    public void ACompressionDrawReplaysFromItsSeedAndNegligibleNoiseFlipsNothing()
    {
        var net = MeasuresTestKit.Net("20-12-8-4", false, 6);
        var dn = new DoubleMlp(net);
        int n = 30;
        var x = MeasuresTestKit.Inputs(n, 20, 7);
        var labels = Enumerable.Range(0, n).Select(i => i % 4).ToArray();
        var chunks = NoiseStability.Chunks(dn, x, n, GenBounds.LinearAlgebra.LinearAlgebraProviders.Default, 7);
        var k = new[] { 50.0, 50.0, 50.0 };
        var a = NoiseStability.Draw(dn, chunks, labels, k, 0.5, new Rng(99), GenBounds.LinearAlgebra.LinearAlgebraProviders.Default);
        var b = NoiseStability.Draw(dn, chunks, labels, k, 0.5, new Rng(99), GenBounds.LinearAlgebra.LinearAlgebraProviders.Default);
        Assert.Equal(a.R, b.R);
        Assert.Equal(a.MaxRelativeError, b.MaxRelativeError);
        Assert.Equal(a.InductionSteps, b.InductionSteps);
        Assert.Equal(3, a.InductionSteps.Length);
        Assert.Equal(2, a.FlipFractions.Length);
        Assert.True(a.MaxRelativeError > 0);
        // With an enormous helper count the surrogate is A itself up to rounding: no activation flips, R = +∞.
        var tiny = NoiseStability.Draw(dn, chunks, labels, new[] { 1e14, 1e14, 1e14 }, 0.5, new Rng(1), GenBounds.LinearAlgebra.LinearAlgebraProviders.Default);
        Assert.True(double.IsPositiveInfinity(tiny.R));
        Assert.All(tiny.FlipFractions, f => Assert.Equal(0.0, f));
        Assert.True(tiny.MaxRelativeError < 1e-5);
    }
}
