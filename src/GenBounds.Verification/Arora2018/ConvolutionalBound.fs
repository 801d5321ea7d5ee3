/// Theorem 5.1 and Corollary C.1 of Arora et al. (2018) on the verifier's CNN (GenBounds.Proofs.Arora2018.Convolutional):
/// the explicit surrogate bound with Lemma 14's counts, the held-out error of one compressed CNN (Algorithm 4 per location,
/// Algorithm 1 for the dense layer, Gaussian surrogates at the planned k_i) and ρ_δ from compression draws. Corollary C.1
/// measures the counts' quantities on S' ⊆ S, the training points left after removing each quantity's worst ⌊ζ|S|⌋, and
/// pays the fraction removed.
module GenBounds.Verification.Arora2018.ConvolutionalBound

open System
open GenBounds.Compression
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
open GenBounds.Verification.Arora2018.Convolutional
module P = GenBounds.Proofs.Arora2018.Convolutional

/// Margins f(x)[y] − max_{j≠y} f(x)[j] of output rows (n × classes) against labels.
let private margins (f: float[]) (labels: int[]) (classes: int) =
    Array.init labels.Length (fun s ->
        let y = labels.[s]
        let mutable other = -infinity
        for j in 0 .. classes - 1 do if j <> y then other <- max other f.[s * classes + j]
        f.[s * classes + y] - other)

/// argmax per row.
let private argmaxRows (f: float[]) (n: int) (classes: int) =
    Array.init n (fun s -> let row = Array.sub f (s * classes) classes in Array.findIndex ((=) (Array.max row)) row)

/// The forward pass of the CNN on sample-major inputs with per-location kernels for every convolution (`kernels i` is
/// location-major, as MatrixProjectConv.Decompress) and a dense matrix for the dense layer: ReLU between weight layers,
/// flatten in PyTorch order (the architecture has no pooling, so u^i is ReLU(x^i)).
let forwardLocal (c: Cnn) (kernels: int -> float[]) (dense: int -> float[]) (inputs: float[]) (n: int) =
    let dn = c.Double
    let mutable x = inputs
    for i in 1 .. dn.Depth do
        let y =
            match dn.WeightSpecs.[i] with
            | :? Conv2dSpec as spec -> MatrixProjectConv.Apply(CompressedConv([| 0.0 |], 1, 1, 0UL, spec, dn.UShape.[i - 1]), kernels i, ReadOnlySpan x, n)
            | _ ->
                let w = dense i
                let rows, cols = dn.XShape.[i].Size, dn.UShape.[i - 1].Size
                Array.init (n * rows) (fun idx ->
                    let s, r = idx / rows, idx % rows
                    let mutable acc = 0.0
                    for q in 0 .. cols - 1 do acc <- acc + w.[r * cols + q] * x.[s * cols + q]
                    acc)
        x <- if i < dn.Depth then Array.map (fun v -> max v 0.0) y else y
    x

/// `forwardLocal` in feature-major layout (MatrixProjectConv.ApplyFeatureMajor): the same arithmetic up to summation order,
/// with every kernel tap one vectorised multiply-add over the n samples. Takes and returns sample-major arrays.
let forwardLocalFast (c: Cnn) (kernels: int -> float[]) (dense: int -> float[]) (inputs: float[]) (n: int) =
    let dn = c.Double
    let transpose (a: float[]) rows cols = let t = Array.zeroCreate<float> a.Length in (for r in 0 .. rows - 1 do for q in 0 .. cols - 1 do t.[q * rows + r] <- a.[r * cols + q]); t
    let mutable x = transpose inputs n dn.UShape.[0].Size
    for i in 1 .. dn.Depth do
        let y =
            match dn.WeightSpecs.[i] with
            | :? Conv2dSpec as spec -> MatrixProjectConv.ApplyFeatureMajor(CompressedConv([| 0.0 |], 1, 1, 0UL, spec, dn.UShape.[i - 1]), kernels i, ReadOnlySpan x, n)
            | _ ->
                let w = dense i
                let rows, cols = dn.XShape.[i].Size, dn.UShape.[i - 1].Size
                let y = Array.zeroCreate<float> (rows * n)
                for r in 0 .. rows - 1 do
                    let dst = Span(y, r * n, n)
                    for q in 0 .. cols - 1 do
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(ReadOnlySpan(x, q * n, n), w.[r * cols + q], ReadOnlySpan(y, r * n, n), dst)
                y
        if i < dn.Depth then System.Numerics.Tensors.TensorPrimitives.Max(ReadOnlySpan y, 0.0, Span y)
        x <- y
    transpose x dn.XShape.[dn.Depth].Size n

