using System.Diagnostics;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.PacBayes;

/// <summary>
/// Trains the posterior Q = N(μ₀ + Pz, s²I) against the data-free subspace prior N(μ₀, s²I + τ²PPᵀ) of a
/// <see cref="HashedSubspace"/> (docs/pacbayes.md §3b): only z (d numbers) is learnt; every weight keeps the noise s of
/// the prior's isotropic part, so Q is a diagonal Gaussian over all weights and the per-example draws of
/// <see cref="StochasticEvaluation"/> certify it unchanged. The objective uses the KL at the best τ² for the current z,
/// (d/2)·ln(1 + ‖z‖²/(d s²)); the certificate pays for τ² on a grid. Gradients: the pathwise ∂risk/∂μ of the local
/// reparametrisation (<see cref="GaussianBackprop{T}"/>), mapped to z by Pᵀ.
/// </summary>
public sealed class SubspacePosteriorTrainer
{
    private readonly GaussianMlp _q;
    private readonly Mlp _origin;
    private readonly HashedSubspace _p;
    private readonly PosteriorTrainingOptions _o;
    private readonly GaussianBackprop<float> _bp;
    private readonly float[][] _wVar;
    private readonly float[]?[] _bMean, _bVar;
    private readonly float[] _x, _z, _gz, _m, _v;
    private readonly double[] _gzd;
    private readonly int[] _y;
    private readonly GaussianNoise _noise = new();

