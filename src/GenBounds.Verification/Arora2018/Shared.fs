/// Work that several experiments of Arora, Ge, Neyshabur, Zhang (2018) share: the network in either probability space
/// (trained, or i.i.d. Gaussian layers of each trained layer's shape and variance, bias-free), its float64 trace on S,
/// per-layer SVDs, Theorem 2.2's Lemma-1 truncation, the shuffled-label comparison network, and small vector kernels.
/// Everything is memoised in the lab's run cache under keys that name every input.
module GenBounds.Verification.Arora2018.Shared

open System
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Training
open GenBounds.Verification
open GenBounds.Verification.Experiments

/// The paper's id in `Papers.all` and in every stream name.
let paperId = "arora2018"

/// A shared stream of the paper: "verify/arora2018/&lt;name&gt;/&lt;mode&gt;/&lt;rest&gt;".
let stream (lab: Lab) (name: string) (mode: CheckMode) (rest: string) = Lab.stream lab paperId name mode rest

/// Threads for the engine's parallel Gaussian fills: OpenBLAS's (`--threads`), idle while noise is drawn. The fills give
/// the same bits on any number of threads, so no result depends on it.
let fillThreads () = let t = NativeLinearAlgebraProvider.Threads in if t.HasValue then max 1 t.Value else 1

/// ‖v‖ = 1 rescaling.
let unit (v: float[]) = let n = sqrt (Array.sumBy (fun x -> x * x) v) in Array.map (fun x -> x / n) v
/// ⟨a, b⟩.
let dot (a: float[]) (b: float[]) = let mutable s = 0.0 in (for i in 0 .. a.Length - 1 do s <- s + a.[i] * b.[i]); s
/// ‖a‖.
let norm (a: float[]) = sqrt (dot a a)
/// n i.i.d. N(0, 1) draws.
let gaussianVector (rng: Rng) (n: int) = let v = Array.zeroCreate<float> n in rng.FillGaussian(Span v); v
/// The median (upper middle order statistic).
let median (xs: float[]) = let s = Array.sort xs in s.[s.Length / 2]

/// The network in one probability space, indexed by the paper's layer numbers: W.[k] = A^k (h^k×h^{k−1}), k = 1..d.
type Net =
    { W: float[][]
      Rows: int[]
      Cols: int[]
      Depth: int
      /// The same weights as a float64 network (biases: trained on the real network, none on the synthetic one).
      Double: DoubleMlp }

/// The network of the mode: trained, or i.i.d. N(0, Ψ_k) layers (Ψ_k = the trained layer's variance) without biases.
let network (lab: Lab) (mode: CheckMode) : Net =
    Lab.memo lab ("arora2018/net/" + mode.StreamName) (fun () ->
        let trained = DoubleMlp(lab.Network)
        let d = trained.Depth
        let w =
            Array.init (d + 1) (fun k ->
                if k = 0 then [||]
                else
                    match mode with
                    | CheckMode.RealNetwork -> Array.copy trained.W.[k]
                    | CheckMode.Synthetic ->
                        // Drawn in float32, so that the same weights also make an Mlp exactly (see mlpOf).
                        let w32 = lab.Network.Layers.[k - 1].Weight
                        let g = Array.zeroCreate<float32> w32.Length
                        (stream lab "network" mode (sprintf "layer-%d" k)).FillGaussian(Span g, 0.0, sqrt (psiOf w32))
                        Array.map float g)
        let biases = Array.init d (fun k -> match mode with CheckMode.RealNetwork -> trained.B.[k + 1] | CheckMode.Synthetic -> null)
        { W = w; Rows = Array.init (d + 1) (fun k -> trained.Widths.[k]); Cols = Array.init (d + 1) (fun k -> if k = 0 then 0 else trained.Widths.[k - 1])
          Depth = d; Double = DoubleMlp(trained.Widths, w.[1..], biases) })

