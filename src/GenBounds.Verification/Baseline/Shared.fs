/// Work that several experiments of the baseline catalog share: the paper id, plain reference implementations (the
/// Bernoulli kl and a 200-step bisection, written here independently of the engine's BinaryKl), float64 outputs and
/// margins of the lab's network, and small random bias-free networks with their forward pass.
module GenBounds.Verification.Baseline.Shared

open System
open GenBounds.Random
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments

/// The catalog's id in `Papers.all` and in every stream name.
let paperId = "baseline"

/// kl(q||p) with 0 ln 0 = 0 and +inf where p in {0, 1} differs from q (plain, for references).
let kl (q: float) (p: float) =
    let term (a: float) (b: float) = if a = 0.0 then 0.0 elif b = 0.0 then infinity else a * log (a / b)
    term q p + term (1.0 - q) (1.0 - p)

/// The bracket [lo, hi] of kl^-1_up(q, c) after 200 bisection steps (lo <= exact root <= hi).
let upperBracket (q: float) (c: float) =
    let mutable lo, hi = q, 1.0
    for _ in 1 .. 200 do
        let mid = (lo + hi) / 2.0
        if mid > lo && mid < hi then (if kl q mid > c then hi <- mid else lo <- mid)
    lo, hi

/// The bracket [lo, hi] of kl^-1_down(q, c) after 200 bisection steps.
let lowerBracket (q: float) (c: float) =
    let mutable lo, hi = 0.0, q
    for _ in 1 .. 200 do
        let mid = (lo + hi) / 2.0
        if mid > lo && mid < hi then (if kl q mid > c then lo <- mid else hi <- mid)
    lo, hi

/// The reference kl^-1_up (outer end of the bracket, like a certified inverse).
let refUpper q c = if q >= 1.0 then 1.0 else snd (upperBracket q c)

/// The reference kl^-1_down (outer end of the bracket).
let refLower q c = if q <= 0.0 then 0.0 else fst (lowerBracket q c)

/// A labelled instance.
let inst (b: (string * float) list) (seed: uint64) (label: string) : Instance = Evidence.instance (Bindings.ofScalars b) seed label

/// A trial instance.
let trial (b: (string * float) list) (seed: uint64) (label: string) (t: int) : Instance = { inst b seed label with Trial = Some t }

/// A bias-free ReLU network as float64 matrices (layer l: widths[l+1] x widths[l], row-major).
type Net = { Widths: int[]; W: float[][] }

/// f(x) of a bias-free ReLU net (last layer linear), plain loops.
let forward (net: Net) (x: float[]) =
    let mutable a = x
    for l in 0 .. net.W.Length - 1 do
        let rows, cols = net.Widths.[l + 1], net.Widths.[l]
        let w = net.W.[l]
        let z = Array.init rows (fun r -> let mutable s = 0.0 in (for c in 0 .. cols - 1 do s <- s + w.[r * cols + c] * a.[c]); s)
        a <- if l < net.W.Length - 1 then z |> Array.map (fun v -> max v 0.0) else z
    a

/// Euclidean norm.
let norm (x: float[]) = sqrt (Array.sumBy (fun v -> v * v) x)

/// i.i.d. N(0, sd^2) entries.
let gaussian (rng: Rng) (n: int) (sd: float) =
    let a = Array.zeroCreate<float> n
    rng.FillGaussian(Span a, 0.0, sd)
    a

/// A random bias-free net with N(0, 1/fan-in) weights.
let randomNet (rng: Rng) (widths: int[]) =
    { Widths = widths; W = [| for l in 0 .. widths.Length - 2 -> gaussian (rng.Split(sprintf "w%d" l)) (widths.[l + 1] * widths.[l]) (1.0 / sqrt (float widths.[l])) |] }

/// The lab's network as a bias-free net: its weights, or its exact bias-augmented equivalent (inputs (x, 1)) when it has biases.
let labNet (lab: Lab) : Net =
    Lab.memo lab "baseline/net" (fun () ->
        let a = GenBounds.Bounds.NetworkNorms.Augment lab.Network
        { Widths = a.Widths; W = a.Weights })

/// The first n inputs of a data set as float64 vectors of the lab net's input width (a constant 1 appended when augmented).
let inputsOf (lab: Lab) (data: GenBounds.Data.Dataset) (n: int) =
    let d = data.Dimension
    let n = min n data.Count
    let extra = (labNet lab).Widths.[0] - d
    [| for i in 0 .. n - 1 -> Array.init (d + extra) (fun j -> if j < d then float data.Features.[i * d + j] else 1.0) |]

/// Outputs (n x k row-major) of the lab's network on the training set S or on the held-out set, float64.
let labLogits (lab: Lab) (heldOut: bool) =
    Lab.memo lab (sprintf "baseline/logits/%b" heldOut) (fun () ->
        let data = if heldOut then lab.Test else lab.Train
        let sizes = Array.ofSeq lab.Network.Architecture.LayerSizes
        logits lab sizes (lab.Network.Layers |> Array.map (fun l -> l.WeightAsDouble())) (biasesOf lab CheckMode.RealNetwork) (Array.map float data.Features) data.Count)

/// Margins f(x)[y] - max_{j != y} f(x)[j] of an n x k output block.
let margins (out: float[]) (labels: int[]) (k: int) =
    Array.init labels.Length (fun i ->
        let y = labels.[i]
        let mutable best = -infinity
        for j in 0 .. k - 1 do
            if j <> y then best <- max best out.[i * k + j]
        out.[i * k + y] - best)

/// The lab network's margins on S (or on the held-out set).
let labMargins (lab: Lab) (heldOut: bool) =
    let data = if heldOut then lab.Test else lab.Train
    margins (labLogits lab heldOut) data.Labels lab.Network.Architecture.OutputSize

/// Fraction of margins <= gamma.
let fractionAtMost (gamma: float) (ms: float[]) = float (ms |> Array.filter (fun m -> m <= gamma) |> Array.length) / float ms.Length

/// ||w||^2 over every parameter of the lab's network (the KL of N(w, s^2 I) against N(0, s^2 I) is this over 2 s^2).
let labSquaredNorm (lab: Lab) =
    lab.Network.Layers |> Array.sumBy (fun l -> (l.Weight |> Array.sumBy (fun v -> float v * float v)) + (match l.Bias with NonNull b -> b |> Array.sumBy (fun v -> float v * float v) | Null -> 0.0))

/// Prior/posterior scales of the real-mode KL grid.
let sigmaGrid = [ 0.003; 0.01; 0.03; 0.1; 0.3 ]

/// Adds the median of `quantity` over every instance of the evidence's settings as `typical` (the typical-value mutant's bound).
let withTypical (quantity: string) (typical: string) (e: Evidence) =
    let values =
        [| for st in e.Settings do
            match st.Observation with
            | Observation.Instances is -> for i in is do yield scalarOf quantity i.Bindings
            | _ -> () |]
        |> Array.filter Double.IsFinite |> Array.sort
    let median = if values.Length = 0 then nan else values.[values.Length / 2]
    let add (st: Setting) =
        match st.Observation with
        | Observation.Instances is -> { st with Observation = Observation.Instances(is |> List.map (fun i -> { i with Bindings = Bindings.scalar typical median i.Bindings })) }
        | _ -> st
    { e with Settings = e.Settings |> List.map add }
