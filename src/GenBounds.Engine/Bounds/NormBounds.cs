using System.Globalization;

namespace GenBounds.Bounds;

/// <summary>Choices of the bound computations.</summary>
public sealed record BoundOptions
{
    /// <summary>δ of every published bound (each bound on its own; they are not combined).</summary>
    public double Delta { get; init; } = 0.05;
    /// <summary>Percentile of the training margins used by the practical forms (<c>bneyshabur</c>: 5).</summary>
    public double PracticalMarginPercentile { get; init; } = 5;
    /// <summary>Run the Monte Carlo families: Jiang et al.'s σ searches and the expected-sharpness PAC-Bayes bound (slow on large nets).</summary>
    public bool Sharpness { get; init; } = true;
    /// <summary>Training examples the σ searches evaluate (a seeded subset; the code uses the whole training set).</summary>
    public int SharpnessSamples { get; init; } = 2000;
    /// <summary>Seed of the Monte Carlo streams.</summary>
    public ulong Seed { get; init; } = 1;
}

/// <summary>
/// The norm-based bounds of catalog baseline-bounds §§1–4 in their practical and published forms, and the Guha et al.
/// (2023) table's rows in their seed-code form, all computed from one <see cref="BoundInputs"/>.
/// Published forms are real bounds on the test error: the papers' statements for fixed norm budgets and margin, made
/// uniform by union bounds over fixed geometric grids of budgets and margins (DERIVED, the standard step; each grid
/// index n costs ln((π²/3 − 1)(|n| + 1)²)), evaluated on the bias-augmented bias-free network so that nets with biases
/// are covered exactly. The best margin of the grid is reported (legitimate: the union bound covers all of them).
/// </summary>
public static class NormBounds
{
    /// <summary>Citation of Neyshabur, Tomioka &amp; Srebro (COLT 2015).</summary>
    public const string Nts15 = "Neyshabur, Tomioka, Srebro 2015";
    /// <summary>Citation of Bartlett &amp; Mendelson (2002), as the practitioners' code labels its ℓ_{1,∞} row.</summary>
    public const string Bm02 = "Bartlett & Mendelson 2002";
    /// <summary>Citation of Bartlett, Foster &amp; Telgarsky (NIPS 2017).</summary>
    public const string Bft17 = "Bartlett, Foster, Telgarsky 2017";
    /// <summary>Citation of Neyshabur, Bhojanapalli &amp; Srebro (ICLR 2018, arXiv 2017) — the paper the seed papers call "Neyshabur et al. 2017".</summary>
    public const string Nbs18 = "Neyshabur, Bhojanapalli, Srebro 2018 (cited as 'Neyshabur et al. 2017')";
    /// <summary>Citation of Neyshabur, Bhojanapalli, McAllester &amp; Srebro (NIPS 2017, "Exploring generalization").</summary>
    public const string Nbms17 = "Neyshabur, Bhojanapalli, McAllester, Srebro 2017 (Exploring generalization)";
    /// <summary>Citation of the Guha et al. (2023) authors' code.</summary>
    public const string Guha23Code = "Guha, Dubey, Huo 2023 (authors' code)";

    private static readonly string[] NoTags = [];
    private static readonly double Ln2 = Math.Log(2);

    private static string F(string format, params object[] args) => string.Format(CultureInfo.InvariantCulture, format, args);

    // ------------------------------------------------------------------------------------------------ practical

