using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>How GUHA-ALG1 treats the diagonal positions (i, i), i &lt; min(h_l, h_{l−1}).</summary>
public enum DiagonalPolicy
{
    /// <summary>The paper's rule: diagonal entries are never pruned (Remark 4.1: needed by the sketching theorem).</summary>
    Keep,
    /// <summary>The authors' code (`get_mask`): the diagonal is pruned like every other entry.</summary>
    Prune,
}

/// <summary>Per-layer outcome of one GUHA-ALG1 draw.</summary>
/// <param name="Layer">Layer index (0 = first layer).</param>
/// <param name="Psi">Ψ_l: population variance of the layer's weights (np.var).</param>
/// <param name="Positions">h_l·h_{l−1}.</param>
/// <param name="Kept">Number of kept positions J_l of the mask (a kept weight that is exactly 0 still counts here).</param>
/// <param name="ExemptDiagonal">Diagonal positions exempted from the draw (0 under <see cref="DiagonalPolicy.Prune"/>).</param>
/// <param name="ExpectedKept">Σ over positions of the conditional keep probability given these weights (the mask's exact mean).</param>
/// <param name="GaussianKeepProbability">χ(d), the keep probability of an off-diagonal entry under Assumption 3.1.</param>
public sealed record LayerPruningStats(int Layer, double Psi, long Positions, long Kept, int ExemptDiagonal, double ExpectedKept, double GaussianKeepProbability)
{
    /// <summary>Observed keep fraction J_l / (h_l·h_{l−1}).</summary>
    public double KeepFraction => Kept / (double)Positions;
}

/// <summary>Result of GUHA-ALG1 on a whole network.</summary>
/// <param name="Network">The pruned network (biases untouched).</param>
/// <param name="Masks">The sampled masks.</param>
/// <param name="Layers">Per-layer statistics.</param>
/// <param name="D">Pruning strength d.</param>
/// <param name="Diagonal">Diagonal policy used.</param>
/// <param name="Seed">Seed of the Rng the masks were drawn from (replay).</param>
public sealed record MagnitudePruningResult(Mlp Network, NetworkMasks Masks, IReadOnlyList<LayerPruningStats> Layers, double D, DiagonalPolicy Diagonal, ulong Seed);

/// <summary>Exact conditional moments of the pruning residual Δ = W − Ŵ given fixed weights (GUHA-L4.1, conditional version).</summary>
/// <param name="Mean">E[Δ_ij | W] = W_ij·e^{−W_ij²/(dΨ)} (0 on exempt diagonal entries), row-major.</param>
/// <param name="AverageSecond">(1/n) Σ E[Δ_ij² | W] = (1/n) Σ W_ij²·e^{−W_ij²/(dΨ)} over the n non-exempt positions.</param>
/// <param name="AverageFourth">(1/n) Σ W_ij⁴·e^{−W_ij²/(dΨ)} over the n non-exempt positions.</param>
/// <param name="AveragePruneProbability">(1/n) Σ e^{−W_ij²/(dΨ)}, to compare with π(d).</param>
public sealed record ConditionalResidualMoments(double[] Mean, double AverageSecond, double AverageFourth, double AveragePruneProbability);

/// <summary>
/// GUHA-ALG1, randomised magnitude-based pruning (Guha, Dubey, Huo 2023, Algorithm 1; rule read from the authors' code):
/// per layer Ψ_l = population variance of W^l; every non-exempt entry is pruned independently with probability
/// e^{−W²/(dΨ_l)}. Closed forms under Assumption 3.1 (W_ij ~ N(0, Ψ) i.i.d.) are DERIVED in the catalog (GUHA-L4.1).
/// </summary>
public static class MagnitudePruning
{
    /// <summary>χ(d) = (√(d+2) − √d)/√(d+2): keep probability of an off-diagonal entry under Assumption 3.1 (DERIVED; the code's expression).</summary>
    public static double KeepProbabilityGaussian(double d)
    {
        CheckD(d);
        return (Math.Sqrt(d + 2) - Math.Sqrt(d)) / Math.Sqrt(d + 2);
    }

    /// <summary>π(d) = √(d/(d+2)): prune probability of an off-diagonal entry under Assumption 3.1 (DERIVED).</summary>
    public static double PruneProbabilityGaussian(double d)
    {
        CheckD(d);
        return Math.Sqrt(d / (d + 2));
    }

    /// <summary>Conditional prune probability e^{−w²/(dΨ)} of a weight w (GUHA-ALG1).</summary>
    public static double PruneProbability(double w, double d, double psi)
    {
        CheckD(d);
        if (!(psi > 0)) throw new ArgumentOutOfRangeException(nameof(psi), $"Ψ must be positive (got {psi})");
        return Math.Exp(-w * w / (d * psi));
    }

    /// <summary>Conditional keep probability 1 − e^{−w²/(dΨ)} (what the authors' code samples).</summary>
    public static double KeepProbability(double w, double d, double psi)
    {
        // 1 − e^{−x} via the complement of the validated prune probability loses digits for tiny x; compute it directly.
        double x = w * w / (d * psi);
        _ = PruneProbability(w, d, psi);
        return x < 1e-5 ? x * (1 - x / 2 + x * x / 6) : 1 - Math.Exp(-x);
    }

    /// <summary>E[Δ²] = Ψ(d/(d+2))^{3/2} and E[Δ⁴] = 3Ψ²(d/(d+2))^{5/2} of an off-diagonal residual entry under Assumption 3.1 (GUHA-L4.1, DERIVED); E[Δ] = 0.</summary>
    public static (double Second, double Fourth) GaussianResidualMoments(double d, double psi)
    {
        CheckD(d);
        double r = d / (d + 2);
        return (psi * Math.Pow(r, 1.5), 3 * psi * psi * Math.Pow(r, 2.5));
    }

