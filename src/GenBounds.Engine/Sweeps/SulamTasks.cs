using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Sparsity;
using GenBounds.Training;

namespace GenBounds.Sweeps;

/// <summary>Parameter readers with defaults and the MNIST loading shared by the Sulam tasks.</summary>
internal static class SulamPoint
{
    public static string Str(SweepPoint p, string name, string fallback) => p.Has(name) ? p.String(name) : fallback;
    public static double Num(SweepPoint p, string name, double fallback) => p.Has(name) ? p.Double(name) : fallback;
    public static int Int(SweepPoint p, string name, int fallback) => p.Has(name) ? p.Int(name) : fallback;
    public static bool Bool(SweepPoint p, string name, bool fallback) => p.Has(name) ? p.Get(name).GetValue<bool>() : fallback;

    /// <summary>"100" → [100]; "100-100" → [100, 100].</summary>
    public static int[] Hidden(SweepPoint p)
    {
        var text = p.Get("hidden").ToJsonString().Trim('"');
        var parts = text.Split('-', '_', 'x');
        var hidden = parts.Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int w) && w > 0 ? w : throw new ArgumentException($"hidden widths '{text}' must be positive integers joined by '-'")).ToArray();
        return hidden;
    }

    public static SulamRecipeOptions Recipe(SweepPoint p) => new()
    {
        Steps = Int(p, "steps", 5000), Batch = Int(p, "batch", 100), LearningRate = Num(p, "lr", 0.01), Lambda = Num(p, "lambda", 1.0),
        PriorFraction = Num(p, "prior_fraction", 0.05), Validation = Int(p, "validation", 5000), PosteriorFromPrior = Str(p, "posterior_start", "h_init") == "h_init",
        InitLambda = p.Has("init_lambda") ? p.Double("init_lambda") : null,
    };

    public static JsonArray Array(IEnumerable<double> xs) => new(xs.Select(x => (JsonNode?)(double.IsFinite(x) ? JsonValue.Create(x) : JsonValue.Create(x.ToString(CultureInfo.InvariantCulture)))).ToArray());
    public static JsonArray Ints(IEnumerable<int> xs) => new(xs.Select(x => (JsonNode?)JsonValue.Create(x)).ToArray());
    public static JsonNode? Num(double x) => double.IsFinite(x) ? JsonValue.Create(x) : JsonValue.Create(x.ToString(CultureInfo.InvariantCulture));
}

/// <summary>MNIST loaded once per task instance, with its content identity.</summary>
internal sealed class MnistOnce(string folder)
{
    private (Dataset Train, Dataset Test, string Hash)? _data;

    public (Dataset Train, Dataset Test, string Hash) Get()
    {
        if (_data is { } d) return d;
        var (train, test) = Mnist.Load(folder);
        _data = (train, test, SweepSpec.Sha256(train.ContentHash() + test.ContentHash()));
        return _data.Value;
    }
}

/// <summary>
/// One point of Muthukumar &amp; Sulam's Figures 1, 3 and 4 (catalog SULAM-X1–X3, X5): MNIST split 55,000/5,000, a random
/// training subset (<c>fraction</c> of the 55,000), a bias-free MLP trained by the X1 recipe with prior P₀ (<c>prior</c> =
/// "zero") or P_data (<c>prior</c> = "data": h_init trained on a held-out 5% of the subset, the bound evaluated on the other 95%),
/// then the grid search of Theorems 13 and 11 with its union-bound price. Reports the best bounds with every term, the
/// validation error (the paper's "test error", UNVERIFIED) and the MNIST test error, and every open choice (X5).
/// Parameters: hidden ("100" or "100-100"), fraction, prior, seed; optional steps, batch, lr, lambda, prior_fraction,
/// validation, posterior_start ("h_init"|"random"), init_lambda (h_init's λ; default lambda), delta, input_bound (a number or "max-train"), schedule ("appendix-b"|
/// "common"), union ("paper"|"safe"), last_layer ("corrected"|"printed"), quantile ("safe"|"paper"), prior_scaling
/// ("same"|"own"), strict_indicators, pay_sparsity, eps_min, eps_max, eps_count.
/// </summary>
public sealed class SulamBoundTask(string mnistFolder, string? modelCache, ILinearAlgebraProvider la) : ISweepTask
{
    private readonly MnistOnce _mnist = new(mnistFolder);

