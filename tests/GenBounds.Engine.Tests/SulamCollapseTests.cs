using GenBounds.Random;
using GenBounds.Sparsity;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The logit bound M_X Π‖W_k‖_F and the collapse flag that reports put on degenerate trained nets.</summary>
public class SulamCollapseTests
{
    public static IEnumerable<object[]> Shapes()
    {
        yield return [new[] { 7, 9, 3 }, 1UL];
        yield return [new[] { 13, 5, 11, 4 }, 2UL];
        yield return [new[] { 1, 1, 2 }, 3UL];
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void LogitBoundIsAtLeastEveryLogitOnInputsOfNormAtMostTheBound(int[] widths, ulong seed)
    {
        var net = SparsityNetworkTests.RandomNet(widths, seed);
        var rng = new Rng(seed).Split("inputs");
        const double mx = 3.5;
        double bound = net.LogitBound(mx);
        double largest = 0;
        for (int t = 0; t < 200; t++)
        {
            var x = new double[widths[0]];
            rng.FillGaussian(x);
            double norm = Math.Sqrt(x.Sum(v => v * v));
            for (int j = 0; j < x.Length; j++) x[j] *= mx / norm;   // on the sphere of radius M_X: the worst case for a ReLU net
            var u = net.Forward(x);
            largest = Math.Max(largest, u[^1].Max(Math.Abs));
        }
        Assert.True(largest <= bound * (1 + 1e-12), $"a logit {largest} exceeds the bound {bound}");
        Assert.True(largest > 0);
    }

    [Fact]
    public void LogitBoundIsTheProductOfFrobeniusNormsTimesTheInputBound()
    {
        var net = new SparseNetwork([2, 2, 1], [[3, 0, 0, 4], [1, 1]]);   // ‖W1‖_F = 5, ‖W2‖_F = √2
        Assert.Equal(2 * 5 * Math.Sqrt(2), net.LogitBound(2), 12);
    }

    [Fact]
    public void OnlyANetScaledTowardZeroIsCollapsed()
    {
        var net = SparsityNetworkTests.RandomNet([9, 6, 4], 7);
        Assert.False(net.Collapsed(28));
        var tiny = net.Scaled([0, 1e4, 1e4]);   // W_k / 1e4 per layer: logits shrink by 1e8
        Assert.True(tiny.Collapsed(28));
        Assert.Equal(net.LogitBound(28) * 1e-8, tiny.LogitBound(28), 1e-12);
        Assert.True(net.Zero().Collapsed(1e9));
    }
}
