/// Experiments for Guha et al. (2023) §5 and App. E (GenBounds.Proofs.Guha2023.Sketching): the distributed sparsity
/// of pruned layers and the balls-into-bins bound behind it. The sketch-recovery items are catalogued, not yet checkable.
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

/// The section's lemmas.
let lemmas =
    [ Lemma.notYet P.eq1
      Lemma.create P.d51 P.d51Mutants d51
      Lemma.notYet P.t51
      Lemma.notYet P.r51
      Lemma.create P.l51 P.l51Mutants l51
      Lemma.notYet P.t52
      Lemma.notYet P.de1
      Lemma.create P.le1 P.le1Mutants le1 ]
