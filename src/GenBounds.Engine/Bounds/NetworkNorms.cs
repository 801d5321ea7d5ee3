using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Bounds;

/// <summary>
/// Norms of one weight matrix W (rows = output units; PyTorch layout) and of its distance to a reference (the random
/// initialisation), all in double precision. Group norms follow Neyshabur–Tomioka–Srebro (2015, eq. 3): ‖W‖_{p,q} is
/// the ℓ_q norm over rows of the ℓ_p norm of each row (a unit's incoming weights); ‖W‖_{2,1} = Σ_r ‖W_r‖₂ equals
/// Bartlett et al.'s ‖Wᵀ‖_{2,1} in their column convention. Spectral norms are exact (LAPACK SVD), never power
/// iteration, which under-estimates (catalog baseline-bounds §12).
/// </summary>
/// <param name="Spectral">‖W‖₂.</param>
/// <param name="Frobenius">‖W‖_F.</param>
/// <param name="L1Inf">‖W‖_{1,∞} = max_r ‖W_r‖₁.</param>
/// <param name="L3_15">‖W‖_{3,1.5}.</param>
/// <param name="L21">‖W‖_{2,1} = Σ_r ‖W_r‖₂.</param>
/// <param name="DistSpectral">‖W − W⁰‖₂ (NaN without a reference).</param>
/// <param name="DistFrobenius">‖W − W⁰‖_F (NaN without a reference).</param>
/// <param name="DistL21">‖W − W⁰‖_{2,1} (NaN without a reference).</param>
public sealed record MatrixNormSet(double Spectral, double Frobenius, double L1Inf, double L3_15, double L21, double DistSpectral, double DistFrobenius, double DistL21)
{
    /// <summary>Norms of the row-major rows×cols matrix <paramref name="w"/> and of w − <paramref name="reference"/> (if given).</summary>
    public static MatrixNormSet Of(double[] w, double[]? reference, int rows, int cols, ILinearAlgebraProvider la)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(la);
        double spectral = la.SingularValues(w, rows, cols)[0];
        double ds = double.NaN, df = double.NaN, d21 = double.NaN;
        if (reference is not null)
        {
            if (reference.Length != w.Length) throw new ArgumentException("reference matrix has a different size");
            var d = new double[w.Length];
            for (int i = 0; i < d.Length; i++) d[i] = w[i] - reference[i];
            ds = la.SingularValues(d, rows, cols)[0];
            df = NetworkNorms.GroupNorm(d, rows, cols, 2, 2);
            d21 = NetworkNorms.GroupNorm(d, rows, cols, 2, 1);
        }
        return new MatrixNormSet(spectral, NetworkNorms.GroupNorm(w, rows, cols, 2, 2), NetworkNorms.GroupNorm(w, rows, cols, 1, double.PositiveInfinity),
            NetworkNorms.GroupNorm(w, rows, cols, 3, 1.5), NetworkNorms.GroupNorm(w, rows, cols, 2, 1), ds, df, d21);
    }
}

/// <summary>A bias-free ReLU network as double matrices (layer l: Widths[l+1] × Widths[l], row-major).</summary>
/// <param name="Weights">Matrices per layer.</param>
/// <param name="Widths">h₀, …, h_L.</param>
public sealed record BiasFreeNetwork(double[][] Weights, int[] Widths)
{
    /// <summary>Number of weight layers.</summary>
    public int Depth => Weights.Length;
}

/// <summary>Norm computations shared by every bound (one code path).</summary>
public static class NetworkNorms
{
    /// <summary>‖W‖_{p,q}: the ℓ_q norm over rows of each row's ℓ_p norm (q = ∞: the maximum).</summary>
    public static double GroupNorm(ReadOnlySpan<double> w, int rows, int cols, double p, double q)
    {
        if (!(p >= 1) || !(q >= 1)) throw new ArgumentOutOfRangeException(nameof(p), "group norms need p, q ≥ 1");
        GemmArgs.ValidateMatrix(nameof(w), rows, cols, w.Length);
        double acc = 0;
        for (int r = 0; r < rows; r++)
        {
            var row = w.Slice(r * cols, cols);
            double s = 0;
            if (p == 1) foreach (var v in row) s += Math.Abs(v);
            else if (p == 2) { foreach (var v in row) s += v * v; s = Math.Sqrt(s); }
            else { foreach (var v in row) s += Math.Pow(Math.Abs(v), p); s = Math.Pow(s, 1 / p); }
            if (double.IsPositiveInfinity(q)) acc = Math.Max(acc, s);
            else acc += q == 1 ? s : q == 2 ? s * s : Math.Pow(s, q);
        }
        return double.IsPositiveInfinity(q) ? acc : q == 1 ? acc : q == 2 ? Math.Sqrt(acc) : Math.Pow(acc, 1 / q);
    }

