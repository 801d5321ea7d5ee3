/// Work that several experiments of Guha, Dubey, Huo (2023) share: the experiment parameters, Assumption 3.1's test,
/// the per-layer spectral-norm draws (LB.1, L4.2), the perturbation instances of LB.2 and the whole-network pruning
/// trials (L4.3, L4.4b, D3.1, T3.1). Two probability spaces (catalog §0): Synthetic = the paper's model (i.i.d. Gaussian
/// weights of each real layer's shape and variance, fresh mask), RealNetwork = trained weights fixed, only the mask
/// random. Shared work is memoised in the lab's run cache under keys that name every input.
module GenBounds.Verification.Guha2023.Shared

open System
open GenBounds.Compression
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments

/// The paper's id in `Papers.all` and in every stream name.
let paperId = "guha2023"

/// The pruning strengths of the moment and keep-probability checks.
let ds = [ 0.5; 1.0; 2.0 ]
/// The pruning strength of the single-d checks (the middle of `ds`).
let d = 1.0
/// The per-layer failure probability ε of Lemmas 4.2–4.4, 5.1 and the δ of the counting lemmas.
let epsilon = 0.1

/// The named assumptions that fail on this network in this mode: A3.1 when a Kolmogorov–Smirnov test at 1% rejects
/// the Gaussian law on any trained layer, and "bias-free" on a network with biases.
let failedAssumptions (lab: Lab) (mode: CheckMode) =
    let a31 =
        match mode with
        | CheckMode.Synthetic -> []
        | CheckMode.RealNetwork ->
            let failing =
                Lab.memo lab "guha2023/a31-failing" (fun () ->
                    lab.Network.Layers
                    |> Array.indexed
                    |> Array.choose (fun (l, layer) ->
                        let s = sqrt (psiOf layer.Weight)
                        let ks, _ = Stats.ksNormal (layer.Weight |> Array.map (fun w -> float w / s))
                        if ks > Stats.ksCritical99 layer.Weight.Length then Some(string (l + 1)) else None))
            if failing.Length = 0 then [] else [ "A3.1", sprintf "KS rejects i.i.d. Gaussian weights at 1%% on layer(s) %s" (String.Join(", ", failing)) ]
    a31 @ biasAssumption lab mode

/// Δ = W − Ŵ: the pruned-away entries.
let residual (w: float32[]) (mask: Mask) = Array.init w.Length (fun i -> if mask.Values.[i] = 0uy then float w.[i] else 0.0)

/// Ŵ: the kept entries.
let pruned (w: float32[]) (mask: Mask) = Array.init w.Length (fun i -> if mask.Values.[i] = 0uy then 0.0f else w.[i])

/// Every layer's weights in the mode, drawn (synthetic) from the shared stream "network/&lt;tag&gt;/layer-l".
let networkWeights (lab: Lab) (mode: CheckMode) (tag: string) =
    lab.Network.Layers |> Array.mapi (fun l _ -> weightsFor lab mode l (Lab.stream lab paperId "network" mode (sprintf "%s/layer-%d" tag l)))

/// The full thin SVD of layer l of `networkWeights lab mode tag`, where singular vectors are needed (LB.2's rank-one
/// perturbation, CC.1's directions). Trained weights do not depend on the tag, so real mode shares one SVD per layer.
let layerSvd (lab: Lab) (mode: CheckMode) (tag: string) (l: int) (w: float[]) =
    let key = match mode with CheckMode.RealNetwork -> sprintf "guha2023/svd/real/%d" l | CheckMode.Synthetic -> sprintf "guha2023/svd/synthetic/%s/%d" tag l
    Lab.memo lab key (fun () -> lab.LinearAlgebra.Svd(ReadOnlySpan w, lab.Network.Layers.[l].Out, lab.Network.Layers.[l].In))

/// Draws of ‖Δ^l‖₂ (or of the centred residual Δ − E[Δ | W]) at strength d, shared by LB.1, L4.2 and their mutants; one
/// norm per draw is the dominant cost of these statements. The norm is the upper end of the certified bracket: these
/// statements bound it from above. Returns the draws with their stream seeds, and the allowance.
let spectralDraws (lab: Lab) (mode: CheckMode) (l: int) (d: float) (centred: bool) : (float * uint64)[] * Allowance =
    let allowance = allow lab "spectral-draws" lab.Budget.Trials 1.0 2 "spectral-norm draws per layer"
    let draws =
        Lab.memo lab (sprintf "guha2023/spectral/%s/%d/%g/%b/%d" mode.StreamName l d centred allowance.Count) (fun () ->
            let layer = lab.Network.Layers.[l]
            Array.init allowance.Count (fun t ->
                let rng = Lab.stream lab paperId "spectral" mode (sprintf "layer-%d/trial-%d" l t)
                let w = weightsFor lab mode l rng
                let psi = psiOf w
                let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep, rng.Split "mask")
                let delta = residual w mask
                if centred then
                    let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep)
                    for i in 0 .. delta.Length - 1 do delta.[i] <- delta.[i] - cm.Mean.[i]
                (spectralNorm lab delta layer.Out layer.In (rng.Split "lanczos").Seed).Upper, rng.Seed))
    draws, allowance

