/// Experiments for Guha et al. (2023) §4 and App. B (GenBounds.Proofs.Guha2023.Pruning): Algorithm 1's keep
/// probability, the residual moments, Latała's bound, the per-layer error, the perturbation bound and the whole-network
/// errors.
module GenBounds.Verification.Guha2023.Pruning

open System
open GenBounds.Compression
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
module P = GenBounds.Proofs.Guha2023.Pruning

/// An exact expectation on trained weights is compared with a Gaussian identity: a 2% relative effect size, not
/// rounding, decides.
let private effectSize = { Absolute = 1e-12; Relative = 0.02 }

let private offDiagonalKeepFraction (mask: Mask) =
    let mutable kept = 0L
    let mutable n = 0L
    for i in 0 .. mask.Rows - 1 do
        for j in 0 .. mask.Cols - 1 do
            if i <> j then
                n <- n + 1L
                if mask.[i, j] then kept <- kept + 1L
    float kept / float n

/// GUHA-ALG1: per d, draws of the off-diagonal keep fraction of layer 1 (a fresh Gaussian layer per draw in synthetic
/// mode, the trained layer with a fresh mask in real mode) against χ(d).
let alg1 =
    Experiment.create [ "E[keep]"; "d"; "Psi" ] (fun lab run ->
        let layer = lab.Network.Layers.[0]
        let draws = allow lab "layer-draws" lab.Budget.Trials 1.0 2 "draws of layer 1 and its mask per d"
        let settings, notes =
            [ for dd in ds ->
                let fractions, exact =
                    Lab.memo lab (sprintf "guha2023/alg1/%s/%g/%d" run.Mode.StreamName dd draws.Count) (fun () ->
                        let fractions =
                            Array.init draws.Count (fun t ->
                                let rng = run.Stream(lab, sprintf "d-%g/trial-%d" dd t)
                                let w = weightsFor lab run.Mode 0 rng
                                let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, dd, psiOf w, DiagonalPolicy.Keep, rng.Split "mask")
                                offDiagonalKeepFraction mask)
                        let w0 = weightsFor lab run.Mode 0 (run.Stream(lab, sprintf "d-%g/trial-0" dd))
                        fractions, MagnitudePruning.ConditionalMoments(ReadOnlySpan w0, layer.Out, layer.In, dd, psiOf w0, DiagonalPolicy.Keep).AveragePruneProbability)
                let b = Bindings.ofScalars [ "d", dd; "Psi", psiOf layer.Weight ]
                let witness = { Evidence.instance b (run.Stream(lab, sprintf "d-%g/trial-0" dd)).Seed (sprintf "d = %g" dd) with Layer = Some 1 }
                Evidence.moments (sprintf "d = %g" dd) "E[keep]" fractions b witness,
                sprintf "d = %g: %d draws of the off-diagonal keep fraction of a %dx%d layer; mean conditional keep probability of trial 0 given its weights = %.6g (sampler check)" dd draws.Count layer.Out layer.In (1.0 - exact) ]
            |> List.unzip
        Evidence.ofSettings settings
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode)
        |> Evidence.withCaps [ draws ]
        |> Evidence.withNotes notes)

let private momentKey (power: int) = if power = 1 then "E[Delta]" else sprintf "E[Delta^%d]" power

