using System.Globalization;
using System.Text.RegularExpressions;

namespace GenBounds.Networks;

/// <summary>
/// Shape of a sequential network: the input shape of one sample, the modules in order (each one module of a PyTorch
/// <c>nn.Sequential</c>, see <see cref="LayerSpec"/>) and whether the weight layers carry biases (all or none). The last
/// module is a dense layer whose outputs are the class scores. A fully connected ReLU network (<see cref="MlpArchitecture"/>)
/// is the special case Dense, ReLU, Dense, …, Dense on a flat input.
/// <para>
/// Text form (the <c>--arch</c> grammar, <see cref="Parse"/>; <see cref="ToString"/> prints it back):
/// <code>
/// architecture := [input ':'] item ('-' item)* ['/nobias']
/// input        := C 'x' H 'x' W        (an image, e.g. 1x28x28)  |  N  (a flat vector)
/// item         := 'conv' C ['k' K ['x' K2]] ['s' S] ['p' P]   convolution, C output channels, kernel K×K (K×K2; default 3), stride S (1), zero padding P (0)
///               | 'pool' K ['s' S] | 'maxpool' K ['s' S]       max pooling, window K×K, stride S (default K)
///               | 'avgpool' K ['s' S]                          average pooling
///               | ['fc'] N                                     dense layer with N outputs
///               | 'relu' | 'flatten'                           explicit modules (see below)
///               | 'lenet5' | 'vgg11' ['w' N]                   presets (expanded in place)
/// </code>
/// Short form (no <c>relu</c> or <c>flatten</c> token anywhere): a ReLU follows every convolution and every dense layer
/// except the last, and a flatten is inserted before the first dense layer that gets an image. Explicit form (some
/// <c>relu</c> or <c>flatten</c> token present): nothing is inserted, every item is exactly one module. A string of bare
/// numbers without an input prefix is the MLP grammar: the first number is the input size (<c>784-100-10</c>). Without an
/// input prefix the input shape comes from the data (MNIST 1×28×28, CIFAR-10 3×32×32). Presets: <c>lenet5</c> =
/// <c>conv6k5p2-pool2-conv16k5-pool2-fc120-fc84-10</c> (LeNet-5 with ReLU and max pooling; 16×5×5 features before the
/// dense layers on 28×28 inputs), <c>vgg11wN</c> = VGG-11's layout "A" with base width N (default 64): 3×3 convolutions
/// with padding 1 of N, 2N, 4N, 4N, 8N, 8N, 8N, 8N channels with a 2×2 max pooling after the 1st, 2nd, 4th, 6th and 8th,
/// then fc8N-fc8N-10.
/// </para>
/// </summary>
public sealed record NetworkArchitecture
{
    private readonly LayerSpec[] _layers;
    private readonly TensorShape[] _shapes;

