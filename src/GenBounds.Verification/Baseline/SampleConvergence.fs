/// Experiments for baseline catalog §9 (GenBounds.Proofs.Baseline.SampleConvergence): the Langford-Caruana Monte Carlo
/// step and Langford's test-set bound by counting failures over trials, and the composed certificate against two plain
/// bisections and the catalog's worked example.
module GenBounds.Verification.Baseline.SampleConvergence

open System
open GenBounds.PacBayes
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Baseline.Shared
module P = GenBounds.Proofs.Baseline.SampleConvergence

/// Synthetic error rates of the Bernoulli models.
let private rates = [ 0.02; 0.1; 0.3 ]

/// Per-point 0-1 errors, on S or on the held-out set, of up to `requested` networks drawn from Q = N(w, sigma_l^2) around
/// the trained weights, sigma_l = 0.3 x the RMS of layer l's weights (biases perturbed at the same scale). Network j is
/// the same draw on either set; the count is capped by the network-work limit.
let private posteriorErrors (lab: Lab) (heldOut: bool) (requested: int) =
    Lab.memo lab (sprintf "baseline/posterior-errors/%b/%d" heldOut requested) (fun () ->
        let net = lab.Network
        let data = if heldOut then lab.Test else lab.Train
        let sizes = Array.ofSeq net.Architecture.LayerSizes
        let work = 3.0 * float net.Architecture.ParameterCount * float data.Count
        let a = allow lab "network-work" requested work 20 "posterior networks drawn around the trained weights"
        let x = Array.map float data.Features
        let k = net.Architecture.OutputSize
        let errors =
            [| for j in 0 .. a.Count - 1 ->
                let rng = Lab.stream lab paperId "posterior-pool" CheckMode.RealNetwork (sprintf "net-%d" j)
                let sds = net.Layers |> Array.map (fun l -> 0.3 * sqrt (l.Weight |> Array.averageBy (fun v -> float v * float v)))
                let ws = net.Layers |> Array.mapi (fun i l -> let n = gaussian (rng.Split(sprintf "w%d" i)) l.Weight.Length sds.[i] in Array.map2 (fun (v: float32) e -> float v + e) l.Weight n)
                let bs =
                    net.Layers |> Array.mapi (fun i l ->
                        match l.Bias with
                        | NonNull b -> let n = gaussian (rng.Split(sprintf "b%d" i)) b.Length sds.[i] in Some(Array.map2 (fun (v: float32) e -> float v + e) b n)
                        | Null -> None)
                let out = logits lab sizes ws bs x data.Count
                margins out data.Labels k |> Array.map (fun mg -> mg <= 0.0) |]
        errors, a)

/// The sample-convergence pool: each posterior network's error on S.
let private posteriorPool (lab: Lab) =
    let errors, a = posteriorErrors lab false 100
    errors |> Array.map (fun e -> float (e |> Array.filter id |> Array.length) / float e.Length), a

/// BASE-SC-LC01: failures of the sample-convergence bound over trials.
let langfordCaruana =
    Experiment.create [ "mean"; "scUpper"; "empirical"; "deltaPrime" ] (fun lab run ->
        let deltaPrime = 0.05
        let trials = Budget.cheapTrials lab.Budget
        let setting label (mean: float) (n: int) (draw: GenBounds.Random.Rng -> float) =
            Evidence.setting label
                [ for t in 0 .. trials - 1 ->
                    let rng = run.Stream(lab, sprintf "%s/trial-%d" label t)
                    let sum = Seq.sum (seq { for _ in 1 .. n -> draw rng })
                    let empirical = sum / float n
                    let upper = BinaryKl.UpperInverse(min 1.0 empirical, log (2.0 / deltaPrime) / float n)
                    trial [ "mean", mean; "scUpper", upper; "empirical", empirical; "deltaPrime", deltaPrime ] rng.Seed label t ]
        match run.Mode with
        | CheckMode.Synthetic ->
            Evidence.ofSettings [ for p in rates -> setting (sprintf "Bernoulli(%g), n = 100" p) p 100 (fun rng -> if rng.NextDouble() < p then 1.0 else 0.0) ]
            |> Evidence.withNotes [ "MonteCarloBounds.SampleConvergenceUpper is kl^-1_up(errors/n, ln(2/delta')/n); the same inverse is applied to the draws' mean here" ]
        | CheckMode.RealNetwork ->
            let pool, a = posteriorPool lab
            let mean = Array.average pool
            Evidence.ofSettings [ setting (sprintf "pool of %d posterior networks (mean error %.4g), n = 30" pool.Length mean) mean 30 (fun rng -> pool.[rng.NextInt pool.Length]) ]
            |> Evidence.withMeasured [ "pool mean error", mean; "pool size", float pool.Length ]
            |> Evidence.withCaps [ a ])

