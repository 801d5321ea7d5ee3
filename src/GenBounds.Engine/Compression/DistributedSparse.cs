using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>Synthetic (j, j)-distributed-sparse matrices (GUHA-D5.1) for the sketching experiments.</summary>
public static class DistributedSparse
{
    /// <summary>
    /// A rows×cols row-major matrix with a non-zero diagonal (its min(rows, cols) slots) and at most <paramref name="j"/>
    /// non-zeros in every row and column: the diagonal plus j − 1 random partial matchings (a uniform permutation of the rows
    /// paired with one of the columns), positions that two matchings share counted once. Values are ±U[0.5, 1.5], bounded away
    /// from 0 so every placed entry is a genuine non-zero at any solver tolerance.
    /// </summary>
    public static double[] Sample(int rows, int cols, int j, Rng rng)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"dimensions must be positive (got {rows}×{cols})");
        if (j < 1) throw new ArgumentOutOfRangeException(nameof(j), $"j must be at least 1 (the diagonal) (got {j})");
        var x = new double[(long)rows * cols];
        int m = Math.Min(rows, cols);
        for (int i = 0; i < m; i++) x[(long)i * cols + i] = Value(rng);
        for (int round = 1; round < j; round++)
        {
            var pr = rng.Permutation(rows);
            var pc = rng.Permutation(cols);
            for (int t = 0; t < m; t++)
            {
                long idx = (long)pr[t] * cols + pc[t];
                if (x[idx] == 0) x[idx] = Value(rng);
            }
        }
        return x;
    }

    /// <summary>max(j_r, j_c): the largest number of non-zeros in any row or column.</summary>
    public static int MaxLineCount(ReadOnlySpan<double> x, int rows, int cols)
    {
        if (x.Length != (long)rows * cols) throw new ArgumentException($"buffer of {x.Length} entries does not match {rows}×{cols}");
        var cc = new int[cols];
        int best = 0;
        for (int i = 0; i < rows; i++)
        {
            int rc = 0;
            for (int k = 0; k < cols; k++)
                if (x[i * cols + k] != 0) { rc++; cc[k]++; }
            best = Math.Max(best, rc);
        }
        return Math.Max(best, cc.Length == 0 ? 0 : cc.Max());
    }

    private static double Value(Rng rng)
    {
        double v = 0.5 + rng.NextDouble();
        return rng.NextDouble() < 0.5 ? -v : v;
    }
}