/// GUHA-L4.1 (moment `power`). Synthetic: i.i.d. draws of Δ = W·1[pruned] per d. Real: the mask expectation given the
/// trained W is exact, so no Monte Carlo: (1/n) Σ E[Δ^p | W] per layer and d against the formula, within an effect
/// size (first moment: the largest |E[Δ_ij | W]| within 0.01 √Ψ of 0).
let l41 (power: int) =
    let key = momentKey power
    Experiment.create [ key; "d"; "Psi" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic ->
            let psi = psiOf lab.Network.Layers.[0].Weight
            let n = Budget.count "moment-samples" lab.Budget
            let settings =
                [ for dd in ds ->
                    let rng = run.Stream(lab, sprintf "d-%g" dd)
                    let sample =
                        Array.init n (fun _ ->
                            let w = sqrt psi * rng.NextGaussian()
                            let delta = if rng.NextDouble() < exp (-w * w / (dd * psi)) then w else 0.0
                            pown delta power)
                    let b = Bindings.ofScalars [ "d", dd; "Psi", psi ]
                    Evidence.moments (sprintf "d = %g" dd) key sample b (Evidence.instance b rng.Seed (sprintf "d = %g, Psi = %.4g" dd psi)) ]
            Evidence.ofSettings settings |> Evidence.withNotes [ sprintf "%d i.i.d. entries per d (Psi of layer 1 = %.4g)" n psi ]
        | CheckMode.RealNetwork ->
            let seed = run.Stream(lab, "").Seed
            let settings =
                [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                    let layer = lab.Network.Layers.[l]
                    let psi = psiOf layer.Weight
                    let instances =
                        [ for dd in ds ->
                            let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan layer.Weight, layer.Out, layer.In, dd, psi, DiagonalPolicy.Keep)
                            let value =
                                match power with
                                | 1 -> cm.Mean |> Array.maxBy abs
                                | 2 -> cm.AverageSecond
                                | _ -> cm.AverageFourth
                            { Evidence.instance (Bindings.ofScalars [ key, value; "d", dd; "Psi", psi ]) seed (sprintf "layer %d, d = %g" (l + 1) dd) with Layer = Some(l + 1) } ]
                    { Evidence.setting (sprintf "layer %d" (l + 1)) instances with
                        Tolerance = Some(if power = 1 then { Absolute = 0.01 * sqrt psi; Relative = 0.0 } else effectSize) } ]
            let note =
                if power = 1 then "real: the largest |E[Delta_ij | W]| = |W_ij| exp(-W_ij^2/(d Psi)) must be within 0.01 sqrt(Psi) of 0 (it is not zero conditionally)"
                else "real: exact mask average (1/n) sum E[Delta^p | W] vs the formula, 2% relative tolerance (effect size of non-Gaussianity)"
            Evidence.ofSettings settings |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode) |> Evidence.withNotes [ note ])

/// Latała's bracket inputs from per-entry second and fourth moments (row-major rows×cols).
let private bracketBindings (m2: float[]) (m4: float[]) rows cols =
    Bindings.empty
    |> Bindings.matrix "E[X^2]" (Array2D.init rows cols (fun i j -> m2.[i * cols + j]))
    |> Bindings.matrix "E[X^4]" (Array2D.init rows cols (fun i j -> m4.[i * cols + j]))

/// GUHA-LB.1: per layer, draws of ‖X‖₂ for X = the pruning residual at d = 1 (synthetic: of a Gaussian layer, with the
/// exact Gaussian residual moments; real: the centred residual Δ − E[Δ | W] of the trained layer, with its exact
/// conditional moments) against Latała's bracket.
let lb1 =
    Experiment.create [ "normX"; "E[X^2]"; "E[X^4]" ] (fun lab run ->
        let rows =
            [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                let layer = lab.Network.Layers.[l]
                let rows, cols = layer.Out, layer.In
                let psi = psiOf layer.Weight
                let m2, m4 =
                    match run.Mode with
                    | CheckMode.Synthetic ->
                        let struct (g2, g4) = MagnitudePruning.GaussianResidualMoments(d, psi)
                        Array.init (rows * cols) (fun i -> if i / cols = i % cols then 0.0 else g2),
                        Array.init (rows * cols) (fun i -> if i / cols = i % cols then 0.0 else g4)
                    | CheckMode.RealNetwork ->
                        // Centred residual Δ − E[Δ|W] = W (Z − p): variance W² p(1−p), fourth central moment W⁴ p(1−p)(1−3p+3p²).
                        let p i = if i / cols = i % cols then 0.0 else MagnitudePruning.PruneProbability(float layer.Weight.[i], d, psi)
                        Array.init (rows * cols) (fun i -> let w, q = float layer.Weight.[i], p i in w * w * q * (1.0 - q)),
                        Array.init (rows * cols) (fun i -> let w, q = float layer.Weight.[i], p i in pown w 4 * q * (1.0 - q) * (1.0 - 3.0 * q + 3.0 * q * q))
                let draws, allowance = spectralDraws lab run.Mode l d (run.Mode = CheckMode.RealNetwork)
                let b = bracketBindings m2 m4 rows cols
                let label = sprintf "layer %d (%dx%d)" (l + 1) rows cols
                { Evidence.moments label "normX" (Array.map fst draws) b (Evidence.instance b (snd draws.[0]) label) with Dimension = Some(float (rows * cols)) },
                allowance ]
        Evidence.ofSettings (List.map fst rows)
        |> Evidence.withCaps (List.map snd rows)
        |> Evidence.withMeasured [ "d", d ]
        |> Evidence.withNotes
            [ spectralNote
              sprintf "d = %g; %s" d (if run.Mode = CheckMode.RealNetwork then "real mode: centred residual Delta - E[Delta|W] with exact conditional moments" else "synthetic: exact Gaussian residual moments (Lemma 4.1)") ])

