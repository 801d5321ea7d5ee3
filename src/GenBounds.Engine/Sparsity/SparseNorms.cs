namespace GenBounds.Sparsity;

/// <summary>
/// Sparse induced norms of Muthukumar &amp; Sulam (COLT 2023), Definition 1 (catalog SULAM-D1):
/// ‖W‖_(s₂,s₁) = max over row sets J₂ with |J₂| = d₂ − s₂ and column sets J₁ with |J₁| = d₁ − s₁ of ‖P_{J₂,J₁}(W)‖₂.
/// Sparsity counts zeros: s is the number of rows (columns) left out. Matrices are row-major d₂×d₁ (a layer
/// W_k ∈ ℝ^{d_k×d_{k−1}}: rows = outputs, columns = inputs).
/// <list type="bullet">
/// <item><see cref="Exact"/>: enumeration of every sub-matrix (the test oracle; small sizes only).</item>
/// <item><see cref="ReducedRowNorm"/>: the closed form of ‖W‖_(d₂−1,s₁) (catalog F1c, DERIVED): the largest over rows of
/// the norm of the d₁ − s₁ largest-magnitude entries.</item>
/// <item><see cref="BabelUpperBound"/>: Lemma 18's computable bound ‖W‖_(s₂,s₁) ≤ ‖W‖_(d₂−1,s₁)·√(1 + μ_{s₂,s₁}(W)).</item>
/// </list>
/// </summary>
public static class SparseNorms
{
    /// <summary>Largest number of sub-matrices <see cref="Exact"/> enumerates by default.</summary>
    public const long DefaultMaxSubmatrices = 5_000_000;

    /// <summary>Throws unless 0 ≤ s₂ ≤ d₂ − 1 and 0 ≤ s₁ ≤ d₁ − 1 (Definition 1's range) and the buffer holds d₂·d₁ values.</summary>
    public static void CheckArguments(int length, int rows, int cols, int s2, int s1)
    {
        if (rows < 1 || cols < 1) throw new ArgumentException($"a matrix needs positive dimensions (got {rows}×{cols})");
        if ((long)rows * cols > length) throw new ArgumentException($"buffer of {length} values is smaller than {rows}×{cols}");
        if (s2 < 0 || s2 > rows - 1) throw new ArgumentOutOfRangeException(nameof(s2), $"row sparsity s₂ = {s2} must lie in 0..{rows - 1}");
        if (s1 < 0 || s1 > cols - 1) throw new ArgumentOutOfRangeException(nameof(s1), $"column sparsity s₁ = {s1} must lie in 0..{cols - 1}");
    }

    /// <summary>
    /// ‖W‖_(s₂,s₁) by enumerating all C(d₂,s₂)·C(d₁,s₁) sub-matrices and taking the largest spectral norm (the test oracle).
    /// Throws when the enumeration would exceed <paramref name="maxSubmatrices"/>.
    /// </summary>
    public static double Exact(ReadOnlySpan<double> w, int rows, int cols, int s2, int s1, long maxSubmatrices = DefaultMaxSubmatrices)
    {
        CheckArguments(w.Length, rows, cols, s2, s1);
        double count = Math.Exp(Combinatorics.LogBinomial(rows, s2) + Combinatorics.LogBinomial(cols, s1));
        if (count > maxSubmatrices) throw new ArgumentException($"exact ‖W‖_({s2},{s1}) of a {rows}×{cols} matrix needs {count:G3} sub-matrices (limit {maxSubmatrices}); use the Lemma-18 bound");
        int k2 = rows - s2, k1 = cols - s1;
        var sub = new double[k2 * k1];
        var gram = new double[Math.Min(k1, k2) * Math.Min(k1, k2)];
        double best = 0;
        var copy = w.Slice(0, rows * cols).ToArray();
        foreach (var r in Combinatorics.Subsets(rows, k2))
            foreach (var c in Combinatorics.Subsets(cols, k1))
            {
                for (int a = 0; a < k2; a++)
                    for (int b = 0; b < k1; b++) sub[a * k1 + b] = copy[r[a] * cols + c[b]];
                best = Math.Max(best, SmallSpectralNorm(sub, k2, k1, gram));
            }
        return best;
    }

