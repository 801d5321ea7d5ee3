using System.Globalization;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Bounds;

/// <summary>
/// What Jiang et al.'s measures are functions of, for any network the catalog's conventions cover (§5): per weight layer
/// the norms of its weight as a matrix — a dense layer's W, a convolution's kernel reshaped to (out, in·kh·kw) — and of
/// W − W⁰; the raw weights (biases excluded); the path norm 1ᵀf_{θ²}(1); the training margins; and the accuracy of a
/// perturbed copy of the network for the σ searches.
/// </summary>
/// <param name="M">m: training-set size.</param>
/// <param name="MarginKth10">The ⌊m/10⌋-th smallest training margin (before the code's .abs()).</param>
/// <param name="Layers">Norms of each weight layer's matrix (and distances to W⁰ when known).</param>
/// <param name="Weights">Each weight layer's weights (biases excluded), in the order of <paramref name="Layers"/>.</param>
/// <param name="InitialWeights">The same for W⁰, or null when unknown.</param>
/// <param name="PathNorm">1ᵀ f_{θ²}(1): every parameter squared (biases included), the network run on an all-ones input.</param>
/// <param name="PerturbedAccuracy">
/// Accuracy on the given data of a copy of the network after the action has been applied to each weight layer's weight
/// array and then its bias array, layer by layer (the σ searches' draw order).
/// </param>
public sealed record JiangInputs(int M, double MarginKth10, MatrixNormSet[] Layers, float[][] Weights, float[][]? InitialWeights, double PathNorm,
    Func<Dataset, Action<float[]>, double> PerturbedAccuracy)
{
    /// <summary>Number of weights (biases excluded).</summary>
    public long WeightCount => Weights.Sum(w => (long)w.Length);

    /// <summary>The MLP path's inputs.</summary>
    public static JiangInputs Of(BoundInputs b, ILinearAlgebraProvider la) =>
        new(b.M, b.MarginKth10, b.Layers, b.Network.Layers.Select(l => l.Weight).ToArray(), b.Initialization?.Layers.Select(l => l.Weight).ToArray(),
            b.PathSums2.Sum(), (data, perturb) =>
            {
                var p = b.Network.Clone();
                foreach (var layer in p.Layers) { perturb(layer.Weight); if (layer.Bias is { } bb) perturb(bb); }
                return Evaluation.Evaluate(p, data, la).Accuracy;
            });
}

/// <summary>
/// The generalization measures of Jiang, Neyshabur, Mobahi, Krishnan, Bengio (ICLR 2020) exactly as Dziugaite et al.'s
/// re-implementation computes them (<c>nitarshan/robust-generalization-measures</c>, <c>data/generation/measures.py</c>;
/// catalog baseline-bounds §5): γ = |⌊m/10⌋-th smallest training margin|, weights only (biases excluded), reported
/// value ½(v − ln m) for LOG_* measures and √(v/m) otherwise. None of these is a bound; the PAC-Bayes "measures" tune
/// σ on the training data without a union bound and add a constant 10.
/// <para>Code facts reproduced and flagged: the σ search perturbs with <c>torch.normal(0, sigma**2, ...)</c>, whose second
/// argument is the standard deviation, so the noise std is σ² (and σ'²|w|² + ε² in the magnitude-aware version), while
/// the formulas use σ.</para>
/// </summary>
public static class JiangMeasures
{
    /// <summary>Citation.</summary>
    public const string Source = "Jiang et al. 2020 (Dziugaite et al. 2020 code)";

