/// Experiments for Guha et al. (2023) §5.2–5.4 and App. E (GenBounds.Proofs.Guha2023.Sketching): the distributed
/// sparsity of pruned layers and the balls-into-bins bound behind it, and Theorem 5.2 — the reconstructed explicit bound
/// on the sketched pruned network, the authors' proxy, and the count comparison with Lemma D.1. The recovery items are
/// in SketchRecovery.fs.
module GenBounds.Verification.Guha2023.Sketching

open System
open GenBounds.Compression
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
module P = GenBounds.Proofs.Guha2023.Sketching

/// GUHA-D5.1: the sparsity profile of pruned layers (diagonal kept, as the paper's rule says).
let d51 =
    Experiment.create [ "zeroDiag"; "j_r"; "j_c"; "J"; "h_l" ] (fun lab run ->
        let draws = allow lab "layer-draws" lab.Budget.Trials 1.0 1 "pruned layers per layer"
        let instances =
            Lab.memo lab (sprintf "guha2023/d51/%s/%d" run.Mode.StreamName draws.Count) (fun () ->
                [ for l in 0 .. lab.Network.Layers.Length - 1 do
                    let layer = lab.Network.Layers.[l]
                    for t in 0 .. draws.Count - 1 ->
                        let rng = run.Stream(lab, sprintf "layer-%d/trial-%d" l t)
                        let w = weightsFor lab run.Mode l rng
                        let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psiOf w, DiagonalPolicy.Keep, rng.Split "mask")
                        let p = SparsityStats.Profile(ReadOnlySpan(pruned w mask), layer.Out, layer.In)
                        { Evidence.instance
                              (Bindings.ofScalars [ "zeroDiag", float p.ZeroDiagonal.Length; "j_r", float p.MaxRowCount; "j_c", float p.MaxColCount; "J", float p.NonZeros; "h_l", float layer.Out ])
                              rng.Seed (sprintf "layer %d" (l + 1)) with
                            Layer = Some(l + 1); Trial = Some t } ])
        Evidence.ofInstances instances
        |> Evidence.withCaps [ draws ]
        |> Evidence.withNotes [ sprintf "d = %g, diagonal kept (paper's rule); rectangular layers are not padded" d ])

/// GUHA-LE.1: throwing χ(d) h_l h_{l−1} balls into h_l bins per layer shape, the largest load against the Bernstein
/// form. No weights are involved, so both modes throw balls, from different streams.
let le1 =
    Experiment.create [ "maxLoad"; "n"; "n_b"; "delta" ] (fun lab run ->
        let chi = MagnitudePruning.KeepProbabilityGaussian d
        let rows =
            Lab.memo lab (sprintf "guha2023/le1/%s/%d" run.Mode.StreamName lab.Budget.Trials) (fun () ->
                [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                    let layer = lab.Network.Layers.[l]
                    let bins = layer.Out
                    let balls = int (round (chi * float layer.Out * float layer.In))
                    let allowance = allow lab "mask-draws" lab.Budget.Trials (float (max 1 balls)) 100 (sprintf "layer %d balls-into-bins trials" (l + 1))
                    let loads = Array.zeroCreate<int> bins
                    let instances =
                        [ for t in 0 .. allowance.Count - 1 ->
                            let rng = run.Stream(lab, sprintf "layer-%d/trial-%d" l t)
                            Array.fill loads 0 bins 0
                            for _ in 1 .. balls do
                                let b = rng.NextInt bins
                                loads.[b] <- loads.[b] + 1
                            { Evidence.instance (Bindings.ofScalars [ "maxLoad", float (Array.max loads); "n", float bins; "n_b", float balls; "delta", epsilon ]) rng.Seed (sprintf "layer %d dims" (l + 1)) with
                                Layer = Some(l + 1); Trial = Some t } ]
                    let mu = float balls / float bins
                    let maxima = instances |> List.map (fun i -> scalarOf "maxLoad" i.Bindings) |> Array.ofList
                    Evidence.setting (sprintf "layer %d: %d balls in %d bins" (l + 1) balls bins) instances,
                    Figure.Histogram(sprintf "%s: max load, %d balls in %d bins" run.Mode.StreamName balls bins, "max load", maxima,
                                     [ "mean load", mu; "Bernstein bound", mu + SparsityStats.BallsIntoBinsDeviation(bins, float balls, epsilon) ]),
                    allowance ])
        Evidence.ofSettings (rows |> List.map (fun (s, _, _) -> s))
        |> Evidence.withFigures (rows |> List.map (fun (_, f, _) -> f))
        |> Evidence.withCaps (rows |> List.map (fun (_, _, a) -> a))
        |> Evidence.withNotes [ "LE.1 involves no weights: both modes throw chi(d) h_l h_{l-1} balls into h_l bins, from different streams" ])