/// GUHA-L4.2: per layer, draws of ‖Δ^l‖₂ at d = 1 against Γ_l/ε; real mode also reports how much of ‖Δ‖ the
/// conditional mean W e^{−W²/(dΨ)} carries (the trained layer's low-rank structure).
let l42 =
    Experiment.create [ "normDelta"; "epsilon"; "d"; "Psi"; "h_l"; "h_{l-1}" ] (fun lab run ->
        let rows =
            [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                let layer = lab.Network.Layers.[l]
                let psi = psiOf layer.Weight
                let b = Bindings.ofScalars [ "epsilon", epsilon; "d", d; "Psi", psi; "h_l", float layer.Out; "h_{l-1}", float layer.In ]
                let draws, allowance = spectralDraws lab run.Mode l d false
                let note =
                    if run.Mode = CheckMode.RealNetwork then
                        let meanNorm, wNorm =
                            Lab.memo lab (sprintf "guha2023/l42-shares/%d/%g" l d) (fun () ->
                                let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan layer.Weight, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep)
                                let seed = run.Stream(lab, sprintf "lanczos-%d" l).Seed
                                (spectralNorm lab cm.Mean layer.Out layer.In seed).Lower, (spectralNorm lab (toDouble layer.Weight) layer.Out layer.In seed).Lower)
                        let mean = Array.averageBy fst draws
                        [ sprintf "layer %d: conditional-mean share ||W exp(-W^2/(d Psi))||_2 / mean ||Delta||_2 = %.3g; mean ||Delta||_2/||W||_2 = %.3g" (l + 1) (meanNorm / mean) (mean / wNorm) ]
                    else []
                let instances =
                    draws |> Array.mapi (fun t (x, sd) -> { Evidence.instance (Bindings.scalar "normDelta" x b) sd (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1); Trial = Some t })
                { Evidence.setting (sprintf "layer %d (%dx%d)" (l + 1) layer.Out layer.In) instances with Dimension = Some(float (layer.Out * layer.In)) },
                allowance, note ]
        Evidence.ofSettings (rows |> List.map (fun (s, _, _) -> s))
        |> Evidence.withCaps (rows |> List.map (fun (_, a, _) -> a))
        |> Evidence.withNotes ([ sprintf "eps = %g, d = %g; C_min(eps) = the (1 - eps)-quantile of ||Delta||_2 eps/Gamma_l|C=1 per layer, with an order-statistic CI" epsilon d; spectralNote ] @ List.collect (fun (_, _, n) -> n) rows))

