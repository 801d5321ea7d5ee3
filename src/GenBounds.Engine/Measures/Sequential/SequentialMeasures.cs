using System.Diagnostics;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>What <see cref="SequentialMeasures.Compute"/> measures besides the always-on norms, cushions and contraction.</summary>
public sealed record SequentialMeasureOptions
{
    /// <summary>Feed φ(x⁰) = ReLU(x⁰) to the first block (the paper's literal x¹ = A¹φ(x⁰)); identical for inputs ≥ 0.</summary>
    public bool ReluOnInput { get; init; }
    /// <summary>Exact ‖J^{i,j}‖_F and β_{i,j} per sample by structured probing (<see cref="NetworkJacobians.ExactFrobenius"/>).</summary>
    public bool ExactJacobians { get; init; } = true;
    /// <summary>Hutchinson probes per sample and top layer (0 = estimator off).</summary>
    public int EstimatorProbes { get; init; }
    /// <summary>Probe distribution of the estimator.</summary>
    public ProbeKind ProbeKind { get; init; } = ProbeKind.Gaussian;
    /// <summary>Operator norms of convolutions (dense SVD or certified Lanczos; <see cref="ConvOperatorNorms"/>).</summary>
    public bool OperatorNorms { get; init; } = true;
    /// <summary>Perturbed network of the same architecture (lower layers compressed) for interlayer smoothness (ARORA-D7), or null.</summary>
    public Network? Perturbed { get; init; }
    /// <summary>Run the Figure-1 noise-attenuation experiment.</summary>
    public bool Attenuation { get; init; }
    /// <summary>Noise norm relative to the injection site's norm.</summary>
    public double AttenuationRelative { get; init; } = 0.1;
    /// <summary>Injection site of the attenuation noise.</summary>
    public NoiseSite AttenuationSite { get; init; } = NoiseSite.LayerInput;
    /// <summary>Randomness of the estimator and the attenuation noise (required when either is on).</summary>
    public Rng? Rng { get; init; }
    /// <summary>Samples per forward chunk; 0 chooses it from a memory budget of about 128 MB of activations.</summary>
    public int ChunkRows { get; init; }
    /// <summary>Linear-algebra provider (default: <see cref="LinearAlgebraProviders.Default"/>).</summary>
    public ILinearAlgebraProvider? Provider { get; init; }
}

/// <summary>
/// Norms of weight layer i: the reshaped weight matrix K (rows × fan-in; for a dense layer the matrix itself) and, for a
/// convolution, the operator norms (<see cref="ConvLayerNorms"/>; null for dense layers, where operator = matrix).
/// </summary>
public sealed record WeightLayerNorms(MatrixNorms Kernel, ConvLayerNorms? Convolution)
{
    /// <summary>‖A‖_F of the layer as a linear operator (= ‖K‖_F for dense layers).</summary>
    public double OperatorFrobenius => Convolution?.OperatorFrobenius ?? Kernel.Frobenius;
    /// <summary>‖A‖₂ of the layer as a linear operator, as a bracket (exact for dense layers and small convolutions).</summary>
    public SpectralNormBound OperatorSpectral => Convolution?.OperatorSpectral ?? new SpectralNormBound(Kernel.Spectral, Kernel.Spectral, 0, 0);
}

