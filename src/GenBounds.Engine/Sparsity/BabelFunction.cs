using GenBounds.LinearAlgebra;

namespace GenBounds.Sparsity;

/// <summary>μ_{s₂,s₁}(W) for every s₂ = 0..d₂−1 at a fixed s₁ (index s₂; μ at d₂−1 is 0 by footnote 2), with ‖W‖_(d₂−1,s₁).</summary>
/// <param name="S1">The column sparsity s₁ the profile was computed at.</param>
/// <param name="RowNorm">‖W‖_(d₂−1,s₁), the normaliser of Definition 2.</param>
/// <param name="Mu">μ_{s₂,s₁}(W) indexed by s₂.</param>
public sealed record BabelProfile(int S1, double RowNorm, double[] Mu);

/// <summary>
/// The reduced babel function of Definition 2 (catalog SULAM-D2):
/// μ_{s₂,s₁}(W) = max_{|J₂| = d₂−s₂} max_{j∈J₂} Σ_{i∈J₂, i≠j} max_{|J₁| = d₁−s₁} |⟨P_{J₁} w[i], P_{J₁} w[j]⟩| / ‖W‖²_(d₂−1,s₁),
/// with μ := 0 when s₂ = d₂ − 1. The inner maximum over J₁ is taken separately for each pair (i, j).
/// <list type="bullet">
/// <item><see cref="Reduced"/> / <see cref="Profile"/>: the corrected Algorithm 1 (catalog SULAM-A1, DERIVED): pair scores
/// A[i,j] = max(top-(d₁−s₁) sum, −bottom-(d₁−s₁) sum) of w[i]∘w[j] (one GEMM |W Wᵀ| when s₁ = 0), then per column j the sum of
/// the d₂ − s₂ − 1 largest off-diagonal scores, divided by the squared reduced row norm.</item>
/// <item><see cref="Printed"/>: Algorithm 1 as the paper prints it, misprints included (PAPER-TYPO), so the verifier can show
/// it disagrees with Definition 2 on a witness.</item>
/// <item><see cref="BruteForce"/>: Definition 2 read literally (enumerates J₂, j and every J₁): the test oracle.</item>
/// </list>
/// </summary>
public static class BabelFunction
{
    /// <summary>μ_{s₂,s₁}(W) by the corrected Algorithm 1.</summary>
    public static double Reduced(ReadOnlySpan<double> w, int rows, int cols, int s2, int s1, ILinearAlgebraProvider? la = null)
    {
        SparseNorms.CheckArguments(w.Length, rows, cols, s2, s1);
        if (s2 == rows - 1) return 0;
        return Profile(w, rows, cols, s1, la).Mu[s2];
    }

    /// <summary>μ_{s₂,s₁}(W) for every s₂ at once (the pair scores depend only on s₁). O(d₂²d₁) selection work, or one GEMM when s₁ = 0.</summary>
    public static BabelProfile Profile(ReadOnlySpan<double> w, int rows, int cols, int s1, ILinearAlgebraProvider? la = null)
    {
        SparseNorms.CheckArguments(w.Length, rows, cols, 0, s1);
        double rowNorm = SparseNorms.ReducedRowNorm(w, rows, cols, s1);
        var scores = PairScores(w, rows, cols, s1, la);
        var mu = new double[rows];
        if (rows == 1 || rowNorm == 0) return new BabelProfile(s1, rowNorm, mu);
        // best[k] = max_j (sum of the k largest off-diagonal scores of column j), k = 0..rows−1.
        var best = new double[rows];
        var col = new double[rows - 1];
        for (int j = 0; j < rows; j++)
        {
            int t = 0;
            for (int i = 0; i < rows; i++) if (i != j) col[t++] = scores[i * rows + j];
            Array.Sort(col);
            double acc = 0;
            for (int k = 1; k < rows; k++)
            {
                acc += col[rows - 1 - k];
                if (acc > best[k]) best[k] = acc;
            }
        }
        double norm2 = rowNorm * rowNorm;
        for (int s2 = 0; s2 < rows - 1; s2++) mu[s2] = best[rows - s2 - 1] / norm2;
        mu[rows - 1] = 0;
        return new BabelProfile(s1, rowNorm, mu);
    }

