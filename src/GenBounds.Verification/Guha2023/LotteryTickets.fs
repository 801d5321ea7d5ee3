/// Experiments for Guha et al. (2023) §6 (GenBounds.Proofs.Guha2023.LotteryTickets): a toy of Theorem 6.1 (Malach et
/// al.'s approximation by a weight-subnetwork of a random network, d_in = n = 2, depth 1) and Theorem 6.2's arithmetic
/// with the sketch sizes of tickets — the toy's ticket on its own random model (synthetic) and the tickets of a small
/// iterative-magnitude-pruning run on S (real).
module GenBounds.Verification.Guha2023.LotteryTickets

open System
open GenBounds.Compression
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Symbolic
open GenBounds.Training
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
open GenBounds.Verification.Guha2023.Sketching
module P = GenBounds.Proofs.Guha2023.LotteryTickets

/// ε and δ of the toy (T6.1's statement binds them).
let toyEpsilon, toyDelta = 0.1, 0.05

/// ‖M‖₂ of a row-major 2×2 matrix: σ_max² = (T + √(T² − 4 det²))/2 with T = ‖M‖_F².
let private norm2x2 (m: float[]) =
    let t = Array.sumBy (fun v -> v * v) m
    let det = m.[0] * m.[3] - m.[1] * m.[2]
    sqrt ((t + sqrt (max 0.0 (t * t - 4.0 * det * det))) / 2.0)

/// W scaled onto the boundary of Malach et al.'s constraints ‖W‖₂ ≤ 1, |W|_max ≤ 1/√n_in (n_in = 2): the hardest
/// admissible scale.
let toyTarget (w: float[]) =
    let c = max (norm2x2 w) (sqrt 2.0 * Array.max (Array.map abs w))
    w |> Array.map (fun v -> v / c)

/// The weight-subnetwork of the toy: for every target weight W_kj and each sign of x_j, the unused hidden unit i whose
/// first-layer weight a_ij has that sign and whose product a_ij b_ki is closest to W_kj; every other weight of G is
/// pruned. Units: (k, j, a, b) per slot (None where no unit was left).
type ToyTicket =
    { Units: (int * int * float * float) option[]
      Width: int }

    /// Non-zero weights of the subnetwork (two per kept unit).
    member t.Active = 2 * (t.Units |> Array.filter Option.isSome |> Array.length)

    /// The same units with a and b rounded to the grid ρℤ (the discretised ticket).
    member t.Rounded(step: float) =
        { t with Units = t.Units |> Array.map (Option.map (fun (k, j, a, b) -> k, j, Rounding.RoundToGrid(a, step), Rounding.RoundToGrid(b, step))) }

    /// sup over ‖x‖ ≤ 1 of max_k |G̃(x)_k − (W x)_k|, exact: G̃(x)_k − (Wx)_k = Σ_j x_j e_kj(sign x_j) is linear on each
    /// quadrant σ, where x = σ∘u with u ≥ 0 and the supremum of ±u·v over the unit ball is ‖v₊‖ or ‖v₋‖ (v_j = σ_j e_kj(σ_j)).
    member t.SupError(w: float[]) =
        if t.Units |> Array.exists Option.isNone then infinity
        else
            let e k j s = let _, _, a, b = t.Units.[(k * 2 + j) * 2 + s].Value in a * b - w.[k * 2 + j]
            seq {
                for k in 0 .. 1 do
                    for pattern in 0 .. 3 do
                        let v = Array.init 2 (fun j -> let negative = (pattern >>> j) &&& 1 = 1 in (if negative then -1.0 else 1.0) * e k j (if negative then 1 else 0))
                        yield sqrt (v |> Array.sumBy (fun z -> if z > 0.0 then z * z else 0.0))
                        yield sqrt (v |> Array.sumBy (fun z -> if z < 0.0 then z * z else 0.0)) }
            |> Seq.max

    /// G̃(x) on a point of the plane.
    member t.Apply(x0: float, x1: float) =
        let out = Array.zeroCreate<float> 2
        for u in t.Units do
            match u with
            | Some(k, j, a, b) -> out.[k] <- out.[k] + b * max 0.0 (a * (if j = 0 then x0 else x1))
            | None -> ()
        out

    /// The ticket's two layers as dense matrices (Width×2 and 2×Width, row-major).
    member t.Layers =
        let first = Array.zeroCreate<float> (t.Width * 2)
        let second = Array.zeroCreate<float> (2 * t.Width)
        // Slot s of the construction owns unit index `unit` (recorded by construction order below).
        t.Units |> Array.iteri (fun slot u ->
            match u with
            | Some(k, j, a, b) ->
                first.[slot * 2 + j] <- a
                second.[k * t.Width + slot] <- b
            | None -> ())
        first, second

