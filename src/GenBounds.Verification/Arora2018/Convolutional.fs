/// Experiments for Arora et al. (2018) §5 and App. C on convolutional nets (GenBounds.Proofs.Arora2018.Convolutional):
/// Algorithm 4 (Matrix-Project-Conv, the engine's MatrixProjectConv run as it is, one fresh helper string per trial),
/// Lemmas 11 and 13, and Definitions 8, 9, 10 measured exactly (SequentialMeasures). The lab holds an MLP, so the CNN
/// is the verifier's own: a small bias-free CNN at its default initialisation (synthetic) or trained on S (real), both
/// memoised in the run cache under keys the lab's content fixes.
module GenBounds.Verification.Arora2018.Convolutional

open System
open GenBounds.Compression
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Training
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
module P = GenBounds.Proofs.Arora2018.Convolutional

/// The verifier's CNN (bias-free; a ReLU after each convolution, a flatten before the dense layer): 1×28×28 → 4×12×12
/// (5×5, stride 2) → 8×5×5 (3×3, stride 2) → 10. Small enough that every Jacobian norm is exact in seconds.
let architectureText = "1x28x28:conv4k5s2-conv8k3s2-fc10"

/// Epochs of the real-mode CNN's training on S.
let trainingEpochs = 5

/// The CNN of a mode and what it was trained on.
type Cnn =
    { Network: Network
      Double: DoubleNetwork
      /// Accuracy on S after training (real) or at initialisation (synthetic).
      TrainAccuracy: float
      Description: string }

/// The mode's CNN, or why there is none (the data must be 28×28 images).
let cnn (lab: Lab) (mode: CheckMode) : Result<Cnn, string> =
    Lab.memo lab ("arora2018/cnn/" + mode.StreamName) (fun () ->
        if lab.Train.Dimension <> 784 then Error(sprintf "the CNN checks need 28x28 images (MNIST); the data has dimension %d" lab.Train.Dimension)
        else
            let arch = NetworkArchitecture.Parse(architectureText, Nullable(), false)
            // One initialisation for both modes, drawn before any data is seen: the real CNN is this one trained on S.
            let seed = (stream lab "cnn" CheckMode.Synthetic "init").Seed
            let net = Trainer.Initialize(arch, seed)
            let accuracy, description =
                match mode with
                | CheckMode.Synthetic ->
                    nan, sprintf "%s (bias-free) at its default initialisation" architectureText
                | CheckMode.RealNetwork ->
                    let trainer = Trainer(net, TrainingOptions(Epochs = trainingEpochs, BatchSize = 32, Seed = seed), lab.LinearAlgebra)
                    let mutable last = Unchecked.defaultof<EpochStats>
                    for _ in 1 .. trainingEpochs do last <- trainer.TrainEpoch lab.Train
                    last.Accuracy, sprintf "%s (bias-free) trained by the verifier on S (%d points, %d epochs of Adam, batch 32): training accuracy %.3f in the last epoch" architectureText lab.Train.Count trainingEpochs last.Accuracy
            Ok { Network = net; Double = DoubleNetwork(net); TrainAccuracy = accuracy; Description = description })

/// The mode's CNN (the evidence is unavailable when the data are not 28×28 images).
let withCnn (lab: Lab) (mode: CheckMode) (observe: Cnn -> Evidence) =
    match cnn lab mode with
    | Error why -> Evidence.unavailable why
    | Ok c -> observe c |> Evidence.withNotes [ "network: " + c.Description ]

/// The float64 trace of the mode's CNN on S.
let trace (lab: Lab) (mode: CheckMode) (c: Cnn) =
    Lab.memo lab ("arora2018/cnn-trace/" + mode.StreamName) (fun () ->
        NetworkTrace.Compute(c.Double, ReadOnlySpan lab.Train.Features, lab.Train.Count, false, lab.LinearAlgebra))

/// Exact Arora measures of the mode's CNN on S (Jacobian norms and β by structured probing).
let measures (lab: Lab) (mode: CheckMode) (c: Cnn) =
    Lab.memo lab ("arora2018/cnn-measures/" + mode.StreamName) (fun () ->
        SequentialMeasures.Compute(c.Network, lab.Train.Features, lab.Train.Count, lab.Train.Labels,
                                   SequentialMeasureOptions(OperatorNorms = false, Provider = lab.LinearAlgebra)))

