using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>Probe distribution of the randomised trace estimator.</summary>
public enum ProbeKind
{
    /// <summary>g ~ N(0, I): Var ‖Jg‖² = 2‖JᵀJ‖_F² ≤ 2‖J‖_F⁴.</summary>
    Gaussian,
    /// <summary>Independent ±1 entries: Var ‖Jg‖² = 2(‖JᵀJ‖_F² − Σ_k (JᵀJ)_kk²), never larger than the Gaussian one.</summary>
    Rademacher,
}

/// <summary>
/// Frobenius norms of the interlayer Jacobians J^{i,j}_{x^i} = A^j D^{j−1} A^{j−1} ⋯ A^{i+1} D^i (catalog §1; ARORA-D5),
/// D^k = diag(1[x^k &gt; 0]) from the clean trace, for every pair 1 ≤ i &lt; j ≤ d and sample. Results go to
/// <see cref="PairSamples"/> at a sample offset so that chunked traces fill one table. All float64 (dgemm).
/// </summary>
public static class JacobianNorms
{
    /// <summary>
    /// Exact ‖J^{i,j}‖_F² per sample. Inactive units are dropped: with S_k the active set of layer k and
    /// B_k = A^{k+1}[S_{k+1}, S_k], J^{i,j} restricted to its non-zero columns is A^j[:, S_{j−1}] B_{j−2} ⋯ B_i, computed
    /// top-down so that J^{i,j} = J^{i+1,j}·B_i reuses the prefix for every i. Adjacent pairs use
    /// ‖A^j D^{j−1}‖_F² = Σ_{c∈S_{j−1}} ‖A^j_{:,c}‖²; the pair (1,3), where the chain has a single product, uses the
    /// precomputed Gram G = (A³)ᵀA³: ‖A³[:,S₂]B₁‖_F² = Σ (G[S₂,S₂]B₁)∘B₁, which costs a₂²a₁ instead of h³a₂a₁ when a₂ &lt; h³.
    /// Returns the GEMM flop count (2mnk per product).
    /// </summary>
    public static double ExactFrobeniusSquared(ForwardTrace t, PairSamples dst, int offset, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net; int d = net.Depth; var h = net.Widths;
        int hmax = h.Max();
        var act = new int[d + 1][]; var a = new int[d + 1];
        for (int k = 1; k < d; k++) act[k] = new int[h[k]];
        var blocks = new double[d + 1][];
        for (int k = 1; k <= d - 2; k++) blocks[k] = new double[h[k + 1] * h[k]];
        var bufP = new double[hmax * hmax]; var bufQ = new double[hmax * hmax];
        var colN = new double[d + 1][];
        for (int j = 2; j <= d; j++) colN[j] = net.ColumnNormsSquared(j);
        double[]? gram = d >= 3 ? net.Gram(3, p) : null;
        var allRows = Enumerable.Range(0, hmax).ToArray();
        double flops = 0;

        for (int s = 0; s < t.Count; s++)
        {
            for (int k = 1; k < d; k++)
            {
                var x = t.Row(k, s); int c = 0;
                for (int u = 0; u < x.Length; u++) if (x[u] > 0) act[k][c++] = u;
                a[k] = c;
            }
            for (int j = 2; j <= d; j++)
            {
                double sum = 0; var cn = colN[j];
                for (int q = 0; q < a[j - 1]; q++) sum += cn[act[j - 1][q]];
                dst[j - 1, j][offset + s] = sum;
            }
            for (int k = 1; k <= d - 2; k++) Gather(net.W[k + 1], h[k], act[k + 1], a[k + 1], act[k], a[k], blocks[k]);
            for (int j = 3; j <= d; j++)
            {
                if (a[j - 1] == 0 || a[j - 2] == 0) { for (int i = j - 2; i >= 1; i--) dst[i, j][offset + s] = 0; continue; }
                if (j == 3 && a[2] < h[3])
                {
                    int m = a[2], n = a[1];
                    Gather(gram!, h[2], act[2], m, act[2], m, bufP);
                    p.Gemm(Transpose.No, Transpose.No, m, n, m, 1.0, bufP, m, blocks[1], n, 0.0, bufQ, n);
                    flops += 2.0 * m * n * m;
                    dst[1, 3][offset + s] = TensorPrimitives.Dot(bufQ.AsSpan(0, m * n), blocks[1].AsSpan(0, m * n));
                    continue;
                }
                Gather(net.W[j], h[j - 1], allRows, h[j], act[j - 1], a[j - 1], bufP);
                var P = bufP; var Q = bufQ;
                for (int i = j - 2; i >= 1; i--)
                {
                    int inner = a[i + 1], cols = a[i];
                    if (inner == 0 || cols == 0) { for (int ii = i; ii >= 1; ii--) dst[ii, j][offset + s] = 0; break; }
                    p.Gemm(Transpose.No, Transpose.No, h[j], cols, inner, 1.0, P, inner, blocks[i], cols, 0.0, Q, cols);
                    flops += 2.0 * h[j] * cols * inner;
                    var q = Q.AsSpan(0, h[j] * cols);
                    dst[i, j][offset + s] = TensorPrimitives.Dot(q, q);
                    (P, Q) = (Q, P);
                }
            }
        }
        return flops;
    }