    /// <inheritdoc />
    public string Name => "sulam2023-bound";

    /// <inheritdoc />
    public string DataIdentity(SweepPoint point) => "mnist:" + _mnist.Get().Hash;

    /// <summary>The search options a point asks for (defaults: our readings of SULAM-X5).</summary>
    public static SulamSearchOptions SearchOptions(SweepPoint p, double inputBound)
    {
        var bound = new SulamBoundOptions
        {
            InputBound = inputBound,
            Union = SulamPoint.Str(p, "union", "paper") == "safe" ? UnionVariant.Safe : UnionVariant.Paper,
            Last = SulamPoint.Str(p, "last_layer", "corrected") == "printed" ? LastLayerVariance.Printed : LastLayerVariance.Corrected,
            StrictIndicators = SulamPoint.Bool(p, "strict_indicators", false),
            PriorScaling = SulamPoint.Str(p, "prior_scaling", "same") == "own" ? PriorScaling.OwnNorms : PriorScaling.SameScale,
        };
        double lo = SulamPoint.Num(p, "eps_min", 1e-3), hi = SulamPoint.Num(p, "eps_max", 1.0);
        int count = SulamPoint.Int(p, "eps_count", 40);
        return new SulamSearchOptions
        {
            Bound = bound,
            Delta = SulamPoint.Num(p, "delta", 0.05),
            EpsilonGrid = Enumerable.Range(0, count).Select(i => count == 1 ? lo : lo * Math.Pow(hi / lo, i / (count - 1.0))).ToArray(),
            Schedule = SulamPoint.Str(p, "schedule", "appendix-b") == "common" ? EpsilonSchedule.Common : EpsilonSchedule.AppendixB,
            Quantile = SulamPoint.Str(p, "quantile", "safe") == "paper" ? QuantileRule.Paper : QuantileRule.Safe,
            PayForSparsity = SulamPoint.Bool(p, "pay_sparsity", true),
        };
    }

