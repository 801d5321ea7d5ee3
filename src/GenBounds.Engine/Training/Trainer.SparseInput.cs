using GenBounds.Data;

namespace GenBounds.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// A layer l of an MLP whose input A is mostly exact zeros: the pixels of MNIST for layer 0, a hidden layer's ReLU
    /// outputs for l ≥ 1. Its two products with A as a factor, Z_l = A·W_lᵀ and ∂W_l = ∂Z_lᵀ·A, become — with W_l and its
    /// gradient held input-major (h_l×h_{l+1}) — sums over A's nonzeros of contiguous rows (<see cref="SparseProduct"/>):
    /// Z_l[r,:] = Σ_j A[r,j]·W_lᵀ[j,:] and ∂W_lᵀ[j,:] = Σ_r A[r,j]·∂Z_l[r,:]. On MNIST (19% nonzeros) that is a fifth of the
    /// dense multiply-adds. While an epoch runs, the trainer's arrays for layer l — weights, moments, prior and mask — are
    /// input-major copies (the optimiser is element-wise, so the layout changes nothing in it); <see cref="Leave"/> writes
    /// weights and moments back into the network's own arrays, and <see cref="PublishWeights"/> does so for the weights
    /// before an after-step hook reads them. A hidden layer's input changes from batch to batch, so its batches choose
    /// between these sums and dense GEMMs on the same input-major arrays (see <see cref="SparseNext"/>).
    /// </summary>
    private sealed class SparseInputLayer
    {
        private const double ZeroFractionThreshold = 0.5;
        // A hidden layer's batch runs sparse while its input's previous batch had fewer nonzeros than this: measured with
        // `GenBounds.Benchmarks sparsehidden` (1000×1000, 128 rows, Haswell kernel, one thread, 2026-12-03), forward + ∂W +
        // filling the rows and columns take 4.05 ms sparse against 4.89 ms for the two sgemms at 35% nonzeros, and about
        // break even near 42%.
        private const double HiddenDensityThreshold = 0.4;
        // On such a batch the input gradient goes by one dot product per nonzero below this fraction (the same benchmark:
        // 1.68 ms against sgemm's 2.54 at 20%, 2.46 against 2.57 at 30%, 3.14 against 2.54 at 40%).
        private const double MaskedGradientThreshold = 0.3;

        private readonly Trainer _t;
        private readonly int _layer, _in, _out;
        private readonly long[] _nonzeros;
        private int _counted;
        private long _epochNonzeros, _epochRows;
        private int _epochBatches, _epochSparse;
        private readonly float[] _w, _m, _v;
        private float[]? _prior, _priorSource, _mask, _maskSource;
        private (float[] W, float[] M, float[] V, float[]? Prior, float[]? Mask)? _canonical;
        private Dataset? _measured;
        private double _zeroFraction;

        public SparseInputLayer(Trainer trainer, int layer, int inputs, int outputs, int maxBatch, int teamSize)
        {
            _t = trainer; _layer = layer; _in = inputs; _out = outputs;
            _nonzeros = new long[teamSize];
            _w = new float[inputs * outputs]; _m = new float[inputs * outputs]; _v = new float[inputs * outputs];
            Rows = new SparseRows(maxBatch, inputs);
            Columns = new SparseRows(inputs, maxBatch);
        }

        /// <summary>The batch's nonzeros by sample (filled by the gather).</summary>
        public SparseRows Rows { get; }
        /// <summary>The batch's nonzeros by input feature (each member fills its features' rows).</summary>
        private SparseRows Columns { get; }

        /// <summary>Whether at least half of <paramref name="train"/>'s features are exact zeros (measured once per data set).</summary>
        public bool SparseEnough(Dataset train)
        {
            if (!ReferenceEquals(train, _measured))
            {
                long zeros = 0;
                foreach (float f in train.Features) if (f == 0f) zeros++;
                _zeroFraction = train.Features.Length == 0 ? 0 : (double)zeros / train.Features.Length;
                _measured = train;
            }
            return _zeroFraction >= ZeroFractionThreshold;
        }

        /// <summary>
        /// Whether a hidden layer's next batch should run sparse: the first batch of an epoch does (so an epoch's choices
        /// depend on nothing before it, resumed or not), every later one when the previous batch's input had fewer than
        /// <see cref="HiddenDensityThreshold"/> nonzeros. Every member counted its rows (<see cref="CountRows"/>).
        /// </summary>
        public bool SparseNext(bool firstOfEpoch) => firstOfEpoch || _counted == 0 || Fraction(_counted) < HiddenDensityThreshold;

        /// <summary>Fills rows r0..r1−1 of <see cref="Rows"/> from the dense input of the layer (a team member's rows).</summary>
        public void FillRows(ReadOnlySpan<float> input, int member, int r0, int r1)
        {
            long n = 0;
            for (int r = r0; r < r1; r++) { Rows.FillRow(r, input.Slice(r * _in, _in)); n += Rows.Count(r); }
            _nonzeros[member] = n;
        }

        /// <summary>Counts the nonzeros of rows r0..r1−1 of the dense input (a member's rows, on a dense batch).</summary>
        public void CountRows(ReadOnlySpan<float> input, int member, int r0, int r1) =>
            _nonzeros[member] = SparseRows.CountNonzeros(input.Slice(r0 * _in, (r1 - r0) * _in));

        // The fraction of nonzeros in the input rows the members last filled or counted (a batch of `batch` rows).
        private double Fraction(int batch)
        {
            long n = 0;
            foreach (long c in _nonzeros) n += c;
            return batch == 0 ? 0 : n / ((double)batch * _in);
        }

        /// <summary>
        /// Whether a sparse batch should take its input gradient by <see cref="InputGradient"/>: always when sparse products
        /// are <paramref name="forced"/>, else below <see cref="MaskedGradientThreshold"/> nonzeros in this batch; only with
        /// 512-bit vectors (the dot product has no 256-bit path).
        /// </summary>
        public bool MaskedGradientPays(int batch, bool forced) =>
            System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && (forced || Fraction(batch) < MaskedGradientThreshold);

        /// <summary>Records the batch size whose nonzeros the members have counted, and whether it ran sparse.</summary>
        public void Counted(int batch, bool sparse)
        {
            _counted = batch;
            foreach (long c in _nonzeros) _epochNonzeros += c;
            _epochRows += batch; _epochBatches++;
            if (sparse) _epochSparse++;
        }

        /// <summary>The epoch so far: the input's fraction of nonzeros and how many of its batches ran sparse.</summary>
        public LayerInputStats Stats() =>
            new(_layer, _epochRows == 0 ? 0 : (double)_epochNonzeros / (_epochRows * (double)_in), _epochSparse, _epochBatches);

        /// <summary>Switches layer l of the trainer to the input-major copies.</summary>
        public void Enter()
        {
            int l = _layer;
            _counted = 0; _epochNonzeros = _epochRows = 0; _epochBatches = _epochSparse = 0;
            var w = _t._w[l]; var m = _t._m[l]; var v = _t._v[l];
            var prior = _t._pw?[l]; var mask = _t._masks?[l];
            _canonical = (w, m, v, prior, mask);
            Transpose(w, _out, _in, _w); Transpose(m, _out, _in, _m); Transpose(v, _out, _in, _v);
            _t._w[l] = _w; _t._m[l] = _m; _t._v[l] = _v;
            // The prior and the mask do not change during training: their input-major copies are kept across epochs.
            if (prior is not null)
            {
                if (!ReferenceEquals(prior, _priorSource)) { _prior = new float[prior.Length]; Transpose(prior, _out, _in, _prior); _priorSource = prior; }
                _t._pw![l] = _prior!;
            }
            if (mask is not null)
            {
                if (!ReferenceEquals(mask, _maskSource)) { _mask = new float[mask.Length]; Transpose(mask, _out, _in, _mask); _maskSource = mask; }
                _t._masks![l] = _mask;
            }
        }

        /// <summary>Writes the input-major weights into the network's W₀ (output-major, as every reader expects).</summary>
        public void PublishWeights() => Transpose(_w, _in, _out, _canonical!.Value.W);

        /// <summary>Writes weights and moments back and restores the trainer's own arrays for layer 0.</summary>
        public void Leave()
        {
            if (_canonical is not { } c) return;
            Transpose(_w, _in, _out, c.W); Transpose(_m, _in, _out, c.M); Transpose(_v, _in, _out, c.V);
            int l = _layer;
            _t._w[l] = c.W; _t._m[l] = c.M; _t._v[l] = c.V;
            if (c.Prior is not null) _t._pw![l] = c.Prior;
            if (c.Mask is not null) _t._masks![l] = c.Mask;
            _canonical = null;
        }

        /// <summary>Rows r0..r1−1, units o0..o1−1 of layer l's output from the batch's nonzeros (then bias and ReLU).</summary>
        public void Forward(Backprop<float> bp, int r0, int r1, int o0, int o1)
        {
            SparseProduct.Multiply(Rows, r0, r1, _w, _out, o0, o1, bp.LayerOutput(_layer), _out);
            bp.FinishForward(_layer, _t._biases, r0, r1, o0, o1);
        }

        /// <summary>Rows k0..k1−1 of ∂W_lᵀ (input features) and entries o0..o1−1 of ∂b_l.</summary>
        public void WeightGradient(Backprop<float> bp, int batch, int k0, int k1, int o0, int o1)
        {
            Columns.FillTransposed(Rows, batch, k0, k1);
            SparseProduct.Multiply(Columns, k0, k1, bp.PreActivationGradient(_layer), _out, 0, _out, bp.WeightGradients[_layer], _out);
            bp.BiasGradientUnits(_layer, batch, o0, o1);
        }

        /// <summary>
        /// Columns k0..k1−1 of ∂Z_{l−1} = (∂Z_l·W_l) ⊙ [A ≠ 0] from the batch's nonzeros by feature (filled by
        /// <see cref="WeightGradient"/> for the same features): one dot product per nonzero of A instead of a dense row.
        /// A is a ReLU output, so "≠ 0" is the ReLU's "&gt; 0" (NaN aside).
        /// </summary>
        public void InputGradient(Backprop<float> bp, int batch, int k0, int k1) =>
            SparseProduct.MaskedInputGradient(Columns, k0, k1, batch, bp.PreActivationGradient(_layer), _w, _out, bp.PreActivationGradientBuffer(_layer - 1), _in);

        // destination (cols×rows) ← sourceᵀ for a rows×cols row-major source, in tiles that stay in cache.
        private static void Transpose(float[] source, int rows, int cols, float[] destination)
        {
            const int Tile = 32;
            for (int i0 = 0; i0 < rows; i0 += Tile)
                for (int j0 = 0; j0 < cols; j0 += Tile)
                {
                    int i1 = Math.Min(rows, i0 + Tile), j1 = Math.Min(cols, j0 + Tile);
                    for (int i = i0; i < i1; i++)
                        for (int j = j0; j < j1; j++)
                            destination[j * rows + i] = source[i * cols + j];
                }
        }
    }
}
