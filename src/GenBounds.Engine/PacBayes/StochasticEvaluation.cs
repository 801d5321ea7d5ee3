using System.Numerics.Tensors;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>Errors of a randomised classifier counted over independent posterior draws.</summary>
/// <param name="Errors">Misclassified draws (ties count as errors).</param>
/// <param name="Draws">Total draws = passes × examples.</param>
/// <param name="Passes">Passes over the data; each pass draws one network per example.</param>
/// <param name="Examples">Examples per pass.</param>
public sealed record StochasticErrors(long Errors, long Draws, int Passes, int Examples)
{
    /// <summary>Errors / draws: an unbiased estimate of the stochastic risk on the data, L̂_S(Q).</summary>
    public double Rate => Errors / (double)Draws;
}

/// <summary>
/// Monte Carlo estimate of the empirical risk L̂_S(Q) = (1/m) Σ_i E_{h~Q} 1[h errs on z_i] by per-example draws: each
/// pass gives every example its own independently drawn network, sampled layer by layer from the pre-activation
/// moments (<see cref="GaussianBackprop{T}"/>: two GEMMs per layer instead of one network per draw). The
/// passes × m indicator variables are independent with mean of means L̂_S(Q), so
/// <see cref="MonteCarloBounds.SampleConvergenceUpper"/> applies with n = passes × m (docs/pacbayes.md).
/// </summary>
public static class StochasticEvaluation
{
    /// <summary>
    /// Counts errors over <paramref name="passes"/> passes; pass p draws its noise from <c>rng.Split("pass-" + p)</c>,
    /// so the result is a pure function of the arguments (and of the BLAS thread count through rounding).
    /// </summary>
    public static StochasticErrors Evaluate(GaussianMlp posterior, Dataset data, int passes, Rng rng, ILinearAlgebraProvider la,
        int chunk = 1000, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(rng);
        if (passes < 1) throw new ArgumentOutOfRangeException(nameof(passes), passes, "need at least one pass");
        var arch = posterior.Architecture;
        if (data.Dimension != arch.InputSize) throw new ArgumentException($"data dimension {data.Dimension} ≠ network input {arch.InputSize}");
        if (data.Classes > arch.OutputSize) throw new ArgumentException($"data has {data.Classes} classes, network only {arch.OutputSize} outputs");
        int n = data.Count, d = data.Dimension;
        chunk = Math.Max(1, Math.Min(chunk, n));
        var (wVar, bVar) = Variances(posterior);
        var bp = new GaussianBackprop<float>(la, arch.LayerSizes, arch.Bias, chunk);
        var noise = new GaussianNoise();
        var bMean = posterior.BiasMeans.Select(b => b.Length == 0 ? null : b).ToArray();
        var bVarN = bVar.Select(b => b.Length == 0 ? null : b).ToArray();
        long errors = 0;
        int chunks = (n + chunk - 1) / chunk;
        for (int p = 0; p < passes; p++)
        {
            var r = rng.Split("pass-" + p);
            for (int c = 0; c < chunks; c++)
            {
                int start = c * chunk, batch = Math.Min(chunk, n - start);
                for (int l = 0; l < arch.Depth; l++) noise.Fill(bp.Noise[l].AsSpan(0, batch * arch.LayerSizes[l + 1]), r);
                bp.Forward(posterior.WeightMeans, wVar, bMean, bVarN, data.Features.AsSpan(start * d, batch * d), batch);
                errors += bp.Errors(data.Labels.AsSpan(start, batch), batch);
                progress?.Invoke(p * chunks + c + 1, passes * chunks);
            }
        }
        return new StochasticErrors(errors, (long)passes * n, passes, n);
    }

    /// <summary>Materialised variances σ² = softplus(ρ)² (weights, biases) per layer.</summary>
    public static (float[][] Weights, float[][] Biases) Variances(GaussianMlp posterior)
    {
        var (sw, sb) = posterior.Sigmas();
        foreach (var s in sw.Concat(sb)) TensorPrimitives.Multiply(s, s, s);
        return (sw, sb);
    }
}
