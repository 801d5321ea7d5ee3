using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>
/// Which side of the bipartite graph of GUHA-DE.1 has the fixed degree δ_s. The catalog marks the match with Dasarathy et al.
/// (2013) UNVERIFIED; the two readings are not equivalent.
/// </summary>
public enum BipartiteConvention
{
    /// <summary>
    /// The paper's description (GUHA-DE.1 as the catalog reads it): each of the s left (sketch) nodes has δ_s neighbours among the
    /// p matrix-side nodes, so every row of A has δ_s ones. With s·δ_s &lt; p some column of A is empty, the matching row of X never
    /// enters the sketch, and no matrix with a non-zero diagonal (GUHA-D5.1) can be recovered: at the theorem's sizes
    /// s = O(√(jp) log p), δ_s = O(log p) this happens for every large p. See <see cref="BipartiteMatrix.EmptyColumns"/>.
    /// </summary>
    LeftRegular,
    /// <summary>
    /// The expander / compressed-sensing convention (Berinde, Gilbert, Indyk, Karloff, Strauss 2008; our reading of Dasarathy et
    /// al., whose definition text we could not consult, hence still UNVERIFIED): each of the p matrix-side nodes has δ_s
    /// neighbours among the s sketch nodes, so every column of A has δ_s ones and no column is empty. The default here.
    /// </summary>
    RightRegular,
}

/// <summary>
/// A biadjacency matrix A ∈ {0,1}^{s×p} of a δ-random bipartite graph, stored by its edges. Validated on construction: every
/// neighbour list of the regular side has exactly <see cref="Degree"/> distinct, sorted, in-range entries.
/// </summary>
public sealed class BipartiteMatrix
{
    private readonly int[][] _neighbours;
    private int[][]? _columnRows;

    /// <summary>Creates the matrix from the neighbour lists of its regular side (rows for LeftRegular, columns for RightRegular).</summary>
    public BipartiteMatrix(int rows, int cols, int degree, BipartiteConvention convention, IReadOnlyList<int[]> neighbours)
    {
        if (rows <= 0 || cols <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"a sketching matrix needs positive dimensions (got {rows}×{cols})");
        int nodes = convention == BipartiteConvention.LeftRegular ? rows : cols, other = convention == BipartiteConvention.LeftRegular ? cols : rows;
        if (degree <= 0 || degree > other) throw new ArgumentOutOfRangeException(nameof(degree), $"degree {degree} must be in 1..{other}");
        if (neighbours.Count != nodes) throw new ArgumentException($"{neighbours.Count} neighbour lists for {nodes} nodes");
        _neighbours = new int[nodes][];
        for (int x = 0; x < nodes; x++)
        {
            var nb = neighbours[x];
            if (nb.Length != degree) throw new ArgumentException($"node {x} has {nb.Length} neighbours, the degree is {degree}");
            for (int k = 0; k < nb.Length; k++)
                if (nb[k] < 0 || nb[k] >= other || (k > 0 && nb[k] <= nb[k - 1]))
                    throw new ArgumentException($"neighbours of node {x} must be distinct, sorted and in 0..{other - 1}");
            _neighbours[x] = (int[])nb.Clone();
        }
        Rows = rows; Cols = cols; Degree = degree; Convention = convention;
    }

    /// <summary>s (sketch side).</summary>
    public int Rows { get; }
    /// <summary>p (matrix side).</summary>
    public int Cols { get; }
    /// <summary>δ_s.</summary>
    public int Degree { get; }
    /// <summary>Which side is δ_s-regular.</summary>
    public BipartiteConvention Convention { get; }
    /// <summary>Neighbour lists of the regular side: column indices of each row (LeftRegular) or row indices of each column (RightRegular).</summary>
    public IReadOnlyList<int[]> Neighbours => _neighbours;

    /// <summary>For every column j of A, the sorted rows a with A[a, j] = 1 (what the ℓ1 program's constraint matrix is built from).</summary>
    public IReadOnlyList<int[]> ColumnRows => _columnRows ??= BuildColumnRows();

    /// <summary>Number of all-zero columns: the matching coordinates of x never reach the sketch (always 0 for RightRegular).</summary>
    public int EmptyColumns => ColumnRows.Count(c => c.Length == 0);