    /// <summary>
    /// ‖W‖_(d₂−1,s₁) = max_i (sum of the d₁ − s₁ largest w[i,j]²)^{1/2} (catalog F1c, DERIVED closed form; O(d₂d₁ log d₁)).
    /// </summary>
    public static double ReducedRowNorm(ReadOnlySpan<double> w, int rows, int cols, int s1)
    {
        CheckArguments(w.Length, rows, cols, 0, s1);
        int k = cols - s1;
        var sq = new double[cols];
        double best = 0;
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++) sq[j] = row[j] * row[j];
            best = Math.Max(best, Selection.SumOfLargest(sq, k));
        }
        return Math.Sqrt(best);
    }

    /// <summary>
    /// ‖W‖_(d₂−1,s₁) for every s₁ = 0..d₁−1 at once (index s₁): each row's squares sorted once, prefix sums, the largest
    /// over rows per prefix length. Used where s₁ differs per sample (the greedy sparsity vector) or per grid point.
    /// </summary>
    public static double[] ReducedRowNormProfile(ReadOnlySpan<double> w, int rows, int cols)
    {
        CheckArguments(w.Length, rows, cols, 0, 0);
        var best = new double[cols + 1];   // best[k] = max_i sum of the k largest squares of row i
        var sq = new double[cols];
        for (int i = 0; i < rows; i++)
        {
            var row = w.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++) sq[j] = row[j] * row[j];
            Array.Sort(sq);
            double acc = 0;
            for (int k = 1; k <= cols; k++)
            {
                acc += sq[cols - k];
                if (acc > best[k]) best[k] = acc;
            }
        }
        var profile = new double[cols];
        for (int s1 = 0; s1 < cols; s1++) profile[s1] = Math.Sqrt(best[cols - s1]);
        return profile;
    }

    /// <summary>
    /// Lemma 18's certified upper bound ‖W‖_(d₂−1,s₁)·√(1 + μ_{s₂,s₁}(W)) on ‖W‖_(s₂,s₁) (μ by the corrected Algorithm 1).
    /// </summary>
    public static double BabelUpperBound(ReadOnlySpan<double> w, int rows, int cols, int s2, int s1, LinearAlgebra.ILinearAlgebraProvider? la = null)
    {
        double mu = BabelFunction.Reduced(w, rows, cols, s2, s1, la);
        return ReducedRowNorm(w, rows, cols, s1) * Math.Sqrt(1 + mu);
    }

    /// <summary>‖A‖₂ of a small row-major m×n matrix: the largest eigenvalue of the smaller Gram matrix by cyclic Jacobi.</summary>
    public static double SmallSpectralNorm(ReadOnlySpan<double> a, int m, int n, double[]? scratch = null)
    {
        int p = Math.Min(m, n);
        var g = scratch is not null && scratch.Length >= p * p ? scratch : new double[p * p];
        if (n <= m)
        {
            for (int i = 0; i < n; i++)
                for (int j = i; j < n; j++)
                {
                    double s = 0;
                    for (int r = 0; r < m; r++) s += a[r * n + i] * a[r * n + j];
                    g[i * p + j] = s; g[j * p + i] = s;
                }
        }
        else
        {
            for (int i = 0; i < m; i++)
                for (int j = i; j < m; j++)
                {
                    double s = 0;
                    for (int c = 0; c < n; c++) s += a[i * n + c] * a[j * n + c];
                    g[i * p + j] = s; g[j * p + i] = s;
                }
        }
        return Math.Sqrt(Math.Max(0, Jacobi.LargestEigenvalue(g, p)));
    }
}

/// <summary>Counting and enumeration helpers: log-binomials through log-gamma, k-subsets in lexicographic order.</summary>
public static class Combinatorics
{
    /// <summary>ln C(n, k) through log-gamma (exact to rounding for every n; factorials would overflow).</summary>
    public static double LogBinomial(int n, int k)
    {
        if (k < 0 || k > n) throw new ArgumentOutOfRangeException(nameof(k), $"C({n}, {k}) is undefined");
        if (k == 0 || k == n) return 0;
        return MathNet.Numerics.SpecialFunctions.GammaLn(n + 1.0) - MathNet.Numerics.SpecialFunctions.GammaLn(k + 1.0) - MathNet.Numerics.SpecialFunctions.GammaLn(n - k + 1.0);
    }

