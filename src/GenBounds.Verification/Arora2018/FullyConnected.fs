/// Experiments for Arora et al. (2018) §4 and App. B.2 (GenBounds.Proofs.Arora2018.FullyConnected): Lemma 3 and Lemma 10
/// on the whole-network compression draws, Theorem 4.1's explicit surrogate bound on the held-out error of a compressed
/// net (with the Table-1 analogue), and the improvements after Lemma 3 (outlier removal, A − A_init).
module GenBounds.Verification.Arora2018.FullyConnected

open System
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Symbolic
open GenBounds.Training
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
open GenBounds.Verification.Arora2018.Draws
module P = GenBounds.Proofs.Arora2018.FullyConnected

/// log₂ r of the value grid fixed before S for T4.1's surrogate bound.
let gridBits = 32.0

let private finish (lab: Lab) (mode: CheckMode) (e: Evidence) =
    e |> Evidence.withFailedAssumptions (biasAssumption lab mode) |> Evidence.withNotes (contextNotes lab mode)

/// ARORA-L3: per compression draw, max_x ‖f_A − f_Ã‖/‖f_A‖ against ε, with the induction steps of the proof and the
/// smallest common scale of every k_i that meets the target.
let l3 =
    Experiment.create [ "maxRelErr"; "epsilon"; "delta"; "rho_delta"; "d"; "h"; "m" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        match nl.Plan with
        | None -> noPlan nl
        | Some p ->
            let d = nl.Net.Depth
            let trials =
                nl.Draws |> Array.mapi (fun t dr ->
                    let b =
                        Bindings.ofScalars [ "maxRelErr", dr.MaxRelativeError; "epsilon", nl.Epsilon; "delta", delta; "rho_delta", rhoCertified nl; "d", float d
                                             "h", float (Array.max nl.Net.Widths.[1..]); "m", float lab.Train.Count ]
                    { Evidence.instance b dr.Seed "compression draw" with Trial = Some t })
            let steps = [| for i in 1 .. d -> float i, nl.Draws |> Array.averageBy (fun dr -> dr.InductionSteps.[i - 1]) |]
            let worstStep = [| for i in 1 .. d -> float i, nl.Draws |> Array.map (fun dr -> dr.InductionSteps.[i - 1]) |> Array.max |]
            let errs = nl.Draws |> Array.map (fun dr -> dr.MaxRelativeError / nl.Epsilon)
            let actual = nl.Mlp.Architecture.ParameterCount
            let smallest =
                match nl.SmallestK with
                | Some(scale, fails, nc) ->
                    sprintf "smallest k: every k_i scaled by s* = %.3g (from the (1 - delta/2)-quantile of the error, error ~ 1/sqrt k) gives sum k_i = %.4g (%.3g x the actual %d parameters); confirmation at s*: %d/%d draws above eps (target delta/2 = %g)"
                        scale (scale * p.TotalParameters) (scale * p.TotalParameters / float actual) actual fails nc (delta / 2.0)
                | None -> "smallest k: undefined (zero output error in every draw)"
            Evidence.ofInstances trials
            |> Evidence.withCaps nl.Allowances
            |> Evidence.withMeasured
                ([ "eps", nl.Epsilon; "sum k_i", p.TotalParameters; "stated count", p.StatedCount; "actual parameters", float actual
                   "median max relative error", (Stats.summary (nl.Draws |> Array.map (fun dr -> dr.MaxRelativeError))).Median ]
                 @ [ for i in 1 .. d -> sprintf "k_%d" i, p.HelperCounts.[i - 1] ] @ rhoMeasured nl)
            |> Evidence.withFigures
                [ Figure.Lines(sprintf "%s: induction steps of Lemma 3 (fraction of (x, j >= i) with ||xhat^j_i - x^j|| > (i/d) eps ||x^j||)" run.Mode.StreamName, "step i (layers 1..i compressed)", "fraction of (x, j)",
                               [ "mean over draws", steps; "worst draw", worstStep ])
                  Figure.Histogram(sprintf "%s: max_x ||f_A - f_Atilde||/||f_A|| per draw, in units of eps" run.Mode.StreamName, "max relative error / eps", errs, [ "eps", 1.0 ]) ]
            |> Evidence.withNotes (smallest :: planNotes nl)
            |> finish lab run.Mode)

