using System.Numerics.Tensors;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Networks.Kernels;
using GenBounds.Random;

namespace GenBounds.Compression;

/// <summary>
/// A convolution compressed by <see cref="MatrixProjectConv"/>: the r = min(kp, D) coordinates a = Uᵀvec(A) of the kernel A
/// (D = out·in·kh·kw entries) in an orthonormal basis U of the helper subspace S, plus what regenerates everything else
/// from the helper string (the seed).
/// </summary>
/// <param name="Coordinates">a = Uᵀvec(A): the r stored numbers (Lemma 11: every per-location kernel is computable from them).</param>
/// <param name="K">k, the number of Gaussian tensors per output location.</param>
/// <param name="P">p, the independence parameter (the subspace has dimension kp before capping at D).</param>
/// <param name="Seed">Helper-string seed: the subspace and every location's Gaussians are regenerated from it.</param>
/// <param name="Spec">The convolution's kernel, stride and padding.</param>
/// <param name="Input">The convolution's input shape (fixes the n₁'×n₂' output locations).</param>
public sealed record CompressedConv(double[] Coordinates, int K, int P, ulong Seed, Conv2dSpec Spec, TensorShape Input)
{
    /// <summary>D = out·in·kh·kw.</summary>
    public int Dimension => Spec.OutChannels * Input.Channels * Spec.KernelHeight * Spec.KernelWidth;
    /// <summary>r = dim S = min(kp, D).</summary>
    public int SubspaceDimension => Coordinates.Length;
    /// <summary>n₁'·n₂' output locations.</summary>
    public int Locations => Spec.OutputShape(Input).Locations;
}

