using GenBounds.Random;
using Xunit;

namespace GenBounds.Tests;

/// <summary>Small statistics helpers shared by the compression tests (normal bands, χ² quantiles, synthetic weights).</summary>
internal static class CompressionTestSupport
{
    /// <summary>Two-sided 99.9% standard-normal quantile.</summary>
    public const double Z999 = 3.2905;

    /// <summary>Asserts that a Bernoulli frequency k/n lies in the 99.9% normal band around p.</summary>
    public static void AssertBinomialBand(long k, long n, double p, string what)
    {
        double phat = k / (double)n, sd = Math.Sqrt(p * (1 - p) / n);
        Assert.True(Math.Abs(phat - p) <= Z999 * sd, $"{what}: frequency {phat:F5} outside {p:F5} ± {Z999 * sd:F5} (n = {n})");
    }

    /// <summary>Asserts |mean − expected| ≤ z·sd/√n for a sample whose per-draw standard deviation is sd.</summary>
    public static void AssertMeanBand(double mean, double expected, double sd, long n, string what, double z = Z999)
    {
        double half = z * sd / Math.Sqrt(n);
        Assert.True(Math.Abs(mean - expected) <= half, $"{what}: mean {mean:G6} outside {expected:G6} ± {half:G4} (n = {n})");
    }

    /// <summary>Wilson–Hilferty approximation of the χ²_df quantile at 0.999 (z = 3.090); within 1% for df ≥ 2.</summary>
    public static double ChiSquare999(int df)
    {
        double a = 2.0 / (9 * df);
        double t = 1 - a + 3.0902 * Math.Sqrt(a);
        return df * t * t * t;
    }

    /// <summary>Pearson χ² of observed counts against probabilities, pooling adjacent cells until each expected count is ≥ 5.</summary>
    public static (double Chi2, int Df) PooledChiSquare(long[] observed, double[] probabilities, long n)
    {
        var o = new List<double>(); var e = new List<double>();
        double ao = 0, ae = 0;
        for (int i = 0; i < observed.Length; i++)
        {
            ao += observed[i]; ae += probabilities[i] * n;
            if (ae >= 5) { o.Add(ao); e.Add(ae); ao = 0; ae = 0; }
        }
        if (e.Count == 0) throw new InvalidOperationException("too few expected counts");
        o[^1] += ao; e[^1] += ae;
        double chi2 = 0;
        for (int i = 0; i < o.Count; i++) chi2 += (o[i] - e[i]) * (o[i] - e[i]) / e[i];
        return (chi2, o.Count - 1);
    }

    /// <summary>rows×cols i.i.d. N(0, psi) weights in float32.</summary>
    public static float[] GaussianWeights(int rows, int cols, double psi, Rng rng)
    {
        var w = new float[rows * cols];
        rng.FillGaussian(w, 0, Math.Sqrt(psi));
        return w;
    }

    /// <summary>i.i.d. N(0,1) doubles.</summary>
    public static double[] Gaussian(int n, Rng rng)
    {
        var x = new double[n];
        rng.FillGaussian(x);
        return x;
    }

    /// <summary>Sample mean and (n−1) variance.</summary>
    public static (double Mean, double Variance) MeanVar(IReadOnlyList<double> x)
    {
        double m = x.Average();
        return (m, x.Sum(v => (v - m) * (v - m)) / (x.Count - 1));
    }
}
