using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>Measured quantities that ARORA-L3 needs (measured on the full training set by the caller).</summary>
/// <param name="LayerCushions">μ_i, i = 1..d (ARORA-D4).</param>
/// <param name="InterlayerCushions">Minimal interlayer cushions μ_{i→}, i = 1..d (ARORA-D5).</param>
/// <param name="ActivationContraction">c (ARORA-D6).</param>
/// <param name="Depth">d, the number of layers.</param>
/// <param name="MaxWidth">h = max_i h^i.</param>
/// <param name="SampleCount">m = |S|.</param>
/// <param name="Epsilon">ε ∈ (0, 1], the relative output error.</param>
/// <param name="Delta">δ ∈ (0, 1].</param>
public sealed record AroraLemma3Inputs(IReadOnlyList<double> LayerCushions, IReadOnlyList<double> InterlayerCushions, double ActivationContraction,
    int Depth, int MaxWidth, int SampleCount, double Epsilon, double Delta)
{
    /// <summary>Throws unless the inputs are in the lemma's range.</summary>
    public void Validate()
    {
        if (Depth <= 0 || MaxWidth <= 0 || SampleCount <= 0) throw new ArgumentOutOfRangeException(nameof(Depth), "d, h and m must be positive");
        if (LayerCushions.Count != Depth || InterlayerCushions.Count != Depth) throw new ArgumentException($"need {Depth} layer and interlayer cushions, got {LayerCushions.Count} and {InterlayerCushions.Count}");
        if (LayerCushions.Concat(InterlayerCushions).Any(x => !(x > 0 && x <= 1))) throw new ArgumentOutOfRangeException(nameof(LayerCushions), "cushions must be in (0, 1]");
        if (!(ActivationContraction >= 1) || double.IsInfinity(ActivationContraction)) throw new ArgumentOutOfRangeException(nameof(ActivationContraction), "c ≥ 1 and finite (‖x‖ ≥ ‖φ(x)‖ always)");
        if (!(Epsilon > 0 && Epsilon <= 1) || !(Delta > 0 && Delta <= 1)) throw new ArgumentOutOfRangeException(nameof(Epsilon), "0 < ε ≤ 1 and 0 < δ ≤ 1");
    }
}

/// <summary>The per-layer accuracies and helper counts of ARORA-L3.</summary>
/// <param name="LayerEpsilons">ε_i = ε·μ_i·μ_{i→}/(D·c·d), D = <paramref name="EpsilonDenominator"/>.</param>
/// <param name="Eta">η = δ/(6d²h²m).</param>
/// <param name="HelperCounts">k_i = C·ln(1/η)/ε_i² (real numbers, before ceiling).</param>
/// <param name="TotalParameters">Σ_i k_i.</param>
/// <param name="StatedCount">The lemma's stated total 72c²d²·ln(mdh/δ)/ε²·Σ_i 1/(μ_i²μ_{i→}²) (natural log).</param>
/// <param name="EpsilonDenominator">D in ε_i (6 reproduces the constant 72; the text prints 4).</param>
/// <param name="HelperConstant">C in k_i (1 is the paper's literal choice).</param>
public sealed record AroraLemma3Plan(double[] LayerEpsilons, double Eta, double[] HelperCounts, double TotalParameters, double StatedCount, double EpsilonDenominator, double HelperConstant);

/// <summary>How one layer's Â was produced.</summary>
public enum ProjectionMethod
{
    /// <summary>Exact Matrix-Project with ⌈k_i⌉ regenerated sign matrices.</summary>
    Exact,
    /// <summary>The Gaussian surrogate of <see cref="MatrixProject.GaussianSurrogate(ReadOnlySpan{double}, int, int, double, GenBounds.Random.Rng)"/> (k_i·h1·h2 above the budget).</summary>
    GaussianSurrogate,
}

/// <summary>One compressed layer.</summary>
/// <param name="Layer">Index (0 = first layer).</param>
/// <param name="K">Helper count ⌈k_i⌉ used.</param>
/// <param name="Method">Exact or surrogate.</param>
/// <param name="HelperSeed">Seed from which the layer's sign matrices are regenerated.</param>
/// <param name="Coefficients">z (exact method only; null for the surrogate, which has no coefficients).</param>
public sealed record CompressedLayer(int Layer, long K, ProjectionMethod Method, ulong HelperSeed, double[]? Coefficients);

/// <summary>The network f_Ã of ARORA-L3 with its provenance.</summary>
public sealed record CompressedNetwork(Mlp Network, AroraLemma3Plan Plan, IReadOnlyList<CompressedLayer> Layers, bool CompressedDeltaFromInit);

