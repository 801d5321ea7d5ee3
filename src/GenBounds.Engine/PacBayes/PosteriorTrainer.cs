using System.Diagnostics;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.PacBayes;

/// <summary>Statistics of one posterior-training epoch (averages over its mini-batches, before each step).</summary>
/// <param name="Epoch">0-based epoch.</param>
/// <param name="Objective">Mean training objective.</param>
/// <param name="BoundedCrossEntropy">Mean bounded cross-entropy of the sampled networks.</param>
/// <param name="StochasticError">Fraction of training examples misclassified by their sampled network.</param>
/// <param name="Kl">KL(Q‖P) at the end of the epoch (float32 running value; certificates recompute it exactly).</param>
/// <param name="PriorSigma">σ_P at the end of the epoch.</param>
/// <param name="Seconds">Wall-clock time.</param>
public sealed record PosteriorEpochStats(int Epoch, double Objective, double BoundedCrossEntropy, double StochasticError, double Kl, double PriorSigma, double Seconds)
{
    /// <summary>Where the epoch's time went: batch, noise, forward, loss, backward, update (optimiser, softplus, KL).</summary>
    public IReadOnlyDictionary<string, double> PhaseSeconds { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Trains a diagonal-Gaussian posterior Q = N(μ, diag softplus(ρ)²) over all weights of an MLP against the prior
/// P = N(μ_P, σ_P² I) by minimising a PAC-Bayes objective (f-quad, f-λ, f-classic) of the bounded cross-entropy with
/// pathwise gradients through the local reparametrisation (<see cref="GaussianBackprop{T}"/>). σ_P is fixed (PBB) or
/// learned through ln σ_P (Dziugaite–Roy), including the continuous relaxation 2 ln(b ln(c/λ)) + ln(π²/6) of the
/// grid's union-bound cost. Deterministic for a seed and BLAS thread count; state can be exported after any epoch
/// and re-imported to resume bit-identically.
/// </summary>
public sealed class PosteriorTrainer
{
    private sealed class Block(float[] mu, float[] rho, float[] priorMu, float[] gMu, float[] gVar, string name)
    {
        public readonly float[] Mu = mu, Rho = rho, PriorMu = priorMu, GMu = gMu, GVar = gVar;
        public readonly string Name = name;
        public readonly float[] Sigma = new float[mu.Length], Deriv = new float[mu.Length], Var = new float[mu.Length];
        public readonly float[] MMu = new float[mu.Length], VMu = new float[mu.Length], MRho = new float[mu.Length], VRho = new float[mu.Length];
    }

    private readonly GaussianMlp _q;
    private readonly Mlp _priorMean;
    private readonly PosteriorTrainingOptions _o;
    private readonly GaussianBackprop<float> _bp;
    private readonly List<Block> _blocks = [];
    private readonly float[][] _wVar, _bVar;
    private readonly float[]?[] _bMean, _bVarOrNull;
    private readonly float[] _x;
    private readonly int[] _y;
    private readonly GaussianNoise _noise = new();
    private double _logPriorSigma, _priorM, _priorV;      // ln σ_P and its optimiser state
    private double _kl, _klSlope;                        // KL(Q‖P) and ∂KL/∂ln σ_P at the current parameters

    /// <summary>Prepares training of <paramref name="posterior"/> (updated in place) against N(<paramref name="priorMean"/>, σ_P² I).</summary>
    public PosteriorTrainer(GaussianMlp posterior, Mlp priorMean, double priorSigma, PosteriorTrainingOptions options, ILinearAlgebraProvider la)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(priorMean);
        ArgumentNullException.ThrowIfNull(la);
        options.Validate();
        if (!(priorSigma > 0) || double.IsInfinity(priorSigma)) throw new ArgumentOutOfRangeException(nameof(priorSigma), priorSigma, "σ_P must be positive");
        if (!priorMean.Architecture.Equals(posterior.Architecture)) throw new ArgumentException($"prior architecture {priorMean.Architecture} differs from the posterior's {posterior.Architecture}");
        _q = posterior; _priorMean = priorMean; _o = options;
        var arch = posterior.Architecture;
        _bp = new GaussianBackprop<float>(la, arch.LayerSizes, arch.Bias, options.BatchSize);
        int L = arch.Depth;
        _wVar = new float[L][]; _bVar = new float[L][];
        for (int l = 0; l < L; l++)
        {
            var w = new Block(posterior.WeightMeans[l], posterior.WeightRhos[l], priorMean.Layers[l].Weight, _bp.WeightMeanGradients[l], _bp.WeightVarianceGradients[l], $"{2 * l}.weight");
            _blocks.Add(w); _wVar[l] = w.Var;
            if (arch.Bias)
            {
                var b = new Block(posterior.BiasMeans[l], posterior.BiasRhos[l], priorMean.Layers[l].Bias!, _bp.BiasMeanGradients[l], _bp.BiasVarianceGradients[l], $"{2 * l}.bias");
                _blocks.Add(b); _bVar[l] = b.Var;
            }
            else _bVar[l] = [];
        }
        _bMean = posterior.BiasMeans.Select(b => b.Length == 0 ? null : b).ToArray();
        _bVarOrNull = _bVar.Select(b => b.Length == 0 ? null : b).ToArray();
        _x = new float[options.BatchSize * arch.InputSize];
        _y = new int[options.BatchSize];
        _logPriorSigma = Math.Log(priorSigma);
        Refresh();
        Seeds = new SeedStreams(options.Seed);
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed.</summary>
    public int EpochsDone { get; private set; }
    /// <summary>Current σ_P.</summary>
    public double PriorSigma => Math.Exp(_logPriorSigma);
    /// <summary>Number of Gaussian coordinates N.</summary>
    public long Coordinates => _q.ParameterCount;
    /// <summary>Running KL(Q‖P) at the current σ_P (float32 per-coordinate terms summed in double).</summary>
    public double Kl => _kl;

    // Continuous relaxation of the prior-variance grid's union cost 2 ln j + ln(π²/6), j = b ln(c/λ), λ = σ_P².
    private (double Cost, double DLogSigma) GridCost()
    {
        if (!_o.LearnPriorScale) return (0, 0);
        var g = _o.PriorGrid;
        double lnRatio = Math.Log(g.Base) - 2 * _logPriorSigma, j = g.Precision * lnRatio;
        double cost = Math.Log(Math.PI * Math.PI / 6);
        if (j <= 1) return (cost, 0);
        return (cost + 2 * Math.Log(j), -4 / lnRatio);
    }

    /// <summary>Runs one epoch over <paramref name="train"/> (mini-batches in the order of stream <c>pacbayes/posterior/data-order/epoch-e</c>).</summary>
    public PosteriorEpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        var arch = _q.Architecture;
        var sw = Stopwatch.StartNew();
        int epoch = EpochsDone;
        var (order, noiseRng) = PosteriorEpoch.Begin(train, arch, Seeds, epoch);
        long m = _o.ObjectiveSampleSize ?? train.Count;
        int n = train.Count, B = _o.BatchSize, batches = (n + B - 1) / B;
        double objSum = 0, ceSum = 0; long errSum = 0;
        var ticks = new long[6];
        long Now() => System.Diagnostics.Stopwatch.GetTimestamp();
        for (int bi = 0; bi < batches; bi++)
        {
            long t0 = Now();
            int start = bi * B, batch = Math.Min(B, n - start);
            PosteriorEpoch.Gather(train, order, start, batch, _x, _y);
            long t1 = Now();
            for (int l = 0; l < arch.Depth; l++) _noise.Fill(_bp.Noise[l].AsSpan(0, batch * arch.LayerSizes[l + 1]), noiseRng);
            long t2 = Now();
            _bp.Forward(_q.WeightMeans, _wVar, _bMean, _bVarOrNull, _x, batch);
            long t3 = Now();
            double ce = _bp.BoundedCrossEntropy(_y.AsSpan(0, batch), batch, _o.PMin, out int errors);
            var (gridCost, gridSlope) = GridCost();
            var obj = TrainingObjective.Evaluate(_o.Objective, ce, Kl + gridCost, m, _o.Delta, _o.KlPenalty);
            objSum += obj.Value * batch; ceSum += ce * batch; errSum += errors;
            long t4 = Now();
            _bp.Backward(_q.WeightMeans, _wVar, _x, batch);
            long t5 = Now();
            Step++;
            Update(obj, gridSlope);
            long t6 = Now();
            ticks[0] += t1 - t0; ticks[1] += t2 - t1; ticks[2] += t3 - t2; ticks[3] += t4 - t3; ticks[4] += t5 - t4; ticks[5] += t6 - t5;
            if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                progress(new BatchProgress(epoch, bi + 1, batches, objSum / (start + batch), 1 - (double)errSum / (start + batch)));
        }
        EpochsDone++;
        double f = 1.0 / System.Diagnostics.Stopwatch.Frequency;
        string[] names = ["batch", "noise", "forward", "loss", "backward", "update"];
        return new PosteriorEpochStats(epoch, objSum / n, ceSum / n, (double)errSum / n, Kl, PriorSigma, sw.Elapsed.TotalSeconds)
        {
            PhaseSeconds = Enumerable.Range(0, 6).ToDictionary(i => names[i], i => ticks[i] * f),
        };
    }

    private void Update(in ObjectiveValue obj, double gridSlope)
    {
        float a = (float)obj.DRisk, b = (float)obj.DKl;
        double invVarP = Math.Exp(-2 * _logPriorSigma);
        // ∂objective/∂ln σ_P = DKl·(∂KL/∂ln σ_P + ∂gridCost/∂ln σ_P), with ∂KL/∂ln σ_P = Σ_j [1 − (σ_j² + Δμ_j²)/σ_P²].
        double gPrior = obj.DKl * (_klSlope + gridSlope);
        foreach (var blk in _blocks) CombineGradients(blk, a, b, (float)invVarP);
        if (_o.Optimizer == OptimizerKind.Adam)
        {
            double bc1 = 1 - Math.Pow(_o.Beta1, Step), bc2 = 1 - Math.Pow(_o.Beta2, Step);
            var c = new OptimizerSteps.AdamCoefficients((float)_o.Beta1, (float)_o.Beta2, (float)(_o.LearningRate / bc1), (float)(1 / Math.Sqrt(bc2)), (float)_o.Epsilon, 0, 0);
            var cr = c with { StepSize = (float)(_o.LearningRate * _o.RhoLearningRateFactor / bc1) };
            foreach (var blk in _blocks)
            {
                OptimizerSteps.Adam(blk.Mu, blk.GMu, blk.MMu, blk.VMu, default, c);
                OptimizerSteps.Adam(blk.Rho, blk.GVar, blk.MRho, blk.VRho, default, cr);
            }
            if (_o.LearnPriorScale)
            {
                _priorM = _o.Beta1 * _priorM + (1 - _o.Beta1) * gPrior;
                _priorV = _o.Beta2 * _priorV + (1 - _o.Beta2) * gPrior * gPrior;
                _logPriorSigma -= _o.LearningRate / bc1 * _priorM / (Math.Sqrt(_priorV / bc2) + _o.Epsilon);
            }
        }
        else
        {
            float lr = (float)_o.LearningRate, mu = (float)_o.Momentum;
            foreach (var blk in _blocks)
            {
                OptimizerSteps.Sgd(blk.Mu, blk.GMu, blk.MMu, default, lr, mu, 0, 0, Step == 1);
                OptimizerSteps.Sgd(blk.Rho, blk.GVar, blk.MRho, default, lr * (float)_o.RhoLearningRateFactor, mu, 0, 0, Step == 1);
            }
            if (_o.LearnPriorScale)
            {
                _priorM = Step == 1 ? gPrior : _o.Momentum * _priorM + gPrior;
                _logPriorSigma -= _o.LearningRate * _priorM;
            }
        }
        Refresh();
    }

    // gμ ← a·∂risk/∂μ + b·(μ − μ_P)/σ_P²;  gρ ← (a·∂risk/∂σ²·2σ + b·(σ/σ_P² − 1/σ))·dσ/dρ  (written over the backprop buffers).
    private static void CombineGradients(Block blk, float a, float b, float invVarP)
    {
        var mu = blk.Mu.AsSpan(); var pm = blk.PriorMu.AsSpan(); var gm = blk.GMu.AsSpan(); var gv = blk.GVar.AsSpan();
        var s = blk.Sigma.AsSpan(); var ds = blk.Deriv.AsSpan();
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var va = new Vector<float>(a); var vb = new Vector<float>(b); var vi = new Vector<float>(invVarP); var two = new Vector<float>(2f);
            ref float rmu = ref MemoryMarshal.GetReference(mu); ref float rpm = ref MemoryMarshal.GetReference(pm);
            ref float rgm = ref MemoryMarshal.GetReference(gm); ref float rgv = ref MemoryMarshal.GetReference(gv);
            ref float rs = ref MemoryMarshal.GetReference(s); ref float rds = ref MemoryMarshal.GetReference(ds);
            for (; i <= mu.Length - w; i += w)
            {
                var sig = Vector.LoadUnsafe(ref rs, (nuint)i);
                var g1 = va * Vector.LoadUnsafe(ref rgm, (nuint)i) + vb * (Vector.LoadUnsafe(ref rmu, (nuint)i) - Vector.LoadUnsafe(ref rpm, (nuint)i)) * vi;
                var g2 = (va * Vector.LoadUnsafe(ref rgv, (nuint)i) * two * sig + vb * (sig * vi - Vector<float>.One / sig)) * Vector.LoadUnsafe(ref rds, (nuint)i);
                g1.StoreUnsafe(ref rgm, (nuint)i); g2.StoreUnsafe(ref rgv, (nuint)i);
            }
        }
        for (; i < mu.Length; i++)
        {
            gm[i] = a * gm[i] + b * (mu[i] - pm[i]) * invVarP;
            gv[i] = (a * gv[i] * 2 * s[i] + b * (s[i] * invVarP - 1 / s[i])) * ds[i];
        }
    }

