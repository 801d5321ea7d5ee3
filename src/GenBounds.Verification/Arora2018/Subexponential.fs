/// Experiments for Arora et al. (2018) App. C.3 (GenBounds.Proofs.Arora2018.Subexponential): sums of p-wise independent
/// subexponential variables, drawn with the engine's PolynomialHash (one random polynomial of degree p − 1 over
/// GF(2^61 − 1) per trial, read at the summand indices, then the inverse CDF of the summand's law). Synthetic: centred
/// exponentials. Real: Algorithm 4's per-location error summands on the verifier's trained CNN (Gaussian surrogate, as
/// ARORA-T5.1), whose laws are exact normals. Every σ_ℓ is exact for its law (Definition 11).
module GenBounds.Verification.Arora2018.Subexponential

open System
open MathNet.Numerics
open MathNet.Numerics.Distributions
open GenBounds.Compression
open GenBounds.Random
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Arora2018.Shared
open GenBounds.Verification.Arora2018.Convolutional
module P = GenBounds.Proofs.Arora2018.Subexponential

/// Moment orders Definition 11 is evaluated at.
let orders = 40

/// Law of one summand, with its exact absolute central moments.
type Law =
    /// E − 1 with E ~ Exp(1).
    | CentredExponential
    /// N(0, s²).
    | Gaussian of s: float

    /// ln E|X − EX|^k, exact: Gaussian 2^{k/2} Γ((k+1)/2)/√π s^k; centred exponential e^{−1}(Σ_j 1/(j!(k+j+1)) + k!),
    /// the first term ∫₀¹ yᵏ eʸ dy (the part below the mean) summed as a series, the second the tail above the mean.
    member law.LogMoment(k: int) =
        match law with
        | Gaussian s -> float k / 2.0 * log 2.0 + SpecialFunctions.GammaLn(float (k + 1) / 2.0) - 0.5 * log Math.PI + float k * log s
        | CentredExponential ->
            let mutable below, term, j = 0.0, 1.0, 0
            while j < 200 && term / float (k + j + 1) > 1e-18 * (below + 1e-300) do
                below <- below + term / float (k + j + 1)
                j <- j + 1
                term <- term / float j
            -1.0 + log (below + exp (SpecialFunctions.FactorialLn k))

    /// The smallest σ with E|X − EX|^k ≤ σ^k k^k for k = 1..orders, and the order where it is attained.
    member law.Sigma =
        seq { 1 .. orders } |> Seq.map (fun k -> exp (law.LogMoment k / float k) / float k, k) |> Seq.maxBy fst

    /// The summand at a uniform u in (0, 1) (inverse CDF).
    member law.At(u: float) =
        match law with
        | CentredExponential -> -log (1.0 - u) - 1.0
        | Gaussian s -> s * Normal.InvCDF(0.0, 1.0, u)

/// tᵖ = 10: the tail probability the lemma allows is 0.1, well above the Clopper–Pearson resolution of a few hundred trials.
let private tFor (p: int) = 10.0 ** (1.0 / float p)

/// One setting's draws of X − EX (EX = 0 for both laws) and the summands' σ's.
type private Sums =
    { Label: string
      P: int
      Sigmas: float[]
      Deviations: float[]
      Seeds: uint64[]
      Layer: int option }

/// `trials` draws of Σ_ℓ a_ℓ X_ℓ + b_ℓ Z_ℓ (second hash for Z) with the summands p-wise independent across ℓ.
let private draw (rng: Rng) (trials: int) (p: int) (summand: PolynomialHash -> PolynomialHash -> int -> float) (n: int) =
    let seeds = Array.zeroCreate<uint64> trials
    let devs =
        Array.init trials (fun trial ->
            let r = rng.Split(sprintf "trial-%d" trial)
            seeds.[trial] <- r.Seed
            let h1, h2 = PolynomialHash(p, r.Split "first"), PolynomialHash(p, r.Split "second")
            let mutable x = 0.0
            for l in 0 .. n - 1 do x <- x + summand h1 h2 l
            x)
    devs, seeds

