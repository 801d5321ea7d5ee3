using GenBounds.Compression;
using GenBounds.LinearAlgebra;
using GenBounds.Random;
using MathNet.Numerics;

namespace GenBounds.Measures;

/// <summary>
/// One draw of Lemma 3's compression of a bias-free MLP (Arora et al. 2018): every layer replaced by the Gaussian
/// surrogate of Matrix-Project with k_i helpers, measured on S. <see cref="R"/> is the draw's interlayer smoothness
/// (min over i &lt; j and x of ‖η‖‖x^j‖/(‖x^i‖‖M^{i,j}(x^i+η) − J(x^i+η)‖), +∞ without a flip); the worst (i, j, x) is
/// recorded by its four norms. <see cref="InductionSteps"/>[i−1] is the fraction of (x, j ≥ i) with
/// ‖x̂^j_i − x^j‖ &gt; (i/d)ε‖x^j‖ when layers 1..i are compressed (the induction of Lemma 3's proof);
/// <see cref="FlipFractions"/>[k−1] the fraction of units of hidden layer k whose sign flipped.
/// </summary>
public sealed record CompressionDraw(ulong Seed, double R, double WorstResidual, double WorstNoise, double WorstInputNorm, double WorstOutputNorm,
    double MaxRelativeError, double MaxDifference, double TrainingError, double[] InductionSteps, double[] FlipFractions);

/// <summary>
/// ρ_δ from per-draw R: <see cref="Estimate"/> is the empirical δ-quantile (order statistic ⌈δN⌉) with its
/// distribution-free 99% interval [<see cref="Lower"/>, <see cref="Upper"/>]; <see cref="Certified"/> is the largest
/// order statistic whose failure count keeps the Clopper–Pearson 99% upper limit of P(R &lt; ρ) at most δ (the first
/// order statistic when even no failure is enough, i.e. when N is too small to certify δ).
/// </summary>
public sealed record SmoothnessEstimate(double Certified, double Estimate, double Lower, double Upper, int Draws, double Delta, bool CertifiedAtDelta);

/// <summary>
/// The compression draws behind interlayer smoothness (ARORA-D7), Lemma 3 and Lemma 10, and ρ_δ. One implementation
/// for `genbounds measure` and `genbounds verify`: the same network, data, plan, draw count and seed give the same ρ_δ
/// in both (their draws come from <see cref="DrawStream"/>).
/// </summary>
public static class NoiseStability
{
    /// <summary>The stream of draw t in a probability space ("real" for the network itself): noise-stability/space/draw-t.</summary>
    public static Rng DrawStream(SeedStreams streams, string space, int t) => streams.Stream($"noise-stability/{space}/draw-{t}");

    /// <summary>γ of Lemma 10 as the verifier uses it: the median of the positive training margins (the median |margin| when none is positive).</summary>
    public static double MedianPositiveMargin(ReadOnlySpan<double> margins)
    {
        var pos = margins.ToArray().Where(x => x > 0).OrderBy(x => x).ToArray();
        if (pos.Length > 0) return pos[pos.Length / 2];
        var a = margins.ToArray().Select(Math.Abs).OrderBy(x => x).ToArray();
        return a.Length == 0 ? 1.0 : Math.Max(1e-12, a[a.Length / 2]);
    }

    /// <summary>Lemma 10's ε: ε² = γ²/(2 max‖f(x)‖²), capped at 1 (above it Lemma 10 is trivial).</summary>
    public static double Lemma10Epsilon(double gamma, double maxOutputNorm) => Math.Min(1.0, gamma / (Math.Sqrt(2.0) * maxOutputNorm));

    /// <summary>Lemma 3's plan for the measured cushions and contraction at accuracy ε and confidence δ on m samples.</summary>
    public static AroraLemma3Plan Plan(NetworkMeasures m, int samples, double epsilon, double delta)
    {
        int d = m.Net.Depth;
        var mus = Enumerable.Range(1, d).Select(i => m.LayerCushion(i)).ToArray();
        var muTo = Enumerable.Range(1, d).Select(i => m.MinimalInterlayerCushion(i)).ToArray();
        return NetworkCompression.Plan(new AroraLemma3Inputs(mus, muTo, m.C(), d, m.Net.Widths.Skip(1).Max(), samples, epsilon, delta));
    }

    /// <summary>
    /// A copy of <paramref name="clean"/> whose layers k with <paramref name="which"/>(k) are replaced by the Gaussian
    /// surrogate of Matrix-Project with helperCounts[k−1]·scale helpers, layer k drawn from rng.Split("layer-k").
    /// </summary>
    public static DoubleMlp Compress(DoubleMlp clean, IReadOnlyList<double> helperCounts, double scale, Func<int, bool> which, Rng rng)
        => Compress(clean, helperCounts, scale, which, rng, null);