    /// <summary>
    /// The practical forms of <c>bneyshabur/generalization-bounds</c> (<c>measures.py</c>: "constants and additive
    /// logarithmic factors are not included"), γ = a percentile of the training margins (5th in that code), W⁰ = the
    /// random initialisation, and the "Exploring generalization" capacity measures (catalog §4, RECALLED).
    /// </summary>
    public static IReadOnlyList<BoundValue> Practical(BoundInputs b, BoundOptions o)
    {
        double gamma = b.MarginPercentile(o.PracticalMarginPercentile);
        string rule = F("{0}th percentile of the training margins (np.percentile, as bneyshabur/generalization-bounds)", o.PracticalMarginPercentile);
        var rows = new List<BoundValue>();
        int d = b.Depth, D = b.Network.Architecture.InputSize;
        double lnM = Math.Log(b.M), lnG = Math.Log(gamma);
        var noInit = b.Initialization is null ? new[] { "W⁰ unknown: distances to initialisation use the reference 0 (the model file did not record a regenerable initialisation)" } : [];
        if (!(gamma > 0))
        {
            foreach (var (id, src, name) in new[] { ("NTS15-frobenius", Nts15, "Frobenius"), ("NTS15-l3-1.5", Nts15, "group norm ℓ_{3,1.5}"), ("BM02-l1inf", Bm02, "per-unit ℓ1 (ℓ_{1,∞})"),
                         ("BFT17-spectral-l21", Bft17, "spectral × ℓ_{2,1} distance"), ("NBS18-spectral-frobenius", Nbs18, "spectral × Frobenius distance") })
                rows.Add(BoundValue.Of(id + "/practical", src, name, BoundForm.Practical, double.PositiveInfinity, gamma, rule, "margin ≤ 0: undefined", NoTags, ["the margin percentile is ≤ 0"]));
            return rows;
        }
        double lnAlpha = 0.5 * Math.Log(d + Math.Log(D));
        double sumLnFro = b.Layers.Sum(l => Math.Log(l.Frobenius)), sumLnSpec = b.Layers.Sum(l => Math.Log(l.Spectral));
        rows.Add(BoundValue.FromLog("NTS15-frobenius/practical", Nts15, "Frobenius", BoundForm.Practical, lnAlpha + sumLnFro - lnG - 0.5 * lnM, gamma, rule,
            "sqrt(d + ln D) · Π_i ‖W_i‖_F / (γ √m)", NoTags, ["α = √(d + ln D) is the code's depth factor (Golowich et al. 2018, RECALLED)"]));
        rows.Add(BoundValue.FromLog("NTS15-l3-1.5/practical", Nts15, "group norm ℓ_{3,1.5}", BoundForm.Practical, lnAlpha + b.Layers.Sum(l => Math.Log(l.L3_15)) - lnG - lnM / 3, gamma, rule,
            "sqrt(d + ln D) · Π_i ‖W_i‖_{3,1.5} / (γ m^{1/3})", NoTags, []));
        rows.Add(BoundValue.FromLog("BM02-l1inf/practical", Bm02, "per-unit ℓ1 (ℓ_{1,∞})", BoundForm.Practical, lnAlpha + b.Layers.Sum(l => Math.Log(l.L1Inf)) - lnG - 0.5 * lnM, gamma, rule,
            "sqrt(d + ln D) · Π_i ‖W_i‖_{1,∞} / (γ √m)", NoTags, []));
        double lnRatio21 = 1.5 * Math.Log(b.Layers.Sum(l => Math.Pow(DistOrNorm(l.DistL21, l.L21, b) / l.Spectral, 2.0 / 3)));
        rows.Add(BoundValue.FromLog("BFT17-spectral-l21/practical", Bft17, "spectral × ℓ_{2,1} distance", BoundForm.Practical,
            Math.Log(lnM * Math.Log(b.ParameterCount)) + sumLnSpec - lnG + lnRatio21 - 0.5 * lnM, gamma, rule,
            "ln m · ln N_param · Π_i ‖W_i‖₂/γ · (Σ_i (‖W_i − W⁰_i‖_{2,1}/‖W_i‖₂)^{2/3})^{3/2} / √m", NoTags, [.. noInit, "ln(W)ln(n) replaced by ln(m)ln(N_param) and ‖X‖₂/√m dropped, as the code does"]));
        double sumHDist = 0;
        for (int i = 0; i < d; i++) { var l = b.Layers[i]; double dist = DistOrNorm(l.DistFrobenius, l.Frobenius, b); sumHDist += b.Network.Layers[i].Out * dist * dist / (l.Spectral * l.Spectral); }
        rows.Add(BoundValue.FromLog("NBS18-spectral-frobenius/practical", Nbs18, "spectral × Frobenius distance", BoundForm.Practical,
            Math.Log(d) + sumLnSpec - lnG + 0.5 * Math.Log(sumHDist) - 0.5 * lnM, gamma, rule,
            "d · Π_i ‖W_i‖₂/γ · sqrt(Σ_i h_i ‖W_i − W⁰_i‖²_F/‖W_i‖²₂) / √m  (h_i = output units of layer i)", NoTags,
            [.. noInit, "distance to initialisation in place of ‖W_i‖_F (the ICLR 2019 variant the code uses)"]));
        foreach (var (p, sums) in new[] { (1.0, b.PathSums1), (1.5, b.PathSums15), (2.0, b.PathSums2) })
            rows.Add(BoundValue.FromLog(F("NTS15-path-l{0}/practical", p), Nts15, F("ℓ{0} path norm / γ (measure)", p), BoundForm.Practical,
                Math.Log(sums.Sum()) / p - lnG, gamma, rule, F("(Σ_y (|W_L|^{0} ⋯ |W_1|^{0} 1)_y)^(1/{0}) / γ, biases included", p), NoTags,
                ["a capacity measure of the code's 'measure' dictionary (no bound is formed from it)"]));
        // "Exploring generalization" capacities (∝, RECALLED), same γ.
        rows.Add(BoundValue.FromLog("NBMS17-l2/practical", Nbms17, "ℓ2 norm capacity", BoundForm.Practical, b.Layers.Sum(l => Math.Log(4) + 2 * Math.Log(l.Frobenius)) - 2 * lnG, gamma, rule,
            "Π_i 4‖W_i‖²_F / γ²", ["RECALLED"], ["capacity '∝' this quantity (their §2); not a bound"]));
        rows.Add(BoundValue.FromLog("NBMS17-l1-path/practical", Nbms17, "ℓ1-path norm capacity", BoundForm.Practical, 2 * (d * Ln2 + Math.Log(b.PathSums1.Sum())) - 2 * lnG, gamma, rule,
            "(Σ_paths |Π_i 2W_i|)² / γ² = (2^d φ₁)² / γ²", ["RECALLED"], ["biases enter the path sums, as in the practitioners' code"]));
        rows.Add(BoundValue.FromLog("NBMS17-l2-path/practical", Nbms17, "ℓ2-path norm capacity", BoundForm.Practical, LogScaledPathSum2(b) - 2 * lnG, gamma, rule,
            "Σ_paths Π_i 4h_i W_i² / γ²", ["RECALLED"], ["h_i = output units of layer i; biases enter the path sums"]));
        rows.Add(BoundValue.FromLog("NBMS17-spectral/practical", Nbms17, "spectral capacity", BoundForm.Practical,
            Enumerable.Range(0, d).Sum(i => Math.Log(b.Network.Layers[i].Out) + 2 * Math.Log(b.Layers[i].Spectral)) - 2 * lnG, gamma, rule,
            "Π_i h_i ‖W_i‖²₂ / γ²", ["RECALLED"], []));
        return rows;
    }

