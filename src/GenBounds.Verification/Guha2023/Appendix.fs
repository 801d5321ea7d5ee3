/// Experiments for Guha et al. (2023) App. C and D (GenBounds.Proofs.Guha2023.Appendix): the sub-Gaussian direction
/// condition and its norm lemma on layer inputs, and the counting lemmas of the naive bound.
module GenBounds.Verification.Guha2023.Appendix

open System
open GenBounds.Compression
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
module P = GenBounds.Proofs.Guha2023.Appendix

/// Inputs of layer l on S: the data for l = 0, else ReLU of the previous pre-activations; synthetic: Gaussian
/// directions (uniform on the sphere after normalisation), the paper's example of Condition C.1.
let private layerInputs (lab: Lab) (mode: CheckMode) (l: int) (ws: float[][]) =
    let n = lab.Train.Count
    let dim = lab.Network.Layers.[l].In
    match mode with
    | CheckMode.Synthetic ->
        let rng = Lab.stream lab paperId "sphere-inputs" mode (sprintf "layer-%d" l)
        let x = Array.zeroCreate<float> (n * dim)
        rng.FillGaussian(Span x)
        x
    | CheckMode.RealNetwork ->
        if l = 0 then trainInputs lab
        else
            let sizes = widths lab |> Array.take (l + 1)
            // The pre-activations of layer l (the last layer of the truncated net), then the ReLU.
            logits lab sizes ws.[0 .. l - 1] (biasesOf lab mode).[0 .. l - 1] (trainInputs lab) n |> Array.map (fun v -> max 0.0 v)

/// CC.1's empirical tails (layer, tail, dimension, t) for every right singular vector and grid point. One pass over the
/// projections: each |⟨v_k, x/‖x‖⟩| falls in the bucket of the largest grid point it reaches, and tails are suffix sums.
let private cc1Tails (lab: Lab) (mode: CheckMode) : (int * float * float * float) list =
    Lab.memo lab ("guha2023/cc1/" + mode.StreamName) (fun () ->
        let ws = networkWeights lab mode "cc1" |> Array.map toDouble
        let n = lab.Train.Count
        let grid = [| for i in 1 .. 20 -> 0.05 * float i |]
        let G = grid.Length
        let layerTails l =
            let layer = lab.Network.Layers.[l]
            let dim = layer.In
            let x = layerInputs lab mode l ws
            let struct (_, _, vt) = layerSvd lab mode "cc1" l ws.[l]
            let r = min layer.Out dim
            let keepRows = [| for i in 0 .. n - 1 do if rowNorm x i dim > 0.0 then yield i |]
            let xs = Array.zeroCreate<float> (keepRows.Length * dim)
            keepRows |> Array.iteri (fun row i ->
                let norm = rowNorm x i dim
                for j in 0 .. dim - 1 do xs.[row * dim + j] <- x.[i * dim + j] / norm)
            let proj = logits lab [| dim; r |] [| vt |] [| None |] xs keepRows.Length
            // hist.[k * (G + 1) + g] = projections on v_k whose largest reached grid index is g (0: below grid.[0]).
            let hist = Array.zeroCreate<int> (r * (G + 1))
            for i in 0 .. keepRows.Length - 1 do
                for k in 0 .. r - 1 do
                    let a = abs proj.[i * r + k]
                    let mutable g = min G (int (a / 0.05))
                    while g < G && a >= grid.[g] do g <- g + 1
                    while g > 0 && a < grid.[g - 1] do g <- g - 1
                    hist.[k * (G + 1) + g] <- hist.[k * (G + 1) + g] + 1
            // The claim is about tail probabilities; a count of a few points at large t says little about them, so the
            // tail bound is the Clopper–Pearson lower limit of the count: the smallest tail consistent with the data.
            let tails = Array.zeroCreate<float> (r * G)
            let cpLower = Collections.Generic.Dictionary<int, float>()
            for k in 0 .. r - 1 do
                let mutable above = 0
                for g in G .. -1 .. 1 do
                    above <- above + hist.[k * (G + 1) + g]
                    if not (cpLower.ContainsKey above) then cpLower.[above] <- (Stats.clopperPearson above keepRows.Length Checker.confidence).Lower
                    tails.[k * G + g - 1] <- cpLower.[above]
            List.init (r * G) (fun idx -> l, tails.[idx], float dim, grid.[idx % G])
        List.init lab.Network.Layers.Length layerTails |> List.concat)