/// ARORA-L10: per compression draw, the l2 closeness against γ/√2 and the training error of f_Ã against L̂_γ(f_A).
let l10 =
    Experiment.create [ "maxDiff"; "gamma"; "L0tilde"; "Lhat_gamma"; "delta"; "rho_delta"; "d" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        match nl.Plan with
        | None -> noPlan nl
        | Some _ ->
            let trials =
                nl.Draws |> Array.mapi (fun t dr ->
                    let b =
                        Bindings.ofScalars [ "maxDiff", dr.MaxDifference; "gamma", nl.Gamma; "L0tilde", dr.TrainingError; "Lhat_gamma", nl.LGamma; "delta", delta
                                             "rho_delta", rhoCertified nl; "d", float nl.Net.Depth ]
                    { Evidence.instance b dr.Seed "compression draw" with Trial = Some t })
            Evidence.ofInstances trials
            |> Evidence.withCaps nl.Allowances
            |> Evidence.withMeasured
                [ "gamma", nl.Gamma; "gamma/sqrt 2", nl.Gamma / sqrt 2.0; "max ||f_A(x)||", nl.Measures.MaxOutputNorm(); "Lhat_gamma(f_A)", nl.LGamma
                  "max over draws of max ||f_A - f_Atilde||", nl.Draws |> Array.map (fun dr -> dr.MaxDifference) |> Array.max
                  "max over draws of Lhat_0(f_Atilde)", nl.Draws |> Array.map (fun dr -> dr.TrainingError) |> Array.max ]
            |> Evidence.withNotes (planNotes nl)
            |> finish lab run.Mode)

let private table1 (lab: Lab) (nl: NoiseLab) (mode: CheckMode) =
    let m, d, net = nl.Measures, nl.Net.Depth, nl.Net
    let others = match mode with CheckMode.RealNetwork -> comparisons lab |> List.filter (fun c -> c.Name <> "trained") | CheckMode.Synthetic -> []
    let header =
        [ "layer"; "shape"; "actual params"; "effective c_i^2/(mu_i^2 mu_{i->}^2)"; "compression (%)"; "Lemma 3 k_i" ]
        @ [ for c in others -> "effective, " + c.Name ]
    let rows =
        [ for i in 1 .. d ->
            let actual = float net.Widths.[i] * float net.Widths.[i - 1]
            let eff = m.EffectiveParameters i
            [ string i; sprintf "%dx%d" net.Widths.[i] net.Widths.[i - 1]; sprintf "%.0f" actual; sprintf "%.6g" eff; sprintf "%.4g" (100.0 * eff / actual)
              (match nl.Plan with Some p -> sprintf "%.4g" p.HelperCounts.[i - 1] | None -> "undefined") ]
            @ [ for c in others -> sprintf "%.6g" (c.Measures.EffectiveParameters i) ] ]
    Figure.Table(sprintf "%s: Table 1 analogue (effective parameters per layer; nuisance factors dropped)" mode.StreamName, header, rows)

