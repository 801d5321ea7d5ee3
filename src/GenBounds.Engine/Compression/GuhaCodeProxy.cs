using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Compression;

/// <summary>Result of <see cref="GuhaCodeProxy.Compute"/>: the authors' <c>compute_best_generalization_bound</c>, term by term.</summary>
/// <param name="MinTrainMargin">γ_min: the smallest training margin of f (the code sets d = 0 when it is ≤ 0).</param>
/// <param name="D">d found by bisection (the code's alpha).</param>
/// <param name="RootBracketed">False when γ_min − γ*(10) is still positive: scipy's bisect would raise; d = 10 is reported.</param>
/// <param name="Evaluations">γ*(d) evaluations of the bisection (each with a fresh mask, as in the code).</param>
/// <param name="NeededMargin">γ*(d) at the returned d, from the final (fresh) mask.</param>
/// <param name="MarginLoss">L̂_{γ*(d)}(f): training points with margin &lt; γ*(d) (strict, as the code counts).</param>
/// <param name="ComplexityTerm">√(Σ_l h_l·h_{l−1}·χ(d)·ln²(max(h_l, h_{l−1})) / m).</param>
/// <param name="Bound">MarginLoss + ComplexityTerm: the "Ours" quantity of the paper's table (before the log).</param>
/// <param name="PrunedTestError">Test error of the pruned network (margin &lt; 0), the code's "true error".</param>
/// <param name="Kappas">κ_l of the code (LC.1 convention: t solves 1 − m·e^{−t²·h_in} = 0.99, κ = min(1, t√h_out) when h_out &lt; h_in).</param>
/// <param name="MaxInputNorm">max_x ‖x‖ over the training set.</param>
/// <param name="M">Training samples m.</param>
public sealed record CodeProxyResult(double MinTrainMargin, double D, bool RootBracketed, int Evaluations, double NeededMargin, double MarginLoss,
    double ComplexityTerm, double Bound, double PrunedTestError, double[] Kappas, double MaxInputNorm, int M)
{
    /// <summary>ln(Bound): the table reports natural logs (catalog §5).</summary>
    public double LogBound => Math.Log(Bound);
}

/// <summary>
/// The authors' bound proxy (<c>compute_best_generalization_bound</c> in groundzero/main.py of
/// github.com/EtashGuha/compression_bounds_arxiv, initial commit; read for its facts, re-implemented here):
/// γ*(d) = e·max‖x‖·Π_l‖W_l‖₂·Σ_l ‖W_l − Ŵ_l‖₂/‖W_l‖₂·Π_l κ_l with Ŵ drawn by GUHA-ALG1 at strength d (the code prunes the
/// diagonal too, and draws a fresh mask on every call); d solves γ*(d) = γ_min by bisection on [0, 10], tolerance 10⁻³
/// (scipy's algorithm); the bound is L̂_{γ*(d)}(f) + √(Σ_l h_l h_{l−1} χ(d) ln²(max(h_l, h_{l−1}))/m). It uses the expected
/// number of kept weights instead of j_l·p_l, no ln r, no discretisation and no O(·) constants: a proxy, not a bound
/// (GUHA-T5.2, CODE). Biases are ignored, as in the code. Spectral norms are exact (LAPACK SVD), as numpy's ord=2.
/// </summary>
public static class GuhaCodeProxy
{
    /// <summary>Runs the proxy on <paramref name="network"/>; masks come from the streams <c>proxy/eval-K</c> and <c>proxy/final</c> of <paramref name="rng"/>.</summary>
    public static CodeProxyResult Compute(Mlp network, Dataset train, Dataset test, Rng rng, ILinearAlgebraProvider? la = null)
    {
        la ??= LinearAlgebraProviders.Default;
        var trainEval = Evaluation.Evaluate(network, train, la);
        double gammaMin = trainEval.Margins.Min();
        int m = train.Count;
        double maxNorm = 0;
        for (int i = 0; i < train.Count; i++)
        {
            double s = 0;
            foreach (var v in train.Row(i)) s += (double)v * v;
            maxNorm = Math.Max(maxNorm, Math.Sqrt(s));
        }
        var kappas = network.Layers.Select(l => Kappa(l.In, l.Out, m)).ToArray();
        var norms = network.Layers.Select(l => la.SingularValues(l.WeightAsDouble(), l.Out, l.In)[0]).ToArray();
        int evals = 0;
        (double Needed, Mlp Pruned) Perturb(double d, Rng r)
        {
            if (d == 0) return (0, network);   // the code's alpha = 0 divides by zero and keeps every weight: no perturbation
            var pruned = MagnitudePruning.Prune(network, d, r, DiagonalPolicy.Prune).Network;
            return (NeededMargin(network, pruned, maxNorm, kappas, la, norms), pruned);
        }
        double d = 0; bool bracketed = true;
        if (gammaMin > 0)
        {
            (d, bracketed) = Bisect(x => gammaMin - Perturb(x, rng.Split($"proxy/eval-{evals++}")).Needed, 0, 10, 1e-3);
        }
        else gammaMin = 0;   // the code replaces a non-positive margin by 0 and uses d = 0
        // One final draw, as the code: its γ* sets the margin loss and its pruned network gives the "true error".
        var (needed, prunedNet) = Perturb(d, rng.Split("proxy/final"));
        double marginLoss = trainEval.Margins.Count(x => x < needed) / (double)m;
        double chi = d == 0 ? 1.0 : MagnitudePruning.KeepProbabilityGaussian(d);
        double count = network.Layers.Sum(l => (double)l.Out * l.In * chi * Math.Pow(Math.Log(Math.Max(l.Out, l.In)), 2));
        double complexity = Math.Sqrt(count / m);
        double testError = Evaluation.Evaluate(prunedNet, test, la).Margins.Count(x => x < 0) / (double)test.Count;
        return new CodeProxyResult(gammaMin, d, bracketed, evals, needed, marginLoss, complexity, marginLoss + complexity, testError, kappas, maxNorm, m);
    }

