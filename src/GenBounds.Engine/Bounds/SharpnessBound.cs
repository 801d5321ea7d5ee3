using System.Globalization;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.PacBayes;
using GenBounds.Random;

namespace GenBounds.Bounds;

/// <summary>
/// The PAC-Bayes "expected sharpness" bound of Neyshabur, Bhojanapalli, McAllester, Srebro (NIPS 2017, "Exploring
/// generalization", §2; RECALLED in catalog baseline-bounds §4): with prior N(0, σ²I) and posterior N(w, σ²I),
/// KL = ‖w‖²/(2σ²) and E_ν[L₀(f_{w+ν})] ≤ E_ν[L̂₀(f_{w+ν})] + 4·√((KL + ln(2m/δ))/m). It bounds the error of the noisy
/// network w + ν (a Gibbs classifier), not of f_w. Made computable and honest here (DERIVED): σ ranges over the
/// fixed grid 2^{−k/2}, k = 0…<see cref="GridSize"/>−1, paid with δ/K each; E_ν[L̂₀] is bounded from above by the
/// sample-convergence bound on per-example draws (isotropic noise, so the pre-activation variance is σ²(‖a‖² + 1)),
/// with δ′ = δ split the same way. Total confidence 1 − 2δ.
/// </summary>
public static class SharpnessBound
{
    /// <summary>Number of σ values in the grid.</summary>
    public const int GridSize = 24;

    /// <summary>The published form on <paramref name="train"/> (m = its size), best σ of the grid.</summary>
    public static BoundValue Compute(BoundInputs b, Dataset train, double delta, ulong seed, ILinearAlgebraProvider la)
    {
        var net = b.Network;
        double w2 = 0;
        foreach (var l in net.Layers)
        {
            foreach (float v in l.Weight) w2 += (double)v * v;
            if (l.Bias is { } bb) foreach (float v in bb) w2 += (double)v * v;
        }
        double m = b.M, best = double.PositiveInfinity, bestSigma = double.NaN, bestEmp = double.NaN;
        double share = delta / GridSize;
        for (int k = 0; k < GridSize; k++)
        {
            double sigma = Math.Pow(2, -k / 2.0);
            var q = GaussianMlp.Around(net, sigma);
            var mc = StochasticEvaluation.Evaluate(q, train, 1, new Rng(SeedStreams.Derive(seed, "nbms17/sigma-" + k)), la);
            double emp = MonteCarloBounds.SampleConvergenceUpper(mc.Errors, mc.Draws, share, twoSided: false);
            double kl = w2 / (2 * sigma * sigma);
            double bound = emp + 4 * Math.Sqrt((kl + Math.Log(2 * m / share)) / m);
            if (bound < best) { best = bound; bestSigma = sigma; bestEmp = emp; }
        }
        return BoundValue.Of("NBMS17-sharpness/published", NormBounds.Nbms17, "expected sharpness (PAC-Bayes, noisy network w + ν)", BoundForm.Published, best, double.NaN,
            "no margin: 0-1 loss of the noisy network",
            "E_ν L̂₀(f_{w+ν}) (Monte Carlo upper bound) + 4·sqrt((‖w‖²/(2σ²) + ln(2m/δ_σ))/m), best σ of the grid 2^{−k/2}",
            ["RECALLED", "DERIVED"],
            [
                string.Format(CultureInfo.InvariantCulture, "σ = {0:G4}: empirical noisy error ≤ {1:G4} (one per-example draw per training point), ‖w‖² = {2:G5} (biases included)", bestSigma, bestEmp, w2),
                "bounds the Gibbs classifier w + ν, ν ~ N(0, σ²I), not f_w",
                "σ grid of 24 values paid by a union bound (δ/24 each) in both the PAC-Bayes and the Monte Carlo step: confidence 1 − 2δ",
            ]);
    }
}
