using System.Numerics.Tensors;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>
/// Standard normal noise in bulk: the Box–Muller transform z₀ = r cos θ, z₁ = r sin θ with r = √(−2 ln u₁), θ = 2πu₂,
/// vectorised, on uniforms u₁ ∈ (0, 1] (53 bits) and u₂ ∈ [0, 1) of one <see cref="Rng"/> stream (two 64-bit outputs
/// per pair). The largest |z| it can produce is √(−2 ln 2⁻⁵³) ≈ 8.57,
/// so tails beyond that (probability ≈ 10⁻¹⁷ per coordinate) are cut; the certificates ignore this, as every published
/// one does for its float32 sampler. Deterministic: the output depends only on the stream state. Not thread-safe.
/// </summary>
public sealed class GaussianNoise
{
    private double[] _u1 = [], _u2 = [], _s = [], _c = [];

    private float[] _theta = [], _rf = [], _sf = [], _cf = [];

    /// <summary>
    /// Fills <paramref name="destination"/> with i.i.d. N(0, 1) values drawn from <paramref name="rng"/>. The radius
    /// √(−2 ln u₁) is computed in double from the 53-bit u₁ (so the tail reaches 8.57); the angle 2πu₂ uses a 24-bit u₂ and
    /// float32 sine and cosine (an angle grid of 2π·2⁻²⁴, far below float32 output resolution). Both vectorised.
    /// </summary>
    public void Fill(Span<float> destination, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int pairs = (destination.Length + 1) / 2;
        Ensure(pairs);
        if (_theta.Length < pairs) { _theta = new float[pairs]; _rf = new float[pairs]; _sf = new float[pairs]; _cf = new float[pairs]; }
        var u1 = _u1.AsSpan(0, pairs); var theta = _theta.AsSpan(0, pairs);
        const float angle = (float)(2 * Math.PI / (1 << 24));
        for (int i = 0; i < pairs; i++)
        {
            u1[i] = 1.0 - rng.NextDouble();
            theta[i] = (rng.NextUInt64() >> 40) * angle;
        }
        var r = _rf.AsSpan(0, pairs); var sn = _sf.AsSpan(0, pairs); var cs = _cf.AsSpan(0, pairs);
        int k = 0;
        if (System.Numerics.Vector.IsHardwareAccelerated)
        {
            int wd = System.Numerics.Vector<double>.Count, wf = System.Numerics.Vector<float>.Count;
            var m2 = new System.Numerics.Vector<double>(-2.0);
            for (; k <= pairs - wf && wf == 2 * wd; k += wf)
            {
                var a = System.Numerics.Vector.SquareRoot(m2 * System.Numerics.Vector.Log(new System.Numerics.Vector<double>(u1.Slice(k, wd))));
                var b = System.Numerics.Vector.SquareRoot(m2 * System.Numerics.Vector.Log(new System.Numerics.Vector<double>(u1.Slice(k + wd, wd))));
                System.Numerics.Vector.Narrow(a, b).CopyTo(r.Slice(k, wf));
                var (sv, cv) = System.Numerics.Vector.SinCos(new System.Numerics.Vector<float>(theta.Slice(k, wf)));
                sv.CopyTo(sn.Slice(k, wf)); cv.CopyTo(cs.Slice(k, wf));
            }
        }
        for (; k < pairs; k++)
        {
            r[k] = (float)Math.Sqrt(-2.0 * Math.Log(u1[k]));
            (sn[k], cs[k]) = MathF.SinCos(theta[k]);
        }
        for (int i = 0, j = 0; i < pairs; i++)
        {
            destination[j++] = r[i] * cs[i];
            if (j < destination.Length) destination[j++] = r[i] * sn[i];
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