/// The perturbation instances of GUHA-LB.2 and LC.2 on `inputs` (n row-major points of the input dimension, named by
/// `inputsTag` in the cache key): per perturbation the spectral norms and, per input, ‖f_{W+U}(x) − f_W(x)‖ and ‖x‖;
/// perturbations at the size limit: the pruning residual −Δ, a Gaussian matrix and a rank-one matrix along the top
/// singular pair scaled to ‖W‖/L, and the scaling U = W/L. Every instance also binds the code's κ_l at m = |S|.
let perturbationInstances (lab: Lab) (mode: CheckMode) (inputsTag: string) (x: float[]) =
    Lab.memo lab (sprintf "guha2023/lb2/%s/%s" mode.StreamName inputsTag) (fun () ->
        let layers = lab.Network.Layers
        let L = layers.Length
        let ws = networkWeights lab mode "lb2"
        let wd = ws |> Array.map toDouble
        let lanczos l = (Lab.stream lab paperId "GUHA-LB.2" mode (sprintf "lanczos-%d" l)).Seed
        let normLower (a: float[]) l = (spectralNorm lab a layers.[l].Out layers.[l].In (lanczos l)).Lower
        // ||W^l|| enters the bound: its lower end is conservative.
        let normW = Array.init L (fun l -> normLower wd.[l] l)
        let n = lab.Train.Count
        let k = lab.Network.Architecture.OutputSize
        let sizes = widths lab
        let biases = biasesOf lab mode
        let f0 = logits lab sizes wd biases x n
        let kappa = Array.init L (fun l -> GuhaCodeProxy.Kappa(layers.[l].In, layers.[l].Out, n))
        let dLb2 = List.min ds
        let rng = Lab.stream lab paperId "GUHA-LB.2" mode "perturbations"
        let vecNorm (a: float[]) = Numerics.Tensors.TensorPrimitives.Norm(ReadOnlySpan a)
        // (label, U^l, ||U^l||): the norms enter the bound, so they are lower ends or exact.
        let perturbations =
            [ sprintf "pruning residual -Delta (d = %g)" dLb2,
              Array.init L (fun l ->
                  let mask = MagnitudePruning.SampleMask(ReadOnlySpan ws.[l], layers.[l].Out, layers.[l].In, dLb2, psiOf ws.[l], DiagonalPolicy.Keep, rng.Split(sprintf "mask-%d" l))
                  let u = residual ws.[l] mask |> Array.map (fun v -> -v)
                  u, normLower u l)
              "Gaussian scaled to ||W||/L",
              Array.init L (fun l ->
                  let g = Array.zeroCreate<float> wd.[l].Length
                  rng.Split(sprintf "gauss-%d" l).FillGaussian(Span g)
                  // Scaling by the upper end of ||g|| keeps ||U|| <= ||W||/L certified (the size condition of the lemma).
                  let gn = (spectralNorm lab g layers.[l].Out layers.[l].In (lanczos l)).Upper
                  let u = g |> Array.map (fun v -> v * normW.[l] / (float L * gn))
                  u, normLower u l)
              "rank-one along the top singular pair",
              Array.init L (fun l ->
                  let struct (uu, _, vt) = layerSvd lab mode "lb2" l wd.[l]
                  let r = min layers.[l].Out layers.[l].In
                  let cols = layers.[l].In
                  let u0 = Array.init layers.[l].Out (fun i -> uu.[i * r])
                  let v0 = Array.sub vt 0 cols
                  let c = normW.[l] / float L
                  // A rank-one matrix c u v^T has spectral norm exactly c ||u|| ||v||.
                  Array.init wd.[l].Length (fun idx -> c * u0.[idx / cols] * v0.[idx % cols]), c * vecNorm u0 * vecNorm v0)
              "scaling U = W/L", Array.init L (fun l -> wd.[l] |> Array.map (fun v -> v / float L), normW.[l] / float L) ]
        let instances =
            [ for label, pert in perturbations do
                let us = pert |> Array.map fst
                let normU = pert |> Array.map snd
                let f1 = logits lab sizes (Array.init L (fun l -> Array.map2 (+) wd.[l] us.[l])) biases x n
                let dist = GenBounds.Measures.Outputs.RowDistances(ReadOnlySpan f0, ReadOnlySpan f1, n, k)
                let baseB =
                    Bindings.empty |> Bindings.vector "normW" normW |> Bindings.vector "normU" normU
                    |> Bindings.vector "lambda" (Array.create L 1.0) |> Bindings.scalar "L" (float L) |> Bindings.vector "kappa" kappa
                for i in 0 .. n - 1 ->
                    { Evidence.instance (baseB |> Bindings.scalar "normDiff" dist.[i] |> Bindings.scalar "normx" (rowNorm x i lab.Train.Dimension)) rng.Seed label with Sample = Some i } ]
        // The median of normDiff over every instance: the bound of the typical-value mutant (GUHA-LB.2~mutant-median).
        let median = (Stats.summary (instances |> List.map (fun i -> scalarOf "normDiff" i.Bindings) |> Array.ofList)).Median
        instances |> List.map (fun i -> { i with Bindings = Bindings.scalar "normDiffMedian" median i.Bindings }), perturbations.Length)

/// GUHA-LB.2: the deterministic perturbation bound on every training input under four perturbations per network.
let lb2 =
    Experiment.create [ "normDiff"; "normx"; "normW"; "normU"; "lambda"; "L"; "normDiffMedian" ] (fun lab run ->
        let instances, count = perturbationInstances lab run.Mode "train" (trainInputs lab)
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode)
        |> Evidence.withNotes [ sprintf "%d inputs x %d perturbations" lab.Train.Count count; spectralNote ])

