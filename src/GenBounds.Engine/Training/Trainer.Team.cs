using System.Runtime.CompilerServices;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;

namespace GenBounds.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// The MLP path: every mini-batch split over a <see cref="WorkerTeam"/> of <see cref="Trainer.Threads"/> threads in a
    /// fixed partition (see <see cref="Trainer"/>), with BLAS single-threaded inside each member while the epoch runs.
    /// </summary>
    private sealed class TeamPath
    {
        // A member's share of W_l (≥ 1 MiB, the rough size where reading the whole matrix per member starts to cost memory
        // bandwidth next to the product itself) is read once per product with a unit split, the whole W_l with a row split.
        private const long UnitSplitBytes = 1 << 20;
        // Auto takes the sparse route for hidden layers with at least one full block of the sparse kernel's outputs.
        private const int MinHiddenSparseOutputs = 64;

        private enum ForwardLayerOp { Gather, LayerRows, LayerUnits, HiddenInput, HiddenLayer, Loss }
        private readonly record struct ForwardOp(ForwardLayerOp Kind, int Layer);

        private readonly Trainer _t;
        private readonly int[] _sizes;
        private readonly double[] _rowLoss;
        private readonly bool[] _rowCorrect;
        // Layers whose weights are large enough that each team member should read only its share (split by output units in
        // the forward pass and by input columns in ∂Z·W) rather than the whole matrix (split by batch rows).
        private readonly bool[] _unitSplit;
        // The forward pass as stages: the operations of one stage run in one region (no barrier between them).
        private readonly ForwardOp[][] _stages;
        private readonly Action<int> _forwardRegion, _backwardRegion;
        // state of the batch being trained, read by the team's regions
        private Dataset? _data;
        private int[] _order = [];
        private int _start, _batch, _layer, _team, _stage;
        // Thread 0's time per phase (ticks), for EpochStats.PhaseSeconds.
        private long _tGather, _tForward, _tLoss, _tBackward, _tOptimizer;
        // Sparse-input epochs: the batch's nonzeros by row (sample) and by column (input feature), and layer 0 held
        // input-major (W₀ᵀ, h₀×h₁) so that both of its products run over contiguous rows — see SparseInputLayer.
        private readonly SparseInputLayer? _sparseLayer;
        private bool _sparse;
        // Hidden layers whose ReLU input may be multiplied by its nonzeros (null where not): held input-major for the whole
        // epoch, each batch sparse or dense (_hiddenSparse, chosen before the batch from the previous batch's input).
        private readonly SparseInputLayer?[] _hidden;
        private readonly bool[] _hiddenSparse;

        public TeamPath(Trainer trainer, MlpArchitecture architecture)
        {
            _t = trainer;
            _sizes = architecture.LayerSizes.ToArray();
            Backprop = new Backprop<float>(trainer._la, _sizes, architecture.Bias, trainer._o.BatchSize);
            _rowLoss = new double[trainer._o.BatchSize];
            _rowCorrect = new bool[trainer._o.BatchSize];
            _unitSplit = trainer._w.Select(w => trainer.Threads > 1 && 4L * w.Length >= UnitSplitBytes).ToArray();
            var hiddenMode = trainer._o.ActivationSparsity;
            _hidden = Enumerable.Range(0, _sizes.Length - 1).Select(l =>
                l >= 1 && (hiddenMode == InputSparsity.Sparse || hiddenMode == InputSparsity.Auto && _sizes[l + 1] >= MinHiddenSparseOutputs)
                    ? new SparseInputLayer(trainer, l, _sizes[l], _sizes[l + 1], trainer._o.BatchSize, trainer.Threads) : null).ToArray();
            _hiddenSparse = new bool[_hidden.Length];
            _stages = PlanForward(_unitSplit, _hidden.Select(h => h is not null).ToArray());
            _forwardRegion = ForwardRegion;
            _backwardRegion = BackwardRegion;
            if (trainer._o.InputSparsity != InputSparsity.Dense)
                _sparseLayer = new SparseInputLayer(trainer, 0, _sizes[0], _sizes[1], trainer._o.BatchSize, trainer.Threads);
        }

        /// <summary>Forward and backward kernels with batch-row and output-unit ranges.</summary>
        public Backprop<float> Backprop { get; }

        // Row-split operations chain without barriers (each member only needs its own rows); a unit-split layer needs the
        // whole input before it starts and produces columns, so it is a stage of its own; a hidden layer that may run sparse
        // takes two: its input's nonzeros by rows, then its output by units from all of them (an even split of the work).
        private static ForwardOp[][] PlanForward(bool[] unitSplit, bool[] hiddenSparse)
        {
            var stages = new List<ForwardOp[]>();
            var current = new List<ForwardOp> { new(ForwardLayerOp.Gather, 0) };
            void Close() { if (current.Count > 0) stages.Add(current.ToArray()); current = []; }
            for (int l = 0; l < unitSplit.Length; l++)
            {
                if (hiddenSparse[l]) { Close(); stages.Add([new(ForwardLayerOp.HiddenInput, l)]); stages.Add([new(ForwardLayerOp.HiddenLayer, l)]); }
                else if (unitSplit[l]) { Close(); stages.Add([new(ForwardLayerOp.LayerUnits, l)]); }
                else current.Add(new(ForwardLayerOp.LayerRows, l));
            }
            current.Add(new(ForwardLayerOp.Loss, 0));
            Close();
            return stages.ToArray();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public EpochStats Epoch(Dataset train, int[] order, int epoch, Action<BatchProgress>? progress)
        {
            var sw = System.Diagnostics.Stopwatch.StartNew();
            _order = order;
            _data = train;
            int n = train.Count, B = _t._o.BatchSize, batches = (n + B - 1) / B, L = _t._w.Length;
            double lossSum = 0; long correctSum = 0; int processed = 0;
            long tRegions = 0;
            _tGather = _tForward = _tLoss = _tBackward = _tOptimizer = 0;
            // While the team runs, BLAS is single-threaded inside each member (one parallel runtime at a time).
            int? blasThreads = _t.Threads > 1 && _t._la is NativeLinearAlgebraProvider ? NativeLinearAlgebraProvider.Threads : null;
            bool restoreBlas = blasThreads is > 1 && NativeLinearAlgebraProvider.SetThreads(1);
            using var team = new WorkerTeam(_t.Threads);
            _sparse = _sparseLayer is not null && (_t._o.InputSparsity == InputSparsity.Sparse || _sparseLayer.SparseEnough(train));
            try
            {
                if (_sparse) _sparseLayer!.Enter();
                foreach (var h in _hidden) h?.Enter();
                for (int bi = 0; bi < batches; bi++)
                {
                    if (_t.StepBudgetSpent) break;
                    long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                    _start = bi * B; _batch = Math.Min(B, n - _start); _team = team.Size;
                    for (int l = 0; l < _hidden.Length; l++)
                        if (_hidden[l] is { } h) _hiddenSparse[l] = _t._o.ActivationSparsity == InputSparsity.Sparse || h.SparseNext(bi == 0);
                    for (_stage = 0; _stage < _stages.Length; _stage++) team.Run(_forwardRegion);
                    for (int l = 0; l < _hidden.Length; l++) _hidden[l]?.Counted(_batch, _hiddenSparse[l]);
                    for (int r = 0; r < _batch; r++) { lossSum += _rowLoss[r]; if (_rowCorrect[r]) correctSum++; }
                    processed += _batch;
                    _t.BeginStep();
                    for (_layer = L - 1; _layer >= 0; _layer--) team.Run(_backwardRegion);
                    tRegions += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                    if (_t.AfterStep is not null)
                    {
                        if (_sparse) _sparseLayer!.PublishWeights();   // the hook reads the network's own (output-major) W₀
                        foreach (var h in _hidden) h?.PublishWeights();
                        _t.AfterStep(_t.Step);
                    }
                    if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                    {
                        int seen = _start + _batch;
                        progress(new BatchProgress(epoch, bi + 1, batches, lossSum / seen, (double)correctSum / seen));
                    }
                }
            }
            finally
            {
                if (_sparse) _sparseLayer!.Leave();
                foreach (var h in _hidden) h?.Leave();
                if (restoreBlas) NativeLinearAlgebraProvider.SetThreads(blasThreads!.Value);
                _data = null;
            }
            double f = 1.0 / System.Diagnostics.Stopwatch.Frequency;
            long work = _tGather + _tForward + _tLoss + _tBackward + _tOptimizer;
            int done = Math.Max(processed, 1);   // a step budget may end the epoch early
            return new EpochStats(epoch, lossSum / done, (double)correctSum / done, sw.Elapsed.TotalSeconds)
            {
                PhaseSeconds = new Dictionary<string, double>
                {
                    ["batch"] = _tGather * f, ["forward"] = _tForward * f, ["loss"] = _tLoss * f,
                    ["backward"] = _tBackward * f, ["optimizer"] = _tOptimizer * f, ["sync"] = Math.Max(0, tRegions - work) * f,
                },
                LayerInputs = _hidden.Where(h => h is not null).Select(h => h!.Stats()).ToArray(),
                // ReLUs are fused into the Linear layers' passes, as on the sequential path.
                ModuleSeconds = new Dictionary<string, double> { ["Linear"] = (_tForward + _tBackward) * f },
            };
        }

        // A forward stage, member t: gather its batch rows, run row-split layers on them, or its units of a unit-split
        // layer, and the loss and ∂logits of its rows.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void ForwardRegion(int t)
        {
            var (r0, r1) = WorkerTeam.Part(_batch, _team, t, 8);
            foreach (var op in _stages[_stage])
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                switch (op.Kind)
                {
                    case ForwardLayerOp.Gather:
                        var data = _data!;
                        int d = data.Dimension;
                        for (int r = r0; r < r1; r++)
                        {
                            int i = _order[_start + r];
                            if (_sparse) _sparseLayer!.Rows.FillRow(r, data.Features.AsSpan(i * d, d));
                            else data.Features.AsSpan(i * d, d).CopyTo(_t._xBatch.AsSpan(r * d, d));
                            _t._yBatch[r] = data.Labels[i];
                        }
                        if (t == 0) _tGather += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.LayerRows when op.Layer == 0 && _sparse:
                        _sparseLayer!.Forward(Backprop, r0, r1, 0, _sizes[1]);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.LayerUnits when op.Layer == 0 && _sparse:
                        var (u0, u1) = WorkerTeam.Part(_sizes[1], _team, t, 8);
                        _sparseLayer!.Forward(Backprop, 0, _batch, u0, u1);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.HiddenInput:
                        if (_hiddenSparse[op.Layer]) _hidden[op.Layer]!.FillRows(Backprop.LayerOutput(op.Layer - 1), t, r0, r1);
                        else _hidden[op.Layer]!.CountRows(Backprop.LayerOutput(op.Layer - 1), t, r0, r1);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.HiddenLayer:
                        HiddenForward(op.Layer, t, r0, r1);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.LayerRows:
                        Backprop.ForwardLayerRows(op.Layer, _t._w, _t._biases, _t._xBatch, r0, r1);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.LayerUnits:
                        var (o0, o1) = WorkerTeam.Part(_sizes[op.Layer + 1], _team, t, 8);
                        Backprop.ForwardLayerUnits(op.Layer, _t._w, _t._biases, _t._xBatch, _batch, o0, o1);
                        if (t == 0) _tForward += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                    case ForwardLayerOp.Loss:
                        Backprop.CrossEntropyRows(_t._yBatch, _batch, r0, r1, _rowLoss, _rowCorrect);
                        if (t == 0) _tLoss += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
                        break;
                }
            }
        }

        // A hidden layer held input-major, member t: its units of the output from the nonzeros of every row (sparse batch),
        // or the dense product split as for any layer of that size (dense batch).
        private void HiddenForward(int l, int t, int r0, int r1)
        {
            if (_hiddenSparse[l])
            {
                var (u0, u1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
                _hidden[l]!.Forward(Backprop, 0, _batch, u0, u1);
                return;
            }
            if (_unitSplit[l])
            {
                var (o0, o1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
                Backprop.ForwardLayerUnits(l, _t._w, _t._biases, _t._xBatch, _batch, o0, o1, inputMajor: true);
            }
            else Backprop.ForwardLayerRows(l, _t._w, _t._biases, _t._xBatch, r0, r1, inputMajor: true);
        }

        // Backward region of layer l, member t: the optimiser step of layer l+1 (whose weights ∂Z_{l+1}·W_{l+1} read in the
        // previous region) on the units whose gradient t computed, ∂W_l/∂b_l for t's units of layer l, ∂Z_{l−1} for t's
        // batch rows (or t's columns, for a unit-split layer); for l = 0 also layer 0's step (nothing reads W_0 here).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void BackwardRegion(int t)
        {
            int l = _layer;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            if (l + 1 < _t._w.Length) StepMember(l + 1, t);
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            var (o0, o1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
            // A layer held input-major (layer 0 of a sparse-input epoch, a hidden layer that may run sparse) splits ∂W_lᵀ (and
            // its step) by input features: member t's rows of W_lᵀ are contiguous.
            var held = HeldInputMajor(l);
            bool inputMajor = held is not null, sparseBatch = inputMajor && (l == 0 || _hiddenSparse[l]);
            var (k0, k1) = inputMajor ? WorkerTeam.Part(_sizes[l], _team, t, 8) : (0, 0);
            if (sparseBatch) held!.WeightGradient(Backprop, _batch, k0, k1, o0, o1);
            else if (inputMajor) { Backprop.WeightGradientFeatures(l, _t._xBatch, _batch, k0, k1); Backprop.BiasGradientUnits(l, _batch, o0, o1); }
            else Backprop.WeightGradientRows(l, _t._xBatch, _batch, o0, o1);
            // A sparse batch of a hidden layer needs ∂Z_{l−1} only where its input was nonzero: one dot product per nonzero,
            // over t's features (the rows of W_lᵀ it owns), when this batch's input is sparse enough for that to pay.
            if (l > 0 && sparseBatch && held!.MaskedGradientPays(_batch, _t._o.ActivationSparsity == InputSparsity.Sparse))
                held.InputGradient(Backprop, _batch, k0, k1);
            else if (l > 0 && _unitSplit[l])
            {
                var (i0, i1) = WorkerTeam.Part(_sizes[l], _team, t, 8);
                Backprop.InputGradientColumns(l, _t._w, _batch, i0, i1, inputMajor);
            }
            else if (l > 0)
            {
                var (r0, r1) = WorkerTeam.Part(_batch, _team, t, 8);
                Backprop.InputGradientRows(l, _t._w, _batch, r0, r1, inputMajor);
            }
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            if (l == 0) StepMember(0, t);
            if (t == 0) { long t3 = System.Diagnostics.Stopwatch.GetTimestamp(); _tOptimizer += (t1 - t0) + (t3 - t2); _tBackward += t2 - t1; }
        }

        // The input-major copy layer l runs on in this epoch, or null where the layer is in the network's own layout.
        private SparseInputLayer? HeldInputMajor(int l) => l == 0 ? (_sparse ? _sparseLayer : null) : _hidden[l];

        // Layer l's optimiser step on member t's output units: the units whose gradient rows t computed (for a layer held
        // input-major, t's rows of W_lᵀ — input features — and t's bias entries).
        private void StepMember(int l, int t)
        {
            var (o0, o1) = WorkerTeam.Part(_sizes[l + 1], _team, t, 8);
            if (HeldInputMajor(l) is not null)
            {
                var (k0, k1) = WorkerTeam.Part(_sizes[l], _team, t, 8);
                _t.StepRange(l, (k0 * _sizes[l + 1])..(k1 * _sizes[l + 1]), o0..o1);
            }
            else _t.StepUnits(l, o0, o1);
        }
    }
}