/// The network of the mode as an Mlp (the synthetic one is bias-free; its weights are exactly Net.W).
let mlpOf (lab: Lab) (mode: CheckMode) : Mlp =
    match mode with
    | CheckMode.RealNetwork -> lab.Network
    | CheckMode.Synthetic ->
        Lab.memo lab "arora2018/synthetic-mlp" (fun () ->
            let net = network lab mode
            let mlp = Mlp(MlpArchitecture(net.Double.Widths, false))
            for k in 1 .. net.Depth do
                let w = mlp.Layers.[k - 1].Weight
                for i in 0 .. w.Length - 1 do w.[i] <- float32 net.W.[k].[i]
            mlp)

/// A float64 network with the biases of `net` and other weights (1-based like Net.W).
let withWeights (net: Net) (w: float[][]) = DoubleMlp(net.Double.Widths, w.[1..], net.Double.B.[1..])

/// f(x) of the network with weights `w` (1-based) on a data set.
let logitsWith (lab: Lab) (net: Net) (w: float[][]) (data: Dataset) =
    Outputs.Logits(withWeights net w, ReadOnlySpan data.Features, data.Count, lab.LinearAlgebra)

/// The float64 trace of the network on S.
let trainTrace (lab: Lab) (mode: CheckMode) : ForwardTrace =
    Lab.memo lab ("arora2018/train-trace/" + mode.StreamName) (fun () ->
        ForwardTrace.Compute((network lab mode).Double, ReadOnlySpan lab.Train.Features, lab.Train.Count, false, lab.LinearAlgebra))

/// The full thin SVD of every layer (index 0 unused).
let svds (lab: Lab) (mode: CheckMode) =
    Lab.memo lab ("arora2018/svd/" + mode.StreamName) (fun () ->
        let net = network lab mode
        Array.init (net.Depth + 1) (fun k ->
            if k = 0 then struct ([||], [||], [||]) else lab.LinearAlgebra.Svd(ReadOnlySpan net.W.[k], net.Rows.[k], net.Cols.[k])))

/// The singular values of layer k.
let singularValues lab mode k = let struct (_, s, _) = (svds lab mode).[k] in s

/// ‖A‖₂ by the full singular values (dense; layers of MNIST nets are small enough).
let spectral (lab: Lab) (a: float[]) rows cols = lab.LinearAlgebra.SingularValues(ReadOnlySpan a, rows, cols).[0]

/// Number of classes.
let classes (lab: Lab) = lab.Network.Architecture.OutputSize

/// The held-out points the checks that need forward passes of compressed nets use (the first `holdout` of them).
let holdout (lab: Lab) =
    let cap = Budget.count "holdout" lab.Budget
    if lab.Test.Count > cap then DatasetOps.Take(lab.Test, cap) else lab.Test

/// The labels a mode's net is scored against: the data's own on the real network; the net's own predictions on the
/// synthetic one (a random net has no relation to the real labels).
let labelsFor (lab: Lab) (mode: CheckMode) (o: float[]) (data: Dataset) =
    match mode with
    | CheckMode.RealNetwork -> data.Labels
    | CheckMode.Synthetic -> Outputs.Predictions(ReadOnlySpan o, data.Count, classes lab)

/// Removes the singular values below δ‖A‖₂ from a layer given its SVD; returns Â and its rank.
let truncate (lab: Lab) (struct (u: float[], s: float[], vt: float[])) rows cols (delta: float) =
    let rmin = s.Length
    let mutable r = 0
    while r < rmin && s.[r] >= delta * s.[0] && s.[r] > 0.0 do r <- r + 1
    let approx = Array.zeroCreate<float> (rows * cols)
    if r > 0 then
        let us = Array.init (rows * r) (fun idx -> let i, j = idx / r, idx % r in u.[i * rmin + j] * s.[j])
        lab.LinearAlgebra.Gemm(Transpose.No, Transpose.No, rows, cols, r, 1.0, ReadOnlySpan us, r, ReadOnlySpan vt, cols, 0.0, Span approx, cols)
    approx, r

/// Theorem 2.2's compression of the network: every layer truncated at δ = γ/(e max‖x‖ d ∏‖A^i‖₂), γ = the median
/// top-two gap of f on S; its outputs on S and on held-out points with ‖x‖ ≤ max_S ‖x‖.
type Truncation =
    { Gamma: float; Delta: float; MaxNormX: float; Weights: float[][]; Ranks: int[]; TrainErr: float[]; MaxAbsDiff: float
      HoldErr: float[]; TrainLogits: float[]; G: float[]; ProdNorm: float }