/// Candidate rounding steps fixed before training: 2⁰, 2⁻¹, …, 2^−(G−1). A step chosen from them after training is paid
/// for by a union bound over G per layer (the honest counts of GUHA-T3.1, LD.1, TD.1, T5.2).
let stepGridSize = 40

/// The largest candidate step 2^−k ≤ x (k < stepGridSize): ρ_l = step (√Ψ_l/10) is the grid GUHA-L4.4 rounds to.
let powerOfTwoStep (x: float) =
    if not (x > 0.0) then invalidArg "x" (sprintf "a rounding step needs a positive scale (got %g)" x)
    2.0 ** float (max -(stepGridSize - 1) (min 0 (int (floor (Math.Log2 x)))))

/// One whole-network trial: prune every layer at strength d (Algorithm 1), round to the grid ρ_l = the largest power of
/// two ≤ √Ψ_l/10 (a candidate fixed before training), and measure the output errors on S. `Rounded` (the pruned and rounded weights, for T3.1's held-out error) is kept for trial 0
/// only, so that the trials do not hold copies of the network.
type NetTrial =
    { Bindings: Bindings
      MaxErr: float
      MaxErrRounded: float
      MaxAbsDiff: float
      MeanAbsDiff: float
      TrueClassDiff: float
      /// The code's needed margin γ* with the realised ‖W^l − Ŵ^l‖₂ (the first `realised-trials` trials only).
      GammaRealised: float option
      /// The code's needed margin with κ for the pruned and rounded net (GuhaCodeProxy.NeededMargin, exact SVD norms) and
      /// max_l ‖W^l − W̃^l‖₂/‖W^l‖₂ (the first `realised-trials` trials only).
      CodeMarginRounded: (float * float) option
      Seed: uint64
      Rounded: float[][]
      /// ρ_l of every layer.
      Steps: float[]
      Levels: int
      NonZeros: float
      /// f and the pruned-and-rounded g on S (trial 0 only).
      F: float[]
      G: float[] }