    /// <inheritdoc />
    public JsonObject Run(SweepPoint point, SweepContext context)
    {
        if (point.Has("reading")) point = SulamReadings.Apply(point);
        var (all, test, _) = _mnist.Get();
        var hidden = SulamPoint.Hidden(point);
        double fraction = point.Double("fraction");
        string prior = point.String("prior");
        if (prior is not ("zero" or "data")) throw new ArgumentException($"prior must be 'zero' (P0) or 'data' (P_data), got '{prior}'");
        ulong seed = point.UInt64("seed");
        var recipe = SulamPoint.Recipe(point);
        var arch = SulamRecipe.Architecture(all.Dimension, hidden, 10);
        var (train, validation) = SulamRecipe.ValidationSplit(all, recipe.Validation, seed);
        var subset = SulamRecipe.Subset(train, fraction, seed);
        var sw = Stopwatch.StartNew();
        string key = $"{arch}|{recipe.Describe()}|seed={seed}|subset={subset.ContentHash()}";
        Mlp net, init;
        Dataset boundData;
        if (prior == "zero")
        {
            net = SulamRecipe.Cached(modelCache, key + "|P0", () => SulamRecipe.Train(arch, subset, null, null, recipe, seed, la));
            init = new Mlp(arch);
            boundData = subset;
        }
        else
        {
            var (priorPart, boundPart) = SulamRecipe.PriorSplit(subset, recipe.PriorFraction, seed);
            init = SulamRecipe.Cached(modelCache, key + "|h_init|" + priorPart.ContentHash(), () => SulamRecipe.Train(arch, priorPart, null, null, recipe.ForInit(), seed, la));
            var start = recipe.PosteriorFromPrior ? init : null;
            net = SulamRecipe.Cached(modelCache, key + "|P_data|" + priorPart.ContentHash(), () => SulamRecipe.Train(arch, subset, init, start, recipe, seed, la));
            boundData = boundPart;
        }
        double trainSeconds = sw.Elapsed.TotalSeconds;
        context.Log(string.Create(CultureInfo.InvariantCulture, $"{arch} {prior} m={subset.Count}: trained in {trainSeconds:F1} s"));
        sw.Restart();
        var h = SparseNetwork.FromMlp(net);
        var profile = ActivationProfile.Compute(h, boundData.Features, boundData.Count, boundData.Labels, la);
        string mxText = point.Has("input_bound") ? point.Get("input_bound").ToJsonString().Trim('"') : "28";
        double mx = mxText == "max-train" ? profile.InputNorms.Max() : double.Parse(mxText, CultureInfo.InvariantCulture);
        var options = SearchOptions(point, mx);
        var cache = new LayerCache(h, la);
        var result = SulamBoundSearch.Run(cache, prior == "zero" ? null : SparseNetwork.FromMlp(init), profile, options);
        double boundSeconds = sw.Elapsed.TotalSeconds;
        double ValError(Dataset d) => d.Count == 0 ? double.NaN : 1 - Evaluation.Evaluate(net, d, la).Accuracy;
        double valErr = ValError(validation), testErr = ValError(test);
        double trainErr = 1 - profile.Predictions!.Select((pr, i) => pr == boundData.Labels[i] ? 1 : 0).Average();
        context.Log(string.Create(CultureInfo.InvariantCulture, $"{arch} {prior} m={subset.Count}: T13 {result.Best.Terms.Total:G4}, T11 {result.BestTheorem11?.Theorem11?.Total:G4}, validation error {valErr:F4} ({boundSeconds:F1} s)"));
        bool collapsed = h.Collapsed(mx);
        if (collapsed)
            context.Log(string.Create(CultureInfo.InvariantCulture, $"{arch} {prior} m={subset.Count}: WARNING the trained net collapsed onto the zero network (every logit below {h.LogitBound(mx):G3} for |x| <= M_X); its bound is that of a degenerate predictor"));
        var choices = new JsonObject();
        foreach (var (name, value) in result.Choices) choices[name] = value;
        if (mxText == "max-train") choices["M_X"] = $"{mx:R} = max training-input norm (DATA-DEPENDENT reading: not a valid bound without a union over M_X)";
        choices["training"] = recipe.Describe() + " (UNVERIFIED readings: no momentum/schedule/decay; h_init trained like P0 on the prior split; posterior trained on the whole subset)";
        return new JsonObject
        {
            ["hidden"] = string.Join("-", hidden), ["architecture"] = arch.ToString(), ["prior"] = prior, ["fraction"] = fraction,
            ["subset_size"] = subset.Count, ["m_bound"] = boundData.Count,
            ["bound_t13"] = SulamPoint.Num(result.Best.Terms.Total), ["bound_t11"] = SulamPoint.Num(result.BestTheorem11?.Theorem11?.Total ?? double.NaN),
            ["best_t13"] = Terms(result.Best, result.Best.Terms), ["best_t11"] = result.BestTheorem11 is { } b11 ? Terms(b11, b11.Theorem11!) : null,
            ["delta_reduced"] = result.DeltaReduced, ["log_union_count"] = result.LogUnionCount,
            ["validation_error"] = SulamPoint.Num(valErr), ["test_error"] = SulamPoint.Num(testErr), ["train_error"] = trainErr,
            ["input_bound"] = mx, ["max_input_norm"] = profile.InputNorms.Max(),
            ["collapsed"] = collapsed, ["logit_bound"] = SulamPoint.Num(h.LogitBound(mx)),
            ["grid_points"] = result.Points.Count, ["train_seconds"] = trainSeconds, ["bound_seconds"] = boundSeconds, ["choices"] = choices,
            ["reading"] = point.Has("reading") ? point.String("reading") : null,
            ["valid_bound"] = mxText != "max-train" && options.PayForSparsity,
        };
    }

