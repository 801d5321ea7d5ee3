using System.Diagnostics;
using GenBounds.Data;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace GenBounds.Torch;

/// <summary>
/// Mini-batch training of a sequential <see cref="Network"/> (an <see cref="Mlp"/> through its shared
/// <see cref="Mlp.AsNetwork"/> view) with libtorch (TorchSharp) on a CPU or CUDA device, with the native
/// <see cref="Trainer"/>'s semantics: the same initial weights (the network passed in, normally
/// <see cref="Trainer.Initialize(NetworkArchitecture, ulong)"/> from the <c>init</c> stream), the same data order (epoch e's
/// permutation from the stream <c>data-order/epoch-e</c>, the last batch smaller), softmax cross-entropy averaged over the
/// batch, and the same optimiser arithmetic (<see cref="OptimizerSteps"/>: Adam or SGD with momentum, L2 weight decay added
/// to the gradient, the prior penalty of <see cref="TrainingOptions.PriorPenalty"/> over the weight layers), written as
/// torch tensor operations. Accuracy counts ties as errors, as the native engine does. The network passed in is updated
/// after every epoch. On a CPU the same seed and thread count give bit-identical weights (tested); products go through
/// libtorch's own kernels (MKL / oneDNN on x86-64), so the weights differ from the native engine's in the last bits, as
/// any two BLAS do. Dropout and pruning masks are native-engine features.
/// </summary>
public sealed class TorchTrainer : IDisposable
{
    private readonly Network _net;
    private readonly TrainingOptions _o;
    private readonly Sequential _module;
    private readonly Tensor[] _params;                // per weight layer: weight, then bias when the network has biases
    private readonly string[] _names;                 // {Sequential index}.weight / .bias, as the native trainer names them
    private readonly Tensor[] _m, _v;                 // Adam moments (SGD: momentum buffer in _m, _v unused zeros)
    private readonly Tensor?[] _prior;
    private Dataset? _cached;
    private Tensor? _x, _y;

    /// <summary>Prepares training of <paramref name="net"/> (updated in place after each epoch) on <paramref name="device"/>.</summary>
    public TorchTrainer(Mlp net, TrainingOptions options, Device device) : this((net ?? throw new ArgumentNullException(nameof(net))).AsNetwork(), options, device) { }

    /// <summary>Prepares training of <paramref name="net"/> (updated in place after each epoch) on <paramref name="device"/>.</summary>
    public TorchTrainer(Network net, TrainingOptions options, Device device)
    {
        ArgumentNullException.ThrowIfNull(net);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        if (options.Dropout > 0) throw new ArgumentException("the torch engine does not implement dropout; train with the genbounds engine");
        // The prior as the native trainer reads it: PriorNetwork first, else Prior.
        var prior = options.PriorNetwork ?? options.Prior?.AsNetwork();
        if (prior is not null && !prior.Architecture.Equals(net.Architecture))
            throw new ArgumentException($"prior architecture {prior.Architecture} differs from the network's {net.Architecture}");
        _net = net; _o = options; Device = device;
        _module = TorchConversion.ToTorch(net, device);
        var weighted = TorchConversion.WeightParameters(_module);
        var modules = net.Architecture.WeightModules;
        var ps = new List<Tensor>(); var names = new List<string>();
        for (int k = 0; k < weighted.Count; k++)
        {
            string index = modules[k].ToString(System.Globalization.CultureInfo.InvariantCulture);
            ps.Add(weighted[k].Weight); names.Add($"{index}.weight");
            if (weighted[k].Bias is { } b) { ps.Add(b); names.Add($"{index}.bias"); }
        }
        _params = ps.ToArray(); _names = names.ToArray();
        _m = _params.Select(p => zeros_like(p)).ToArray();
        _v = _params.Select(p => zeros_like(p)).ToArray();
        _prior = new Tensor?[_params.Length];
        if (options.PriorPenalty > 0)
        {
            using var priorModule = TorchConversion.ToTorch(prior!, device);
            var priorParams = priorModule.parameters().ToList();
            for (int i = 0; i < _params.Length; i++) _prior[i] = priorParams[i].detach().clone();
        }
        Seeds = new SeedStreams(options.Seed);
    }

    /// <summary>The device the module and data live on.</summary>
    public Device Device { get; }
    /// <summary>The torch module being trained (parameters on <see cref="Device"/>).</summary>
    public Sequential Module => _module;
    /// <summary>Named streams of the master seed.</summary>
    public SeedStreams Seeds { get; }
    /// <summary>Optimiser steps taken so far.</summary>
    public long Step { get; private set; }
    /// <summary>Epochs completed so far.</summary>
    public int EpochsDone { get; private set; }