/// Sample s of layer k's input u^{k−1}, in PyTorch (C, H, W) order.
let layerInput (c: Cnn) (t: NetworkTrace) k s = SequentialOps.Member(c.Double.UShape.[k - 1], t.Count, ReadOnlySpan t.U.[k - 1], s)

/// The convolutions of the CNN: (layer, spec).
let convLayers (c: Cnn) =
    [ for i in 1 .. c.Double.Depth do
        match c.Double.WeightSpecs.[i] with
        | :? Conv2dSpec as s -> yield i, s
        | _ -> () ]

/// ⌈κ/s⌉.
let private ksOf (s: Conv2dSpec) = (max s.KernelHeight s.KernelWidth + s.Stride - 1) / s.Stride

/// The input patch of output location `loc` (PyTorch kernel order (c, u, v); zero padding outside the image).
let patch (input: float[]) (shape: TensorShape) (spec: Conv2dSpec) (loc: int) =
    let wo = spec.OutputShape(shape).Width
    let y, x = loc / wo, loc % wo
    let kh, kw = spec.KernelHeight, spec.KernelWidth
    Array.init (shape.Channels * kh * kw) (fun q ->
        let ch, rest = q / (kh * kw), q % (kh * kw)
        let yy, xx = spec.Stride * y + rest / kw - spec.Padding, spec.Stride * x + rest % kw - spec.Padding
        if yy < 0 || yy >= shape.Height || xx < 0 || xx >= shape.Width then 0.0 else input.[(ch * shape.Height + yy) * shape.Width + xx])

/// Algorithm 4 on kernel `a` with one basis: the engine's helper basis for the seed, the stored coordinates Uᵀvec(A), and the
/// compressed layer (equal to MatrixProjectConv.Compress up to the summation order of Uᵀa; ARORA-C.L11 checks Compress itself).
let compress (a: float[]) (spec: Conv2dSpec) (input: TensorShape) k p (seed: uint64) =
    let dim = a.Length
    let r = min (k * p) dim
    let basis = MatrixProjectConv.Basis(dim, r, seed)
    let coords = Array.init r (fun j -> let mutable acc = 0.0 in (for q in 0 .. dim - 1 do acc <- acc + basis.[q * r + j] * a.[q]); acc)
    CompressedConv(coords, k, p, seed, spec, input), basis

