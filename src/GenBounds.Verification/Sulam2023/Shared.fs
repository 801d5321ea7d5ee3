/// Work that several experiments of Muthukumar & Sulam (2023) share: the two probability spaces of this paper (synthetic:
/// small random Gaussian matrices and networks where every sparse norm is exact by enumeration; real: the trained weights
/// fixed), the test matrices and their exact norm tables, networks as float64 layers, inputs, and the bound search of the
/// theorems. Shared work is memoised in the lab's run cache under keys that name every input.
module GenBounds.Verification.Sulam2023.Shared

open System
open GenBounds.Random
open GenBounds.Sparsity
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments

/// The paper's id in `Papers.all` and in every stream name.
let paperId = "sulam2023"

/// Median of a sample (NaN when empty).
let median (xs: float[]) =
    if xs.Length = 0 then nan
    else
        let s = Array.sort xs
        if s.Length % 2 = 1 then s.[s.Length / 2] else (s.[s.Length / 2 - 1] + s.[s.Length / 2]) / 2.0

/// A labelled instance with a layer index.
let inst (b: Bindings) (seed: uint64) (label: string) (layer: int option) (sample: int option) : Instance =
    { Evidence.instance b seed label with Layer = layer; Sample = sample }

/// Adds the median of `quantity` over the instances as `typical` (the typical-value mutants' bound).
let withTypical (quantity: string) (typical: string) (instances: Instance list) =
    let values = instances |> List.map (fun i -> scalarOf quantity i.Bindings) |> List.filter Double.IsFinite |> Array.ofList
    let m = median values
    instances |> List.map (fun i -> { i with Bindings = Bindings.scalar typical m i.Bindings })

/// i.i.d. N(0, sd²) entries from the stream.
let gaussian (rng: Rng) (n: int) (sd: float) =
    let a = Array.zeroCreate<float> n
    rng.FillGaussian(Span a, 0.0, sd)
    a

/// The lab's network as float64 layers; biases (if any) are left out and reported by `biasAssumption`.
let labNet (lab: Lab) : SparseNetwork =
    Lab.memo lab "sulam2023/net" (fun () ->
        SparseNetwork(lab.Network.Architecture.LayerSizes, lab.Network.Layers |> Array.map (fun l -> l.WeightAsDouble())))

/// A random bias-free network with N(0, 1/d_{k-1}) weights (the synthetic model of multi-layer checks).
let randomNet (rng: Rng) (widths: int[]) =
    SparseNetwork(widths, [| for k in 1 .. widths.Length - 1 -> gaussian (rng.Split(sprintf "w%d" k)) (widths.[k] * widths.[k - 1]) (1.0 / sqrt (float widths.[k - 1])) |])

/// |N(0, 1)| inputs (non-negative, like pixels).
let randomInputs (rng: Rng) (n: int) (d: int) = [| for i in 0 .. n - 1 -> gaussian (rng.Split(sprintf "x%d" i)) d 1.0 |> Array.map abs |]

/// The first n training inputs of the lab as float64 vectors.
let labInputs (lab: Lab) (n: int) =
    let d = lab.Train.Dimension
    let n = min n lab.Train.Count
    [| for i in 0 .. n - 1 -> Array.init d (fun j -> float lab.Train.Features.[i * d + j]) |]

/// The data-independent input bound M_X = sqrt(d0) * (largest absolute feature of the training data): 28 for MNIST pixels in
/// [0, 1] (UNVERIFIED: the paper states no M_X).
let inputBound (lab: Lab) =
    Lab.memo lab "sulam2023/input-bound" (fun () ->
        let m = lab.Train.Features |> Array.fold (fun a v -> max a (abs (float v))) 0.0
        sqrt (float lab.Train.Dimension) * (if m > 0.0 then m else 1.0))

/// Euclidean norm.
let norm (x: float[]) = sqrt (Array.sumBy (fun v -> v * v) x)

/// The small shapes of the synthetic matrix checks (odd, tall and wide).
let syntheticShapes = [ 6, 8; 5, 7; 8, 4; 4, 6; 7, 5; 3, 8; 6, 6; 8, 3 ]

/// A test matrix: label, row-major entries, rows, cols, the seed it came from, and its layer (real mode).
type TestMatrix = { Label: string; W: float[]; Rows: int; Cols: int; Seed: uint64; Layer: int option }

