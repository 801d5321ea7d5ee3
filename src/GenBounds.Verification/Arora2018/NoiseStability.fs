/// Experiments for Arora et al. (2018) §3 (GenBounds.Proofs.Arora2018.NoiseStability): the noise-stability properties
/// measured on the network (Definitions 3–7, which hold by construction and are reported as measurements, with the
/// trained vs random-init vs shuffled-label comparisons of Figure 2) and Remark 1. Synthetic = the same architecture
/// with i.i.d. Gaussian weights at each trained layer's variance (the random baseline of ARORA-D4).
module GenBounds.Verification.Arora2018.NoiseStability

open System
open GenBounds.Measures
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
open GenBounds.Verification.Arora2018.Draws
module P = GenBounds.Proofs.Arora2018.NoiseStability

/// Monte Carlo draws per sample for ARORA-D3 (the budget's psi-draws).
let private psiDraws (lab: Lab) = Budget.count "psi-draws" lab.Budget

let private finish (lab: Lab) (mode: CheckMode) (e: Evidence) =
    e |> Evidence.withFailedAssumptions (biasAssumption lab mode) |> Evidence.withNotes (contextNotes lab mode)

/// ARORA-D3: Monte Carlo noise sensitivity ψ(M^{i,d}, x^i) per sample and layer against its maximum over S; the
/// estimator is tested against Proposition 3.1's closed form for M = A^i; the noise-attenuation figure (Figure 1).
let d3 =
    Experiment.create [ "psi_x"; "psi_S" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        let la = lab.LinearAlgebra
        let net, d = nl.Net, nl.Net.Depth
        let seed = run.Stream(lab, "").Seed
        let draws = psiDraws lab
        let perLayer =
            Lab.memo lab (sprintf "arora2018/d3/%s/%d" run.Mode.StreamName draws) (fun () ->
                [ for i in 0 .. d - 1 ->
                    let rng = stream lab "psi" run.Mode (sprintf "M-%d-%d" i d)
                    let est =
                        [| for off, t in nl.Chunks do
                             yield! NoiseSensitivity.MonteCarlo(NoiseSensitivity.SubNetwork(net, i, d, la), net.Widths.[i], net.Widths.[d], ReadOnlySpan t.X.[i], t.Count, draws, rng.Split(sprintf "chunk-%d" off), fillThreads ()) |]
                    i, est ])
        let estimatorNotes =
            Lab.memo lab (sprintf "arora2018/d3-estimator/%s/%d" run.Mode.StreamName draws) (fun () ->
                // Proposition 3.1 as a test of the estimator: for M = A^i the closed form is 1/(cushion ratio)².
                [ for i in 1 .. d ->
                    let rng = stream lab "psi" run.Mode (sprintf "A-%d" i)
                    let mutable far, total = 0, 0
                    for off, t in nl.Chunks do
                        let est = NoiseSensitivity.MonteCarlo(NoiseSensitivity.LinearMap(net.W.[i], net.Widths.[i], net.Widths.[i - 1], la), net.Widths.[i - 1], net.Widths.[i], ReadOnlySpan t.Phi.[i - 1], t.Count, draws, rng.Split(sprintf "chunk-%d" off), fillThreads ())
                        for s in 0 .. t.Count - 1 do
                            let closed = 1.0 / (nl.Measures.LayerCushionRatio.[i].[off + s] ** 2.0)
                            if Double.IsFinite closed && est.[s].StandardError > 0.0 then
                                total <- total + 1
                                if abs (est.[s].Mean - closed) > 3.2905 * est.[s].StandardError then far <- far + 1
                    sprintf "estimator check, M = A^%d: %d of %d samples outside the 99.9%% z-band around the closed form ||A||_F^2 ||x||^2/||Ax||^2 (about 0.1%% expected; heavy tails raise it)" i far total ])
        let settings, measured, notes =
            perLayer
            |> List.map (fun (i, est) ->
                let means = est |> Array.map (fun e -> e.Mean)
                let top = Array.IndexOf(means, Array.max means)
                let instances =
                    [ for sIdx in 0 .. means.Length - 1 ->
                        { Evidence.instance (Bindings.ofScalars [ "psi_x", means.[sIdx]; "psi_S", means.[top] ]) seed (sprintf "M^{%d,%d}" i d) with Sample = Some sIdx; Layer = Some i } ]
                Evidence.setting (sprintf "M^{%d,%d}" i d) instances,
                (sprintf "psi_S(M^{%d,%d})" i d, means.[top]),
                sprintf "M^{%d,%d}: psi_S = %.5g at sample %d, 99%% CI [%.5g, %.5g] (%d draws/sample)" i d means.[top] top (est.[top].Lower 2.5758) (est.[top].Upper 2.5758) draws)
            |> List.unzip3
        let att = nl.Measures.Attenuation
        let figure =
            Figure.Lines(sprintf "%s: noise attenuation (Figure 1): ||eta|| = 10%% of layer i's input, median relative error at layer j" run.Mode.StreamName, "layer j", "median ||xhat^j - x^j||/||x^j||",
                         [ for i in 1 .. d -> sprintf "noise at layer %d" i, [| for j in i .. d -> float j, att.Summary(i, j).Median |] ])
        Evidence.ofSettings settings |> Evidence.withMeasured measured |> Evidence.withNotes (notes @ estimatorNotes) |> Evidence.withFigures [ figure ] |> finish lab run.Mode)