/// <summary>Per-layer summary at one outlier fraction ζ (layers i = 1..d).</summary>
/// <param name="Layer">i.</param>
/// <param name="Kind"><c>Conv2d</c> or <c>Linear</c>.</param>
/// <param name="Norms">Kernel and operator norms.</param>
/// <param name="LayerCushion">μ_i with the weight tensor's Frobenius norm (conv form; = Definition 4 for dense layers).</param>
/// <param name="OperatorLayerCushion">μ_i with the operator's Frobenius norm (Definition 4 read literally for a convolution).</param>
/// <param name="MinimalInterlayerCushion">μ_{i→} = min{1/√hⁱ, min_{j&gt;i} μ_{i,j}} with Definition 8's normalisation.</param>
/// <param name="Contraction">c_i = max ‖xⁱ‖/‖ReLU(xⁱ)‖ for i &lt; d; the global c for i = d.</param>
/// <param name="MeanActiveFraction">Mean fraction of entries of xⁱ that are positive (NaN for the output layer).</param>
/// <param name="Beta">β_i = max over j &gt; i and samples of β_{i,j} (Definition 9; 1 for i = d and for dense xⁱ).</param>
/// <param name="KernelOverStride">⌈κ_i/s_i⌉ with κ the larger kernel side (1 for dense layers).</param>
/// <param name="EffectiveParameters">Table-1 quantity c_i²β_i²⌈κ_i/s_i⌉²/(μ_i²μ_{i→}²).</param>
/// <param name="ActualParameters">Weights (+ biases) of the layer.</param>
public sealed record SequentialLayerMeasures(int Layer, string Kind, WeightLayerNorms Norms, double LayerCushion, double OperatorLayerCushion,
    double MinimalInterlayerCushion, double Contraction, double MeanActiveFraction, double Beta, int KernelOverStride, double EffectiveParameters, long ActualParameters);

/// <summary>
/// Data-dependent quantities of Arora et al. 2018 for a sequential (convolutional or fully connected) network on a sample
/// S, with every per-sample array kept; the convolutional forms of §5 (Definitions 8 and 9, Theorem 5.1) reduce to the
/// fully connected ones (Definitions 4–6, Theorem 4.1) on dense layers, where n₁ⁱ = n₂ⁱ = 1, β = 1 and ⌈κ/s⌉ = 1: on an MLP
/// every quantity equals <see cref="NetworkMeasures"/>'s. Min/max accessors take the outlier fraction ζ (<see cref="Robust"/>).
/// Float64 throughout.
/// <para>Readings (ours, stated because the paper leaves them open for convolutions): the layer cushion μ_i of a
/// convolution uses the weight tensor's ‖W‖_F (<see cref="LayerCushion"/>), which Table 1's magnitudes require (with the
/// operator's ‖A‖_F ≈ √(n₁n₂)‖W‖_F the effective parameter counts would grow by n₁n₂); the literal operator form is
/// <see cref="OperatorLayerCushion"/>. φ between weight layers is the whole block (ReLU, pooling, flatten) for cushions and
/// Jacobians; activation contraction uses the ReLU alone, ‖xⁱ‖/‖ReLU(xⁱ)‖, as Definition 6.</para>
/// </summary>
public sealed class SequentialMeasures
{
    private SequentialMeasures(DoubleNetwork net, int n, bool reluOnInput)
    {
        Net = net; Count = n; ReluOnInput = reluOnInput; int d = net.Depth;
        LayerCushionRatio = new double[d + 1][]; OperatorLayerCushionRatio = new double[d + 1][];
        ContractionRatio = new double[d][]; ActiveFraction = new double[d][];
        for (int i = 1; i <= d; i++) { LayerCushionRatio[i] = new double[n]; OperatorLayerCushionRatio[i] = new double[n]; }
        for (int i = 1; i < d; i++) { ContractionRatio[i] = new double[n]; ActiveFraction[i] = new double[n]; }
        OutputNorm = new double[n];
        Norms = new WeightLayerNorms[d + 1];
    }

    /// <summary>The measured network (float64).</summary>
    public DoubleNetwork Net { get; }
    /// <summary>|S|.</summary>
    public int Count { get; }
    /// <summary>Whether the first block saw ReLU(x⁰).</summary>
    public bool ReluOnInput { get; }
    /// <summary>Non-empty when a result rests on an assumption the network violates (biases).</summary>
    public IReadOnlyList<string> Caveats => Net.HasBias
        ? ["network has biases: Arora's identities M^{i,j}(x^i) = J^{i,j}x^i and the Theorem 4.1/5.1 rebalancing assume a bias-free net; cushions use the linear part A^i u^{i−1} = x^i − b^i, Jacobians ignore biases"]
        : [];
    /// <summary>Provider used, for reports.</summary>
    public string Provider { get; private set; } = "";
    /// <summary>Wall-clock seconds per phase (norms, forward, cushions, jacobians, estimator, smoothness, attenuation).</summary>
    public Dictionary<string, double> PhaseSeconds { get; } = new();
    /// <summary>GEMM floating-point operations per phase, for GFLOP/s figures.</summary>
    public Dictionary<string, double> PhaseFlops { get; } = new();