    // σ, dσ/dρ, σ² of the current ρ, KL(Q‖P) and ∂KL/∂ln σ_P. Each coordinate's KL term is formed before summing:
    // with a million coordinates the separate sums N ln σ_P, Σ ln σ and Σ σ²/(2σ_P²) cancel to far below float precision.
    private void Refresh()
    {
        double kl = 0, slope = 0, logSigmaP = _logPriorSigma;
        float invSigmaP = (float)Math.Exp(-logSigmaP), invVarP = invSigmaP * invSigmaP;
        foreach (var blk in _blocks)
        {
            Softplus.Apply(blk.Rho, blk.Sigma, blk.Deriv);
            TensorPrimitives.Multiply(blk.Sigma, blk.Sigma, blk.Var);
            for (int i = 0; i < blk.Mu.Length; i += 4096)
            {
                int len = Math.Min(4096, blk.Mu.Length - i);
                var (k, g) = KlTerms(blk.Sigma.AsSpan(i, len), blk.Mu.AsSpan(i, len), blk.PriorMu.AsSpan(i, len), invSigmaP, invVarP);
                kl += k; slope += g;
            }
        }
        _kl = Math.Max(0, kl); _klSlope = slope;
    }

    // Per coordinate, with u = σ/σ_P and t = u² − 1: KL term ½(t − log1p(t) + Δμ²/σ_P²) and slope −(t + Δμ²/σ_P²);
    // log1p by Goldberg's trick on the rounded 1 + t, so t − log1p(t) ≈ t²/2 keeps its relative precision.
    private static (double Kl, double Slope) KlTerms(ReadOnlySpan<float> sigma, ReadOnlySpan<float> mu, ReadOnlySpan<float> priorMu, float invSigmaP, float invVarP)
    {
        int i = 0;
        double kl = 0, slope = 0;
        if (Vector.IsHardwareAccelerated)
        {
            int w = Vector<float>.Count;
            var one = Vector<float>.One; var half = new Vector<float>(0.5f);
            var vis = new Vector<float>(invSigmaP); var viv = new Vector<float>(invVarP);
            Vector<float> accK = Vector<float>.Zero, accS = Vector<float>.Zero;
            ref float rs = ref MemoryMarshal.GetReference(sigma); ref float rm = ref MemoryMarshal.GetReference(mu); ref float rp = ref MemoryMarshal.GetReference(priorMu);
            for (; i <= sigma.Length - w; i += w)
            {
                var u = Vector.LoadUnsafe(ref rs, (nuint)i) * vis;
                var t = u * u - one;
                var wv = one + t;
                var d = wv - one;
                var log1p = Vector.ConditionalSelect(Vector.Equals(d, Vector<float>.Zero), t, Vector.Log(wv) * t / Vector.ConditionalSelect(Vector.Equals(d, Vector<float>.Zero), one, d));
                // Far from σ = σ_P (|t| ≥ ½) ln(1 + t) = 2 ln u directly: 1 + t rounds to 0 in float32 when σ ≪ σ_P.
                log1p = Vector.ConditionalSelect(Vector.LessThan(Vector.Abs(t), half), log1p, new Vector<float>(2f) * Vector.Log(u));
                var dm = Vector.LoadUnsafe(ref rm, (nuint)i) - Vector.LoadUnsafe(ref rp, (nuint)i);
                var dd = dm * dm * viv;
                accK += half * (t - log1p + dd);
                accS -= t + dd;
            }
            kl = Vector.Sum(accK); slope = Vector.Sum(accS);
        }
        for (; i < sigma.Length; i++)
        {
            double u = sigma[i] * (double)invSigmaP, t = u * u - 1, dm = (double)mu[i] - priorMu[i], dd = dm * dm * invVarP;
            kl += 0.5 * (t - (Math.Abs(t) < 0.5 ? MathEx.Log1P(t) : 2 * Math.Log(u)) + dd);
            slope -= t + dd;
        }
        return (kl, slope);
    }