    private static string F(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

    /// <summary>All measures; the σ searches run only when <see cref="BoundOptions.Sharpness"/> is set (on a seeded subset of <paramref name="train"/>).</summary>
    public static IReadOnlyList<BoundValue> Compute(BoundInputs b, BoundOptions o, Dataset train, ILinearAlgebraProvider la) =>
        Compute(JiangInputs.Of(b, la), o, train, la);

    /// <summary>All measures of <paramref name="b"/>; the σ searches run only when <see cref="BoundOptions.Sharpness"/> is set.</summary>
    public static IReadOnlyList<BoundValue> Compute(JiangInputs b, BoundOptions o, Dataset train, ILinearAlgebraProvider la)
    {
        double gamma = Math.Abs(b.MarginKth10);
        const string rule = "|⌊m/10⌋-th smallest training margin| (torch kthvalue, then .abs())";
        var rows = new List<BoundValue>();
        double m = b.M, lnM = Math.Log(m);
        int d = b.Layers.Length;
        var notes = new List<string>();
        if (b.MarginKth10 <= 0) notes.Add("more than 10% of the training points are misclassified: the code's .abs() turns a negative margin positive (catalog guard)");
        if (b.InitialWeights is null) notes.Add("W⁰ unknown: distances to initialisation use the reference 0");
        void Add(string key, int eq, bool log, double v, string formula)
        {
            // LOG_* measures are reported on a log scale already (½(v − ln m) = ln √(e^v/m)): their log value is the reported number.
            double reported = log ? 0.5 * (v - lnM) : Math.Sqrt(v / m);
            string name = eq > 0 ? $"{key} (eq. {eq})" : key;
            rows.Add(new BoundValue($"JIANG20-{key}/measure", Source, name, BoundForm.Measure, log ? Math.Exp(reported) : reported,
                log ? reported : BoundMath.SafeLog(reported), gamma, rule, formula + (log ? "; reported ½(v − ln m), the log of the value shown" : "; reported √(v/m)"), [], [.. notes, F("raw v = {0:G6}", v)]));
        }
        var L = b.Layers;
        double Dist(Func<MatrixNormSet, double> dist, Func<MatrixNormSet, double> norm, MatrixNormSet l) => b.InitialWeights is null ? norm(l) : dist(l);
        double lnSpec2 = L.Sum(l => 2 * Math.Log(l.Spectral)), lnFro2 = L.Sum(l => 2 * Math.Log(l.Frobenius)), lnG2 = 2 * Math.Log(gamma);
        double froOverSpec = L.Sum(l => l.Frobenius * l.Frobenius / (l.Spectral * l.Spectral));
        double distFroOverSpec = L.Sum(l => Math.Pow(Dist(x => x.DistFrobenius, x => x.Frobenius, l), 2) / (l.Spectral * l.Spectral));
        Add("PARAMS", 20, false, b.WeightCount, "number of weights");
        Add("INVERSE_MARGIN", 22, false, 1 / (gamma * gamma), "1/γ²");
        Add("LOG_PROD_OF_SPEC", 32, true, lnSpec2, "Σ_i ln ‖W_i‖²₂");
        Add("LOG_PROD_OF_SPEC_OVER_MARGIN", 31, true, lnSpec2 - lnG2, "Σ_i ln ‖W_i‖²₂ − 2 ln γ");
        Add("LOG_SPEC_INIT_MAIN", 29, true, lnSpec2 - lnG2 + Math.Log(distFroOverSpec), "(31) + ln Σ_i ‖W_i − W⁰_i‖²_F/‖W_i‖²₂");
        Add("LOG_SPEC_ORIG_MAIN", 30, true, lnSpec2 - lnG2 + Math.Log(froOverSpec), "(31) + ln Σ_i ‖W_i‖²_F/‖W_i‖²₂");
        Add("FRO_OVER_SPEC", 33, false, froOverSpec, "Σ_i ‖W_i‖²_F/‖W_i‖²₂");
        Add("LOG_SUM_OF_SPEC_OVER_MARGIN", 34, true, Math.Log(d) + (lnSpec2 - lnG2) / d, "ln d + (Σ_i ln ‖W_i‖²₂ − 2 ln γ)/d");
        Add("LOG_SUM_OF_SPEC", 35, true, Math.Log(d) + lnSpec2 / d, "ln d + Σ_i ln ‖W_i‖²₂ / d");
        Add("LOG_PROD_OF_FRO_OVER_MARGIN", 36, true, lnFro2 - lnG2, "Σ_i ln ‖W_i‖²_F − 2 ln γ");
        Add("LOG_PROD_OF_FRO", 37, true, lnFro2, "Σ_i ln ‖W_i‖²_F");
        Add("LOG_SUM_OF_FRO_OVER_MARGIN", 38, true, Math.Log(d) + (lnFro2 - lnG2) / d, "ln d + (Σ_i ln ‖W_i‖²_F − 2 ln γ)/d");
        Add("LOG_SUM_OF_FRO", 39, true, Math.Log(d) + lnFro2 / d, "ln d + Σ_i ln ‖W_i‖²_F / d");
        Add("FRO_DIST", 40, false, L.Sum(l => Math.Pow(Dist(x => x.DistFrobenius, x => x.Frobenius, l), 2)), "Σ_i ‖W_i − W⁰_i‖²_F");
        Add("DIST_SPEC_INIT", 41, false, L.Sum(l => Math.Pow(Dist(x => x.DistSpectral, x => x.Spectral, l), 2)), "Σ_i ‖W_i − W⁰_i‖²₂");
        Add("PARAM_NORM", 42, false, L.Sum(l => l.Frobenius * l.Frobenius), "Σ_i ‖W_i‖²_F");
        Add("PATH_NORM", 44, false, b.PathNorm, "1ᵀ f_{θ²}(1) (all parameters squared, biases included)");
        Add("PATH_NORM_OVER_MARGIN", 43, false, b.PathNorm / (gamma * gamma), "PATH_NORM / γ²");
        double w2 = 0, dist2 = 0;
        for (int l = 0; l < d; l++)
        {
            var w = b.Weights[l];
            var w0 = b.InitialWeights?[l];
            for (int i = 0; i < w.Length; i++) { double v = w[i]; w2 += v * v; double dd = v - (w0?[i] ?? 0); dist2 += dd * dd; }
        }
        Add("L2", 0, false, Math.Sqrt(w2), "‖w‖₂ (weights only)");
        Add("L2_DIST", 0, false, Math.Sqrt(dist2), "‖w − w⁰‖₂");
        if (o.Sharpness)
        {
            var subset = train.Count > o.SharpnessSamples ? train.Subset(o.SharpnessSamples, new Rng(SeedStreams.Derive(o.Seed, "jiang/subset"))) : train;
            double acc = b.PerturbedAccuracy(subset, _ => { });
            string sub = F("σ searched on {0} of the {1} training points (the code uses all of them): bisection on [0, 2], depth 15, 10 whole-network draws, target accuracy drop 0.1 ± 0.01", subset.Count, b.M);
            double sigma = SigmaSearch(b.PerturbedAccuracy, subset, acc, null, new Rng(SeedStreams.Derive(o.Seed, "jiang/sigma")));
            notes.Add(sub);
            notes.Add(F("σ = {0:G5}; perturbation std used = σ² = {1:G5} (torch.normal's second argument is the std)", sigma, sigma * sigma));
            Add("PACBAYES_INIT", 48, false, dist2 / (4 * sigma * sigma) + Math.Log(m / sigma) + 10, "‖w − w⁰‖²/(4σ²) + ln(m/σ) + 10");
            Add("PACBAYES_ORIG", 49, false, w2 / (4 * sigma * sigma) + Math.Log(m / sigma) + 10, "‖w‖²/(4σ²) + ln(m/σ) + 10");
            Add("PACBAYES_FLATNESS", 53, false, 1 / (sigma * sigma), "1/σ²");
            const double eps = 1e-3;
            double mag = SigmaSearch(b.PerturbedAccuracy, subset, acc, eps, new Rng(SeedStreams.Derive(o.Seed, "jiang/mag-sigma")));
            notes.RemoveAt(notes.Count - 1);
            notes.Add(F("magnitude-aware σ′ = {0:G5}; perturbation std = σ′²|w|² + ε², ε = 1e-3", mag));
            double omega = b.WeightCount;
            double MagBound(bool fromInit)
            {
                double reference = fromInit ? dist2 : w2, s = 0;
                for (int l = 0; l < d; l++)
                {
                    var w = b.Weights[l];
                    var w0 = b.InitialWeights?[l];
                    for (int i = 0; i < w.Length; i++)
                    {
                        double dd = w[i] - (w0?[i] ?? 0);
                        s += Math.Log((eps * eps + (mag * mag + 1) * reference / omega) / (eps * eps + mag * mag * dd * dd));
                    }
                }
                return 0.25 * s + Math.Log(m / mag) + 10;
            }
            Add("PACBAYES_MAG_INIT", 56, false, MagBound(true), "¼ Σ_j ln((ε² + (σ′² + 1)‖w − w⁰‖²/ω)/(ε² + σ′²(w_j − w⁰_j)²)) + ln(m/σ′) + 10");
            Add("PACBAYES_MAG_ORIG", 57, false, MagBound(false), "¼ Σ_j ln((ε² + (σ′² + 1)‖w‖²/ω)/(ε² + σ′²(w_j − w⁰_j)²)) + ln(m/σ′) + 10");
            Add("PACBAYES_MAG_FLATNESS", 61, false, 1 / (mag * mag), "1/σ′²");
        }
        return rows;
    }

    /// <summary>
    /// <c>_pacbayes_sigma</c>: bisection for σ ∈ [0, 2] (depth 15) such that the mean training accuracy over 10 networks
    /// w + ν is within 0.01 of (accuracy − 0.1); ν ~ N(0, (σ²)²) per parameter, or N(0, (σ²w² + ε²)²) when
    /// <paramref name="magnitudeEps"/> is given — the code's std arguments, reproduced as they are.
    /// </summary>
    public static double SigmaSearch(Mlp net, Dataset data, double accuracy, double? magnitudeEps, Rng rng, ILinearAlgebraProvider la,
        int depth = 15, int samples = 10, double displacement = 0.1, double tolerance = 1e-2) =>
        SigmaSearch((d, perturb) =>
        {
            var p = net.Clone();
            foreach (var layer in p.Layers) { perturb(layer.Weight); if (layer.Bias is { } bb) perturb(bb); }
            return Evaluation.Evaluate(p, d, la).Accuracy;
        }, data, accuracy, magnitudeEps, rng, depth, samples, displacement, tolerance);

    /// <summary>The σ search on any network given by its perturbed-copy accuracy (see <see cref="JiangInputs.PerturbedAccuracy"/>).</summary>
    public static double SigmaSearch(Func<Dataset, Action<float[]>, double> perturbedAccuracy, Dataset data, double accuracy, double? magnitudeEps, Rng rng,
        int depth = 15, int samples = 10, double displacement = 0.1, double tolerance = 1e-2)
    {
        double lower = 0, upper = 2, sigma = 1;
        for (int it = 0; it < depth; it++)
        {
            sigma = (lower + upper) / 2;
            double mean = 0;
            for (int s = 0; s < samples; s++) mean += perturbedAccuracy(data, w => Perturb(w, sigma, magnitudeEps, rng));
            double disp = Math.Abs(mean / samples - accuracy);
            if (Math.Abs(disp - displacement) < tolerance) break;
            if (disp > displacement) upper = sigma; else lower = sigma;
        }
        return sigma;
    }

    private static void Perturb(float[] w, double sigma, double? eps, Rng rng)
    {
        for (int i = 0; i < w.Length; i++)
        {
            double std = eps is { } e ? sigma * sigma * w[i] * w[i] + e * e : sigma * sigma;
            w[i] += (float)(std * rng.NextGaussian());
        }
    }
}