    /// <summary>dst (rows.Length×cols.Length) ← src[rows, cols] for a row-major source with <paramref name="ld"/> columns.</summary>
    private static void Gather(double[] src, int ld, int[] rows, int nr, int[] cols, int nc, double[] dst)
    {
        for (int r = 0; r < nr; r++)
        {
            var row = src.AsSpan(rows[r] * ld, ld); var o = dst.AsSpan(r * nc, nc);
            for (int c = 0; c < nc; c++) o[c] = row[cols[c]];
        }
    }

    /// <summary>
    /// ‖J^{i,j}_{x^i} x^i‖ per sample for every pair, by propagating x^i through the masked linear layers in one GEMM
    /// per layer. For bias-free nets J^{i,j}x^i = x^j (positive homogeneity); with biases the two differ. Returns GEMM flops.
    /// </summary>
    public static double JacobianTimesInputNorms(ForwardTrace t, PairSamples dst, int offset, ILinearAlgebraProvider? provider = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net; int d = net.Depth, n = t.Count, hmax = net.Widths.Max();
        var v = new double[n * hmax]; var y = new double[n * hmax]; var norms = new double[n]; double flops = 0;
        for (int i = 1; i < d; i++)
        {
            t.X[i].CopyTo(v, 0);
            for (int k = i + 1; k <= d; k++)
            {
                Propagation.LinearStep(t, k, v, y, n, 0, 1, p);
                flops += 2.0 * n * net.Widths[k] * net.Widths[k - 1];
                Propagation.RowNormsSquared(y, n, net.Widths[k], norms);
                for (int s = 0; s < n; s++) dst[i, k][offset + s] = Math.Sqrt(norms[s]);
                (v, y) = (y, v);
            }
        }
        return flops;
    }

    /// <summary>
    /// Unbiased Hutchinson estimate of ‖J^{i,j}‖_F² per sample: E‖J^{i,j}g‖² = ‖J^{i,j}‖_F² for probes with E ggᵀ = I.
    /// <paramref name="probes"/> probes per sample and layer i are propagated upward through all j &gt; i at once, the probes
    /// of a block of samples stacked into one GEMM per layer. <paramref name="mean"/> gets the probe average,
    /// <paramref name="stdErr"/> the standard error √(s²/p) from the probes' sample variance s² (per-sample CI
    /// mean ± z·se); for Gaussian probes the true Var of the mean is 2‖JᵀJ‖_F²/p ≤ 2‖J‖_F⁴/p. Probes of sample s are drawn
    /// from a stream seeded by (<paramref name="seed"/>, offset + s): pass the same seed for every chunk and results do not depend on chunking.
    /// A ratio of these estimates inside a minimum is biased: report the error alongside (catalog ARORA-D5).
    /// Returns the GEMM flop count.
    /// </summary>
    public static double Estimate(ForwardTrace t, int probes, ulong seed, PairSamples mean, PairSamples stdErr, int offset,
        ProbeKind kind = ProbeKind.Gaussian, int rowsPerGemm = 1024, ILinearAlgebraProvider? provider = null)
    {
        if (probes < 2) throw new ArgumentOutOfRangeException(nameof(probes), "at least two probes are needed for a standard error");
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net; int d = net.Depth, hmax = net.Widths.Max();
        int block = Math.Max(1, rowsPerGemm / probes), maxRows = block * probes;
        var v = new double[maxRows * hmax]; var y = new double[maxRows * hmax]; var sq = new double[maxRows];
        var active = new int[hmax]; var tmp = new double[probes * hmax]; double flops = 0;
        for (int s0 = 0; s0 < t.Count; s0 += block)
        {
            int ns = Math.Min(block, t.Count - s0), rows = ns * probes;
            for (int i = 1; i < d; i++)
            {
                int hi = net.Widths[i];
                for (int s = 0; s < ns; s++)
                {
                    // D^i zeroes inactive coordinates anyway, so only active ones are drawn (half the RNG work).
                    var x = t.Row(i, s0 + s); int a = 0;
                    for (int u = 0; u < hi; u++) if (x[u] > 0) active[a++] = u;
                    var r = new Rng(Rng.Mix(seed ^ Rng.Mix((ulong)(offset + s0 + s) * (ulong)(d + 1) + (ulong)i)));
                    var draws = tmp.AsSpan(0, a * probes);
                    if (kind == ProbeKind.Gaussian) r.FillGaussian(draws);
                    else for (int u = 0; u < draws.Length; u++) draws[u] = (r.NextUInt64() >> 63) == 0 ? 1.0 : -1.0;
                    var probe = v.AsSpan(s * probes * hi, probes * hi); probe.Clear();
                    for (int q = 0; q < probes; q++)
                    {
                        var row = probe.Slice(q * hi, hi); var src = draws.Slice(q * a, a);
                        for (int c = 0; c < a; c++) row[active[c]] = src[c];
                    }
                }
                for (int k = i + 1; k <= d; k++)
                {
                    Propagation.LinearStep(t, k, v, y, rows, s0, probes, p);
                    flops += 2.0 * rows * net.Widths[k] * net.Widths[k - 1];
                    Propagation.RowNormsSquared(y, rows, net.Widths[k], sq);
                    for (int s = 0; s < ns; s++)
                    {
                        var z = sq.AsSpan(s * probes, probes);
                        double m = TensorPrimitives.Sum<double>(z) / probes, ss = 0;
                        foreach (var e in z) ss += (e - m) * (e - m);
                        mean[i, k][offset + s0 + s] = m;
                        stdErr[i, k][offset + s0 + s] = Math.Sqrt(ss / (probes - 1) / probes);
                    }
                    (v, y) = (y, v);
                }
            }
        }
        return flops;
    }
}
