namespace GenBounds.Compression;

/// <summary>Non-zero pattern of one rows×cols matrix: J, row and column counts, j_r, j_c, and the diagonal.</summary>
/// <param name="Rows">h_l.</param>
/// <param name="Cols">h_{l−1}.</param>
/// <param name="NonZeros">J = nnz.</param>
/// <param name="RowCounts">Non-zeros per row.</param>
/// <param name="ColCounts">Non-zeros per column.</param>
/// <param name="ZeroDiagonal">Indices i &lt; min(rows, cols) with entry (i, i) equal to zero.</param>
public sealed record SparsityProfile(int Rows, int Cols, long NonZeros, int[] RowCounts, int[] ColCounts, int[] ZeroDiagonal)
{
    /// <summary>j_r: the largest row count.</summary>
    public int MaxRowCount => RowCounts.Max();
    /// <summary>j_c: the largest column count.</summary>
    public int MaxColCount => ColCounts.Max();
    /// <summary>max(j_r, j_c) (the paper's j_l).</summary>
    public int MaxLineCount => Math.Max(MaxRowCount, MaxColCount);
    /// <summary>Whether the matrix is square (GUHA-D5.1 and GUHA-T5.1 are stated for square matrices only).</summary>
    public bool IsSquare => Rows == Cols;
}

/// <summary>Verdict of GUHA-D5.1 for given (j_c, j_r).</summary>
/// <param name="Holds">All three conditions hold.</param>
/// <param name="RowsOver">Rows with more than j_r non-zeros.</param>
/// <param name="ColsOver">Columns with more than j_c non-zeros.</param>
/// <param name="ZeroDiagonal">Diagonal positions that are zero.</param>
/// <param name="Rectangular">
/// True for a non-square matrix: only its min(rows, cols) diagonal slots were checked; padding it to p×p, p = max(rows, cols),
/// would add zero diagonal entries, so the sketching theorem does not apply as stated (the paper is silent on this case).
/// </param>
public sealed record DistributedSparsityCheck(bool Holds, int[] RowsOver, int[] ColsOver, int[] ZeroDiagonal, bool Rectangular);

/// <summary>
/// Sparsity statistics of pruned layers: GUHA-D5.1 (distributed sparsity), the exact law of the largest row/column count
/// (GUHA-L5.1 exact alternative, DERIVED), Poisson-binomial row counts for fixed weights, and the explicit balls-into-bins
/// bound that replaces GUHA-LE.1 (DERIVED: Bernstein + union bound).
/// </summary>
public static class SparsityStats
{
    /// <summary>Non-zero profile of a row-major weight matrix (an entry counts when it is not exactly 0).</summary>
    public static SparsityProfile Profile(ReadOnlySpan<float> weight, int rows, int cols)
    {
        if (rows <= 0 || cols <= 0 || weight.Length != (long)rows * cols) throw new ArgumentException($"buffer of {weight.Length} entries does not match {rows}×{cols}");
        var rc = new int[rows];
        var cc = new int[cols];
        long nnz = 0;
        for (int i = 0; i < rows; i++)
        {
            var row = weight.Slice(i * cols, cols);
            for (int j = 0; j < cols; j++)
                if (row[j] != 0f) { rc[i]++; cc[j]++; }
            nnz += rc[i];
        }
        var zd = new List<int>();
        for (int i = 0; i < Math.Min(rows, cols); i++) if (weight[i * cols + i] == 0f) zd.Add(i);
        return new SparsityProfile(rows, cols, nnz, rc, cc, zd.ToArray());
    }

    /// <summary>Profile of the kept pattern of a mask.</summary>
    public static SparsityProfile Profile(Mask mask)
    {
        var f = new float[mask.Values.Length];
        for (int i = 0; i < f.Length; i++) f[i] = mask.Values[i];
        return Profile(f, mask.Rows, mask.Cols);
    }