/// ARORA-C.ALG4: per conv layer, N fresh helper strings; at the middle output location, |uᵀ(Â_ℓ − A)v| for a random unit u
/// and the input patch v of the first training point whose patch there is non-zero (ε = 0.5, η = 0.1).
let alg4 =
    Experiment.create [ "dev"; "normA"; "normB"; "epsilon"; "eta"; "k"; "p"; "ks" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            let eps, eta = 0.5, 0.1
            let t = trace lab run.Mode c
            let q = run.Parameter P.conv4Constant
            let rows =
                [ for i, spec in convLayers c ->
                    let input = c.Double.UShape.[i - 1]
                    let a = c.Double.W.[i]
                    let outs, patchN = spec.OutChannels, a.Length / spec.OutChannels
                    let loc = spec.OutputShape(input).Locations / 2
                    let v =
                        seq { 0 .. t.Count - 1 } |> Seq.map (fun s -> patch (layerInput c t i s) input spec loc) |> Seq.tryFind (fun v -> norm v > 0.0)
                        |> Option.defaultWith (fun () -> failwithf "layer %d: every training patch at location %d is zero" i loc)
                    let u = unit (gaussianVector (run.Stream(lab, sprintf "layer-%d/u" i)) outs)
                    let k, p = MatrixProjectConv.HelperCount(eps, eta, spec, q), MatrixProjectConv.Independence eta
                    let ks = ksOf spec
                    let b0 = Bindings.ofScalars [ "normA", norm a; "normB", norm v; "epsilon", eps; "eta", eta; "k", float k; "p", float p; "ks", float ks ]
                    let label = sprintf "conv layer %d (%s on %O), location %d, k = %d, p = %d, r = %d of D = %d" i (spec.ToString()) input loc k p (min (k * p) a.Length) a.Length
                    let instances =
                        [ for trial in 0 .. lab.Budget.Trials - 1 ->
                            let rng = run.Stream(lab, sprintf "layer-%d/trial-%d" i trial)
                            let cc, basis = compress a spec input k p rng.Seed
                            let kernel = MatrixProjectConv.LocationKernel(cc, loc, basis, lab.LinearAlgebra)
                            let mutable acc = 0.0
                            for o in 0 .. outs - 1 do
                                let mutable row = 0.0
                                for j in 0 .. patchN - 1 do row <- row + (kernel.[o * patchN + j] - a.[o * patchN + j]) * v.[j]
                                acc <- acc + u.[o] * row
                            { Evidence.instance (Bindings.scalar "dev" (abs acc) b0) rng.Seed label with Trial = Some trial; Layer = Some i } ]
                    let ratios = instances |> List.map (fun ins -> scalarOf "dev" ins.Bindings / (norm a * norm v)) |> Array.ofList
                    Evidence.setting label instances,
                    Figure.Histogram(sprintf "%s: conv layer %d, |u^T (Ahat - A) v|/(||A||_F ||u|| ||v||)" run.Mode.StreamName i, "relative deviation", ratios, [ "epsilon", eps ]) ]
            Evidence.ofSettings (List.map fst rows)
            |> Evidence.withFigures (List.map snd rows)
            |> Evidence.withNotes [ sprintf "eps = %g, eta = %g, Q = %g; every trial regenerates the subspace and the location's Gaussians from its own helper seed (MatrixProjectConv.Basis, LocationKernel)" eps eta q ]))

/// ARORA-C.L11: per conv layer and 5 helper seeds (ε = 1, η = 0.1, Q = 1, so that kp < D), the stored numbers of
/// MatrixProjectConv.Compress and the largest relative change of any decompressed location kernel when A moves by a
/// Gaussian of norm ‖A‖_F orthogonal to the helper subspace.
let l11 =
    Experiment.create [ "stored"; "k"; "p"; "orthChange"; "roundoff" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            let eps, eta = 1.0, 0.1
            let la = lab.LinearAlgebra
            let settings =
                [ for i, spec in convLayers c ->
                    let input = c.Double.UShape.[i - 1]
                    let a = c.Double.W.[i]
                    let k, p = MatrixProjectConv.HelperCount(eps, eta, spec, 1.0), MatrixProjectConv.Independence eta
                    let label = sprintf "conv layer %d, k = %d, p = %d, D = %d" i k p a.Length
                    Evidence.setting label
                        [ for trial in 0 .. 4 ->
                            let rng = run.Stream(lab, sprintf "layer-%d/seed-%d" i trial)
                            let seed = rng.Seed
                            let cc = MatrixProjectConv.Compress(a, spec, input, k, p, seed, la)
                            let r = cc.SubspaceDimension
                            let basis = MatrixProjectConv.Basis(a.Length, r, seed)
                            let g = gaussianVector rng a.Length
                            let coef = Array.init r (fun j -> let mutable acc = 0.0 in (for q in 0 .. a.Length - 1 do acc <- acc + basis.[q * r + j] * g.[q]); acc)
                            let w = Array.init a.Length (fun q -> let mutable acc = g.[q] in (for j in 0 .. r - 1 do acc <- acc - basis.[q * r + j] * coef.[j]); acc)
                            let wn = norm w
                            let moved = if wn > 0.0 then Array.init a.Length (fun q -> a.[q] + w.[q] * norm a / wn) else Array.copy a
                            let k1 = MatrixProjectConv.Decompress(cc, la)
                            let k2 = MatrixProjectConv.Decompress(MatrixProjectConv.Compress(moved, spec, input, k, p, seed, la), la)
                            let dim = a.Length
                            let change =
                                seq { 0 .. cc.Locations - 1 }
                                |> Seq.map (fun l ->
                                    let mutable num, den = 0.0, 0.0
                                    for q in 0 .. dim - 1 do
                                        let x1, x2 = k1.[l * dim + q], k2.[l * dim + q]
                                        num <- num + (x2 - x1) * (x2 - x1)
                                        den <- den + x1 * x1
                                    sqrt num / max (sqrt den) 1e-300)
                                |> Seq.max
                            { Evidence.instance (Bindings.ofScalars [ "stored", float r; "k", float k; "p", float p; "orthChange", change; "roundoff", 1e-9 ]) seed label with
                                Trial = Some trial; Layer = Some i } ] ]
            Evidence.ofSettings settings
            |> Evidence.withNotes [ "the moved kernel A + w (w orthogonal to the helper subspace, ||w|| = ||A||_F) is compressed with the same helper seed; every location kernel must be unchanged" ]))