    /// <summary>Row-major dense 0/1 copy (s×p).</summary>
    public double[] ToDense()
    {
        var a = new double[(long)Rows * Cols];
        for (int x = 0; x < _neighbours.Length; x++)
            foreach (int y in _neighbours[x])
                a[Convention == BipartiteConvention.LeftRegular ? (long)x * Cols + y : (long)y * Cols + x] = 1;
        return a;
    }

    private int[][] BuildColumnRows()
    {
        if (Convention == BipartiteConvention.RightRegular) return _neighbours;
        var lists = Enumerable.Range(0, Cols).Select(_ => new List<int>()).ToArray();
        for (int a = 0; a < Rows; a++)
            foreach (int j in _neighbours[a]) lists[j].Add(a);   // rows visited in increasing order, so each list is sorted
        return lists.Select(l => l.ToArray()).ToArray();
    }
}

/// <summary>Sketch sides of GUHA-T5.1: s = ⌈c_s·√(j·p)·ln p⌉ and δ_s = ⌈c_δ·ln p⌉ (the theorem's O(·) with explicit constants).</summary>
public static class SketchSizing
{
    /// <summary>s = max(1, ⌈c_s·√(j·p)·ln p⌉) for a side of length p with at most j non-zeros per row and column.</summary>
    public static int Side(double cs, int j, int p)
    {
        if (!(cs > 0) || double.IsInfinity(cs)) throw new ArgumentOutOfRangeException(nameof(cs), $"c_s must be positive (got {cs})");
        if (j < 0 || p <= 0) throw new ArgumentOutOfRangeException(nameof(p), $"need j ≥ 0 and p > 0 (got j = {j}, p = {p})");
        double s = Math.Ceiling(cs * Math.Sqrt((double)Math.Max(j, 1) * p) * Math.Log(Math.Max(p, 2)));
        if (s > int.MaxValue / 4) throw new ArgumentOutOfRangeException(nameof(cs), $"sketch side {s} is too large");
        return Math.Max(1, (int)s);
    }

    /// <summary>δ_s = ⌈c_δ·ln p⌉, clamped to 1..s (a column cannot have more distinct neighbours than there are sketch rows).</summary>
    public static int Degree(double cDelta, int p, int s)
    {
        if (!(cDelta > 0) || double.IsInfinity(cDelta)) throw new ArgumentOutOfRangeException(nameof(cDelta), $"c_δ must be positive (got {cDelta})");
        if (p <= 0 || s <= 0) throw new ArgumentOutOfRangeException(nameof(p));
        return Math.Clamp((int)Math.Ceiling(cDelta * Math.Log(Math.Max(p, 2))), 1, s);
    }
}