    /// <summary>Every term of one grid point as JSON.</summary>
    public static JsonObject Terms(SulamGridPoint g, SulamBoundTerms t) => new()
    {
        ["theorem"] = t.Theorem, ["epsilon_bar"] = g.EpsilonBar, ["alpha"] = g.Alpha, ["s"] = SulamPoint.Ints(t.S), ["eta"] = SulamPoint.Array(t.Eta),
        ["epsilon"] = SulamPoint.Array(t.Epsilon), ["normalisers"] = SulamPoint.Array(t.Normalisers), ["sigma"] = SulamPoint.Array(t.Sigma), ["kl"] = SulamPoint.Array(t.Kl),
        ["margin_threshold"] = SulamPoint.Num(t.MarginThreshold), ["margin_loss"] = t.MarginLoss, ["sparse_gamma"] = t.SparseGamma, ["sparse_3gamma"] = t.Sparse3Gamma,
        ["constant_term"] = SulamPoint.Num(t.ConstantTerm), ["kl_term"] = SulamPoint.Num(t.KlTerm), ["layer_kl_terms"] = SulamPoint.Num(t.LayerKlTerms), ["total"] = SulamPoint.Num(t.Total),
        ["greedy_mean_kappa"] = g.GreedyMeanKappa, ["delta"] = t.Delta, ["m"] = t.M,
    };
}

/// <summary>
/// One net of Figures 2 and 5 (catalog SULAM-X4): trained by the X1 recipe with P₀ on the 55,000 training images (UNVERIFIED:
/// the paper does not say which nets), then the greedy sparsity vector and κ of every training image on the ε grid
/// (default linspace(10⁻⁴, 0.05, 30), common ε, exact η; UNVERIFIED), the mean κ per ε (both summation ranges) and the
/// histogram of κ at the first ε. Parameters: hidden, seed; optional steps, batch, lr, lambda, validation, input_bound,
/// eps_min, eps_max, eps_count, samples (0 = all), bins.
/// </summary>
public sealed class SulamActivityTask(string mnistFolder, string? modelCache, ILinearAlgebraProvider la) : ISweepTask
{
    private readonly MnistOnce _mnist = new(mnistFolder);

    /// <inheritdoc />
    public string Name => "sulam2023-activity";

    /// <inheritdoc />
    public string DataIdentity(SweepPoint point) => "mnist:" + _mnist.Get().Hash;

