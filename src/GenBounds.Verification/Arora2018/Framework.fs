/// Experiments for Arora et al. (2018) §2 and App. A.1 (GenBounds.Proofs.Arora2018.Framework): compressibility of
/// Theorem 2.2's truncation, Theorem 2.1 in its stated and corrected forms, the proof step that carries the factor-2
/// slip, and Corollary A.1. Synthetic mode uses the catalog's counter-example (T2.1, the step) and a linear model with a
/// real generalization gap (T2.1-2gamma, CA.1); real mode uses the trained net and its Lemma-1 truncation.
module GenBounds.Verification.Arora2018.Framework

open System
open GenBounds.Compression
open GenBounds.Measures
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
open MathNet.Numerics.Distributions
module P = GenBounds.Proofs.Arora2018.Framework

/// ARORA-D1: max |f − g| over S and every coordinate for g = Theorem 2.2's truncation, against its target γ.
let d1 =
    Experiment.create [ "maxAbsDiff"; "gamma" ] (fun lab run ->
        let tr = truncation lab run.Mode
        let seed = run.Stream(lab, "").Seed
        Evidence.ofInstances [ Evidence.instance (Bindings.ofScalars [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.Gamma ]) seed "Lemma-1 truncation of Theorem 2.2" ]
        |> Evidence.withMeasured [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.Gamma; "delta", tr.Delta ]
        |> Evidence.withNotes
            [ sprintf "g = every layer truncated at delta = %.4g (ranks %s); gamma = median top-two gap of f on S = %.4g; measured max |f - g| = %.4g over %d points x %d coordinates"
                  tr.Delta (String.Join(",", tr.Ranks.[1..])) tr.Gamma tr.MaxAbsDiff lab.Train.Count (classes lab) ])

/// The catalog's counter-example: x ~ U[0,1], y = 0, f(x) = (γ(1 + x/2), 0), g(x) = (γx/2, γ): |f − g| = γ on each
/// coordinate, f has margin > γ everywhere, g is always wrong. q = 1, r = 2 (g one of two candidate maps); m = 1000.
let private counterExample (lab: Lab) (run: Run) (t: int) =
    let m, gamma = 1000, 1.0
    let rng = run.Stream(lab, sprintf "counter-example/trial-%d" t)
    let xs = Array.init m (fun _ -> rng.NextDouble())
    let fMargin = xs |> Array.map (fun x -> gamma * (1.0 + x / 2.0))
    let closeness = xs |> Array.map (fun x -> max (abs (gamma * (1.0 + x / 2.0) - gamma * x / 2.0)) gamma) |> Array.max
    let lossAt g = float (fMargin |> Array.filter (fun v -> v <= g) |> Array.length) / float m
    Bindings.ofScalars [ "L0g", 1.0; "Lhat0g", 1.0; "Lhat_gamma", lossAt closeness; "Lhat_2gamma", lossAt (2.0 * closeness); "q", 1.0; "r", 2.0; "m", float m; "delta", 0.1 ],
    rng.Seed

let private counterExampleNote = "synthetic: the catalog's counter-example (x ~ U[0,1], f = (gamma(1 + x/2), 0), g = (gamma x/2, gamma)); L0(g) = 1 exactly, Lhat_gamma(f) = 0, m = 1000, q = 1, r = 2"

/// Linear model with a generalization gap: y = ±1, x ~ N(yμ, I_20), ‖μ‖ = 1; f = the mean classifier of S (scores
/// ±c·x/2), g = c rounded to a grid of step 0.005 on [−1, 1] fixed in advance (q = 20, r = 401); L0(g) = Φ(−ĉ·μ/‖ĉ‖)
/// exactly; γ = the largest per-point closeness (or its `quantile`, with ζ the fraction beyond it).
let private linearModel (lab: Lab) (run: Run) (quantile: float) (t: int) =
    let h, m, step = 20, 400, 0.005
    let mu = Array.create h (1.0 / sqrt (float h))
    let rng = run.Stream(lab, sprintf "linear-model/trial-%d" t)
    let ys = Array.init m (fun _ -> if rng.NextDouble() < 0.5 then 1.0 else -1.0)
    let xs = Array.init m (fun i -> Array.init h (fun j -> ys.[i] * mu.[j] + rng.NextGaussian()))
    let c = Array.init h (fun j -> Seq.sum (seq { for i in 0 .. m - 1 -> ys.[i] * xs.[i].[j] }) / float m) |> unit
    let cHat = c |> Array.map (fun v -> Rounding.RoundToGrid(max -1.0 (min 1.0 v), step))
    let perPoint = xs |> Array.map (fun x -> abs (dot c x - dot cHat x) / 2.0)
    let gamma = let sorted = Array.sort perPoint in sorted.[min (m - 1) (int (ceil (quantile * float m)) - 1)]
    let zeta = float (perPoint |> Array.filter (fun v -> v > gamma) |> Array.length) / float m
    let margins = Array.init m (fun i -> ys.[i] * dot c xs.[i])
    let lossAt g = float (margins |> Array.filter (fun v -> v <= g) |> Array.length) / float m
    let l0 = Normal.CDF(0.0, 1.0, -(dot cHat mu) / norm cHat)
    Bindings.ofScalars [ "L0g", l0; "Lhat_2gamma", lossAt (2.0 * gamma); "zeta", zeta; "q", float h; "r", 2.0 / step + 1.0; "m", float m; "delta", 0.1 ],
    rng.Seed