    /// <summary>Runs one epoch over <paramref name="train"/>, then copies the weights into the network.</summary>
    public EpochStats TrainEpoch(Dataset train, Action<BatchProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(train);
        Trainer.CheckData(_net.Architecture, train);
        var sw = Stopwatch.StartNew();
        var (x, y) = Upload(train);
        int epoch = EpochsDone;
        var order = Seeds.Stream($"{SeedStreams.Names.DataOrder}/epoch-{epoch}").Permutation(train.Count);
        int n = train.Count, B = _o.BatchSize, batches = (n + B - 1) / B;
        bool timed = Device.type == DeviceType.CPU;   // CUDA kernels are asynchronous: phase times would be meaningless
        long tGather = 0, tForward = 0, tLoss = 0, tBackward = 0, tOptimizer = 0;
        using var perm = torch.tensor(Array.ConvertAll(order, i => (long)i), ScalarType.Int64, Device);
        using var lossSum = zeros(1, ScalarType.Float64, Device);
        using var correctSum = zeros(1, ScalarType.Int64, Device);
        _module.train();
        for (int bi = 0; bi < batches; bi++)
        {
            using var scope = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            int start = bi * B, batch = Math.Min(B, n - start);
            var idx = perm.narrow(0, start, batch);
            var xb = x.index_select(0, idx);
            var yb = y.index_select(0, idx);
            long t1 = Stopwatch.GetTimestamp();
            var logits = Forward(xb);
            long t2 = Stopwatch.GetTimestamp();
            var loss = nn.functional.cross_entropy(logits, yb);
            using (no_grad())
            {
                lossSum.add_(loss.detach().to(ScalarType.Float64), batch);
                correctSum.add_(CorrectCount(logits.detach(), yb));
            }
            long t3 = Stopwatch.GetTimestamp();
            _module.zero_grad();
            loss.backward();
            long t4 = Stopwatch.GetTimestamp();
            Step++;
            OptimizerStep();
            long t5 = Stopwatch.GetTimestamp();
            tGather += t1 - t0; tForward += t2 - t1; tLoss += t3 - t2; tBackward += t4 - t3; tOptimizer += t5 - t4;
            if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
            {
                int seen = start + batch;
                progress(new BatchProgress(epoch, bi + 1, batches, lossSum.item<double>() / seen, (double)correctSum.item<long>() / seen));
            }
        }
        double lossMean = lossSum.item<double>() / n, accuracy = (double)correctSum.item<long>() / n;
        TorchConversion.CopyFrom(_module, _net);
        EpochsDone++;
        double f = 1.0 / Stopwatch.Frequency;
        return new EpochStats(epoch, lossMean, accuracy, sw.Elapsed.TotalSeconds)
        {
            PhaseSeconds = timed
                ? new Dictionary<string, double>
                {
                    ["batch"] = tGather * f, ["forward"] = tForward * f, ["loss"] = tLoss * f, ["backward"] = tBackward * f, ["optimizer"] = tOptimizer * f,
                }
                : new Dictionary<string, double>(),
        };
    }

    // The module's function, with every convolution computed as im2col (unfold) times the weight matrix: libtorch 2.10's own
    // CPU convolution (nn.Conv2d's kernel, TorchSharp 0.107) returned sporadic NaNs in training here — different from run to
    // run, also single-threaded, typical of a read of uninitialised memory; PyTorch 1.13's does not, and unfold + matmul
    // never did in 160 trial runs (found 2026-12-02). Autograd differentiates the unfold form through fold and matmul, so the
    // gradients are those of the same function; the module keeps its Conv2d parameters, so conversion and files are unchanged.
    private Tensor Forward(Tensor x)
    {
        var specs = _net.Architecture.Layers;
        int i = 0;
        foreach (var child in _module.children())
        {
            var spec = specs[i++];
            x = child is Conv2d conv && spec is Conv2dSpec s ? UnfoldConvolution(conv, s, x) : ((nn.Module<Tensor, Tensor>)child).forward(x);
        }
        return x;
    }

    private static Tensor UnfoldConvolution(Conv2d conv, Conv2dSpec s, Tensor x)
    {
        long n = x.shape[0], h = x.shape[2], w = x.shape[3];
        long ho = (h + 2 * s.Padding - s.KernelHeight) / s.Stride + 1, wo = (w + 2 * s.Padding - s.KernelWidth) / s.Stride + 1;
        var columns = nn.functional.unfold(x, (s.KernelHeight, s.KernelWidth), (1, 1), (s.Padding, s.Padding), (s.Stride, s.Stride));   // [N, C·kh·kw, Ho·Wo]
        var y = conv.weight!.view(s.OutChannels, -1).matmul(columns);                                                                   // [N, out, Ho·Wo]
        if (conv.bias is { } b) y = y.add(b.view(1, -1, 1));
        return y.view(n, s.OutChannels, ho, wo);
    }

