using GenBounds.Data;

namespace GenBounds.Training;

public sealed partial class Trainer
{
    /// <summary>
    /// The first layer of an MLP on inputs that are mostly exact zeros. Its two products, Z₀ = X·W₀ᵀ and ∂W₀ = ∂Z₀ᵀ·X, have
    /// the sparse X as a factor; with W₀ and its gradient held input-major (h₀×h₁) both become sums over X's nonzeros of
    /// contiguous rows (<see cref="SparseProduct"/>): Z₀[r,:] = Σ_j X[r,j]·W₀ᵀ[j,:] and ∂W₀ᵀ[j,:] = Σ_r X[r,j]·∂Z₀[r,:].
    /// On MNIST (19% nonzeros) that is a fifth of the dense multiply-adds. While a sparse epoch runs, the trainer's arrays
    /// for layer 0 — weights, moments, prior and mask — are input-major copies (the optimiser is element-wise, so the layout
    /// changes nothing in it); <see cref="Leave"/> writes weights and moments back into the network's own arrays, and
    /// <see cref="PublishWeights"/> does so for the weights before an after-step hook reads them.
    /// </summary>
    private sealed class SparseInputLayer
    {
        private const double ZeroFractionThreshold = 0.5;

        private readonly Trainer _t;
        private readonly int _in, _out;
        private readonly float[] _w, _m, _v;
        private float[]? _prior, _priorSource, _mask, _maskSource;
        private (float[] W, float[] M, float[] V, float[]? Prior, float[]? Mask)? _canonical;
        private Dataset? _measured;
        private double _zeroFraction;

        public SparseInputLayer(Trainer trainer, int inputs, int outputs, int maxBatch)
        {
            _t = trainer; _in = inputs; _out = outputs;
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

        /// <summary>Switches layer 0 of the trainer to the input-major copies.</summary>
        public void Enter()
        {
            var w = _t._w[0]; var m = _t._m[0]; var v = _t._v[0];
            var prior = _t._pw?[0]; var mask = _t._masks?[0];
            _canonical = (w, m, v, prior, mask);
            Transpose(w, _out, _in, _w); Transpose(m, _out, _in, _m); Transpose(v, _out, _in, _v);
            _t._w[0] = _w; _t._m[0] = _m; _t._v[0] = _v;
            // The prior and the mask do not change during training: their input-major copies are kept across epochs.
            if (prior is not null)
            {
                if (!ReferenceEquals(prior, _priorSource)) { _prior = new float[prior.Length]; Transpose(prior, _out, _in, _prior); _priorSource = prior; }
                _t._pw![0] = _prior!;
            }
            if (mask is not null)
            {
                if (!ReferenceEquals(mask, _maskSource)) { _mask = new float[mask.Length]; Transpose(mask, _out, _in, _mask); _maskSource = mask; }
                _t._masks![0] = _mask;
            }
        }

        /// <summary>Writes the input-major weights into the network's W₀ (output-major, as every reader expects).</summary>
        public void PublishWeights() => Transpose(_w, _in, _out, _canonical!.Value.W);

        /// <summary>Writes weights and moments back and restores the trainer's own arrays for layer 0.</summary>
        public void Leave()
        {
            if (_canonical is not { } c) return;
            Transpose(_w, _in, _out, c.W); Transpose(_m, _in, _out, c.M); Transpose(_v, _in, _out, c.V);
            _t._w[0] = c.W; _t._m[0] = c.M; _t._v[0] = c.V;
            if (c.Prior is not null) _t._pw![0] = c.Prior;
            if (c.Mask is not null) _t._masks![0] = c.Mask;
            _canonical = null;
        }

        /// <summary>Rows r0..r1−1, units o0..o1−1 of layer 0's output from the batch's nonzeros (then bias and ReLU).</summary>
        public void Forward(Backprop<float> bp, int r0, int r1, int o0, int o1)
        {
            SparseProduct.Multiply(Rows, r0, r1, _w, _out, o0, o1, bp.LayerOutput(0), _out);
            bp.FinishForward(0, _t._biases, r0, r1, o0, o1);
        }

        /// <summary>Rows k0..k1−1 of ∂W₀ᵀ (input features) and entries o0..o1−1 of ∂b₀.</summary>
        public void WeightGradient(Backprop<float> bp, int batch, int k0, int k1, int o0, int o1)
        {
            Columns.FillTransposed(Rows, batch, k0, k1);
            SparseProduct.Multiply(Columns, k0, k1, bp.PreActivationGradient(0), _out, 0, _out, bp.WeightGradients[0], _out);
            bp.BiasGradientUnits(0, batch, o0, o1);
        }

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
