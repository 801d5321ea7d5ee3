/// The shared experiment of Arora et al.'s noise-stability half: the measures of the network on S (cushions,
/// contraction, Jacobians, attenuation), γ and Lemma 10's ε, Lemma 3's plan, the whole-network compression draws (the
/// engine's NoiseStability, the same draws `genbounds measure` uses for ρ_δ), the smallest helper count that meets the
/// target, and the trained / random-init / shuffled-label comparison measures. Computed once per lab and mode.
module GenBounds.Verification.Arora2018.Draws

open System
open GenBounds.Compression
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Training
open GenBounds.Verification
open GenBounds.Verification.Arora2018.Shared

/// Confidence parameter δ of ARORA-D7, L3, L10 and T4.1.
let delta = 0.1

/// Everything the noise-stability statements of one mode measure.
type NoiseLab =
    { Mode: CheckMode
      Mlp: Mlp
      Net: DoubleMlp
      Measures: NetworkMeasures
      Chunks: (int * ForwardTrace)[]
      /// γ = the median positive training margin; L̂_γ(f_A) on S.
      Gamma: float
      LGamma: float
      /// Lemma 10's ε = min(1, γ/(√2 max‖f‖)): one ε serves D7, L3 and L10.
      Epsilon: float
      Plan: AroraLemma3Plan option
      PlanError: string option
      Draws: CompressionDraw[]
      Rho: SmoothnessEstimate option
      /// (scale s* of every k_i meeting the target, confirmation failures, confirmation draws).
      SmallestK: (float * int * int) option
      Allowances: Allowance list }

let private marginLoss (m: NetworkMeasures) (gamma: float) =
    match m.Margin with
    | null -> nan
    | ms -> float (ms |> Array.filter (fun x -> x <= gamma) |> Array.length) / float ms.Length

/// The noise-stability lab of a mode.
let noiseLab (lab: Lab) (mode: CheckMode) : NoiseLab =
    Lab.memo lab ("arora2018/noise/" + mode.StreamName) (fun () ->
        let la = lab.LinearAlgebra
        let mlp = mlpOf lab mode
        let data = lab.Train
        let options = MeasureOptions(ExactJacobians = true, Attenuation = true, Rng = stream lab "attenuation" mode "", Provider = la)
        let m = NetworkMeasures.Compute(mlp, data.Features, data.Count, data.Labels, options)
        let net = DoubleMlp(mlp)
        let gamma = NoiseStability.MedianPositiveMargin(ReadOnlySpan(match m.Margin with null -> [||] | a -> a))
        let eps = NoiseStability.Lemma10Epsilon(gamma, m.MaxOutputNorm())
        let chunks = NoiseStability.Chunks(net, data.Features, data.Count, la) |> Array.map (fun struct (o, t) -> o, t)
        let lab0 =
            { Mode = mode; Mlp = mlp; Net = net; Measures = m; Chunks = chunks; Gamma = gamma; LGamma = marginLoss m gamma; Epsilon = eps
              Plan = None; PlanError = None; Draws = [||]; Rho = None; SmallestK = None; Allowances = [] }
        match (try Ok(NoiseStability.Plan(m, data.Count, eps, delta)) with :? ArgumentException as e -> Error e.Message) with
        | Error e -> { lab0 with PlanError = Some e }
        | Ok p ->
            let work = 3.0 * float mlp.Architecture.ParameterCount * float data.Count
            let draws = Budget.allow "network-work" lab.Budget.Trials work 200 "whole-network compression draws" lab.Budget
            let chunkList = chunks |> Array.map (fun (o, t) -> struct (o, t))
            // One set of work arrays for this mode's draws (they run one after another on this thread).
            let workspace = NoiseStability.Workspace()
            let ds =
                Array.init draws.Count (fun t ->
                    NoiseStability.Draw(net, chunkList, data.Labels, p.HelperCounts, eps, NoiseStability.DrawStream(lab.Seeds, mode.StreamName, t), la, workspace))
            let rho = NoiseStability.RhoDelta(ds |> Array.map (fun d -> d.R), delta, Checker.confidence)
            // Output error scales as 1/√k in the linear regime, so the (1 − δ/2)-quantile of the error fixes the scale s*
            // of every k_i at which the target is met; a confirmation run at s* checks that extrapolation.
            let errs = ds |> Array.map (fun d -> d.MaxRelativeError) |> Array.sort
            let q = errs.[min (errs.Length - 1) (int (ceil ((1.0 - delta / 2.0) * float errs.Length)) - 1)]
            let confirm = Budget.allow "confirm-draws" lab.Budget.Trials 1.0 2 "confirmation draws of the smallest k" lab.Budget
            let smallest =
                if q > 0.0 && Double.IsFinite q then
                    let scale = (q / eps) ** 2.0
                    let fails =
                        Array.init confirm.Count (fun t -> NoiseStability.OutputError(net, chunkList, p.HelperCounts, scale, stream lab "kmin" mode (sprintf "draw-%d" t), la, workspace))
                        |> Array.filter (fun e -> e > eps) |> Array.length
                    Some(scale, fails, confirm.Count)
                else None
            { lab0 with Plan = Some p; Draws = ds; Rho = Some rho; SmallestK = smallest; Allowances = [ draws; confirm ] })