    // ‖W − W⁰‖ when W⁰ is known, else the reference 0 (‖W‖ itself).
    private static double DistOrNorm(double dist, double norm, BoundInputs b) => b.Initialization is null || double.IsNaN(dist) ? norm : dist;

    // ln Σ_paths Π_i 4h_i W_i² (biases included): the all-ones forward with per-layer scale 4h_i on squared parameters.
    private static double LogScaledPathSum2(BoundInputs b)
    {
        var net = b.Network;
        var a = Enumerable.Repeat(1.0, net.Architecture.InputSize).ToArray();
        double logScale = 0;
        foreach (var layer in net.Layers)
        {
            double c = 4.0 * layer.Out;
            var z = new double[layer.Out];
            for (int r = 0; r < layer.Out; r++)
            {
                double s = layer.Bias is { } bb ? c * bb[r] * bb[r] : 0;
                for (int k = 0; k < layer.In; k++) { double w = layer.Weight[r * layer.In + k]; s += c * w * w * a[k]; }
                z[r] = s;
            }
            // Renormalise to keep the recursion in range; the scale is carried in log space.
            double max = z.Max();
            if (max > 0) { for (int r = 0; r < z.Length; r++) z[r] /= max; logScale += Math.Log(max); }
            a = z;
        }
        return logScale + Math.Log(a.Sum());
    }

