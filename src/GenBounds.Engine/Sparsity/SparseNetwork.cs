using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Sparsity;

/// <summary>
/// A bias-free ReLU network h(x) = W_{K+1} σ(W_K ⋯ σ(W₁ x)) in float64 (catalog SULAM-N2), indexed as in the paper:
/// <see cref="W"/>[k] is W_k ∈ ℝ^{d_k×d_{k−1}} row-major for k = 1..K+1 (index 0 unused). Biases are excluded by the theory
/// (footnote 4): <see cref="FromMlp"/> refuses a network with a non-zero bias.
/// </summary>
public sealed class SparseNetwork
{
    /// <summary>A network from its widths d₀..d_{K+1} and weights W₁..W_{K+1} (copied).</summary>
    public SparseNetwork(IReadOnlyList<int> widths, IReadOnlyList<double[]> weights)
    {
        if (widths.Count < 2) throw new ArgumentException("a network needs an input and an output width");
        if (weights.Count != widths.Count - 1) throw new ArgumentException($"{widths.Count - 1} weight matrices expected, got {weights.Count}");
        Widths = widths.ToArray();
        W = new double[Widths.Length][];
        W[0] = [];
        for (int k = 1; k < Widths.Length; k++)
        {
            if (weights[k - 1].Length != Widths[k] * Widths[k - 1]) throw new ArgumentException($"W_{k} must be {Widths[k]}×{Widths[k - 1]}");
            W[k] = (double[])weights[k - 1].Clone();
        }
    }

    /// <summary>d₀..d_{K+1}.</summary>
    public int[] Widths { get; }
    /// <summary>W[k] = W_k (row-major d_k×d_{k−1}) for k = 1..K+1.</summary>
    public double[][] W { get; }
    /// <summary>Number of hidden layers K.</summary>
    public int K => Widths.Length - 2;

    /// <summary>The weights of a bias-free <see cref="Mlp"/> (throws when a layer has a non-zero bias: the theory needs none).</summary>
    public static SparseNetwork FromMlp(Mlp net)
    {
        foreach (var (layer, l) in net.Layers.Select((x, i) => (x, i)))
            if (layer.Bias is { } b && b.Any(v => v != 0))
                throw new ArgumentException($"layer {l + 1} has a non-zero bias: the sparsity-aware bound is stated for bias-free networks (footnote 4)");
        return new SparseNetwork(net.Architecture.LayerSizes, net.Layers.Select(l => l.WeightAsDouble()).ToArray());
    }

    /// <summary>
    /// An upper bound on every logit's magnitude over inputs of norm at most <paramref name="inputBound"/>:
    /// M_X Π_k ‖W_k‖_F (ReLU is 1-Lipschitz and fixes 0, and the spectral norm is at most the Frobenius norm).
    /// </summary>
    public double LogitBound(double inputBound)
    {
        double b = inputBound;
        for (int k = 1; k <= K + 1; k++)
        {
            double f = 0;
            foreach (var v in W[k]) f += v * v;
            b *= Math.Sqrt(f);
        }
        return b;
    }

    /// <summary>The largest logit magnitude below which <see cref="Collapsed"/> calls a network degenerate.</summary>
    public const double CollapseLogit = 1e-3;

    /// <summary>
    /// Whether the network has collapsed onto the zero network: every logit is below <see cref="CollapseLogit"/> in magnitude on
    /// every input of norm at most <paramref name="inputBound"/>, so its softmax is uniform to within 0.2% and its predictions are
    /// decided by rounding-level differences. Muthukumar &amp; Sulam's recipe read literally (λ = 1 on the summed squared Frobenius
    /// distances, SGD lr 0.01, 5,000 steps) shrinks a bias-free net by (1 − 0.01·2λ/(K+1)) per step toward a saddle where the
    /// cross-entropy gradient vanishes; reports flag such nets instead of presenting their bounds as a reproduction.
    /// </summary>
    public bool Collapsed(double inputBound) => LogitBound(inputBound) < CollapseLogit;

    /// <summary>The all-zero network of the same shape (the centre of the prior P₀).</summary>
    public SparseNetwork Zero() => new(Widths, Enumerable.Range(1, K + 1).Select(k => new double[W[k].Length]).ToArray());

    /// <summary>Layer-wise positive rescaling W_k / c_k (c indexed 1..K+1); ReLU nets are positively homogeneous per layer.</summary>
    public SparseNetwork Scaled(double[] c) =>
        new(Widths, Enumerable.Range(1, K + 1).Select(k => W[k].Select(v => v / c[k]).ToArray()).ToArray());