/// The matrices of the single-matrix checks: synthetic Gaussian matrices of `syntheticShapes`; real: three random
/// sub-blocks (at most 6 x 8) of every trained layer.
let matrices (lab: Lab) (mode: CheckMode) : TestMatrix list =
    Lab.memo lab ("sulam2023/matrices/" + mode.StreamName) (fun () ->
        match mode with
        | CheckMode.Synthetic ->
            syntheticShapes |> List.mapi (fun i (r, c) ->
                let rng = Lab.stream lab paperId "matrices" mode (sprintf "m%d" i)
                { Label = sprintf "Gaussian %dx%d" r c; W = gaussian rng (r * c) 1.0; Rows = r; Cols = c; Seed = rng.Seed; Layer = None })
        | CheckMode.RealNetwork ->
            let net = labNet lab
            [ for k in 1 .. net.K + 1 do
                let rows, cols = net.Widths.[k], net.Widths.[k - 1]
                for b in 0 .. 2 ->
                    let rng = Lab.stream lab paperId "matrices" mode (sprintf "layer-%d/block-%d" k b)
                    let r, c = min 6 rows, min 8 cols
                    let ri = (rng.Split "rows").Permutation(rows).[.. r - 1] |> Array.sort
                    let ci = (rng.Split "cols").Permutation(cols).[.. c - 1] |> Array.sort
                    { Label = sprintf "layer %d block %d (%dx%d)" k b r c
                      W = [| for i in ri do for j in ci -> net.W.[k].[i * cols + j] |]
                      Rows = r; Cols = c; Seed = rng.Seed; Layer = Some k } ])

/// ||W||_(s2,s1) by enumeration for every (s2, s1) of a test matrix (shared by D1, L17, L18, D6).
let exactTable (lab: Lab) (mode: CheckMode) (i: int) (m: TestMatrix) =
    Lab.memo lab (sprintf "sulam2023/exact/%s/%d" mode.StreamName i) (fun () ->
        Array2D.init m.Rows m.Cols (fun s2 s1 -> SparseNorms.Exact(ReadOnlySpan m.W, m.Rows, m.Cols, s2, s1)))

/// mu_{s2,s1} of Definition 2 by brute force for every (s2, s1) of a test matrix (shared by D2, A1, A1-printed).
let babelTable (lab: Lab) (mode: CheckMode) (i: int) (m: TestMatrix) =
    Lab.memo lab (sprintf "sulam2023/babel/%s/%d" mode.StreamName i) (fun () ->
        Array2D.init m.Rows m.Cols (fun s2 s1 -> BabelFunction.BruteForce(ReadOnlySpan m.W, m.Rows, m.Cols, s2, s1)))

/// Networks of the multi-layer checks with their inputs and input bound: synthetic small random nets (K = 1 and K = 2);
/// real the lab's network on its first `points` training inputs with M_X = `inputBound`.
let networks (lab: Lab) (mode: CheckMode) (points: int) : (string * SparseNetwork * float[][] * float) list =
    match mode with
    | CheckMode.Synthetic ->
        [ for i, widths in List.indexed [ [| 7; 9; 3 |]; [| 6; 5; 5; 3 |]; [| 8; 7; 6; 4 |] ] ->
            let rng = Lab.stream lab paperId "networks" mode (sprintf "net-%d" i)
            let xs = randomInputs (rng.Split "inputs") points widths.[0]
            sprintf "random %s" (String.Join("-", widths)), randomNet rng widths, xs, (xs |> Array.map norm |> Array.max) ]
    | CheckMode.RealNetwork ->
        [ "trained net", labNet lab, labInputs lab points, inputBound lab ]

/// ξ_k = ‖W_k‖_(d_k−1,s_{k−1}) and η_k = μ_{s_k,s_{k−1}}(W_k) for every layer at s (exact): a network in ℋ by construction.
let exactParameters (net: SparseNetwork) (s: int[]) (epsilon: float[]) (mx: float) (la: GenBounds.LinearAlgebra.ILinearAlgebraProvider) =
    let xi = Array.init (net.K + 2) (fun k -> if k = 0 then 1.0 else SparseNorms.ReducedRowNorm(ReadOnlySpan net.W.[k], net.Widths.[k], net.Widths.[k - 1], s.[k - 1]))
    let eta = Array.init (net.K + 2) (fun k -> if k = 0 || k > net.K then 0.0 else BabelFunction.Reduced(ReadOnlySpan net.W.[k], net.Widths.[k], net.Widths.[k - 1], s.[k], s.[k - 1], la))
    SparsityParameters(net.Widths, s, xi |> Array.map (fun v -> max v 1e-300), eta, epsilon, mx)

/// The bias-free assumption's failure on a network with biases (real mode).
let failed (lab: Lab) (mode: CheckMode) = biasAssumption lab mode
