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

/// GUHA-N3.1: L̂_γ(f) as every bound here computes it (engine margins, margin ≤ γ) against the definition evaluated
/// directly on the logits, at γ = 0 and at observed margins (so that ties occur); f = the trained net (real) or a
/// Gaussian net of the same shape (synthetic).
let n31 =
    Experiment.create [ "Lhat"; "LhatDef"; "LhatStrict"; "LhatProse" ] (fun lab run ->
        let n = lab.Train.Count
        let k = lab.Network.Architecture.OutputSize
        let labels = lab.Train.Labels
        let f = logits lab (widths lab) (networkWeights lab run.Mode "n31" |> Array.map toDouble) (biasesOf lab run.Mode) (trainInputs lab) n
        let margins = Outputs.Margins(ReadOnlySpan f, ReadOnlySpan labels, k)
        let sorted = Array.sort margins
        let gammas = 0.0 :: [ for q in [ 0.1; 0.25; 0.5; 0.75; 0.9 ] -> sorted.[int (q * float (n - 1))] ] |> List.distinct
        let seed = run.Stream(lab, "").Seed
        let definition (gm: float) (le: bool) =
            let mutable count = 0
            for i in 0 .. n - 1 do
                let fy = f.[i * k + labels.[i]]
                let mutable other = -infinity
                for j in 0 .. k - 1 do
                    if j <> labels.[i] then other <- max other f.[i * k + j]
                // fy − other against γ, not fy against γ + other: at a tie (γ an observed margin) the two roundings
                // differ, and the rearranged form once counted a point the definition does not (1 in 2,000).
                if (if le then fy - other <= gm else fy - other < gm) then count <- count + 1
            float count / float n
        let prose (gm: float) =
            float (Array.init n (fun i -> let fy = f.[i * k + labels.[i]] in Seq.forall (fun j -> j = labels.[i] || fy - f.[i * k + j] >= gm) (seq { 0 .. k - 1 })) |> Array.filter id |> Array.length) / float n
        Evidence.ofInstances
            [ for gm in gammas ->
                let engine = float (margins |> Array.filter (fun v -> v <= gm) |> Array.length) / float n
                Evidence.instance (Bindings.ofScalars [ "Lhat", engine; "LhatDef", definition gm true; "LhatStrict", definition gm false; "LhatProse", prose gm ]) seed (sprintf "gamma = %.6g" gm) ]
        |> Evidence.withNotes [ sprintf "gamma = 0 and the observed margins at the 10, 25, 50, 75 and 90%% quantiles of S (%d points)" n ])

/// The Monte Carlo over S of the noise-label model for a Theorem-3.1-type bound: per trial the bindings of `extra`
/// plus L0g = 1/2, g's training error under each of `lossNames` (γ = 0: f = g), m and δ.
let noiseEvidence (lab: Lab) (lossNames: string list) (extra: int -> Bindings -> Bindings) =
    let trials, h, m = noiseModel lab
    Evidence.ofInstances
        [ for t, (train, seed) in Array.indexed trials ->
            let losses = lossNames |> List.map (fun name -> name, train)
            { Evidence.instance (Bindings.ofScalars ([ "L0g", 0.5; "m", float m; "delta", boundDelta ] @ losses) |> extra h) seed "noise-label model" with Trial = Some t } ]
    |> Evidence.withNotes [ noiseNote h m ]

/// The held-out evidence of a bound on the real network's g (trial 0 of the whole-network trials).
let heldOutEvidence (lab: Lab) (run: Run) (g: PrunedClassifier) (allowances: Allowance list) (b: Bindings) =
    let setting = Evidence.heldOut "held-out error of g" "L0g" g.HeldOutErrors g.HeldOut b { Evidence.instance b g.Seed "pruned and rounded net of trial 0" with Trial = Some 0 }
    Evidence.ofSettings [ setting ]
    |> Evidence.withCaps allowances
    |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
    |> Evidence.withNotes
        [ sprintf "g = pruned (d = %g) and rounded network of trial 0 (rho_l = largest power of two <= sqrt(Psi_l)/10), gamma = %.4g = its max |f - g| over S and all k outputs (D3.1 holds by construction); held-out error %d/%d" d g.Gamma g.HeldOutErrors g.HeldOut
          sprintf "factor-2 margin slip witnessed on %d training points: g errs although f has margin > gamma" g.Slip ]

