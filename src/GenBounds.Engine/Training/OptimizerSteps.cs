using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace GenBounds.Training;

/// <summary>
/// Single-pass optimiser updates. PyTorch's reference Adam makes about ten passes over every parameter per step;
/// here each parameter, its gradient and its moments are read and written once, which is what keeps Adam's share of
/// an epoch small (the step is memory-bound). The arithmetic follows PyTorch's order of operations.
/// </summary>
public static class OptimizerSteps
{
    /// <summary>Coefficients of one Adam step (bias corrections precomputed per step).</summary>
    public readonly record struct AdamCoefficients(float Beta1, float Beta2, float StepSize, float InvBiasCorrection2Sqrt, float Epsilon, float WeightDecay, float PriorCoefficient)
    {
        /// <summary>Coefficients for step number <paramref name="step"/> (1-based).</summary>
        public static AdamCoefficients For(TrainingOptions o, long step, int layers)
        {
            double bc1 = 1 - Math.Pow(o.Beta1, step), bc2 = 1 - Math.Pow(o.Beta2, step);
            return new((float)o.Beta1, (float)o.Beta2, (float)(o.LearningRate / bc1), (float)(1 / Math.Sqrt(bc2)),
                (float)o.Epsilon, (float)o.WeightDecay, PriorGradientCoefficient(o, layers));
        }
    }

    /// <summary>d/dp of λ/(K+1)·‖p − p₀‖² is 2λ/(K+1)·(p − p₀).</summary>
    public static float PriorGradientCoefficient(TrainingOptions o, int layers) => (float)(2 * o.PriorPenalty / layers);

    /// <summary>
    /// g ← g + wd·p + κ(p − p₀); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − s·m/(√v/√bc₂ + ε).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Adam(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, ReadOnlySpan<float> prior, in AdamCoefficients c)
    {
        if (g.Length != p.Length || m.Length != p.Length || v.Length != p.Length || (!prior.IsEmpty && prior.Length != p.Length))
            throw new ArgumentException("Adam: parameter, gradient and moment buffers must have equal length");
        bool hasPrior = !prior.IsEmpty && c.PriorCoefficient != 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(c.Beta1); var b2 = new Vector<float>(c.Beta2);
            var ob1 = new Vector<float>(1 - c.Beta1); var ob2 = new Vector<float>(1 - c.Beta2);
            var ss = new Vector<float>(c.StepSize); var ibc = new Vector<float>(c.InvBiasCorrection2Sqrt);
            var eps = new Vector<float>(c.Epsilon); var wd = new Vector<float>(c.WeightDecay); var pk = new Vector<float>(c.PriorCoefficient);
            ref float rp = ref MemoryMarshal.GetReference(p); ref float rm = ref MemoryMarshal.GetReference(m);
            ref float rv = ref MemoryMarshal.GetReference(v);
            ref float rg = ref MemoryMarshal.GetReference(g); ref float rq = ref MemoryMarshal.GetReference(prior);
            int w = Vector<float>.Count;
            for (; i <= p.Length - w; i += w)
            {
                var pv = Vector.LoadUnsafe(ref rp, (nuint)i);
                var gv = Vector.LoadUnsafe(ref rg, (nuint)i);
                if (c.WeightDecay != 0) gv += wd * pv;
                if (hasPrior) gv += pk * (pv - Vector.LoadUnsafe(ref rq, (nuint)i));
                var mv = b1 * Vector.LoadUnsafe(ref rm, (nuint)i) + ob1 * gv;
                var vv = b2 * Vector.LoadUnsafe(ref rv, (nuint)i) + ob2 * (gv * gv);
                var denom = Vector.SquareRoot(vv) * ibc + eps;
                pv -= ss * mv / denom;
                mv.StoreUnsafe(ref rm, (nuint)i); vv.StoreUnsafe(ref rv, (nuint)i); pv.StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < p.Length; i++)
        {
            float gi = g[i];
            if (c.WeightDecay != 0) gi += c.WeightDecay * p[i];
            if (hasPrior) gi += c.PriorCoefficient * (p[i] - prior[i]);
            m[i] = c.Beta1 * m[i] + (1 - c.Beta1) * gi;
            v[i] = c.Beta2 * v[i] + (1 - c.Beta2) * (gi * gi);
            p[i] -= c.StepSize * m[i] / (MathF.Sqrt(v[i]) * c.InvBiasCorrection2Sqrt + c.Epsilon);
        }
    }