    /// <summary>
    /// A[i,j] = max_{|J₁| = d₁−s₁} |⟨P_{J₁} w[i], P_{J₁} w[j]⟩| (row-major d₂×d₂, symmetric; the diagonal is unused). With
    /// s₁ = 0 this is |⟨w[i], w[j]⟩|: one GEMM W Wᵀ through the provider when one is given.
    /// </summary>
    public static double[] PairScores(ReadOnlySpan<double> w, int rows, int cols, int s1, ILinearAlgebraProvider? la = null)
    {
        var a = new double[rows * rows];
        if (s1 == 0 && la is not null)
        {
            la.Gemm(Transpose.No, Transpose.Yes, rows, rows, cols, 1.0, w, cols, w, cols, 0.0, a, rows);
            for (int i = 0; i < a.Length; i++) a[i] = Math.Abs(a[i]);
            return a;
        }
        int k1 = cols - s1;
        var p = new double[cols];
        for (int i = 0; i < rows; i++)
        {
            var wi = w.Slice(i * cols, cols);
            for (int j = i + 1; j < rows; j++)
            {
                var wj = w.Slice(j * cols, cols);
                double v;
                if (s1 == 0)
                {
                    double s = 0;
                    for (int c = 0; c < cols; c++) s += wi[c] * wj[c];
                    v = Math.Abs(s);
                }
                else
                {
                    for (int c = 0; c < cols; c++) p[c] = wi[c] * wj[c];
                    double top = Selection.SumOfLargest(p, k1);
                    double bottom = Selection.SumOfSmallest(p, k1);
                    v = Math.Max(top, -bottom);
                }
                a[i * rows + j] = v; a[j * rows + i] = v;
            }
        }
        return a;
    }

    /// <summary>
    /// Algorithm 1 as printed (App. D, p. 29), with the catalog's misprints kept (PAPER-TYPO, SULAM-A1): (1) the "negative"
    /// line repeats TOP-K of w[i]∘w[j], so the pair score is |top-(d₁−s₁) sum|; (2) the disc radii sum the d₁ − s₁ (not
    /// d₂ − s₂ − 1) largest scores; (3) the outer loop runs over rows 1..d₂−1 only; (4) it divides by ‖W‖_(d₂−1,s₁), not its
    /// square. The footnote-2 convention μ = 0 at s₂ = d₂ − 1 is kept.
    /// </summary>
    public static double Printed(ReadOnlySpan<double> w, int rows, int cols, int s2, int s1)
    {
        SparseNorms.CheckArguments(w.Length, rows, cols, s2, s1);
        if (s2 == rows - 1) return 0;
        int k1 = cols - s1;
        double rowNorm = SparseNorms.ReducedRowNorm(w, rows, cols, s1);
        if (rowNorm == 0) return 0;
        var p = new double[cols];
        var a = new double[rows];
        double best = 0;
        for (int i = 0; i < rows - 1; i++)
        {
            int t = 0;
            for (int j = 0; j < rows; j++)
            {
                if (j == i) continue;
                for (int c = 0; c < cols; c++) p[c] = w[i * cols + c] * w[j * cols + c];
                double pos = Selection.SumOfLargest(p, k1);
                double neg = pos;   // misprint (1): the same TOP-K again
                a[t++] = Math.Max(pos, -neg);
            }
            var row = a.AsSpan(0, t);
            double r = Selection.SumOfLargest(row, Math.Min(k1, t));   // misprint (2): d₁ − s₁ terms
            best = Math.Max(best, r);
        }
        return best / rowNorm;   // misprint (4): not squared
    }

    /// <summary>
    /// Definition 2 read literally: every J₂ of size d₂ − s₂, every j ∈ J₂, and for each pair every J₁ of size d₁ − s₁ (the test
    /// oracle; C(d₂,s₂)·d₂²·C(d₁,s₁) work).
    /// </summary>
    public static double BruteForce(ReadOnlySpan<double> w, int rows, int cols, int s2, int s1, long maxWork = 50_000_000)
    {
        SparseNorms.CheckArguments(w.Length, rows, cols, s2, s1);
        if (s2 == rows - 1) return 0;
        double work = Math.Exp(Combinatorics.LogBinomial(rows, s2) + Combinatorics.LogBinomial(cols, s1)) * rows * rows;
        if (work > maxWork) throw new ArgumentException($"brute-force babel of a {rows}×{cols} matrix needs {work:G3} steps (limit {maxWork})");
        var copy = w.Slice(0, rows * cols).ToArray();
        // Pair maxima over J₁, computed literally.
        var pair = new double[rows * rows];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < rows; j++)
            {
                if (i == j) continue;
                double m = 0;
                foreach (var c in Combinatorics.Subsets(cols, cols - s1))
                {
                    double s = 0;
                    foreach (int x in c) s += copy[i * cols + x] * copy[j * cols + x];
                    m = Math.Max(m, Math.Abs(s));
                }
                pair[i * rows + j] = m;
            }
        double norm = 0;
        for (int i = 0; i < rows; i++)
            foreach (var c in Combinatorics.Subsets(cols, cols - s1))
            {
                double s = 0;
                foreach (int x in c) s += copy[i * cols + x] * copy[i * cols + x];
                norm = Math.Max(norm, s);
            }
        if (norm == 0) return 0;
        double best = 0;
        foreach (var j2 in Combinatorics.Subsets(rows, rows - s2))
            foreach (int j in j2)
            {
                double s = 0;
                foreach (int i in j2) if (i != j) s += pair[i * rows + j];
                best = Math.Max(best, s);
            }
        return best / norm;
    }
}
