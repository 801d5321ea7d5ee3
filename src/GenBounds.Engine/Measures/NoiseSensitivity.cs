using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>A map applied to <c>rows</c> row-major inputs at once (output row-major); the input buffer may be overwritten.</summary>
public delegate void BatchMap(double[] input, int rows, double[] output);

/// <summary>
/// Noise sensitivity ψ_N(M, x) = E_η ‖M(x + η‖x‖) − M(x)‖² / ‖M(x)‖², η ~ N(0, I) (ARORA-D3), and the closed form for a
/// linear map ψ = ‖M‖_F²‖x‖²/‖Mx‖² ≥ srank(M) (ARORA-P3.1).
/// </summary>
public static class NoiseSensitivity
{
    /// <summary>Closed form ‖M‖_F²‖x‖²/‖Mx‖² for a row-major rows×cols matrix (+∞ when Mx = 0).</summary>
    public static double Linear(ReadOnlySpan<double> m, int rows, int cols, ReadOnlySpan<double> x)
    {
        double f2 = TensorPrimitives.Dot(m[..(rows * cols)], m[..(rows * cols)]), mx2 = 0;
        for (int r = 0; r < rows; r++) { double v = TensorPrimitives.Dot(m.Slice(r * cols, cols), x); mx2 += v * v; }
        return Robust.RatioForMin(f2 * TensorPrimitives.Dot(x, x), mx2);
    }

    /// <summary>
    /// Monte Carlo ψ_N(M, x_s) for each of the n rows x_s (inDim wide) with <paramref name="draws"/> independent noise
    /// draws; one batched call of M per draw. Returns the mean of ‖M(x+η‖x‖) − M(x)‖²/‖M(x)‖² and its standard error.
    /// The noise is drawn on up to <paramref name="threads"/> threads (the same bits on any number).
    /// </summary>
    public static MeanEstimate[] MonteCarlo(BatchMap map, int inDim, int outDim, ReadOnlySpan<double> x, int n, int draws, Rng rng, int threads = 1)
    {
        if (draws < 2) throw new ArgumentOutOfRangeException(nameof(draws), "at least two draws are needed for a standard error");
        var input = new double[n * inDim]; var baseOut = new double[n * outDim]; var outp = new double[n * outDim];
        x[..(n * inDim)].CopyTo(input);
        map(input, n, baseOut);
        var xn = ForwardTrace.RowNorms(x, n, inDim); var bn2 = new double[n];
        Propagation.RowNormsSquared(baseOut, n, outDim, bn2);
        var sum = new double[n]; var sum2 = new double[n];
        for (int t = 0; t < draws; t++)
        {
            rng.FillGaussian(input, threads);
            for (int s = 0; s < n; s++)
            {
                var row = input.AsSpan(s * inDim, inDim);
                TensorPrimitives.MultiplyAdd(row, xn[s], x.Slice(s * inDim, inDim), row);
            }
            map(input, n, outp);
            TensorPrimitives.Subtract(outp, baseOut, outp);
            for (int s = 0; s < n; s++)
            {
                var diff = outp.AsSpan(s * outDim, outDim);
                double v = Robust.RatioForMin(TensorPrimitives.Dot(diff, diff), bn2[s]);
                sum[s] += v; sum2[s] += v * v;
            }
        }
        var res = new MeanEstimate[n];
        for (int s = 0; s < n; s++)
        {
            double m = sum[s] / draws, var = Math.Max(0, (sum2[s] - draws * m * m) / (draws - 1));
            res[s] = new MeanEstimate(m, Math.Sqrt(var / draws), draws);
        }
        return res;
    }

    /// <summary>The linear map v ↦ Mv of a row-major rows×cols matrix (e.g. M = A^i at x = φ(x^{i−1})).</summary>
    public static BatchMap LinearMap(double[] m, int rows, int cols, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        return (input, n, output) => p.Gemm(Transpose.No, Transpose.Yes, n, rows, cols, 1.0, input, cols, m, cols, 0.0, output, rows);
    }

    /// <summary>The sub-network M^{i,j}: x^i ↦ x^j (0 ≤ i &lt; j ≤ d; for i = 0 the input is used as is, i.e. no ReLU on x⁰).</summary>
    public static BatchMap SubNetwork(DoubleMlp net, int i, int j, ILinearAlgebraProvider? provider = null)
    {
        if (i < 0 || j <= i || j > net.Depth) throw new ArgumentOutOfRangeException(nameof(j), $"need 0 ≤ i < j ≤ d, got ({i},{j})");
        var p = provider ?? LinearAlgebraProviders.Default;
        int hmax = net.Widths.Max();
        return (input, n, output) =>
        {
            double[] a = new double[n * hmax], b = new double[n * hmax]; var cur = input;
            for (int k = i + 1; k <= j; k++)
            {
                var dst = k == j ? output : ReferenceEquals(cur, a) ? b : a;
                if (k == 1) Propagation.Affine(net, 1, cur.AsSpan(0, n * net.Widths[0]), dst, n, p);
                else Propagation.NetworkStep(net, k, cur, dst, n, p);
                cur = dst;
            }
        };
    }
}