    private static DoubleMlp Compress(DoubleMlp clean, IReadOnlyList<double> helperCounts, double scale, Func<int, bool> which, Rng rng, Workspace? ws)
    {
        var w = new double[clean.Depth][];
        for (int k = 1; k <= clean.Depth; k++)
        {
            if (!which(k)) { w[k - 1] = clean.W[k]; continue; }
            var layer = ws?.Layer(k, clean.W[k].Length) ?? new double[clean.W[k].Length];
            MatrixProject.GaussianSurrogate(clean.W[k], clean.Widths[k], clean.Widths[k - 1], helperCounts[k - 1] * scale, rng.Split($"layer-{k}"), layer);
            w[k - 1] = layer;
        }
        // The surrogate layers are fresh (or the workspace's) and the others are shared read-only with the clean
        // network: nothing to copy.
        return DoubleMlp.Adopt(clean.Widths, w, clean.B.Skip(1).ToArray());
    }

    /// <summary>
    /// Arrays one caller reuses across its draws (<see cref="Draw"/>, <see cref="OutputError"/>): the surrogate layers,
    /// the perturbed traces and the smoothness pass's work arrays, about 100 MB per draw on a 784-1000-1000-10 net at
    /// 1,000 samples that would otherwise be allocated, zeroed and collected every draw. Results do not depend on it.
    /// Not thread-safe: one workspace per thread.
    /// </summary>
    public sealed class Workspace
    {
        private readonly Dictionary<int, double[]> _layers = new();
        private readonly Dictionary<int, ForwardTrace> _traces = new();
        internal InterlayerSmoothness.Scratch Smoothness { get; } = new();

        internal double[] Layer(int k, int length)
        {
            if (!_layers.TryGetValue(k, out var a) || a.Length != length) _layers[k] = a = new double[length];
            return a;
        }

        internal ForwardTrace Trace(int chunk, DoubleMlp net, ForwardTrace clean, ILinearAlgebraProvider p)
        {
            _traces.TryGetValue(chunk, out var old);
            return _traces[chunk] = ForwardTrace.OnInputsOf(net, clean, old, p);
        }
    }

    /// <summary>The clean traces of S in blocks (shared by every draw).</summary>
    public static (int Offset, ForwardTrace Trace)[] Chunks(DoubleMlp clean, float[] features, int n, ILinearAlgebraProvider p, int chunkRows = 2048)
        => ForwardTrace.Chunks(clean, features, n, chunkRows, false, p).ToArray();

    /// <summary>
    /// One compression draw of every layer on S: smoothness ratios, output errors, induction steps, flips. The chunks
    /// must be traces of <paramref name="clean"/> (<see cref="Chunks"/>): the perturbed net runs on their inputs.
    /// </summary>
    public static CompressionDraw Draw(DoubleMlp clean, IReadOnlyList<(int Offset, ForwardTrace Trace)> chunks, int[] labels,
        IReadOnlyList<double> helperCounts, double epsilon, Rng rng, ILinearAlgebraProvider p, Workspace? workspace = null)
    {
        int d = clean.Depth, hd = clean.Widths[d];
        var pert = Compress(clean, helperCounts, 1.0, _ => true, rng, workspace);
        double rMin = double.PositiveInfinity, res = 0, eta0 = 1, xi0 = 1, xj0 = 1, maxRel = 0, maxDiff = 0;
        int errors = 0, n = 0;
        var stepFail = new double[d + 1]; var stepCount = new double[d + 1];
        var flips = new double[d]; var units = new double[d];
        for (int chunk = 0; chunk < chunks.Count; chunk++)
        {
            var (off, c) = chunks[chunk];
            int rows = c.Count; n += rows;
            var tp = workspace?.Trace(chunk, pert, c, p) ?? ForwardTrace.OnInputsOf(pert, c, null, p);
            // Induction of the proof of Lemma 3: layers 1..i compressed (the perturbed trace up to i), clean above; the
            // clean layers above i applied to x̂^i are exactly the propagations the smoothness pass computes.
            void Step(int i, int j, double[] z)
            {
                double bound = (double)i / d * epsilon;
                for (int s = 0; s < rows; s++)
                {
                    stepCount[i]++;
                    if (Distance(z, c.X[j], s, clean.Widths[j]) > bound * c.XNorm[j][s]) stepFail[i]++;
                }
            }
            for (int i = 1; i <= d; i++) Step(i, i, tp.X[i]);
            var sm = InterlayerSmoothness.Create(d, rows);
            InterlayerSmoothness.Accumulate(c, tp, sm, 0, p, Step, workspace?.Smoothness);
            foreach (var (i, j) in sm.Ratio.Pairs())
            {
                var ratio = sm.Ratio[i, j];
                for (int s = 0; s < rows; s++)
                    if (ratio[s] < rMin)
                    {
                        rMin = ratio[s];
                        eta0 = Distance(tp.X[i], c.X[i], s, clean.Widths[i]);
                        xi0 = c.XNorm[i][s]; xj0 = c.XNorm[j][s];
                        res = eta0 * xj0 / (xi0 * ratio[s]);
                    }
            }
            for (int k = 1; k < d; k++) { flips[k] += sm.UnitFlips[k]; units[k] += sm.Units[k]; }
            for (int s = 0; s < rows; s++)
            {
                double diff = Distance(tp.X[d], c.X[d], s, hd);
                maxDiff = Math.Max(maxDiff, diff);
                maxRel = Math.Max(maxRel, Robust.RatioForMax(diff, c.XNorm[d][s]));
                if (ArgMax(tp.X[d], s, hd) != labels[off + s]) errors++;
            }
        }
        return new CompressionDraw(rng.Seed, rMin, res, eta0, xi0, xj0, maxRel, maxDiff, (double)errors / n,
            Enumerable.Range(1, d).Select(i => stepFail[i] / stepCount[i]).ToArray(),
            Enumerable.Range(1, d - 1).Select(k => units[k] == 0 ? 0.0 : flips[k] / units[k]).ToArray());
    }