/// Lemma 13's pairs on the last convolution i (followed by the dense output layer d = i + 1): x_s = u^{i−1} (the layer's
/// input), U_s = J^{i,d}_{x_s} = A^d D^i (flatten in PyTorch order), for the first m training points with a non-zero input.
type private L13Pairs =
    { Layer: int
      Spec: Conv2dSpec
      Input: TensorShape
      Locations: int
      Xs: float[]
      XNorm: float[]
      Us: float[][]
      UNorm: float[]
      /// Per pair, ‖U_{:,ℓ}‖_F for every output location ℓ (the columns of every channel at ℓ).
      Slices: float[][]
      Beta: float
      Exact: float[]
      Rows: int
      Samples: int[] }

let private l13Pairs (lab: Lab) (mode: CheckMode) (c: Cnn) : L13Pairs option =
    Lab.memo lab ("arora2018/cnn-l13-pairs/" + mode.StreamName) (fun () ->
        let dn = c.Double
        let d = dn.Depth
        match convLayers c |> List.tryFind (fun (i, _) -> i = d - 1) with
        | None -> None
        | Some(i, spec) ->
            let t = trace lab mode c
            let input = dn.UShape.[i - 1]
            let outShape = dn.XShape.[i]
            let lo, hid, rows = outShape.Locations, outShape.Size, dn.Widths.[d]
            let samples = [| 0 .. t.Count - 1 |] |> Array.filter (fun s -> t.UNorm.[i - 1].[s] > 0.0 && t.XNorm.[i].[s] > 0.0) |> Array.truncate 10
            let m = samples.Length
            let xs = samples |> Array.collect (fun s -> layerInput c t i s)
            let us =
                samples |> Array.map (fun s ->
                    let xi = SequentialOps.Member(outShape, t.Count, ReadOnlySpan t.X.[i], s)
                    Array.init (rows * hid) (fun idx -> if xi.[idx % hid] > 0.0 then dn.W.[d].[idx] else 0.0))
            let slices =
                us |> Array.map (fun u ->
                    Array.init lo (fun l -> sqrt (Seq.sum (seq { for r in 0 .. rows - 1 do for ch in 0 .. outShape.Channels - 1 -> u.[r * hid + ch * lo + l] ** 2.0 }))))
            let unorm = us |> Array.map norm
            let beta = Array.map2 (fun (sl: float[]) un -> sqrt (float lo) * Array.max sl / un) slices unorm |> Array.max
            let a = dn.W.[i]
            let replicated = Array.init (lo * a.Length) (fun idx -> a.[idx % a.Length])
            let shell = CompressedConv([| 0.0 |], 1, 1, 0UL, spec, input)
            Some
                { Layer = i; Spec = spec; Input = input; Locations = lo; Xs = xs; XNorm = Array.init m (fun q -> norm (Array.sub xs (q * input.Size) input.Size))
                  Us = us; UNorm = unorm; Slices = slices; Beta = beta; Exact = MatrixProjectConv.Apply(shell, replicated, ReadOnlySpan xs, m); Rows = rows; Samples = samples })

