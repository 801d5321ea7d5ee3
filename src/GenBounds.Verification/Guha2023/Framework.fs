/// Experiments for Guha et al. (2023) §3 (GenBounds.Proofs.Guha2023.Framework): the Gaussian-weights assumption, the
/// compressibility definition and Theorem 3.1 on the pruned and rounded network.
module GenBounds.Verification.Guha2023.Framework

open System
open GenBounds.Measures
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
module P = GenBounds.Proofs.Guha2023.Framework

/// GUHA-A3.1: a one-sample Kolmogorov–Smirnov test of W/√Ψ_l against N(0, 1) per layer, with the effect sizes that say
/// how far from Gaussian trained layers are (Q-Q plots, excess kurtosis, Anderson–Darling A²).
let a31 =
    Experiment.create [ "KS"; "KS_{0.99}" ] (fun lab run ->
        let instances, figures, notes =
            Lab.memo lab ("guha2023/a31/" + run.Mode.StreamName) (fun () ->
                let rows =
                    [ for l in 0 .. lab.Network.Layers.Length - 1 ->
                        let rng = run.Stream(lab, sprintf "layer-%d" l)
                        let w = weightsFor lab run.Mode l rng
                        let sd = sqrt (psiOf w)
                        let z = w |> Array.map (fun x -> float x / sd)
                        let ks, p = Stats.ksNormal z
                        let theo, sample = Stats.qqPoints z 400
                        { Evidence.instance (Bindings.ofScalars [ "KS", ks; "KS_{0.99}", Stats.ksCritical99 z.Length ]) rng.Seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1) },
                        Figure.QQ(sprintf "%s layer %d: W/sqrt(Psi) vs N(0,1)" run.Mode.StreamName (l + 1), theo, sample),
                        sprintf "layer %d: KS %.4g (p %.3g), A^2 %.4g, excess kurtosis %.3g, mean/sd %.3g" (l + 1) ks p (Stats.andersonDarling z) (Stats.excessKurtosis z) (Array.average z) ]
                rows |> List.map (fun (i, _, _) -> i), rows |> List.map (fun (_, f, _) -> f), rows |> List.map (fun (_, _, n) -> n))
        Evidence.ofInstances instances |> Evidence.withFigures figures |> Evidence.withNotes notes)

/// GUHA-D3.1: the pruned net's largest change on any output coordinate of any training input against the realised
/// perturbation bound γ* (the margin the authors' code needs), over the whole-network trials that compute it.
let d31 =
    Experiment.create [ "maxAbsDiff"; "gamma"; "trueClassMaxDiff"; "meanAbsDiff" ] (fun lab run ->
        let trials, allowances = netTrials lab run.Mode
        let instances =
            trials
            |> List.filter (fun tr -> tr.GammaRealised.IsSome)
            |> List.mapi (fun t tr ->
                { Evidence.instance
                      (Bindings.ofScalars [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.GammaRealised.Value; "trueClassMaxDiff", tr.TrueClassDiff; "meanAbsDiff", tr.MeanAbsDiff ])
                      tr.Seed "" with Trial = Some t })
        Evidence.ofInstances instances
        |> Evidence.withCaps allowances
        |> Evidence.withNotes [ "gamma = the realised LB.2 bound gamma* (the code's needed margin); differences over all k coordinates"; spectralNote ])

/// GUHA-T3.1 (both margin forms): g = the pruned (d = 1) and rounded network of trial 0 of the whole-network trials;
/// γ = its largest |f − g| over S and all k outputs (so D3.1 holds by construction); the bound against g's held-out
/// error (Clopper–Pearson). q = the nonzeros, r = the levels used: the count of the current catalog, which does not pay
/// for the support nor for the grid chosen after training (reported as the failed assumption "fixed before S").
let t31 =
    Experiment.create [ "L0g"; "Lhat_gamma"; "Lhat_2gamma"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        let trials, allowances = netTrials lab run.Mode
        let tr = List.head trials
        let n = lab.Train.Count
        let k = lab.Network.Architecture.OutputSize
        let gamma = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (tr.F.[i] - tr.G.[i]) })
        let mf = Outputs.Margins(ReadOnlySpan tr.F, ReadOnlySpan lab.Train.Labels, k)
        let mg = Outputs.Margins(ReadOnlySpan tr.G, ReadOnlySpan lab.Train.Labels, k)
        let lossAt gm = float (mf |> Array.filter (fun m -> m <= gm) |> Array.length) / float n
        let slip = Array.zip mf mg |> Array.filter (fun (a, b) -> a > gamma && b <= 0.0) |> Array.length
        let errors =
            Lab.memo lab ("guha2023/t31-holdout/" + run.Mode.StreamName) (fun () ->
                let gh = logits lab (widths lab) tr.Rounded (biasesOf lab run.Mode) (Array.map float lab.Test.Features) lab.Test.Count
                Outputs.Errors(ReadOnlySpan gh, ReadOnlySpan lab.Test.Labels, k))
        let b =
            Bindings.ofScalars
                [ "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma); "q", tr.NonZeros; "r", float (max 2 tr.Levels); "m", float n; "delta", epsilon ]
        let setting = Evidence.heldOut "held-out error of g" "L0g" errors lab.Test.Count b { Evidence.instance b tr.Seed "pruned and rounded net of trial 0" with Trial = Some 0 }
        { Evidence.ofSettings [ setting ] with
            FailedAssumptions = [ "fixed before S", "the grid rho_l = sqrt(Psi_l)/10 and the levels r are chosen from the trained weights, hence from S, and the support of the nonzeros is not paid for" ] }
        |> Evidence.withCaps allowances
        |> Evidence.withMeasured [ "gamma", gamma; "q", tr.NonZeros; "r", float tr.Levels; "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma) ]
        |> Evidence.withNotes
            [ sprintf "g = pruned (d = %g) and rounded network of trial 0, gamma = its max |f - g| over S and all k outputs (D3.1 holds by construction)" d
              sprintf "factor-2 margin slip witnessed on %d training points: g errs although f has margin > gamma" slip ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.a31 P.a31Mutants a31
      Lemma.create P.d31 P.d31Mutants d31
      Lemma.create P.t31Stated P.t31StatedMutants t31
      Lemma.create P.t31Corrected P.t31CorrectedMutants t31 ]