/// ρ_δ certified (NaN without a plan).
let rhoCertified (nl: NoiseLab) = match nl.Rho with Some r -> r.Certified | None -> nan

/// The plan's notes and the budget caps every statement that uses the draws prints.
let planNotes (nl: NoiseLab) =
    match nl.Plan with
    | None -> []
    | Some p ->
        [ sprintf "eps = %.4g (Lemma 10: gamma/(sqrt 2 max ||f||), gamma = %.4g), delta = %g, eta = %.3g; eps_i = %s; k_i = %s (Gaussian surrogate)" nl.Epsilon nl.Gamma delta p.Eta
              (String.Join(", ", p.LayerEpsilons |> Array.map (sprintf "%.3g"))) (String.Join(", ", p.HelperCounts |> Array.map (sprintf "%.3g")))
          sprintf "Lemma 3 parameter count: sum k_i = %.4g (6cd reading), stated 72 c^2 d^2 log(mdh/delta)/eps^2 sum 1/(mu^2 mu_->^2) = %.4g; actual parameters %d" p.TotalParameters p.StatedCount nl.Mlp.Architecture.ParameterCount ]

/// ρ_δ's values as descriptive bindings.
let rhoMeasured (nl: NoiseLab) =
    match nl.Rho with
    | None -> []
    | Some r ->
        [ "rho_delta (certified)", r.Certified; "rhohat_delta", r.Estimate; "rhohat CI lower", r.Lower; "rhohat CI upper", r.Upper
          "3d", 3.0 * float nl.Net.Depth; "delta", delta ]

/// Evidence for a statement that needs Lemma 3's plan when the plan has no solution.
let noPlan (nl: NoiseLab) = Evidence.unavailable ("Lemma 3 plan undefined: " + defaultArg nl.PlanError "")

/// Notes of every noise-stability result: subsampling and the synthetic model.
let contextNotes (lab: Lab) (mode: CheckMode) =
    [ if lab.Train.Name.Contains "[subset" || lab.Train.Name.Contains "[take" then
          sprintf "subsample: optimistic (S = %s, %d points; minima over a subsample over-estimate cushions)" lab.Train.Name lab.Train.Count
      if mode = CheckMode.Synthetic then "synthetic: i.i.d. Gaussian weights at each trained layer's variance, same data S" ]

/// A comparison network's measures and the per-sample 1/R of one compression draw at its own Lemma-3 plan.
type ComparisonMeasures = { Name: string; Measures: NetworkMeasures; InverseSmoothness: float[]; Note: string }