let private netTrialsOf (lab: Lab) (mode: CheckMode) (trials: int) (realisedFor: int) =
    let layers = lab.Network.Layers
    let L = layers.Length
    let n = lab.Train.Count
    let sizes = widths lab
    let x = trainInputs lab
    let biases = biasesOf lab mode
    let maxnormx = Seq.max (seq { for i in 0 .. n - 1 -> rowNorm x i lab.Train.Dimension })
    let fixedW = if mode = CheckMode.RealNetwork then Some(networkWeights lab mode "net") else None
    let fixedF = fixedW |> Option.map (fun ws -> logits lab sizes (ws |> Array.map toDouble) biases x n)
    // ||W^l|| enters the bounds (lower end); on trained weights it is the same for every trial.
    let normsOf (ws: float32[][]) (seedOf: int -> uint64) = Array.init L (fun l -> (spectralNorm lab (toDouble ws.[l]) layers.[l].Out layers.[l].In (seedOf l)).Lower)
    // The code's exact (SVD) norms and κ; on trained weights ‖W^l‖₂ is the same for every trial.
    let exactNorm (a: float[]) l = lab.LinearAlgebra.SingularValues(ReadOnlySpan a, layers.[l].Out, layers.[l].In).[0]
    let kappas = Array.init L (fun l -> GuhaCodeProxy.Kappa(layers.[l].In, layers.[l].Out, n))
    let fixedExactNorms = fixedW |> Option.map (fun ws -> Array.init L (fun l -> exactNorm (toDouble ws.[l]) l))
    let fixedNormW = fixedW |> Option.map (fun ws -> normsOf ws (fun l -> (Lab.stream lab paperId "network-trials" mode (sprintf "lanczos-W-%d" l)).Seed))
    let k = lab.Network.Architecture.OutputSize
    let labels = lab.Train.Labels
    [ for t in 0 .. trials - 1 ->
        let rng = Lab.stream lab paperId "network-trials" mode (sprintf "trial-%d" t)
        let ws = fixedW |> Option.defaultWith (fun () -> Array.init L (fun l -> weightsFor lab mode l (rng.Split(sprintf "w-%d" l))))
        let f = fixedF |> Option.defaultWith (fun () -> logits lab sizes (ws |> Array.map toDouble) biases x n)
        let psis = ws |> Array.map psiOf
        let normW = fixedNormW |> Option.defaultWith (fun () -> normsOf ws (fun l -> (rng.Split(sprintf "lanczos-W-%d" l)).Seed))
        let masks = Array.init L (fun l -> MagnitudePruning.SampleMask(ReadOnlySpan ws.[l], layers.[l].Out, layers.[l].In, d, psis.[l], DiagonalPolicy.Keep, rng.Split(sprintf "mask-%d" l)))
        let prunedW = Array.init L (fun l -> pruned ws.[l] masks.[l])
        let rho = psis |> Array.map (fun p -> powerOfTwoStep (sqrt p / 10.0))
        let rounding = Array.init L (fun l -> Rounding.Round(ReadOnlySpan prunedW.[l], rho.[l]))
        let g = logits lab sizes (prunedW |> Array.map toDouble) biases x n
        let gr = logits lab sizes (rounding |> Array.map (fun r -> r.Rounded)) biases x n
        let dist = GenBounds.Measures.Outputs.RowDistances(ReadOnlySpan f, ReadOnlySpan g, n, k)
        let distR = GenBounds.Measures.Outputs.RowDistances(ReadOnlySpan f, ReadOnlySpan gr, n, k)
        let absDiff = Array.init (n * k) (fun i -> abs (f.[i] - g.[i]))
        let trueClass = Seq.max (seq { for i in 0 .. n - 1 -> absDiff.[i * k + labels.[i]] })
        let gammas =
            Array.init L (fun l ->
                let layer = layers.[l]
                let b = Bindings.ofScalars [ "d", d; "Psi", psis.[l]; "h_l", float layer.Out; "h_{l-1}", float layer.In ]
                Eval.evaluate b (GenBounds.Proofs.Guha2023.Pruning.gammaL Expr.one) |> Value.tryFloat |> Option.defaultValue nan)
        let realised =
            if t < realisedFor then
                let prodW = Array.fold (*) 1.0 normW
                let sumRatio =
                    Array.init L (fun l -> (spectralNorm lab (residual ws.[l] masks.[l]) layers.[l].Out layers.[l].In (rng.Split(sprintf "lanczos-D-%d" l)).Seed).Lower / normW.[l])
                    |> Array.sum
                Some(Math.E * maxnormx * prodW * sumRatio)
            else None
        let codeMargin =
            if t < realisedFor then
                // The code ignores biases.
                let norms = fixedExactNorms |> Option.defaultWith (fun () -> Array.init L (fun l -> exactNorm (toDouble ws.[l]) l))
                let differences = Array.init L (fun l -> exactNorm (Array.init ws.[l].Length (fun i -> float ws.[l].[i] - rounding.[l].Rounded.[i])) l)
                Some(GuhaCodeProxy.NeededMargin(maxnormx, kappas, norms, differences), Array.map2 (/) differences norms |> Array.max)
            else None
        let b =
            Bindings.empty
            |> Bindings.scalar "maxnormx" maxnormx |> Bindings.scalar "L" (float L)
            |> Bindings.vector "Gamma" gammas |> Bindings.vector "epsilon" (Array.create L epsilon)
            |> Bindings.vector "normW" normW |> Bindings.vector "lambda" (Array.create L 1.0)
            |> Bindings.vector "rho" rho |> Bindings.vector "J" (rounding |> Array.map (fun r -> float r.NonZeros))
            |> Bindings.vector "kappa" kappas
        { Bindings = b; MaxErr = Array.max dist; MaxErrRounded = Array.max distR; MaxAbsDiff = Array.max absDiff; MeanAbsDiff = Array.average absDiff
          TrueClassDiff = trueClass; GammaRealised = realised; CodeMarginRounded = codeMargin; Seed = rng.Seed
          Rounded = (if t = 0 then rounding |> Array.map (fun r -> r.Rounded) else [||])
          Steps = rho
          Levels = rounding |> Array.map (fun r -> r.DistinctLevels) |> Array.max
          NonZeros = rounding |> Array.sumBy (fun r -> float r.NonZeros)
          F = (if t = 0 then f else [||]); G = (if t = 0 then gr else [||]) } ]

/// The whole-network trials of a mode (shared by L4.3, L4.4b, D3.1, T3.1 and their mutants), with their allowances.
let netTrials (lab: Lab) (mode: CheckMode) : NetTrial list * Allowance list =
    let trials = allow lab "forward-trials" lab.Budget.Trials 1.0 2 "whole-network pruning trials"
    let realised = allow lab "realised-trials" trials.Count 1.0 1 "whole-network trials with the realised perturbation bound"
    Lab.memo lab (sprintf "guha2023/net-trials/%s/%d/%d" mode.StreamName trials.Count realised.Count) (fun () -> netTrialsOf lab mode trials.Count realised.Count),
    [ trials; realised ]