/// GUHA-L5.1: per layer, masks of the pruned layer (synthetic: each off-diagonal entry kept with probability χ(d),
/// equal in law under A3.1; real: the conditional keep probabilities of the trained weights), the largest row and column
/// counts against the Markov + balls-into-bins bound, with the exact law of the maximum row count in the figure.
let l51 =
    Experiment.create [ "j_r"; "j_c"; "epsilon_M"; "delta_r"; "delta_c"; "d"; "Psi"; "h_l"; "h_{l-1}" ] (fun lab run ->
        let chi = MagnitudePruning.KeepProbabilityGaussian d
        let third = epsilon / 3.0
        let rows =
            Lab.memo lab (sprintf "guha2023/l51/%s/%d" run.Mode.StreamName lab.Budget.Trials) (fun () ->
                [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                    let layer = lab.Network.Layers.[l]
                    let rows, cols = layer.Out, layer.In
                    // The diagonal is kept (probability 1) in both spaces.
                    let keep =
                        match run.Mode with
                        | CheckMode.Synthetic -> Array.init (rows * cols) (fun idx -> if idx / cols = idx % cols then 1.0 else chi)
                        | CheckMode.RealNetwork -> MagnitudePruning.KeepProbabilities(ReadOnlySpan layer.Weight, rows, cols, d, psiOf layer.Weight, DiagonalPolicy.Keep)
                    let allowance = allow lab "mask-draws" lab.Budget.Trials (float (rows * cols)) 100 (sprintf "layer %d mask trials" (l + 1))
                    let rowC = Array.zeroCreate<int> rows
                    let colC = Array.zeroCreate<int> cols
                    let b0 = Bindings.ofScalars [ "d", d; "Psi", psiOf layer.Weight; "h_l", float rows; "h_{l-1}", float cols; "epsilon_M", third; "delta_r", third; "delta_c", third ]
                    let instances =
                        [ for t in 0 .. allowance.Count - 1 ->
                            let rng = run.Stream(lab, sprintf "layer-%d/trial-%d" l t)
                            Array.fill rowC 0 rows 0
                            Array.fill colC 0 cols 0
                            for i in 0 .. rows - 1 do
                                for j in 0 .. cols - 1 do
                                    if rng.NextDouble() < keep.[i * cols + j] then
                                        rowC.[i] <- rowC.[i] + 1
                                        colC.[j] <- colC.[j] + 1
                            { Evidence.instance (b0 |> Bindings.scalar "j_r" (float (Array.max rowC)) |> Bindings.scalar "j_c" (float (Array.max colC))) rng.Seed (sprintf "layer %d" (l + 1)) with
                                Layer = Some(l + 1); Trial = Some t } ]
                    let exactQ99 = Seq.initInfinite id |> Seq.find (fun k -> SparsityStats.MaxLineCountCdf(rows, cols, min rows cols, chi, k) >= 0.99)
                    Evidence.setting (sprintf "layer %d (%dx%d)" (l + 1) rows cols) instances,
                    Figure.Histogram(sprintf "%s layer %d: observed j_r" run.Mode.StreamName (l + 1), "j_r", instances |> List.map (fun i -> scalarOf "j_r" i.Bindings) |> Array.ofList,
                                     [ "exact 99% quantile under A3.1", float exactQ99; "code predictor 3 chi h_in", 3.0 * chi * float cols ]),
                    allowance ])
        Evidence.ofSettings (rows |> List.map (fun (s, _, _) -> s))
        |> Evidence.withFigures (rows |> List.map (fun (_, f, _) -> f))
        |> Evidence.withCaps (rows |> List.map (fun (_, _, a) -> a))
        |> Evidence.withFailedAssumptions (failedAssumptions lab run.Mode)
        |> Evidence.withNotes
            [ sprintf "d = %g, eps_M = delta_r = delta_c = %g; synthetic masks drawn as Bernoulli(chi(d)) (equal in law under A3.1); real masks from the conditional keep probabilities" d third ])