    /// <summary>The normalisers of SULAM-A3: c_k = ‖W_k‖_(d_k−1, s_{k−1}) for k = 1..K+1 (index 0 unused).</summary>
    public double[] Normalisers(int[] s)
    {
        var c = new double[K + 2];
        for (int k = 1; k <= K + 1; k++) c[k] = SparseNorms.ReducedRowNorm(W[k], Widths[k], Widths[k - 1], s[k - 1]);
        return c;
    }

    /// <summary>Clean pre-activations u_k = W_k x_{k−1} for k = 1..K+1 (index 0 holds x₀); u_{K+1} = h(x).</summary>
    public double[][] Forward(ReadOnlySpan<double> x0)
    {
        if (x0.Length != Widths[0]) throw new ArgumentException($"input has {x0.Length} entries, the network expects {Widths[0]}");
        var u = new double[K + 2][];
        u[0] = x0.ToArray();
        var x = u[0];
        for (int k = 1; k <= K + 1; k++)
        {
            int rows = Widths[k], cols = Widths[k - 1];
            var y = new double[rows];
            for (int i = 0; i < rows; i++)
            {
                double s = 0;
                var row = W[k].AsSpan(i * cols, cols);
                for (int j = 0; j < cols; j++) s += row[j] * x[j];
                y[i] = s;
            }
            u[k] = y;
            x = k <= K ? y.Select(v => Math.Max(0, v)).ToArray() : y;
        }
        return u;
    }

    /// <summary>Hidden representations x_k = σ(u_k) for k = 1..K and x₀ (index 0).</summary>
    public double[][] Representations(ReadOnlySpan<double> x0)
    {
        var u = Forward(x0);
        var x = new double[K + 1][];
        x[0] = u[0];
        for (int k = 1; k <= K; k++) x[k] = u[k].Select(v => Math.Max(0, v)).ToArray();
        return x;
    }

    /// <summary>h(x).</summary>
    public double[] Output(ReadOnlySpan<double> x0) => Forward(x0)[K + 1];

    /// <summary>A deep copy.</summary>
    public SparseNetwork Clone() => new(Widths, Enumerable.Range(1, K + 1).Select(k => W[k]).ToArray());
}

/// <summary>Whether a network lies in the class ℋ of Definition 5 for given (s, ξ, η), with the measured values.</summary>
/// <param name="RowNorms">‖W_k‖_(d_k−1, s_{k−1}) for k = 1..K+1 (index 0 unused).</param>
/// <param name="Babel">μ_{s_k, s_{k−1}}(W_k) for k = 1..K (index 0 and K+1 unused).</param>
/// <param name="Member">Every ‖W_k‖_(d_k−1,s_{k−1}) ≤ ξ_k and μ ≤ η_k.</param>
public sealed record ClassMembership(double[] RowNorms, double[] Babel, bool Member)
{
    /// <summary>Measures the network against the parameters (exact: reduced row norms and the corrected Algorithm 1).</summary>
    public static ClassMembership Of(SparseNetwork h, SparsityParameters p, ILinearAlgebraProvider? la = null, double relativeTolerance = 1e-12)
    {
        int K = h.K;
        var rows = new double[K + 2];
        var mu = new double[K + 2];
        bool ok = true;
        for (int k = 1; k <= K + 1; k++)
        {
            rows[k] = SparseNorms.ReducedRowNorm(h.W[k], h.Widths[k], h.Widths[k - 1], p.S[k - 1]);
            ok &= rows[k] <= p.Xi[k] * (1 + relativeTolerance);
            if (k <= K)
            {
                mu[k] = BabelFunction.Reduced(h.W[k], h.Widths[k], h.Widths[k - 1], p.S[k], p.S[k - 1], la);
                ok &= mu[k] <= p.Eta[k] * (1 + relativeTolerance) + relativeTolerance;
            }
        }
        return new ClassMembership(rows, mu, ok);
    }
}

