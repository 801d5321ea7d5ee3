using System.Diagnostics;
using Google.OrTools.LinearSolver;

namespace GenBounds.Compression;

/// <summary>Outcome of one linear program.</summary>
public enum LpStatus
{
    /// <summary>GLOP proved optimality within its tolerances.</summary>
    Optimal,
    /// <summary>The equality system has no solution (a sketch that no matrix produces, e.g. after rounding the sketch).</summary>
    Infeasible,
    /// <summary>Any other GLOP outcome (unbounded, abnormal, not solved); treated as a recovery failure.</summary>
    Failed,
}

/// <summary>
/// min ‖x‖₁ subject to M·x = y for a fixed 0/1 matrix M (the basis-pursuit form of GUHA-EQ1), as the linear program
/// min Σ(u_i + v_i) s.t. M(u − v) = y, u, v ≥ 0, solved by Google OR-Tools' GLOP (dual simplex). Successive calls change only
/// the right-hand side, so GLOP restarts from the previous optimal basis, which stays dual feasible; this warm start is what
/// makes column-by-column recovery affordable. Not thread-safe: use one instance per thread.
/// </summary>
public sealed class GlopL1Solver : IDisposable
{
    // Presolve would rebuild the problem on every call and lose the basis; dual simplex is the right restart after an RHS change.
    private const string GlopParameters = "use_preprocessing:false, use_dual_simplex:true";
    private readonly Solver _solver;
    private readonly Variable[] _u, _v;
    private readonly Constraint[] _rows;

    /// <summary>Builds the program for the rows×columns 0/1 matrix whose column j has ones at <paramref name="columnRows"/>[j].</summary>
    /// <exception cref="InvalidOperationException">GLOP could not be created (native library missing).</exception>
    public GlopL1Solver(int rows, IReadOnlyList<int[]> columnRows)
    {
        if (rows <= 0) throw new ArgumentOutOfRangeException(nameof(rows), $"the program needs at least one equality (got {rows})");
        _solver = CreateGlop();
        int n = columnRows.Count;
        _u = new Variable[n]; _v = new Variable[n];
        _rows = new Constraint[rows];
        for (int a = 0; a < rows; a++) _rows[a] = _solver.MakeConstraint(0, 0, "");
        var obj = _solver.Objective();
        for (int j = 0; j < n; j++)
        {
            _u[j] = _solver.MakeNumVar(0, double.PositiveInfinity, "");
            _v[j] = _solver.MakeNumVar(0, double.PositiveInfinity, "");
            foreach (int a in columnRows[j])
            {
                if (a < 0 || a >= rows) throw new ArgumentException($"column {j} has a one in row {a}, outside 0..{rows - 1}");
                _rows[a].SetCoefficient(_u[j], 1);
                _rows[a].SetCoefficient(_v[j], -1);
            }
            obj.SetCoefficient(_u[j], 1);
            obj.SetCoefficient(_v[j], 1);
        }
        obj.SetMinimization();
    }

    /// <summary>Number of unknowns (columns of M).</summary>
    public int Unknowns => _u.Length;
    /// <summary>Number of equalities (rows of M).</summary>
    public int Equalities => _rows.Length;
    /// <summary>Simplex iterations of the last call.</summary>
    public long LastIterations { get; private set; }

    /// <summary>Solves for the right-hand side <paramref name="y"/> and writes the minimiser into <paramref name="x"/> (zeros unless Optimal).</summary>
    public LpStatus Solve(ReadOnlySpan<double> y, Span<double> x)
    {
        if (y.Length != _rows.Length) throw new ArgumentException($"right-hand side has {y.Length} entries, the program {_rows.Length} equalities");
        if (x.Length != _u.Length) throw new ArgumentException($"solution buffer has {x.Length} entries, the program {_u.Length} unknowns");
        for (int a = 0; a < y.Length; a++)
        {
            if (!double.IsFinite(y[a])) throw new ArgumentException($"right-hand side entry {a} is {y[a]}");
            _rows[a].SetBounds(y[a], y[a]);
        }
        var status = _solver.Solve();
        LastIterations = _solver.Iterations();
        if (status != Solver.ResultStatus.OPTIMAL)
        {
            x.Clear();
            return status == Solver.ResultStatus.INFEASIBLE ? LpStatus.Infeasible : LpStatus.Failed;
        }
        for (int j = 0; j < x.Length; j++) x[j] = _u[j].SolutionValue() - _v[j].SolutionValue();
        return LpStatus.Optimal;
    }

