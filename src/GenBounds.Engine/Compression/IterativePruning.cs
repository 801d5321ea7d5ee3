using GenBounds.Networks;

namespace GenBounds.Compression;

/// <summary>Which weights compete for pruning in one round of iterative magnitude pruning.</summary>
public enum PruningScope
{
    /// <summary>All layers' surviving weights ranked together (open_lth <c>sparse_global</c>).</summary>
    Global,
    /// <summary>Each layer ranked separately, the same fraction per layer.</summary>
    LayerWise,
}

/// <summary>One round of iterative magnitude pruning.</summary>
/// <param name="Masks">The new masks (each a subset of the previous round's).</param>
/// <param name="Thresholds">
/// Per layer, the largest |w| pruned in this round (NaN when that layer pruned nothing). Under <see cref="PruningScope.Global"/>
/// all layers report the same global threshold. Every surviving weight has |w| ≥ the threshold of its ranking group and every weight
/// pruned this round has |w| ≤ it; equal magnitudes at the cut are split by position (layer, then row-major index).
/// </param>
/// <param name="PrunedThisRound">Weights removed in this round, per layer.</param>
public sealed record PruningRound(NetworkMasks Masks, double[] Thresholds, long[] PrunedThisRound);

/// <summary>
/// Deterministic iterative magnitude pruning in the style of open_lth (Frankle et al.): each round removes
/// ⌈fraction · (surviving weights)⌉ of the smallest-magnitude surviving weights, globally or per layer. Masks only shrink;
/// already-pruned weights never come back and are not ranked again. Biases are never pruned.
/// </summary>
public static class IterativePruning
{
    /// <summary>
    /// One round on the (typically retrained) <paramref name="network"/> under the current masks. The magnitudes ranked are those of
    /// the network's weights at surviving positions, so the caller may pass a network that was retrained with the masks applied.
    /// </summary>
    public static PruningRound PruneRound(Mlp network, NetworkMasks current, double fraction, PruningScope scope)
    {
        if (!(fraction >= 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"fraction must be in [0, 1] (got {fraction})");
        if (!network.Architecture.Equals(current.Architecture)) throw new ArgumentException("masks and network have different architectures");
        int layers = network.Layers.Length;
        var newMasks = new byte[layers][];
        for (int l = 0; l < layers; l++) newMasks[l] = current.Layers[l].Values.ToArray();
        var thresholds = Enumerable.Repeat(double.NaN, layers).ToArray();
        var pruned = new long[layers];

        var groups = scope == PruningScope.Global
            ? new[] { Enumerable.Range(0, layers).ToArray() }
            : Enumerable.Range(0, layers).Select(l => new[] { l }).ToArray();
        foreach (var group in groups)
        {
            var candidates = new List<(float Mag, int Layer, int Index)>();
            foreach (int l in group)
            {
                var w = network.Layers[l].Weight;
                var m = current.Layers[l].Values;
                for (int i = 0; i < w.Length; i++) if (m[i] == 1) candidates.Add((Math.Abs(w[i]), l, i));
            }
            int count = (int)Math.Ceiling(fraction * candidates.Count);
            if (count == 0) continue;
            candidates.Sort((a, b) => a.Mag != b.Mag ? a.Mag.CompareTo(b.Mag) : a.Layer != b.Layer ? a.Layer.CompareTo(b.Layer) : a.Index.CompareTo(b.Index));
            for (int c = 0; c < count; c++)
            {
                var (_, l, i) = candidates[c];
                newMasks[l][i] = 0;
                pruned[l]++;
            }
            double thr = candidates[count - 1].Mag;
            foreach (int l in group) thresholds[l] = scope == PruningScope.Global || pruned[l] > 0 ? thr : double.NaN;
        }
        var masks = new NetworkMasks(network.Architecture, Enumerable.Range(0, layers).Select(l => new Mask(current.Layers[l].Rows, current.Layers[l].Cols, newMasks[l])).ToArray());
        return new PruningRound(masks, thresholds, pruned);
    }

    /// <summary>
    /// One layer-wise round with its own fraction per layer (Frankle &amp; Carbin prune the output layer at half the rate):
    /// layer l loses ⌈fractions[l]·(its surviving weights)⌉ of its smallest-magnitude survivors. Ties at the cut are split by
    /// row-major position, as in <see cref="PruneRound(Mlp, NetworkMasks, double, PruningScope)"/>.
    /// </summary>
    public static PruningRound PruneRound(Mlp network, NetworkMasks current, IReadOnlyList<double> fractions)
    {
        if (fractions.Count != network.Layers.Length) throw new ArgumentException($"{fractions.Count} fractions for {network.Layers.Length} layers");
        if (!network.Architecture.Equals(current.Architecture)) throw new ArgumentException("masks and network have different architectures");
        var masks = new Mask[fractions.Count];
        var thresholds = new double[fractions.Count];
        var pruned = new long[fractions.Count];
        for (int l = 0; l < fractions.Count; l++)
        {
            // A one-layer view keeps a single ranking routine for every scope.
            var arch = new MlpArchitecture([network.Layers[l].In, network.Layers[l].Out], bias: false);
            var one = new Mlp(arch);
            network.Layers[l].Weight.CopyTo(one.Layers[0].Weight, 0);
            var r = PruneRound(one, new NetworkMasks(arch, [current.Layers[l]]), fractions[l], PruningScope.LayerWise);
            masks[l] = r.Masks.Layers[0]; thresholds[l] = r.Thresholds[0]; pruned[l] = r.PrunedThisRound[0];
        }
        return new PruningRound(new NetworkMasks(network.Architecture, masks), thresholds, pruned);
    }

    /// <summary>
    /// <paramref name="rounds"/> rounds on fixed weights (no retraining in between), starting from all-keep masks; returns every round.
    /// After r rounds of fraction q the density is about (1 − q)^r.
    /// </summary>
    public static IReadOnlyList<PruningRound> Run(Mlp network, int rounds, double fraction, PruningScope scope)
    {
        if (rounds < 0) throw new ArgumentOutOfRangeException(nameof(rounds));
        var masks = NetworkMasks.Ones(network.Architecture);
        var all = new List<PruningRound>();
        for (int r = 0; r < rounds; r++)
        {
            var round = PruneRound(network, masks, fraction, scope);
            all.Add(round);
            masks = round.Masks;
        }
        return all;
    }
}
