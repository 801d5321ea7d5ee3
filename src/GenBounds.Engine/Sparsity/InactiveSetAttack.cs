using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Sparsity;

/// <summary>What the projected gradient ascent of <see cref="InactiveSetAttack"/> maximises.</summary>
public enum AttackObjective
{
    /// <summary>The largest normalised perturbed pre-activation û_k[i]/(ξ_k ζ_{k−1}) over k ∈ [K], i ∈ I_k (&gt; 0 breaks Lemma 4 / Proposition 10).</summary>
    InactiveSet,
    /// <summary>‖ĥ(x) − h(x)‖_∞ (Proposition 10's output bound ζ_{K+1}γ_{K+1}).</summary>
    OutputDeviation,
}

/// <summary>The outcome of one attack at one budget.</summary>
/// <param name="Scale">The budget as a multiple of the certified ε (the perturbation lies in ℬ(h, Scale·ε) by a sufficient test).</param>
/// <param name="MaxInactivePreactivation">max_{k∈[K], i∈I_k} û_k[i]/(ξ_k ζ_{k−1}) of the perturbed network (≤ 0: every I_k stayed inactive).</param>
/// <param name="OutputDeviation">‖ĥ(x) − h(x)‖_∞.</param>
/// <param name="HiddenDeviation">‖x̂_k − x_k‖₂ for k = 1..K (index 0 unused).</param>
/// <param name="Perturbed">The perturbed network.</param>
public sealed record AttackOutcome(double Scale, double MaxInactivePreactivation, double OutputDeviation, double[] HiddenDeviation, SparseNetwork Perturbed)
{
    /// <summary>Whether some index of some I_k became active (strictly positive pre-activation).</summary>
    public bool Broken => MaxInactivePreactivation > 0;
}