/// GUHA-CC.1: every right singular vector of every layer, t on a grid 0.05..1, the empirical tail of the normalised
/// inputs' projections against c₁ exp(−c₂ n t²) at c₂ = 1/2; the smallest c₁ is estimated per layer.
let cc1 =
    Experiment.create [ "tail"; "n"; "t"; "c_2" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let settings =
            cc1Tails lab run.Mode
            |> List.groupBy (fun (l, _, _, _) -> l)
            |> List.map (fun (l, rows) ->
                let instances =
                    rows |> List.map (fun (_, tail, dim, t) ->
                        { Evidence.instance (Bindings.ofScalars [ "tail", tail; "n", dim; "t", t; "c_2", 0.5 ]) seed (sprintf "layer %d, t = %g" (l + 1) t) with Layer = Some(l + 1) })
                Evidence.setting (sprintf "layer %d" (l + 1)) instances)
        Evidence.ofSettings settings
        |> Evidence.withNotes
            [ "every right singular vector of W^l, t on a grid 0.05..1, inputs with x = 0 skipped; c_2 = 1/2 (uniform sphere)"
              "tail = the 99% Clopper-Pearson lower limit of the empirical tail count (the smallest tail probability consistent with it), so the smallest c_1 is the smallest consistent with the data" ])

/// Condition C.1 as the hypothesis of LC.1–LC.4: on trained layer inputs its smallest c₁ at c₂ = 1/2 (CC.1's
/// measurement) decides whether it holds; the synthetic models (random directions) are not evaluated.
let cc1Failed (lab: Lab) (mode: CheckMode) =
    match mode with
    | CheckMode.RealNetwork ->
        let worst = cc1Tails lab mode |> List.map (fun (_, tail, dim, t) -> if tail > 0.0 then log10 tail + 0.5 * dim * t * t / log 10.0 else -infinity) |> List.max
        if worst > 1.0 then [ "CC.1", sprintf "the smallest c_1 at c_2 = 1/2 is 10^%.3g > 10 on the trained layer inputs" worst ] else []
    | CheckMode.Synthetic -> []

/// GUHA-LC.1: on layers with fewer outputs than inputs, max over S of ‖Wx‖/(‖W‖₂‖x‖) against the code's κ.
let lc1 =
    Experiment.create [ "ratioMax"; "m"; "h_l"; "h_{l-1}" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let ws = networkWeights lab run.Mode "lc1" |> Array.map toDouble
        let n = lab.Train.Count
        let instances =
            [ for l in 0 .. lab.Network.Layers.Length - 1 do
                let layer = lab.Network.Layers.[l]
                if layer.Out < layer.In then
                    let x = layerInputs lab run.Mode l ws
                    let y = logits lab [| layer.In; layer.Out |] [| ws.[l] |] [| None |] x n
                    // ||W|| divides the bounded ratio: its lower end is conservative.
                    let norm = (spectralNorm lab ws.[l] layer.Out layer.In (run.Stream(lab, sprintf "lanczos-%d" l)).Seed).Lower
                    let ratio =
                        Seq.max (seq { for i in 0 .. n - 1 do
                                        let xn = rowNorm x i layer.In
                                        if xn > 0.0 then yield rowNorm y i layer.Out / (norm * xn) })
                    yield { Evidence.instance (Bindings.ofScalars [ "ratioMax", ratio; "m", float n; "h_l", float layer.Out; "h_{l-1}", float layer.In ]) seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1) } ]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (cc1Failed lab run.Mode)
        |> Evidence.withNotes [ "only layers with h_l < h_{l-1}; synthetic inputs uniform on the sphere (the paper's example of Condition C.1)"; spectralNote ])