let private inverseSmoothness (lab: Lab) (mlp: Mlp) (m: NetworkMeasures) (eps: float) (name: string) =
    let la = lab.LinearAlgebra
    let net = DoubleMlp(mlp)
    match (try Some(NoiseStability.Plan(m, lab.Train.Count, eps, delta)) with :? ArgumentException -> None) with
    | None -> [||]
    | Some p ->
        let pert = NoiseStability.Compress(net, p.HelperCounts, 1.0, (fun _ -> true), stream lab "comparison" CheckMode.RealNetwork ("smoothness/" + name))
        [| for struct (off, clean) in NoiseStability.Chunks(net, lab.Train.Features, lab.Train.Count, la) do
             let tp = ForwardTrace.Compute(pert, ReadOnlySpan(lab.Train.Features, off * lab.Train.Dimension, clean.Count * lab.Train.Dimension), clean.Count, false, la)
             let sm = InterlayerSmoothness.Measure(clean, tp, la)
             for s in 0 .. clean.Count - 1 ->
                 let r = sm.Ratio.Pairs() |> Seq.map (fun struct (i, j) -> sm.Ratio.[i, j].[s]) |> Seq.min
                 if Double.IsPositiveInfinity r then 0.0 else 1.0 / r |]

/// Trained (the model), randomly initialised and shuffled-label networks (Figure 2 and App. D.2 analogues).
let comparisons (lab: Lab) : ComparisonMeasures list =
    Lab.memo lab "arora2018/comparison-measures" (fun () ->
        let real = noiseLab lab CheckMode.RealNetwork
        let c = comparison lab
        let measure (mlp: Mlp) = NetworkMeasures.Compute(mlp, lab.Train.Features, lab.Train.Count, lab.Train.Labels, MeasureOptions(ExactJacobians = true, Provider = lab.LinearAlgebra))
        let mi, ms = measure c.RandomInit, measure c.Shuffled
        [ { Name = "trained"; Measures = real.Measures; InverseSmoothness = inverseSmoothness lab real.Mlp real.Measures real.Epsilon "trained"; Note = "the model under verification" }
          { Name = "random init"; Measures = mi; InverseSmoothness = inverseSmoothness lab c.RandomInit mi real.Epsilon "random-init"
            Note = "default initialisation of the same architecture, drawn by the verifier (not the model's own initialisation, which the model file does not carry)" }
          { Name = "shuffled labels"; Measures = ms; InverseSmoothness = inverseSmoothness lab c.Shuffled ms real.Epsilon "shuffled"
            Note = sprintf "trained by the verifier from the random-init network on S with uniformly random labels (%d of %d changed), %d epochs, Adam, batch 64; final training accuracy on the random labels %.3f" c.Changed lab.Train.Count c.Epochs c.ShuffledAccuracy } ])

/// A histogram drawn as frequency polygons on common bins, one series per network (Vega-Lite lines).
let polygons (title: string) (xLabel: string) (groups: (string * float[]) list) =
    let finite = groups |> List.map (fun (n, v) -> n, v |> Array.filter Double.IsFinite)
    let all = finite |> List.collect (fun (_, v) -> List.ofArray v)
    if all.IsEmpty then None
    else
        let lo, hi = List.min all, List.max all
        let bins = 30
        let width = if hi > lo then (hi - lo) / float bins else 1.0
        let series =
            finite |> List.map (fun (name, v) ->
                let counts = Array.zeroCreate<float> bins
                for x in v do
                    let b = min (bins - 1) (int ((x - lo) / width))
                    counts.[b] <- counts.[b] + 1.0
                name, Array.init bins (fun b -> lo + (float b + 0.5) * width, (if v.Length = 0 then 0.0 else counts.[b] / float v.Length)))
        Some(Figure.Lines(title, xLabel, "fraction of samples", series))

/// Per-layer comparison figures of a per-sample quantity (trained vs random init vs shuffled labels; real mode only).
let comparisonFigures (lab: Lab) (mode: CheckMode) (label: string) (layers: int list) (values: ComparisonMeasures -> int -> float[]) =
    match mode with
    | CheckMode.Synthetic -> []
    | CheckMode.RealNetwork ->
        let cs = comparisons lab
        layers |> List.choose (fun i -> polygons (sprintf "%s, layer %d: trained vs random init vs shuffled labels" label i) label [ for c in cs -> c.Name, values c i ])