/// The pruned and rounded network g of trial 0 of the whole-network trials, as the compression bounds use it: its layers'
/// level data (on the rounded weights), γ = max |f − g| over S and all k outputs (so D3.1 holds by construction), f's
/// margin losses at γ and 2γ, the proof step's slip count, and g's held-out errors.
type PrunedClassifier =
    { Layers: LayerCountInput[]
      Steps: float[]
      Rounded: float[][]
      Gamma: float
      LhatGamma: float
      Lhat2Gamma: float
      Slip: int
      HeldOutErrors: int
      HeldOut: int
      /// The optimistic count the verifier bound before issue 12: q = non-zeros of the rounded net, r = the most distinct
      /// values (0 included) one of its layers uses.
      OptimisticQ: float
      OptimisticR: float
      Seed: uint64 }

/// g of trial 0 in a mode (memoised).
let prunedClassifier (lab: Lab) (mode: CheckMode) : PrunedClassifier * Allowance list =
    let trials, allowances = netTrials lab mode
    let tr = List.head trials
    let g =
        Lab.memo lab ("guha2023/pruned-classifier/" + mode.StreamName) (fun () ->
            let n = lab.Train.Count
            let k = lab.Network.Architecture.OutputSize
            let gamma = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (tr.F.[i] - tr.G.[i]) })
            let mf = GenBounds.Measures.Outputs.Margins(ReadOnlySpan tr.F, ReadOnlySpan lab.Train.Labels, k)
            let mg = GenBounds.Measures.Outputs.Margins(ReadOnlySpan tr.G, ReadOnlySpan lab.Train.Labels, k)
            let lossAt gm = float (mf |> Array.filter (fun m -> m <= gm) |> Array.length) / float n
            let gh = logits lab (widths lab) tr.Rounded (biasesOf lab mode) (Array.map float lab.Test.Features) lab.Test.Count
            { Layers = Array.map2 (fun (r: float[]) step -> CompressionCounts.Levels(ReadOnlySpan r, step)) tr.Rounded tr.Steps
              Steps = tr.Steps
              Rounded = tr.Rounded
              Gamma = gamma
              LhatGamma = lossAt gamma
              Lhat2Gamma = lossAt (2.0 * gamma)
              Slip = Array.zip mf mg |> Array.filter (fun (a, b) -> a > gamma && b <= 0.0) |> Array.length
              HeldOutErrors = GenBounds.Measures.Outputs.Errors(ReadOnlySpan gh, ReadOnlySpan lab.Test.Labels, k)
              HeldOut = lab.Test.Count
              OptimisticQ = tr.NonZeros
              OptimisticR = float (max 2 tr.Levels)
              Seed = tr.Seed })
    g, allowances

/// Candidate level ranges K ∈ {2⁰, …, 2³⁰}: the smallest one covering the levels used.
let levelRangeCandidates = 31

/// The smallest power of two ≥ k (k ≥ 1), the level range K a class fixed before S can name.
let levelRange (k: int64) = 2.0 ** ceil (Math.Log2(float (max 1L k)))

/// The confidence every compression bound here is stated at, before the union over data-dependent choices.
let boundDelta = 0.1

/// The noise-label model of the synthetic compression-bound checks (GUHA-T3.1, T3.1-optimistic, LD.1, TD.1): y a fair
/// coin, x_j i.i.d. ±1 independent of y (h coordinates), m odd; g = x ↦ σ x_j for the coordinate j most correlated with
/// y on S and σ its sign. The class {σ x_j} (r = 2h values of one parameter) is fixed before S and L₀(g) = 1/2 exactly;
/// the count of agreements of each coordinate with y is Bin(m, 1/2), independently over j, which is all the training
/// error depends on. Per trial: g's training error (γ = 0, f = g) and the stream seed.
let noiseModel (lab: Lab) =
    let h, m = 1000, 201
    let trials =
        Lab.memo lab (sprintf "guha2023/noise-model/%d" lab.Budget.Trials) (fun () ->
            Array.init lab.Budget.Trials (fun t ->
                let rng = Lab.stream lab paperId "noise-model" CheckMode.Synthetic (sprintf "trial-%d" t)
                let best = Seq.init h (fun _ -> abs (2 * Stats.sampleBinomial rng m 0.5 - m)) |> Seq.max
                float (m - best) / float (2 * m), rng.Seed))
    trials, h, m

/// The note every noise-model result carries.
let noiseNote (h: int) (m: int) =
    sprintf "synthetic: noise-label model (y a fair coin, x_j i.i.d. +-1, h = %d, m = %d); g = sigma x_j for the coordinate most correlated with y on S, f = g (gamma = 0); L0(g) = 1/2 exactly; class {sigma x_j} fixed before S (q = 1, r = 2h = %d); a Monte Carlo over S" h m (2 * h)