    /// <summary>Releases the native solver.</summary>
    public void Dispose() => _solver.Dispose();

    /// <summary>A GLOP instance with the warm-start parameters, or a clear error when OR-Tools' native library cannot be used.</summary>
    internal static Solver CreateGlop()
    {
        Solver? s;
        try { s = Solver.CreateSolver("GLOP"); }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or BadImageFormatException)
        {
            throw new InvalidOperationException($"Google OR-Tools (GLOP) could not be loaded on this machine: {e.Message}", e);
        }
        if (s is null) throw new InvalidOperationException("Google OR-Tools does not provide the GLOP solver in this build");
        if (!s.SetSolverSpecificParametersAsString(GlopParameters))
        {
            s.Dispose();
            throw new InvalidOperationException($"GLOP rejected its parameters '{GlopParameters}'");
        }
        return s;
    }
}

/// <summary>Result of recovering X from Y = A·X·Bᵀ.</summary>
/// <param name="X">The recovered h_out×h_in matrix, row-major (zeros where a program failed).</param>
/// <param name="Rows">h_out.</param>
/// <param name="Cols">h_in.</param>
/// <param name="Programs">Linear programs solved.</param>
/// <param name="NotOptimal">Programs that did not end Optimal (each one already makes the recovery wrong).</param>
/// <param name="Iterations">Simplex iterations over all programs.</param>
/// <param name="Seconds">Wall time.</param>
public sealed record RecoveryResult(double[] X, int Rows, int Cols, int Programs, int NotOptimal, long Iterations, double Seconds)
{
    /// <summary>Stages (0–2) whose matrix was injective and were solved by the pseudo-inverse instead of linear programs.</summary>
    public int InjectiveStages { get; init; }

    /// <summary>max_ij |X̂_ij − X_ij| against the true matrix.</summary>
    public double MaxAbsError(ReadOnlySpan<double> truth)
    {
        if (truth.Length != X.Length) throw new ArgumentException($"truth has {truth.Length} entries, the recovery {X.Length}");
        double e = 0;
        for (int i = 0; i < X.Length; i++) e = Math.Max(e, Math.Abs(X[i] - truth[i]));
        return e;
    }

    /// <summary>max|X̂ − X| / max|X| (max|X̂ − X| when X = 0): the error the exactness criterion is stated in.</summary>
    public double RelativeError(ReadOnlySpan<double> truth)
    {
        double scale = 0;
        foreach (var v in truth) scale = Math.Max(scale, Math.Abs(v));
        double e = MaxAbsError(truth);
        return scale == 0 ? e : e / scale;
    }
}

/// <summary>
/// Recovery of a sketched sparse matrix by ℓ1 minimisation (GUHA-EQ1: X̂ = argmin ‖X′‖₁ s.t. A·X′·Bᵀ = Y), with GLOP.
/// </summary>
/// <remarks>
/// <para><b>Two-stage decoder (the fast path).</b> Y = A·Z with Z = X·Bᵀ: first every column of Z is recovered from the matching
/// column of Y by min ‖z‖₁ s.t. A·z = y (s_c programs with h_out unknowns), then every row of X from the matching row of Z by
/// min ‖x‖₁ s.t. B·x = z (h_out programs with h_in unknowns), instead of one program over all h_out·h_in unknowns. A column of Z
/// sums about h_in·δ/s_c columns of X, so it is sparse only while the sketch is large against j·h_in·δ/s_c — the regime of
/// GUHA-T5.1. The decoders are not equivalent: two-stage success needs both stages' ℓ1 minimisers to be unique and exact,
/// which is a property of this decoder, not a statement about the joint program. <see cref="RecoverJoint"/> is the joint
/// program, kept as the reference for small sizes.</para>
/// <para><b>Injective stages.</b> When a stage's matrix M (s×n) has full column rank — possible only for s ≥ n, i.e. when that
/// side of the sketch is at least as long as the matrix side — the feasible set {x : M·x = y} of the program is the single
/// point M⁺y, so the stage returns M⁺y (one eigendecomposition of MᵀM and one GEMM for all columns) instead of running s LPs
/// to the same point, when M is also well conditioned (λ_min(MᵀM) &gt; <see cref="RankTolerance"/>·λ_max). This is the regime of dense layers, where
/// s = c_s·√(j·p)·ln p exceeds p (a 10%-dense 1000×1000 layer needs s ≈ 2,600 at c_s = 1), and it is reported in
/// <see cref="RecoveryResult.InjectiveStages"/>; it says nothing about ℓ1 recovery, which only matters for s &lt; p.</para>
/// <para><b>Determinism.</b> Stage work is cut into fixed chunks of <see cref="ChunkSize"/> columns or rows; each chunk gets its
/// own solver and is solved in order with warm starts, so the result depends only on the input, never on the thread count.</para>
/// </remarks>
public static class L1Recovery
{
    /// <summary>Columns (rows) of one stage handled by one warm-started solver.</summary>
    public const int ChunkSize = 64;