/// The Gaussian surrogate of a k-helper Matrix-Project estimate of `a`: a + (‖a‖ G + z a)/√k.
let private surrogate (rng: GenBounds.Random.Rng) (a: float[]) (k: float) =
    let g = gaussianVector rng a.Length
    let z = rng.NextGaussian()
    let na = norm a
    Array.init a.Length (fun q -> a.[q] + (na * g.[q] + z * a.[q]) / sqrt k)

/// The quantities of Lemma 14's counts on the kept training points S' (index 1..d; index 0 unused).
type Quantities =
    { C: float
      Beta: float
      MaxOutputNorm: float
      Mu: float[]
      MuTo: float[]
      /// |S \ S'|/|S|: the fraction Corollary C.1 pays.
      Removed: float }

/// Lemma 14's quantities on S' = S minus the union of each per-sample quantity's worst ⌊ζ|S|⌋ points (ζ = 0: S' = S and
/// the values are SequentialMeasures' own). Dropping a point removes it from every quantity at once, so the charge is
/// the size of the union, not ζ times the number of quantities.
let quantities (ms: SequentialMeasures) (zeta: float) : Quantities =
    let net = ms.Net
    let d, n = net.Depth, ms.Count
    let drop = int (floor (zeta * float n))
    let interlayer = match ms.InterlayerRatio with null -> failwith "Corollary C.1 needs exact interlayer cushions" | t -> t
    let beta = match ms.WellDistributed with null -> failwith "Corollary C.1 needs exact beta" | t -> t
    let pairs = [ for i in 1 .. d - 1 do for j in i + 1 .. d -> i, j ]
    // Per-sample arrays with the direction in which they hurt (true: small values are bad).
    let lowBad = [ for i in 1 .. d -> ms.LayerCushionRatio.[i] ] @ [ for i, j in pairs -> interlayer.[i, j] ]
    let contraction = if d < 2 then Array.create n 1.0 else Robust.Pointwise(Seq.skip 1 ms.ContractionRatio, (fun a b -> max a b), 0.0)
    let highBad = [ contraction; ms.OutputNorm ] @ [ for i, j in pairs -> beta.[i, j] ]
    let worst (v: float[]) (lowIsBad: bool) = Array.init n id |> Array.sortBy (fun s -> if lowIsBad then v.[s] else -v.[s]) |> Array.truncate drop
    let removed = Collections.Generic.HashSet<int>()
    for v in lowBad do removed.UnionWith(worst v true)
    for v in highBad do removed.UnionWith(worst v false)
    let kept = [| for s in 0 .. n - 1 do if not (removed.Contains s) then yield s |]
    let minKept (v: float[]) = kept |> Array.fold (fun acc s -> min acc v.[s]) infinity
    let maxKept (v: float[]) = kept |> Array.fold (fun acc s -> max acc v.[s]) -infinity
    { C = (if d < 2 then 1.0 else maxKept contraction)
      Beta = pairs |> List.fold (fun acc (i, j) -> max acc (maxKept beta.[i, j])) 1.0
      MaxOutputNorm = maxKept ms.OutputNorm
      Mu = Array.init (d + 1) (fun i -> if i = 0 then nan else minKept ms.LayerCushionRatio.[i])
      MuTo =
        Array.init (d + 1) (fun i ->
            if i = 0 then nan
            else
                let clip = 1.0 / sqrt (float net.Widths.[i])
                if i = d then clip else min clip ([ for j in i + 1 .. d -> minKept interlayer.[i, j] ] |> List.min))
      Removed = float removed.Count / float n }

/// The margin γ (median positive training margin) and L̂_γ of the mode's CNN on S: the data's labels (real) or the random
/// CNN's own predictions (synthetic).
let private marginOf (lab: Lab) (mode: CheckMode) (c: Cnn) =
    let dn = c.Double
    let t = trace lab mode c
    let classes, n = dn.XShape.[dn.Depth].Size, t.Count
    let outS = Array.concat [ for s in 0 .. n - 1 -> t.Sample(dn.Depth, s) ]
    let labelsS = match mode with CheckMode.RealNetwork -> lab.Train.Labels | CheckMode.Synthetic -> argmaxRows outS n classes
    let marg = margins outS labelsS classes
    let gamma = NoiseStability.MedianPositiveMargin(ReadOnlySpan marg)
    gamma, float (marg |> Array.filter (fun v -> v <= gamma) |> Array.length) / float n

