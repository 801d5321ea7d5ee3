using System.Runtime.CompilerServices;

namespace GenBounds.Random;

/// <summary>
/// SplitMix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a 64-bit state
/// advanced by the golden-ratio gamma and finalised by the MurmurHash3/Stafford variant-13 mixer. GenBounds never uses
/// ambient randomness: every stochastic API takes an <see cref="Rng"/>, and every <see cref="Rng"/> comes from a
/// <see cref="SeedStreams"/> by name, so a run is reproducible from one master seed and any stream can be replayed alone.
/// </summary>
public sealed class Rng
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>The seed this stream started from (recorded in reports as the replay seed).</summary>
    public ulong Seed { get; }

    /// <summary>A stream whose first output is SplitMix64's first output for <paramref name="seed"/>.</summary>
    public Rng(ulong seed) { Seed = seed; _state = seed; }

    /// <summary>The SplitMix64 finaliser (a bijection on 64-bit words).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 uniformly distributed bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64() => Mix(_state += Golden);

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float NextFloat() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).</summary>
    public int NextInt(int n)
    {
        if (n <= 0) throw new ArgumentOutOfRangeException(nameof(n), "n must be positive");
        ulong bound = (ulong)n;
        while (true)
        {
            ulong x = NextUInt64() >> 32;            // 32 random bits
            ulong prod = x * bound;
            uint low = (uint)prod;
            if (low >= (uint)((0x1_0000_0000UL - bound) % bound)) return (int)(prod >> 32);
        }
    }

    /// <summary>Standard normal sample (Box–Muller; one uniform pair per call keeps the stream position simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fills <paramref name="dst"/> with i.i.d. N(mean, sd²) samples, two per uniform pair.</summary>
    public void FillGaussian(Span<double> dst, double mean = 0, double sd = 1)
    {
        int i = 0;
        for (; i + 1 < dst.Length; i += 2)
        {
            double u1 = 1.0 - NextDouble(), u2 = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            // One sincos call instead of cos and sin: the same libm results (RngTests holds it to the two calls) in about 2/3 of the time.
            var (sin, cos) = Math.SinCos(2.0 * Math.PI * u2);
            dst[i] = mean + sd * r * cos;
            dst[i + 1] = mean + sd * r * sin;
        }
        if (i < dst.Length) dst[i] = mean + sd * NextGaussian();
    }

    /// <summary>
    /// <see cref="FillGaussian(Span{double}, double, double)"/> of N(0, 1) on up to <paramref name="threads"/> threads,
    /// bit-identical to the sequential fill and leaving the stream at the same position: a SplitMix64 state advances by
    /// a constant per word, so the block starting at (even) index a starts from state + a·γ.
    /// </summary>
    public void FillGaussian(double[] dst, int threads)
    {
        int len = dst.Length;
        int blocks = Math.Min(threads, len / ParallelBlock);
        if (blocks <= 1) { FillGaussian(dst.AsSpan()); return; }
        int per = ((len + blocks - 1) / blocks + 1) & ~1;   // even, and blocks · per ≥ len
        ulong start = _state;
        Parallel.For(0, blocks, new ParallelOptions { MaxDegreeOfParallelism = blocks }, b =>
        {
            int a = b * per, end = Math.Min(len, a + per);
            if (a < end) new Rng(Seed) { _state = start + (ulong)a * Golden }.FillGaussian(dst.AsSpan(a, end - a));
        });
        // Pairs take two words each and an odd last value two more (NextGaussian).
        _state = start + (ulong)(len + (len & 1)) * Golden;
    }

    /// <summary>Below this many values per thread a parallel fill is not worth starting threads for.</summary>
    private const int ParallelBlock = 1 << 15;

    /// <summary>
    /// Fills <paramref name="dst"/> with i.i.d. N(0, 1) samples by the ziggurat: several times faster than the Box–Muller
    /// fill, for draws that need millions of normals each (whole-network compression surrogates). A different sequence
    /// from <see cref="FillGaussian(Span{double}, double, double)"/> for the same stream, and a variable number of words
    /// per sample (no parallel skip-ahead).
    /// </summary>
    public void FillGaussianZiggurat(Span<double> dst)
    {
        for (int i = 0; i < dst.Length; i++) dst[i] = Ziggurat.Next(this);
    }

    /// <summary>Fills <paramref name="dst"/> with i.i.d. N(mean, sd²) samples in float32.</summary>
    public void FillGaussian(Span<float> dst, double mean = 0, double sd = 1)
    {
        int i = 0;
        for (; i + 1 < dst.Length; i += 2)
        {
            double u1 = 1.0 - NextDouble(), u2 = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1));
            var (sin, cos) = Math.SinCos(2.0 * Math.PI * u2);
            dst[i] = (float)(mean + sd * r * cos);
            dst[i + 1] = (float)(mean + sd * r * sin);
        }
        if (i < dst.Length) dst[i] = (float)(mean + sd * NextGaussian());
    }

    /// <summary>Fills <paramref name="dst"/> with i.i.d. uniform samples on [lo, hi).</summary>
    public void FillUniform(Span<float> dst, float lo, float hi)
    {
        float w = hi - lo;
        for (int i = 0; i < dst.Length; i++) dst[i] = lo + w * NextFloat();
    }

    /// <summary>Uniformly random permutation of 0..n−1 (Fisher–Yates).</summary>
    public int[] Permutation(int n)
    {
        var p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        Shuffle(p);
        return p;
    }

    /// <summary>In-place uniform shuffle (Fisher–Yates).</summary>
    public void Shuffle<T>(Span<T> xs)
    {
        for (int i = xs.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (xs[i], xs[j]) = (xs[j], xs[i]);
        }
    }

    /// <summary>A child stream whose seed depends only on this stream's seed and <paramref name="name"/>, not on how much of this stream was consumed.</summary>
    public Rng Split(string name) => new(SeedStreams.Derive(Seed, name));
}

/// <summary>
/// One master seed split into named, independent streams (e.g. <c>init</c>, <c>data-order</c>, <c>pruning</c>,
/// <c>monte-carlo/GUHA-L4.2/trial-17</c>). A stream's seed is a hash of the master seed and its name only,
/// so adding a new stream never perturbs existing ones.
/// </summary>
public sealed record SeedStreams(ulong Master)
{
    /// <summary>Well-known stream names.</summary>
    public static class Names
    {
        /// <summary>Weight initialisation.</summary>
        public const string Init = "init";
        /// <summary>Mini-batch order.</summary>
        public const string DataOrder = "data-order";
        /// <summary>Subsets, splits and label corruption of data sets.</summary>
        public const string Data = "data";
        /// <summary>Pruning masks.</summary>
        public const string Pruning = "pruning";
        /// <summary>Random projections / helper strings.</summary>
        public const string Projection = "projection";
        /// <summary>Monte Carlo trials of the checker.</summary>
        public const string MonteCarlo = "monte-carlo";
    }

    /// <summary>The stream called <paramref name="name"/>.</summary>
    public Rng Stream(string name) => new(Derive(Master, name));

    /// <summary>Seed of the stream <paramref name="name"/> under <paramref name="master"/> (FNV-1a of the UTF-16 name, then two SplitMix rounds).</summary>
    public static ulong Derive(ulong master, string name)
    {
        ulong h = 0xCBF29CE484222325UL;
        foreach (char ch in name) { h ^= ch; h *= 0x100000001B3UL; }
        return Rng.Mix(Rng.Mix(master ^ h) + 0x9E3779B97F4A7C15UL);
    }
}