    /// <summary>Norms of weight layer i = 1..d (index 0 unused).</summary>
    public WeightLayerNorms[] Norms { get; }
    /// <summary>Per sample ‖Aⁱuⁱ⁻¹‖/(‖Wⁱ‖_F‖uⁱ⁻¹‖), i = 1..d (conv form; Definition 4 for dense layers).</summary>
    public double[][] LayerCushionRatio { get; }
    /// <summary>Per sample ‖Aⁱuⁱ⁻¹‖/(‖Aⁱ‖_F‖uⁱ⁻¹‖) with the operator's Frobenius norm, i = 1..d.</summary>
    public double[][] OperatorLayerCushionRatio { get; }
    /// <summary>Per sample ‖xⁱ‖/‖ReLU(xⁱ)‖, i = 1..d−1.</summary>
    public double[][] ContractionRatio { get; }
    /// <summary>Per sample fraction of entries of xⁱ that are positive, i = 1..d−1.</summary>
    public double[][] ActiveFraction { get; }
    /// <summary>Per sample ‖f(x)‖.</summary>
    public double[] OutputNorm { get; }
    /// <summary>Per sample f(x)[y] − max_{j≠y} f(x)[j], or null without labels.</summary>
    public double[]? Margin { get; private set; }
    /// <summary>Exact per-sample ‖J^{i,j}‖_F, or null.</summary>
    public PairSamples? JacobianFrobenius { get; private set; }
    /// <summary>Per-sample ‖J^{i,j}xⁱ‖.</summary>
    public PairSamples? JacobianTimesInput { get; private set; }
    /// <summary>Per-sample Definition-8 ratio ‖J xⁱ‖·√(n₁ⁱn₂ⁱ)/(‖J‖_F‖xⁱ‖) from the exact norms, or null.</summary>
    public PairSamples? InterlayerRatio { get; private set; }
    /// <summary>Exact per-sample β_{i,j} = √(n₁ⁱn₂ⁱ)·max_{a,b}‖J_{:,a,b,…}‖_F/‖J‖_F (Definition 9), or null.</summary>
    public PairSamples? WellDistributed { get; private set; }
    /// <summary>Hutchinson estimates of ‖J^{i,j}‖_F² per sample, or null.</summary>
    public PairSamples? EstimatedFrobeniusSquared { get; private set; }
    /// <summary>Standard errors of <see cref="EstimatedFrobeniusSquared"/>.</summary>
    public PairSamples? EstimatedStdErr { get; private set; }
    /// <summary>Plug-in Definition-8 ratios from the estimates (biased inside a minimum), or null.</summary>
    public PairSamples? EstimatedInterlayerRatio { get; private set; }
    /// <summary>Plug-in β_{i,j} from the estimates (biased upward), or null.</summary>
    public PairSamples? EstimatedWellDistributed { get; private set; }
    /// <summary>Interlayer smoothness of the perturbed network (one draw), or null.</summary>
    public SmoothnessDraw? Smoothness { get; private set; }
    /// <summary>Noise attenuation, or null.</summary>
    public AttenuationResult? Attenuation { get; private set; }