/// <summary>
/// Membership of a perturbed network in the local neighbourhood ℬ(h, ε) of Definition 6 (catalog SULAM-D6), layer by layer:
/// for k ∈ [K], max{‖Δ_k‖_(s_k,s_{k−1})/(ξ_k√(1+η_k)), ‖Δ_k‖_(d_k−1,s_{k−1})/ξ_k} ≤ ε_k, and ‖Δ_{K+1}‖_(C−1,s_K) ≤ ε_{K+1}ξ_{K+1}.
/// The reduced row norms are exact. The (s_k, s_{k−1}) norm is exact by enumeration when asked (small layers), otherwise it is
/// replaced by a certified upper bound, the smaller of Lemma 18's babel bound and the spectral norm's certified upper end
/// (‖·‖_(s,s′) ≤ ‖·‖₂ by Lemma 17): a sufficient test that can under-report membership, never over-report it.
/// </summary>
/// <param name="RowRatio">‖Δ_k‖_(d_k−1,s_{k−1})/ξ_k (k = 1..K+1).</param>
/// <param name="SparseRatio">(bound on) ‖Δ_k‖_(s_k,s_{k−1})/(ξ_k√(1+η_k)) (k = 1..K; index K+1 unused).</param>
/// <param name="Exact">Whether the sparse norms were exact.</param>
/// <param name="Certified">Every ratio ≤ ε_k.</param>
public sealed record NeighbourhoodTest(double[] RowRatio, double[] SparseRatio, bool Exact, bool Certified)
{
    /// <summary>The largest ratio/ε_k over layers and both norms (≤ 1 iff certified); +∞ where ε_k = 0 and Δ_k ≠ 0.</summary>
    public double WorstRelative(SparsityParameters p)
    {
        double w = 0;
        for (int k = 1; k < RowRatio.Length; k++)
        {
            w = Math.Max(w, Rel(RowRatio[k], p.Epsilon[k]));
            if (k < RowRatio.Length - 1) w = Math.Max(w, Rel(SparseRatio[k], p.Epsilon[k]));
        }
        return w;
        static double Rel(double r, double e) => r == 0 ? 0 : e == 0 ? double.PositiveInfinity : r / e;
    }

    /// <summary>Tests ĥ ∈ ℬ(h, ε) (sufficient test unless <paramref name="exact"/>).</summary>
    public static NeighbourhoodTest Of(SparseNetwork h, SparseNetwork hat, SparsityParameters p, bool exact, ILinearAlgebraProvider la, ulong seed = 1)
    {
        int K = h.K;
        var row = new double[K + 2];
        var sparse = new double[K + 2];
        bool ok = true;
        for (int k = 1; k <= K + 1; k++)
        {
            int rows = h.Widths[k], cols = h.Widths[k - 1];
            var d = new double[h.W[k].Length];
            for (int i = 0; i < d.Length; i++) d[i] = hat.W[k][i] - h.W[k][i];
            row[k] = SparseNorms.ReducedRowNorm(d, rows, cols, p.S[k - 1]) / p.Xi[k];
            ok &= row[k] <= p.Epsilon[k] * (1 + 1e-12);
            if (k <= K)
            {
                double norm = exact
                    ? SparseNorms.Exact(d, rows, cols, p.S[k], p.S[k - 1])
                    : Math.Min(SparseNorms.BabelUpperBound(d, rows, cols, p.S[k], p.S[k - 1], la),
                               SpectralNorm.Bound(la, d, rows, cols, SeedStreams.Derive(seed, $"layer-{k}")).Upper);
                sparse[k] = norm / (p.Xi[k] * Math.Sqrt(1 + p.Eta[k]));
                ok &= sparse[k] <= p.Epsilon[k] * (1 + 1e-12);
            }
        }
        return new NeighbourhoodTest(row, sparse, exact, ok);
    }
}

/// <summary>The entrywise Gaussian posterior 𝒩(h, σ²) of Definition 7: Ŵ_k[i,j] ~ N(W_k[i,j], σ_k²) independently, one σ per layer.</summary>
public static class GaussianPosterior
{
    /// <summary>One draw ĥ ~ 𝒩(h, σ²) (σ indexed 1..K+1) from <paramref name="rng"/> (layer k from the split stream "layer-k").</summary>
    public static SparseNetwork Sample(SparseNetwork h, double[] sigma, Rng rng)
    {
        var ws = new double[h.K + 1][];
        for (int k = 1; k <= h.K + 1; k++)
        {
            var w = new double[h.W[k].Length];
            rng.Split($"layer-{k}").FillGaussian(w, 0, sigma[k]);
            for (int i = 0; i < w.Length; i++) w[i] += h.W[k][i];
            ws[k - 1] = w;
        }
        return new SparseNetwork(h.Widths, ws);
    }
}
