using System.Diagnostics;
using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>What <see cref="NetworkMeasures.Compute"/> measures besides the always-on cushions and norms.</summary>
public sealed record MeasureOptions
{
    /// <summary>Feed φ(x⁰) to layer 1 (the paper's literal x¹ = A¹φ(x⁰)); identical for inputs ≥ 0.</summary>
    public bool ReluOnInput { get; init; }
    /// <summary>Exact ‖J^{i,j}‖_F per sample (ARORA-D5).</summary>
    public bool ExactJacobians { get; init; } = true;
    /// <summary>Hutchinson probes per sample and layer (0 = estimator off).</summary>
    public int EstimatorProbes { get; init; }
    /// <summary>Probe distribution of the estimator.</summary>
    public ProbeKind ProbeKind { get; init; } = ProbeKind.Gaussian;
    /// <summary>Perturbed network of the same shape (lower layers compressed) for interlayer smoothness (ARORA-D7), or null.</summary>
    public Mlp? Perturbed { get; init; }
    /// <summary>Run the Figure-1 noise-attenuation experiment.</summary>
    public bool Attenuation { get; init; }
    /// <summary>Noise norm relative to the injection site's norm.</summary>
    public double AttenuationRelative { get; init; } = 0.1;
    /// <summary>Injection site of the attenuation noise.</summary>
    public NoiseSite AttenuationSite { get; init; } = NoiseSite.LayerInput;
    /// <summary>Randomness of the estimator and the attenuation noise (required when either is on).</summary>
    public Rng? Rng { get; init; }
    /// <summary>Samples per forward chunk (bounds memory).</summary>
    public int ChunkRows { get; init; } = 1024;
    /// <summary>Linear-algebra provider (default: <see cref="LinearAlgebraProviders.Default"/>).</summary>
    public ILinearAlgebraProvider? Provider { get; init; }
}

/// <summary>Per-layer summary at one outlier fraction ζ (ARORA-CA.1).</summary>
/// <param name="Layer">i = 1..d.</param>
/// <param name="Norms">Norms of A^i.</param>
/// <param name="LayerCushion">μ_i (ARORA-D4).</param>
/// <param name="MinimalInterlayerCushion">μ_{i→} = min{1/√h^i, min_{j&gt;i} μ_{i,j}} (ARORA-D5, footnote 1).</param>
/// <param name="Contraction">c_i = max_x ‖x^i‖/‖φ(x^i)‖ for i &lt; d; the global c for i = d, where φ is not applied (ARORA-D6).</param>
/// <param name="MeanActiveFraction">Mean fraction of units with x^i &gt; 0 (NaN for the output layer).</param>
/// <param name="EffectiveParameters">Table-1 quantity c_i²/(μ_i²μ_{i→}²) (ARORA-T4.1).</param>
/// <param name="ActualParameters">h^i·h^{i−1} (+h^i with biases).</param>
public sealed record LayerMeasures(int Layer, MatrixNorms Norms, double LayerCushion, double MinimalInterlayerCushion, double Contraction,
    double MeanActiveFraction, double EffectiveParameters, long ActualParameters);

/// <summary>
/// Data-dependent quantities of Arora et al. 2018 for one network on a sample S, with every per-sample array kept. Every
/// min/max accessor takes ζ: the quantity on the 1−ζ fraction of S left after dropping the worst ⌊ζ|S|⌋ samples
/// (<see cref="Robust"/>). Layer indices are the paper's: i = 1..d. Vacuous samples (zero denominators) are +∞ in
/// ratios that enter minima and 0 in those that enter maxima. Everything is float64 (dgemm, LAPACK SVD), as the catalog's
/// protocol (§2) asks for deterministic quantities; training elsewhere is float32.
/// </summary>
public sealed class NetworkMeasures
{
    private NetworkMeasures(DoubleMlp net, int n, bool reluOnInput)
    {
        Net = net; Count = n; ReluOnInput = reluOnInput; int d = net.Depth;
        LayerCushionRatio = new double[d + 1][]; ContractionRatio = new double[d][]; ActiveFraction = new double[d][];
        for (int i = 1; i <= d; i++) LayerCushionRatio[i] = new double[n];
        for (int i = 1; i < d; i++) { ContractionRatio[i] = new double[n]; ActiveFraction[i] = new double[n]; }
        OutputNorm = new double[n];
        Norms = new MatrixNorms[d + 1];
    }