    /// <inheritdoc />
    public JsonObject Run(SweepPoint point, SweepContext context)
    {
        var (all, _, _) = _mnist.Get();
        var hidden = SulamPoint.Hidden(point);
        ulong seed = point.UInt64("seed");
        var recipe = SulamPoint.Recipe(point);
        var arch = SulamRecipe.Architecture(all.Dimension, hidden, 10);
        var (train, _) = SulamRecipe.ValidationSplit(all, recipe.Validation, seed);
        var sw = Stopwatch.StartNew();
        string key = $"{arch}|{recipe.Describe()}|seed={seed}|subset={train.ContentHash()}|P0";
        var net = SulamRecipe.Cached(modelCache, key, () => SulamRecipe.Train(arch, train, null, null, recipe, seed, la));
        double trainSeconds = sw.Elapsed.TotalSeconds;
        sw.Restart();
        int samples = SulamPoint.Int(point, "samples", 0);
        var data = samples > 0 && samples < train.Count ? train.Take(samples) : train;
        double mx = SulamPoint.Num(point, "input_bound", 28);
        double lo = SulamPoint.Num(point, "eps_min", 1e-4), hi = SulamPoint.Num(point, "eps_max", 0.05);
        int count = SulamPoint.Int(point, "eps_count", 30), bins = SulamPoint.Int(point, "bins", 50);
        var grid = Enumerable.Range(0, count).Select(i => count == 1 ? lo : lo + (hi - lo) * i / (count - 1.0)).ToArray();
        var sparse = SparseNetwork.FromMlp(net);
        var result = ActivityRatios.Compute(sparse, data, grid, mx, la);
        bool collapsed = sparse.Collapsed(mx);
        if (collapsed) context.Log($"{arch}: WARNING the trained net collapsed onto the zero network (kappa is scale-invariant, but the net's direction is not a trained classifier)");
        var hist = new int[bins];
        foreach (double k in result.KappaAtFirst) hist[Math.Clamp((int)(k * bins), 0, bins - 1)]++;
        context.Log(string.Create(CultureInfo.InvariantCulture, $"{arch}: mean kappa {result.MeanKappa[0]:F3} at eps {grid[0]:G3} … {result.MeanKappa[^1]:F3} at {grid[^1]:G3} ({sw.Elapsed.TotalSeconds:F1} s)"));
        return new JsonObject
        {
            ["hidden"] = string.Join("-", hidden), ["architecture"] = arch.ToString(), ["samples"] = data.Count, ["epsilon"] = SulamPoint.Array(grid),
            ["mean_kappa"] = SulamPoint.Array(result.MeanKappa), ["mean_kappa_hidden"] = SulamPoint.Array(result.MeanKappaHidden),
            ["histogram_epsilon"] = grid[0], ["histogram_bins"] = bins, ["histogram"] = SulamPoint.Ints(hist),
            ["train_error"] = 1 - Evaluation.Evaluate(net, train, la).Accuracy, ["input_bound"] = mx,
            ["collapsed"] = collapsed, ["logit_bound"] = SulamPoint.Num(sparse.LogitBound(mx)),
            ["train_seconds"] = trainSeconds, ["kappa_seconds"] = sw.Elapsed.TotalSeconds,
            ["choices"] = new JsonObject
            {
                ["nets"] = "X1 recipe with P0 on the 55,000 training images (UNVERIFIED: the paper does not say which nets Figs. 2/5 use)",
                ["epsilon"] = "common eps for every layer (main text); exact eta (no grid)", ["M_X"] = $"{mx:R} (UNVERIFIED)",
                ["kappa"] = "sum over k = 1..K+1 with s_0 = s_{K+1} = 0 (mean_kappa); k = 1..K (mean_kappa_hidden); UNVERIFIED",
            },
        };
    }
}

/// <summary>The effective activity ratio κ of every sample over an ε grid (catalog SULAM-D-EAR).</summary>
/// <param name="MeanKappa">Mean κ per ε (k = 1..K+1).</param>
/// <param name="MeanKappaHidden">Mean κ per ε with the sum over hidden layers only.</param>
/// <param name="KappaAtFirst">κ of every sample at the first ε (for the histogram).</param>
/// <param name="Seconds">Wall-clock seconds (forward pass and sorting included).</param>
public sealed record ActivityRatios(double[] MeanKappa, double[] MeanKappaHidden, double[] KappaAtFirst, double Seconds)
{
    /// <summary>
    /// One forward pass (activation profile) and, per ε (common to every layer), the greedy vector of every sample by threshold
    /// counts with exact η; the benchmark target is 55,000 samples of a width-1000 2-layer net over 30 ε in under 2 minutes.
    /// </summary>
    public static ActivityRatios Compute(SparseNetwork h, Dataset data, double[] epsilons, double inputBound, ILinearAlgebraProvider la)
    {
        var sw = Stopwatch.StartNew();
        var profile = ActivationProfile.Compute(h, data.Features, data.Count, default, la);
        var cache = new LayerCache(h, la);
        var mean = new double[epsilons.Length];
        var meanHidden = new double[epsilons.Length];
        var first = new double[data.Count];
        for (int e = 0; e < epsilons.Length; e++)
        {
            var eps = Enumerable.Repeat(epsilons[e], h.K + 2).ToArray();
            double sum = 0, sumHidden = 0;
            for (int i = 0; i < data.Count; i++)
            {
                var s = GreedySparsity.Vector(profile, cache, i, eps, inputBound);
                double k = GreedySparsity.Kappa(h.Widths, s);
                sum += k; sumHidden += GreedySparsity.KappaHidden(h.Widths, s);
                if (e == 0) first[i] = k;
            }
            mean[e] = sum / data.Count; meanHidden[e] = sumHidden / data.Count;
        }
        return new ActivityRatios(mean, meanHidden, first, sw.Elapsed.TotalSeconds);
    }
}

