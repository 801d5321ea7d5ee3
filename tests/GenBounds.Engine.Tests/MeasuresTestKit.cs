using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Tests;

/// <summary>Independent scalar reference implementations for the measure tests (plain loops, no provider).</summary>
internal static class MeasuresTestKit
{
    public static Mlp Net(string sizes, bool bias, ulong seed) => Mlp.InitializeDefault(MlpArchitecture.Parse(sizes, bias), new Rng(seed));

    public static float[] Inputs(int n, int dim, ulong seed)
    {
        var x = new float[n * dim]; new Rng(seed).FillGaussian(x);
        return x;
    }

    public static double[,] Weight(Mlp net, int k)
    {
        var l = net.Layers[k - 1]; var a = new double[l.Out, l.In];
        for (int r = 0; r < l.Out; r++) for (int c = 0; c < l.In; c++) a[r, c] = l.Weight[r * l.In + c];
        return a;
    }

    /// <summary>x⁰..x^d of one input (no ReLU on the input unless asked).</summary>
    public static double[][] Forward(Mlp net, ReadOnlySpan<float> input, bool reluOnInput = false)
    {
        int d = net.Architecture.Depth; var xs = new double[d + 1][];
        xs[0] = input.ToArray().Select(v => (double)v).ToArray();
        for (int k = 1; k <= d; k++)
        {
            var u = k == 1 && !reluOnInput ? xs[0] : xs[k - 1].Select(v => Math.Max(v, 0)).ToArray();
            xs[k] = Affine(net, k, u);
        }
        return xs;
    }

    public static double[] Affine(Mlp net, int k, double[] u)
    {
        var l = net.Layers[k - 1]; var y = new double[l.Out];
        for (int r = 0; r < l.Out; r++)
        {
            double s = l.Bias is { } b ? b[r] : 0;
            for (int c = 0; c < l.In; c++) s += (double)l.Weight[r * l.In + c] * u[c];
            y[r] = s;
        }
        return y;
    }

    /// <summary>Dense J^{i,j} = A^j D^{j−1} ⋯ A^{i+1} D^i by explicit matrix products.</summary>
    public static double[,] Jacobian(Mlp net, double[][] xs, int i, int j)
    {
        int hi = xs[i].Length; var J = new double[hi, hi];
        for (int u = 0; u < hi; u++) J[u, u] = 1;
        for (int k = i + 1; k <= j; k++)
        {
            var A = Weight(net, k); int rows = A.GetLength(0), inner = A.GetLength(1);
            var next = new double[rows, hi];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < hi; c++)
                {
                    double s = 0;
                    for (int m = 0; m < inner; m++) if (xs[k - 1][m] > 0) s += A[r, m] * J[m, c];
                    next[r, c] = s;
                }
            J = next;
        }
        return J;
    }

    public static double Frobenius2(double[,] a) { double s = 0; foreach (var v in a) s += v * v; return s; }

    public static double[] Apply(double[,] a, double[] x)
    {
        var y = new double[a.GetLength(0)];
        for (int r = 0; r < y.Length; r++) for (int c = 0; c < x.Length; c++) y[r] += a[r, c] * x[c];
        return y;
    }

    public static double Norm(double[] v) => Math.Sqrt(v.Sum(e => e * e));

    /// <summary>Element-wise Close; infinities must match exactly. GEMM blocking may differ between batch sizes, so no bit equality.</summary>
    public static void AllClose(double[] expected, double[] actual, double rel, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        for (int k = 0; k < expected.Length; k++)
            if (double.IsInfinity(expected[k])) Xunit.Assert.Equal(expected[k], actual[k]); else Close(expected[k], actual[k], rel, $"{what}[{k}]");
    }

    public static void Close(double expected, double actual, double rel, string what)
    {
        if (Math.Abs(expected - actual) > rel * Math.Max(1e-300, Math.Abs(expected)) + 1e-300)
            throw new Xunit.Sdk.XunitException($"{what}: expected {expected:R}, got {actual:R}");
    }
}