    // ------------------------------------------------------------------------------------------------ seed code

    /// <summary>
    /// The three baseline rows of Guha et al. (2023)'s appendix table as the authors' code computes them
    /// (<c>groundzero/main.py</c>, catalog guha2023 §5): γ = the minimum training margin; no √(·/m), no log factors.
    /// "Neyshabur 2015" = Π‖W‖²_F/γ²; "Neyshabur 2017" = Π‖W‖²₂ · Σ_l ‖W_l‖²_F/‖W_l‖²₂ · in_l / γ²;
    /// "Bartlett 2017" = Π‖W‖²₂ · Σ_l ‖W_l‖²_F/‖W_l‖²₂ / γ², because the code's <c>lpq_norm(A, 1, 2)</c> evaluates to the
    /// Frobenius norm (not ℓ_{1,2} or ℓ_{2,1}). The paper's table prints natural logs of these.
    /// </summary>
    public static IReadOnlyList<BoundValue> SeedCode(BoundInputs b)
    {
        double gamma = b.MinMargin;
        const string rule = "minimum training margin (the code's get_margin; 0 when a training point is misclassified)";
        var rows = new List<BoundValue>();
        string[] tags = ["CODE"];
        if (!(gamma > 0))
        {
            string[] why = ["the minimum training margin is ≤ 0: the code sets γ = 0 and the quantity is infinite"];
            rows.Add(BoundValue.Of("GUHA23-neyshabur2015/seed-code", Guha23Code, "'Neyshabur 2015' row", BoundForm.SeedCode, double.PositiveInfinity, gamma, rule, "Π_l ‖W_l‖²_F / γ²", tags, why));
            rows.Add(BoundValue.Of("GUHA23-neyshabur2017/seed-code", Guha23Code, "'Neyshabur 2017' row", BoundForm.SeedCode, double.PositiveInfinity, gamma, rule, "Π_l ‖W_l‖²₂ · Σ_l in_l ‖W_l‖²_F/‖W_l‖²₂ / γ²", tags, why));
            rows.Add(BoundValue.Of("GUHA23-bartlett2017/seed-code", Guha23Code, "'Bartlett 2017' row (a Frobenius quantity)", BoundForm.SeedCode, double.PositiveInfinity, gamma, rule, "Π_l ‖W_l‖²₂ · Σ_l ‖W_l‖²_F/‖W_l‖²₂ / γ²", tags, why));
            return rows;
        }
        double lnG2 = 2 * Math.Log(gamma), sumSpec2 = b.Layers.Sum(l => 2 * Math.Log(l.Spectral));
        double sr = b.Layers.Sum(l => l.Frobenius * l.Frobenius / (l.Spectral * l.Spectral));
        double srIn = Enumerable.Range(0, b.Depth).Sum(i => b.Network.Layers[i].In * b.Layers[i].Frobenius * b.Layers[i].Frobenius / (b.Layers[i].Spectral * b.Layers[i].Spectral));
        rows.Add(BoundValue.FromLog("GUHA23-neyshabur2015/seed-code", Guha23Code, "'Neyshabur 2015' row", BoundForm.SeedCode, b.Layers.Sum(l => 2 * Math.Log(l.Frobenius)) - lnG2, gamma, rule,
            "Π_l ‖W_l‖²_F / γ²  (calc_neyshabur)", tags, ["the table prints ln of this value"]));
        rows.Add(BoundValue.FromLog("GUHA23-neyshabur2017/seed-code", Guha23Code, "'Neyshabur 2017' row", BoundForm.SeedCode, sumSpec2 + Math.Log(srIn) - lnG2, gamma, rule,
            "Π_l ‖W_l‖²₂ · Σ_l in_l ‖W_l‖²_F/‖W_l‖²₂ / γ²  (calc_second_neyshabur; in_l = input width)", tags, ["the table prints ln of this value"]));
        rows.Add(BoundValue.FromLog("GUHA23-bartlett2017/seed-code", Guha23Code, "'Bartlett 2017' row (a Frobenius quantity)", BoundForm.SeedCode, sumSpec2 + Math.Log(sr) - lnG2, gamma, rule,
            "Π_l ‖W_l‖²₂ · Σ_l ‖W_l‖²_F/‖W_l‖²₂ / γ²  (calc_bartlett; lpq_norm(A,1,2) = ‖A‖_F)", [.. tags, "PAPER-ISSUE"],
            ["not the spectral × ℓ_{2,1} quantity of Bartlett et al.: the code's lpq_norm(A, 1, 2) evaluates to the Frobenius norm", "the table prints ln of this value"]));
        return rows;
    }

