using System.Text.Json.Nodes;
using GenBounds.Bounds;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class BoundsTests
{
    /// <summary>Blobs rescaled into [0, 1]^6 (pixel-like data), so the input domain radius is known.</summary>
    internal static Dataset UnitBlobs(int n, Rng rng, string name)
    {
        // Well separated and noise-free, so a small net separates the training set (every margin positive).
        var raw = PosteriorTrainingTests.Blobs(n, rng, name, labelNoise: 0, separation: 6);
        var x = raw.Features.Select(v => Math.Clamp((v + 4f) / 14f, 0f, 1f)).ToArray();
        return new Dataset(name, x, raw.Labels, raw.Dimension, raw.Classes);
    }

    private static readonly Lazy<(Mlp Net, Mlp Init, Dataset Train, Dataset Test)> Trained = new(() =>
    {
        var rng = new Rng(40);
        var arch = new MlpArchitecture([6, 20, 15, 3], bias: true);
        var init = Trainer.Initialize(arch, 5);
        var net = init.Clone();
        var train = UnitBlobs(3000, rng.Split("train"), "train");
        var t = new Trainer(net, new TrainingOptions { Epochs = 6, BatchSize = 50, LearningRate = 0.01, Seed = 5 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 6; e++) t.TrainEpoch(train);
        return (net, init, train, UnitBlobs(1000, rng.Split("test"), "test"));
    });

    private static BoundInputs Inputs() { var (n, i, tr, te) = Trained.Value; return BoundInputs.Compute(n, i, tr, te, LinearAlgebraProviders.Default); }

    [Fact]
    public void Group_norms_match_naive_loops_on_odd_shapes()
    {
        var rng = new Rng(1);
        foreach (var (rows, cols) in new[] { (1, 1), (3, 7), (11, 2), (5, 5) })
        {
            var w = Enumerable.Range(0, rows * cols).Select(_ => rng.NextGaussian()).ToArray();
            foreach (var (p, q) in new[] { (2.0, 2.0), (1.0, double.PositiveInfinity), (3.0, 1.5), (2.0, 1.0), (1.0, 2.0) })
            {
                var rowNorms = Enumerable.Range(0, rows).Select(r => Math.Pow(Enumerable.Range(0, cols).Sum(c => Math.Pow(Math.Abs(w[r * cols + c]), p)), 1 / p)).ToArray();
                double expected = double.IsPositiveInfinity(q) ? rowNorms.Max() : Math.Pow(rowNorms.Sum(v => Math.Pow(v, q)), 1 / q);
                Assert.Equal(expected, NetworkNorms.GroupNorm(w, rows, cols, p, q), 10);
            }
        }
    }

    [Fact]
    public void Bias_augmentation_computes_the_same_function_and_path_sums()
    {
        var rng = new Rng(2);
        var net = Mlp.InitializeDefault(new MlpArchitecture([5, 4, 3, 2], bias: true), rng);
        var aug = NetworkNorms.Augment(net);
        Assert.Equal([6, 5, 4, 2], aug.Widths);
        for (int t = 0; t < 20; t++)
        {
            var x = Enumerable.Range(0, 5).Select(_ => rng.NextGaussian()).ToArray();
            double[] a = x, b = [.. x, 1.0];
            for (int l = 0; l < 3; l++)
            {
                var layer = net.Layers[l];
                a = Enumerable.Range(0, layer.Out).Select(r => Enumerable.Range(0, layer.In).Sum(c => (double)layer.Weight[r * layer.In + c] * a[c]) + layer.Bias![r]).Select(v => l < 2 ? Math.Max(0, v) : v).ToArray();
                int rows = aug.Widths[l + 1], cols = aug.Widths[l];
                var bl = b;
                b = Enumerable.Range(0, rows).Select(r => Enumerable.Range(0, cols).Sum(c => aug.Weights[l][r * cols + c] * bl[c])).Select(v => l < 2 ? Math.Max(0, v) : v).ToArray();
            }
            for (int y = 0; y < 2; y++) Assert.Equal(a[y], b[y], 5);
        }
        // Path sums by brute-force enumeration of every input → output path (biases are paths from their unit).
        var p1 = NetworkNorms.PathSums(net, 1);
        var pa = NetworkNorms.PathSums(aug, 1);
        for (int y = 0; y < 2; y++) Assert.Equal(BrutePath(net, y), p1[y], 6);
        for (int y = 0; y < 2; y++) Assert.Equal(p1[y], pa[y], 6);
    }

    private static double BrutePath(Mlp net, int y)
    {
        // Σ over paths ending at output y of Π|θ|, a path starting at an input (all-ones input) or at a bias.
        double Node(int layer, int unit)
        {
            // total over paths from any source to (layer, unit), layer ≥ 1
            var l = net.Layers[layer - 1];
            double s = Math.Abs(l.Bias![unit]);
            for (int c = 0; c < l.In; c++) s += Math.Abs(l.Weight[unit * l.In + c]) * (layer == 1 ? 1 : Node(layer - 1, c));
            return s;
        }
        return Node(net.Layers.Length, y);
    }

    [Fact]
    public void Practical_forms_equal_the_code_formulas_evaluated_naively()
    {
        var b = Inputs();
        var (net, init, train, _) = Trained.Value;
        var rows = NormBounds.Practical(b, new BoundOptions()).ToDictionary(r => r.Id);
        var margins = b.SortedMargins;
        double pos = 0.05 * (margins.Length - 1), gamma = margins[(int)pos] + (pos - (int)pos) * (margins[(int)pos + 1] - margins[(int)pos]);
        double alpha = Math.Sqrt(3 + Math.Log(6)), m = train.Count;
        double fro = 1, spec = 1, ratio21 = 0, hdist = 0;
        var la = LinearAlgebraProviders.Managed;
        for (int l = 0; l < 3; l++)
        {
            var L = net.Layers[l];
            var w = L.WeightAsDouble(); var w0 = init.Layers[l].WeightAsDouble();
            double f = Math.Sqrt(w.Sum(v => v * v)), s = la.SingularValues(w, L.Out, L.In)[0];
            var dw = w.Select((v, i) => v - w0[i]).ToArray();
            double d21 = Enumerable.Range(0, L.Out).Sum(r => Math.Sqrt(Enumerable.Range(0, L.In).Sum(c => dw[r * L.In + c] * dw[r * L.In + c])));
            double dfro = Math.Sqrt(dw.Sum(v => v * v));
            fro *= f; spec *= s; ratio21 += Math.Pow(d21 / s, 2.0 / 3); hdist += L.Out * dfro * dfro / (s * s);
        }
        double expected = alpha * fro / (gamma * Math.Sqrt(m)), got = rows["NTS15-frobenius/practical"].Value;
        Assert.True(Math.Abs(expected - got) <= 1e-10 * expected, $"Frobenius practical {got} vs naive {expected}");
        Assert.Equal(Math.Log(m) * Math.Log(net.Architecture.ParameterCount) * spec / gamma * Math.Pow(ratio21, 1.5) / Math.Sqrt(m), rows["BFT17-spectral-l21/practical"].Value, 6);
        Assert.Equal(3 * spec / gamma * Math.Sqrt(hdist) / Math.Sqrt(m), rows["NBS18-spectral-frobenius/practical"].Value, 8);
        Assert.Equal(gamma, rows["NTS15-frobenius/practical"].Gamma, 12);
        Assert.All(rows.Values, r => Assert.Null(r.Vacuous));
    }

    [Fact]
    public void Columns_differ_by_the_closed_form_factors_the_catalog_predicts()
    {
        // Catalog §6 sanity check: differences between forms are closed-form functions of widths, m and γ.
        var b = Inputs();
        var practical = NormBounds.Practical(b, new BoundOptions()).ToDictionary(r => r.Id);
        var seed = NormBounds.SeedCode(b).ToDictionary(r => r.Id);
        Assert.True(b.MinMargin > 0, "the test net must separate its training set");
        double g5 = practical["NTS15-frobenius/practical"].Gamma, gmin = b.MinMargin, m = b.M;
        double alpha = Math.Sqrt(b.Depth + Math.Log(6));
        // ln(seed 'Neyshabur 2015') = 2·ln(practical Frobenius) − 2 ln α + ln m + 2 ln(γ₅/γ_min)
        Assert.Equal(seed["GUHA23-neyshabur2015/seed-code"].LogValue,
            2 * practical["NTS15-frobenius/practical"].LogValue - 2 * Math.Log(alpha) + Math.Log(m) + 2 * Math.Log(g5 / gmin), 8);
        // ln('Neyshabur 2017') − ln('Bartlett 2017') = ln(Σ in_l srank_l / Σ srank_l): a weighted mean of input widths.
        double num = 0, den = 0;
        for (int l = 0; l < b.Depth; l++) { double sr = Math.Pow(b.Layers[l].Frobenius / b.Layers[l].Spectral, 2); num += b.Network.Layers[l].In * sr; den += sr; }
        Assert.Equal(Math.Log(num / den), seed["GUHA23-neyshabur2017/seed-code"].LogValue - seed["GUHA23-bartlett2017/seed-code"].LogValue, 9);
    }

    [Fact]
    public void Published_bounds_are_at_least_the_margin_loss_and_grow_as_delta_shrinks()
    {
        var b = Inputs();
        var loose = NormBounds.Published(b, new BoundOptions { Delta = 0.2 }).ToDictionary(r => r.Id);
        var tight = NormBounds.Published(b, new BoundOptions { Delta = 0.001 }).ToDictionary(r => r.Id);
        foreach (var (id, r) in loose)
        {
            Assert.True(r.IsBound);
            Assert.True(r.Value >= b.MarginLoss(r.Gamma), $"{id}: {r.Value} below L̂_γ");
            Assert.True(tight[id].Value > r.Value, $"{id} did not grow when δ shrank");
            Assert.Equal(r.Value >= 1, r.Vacuous);
            Assert.Contains(r.Tags, t => t is "RECALLED" or "UNVERIFIED" or "DERIVED");
        }
    }

    [Fact]
    public void Expected_sharpness_bound_exceeds_its_kl_term_and_grows_as_delta_shrinks()
    {
        var b = Inputs();
        var train = Trained.Value.Train;
        var loose = SharpnessBound.Compute(b, train, 0.2, 1, LinearAlgebraProviders.Default);
        var tight = SharpnessBound.Compute(b, train, 0.001, 1, LinearAlgebraProviders.Default);
        Assert.True(loose.IsBound && loose.Form == BoundForm.Published);
        Assert.True(tight.Value > loose.Value);
        double w2 = b.Network.Layers.Sum(l => l.Weight.Sum(v => (double)v * v) + l.Bias!.Sum(v => (double)v * v));
        // Whatever σ of the grid was chosen, the value is at least the smallest complexity term over the grid.
        double minTerm = Enumerable.Range(0, SharpnessBound.GridSize).Min(k => 4 * Math.Sqrt((w2 / (2 * Math.Pow(2, -k)) + Math.Log(2.0 * b.M * SharpnessBound.GridSize / 0.2)) / b.M));
        Assert.True(loose.Value >= minTerm, $"{loose.Value} below the smallest complexity term {minTerm}");
    }

    [Fact]
    public void Jiang_measures_follow_the_code_conventions()
    {
        var b = Inputs();
        var rows = JiangMeasures.Compute(b, new BoundOptions { Sharpness = false }, Trained.Value.Train, LinearAlgebraProviders.Default).ToDictionary(r => r.Id);
        double gamma = Math.Abs(b.SortedMargins[b.M / 10 - 1]);
        double lnSpec2 = b.Layers.Sum(l => 2 * Math.Log(l.Spectral));
        Assert.Equal(0.5 * (lnSpec2 - 2 * Math.Log(gamma) - Math.Log(b.M)), rows["JIANG20-LOG_PROD_OF_SPEC_OVER_MARGIN/measure"].LogValue, 10);
        Assert.Equal(Math.Sqrt(b.WeightCount / (double)b.M), rows["JIANG20-PARAMS/measure"].Value, 12);
        Assert.Equal(Math.Sqrt(1 / (gamma * gamma) / b.M), rows["JIANG20-INVERSE_MARGIN/measure"].Value, 12);
        Assert.All(rows.Values, r => Assert.Equal(BoundForm.Measure, r.Form));
    }

    [Fact]
    public void On_a_network_of_dense_layers_the_sequential_path_gives_the_MLP_catalog_measures()
    {
        var (net, init, train, test) = Trained.Value;
        var o = new BoundCatalogOptions { Arora = false, Guha = false, Norm = new BoundOptions { SharpnessSamples = 300 } };
        var mlp = BoundCatalog.Compute(net, init, train, test, o, LinearAlgebraProviders.Default).Rows.Where(r => r.Form == BoundForm.Measure).ToDictionary(r => r.Id);
        var seq = SequentialBounds.Compute(Network.FromMlp(net), Network.FromMlp(init), train, test, o, LinearAlgebraProviders.Default);
        var measures = seq.Rows.Where(r => r.Form == BoundForm.Measure).ToList();
        Assert.Equal(mlp.Count, measures.Count);
        foreach (var r in measures)
            Assert.True(Math.Abs(r.Value - mlp[r.Id].Value) <= 1e-12 * (1 + Math.Abs(r.Value)), $"{r.Id}: sequential {r.Value} vs MLP {mlp[r.Id].Value}");
        Assert.Contains(seq.Notes, n => n.Contains("not computed for a convolutional network"));
    }

    [Fact]
    public void Bartlett_bound_on_a_bias_free_dense_network_is_the_same_through_the_operator_path()
    {
        var rng = new Rng(41);
        var arch = new MlpArchitecture([6, 20, 15, 3], bias: false);
        var init = Trainer.Initialize(arch, 6);
        var net = init.Clone();
        var train = UnitBlobs(3000, rng.Split("train"), "train");
        var t = new Trainer(net, new TrainingOptions { Epochs = 6, BatchSize = 50, LearningRate = 0.01, Seed = 6 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 6; e++) t.TrainEpoch(train);
        var test = UnitBlobs(1000, rng.Split("test"), "test");
        var o = new BoundCatalogOptions { Arora = false, Guha = false, Jiang = false, Norm = new BoundOptions { Sharpness = false } };
        var mlp = BoundCatalog.Compute(net, init, train, test, o, LinearAlgebraProviders.Default).Rows.Single(r => r.Id == "BFT17-spectral-l21/published");
        var seq = SequentialBounds.Compute(Network.FromMlp(net), Network.FromMlp(init), train, test, o, LinearAlgebraProviders.Default).Rows.Single(r => r.Id == "BFT17-spectral-l21/published");
        Assert.True(Math.Abs(seq.LogValue - mlp.LogValue) <= 1e-9 * (1 + Math.Abs(mlp.LogValue)), $"operator path {seq.LogValue} vs MLP {mlp.LogValue}");
        Assert.Equal(mlp.Gamma, seq.Gamma);
    }

    [Fact]
    public void Bartlett_bound_on_a_bias_free_CNN_uses_operator_norms_and_is_not_below_its_margin_loss()
    {
        var rng = new Rng(42);
        var arch = NetworkArchitecture.Parse("1x6x6:conv3k3p1-pool2-conv4k2-fc3", bias: false);
        var net = Trainer.Initialize(arch, 9);
        var raw = PosteriorTrainingTests.Blobs(600, rng.Split("train"), "train", labelNoise: 0, separation: 6);
        // 36 "pixels": the blob coordinates repeated, in [0, 1].
        var x = new float[raw.Count * 36];
        for (int i = 0; i < raw.Count; i++) for (int j = 0; j < 36; j++) x[i * 36 + j] = Math.Clamp((raw.Features[i * raw.Dimension + j % raw.Dimension] + 4f) / 14f, 0f, 1f);
        var train = new Dataset("train", x, raw.Labels, 36, raw.Classes);
        var t = new Trainer(net, new TrainingOptions { Epochs = 5, BatchSize = 30, Seed = 9 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 5; e++) t.TrainEpoch(train);
        var o = new BoundCatalogOptions { Jiang = false, Norm = new BoundOptions { Sharpness = false } };
        var table = SequentialBounds.Compute(net, null, train, train, o, LinearAlgebraProviders.Default);
        var row = table.Rows.Single(r => r.Id == "BFT17-spectral-l21/published");
        Assert.Equal(BoundForm.Published, row.Form);
        Assert.True(row.Value >= table.TrainError, $"bound {row.Value} below the training error {table.TrainError}");
        Assert.Contains(row.Notes, n => n.Contains("linear operators on their actual input size"));
        // With biases and a padding whose tap (p, p) can fall outside the image (2p > k − 1) there is no bias-free
        // equivalent of this form, and no row.
        var padded = Trainer.Initialize(NetworkArchitecture.Parse("1x6x6:conv3k2p1-pool2-conv4k2-fc3"), 9);
        Assert.Null(SequentialBounds.Bft17(padded, null, train, [1.0], 0.05, LinearAlgebraProviders.Default));
    }

    [Theory]
    [InlineData("1x6x7:conv3k3p1-pool2-conv4k3-fc5-3")] [InlineData("2x5x5:conv3k2s2-fc4-fc3")] [InlineData("1x6x6:conv2k3-avgpool2-fc3")] [InlineData("7:fc5-fc4-3")]
    public void The_bias_free_equivalent_computes_the_same_logits_on_inputs_with_a_constant(string text)
    {
        var arch = NetworkArchitecture.Parse(text);
        var net = Network.InitializeDefault(arch, new Rng(17));
        foreach (var layer in net.WeightLayers) for (int i = 0; i < layer.Bias!.Length; i++) layer.Bias[i] = (float)(0.5 + i % 3);   // biases that matter
        var (free, ones) = BiasAugmentation.BiasFree(net)!.Value;
        Assert.False(free.Architecture.Bias);
        var rng = new Rng(3);
        int n = arch.InputShape.Size;
        var x = new double[n]; rng.FillGaussian(x);
        var xt = x.Concat(Enumerable.Repeat(1.0, ones)).ToArray();
        static double[] Logits(Network m, double[] input) =>
            new NetworkBackprop<double>(LinearAlgebraProviders.Default, m.Architecture, 1)
                .Forward(m.WeightLayers.Select(l => l.WeightAsDouble()).ToArray(), m.WeightLayers.Select(l => l.Bias is { } b ? Array.ConvertAll(b, v => (double)v) : null).ToArray(), input, 1).ToArray();
        var a = Logits(net, x);
        var b = Logits(free, xt);
        Assert.Equal(a.Length, b.Length);
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-12 * (1 + Math.Abs(a[i])), $"{text}: logit {i}: {a[i]} vs {b[i]}");
    }

    [Fact]
    public void Bartlett_bound_on_a_dense_network_with_biases_is_the_same_through_the_operator_path()
    {
        var (net, init, train, test) = Trained.Value;
        Assert.True(net.Architecture.Bias);
        var o = new BoundCatalogOptions { Arora = false, Guha = false, Jiang = false, Norm = new BoundOptions { Sharpness = false } };
        var mlp = BoundCatalog.Compute(net, init, train, test, o, LinearAlgebraProviders.Default).Rows.Single(r => r.Id == "BFT17-spectral-l21/published");
        var seq = SequentialBounds.Compute(Network.FromMlp(net), Network.FromMlp(init), train, test, o, LinearAlgebraProviders.Default).Rows.Single(r => r.Id == "BFT17-spectral-l21/published");
        Assert.True(Math.Abs(seq.LogValue - mlp.LogValue) <= 1e-9 * (1 + Math.Abs(mlp.LogValue)), $"operator path {seq.LogValue} vs MLP {mlp.LogValue}");
    }

    [Fact]
    public void Path_norm_of_a_CNN_is_the_sum_over_paths_of_squared_parameters_through_the_dense_operators()
    {
        // Independent of the network's forward pass: the convolution's dense operator has one kernel entry (or 0) per
        // entry, so Σ_paths Π θ² is the recursion a ← |A|^{∘2} a + b² from a = 1 through every weight layer.
        var arch = NetworkArchitecture.Parse("1x5x4:conv3k3p1-conv2k2s2-fc4");
        var net = Network.InitializeDefault(arch, new Rng(8));
        var a = Enumerable.Repeat(1.0, arch.InputShape.Size).ToArray();
        foreach (var layer in net.WeightLayers)
        {
            double[] op = layer is Conv2dLayer c ? Measures.ConvOperatorNorms.DenseOperator(c.WeightAsDouble(), c.Conv, c.InputShape) : layer.WeightAsDouble();
            int rows = layer.OutputShape.Size, cols = layer.InputShape.Size;
            var next = new double[rows];
            for (int r = 0; r < rows; r++)
            {
                int channel = layer is Conv2dLayer ? r / layer.OutputShape.Locations : r;
                double s = layer.Bias is { } b ? (double)b[channel] * b[channel] : 0;
                for (int k = 0; k < cols; k++) s += op[(long)r * cols + k] * op[(long)r * cols + k] * a[k];
                next[r] = s;
            }
            a = next;
        }
        double got = SequentialBounds.PathNorm(net, LinearAlgebraProviders.Default);
        Assert.True(Math.Abs(got - a.Sum()) <= 1e-12 * a.Sum(), $"path norm {got} vs path sum {a.Sum()}");
    }

    [Fact]
    public void Bad_inputs_are_refused_with_a_clear_message()
    {
        var (net, init, train, test) = Trained.Value;
        var flipped = new Dataset("flipped", train.Features, train.Labels.Select(y => (y + 1) % 3).ToArray(), 6, 3);
        var bad = BoundInputs.Compute(net, init, flipped, test, LinearAlgebraProviders.Default);
        var e = Assert.Throws<ArgumentException>(() => BoundCatalog.Validate(bad, new BoundCatalogOptions()));
        Assert.True(e.Message.Contains("untrained") || e.Message.Contains("no positive training margin"), e.Message);
        var zero = new Mlp(net.Architecture);
        var none = BoundInputs.Compute(zero, null, train, test, LinearAlgebraProviders.Default);
        Assert.Contains("no positive training margin", Assert.Throws<ArgumentException>(() => BoundCatalog.Validate(none, new BoundCatalogOptions())).Message);
        Assert.Throws<ArgumentException>(() => BoundCatalog.Validate(Inputs(), new BoundCatalogOptions { Norm = new BoundOptions { Delta = 1.5 } }));
    }

    [Fact]
    public void Report_renders_every_row_in_every_format_and_writes_nothing_when_rendering_fails()
    {
        var (net, init, train, test) = Trained.Value;
        var table = BoundCatalog.Compute(net, init, train, test, new BoundCatalogOptions { Arora = false, Norm = new BoundOptions { SharpnessSamples = 300 } }, LinearAlgebraProviders.Default);
        var prov = new BoundProvenance("m.safetensors", net.ContentHash(), train.Name, train.ContentHash(), "test");
        var json = BoundReport.ToJson(table, prov);
        Assert.Equal(table.Rows.Count, json["rows"]!.AsArray().Count);
        var csv = BoundReport.ToCsv(table).TrimEnd().Split('\n');
        Assert.Equal(table.Rows.Count + 1, csv.Length);
        var tex = BoundReport.ToLatex(table);
        Assert.Contains("\\begin{tabular}", tex);
        Assert.True(tex.All(c => c < 128), "the LaTeX table must be plain ASCII");
        int lines = tex.Split('\n').Count(l => l.TrimEnd().EndsWith("\\\\", StringComparison.Ordinal));
        Assert.Equal(1 + table.Rows.Select(r => r.Form).Distinct().Count() + table.Rows.Count + 2, lines);
        var spec = BoundReport.VegaLiteSpec(table);
        Assert.Equal("log", spec["layer"]![0]!["encoding"]!["y"]!["scale"]!["type"]!.GetValue<string>());
        using var tmp = new TempFolder();
        var js = Path.Combine(tmp.Path, "js");
        Directory.CreateDirectory(js);
        foreach (var f in new[] { "vega.min.js", "vega-lite.min.js" }) File.WriteAllText(Path.Combine(js, f), "/* stub */");
        var target = tmp.File("report");
        Assert.Throws<FileNotFoundException>(() => BoundReport.WriteFolder(target, table, prov, js));
        Assert.False(Directory.Exists(target));
        Assert.DoesNotContain(Directory.GetDirectories(tmp.Path), d => d.Contains("report"));
        File.WriteAllText(Path.Combine(js, "vega-embed.min.js"), "var x = '</script>';");
        var files = BoundReport.WriteFolder(target, table, prov, js);
        Assert.Equal(4, files.Count);
        var html = File.ReadAllText(Path.Combine(target, "bounds.html"));
        Assert.DoesNotContain("'</script>'", html);
        Assert.Contains("vegaEmbed(\"#chart\"", html);
        Assert.NotNull(JsonNode.Parse(File.ReadAllText(Path.Combine(target, "bounds.json"))));
    }
}
