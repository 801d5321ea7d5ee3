using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.Measures;

/// <summary>
/// Interlayer Jacobians J^{i,j} = ∂x^j/∂x^i of a sequential network at each sample's activation pattern (ReLU signs and
/// max-pooling choices of the clean trace), 1 ≤ i &lt; j ≤ d, through Jacobian–vector products only: J^{i,j} is never formed.
/// <para>
/// Exact Frobenius norms by structured probing. Row q of J^{i,j} (one entry of x^j) depends only on the receptive field of q,
/// a window of R×R' positions of x^i (all channels); rows of one channel whose windows are disjoint at level 1 have disjoint
/// supports at every level i ≥ 1. So the rows of x^j are split into classes — one channel, positions on a grid with spacing
/// ⌈R/S⌉ (S the cumulative stride) — and one vector–Jacobian product with the sum e_Q of a class's one-hot rows gives
/// Σ_{q∈Q} row_q, whose entrywise square is Σ_{q∈Q} row_q² exactly (disjoint supports). Summing over classes gives
/// ‖J^{i,j}‖_F² and, grouped by input location (a, b), every ‖[J^{i,j}]_{:,a,b,:,:,:}‖_F² of Definition 9 — exactly, for all
/// i &lt; j from one pass down from level j. Dense rows have the whole input as receptive field, so each is its own class.
/// </para>
/// </summary>
public static class NetworkJacobians
{
    private const int VectorBudget = 1 << 21;   // entries of one batch of probe vectors at the widest level

    /// <summary>
    /// The classes of rows of x^j used for exact probing down to level <paramref name="lowest"/>: each class is a list of
    /// positions of x^j (PyTorch order c·H·W + y·W + x) whose receptive fields in x^lowest are pairwise disjoint.
    /// </summary>
    public static IReadOnlyList<int[]> Colouring(DoubleNetwork net, int j, int lowest = 1)
    {
        if (lowest < 1 || j <= lowest || j > net.Depth) throw new ArgumentOutOfRangeException(nameof(j), $"need 1 ≤ lowest < j ≤ d, got ({lowest},{j})");
        var shape = net.XShape[j];
        var (gy, gx) = Spacing(net, j, lowest);
        var classes = new List<int[]>();
        int h = shape.Height, w = shape.Width, l = shape.Locations;
        for (int c = 0; c < shape.Channels; c++)
            for (int ay = 0; ay < gy; ay++)
                for (int ax = 0; ax < gx; ax++)
                {
                    var pos = new List<int>();
                    for (int y = ay; y < h; y += gy) for (int x = ax; x < w; x += gx) pos.Add(c * l + y * w + x);
                    classes.Add(pos.ToArray());
                }
        return classes;
    }

    /// <summary>Grid spacing (rows, columns) of one colour class of x^j relative to level <paramref name="lowest"/>; the full size when some module between them is dense or a flatten.</summary>
    public static (int Rows, int Columns) Spacing(DoubleNetwork net, int j, int lowest = 1)
    {
        var shape = net.XShape[j];
        if (shape.IsVector) return (1, 1);
        long ry = 1, rx = 1, s = 1;
        for (int k = lowest + 1; k <= j; k++)
        {
            foreach (var m in net.Blocks[k])
                if (m is Pool2dSpec p) { ry += (p.Kernel - 1) * s; rx += (p.Kernel - 1) * s; s *= p.Stride; }
                else if (m is FlattenSpec) return (shape.Height, shape.Width);
            if (net.WeightSpecs[k] is Conv2dSpec c) { ry += (c.KernelHeight - 1) * s; rx += (c.KernelWidth - 1) * s; s *= c.Stride; }
            else return (shape.Height, shape.Width);
        }
        return ((int)Math.Min(shape.Height, (ry + s - 1) / s), (int)Math.Min(shape.Width, (rx + s - 1) / s));
    }

    /// <summary>
    /// Vector–Jacobian products: <paramref name="v"/> holds <paramref name="count"/> vectors at level x^j (batch layout),
    /// member r linearised at trace sample <paramref name="sampleOf"/>[r]; they are pulled back through layers j..lowest+1 and
    /// <paramref name="visit"/>(i, batch) sees (J^{i,j})ᵀ v at every level i = j−1 down to <paramref name="lowest"/>.
    /// The visited buffer is reused afterwards. Returns GEMM flops.
    /// </summary>
    public static double Vjp(NetworkTrace t, int j, int lowest, double[] v, int count, int[] sampleOf, Action<int, double[]> visit, ILinearAlgebraProvider? provider = null, double[]? scratch = null)
        => Vjp(t, j, lowest, v, count, sampleOf, visit, provider, scratch, null, null);