    // ------------------------------------------------------------------------------------------------ published

    /// <summary>
    /// Published forms: NTS15 (Frobenius, per-unit ℓ1, ℓ1 path norm) through the multiclass margin bound; BFT17 with
    /// the recalled explicit constants; NBS18 through its PAC-Bayes proof (σ = γ/(42 d B β̃^{d−1} √(h ln 4hd))).
    /// </summary>
    public static IReadOnlyList<BoundValue> Published(BoundInputs b, BoundOptions o)
    {
        if (!(b.SortedMargins[^1] > 0)) throw new ArgumentException("the network has no positive training margin: margin bounds are undefined");
        var rows = new List<BoundValue>();
        rows.AddRange(Nts15Published(b, o.Delta));
        rows.Add(Bft17Published(b, o.Delta));
        rows.Add(Nbs18Published(b, o.Delta));
        return rows;
    }

    // Dyadic margins ρ_j = 2^j from the largest training margin down 60 octaves.
    private static IEnumerable<long> MarginGrid(BoundInputs b) => MarginGrid(b.SortedMargins[^1]);

    private static IEnumerable<BoundValue> Nts15Published(BoundInputs b, double delta)
    {
        int d = b.Depth, Dt = b.Augmented.Widths[0];
        var aug = b.AugmentedLayers;
        var notes = new List<string>
        {
            "NTS15 Theorem 1 / Corollary 7 bound the empirical Rademacher complexity of each class score x ↦ f(x)[y] (their scalar-output class; the last layer is one row of W_L)",
            "classification bound: the multiclass margin bound L₀ ≤ L̂_ρ + (4k/ρ)·R̂_S(Π₁H) + 3√(ln(2/δ)/(2m)) (Mohri, Rostamizadeh, Talwalkar, 2nd ed., Thm 9.2; RECALLED constants)",
            "uniform over the norm budget 2^a and the margin 2^j by a union bound over both grids (DERIVED)",
        };
        if (b.Network.Architecture.Bias) notes.Add("biases through the constant input coordinate: norms of the augmented bias-free network [[W, b], [0, 1]] and inputs (x, 1)");
        double lnFro = Enumerable.Range(0, d - 1).Sum(i => Math.Log(aug[i].Frobenius)) + Math.Log(b.LastRowL2);
        double lnL1 = Enumerable.Range(0, d - 1).Sum(i => Math.Log(aug[i].L1Inf)) + Math.Log(b.LastRowL1);
        double lnPath = Math.Log(b.PathSums1.Max());
        double lnLog2D = Math.Log(4 * Math.Log(2.0 * Dt));
        // ln R̂ as a function of the (rounded) budget: Theorem 1 (p = q = 2; p = 1, q = ∞) and Corollary 7.
        double Fro(double lnBudget) => 0.5 * ((d - 1) * Math.Log(4) + Ln2 + 2 * lnBudget + 2 * Math.Log(b.MaxInputL2) - Math.Log(b.M));
        double L1(double lnBudget) => 0.5 * ((d - 1) * Math.Log(4) + 2 * lnBudget + lnLog2D + 2 * Math.Log(b.MaxInputLInf) - Math.Log(b.M));
        yield return Nts15Row(b, delta, "NTS15-frobenius/published", "Frobenius (Theorem 1, p = q = 2)", lnFro, Fro,
            "L̂_ρ + (4k/ρ)·sqrt(4^{d−1}·2·Γ²·max‖x̃‖²₂/m) + 3·sqrt(ln(2/δ_{a,j})/(2m)), Γ = Π_{i<d}‖W̃_i‖_F · max_y‖W̃_d[y]‖₂", notes);
        yield return Nts15Row(b, delta, "NTS15-l1inf/published", "per-unit ℓ1 (Theorem 1, p = 1, q = ∞)", lnL1, L1,
            "L̂_ρ + (4k/ρ)·sqrt(4^{d−1}·Γ²·4 ln(2D̃)·max‖x̃‖²_∞/m) + 3·sqrt(ln(2/δ_{a,j})/(2m)), Γ = Π_{i<d}‖W̃_i‖_{1,∞} · max_y‖W̃_d[y]‖₁", notes);
        yield return Nts15Row(b, delta, "NTS15-path-l1/published", "ℓ1 path norm (Corollary 7)", lnPath, L1,
            "L̂_ρ + (4k/ρ)·sqrt(4^{d−1}·φ₁²·4 ln(2D̃)·max‖x̃‖²_∞/m) + 3·sqrt(ln(2/δ_{a,j})/(2m)), φ₁ = max_y path norm of output y", notes);
    }

