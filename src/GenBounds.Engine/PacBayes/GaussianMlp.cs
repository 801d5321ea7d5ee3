using System.Runtime.InteropServices;
using System.Security.Cryptography;
using GenBounds.Networks;

namespace GenBounds.PacBayes;

/// <summary>
/// A diagonal Gaussian distribution Q = N(μ, diag σ²) over every weight and bias of a fully connected ReLU network,
/// with σ = softplus(ρ) (PBB's parametrisation). Arrays are per layer in the <see cref="Mlp"/> layout (weights Out×In
/// row-major). <see cref="Sigmas"/> materialises σ from ρ; the sampler, the KL and the certificate all read the same
/// materialised float32 values, so the certified distribution is exactly the sampled one.
/// </summary>
public sealed class GaussianMlp
{
    /// <summary>A distribution of the given shape with all means and ρ zero.</summary>
    public GaussianMlp(MlpArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        Architecture = architecture;
        int L = architecture.Depth;
        WeightMeans = new float[L][]; WeightRhos = new float[L][];
        BiasMeans = new float[L][]; BiasRhos = new float[L][];
        for (int l = 0; l < L; l++)
        {
            int n = architecture.LayerSizes[l] * architecture.LayerSizes[l + 1], b = architecture.Bias ? architecture.LayerSizes[l + 1] : 0;
            WeightMeans[l] = new float[n]; WeightRhos[l] = new float[n];
            BiasMeans[l] = new float[b]; BiasRhos[l] = new float[b];
        }
    }

    /// <summary>Network shape.</summary>
    public MlpArchitecture Architecture { get; }
    /// <summary>μ of the weights, per layer.</summary>
    public float[][] WeightMeans { get; }
    /// <summary>ρ of the weights (σ = softplus(ρ)), per layer.</summary>
    public float[][] WeightRhos { get; }
    /// <summary>μ of the biases, per layer (empty arrays for bias-free nets).</summary>
    public float[][] BiasMeans { get; }
    /// <summary>ρ of the biases, per layer (empty arrays for bias-free nets).</summary>
    public float[][] BiasRhos { get; }
    /// <summary>Number of Gaussian coordinates (weights and biases).</summary>
    public long ParameterCount => Architecture.ParameterCount;

    /// <summary>Q = N(net, σ²I): means copied from <paramref name="mean"/>, every standard deviation <paramref name="sigma"/>.</summary>
    public static GaussianMlp Around(Mlp mean, double sigma)
    {
        ArgumentNullException.ThrowIfNull(mean);
        float rho = (float)Softplus.Inverse(sigma);
        var q = new GaussianMlp(mean.Architecture);
        for (int l = 0; l < mean.Layers.Length; l++)
        {
            mean.Layers[l].Weight.CopyTo(q.WeightMeans[l], 0);
            Array.Fill(q.WeightRhos[l], rho);
            mean.Layers[l].Bias?.CopyTo(q.BiasMeans[l], 0);
            Array.Fill(q.BiasRhos[l], rho);
        }
        return q;
    }

    /// <summary>The network of the means (the "deterministic" predictor reported next to the stochastic one).</summary>
    public Mlp MeanNetwork()
    {
        var net = new Mlp(Architecture);
        for (int l = 0; l < net.Layers.Length; l++)
        {
            WeightMeans[l].CopyTo(net.Layers[l].Weight, 0);
            if (net.Layers[l].Bias is { } b) BiasMeans[l].CopyTo(b, 0);
        }
        return net;
    }

    /// <summary>Materialised σ = softplus(ρ): (weights, biases) per layer.</summary>
    public (float[][] Weights, float[][] Biases) Sigmas()
    {
        var w = WeightRhos.Select(r => { var s = new float[r.Length]; Softplus.Apply(r, s, default); return s; }).ToArray();
        var b = BiasRhos.Select(r => { var s = new float[r.Length]; Softplus.Apply(r, s, default); return s; }).ToArray();
        return (w, b);
    }

    /// <summary>
    /// KL(Q ‖ N(μ_P, σ_P² I)) summed over all coordinates in double precision from the materialised σ
    /// (<see cref="GaussianKl.ScalarPrior"/>): the number a certificate uses.
    /// </summary>
    public double Kl(Mlp priorMean, double priorSigma)
    {
        ArgumentNullException.ThrowIfNull(priorMean);
        if (!priorMean.Architecture.Equals(Architecture)) throw new ArgumentException($"prior architecture {priorMean.Architecture} differs from {Architecture}");
        var (sw, sb) = Sigmas();
        double kl = 0;
        for (int l = 0; l < WeightMeans.Length; l++)
        {
            kl += GaussianKl.ScalarPrior(WeightMeans[l], sw[l], priorMean.Layers[l].Weight, priorSigma);
            if (BiasMeans[l].Length > 0) kl += GaussianKl.ScalarPrior(BiasMeans[l], sb[l], priorMean.Layers[l].Bias!, priorSigma);
        }
        return kl;
    }

    /// <summary>Deep copy.</summary>
    public GaussianMlp Clone()
    {
        var c = new GaussianMlp(Architecture);
        CopyTo(c);
        return c;
    }

    /// <summary>Overwrites every μ and ρ of <paramref name="destination"/> (same architecture) with this distribution's.</summary>
    public void CopyTo(GaussianMlp destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.Architecture.Equals(Architecture)) throw new ArgumentException($"architecture {destination.Architecture} differs from {Architecture}");
        for (int l = 0; l < WeightMeans.Length; l++)
        {
            WeightMeans[l].CopyTo(destination.WeightMeans[l], 0); WeightRhos[l].CopyTo(destination.WeightRhos[l], 0);
            BiasMeans[l].CopyTo(destination.BiasMeans[l], 0); BiasRhos[l].CopyTo(destination.BiasRhos[l], 0);
        }
    }

    /// <summary>SHA-256 (hex) of the architecture and every μ and ρ bit.</summary>
    public string ContentHash()
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        h.AppendData(System.Text.Encoding.UTF8.GetBytes(Architecture.ToString()));
        foreach (var arr in WeightMeans.Concat(WeightRhos).Concat(BiasMeans).Concat(BiasRhos))
            h.AppendData(MemoryMarshal.AsBytes(arr.AsSpan()));
        return Convert.ToHexString(h.GetHashAndReset()).ToLowerInvariant();
    }
}