    /// <summary>
    /// A stage matrix takes the pseudo-inverse route when λ_min(MᵀM) &gt; RankTolerance·λ_max(MᵀM), i.e. it is injective with
    /// condition number below 10³ (the normal equations then lose at most 10⁻¹⁰ relative accuracy); otherwise its LPs run.
    /// </summary>
    public const double RankTolerance = 1e-6;

    /// <summary>Two-stage ℓ1 recovery of X (h_out×h_in) from Y (s_r×s_c row-major) with A (s_r×h_out) and B (s_c×h_in).</summary>
    /// <param name="a">A (s_r×h_out).</param>
    /// <param name="b">B (s_c×h_in).</param>
    /// <param name="y">Y (s_r×s_c, row-major).</param>
    /// <param name="threads">Parallel solvers (the result does not depend on it).</param>
    /// <param name="injectiveShortcut">Solve injective stages by the pseudo-inverse (the program's only feasible point) instead of LPs.</param>
    public static RecoveryResult RecoverTwoStage(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> y, int threads = 1, bool injectiveShortcut = true)
        => RecoverTwoStageCore(a, b, y.ToArray(), threads, truth: null, tolerance: 0, injectiveShortcut).Result;

    /// <summary>
    /// Runs the two-stage decoder on the sketch of a known <paramref name="truth"/> and reports whether it returns X within
    /// <paramref name="relativeTolerance"/>·max|X|. It stops at the first column of Z or row of X whose program misses its true
    /// value (Z = X·Bᵀ is known here): a wrong column of Z makes some row of X infeasible for stage two, so the final X̂ cannot
    /// be X, and the early stop only saves time in Monte Carlo runs. <see cref="RecoveryResult.X"/> is complete only when the
    /// recovery succeeded.
    /// </summary>
    public static (bool Exact, RecoveryResult Result) TryRecoverExactly(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> truth,
        double relativeTolerance = 1e-6, int threads = 1, bool injectiveShortcut = true)
    {
        if (!(relativeTolerance > 0)) throw new ArgumentOutOfRangeException(nameof(relativeTolerance));
        var y = Sketching.SketchSparse(a, b, truth);
        var (r, exact) = RecoverTwoStageCore(a, b, y, threads, truth.ToArray(), relativeTolerance, injectiveShortcut);
        return (exact && r.RelativeError(truth) <= relativeTolerance, r);
    }