    /// <summary>
    /// Prepares training of <paramref name="posterior"/> (its means are overwritten by μ₀ + Pz, z = 0 at the start; its ρ
    /// stay as given, normally softplus⁻¹(s) everywhere) with the noise <paramref name="noise"/> = s of the prior.
    /// </summary>
    public SubspacePosteriorTrainer(GaussianMlp posterior, Mlp origin, HashedSubspace subspace, double noise, PosteriorTrainingOptions options, ILinearAlgebraProvider la)
    {
        ArgumentNullException.ThrowIfNull(posterior);
        ArgumentNullException.ThrowIfNull(origin);
        ArgumentNullException.ThrowIfNull(subspace);
        ArgumentNullException.ThrowIfNull(la);
        options.Validate();
        if (!origin.Architecture.Equals(posterior.Architecture) || !subspace.Architecture.Equals(posterior.Architecture))
            throw new ArgumentException("posterior, origin and subspace must share one architecture");
        if (options.LearnPriorScale) throw new ArgumentException("the subspace prior learns τ² through its own grid; the isotropic prior-scale learning does not apply");
        _q = posterior; _origin = origin; _p = subspace; _o = options;
        if (!(noise > 0) || double.IsInfinity(noise)) throw new ArgumentOutOfRangeException(nameof(noise), noise, "s must be positive");
        Noise = noise;
        var arch = posterior.Architecture;
        _bp = new GaussianBackprop<float>(la, arch.LayerSizes, arch.Bias, options.BatchSize);
        float v = (float)(Noise * Noise);
        _wVar = posterior.WeightMeans.Select(w => Enumerable.Repeat(v, w.Length).ToArray()).ToArray();
        _bVar = posterior.BiasMeans.Select(b => b.Length == 0 ? null : Enumerable.Repeat(v, b.Length).ToArray()).ToArray();
        _bMean = posterior.BiasMeans.Select(b => b.Length == 0 ? null : b).ToArray();
        _x = new float[options.BatchSize * arch.InputSize];
        _y = new int[options.BatchSize];
        int d = subspace.Dimension;
        _z = new float[d]; _gz = new float[d]; _m = new float[d]; _v = new float[d]; _gzd = new double[d];
        subspace.Expand(_z, origin, posterior);
        Seeds = new SeedStreams(options.Seed);
    }

    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>s, the posterior's (and the prior's isotropic) standard deviation.</summary>
    public double Noise { get; }
    /// <summary>The subspace coordinates z (live view).</summary>
    public ReadOnlySpan<float> Z => _z;
    /// <summary>Optimiser steps taken.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed.</summary>
    public int EpochsDone { get; private set; }
    /// <summary>The training KL at the best τ² for the current z.</summary>
    public double Kl => SubspaceKl.AtBestScale(ZNorm2(), _p.Effective, Noise).Kl;

    private double ZNorm2()
    {
        double s = 0;
        for (int k = 0; k < _z.Length; k++) if (_p.IsUsed(k)) s += (double)_z[k] * _z[k];
        return s;
    }

    /// <summary>One epoch over <paramref name="train"/> (mini-batch order from stream <c>pacbayes/posterior/data-order/epoch-e</c>).</summary>
    public PosteriorEpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        var arch = _q.Architecture;
        var sw = Stopwatch.StartNew();
        int epoch = EpochsDone;
        var (order, noiseRng) = PosteriorEpoch.Begin(train, arch, Seeds, epoch);
        long m = _o.ObjectiveSampleSize ?? train.Count;
        int n = train.Count, B = _o.BatchSize, batches = (n + B - 1) / B;
        double objSum = 0, ceSum = 0; long errSum = 0;
        for (int bi = 0; bi < batches; bi++)
        {
            int start = bi * B, batch = Math.Min(B, n - start);
            PosteriorEpoch.Gather(train, order, start, batch, _x, _y);
            for (int l = 0; l < arch.Depth; l++) _noise.Fill(_bp.Noise[l].AsSpan(0, batch * arch.LayerSizes[l + 1]), noiseRng);
            _bp.Forward(_q.WeightMeans, _wVar, _bMean, _bVar, _x, batch);
            double ce = _bp.BoundedCrossEntropy(_y.AsSpan(0, batch), batch, _o.PMin, out int errors);
            var (kl, factor) = SubspaceKl.AtBestScale(ZNorm2(), _p.Effective, Noise);
            var obj = TrainingObjective.Evaluate(_o.Objective, ce, kl, m, _o.Delta, _o.KlPenalty);
            objSum += obj.Value * batch; ceSum += ce * batch; errSum += errors;
            _bp.Backward(_q.WeightMeans, _wVar, _x, batch);
            _p.Transpose(_bp.WeightMeanGradients, _bp.BiasMeanGradients, _gzd);
            for (int k = 0; k < _gz.Length; k++) _gz[k] = (float)(obj.DRisk * _gzd[k] + obj.DKl * factor * _z[k]);
            Step++;
            if (_o.Optimizer == OptimizerKind.Adam)
            {
                double bc1 = 1 - Math.Pow(_o.Beta1, Step), bc2 = 1 - Math.Pow(_o.Beta2, Step);
                var c = new OptimizerSteps.AdamCoefficients((float)_o.Beta1, (float)_o.Beta2, (float)(_o.LearningRate / bc1), (float)(1 / Math.Sqrt(bc2)), (float)_o.Epsilon, 0, 0);
                OptimizerSteps.Adam(_z, _gz, _m, _v, default, c);
            }
            else OptimizerSteps.Sgd(_z, _gz, _m, default, (float)_o.LearningRate, (float)_o.Momentum, 0, 0, Step == 1);
            _p.Expand(_z, _origin, _q);
            if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                progress(new BatchProgress(epoch, bi + 1, batches, objSum / (start + batch), 1 - (double)errSum / (start + batch)));
        }
        EpochsDone++;
        return new PosteriorEpochStats(epoch, objSum / n, ceSum / n, (double)errSum / n, Kl, Noise, sw.Elapsed.TotalSeconds);
    }

    /// <summary>z, the optimiser moments and the counters, for checkpoints.</summary>
    public (IReadOnlyDictionary<string, float[]> Tensors, long Step, int Epochs) ExportState() =>
        (new Dictionary<string, float[]> { ["subspace.z"] = (float[])_z.Clone(), ["subspace.m"] = (float[])_m.Clone(), ["subspace.v"] = (float[])_v.Clone() }, Step, EpochsDone);

    /// <summary>Restores <see cref="ExportState"/> and recomputes the posterior means from z.</summary>
    public void ImportState(IReadOnlyDictionary<string, float[]> tensors, long step, int epochs)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var (key, dst) in new[] { ("subspace.z", _z), ("subspace.m", _m), ("subspace.v", _v) })
        {
            if (!tensors.TryGetValue(key, out var src)) throw new InvalidDataException($"checkpoint lacks '{key}'");
            if (src.Length != dst.Length) throw new InvalidDataException($"checkpoint tensor '{key}' has {src.Length} values, expected {dst.Length}");
            src.CopyTo(dst, 0);
        }
        Step = step; EpochsDone = epochs;
        _p.Expand(_z, _origin, _q);
    }
}