    /// <summary>μ_i with ‖Wⁱ‖_F (conv form; Definition 4 on dense layers).</summary>
    public double LayerCushion(int i, double zeta = 0) => Robust.Min(LayerCushionRatio[i], zeta);
    /// <summary>μ_i with the operator's ‖Aⁱ‖_F.</summary>
    public double OperatorLayerCushion(int i, double zeta = 0) => Robust.Min(OperatorLayerCushionRatio[i], zeta);
    /// <summary>μ_{i,j} (Definition 8), exact when available, else the plug-in estimate; NaN when neither was computed.</summary>
    public double InterlayerCushion(int i, int j, double zeta = 0) => InterlayerTable is { } t ? Robust.Min(t[i, j], zeta) : double.NaN;
    /// <summary>μ_{i→} = min{1/√hⁱ, min_{j&gt;i} μ_{i,j}} (footnote 1: μ_{i,i} = 1/√hⁱ under Definition 8's normalisation), removing whole samples for ζ &gt; 0.</summary>
    public double MinimalInterlayerCushion(int i, double zeta = 0)
    {
        double clip = 1 / Math.Sqrt(Net.Widths[i]);
        if (i == Net.Depth) return clip;
        if (InterlayerTable is not { } t) return double.NaN;
        return Math.Min(clip, Robust.Min(Robust.Pointwise(Enumerable.Range(i + 1, Net.Depth - i).Select(j => t[i, j]), Math.Min, double.PositiveInfinity), zeta));
    }
    /// <summary>c_i (Definition 6), i &lt; d.</summary>
    public double Contraction(int i, double zeta = 0) => Robust.Max(ContractionRatio[i], zeta);
    /// <summary>c = max over hidden layers and samples.</summary>
    public double C(double zeta = 0) => Net.Depth < 2 ? 1.0 : Robust.Max(Robust.Pointwise(ContractionRatio.Skip(1), Math.Max, 0.0), zeta);
    /// <summary>max_x ‖f(x)‖.</summary>
    public double MaxOutputNorm(double zeta = 0) => Robust.Max(OutputNorm, zeta);
    /// <summary>min_x of the margin (NaN without labels).</summary>
    public double MinMargin(double zeta = 0) => Margin is null ? double.NaN : Robust.Min(Margin, zeta);
    /// <summary>Whether interlayer cushions come from the estimator (no exact Jacobians were computed).</summary>
    public bool InterlayerFromEstimator => InterlayerRatio is null;
    private PairSamples? InterlayerTable => InterlayerRatio ?? EstimatedInterlayerRatio;
    private PairSamples? BetaTable => WellDistributed ?? EstimatedWellDistributed;

    /// <summary>β_{i,j} = max over samples (after removing ⌊ζn⌋ samples) of the per-sample β; 1 when i = j; NaN when not computed.</summary>
    public double Beta(int i, int j, double zeta = 0) => i == j ? 1.0 : BetaTable is { } t ? Robust.Max(t[i, j], zeta) : double.NaN;
    /// <summary>β_i = max_{j≥i} β_{i,j} (per-sample maximum over j &gt; i first; the pair (i, i), J = I, contributes 1); 1 for i = d.</summary>
    public double Beta(int i, double zeta = 0) => i == Net.Depth ? 1.0 : BetaTable is { } t
        ? Math.Max(1.0, Robust.Max(Robust.Pointwise(Enumerable.Range(i + 1, Net.Depth - i).Select(j => t[i, j]), Math.Max, 0.0), zeta)) : double.NaN;
    /// <summary>The β of Theorem 5.1: the Jacobians are β well-distributed for every pair, β = max_i β_i (≥ 1 by the diagonal pairs).</summary>
    public double Beta(double zeta = 0) => Enumerable.Range(1, Net.Depth).Max(i => Beta(i, zeta));
    /// <summary>⌈κ_i/s_i⌉ with κ_i the larger kernel side and s_i the stride of layer i (1 for dense layers).</summary>
    public int KernelOverStride(int i) => Net.WeightSpecs[i] is Conv2dSpec c ? (Math.Max(c.KernelHeight, c.KernelWidth) + c.Stride - 1) / c.Stride : 1;

    /// <summary>Table-1 quantity c_i²β_i²⌈κ_i/s_i⌉²/(μ_i²μ_{i→}²), c_i as in <see cref="SequentialLayerMeasures.Contraction"/>.</summary>
    public double EffectiveParameters(int i, double zeta = 0)
    {
        double c = i < Net.Depth ? Contraction(i, zeta) : C(zeta), mu = LayerCushion(i, zeta), mut = MinimalInterlayerCushion(i, zeta);
        double b = Beta(i, zeta), k = KernelOverStride(i);
        return c * c * b * b * k * k / (mu * mu * mut * mut);
    }