/// GUHA-LD.2: the count K of layer-1 entries whose prune probability is at least π₀ = 1/2, against erf. Synthetic: draws
/// of Gaussian layers; real: K is deterministic given W, compared within a 2% effect size (a Gaussianity test in disguise).
let ld2 =
    Experiment.create [ "E[K]"; "n"; "pi_0"; "d" ] (fun lab run ->
        let pi0 = 0.5
        let layer = lab.Network.Layers.[0]
        let n = float layer.Weight.Length
        let count (w: float32[]) psi =
            let thr = sqrt (d * psi * log (1.0 / pi0))
            w |> Array.sumBy (fun x -> if abs (float x) <= thr then 1.0 else 0.0)
        let b = Bindings.ofScalars [ "n", n; "pi_0", pi0; "d", d ]
        match run.Mode with
        | CheckMode.Synthetic ->
            let psi = psiOf layer.Weight
            let draws = allow lab "layer-draws" lab.Budget.Trials 1.0 2 "Gaussian layers"
            let sample = Array.init draws.Count (fun t -> count (weightsFor lab run.Mode 0 (run.Stream(lab, sprintf "trial-%d" t))) psi)
            let witness = { Evidence.instance b (run.Stream(lab, "trial-0")).Seed (sprintf "K over %d draws of a Gaussian layer" draws.Count) with Layer = Some 1 }
            Evidence.ofSettings [ Evidence.moments "layer 1" "E[K]" sample b witness ] |> Evidence.withCaps [ draws ]
        | CheckMode.RealNetwork ->
            let k = count layer.Weight (psiOf layer.Weight)
            let i = { Evidence.instance (Bindings.scalar "E[K]" k b) (run.Stream(lab, "").Seed) "layer 1" with Layer = Some 1 }
            Evidence.ofSettings [ { Evidence.setting "layer 1" [ i ] with Tolerance = Some { Absolute = 1e-12; Relative = 0.02 } } ]
            |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode)
            |> Evidence.withNotes [ "real: K is deterministic given W; K/n compared with q within 2% (a Gaussianity test in disguise)" ])

/// Success probability of one "high" entry under A3.1: E[e^{-W²/(dΨ)} | e^{-W²/(dΨ)} ≥ π₀] for W ~ N(0, Ψ)
/// = √(d/(d+2)) erf(√((d+2) ln(1/π₀)/2)) / erf(√(d ln(1/π₀)/2)) (DERIVED: the Gaussian integral of GUHA-L4.1 on
/// |Z| ≤ √(d ln(1/π₀)); the denominator is LD.2's q). Tested against sampled Gaussian layers.
let ld3HighPruneProbability (d: float) (pi0: float) =
    let erf = MathNet.Numerics.SpecialFunctions.Erf
    sqrt (d / (d + 2.0)) * erf (sqrt ((d + 2.0) * log (1.0 / pi0) / 2.0)) / erf (sqrt (d * log (1.0 / pi0) / 2.0))