    /// <summary>The measured network (float64).</summary>
    public DoubleMlp Net { get; }
    /// <summary>|S|.</summary>
    public int Count { get; }
    /// <summary>Whether layer 1 saw φ(x⁰).</summary>
    public bool ReluOnInput { get; }
    /// <summary>Non-empty when a result rests on an assumption the network violates (biases).</summary>
    public IReadOnlyList<string> Caveats => Net.HasBias
        ? ["network has biases: Arora's identities M^{i,j}(x^i) = J^{i,j}x^i and the Theorem 4.1 rebalancing assume a bias-free net; cushions use the linear part A^iφ(x^{i−1}) = x^i − b^i, Jacobians ignore biases"]
        : [];
    /// <summary>Provider used, for reports.</summary>
    public string Provider { get; private set; } = "";
    /// <summary>Wall-clock seconds per phase (norms, forward, cushions, jacobians, estimator, smoothness, attenuation).</summary>
    public Dictionary<string, double> PhaseSeconds { get; } = new();
    /// <summary>GEMM floating-point operations per phase (forward, jacobians, estimator), for GFLOP/s figures.</summary>
    public Dictionary<string, double> PhaseFlops { get; } = new();

    /// <summary>Norms of A^i, i = 1..d (index 0 unused).</summary>
    public MatrixNorms[] Norms { get; }
    /// <summary>Per sample ‖A^iφ(x^{i−1})‖/(‖A^i‖_F‖φ(x^{i−1})‖), i = 1..d.</summary>
    public double[][] LayerCushionRatio { get; }
    /// <summary>Per sample ‖x^i‖/‖φ(x^i)‖, i = 1..d−1.</summary>
    public double[][] ContractionRatio { get; }
    /// <summary>Per sample fraction of units with x^i &gt; 0, i = 1..d−1 (activation sparsity = 1 − this).</summary>
    public double[][] ActiveFraction { get; }
    /// <summary>Per sample ‖f(x)‖.</summary>
    public double[] OutputNorm { get; }
    /// <summary>Per sample f(x)[y] − max_{j≠y} f(x)[j], or null without labels.</summary>
    public double[]? Margin { get; private set; }
    /// <summary>Exact per-sample ‖J^{i,j}‖_F, or null.</summary>
    public PairSamples? JacobianFrobenius { get; private set; }
    /// <summary>Per-sample ‖J^{i,j}x^i‖.</summary>
    public PairSamples? JacobianTimesInput { get; private set; }
    /// <summary>Per-sample ‖J^{i,j}x^i‖/(‖J^{i,j}‖_F‖x^i‖) from the exact norms, or null.</summary>
    public PairSamples? InterlayerRatio { get; private set; }
    /// <summary>Hutchinson estimates of ‖J^{i,j}‖_F² per sample, or null.</summary>
    public PairSamples? EstimatedFrobeniusSquared { get; private set; }
    /// <summary>Standard errors of <see cref="EstimatedFrobeniusSquared"/>.</summary>
    public PairSamples? EstimatedStdErr { get; private set; }
    /// <summary>Plug-in ratios ‖J x^i‖/(√est·‖x^i‖) (biased inside a minimum; see the standard errors), or null.</summary>
    public PairSamples? EstimatedInterlayerRatio { get; private set; }
    /// <summary>Interlayer smoothness of the perturbed network (one draw), or null.</summary>
    public SmoothnessDraw? Smoothness { get; private set; }
    /// <summary>Noise attenuation, or null.</summary>
    public AttenuationResult? Attenuation { get; private set; }

