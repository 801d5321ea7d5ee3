using GenBounds.Data;
using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>
/// What every posterior trainer's epoch shares: the data check, the epoch's streams (mini-batch order
/// <c>pacbayes/posterior/data-order/epoch-e</c>, noise <c>pacbayes/posterior/noise/epoch-e</c>) and the batch gather.
/// </summary>
internal static class PosteriorEpoch
{
    /// <summary>Checks <paramref name="train"/> against the network and returns the epoch's example order and noise stream.</summary>
    public static (int[] Order, Rng Noise) Begin(Dataset train, MlpArchitecture arch, SeedStreams seeds, int epoch)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Dimension != arch.InputSize) throw new ArgumentException($"data dimension {train.Dimension} ≠ network input {arch.InputSize}");
        if (train.Classes > arch.OutputSize) throw new ArgumentException($"data has {train.Classes} classes, network only {arch.OutputSize} outputs");
        return (seeds.Stream($"pacbayes/posterior/data-order/epoch-{epoch}").Permutation(train.Count), seeds.Stream($"pacbayes/posterior/noise/epoch-{epoch}"));
    }

    /// <summary>Copies examples order[start..start+batch) into the row-major batch buffers.</summary>
    public static void Gather(Dataset train, int[] order, int start, int batch, float[] x, int[] y)
    {
        int d = train.Dimension;
        for (int r = 0; r < batch; r++)
        {
            int i = order[start + r];
            train.Features.AsSpan(i * d, d).CopyTo(x.AsSpan(r * d, d));
            y[r] = train.Labels[i];
        }
    }
}