    private static BoundValue Nts15Row(BoundInputs b, double delta, string id, string name, double lnCapacity, Func<double, double> lnRademacher, string formula, List<string> notes)
    {
        long a = BoundMath.GridUp(lnCapacity, Ln2);
        double lnR = lnRademacher(a * Ln2), best = double.PositiveInfinity, bestGamma = double.NaN;
        foreach (long j in MarginGrid(b))
        {
            double rho = Math.Pow(2, j);
            double lnDelta = BoundMath.LogDeltaShare(delta, a, j);
            double lnTerm = Math.Log(4.0 * b.Classes) - j * Ln2 + lnR;
            double conf = 3 * Math.Sqrt((Ln2 - lnDelta) / (2.0 * b.M));
            double lnBound = BoundMath.LogSumExp(BoundMath.SafeLog(b.MarginLoss(rho)), lnTerm, Math.Log(conf));
            if (lnBound < best) { best = lnBound; bestGamma = rho; }
        }
        return BoundValue.FromLog(id, Nts15, name, BoundForm.Published, best, bestGamma, "best margin 2^j of the dyadic grid (union bound)", formula,
            ["RECALLED", "DERIVED"], [.. notes, F("capacity Γ = {0:G4}, rounded up to the budget 2^{1}", Math.Exp(lnCapacity), a)]);
    }

    private static BoundValue Bft17Published(BoundInputs b, double delta)
    {
        int d = b.Depth;
        var aug = b.AugmentedLayers;
        var dist = Enumerable.Range(0, d).Select(i => b.AugmentedInitialization is null || double.IsNaN(aug[i].DistL21) ? aug[i].L21 : aug[i].DistL21).ToArray();
        int W = b.Augmented.Widths.Max();
        var (best, bestGamma) = Bft17Core(aug.Select(l => l.Spectral).ToArray(), dist, 0, b.InputFrobenius, W, b.M, b.MarginLoss, MarginGrid(b), delta);
        var notes = Bft17Notes(b.InputFrobenius, W);
        if (b.AugmentedInitialization is null) notes.Add("reference matrices M_i = 0 (W⁰ unknown)");
        else notes.Add("reference matrices M_i = the random initialisation (data-independent, allowed)");
        if (b.Network.Architecture.Bias) notes.Add("biases through the augmented bias-free network [[W, b], [0, 1]]");
        return Bft17Value(best, bestGamma, notes);
    }

    /// <summary>The BFT17 row from its finished search (shared by the MLP and the convolutional paths).</summary>
    internal static BoundValue Bft17Value(double lnBound, double gamma, List<string> notes) =>
        BoundValue.FromLog("BFT17-spectral-l21/published", Bft17, "spectral × ℓ_{2,1} (Theorem 1.1, explicit constants)", BoundForm.Published, lnBound, gamma,
            "best margin 2^j of the dyadic grid (union bound)",
            "R̂_γ + 8/n + 72·‖X̃‖₂·ln(2W)·ln(n)/(γn) · Π_i ρ_i s_i · (Σ_i (b_i/s_i)^{2/3})^{3/2} + 3·sqrt(ln(1/δ')/(2n))", ["UNVERIFIED", "DERIVED"], notes);