    /// <summary>
    /// The exact bias-free equivalent of a network with biases (Neyshabur et al. 2015's "bias through a constant input
    /// coordinate"): input x̃ = (x, 1); hidden layer l becomes [[W_l, b_l], [0, 1]], so one extra unit carries the
    /// constant 1 through every ReLU; the last layer becomes [W_L, b_L]. f̃(x̃) = f(x) for every x. A bias-free network
    /// is returned as it is (widened to double).
    /// </summary>
    public static BiasFreeNetwork Augment(Mlp net)
    {
        ArgumentNullException.ThrowIfNull(net);
        int L = net.Layers.Length;
        if (!net.Architecture.Bias)
            return new BiasFreeNetwork(net.Layers.Select(l => l.WeightAsDouble()).ToArray(), net.Architecture.LayerSizes.ToArray());
        var widths = new int[L + 1];
        for (int l = 0; l <= L; l++) widths[l] = net.Architecture.LayerSizes[l] + (l < L ? 1 : 0);
        var ws = new double[L][];
        for (int l = 0; l < L; l++)
        {
            var layer = net.Layers[l];
            int rows = widths[l + 1], cols = widths[l];
            var a = new double[rows * cols];
            for (int r = 0; r < layer.Out; r++)
            {
                for (int c = 0; c < layer.In; c++) a[r * cols + c] = layer.Weight[r * layer.In + c];
                a[r * cols + layer.In] = layer.Bias![r];
            }
            if (l < L - 1) a[(rows - 1) * cols + cols - 1] = 1;
            ws[l] = a;
        }
        return new BiasFreeNetwork(ws, widths);
    }

    /// <summary>
    /// Per-output path sums Σ_paths Π_e |θ_e|^p = (|W_L|^p ⋯ |W_1|^p 1)_y of <paramref name="net"/> with every parameter,
    /// biases included, raised to |·|^p: one forward pass of an all-ones input (the practitioners' computation; every
    /// value is non-negative, so no ReLU is inactive). φ_p = (Σ_y outputs)^{1/p}.
    /// </summary>
    public static double[] PathSums(Mlp net, double p)
    {
        ArgumentNullException.ThrowIfNull(net);
        if (!(p > 0)) throw new ArgumentOutOfRangeException(nameof(p), p, "p must be positive");
        var a = Enumerable.Repeat(1.0, net.Architecture.InputSize).ToArray();
        foreach (var layer in net.Layers)
        {
            var z = new double[layer.Out];
            for (int r = 0; r < layer.Out; r++)
            {
                double s = layer.Bias is { } b ? Math.Pow(Math.Abs(b[r]), p) : 0;
                for (int c = 0; c < layer.In; c++) s += Math.Pow(Math.Abs(layer.Weight[r * layer.In + c]), p) * a[c];
                z[r] = s;
            }
            a = z;
        }
        return a;
    }

    /// <summary>Path sums of a bias-free network with |w|^p (input of ones of its own width).</summary>
    public static double[] PathSums(BiasFreeNetwork net, double p)
    {
        ArgumentNullException.ThrowIfNull(net);
        var a = Enumerable.Repeat(1.0, net.Widths[0]).ToArray();
        for (int l = 0; l < net.Depth; l++)
        {
            int rows = net.Widths[l + 1], cols = net.Widths[l];
            var z = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                double s = 0;
                for (int c = 0; c < cols; c++) s += Math.Pow(Math.Abs(net.Weights[l][r * cols + c]), p) * a[c];
                z[r] = s;
            }
            a = z;
        }
        return a;
    }
}