/// ln of the number of candidate classes the real g's choices range over: the step of every layer among
/// `stepGridSize` powers of two and the level range among `levelRangeCandidates`.
let gridChoices (g: PrunedClassifier) = float g.Layers.Length * log (float stepGridSize) + log (float levelRangeCandidates)

/// The honest (q, r) of g in Theorem 3.1's form and the log of the number of candidate classes: the cheaper of the
/// dense encoding (every entry a parameter, 2K + 1 values with 0 among them) and the position encoding (every non-zero a
/// parameter whose value is a position and a non-zero level: max_l n_l 2K values), K the smallest power of two covering
/// every layer's levels; paid for: the grid choices, J (0..Σn_l) and which encoding (ln 2).
let honestQR (g: PrunedClassifier) =
    let k = g.Layers |> Array.map (fun l -> l.MaxLevel) |> Array.max |> levelRange
    let positions = g.Layers |> Array.sumBy (fun l -> float l.Positions)
    let kept = g.Layers |> Array.sumBy (fun l -> float l.Kept)
    let dense = positions, 2.0 * k + 1.0
    let byPosition = max 1.0 kept, (g.Layers |> Array.map (fun l -> float l.Positions) |> Array.max) * 2.0 * k
    let cost (q, r) = q * log r
    let (q, r), name = if cost dense <= cost byPosition then dense, "dense" else byPosition, "by position"
    q, r, gridChoices g + log (positions + 1.0) + log 2.0, name, k

/// GUHA-T3.1 (both margin forms). Synthetic: the noise-label model, a Monte Carlo over S. Real: g = the pruned and
/// rounded net of trial 0, its held-out error against the bound with the honest (q, r) and δ = 0.1/(candidate classes).
let t31 =
    Experiment.create [ "L0g"; "Lhat_gamma"; "Lhat_2gamma"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic ->
            noiseEvidence lab [ "Lhat_gamma"; "Lhat_2gamma" ] (fun h -> Bindings.scalar "q" 1.0 >> Bindings.scalar "r" (2.0 * float h))
        | CheckMode.RealNetwork ->
            let g, allowances = prunedClassifier lab run.Mode
            let q, r, choices, encoding, k = honestQR g
            let delta = boundDelta * exp (-choices)
            let b = Bindings.ofScalars [ "Lhat_gamma", g.LhatGamma; "Lhat_2gamma", g.Lhat2Gamma; "q", q; "r", r; "m", float lab.Train.Count; "delta", delta ]
            heldOutEvidence lab run g allowances b
            |> Evidence.withMeasured [ "gamma", g.Gamma; "q", q; "r", r; "q ln r (honest, nats)", q * log r; "optimistic q ln r (nats)", g.OptimisticQ * log g.OptimisticR; "ln(1/delta)", -(log delta) ]
            |> Evidence.withNotes
                [ sprintf "honest count: %s encoding, q = %.6g, r = %.6g (K = %g), q ln r = %.6g nats; union over the grid choices, J and the encoding: delta = 0.1 x e^-%.4g" encoding q r k (q * log r) choices
                  sprintf "the optimistic count bound before issue 12 (q = non-zeros %.6g, r = levels used %.6g): q ln r = %.6g nats (GUHA-T3.1-optimistic)" g.OptimisticQ g.OptimisticR (g.OptimisticQ * log g.OptimisticR) ])

/// GUHA-T3.1-optimistic: the same two settings with the count bound before issue 12 (q = non-zeros, r = levels used).
let t31Optimistic =
    Experiment.create [ "L0g"; "Lhat_2gamma"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> noiseEvidence lab [ "Lhat_2gamma" ] (fun _ -> Bindings.scalar "q" 1.0 >> Bindings.scalar "r" 2.0)
        | CheckMode.RealNetwork ->
            let g, allowances = prunedClassifier lab run.Mode
            let b = Bindings.ofScalars [ "Lhat_2gamma", g.Lhat2Gamma; "q", g.OptimisticQ; "r", g.OptimisticR; "m", float lab.Train.Count; "delta", boundDelta ]
            heldOutEvidence lab run g allowances b
            |> Evidence.withNotes [ "the support of the non-zeros is chosen on S and the grid rho_l after training, and neither is paid for" ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.a31 P.a31Mutants a31
      Lemma.create P.n31 P.n31Mutants n31
      Lemma.create P.d31 P.d31Mutants d31
      Lemma.create P.t31Stated P.t31StatedMutants t31
      Lemma.create P.t31Corrected P.t31CorrectedMutants t31
      Lemma.create P.t31Optimistic [] t31Optimistic ]