/// ARORA-C.L13: N helper strings; per trial the worst Lemma-13 ratio over the m pairs (ε = 1, δ = 0.1, η = δ/(mn)).
let l13 =
    Experiment.create [ "worst"; "epsilon"; "delta"; "m"; "n"; "k"; "p"; "ks" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            match l13Pairs lab run.Mode c with
            | None -> Evidence.unavailable "the CNN has no convolution directly below its dense output layer"
            | Some pr ->
                let eps, delta = 1.0, 0.1
                let m, n = pr.Samples.Length, pr.Rows
                let eta = delta / float (m * n)
                let q = run.Parameter P.conv4Constant
                let k, p = MatrixProjectConv.HelperCount(eps, eta, pr.Spec, q), MatrixProjectConv.Independence eta
                let a = c.Double.W.[pr.Layer]
                let na = norm a
                let hid = pr.Exact.Length / m
                let b0 = Bindings.ofScalars [ "epsilon", eps; "delta", delta; "m", float m; "n", float n; "k", float k; "p", float p; "ks", float (ksOf pr.Spec) ]
                let label = sprintf "conv layer %d, %d pairs, n = %d, eta = %.3g, k = %d, p = %d, r = %d of D = %d" pr.Layer m n eta k p (min (k * p) a.Length) a.Length
                let instances =
                    [ for trial in 0 .. lab.Budget.Trials - 1 ->
                        let rng = run.Stream(lab, sprintf "trial-%d" trial)
                        let cc, basis = compress a pr.Spec pr.Input k p rng.Seed
                        let kernels = Array.concat [ for l in 0 .. pr.Locations - 1 -> MatrixProjectConv.LocationKernel(cc, l, basis, lab.LinearAlgebra) ]
                        let y = MatrixProjectConv.Apply(cc, kernels, ReadOnlySpan pr.Xs, m)
                        let worst =
                            seq {
                                for s in 0 .. m - 1 ->
                                    let u = pr.Us.[s]
                                    let e = Array.init n (fun r -> let mutable acc = 0.0 in (for j in 0 .. hid - 1 do acc <- acc + u.[r * hid + j] * (y.[s * hid + j] - pr.Exact.[s * hid + j])); acc)
                                    norm e * sqrt (float pr.Locations) / (pr.Beta * na * pr.UNorm.[s] * pr.XNorm.[s]) }
                            |> Seq.max
                        { Evidence.instance (Bindings.scalar "worst" worst b0) rng.Seed label with Trial = Some trial; Layer = Some pr.Layer } ]
                let worsts = instances |> List.map (fun ins -> scalarOf "worst" ins.Bindings) |> Array.ofList
                Evidence.ofSettings [ Evidence.setting label instances ]
                |> Evidence.withMeasured [ "beta of the pairs (Definition 10)", pr.Beta; "median worst ratio", median worsts ]
                |> Evidence.withFigures [ Figure.Histogram(sprintf "%s: conv layer %d, worst Lemma-13 ratio per helper string" run.Mode.StreamName pr.Layer, "worst ratio", worsts, [ "epsilon", eps ]) ]
                |> Evidence.withNotes [ sprintf "eps = %g, delta = %g, Q = %g; beta = %.4g is the largest Definition-10 constant of the %d matrices U" eps delta q pr.Beta m ]))

/// ARORA-C.D10: per pair of Lemma 13 and output location, ‖U_{:,ℓ}‖_F against β/√(n₁'n₂')‖U‖_F.
let d10 =
    Experiment.create [ "normSlice"; "beta"; "normU_F"; "n_1"; "n_2" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            match l13Pairs lab run.Mode c with
            | None -> Evidence.unavailable "the CNN has no convolution directly below its dense output layer"
            | Some pr ->
                let seed = run.Stream(lab, "").Seed
                let shape = c.Double.XShape.[pr.Layer]
                Evidence.ofInstances
                    [ for q in 0 .. pr.Samples.Length - 1 do
                        for l in 0 .. pr.Locations - 1 ->
                            { Evidence.instance (Bindings.ofScalars [ "normSlice", pr.Slices.[q].[l]; "beta", pr.Beta; "normU_F", pr.UNorm.[q]; "n_1", float shape.Height; "n_2", float shape.Width ]) seed
                                  (sprintf "U = J^{%d,%d} at training point %d, location %d" pr.Layer (pr.Layer + 1) pr.Samples.[q] l) with
                                Layer = Some pr.Layer; Sample = Some pr.Samples.[q] } ]
                |> Evidence.withMeasured [ "beta", pr.Beta ]))