    /// <summary>Creates an architecture, inferring every activation shape; throws <see cref="ArgumentException"/> naming the module that does not fit.</summary>
    public NetworkArchitecture(TensorShape input, IReadOnlyList<LayerSpec> layers, bool bias)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("a network needs at least one module");
        _layers = layers.ToArray();
        _shapes = new TensorShape[_layers.Length + 1];
        _shapes[0] = input;
        for (int m = 0; m < _layers.Length; m++)
        {
            if (_layers[m] is null) throw new ArgumentException($"module {m} is null");
            try { _shapes[m + 1] = _layers[m].OutputShape(_shapes[m]); }
            catch (ArgumentException e) { throw new ArgumentException($"module {m} ({_layers[m].TorchModule}): {e.Message}", e); }
        }
        if (_layers[^1] is not DenseSpec) throw new ArgumentException($"the last module must be a dense layer giving the class scores, not {_layers[^1].TorchModule}");
        InputShape = input; Bias = bias;
        WeightModules = Enumerable.Range(0, _layers.Length).Where(m => _layers[m].HasWeight).ToArray();
    }

    /// <summary>Shape of one input sample.</summary>
    public TensorShape InputShape { get; }
    /// <summary>The modules in order (index = Sequential index).</summary>
    public IReadOnlyList<LayerSpec> Layers => _layers;
    /// <summary>Whether every weight layer has a bias.</summary>
    public bool Bias { get; }
    /// <summary>Shapes[m] is the input shape of module m; Shapes[Layers.Count] is the output shape.</summary>
    public IReadOnlyList<TensorShape> Shapes => _shapes;
    /// <summary>Sequential indices of the modules with weights (convolutions and dense layers), in order: the paper's layers 1..d.</summary>
    public IReadOnlyList<int> WeightModules { get; }
    /// <summary>Number of weight layers d.</summary>
    public int Depth => WeightModules.Count;
    /// <summary>Number of class scores.</summary>
    public int OutputSize => _shapes[^1].Channels;
    /// <summary>Total number of trainable parameters.</summary>
    public long ParameterCount => WeightModules.Sum(m => WeightCount(m) + (Bias ? RowsOf(m) : 0));

    /// <summary>Number of weights of module <paramref name="module"/> (0 without weights).</summary>
    public long WeightCount(int module) => _layers[module] switch
    {
        DenseSpec d => (long)d.Outputs * _shapes[module].Size,
        Conv2dSpec c => (long)c.OutChannels * _shapes[module].Channels * c.KernelHeight * c.KernelWidth,
        _ => 0,
    };

    private int RowsOf(int module) => _layers[module] switch { DenseSpec d => d.Outputs, Conv2dSpec c => c.OutChannels, _ => 0 };

    /// <summary>True when this is a fully connected ReLU network on a flat input: Dense, ReLU, Dense, …, Dense.</summary>
    public bool IsMlp
    {
        get
        {
            if (!InputShape.IsVector || _layers.Length % 2 == 0) return false;
            for (int m = 0; m < _layers.Length; m++)
                if (m % 2 == 0 ? _layers[m] is not DenseSpec : _layers[m] is not ReluSpec) return false;
            return true;
        }
    }

    /// <summary>The equivalent <see cref="MlpArchitecture"/>; throws unless <see cref="IsMlp"/>.</summary>
    public MlpArchitecture ToMlp()
    {
        if (!IsMlp) throw new InvalidOperationException($"{this} is not a fully connected network on a flat input");
        var sizes = new List<int> { InputShape.Channels };
        sizes.AddRange(_layers.OfType<DenseSpec>().Select(d => d.Outputs));
        return new MlpArchitecture(sizes, Bias);
    }

    /// <summary>The sequential form of an MLP: Dense, ReLU, …, Dense on a flat input.</summary>
    public static NetworkArchitecture FromMlp(MlpArchitecture mlp)
    {
        ArgumentNullException.ThrowIfNull(mlp);
        var layers = new List<LayerSpec>();
        for (int l = 1; l < mlp.LayerSizes.Count; l++)
        {
            if (l > 1) layers.Add(new ReluSpec());
            layers.Add(new DenseSpec(mlp.LayerSizes[l]));
        }
        return new NetworkArchitecture(TensorShape.Vector(mlp.InputSize), layers, mlp.Bias);
    }

    /// <inheritdoc />
    public bool Equals(NetworkArchitecture? other) => other is not null && Bias == other.Bias && InputShape == other.InputShape && _layers.SequenceEqual(other._layers);
    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Bias, ToString());

    /// <summary>
    /// The canonical text form: the MLP grammar (<c>784-100-10</c>) for MLPs, otherwise <c>input:items</c> in the short form
    /// when it reproduces the modules, else in the explicit form; <c>/nobias</c> for bias-free nets.
    /// </summary>
    public override string ToString()
    {
        string suffix = Bias ? "" : "/nobias";
        if (IsMlp) return string.Join("-", ToMlp().LayerSizes) + suffix;
        string prefix = InputShape + ":";
        if (ShortItems() is { } items)
        {
            string text = prefix + string.Join("-", items);
            try { if (Parse(text, null, Bias).Equals(this)) return text + suffix; }
            catch (FormatException) { }
        }
        return prefix + string.Join("-", _layers.Select(ExplicitItem)) + suffix;
    }

    private List<string>? ShortItems()
    {
        var items = new List<string>();
        for (int m = 0; m < _layers.Length; m++)
        {
            bool reluNext = m + 1 < _layers.Length && _layers[m + 1] is ReluSpec;
            switch (_layers[m])
            {
                case Conv2dSpec c when reluNext: items.Add(ConvItem(c)); m++; break;
                case Pool2dSpec p: items.Add(PoolItem(p)); break;
                case FlattenSpec when m + 1 < _layers.Length && _layers[m + 1] is DenseSpec: break;
                case DenseSpec d when m == _layers.Length - 1: items.Add(d.Outputs.ToString(CultureInfo.InvariantCulture)); break;
                case DenseSpec d when reluNext: items.Add("fc" + d.Outputs.ToString(CultureInfo.InvariantCulture)); m++; break;
                default: return null;
            }
        }
        return items;
    }

    private static string ExplicitItem(LayerSpec s) => s switch
    {
        Conv2dSpec c => ConvItem(c),
        Pool2dSpec p => PoolItem(p),
        DenseSpec d => "fc" + d.Outputs.ToString(CultureInfo.InvariantCulture),
        ReluSpec => "relu",
        FlattenSpec => "flatten",
        _ => throw new NotSupportedException(s.GetType().Name),
    };

    private static string ConvItem(Conv2dSpec c) => FormattableString.Invariant(
        $"conv{c.OutChannels}k{c.KernelHeight}{(c.KernelWidth != c.KernelHeight ? $"x{c.KernelWidth}" : "")}{(c.Stride != 1 ? $"s{c.Stride}" : "")}{(c.Padding != 0 ? $"p{c.Padding}" : "")}");

    private static string PoolItem(Pool2dSpec p) => p.Kind == PoolKind.Max
        ? (p.Stride == p.Kernel ? FormattableString.Invariant($"pool{p.Kernel}") : FormattableString.Invariant($"maxpool{p.Kernel}s{p.Stride}"))
        : FormattableString.Invariant($"avgpool{p.Kernel}{(p.Stride != p.Kernel ? $"s{p.Stride}" : "")}");

    private static readonly Regex ConvToken = new(@"^conv(?<c>\d+)(?:k(?<kh>\d+)(?:x(?<kw>\d+))?)?(?:s(?<s>\d+))?(?:p(?<p>\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex PoolToken = new(@"^(?<kind>pool|maxpool|avgpool)(?<k>\d+)(?:s(?<s>\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex DenseToken = new(@"^(?:fc)?(?<n>\d+)$", RegexOptions.CultureInvariant);
    private static readonly Regex ShapeToken = new(@"^(?:(?<c>\d+)x(?<h>\d+)x(?<w>\d+)|(?<n>\d+))$", RegexOptions.CultureInvariant);
    private static readonly Regex VggToken = new(@"^vgg11(?:w(?<w>\d+))?$", RegexOptions.CultureInvariant);
    private static readonly Regex LegacyMlp = new(@"^\s*\d+(\s*[-x,]\s*\d+)+\s*$", RegexOptions.CultureInvariant);

    /// <summary>One-paragraph summary of the grammar, appended to parse errors and CLI help.</summary>
    public const string GrammarHelp =
        "grammar: [CxHxW:]item-item-...[/nobias]; items: convC[kK[xK2]][sS][pP] (3x3 kernel, stride 1, padding 0 by default), " +
        "poolK / maxpoolK[sS] / avgpoolK[sS], [fc]N (dense), relu, flatten, presets lenet5 and vgg11[wN]; a ReLU follows every conv " +
        "and hidden dense layer and a flatten precedes the first dense layer unless some relu/flatten item is written out; " +
        "bare numbers without a prefix are an MLP whose first number is the input size (784-100-10); e.g. conv32k5-pool2-conv64k5-pool2-fc512-10";

    /// <summary>
    /// Parses the grammar above. <paramref name="input"/> is the data's sample shape, used when the text has no input prefix
    /// (and checked against the prefix when both are given); <paramref name="bias"/> false (or a <c>/nobias</c> suffix)
    /// makes every layer bias-free. Throws <see cref="FormatException"/> with the reason and the grammar.
    /// </summary>
    public static NetworkArchitecture Parse(string text, TensorShape? input = null, bool bias = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        FormatException Bad(string why) => new($"invalid architecture '{text}': {why}. {GrammarHelp}");
        string body = text.Trim();
        if (body.EndsWith("/nobias", StringComparison.Ordinal)) { bias = false; body = body[..^"/nobias".Length]; }
        if (body.Length == 0) throw Bad("it is empty");
        if (!body.Contains(':') && LegacyMlp.IsMatch(body))
        {
            MlpArchitecture mlp;
            try { mlp = MlpArchitecture.Parse(body, bias); }
            catch (Exception e) when (e is FormatException or ArgumentException) { throw Bad(e.Message); }
            var a = FromMlp(mlp);
            if (input is { } data && data.Size != mlp.InputSize)
                throw Bad($"the MLP's input size {mlp.InputSize} differs from the data's {data.Size} values per sample");
            return a;
        }
        TensorShape shape;
        string items = body;
        int colon = body.IndexOf(':');
        if (colon >= 0)
        {
            var m = ShapeToken.Match(body[..colon].Trim());
            if (!m.Success) throw Bad($"input prefix '{body[..colon]}' is not CxHxW (e.g. 1x28x28) or a vector size");
            try
            {
                shape = m.Groups["n"].Success ? TensorShape.Vector(Int(m, "n"))
                    : new TensorShape(Int(m, "c"), Int(m, "h"), Int(m, "w"));
            }
            catch (ArgumentOutOfRangeException e) { throw Bad(e.Message.Split('\n')[0].Split(" (Parameter")[0]); }
            if (input is { } data && data.Size != shape.Size)
                throw Bad($"the input prefix {shape} has {shape.Size} values but the data has {data.Size} per sample");
            items = body[(colon + 1)..];
        }
        else shape = input ?? throw Bad("it has no input prefix (e.g. 1x28x28:) and no data shape was given");

        var tokens = new List<string>();
        foreach (var raw in items.Split('-'))
        {
            string t = raw.Trim().ToLowerInvariant();
            if (t.Length == 0) throw Bad("it has an empty item (two '-' in a row, or a leading or trailing '-')");
            tokens.AddRange(Expand(t));
        }
        bool explicitForm = tokens.Any(t => t is "relu" or "flatten");
        var layers = new List<LayerSpec>();
        var current = shape;
        void Add(LayerSpec spec, string token)
        {
            try { current = spec.OutputShape(current); }
            catch (ArgumentException e) { throw Bad($"item '{token}': {e.Message}"); }
            layers.Add(spec);
        }
        for (int i = 0; i < tokens.Count; i++)
        {
            string t = tokens[i];
            bool last = i == tokens.Count - 1;
            Match m;
            if ((m = ConvToken.Match(t)).Success)
            {
                int kh = m.Groups["kh"].Success ? Int(m, "kh") : 3;
                var spec = new Conv2dSpec(Int(m, "c"), kh, m.Groups["kw"].Success ? Int(m, "kw") : kh,
                    m.Groups["s"].Success ? Int(m, "s") : 1, m.Groups["p"].Success ? Int(m, "p") : 0);
                Add(spec, t);
                if (!explicitForm) Add(new ReluSpec(), t);
            }
            else if ((m = PoolToken.Match(t)).Success)
            {
                int k = Int(m, "k");
                Add(new Pool2dSpec(m.Groups["kind"].Value == "avgpool" ? PoolKind.Average : PoolKind.Max, k, m.Groups["s"].Success ? Int(m, "s") : k), t);
            }
            else if ((m = DenseToken.Match(t)).Success)
            {
                if (!explicitForm && !current.IsVector) Add(new FlattenSpec(), t);
                Add(new DenseSpec(Int(m, "n")), t);
                if (!explicitForm && !last) Add(new ReluSpec(), t);
            }
            else if (t == "relu") Add(new ReluSpec(), t);
            else if (t == "flatten") Add(new FlattenSpec(), t);
            else throw Bad($"item '{t}' is not a convolution, pooling, dense layer, relu, flatten or preset");
        }
        if (layers[^1] is not DenseSpec) throw Bad("the last item must be a dense layer giving the class scores (e.g. 10)");
        try { return new NetworkArchitecture(shape, layers, bias); }
        catch (ArgumentException e) { throw Bad(e.Message); }

        int Int(Match match, string group)
        {
            var g = match.Groups[group].Value;
            if (!int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v <= 0 && group != "p")
                throw Bad($"'{g}' in '{match.Value}' must be a positive integer");
            return v;
        }
    }

    private static IEnumerable<string> Expand(string token)
    {
        if (token == "lenet5") return ["conv6k5p2", "pool2", "conv16k5", "pool2", "fc120", "fc84", "10"];
        var m = VggToken.Match(token);
        if (!m.Success) return [token];
        int w = m.Groups["w"].Success && int.TryParse(m.Groups["w"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : 64;
        if (w <= 0) return [token];
        string C(int mult) => FormattableString.Invariant($"conv{mult * w}k3p1");
        string F(int mult) => FormattableString.Invariant($"fc{mult * w}");
        return [C(1), "pool2", C(2), "pool2", C(4), C(4), "pool2", C(8), C(8), "pool2", C(8), C(8), "pool2", F(8), F(8), "10"];
    }
}