/// Lemma 14's per-layer counts k_i = 36 c² d² β² ⌈κ_i/s_i⌉² ln(6d²h²m/δ)/(ε² μ_i² μ_{i→}²) from the quantities of S'.
let private lemma14Counts (ms: SequentialMeasures) (delta: float) (qs: Quantities) (eps: float) =
    let net = ms.Net
    let d, n = net.Depth, ms.Count
    let h = seq { 1 .. d } |> Seq.map (fun i -> net.XShape.[i].Size) |> Seq.max
    let logTerm = log (6.0 * float (d * d) * float h * float h * float n / delta)
    Array.init (d + 1) (fun i ->
        if i = 0 then 0.0
        else
            let ks = float (ms.KernelOverStride i)
            36.0 * qs.C * qs.C * float (d * d) * qs.Beta * qs.Beta * ks * ks * logTerm / (eps * eps * (qs.Mu.[i] ** 2.0) * (qs.MuTo.[i] ** 2.0)))

/// One compressed CNN drawn from `rng` at these counts (Algorithm 4's surrogate per location of each convolution,
/// Algorithm 1's for the dense layer), run on n sample-major float64 inputs.
let private compressedForward (c: Cnn) (counts: float[]) (rng: GenBounds.Random.Rng) (inputs: float[]) (n: int) =
    let dn = c.Double
    let kernels = Array.init (dn.Depth + 1) (fun i ->
        if i = 0 then [||]
        else
            let a = dn.W.[i]
            match dn.WeightSpecs.[i] with
            | :? Conv2dSpec -> Array.concat [ for l in 0 .. dn.XShape.[i].Locations - 1 -> surrogate (rng.Split(sprintf "layer-%d/location-%d" i l)) a counts.[i] ]
            | _ -> surrogate (rng.Split(sprintf "layer-%d" i)) a counts.[i])
    forwardLocalFast c (fun i -> kernels.[i]) (fun i -> kernels.[i]) inputs n

/// The exact CNN through the same per-location forward pass (every location's kernel = A).
let private exactForward (c: Cnn) (inputs: float[]) (n: int) =
    let dn = c.Double
    forwardLocalFast c (fun i -> let a = dn.W.[i] in Array.init (dn.XShape.[i].Locations * a.Length) (fun idx -> a.[idx % a.Length])) (fun i -> dn.W.[i]) inputs n

/// ρ_δ at these counts: the smallest per-draw Definition-7 ρ on S over `draws` draws of the shared-kernel surrogate noise,
/// from a stream shared by the statements that compress at the same counts (T5.1 and L14), so they share the draws.
let private rhoAt (lab: Lab) (run: Run) (c: Cnn) (counts: float[]) (draws: int) =
    let dn = c.Double
    let key = String.Join(",", counts)
    Lab.memo lab (sprintf "arora2018/t51-rho/%s/%s/%d" run.Mode.StreamName key draws) (fun () ->
        [ for draw in 0 .. draws - 1 ->
            let rng = run.Shared(lab, "cnn-rho", sprintf "%s/draw-%d" key draw)
            let pert = c.Network.Clone()
            for i in 1 .. dn.Depth do
                let w = pert.WeightLayers.[i - 1].Weight
                let noisy = surrogate (rng.Split(sprintf "layer-%d" i)) dn.W.[i] counts.[i]
                for idx in 0 .. w.Length - 1 do w.[idx] <- float32 noisy.[idx]
            let sm = SequentialMeasures.Compute(c.Network, lab.Train.Features, lab.Train.Count, null,
                                                SequentialMeasureOptions(ExactJacobians = false, OperatorNorms = false, Perturbed = pert, Provider = lab.LinearAlgebra))
            sm.Smoothness.Rho() ]
        |> List.min)