/// The pairs i < j of the CNN's weight layers with their Definition-8/9 data.
let private pairSettings (lab: Lab) (mode: CheckMode) (c: Cnn) (instance: SequentialMeasures -> NetworkTrace -> int -> int -> int -> Instance option) =
    let m = measures lab mode c
    let t = trace lab mode c
    let d = c.Double.Depth
    [ for i in 1 .. d - 1 do
        for j in i + 1 .. d ->
            Evidence.setting (sprintf "pair (%d,%d), x^%d is %O" i j i c.Double.XShape.[i]) [ for s in 0 .. t.Count - 1 do match instance m t i j s with Some ins -> yield ins | None -> () ] ]

/// Figure 2 / App. D.1 analogues on the verifier's CNN (real mode only, where the trained net exists): per weight layer,
/// the distribution over S of a per-sample quantity for the trained CNN and for the initialisation it was trained from
/// (the synthetic mode's CNN), as frequency polygons on common bins. The paper's VGG-19 histograms (Figs. A.1–A.5) compare
/// trained with random-init nets the same way; smoothness (Fig. A.4) is drawn per compression draw in T5.1, not per sample.
let comparisonFigures (lab: Lab) (mode: CheckMode) (label: string) (layers: int -> int list) (values: SequentialMeasures -> int -> float[]) =
    match mode, cnn lab CheckMode.RealNetwork, cnn lab CheckMode.Synthetic with
    | CheckMode.RealNetwork, Ok trained, Ok init ->
        let mt, mi = measures lab CheckMode.RealNetwork trained, measures lab CheckMode.Synthetic init
        layers trained.Double.Depth
        |> List.choose (fun i ->
            Draws.polygons (sprintf "CNN %s, layer %d: trained vs the initialisation it was trained from" label i) label
                [ "trained", values mt i; "initialisation", values mi i ])
    | _ -> []

/// Medians over S of a per-sample quantity per layer, trained and at initialisation (real mode; for the measured list).
let comparisonMedians (lab: Lab) (mode: CheckMode) (label: string) (layers: int -> int list) (values: SequentialMeasures -> int -> float[]) =
    match mode, cnn lab CheckMode.RealNetwork, cnn lab CheckMode.Synthetic with
    | CheckMode.RealNetwork, Ok trained, Ok init ->
        let mt, mi = measures lab CheckMode.RealNetwork trained, measures lab CheckMode.Synthetic init
        let med (v: float[]) = v |> Array.filter Double.IsFinite |> fun f -> if f.Length = 0 then nan else median f
        [ for i in layers trained.Double.Depth do
            yield sprintf "median %s, layer %d, trained" label i, med (values mt i)
            yield sprintf "median %s, layer %d, initialisation" label i, med (values mi i) ]
    | _ -> []

/// A pair's per-sample values, empty when the exact Jacobians were not computed.
let private pairValues (t: PairSamples) i j : float[] = if isNull t then [||] else t.[i, j]

/// The four per-sample quantities of Figs. 2a–c and A.1–A.3, A.5 as (label, layers, values).
let private figureQuantities : (string * (int -> int list) * (SequentialMeasures -> int -> float[])) list =
    [ "layer cushion ratio (Fig. 2a / A.1)", (fun d -> [ 1 .. d ]), (fun m i -> m.LayerCushionRatio.[i])
      "unclipped interlayer cushion ratio i -> d (Fig. 2b / A.2)", (fun d -> [ 1 .. d - 1 ]), (fun m i -> pairValues m.InterlayerRatio i m.Net.Depth)
      "activation contraction ||x^i||/||phi(x^i)|| (Fig. 2c / A.3)", (fun d -> [ 1 .. d - 1 ]), (fun m i -> m.ContractionRatio.[i])
      "well-distributedness beta_{i,d} (Fig. A.5)", (fun d -> [ 1 .. d - 1 ]), (fun m i -> pairValues m.WellDistributed i m.Net.Depth) ]

