using GenBounds.LinearAlgebra;
using GenBounds.Random;
using GenBounds.Runtime;
using Xunit;

namespace GenBounds.Tests;

public class IndependentDrawsTests
{
    private static double[] Draw(int t)
    {
        // A draw that uses BLAS: its own stream, a 40×30 GEMM.
        var rng = new SeedStreams(5).Stream($"draw-{t}");
        var a = new double[40 * 30]; var b = new double[30 * 20]; var c = new double[40 * 20];
        rng.FillGaussian(a); rng.FillGaussian(b);
        LinearAlgebraProviders.Default.Gemm(Transpose.No, Transpose.No, 40, 20, 30, 1.0, a, 30, b, 20, 0.0, c, 20);
        return c;
    }

    [Fact]
    public void Draws_come_back_in_order_and_equal_whatever_the_worker_count()
    {
        var one = IndependentDraws.Run(24, 1, Draw);
        var two = IndependentDraws.Run(24, 2, Draw);
        var four = IndependentDraws.Run(24, 4, Draw);
        for (int t = 0; t < 24; t++) { Assert.Equal(Draw(t), one[t]); Assert.Equal(one[t], two[t]); Assert.Equal(one[t], four[t]); }
    }

    [Fact]
    public void A_failing_draw_raises_its_own_exception_and_BLAS_gets_its_threads_back()
    {
        int? before = NativeLinearAlgebraProvider.Threads;
        var e = Assert.Throws<InvalidOperationException>(() => IndependentDraws.Run(8, 2, t => t == 5 ? throw new InvalidOperationException("draw 5") : t));
        Assert.Equal("draw 5", e.Message);
        Assert.Equal(before, NativeLinearAlgebraProvider.Threads);
    }
}