/// The bound's evidence at outlier fraction ζ (ζ = 0: Theorem 5.1; ζ > 0: Corollary C.1, with "zeta" bound to the
/// fraction removed).
let private boundEvidence (zeta: float) (lab: Lab) (run: Run) =
    withCnn lab run.Mode (fun c ->
        let delta, gridBits = 0.1, 32.0
        let dn = c.Double
        let d = dn.Depth
        let ms = measures lab run.Mode c
        let t = trace lab run.Mode c
        let classes = dn.XShape.[d].Size
        let n = t.Count
        let gamma, lGamma = marginOf lab run.Mode c
        let ks i = float (ms.KernelOverStride i)
        let countsOf (qs: Quantities) = lemma14Counts ms delta qs (NoiseStability.Lemma10Epsilon(gamma, qs.MaxOutputNorm))
        let qs = quantities ms zeta
        let cc, beta = qs.C, qs.Beta
        let eps = NoiseStability.Lemma10Epsilon(gamma, qs.MaxOutputNorm)
        let counts = countsOf qs
        let q = Array.sum counts
        let hold = holdout lab
        let holdIn = Array.map float hold.Features
        let exact = exactForward c holdIn hold.Count
        let holdLabels = match run.Mode with CheckMode.RealNetwork -> hold.Labels | CheckMode.Synthetic -> argmaxRows exact hold.Count classes
        let rngC = run.Stream(lab, "compression")
        let compressed =
            Lab.memo lab (sprintf "arora2018/t51-compressed/%s/%d/%s" run.Mode.StreamName rngC.Seed (String.Join(",", counts))) (fun () ->
                compressedForward c counts rngC holdIn hold.Count)
        let errors = Array.zip (argmaxRows compressed hold.Count classes) holdLabels |> Array.filter (fun (p, y) -> p <> y) |> Array.length
        let errorsA = Array.zip (argmaxRows exact hold.Count classes) holdLabels |> Array.filter (fun (p, y) -> p <> y) |> Array.length
        let draws = Budget.allow "layer-draws" 20 1.0 1 "rho_delta compression draws" lab.Budget
        let rho = rhoAt lab run c counts draws.Count
        let charged = qs.Removed
        let b = Bindings.ofScalars [ "Lhat_gamma", lGamma; "q", q; "r", 2.0 ** gridBits; "m", float n; "delta", delta; "rho_delta", rho; "d", float d; "zeta", charged ]
        let bound = lGamma + charged + sqrt ((q * gridBits * log 2.0 + log (2.0 / delta)) / (2.0 * float n))
        let proxy = ms.TheoremProxy(gamma, zeta)
        Evidence.ofSettings [ Evidence.heldOut "held-out error of the compressed CNN" "L0tilde" errors hold.Count b (Evidence.instance b rngC.Seed "compressed CNN on held-out data") ]
        |> Evidence.withCaps [ draws ]
        |> Evidence.withMeasured
            ([ "surrogate bound", bound; "held-out error of f_Atilde", float errors / float hold.Count; "held-out error of f_A", float errorsA / float hold.Count
               "Lhat_gamma(f_A)", lGamma; "gamma", gamma; "eps (Lemma 10)", eps; "c", cc; "beta", beta; "rho_delta (min over draws)", rho; "3d", 3.0 * float d
               "q = sum k_i", q; "actual parameters", float c.Network.Architecture.ParameterCount; "plotted proxy", proxy ]
             @ (if zeta > 0.0 then [ "zeta per quantity", zeta; "fraction of S removed (charged)", charged; "q on the whole S (Theorem 5.1)", Array.sum (countsOf (quantities ms 0.0)) ] else [])
             @ [ for i in 1 .. d -> sprintf "k_%d (ceil(kappa/s) = %g, mu = %.3g, mu_-> = %.3g)" i (ks i) qs.Mu.[i] qs.MuTo.[i], counts.[i] ]
             @ [ for i in 1 .. d -> sprintf "Table-1 effective parameters, layer %d" i, ms.EffectiveParameters(i, zeta) ])
        |> Evidence.withNotes
            [ sprintf "vacuity: the explicit bound is %.4g (q ln r / 2m = %.3g); the bound is for the compressed net f_Atilde" bound (q * gridBits * log 2.0 / (2.0 * float n))
              sprintf "rho_delta = the smallest per-draw rho over %d draws of the shared-kernel surrogate noise at the planned k_i (an approximation of Algorithm 4's per-location noise), on the whole S" draws.Count
              (if zeta > 0.0 then sprintf "Corollary C.1: each per-sample quantity (layer and interlayer cushions, beta per pair, contraction, output norm) drops its worst %d of %d points; the union, %.4g of S, is removed from all of them and charged" (int (floor (zeta * float n))) n charged
               else "Theorem 5.1: every quantity on the whole S")
              (match run.Mode with CheckMode.Synthetic -> "synthetic: labels are the random CNN's own predictions" | CheckMode.RealNetwork -> "real: the data's labels") ])