    /// <summary>The notes every BFT17 row carries.</summary>
    internal static List<string> Bft17Notes(double inputFrobenius, int width) =>
    [
        "Theorem 1.1 is stated with Õ; the explicit constants (72, 8/n, 3√(ln(1/δ)/(2n)) for fixed budgets s_i ≥ ‖A_i‖₂, b_i ≥ ‖A_iᵀ − M_iᵀ‖_{2,1}) are the catalog's recollection of their Appendix A and are UNVERIFIED",
        "budgets rounded up onto the grid 2^{k/8}, margin onto 2^j; union bound over all 2d + 1 indices (DERIVED)",
        F("‖X̃‖₂ = {0:G5} over the m training inputs; W = {1} (widest layer, input included: UNVERIFIED which the paper means; the larger choice is conservative)", inputFrobenius, width),
        "ramp risk R̂_γ bounded by the fraction of margins ≤ γ",
    ];

    /// <summary>
    /// Bartlett–Foster–Telgarsky's Theorem 1.1 with the catalog's explicit constants, for layers given by upper bounds on
    /// ‖A_i‖₂ (<paramref name="spectral"/>) and ‖A_iᵀ − M_iᵀ‖_{2,1} (<paramref name="dist21"/>) and nonlinearities with
    /// Lipschitz constants whose logs sum to <paramref name="lnLipschitz"/>: budgets rounded onto 2^{k/8}, the margin onto
    /// the dyadic grid, every index paid by the union bound. Returns ln of the best bound over the margin grid and its γ.
    /// </summary>
    internal static (double LnBound, double Gamma) Bft17Core(double[] spectral, double[] dist21, double lnLipschitz, double inputFrobenius, int width, int m,
        Func<double, double> marginLoss, IEnumerable<long> marginGrid, double delta)
    {
        int d = spectral.Length;
        const double gridBase = 1.0905077326652577; // 2^{1/8}: budgets are rounded up by at most this factor
        double lnBase = Math.Log(gridBase);
        var ks = new long[d]; var ls = new long[d];
        double lnProdS = lnLipschitz;
        var lnS = new double[d]; var lnB = new double[d];
        for (int i = 0; i < d; i++)
        {
            ks[i] = BoundMath.GridUp(Math.Log(spectral[i]), lnBase); lnS[i] = ks[i] * lnBase; lnProdS += lnS[i];
            ls[i] = BoundMath.GridUp(Math.Log(dist21[i]), lnBase); lnB[i] = ls[i] * lnBase;
        }
        double lnRA = lnProdS + 1.5 * Math.Log(Enumerable.Range(0, d).Sum(i => Math.Exp(2.0 / 3 * (lnB[i] - lnS[i]))));
        double n = m, best = double.PositiveInfinity, bestGamma = double.NaN;
        foreach (long j in marginGrid)
        {
            double rho = Math.Pow(2, j);
            double lnDelta = BoundMath.LogDeltaShare(delta, [.. ks, .. ls, j]);
            double lnTerm = Math.Log(72) + Math.Log(inputFrobenius) + Math.Log(Math.Log(2.0 * width)) + Math.Log(Math.Log(n)) - j * Ln2 - Math.Log(n) + lnRA;
            double conf = 3 * Math.Sqrt(-lnDelta / (2 * n));
            double lnBound = BoundMath.LogSumExp(BoundMath.SafeLog(marginLoss(rho)), Math.Log(8 / n), lnTerm, Math.Log(conf));
            if (lnBound < best) { best = lnBound; bestGamma = rho; }
        }
        return (best, bestGamma);
    }

    /// <summary>Dyadic margins ρ_j = 2^j from the largest training margin down 60 octaves.</summary>
    internal static IEnumerable<long> MarginGrid(double largestMargin)
    {
        long top = BoundMath.GridDown(Math.Log(largestMargin), Ln2);
        for (long j = top; j > top - 60; j--) yield return j;
    }