    /// <summary>Every k-subset of {0..n−1} in lexicographic order (the same array is reused: copy it to keep it).</summary>
    public static IEnumerable<int[]> Subsets(int n, int k)
    {
        if (k < 0 || k > n) yield break;
        var idx = new int[k];
        for (int i = 0; i < k; i++) idx[i] = i;
        while (true)
        {
            yield return idx;
            int j = k - 1;
            while (j >= 0 && idx[j] == n - k + j) j--;
            if (j < 0) yield break;
            idx[j]++;
            for (int t = j + 1; t < k; t++) idx[t] = idx[t - 1] + 1;
        }
    }
}

/// <summary>The largest eigenvalue of a small symmetric matrix by cyclic Jacobi rotations (a plain reference; no BLAS).</summary>
public static class Jacobi
{
    /// <summary>Largest eigenvalue of the symmetric row-major n×n matrix <paramref name="a"/> (overwritten).</summary>
    public static double LargestEigenvalue(double[] a, int n)
    {
        if (n == 1) return a[0];
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double off = 0, diag = 0;
            for (int i = 0; i < n; i++)
            {
                diag += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) off += a[i * n + j] * a[i * n + j];
            }
            if (off <= 1e-30 * Math.Max(diag, 1e-300)) break;
            for (int p = 0; p < n - 1; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    double app = a[p * n + p], aqq = a[q * n + q];
                    double theta = (aqq - app) / (2 * apq);
                    double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                }
        }
        double best = double.NegativeInfinity;
        for (int i = 0; i < n; i++) best = Math.Max(best, a[i * n + i]);
        return best;
    }
}

/// <summary>Sums of the k largest or smallest entries by selection (average O(n)), on a scratch buffer that is reordered.</summary>
public static class Selection
{
    /// <summary>Sum of the k largest values of <paramref name="scratch"/> (k clipped to 0..n; the buffer is permuted).</summary>
    public static double SumOfLargest(Span<double> scratch, int k)
    {
        int n = scratch.Length;
        if (k <= 0) return 0;
        if (k >= n) { double all = 0; foreach (var v in scratch) all += v; return all; }
        // After selecting position n − k (ascending), the k largest occupy [n − k, n).
        Select(scratch, n - k);
        double s = 0;
        for (int i = n - k; i < n; i++) s += scratch[i];
        return s;
    }

    /// <summary>Sum of the k smallest values of <paramref name="scratch"/> (k clipped to 0..n; the buffer is permuted).</summary>
    public static double SumOfSmallest(Span<double> scratch, int k)
    {
        int n = scratch.Length;
        if (k <= 0) return 0;
        if (k >= n) { double all = 0; foreach (var v in scratch) all += v; return all; }
        Select(scratch, k - 1);
        double s = 0;
        for (int i = 0; i < k; i++) s += scratch[i];
        return s;
    }

    /// <summary>
    /// Partially orders <paramref name="a"/> so that a[k] is the k-th smallest (0-based), everything before it is ≤ and
    /// everything after it ≥ (Hoare partition around a median of three; sorts small ranges).
    /// </summary>
    public static void Select(Span<double> a, int k)
    {
        int lo = 0, hi = a.Length - 1;
        int guard = 0;
        while (hi - lo > 16)
        {
            if (++guard > 64) { a.Slice(lo, hi - lo + 1).Sort(); return; }
            int mid = lo + (hi - lo) / 2;
            if (a[mid] < a[lo]) (a[mid], a[lo]) = (a[lo], a[mid]);
            if (a[hi] < a[lo]) (a[hi], a[lo]) = (a[lo], a[hi]);
            if (a[hi] < a[mid]) (a[hi], a[mid]) = (a[mid], a[hi]);
            double pivot = a[mid];
            int i = lo, j = hi;
            while (i <= j)
            {
                while (a[i] < pivot) i++;
                while (a[j] > pivot) j--;
                if (i <= j) { (a[i], a[j]) = (a[j], a[i]); i++; j--; }
            }
            if (k <= j) hi = j;
            else if (k >= i) lo = i;
            else return;
        }
        a.Slice(lo, hi - lo + 1).Sort();
    }
}