/// <summary>
/// Sparse-matrix sketching for GUHA-T5.1 (Dasarathy, Shah, Bhaskar, Nowak 2013): the δ-random bipartite ensemble of GUHA-DE.1
/// and the sketch Y = A·X·Bᵀ. Recovery (GUHA-EQ1) is in <see cref="L1Recovery"/>.
/// </summary>
/// <remarks>
/// Rectangular layers (the paper is silent): X is h_out×h_in and is sketched without padding by A ∈ {0,1}^{s_r×h_out} and
/// B ∈ {0,1}^{s_c×h_in}. Padding X to p×p, p = max(h_out, h_in), would add rows or columns that are known to be zero but that the
/// ℓ1 program would have to rediscover, and their zero diagonal breaks GUHA-D5.1; the shape is part of the architecture, fixed
/// before the data, so it costs nothing to use. Under <see cref="BipartiteConvention.RightRegular"/> the restriction of a p-column
/// draw to its first h columns has exactly the law of an h-column draw, so the unpadded sketch is what the padded scheme
/// measures of the non-padded entries.
/// </remarks>
public static class Sketching
{
    /// <summary>
    /// Draws A from the δ_s-random bipartite ensemble (GUHA-DE.1): every node of the regular side picks exactly δ_s distinct
    /// neighbours, uniformly among all δ_s-subsets (Floyd's algorithm), independently of the other nodes. The paper says "at most
    /// δ_s"; exactly δ_s is the standard ensemble and is what is drawn here. Record <paramref name="convention"/> with every
    /// experiment (the catalog marks the convention UNVERIFIED).
    /// </summary>
    public static BipartiteMatrix SampleBipartite(int s, int p, int degree, BipartiteConvention convention, Rng rng)
    {
        if (s <= 0 || p <= 0) throw new ArgumentOutOfRangeException(s <= 0 ? nameof(s) : nameof(p), $"s and p must be positive (got s = {s}, p = {p})");
        int nodes = convention == BipartiteConvention.LeftRegular ? s : p, other = convention == BipartiteConvention.LeftRegular ? p : s;
        if (degree <= 0 || degree > other) throw new ArgumentOutOfRangeException(nameof(degree), $"degree {degree} must be in 1..{other}");
        var nb = new int[nodes][];
        var chosen = new HashSet<int>();
        for (int x = 0; x < nodes; x++)
        {
            chosen.Clear();
            // Floyd: after the step for j, `chosen` is a uniform (j + 1 − (other − degree))-subset of 0..j.
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

    /// <summary>Y = A·X·Bᵀ (A s_r×h_out, X h_out×h_in row-major, B s_c×h_in), two GEMMs through the provider; Y is s_r×s_c row-major.</summary>
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

    /// <summary>
    /// Y = A·X·Bᵀ from the edges of A and B in two sparse steps: T = A·X (every non-zero X_ij added to the δ_A rows a
    /// with A[a, i] = 1), then row by row Y_a = T_a·Bᵀ (every non-zero T_aj added to the δ_B entries b with B[b, j] = 1).
    /// O(nnz(X)·δ_A + nnz(T)·δ_B) instead of two dense GEMMs, and the writes of the second step stay within one row of Y;
    /// the fast path for sparse layers (equal to
    /// <see cref="Sketch(BipartiteMatrix, BipartiteMatrix, ReadOnlySpan{double}, ILinearAlgebraProvider?)"/> up to the
    /// order of floating-point additions, exactly equal when X lies on a grid step·ℤ of moderate range).
    /// </summary>
    public static double[] SketchSparse(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> x)
    {
        var y = new double[(long)a.Rows * b.Rows];
        SketchRows(a, b, x, (ar, row) => row.CopyTo(y.AsSpan((int)((long)ar * row.Length), row.Length)));
        return y;
    }

    /// <summary>max |Y_ab| of Y = A·X·Bᵀ (<see cref="SketchSparse"/>) without holding Y: one row at a time.</summary>
    public static double SketchMaxAbs(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> x)
    {
        double max = 0;
        SketchRows(a, b, x, (_, row) => max = Math.Max(max, Math.Abs(TensorPrimitives.MaxMagnitude<double>(row))));
        return max;
    }

    private delegate void RowAction(int row, ReadOnlySpan<double> values);

    /// <summary>The rows Y_a of A·X·Bᵀ in order, each valid only during its call.</summary>
    private static void SketchRows(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> x, RowAction onRow)
    {
        int pr = a.Cols, pc = b.Cols, sc = b.Rows, sa = a.Rows;
        GemmArgs.ValidateMatrix(nameof(x), pr, pc, x.Length);
        var ca = a.ColumnRows; var cb = b.ColumnRows;
        var t = new double[(long)sa * pc];
        for (int i = 0; i < pr; i++)
        {
            var rowsA = ca[i];
            for (int j = 0; j < pc; j++)
            {
                double v = x[i * pc + j];
                if (v == 0) continue;
                foreach (int ar in rowsA) t[(long)ar * pc + j] += v;
            }
        }
        var yr = new double[sc];
        for (int ar = 0; ar < sa; ar++)
        {
            Array.Clear(yr);
            long off = (long)ar * pc;
            for (int j = 0; j < pc; j++)
            {
                double v = t[off + j];
                if (v == 0) continue;
                foreach (int br in cb[j]) yr[br] += v;
            }
            onRow(ar, yr);
        }
    }

    /// <summary>Y = A·X·Bᵀ of a float32 weight matrix (widened to double first).</summary>
    public static double[] Sketch(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<float> x, ILinearAlgebraProvider? provider = null)
    {
        var xd = new double[x.Length];
        for (int i = 0; i < x.Length; i++) xd[i] = x[i];
        return Sketch(a, b, xd, provider);
    }
}
