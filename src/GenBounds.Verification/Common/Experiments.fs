/// Building blocks that experiments of several papers share: the weights of a layer in either probability space,
/// float64 outputs of arbitrary weights through the engine's one forward pass, certified spectral norms, and the
/// named assumptions that fail on a network. Every value depends only on the lab and its arguments.
module GenBounds.Verification.Experiments

open System
open GenBounds.Compression
open GenBounds.LinearAlgebra
open GenBounds.Measures
open GenBounds.Random
open GenBounds.Symbolic

/// Ψ_l: the population variance of a layer's entries (the authors' code: np.var of the layer).
let psiOf (w: float32[]) = MagnitudePruning.PopulationVariance(ReadOnlySpan w)

/// The weights widened to float64.
let toDouble (w: float32[]) = Array.map float w

/// Layer l of the lab's network in the requested space: the trained weights, or i.i.d. N(0, Ψ_l) of the same shape and
/// variance (the paper's random model) drawn from `rng`.
let weightsFor (lab: Lab) (mode: CheckMode) (l: int) (rng: Rng) : float32[] =
    let layer = lab.Network.Layers.[l]
    match mode with
    | CheckMode.RealNetwork -> layer.Weight
    | CheckMode.Synthetic ->
        let w = Array.zeroCreate<float32> layer.Weight.Length
        rng.FillGaussian(Span w, 0.0, sqrt (psiOf layer.Weight))
        w

/// h⁰..h^L of the lab's network.
let widths (lab: Lab) = Array.ofSeq lab.Network.Architecture.LayerSizes

/// The training inputs as float64 (shared by every experiment of the run).
let trainInputs (lab: Lab) : float[] = Lab.memo lab "inputs/train" (fun () -> Array.map float lab.Train.Features)

/// The biases a forward pass uses in a mode: the trained ones on the real network, none on the synthetic model (whose
/// random layers carry no biases).
let biasesOf (lab: Lab) (mode: CheckMode) : float[] option[] =
    lab.Network.Layers
    |> Array.map (fun l ->
        match mode, l.Bias with
        | CheckMode.RealNetwork, NonNull b -> Some(Array.map float b)
        | _ -> None)

/// f(x) (n×k, row-major, float64) of a network with the given layer sizes, weights (h_out×h_in row-major per layer)
/// and biases, on n row-major inputs.
let logits (lab: Lab) (sizes: int[]) (weights: float[][]) (biases: float[] option[]) (x: float[]) (n: int) =
    Outputs.Logits(sizes, weights, biases |> Array.map Option.toObj, ReadOnlySpan x, n, lab.LinearAlgebra)

/// Euclidean norm of row i of a row-major block with k columns.
let rowNorm (x: float[]) (i: int) (k: int) = Numerics.Tensors.TensorPrimitives.Norm(ReadOnlySpan(x, i * k, k))

/// max_i |x_i| of a non-empty array (vectorised: sketches hold tens of millions of entries).
let maxAbs (x: float[]) =
    if x.Length = 0 then invalidArg "x" "max |x| of an empty array"
    abs (Numerics.Tensors.TensorPrimitives.MaxMagnitude(ReadOnlySpan x))

/// A certified bracket of ‖A‖₂ (Kuczynski–Woźniakowski Lanczos, dense SVD for small sides); the start vector comes
/// from the seed, so the norm replays.
let spectralNorm (lab: Lab) (a: float[]) rows cols (seed: uint64) = SpectralNorm.Bound(lab.LinearAlgebra, ReadOnlySpan a, rows, cols, seed)

/// The note every result that uses certified spectral norms carries.
let spectralNote =
    sprintf "spectral norms by a certified Lanczos bracket (Kuczynski-Wozniakowski, no gap assumption): relative width <= %g, failure probability %g per norm (dense SVD when a side is small); upper end for a bounded norm, lower end for norms inside a bound"
        SpectralNorm.DefaultRelativeWidth SpectralNorm.DefaultFailureProbability

/// "bias-free" fails on a network with biases (real mode only: the synthetic models have none).
let biasAssumption (lab: Lab) (mode: CheckMode) =
    if mode = CheckMode.RealNetwork && lab.Network.Architecture.Bias then [ "bias-free", "the network has bias vectors" ] else []

/// A scalar binding's value.
let scalarOf (name: string) (b: Bindings) =
    match Map.tryFind name b with
    | Some(Bound.Scalar v) -> v
    | _ -> nan

/// Draws of a whole random object, capped by a budget limit: the allowance for `what`.
let allow (lab: Lab) (limit: string) (requested: int) (work: float) (floor: int) (what: string) =
    Budget.allow limit requested work floor what lab.Budget