/// GUHA-LD.3: per trial, the pruned count among the entries of layer 1 whose prune probability is at least π₀ = 1/2,
/// against k'. Synthetic: exact low-dimensional sampling — under A3.1 with Ψ known, K ~ Bin(n_off, q) (LD.2) and given K
/// the pruned count is Bin(K, r), r = ld3HighPruneProbability; two binomial draws replace a fresh layer per trial, so
/// every trial is run. Real: the prune probabilities of the trained layer are fixed; one uniform per high entry.
let ld3 =
    Experiment.create [ "prunedHigh"; "k'"; "k"; "delta" ] (fun lab run ->
        let pi0 = 0.5
        let delta = epsilon
        let layer = lab.Network.Layers.[0]
        // k' = the largest with P(Bin(k, π₀) ≥ k') ≥ 1 − δ, i.e. the smallest x with P(Bin(k, π₀) ≤ x) > δ.
        let kPrime k = Stats.smallestSatisfying (fun x -> Stats.binomialCdf k pi0 x > delta) 0 k
        let trials =
            Lab.memo lab (sprintf "guha2023/ld3/%s/%d" run.Mode.StreamName lab.Budget.Trials) (fun () ->
                match run.Mode with
                | CheckMode.Synthetic ->
                    let nOff = layer.Out * layer.In - min layer.Out layer.In
                    let q = MathNet.Numerics.SpecialFunctions.Erf(sqrt (d * log (1.0 / pi0) / 2.0))
                    let r = ld3HighPruneProbability d pi0
                    Array.init lab.Budget.Trials (fun t ->
                        let rng = run.Stream(lab, sprintf "trial-%d" t)
                        let k = Stats.sampleBinomial rng nOff q
                        let prunedCount = Stats.sampleBinomial (rng.Split "mask") k r
                        float prunedCount, float (kPrime k), float k, rng.Seed)
                | CheckMode.RealNetwork ->
                    let psi = psiOf layer.Weight
                    let high =
                        [| for idx in 0 .. layer.Weight.Length - 1 do
                             let p = MagnitudePruning.PruneProbability(float layer.Weight.[idx], d, psi)
                             if p >= pi0 && idx / layer.In <> idx % layer.In then yield p |]
                    let k = high.Length
                    let k' = float (kPrime k)
                    Array.init lab.Budget.Trials (fun t ->
                        let rng = run.Stream(lab, sprintf "trial-%d" t)
                        let mrng = rng.Split "mask"
                        let mutable prunedCount = 0
                        for p in high do
                            if mrng.NextDouble() < p then prunedCount <- prunedCount + 1
                        float prunedCount, k', float k, rng.Seed))
        let instances =
            trials |> Array.mapi (fun t (prunedHigh, k', k, trialSeed) ->
                { Evidence.instance (Bindings.ofScalars [ "prunedHigh", prunedHigh; "k'", k'; "k", k; "delta", delta ]) trialSeed "layer 1" with Trial = Some t })
        let how =
            match run.Mode with
            | CheckMode.Synthetic -> sprintf "synthetic: exact two-draw sampling under A3.1 with Psi known, K ~ Bin(n_off, q), prunedHigh | K ~ Bin(K, r), r = %.6g" (ld3HighPruneProbability d pi0)
            | CheckMode.RealNetwork -> "real: trained layer 1 fixed, one uniform per high-probability entry and trial"
        Evidence.ofInstances instances
        |> Evidence.withNotes [ sprintf "layer 1, d = %g, pi_0 = %g, %d trials (no cap); k = observed K; k' = largest with P(Bin(k, pi_0) >= k') >= 1 - delta" d pi0 trials.Length; how ])

/// The catalog's GUHA-LC.1 table (m = 48,000, h_l = 10): the paper's output layers and the printed κ.
let kappaTable = [ 500, 0.555; 784, 0.443; 1000, 0.392; 2000, 0.277; 2500, 0.248 ]

/// GUHA-LC.1-kappa: the code's κ (GuhaCodeProxy.Kappa) against the exact root, on the paper's output layers and, in
/// real mode, on this network's layers with h_l < h_{l−1} at m = |S|.
let lc1Kappa =
    Experiment.create [ "kappaCode"; "kappaTable"; "m"; "h_l"; "h_{l-1}" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let instance m hIn hOut table label =
            Evidence.instance (Bindings.ofScalars [ "kappaCode", GuhaCodeProxy.Kappa(hIn, hOut, m); "kappaTable", table; "m", float m; "h_l", float hOut; "h_{l-1}", float hIn ]) seed label
        let exactRounded m hIn hOut = Math.Round(min 1.0 (sqrt (log (100.0 * float m) / float hIn) * sqrt (float hOut)), 3)
        let paper = [ for hIn, table in kappaTable -> instance 48000 hIn 10 table (sprintf "paper's MLP: %d -> 10, m = 48,000" hIn) ]
        let own =
            match run.Mode with
            | CheckMode.Synthetic -> []
            | CheckMode.RealNetwork ->
                let m = lab.Train.Count
                [ for l, layer in Array.indexed lab.Network.Layers do
                    if layer.Out < layer.In then
                        yield { instance m layer.In layer.Out (exactRounded m layer.In layer.Out) (sprintf "layer %d: %d -> %d, m = %d" (l + 1) layer.In layer.Out m) with Layer = Some(l + 1) } ]
        Evidence.ofInstances (paper @ own)
        |> Evidence.withNotes [ "kappa is arithmetic of (m, h_{l-1}, h_l): the synthetic mode checks the paper's output layers, the real mode adds this network's layers at m = |S| (kappaTable: the exact root rounded to 3 decimals, the catalog's convention)" ])

/// Inputs uniform on the unit sphere (the paper's example of Condition C.1), as many as S, from the stream lc2-inputs.
let private sphereInputs (lab: Lab) =
    Lab.memo lab "guha2023/lc2-sphere-inputs" (fun () ->
        let n, dim = lab.Train.Count, lab.Train.Dimension
        let x = Array.zeroCreate<float> (n * dim)
        (Lab.stream lab paperId "lc2-inputs" CheckMode.Synthetic "").FillGaussian(Span x)
        for i in 0 .. n - 1 do
            let norm = rowNorm x i dim
            for j in 0 .. dim - 1 do x.[i * dim + j] <- x.[i * dim + j] / norm
        x)

/// GUHA-LC.2: the perturbation instances of LB.2 with κ; synthetic: Gaussian weights and sphere inputs; real: S.
let lc2 =
    Experiment.create [ "normDiff"; "normx"; "normW"; "normU"; "lambda"; "L"; "kappa"; "normDiffMedian" ] (fun lab run ->
        let instances, count =
            match run.Mode with
            | CheckMode.Synthetic -> GenBounds.Verification.Guha2023.Pruning.perturbationInstances lab run.Mode "sphere" (sphereInputs lab)
            | CheckMode.RealNetwork -> GenBounds.Verification.Guha2023.Pruning.perturbationInstances lab run.Mode "train" (trainInputs lab)
        let kappa = match (List.head instances).Bindings.TryFind "kappa" with Some(Bound.Vector v) -> v | _ -> [||]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode @ cc1Failed lab run.Mode)
        |> Evidence.withNotes
            [ sprintf "%d inputs x %d perturbations; kappa_l = %s (the code's, m = %d)" lab.Train.Count count (String.Join(", ", kappa |> Array.map (sprintf "%.3g"))) lab.Train.Count
              (if run.Mode = CheckMode.Synthetic then "synthetic: Gaussian weights, inputs uniform on the unit sphere" else "real: trained weights, inputs S")
              spectralNote ])

/// GUHA-LC.3 and LC.4: the whole-network trials of L4.3 / L4.4b with κ, C.1 as measured on trained inputs.
let private networkErrorKappa (rounded: bool) =
    let inner = GenBounds.Verification.Guha2023.Pruning.networkError rounded
    Experiment.create (List.ofSeq inner.Binds) (fun lab run -> inner.Observe lab run |> Evidence.withFailedAssumptions (cc1Failed lab run.Mode))

/// GUHA-LC.4-code: the code's needed margin with κ for the pruned and rounded net on the realised trials.
let lc4Code =
    Experiment.create [ "maxErr"; "gammaStarKappa"; "ratioMax"; "L"; "maxErrMedian" ] (fun lab run ->
        let trials, allowances = netTrials lab run.Mode
        let realised = trials |> List.filter (fun tr -> tr.CodeMarginRounded.IsSome)
        let median = (Stats.summary (realised |> List.map (fun tr -> tr.MaxErrRounded) |> Array.ofList)).Median
        Evidence.ofInstances
            [ for t, tr in List.indexed realised ->
                let gm, ratio = tr.CodeMarginRounded.Value
                { Evidence.instance (Bindings.ofScalars [ "maxErr", tr.MaxErrRounded; "gammaStarKappa", gm; "ratioMax", ratio; "L", float lab.Network.Layers.Length; "maxErrMedian", median ]) tr.Seed "" with
                    Trial = Some t } ]
        |> Evidence.withCaps allowances
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode @ cc1Failed lab run.Mode)
        |> Evidence.withNotes [ sprintf "d = %g, pruned and rounded (rho_l = largest power of two <= sqrt(Psi_l)/10); gamma*_kappa by GuhaCodeProxy.NeededMargin with the code's kappa at m = %d, exact SVD norms" d lab.Train.Count ])

/// GUHA-TD.1: synthetic the noise-label model (ln N = ln 2h); real g with ln N = the honest count of its class.
let td1 =
    Experiment.create [ "L0g"; "Lhat_gamma"; "lnN"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> GenBounds.Verification.Guha2023.Framework.noiseEvidence lab [ "Lhat_gamma" ] (fun h -> Bindings.scalar "lnN" (log (2.0 * float h)))
        | CheckMode.RealNetwork ->
            let g, allowances = prunedClassifier lab run.Mode
            let count = CompressionCounts.PrunedClass(g.Layers, stepGridSize)
            let b = Bindings.ofScalars [ "Lhat_gamma", g.LhatGamma; "lnN", count.Total; "m", float lab.Train.Count; "delta", boundDelta ]
            GenBounds.Verification.Guha2023.Framework.heldOutEvidence lab run g allowances b
            |> Evidence.withMeasured [ "ln N honest (nats)", count.Total; "support", count.Support; "values", count.Values; "dense", count.Dense; "step choice", count.StepChoice; "range choice", count.RangeChoice; "optimistic (nats)", count.Optimistic; "honest / optimistic", count.Ratio ]
            |> Evidence.withNotes
                [ sprintf "ln N = %.6g nats: per layer the cheaper of support + levels (%.6g + %.6g over all layers) and dense (%.6g), + %.4g for the step (%d powers of two per layer) + %.4g for the level ranges; the optimistic count sum_l J_l ln r_l = %.6g (x%.3g)"
                      count.Total count.Support count.Values count.Dense count.StepChoice stepGridSize count.RangeChoice count.Optimistic count.Ratio ])

/// GUHA-LD.1: synthetic the noise-label model (one layer, n = h, J = 1, r = 2); real g with its observed J_l, r = 2K
/// non-zero levels, and δ = 0.1 over the candidate classes (steps, range, J_l).
let ld1 =
    Experiment.create [ "L0g"; "Lhat_gamma"; "lnC"; "J"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic ->
            // One layer of n = h positions, J = 1 non-zero with r = 2 values (the sign): the class {sigma x_j}.
            GenBounds.Verification.Guha2023.Framework.noiseEvidence lab [ "Lhat_gamma" ] (fun h ->
                Bindings.scalar "r" 2.0 >> Bindings.vector "lnC" [| CompressionCounts.LogBinomial(int64 h, 1L) |] >> Bindings.vector "J" [| 1.0 |])
        | CheckMode.RealNetwork ->
            let g, allowances = prunedClassifier lab run.Mode
            let k = g.Layers |> Array.map (fun l -> l.MaxLevel) |> Array.max |> levelRange
            let lnC = g.Layers |> Array.map (fun l -> CompressionCounts.LogBinomial(l.Positions, l.Kept))
            let kept = g.Layers |> Array.map (fun l -> float l.Kept)
            let choices = GenBounds.Verification.Guha2023.Framework.gridChoices g + (g.Layers |> Array.sumBy (fun l -> log (float l.Positions + 1.0)))
            let delta = boundDelta * exp (-choices)
            let b =
                Bindings.ofScalars [ "Lhat_gamma", g.LhatGamma; "r", 2.0 * k; "m", float lab.Train.Count; "delta", delta ]
                |> Bindings.vector "lnC" lnC |> Bindings.vector "J" kept
            let naive = Array.sum lnC + Array.sum kept * log (2.0 * k)
            GenBounds.Verification.Guha2023.Framework.heldOutEvidence lab run g allowances b
            |> Evidence.withMeasured [ "naive count (nats)", naive; "support share", Array.sum lnC / naive; "ln(1/delta)", -(log delta) ]
            |> Evidence.withNotes [ sprintf "r = 2K = %g non-zero levels (K the smallest power of two covering every layer); union over the steps, K and J_l: delta = 0.1 x e^-%.4g" (2.0 * k) choices ])

/// The appendix's lemmas.
let lemmas =
    [ Lemma.create P.cc1 P.cc1Mutants cc1
      Lemma.create P.lc1 P.lc1Mutants lc1
      Lemma.create P.lc1Kappa P.lc1KappaMutants lc1Kappa
      Lemma.create P.lc2 P.lc2Mutants lc2
      Lemma.create P.lc3 P.lc3Mutants (networkErrorKappa false)
      Lemma.create P.lc4 P.lc4Mutants (networkErrorKappa true)
      Lemma.create P.lc4Code P.lc4CodeMutants lc4Code
      Lemma.create P.td1 P.td1Mutants td1
      Lemma.create P.ld1 P.ld1Mutants ld1
      Lemma.create P.ld2 P.ld2Mutants ld2
      Lemma.create P.ld3 P.ld3Mutants ld3 ]