/// The per-layer recovery-failure allowance of a layer whose decoding was not verified (the T5.1 target).
let recoveryAllowance = 0.05

/// One layer of a pruned and rounded network described by its sketch Y = A W̃ Bᵀ (A: s×h_l, B: s×h_{l−1}, column-regular,
/// δ_s = ⌈ln p_l⌉, p_l = max side): the side, the sketch's level range K = max|Y|/ρ, whether decoding was verified, and
/// the layer's own counts for Lemma D.1.
type SketchedLayer =
    { Side: int
      J: int
      P: int
      SketchLevels: int64
      Verified: bool
      How: string
      Kept: int64
      Positions: int64
      MaxLevel: int64 }

/// Whether the 0/1 matrix has full column rank: the Gram matrix MᵀM (counts of shared rows, exact) has no zero
/// eigenvalue (relative threshold 1e-10). Then the ℓ1 program's feasible
/// set is one point and decoding is exact.
let private injective (lab: Lab) (m: BipartiteMatrix) =
    if m.Rows < m.Cols then false
    else
        let n = m.Cols
        let gram = Array.zeroCreate<float> (n * n)
        let byRow = Array.init m.Rows (fun _ -> ResizeArray<int>())
        m.ColumnRows |> Seq.iteri (fun j rows -> for r in rows do byRow.[r].Add j)
        for cols in byRow do
            for a in cols do
                for b in cols do gram.[a * n + b] <- gram.[a * n + b] + 1.0
        // The Gram matrix is symmetric PSD: its eigenvalues are its singular values (ascending).
        let struct (ev, _) = lab.LinearAlgebra.SymmetricEigen(ReadOnlySpan gram, n, false)
        ev.[0] > 1e-10 * ev.[n - 1]

/// Sketches one rounded layer w (rows×cols, entries on stepρ·ℤ) at c_s with A, B from `rng` (streams "A" and "B"):
/// decoding is verified by rank when both matrices are injective, by the two-stage ℓ1 decoder on small layers, and
/// otherwise left to the T5.1 allowance.
let sketchLayer (lab: Lab) (rng: GenBounds.Random.Rng) (w: float[]) (rows: int) (cols: int) (step: float) (cs: float) =
    let profile = SparsityStats.Profile(ReadOnlySpan(Array.map float32 w), rows, cols)
    let size = (GuhaBounds.SketchSizes([| profile |], cs)).[0]
    let deg = SketchSizing.Degree(1.0, size.P, size.Side)
    let a = Sketching.SampleBipartite(size.Side, rows, min deg size.Side, BipartiteConvention.RightRegular, rng.Split "A")
    let b = Sketching.SampleBipartite(size.Side, cols, min deg size.Side, BipartiteConvention.RightRegular, rng.Split "B")
    let k = int64 (Math.Round(Sketching.SketchMaxAbs(a, b, ReadOnlySpan w) / step))
    let verified, how =
        if injective lab a && injective lab b then true, "A and B injective"
        elif rows * cols <= 4096 then
            let struct (exact, _) = L1Recovery.TryRecoverExactly(a, b, ReadOnlySpan w)
            exact, (if exact then "two-stage l1 decoding exact" else "two-stage l1 decoding missed")
        else false, "not verified (too large for the LP decoder here)"
    let counts = CompressionCounts.Levels(ReadOnlySpan w, step)
    { Side = size.Side; J = size.J; P = size.P; SketchLevels = max 1L k; Verified = verified; How = how
      Kept = counts.Kept; Positions = counts.Positions; MaxLevel = max 1L counts.MaxLevel }

/// Every layer of g (trial 0 of the whole-network trials) sketched at c_s, with A, B from the streams
/// verify/guha2023/sketched-net/MODE/layer-l (the helper string: drawn independently of the data).
let sketchedNet (lab: Lab) (mode: CheckMode) (cs: float) =
    let g, allowances = prunedClassifier lab mode
    let layers =
        Lab.memo lab (sprintf "guha2023/sketched-net/%s/%g" mode.StreamName cs) (fun () ->
            g.Rounded |> Array.mapi (fun l w ->
                let layer = lab.Network.Layers.[l]
                sketchLayer lab (Lab.stream lab paperId "sketched-net" mode (sprintf "layer-%d" l)) w layer.Out layer.In g.Steps.[l] cs))
    g, layers, allowances