/// The settings of a mode: synthetic n ∈ {8, 64, 512, 4096} × p ∈ {2, 4}; real: each conv layer × p ∈ {2, 3, 4}.
let private sums (lab: Lab) (run: Run) : Result<Sums list, string> =
    Lab.memo lab ("arora2018/c3-sums/" + run.Mode.StreamName) (fun () ->
        let trials = lab.Budget.Trials
        // One stream for the four statements that share these draws, so that none depends on which of them ran first.
        let shared rest = stream lab "c3-sums" run.Mode rest
        match run.Mode with
        | CheckMode.Synthetic ->
            let law = CentredExponential
            let sigma = fst law.Sigma
            Ok
                [ for n in [ 8; 64; 512; 4096 ] do
                    for p in [ 2; 4 ] ->
                        let devs, seeds = draw (shared (sprintf "n-%d/p-%d" n p)) trials p (fun h _ l -> law.At(h.Uniform(uint64 l))) n
                        { Label = sprintf "n = %d centred exponentials, p = %d" n p; P = p; Sigmas = Array.create n sigma; Deviations = devs; Seeds = seeds; Layer = None } ]
        | CheckMode.RealNetwork ->
            match cnn lab run.Mode with
            | Error why -> Error why
            | Ok c ->
                let t = trace lab run.Mode c
                let s0 = [ 0 .. t.Count - 1 ] |> List.tryFind (fun s -> t.UNorm.[0].[s] > 0.0) |> Option.defaultValue 0
                Ok
                    [ for i, spec in convLayers c do
                        let input = c.Double.UShape.[i - 1]
                        let a = c.Double.W.[i]
                        let outs, patchN = spec.OutChannels, a.Length / spec.OutChannels
                        let k = MatrixProjectConv.HelperCount(0.5, 0.1, spec, 1.0)
                        let u = unit (gaussianVector (shared (sprintf "layer-%d/u" i)) outs)
                        let x = layerInput c t i s0
                        // Summand ℓ = (‖A‖‖u‖‖v_ℓ‖ g_ℓ + (uᵀAv_ℓ) z_ℓ)/√k with g_ℓ, z_ℓ ~ N(0, 1): exactly N(0, s_ℓ²).
                        let coef =
                            [| for loc in 0 .. spec.OutputShape(input).Locations - 1 do
                                let v = patch x input spec loc
                                let uav = Seq.sum (seq { for o in 0 .. outs - 1 -> u.[o] * Seq.sum (seq { for j in 0 .. patchN - 1 -> a.[o * patchN + j] * v.[j] }) })
                                let g = norm a * norm v / sqrt (float k)
                                if g > 0.0 then yield g, uav / sqrt (float k) |]
                        let sigmas = coef |> Array.map (fun (g, z) -> fst (Gaussian(sqrt (g * g + z * z))).Sigma)
                        for p in [ 2; 3; 4 ] ->
                            let devs, seeds =
                                draw (shared (sprintf "layer-%d/p-%d" i p)) trials p (fun hg hz l ->
                                    let g, z = coef.[l]
                                    g * Normal.InvCDF(0.0, 1.0, hg.Uniform(uint64 l)) + z * Normal.InvCDF(0.0, 1.0, hz.Uniform(uint64 l))) coef.Length
                            { Label = sprintf "conv layer %d (%dx%d kernel, stride %d), training point %d: %d non-zero location summands, k = %d, p = %d" i spec.KernelHeight spec.KernelWidth spec.Stride s0 coef.Length k p
                              P = p; Sigmas = sigmas; Deviations = devs; Seeds = seeds; Layer = Some i } ])

let private withSums (lab: Lab) (run: Run) (observe: Sums list -> Evidence) =
    match sums lab run with
    | Error why -> Evidence.unavailable why
    | Ok s -> observe s |> Evidence.withNotes [ P.modelNote; sprintf "%d draws per setting, each from its own hash polynomials (seed per trial)" lab.Budget.Trials ]

let private common (s: Sums) =
    [ "sigma", sqrt (Array.sumBy (fun x -> x * x) s.Sigmas); "p", float s.P; "n", float s.Sigmas.Length ]