/// ARORA-D4: per layer and sample, μ_i‖A^i‖_F‖φ(x^{i−1})‖ against ‖A^iφ(x^{i−1})‖, with the random baseline (synthetic)
/// and the trained vs random-init vs shuffled-label cushion distributions (real).
let d4 =
    Experiment.create [ "mu_i"; "normA_F"; "normPhi"; "normAPhi" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        let m, d = nl.Measures, nl.Net.Depth
        let seed = run.Stream(lab, "").Seed
        let settings =
            [ for i in 1 .. d ->
                let mu = m.LayerCushion i
                Evidence.setting (sprintf "layer %d" i)
                    [ for off, t in nl.Chunks do
                        for sIdx in 0 .. t.Count - 1 ->
                            { Evidence.instance (Bindings.ofScalars [ "mu_i", mu; "normA_F", m.Norms.[i].Frobenius; "normPhi", t.PhiNorm.[i - 1].[sIdx]; "normAPhi", t.XNorm.[i].[sIdx] ]) seed (sprintf "layer %d" i) with
                                Layer = Some i; Sample = Some(off + sIdx) } ] ]
        let baseline = [ for i in 1 .. d -> sprintf "mu_%d" i, m.LayerCushion i ] @ [ for i in 1 .. d -> sprintf "1/sqrt(h^%d)" (i - 1), 1.0 / sqrt (float nl.Net.Widths.[i - 1]) ]
        let figures =
            match run.Mode with
            | CheckMode.Synthetic ->
                [ for i in 1 .. d ->
                    Figure.Histogram(sprintf "synthetic layer %d: cushion ratio vs the random baseline" i, "||A phi||/(||A||_F ||phi||)", m.LayerCushionRatio.[i] |> Array.filter Double.IsFinite,
                                     [ "1/sqrt(h^{i-1})", 1.0 / sqrt (float nl.Net.Widths.[i - 1]); "mu_i", m.LayerCushion i ]) ]
            | CheckMode.RealNetwork -> comparisonFigures lab run.Mode "layer cushion ratio" [ 1 .. d ] (fun c i -> c.Measures.LayerCushionRatio.[i])
        Evidence.ofSettings settings |> Evidence.withMeasured baseline |> Evidence.withFigures figures |> finish lab run.Mode)

/// ARORA-D5: per pair i ≤ j and sample, μ_{i→}‖J^{i,j}‖_F‖x^i‖ against ‖J^{i,j}x^i‖ (J^{i,i} = I).
let d5 =
    Experiment.create [ "mu_to"; "normJ_F"; "normx_i"; "normJx" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        let m, d, net = nl.Measures, nl.Net.Depth, nl.Net
        let seed = run.Stream(lab, "").Seed
        let jf, jx = m.JacobianFrobenius, m.JacobianTimesInput
        let settings =
            [ for i in 1 .. d ->
                let muTo = m.MinimalInterlayerCushion i
                Evidence.setting (sprintf "layer %d" i)
                    [ for j in i .. d do
                        for off, t in nl.Chunks do
                            for sIdx in 0 .. t.Count - 1 ->
                                let xn = t.XNorm.[i].[sIdx]
                                let normJ, normJx = if j = i then sqrt (float net.Widths.[i]), xn else jf.[i, j].[off + sIdx], jx.[i, j].[off + sIdx]
                                { Evidence.instance (Bindings.ofScalars [ "mu_to", muTo; "normJ_F", normJ; "normx_i", xn; "normJx", normJx ]) seed (sprintf "pair (%d,%d)" i j) with
                                    Layer = Some i; Sample = Some(off + sIdx) } ] ]
        let measured =
            [ for i in 1 .. d -> sprintf "mu_{%d->}" i, m.MinimalInterlayerCushion i ]
            @ [ for i in 1 .. d - 1 do for j in i + 1 .. d -> sprintf "mu_{%d,%d} (unclipped)" i j, m.InterlayerCushion(i, j) ]
        let unclipped (mm: NetworkMeasures) i = Array.init mm.Count (fun sIdx -> seq { for j in i + 1 .. d -> mm.InterlayerRatio.[i, j].[sIdx] } |> Seq.min)
        Evidence.ofSettings settings
        |> Evidence.withMeasured measured
        |> Evidence.withFigures (comparisonFigures lab run.Mode "unclipped minimal interlayer cushion ratio" [ 1 .. d - 1 ] (fun c i -> unclipped c.Measures i))
        |> finish lab run.Mode)