    private static (RecoveryResult Result, bool Exact) RecoverTwoStageCore(BipartiteMatrix a, BipartiteMatrix b, double[] y, int threads,
        double[]? truth, double tolerance, bool injectiveShortcut)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), "threads must be at least 1");
        int sr = a.Rows, sc = b.Rows, rows = a.Cols, cols = b.Cols;
        if (y.Length != (long)sr * sc) throw new ArgumentException($"sketch has {y.Length} entries, A and B give {sr}×{sc}");
        var sw = Stopwatch.StartNew();
        double scale = 0;
        double[]? zTrue = null;
        if (truth is not null)
        {
            if (truth.Length != (long)rows * cols) throw new ArgumentException($"truth has {truth.Length} entries, A and B give {rows}×{cols}");
            foreach (var v in truth) scale = Math.Max(scale, Math.Abs(v));
            zTrue = ZTranspose(truth, rows, cols, b);
        }
        double absTol = tolerance * (scale == 0 ? 1 : scale);
        int abort = 0;                                  // set to 1 by the first inexact program in a checked run
        int programs = 0, notOptimal = 0; long iterations = 0;
        object gate = new();

        var pinvA = injectiveShortcut ? PseudoInverseIfInjective(a) : null;
        var pinvB = injectiveShortcut ? PseudoInverseIfInjective(b) : null;
        int injective = (pinvA is null ? 0 : 1) + (pinvB is null ? 0 : 1);

        // Stage 1: Zᵀ (s_c×h_out, row k = column k of Z) from the columns of Y.
        var zt = new double[(long)sc * rows];
        if (pinvA is not null)
        {
            // Zᵀ = (A⁺·Y)ᵀ = Yᵀ·A⁺ᵀ: (s_c×s_r)·(s_r×h_out).
            LinearAlgebra.LinearAlgebraProviders.Default.Gemm(LinearAlgebra.Transpose.Yes, LinearAlgebra.Transpose.Yes, sc, rows, sr, 1.0, y, sc, pinvA, sr, 0.0, zt, rows);
            if (zTrue is not null && MaxDiff(zt, zTrue) > absTol) abort = 1;
        }
        else RunChunks(sc, threads, (start, end) =>
        {
            using var solver = new GlopL1Solver(sr, a.ColumnRows);
            var rhs = new double[sr];
            int progs = 0, bad = 0; long its = 0;
            for (int k = start; k < end && Volatile.Read(ref abort) == 0; k++)
            {
                for (int r = 0; r < sr; r++) rhs[r] = y[(long)r * sc + k];
                var dst = zt.AsSpan(k * rows, rows);
                var st = solver.Solve(rhs, dst);
                progs++; its += solver.LastIterations;
                if (st != LpStatus.Optimal) bad++;
                if (zTrue is not null && (st != LpStatus.Optimal || MaxDiff(dst, zTrue.AsSpan(k * rows, rows)) > absTol)) Volatile.Write(ref abort, 1);
            }
            lock (gate) { programs += progs; notOptimal += bad; iterations += its; }
        });

        // Stage 2: rows of X from the rows of Z (row i of Z is column i of Zᵀ).
        var x = new double[(long)rows * cols];
        if (Volatile.Read(ref abort) == 0 && pinvB is not null)
        {
            // X = Z·B⁺ᵀ = (Zᵀ)ᵀ·B⁺ᵀ: (h_out×s_c)·(s_c×h_in).
            LinearAlgebra.LinearAlgebraProviders.Default.Gemm(LinearAlgebra.Transpose.Yes, LinearAlgebra.Transpose.Yes, rows, cols, sc, 1.0, zt, rows, pinvB, sc, 0.0, x, cols);
            if (truth is not null && MaxDiff(x, truth) > absTol) abort = 1;
        }
        else if (Volatile.Read(ref abort) == 0)
            RunChunks(rows, threads, (start, end) =>
            {
                using var solver = new GlopL1Solver(sc, b.ColumnRows);
                var rhs = new double[sc];
                int progs = 0, bad = 0; long its = 0;
                for (int i = start; i < end && Volatile.Read(ref abort) == 0; i++)
                {
                    for (int k = 0; k < sc; k++) rhs[k] = zt[(long)k * rows + i];
                    var dst = x.AsSpan(i * cols, cols);
                    var st = solver.Solve(rhs, dst);
                    progs++; its += solver.LastIterations;
                    if (st != LpStatus.Optimal) bad++;
                    if (truth is not null && (st != LpStatus.Optimal || MaxDiff(dst, truth.AsSpan(i * cols, cols)) > absTol)) Volatile.Write(ref abort, 1);
                }
                lock (gate) { programs += progs; notOptimal += bad; iterations += its; }
            });
        var result = new RecoveryResult(x, rows, cols, programs, notOptimal, iterations, sw.Elapsed.TotalSeconds) { InjectiveStages = injective };
        return (result, abort == 0 && notOptimal == 0);
    }

    /// <summary>
    /// The joint program over all h_out·h_in unknowns (GUHA-EQ1 literally): one LP with s_r·s_c equalities, where X_ij enters
    /// equality (a, b) iff A[a, i] = B[b, j] = 1. Quadratic in the layer size; the reference for small matrices only.
    /// </summary>
    public static RecoveryResult RecoverJoint(BipartiteMatrix a, BipartiteMatrix b, ReadOnlySpan<double> y, int maxUnknowns = 20_000)
    {
        int sr = a.Rows, sc = b.Rows, rows = a.Cols, cols = b.Cols;
        if (y.Length != (long)sr * sc) throw new ArgumentException($"sketch has {y.Length} entries, A and B give {sr}×{sc}");
        if ((long)rows * cols > maxUnknowns) throw new ArgumentException($"the joint program has {(long)rows * cols} unknowns, above the cap {maxUnknowns}; use RecoverTwoStage");
        var sw = Stopwatch.StartNew();
        var colRows = new int[rows * cols][];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                var ra = a.ColumnRows[i]; var rb = b.ColumnRows[j];
                var list = new int[ra.Length * rb.Length];
                int t = 0;
                foreach (int ar in ra) foreach (int br in rb) list[t++] = ar * sc + br;
                Array.Sort(list);
                colRows[i * cols + j] = list;
            }
        using var solver = new GlopL1Solver(sr * sc, colRows);
        var x = new double[(long)rows * cols];
        var st = solver.Solve(y, x);
        return new RecoveryResult(x, rows, cols, 1, st == LpStatus.Optimal ? 0 : 1, solver.LastIterations, sw.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// M⁺ = (MᵀM)⁻¹Mᵀ (n×s, row-major) of the s×n 0/1 matrix when it has full column rank, else null. MᵀM is formed exactly
    /// (its entries count the rows two columns share), eigendecomposed through the provider (LAPACK dsyevd), and declared
    /// invertible when λ_min &gt; <see cref="RankTolerance"/>·λ_max (σ_max/σ_min &lt; 10³). Squaring the condition number is
    /// harmless below that bound; tall sparse 0/1 sketches typically have σ_max/σ_min of order 10, and singular or badly
    /// conditioned ones (square sketches often are) are left to the linear programs.
    /// </summary>
    public static double[]? PseudoInverseIfInjective(BipartiteMatrix m)
    {
        int s = m.Rows, n = m.Cols;
        if (s < n || m.EmptyColumns > 0) return null;
        var colRows = m.ColumnRows;
        var rowCols = new List<int>[s];
        for (int a = 0; a < s; a++) rowCols[a] = new List<int>();
        for (int j = 0; j < n; j++) foreach (int a in colRows[j]) rowCols[a].Add(j);
        var g = new double[(long)n * n];
        foreach (var row in rowCols)
            foreach (int j in row)
                foreach (int k in row) g[(long)j * n + k] += 1;
        var la = LinearAlgebra.LinearAlgebraProviders.Default;
        var (values, vectors) = la.SymmetricEigen(g, n, vectors: true);   // ascending; eigenvector k in row k
        if (!(values[0] > RankTolerance * values[^1])) return null;
        var scaled = new double[(long)n * n];                              // diag(1/λ)·Vᵀ-rows
        for (int k = 0; k < n; k++)
            for (int j = 0; j < n; j++) scaled[(long)k * n + j] = vectors![(long)k * n + j] / values[k];
        var ginv = new double[(long)n * n];                                // (MᵀM)⁻¹ = Σ_k v_k v_kᵀ/λ_k
        la.Gemm(LinearAlgebra.Transpose.Yes, LinearAlgebra.Transpose.No, n, n, n, 1.0, vectors!, n, scaled, n, 0.0, ginv, n);
        var pinv = new double[(long)n * s];                                // column a of M⁺ = Σ_{j : M[a,j] = 1} column j of (MᵀM)⁻¹
        for (int i = 0; i < n; i++)
        {
            long gi = (long)i * n, pi = (long)i * s;
            for (int a = 0; a < s; a++)
            {
                double acc = 0;
                foreach (int j in rowCols[a]) acc += ginv[gi + j];
                pinv[pi + a] = acc;
            }
        }
        return pinv;
    }

    /// <summary>Zᵀ = (X·Bᵀ)ᵀ = B·Xᵀ, computed from B's edges in a fixed order (exact sums of X entries).</summary>
    private static double[] ZTranspose(double[] x, int rows, int cols, BipartiteMatrix b)
    {
        var zt = new double[(long)b.Rows * rows];
        var cr = b.ColumnRows;
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++)
            {
                double v = x[(long)i * cols + j];
                if (v == 0) continue;
                foreach (int k in cr[j]) zt[(long)k * rows + i] += v;
            }
        return zt;
    }

    private static double MaxDiff(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double e = 0;
        for (int i = 0; i < a.Length; i++) e = Math.Max(e, Math.Abs(a[i] - b[i]));
        return e;
    }

    private static void RunChunks(int count, int threads, Action<int, int> work)
    {
        int chunks = (count + ChunkSize - 1) / ChunkSize;
        if (threads == 1 || chunks == 1)
        {
            for (int c = 0; c < chunks; c++) work(c * ChunkSize, Math.Min(count, (c + 1) * ChunkSize));
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads },
            c => work(c * ChunkSize, Math.Min(count, (c + 1) * ChunkSize)));
    }
}