/// Builds the toy ticket of a random G of width D (U[−1, 1] weights from `rng`) for the target w. The kept units are
/// renumbered 0..7 in slot order: a pruned network's unused hidden units carry no weight, so their order is immaterial.
let toyTicket (width: int) (w: float[]) (rng: Rng) =
    let a = Array.init (width * 2) (fun _ -> 2.0 * rng.NextDouble() - 1.0)
    let b = Array.init (2 * width) (fun _ -> 2.0 * rng.NextDouble() - 1.0)
    let used = Array.zeroCreate<bool> width
    let units =
        [| for k in 0 .. 1 do
             for j in 0 .. 1 do
                 for s in 0 .. 1 ->
                     let mutable best, bi = infinity, -1
                     for i in 0 .. width - 1 do
                         let aij = a.[i * 2 + j]
                         if not used.[i] && (if s = 0 then aij > 0.0 else aij < 0.0) then
                             let err = abs (aij * b.[k * width + i] - w.[k * 2 + j])
                             if err < best then
                                 best <- err
                                 bi <- i
                     if bi < 0 then None
                     else
                         used.[bi] <- true
                         Some(k, j, a.[bi * 2 + j], b.[k * width + bi]) |]
    { Units = units; Width = max width 8 }

/// The real-mode target: rows 0, 1 of the trained first layer at its two input columns of largest norm, scaled onto the
/// constraint boundary (fixed by the network, so computed once per lab).
let private trainedTarget (lab: Lab) =
    Lab.memo lab "guha2023/t61/trained-target" (fun () ->
        let layer = lab.Network.Layers.[0]
        let colNorm = Array.zeroCreate<float> layer.In
        for i in 0 .. layer.Out - 1 do
            for j in 0 .. layer.In - 1 do
                let v = float layer.Weight.[i * layer.In + j]
                colNorm.[j] <- colNorm.[j] + v * v
        let cols = Array.init layer.In id |> Array.sortByDescending (fun j -> colNorm.[j]) |> Array.take 2 |> Array.sort
        let rows = [| 0; min 1 (layer.Out - 1) |]
        toyTarget [| for i in rows do for j in cols -> float layer.Weight.[i * layer.In + j] |])

/// The target of a mode: synthetic a fresh U[−1/√2, 1/√2] matrix per trial, scaled onto the constraint boundary; real
/// the trained target.
let private targetOf (lab: Lab) (mode: CheckMode) (rng: Rng) =
    match mode with
    | CheckMode.Synthetic -> toyTarget (Array.init 4 (fun _ -> (2.0 * rng.NextDouble() - 1.0) / sqrt 2.0))
    | CheckMode.RealNetwork -> trainedTarget lab

