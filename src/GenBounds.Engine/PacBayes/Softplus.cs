using System.Numerics;
using System.Runtime.InteropServices;

namespace GenBounds.PacBayes;

/// <summary>
/// σ = softplus(ρ) = ln(1 + e^ρ), PBB's parametrisation of a posterior standard deviation (ρ = ln(e^σ − 1)), with its
/// derivative dσ/dρ = sigmoid(ρ). Evaluated as max(ρ, 0) + log1p(e^{−|ρ|}), where log1p(t) = ln(u)·t/(u − 1) for
/// u = 1 + t rounded (Goldberg's trick), so small σ keep full relative precision in float32. Vectorised.
/// </summary>
public static class Softplus
{
    /// <summary>softplus(ρ) in double.</summary>
    public static double Value(double rho) => Math.Max(rho, 0) + MathEx.Log1P(Math.Exp(-Math.Abs(rho)));

    /// <summary>softplus⁻¹(σ) = ln(e^σ − 1) = σ + ln(1 − e^{−σ}), for σ &gt; 0.</summary>
    public static double Inverse(double sigma)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma)) throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "σ must be positive and finite");
        return sigma + Math.Log(-MathEx.ExpM1(-sigma));
    }

    /// <summary>sigmoid(ρ) = dσ/dρ in double.</summary>
    public static double Derivative(double rho) => 1 / (1 + Math.Exp(-rho));

    /// <summary>σ = softplus(ρ) and (optionally) dσ/dρ for every element.</summary>
    public static void Apply(ReadOnlySpan<float> rho, Span<float> sigma, Span<float> derivative)
    {
        if (sigma.Length != rho.Length || (!derivative.IsEmpty && derivative.Length != rho.Length))
            throw new ArgumentException("softplus buffers must have equal length");
        bool withDerivative = !derivative.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var one = Vector<float>.One;
            ref float r0 = ref MemoryMarshal.GetReference(rho);
            ref float s0 = ref MemoryMarshal.GetReference(sigma);
            ref float d0 = ref MemoryMarshal.GetReference(derivative);
            for (; i <= rho.Length - w; i += w)
            {
                var r = Vector.LoadUnsafe(ref r0, (nuint)i);
                var t = Vector.Exp(-Vector.Abs(r));            // e^{−|ρ|} ∈ (0, 1]
                var u = one + t;
                var d = u - one;
                var log1p = Vector.ConditionalSelect(Vector.Equals(d, Vector<float>.Zero), t, Vector.Log(u) * t / Vector.Max(d, new Vector<float>(float.Epsilon)));
                (Vector.Max(r, Vector<float>.Zero) + log1p).StoreUnsafe(ref s0, (nuint)i);
                if (withDerivative)
                {
                    // sigmoid(ρ) = 1/(1 + e^{−ρ}): 1/u for ρ ≥ 0, t/u for ρ < 0.
                    var positive = Vector.GreaterThanOrEqual(r, Vector<float>.Zero);
                    Vector.ConditionalSelect(positive, one / u, t / u).StoreUnsafe(ref d0, (nuint)i);
                }
            }
        }
        for (; i < rho.Length; i++)
        {
            double r = rho[i];
            sigma[i] = (float)Value(r);
            if (withDerivative) derivative[i] = (float)Derivative(r);
        }
    }
}