/// ARORA-D6: per hidden layer and sample, ‖x^i‖ against c‖φ(x^i)‖.
let d6 =
    Experiment.create [ "c"; "normx_i"; "normPhi_i" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        let m, d = nl.Measures, nl.Net.Depth
        let seed = run.Stream(lab, "").Seed
        let c = m.C()
        let settings =
            [ for i in 1 .. d - 1 ->
                Evidence.setting (sprintf "layer %d" i)
                    [ for off, t in nl.Chunks do
                        for sIdx in 0 .. t.Count - 1 ->
                            { Evidence.instance (Bindings.ofScalars [ "c", c; "normx_i", t.XNorm.[i].[sIdx]; "normPhi_i", t.PhiNorm.[i].[sIdx] ]) seed (sprintf "layer %d" i) with
                                Layer = Some i; Sample = Some(off + sIdx) } ] ]
        let measured = ("c", c) :: [ for i in 1 .. d - 1 -> sprintf "c_%d" i, m.Contraction i ] @ [ for i in 1 .. d - 1 -> sprintf "mean active fraction %d" i, Array.average m.ActiveFraction.[i] ]
        Evidence.ofSettings (if settings.IsEmpty then [ Evidence.setting "no hidden layer" [] ] else settings)
        |> Evidence.withMeasured measured
        |> Evidence.withFigures (comparisonFigures lab run.Mode "activation contraction ||x^i||/||phi(x^i)||" [ 1 .. d - 1 ] (fun cmp i -> cmp.Measures.ContractionRatio.[i]))
        |> finish lab run.Mode)

/// ARORA-D7: per compression draw, the worst (i, j, x) of the interlayer-smoothness inequality at the certified ρ_δ.
let d7 =
    Experiment.create [ "rho_delta"; "normRes"; "normEta"; "normx_i"; "normx_j"; "delta" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        match nl.Plan with
        | None -> noPlan nl
        | Some _ ->
            let rho = rhoCertified nl
            let d = nl.Net.Depth
            let trials =
                nl.Draws |> Array.mapi (fun t dr ->
                    { Evidence.instance (Bindings.ofScalars [ "rho_delta", rho; "normRes", dr.WorstResidual; "normEta", dr.WorstNoise; "normx_i", dr.WorstInputNorm; "normx_j", dr.WorstOutputNorm; "delta", delta ]) dr.Seed "compression draw" with
                        Trial = Some t })
            let flips = [ for k in 1 .. d - 1 -> sprintf "mean flip fraction layer %d" k, nl.Draws |> Array.averageBy (fun dr -> dr.FlipFractions.[k - 1]) ]
            let noFlip = nl.Draws |> Array.filter (fun dr -> Double.IsPositiveInfinity dr.R) |> Array.length
            let inv = nl.Draws |> Array.map (fun dr -> if Double.IsPositiveInfinity dr.R then 0.0 else 1.0 / dr.R)
            let r = nl.Rho.Value
            Evidence.ofInstances trials
            |> Evidence.withCaps nl.Allowances
            |> Evidence.withMeasured (rhoMeasured nl @ flips)
            |> Evidence.withFigures
                (Figure.Histogram(sprintf "%s: 1/R per compression draw (R = min over i<j, x)" run.Mode.StreamName, "1/R", inv, [ "1/rho_delta (certified)", 1.0 / rho; "1/(3d)", 1.0 / (3.0 * float d) ])
                 :: comparisonFigures lab run.Mode "1/R per sample (one compression draw, min over pairs)" [ 1 ] (fun c _ -> c.InverseSmoothness))
            |> Evidence.withNotes
                ([ sprintf "rhohat_delta = %.4g (empirical %g-quantile of R over %d draws, 99%% order-statistic CI [%.4g, %.4g]); certified rho_delta = %.4g%s; %s 3d = %d"
                       r.Estimate delta nl.Draws.Length r.Lower r.Upper rho (if r.CertifiedAtDelta then "" else " (too few draws to certify delta: the smallest R)") (if rho >= 3.0 * float d then ">=" else "<") (3 * d)
                   sprintf "%d of %d draws flipped no activation (R = +infinity)" noFlip nl.Draws.Length ]
                 @ planNotes nl)
            |> finish lab run.Mode)