/// The tail settings: per draw, |X − EX| with t = 10^{1/p}, σ = √Σσ_ℓ² and σ₁ = max σ_ℓ.
let private tailEvidence (lab: Lab) (run: Run) =
    withSums lab run (fun all ->
        Evidence.ofSettings
            [ for s in all ->
                let b = Bindings.ofScalars ([ "t", tFor s.P; "sigma_1", Array.max s.Sigmas ] @ common s)
                Evidence.setting s.Label
                    [ for trial in 0 .. s.Deviations.Length - 1 ->
                        { Evidence.instance (Bindings.scalar "dev" (abs s.Deviations.[trial]) b) s.Seeds.[trial] s.Label with Trial = Some trial; Layer = s.Layer } ] ]
        |> Evidence.withMeasured
            [ for s in all do
                let sd = sqrt (Array.averageBy (fun x -> x * x) s.Deviations)
                yield sprintf "%s: rms |X - EX| / sigma" s.Label, sd / sqrt (Array.sumBy (fun x -> x * x) s.Sigmas)
                yield sprintf "%s: rms |X - EX| / sigma_1" s.Label, sd / Array.max s.Sigmas ])

/// ARORA-C.L15 (tail form).
let l15 = Experiment.create [ "dev"; "t"; "sigma"; "p"; "n" ] tailEvidence

/// ARORA-C.L15-summand (the literal reading).
let l15Summand = Experiment.create [ "dev"; "t"; "sigma_1"; "sigma"; "p"; "n" ] tailEvidence

/// ARORA-C.L15-moment: the draws of |X − EX|^p per setting.
let l15Moment =
    Experiment.create [ "E[absdev_p]"; "sigma"; "p"; "n" ] (fun lab run ->
        withSums lab run (fun all ->
            Evidence.ofSettings
                [ for s in all ->
                    let b = Bindings.ofScalars (common s)
                    let witness = { Evidence.instance b s.Seeds.[0] s.Label with Layer = s.Layer }
                    Evidence.moments s.Label "E[absdev_p]" (s.Deviations |> Array.map (fun x -> abs x ** float s.P)) b witness ]))

/// ARORA-C.D11: E|X − EX|^k for k = 1..orders against σ^k k^k, σ the smallest valid value, per law.
let d11 =
    Experiment.create [ "moment_k"; "sigma"; "k" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let laws =
            match run.Mode with
            | CheckMode.Synthetic -> Ok [ "centred exponential E - 1", CentredExponential ]
            | CheckMode.RealNetwork ->
                match sums lab run with
                | Error why -> Error why
                | Ok all ->
                    // One law per conv layer: its widest summand (σ scales with s, so the shape is the same).
                    Ok [ for s in all |> List.distinctBy (fun s -> s.Layer) -> sprintf "conv layer %d, widest location summand" (defaultArg s.Layer 0), Gaussian(Array.max s.Sigmas / sqrt (2.0 / Math.PI)) ]
        match laws with
        | Error why -> Evidence.unavailable why
        | Ok laws ->
            Evidence.ofSettings
                [ for label, law in laws ->
                    let sigma, _ = law.Sigma
                    Evidence.setting label
                        [ for k in 1 .. orders ->
                            // Compared in logs would hide nothing, but the checker evaluates the printed form, so the
                            // moment is passed as a number (finite up to k = 40 for both laws).
                            Evidence.instance (Bindings.ofScalars [ "moment_k", exp (law.LogMoment k); "sigma", sigma; "k", float k ]) seed (sprintf "%s, k = %d" label k) ] ]
            |> Evidence.withMeasured
                [ for label, law in laws do
                    let sigma, at = law.Sigma
                    yield sprintf "%s: sigma" label, sigma
                    yield sprintf "%s: order attaining sigma" label, float at
                    yield sprintf "%s: ratio at k = %d over sigma (< 1: no growth at the last order)" label orders, exp (law.LogMoment orders / float orders) / float orders / sigma ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.d11 P.d11Mutants d11
      Lemma.create P.l15 P.l15Mutants l15
      Lemma.create P.l15Moment P.l15MomentMutants l15Moment
      Lemma.create P.l15Summand P.l15SummandMutants l15Summand ]
