using System.Numerics.Tensors;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>
/// Standard normal noise in bulk: the Box–Muller transform z₀ = r cos θ, z₁ = r sin θ with r = √(−2 ln u₁), θ = 2πu₂,
/// vectorised through <see cref="TensorPrimitives"/> in double precision, on 53-bit uniforms u₁ ∈ (0, 1], u₂ ∈ [0, 1)
/// of one <see cref="Rng"/> stream (two 64-bit outputs per pair). The largest |z| it can produce is √(−2 ln 2⁻⁵³) ≈ 8.57,
/// so tails beyond that (probability ≈ 10⁻¹⁷ per coordinate) are cut; the certificates ignore this, as every published
/// one does for its float32 sampler. Deterministic: the output depends only on the stream state. Not thread-safe.
/// </summary>
public sealed class GaussianNoise
{
    private double[] _u1 = [], _u2 = [], _s = [], _c = [];

    /// <summary>Fills <paramref name="destination"/> with i.i.d. N(0, 1) values drawn from <paramref name="rng"/>.</summary>
    public void Fill(Span<float> destination, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int pairs = (destination.Length + 1) / 2;
        Ensure(pairs);
        Draw(pairs, rng);
        for (int i = 0, j = 0; i < pairs; i++)
        {
            destination[j++] = (float)_c[i];
            if (j < destination.Length) destination[j++] = (float)_s[i];
        }
    }

    /// <summary>Fills <paramref name="destination"/> with i.i.d. N(0, 1) values in double precision.</summary>
    public void Fill(Span<double> destination, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int pairs = (destination.Length + 1) / 2;
        Ensure(pairs);
        Draw(pairs, rng);
        for (int i = 0, j = 0; i < pairs; i++)
        {
            destination[j++] = _c[i];
            if (j < destination.Length) destination[j++] = _s[i];
        }
    }

    private void Draw(int pairs, Rng rng)
    {
        var u1 = _u1.AsSpan(0, pairs); var u2 = _u2.AsSpan(0, pairs);
        for (int i = 0; i < pairs; i++)
        {
            u1[i] = 1.0 - rng.NextDouble();
            u2[i] = rng.NextDouble();
        }
        var s = _s.AsSpan(0, pairs); var c = _c.AsSpan(0, pairs);
        TensorPrimitives.Log(u1, u1);
        TensorPrimitives.Multiply(u1, -2.0, u1);
        TensorPrimitives.Sqrt(u1, u1);
        TensorPrimitives.Multiply(u2, 2 * Math.PI, u2);
        TensorPrimitives.SinCos(u2, s, c);
        TensorPrimitives.Multiply(s, u1, s);
        TensorPrimitives.Multiply(c, u1, c);
    }

    private void Ensure(int pairs)
    {
        if (_u1.Length >= pairs) return;
        _u1 = new double[pairs]; _u2 = new double[pairs]; _s = new double[pairs]; _c = new double[pairs];
    }
}