    /// <summary>
    /// The paper's plotted Theorem 5.1 proxy (1/γ²)·max_x‖f(x)‖²·Σ_i c²β²⌈κ_i/s_i⌉²/(μ_i²μ_{i→}²) with the global c and β;
    /// on a fully connected net it is the Theorem 4.1 proxy of <see cref="NetworkMeasures.TheoremProxy"/>.
    /// </summary>
    public double TheoremProxy(double gamma, double zeta = 0)
    {
        double c = C(zeta), b = Beta(zeta), f = MaxOutputNorm(zeta), sum = 0;
        for (int i = 1; i <= Net.Depth; i++)
        {
            double mu = LayerCushion(i, zeta), mut = MinimalInterlayerCushion(i, zeta), k = KernelOverStride(i);
            sum += c * c * b * b * k * k / (mu * mu * mut * mut);
        }
        return f * f * sum / (gamma * gamma);
    }

    /// <summary>All per-layer summaries at outlier fraction ζ.</summary>
    public IReadOnlyList<SequentialLayerMeasures> Layers(double zeta = 0) => Enumerable.Range(1, Net.Depth).Select(i => new SequentialLayerMeasures(i,
        Net.WeightSpecs[i].TorchModule, Norms[i], LayerCushion(i, zeta), OperatorLayerCushion(i, zeta), MinimalInterlayerCushion(i, zeta),
        i < Net.Depth ? Contraction(i, zeta) : C(zeta), i < Net.Depth ? ActiveFraction[i].Average() : double.NaN, Beta(i, zeta), KernelOverStride(i),
        EffectiveParameters(i, zeta), Net.W[i].Length + (Net.B[i]?.Length ?? 0))).ToList();

    /// <summary>Writes one CSV row per sample (invariant culture; "Infinity" for vacuous ratios) with every per-sample array that was computed.</summary>
    public void WritePerSampleCsv(TextWriter w)
    {
        var cols = new List<(string Name, double[] Values)> { ("output_norm", OutputNorm) };
        if (Margin is not null) cols.Add(("margin", Margin));
        for (int i = 1; i <= Net.Depth; i++) { cols.Add(($"layer_cushion_{i}", LayerCushionRatio[i])); cols.Add(($"operator_layer_cushion_{i}", OperatorLayerCushionRatio[i])); }
        for (int i = 1; i < Net.Depth; i++) { cols.Add(($"contraction_{i}", ContractionRatio[i])); cols.Add(($"active_{i}", ActiveFraction[i])); }
        void Pairs(string name, PairSamples? t) { if (t is not null) foreach (var (i, j) in t.Pairs()) cols.Add(($"{name}_{i}_{j}", t[i, j])); }
        Pairs("jacobian_fro", JacobianFrobenius); Pairs("jacobian_x", JacobianTimesInput); Pairs("interlayer", InterlayerRatio); Pairs("beta", WellDistributed);
        Pairs("est_fro2", EstimatedFrobeniusSquared); Pairs("est_fro2_se", EstimatedStdErr); Pairs("est_interlayer", EstimatedInterlayerRatio); Pairs("est_beta", EstimatedWellDistributed);
        Pairs("smoothness_r", Smoothness?.Ratio); Pairs("attenuation", Attenuation?.RelativeError);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        w.WriteLine("sample," + string.Join(",", cols.Select(c => c.Name)));
        for (int s = 0; s < Count; s++) w.WriteLine(s.ToString(inv) + "," + string.Join(",", cols.Select(c => c.Values[s].ToString("R", inv))));
    }