/// ARORA-T4.1: one compression of the whole network at Lemma 3's plan, its held-out error against
/// L̂_γ(f_A) + √((q ln r + ln(2/δ))/(2m)) with q = Σ k_i, r = 2^32; the plotted proxy and the Table-1 analogue.
let t41 =
    Experiment.create [ "L0tilde"; "Lhat_gamma"; "q"; "r"; "m"; "delta"; "rho_delta"; "d" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        match nl.Plan with
        | None -> noPlan nl
        | Some p ->
            let m = nl.Measures
            let n = float lab.Train.Count
            let k = classes lab
            let errors, errorsA =
                Lab.memo lab ("arora2018/t41-holdout/" + run.Mode.StreamName) (fun () ->
                    let pert = NoiseStability.Compress(nl.Net, p.HelperCounts, 1.0, (fun _ -> true), run.Stream(lab, "compression"))
                    let errs (net: DoubleMlp) = Outputs.Errors(ReadOnlySpan(Outputs.Logits(net, ReadOnlySpan lab.Test.Features, lab.Test.Count, lab.LinearAlgebra)), ReadOnlySpan lab.Test.Labels, k)
                    errs pert, errs nl.Net)
            let b =
                Bindings.ofScalars [ "Lhat_gamma", nl.LGamma; "q", p.TotalParameters; "r", 2.0 ** gridBits; "m", n; "delta", delta; "rho_delta", rhoCertified nl; "d", float nl.Net.Depth ]
            let proxy = m.TheoremProxy(nl.Gamma)
            let bound = nl.LGamma + sqrt ((p.TotalParameters * gridBits * log 2.0 + log (2.0 / delta)) / (2.0 * n))
            Evidence.ofSettings [ Evidence.heldOut "held-out error of f_Atilde" "L0tilde" errors lab.Test.Count b (Evidence.instance b (run.Stream(lab, "compression")).Seed "compressed net on held-out data") ]
            |> Evidence.withCaps nl.Allowances
            |> Evidence.withMeasured
                [ "surrogate bound", bound; "held-out error of f_Atilde", float errors / float lab.Test.Count; "held-out error of f_A", float errorsA / float lab.Test.Count
                  "Lhat_gamma(f_A)", nl.LGamma; "gamma", nl.Gamma; "q = sum k_i", p.TotalParameters; "actual parameters", float nl.Mlp.Architecture.ParameterCount
                  "q / actual", p.TotalParameters / float nl.Mlp.Architecture.ParameterCount; "ln r", gridBits * log 2.0
                  "plotted proxy (1/gamma^2) max||f||^2 sum c^2/(mu^2 mu_->^2)", proxy; "sqrt(proxy/m)", sqrt (proxy / n)
                  "sum_i effective c_i^2/(mu_i^2 mu_{i->}^2)", Seq.sum (seq { for i in 1 .. nl.Net.Depth -> m.EffectiveParameters i }) ]
            |> Evidence.withFigures [ table1 lab nl run.Mode ]
            |> Evidence.withNotes
                ([ sprintf "vacuity: the explicit bound is %.4g; the Theorem-2.1 surrogate with q = sum k_i is vacuous whenever q ln r > 2m, here q ln r / 2m = %.3g" bound (p.TotalParameters * gridBits * log 2.0 / (2.0 * n))
                   "the bound is for the compressed net f_Atilde, not for f_A (Remark after Theorem 2.1)" ]
                 @ planNotes nl)
            |> finish lab run.Mode)

let private zetas = [ 0.001; 0.005; 0.01; 0.02; 0.05; 0.1 ]

/// ‖A^i − A^i_init‖_F/‖A^i‖_F per layer, with A_init regenerated from the seed a GenBounds model file records (training
/// draws it from that seed's `init` stream before any data is seen, so it is a valid helper string, ARORA-D2).
let private initialisationRatios (lab: Lab) =
    match lab.ModelSeed with
    | None -> None
    | Some seed ->
        Some(Lab.memo lab (sprintf "arora2018/init-ratios/%d" seed) (fun () ->
            let mlp = lab.Network
            let init = Trainer.Initialize(mlp.Architecture, seed)
            seed, Array.init mlp.Layers.Length (fun l ->
                let a, a0 = mlp.Layers.[l].Weight, init.Layers.[l].Weight
                let mutable dd, aa = 0.0, 0.0
                for t in 0 .. a.Length - 1 do
                    let v = float a.[t]
                    dd <- dd + (v - float a0.[t]) ** 2.0
                    aa <- aa + v * v
                sqrt (dd / aa))))