    /// <summary>μ_i (ARORA-D4).</summary>
    public double LayerCushion(int i, double zeta = 0) => Robust.Min(LayerCushionRatio[i], zeta);
    /// <summary>μ_{i,j}, exact when available, else the plug-in estimate; NaN when neither was computed.</summary>
    public double InterlayerCushion(int i, int j, double zeta = 0) => InterlayerTable is { } t ? Robust.Min(t[i, j], zeta) : double.NaN;
    /// <summary>μ_{i→} = min{1/√h^i, min_{j&gt;i} μ_{i,j}}, removing whole samples (per-sample minimum over j) for ζ &gt; 0.</summary>
    public double MinimalInterlayerCushion(int i, double zeta = 0)
    {
        double clip = 1 / Math.Sqrt(Net.Widths[i]);
        if (i == Net.Depth) return clip;
        if (InterlayerTable is not { } t) return double.NaN;
        return Math.Min(clip, Robust.Min(Robust.Pointwise(Enumerable.Range(i + 1, Net.Depth - i).Select(j => t[i, j]), Math.Min, double.PositiveInfinity), zeta));
    }
    /// <summary>c_i (ARORA-D6), i &lt; d.</summary>
    public double Contraction(int i, double zeta = 0) => Robust.Max(ContractionRatio[i], zeta);
    /// <summary>c = max over hidden layers and samples (per-sample maximum over layers first).</summary>
    public double C(double zeta = 0) => Net.Depth < 2 ? 1.0 : Robust.Max(Robust.Pointwise(ContractionRatio.Skip(1), Math.Max, 0.0), zeta);
    /// <summary>max_x ‖f(x)‖.</summary>
    public double MaxOutputNorm(double zeta = 0) => Robust.Max(OutputNorm, zeta);
    /// <summary>Whether interlayer cushions come from the randomised estimator (no exact Jacobians were computed).</summary>
    public bool InterlayerFromEstimator => InterlayerRatio is null;
    private PairSamples? InterlayerTable => InterlayerRatio ?? EstimatedInterlayerRatio;
    /// <summary>min_x of the margin f(x)[y] − max_{j≠y} f(x)[j] (NaN without labels).</summary>
    public double MinMargin(double zeta = 0) => Margin is null ? double.NaN : Robust.Min(Margin, zeta);

    /// <summary>Table-1 quantity c_i²/(μ_i²μ_{i→}²) with c_i as in <see cref="LayerMeasures.Contraction"/>.</summary>
    public double EffectiveParameters(int i, double zeta = 0)
    {
        double c = i < Net.Depth ? Contraction(i, zeta) : C(zeta), mu = LayerCushion(i, zeta), mut = MinimalInterlayerCushion(i, zeta);
        return c * c / (mu * mu * mut * mut);
    }

    /// <summary>The paper's plotted Theorem 4.1 proxy (1/γ²)·max_x‖f(x)‖²·Σ_i c²/(μ_i²μ_{i→}²) with the global c.</summary>
    public double TheoremProxy(double gamma, double zeta = 0)
    {
        double c = C(zeta), f = MaxOutputNorm(zeta), sum = 0;
        for (int i = 1; i <= Net.Depth; i++) { double mu = LayerCushion(i, zeta), mut = MinimalInterlayerCushion(i, zeta); sum += c * c / (mu * mu * mut * mut); }
        return f * f * sum / (gamma * gamma);
    }

    /// <summary>All per-layer summaries at outlier fraction ζ.</summary>
    public IReadOnlyList<LayerMeasures> Layers(double zeta = 0) => Enumerable.Range(1, Net.Depth).Select(i => new LayerMeasures(i, Norms[i],
        LayerCushion(i, zeta), MinimalInterlayerCushion(i, zeta), i < Net.Depth ? Contraction(i, zeta) : C(zeta),
        i < Net.Depth ? ActiveFraction[i].Average() : double.NaN, EffectiveParameters(i, zeta),
        (long)Net.Widths[i] * Net.Widths[i - 1] + (Net.HasBias ? Net.Widths[i] : 0))).ToList();

