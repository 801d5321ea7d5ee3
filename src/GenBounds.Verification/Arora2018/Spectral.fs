/// Experiments for Arora et al. (2018) §2.2 and App. A.3 (GenBounds.Proofs.Arora2018.Spectral): Theorem 2.2 (printed
/// and squared forms) by its smallest constant along input scalings, the truncation's closeness, Lemma 1 on every layer
/// and the perturbation lemma at its size limit.
module GenBounds.Verification.Arora2018.Spectral

open System
open GenBounds.Data
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
module P = GenBounds.Proofs.Arora2018.Spectral

/// The quantities of Theorem 2.2's bound for a net on its training labels and a held-out set.
type private GapQuantities =
    { Gamma: float; Lhat: float; Errors: int; HeldOut: int; MaxNormX: float; ProdA2: float; SumSrank: float; H: float; D: float; Note: string }

let private gapQuantities (lab: Lab) (net: DoubleMlp) (train: Dataset) (heldOut: Dataset) note =
    let la = lab.LinearAlgebra
    let k = classes lab
    let f = Outputs.Logits(net, ReadOnlySpan train.Features, train.Count, la)
    let margins = Outputs.Margins(ReadOnlySpan f, ReadOnlySpan train.Labels, k)
    // A small margin keeps Lhat_gamma near the training error, where a generalization gap can show.
    let positive = margins |> Array.filter (fun m -> m > 0.0)
    let gamma = if positive.Length = 0 then 1e-3 else 0.05 * median positive
    let lhat = float (margins |> Array.filter (fun m -> m <= gamma) |> Array.length) / float margins.Length
    let fh = Outputs.Logits(net, ReadOnlySpan heldOut.Features, heldOut.Count, la)
    let sv k = la.SingularValues(ReadOnlySpan net.W.[k], net.Widths.[k], net.Widths.[k - 1])
    let svs = Array.init net.Depth (fun i -> sv (i + 1))
    { Gamma = gamma; Lhat = lhat; Errors = Outputs.Errors(ReadOnlySpan fh, ReadOnlySpan heldOut.Labels, k); HeldOut = heldOut.Count
      MaxNormX = ForwardTrace.RowNorms(ReadOnlySpan(Array.map float train.Features), train.Count, train.Dimension) |> Array.max
      ProdA2 = svs |> Array.fold (fun acc s -> acc * s.[0] * s.[0]) 1.0
      SumSrank = svs |> Array.sumBy (fun s -> Array.sumBy (fun x -> x * x) s / (s.[0] * s.[0]))
      H = float (Array.max net.Widths.[1..]); D = float net.Depth; Note = note }

/// Theorem 2.2's inputs in a mode. Real: the trained net on S and the held-out set. Synthetic: a net with a large
/// generalization gap by design — the comparison net trained on S with uniformly random labels, scored on held-out
/// points with fresh random labels (the data law it was fitted to: labels independent of x).
let private quantities (lab: Lab) (mode: CheckMode) =
    Lab.memo lab ("arora2018/t22/" + mode.StreamName) (fun () ->
        match mode with
        | CheckMode.RealNetwork ->
            gapQuantities lab (network lab mode).Double lab.Train (holdout lab) "real: the trained net on S and the held-out points"
        | CheckMode.Synthetic ->
            let c = comparison lab
            let h = holdout lab
            let struct (randomHeldOut, _, _) = DatasetOps.WithRandomLabels(h, 1.0, stream lab "t22" mode "held-out-labels")
            gapQuantities lab (DoubleMlp c.Shuffled) c.ShuffledData randomHeldOut
                (sprintf "synthetic: a %s net trained by the verifier on S with uniformly random labels (%d epochs, training accuracy %.3f on them), scored on held-out points with fresh random labels: a generalization gap by design"
                     (string c.Shuffled.Architecture) c.Epochs c.ShuffledAccuracy))

let private scales = [ 1.0; 10.0; 100.0; 1000.0 ]

/// ARORA-T2.2 (printed and squared): the smallest C consistent with the held-out gap at input scales t = 1..1000.
/// Bias-free ReLU nets are positively homogeneous: inputs scaled by t scale f and the margin γ by t and leave every
/// error unchanged, so the bound must be invariant; the scales form an exact family that can be pushed arbitrarily far.
let t22 =
    Experiment.create [ "L0"; "Lhat_gamma"; "h"; "d"; "maxnormx"; "prodA2"; "sumsrank"; "gamma"; "m" ] (fun lab run ->
        let q = quantities lab run.Mode
        let settings =
            [ for t in scales ->
                let b =
                    Bindings.ofScalars
                        [ "Lhat_gamma", q.Lhat; "h", q.H; "d", q.D; "maxnormx", t * q.MaxNormX; "prodA2", q.ProdA2; "sumsrank", q.SumSrank; "gamma", t * q.Gamma; "m", float lab.Train.Count ]
                { Evidence.heldOut (sprintf "input scale t = %g" t) "L0" q.Errors q.HeldOut b (Evidence.instance b (run.Stream(lab, sprintf "scale-%g" t)).Seed (sprintf "inputs scaled by %g" t)) with
                    Dimension = Some t } ]
        { Evidence.ofSettings settings with ExactScaling = true }
        |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
        |> Evidence.withMeasured [ "gamma", q.Gamma; "Lhat_gamma", q.Lhat; "held-out error", float q.Errors / float q.HeldOut ]
        |> Evidence.withNotes
            [ q.Note
              sprintf "gamma = 5%% of the median positive training margin (%.4g); the gap is the held-out error (%d points) - Lhat_gamma on S (%d points)" q.Gamma q.HeldOut lab.Train.Count
              "scaling (exact, homogeneity): C_min(t)/C_min(1) = sqrt(t) for the printed form, 1 for the squared form" ])