/// ARORA-REM1: per layer i, a few draws compressing layer i alone at Lemma 3's ε_i (with ε = 1): on every training point
/// whose activation pattern did not flip, the output must equal the linearisation U Â x exactly; flipped points are
/// outside the remark's scope (the restriction), and their discrepancy is plotted.
let rem1 =
    Experiment.create [ "relDisc"; "flipped" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        match (try Ok(NoiseStability.Plan(nl.Measures, lab.Train.Count, 1.0, delta)) with :? ArgumentException as e -> Error e.Message) with
        | Error e -> Evidence.unavailable ("Lemma 3 plan undefined: " + e)
        | Ok p ->
            let la = lab.LinearAlgebra
            let net, d = nl.Net, nl.Net.Depth
            let draws = Budget.count "rem1-draws" lab.Budget
            let instances, flippedDisc, notes =
                Lab.memo lab (sprintf "arora2018/rem1/%s/%d" run.Mode.StreamName draws) (fun () ->
                    let flippedDisc = ResizeArray<float>()
                    let notes = ResizeArray<string>()
                    let instances = ResizeArray<Instance>()
                    for i in 1 .. d do
                        let mutable flippedCount, total = 0, 0
                        for t in 0 .. draws - 1 do
                            let rng = run.Stream(lab, sprintf "layer-%d/draw-%d" i t)
                            let pert = NoiseStability.Compress(net, p.HelperCounts, 1.0, (fun k -> k = i), rng)
                            for off, clean in nl.Chunks do
                                let rows = clean.Count
                                let tp = ForwardTrace.Compute(pert, ReadOnlySpan(lab.Train.Features, off * lab.Train.Dimension, rows * lab.Train.Dimension), rows, false, la)
                                // U Âx = x^d + J^{i,d}(x̂^i − x^i) with J at the clean pattern; the actual output is tp.X[d].
                                let mutable w = Array.map2 (-) tp.X.[i] clean.X.[i]
                                for k in i + 1 .. d do
                                    let hin, hout = net.Widths.[k - 1], net.Widths.[k]
                                    let masked = Array.mapi (fun u v -> if clean.X.[k - 1].[u] > 0.0 then v else 0.0) w
                                    let y = Array.zeroCreate<float> (rows * hout)
                                    la.Gemm(GenBounds.LinearAlgebra.Transpose.No, GenBounds.LinearAlgebra.Transpose.Yes, rows, hout, hin, 1.0, ReadOnlySpan masked, hin, ReadOnlySpan net.W.[k], hin, 0.0, Span y, hout)
                                    w <- y
                                let hd = net.Widths.[d]
                                for sIdx in 0 .. rows - 1 do
                                    let flipped =
                                        seq { for k in i .. d - 1 do
                                                let h = net.Widths.[k]
                                                for u in sIdx * h .. sIdx * h + h - 1 -> (clean.X.[k].[u] > 0.0) <> (tp.X.[k].[u] > 0.0) } |> Seq.exists id
                                    let mutable acc = 0.0
                                    for u in sIdx * hd .. sIdx * hd + hd - 1 do
                                        let e = tp.X.[d].[u] - clean.X.[d].[u] - w.[u]
                                        acc <- acc + e * e
                                    let rel = Robust.RatioForMax(sqrt acc, clean.XNorm.[d].[sIdx])
                                    total <- total + 1
                                    if flipped then
                                        flippedCount <- flippedCount + 1
                                        flippedDisc.Add rel
                                    instances.Add
                                        { Evidence.instance (Bindings.ofScalars [ "relDisc", rel; "flipped", (if flipped then 1.0 else 0.0) ]) rng.Seed (sprintf "layer %d compressed%s" i (if flipped then ", pattern flipped" else "")) with
                                            Layer = Some i; Trial = Some t; Sample = Some(off + sIdx) }
                        notes.Add(sprintf "layer %d: %d of %d (draw, x) flipped an activation pattern" i flippedCount total)
                    List.ofSeq instances, flippedDisc.ToArray(), List.ofSeq notes)
            let figures =
                if flippedDisc.Length = 0 then []
                else [ Figure.Histogram(sprintf "%s: ||f_Ahat - U Ahat x||/||f|| on flipped points (what Lemma 2 does not cover)" run.Mode.StreamName, "relative discrepancy", flippedDisc, []) ]
            Evidence.ofInstances instances
            |> Evidence.withFigures figures
            |> Evidence.withNotes (notes @ [ sprintf "Ahat^i: Gaussian surrogate at Lemma 3's eps_i with eps = 1, %d draws per layer" draws ])
            |> finish lab run.Mode)

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.d3 P.d3Mutants d3
      Lemma.create P.d4 P.d4Mutants d4
      Lemma.create P.d5 P.d5Mutants d5
      Lemma.create P.d6 P.d6Mutants d6
      Lemma.create P.d7 P.d7Mutants d7
      Lemma.create P.rem1 P.rem1Mutants rem1 ]