    // Buffers reused across calls (each kernel overwrites its whole output, so they are never cleared).
    private sealed class Workspace
    {
        private readonly Dictionary<int, double[]> _arrays = new();
        public double[] Get(int key, long length)
        {
            if (!_arrays.TryGetValue(key, out var a) || a.Length < length) _arrays[key] = a = new double[length];
            return a;
        }
    }

    // `beforeBlock`(k, u) may take over block k's transpose and the visit of level k−1 (returns true when it did).
    private static double Vjp(NetworkTrace t, int j, int lowest, double[] v, int count, int[] sampleOf, Action<int, double[]> visit, ILinearAlgebraProvider? provider, double[]? scratch, Workspace? ws,
        Func<int, double[], bool>? beforeBlock)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net;
        scratch ??= SequentialOps.Scratch(t.Net, count);
        ws ??= new Workspace();
        var cur = v; double flops = 0;
        for (int k = j; k > lowest; k--)
        {
            var u = ws.Get(2 * k * 64, (long)count * net.UShape[k - 1].Size);
            SequentialOps.WeightTranspose(p, net, k, net.UShape[k - 1], count, cur, u, scratch);
            flops += 2.0 * count * net.W[k].Length * net.Locations[k];
            if (beforeBlock is not null && beforeBlock(k, u)) { cur = u; continue; }
            var block = net.Blocks[k]; var shapes = net.BlockShapes[k];
            for (int q = block.Length - 1; q >= 0; q--)
            {
                var g = ws.Get(2 * k * 64 + 1 + q, (long)count * shapes[q].Size);
                SequentialOps.ModuleTranspose(block[q], shapes[q], count, u, g, t.BlockOutputs[k][q], t.BlockArgmax[k][q], t.Count, sampleOf);
                u = g;
            }
            visit(k - 1, u);
            cur = u;
        }
        return flops;
    }

    /// <summary>
    /// Jacobian–vector products: <paramref name="v"/> holds <paramref name="count"/> vectors at level x^i, pushed through the
    /// linearised layers i+1..<paramref name="highest"/> (no biases); <paramref name="visit"/>(k, batch) sees J^{i,k} v. Returns GEMM flops.
    /// </summary>
    public static double Jvp(NetworkTrace t, int i, int highest, double[] v, int count, int[] sampleOf, Action<int, double[]> visit, ILinearAlgebraProvider? provider = null, double[]? scratch = null)
    {
        var p = provider ?? LinearAlgebraProviders.Default;
        var net = t.Net;
        scratch ??= SequentialOps.Scratch(t.Net, count);
        var cur = v; double flops = 0;
        for (int k = i + 1; k <= highest; k++)
        {
            var block = net.Blocks[k]; var shapes = net.BlockShapes[k];
            for (int q = 0; q < block.Length; q++)
            {
                var g = new double[count * shapes[q + 1].Size];
                SequentialOps.ModuleLinear(block[q], shapes[q], count, cur, g, t.BlockOutputs[k][q], t.BlockArgmax[k][q], t.Count, sampleOf);
                cur = g;
            }
            var y = new double[count * net.XShape[k].Size];
            SequentialOps.WeightForward(p, net, k, net.UShape[k - 1], count, cur, y, bias: false, scratch);
            flops += 2.0 * count * net.W[k].Length * net.Locations[k];
            visit(k, y);
            cur = y;
        }
        return flops;
    }

    /// <summary>
    /// Exact ‖J^{i,j}‖_F² per sample for every pair 1 ≤ i &lt; j ≤ d (into <paramref name="frobeniusSquared"/> at the sample
    /// offset) and, when <paramref name="wellDistributed"/> is given, the per-sample β_{i,j} = √(n₁ⁱn₂ⁱ)·max_{a,b}
    /// ‖[J^{i,j}]_{:,a,b,:,:,:}‖_F / ‖J^{i,j}‖_F of Definition 9 (1 for dense x^i; 0 when J = 0). Returns GEMM flops.
    /// </summary>
    public static double ExactFrobenius(NetworkTrace t, PairSamples frobeniusSquared, PairSamples? wellDistributed, int offset, ILinearAlgebraProvider? provider = null)
    {
        var net = t.Net; int d = net.Depth, n = t.Count;
        double flops = 0;
        for (int j = 2; j <= d; j++)
        {
            var classes = Colouring(net, j);
            var shape = net.XShape[j];
            int widest = Enumerable.Range(1, j).Max(k => Math.Max(net.XShape[k].Size, net.UShape[k - 1].Size));
            int perBatch = Math.Min(n * classes.Count, Math.Max(1, VectorBudget / widest));
            var scratch = SequentialOps.Scratch(net, perBatch);
            var ws = new Workspace();
            var colSq = new double[j][];
            for (int i = 1; i < j; i++) { colSq[i] = new double[n * net.Locations[i]]; Array.Clear(frobeniusSquared[i, j], offset, n); }
            var members = new List<(int Sample, int Class)>(perBatch);
            void Flush()
            {
                int m = members.Count;
                var v = ws.Get(-1, (long)m * shape.Size); Array.Clear(v, 0, m * shape.Size);
                var sampleOf = new int[m];
                for (int r = 0; r < m; r++)
                {
                    sampleOf[r] = members[r].Sample;
                    foreach (int pos in classes[members[r].Class])
                        v[shape.IsVector ? r * shape.Size + pos : ((pos / shape.Locations) * m + r) * shape.Locations + pos % shape.Locations] = 1;
                }
                flops += Vjp(t, j, 1, v, m, sampleOf, (i, g) => Accumulate(net.XShape[i], m, g, sampleOf, frobeniusSquared[i, j], offset, colSq[i]), provider, scratch, ws,
                    (k, u) => k == 2 && AccumulateThroughBlock(t, 2, u, m, sampleOf, frobeniusSquared[1, j], offset, colSq[1]));
                members.Clear();
            }
            for (int s = 0; s < n; s++)
                for (int c = 0; c < classes.Count; c++)
                {
                    members.Add((s, c));
                    if (members.Count == perBatch) Flush();
                }
            if (members.Count > 0) Flush();
            if (wellDistributed is not null)
                for (int i = 1; i < j; i++) Beta(net.Locations[i], n, colSq[i], frobeniusSquared[i, j], offset, wellDistributed[i, j]);
        }
        return flops;
    }

    /// <summary>
    /// The level-(k−1) accumulation straight from u^{k−1} = φ_k(x^{k−1}) without materialising the pull-back at x^{k−1}, for
    /// blocks [ReLU], [ReLU, MaxPool] and [MaxPool, ReLU] with non-overlapping windows: every entry of u then comes from
    /// exactly one entry of x^{k−1} (its recorded max-pooling choice), passed through or zeroed by the ReLU pattern, so the
    /// squares of the pulled-back vector are the squares of u routed to those entries. Returns false for other blocks.
    /// </summary>
    private static bool AccumulateThroughBlock(NetworkTrace t, int k, double[] u, int m, int[] sampleOf, double[] fro, int offset, double[] col)
    {
        var net = t.Net; var block = net.Blocks[k]; var shapes = net.BlockShapes[k]; int n = t.Count;
        var x = shapes[0];
        if (block.Length == 1 && block[0] is ReluSpec)
        {
            var pattern = t.BlockOutputs[k][0]; int l = x.Locations, channels = x.IsVector ? 1 : x.Channels, len = x.IsVector ? x.Size : l;
            for (int c = 0; c < channels; c++)
                for (int r = 0; r < m; r++)
                {
                    int s = sampleOf[r];
                    var g = u.AsSpan(SequentialOps.PlaneOffset(x, m, c, r), len); var pat = pattern.AsSpan(SequentialOps.PlaneOffset(x, n, c, s), len);
                    double sum = 0;
                    if (x.IsVector) { for (int q = 0; q < len; q++) if (pat[q] > 0) sum += g[q] * g[q]; col[s] += sum; }
                    else
                    {
                        var dst = col.AsSpan(s * l, l);
                        for (int q = 0; q < len; q++) if (pat[q] > 0) { double e = g[q] * g[q]; sum += e; dst[q] += e; }
                    }
                    fro[offset + s] += sum;
                }
            return true;
        }
        if (block.Length != 2 || x.IsVector) return false;
        int reluAt = block[0] is ReluSpec ? 0 : block[1] is ReluSpec ? 1 : -1, poolAt = 1 - reluAt;
        if (reluAt < 0 || block[poolAt] is not Pool2dSpec { Kind: PoolKind.Max } pool || pool.Kernel != pool.Stride) return false;
        var argmax = t.BlockArgmax[k][poolAt]!; var relu = t.BlockOutputs[k][reluAt];
        var pooled = shapes[poolAt + 1];
        int lx = x.Locations, lp = pooled.Locations;
        for (int c = 0; c < x.Channels; c++)
            for (int r = 0; r < m; r++)
            {
                int s = sampleOf[r];
                var g = u.AsSpan((c * m + r) * lp, lp);
                var arg = argmax.AsSpan((c * n + s) * lp, lp);
                // The ReLU's pattern lives at x's resolution when it comes first, at the pooled one otherwise.
                var pat = reluAt == 0 ? relu.AsSpan((c * n + s) * lx, lx) : relu.AsSpan((c * n + s) * lp, lp);
                var dst = col.AsSpan(s * lx, lx);
                double sum = 0;
                for (int q = 0; q < lp; q++)
                {
                    int at = arg[q];
                    if ((reluAt == 0 ? pat[at] : pat[q]) > 0) { double e = g[q] * g[q]; sum += e; dst[at] += e; }
                }
                fro[offset + s] += sum;
            }
        return true;
    }

    // Adds each member's squared entries to its sample: total into fro[offset + s], per location into col[s·L + loc].
    private static void Accumulate(TensorShape shape, int m, double[] g, int[] sampleOf, double[] fro, int offset, double[] col)
    {
        int l = shape.Locations;
        if (shape.IsVector)
            for (int r = 0; r < m; r++) { var row = g.AsSpan(r * shape.Size, shape.Size); double sq = TensorPrimitives.Dot(row, row); fro[offset + sampleOf[r]] += sq; col[sampleOf[r]] += sq; }
        else
            for (int c = 0; c < shape.Channels; c++)
                for (int r = 0; r < m; r++)
                {
                    var plane = g.AsSpan((c * m + r) * l, l); var dst = col.AsSpan(sampleOf[r] * l, l);
                    double sq = 0;
                    for (int q = 0; q < l; q++) { double e = plane[q] * plane[q]; dst[q] += e; sq += e; }
                    fro[offset + sampleOf[r]] += sq;
                }
    }

    private static void Beta(int locations, int n, double[] colSq, double[] fro, int offset, double[] beta)
    {
        for (int s = 0; s < n; s++)
        {
            double total = fro[offset + s];
            if (!(total > 0)) { beta[offset + s] = 0; continue; }
            double max = 0;
            var row = colSq.AsSpan(s * locations, locations);
            foreach (var e in row) max = Math.Max(max, e);
            beta[offset + s] = Math.Sqrt(locations * max / total);
        }
    }

    /// <summary>
    /// Unbiased Hutchinson estimates of ‖J^{i,j}‖_F² per sample: E‖(J^{i,j})ᵀg‖² = ‖J^{i,j}‖_F² for probes g at level x^j with
    /// E ggᵀ = I; <paramref name="probes"/> probes per sample and top level j serve every i &lt; j. <paramref name="mean"/> gets the
    /// probe average, <paramref name="stdErr"/> √(s²/p). Per location, E[(Jᵀg)²_{c,a,b}] summed over c is
    /// ‖[J]_{:,a,b,:,:,:}‖_F², so <paramref name="wellDistributed"/> (optional) gets the plug-in β estimate — biased upward, as
    /// a maximum of noisy ratios. Probes of sample s come from a stream seeded by (<paramref name="seed"/>, offset + s, j), so
    /// results do not depend on chunking. Returns GEMM flops.
    /// </summary>
    public static double Estimate(NetworkTrace t, int probes, ulong seed, PairSamples mean, PairSamples stdErr, PairSamples? wellDistributed, int offset,
        ProbeKind kind = ProbeKind.Gaussian, ILinearAlgebraProvider? provider = null)
    {
        if (probes < 2) throw new ArgumentOutOfRangeException(nameof(probes), "at least two probes are needed for a standard error");
        var net = t.Net; int d = net.Depth, n = t.Count;
        double flops = 0;
        for (int j = 2; j <= d; j++)
        {
            var shape = net.XShape[j];
            int widest = Enumerable.Range(1, j).Max(k => Math.Max(net.XShape[k].Size, net.UShape[k - 1].Size));
            int samplesPerBatch = Math.Min(n, Math.Max(1, VectorBudget / (widest * probes)));
            var scratch = SequentialOps.Scratch(net, samplesPerBatch * probes);
            var ws = new Workspace();
            var sums = new double[j][]; var sumSq = new double[j][]; var col = new double[j][]; var ignored = new double[n];
            for (int i = 1; i < j; i++) { sums[i] = new double[n]; sumSq[i] = new double[n]; col[i] = new double[n * net.Locations[i]]; }
            for (int s0 = 0; s0 < n; s0 += samplesPerBatch)
            {
                int ns = Math.Min(samplesPerBatch, n - s0), m = ns * probes;
                var v = new double[m * shape.Size]; var sampleOf = new int[m];
                var member = new double[shape.Size];
                for (int s = 0; s < ns; s++)
                {
                    var rng = new Rng(Rng.Mix(seed ^ Rng.Mix((ulong)(offset + s0 + s) * (ulong)(d + 1) + (ulong)j)));
                    for (int q = 0; q < probes; q++)
                    {
                        int r = s * probes + q;
                        sampleOf[r] = s0 + s;
                        if (kind == ProbeKind.Gaussian) rng.FillGaussian(member);
                        else for (int u = 0; u < member.Length; u++) member[u] = (rng.NextUInt64() >> 63) == 0 ? 1.0 : -1.0;
                        Scatter(shape, m, r, member, v);
                    }
                }
                var sq = new double[m];
                flops += Vjp(t, j, 1, v, m, sampleOf, (i, g) =>
                {
                    SequentialOps.SquaredNorms(net.XShape[i], m, g, sq);
                    for (int r = 0; r < m; r++) { sums[i][sampleOf[r]] += sq[r]; sumSq[i][sampleOf[r]] += sq[r] * sq[r]; }
                    if (wellDistributed is not null) Accumulate(net.XShape[i], m, g, sampleOf, ignored, 0, col[i]);
                }, provider, scratch, ws, null);
            }
            for (int i = 1; i < j; i++)
            {
                for (int s = 0; s < n; s++)
                {
                    double mu = sums[i][s] / probes, var = Math.Max(0, (sumSq[i][s] - probes * mu * mu) / (probes - 1));
                    mean[i, j][offset + s] = mu;
                    stdErr[i, j][offset + s] = Math.Sqrt(var / probes);
                }
                if (wellDistributed is not null)
                {
                    TensorPrimitives.Divide(col[i], probes, col[i]);
                    Beta(net.Locations[i], n, col[i], mean[i, j], offset, wellDistributed[i, j]);
                }
            }
        }
        return flops;
    }

    private static void Scatter(TensorShape shape, int m, int r, ReadOnlySpan<double> member, double[] batch)
    {
        if (shape.IsVector) { member.CopyTo(batch.AsSpan(r * shape.Size)); return; }
        int l = shape.Locations;
        for (int c = 0; c < shape.Channels; c++) member.Slice(c * l, l).CopyTo(batch.AsSpan((c * m + r) * l, l));
    }

    /// <summary>‖J^{i,j}x^i‖ per sample for every pair i &lt; j (one product per sample and level i). For bias-free nets J^{i,j}x^i = x^j. Returns GEMM flops.</summary>
    public static double JacobianTimesInputNorms(NetworkTrace t, PairSamples dst, int offset, ILinearAlgebraProvider? provider = null)
    {
        var net = t.Net; int d = net.Depth, n = t.Count;
        var sampleOf = Enumerable.Range(0, n).ToArray(); var sq = new double[n];
        var scratch = SequentialOps.Scratch(net, n);
        double flops = 0;
        for (int i = 1; i < d; i++)
            flops += Jvp(t, i, d, (double[])t.X[i].Clone(), n, sampleOf, (k, y) =>
            {
                SequentialOps.SquaredNorms(net.XShape[k], n, y, sq);
                for (int s = 0; s < n; s++) dst[i, k][offset + s] = Math.Sqrt(sq[s]);
            }, provider, scratch);
        return flops;
    }
}
