using GenBounds.Networks;

namespace GenBounds.Bounds;

/// <summary>
/// The bias-free network that computes the same logits as a sequential network with biases, on inputs that carry a
/// constant: one extra coordinate 1 for a vector input, one extra channel of ones for an image. Every weight layer but
/// the last gains one output unit (dense) or channel (convolution) that carries the constant forward — ReLU and pooling
/// keep a constant 1 — and each bias becomes a weight from the constant: a dense layer's bias the column of the (first)
/// constant coordinate, a convolution's bias its kernel tap (p, p) on the constant channel, which reads inside the image
/// at every output location exactly when 2p ≤ k − 1. For an MLP this is <see cref="NetworkNorms.Augment"/>'s
/// [[W, b], [0, 1]] with inputs (x, 1) (tested), so BFT17 on a net with biases is the same statement on both paths.
/// </summary>
public static class BiasAugmentation
{
    /// <summary>
    /// The bias-free equivalent of <paramref name="net"/> and the number of ones appended to every (flattened) input;
    /// null when some convolution's padding puts tap (p, p) outside the image at a border location (2p &gt; k − 1).
    /// A bias-free network is returned as it is, with 0 ones.
    /// </summary>
    public static (Network Net, int InputOnes)? BiasFree(Network net)
    {
        ArgumentNullException.ThrowIfNull(net);
        var arch = net.Architecture;
        if (!arch.Bias) return (net, 0);
        var input = arch.InputShape;
        bool image = !input.IsVector;
        var newInput = image ? new TensorShape(input.Channels + 1, input.Height, input.Width) : TensorShape.Vector(input.Size + 1);
        int lastWeight = arch.WeightModules[^1];
        var specs = new List<LayerSpec>();
        for (int m = 0; m < arch.Layers.Count; m++)
        {
            var spec = arch.Layers[m];
            bool extra = m != lastWeight;
            switch (spec)
            {
                case Conv2dSpec c:
                    if (2 * c.Padding > c.KernelHeight - 1 || 2 * c.Padding > c.KernelWidth - 1) return null;
                    specs.Add(c with { OutChannels = c.OutChannels + (extra ? 1 : 0) });
                    break;
                case DenseSpec d:
                    specs.Add(new DenseSpec(d.Outputs + (extra ? 1 : 0)));
                    break;
                default:
                    specs.Add(spec);
                    break;
            }
        }
        var aug = new Network(new NetworkArchitecture(newInput, specs, bias: false));
        // Where the constant sits in each module's input: the last channel (image) or, in a vector, the first of the
        // trailing constant entries (a flatten turns the constant channel into the last H·W entries, all ones).
        for (int k = 0; k < net.WeightLayers.Count; k++)
        {
            var src = net.WeightLayers[k];
            var dst = aug.WeightLayers[k];
            int outUnits = src.Rows, extraRow = dst.Rows - outUnits;
            switch (src)
            {
                case Conv2dLayer c:
                {
                    int cin = c.InChannels, kh = c.Conv.KernelHeight, kw = c.Conv.KernelWidth, p = c.Conv.Padding;
                    int cinNew = cin + 1;
                    for (int o = 0; o < outUnits; o++)
                    {
                        for (int ic = 0; ic < cin; ic++)
                            for (int t = 0; t < kh * kw; t++) dst.Weight[(o * cinNew + ic) * kh * kw + t] = src.Weight[(o * cin + ic) * kh * kw + t];
                        dst.Weight[(o * cinNew + cin) * kh * kw + p * kw + p] = src.Bias![o];
                    }
                    if (extraRow == 1) dst.Weight[(outUnits * cinNew + cin) * kh * kw + p * kw + p] = 1;
                    break;
                }
                default:
                {
                    // Dense: the input is the previous module's output flattened; the original entries keep their
                    // indices and the constant entries follow them, so the bias goes to column In.
                    int fin = src.FanIn, finNew = dst.FanIn;
                    for (int r = 0; r < outUnits; r++)
                    {
                        Array.Copy(src.Weight, r * fin, dst.Weight, r * finNew, fin);
                        dst.Weight[r * finNew + fin] = src.Bias![r];
                    }
                    if (extraRow == 1) dst.Weight[outUnits * finNew + fin] = 1;
                    break;
                }
            }
        }
        return (aug, image ? input.Height * input.Width : 1);
    }
}