    /// <summary>
    /// GUHA-D5.1: X is (j_c, j_r)-distributed sparse iff every column has ≤ j_c non-zeros, every row ≤ j_r, and every diagonal
    /// entry is non-zero. Reports every violating row, column and diagonal index.
    /// </summary>
    public static DistributedSparsityCheck CheckDistributedSparse(SparsityProfile p, int jc, int jr)
    {
        var ro = Enumerable.Range(0, p.Rows).Where(i => p.RowCounts[i] > jr).ToArray();
        var co = Enumerable.Range(0, p.Cols).Where(j => p.ColCounts[j] > jc).ToArray();
        return new DistributedSparsityCheck(ro.Length == 0 && co.Length == 0 && p.ZeroDiagonal.Length == 0, ro, co, p.ZeroDiagonal, !p.IsSquare);
    }

    /// <summary>P(Bin(n, p) ≤ k), summed exactly in log space (no incomplete-beta approximation).</summary>
    public static double BinomialCdf(int n, double p, int k)
    {
        if (n < 0) throw new ArgumentOutOfRangeException(nameof(n));
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"probability {p}");
        if (k < 0) return 0;
        if (k >= n) return 1;
        if (p == 0) return 1;
        if (p == 1) return 0;
        double lp = Math.Log(p), lq = Log1MinusP(p), s = 0;
        double lc = 0; // ln C(n, j), updated incrementally
        for (int j = 0; j <= k; j++)
        {
            if (j > 0) lc += Math.Log(n - j + 1) - Math.Log(j);
            s += Math.Exp(lc + j * lp + (n - j) * lq);
        }
        return Math.Min(1.0, s);
    }

    /// <summary>
    /// Exact P(max_i R_i ≤ k) for the row counts of a GUHA-ALG1 mask under Assumption 3.1 (GUHA-L5.1 exact alternative, DERIVED):
    /// rows are independent; a row with an exempt diagonal slot has R_i = 1 + Bin(cols − 1, χ), any other row R_i = Bin(cols, χ).
    /// <paramref name="linesWithDiagonal"/> is min(rows, cols) under <see cref="DiagonalPolicy.Keep"/> and 0 under <see cref="DiagonalPolicy.Prune"/>.
    /// For columns call with (cols, rows) swapped. Row and column maxima are not independent of each other.
    /// </summary>
    public static double MaxLineCountCdf(int lines, int lineLength, int linesWithDiagonal, double chi, int k)
    {
        if (lines <= 0 || lineLength <= 0 || linesWithDiagonal < 0 || linesWithDiagonal > Math.Min(lines, lineLength))
            throw new ArgumentException($"invalid shape: {lines} lines of length {lineLength}, {linesWithDiagonal} with a diagonal slot");
        double plain = BinomialCdf(lineLength, chi, k);
        double diag = BinomialCdf(lineLength - 1, chi, k - 1);
        // Powers in log space keep the product accurate when many rows each carry a tiny tail.
        double lg = (lines > linesWithDiagonal ? (lines - linesWithDiagonal) * SafeLog(plain) : 0)
                  + (linesWithDiagonal > 0 ? linesWithDiagonal * SafeLog(diag) : 0);
        return double.IsNegativeInfinity(lg) ? 0 : Math.Exp(lg);
    }

    /// <summary>P(max_i R_i = k) for k = 0..lineLength, from <see cref="MaxLineCountCdf"/>.</summary>
    public static double[] MaxLineCountPmf(int lines, int lineLength, int linesWithDiagonal, double chi)
    {
        var pmf = new double[lineLength + 1];
        double prev = 0;
        for (int k = 0; k <= lineLength; k++)
        {
            double c = MaxLineCountCdf(lines, lineLength, linesWithDiagonal, chi, k);
            pmf[k] = Math.Max(0, c - prev);
            prev = c;
        }
        return pmf;
    }

    /// <summary>
    /// Poisson-binomial law of Σ_j B_j with independent B_j ~ Bernoulli(p_j), by the exact O(n²) convolution DP
    /// (fine for widths up to a few thousand). For a fixed real row use p_j = 1 − e^{−W_ij²/(dΨ)} (<see cref="MagnitudePruning.KeepProbabilities"/>).
    /// </summary>
    public static double[] PoissonBinomialPmf(ReadOnlySpan<double> p)
    {
        var f = new double[p.Length + 1];
        f[0] = 1;
        for (int j = 0; j < p.Length; j++)
        {
            double pj = p[j];
            if (!(pj >= 0 && pj <= 1)) throw new ArgumentOutOfRangeException(nameof(p), $"probability {pj} at {j}");
            for (int c = j + 1; c >= 1; c--) f[c] = f[c] * (1 - pj) + f[c - 1] * pj;
            f[0] *= 1 - pj;
        }
        return f;
    }

    /// <summary>P(Σ B_j ≤ k) for independent Bernoulli(p_j).</summary>
    public static double PoissonBinomialCdf(ReadOnlySpan<double> p, int k)
    {
        if (k < 0) return 0;
        var f = PoissonBinomialPmf(p);
        double s = 0;
        for (int c = 0; c <= Math.Min(k, p.Length); c++) s += f[c];
        return Math.Min(1.0, s);
    }

    /// <summary>P(max over rows of the row count ≤ k) for fixed weights: Π_i P(R_i ≤ k), rows independent given W (row-major keep probabilities).</summary>
    public static double MaxRowCountCdfFixedWeights(ReadOnlySpan<double> keepProbabilities, int rows, int cols, int k)
    {
        if (keepProbabilities.Length != (long)rows * cols) throw new ArgumentException("probabilities do not match the shape");
        double lg = 0;
        for (int i = 0; i < rows; i++) lg += SafeLog(PoissonBinomialCdf(keepProbabilities.Slice(i * cols, cols), k));
        return double.IsNegativeInfinity(lg) ? 0 : Math.Exp(lg);
    }

    /// <summary>
    /// Explicit balls-into-bins tail (replacement for GUHA-LE.1, DERIVED): n bins, <paramref name="balls"/> balls thrown uniformly,
    /// μ = balls/n; Bernstein for each Bin(balls, 1/n) load plus a union bound: P(max X ≥ μ + t) ≤ n·exp(−t²/(2μ + 2t/3)).
    /// </summary>
    public static double BallsIntoBinsTail(int bins, double balls, double t)
    {
        if (bins <= 0 || balls < 0 || t < 0) throw new ArgumentOutOfRangeException(nameof(bins));
        double mu = balls / bins;
        return t == 0 ? Math.Min(1.0, bins) : Math.Min(1.0, bins * Math.Exp(-t * t / (2 * mu + 2 * t / 3)));
    }

    /// <summary>
    /// The deviation t with n·exp(−t²/(2μ + 2t/3)) = δ: with L = ln(n/δ), t² − (2L/3)t − 2μL = 0, so t = L/3 + √(L²/9 + 2μL).
    /// Then P(max X ≥ μ + t) ≤ δ.
    /// </summary>
    public static double BallsIntoBinsDeviation(int bins, double balls, double delta)
    {
        if (bins <= 0 || balls < 0 || !(delta > 0 && delta < 1)) throw new ArgumentOutOfRangeException(nameof(delta));
        double mu = balls / bins, l = Math.Log(bins / delta);
        return l / 3 + Math.Sqrt(l * l / 9 + 2 * mu * l);
    }

    // ln(1 − p) without cancellation for tiny p (the BCL has no accurate log1p).
    private static double Log1MinusP(double p) => p < 1e-4 ? -p * (1 + p * (0.5 + p * (1.0 / 3 + p / 4))) : Math.Log(1 - p);

    private static double SafeLog(double x) => x <= 0 ? double.NegativeInfinity : Math.Log(x);
}