    /// <summary>
    /// Measures <paramref name="net"/> on n row-major float32 inputs (each a flattened C×H×W sample), chunk by chunk.
    /// <paramref name="labels"/> (optional) gives margins. Throws <see cref="NotSupportedException"/> for networks whose blocks
    /// between weight layers do not hold exactly one ReLU (see <see cref="DoubleNetwork"/>).
    /// </summary>
    public static SequentialMeasures Compute(Network net, float[] inputs, int n, int[]? labels, SequentialMeasureOptions options)
    {
        ArgumentNullException.ThrowIfNull(net); ArgumentNullException.ThrowIfNull(inputs); ArgumentNullException.ThrowIfNull(options);
        var p = options.Provider ?? LinearAlgebraProviders.Default;
        var dn = new DoubleNetwork(net); int d = dn.Depth, h0 = dn.XShape[0].Size;
        if (inputs.Length < (long)n * h0) throw new ArgumentException($"inputs hold {inputs.Length} values, {n} samples need {(long)n * h0}");
        var m = new SequentialMeasures(dn, n, options.ReluOnInput) { Provider = p.Name };
        var clock = Stopwatch.StartNew();
        void Flops(string phase, double f) => m.PhaseFlops[phase] = m.PhaseFlops.GetValueOrDefault(phase) + f;
        void Lap(string phase) { m.PhaseSeconds[phase] = m.PhaseSeconds.GetValueOrDefault(phase) + clock.Elapsed.TotalSeconds; clock.Restart(); }

        for (int i = 1; i <= d; i++)
        {
            var layer = net.WeightLayers[i - 1];
            var kernel = MatrixNorms.Of(dn.W[i], layer.Rows, layer.FanIn, p);
            m.Norms[i] = new WeightLayerNorms(kernel, layer is Conv2dLayer conv && options.OperatorNorms ? ConvOperatorNorms.Compute(dn.W[i], conv.Conv, conv.InputShape, p) : null);
        }
        Lap("norms");
        if (labels is not null) m.Margin = new double[n];
        if (options.ExactJacobians) { m.JacobianFrobenius = new PairSamples(d, n, false); m.InterlayerRatio = new PairSamples(d, n, false); m.WellDistributed = new PairSamples(d, n, false); }
        if (options.ExactJacobians || options.EstimatorProbes > 0) m.JacobianTimesInput = new PairSamples(d, n, false);
        if (options.EstimatorProbes > 0)
        {
            m.EstimatedFrobeniusSquared = new PairSamples(d, n, false); m.EstimatedStdErr = new PairSamples(d, n, false);
            m.EstimatedInterlayerRatio = new PairSamples(d, n, false); m.EstimatedWellDistributed = new PairSamples(d, n, false);
        }
        bool needRng = options.EstimatorProbes > 0 || options.Attenuation;
        var rng = options.Rng ?? (needRng ? throw new ArgumentException("the estimator and the attenuation experiment need SequentialMeasureOptions.Rng") : null);
        ulong estSeed = rng?.Split("jacobian-estimator").NextUInt64() ?? 0; ulong attSeed = rng?.Split("noise-attenuation").NextUInt64() ?? 0;
        DoubleNetwork? pert = null;
        if (options.Perturbed is { } pn)
        {
            if (!pn.Architecture.Equals(net.Architecture)) throw new ArgumentException($"perturbed network {pn.Architecture} differs from {net.Architecture}");
            pert = new DoubleNetwork(pn);
            m.Smoothness = InterlayerSmoothness.Create(d, n);
        }
        if (options.Attenuation) m.Attenuation = NoiseAttenuation.Create(d, n);

        int chunk = options.ChunkRows > 0 ? options.ChunkRows : ChunkFor(dn);
        double forwardFlops = Enumerable.Range(1, d).Sum(k => 2.0 * dn.W[k].Length * dn.Locations[k]);
        for (int s0 = 0; s0 < n; s0 += chunk)
        {
            int rows = Math.Min(chunk, n - s0);
            var t = NetworkTrace.Compute(dn, inputs.AsSpan(s0 * h0, rows * h0), rows, options.ReluOnInput, p);
            Lap("forward"); Flops("forward", rows * forwardFlops);
            m.PerSample(t, s0, labels);
            Lap("cushions");
            double jxFlops = m.JacobianTimesInput is { } jx ? NetworkJacobians.JacobianTimesInputNorms(t, jx, s0, p) : 0;
            if (m.JacobianFrobenius is { } jf)
            {
                Flops("jacobians", jxFlops + NetworkJacobians.ExactFrobenius(t, jf, m.WellDistributed, s0, p));
                foreach (var (i, j) in jf.Pairs())
                    for (int s = s0; s < s0 + rows; s++)
                    {
                        jf[i, j][s] = Math.Sqrt(jf[i, j][s]);
                        m.InterlayerRatio![i, j][s] = Robust.RatioForMin(m.JacobianTimesInput![i, j][s] * Math.Sqrt(dn.Locations[i]), jf[i, j][s] * t.XNorm[i][s - s0]);
                    }
                Lap("jacobians");
            }
            if (m.EstimatedFrobeniusSquared is { } est)
            {
                Flops("estimator", (m.JacobianFrobenius is null ? jxFlops : 0) +
                    NetworkJacobians.Estimate(t, options.EstimatorProbes, estSeed, est, m.EstimatedStdErr!, m.EstimatedWellDistributed, s0, options.ProbeKind, p));
                foreach (var (i, j) in est.Pairs())
                    for (int s = s0; s < s0 + rows; s++)
                        m.EstimatedInterlayerRatio![i, j][s] = Robust.RatioForMin(m.JacobianTimesInput![i, j][s] * Math.Sqrt(dn.Locations[i]), Math.Sqrt(Math.Max(0, est[i, j][s])) * t.XNorm[i][s - s0]);
                Lap("estimator");
            }
            if (pert is not null)
            {
                var tp = NetworkTrace.Compute(pert, inputs.AsSpan(s0 * h0, rows * h0), rows, options.ReluOnInput, p);
                SequentialExperiments.Smoothness(t, tp, m.Smoothness!, s0, p);
                Lap("smoothness");
            }
            if (m.Attenuation is { } att)
            {
                SequentialExperiments.Attenuation(t, attSeed, att, s0, options.AttenuationRelative, options.AttenuationSite, p);
                Lap("attenuation");
            }
        }
        return m;
    }