/// GUHA-L4.3 (rounded = false) and L4.4b (rounded = true): E_max of the pruned (and rounded) network over the
/// whole-network trials against the reconstructed bound, failure probability Σ ε_l.
let networkError (rounded: bool) =
    Experiment.create [ "maxErr"; "maxnormx"; "Gamma"; "epsilon"; "normW"; "lambda"; "L"; "rho"; "J"; "maxErrQ10"; "kappa" ] (fun lab run ->
        let trials, allowances = netTrials lab run.Mode
        let errs = trials |> List.map (fun tr -> if rounded then tr.MaxErrRounded else tr.MaxErr) |> Array.ofList
        // The lower decile of E_max over the trials: the bound of the typical-value mutant (~mutant-lower-decile).
        let q10 = fst (Stats.quantileInterval errs 0.1 Checker.confidence)
        let instances =
            trials |> List.mapi (fun t tr ->
                { Evidence.instance (tr.Bindings |> Bindings.scalar "maxErr" errs.[t] |> Bindings.scalar "maxErrQ10" q10) tr.Seed "" with Trial = Some t })
        let implication = trials |> List.choose (fun tr -> tr.GammaRealised |> Option.map (fun gm -> tr.MaxErr <= gm * (1.0 + 1e-9), gm / tr.MaxErr))
        let note =
            if implication.IsEmpty then []
            else
                [ sprintf "code variant gamma* (realised norms) on %d trials: implication E_max <= gamma* failed %d times; gamma*/E_max median %.3g"
                      implication.Length (implication |> List.filter (fst >> not) |> List.length) (implication |> List.map snd |> List.sort |> fun xs -> xs.[xs.Length / 2]) ]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode)
        |> Evidence.withCaps allowances
        |> Evidence.withNotes (note @ [ sprintf "d = %g, %d forward trials on %d inputs; rho_l = the largest power of two <= sqrt(Psi_l)/10" d trials.Length lab.Train.Count; spectralNote ]))

/// GUHA-L4.4a: the Frobenius rounding error of pruned layers (a few draws per layer) against (ρ/2)√J.
let l44Rounding =
    Experiment.create [ "normRoundF"; "rho"; "J" ] (fun lab run ->
        let draws = allow lab "rounding-draws" lab.Budget.Trials 1.0 1 "pruning + rounding draws per layer"
        let instances =
            Lab.memo lab (sprintf "guha2023/l44a/%s/%d" run.Mode.StreamName draws.Count) (fun () ->
                [ for l in 0 .. lab.Network.Layers.Length - 1 do
                    let layer = lab.Network.Layers.[l]
                    for t in 0 .. draws.Count - 1 ->
                        let rng = run.Stream(lab, sprintf "layer-%d/trial-%d" l t)
                        let w = weightsFor lab run.Mode l rng
                        let psi = psiOf w
                        let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep, rng.Split "mask")
                        let rho = sqrt psi / 10.0
                        let r = Rounding.Round(ReadOnlySpan(pruned w mask), rho)
                        { Evidence.instance (Bindings.ofScalars [ "normRoundF", r.FrobeniusError; "rho", rho; "J", float r.NonZeros ]) rng.Seed (sprintf "layer %d" (l + 1)) with
                            Layer = Some(l + 1); Trial = Some t } ])
        Evidence.ofInstances instances |> Evidence.withCaps [ draws ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.alg1 P.alg1Mutants alg1
      Lemma.create P.l41Mean P.l41MeanMutants (l41 1)
      Lemma.create P.l41Second P.l41SecondMutants (l41 2)
      Lemma.create P.l41Fourth P.l41FourthMutants (l41 4)
      Lemma.create P.lb1 P.lb1Mutants lb1
      Lemma.create P.l42 P.l42Mutants l42
      Lemma.create P.lb2 P.lb2Mutants lb2
      Lemma.create P.l43 P.l43Mutants (networkError false)
      Lemma.create P.l44Rounding P.l44RoundingMutants l44Rounding
      Lemma.create P.l44Network P.l44NetworkMutants (networkError true) ]