    private static BoundValue Nbs18Published(BoundInputs b, double delta)
    {
        int d = b.Depth;
        var aug = b.AugmentedLayers;
        int h = b.Augmented.Widths.Max();
        bool domain = !double.IsNaN(b.DomainRadius);
        double B = domain ? b.DomainRadius : b.MaxInputL2;
        // Rebalance (ReLU homogeneity) so every layer has spectral norm β = geometric mean: the function is unchanged.
        double lnBeta = aug.Average(l => Math.Log(l.Spectral));
        double klCoef = Enumerable.Range(0, d).Sum(i => aug[i].Frobenius * aug[i].Frobenius * Math.Exp(2 * (lnBeta - Math.Log(aug[i].Spectral))));
        double lnGrid = Math.Log(1 + 1.0 / d);
        long kb = BoundMath.GridDown(lnBeta, lnGrid);          // β̃ = (1 + 1/d)^k ≤ β, so e^{-1}β^{d−1} ≤ β̃^{d−1} ≤ β^{d−1}
        double lnBetaT = kb * lnGrid;
        double m = b.M, best = double.PositiveInfinity, bestGamma = double.NaN;
        foreach (long j in MarginGrid(b))
        {
            double rho = Math.Pow(2, j);
            double lnSigma = Math.Log(rho) - Math.Log(42.0 * d * B) - (d - 1) * lnBetaT - 0.5 * Math.Log(h * Math.Log(4.0 * h * d));
            double lnKl = Math.Log(klCoef) - Ln2 - 2 * lnSigma;
            double lnDelta = BoundMath.LogDeltaShare(delta, kb, j);
            double lnInner = BoundMath.LogSumExp(lnKl, Math.Log(Math.Log(6 * m) - lnDelta));
            double lnTerm = Math.Log(4) + 0.5 * (lnInner - Math.Log(m - 1));
            // If β^d < γ/(2B) no point has margin γ (|f| ≤ Bβ^d), L̂_γ = 1 and the statement is trivially true.
            double loss = d * lnBeta < Math.Log(rho / (2 * B)) ? 1 : b.MarginLoss(rho);
            double lnBound = BoundMath.LogSumExp(BoundMath.SafeLog(loss), lnTerm);
            if (lnBound < best) { best = lnBound; bestGamma = rho; }
        }
        var notes = new List<string>
        {
            "PAC-Bayes margin Lemma 1: L₀ ≤ L̂_γ + 4·sqrt((KL + ln(6m/δ))/(m − 1)) for perturbations keeping max_x |Δf|_∞ < γ/4 with probability ≥ 1/2 (RECALLED, high confidence)",
            "proof of Theorem 1 made explicit (DERIVED): weights rebalanced to equal spectral norms β; prior N(0, σ²I), posterior N(w, σ²I); ‖U_i‖₂ ≤ σ√(2h ln(4hd)) for all i with probability ≥ 1/2 (Tropp); Lemma 2 then needs σ ≤ γ/(4√2·e²·d·B·β̃^{d−1}·√(h ln 4hd)) and 4√2e² ≈ 41.8 ≤ 42",
            "β̃ = (1 + 1/d)^k on a fixed grid below β and the margin on 2^j, both paid by union bounds (DERIVED)",
            domain ? F("B = {0:G5}: radius of the input domain [0, 1]^D̃ (the lemma is over all inputs, not only the sample)", B)
                   : F("B = {0:G5} = max training-input norm: the inputs are not in [0, 1], so the domain radius is unknown — NOT a certificate", B),
        };
        if (b.Network.Architecture.Bias) notes.Add("biases through the augmented bias-free network [[W, b], [0, 1]]");
        return BoundValue.FromLog("NBS18-spectral-frobenius/published", Nbs18, "spectral × Frobenius (Theorem 1 via its PAC-Bayes proof)", BoundForm.Published, best, bestGamma,
            "best margin 2^j of the dyadic grid (union bound)",
            "L̂_γ + 4·sqrt((Σ_i ‖W̃_i‖²_F/(2σ²) + ln(6m/δ_{k,j}))/(m − 1)), σ = γ/(42·d·B·β̃^{d−1}·sqrt(h ln(4hd)))", ["RECALLED", "DERIVED"], notes);
    }
}