    /// <summary>max_x ‖f_A(x) − f_Ã(x)‖/‖f_A(x)‖ of one compression at k_i·scale (output only).</summary>
    public static double OutputError(DoubleMlp clean, IReadOnlyList<(int Offset, ForwardTrace Trace)> chunks,
        IReadOnlyList<double> helperCounts, double scale, Rng rng, ILinearAlgebraProvider p, Workspace? workspace = null)
    {
        var pert = Compress(clean, helperCounts, scale, _ => true, rng, workspace);
        int d = clean.Depth;
        double worst = 0;
        foreach (var (_, c) in chunks)
        {
            var f = Outputs.Logits(pert, c.X[0], c.Count, p);
            for (int s = 0; s < c.Count; s++)
                worst = Math.Max(worst, Robust.RatioForMax(Distance(f, c.X[d], s, clean.Widths[d]), c.XNorm[d][s]));
        }
        return worst;
    }

    /// <summary>ρ_δ from the per-draw R (see <see cref="SmoothnessEstimate"/>); the certificate is at two-sided <paramref name="confidence"/>.</summary>
    public static SmoothnessEstimate RhoDelta(IReadOnlyList<double> perDrawR, double delta, double confidence = 0.99)
    {
        if (perDrawR.Count == 0) throw new ArgumentException("no draws");
        if (!(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta));
        var r = perDrawR.OrderBy(x => x).ToArray();
        int n = r.Length;
        int f = -1;
        while (f + 1 <= n && ClopperPearsonUpper(f + 1, n, confidence) <= delta) f++;
        double a = (1 - confidence) / 2;
        double At(int k) => r[Math.Max(0, Math.Min(n - 1, k))];
        double point = At((int)Math.Ceiling(delta * n) - 1);
        double Cdf(int x) => x < 0 ? 0.0 : x >= n ? 1.0 : 1.0 - SpecialFunctions.BetaRegularized(x + 1, n - x, delta);
        int lo = 0; while (lo < n && Cdf(lo) < a) lo++;
        int hi = n - 1; while (hi > 0 && Cdf(hi - 1) > 1 - a) hi--;
        return new SmoothnessEstimate(f >= 0 ? r[Math.Min(f, n - 1)] : r[0], point, At(lo - 1), At(hi), n, delta, f >= 0);
    }

    /// <summary>Upper end of the two-sided Clopper–Pearson interval of F failures in N trials.</summary>
    public static double ClopperPearsonUpper(int failures, int n, double confidence)
        => failures >= n ? 1.0 : MathNet.Numerics.Distributions.Beta.InvCDF(failures + 1, n - failures, 1 - (1 - confidence) / 2);

    private static double Distance(double[] a, double[] b, int s, int h)
    {
        double acc = 0;
        for (int u = s * h; u < s * h + h; u++) { double e = a[u] - b[u]; acc += e * e; }
        return Math.Sqrt(acc);
    }

    private static int ArgMax(double[] a, int s, int h)
    {
        int best = 0;
        for (int u = 1; u < h; u++) if (a[s * h + u] > a[s * h + best]) best = u;
        return best;
    }
}