/// ARORA-T2.2-closeness: ‖f(x) − g(x)‖ of the truncation on every training point and on held-out points with
/// ‖x‖ ≤ max_S ‖x‖, against γ; App. A.3's parameter count as printed and corrected is reported.
let t22Closeness =
    Experiment.create [ "err"; "gamma"; "delta"; "d" ] (fun lab run ->
        let tr = truncation lab run.Mode
        let seed = run.Stream(lab, "").Seed
        let net = network lab run.Mode
        let d = float net.Depth
        let b0 = Bindings.ofScalars [ "gamma", tr.Gamma; "delta", tr.Delta; "d", d ]
        let instances =
            [ for i, e in Array.indexed tr.TrainErr -> { Evidence.instance (Bindings.scalar "err" e b0) seed "training point" with Sample = Some i }
              for i, e in Array.indexed tr.HoldErr -> { Evidence.instance (Bindings.scalar "err" e b0) seed "held-out point" with Sample = Some i } ]
        let storedParams = Seq.sum (seq { for l in 1 .. net.Depth -> float tr.Ranks.[l] * float (net.Rows.[l] + net.Cols.[l] + 1) })
        let sumSrank = Seq.sum (seq { for l in 1 .. net.Depth -> let s = singularValues lab run.Mode l in Array.sumBy (fun x -> x * x) s / (s.[0] * s.[0]) })
        let h = float (Array.max net.Rows)
        let countCorrected = 2.0 * Math.E ** 2.0 * d * d * h * tr.MaxNormX ** 2.0 * tr.ProdNorm ** 2.0 * sumSrank / tr.Gamma ** 2.0
        let countPrinted = countCorrected * tr.Gamma ** 2.0
        let slack = tr.TrainErr |> Array.filter (fun e -> e > 0.0) |> Array.map (fun e -> tr.Gamma / e)
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
        |> Evidence.withMeasured [ "gamma", tr.Gamma; "delta", tr.Delta; "q", storedParams; "count (A.3 with 1/gamma^2)", countCorrected; "count (A.3 as printed)", countPrinted ]
        |> Evidence.withFigures (if slack.Length > 0 then [ Figure.Histogram(sprintf "%s: gamma / ||f(x) - g(x)|| on S" run.Mode.StreamName, "slack", slack, [ "bound attained", 1.0 ]) ] else [])
        |> Evidence.withNotes
            [ sprintf "%d training + %d held-out points (held-out kept when ||x|| <= max_S ||x|| = %.4g); ranks %s; stored parameters q = sum r_i (h_in + h_out + 1) = %.6g vs %d dense"
                  lab.Train.Count tr.HoldErr.Length tr.MaxNormX (String.Join(",", tr.Ranks.[1..])) storedParams (Seq.sum (seq { for l in 1 .. net.Depth -> net.Rows.[l] * net.Cols.[l] }))
              sprintf "PAPER-ISSUE: App. A.3 count 2e^2 d^2 h ||x||^2 prod ||A||^2 sum srank lacks 1/gamma^2: printed %.4g vs corrected %.4g (gamma = %.4g)" countPrinted countCorrected tr.Gamma ])

let private l1Deltas = [ 0.05; 0.1; 0.2; 0.5 ]