let private linearModelNote =
    "synthetic: y = +-1, x ~ N(y mu, I_20), ||mu|| = 1, m = 400; f = mean classifier of S, g = f rounded to the grid 0.005 Z on [-1, 1] fixed before S (q = 20, r = 401); L0(g) = Phi(-chat.mu/||chat||) exact; gamma = max closeness (T2.1-2gamma) or its 99.5% quantile with zeta the rest (CA.1)"

let private trialsOf (lab: Lab) (label: string) (make: int -> Bindings * uint64) =
    [ for t in 0 .. lab.Budget.Trials - 1 -> let b, seed = make t in { Evidence.instance b seed label with Trial = Some t } ]

/// Theorem 2.1's bound on the real network for g = Theorem 2.2's truncation (stored as float32 factors: q = Σ r_i
/// (h_in + h_out + 1) parameters, r = 2^32 values, a grid fixed before S), against g's held-out error. γ = the largest
/// per-point closeness (`marginFactor` 1 or 2: the stated or the corrected form), or its 90% quantile with ζ the rest.
let private truncationRisk (lab: Lab) (run: Run) (marginFactor: float) (quantile: float option) =
    let k = classes lab
    let n = lab.Train.Count
    let tr = truncation lab run.Mode
    let f = tr.TrainLogits
    let mf = Outputs.Margins(ReadOnlySpan f, ReadOnlySpan lab.Train.Labels, k)
    let perPoint = Outputs.RowMaxAbsDifferences(ReadOnlySpan f, ReadOnlySpan tr.G, n, k)
    let gamma = match quantile with Some q -> (Array.sort perPoint).[min (n - 1) (int (ceil (q * float n)) - 1)] | None -> Array.max perPoint
    let zeta = float (perPoint |> Array.filter (fun v -> v > gamma) |> Array.length) / float n
    let lossAt g = float (mf |> Array.filter (fun v -> v <= g) |> Array.length) / float n
    let net = network lab run.Mode
    let h = holdout lab
    let errors = Lab.memo lab ("arora2018/truncation-holdout/" + run.Mode.StreamName) (fun () ->
        Outputs.Errors(ReadOnlySpan(logitsWith lab net tr.Weights h), ReadOnlySpan h.Labels, k))
    let q = Seq.sum (seq { for l in 1 .. net.Depth -> float tr.Ranks.[l] * float (net.Rows.[l] + net.Cols.[l] + 1) })
    let b = Bindings.ofScalars [ "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma); "zeta", zeta; "q", q; "r", 2.0 ** 32.0; "m", float n; "delta", 0.1 ]
    // The proof step under Definition 1 on the training set, for the worst admissible g.
    let stepFails =
        let g = Array.copy f
        for i in 0 .. n - 1 do
            let order = Array.init k id |> Array.sortByDescending (fun j -> f.[i * k + j])
            g.[i * k + order.[0]] <- g.[i * k + order.[0]] - gamma
            g.[i * k + order.[1]] <- g.[i * k + order.[1]] + gamma
        let mg = Outputs.Margins(ReadOnlySpan g, ReadOnlySpan lab.Train.Labels, k)
        [| for i in 0 .. n - 1 do if mf.[i] > marginFactor * gamma && mg.[i] <= 0.0 then yield i |].Length
    Evidence.ofSettings [ Evidence.heldOut "held-out error of g" "L0g" errors h.Count b (Evidence.instance b (run.Stream(lab, "").Seed) "truncation g on held-out data") ]
    |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
    |> Evidence.withMeasured [ "gamma", gamma; "zeta", zeta; "q", q; "held-out error of g", float errors / float h.Count ]
    |> Evidence.withNotes
        [ sprintf "g = Theorem 2.2's Lemma-1 truncation (ranks %s), stored as float32 factors: q = %.6g parameters, r = 2^32 values (a grid fixed before S)" (String.Join(",", tr.Ranks.[1..])) q
          sprintf "proof step Lhat_0(g) <= Lhat_%sgamma(f) for the worst Definition-1 g (top score - gamma, runner-up + gamma): %d training points with f-margin > %g gamma flip" (if marginFactor = 1.0 then "" else "2") stepFails marginFactor
          "the bound is for g, not f (Remark R2.1)" ]

/// ARORA-T2.1 as stated: the counter-example (synthetic) and the truncation's held-out error (real).
let t21 =
    Experiment.create [ "L0g"; "Lhat_gamma"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic ->
            Evidence.ofInstances (trialsOf lab "counter-example" (counterExample lab run)) |> Evidence.withNotes [ counterExampleNote; "the bound is for g, not f (Remark R2.1)" ]
        | CheckMode.RealNetwork -> truncationRisk lab run 1.0 None)

/// ARORA-T2.1-step: the counter-example (synthetic); on the real net the g that Definition 1 allows and hurts most,
/// g(x) = f(x) − γ e_top + γ e_second, at γ = the median positive training margin / 1.5.
let t21Step =
    Experiment.create [ "Lhat0g"; "Lhat_gamma" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> Evidence.ofInstances (trialsOf lab "counter-example" (counterExample lab run)) |> Evidence.withNotes [ counterExampleNote ]
        | CheckMode.RealNetwork ->
            let k = classes lab
            let n = lab.Train.Count
            let f = (truncation lab run.Mode).TrainLogits
            let labels = lab.Train.Labels
            let mf = Outputs.Margins(ReadOnlySpan f, ReadOnlySpan labels, k)
            let positive = mf |> Array.filter (fun v -> v > 0.0)
            let gamma = if positive.Length = 0 then 1.0 else median positive / 1.5
            let g = Array.copy f
            for i in 0 .. n - 1 do
                let order = Array.init k id |> Array.sortByDescending (fun j -> f.[i * k + j])
                g.[i * k + order.[0]] <- g.[i * k + order.[0]] - gamma
                g.[i * k + order.[1]] <- g.[i * k + order.[1]] + gamma
            let mg = Outputs.Margins(ReadOnlySpan g, ReadOnlySpan labels, k)
            let slips = [| for i in 0 .. n - 1 do if mf.[i] > gamma && mg.[i] <= 0.0 then yield i |]
            let rate (xs: float[]) limit = float (xs |> Array.filter (fun v -> v <= limit) |> Array.length) / float n
            let lhatG, lhat, lhat2 = rate mg 0.0, rate mf gamma, rate mf (2.0 * gamma)
            let witness =
                if slips.Length > 0 then sprintf "training point %d has f-margin %.4g > gamma = %.4g but g errs; %d such points" slips.[0] mf.[slips.[0]] gamma slips.Length
                else "no training point has f-margin in (gamma, 2 gamma]"
            Evidence.ofInstances
                [ { Evidence.instance (Bindings.ofScalars [ "Lhat0g", lhatG; "Lhat_gamma", lhat ]) (run.Stream(lab, "").Seed) witness with
                      Sample = (if slips.Length > 0 then Some slips.[0] else None) } ]
            |> Evidence.withMeasured [ "gamma", gamma; "Lhat_0(g)", lhatG; "Lhat_gamma(f)", lhat; "Lhat_2gamma(f)", lhat2; "slipping points", float slips.Length ]
            |> Evidence.withNotes [ "real: g(x) = f(x) - gamma e_top + gamma e_second (a function of x only, within gamma of f on every coordinate); gamma = median positive training margin / 1.5" ])

/// ARORA-T2.1-2gamma: the linear model (synthetic) and the truncation's held-out error (real).
let t21Corrected =
    Experiment.create [ "L0g"; "Lhat_2gamma"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> Evidence.ofInstances (trialsOf lab "linear model" (linearModel lab run 1.0)) |> Evidence.withNotes [ linearModelNote; "the bound is for g, not f (Remark R2.1)" ]
        | CheckMode.RealNetwork -> truncationRisk lab run 2.0 None)

/// ARORA-CA.1: as T2.1-2gamma with γ at the 99.5% (synthetic) or 90% (real) quantile of the closeness, ζ the rest.
let ca1 =
    Experiment.create [ "L0g"; "Lhat_2gamma"; "zeta"; "q"; "r"; "m"; "delta" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> Evidence.ofInstances (trialsOf lab "linear model" (linearModel lab run 0.995)) |> Evidence.withNotes [ linearModelNote; "the bound is for g, not f (Remark R2.1)" ]
        | CheckMode.RealNetwork -> truncationRisk lab run 2.0 (Some 0.9))

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.d1 P.d1Mutants d1
      Lemma.notYet P.d2
      Lemma.create P.t21 P.t21Mutants t21
      Lemma.create P.t21Step P.t21StepMutants t21Step
      Lemma.create P.t21Corrected P.t21CorrectedMutants t21Corrected
      Lemma.create P.ca1 P.ca1Mutants ca1
      Lemma.notYet P.r21 ]