/// GUHA-T6.1: per trial a fresh G of the statement's width D and the toy construction's sup error.
let t61 =
    Experiment.create [ "supErr"; "epsilon"; "delta"; "activeWeights" ] (fun lab run ->
        let width = int (run.Parameter "D")
        let n = Budget.cheapTrials lab.Budget
        let instances =
            Lab.memo lab (sprintf "guha2023/t61/%s/%d/%d" run.Mode.StreamName width n) (fun () ->
                [ for t in 0 .. n - 1 ->
                    let rng = run.Stream(lab, sprintf "trial-%d" t)
                    let w = targetOf lab run.Mode (rng.Split "target")
                    let ticket = toyTicket width w (rng.Split "G")
                    { Evidence.instance (Bindings.ofScalars [ "supErr", ticket.SupError w; "epsilon", toyEpsilon; "delta", toyDelta; "activeWeights", float ticket.Active ]) rng.Seed (sprintf "width %d" width) with
                        Trial = Some t } ])
        let errs = instances |> List.map (fun i -> scalarOf "supErr" i.Bindings) |> Array.ofList
        Evidence.ofInstances instances
        |> Evidence.withMeasured [ "median sup error", (Stats.summary errs).Median; "95% quantile", fst (Stats.quantileInterval errs 0.95 Checker.confidence) ]
        |> Evidence.withFigures [ Figure.Histogram(sprintf "%s: sup error of the toy ticket, width %d" run.Mode.StreamName width, "sup_x max_k |Gtilde(x)_k - F(x)_k|", errs |> Array.filter Double.IsFinite, [ "epsilon", toyEpsilon ]) ]
        |> Evidence.withNotes
            [ sprintf "G: 2 -> %d -> 2 ReLU net, weights U[-1, 1]; target F(x) = W x, %s; %d trials (fresh G each)" width
                  (if run.Mode = CheckMode.Synthetic then "W ~ U[-1/sqrt 2, 1/sqrt 2]^(2x2) per trial" else "W = rows 1-2 of the trained first layer at its two input columns of largest norm")
                  n
              "both targets scaled onto the constraint boundary max(||W||_2, sqrt(2) |W|_max) = 1" ])

/// The synthetic T6.2 setting: the toy's ticket (width 100) classifying x uniform on the unit disk by argmax F(x) with
/// 10% of the labels flipped, discretised on the grid 2⁻¹⁰ℤ (fixed in advance), m = 10⁶ training points, 10⁵ held-out.
let private toyT62 (lab: Lab) (run: Run) (cs: float) =
    let width, m, held, flip, step = 100, 1_000_000, 100_000, 0.1, 2.0 ** -10.0
    let rng = run.Stream(lab, "toy")
    let w = targetOf lab CheckMode.Synthetic (rng.Split "target")
    let ticket = (toyTicket width w (rng.Split "G")).Rounded step
    let gamma = ticket.SupError w
    let draw (r: Rng) =
        let mutable x0, x1 = 1.0, 1.0
        while x0 * x0 + x1 * x1 > 1.0 do
            x0 <- 2.0 * r.NextDouble() - 1.0
            x1 <- 2.0 * r.NextDouble() - 1.0
        let f0, f1 = w.[0] * x0 + w.[1] * x1, w.[2] * x0 + w.[3] * x1
        let y = if f0 >= f1 then 0 else 1
        let y = if r.NextDouble() < flip then 1 - y else y
        x0, x1, y, (if y = 0 then f0 - f1 else f1 - f0)
    let sRng = rng.Split "S"
    let mutable loss = 0
    for _ in 1 .. m do
        let _, _, _, margin = draw sRng
        if margin <= 2.0 * gamma then loss <- loss + 1
    let hRng = rng.Split "held-out"
    let mutable errors = 0
    for _ in 1 .. held do
        let x0, x1, y, _ = draw hRng
        let out = ticket.Apply(x0, x1)
        if out.[y] - out.[1 - y] <= 0.0 then errors <- errors + 1
    let first, second = ticket.Layers
    let layers =
        [| sketchLayer lab (rng.Split "sketch-1") first ticket.Width 2 step cs
           sketchLayer lab (rng.Split "sketch-2") second 2 ticket.Width step cs |]
    let eps = layers |> Array.map (fun l -> if l.Verified then 0.0 else recoveryAllowance)
    let b =
        Bindings.ofScalars [ "Lhat_2gamma", float loss / float m; "m", float m; "delta", boundDelta * exp (-(sketchChoices layers - 2.0 * log (float stepGridSize))) ]
        |> Bindings.vector "s" (layers |> Array.map (fun l -> float l.Side))
        |> Bindings.vector "r" (layers |> Array.map (fun l -> 2.0 * float l.SketchLevels + 1.0))
        |> Bindings.vector "epsilon" eps
    Evidence.ofSettings [ Evidence.heldOut "toy ticket, held-out" "L0g" errors held b (Evidence.instance b rng.Seed (sprintf "toy ticket of width %d" width)) ]
    |> Evidence.withMeasured [ "gamma = sup |F - ticket_disc|", gamma; "sketch count (nats)", sketchCount layers; "active weights", float ticket.Active ]
    |> Evidence.withNotes
        [ sprintf "synthetic: target F(x) = W x (W ~ U[-1/sqrt 2, 1/sqrt 2]^(2x2) on the constraint boundary), the T6.1 toy ticket of a width-%d U[-1, 1] net, rounded to 2^-10 Z (fixed in advance); x uniform on the unit disk, y = argmax F(x) with %g%% flipped; m = %d, %d held-out" width (100.0 * flip) m held
          sprintf "sketches (c_s = %g): %s" cs (String.Join("; ", layers |> Array.mapi (fun i l -> sprintf "layer %d: s = %d, j = %d, p = %d, K = %d, %s" (i + 1) l.Side l.J l.P l.SketchLevels l.How))) ]