    // Correct arg-max predictions; a tie for the maximum counts as an error (as in the native engine).
    private static Tensor CorrectCount(Tensor logits, Tensor labels)
    {
        var (max, _) = logits.max(1, keepdim: true);
        var isMax = logits.eq(max);
        var unique = isMax.sum(1).eq(1);
        var hit = isMax.gather(1, labels.unsqueeze(1)).squeeze(1);
        return hit.logical_and(unique).sum();
    }

    // OptimizerSteps' arithmetic (PyTorch's Adam/SGD with L2 decay and the prior penalty), tensor by tensor.
    private void OptimizerStep()
    {
        using var _ = no_grad();
        int layers = _net.WeightLayers.Count;
        float pk = OptimizerSteps.PriorGradientCoefficient(_o, layers);
        var adam = OptimizerSteps.AdamCoefficients.For(_o, Step, layers);
        for (int i = 0; i < _params.Length; i++)
        {
            var p = _params[i];
            var g = p.grad ?? throw new InvalidOperationException($"parameter {_names[i]} has no gradient after backward");
            if (_o.WeightDecay != 0 || (_prior[i] is not null && pk != 0)) g = g.clone();
            if (_o.WeightDecay != 0) g.add_(p, (float)_o.WeightDecay);
            if (_prior[i] is { } p0 && pk != 0) g.add_(p - p0, pk);
            if (_o.Optimizer == OptimizerKind.Adam)
            {
                _m[i].mul_(adam.Beta1).add_(g, 1 - adam.Beta1);
                _v[i].mul_(adam.Beta2).addcmul_(g, g, 1 - adam.Beta2);
                var denom = _v[i].sqrt().mul_(adam.InvBiasCorrection2Sqrt).add_(adam.Epsilon);
                p.addcdiv_(_m[i], denom, -adam.StepSize);
            }
            else
            {
                if (_o.Momentum == 0 || Step == 1) _m[i].copy_(g);
                else _m[i].mul_((float)_o.Momentum).add_(g);
                p.add_(_m[i], -(float)_o.LearningRate);
            }
        }
    }

    private (Tensor X, Tensor Y) Upload(Dataset data)
    {
        if (ReferenceEquals(_cached, data) && _x is not null && _y is not null) return (_x, _y);
        _x?.Dispose(); _y?.Dispose();
        _x = TorchConversion.Input(data.Features, data.Count, _net.InputShape, Device);
        _y = torch.tensor(Array.ConvertAll(data.Labels, l => (long)l), ScalarType.Int64, Device);
        _cached = data;
        return (_x, _y);
    }

    /// <summary>
    /// The optimiser state under the native <see cref="Trainer.ExportState"/>'s names (<c>exp_avg.0.weight</c>, …), the
    /// step and epoch counters, so a torch run can be checkpointed and resumed bit-identically.
    /// </summary>
    public (IReadOnlyDictionary<string, float[]> Tensors, long Step, int Epochs) ExportState()
    {
        var t = new Dictionary<string, float[]>();
        for (int i = 0; i < _params.Length; i++)
        {
            t[$"exp_avg.{_names[i]}"] = TorchConversion.ToArray(_m[i]);
            t[$"exp_avg_sq.{_names[i]}"] = TorchConversion.ToArray(_v[i]);
        }
        return (t, Step, EpochsDone);
    }

    /// <summary>Restores a state produced by <see cref="ExportState"/> (or by the native trainer) and reloads the network's weights into the module.</summary>
    public void ImportState(IReadOnlyDictionary<string, float[]> tensors, long step, int epochs)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        using var _ = no_grad();
        for (int i = 0; i < _params.Length; i++)
            foreach (var (prefix, state) in new[] { ("exp_avg", _m[i]), ("exp_avg_sq", _v[i]) })
            {
                string key = $"{prefix}.{_names[i]}";
                if (!tensors.TryGetValue(key, out var src)) throw new InvalidDataException($"checkpoint lacks optimiser tensor '{key}'");
                if (src.Length != state.numel()) throw new InvalidDataException($"checkpoint tensor '{key}' has {src.Length} values, expected {state.numel()}");
                using var t = TorchConversion.FromArray(src, state.shape, Device);
                state.copy_(t);
            }
        TorchConversion.CopyInto(_net, _module);
        Step = step; EpochsDone = epochs;
    }

    /// <summary>Releases the module, optimiser state and cached data tensors.</summary>
    public void Dispose()
    {
        foreach (var t in _m.Concat(_v)) t.Dispose();
        foreach (var t in _prior) t?.Dispose();
        _x?.Dispose(); _y?.Dispose();
        _module.Dispose();
    }
}