    /// <summary>Population variance (mean subtracted, divisor n), i.e. numpy's <c>np.var</c>, accumulated in double.</summary>
    public static double PopulationVariance(ReadOnlySpan<float> w)
    {
        if (w.IsEmpty) throw new ArgumentException("variance of an empty layer");
        double mean = 0;
        foreach (var x in w) mean += x;
        mean /= w.Length;
        double s = 0;
        foreach (var x in w) { double e = x - mean; s += e * e; }
        return s / w.Length;
    }

    /// <summary>Whether (i, j) is an exempt diagonal slot: i = j and i &lt; min(rows, cols), under the paper's policy.</summary>
    public static bool IsExemptDiagonal(int i, int j, DiagonalPolicy policy) => policy == DiagonalPolicy.Keep && i == j;

    /// <summary>
    /// One GUHA-ALG1 mask for a rows×cols weight (row-major): keep (i, j) iff U_ij ≥ e^{−W²/(dΨ)} with U_ij uniform on [0, 1).
    /// One uniform is consumed per position, exempt or not, so the two diagonal policies give the same off-diagonal mask for a seed.
    /// </summary>
    public static Mask SampleMask(ReadOnlySpan<float> weight, int rows, int cols, double d, double psi, DiagonalPolicy policy, Rng rng)
    {
        CheckShape(weight, rows, cols);
        CheckD(d);
        if (!(psi > 0)) throw new ArgumentOutOfRangeException(nameof(psi), $"Ψ must be positive (got {psi}); a constant layer has no magnitude scale");
        double inv = 1.0 / (d * psi);
        var m = new byte[weight.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                int idx = i * cols + j;
                double w = weight[idx];
                double u = rng.NextDouble();
                m[idx] = IsExemptDiagonal(i, j, policy) || u >= Math.Exp(-w * w * inv) ? (byte)1 : (byte)0;
            }
        return new Mask(rows, cols, m);
    }

    /// <summary>
    /// GUHA-ALG1 on every layer of <paramref name="network"/>. Layer l draws from <c>rng.Split("layer-" + l)</c>, so a layer's mask
    /// does not depend on the other layers' shapes. Biases are left as they are (the authors prune only <c>nn.Linear</c> weights).
    /// </summary>
    public static MagnitudePruningResult Prune(Mlp network, double d, Rng rng, DiagonalPolicy policy = DiagonalPolicy.Keep)
    {
        CheckD(d);
        var masks = new Mask[network.Layers.Length];
        var stats = new LayerPruningStats[network.Layers.Length];
        double chi = KeepProbabilityGaussian(d);
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var layer = network.Layers[l];
            double psi = PopulationVariance(layer.Weight);
            masks[l] = SampleMask(layer.Weight, layer.Out, layer.In, d, psi, policy, rng.Split("layer-" + l));
            var keep = KeepProbabilities(layer.Weight, layer.Out, layer.In, d, psi, policy);
            int exempt = policy == DiagonalPolicy.Keep ? Math.Min(layer.Out, layer.In) : 0;
            stats[l] = new LayerPruningStats(l, psi, (long)layer.Out * layer.In, masks[l].KeptCount, exempt, keep.Sum(), chi);
        }
        var nm = new NetworkMasks(network.Architecture, masks);
        return new MagnitudePruningResult(nm.Apply(network), nm, stats, d, policy, rng.Seed);
    }

    /// <summary>Per-entry conditional keep probabilities 1 − e^{−W²/(dΨ)} (1 on exempt diagonal slots), row-major.</summary>
    public static double[] KeepProbabilities(ReadOnlySpan<float> weight, int rows, int cols, double d, double psi, DiagonalPolicy policy)
    {
        CheckShape(weight, rows, cols);
        var p = new double[weight.Length];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
                p[i * cols + j] = IsExemptDiagonal(i, j, policy) ? 1.0 : KeepProbability(weight[i * cols + j], d, psi);
        return p;
    }

    /// <summary>Exact conditional residual moments for fixed weights (GUHA-L4.1 conditional version: the mean is not zero).</summary>
    public static ConditionalResidualMoments ConditionalMoments(ReadOnlySpan<float> weight, int rows, int cols, double d, double psi, DiagonalPolicy policy)
    {
        CheckShape(weight, rows, cols);
        var mean = new double[weight.Length];
        double s2 = 0, s4 = 0, sp = 0;
        long n = 0;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                if (IsExemptDiagonal(i, j, policy)) continue;
                int idx = i * cols + j;
                double w = weight[idx], p = PruneProbability(w, d, psi), w2 = w * w;
                mean[idx] = w * p;
                s2 += w2 * p; s4 += w2 * w2 * p; sp += p; n++;
            }
        return n == 0 ? new ConditionalResidualMoments(mean, 0, 0, 0) : new ConditionalResidualMoments(mean, s2 / n, s4 / n, sp / n);
    }

    private static void CheckD(double d)
    {
        if (!(d > 0) || double.IsInfinity(d)) throw new ArgumentOutOfRangeException(nameof(d), $"pruning strength d must be positive and finite (got {d})");
    }

    private static void CheckShape(ReadOnlySpan<float> w, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0 || w.Length != (long)rows * cols)
            throw new ArgumentException($"weight buffer of {w.Length} entries does not match {rows}×{cols}");
    }
}
