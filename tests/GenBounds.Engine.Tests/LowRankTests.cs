using GenBounds.Compression;
using GenBounds.LinearAlgebra;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class LowRankTests
{
    private static double[] DecayingMatrix(int m, int n, Rng rng)
    {
        // Columns scaled geometrically so the spectrum decays and several δ give different ranks.
        var a = CompressionTestSupport.Gaussian(m * n, rng);
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) a[i * n + j] *= Math.Pow(0.8, j);
        return a;
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.2)]
    [InlineData(0.5)]
    [InlineData(0.99)]
    public void Truncation_error_is_at_most_delta_times_the_spectral_norm_and_rank_obeys_the_stable_rank_bound(double delta)
    {
        const int m = 30, n = 20;
        var a = DecayingMatrix(m, n, new Rng(7));
        var r = LowRank.Truncate(a, m, n, delta);
        var diff = a.Select((x, i) => r.Approximation[i] - x).ToArray();
        double err = LinearAlgebraProviders.Default.SingularValues(diff, m, n)[0];
        Assert.True(err <= delta * r.SpectralNorm * (1 + 1e-10), $"‖Â−A‖₂ = {err} > δ‖A‖₂ = {delta * r.SpectralNorm}");
        Assert.Equal(err, r.SpectralError, 9);
        Assert.True(r.Rank <= r.RankBound, $"rank {r.Rank} > bound {r.RankBound}");
        Assert.Equal(r.SingularValues.Count(s => s >= delta * r.SpectralNorm), r.Rank);
        var approxSv = LinearAlgebraProviders.Default.SingularValues(r.Approximation, m, n);
        Assert.Equal(r.Rank, approxSv.Count(s => s > 1e-9 * r.SpectralNorm));
    }

    [Fact]
    public void Native_and_managed_providers_give_the_same_truncation()
    {
        var a = DecayingMatrix(12, 9, new Rng(8));
        var x = LowRank.Truncate(a, 12, 9, 0.3, LinearAlgebraProviders.Default);
        var y = LowRank.Truncate(a, 12, 9, 0.3, LinearAlgebraProviders.Managed);
        Assert.Equal(x.Rank, y.Rank);
        for (int i = 0; i < a.Length; i++) Assert.Equal(x.Approximation[i], y.Approximation[i], 9);
    }
}