/// Frankle & Carbin's per-round rates: 20% of every hidden layer and 10% of the output layer.
let private impFractions (depth: int) = Array.init depth (fun l -> if l = depth - 1 then 0.1 else 0.2)

/// A small IMP run on S (bias-free, the lab's widths): round 0 trains the dense net from θ₀, each later round prunes
/// 20%/10% by magnitude, rewinds the survivors to θ₀ and retrains under the mask (pruned weights and their Adam moments
/// stay 0); one epoch of Adam (1.2·10⁻³, batch 60) per round. Returns each round's trained ticket.
let private impTickets (lab: Lab) (seed: uint64) (rounds: int) =
    let arch = MlpArchitecture(lab.Network.Architecture.LayerSizes, false)
    let init = Trainer.Initialize(arch, seed)
    let train (net: Mlp) (masks: NetworkMasks) (round: int) =
        let opts = TrainingOptions(Epochs = 1, BatchSize = 60, LearningRate = 1.2e-3, Seed = SeedStreams.Derive(seed, sprintf "imp/round-%d" round))
        let trainer = if round = 0 then Trainer(net, opts, lab.LinearAlgebra) else Trainer(net, opts, lab.LinearAlgebra, masks)
        for _ in 1 .. opts.Epochs do trainer.TrainEpoch(lab.Train) |> ignore
        net
    let dense = train (init.Clone()) (NetworkMasks.Ones arch) 0
    let mutable masks = NetworkMasks.Ones arch
    let mutable last = dense
    [ yield dense
      for r in 1 .. rounds do
          masks <- IterativePruning.PruneRound(last, masks, impFractions arch.Depth).Masks
          last <- train (masks.Apply init) masks r
          yield last ]

/// One real T6.2 setting: a ticket rounded to ρ_l = the largest power of two ≤ RMS(non-zeros)/10, sketched at c_s.
let private ticketSetting (lab: Lab) (run: Run) (cs: float) (rounds: int) (round: int) (ticket: Mlp) =
    let n = lab.Train.Count
    let k = lab.Network.Architecture.OutputSize
    let sizes = widths lab
    let none = Array.create ticket.Layers.Length None
    let ws = ticket.Layers |> Array.map (fun l -> l.WeightAsDouble())
    let steps =
        ws |> Array.map (fun w ->
            let nz = w |> Array.filter (fun v -> v <> 0.0)
            powerOfTwoStep (sqrt (Array.averageBy (fun v -> v * v) nz) / 10.0))
    let rounded = Array.map2 (fun (w: float[]) s -> w |> Array.map (fun v -> Rounding.RoundToGrid(v, s))) ws steps
    let x = trainInputs lab
    let f = logits lab sizes ws none x n
    let g = logits lab sizes rounded none x n
    let gamma = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (f.[i] - g.[i]) })
    let margins = GenBounds.Measures.Outputs.Margins(ReadOnlySpan f, ReadOnlySpan lab.Train.Labels, k)
    let lhat = float (margins |> Array.filter (fun v -> v <= 2.0 * gamma) |> Array.length) / float n
    let gh = logits lab sizes rounded none (Array.map float lab.Test.Features) lab.Test.Count
    let errors = GenBounds.Measures.Outputs.Errors(ReadOnlySpan gh, ReadOnlySpan lab.Test.Labels, k)
    let layers =
        rounded |> Array.mapi (fun l w ->
            let layer = ticket.Layers.[l]
            sketchLayer lab (run.Stream(lab, sprintf "round-%d/layer-%d" round l)) w layer.Out layer.In steps.[l] cs)
    let eps = layers |> Array.map (fun l -> if l.Verified then 0.0 else recoveryAllowance)
    // Union over the reported rounds as well: each round's ticket is its own class.
    let delta = boundDelta * exp (-(sketchChoices layers + log (float (rounds + 1))))
    let b =
        Bindings.ofScalars [ "Lhat_2gamma", lhat; "m", float n; "delta", delta ]
        |> Bindings.vector "s" (layers |> Array.map (fun l -> float l.Side))
        |> Bindings.vector "r" (layers |> Array.map (fun l -> 2.0 * float l.SketchLevels + 1.0))
        |> Bindings.vector "epsilon" eps
    let profiles = rounded |> Array.mapi (fun l w -> SparsityStats.Profile(ReadOnlySpan(Array.map float32 w), ticket.Layers.[l].Out, ticket.Layers.[l].In))
    let spread = profiles |> Array.map (fun p -> float (max (p.MaxRowCount * p.Rows) (p.MaxColCount * p.Cols)) / float (max 1L p.NonZeros)) |> Array.max
    let kept = layers |> Array.sumBy (fun l -> l.Kept)
    let dense = layers |> Array.sumBy (fun l -> l.Positions)
    let label = sprintf "round %d (%.1f%% of the weights)" round (100.0 * float kept / float dense)
    Evidence.heldOut label "L0g" errors lab.Test.Count b (Evidence.instance b (run.Stream(lab, sprintf "round-%d" round)).Seed label),
    spread,
    [ sprintf "%d" round; sprintf "%.1f%%" (100.0 * float kept / float dense); string kept; string dense
      string (layers |> Array.sumBy (fun l -> int64 l.Side * int64 l.Side)); sprintf "%.4g" (sketchCount layers)
      sprintf "%.4g" (CompressionCounts.PrunedClass(Array.map2 (fun (w: float[]) s -> CompressionCounts.Levels(ReadOnlySpan w, s)) rounded steps, stepGridSize).Total)
      sprintf "%.3g" spread; sprintf "%d/%d" errors lab.Test.Count ]