    /// <summary>Optimiser state (moments per block, named like <c>posterior.m_mu.0.weight</c>) and counters, for checkpoints.</summary>
    public (IReadOnlyDictionary<string, float[]> Tensors, long Step, int Epochs, double LogPriorSigma, double[] PriorMoments) ExportState()
    {
        var t = new Dictionary<string, float[]>();
        foreach (var blk in _blocks)
        {
            t[$"opt.m_mu.{blk.Name}"] = (float[])blk.MMu.Clone(); t[$"opt.v_mu.{blk.Name}"] = (float[])blk.VMu.Clone();
            t[$"opt.m_rho.{blk.Name}"] = (float[])blk.MRho.Clone(); t[$"opt.v_rho.{blk.Name}"] = (float[])blk.VRho.Clone();
        }
        return (t, Step, EpochsDone, _logPriorSigma, [_priorM, _priorV]);
    }

    /// <summary>Restores a state from <see cref="ExportState"/> (the posterior's μ and ρ are restored by the caller).</summary>
    public void ImportState(IReadOnlyDictionary<string, float[]> tensors, long step, int epochs, double logPriorSigma, double[] priorMoments)
    {
        void Load(string key, float[] dst)
        {
            if (!tensors.TryGetValue(key, out var src)) throw new InvalidDataException($"checkpoint lacks optimiser tensor '{key}'");
            if (src.Length != dst.Length) throw new InvalidDataException($"checkpoint tensor '{key}' has {src.Length} values, expected {dst.Length}");
            src.CopyTo(dst, 0);
        }
        foreach (var blk in _blocks)
        {
            Load($"opt.m_mu.{blk.Name}", blk.MMu); Load($"opt.v_mu.{blk.Name}", blk.VMu);
            Load($"opt.m_rho.{blk.Name}", blk.MRho); Load($"opt.v_rho.{blk.Name}", blk.VRho);
        }
        if (priorMoments.Length != 2) throw new InvalidDataException("prior-scale optimiser state must hold two moments");
        Step = step; EpochsDone = epochs; _logPriorSigma = logPriorSigma; _priorM = priorMoments[0]; _priorV = priorMoments[1];
        Refresh();
    }
}