/// The truncation of the mode's network (shared by D1, T2.1, CA.1 and T2.2-closeness).
let truncation (lab: Lab) (mode: CheckMode) : Truncation =
    Lab.memo lab ("arora2018/truncation/" + mode.StreamName) (fun () ->
        let net = network lab mode
        let t = trainTrace lab mode
        let k = classes lab
        let n = lab.Train.Count
        let f = t.X.[net.Depth]
        let gamma = median (Outputs.TopTwoGaps(ReadOnlySpan f, n, k))
        let maxNormX = Array.max t.XNorm.[0]
        let prodNorm = Seq.fold (fun acc l -> acc * (singularValues lab mode l).[0]) 1.0 (seq { 1 .. net.Depth })
        let delta = gamma / (Math.E * maxNormX * float net.Depth * prodNorm)
        let pieces = Array.init (net.Depth + 1) (fun l -> if l = 0 then [||], 0 else truncate lab (svds lab mode).[l] net.Rows.[l] net.Cols.[l] delta)
        let wHat = pieces |> Array.map fst
        let g = logitsWith lab net wHat lab.Train
        let holdErr =
            let h = holdout lab
            let fh = logitsWith lab net net.W h
            let gh = logitsWith lab net wHat h
            let xn = ForwardTrace.RowNorms(ReadOnlySpan(Array.map float h.Features), h.Count, h.Dimension)
            let dist = Outputs.RowDistances(ReadOnlySpan fh, ReadOnlySpan gh, h.Count, k)
            [| for i in 0 .. h.Count - 1 do if xn.[i] <= maxNormX then yield dist.[i] |]
        { Gamma = gamma; Delta = delta; MaxNormX = maxNormX; Weights = wHat; Ranks = pieces |> Array.map snd
          TrainErr = Outputs.RowDistances(ReadOnlySpan f, ReadOnlySpan g, n, k)
          MaxAbsDiff = Outputs.RowMaxAbsDifferences(ReadOnlySpan f, ReadOnlySpan g, n, k) |> Array.max
          HoldErr = holdErr; TrainLogits = f; G = g; ProdNorm = prodNorm })

/// The verifier-trained comparison nets of the same architecture (bias-free): a default initialisation drawn from a
/// named stream, and that initialisation trained on S with uniformly random labels (Zhang et al. 2017; Arora et al.
/// Figure 2 and App. D.2) — a net with a large generalization gap by design.
type Comparison =
    { RandomInit: Mlp
      Shuffled: Mlp
      /// Training samples whose label the shuffle changed.
      Changed: int
      /// Training accuracy of the shuffled-label net on its random labels.
      ShuffledAccuracy: float
      /// S with the random labels the shuffled net was trained on.
      ShuffledData: Dataset
      Epochs: int }

/// The comparison nets (shared by the noise-stability figures and Theorem 2.2's synthetic mode).
let comparison (lab: Lab) : Comparison =
    Lab.memo lab "arora2018/comparison" (fun () ->
        let arch = MlpArchitecture(Seq.toArray lab.Network.Architecture.LayerSizes, false)
        let initSeed = (stream lab "comparison" CheckMode.RealNetwork "init").Seed
        let epochs = Budget.count "comparison-epochs" lab.Budget
        let randomInit = Trainer.Initialize(arch, initSeed)
        let shuffled = Trainer.Initialize(arch, initSeed)
        let struct (shuffledData, _, changed) = DatasetOps.WithRandomLabels(lab.Train, 1.0, stream lab "comparison" CheckMode.RealNetwork "labels")
        let trainer = Trainer(shuffled, TrainingOptions(Epochs = epochs, BatchSize = 64, Seed = initSeed), lab.LinearAlgebra)
        let mutable last = Unchecked.defaultof<EpochStats>
        for _ in 1 .. epochs do last <- trainer.TrainEpoch shuffledData
        { RandomInit = randomInit; Shuffled = shuffled; Changed = changed; ShuffledAccuracy = last.Accuracy; ShuffledData = shuffledData; Epochs = epochs })