    /// <summary>
    /// Writes one CSV row per sample (invariant culture; "Infinity" for vacuous ratios) with every per-sample array that
    /// was computed: margin, ‖f(x)‖, per-layer cushion/contraction/active fraction, per-pair Jacobian and smoothness
    /// columns, attenuation errors.
    /// </summary>
    public void WritePerSampleCsv(TextWriter w)
    {
        var cols = new List<(string Name, double[] Values)> { ("output_norm", OutputNorm) };
        if (Margin is not null) cols.Add(("margin", Margin));
        for (int i = 1; i <= Net.Depth; i++) cols.Add(($"layer_cushion_{i}", LayerCushionRatio[i]));
        for (int i = 1; i < Net.Depth; i++) { cols.Add(($"contraction_{i}", ContractionRatio[i])); cols.Add(($"active_{i}", ActiveFraction[i])); }
        void Pairs(string name, PairSamples? t) { if (t is not null) foreach (var (i, j) in t.Pairs()) cols.Add(($"{name}_{i}_{j}", t[i, j])); }
        Pairs("jacobian_fro", JacobianFrobenius); Pairs("jacobian_x", JacobianTimesInput); Pairs("interlayer", InterlayerRatio);
        Pairs("est_fro2", EstimatedFrobeniusSquared); Pairs("est_fro2_se", EstimatedStdErr); Pairs("est_interlayer", EstimatedInterlayerRatio);
        Pairs("smoothness_r", Smoothness?.Ratio); Pairs("attenuation", Attenuation?.RelativeError);
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        w.WriteLine("sample," + string.Join(",", cols.Select(c => c.Name)));
        for (int s = 0; s < Count; s++) w.WriteLine(s.ToString(inv) + "," + string.Join(",", cols.Select(c => c.Values[s].ToString("R", inv))));
    }

    /// <summary>
    /// Measures <paramref name="net"/> on n row-major float32 inputs, chunk by chunk (memory ∝ chunk size · Σh plus the
    /// per-sample arrays). <paramref name="labels"/> (optional) gives margins.
    /// </summary>
    public static NetworkMeasures Compute(Mlp net, float[] inputs, int n, int[]? labels, MeasureOptions options)
    {
        var p = options.Provider ?? LinearAlgebraProviders.Default;
        var dn = new DoubleMlp(net); int d = dn.Depth;
        var m = new NetworkMeasures(dn, n, options.ReluOnInput) { Provider = p.Name };
        var clock = Stopwatch.StartNew();
        void Flops(string phase, double f) => m.PhaseFlops[phase] = m.PhaseFlops.GetValueOrDefault(phase) + f;
        double forwardFlops = Enumerable.Range(1, d).Sum(k => 2.0 * dn.Widths[k] * dn.Widths[k - 1]);
        void Lap(string phase) { m.PhaseSeconds[phase] = m.PhaseSeconds.GetValueOrDefault(phase) + clock.Elapsed.TotalSeconds; clock.Restart(); }

        for (int i = 1; i <= d; i++) m.Norms[i] = MatrixNorms.Of(dn.W[i], dn.Widths[i], dn.Widths[i - 1], p);
        Lap("norms");
        if (labels is not null) m.Margin = new double[n];
        if (options.ExactJacobians) { m.JacobianFrobenius = new PairSamples(d, n, false); m.InterlayerRatio = new PairSamples(d, n, false); }
        if (options.ExactJacobians || options.EstimatorProbes > 0) m.JacobianTimesInput = new PairSamples(d, n, false);
        if (options.EstimatorProbes > 0)
        {
            m.EstimatedFrobeniusSquared = new PairSamples(d, n, false); m.EstimatedStdErr = new PairSamples(d, n, false);
            m.EstimatedInterlayerRatio = new PairSamples(d, n, false);
        }
        bool needRng = options.EstimatorProbes > 0 || options.Attenuation;
        var rng = options.Rng ?? (needRng ? throw new ArgumentException("the estimator and the attenuation experiment need MeasureOptions.Rng") : null);
        ulong estSeed = rng?.Split("jacobian-estimator").NextUInt64() ?? 0; ulong attSeed = rng?.Split("noise-attenuation").NextUInt64() ?? 0;
        DoubleMlp? pert = options.Perturbed is { } pn ? new DoubleMlp(pn) : null;
        if (pert is not null) m.Smoothness = InterlayerSmoothness.Create(d, n);
        if (options.Attenuation) m.Attenuation = NoiseAttenuation.Create(d, n);

        int h0 = dn.Widths[0];
        for (int s0 = 0; s0 < n; s0 += options.ChunkRows)
        {
            int rows = Math.Min(options.ChunkRows, n - s0);
            var t = ForwardTrace.Compute(dn, inputs.AsSpan(s0 * h0, rows * h0), rows, options.ReluOnInput, p);
            Lap("forward"); Flops("forward", rows * forwardFlops);
            m.PerSample(t, s0, labels);
            Lap("cushions");
            double jxFlops = m.JacobianTimesInput is { } jx ? JacobianNorms.JacobianTimesInputNorms(t, jx, s0, p) : 0;
            if (m.JacobianFrobenius is { } jf)
            {
                Flops("jacobians", jxFlops + JacobianNorms.ExactFrobeniusSquared(t, jf, s0, p));
                foreach (var (i, j) in jf.Pairs())
                    for (int s = s0; s < s0 + rows; s++)
                    {
                        jf[i, j][s] = Math.Sqrt(jf[i, j][s]);
                        m.InterlayerRatio![i, j][s] = Robust.RatioForMin(m.JacobianTimesInput![i, j][s], jf[i, j][s] * t.XNorm[i][s - s0]);
                    }
                Lap("jacobians");
            }
            if (m.EstimatedFrobeniusSquared is { } est)
            {
                Flops("estimator", (m.JacobianFrobenius is null ? jxFlops : 0) + JacobianNorms.Estimate(t, options.EstimatorProbes, estSeed, est, m.EstimatedStdErr!, s0, options.ProbeKind, provider: p));
                foreach (var (i, j) in est.Pairs())
                    for (int s = s0; s < s0 + rows; s++)
                        m.EstimatedInterlayerRatio![i, j][s] = Robust.RatioForMin(m.JacobianTimesInput![i, j][s], Math.Sqrt(Math.Max(0, est[i, j][s])) * t.XNorm[i][s - s0]);
                Lap("estimator");
            }
            if (pert is not null)
            {
                var tp = ForwardTrace.Compute(pert, inputs.AsSpan(s0 * h0, rows * h0), rows, options.ReluOnInput, p);
                InterlayerSmoothness.Accumulate(t, tp, m.Smoothness!, s0, p);
                Lap("smoothness");
            }
            if (m.Attenuation is { } att)
            {
                NoiseAttenuation.Accumulate(t, attSeed, att, s0, options.AttenuationRelative, options.AttenuationSite, p);
                Lap("attenuation");
            }
        }
        return m;
    }