/// The union-bound weight of a sketched class's data-dependent choices, in nats: the level range K_l and side s_l of
/// every layer (prior 1/(K(K+1)), 1/(s(s+1))) and each step among `stepGridSize` powers of two.
let sketchChoices (layers: SketchedLayer[]) =
    layers |> Array.sumBy (fun l -> log (float l.SketchLevels * (float l.SketchLevels + 1.0)) + log (float l.Side * (float l.Side + 1.0)) + log (float stepGridSize))

/// Σ_l s_l² ln(2K_l + 1): the sketches' reals at their levels.
let sketchCount (layers: SketchedLayer[]) = layers |> Array.sumBy (fun l -> float l.Side ** 2.0 * log (2.0 * float l.SketchLevels + 1.0))

/// GUHA-T5.2: the held-out error of g (the decoded net, equal to g where decoding was verified) against the explicit
/// bound with Σ s_l² ln(2K_l + 1) and δ = 0.1 × the union weights of the data-dependent K_l, s_l and steps.
let t52 =
    Experiment.create [ "L0g"; "Lhat_2gamma"; "s"; "r"; "epsilon"; "m"; "delta" ] (fun lab run ->
        let cs = run.Parameter "c_s"
        let g, layers, allowances = sketchedNet lab run.Mode cs
        let eps = layers |> Array.map (fun l -> if l.Verified then 0.0 else recoveryAllowance)
        // The engine's explicit form (its HonestComplexity = sketchCount + sketchChoices), for the report.
        let bound =
            GuhaBounds.ExplicitT52([| for l in layers -> LayerSketchSize(0, 0, 0, l.Kept, l.J, l.P, l.Side) |], [| for l in layers -> l.SketchLevels |], stepGridSize, g.Lhat2Gamma,
                                   int64 lab.Train.Count, boundDelta, eps)
        let b =
            Bindings.ofScalars [ "Lhat_2gamma", g.Lhat2Gamma; "m", float lab.Train.Count; "delta", boundDelta * exp (-(sketchChoices layers)) ]
            |> Bindings.vector "s" (layers |> Array.map (fun l -> float l.Side))
            |> Bindings.vector "r" (layers |> Array.map (fun l -> 2.0 * float l.SketchLevels + 1.0))
            |> Bindings.vector "epsilon" eps
        let setting = Evidence.heldOut "held-out error of the decoded net" "L0g" g.HeldOutErrors g.HeldOut b { Evidence.instance b g.Seed "pruned, rounded and sketched net of trial 0" with Trial = Some 0 }
        Evidence.ofSettings [ setting ]
        |> Evidence.withCaps allowances
        |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
        |> Evidence.withMeasured
            [ "q = sum s_l^2", float bound.Q; "complexity (nats)", bound.HonestComplexity; "catalog q ln r (nats)", bound.CatalogComplexity; "deviation", bound.Deviation; "bound", bound.Bound
              "dense weights", float (layers |> Array.sumBy (fun l -> l.Positions)); "non-zeros", float (layers |> Array.sumBy (fun l -> l.Kept)) ]
        |> Evidence.withNotes
            [ sprintf "c_s = %g; per layer (side s, j, p, sketch levels K, decoding): %s" cs
                  (String.Join("; ", layers |> Array.mapi (fun i l -> sprintf "layer %d: s = %d, j = %d, p = %d, K = %d, %s" (i + 1) l.Side l.J l.P l.SketchLevels l.How)))
              sprintf "g = pruned (d = %g) and rounded net of trial 0, gamma = %.4g; confidence 1 - delta - sum eps_l with eps_l = %g for layers whose decoding was not verified" d g.Gamma recoveryAllowance
              sprintf "the sketches store %d reals against %d non-zeros and %d dense weights" bound.Q (layers |> Array.sumBy (fun l -> l.Kept)) (layers |> Array.sumBy (fun l -> l.Positions)) ])