/// <summary>
/// Adversarial perturbations at the edge of the certified sparse local radius (catalog SULAM-L4 step 4, SULAM-P10 step 4): a
/// closed-form worst case for one layer and a projected gradient ascent for whole networks, and the largest perturbation scale
/// that keeps the inactive sets inactive, to be read next to the radius the theory certifies.
/// <para>
/// Closed form (DERIVED, Lemma 4 with ε₀ = 0, s₀ = 0): the perturbation Δ with one non-zero row, Δ[i] = t·x/‖x‖, moves only
/// u_i, by t‖x‖; its reduced row norm is t and its (s₁, 0) norm is t, so its relative size is t/ξ₁. Activating i ∈ I needs
/// t &gt; −u_i/‖x‖, hence the smallest breaking size is −u_(s₁)/(‖x‖ξ₁) = r·ζ₀/‖x‖ while Lemma 4 certifies ε₁ ≤ r: the lemma is
/// exactly tight when ‖x‖ = ζ₀ and loose by ζ₀/‖x‖ otherwise.
/// </para>
/// <para>
/// Projected ascent: the constraint set is a sufficient (certified) subset of ℬ(h, c·ε): per layer every full row norm
/// ≤ c ε_k ξ_k (full ≥ reduced row norm) and the spectral norm's certified upper end ≤ c ε_k ξ_k √(1+η_k) (≥ the (s_k,s_{k−1}) norm,
/// Lemma 17); the last layer only its rows. So any break found at c &lt; 1 is a genuine counterexample to Proposition 10, and
/// the breaking scale found is an upper estimate of the true one (the ascent is not guaranteed optimal).
/// </para>
/// </summary>
public static class InactiveSetAttack
{
    /// <summary>(breaking ε₁ of the single-row attack, certified ε₁ = r) for layer W (rows×cols), input x, sparsity s, ξ, ζ₀.</summary>
    public static (double Breaking, double Certified) SingleRow(ReadOnlySpan<double> w, int rows, int cols, ReadOnlySpan<double> x, int s, double xi, double zeta0)
    {
        if (s < 1) throw new ArgumentOutOfRangeException(nameof(s), "the attack needs a non-empty inactive set (s ≥ 1)");
        var u = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double acc = 0;
            for (int j = 0; j < cols; j++) acc += w[i * cols + j] * x[j];
            u[i] = acc;
        }
        double norm = Math.Sqrt(x.ToArray().Sum(v => v * v));
        var set = SparseRadius.InactiveSet(u, s);
        double breaking = set.Min(i => Math.Max(0, -u[i])) / (norm * xi);
        return (breaking, SparseRadius.Of(u, s, xi * zeta0));
    }

    /// <summary>The single-row perturbation Δ[i] = t·x/‖x‖ (t = <paramref name="size"/>·ξ), everything else zero.</summary>
    public static double[] SingleRowPerturbation(int rows, int cols, ReadOnlySpan<double> x, int row, double size)
    {
        var d = new double[rows * cols];
        double norm = Math.Sqrt(x.ToArray().Sum(v => v * v));
        for (int j = 0; j < cols; j++) d[row * cols + j] = size * x[j] / norm;
        return d;
    }

    /// <summary>
    /// The largest common ε (ε_k = ε for all k) with r_k(h, x) ≥ γ_k(ε) for every k ∈ [K]: min_k ((1 + r_k)^{1/k} − 1)
    /// (Proposition 10's hypothesis), from the clean pre-activations and the parameters' s, ξ, ζ.
    /// </summary>
    public static double CertifiedCommonEpsilon(SparseNetwork h, ReadOnlySpan<double> x, SparsityParameters p)
    {
        var u = h.Forward(x);
        double best = double.PositiveInfinity;
        for (int k = 1; k <= h.K; k++)
        {
            double r = SparseRadius.Of(u[k], p.S[k], p.Xi[k] * p.Zeta(k - 1));
            if (double.IsPositiveInfinity(r)) continue;
            best = Math.Min(best, Math.Pow(1 + r, 1.0 / k) - 1);
        }
        return best;
    }

    /// <summary>
    /// Projected gradient ascent at budget <paramref name="scale"/>·ε (ε of <paramref name="p"/>), <paramref name="steps"/> normalised steps,
    /// started from a random feasible point and, for the inactive-set objective, from the closed-form single-row attack on layer 1.
    /// </summary>
    public static AttackOutcome Attack(SparseNetwork h, ReadOnlySpan<double> x, SparsityParameters p, double scale, AttackObjective objective, int steps, Rng rng,
        ILinearAlgebraProvider la)
    {
        int K = h.K;
        var clean = h.Forward(x);
        var sets = new int[K + 1][];
        for (int k = 1; k <= K; k++) sets[k] = SparseRadius.InactiveSet(clean[k], p.S[k]);
        var rowBudget = new double[K + 2];
        var specBudget = new double[K + 2];
        for (int k = 1; k <= K + 1; k++)
        {
            rowBudget[k] = scale * p.Epsilon[k] * p.Xi[k];
            specBudget[k] = k <= K ? scale * p.Epsilon[k] * p.Xi[k] * Math.Sqrt(1 + p.Eta[k]) : double.PositiveInfinity;
        }
        var delta = new double[K + 2][];
        for (int k = 1; k <= K + 1; k++)
        {
            delta[k] = new double[h.W[k].Length];
            rng.Split($"start-{k}").FillGaussian(delta[k], 0, 1);
            Project(delta[k], h.Widths[k], h.Widths[k - 1], rowBudget[k], specBudget[k], la, rng.Seed);
        }
        if (objective == AttackObjective.InactiveSet && K >= 1 && p.S[1] >= 1)
        {
            // Start from the closed form on layer 1: the index of I₁ closest to activation, pushed along x̂.
            int i = sets[1].MaxBy(j => clean[1][j]);
            var d = SingleRowPerturbation(h.Widths[1], h.Widths[0], x, i, rowBudget[1]);
            Array.Copy(d, delta[1], d.Length);
            for (int k = 2; k <= K + 1; k++) Array.Clear(delta[k]);
            Project(delta[1], h.Widths[1], h.Widths[0], rowBudget[1], specBudget[1], la, rng.Seed);
        }
        var best = Evaluate(h, x, p, clean, sets, delta);
        double bestValue = Score(best, objective);
        for (int t = 0; t < steps; t++)
        {
            var grad = Gradient(h, x, p, clean, sets, delta, objective);
            if (grad is null) break;
            double lr = 0.25 * Math.Pow(0.9, t);
            for (int k = 1; k <= K + 1; k++)
            {
                double g2 = 0;
                foreach (var v in grad[k]) g2 += v * v;
                if (g2 == 0) continue;
                double step = lr * rowBudget[k] * Math.Sqrt(h.Widths[k]) / Math.Sqrt(g2);
                for (int i = 0; i < delta[k].Length; i++) delta[k][i] += step * grad[k][i];
                Project(delta[k], h.Widths[k], h.Widths[k - 1], rowBudget[k], specBudget[k], la, rng.Seed + (ulong)t);
            }
            var o = Evaluate(h, x, p, clean, sets, delta);
            double v2 = Score(o, objective);
            if (v2 > bestValue) { bestValue = v2; best = o; }
        }
        return best with { Scale = scale };
    }

    /// <summary>
    /// The smallest budget multiple c ∈ (0, <paramref name="maxScale"/>] at which the ascent breaks an inactive set, by bisection
    /// (12 halvings); +∞ when even <paramref name="maxScale"/> does not break it.
    /// </summary>
    public static double BreakingScale(SparseNetwork h, ReadOnlySpan<double> x, SparsityParameters p, double maxScale, int steps, Rng rng, ILinearAlgebraProvider la)
    {
        var xs = x.ToArray();
        bool Breaks(double c) => Attack(h, xs, p, c, AttackObjective.InactiveSet, steps, rng, la).Broken;
        if (!Breaks(maxScale)) return double.PositiveInfinity;
        double lo = 0, hi = maxScale;
        for (int i = 0; i < 12; i++)
        {
            double mid = (lo + hi) / 2;
            if (Breaks(mid)) hi = mid; else lo = mid;
        }
        return hi;
    }

    private static double Score(AttackOutcome o, AttackObjective objective) =>
        objective == AttackObjective.InactiveSet ? o.MaxInactivePreactivation : o.OutputDeviation;

    private static AttackOutcome Evaluate(SparseNetwork h, ReadOnlySpan<double> x, SparsityParameters p, double[][] clean, int[][] sets, double[][] delta)
    {
        int K = h.K;
        var ws = new double[K + 1][];
        for (int k = 1; k <= K + 1; k++) { ws[k - 1] = (double[])h.W[k].Clone(); for (int i = 0; i < ws[k - 1].Length; i++) ws[k - 1][i] += delta[k][i]; }
        var hat = new SparseNetwork(h.Widths, ws);
        var u = hat.Forward(x);
        double worst = double.NegativeInfinity;
        var hidden = new double[K + 1];
        for (int k = 1; k <= K; k++)
        {
            double scale = p.Xi[k] * p.Zeta(k - 1);
            foreach (int i in sets[k]) worst = Math.Max(worst, u[k][i] / scale);
            double d2 = 0;
            for (int i = 0; i < u[k].Length; i++) { double a = Math.Max(0, u[k][i]) - Math.Max(0, clean[k][i]); d2 += a * a; }
            hidden[k] = Math.Sqrt(d2);
        }
        double outDev = 0;
        for (int j = 0; j < u[K + 1].Length; j++) outDev = Math.Max(outDev, Math.Abs(u[K + 1][j] - clean[K + 1][j]));
        return new AttackOutcome(0, worst, outDev, hidden, hat);
    }

    /// <summary>Gradient of the objective w.r.t. every Δ_k (backprop through the perturbed network for the single maximising unit).</summary>
    private static double[][]? Gradient(SparseNetwork h, ReadOnlySpan<double> x, SparsityParameters p, double[][] clean, int[][] sets, double[][] delta, AttackObjective objective)
    {
        int K = h.K;
        var w = new double[K + 2][];
        for (int k = 1; k <= K + 1; k++) { w[k] = (double[])h.W[k].Clone(); for (int i = 0; i < w[k].Length; i++) w[k][i] += delta[k][i]; }
        // Forward, keeping every perturbed pre-activation and representation.
        var u = new double[K + 2][];
        var xs = new double[K + 2][];
        xs[0] = x.ToArray();
        for (int k = 1; k <= K + 1; k++)
        {
            int rows = h.Widths[k], cols = h.Widths[k - 1];
            u[k] = new double[rows];
            for (int i = 0; i < rows; i++) { double a = 0; for (int j = 0; j < cols; j++) a += w[k][i * cols + j] * xs[k - 1][j]; u[k][i] = a; }
            xs[k] = k <= K ? u[k].Select(v => Math.Max(0, v)).ToArray() : u[k];
        }
        int layer, unit;
        double sign = 1, coef = 1;
        if (objective == AttackObjective.InactiveSet)
        {
            layer = -1; unit = -1;
            double best = double.NegativeInfinity;
            for (int k = 1; k <= K; k++)
            {
                double scale = p.Xi[k] * p.Zeta(k - 1);
                foreach (int i in sets[k]) if (u[k][i] / scale > best) { best = u[k][i] / scale; layer = k; unit = i; coef = 1 / scale; }
            }
            if (layer < 0) return null;
        }
        else
        {
            layer = K + 1; unit = 0;
            double best = -1;
            for (int j = 0; j < u[K + 1].Length; j++)
            {
                double d = u[K + 1][j] - clean[K + 1][j];
                if (Math.Abs(d) > best) { best = Math.Abs(d); unit = j; sign = Math.Sign(d) == 0 ? 1 : Math.Sign(d); }
            }
        }
        var grad = new double[K + 2][];
        for (int k = 1; k <= K + 1; k++) grad[k] = new double[w[k].Length];
        var g = new double[h.Widths[layer]];
        g[unit] = sign * coef;
        for (int k = layer; k >= 1; k--)
        {
            int rows = h.Widths[k], cols = h.Widths[k - 1];
            for (int i = 0; i < rows; i++)
            {
                if (g[i] == 0) continue;
                for (int j = 0; j < cols; j++) grad[k][i * cols + j] = g[i] * xs[k - 1][j];
            }
            if (k == 1) break;
            var prev = new double[cols];
            for (int i = 0; i < rows; i++)
            {
                if (g[i] == 0) continue;
                for (int j = 0; j < cols; j++) prev[j] += w[k][i * cols + j] * g[i];
            }
            for (int j = 0; j < cols; j++) if (u[k - 1][j] <= 0) prev[j] = 0;
            g = prev;
        }
        return grad;
    }

    /// <summary>Scales every row to norm ≤ <paramref name="rowBudget"/>, then the whole matrix so its certified spectral upper end ≤ <paramref name="specBudget"/>.</summary>
    private static void Project(double[] d, int rows, int cols, double rowBudget, double specBudget, ILinearAlgebraProvider la, ulong seed)
    {
        for (int i = 0; i < rows; i++)
        {
            var row = d.AsSpan(i * cols, cols);
            double n = Math.Sqrt(System.Numerics.Tensors.TensorPrimitives.SumOfSquares(row));
            if (n > rowBudget) System.Numerics.Tensors.TensorPrimitives.Multiply(row, n == 0 ? 0 : rowBudget / n, row);
        }
        if (double.IsFinite(specBudget))
        {
            double s = SpectralNorm.Bound(la, d, rows, cols, seed).Upper;
            if (s > specBudget) System.Numerics.Tensors.TensorPrimitives.Multiply(d.AsSpan(), specBudget / s * (1 - 1e-9), d.AsSpan());
        }
    }
}