/// ARORA-C.L14: up to 150 draws (0 failures of 150 put the two-sided 99% Clopper–Pearson limit at 0.035 < δ/2 = 0.05) of the CNN
/// compressed at Lemma 14's counts for Theorem 5.1's ε and δ; per draw the largest relative output error over S, and ρ_δ
/// at the same counts for the hypothesis.
let l14 =
    Experiment.create [ "maxRelErr"; "epsilon"; "delta"; "rho_delta"; "d" ] (fun lab run ->
        withCnn lab run.Mode (fun c ->
            // Theorem 5.1's compression: δ = 0.1 and Lemma 10's ε = γ/(√2 max‖f‖), so the counts and the ρ_δ draws are T5.1's.
            let delta = 0.1
            let dn = c.Double
            let ms = measures lab run.Mode c
            let n = lab.Train.Count
            let gamma, _ = marginOf lab run.Mode c
            let qs = quantities ms 0.0
            let eps = NoiseStability.Lemma10Epsilon(gamma, qs.MaxOutputNorm)
            let counts = lemma14Counts ms delta qs eps
            let inputs = Array.map float lab.Train.Features
            let classes = dn.XShape.[dn.Depth].Size
            let exact = exactForward c inputs n
            let exactNorm = Array.init n (fun s -> sqrt (Seq.sum (seq { for j in 0 .. classes - 1 -> exact.[s * classes + j] ** 2.0 })))
            // Multiply-adds of one compressed forward pass on S (per-location kernels and the dense layers).
            let work = float n * Seq.sum (seq { for i in 1 .. dn.Depth -> float (dn.XShape.[i].Locations * dn.W.[i].Length) })
            let draws = Budget.allow "network-work" (min lab.Budget.Trials 150) work 150 "Lemma 14 compressed-CNN draws" lab.Budget
            let rhoDraws = Budget.allow "layer-draws" 20 1.0 1 "rho_delta compression draws" lab.Budget
            let rho = rhoAt lab run c counts rhoDraws.Count
            let b = Bindings.ofScalars [ "epsilon", eps; "delta", delta; "rho_delta", rho; "d", float dn.Depth ]
            let label = sprintf "CNN compressed at Lemma 14's counts k = %s (eps = %.4g, Lemma 10), on the %d points of S" (String.Join(", ", counts |> Array.skip 1 |> Array.map (sprintf "%.4g"))) eps n
            // (seed, worst relative error) per draw, shared with the mutant (same streams).
            let perDraw =
                Lab.memo lab (sprintf "arora2018/l14-draws/%s/%s/%d" run.Id run.Mode.StreamName draws.Count) (fun () ->
                    [ for draw in 0 .. draws.Count - 1 ->
                        let rng = run.Stream(lab, sprintf "draw-%d" draw)
                        let y = compressedForward c counts rng inputs n
                        let mutable worst = 0.0
                        for s in 0 .. n - 1 do
                            if exactNorm.[s] > 0.0 then
                                let mutable e = 0.0
                                for j in 0 .. classes - 1 do e <- e + (y.[s * classes + j] - exact.[s * classes + j]) ** 2.0
                                worst <- max worst (sqrt e / exactNorm.[s])
                        rng.Seed, worst ])
            let instances =
                perDraw |> List.mapi (fun draw (seed, worst) -> { Evidence.instance (Bindings.scalar "maxRelErr" worst b) seed label with Trial = Some draw })
            let worsts = instances |> List.map (fun i -> scalarOf "maxRelErr" i.Bindings) |> Array.ofList
            Evidence.ofSettings [ Evidence.setting label instances ]
            |> Evidence.withCaps [ draws; rhoDraws ]
            |> Evidence.withMeasured ([ "median max relative error", median worsts; "largest max relative error", Array.max worsts; "rho_delta (min over draws)", rho; "3d", 3.0 * float dn.Depth ]
                                      @ [ for i in 1 .. dn.Depth -> sprintf "k_%d" i, counts.[i] ])
            |> Evidence.withFigures [ Figure.Histogram(sprintf "%s: max relative output error over S per compressed CNN (Lemma 14 counts)" run.Mode.StreamName, "max relative error", worsts, [ "epsilon", eps ]) ]
            |> Evidence.withNotes [ "each draw is one compressed CNN: every location of every convolution gets its own Gaussian-surrogate kernel at the layer's k_i, the dense layer Algorithm 1's surrogate; c, beta, mu_i, mu_{i->} exact on S" ]))

/// ARORA-T5.1.
let t51 = Experiment.create [ "L0tilde"; "Lhat_gamma"; "q"; "r"; "m"; "delta"; "rho_delta"; "d" ] (boundEvidence 0.0)

/// ARORA-C.COR1 at ζ = 0.02 per quantity.
let cor1 = Experiment.create [ "L0tilde"; "Lhat_gamma"; "zeta"; "q"; "r"; "m"; "delta"; "rho_delta"; "d" ] (boundEvidence 0.02)

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.t51 P.t51Mutants t51
      Lemma.create P.cor1 P.cor1Mutants cor1
      Lemma.create P.l14 P.l14Mutants l14 ]