/// GUHA-T5.2-code: the authors' proxy on the lab's network (real) or a Gaussian net of its shape (synthetic), against
/// the held-out error of the pruned net.
let t52Code =
    Experiment.create [ "L0g"; "LhatStar"; "n"; "p"; "dStar"; "m" ] (fun lab run ->
        let net =
            match run.Mode with
            | CheckMode.RealNetwork -> lab.Network
            | CheckMode.Synthetic ->
                let ws = networkWeights lab run.Mode "code-proxy"
                let net = GenBounds.Networks.Mlp(GenBounds.Networks.MlpArchitecture(lab.Network.Architecture.LayerSizes, false))
                ws |> Array.iteri (fun l w -> Array.blit w 0 net.Layers.[l].Weight 0 w.Length)
                net
        let rng = run.Stream(lab, "proxy")
        let r = Lab.memo lab ("guha2023/code-proxy/" + run.Mode.StreamName) (fun () -> GuhaCodeProxy.Compute(net, lab.Train, lab.Test, rng, lab.LinearAlgebra))
        let errors = int (Math.Round(r.PrunedTestError * float lab.Test.Count))
        let layers = lab.Network.Layers
        let b =
            Bindings.ofScalars [ "LhatStar", r.MarginLoss; "dStar", r.D; "m", float r.M ]
            |> Bindings.vector "n" (layers |> Array.map (fun l -> float (l.Out * l.In)))
            |> Bindings.vector "p" (layers |> Array.map (fun l -> float (max l.Out l.In)))
        Evidence.ofSettings [ Evidence.heldOut "held-out error of the pruned net" "L0g" errors lab.Test.Count b (Evidence.instance b rng.Seed "the code's final mask") ]
        |> Evidence.withMeasured
            [ "smallest training margin", r.MinTrainMargin; "d", r.D; "needed margin gamma*(d)", r.NeededMargin; "margin loss", r.MarginLoss; "complexity term", r.ComplexityTerm
              "proxy bound", r.Bound; "ln proxy (the table's scale)", r.LogBound; "pruned test error", r.PrunedTestError ]
        |> Evidence.withNotes
            [ sprintf "kappa_l (code, m = %d): %s; bisection %s after %d evaluations; max ||x|| = %.4g" r.M (String.Join(", ", r.Kappas |> Array.map (sprintf "%.3g")))
                  (if r.RootBracketed then "bracketed" else "not bracketed (scipy would raise; d = 10 reported)") r.Evaluations r.MaxInputNorm
              (if r.MinTrainMargin <= 0.0 then "the smallest training margin is <= 0: the code then uses d = 0 (no pruning)" else sprintf "d = %.4g, gamma*(d) = %.4g" r.D r.NeededMargin)
              (if run.Mode = CheckMode.Synthetic then "synthetic: a bias-free Gaussian net of the trained net's shape and layer variances (A3.1), untrained" else "real: the trained net; biases are ignored by the proxy, as in the code") ])

/// GUHA-T5.2-vs-LD.1: the two counts of g (trial 0) at c_s = 1.
let t52VsLd1 =
    Experiment.create [ "s"; "r"; "lnC"; "J"; "rN" ] (fun lab run ->
        let g, layers, allowances = sketchedNet lab run.Mode 1.0
        let lnC = layers |> Array.map (fun l -> CompressionCounts.LogBinomial(l.Positions, l.Kept))
        let b =
            Bindings.empty
            |> Bindings.vector "s" (layers |> Array.map (fun l -> float l.Side))
            |> Bindings.vector "r" (layers |> Array.map (fun l -> 2.0 * float l.SketchLevels + 1.0))
            |> Bindings.vector "lnC" lnC
            |> Bindings.vector "J" (layers |> Array.map (fun l -> float l.Kept))
            |> Bindings.vector "rN" (layers |> Array.map (fun l -> 2.0 * float l.MaxLevel))
        let sketch = sketchCount layers
        let naive = Array.sum lnC + (layers |> Array.sumBy (fun l -> float l.Kept * log (2.0 * float l.MaxLevel)))
        Evidence.ofInstances [ Evidence.instance b g.Seed "pruned and rounded net of trial 0" ]
        |> Evidence.withCaps allowances
        |> Evidence.withMeasured [ "sketch count (nats)", sketch; "naive count (nats)", naive; "ratio", sketch / naive ]
        |> Evidence.withNotes [ sprintf "c_s = 1; sum_l s_l^2 = %d reals against %d non-zeros and %d dense weights" (layers |> Array.sumBy (fun l -> int64 l.Side * int64 l.Side)) (layers |> Array.sumBy (fun l -> l.Kept)) (layers |> Array.sumBy (fun l -> l.Positions)) ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.d51 P.d51Mutants d51
      Lemma.create P.l51 P.l51Mutants l51
      Lemma.create P.le1 P.le1Mutants le1
      Lemma.create P.t52 P.t52Mutants t52
      Lemma.create P.t52Code P.t52CodeMutants t52Code
      Lemma.create P.t52VsLd1 [] t52VsLd1 ]