/// <summary>
/// ARORA-C, Algorithm 4 Matrix-Project-Conv(A, ε, η, n₁'×n₂') of Arora, Ge, Neyshabur and Zhang (2018), arXiv v4 appendix C,
/// as summarised in the catalog (/work/shared/lemmas/arora2018-compression.md, entry ARORA-C, tag EXACT "summary only";
/// the full appendix text was not available to us, so the details below are OUR READING of that summary):
/// k = ⌈Q⌈κ/s⌉² ln(1/η)/ε²⌉ (<see cref="HelperCount"/>; Q is an unspecified "large universal constant"), p = ⌈ln(1/η)⌉; a
/// uniformly random subspace S of dimension kp of the kernel space ℝ^D (D = h'·h·κ²); per output location (i, j), k Gaussian
/// tensors G projected onto S and scaled, M = √(D/r)·P_S G, and Â_(i,j) = (1/k) Σ_t ⟨A, M_t⟩ M_t. Each location thus gets its
/// own kernel (the compressed layer is locally connected, not a convolution).
/// <para>
/// Implementation. S is the span of a D×r Gaussian matrix (uniform on the Grassmannian); U, an orthonormal basis of it, is
/// the left singular factor of that matrix (LAPACK SVD). Since UᵀG ~ N(0, I_r) exactly, each M_t = √(D/r)·U g_t is sampled
/// from its r coordinates g_t directly (equal in law to projecting a D-dimensional Gaussian; not the same bits). Then
/// ⟨A, M_t⟩ = √(D/r)·aᵀg_t with a = Uᵀvec(A), so Â_(i,j) = U·((D/r)/k·Σ_t (aᵀg_t) g_t) depends on A only through the r
/// numbers a (Lemma 11). E[Â_(i,j)] = A over the helper string: E_g = (D/r)·P_S vec A and E_S P_S = (r/D)·I. The scale uses
/// r = min(kp, D) rather than kp so that the estimator stays unbiased when kp ≥ D (then S is the whole space). Locations use
/// independent Gaussians given S (so any p of them are independent given S). Memory O(D·r) for the basis.
/// </para>
/// Helper streams: the basis from <c>SeedStreams.Derive(seed, "subspace")</c>, the Gaussians of location ℓ from
/// <c>SeedStreams.Derive(seed, "location-ℓ")</c>, g_1..g_k consecutively.
/// </summary>
public static class MatrixProjectConv
{
    /// <summary>k = ⌈Q·⌈κ/s⌉²·ln(1/η)/ε²⌉ with κ the larger kernel side and s the stride.</summary>
    public static int HelperCount(double epsilon, double eta, Conv2dSpec spec, double q = 1.0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!(epsilon > 0) || !(eta > 0 && eta < 1) || !(q > 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), $"need ε > 0, 0 < η < 1, Q > 0 (got {epsilon}, {eta}, {q})");
        int ks = (Math.Max(spec.KernelHeight, spec.KernelWidth) + spec.Stride - 1) / spec.Stride;
        double k = Math.Ceiling(q * ks * ks * Math.Log(1 / eta) / (epsilon * epsilon));
        if (k > int.MaxValue) throw new OverflowException($"k = {k} does not fit an int");
        return Math.Max(1, (int)k);
    }

    /// <summary>p = ⌈ln(1/η)⌉ (at least 1).</summary>
    public static int Independence(double eta)
    {
        if (!(eta > 0 && eta < 1)) throw new ArgumentOutOfRangeException(nameof(eta));
        return Math.Max(1, (int)Math.Ceiling(Math.Log(1 / eta)));
    }

    /// <summary>
    /// An orthonormal basis (row-major D×r) of the uniformly random r-dimensional subspace of ℝ^D named by
    /// <paramref name="seed"/>: the column space of a D×r Gaussian matrix, orthonormalised by Gram–Schmidt run twice.
    /// </summary>
    /// <remarks>
    /// Algorithm 4's output depends on the basis only through its span (the helper Gaussians are isotropic in its
    /// coordinates), so any orthonormal basis of the Gaussian matrix's column space gives the same distribution. The
    /// columns are orthonormalised in blocks: each block is projected off the earlier columns twice by two GEMMs
    /// (classical Gram–Schmidt run twice, BCGS2), then Gram–Schmidt twice within the block. This keeps the basis orthonormal
    /// to rounding for a full-rank Gaussian matrix and costs a fraction of a thin SVD or of column-by-column Gram–Schmidt
    /// at the conv sizes the verifier draws thousands of (D = 288, r = 111).
    /// </remarks>
    public static double[] Basis(int dimension, int r, ulong seed)
    {
        if (dimension <= 0 || r <= 0 || r > dimension) throw new ArgumentOutOfRangeException(nameof(r), $"need 0 < r ≤ D (got r = {r}, D = {dimension})");
        // Column j of the Gaussian matrix is row j of the r×D row-major q ([j·D, (j+1)·D)) while it is orthonormalised.
        var q = new double[(long)dimension * r];
        new Rng(SeedStreams.Derive(seed, "subspace")).FillGaussian(q);
        var provider = LinearAlgebraProviders.Default;
        const int blockSize = 32;
        var c = new double[blockSize * r];
        for (int j0 = 0; j0 < r; j0 += blockSize)
        {
            int b = Math.Min(blockSize, r - j0);
            var block = q.AsSpan(j0 * dimension, b * dimension);
            if (j0 > 0)
            {
                ReadOnlySpan<double> earlier = q.AsSpan(0, j0 * dimension);
                for (int pass = 0; pass < 2; pass++)
                {
                    // C = Q Bᵀ (j0×b), then B ← B − Cᵀ Q: the block minus its projection on the earlier columns.
                    provider.Gemm(Transpose.No, Transpose.Yes, j0, b, dimension, 1.0, earlier, dimension, block, dimension, 0.0, c, b);
                    provider.Gemm(Transpose.Yes, Transpose.No, b, dimension, j0, -1.0, c, b, earlier, dimension, 1.0, block, dimension);
                }
            }
            for (int j = j0; j < j0 + b; j++)
            {
                var v = q.AsSpan(j * dimension, dimension);
                for (int pass = 0; pass < 2; pass++)
                    for (int i = j0; i < j; i++)
                    {
                        var qi = q.AsSpan(i * dimension, dimension);
                        TensorPrimitives.MultiplyAdd(qi, -TensorPrimitives.Dot<double>(qi, v), v, v);
                    }
                double norm = TensorPrimitives.Norm<double>(v);
                if (!(norm > 0)) throw new InvalidOperationException($"subspace seed {seed}: Gaussian column {j} lies in the span of the earlier ones");
                TensorPrimitives.Divide(v, norm, v);
            }
        }
        var basis = new double[q.Length];
        for (int j = 0; j < r; j++)
            for (int i = 0; i < dimension; i++) basis[(long)i * r + j] = q[(long)j * dimension + i];
        return basis;
    }

    /// <summary>Compresses the kernel <paramref name="w"/> ([out, in, kh, kw] row-major): the r = min(kp, D) coordinates Uᵀvec(A).</summary>
    public static CompressedConv Compress(double[] w, Conv2dSpec spec, TensorShape input, int k, int p, ulong seed, ILinearAlgebraProvider provider)
    {
        ArgumentNullException.ThrowIfNull(w);
        spec.OutputShape(input);
        if (k <= 0 || p <= 0) throw new ArgumentOutOfRangeException(nameof(k), "k and p must be positive");
        int dim = spec.OutChannels * input.Channels * spec.KernelHeight * spec.KernelWidth;
        if (w.Length != dim) throw new ArgumentException($"kernel has {w.Length} entries, {spec} on {input} needs {dim}");
        int r = (int)Math.Min((long)k * p, dim);
        var u = Basis(dim, r, seed);
        var a = new double[r];
        provider.Gemm(Transpose.Yes, Transpose.No, r, 1, dim, 1.0, u, r, w, 1, 0.0, a, 1);
        return new CompressedConv(a, k, p, seed, spec, input);
    }

    /// <summary>
    /// Â_ℓ for output location ℓ (row-major y·Wo + x) in the kernel layout [out, in, kh, kw], computed from the stored
    /// coordinates and the helper string only. <paramref name="basis"/> is <see cref="Basis"/>(D, r, seed) (pass it to avoid recomputing).
    /// </summary>
    public static double[] LocationKernel(CompressedConv c, int location, double[] basis, ILinearAlgebraProvider provider)
    {
        ArgumentNullException.ThrowIfNull(c);
        if ((uint)location >= (uint)c.Locations) throw new ArgumentOutOfRangeException(nameof(location));
        int r = c.SubspaceDimension, dim = c.Dimension;
        var acc = new double[r]; var g = new double[r];
        var rng = new Rng(SeedStreams.Derive(c.Seed, "location-" + location.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        double scale = (double)dim / r / c.K;
        for (int t = 0; t < c.K; t++)
        {
            rng.FillGaussian(g);
            TensorPrimitives.MultiplyAdd(g, scale * TensorPrimitives.Dot<double>(c.Coordinates, g), acc, acc);
        }
        var kernel = new double[dim];
        provider.Gemm(Transpose.No, Transpose.No, dim, 1, r, 1.0, basis, r, acc, 1, 0.0, kernel, 1);
        return kernel;
    }

    /// <summary>All per-location kernels, location-major ([ℓ][out·in·kh·kw]).</summary>
    public static double[] Decompress(CompressedConv c, ILinearAlgebraProvider provider)
    {
        var basis = Basis(c.Dimension, c.SubspaceDimension, c.Seed);
        var all = new double[(long)c.Locations * c.Dimension];
        for (int l = 0; l < c.Locations; l++) LocationKernel(c, l, basis, provider).CopyTo(all, (long)l * c.Dimension);
        return all;
    }

    /// <summary>
    /// <see cref="Apply"/> on feature-major inputs (entry (c, y, x) of sample s at [(c·H + y)·W + x]·n + s) with feature-major
    /// output ((o, y', x') of sample s at [o·n₁'n₂' + y'·n₂' + x']·n + s): every kernel tap is then one multiply-add over a
    /// contiguous run of n samples, which vectorises, where the sample-major form is a short dot product per tap.
    /// </summary>
    public static double[] ApplyFeatureMajor(CompressedConv c, double[] kernels, ReadOnlySpan<double> inputs, int n)
    {
        var spec = c.Spec; var input = c.Input; var o = spec.OutputShape(input);
        int channels = input.Channels, h = input.Height, w = input.Width, kh = spec.KernelHeight, kw = spec.KernelWidth;
        int stride = spec.Stride, pad = spec.Padding, wo = o.Width, lo = o.Locations, outs = spec.OutChannels, dim = c.Dimension, patch = dim / outs;
        if (kernels.Length != (long)lo * dim) throw new ArgumentException($"expected {lo} location kernels of {dim} entries", nameof(kernels));
        if (inputs.Length < (long)input.Size * n) throw new ArgumentException($"expected {input.Size}×{n} inputs", nameof(inputs));
        var y = new double[(long)o.Size * n];
        for (int l = 0; l < lo; l++)
        {
            int y0 = (l / wo) * stride - pad, x0 = (l % wo) * stride - pad;
            int u0 = Math.Max(0, -y0), u1 = Math.Min(kh, h - y0), v0 = Math.Max(0, -x0), v1 = Math.Min(kw, w - x0);
            for (int oc = 0; oc < outs; oc++)
            {
                var dst = y.AsSpan((oc * lo + l) * n, n);
                int kb = l * dim + oc * patch;
                for (int ch = 0; ch < channels; ch++)
                    for (int u = u0; u < u1; u++)
                        for (int v = v0; v < v1; v++)
                        {
                            double kv = kernels[kb + (ch * kh + u) * kw + v];
                            var src = inputs.Slice(((ch * h + y0 + u) * w + x0 + v) * n, n);
                            TensorPrimitives.MultiplyAdd<double>(src, kv, dst, dst);
                        }
            }
        }
        return y;
    }

    /// <summary>
    /// The compressed (locally connected) layer on <paramref name="n"/> sample-major inputs (PyTorch order): output
    /// (o, y, x) = Σ_{c,u,v} Â_(y,x)[o, c, u, v]·in[c, s·y + u − p, s·x + v − p] (no bias), sample-major.
    /// <paramref name="kernels"/> comes from <see cref="Decompress"/>.
    /// </summary>
    public static double[] Apply(CompressedConv c, double[] kernels, ReadOnlySpan<double> inputs, int n)
    {
        var spec = c.Spec; var input = c.Input; var o = spec.OutputShape(input);
        int channels = input.Channels, h = input.Height, w = input.Width, kh = spec.KernelHeight, kw = spec.KernelWidth;
        int stride = spec.Stride, pad = spec.Padding, wo = o.Width, lo = o.Locations, outs = spec.OutChannels, dim = c.Dimension, patch = dim / outs;
        if (kernels.Length != (long)lo * dim) throw new ArgumentException($"expected {lo} location kernels of {dim} entries", nameof(kernels));
        // Straight from the image, without unfolding: one sample's input stays in cache across its locations, where an
        // unfolded copy of the batch (patch × n·lo doubles) costs more to write than the whole product.
        var y = new double[n * o.Size];
        for (int s = 0; s < n; s++)
        {
            var xs = inputs.Slice(s * input.Size, input.Size);
            for (int l = 0; l < lo; l++)
            {
                int y0 = (l / wo) * stride - pad, x0 = (l % wo) * stride - pad;
                // The kernel rows and columns that fall inside the image at this location (padding reads zeros).
                int u0 = Math.Max(0, -y0), u1 = Math.Min(kh, h - y0), v0 = Math.Max(0, -x0), v1 = Math.Min(kw, w - x0);
                var k = kernels.AsSpan(l * dim, dim);
                for (int oc = 0; oc < outs; oc++)
                {
                    double acc = 0;
                    int kb = oc * patch;
                    for (int ch = 0; ch < channels; ch++)
                        for (int u = u0; u < u1; u++)
                        {
                            var kRow = k.Slice(kb + (ch * kh + u) * kw + v0, v1 - v0);
                            var xRow = xs.Slice((ch * h + y0 + u) * w + x0 + v0, v1 - v0);
                            for (int v = 0; v < kRow.Length; v++) acc += kRow[v] * xRow[v];
                        }
                    y[s * o.Size + oc * lo + l] = acc;
                }
            }
        }
        return y;
    }
}