/// BASE-SC-TEST: failures of the test-set bound over trials.
let testSet =
    Experiment.create [ "risk"; "testUpper"; "empirical"; "deltaTest" ] (fun lab run ->
        let deltaTest = 0.05
        let trials = Budget.cheapTrials lab.Budget
        let setting label (risk: float) (n: int) (isError: GenBounds.Random.Rng -> bool) =
            Evidence.setting label
                [ for t in 0 .. trials - 1 ->
                    let rng = run.Stream(lab, sprintf "%s/trial-%d" label t)
                    let errors = Seq.sum (seq { for _ in 1 .. n -> if isError rng then 1L else 0L })
                    let b = MonteCarloBounds.TestSetBound(errors, int64 n, deltaTest)
                    trial [ "risk", risk; "testUpper", b.Upper; "empirical", float errors / float n; "deltaTest", deltaTest ] rng.Seed label t ]
        match run.Mode with
        | CheckMode.Synthetic ->
            Evidence.ofSettings [ for p in rates -> setting (sprintf "Bernoulli(%g), n_t = 200" p) p 200 (fun rng -> rng.NextDouble() < p) ]
        | CheckMode.RealNetwork ->
            let wrong = labMargins lab true |> Array.map (fun m -> m <= 0.0)
            let risk = float (wrong |> Array.filter id |> Array.length) / float wrong.Length
            // n_t = 1000: at n_t = 100 and a 3% error the event "no error at all" alone has probability close to delta_t (the
            // Chernoff bound is tight at 0 errors), so the failure rate would sit at delta_t and the check could not decide.
            Evidence.ofSettings [ setting (sprintf "trained net on the held-out set (error %.4g), n_t = 1000" risk) risk 1000 (fun rng -> wrong.[rng.NextInt wrong.Length]) ]
            |> Evidence.withMeasured [ "held-out error", risk ])

/// Trials of a PAC-Bayes bound over draws of S on a finite class with the uniform prior: per draw, the ERM point mass and
/// Gibbs posteriors (beta in {0, 1/4, 1, 4}); the instance is the posterior with the least slack bound - risk.
let private finiteClassTrials (lab: Lab) (run: Run) (name: string) (bound: float -> float -> int64 -> float -> float) =
    let m, delta = 100, 0.05
    let trials = Budget.cheapTrials lab.Budget
    // risks.[j] and a sampler of the m-point error counts of every hypothesis.
    let label, risks, counts, caps =
        match run.Mode with
        | CheckMode.Synthetic ->
            let k = 50
            let risks = Array.init k (fun j -> 0.1 + 0.3 * float j / float (k - 1))
            "50 hypotheses, risks 0.1..0.4, independent Bernoulli losses", risks,
            (fun (rng: GenBounds.Random.Rng) -> risks |> Array.map (fun r -> let mutable c = 0 in (for _ in 1 .. m do if rng.NextDouble() < r then c <- c + 1); c)), []
        | CheckMode.RealNetwork ->
            let errors, a = posteriorErrors lab true 50
            let n = errors.[0].Length
            let risks = errors |> Array.map (fun e -> float (e |> Array.filter id |> Array.length) / float n)
            sprintf "%d networks around the trained weights on the held-out population (%d points)" errors.Length n, risks,
            (fun (rng: GenBounds.Random.Rng) ->
                let idx = Array.init m (fun _ -> rng.NextInt n)
                errors |> Array.map (fun e -> idx |> Array.sumBy (fun i -> if e.[i] then 1 else 0))), [ a ]
    let k = risks.Length
    let instances =
        [ for t in 0 .. trials - 1 ->
            let rng = run.Stream(lab, sprintf "draw-%d" t)
            let emp = counts rng |> Array.map (fun c -> float c / float m)
            let gibbs beta =
                let logits = emp |> Array.map (fun e -> -beta * float m * e)
                let top = Array.max logits
                let w = logits |> Array.map (fun l -> exp (l - top))
                let z = Array.sum w
                let q = w |> Array.map (fun v -> v / z)
                let klq = q |> Array.sumBy (fun p -> if p > 0.0 then p * log (p * float k) else 0.0)
                sprintf "Gibbs beta = %g" beta, Array.fold2 (fun acc p e -> acc + p * e) 0.0 q emp, Array.fold2 (fun acc p r -> acc + p * r) 0.0 q risks, max 0.0 klq
            let erm = Array.findIndex (fun e -> e = Array.min emp) emp
            let posteriors = ("ERM", emp.[erm], risks.[erm], log (float k)) :: [ for beta in [ 0.0; 0.25; 1.0; 4.0 ] -> gibbs beta ]
            let qName, qEmp, qRisk, qKl, qBound =
                posteriors |> List.map (fun (nm, e, r, klq) -> nm, e, r, klq, bound (min 1.0 e) klq (int64 m) delta) |> List.minBy (fun (_, _, r, _, b) -> b - r)
            trial [ "risk", qRisk; name, qBound; "empirical", qEmp; "delta", delta ] rng.Seed (sprintf "%s, tightest posterior %s (KL %.3g)" label qName qKl) t ]
    Evidence.ofSettings [ Evidence.setting (sprintf "%s, m = %d" label m) instances ] |> Evidence.withCaps caps

