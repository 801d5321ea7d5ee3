using GenBounds.LinearAlgebra;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

public class MatrixTests
{
    [Theory]
    [InlineData(Transpose.No, Transpose.No)]
    [InlineData(Transpose.Yes, Transpose.No)]
    [InlineData(Transpose.No, Transpose.Yes)]
    [InlineData(Transpose.Yes, Transpose.Yes)]
    public void Multiply_equals_the_definition_of_the_matrix_product(Transpose ta, Transpose tb)
    {
        var rng = new Rng(3);
        // op(A) is 5×7 and op(B) is 7×4 whatever the storage.
        var a = ta == Transpose.No ? new Matrix<double>(5, 7) : new Matrix<double>(7, 5);
        var b = tb == Transpose.No ? new Matrix<double>(7, 4) : new Matrix<double>(4, 7);
        rng.FillGaussian(a.Data); rng.FillGaussian(b.Data);
        var c = a.Multiply(b, ta, tb);
        var at = ta == Transpose.No ? a : a.Transposed();
        var bt = tb == Transpose.No ? b : b.Transposed();
        Assert.Equal(at.Rows, c.Rows); Assert.Equal(bt.Cols, c.Cols);
        for (int i = 0; i < c.Rows; i++)
            for (int j = 0; j < c.Cols; j++)
            {
                double s = 0;
                for (int p = 0; p < at.Cols; p++) s += at[i, p] * bt[p, j];
                Assert.Equal(s, c[i, j], 12);
            }
    }

    [Fact]
    public void Spectral_norm_is_at_most_the_Frobenius_norm_and_equals_it_for_rank_one()
    {
        var u = new Matrix<float>(4, 1, new float[] { 1, 2, 3, 4 });
        var v = new Matrix<float>(1, 3, new float[] { 1, -1, 2 });
        var r1 = u.Multiply(v);
        Assert.Equal(r1.FrobeniusNorm(), r1.SpectralNorm(), 5);
        var g = new Matrix<double>(6, 5); new Rng(1).FillGaussian(g.Data);
        Assert.True(g.SpectralNorm() < g.FrobeniusNorm());
    }

    [Fact]
    public void Shape_mismatches_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Matrix<float>(2, 3).Multiply(new Matrix<float>(2, 3)));
        Assert.Throws<ArgumentException>(() => new Matrix<float>(2, 3, new float[5]));
        Assert.Throws<ArgumentException>(() => new Matrix<double>(2, 3).Add(new Matrix<double>(3, 2)));
    }
}