/// ARORA-R4.1: Theorem 4.1's proxy with every quantity measured on a 1 − ζ fraction of S against ζ = 0, the bound as a
/// function of ζ, and (real mode, with a recorded seed) what compressing A − A_init saves.
let r41 =
    Experiment.create [ "proxy_zeta"; "proxy_0"; "zeta" ] (fun lab run ->
        let nl = noiseLab lab run.Mode
        let m = nl.Measures
        let seed = run.Stream(lab, "").Seed
        let n = float lab.Train.Count
        let p0 = m.TheoremProxy(nl.Gamma, 0.0)
        let instances = [ for z in zetas -> Evidence.instance (Bindings.ofScalars [ "proxy_zeta", m.TheoremProxy(nl.Gamma, z); "proxy_0", p0; "zeta", z ]) seed (sprintf "zeta = %g" z) ]
        let all = 0.0 :: zetas
        let figure =
            Figure.Lines(sprintf "%s: bound terms vs outlier fraction zeta (Corollary A.1)" run.Mode.StreamName, "zeta", "value",
                         [ "sqrt(proxy(zeta)/m)", [| for z in all -> z, sqrt (m.TheoremProxy(nl.Gamma, z) / n) |]
                           "Lhat_gamma + 4 zeta + sqrt(proxy(zeta)/m)", [| for z in all -> z, nl.LGamma + 4.0 * z + sqrt (m.TheoremProxy(nl.Gamma, z) / n) |] ])
        // R4.1 (i): Matrix-Project's error is proportional to the Frobenius norm of what it compresses, so compressing
        // A − A_init instead of A reaches the same absolute error with k_i scaled by (‖A−A_init‖_F/‖A‖_F)².
        let deltaMeasured, deltaNote =
            match run.Mode, initialisationRatios lab with
            | CheckMode.RealNetwork, Some(modelSeed, ratios) ->
                let scaled = nl.Plan |> Option.map (fun p -> Array.map2 (fun k r -> k * r * r) p.HelperCounts ratios |> Array.sum)
                [ for l in 0 .. ratios.Length - 1 -> sprintf "||A_%d - A_init||_F / ||A_%d||_F" (l + 1) (l + 1), ratios.[l] ]
                @ (match nl.Plan, scaled with Some p, Some k -> [ "sum k_i (A)", p.TotalParameters; "sum k_i (A - A_init)", k ] | _ -> []),
                sprintf "A - A_init (R4.1 i): initialisation regenerated from the model's recorded seed %d (GenBounds' init stream); ||A - A_init||_F/||A||_F per layer = %s%s; a ratio >= 1 would mean the regenerated initialisation is not the model's"
                    modelSeed (String.Join(", ", ratios |> Array.map (sprintf "%.3g")))
                    (match nl.Plan, scaled with
                     | Some p, Some k -> sprintf "; for the same absolute error Lemma 3's count drops from %.4g to %.4g (k_i times the squared ratio)" p.TotalParameters k
                     | _ -> "")
            | CheckMode.Synthetic, _ -> [], "A - A_init: not applicable on the synthetic model (its weights are the random draw itself)"
            | _, None -> [], "A - A_init: not applied, the model file records no GenBounds seed to regenerate its initialisation from (MatrixProject.CompressDelta / NetworkCompression.Compress(initial) support it when one is given)"
        Evidence.ofInstances instances
        |> Evidence.withMeasured ([ for z in all -> sprintf "proxy(zeta=%g)" z, m.TheoremProxy(nl.Gamma, z) ] @ deltaMeasured)
        |> Evidence.withFigures [ figure ]
        |> Evidence.withNotes [ "each of max||f||, c, mu_i, mu_{i->} drops its own zeta fraction, so Corollary A.1 charges at most 4 zeta (plotted)"; deltaNote ]
        |> finish lab run.Mode)

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.l3 P.l3Mutants l3
      Lemma.create P.l10 P.l10Mutants l10
      Lemma.create P.t41 P.t41Mutants t41
      Lemma.create P.r41 P.r41Mutants r41 ]