/// <summary>
/// ARORA-L3 (Arora et al. 2018, Lemma 3, proof App. B.2): layer i is compressed by Matrix-Project with
/// ε_i = ε·μ_i·μ_{i→}/(6cd) and η = δ/(6d²h²m), so k_i = ln(1/η)/ε_i² = 36c²d²·ln(6d²h²m/δ)/(ε²μ_i²μ_{i→}²).
/// PAPER-ISSUE: the text prints ε_i = εμ_iμ_{i→}/(4cd), but the bounding chain uses 6cd and only 6cd reproduces the stated constant 72
/// (36·ln(6d²h²m/δ) ≤ 72·ln(mdh/δ) when m/δ ≥ 6); 6 is the default denominator. The lemma is for bias-free nets; biases are copied as they are.
/// </summary>
public static class NetworkCompression
{
    /// <summary>ε_i, η, k_i and the parameter counts of ARORA-L3.</summary>
    public static AroraLemma3Plan Plan(AroraLemma3Inputs inputs, double helperConstant = 1.0, double epsilonDenominator = 6.0)
    {
        inputs.Validate();
        if (!(helperConstant > 0) || !(epsilonDenominator > 0)) throw new ArgumentOutOfRangeException(nameof(helperConstant));
        int d = inputs.Depth;
        double c = inputs.ActivationContraction, h = inputs.MaxWidth, m = inputs.SampleCount, eps = inputs.Epsilon, delta = inputs.Delta;
        double eta = delta / (6.0 * d * d * h * h * m);
        var epsI = new double[d];
        var k = new double[d];
        double sumInv = 0;
        for (int i = 0; i < d; i++)
        {
            double mu = inputs.LayerCushions[i], muTo = inputs.InterlayerCushions[i];
            epsI[i] = eps * mu * muTo / (epsilonDenominator * c * d);
            k[i] = helperConstant * Math.Log(1 / eta) / (epsI[i] * epsI[i]);
            sumInv += 1 / (mu * mu * muTo * muTo);
        }
        double stated = 72 * c * c * d * d * Math.Log(m * d * h / delta) / (eps * eps) * sumInv;
        return new AroraLemma3Plan(epsI, eta, k, k.Sum(), stated, epsilonDenominator, helperConstant);
    }

    /// <summary>
    /// Compresses every layer of <paramref name="network"/> per <paramref name="plan"/>: exact Matrix-Project when ⌈k_i⌉·h1·h2 ≤
    /// <paramref name="exactBudget"/>, otherwise the Gaussian surrogate (drawn from <c>surrogateRng.Split("layer-" + i)</c>).
    /// Layer i's helper seed is <c>SeedStreams.Derive(helperSeed, "layer-" + i)</c>. With <paramref name="initial"/> given,
    /// A − A_init is compressed and A_init added back (ARORA-R4.1; regenerate A_init with <see cref="Mlp.InitializeDefault"/> from its seed).
    /// </summary>
    public static CompressedNetwork Compress(Mlp network, AroraLemma3Plan plan, ulong helperSeed, Rng surrogateRng, long exactBudget = 20_000_000, Mlp? initial = null)
    {
        if (plan.HelperCounts.Length != network.Layers.Length) throw new ArgumentException($"plan has {plan.HelperCounts.Length} layers, network {network.Layers.Length}");
        if (initial is not null && !initial.Architecture.Equals(network.Architecture)) throw new ArgumentException("initial network has a different architecture");
        var result = network.Clone();
        var layers = new List<CompressedLayer>();
        for (int i = 0; i < network.Layers.Length; i++)
        {
            var layer = network.Layers[i];
            int rows = layer.Out, cols = layer.In;
            var a = layer.WeightAsDouble();
            var init = initial?.Layers[i].WeightAsDouble();
            double kReal = Math.Ceiling(plan.HelperCounts[i]);
            ulong seed = SeedStreams.Derive(helperSeed, "layer-" + i);
            double[] approx;
            CompressedLayer info;
            if (kReal * rows * cols <= exactBudget && kReal <= int.MaxValue)
            {
                int k = (int)kReal;
                var z = init is null ? MatrixProject.Compress(a, rows, cols, k, seed) : MatrixProject.CompressDelta(a, init, rows, cols, k, seed);
                approx = init is null ? MatrixProject.Decompress(z, rows, cols, seed) : MatrixProject.DecompressDelta(z, init, rows, cols, seed);
                info = new CompressedLayer(i, k, ProjectionMethod.Exact, seed, z);
            }
            else
            {
                var rng = surrogateRng.Split("layer-" + i);
                if (init is null) approx = MatrixProject.GaussianSurrogate(a, rows, cols, kReal, rng);
                else
                {
                    var delta = new double[a.Length];
                    System.Numerics.Tensors.TensorPrimitives.Subtract(a, init, delta);
                    approx = MatrixProject.GaussianSurrogate(delta, rows, cols, kReal, rng);
                    System.Numerics.Tensors.TensorPrimitives.Add(approx, init, approx);
                }
                info = new CompressedLayer(i, (long)kReal, ProjectionMethod.GaussianSurrogate, seed, null);
            }
            for (int j = 0; j < approx.Length; j++) result.Layers[i].Weight[j] = (float)approx[j];
            layers.Add(info);
        }
        return new CompressedNetwork(result, plan, layers, initial is not null);
    }
}