/// <summary>
/// Named readings of the open choices of catalog SULAM-X5, tried one at a time on the key target of Figure 1 (width 100,
/// P_data, the largest m). Each overrides some parameters of <see cref="SulamBoundTask"/>; the optimistic ones are not valid
/// bounds (a data-dependent M_X, or s chosen from the data without paying for it) and say so in their result.
/// </summary>
public static class SulamReadings
{
    /// <summary>Every reading: name, what it changes, and its parameter overrides.</summary>
    public static IReadOnlyList<(string Name, string Description, IReadOnlyDictionary<string, JsonNode> Overrides)> All { get; } =
    [
        ("main", "our defaults: M_X = 28, delta = 0.05, App. B schedule, corrected last layer, paper Lemma-12 union, safe quantile, <= indicators", Map()),
        ("common-schedule", "eps_k = eps-bar for every layer (main text)", Map(("schedule", "common"))),
        ("printed-last-layer", "sigma_{K+1} = eps^2/alpha as printed", Map(("last_layer", "printed"))),
        ("safe-union", "Lemma 12 at delta/(2K+1)", Map(("union", "safe"))),
        ("paper-quantile", "App. B's quantile level (alpha for K = 1)", Map(("quantile", "paper"))),
        ("own-norm-prior", "h_init normalised by its own norms", Map(("prior_scaling", "own"))),
        ("strict-indicators", "sparse indicators with < as printed", Map(("strict_indicators", true))),
        ("delta-0.1", "delta = 0.1", Map(("delta", 0.1))),
        ("fine-eps-grid", "120 eps-bar values in [1e-4, 1]", Map(("eps_min", 1e-4), ("eps_max", 1.0), ("eps_count", 120))),
        ("posterior-random-start", "P_data posterior trained from a fresh initialisation", Map(("posterior_start", "random"))),
        ("h_init-unpulled", "h_init trained without the pull toward 0 (lambda 0); the posterior still pulled toward it with lambda", Map(("init_lambda", 0.0))),
        ("max-train-M_X", "M_X = the largest training-input norm (data-dependent: not a valid bound)", Map(("input_bound", "max-train"))),
        ("no-union-over-s", "s chosen from the data without paying log prod d_k (not a valid bound)", Map(("pay_sparsity", false))),
        ("optimistic", "every optimistic reading at once (not a valid bound): max-train M_X, no union over s, < indicators, delta 0.1, own-norm prior, fine grid",
            Map(("input_bound", "max-train"), ("pay_sparsity", false), ("strict_indicators", true), ("delta", 0.1), ("prior_scaling", "own"), ("eps_min", 1e-4), ("eps_max", 1.0), ("eps_count", 120))),
    ];

    private static IReadOnlyDictionary<string, JsonNode> Map(params (string Key, object Value)[] pairs) =>
        pairs.ToDictionary(p => p.Key, p => p.Value switch
        {
            string v => (JsonNode)JsonValue.Create(v),
            bool b => JsonValue.Create(b),
            int i => JsonValue.Create(i),
            double d => JsonValue.Create(d),
            _ => throw new ArgumentException("unsupported override"),
        });

    /// <summary>The point with its reading's overrides applied (the reading's name stays a parameter).</summary>
    public static SweepPoint Apply(SweepPoint point)
    {
        string name = point.String("reading");
        var reading = All.FirstOrDefault(r => r.Name == name);
        if (reading.Name is null) throw new ArgumentException($"unknown reading '{name}' (known: {string.Join(", ", All.Select(r => r.Name))})");
        var merged = point.Parameters.ToDictionary(kv => kv.Key, kv => kv.Value.DeepClone(), StringComparer.Ordinal);
        foreach (var (k, v) in reading.Overrides) merged[k] = v.DeepClone();
        return point with { Parameters = merged };
    }
}