/// ARORA-L1 (both parts): every layer truncated at δ ∈ {0.05, 0.1, 0.2, 0.5}; at δ = 0.1 ‖Â − A‖₂ is recomputed by an
/// SVD of the difference, elsewhere it is the largest removed singular value.
let l1 =
    Experiment.create [ "specErr"; "normA"; "normF"; "rank"; "delta" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let instances =
            Lab.memo lab ("arora2018/l1/" + run.Mode.StreamName) (fun () ->
                let net = network lab run.Mode
                [ for l in 1 .. net.Depth do
                    let rows, cols = net.Rows.[l], net.Cols.[l]
                    let sv = singularValues lab run.Mode l
                    let normA, normF = sv.[0], sqrt (Array.sumBy (fun x -> x * x) sv)
                    for delta in l1Deltas ->
                        let approx, rank = truncate lab (svds lab run.Mode).[l] rows cols delta
                        let specErr =
                            if delta = 0.1 then spectral lab (Array.map2 (-) approx net.W.[l]) rows cols
                            elif rank < sv.Length then sv.[rank] else 0.0
                        { Evidence.instance (Bindings.ofScalars [ "specErr", specErr; "normA", normA; "normF", normF; "rank", float rank; "delta", delta ]) seed (sprintf "layer %d, delta = %g" l delta) with
                            Layer = Some l } ])
        Evidence.ofInstances (instances |> List.map (fun i -> { i with Seed = seed }))
        |> Evidence.withNotes [ sprintf "every layer, delta in {%s}; at delta = 0.1 ||Ahat - A||_2 is recomputed by SVD of the difference, elsewhere it is the largest removed singular value" (String.Join(", ", l1Deltas)) ])

/// ARORA-L9: three perturbations at the size limit ‖A^i − Â^i‖₂ = ‖A^i‖₂/d on every layer (random Gaussian, magnitude
/// pruning of half the entries, adversarial rank-one along the top singular pair), on every training point and up to
/// 1000 held-out points.
let l9 =
    Experiment.create [ "diff"; "normx"; "normA"; "normU"; "d" ] (fun lab run ->
        let instances =
            Lab.memo lab ("arora2018/l9/" + run.Mode.StreamName) (fun () ->
                let net = network lab run.Mode
                let d = net.Depth
                let normA = Array.init (d + 1) (fun l -> if l = 0 then 0.0 else (singularValues lab run.Mode l).[0])
                let rng = run.Stream(lab, "perturbations")
                let limit l = normA.[l] / float d
                let scaled (p: float[]) l = let pn = spectral lab p net.Rows.[l] net.Cols.[l] in p |> Array.map (fun v -> v * limit l / pn)
                let perturbations =
                    [ "random Gaussian at ||A||/d",
                      Array.init (d + 1) (fun l -> if l = 0 then [||] else scaled (gaussianVector (rng.Split(sprintf "gauss-%d" l)) net.W.[l].Length) l)
                      "magnitude pruning (half the entries, smallest first) scaled to ||A||/d",
                      Array.init (d + 1) (fun l ->
                          if l = 0 then [||]
                          else
                              let w = net.W.[l]
                              let cut = median (Array.map abs w)
                              scaled (w |> Array.map (fun v -> if abs v <= cut then -v else 0.0)) l)
                      "adversarial rank-one +(||A||/d) u1 v1^T",
                      Array.init (d + 1) (fun l ->
                          if l = 0 then [||]
                          else
                              let struct (u, sv, vt) = (svds lab run.Mode).[l]
                              let r, cols = sv.Length, net.Cols.[l]
                              Array.init net.W.[l].Length (fun idx -> let i, j = idx / cols, idx % cols in limit l * u.[i * r] * vt.[j])) ]
                let k = classes lab
                let h = holdout lab
                let datasets = [ "train", lab.Train; "held-out", (if h.Count > 1000 then DatasetOps.Take(h, 1000) else h) ]
                [ for label, us in perturbations do
                    let normU = Array.init d (fun i -> limit (i + 1))
                    let wHat = Array.init (d + 1) (fun l -> if l = 0 then [||] else Array.map2 (+) net.W.[l] us.[l])
                    let b0 = Bindings.empty |> Bindings.vector "normA" normA.[1..] |> Bindings.vector "normU" normU |> Bindings.scalar "d" (float d)
                    for dname, data in datasets do
                        let f = logitsWith lab net net.W data
                        let g = logitsWith lab net wHat data
                        let xn = ForwardTrace.RowNorms(ReadOnlySpan(Array.map float data.Features), data.Count, data.Dimension)
                        let dist = Outputs.RowDistances(ReadOnlySpan f, ReadOnlySpan g, data.Count, k)
                        for i in 0 .. data.Count - 1 ->
                            { Evidence.instance (b0 |> Bindings.scalar "diff" dist.[i] |> Bindings.scalar "normx" xn.[i]) rng.Seed (sprintf "%s, %s point" label dname) with Sample = Some i } ])
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
        |> Evidence.withNotes [ "3 perturbations (random Gaussian, magnitude pruning, adversarial rank-one), each at the size limit ||A^i - Ahat^i||_2 = ||A^i||_2/d on every layer; every training point and up to 1000 held-out points" ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.t22 P.t22Mutants t22
      Lemma.create P.t22Squared P.t22SquaredMutants t22
      Lemma.create P.t22Closeness P.t22ClosenessMutants t22Closeness
      Lemma.create P.l1Error P.l1ErrorMutants l1
      Lemma.create P.l1Rank P.l1RankMutants l1
      Lemma.create P.l9 P.l9Mutants l9 ]