    /// <summary>
    /// <see cref="Adam"/> under a pruning mask (1 keep, 0 pruned, as float): kept entries get exactly the unmasked update
    /// (selected, not multiplied, so the arithmetic is the same instruction sequence), pruned entries and their moments are
    /// set to exactly 0 whatever the gradient, weight decay or prior term would have done.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AdamMasked(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, ReadOnlySpan<float> prior,
        ReadOnlySpan<float> mask, in AdamCoefficients c)
    {
        if (g.Length != p.Length || m.Length != p.Length || v.Length != p.Length || mask.Length != p.Length || (!prior.IsEmpty && prior.Length != p.Length))
            throw new ArgumentException("Adam: parameter, gradient, moment and mask buffers must have equal length");
        bool hasPrior = !prior.IsEmpty && c.PriorCoefficient != 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var b1 = new Vector<float>(c.Beta1); var b2 = new Vector<float>(c.Beta2);
            var ob1 = new Vector<float>(1 - c.Beta1); var ob2 = new Vector<float>(1 - c.Beta2);
            var ss = new Vector<float>(c.StepSize); var ibc = new Vector<float>(c.InvBiasCorrection2Sqrt);
            var eps = new Vector<float>(c.Epsilon); var wd = new Vector<float>(c.WeightDecay); var pk = new Vector<float>(c.PriorCoefficient);
            ref float rp = ref MemoryMarshal.GetReference(p); ref float rm = ref MemoryMarshal.GetReference(m);
            ref float rv = ref MemoryMarshal.GetReference(v); ref float rk = ref MemoryMarshal.GetReference(mask);
            ref float rg = ref MemoryMarshal.GetReference(g); ref float rq = ref MemoryMarshal.GetReference(prior);
            int w = Vector<float>.Count;
            for (; i <= p.Length - w; i += w)
            {
                var keep = Vector.GreaterThan(Vector.LoadUnsafe(ref rk, (nuint)i), Vector<float>.Zero);
                var pv = Vector.LoadUnsafe(ref rp, (nuint)i);
                var gv = Vector.LoadUnsafe(ref rg, (nuint)i);
                if (c.WeightDecay != 0) gv += wd * pv;
                if (hasPrior) gv += pk * (pv - Vector.LoadUnsafe(ref rq, (nuint)i));
                var mv = b1 * Vector.LoadUnsafe(ref rm, (nuint)i) + ob1 * gv;
                var vv = b2 * Vector.LoadUnsafe(ref rv, (nuint)i) + ob2 * (gv * gv);
                var denom = Vector.SquareRoot(vv) * ibc + eps;
                pv -= ss * mv / denom;
                Vector.ConditionalSelect(keep, mv, Vector<float>.Zero).StoreUnsafe(ref rm, (nuint)i);
                Vector.ConditionalSelect(keep, vv, Vector<float>.Zero).StoreUnsafe(ref rv, (nuint)i);
                Vector.ConditionalSelect(keep, pv, Vector<float>.Zero).StoreUnsafe(ref rp, (nuint)i);
            }
        }
        for (; i < p.Length; i++)
        {
            if (!(mask[i] > 0)) { p[i] = 0; m[i] = 0; v[i] = 0; continue; }
            float gi = g[i];
            if (c.WeightDecay != 0) gi += c.WeightDecay * p[i];
            if (hasPrior) gi += c.PriorCoefficient * (p[i] - prior[i]);
            m[i] = c.Beta1 * m[i] + (1 - c.Beta1) * gi;
            v[i] = c.Beta2 * v[i] + (1 - c.Beta2) * (gi * gi);
            p[i] -= c.StepSize * m[i] / (MathF.Sqrt(v[i]) * c.InvBiasCorrection2Sqrt + c.Epsilon);
        }
    }

    /// <summary><see cref="Sgd"/> under a pruning mask: pruned entries and their momentum are set to exactly 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SgdMasked(Span<float> p, ReadOnlySpan<float> g, Span<float> buf, ReadOnlySpan<float> prior, ReadOnlySpan<float> mask,
        float lr, float momentum, float weightDecay, float priorCoefficient, bool firstStep)
    {
        if (mask.Length != p.Length) throw new ArgumentException("SGD: mask and parameter buffers must have equal length");
        Sgd(p, g, buf, prior, lr, momentum, weightDecay, priorCoefficient, firstStep);
        for (int i = 0; i < p.Length; i++)
            if (!(mask[i] > 0)) { p[i] = 0; buf[i] = 0; }
    }

    /// <summary>
    /// g ← g + wd·p + κ(p − p₀); b ← μb + g (b ← g on the first step, as PyTorch); p ← p − lr·b.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Sgd(Span<float> p, ReadOnlySpan<float> g, Span<float> buf, ReadOnlySpan<float> prior,
        float lr, float momentum, float weightDecay, float priorCoefficient, bool firstStep)
    {
        if (g.Length != p.Length || buf.Length != p.Length) throw new ArgumentException("SGD: buffers must have equal length");
        bool hasPrior = !prior.IsEmpty && priorCoefficient != 0;
        int start = 0;
        // The common case (no decay, no prior) vectorised; the element-wise operations are the scalar loop's, in its order.
        if (Vector.IsHardwareAccelerated && weightDecay == 0 && !hasPrior)
        {
            int w = Vector<float>.Count;
            var vlr = new Vector<float>(lr); var vmu = new Vector<float>(momentum);
            ref float rp = ref MemoryMarshal.GetReference(p); ref float rg = ref MemoryMarshal.GetReference(g); ref float rb = ref MemoryMarshal.GetReference(buf);
            bool plain = momentum == 0 || firstStep;
            for (; start <= p.Length - w; start += w)
            {
                var gi = Vector.LoadUnsafe(ref rg, (nuint)start);
                var b = plain ? gi : vmu * Vector.LoadUnsafe(ref rb, (nuint)start) + gi;
                b.StoreUnsafe(ref rb, (nuint)start);
                (Vector.LoadUnsafe(ref rp, (nuint)start) - vlr * b).StoreUnsafe(ref rp, (nuint)start);
            }
        }
        for (int i = start; i < p.Length; i++)
        {
            float gi = g[i];
            if (weightDecay != 0) gi += weightDecay * p[i];
            if (hasPrior) gi += priorCoefficient * (p[i] - prior[i]);
            float b = momentum == 0 ? gi : firstStep ? gi : momentum * buf[i] + gi;
            buf[i] = b;
            p[i] -= lr * b;
        }
    }
}
