using System.Numerics;
using GenBounds.Random;
using Xunit;

namespace GenBounds.Engine.Tests;

/// <summary>The polynomial hash family is exactly p-wise independent and no more, and its arithmetic is exact.</summary>
public class PolynomialHashTests
{
    [Theory]
    [InlineData(2, 7UL)]
    [InlineData(3, 5UL)]
    public void Any_p_distinct_points_take_every_value_tuple_exactly_once_over_the_whole_family(int p, ulong prime)
    {
        // Over all P^p coefficient vectors, each tuple of values at p distinct points appears once (uniform, independent);
        // at p + 1 points some tuples never appear (not (p+1)-wise independent).
        var members = AllMembers(p, prime).ToArray();
        foreach (var points in Subsets(prime, p))
        {
            var counts = new Dictionary<string, int>();
            foreach (var h in members)
            {
                string key = string.Join(",", points.Select(x => h.Value(x)));
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }
            Assert.Equal((int)BigInteger.Pow(prime, p), counts.Count);
            Assert.All(counts.Values, c => Assert.Equal(1, c));
        }
        var more = Subsets(prime, p + 1).First();
        var seen = members.Select(h => string.Join(",", more.Select(x => h.Value(x)))).Distinct().Count();
        Assert.True(seen < (int)BigInteger.Pow(prime, p + 1), "p + 1 values must be dependent");
    }

    [Fact]
    public void Horners_rule_mod_the_Mersenne_prime_equals_big_integer_evaluation()
    {
        var rng = new Rng(5);
        for (int trial = 0; trial < 50; trial++)
        {
            var h = new PolynomialHash(4, rng.Split($"h-{trial}"));
            ulong x = rng.NextUInt64() % PolynomialHash.MersennePrime61;
            // The drawn coefficients are recovered as h(0) and by the big-integer polynomial through them.
            var c = Coefficients(h);
            BigInteger expected = 0, power = 1;
            foreach (var cj in c) { expected += cj * power; power *= x; }
            Assert.Equal((ulong)(expected % PolynomialHash.MersennePrime61), h.Value(x));
            Assert.All(c, cj => Assert.True(cj < PolynomialHash.MersennePrime61));
            double u = h.Uniform(x);
            Assert.True(u > 0 && u < 1);
        }
    }

    [Fact]
    public void Points_outside_the_field_are_refused()
    {
        var h = new PolynomialHash(new ulong[] { 1, 2 }, 7);
        Assert.Throws<ArgumentOutOfRangeException>(() => h.Value(7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialHash(new ulong[] { 7 }, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PolynomialHash(0, new Rng(1)));
    }

    /// The coefficients of a member, recovered from its values at 0..p−1 by Gauss–Jordan elimination of the Vandermonde
    /// system in BigInteger arithmetic mod P.
    private static BigInteger[] Coefficients(PolynomialHash h)
    {
        int p = h.Independence;
        BigInteger prime = h.Prime;
        var a = new BigInteger[p, p + 1];
        for (int i = 0; i < p; i++)
        {
            BigInteger xi = i, pw = 1;
            for (int j = 0; j < p; j++) { a[i, j] = pw; pw = pw * xi % prime; }
            a[i, p] = h.Value((ulong)i);
        }
        for (int col = 0; col < p; col++)
        {
            int pivot = Enumerable.Range(col, p - col).First(r => a[r, col] % prime != 0);
            for (int j = 0; j <= p; j++) (a[col, j], a[pivot, j]) = (a[pivot, j], a[col, j]);
            BigInteger inv = BigInteger.ModPow(a[col, col], prime - 2, prime);
            for (int j = 0; j <= p; j++) a[col, j] = a[col, j] * inv % prime;
            for (int r = 0; r < p; r++)
            {
                if (r == col) continue;
                BigInteger f = a[r, col];
                for (int j = 0; j <= p; j++) a[r, j] = ((a[r, j] - f * a[col, j]) % prime + prime) % prime;
            }
        }
        return Enumerable.Range(0, p).Select(i => a[i, p]).ToArray();
    }

    private static IEnumerable<PolynomialHash> AllMembers(int p, ulong prime)
    {
        var c = new ulong[p];
        while (true)
        {
            yield return new PolynomialHash(c, prime);
            int j = 0;
            while (j < p && ++c[j] == prime) { c[j] = 0; j++; }
            if (j == p) yield break;
        }
    }

    private static IEnumerable<ulong[]> Subsets(ulong prime, int size)
    {
        var idx = Enumerable.Range(0, size).Select(i => (ulong)i).ToArray();
        while (true)
        {
            yield return (ulong[])idx.Clone();
            int j = size - 1;
            while (j >= 0 && idx[j] == prime - (ulong)(size - j)) j--;
            if (j < 0) yield break;
            idx[j]++;
            for (int k = j + 1; k < size; k++) idx[k] = idx[k - 1] + 1;
        }
    }
}