/// GUHA-T6.2: synthetic the toy ticket; real the tickets of `imp-rounds` rounds of IMP on S, one setting per round.
let t62 =
    Experiment.create [ "L0g"; "Lhat_2gamma"; "s"; "r"; "epsilon"; "m"; "delta" ] (fun lab run ->
        let cs = run.Parameter "c_s"
        match run.Mode with
        | CheckMode.Synthetic -> Lab.memo lab (sprintf "guha2023/t62/synthetic/%g" cs) (fun () -> toyT62 lab run cs)
        | CheckMode.RealNetwork ->
            let rounds = Budget.count "imp-rounds" lab.Budget
            let rows =
                Lab.memo lab (sprintf "guha2023/t62/real/%g/%d" cs rounds) (fun () ->
                    impTickets lab (run.Stream(lab, "imp").Seed) rounds |> List.mapi (ticketSetting lab run cs rounds))
            let worstSpread = rows |> List.map (fun (_, s, _) -> s) |> List.max
            Evidence.ofSettings (rows |> List.map (fun (s, _, _) -> s))
            |> Evidence.withFailedAssumptions (if worstSpread > 2.0 then [ "even spread", sprintf "a layer's fullest row or column holds %.3g times its even share of the non-zeros" worstSpread ] else [])
            |> Evidence.withFigures
                [ Figure.Table("IMP tickets on S and their sketches (c_s = " + string cs + ")",
                               [ "round"; "weights left"; "non-zeros"; "dense"; "sum s_l^2"; "sketch count (nats)"; "honest count (nats)"; "max line / even share"; "held-out errors" ],
                               rows |> List.map (fun (_, _, r) -> r)) ]
            |> Evidence.withNotes
                [ sprintf "IMP on S (%d points): bias-free %s, %d rounds of 20%% (hidden) / 10%% (output) magnitude pruning, rewind to theta_0, 1 epoch of Adam per round; each ticket rounded to the largest power of two <= RMS(non-zeros)/10 per layer" lab.Train.Count (String.Join("-", widths lab)) rounds
                  "the sketches store more reals than the tickets have weights at every round (GUHA-T5.2-vs-LD.1); LeNet-300-100: genbounds reproduce lottery-lenet" ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.t61 P.t61Mutants t61
      Lemma.create P.t62 P.t62Mutants t62 ]