    private static int ChunkFor(DoubleNetwork net)
    {
        long perSample = 0;
        for (int k = 0; k <= net.Depth; k++) perSample += 2L * net.XShape[k].Size;
        for (int k = 1; k <= net.Depth; k++) foreach (var s in net.BlockShapes[k]) perSample += s.Size;
        return (int)Math.Clamp((16L << 20) / Math.Max(1, perSample), 1, 1024);
    }

    private void PerSample(NetworkTrace t, int s0, int[]? labels)
    {
        int d = Net.Depth, n = t.Count;
        for (int i = 1; i <= d; i++)
        {
            double kf = Norms[i].Kernel.Frobenius, of = Norms[i].OperatorFrobenius;
            for (int s = 0; s < n; s++)
            {
                LayerCushionRatio[i][s0 + s] = Robust.RatioForMin(t.LinearNorm[i][s], kf * t.UNorm[i - 1][s]);
                OperatorLayerCushionRatio[i][s0 + s] = Robust.RatioForMin(t.LinearNorm[i][s], of * t.UNorm[i - 1][s]);
                if (i < d) ContractionRatio[i][s0 + s] = Robust.RatioForMax(t.XNorm[i][s], t.ReluNorm[i][s]);
            }
            if (i < d)
            {
                var counts = new int[n];
                SequentialOps.Planes(Net.XShape[i], n, (c, r, off, len) => { var x = t.X[i].AsSpan(off, len); int a = 0; foreach (var v in x) if (v > 0) a++; counts[r] += a; });
                for (int s = 0; s < n; s++) ActiveFraction[i][s0 + s] = (double)counts[s] / Net.XShape[i].Size;
            }
        }
        for (int s = 0; s < n; s++)
        {
            OutputNorm[s0 + s] = t.XNorm[d][s];
            if (labels is null) continue;
            var f = t.Sample(d, s); int y = labels[s0 + s]; double other = double.NegativeInfinity;
            for (int k = 0; k < f.Length; k++) if (k != y) other = Math.Max(other, f[k]);
            Margin![s0 + s] = f[y] - other;
        }
    }
}
