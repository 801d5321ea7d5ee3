using GenBounds.Networks;
using GenBounds.Random;

namespace GenBounds.PacBayes;

/// <summary>Initialisations used by the PAC-Bayes set-ups (the data-free prior is centred at them).</summary>
public static class PacBayesInit
{
    /// <summary>
    /// PBB's <c>Linear</c> initialisation (<c>pbb/models.py</c>): weights from N(0, 1/n_in) truncated to ±2 standard
    /// deviations (rejection sampling), biases zero.
    /// </summary>
    public static Mlp TruncatedNormal(MlpArchitecture architecture, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(rng);
        var net = new Mlp(architecture);
        foreach (var layer in net.Layers)
        {
            double sd = 1 / Math.Sqrt(layer.In);
            for (int i = 0; i < layer.Weight.Length; i++)
            {
                double z;
                do z = rng.NextGaussian(); while (Math.Abs(z) > 2);
                layer.Weight[i] = (float)(sd * z);
            }
        }
        return net;
    }
}
