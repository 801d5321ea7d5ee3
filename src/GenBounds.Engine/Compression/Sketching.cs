using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>Which side of the bipartite graph has the fixed degree δ_s (GUHA-DE.1 gives two non-equivalent readings).</summary>
public enum BipartiteConvention
{
    /// <summary>The paper's description: each of the s left (sketch) nodes has δ_s neighbours among the p right nodes, so every row of A has δ_s ones.</summary>
    LeftRegular,
    /// <summary>The expander convention believed to be Dasarathy et al.'s: each of the p right nodes has δ_s neighbours among the s left nodes, so every column of A has δ_s ones.</summary>
    RightRegular,
}

/// <summary>A biadjacency matrix A ∈ {0,1}^{s×p} of a δ-random bipartite graph, stored by its edges.</summary>
/// <param name="Rows">s (sketch side).</param>
/// <param name="Cols">p (matrix side).</param>
/// <param name="Degree">δ_s.</param>
/// <param name="Convention">Which side is δ_s-regular.</param>
/// <param name="Neighbours">For <see cref="BipartiteConvention.LeftRegular"/> the column indices of each row; otherwise the row indices of each column (sorted).</param>
public sealed record BipartiteMatrix(int Rows, int Cols, int Degree, BipartiteConvention Convention, int[][] Neighbours)
{
    /// <summary>Row-major dense 0/1 copy.</summary>
    public double[] ToDense()
    {
        var a = new double[(long)Rows * Cols];
        for (int x = 0; x < Neighbours.Length; x++)
            foreach (int y in Neighbours[x])
                a[Convention == BipartiteConvention.LeftRegular ? x * Cols + y : y * Cols + x] = 1;
        return a;
    }
}

/// <summary>
/// Sparse-matrix sketching pieces for GUHA-T5.1 (Dasarathy et al. 2013): the δ-random bipartite ensemble of GUHA-DE.1 and the
/// sketch Y = A·X·Bᵀ. The recovery program (GUHA-EQ1) is not here.
/// </summary>
public static class Sketching
{
    /// <summary>
    /// Draws A from the δ_s-random bipartite ensemble (GUHA-DE.1): every node of the regular side picks exactly δ_s distinct neighbours,
    /// uniformly among all δ_s-subsets (Floyd's algorithm), independently of the other nodes. The paper says "at most δ_s"; exactly δ_s is
    /// the standard ensemble and is what is drawn here. Which convention matches Dasarathy et al. is UNVERIFIED in the catalog, so record
    /// <paramref name="convention"/> with every experiment.
    /// </summary>
    public static BipartiteMatrix SampleBipartite(int s, int p, int degree, BipartiteConvention convention, Rng rng)
    {
        if (s <= 0 || p <= 0) throw new ArgumentOutOfRangeException(nameof(s), "s and p must be positive");
        int nodes = convention == BipartiteConvention.LeftRegular ? s : p, other = convention == BipartiteConvention.LeftRegular ? p : s;
        if (degree <= 0 || degree > other) throw new ArgumentOutOfRangeException(nameof(degree), $"degree {degree} must be in 1..{other}");
        var nb = new int[nodes][];
        var chosen = new HashSet<int>();
        for (int x = 0; x < nodes; x++)
        {
            chosen.Clear();
            for (int j = other - degree; j < other; j++)
            {
                int t = rng.NextInt(j + 1);
                chosen.Add(chosen.Contains(t) ? j : t);
            }
            var arr = chosen.ToArray();
            Array.Sort(arr);
            nb[x] = arr;
        }
        return new BipartiteMatrix(s, p, degree, convention, nb);
    }

    /// <summary>Y = A·X·Bᵀ (A s_a×p_r, X p_r×p_c row-major, B s_b×p_c), two GEMMs through the provider; Y is s_a×s_b.</summary>
    public static double[] Sketch(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> x, ILinearAlgebraProvider? provider = null)
    {
        provider ??= LinearAlgebraProviders.Default;
        int pr = a.Cols, pc = b.Cols;
        GemmArgs.ValidateMatrix(nameof(x), pr, pc, x.Length);
        var ad = a.ToDense();
        var bd = b.ToDense();
        var ax = new double[(long)a.Rows * pc];
        provider.Gemm(Transpose.No, Transpose.No, a.Rows, pc, pr, 1.0, ad, pr, x, pc, 0.0, ax, pc);
        var y = new double[(long)a.Rows * b.Rows];
        provider.Gemm(Transpose.No, Transpose.Yes, a.Rows, b.Rows, pc, 1.0, ax, pc, bd, pc, 0.0, y, b.Rows);
        return y;
    }
}