    /// <summary>
    /// γ* = e·max‖x‖·Π_l‖W_l‖₂·Σ_l ‖W_l − W′_l‖₂/‖W_l‖₂·Π_l κ_l for a perturbed copy W′ of the network (pruned, or pruned and
    /// rounded): the margin the perturbation bound needs (GUHA-L4.3's code variant; GUHA-LC.3/LC.4 with κ, GUHA-LB.2/L4.3 with
    /// every κ_l = 1). Spectral norms are exact (LAPACK SVD). <paramref name="norms"/> may pass precomputed ‖W_l‖₂.
    /// </summary>
    public static double NeededMargin(Mlp network, Mlp perturbed, double maxInputNorm, IReadOnlyList<double> kappas, ILinearAlgebraProvider? la = null,
        IReadOnlyList<double>? norms = null)
    {
        la ??= LinearAlgebraProviders.Default;
        if (!network.Architecture.Equals(perturbed.Architecture)) throw new ArgumentException("the perturbed network has another architecture");
        if (kappas.Count != network.Layers.Length) throw new ArgumentException($"{kappas.Count} κ values for {network.Layers.Length} layers");
        norms ??= network.Layers.Select(l => la.SingularValues(l.WeightAsDouble(), l.Out, l.In)[0]).ToArray();
        var differences = new double[network.Layers.Length];
        for (int l = 0; l < network.Layers.Length; l++)
        {
            var w = network.Layers[l].Weight; var h = perturbed.Layers[l].Weight;
            var diff = new double[w.Length];
            for (int i = 0; i < w.Length; i++) diff[i] = (double)w[i] - h[i];
            differences[l] = la.SingularValues(diff, network.Layers[l].Out, network.Layers[l].In)[0];
        }
        return NeededMargin(maxInputNorm, kappas, norms, differences);
    }

    /// <summary>γ* of <see cref="NeededMargin(Mlp, Mlp, double, IReadOnlyList{double}, ILinearAlgebraProvider?, IReadOnlyList{double}?)"/> from ‖W_l‖₂ and ‖W_l − W′_l‖₂ already computed.</summary>
    public static double NeededMargin(double maxInputNorm, IReadOnlyList<double> kappas, IReadOnlyList<double> norms, IReadOnlyList<double> differenceNorms)
    {
        if (kappas.Count != norms.Count || differenceNorms.Count != norms.Count) throw new ArgumentException($"{kappas.Count} κ values, {norms.Count} norms and {differenceNorms.Count} difference norms");
        double sum = 0, prod = 1, kappa = 1;
        for (int l = 0; l < norms.Count; l++) { sum += differenceNorms[l] / norms[l]; prod *= norms[l]; kappa *= kappas[l]; }
        return Math.E * maxInputNorm * sum * prod * kappa;
    }

    /// <summary>
    /// The code's κ for a layer with <paramref name="inputs"/> = h_in and <paramref name="outputs"/> = h_out: if h_out &lt; h_in,
    /// t solves 1 − m·e^{−t²·h_in} − 0.99 = 0 by bisection on [0, 1] (tolerance 0.01) and κ = min(1, t·√h_out); else κ = 1.
    /// The coarse tolerance matters: for m = 48,000 the code's κ of a 784 → 10 layer is 0.420, not the 0.443 of the exact root
    /// that the catalog's GUHA-LC.1 table lists (500 → 10: 0.568 against 0.555).
    /// </summary>
    public static double Kappa(int inputs, int outputs, int m)
    {
        if (outputs >= inputs) return 1.0;
        var (t, ok) = Bisect(t => 1 - m * Math.Exp(-t * t * inputs) - 0.99, 0, 1, 0.01);
        if (!ok) throw new ArgumentException($"κ: 1 − m·e^(−t²·{inputs}) = 0.99 has no root in [0, 1] for m = {m}");
        return Math.Min(1.0, t * Math.Sqrt(outputs));
    }

    /// <summary>
    /// scipy.optimize.bisect (rtol = 4·eps): halves [a, b] keeping a sign change, returns the midpoint once the half-width is below
    /// xtol + rtol·|x|. Returns (b, false) when f(a) and f(b) have the same sign (scipy raises there).
    /// </summary>
    public static (double Root, bool Bracketed) Bisect(Func<double, double> f, double a, double b, double xtol)
    {
        double fa = f(a), fb = f(b);
        if (fa * fb > 0) return (b, false);
        if (fa == 0) return (a, true);
        if (fb == 0) return (b, true);
        const double rtol = 8.881784197001252e-16;   // scipy's default, 4·machine epsilon
        double dm = b - a;
        for (int i = 0; i < 100; i++)
        {
            dm *= 0.5;
            double xm = a + dm, fm = f(xm);
            if (fm * fa >= 0) a = xm;
            if (fm == 0 || Math.Abs(dm) < xtol + rtol * Math.Abs(xm)) return (xm, true);
        }
        return (a + dm, true);
    }
}