    private void PerSample(ForwardTrace t, int s0, int[]? labels)
    {
        int d = Net.Depth;
        for (int i = 1; i <= d; i++)
        {
            int h = Net.Widths[i]; double fro = Norms[i].Frobenius; var b = Net.B[i];
            var lin = new double[h];
            for (int s = 0; s < t.Count; s++)
            {
                var x = t.Row(i, s);
                double ax = b is null ? t.XNorm[i][s] : Diff(x, b, lin);
                LayerCushionRatio[i][s0 + s] = Robust.RatioForMin(ax, fro * t.PhiNorm[i - 1][s]);
                if (i < d)
                {
                    ContractionRatio[i][s0 + s] = Robust.RatioForMax(t.XNorm[i][s], t.PhiNorm[i][s]);
                    int active = 0; foreach (var v in x) if (v > 0) active++;
                    ActiveFraction[i][s0 + s] = (double)active / h;
                }
            }
        }
        for (int s = 0; s < t.Count; s++)
        {
            OutputNorm[s0 + s] = t.XNorm[d][s];
            if (labels is null) continue;
            var f = t.Row(d, s); int y = labels[s0 + s]; double other = double.NegativeInfinity;
            for (int k = 0; k < f.Length; k++) if (k != y) other = Math.Max(other, f[k]);
            Margin![s0 + s] = f[y] - other;
        }
    }

    private static double Diff(ReadOnlySpan<double> x, ReadOnlySpan<double> b, Span<double> tmp) { TensorPrimitives.Subtract(x, b, tmp); return TensorPrimitives.Norm(tmp); }
}