/// Every Figure 2 / A.1–A.3, A.5 analogue with its medians (real mode).
let figure2 (lab: Lab) (mode: CheckMode) (e: Evidence) =
    let figs = figureQuantities |> List.collect (fun (l, ls, v) -> comparisonFigures lab mode l ls v)
    let meds = figureQuantities |> List.collect (fun (l, ls, v) -> comparisonMedians lab mode l ls v)
    e |> Evidence.withFigures figs |> Evidence.withMeasured meds

/// ARORA-D8: per pair i < j and sample, μ_{i,j}‖J‖_F‖xⁱ‖/√(n₁ⁱn₂ⁱ) against ‖J xⁱ‖ (exact norms).
let d8 =
    Experiment.create [ "mu_ij"; "normJ_F"; "normx_i"; "normJx"; "n_1"; "n_2" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            let seed = run.Stream(lab, "").Seed
            let m = measures lab run.Mode c
            let settings =
                pairSettings lab run.Mode c (fun m t i j s ->
                    let jf, jx, xn = m.JacobianFrobenius.[i, j].[s], m.JacobianTimesInput.[i, j].[s], t.XNorm.[i].[s]
                    if jf > 0.0 && xn > 0.0 then
                        let shape = c.Double.XShape.[i]
                        Some { Evidence.instance (Bindings.ofScalars [ "mu_ij", m.InterlayerCushion(i, j); "normJ_F", jf; "normx_i", xn; "normJx", jx;
                                                                         "n_1", float shape.Height; "n_2", float shape.Width ]) seed (sprintf "pair (%d,%d)" i j) with
                                   Layer = Some i; Sample = Some s }
                    else None)
            let d = c.Double.Depth
            Evidence.ofSettings settings
            |> Evidence.withMeasured
                ([ for i in 1 .. d - 1 do for j in i + 1 .. d -> sprintf "mu_{%d,%d}" i j, m.InterlayerCushion(i, j) ]
                 @ [ for i in 1 .. d -> sprintf "mu_{%d->} (clipped at 1/sqrt(h^%d))" i i, m.MinimalInterlayerCushion i ])
            |> Evidence.withFailedAssumptions (if c.Double.HasBias then [ "bias-free", "the CNN has biases" ] else [])
            |> figure2 lab run.Mode))

/// ARORA-D9: per pair i < j and sample, the largest location slice of J^{i,j} against β_{i,j}/√(n₁ⁱn₂ⁱ)‖J‖_F (exact).
let d9 =
    Experiment.create [ "normSlice"; "beta"; "normJ_F"; "n_1"; "n_2" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            let seed = run.Stream(lab, "").Seed
            let m = measures lab run.Mode c
            let settings =
                pairSettings lab run.Mode c (fun m _ i j s ->
                    let jf = m.JacobianFrobenius.[i, j].[s]
                    if jf > 0.0 then
                        let shape = c.Double.XShape.[i]
                        let l = float shape.Locations
                        Some { Evidence.instance (Bindings.ofScalars [ "normSlice", m.WellDistributed.[i, j].[s] * jf / sqrt l; "beta", m.Beta(i, j); "normJ_F", jf;
                                                                         "n_1", float shape.Height; "n_2", float shape.Width ]) seed (sprintf "pair (%d,%d)" i j) with
                                   Layer = Some i; Sample = Some s }
                    else None)
            let d = c.Double.Depth
            Evidence.ofSettings settings
            |> Evidence.withMeasured
                ([ for i in 1 .. d - 1 do for j in i + 1 .. d -> sprintf "beta_{%d,%d}" i j, m.Beta(i, j) ]
                 @ [ for i in 1 .. d -> sprintf "ceil(kappa_%d/s_%d)" i i, float (m.KernelOverStride i) ]
                 @ [ for i in 1 .. d -> sprintf "Table-1 effective parameters, layer %d" i, m.EffectiveParameters i ])))


/// The section's lemmas.
let lemmas =
    [ Lemma.create P.alg4 P.alg4Mutants alg4
      Lemma.create P.l11 P.l11Mutants l11
      Lemma.create P.l13 P.l13Mutants l13
      Lemma.create P.d8 P.d8Mutants d8
      Lemma.create P.d9 P.d9Mutants d9
      Lemma.create P.d10 P.d10Mutants d10 ]