/// BASE-PB-MAURER.
let maurer =
    Experiment.create [ "risk"; "maurer"; "empirical"; "delta" ] (fun lab run ->
        finiteClassTrials lab run "maurer" (fun e klq m d -> PacBayesBounds.Maurer(e, klq, m, d)))

/// BASE-PB-CATONI.
let catoni =
    Experiment.create [ "risk"; "catoni"; "empirical"; "delta" ] (fun lab run ->
        finiteClassTrials lab run "catoni" (fun e klq m d -> PacBayesBounds.CatoniGrid(e, klq, m, d, PacBayesBounds.DefaultCatoniGrid).Bound))

/// The engine's certificate and its mutant (m doubled) for L_MC = errors/n.
let private engineCertificate errors n deltaPrime kl (m: int64) delta =
    let inner = MonteCarloBounds.SampleConvergenceUpper(errors, n, deltaPrime)
    inner, PacBayesBounds.Maurer(inner, kl, m, delta), PacBayesBounds.Maurer(inner, kl, 2L * m, delta)

/// The certificate from two plain bisections.
let private referenceCertificate errors n deltaPrime kl (m: int64) delta =
    let inner = refUpper (float errors / float n) (log (2.0 / deltaPrime) / float n)
    inner, refUpper inner ((kl + log (2.0 * sqrt (float m) / delta)) / float m)

/// BASE-CERT.
let certificate =
    Experiment.create [ "certificate"; "reference"; "certificateWholeData" ] (fun lab run ->
        let rng = run.Stream(lab, "inputs")
        let inputs =
            match run.Mode with
            | CheckMode.Synthetic ->
                [ for _ in 0 .. 99 ->
                    let n = int64 (Math.Pow(10.0, 2.0 + 3.0 * rng.NextDouble()))
                    let errors = int64 (0.3 * rng.NextDouble() * float n)
                    let m = int64 (Math.Pow(10.0, 2.0 + 3.0 * rng.NextDouble()))
                    errors, n, 0.001 + 0.049 * rng.NextDouble(), Math.Pow(10.0, 3.5 * rng.NextDouble()), m, 0.001 + 0.099 * rng.NextDouble() ]
            | CheckMode.RealNetwork ->
                let n = int64 lab.Train.Count
                let errors = int64 (Math.Round(fractionAtMost 0.0 (labMargins lab false) * float n))
                let w2 = labSquaredNorm lab
                [ for s in sigmaGrid -> errors, n, 0.01, w2 / (2.0 * s * s), n, 0.025 ]
        let computed =
            [ for errors, n, dp, kl, m, d in inputs do
                let inner, cert, whole = engineCertificate errors n dp kl m d
                let rInner, rCert = referenceCertificate errors n dp kl m d
                let label = sprintf "L_MC = %d/%d, delta' = %.3g, KL = %.4g, m = %d, delta = %.3g" errors n dp kl m d
                yield inst [ "certificate", inner; "reference", rInner; "certificateWholeData", inner ] rng.Seed (label + ": inner step")
                yield inst [ "certificate", cert; "reference", rCert; "certificateWholeData", whole ] rng.Seed (label + ": certificate") ]
        let example =
            let inner, cert, whole = engineCertificate 3000L 150000L 0.01 500.0 30000L 0.025
            { Evidence.setting "catalog §9 worked example (printed to 7 decimals)"
                [ inst [ "certificate", inner; "reference", 0.0211994; "certificateWholeData", inner ] rng.Seed "inner kl^-1_up(0.02, ln(200)/150000)"
                  inst [ "certificate", cert; "reference", 0.0591961; "certificateWholeData", whole ] rng.Seed "certificate (KL = 500, m = 30000, delta = 0.025)" ] with
                Tolerance = Some { Absolute = 1e-7; Relative = 0.0 } }
        Evidence.ofSettings [ Evidence.setting "engine vs two plain bisections" computed; if run.Mode = CheckMode.Synthetic then example ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.langfordCaruana P.langfordCaruanaMutants langfordCaruana
      Lemma.create P.testSet P.testSetMutants testSet
      Lemma.create P.certificate P.certificateMutants certificate
      Lemma.create P.maurer P.maurerMutants maurer
      Lemma.create P.catoni P.catoniMutants catoni ]
