namespace GenBounds.Random;

/// <summary>
/// A p-wise independent family of values: h(x) = c₀ + c₁x + … + c_{p−1}x^{p−1} mod P over the prime field GF(P), with
/// coefficients uniform on GF(P). For any p distinct points x₁, …, x_p of GF(P) the map from coefficients to values is the
/// Vandermonde matrix, a bijection of GF(P)^p, so (h(x₁), …, h(x_p)) is uniform on GF(P)^p: any p values are independent
/// and uniform. p + 1 values are not: p of them fix the polynomial and so the rest. This is the construction the
/// p-wise independent arguments of Arora et al. (2018, App. C.3) need, with P = 2⁶¹ − 1 by default so that a value read
/// as a uniform number in (0, 1) has 61 bits.
/// </summary>
public sealed class PolynomialHash
{
    /// <summary>The Mersenne prime 2⁶¹ − 1.</summary>
    public const ulong MersennePrime61 = (1UL << 61) - 1;

    private readonly ulong[] _coefficients;

    /// <summary>The field's prime P.</summary>
    public ulong Prime { get; }

    /// <summary>p: any p values at distinct points are independent.</summary>
    public int Independence => _coefficients.Length;

    /// <summary>A member of the family drawn from <paramref name="rng"/>: p coefficients uniform on GF(P) (rejection sampling).</summary>
    public PolynomialHash(int p, Rng rng, ulong prime = MersennePrime61)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (p < 1) throw new ArgumentOutOfRangeException(nameof(p), "p must be at least 1");
        if (prime < 2) throw new ArgumentOutOfRangeException(nameof(prime), "the modulus must be a prime >= 2");
        Prime = prime;
        // Rejection from the smallest power of two covering P keeps every residue equally likely.
        int bits = 64 - System.Numerics.BitOperations.LeadingZeroCount(prime - 1);
        ulong mask = bits >= 64 ? ulong.MaxValue : (1UL << bits) - 1;
        _coefficients = new ulong[p];
        for (int j = 0; j < p; j++)
        {
            ulong c;
            do c = rng.NextUInt64() & mask; while (c >= prime);
            _coefficients[j] = c;
        }
    }

    /// <summary>The member with these coefficients (c₀ first), each in [0, P); for exhaustive tests over a small field.</summary>
    public PolynomialHash(ulong[] coefficients, ulong prime)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.Length < 1) throw new ArgumentException("at least one coefficient", nameof(coefficients));
        if (prime < 2) throw new ArgumentOutOfRangeException(nameof(prime));
        if (coefficients.Any(c => c >= prime)) throw new ArgumentOutOfRangeException(nameof(coefficients), "every coefficient must be below the prime");
        Prime = prime;
        _coefficients = (ulong[])coefficients.Clone();
    }

    /// <summary>h(x) in [0, P), by Horner's rule; x must be a point of the field (below P).</summary>
    public ulong Value(ulong x)
    {
        if (x >= Prime) throw new ArgumentOutOfRangeException(nameof(x), $"the point {x} is not below the prime {Prime}");
        UInt128 acc = 0;
        for (int j = _coefficients.Length - 1; j >= 0; j--)
            acc = (acc * x + _coefficients[j]) % Prime;
        return (ulong)acc;
    }

    /// <summary>(h(x) + ½)/P: uniform on the P midpoints of a grid of (0, 1), never 0 or 1.</summary>
    public double Uniform(ulong x) => (Value(x) + 0.5) / Prime;
}
