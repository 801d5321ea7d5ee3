/// Experiments for baseline catalog §8 and §10.1 (GenBounds.Proofs.Baseline.KlInverse): the engine's kl inverses against
/// a plain bisection and the catalog's test vectors, the closed form at 0, the Pinsker-type relations, Newton from above,
/// PBB's inverse, and the PAC-Bayes family's order and monotonicity.
module GenBounds.Verification.Baseline.KlInverse

open System
open GenBounds.PacBayes
open GenBounds.Verification
open GenBounds.Verification.Baseline.Shared
module P = GenBounds.Proofs.Baseline.KlInverse

/// The catalog's §8 test vectors: q, c, kl^-1_up, kl^-1_down (10 decimals).
let testVectors =
    [ 0.0, 0.1, 0.0951625820, 0.0
      0.01, 0.05, 0.0780984629, 0.0000249739
      0.1, 0.01, 0.1476755393, 0.0629106298
      0.3, 0.2, 0.6126327240, 0.0817714849
      0.5, 0.001, 0.5223495041, 0.4776504959
      0.028, log (2.0 / 0.01) / 150000.0, 0.0294088907, 0.0266355660 ]

/// (label, q, c) cases: synthetic random (a quarter at q = 0, a quarter at small q); real from the trained net's errors.
let cases (lab: Lab) (run: Run) =
    match run.Mode with
    | CheckMode.Synthetic ->
        let rng = run.Shared(lab, "cases", "")
        [ for i in 0 .. 199 ->
            let q =
                match i % 4 with
                | 0 -> 0.0
                | 1 -> Math.Pow(10.0, -4.0 + 3.0 * rng.NextDouble())
                | _ -> rng.NextDouble()
            let c = Math.Pow(10.0, -4.0 + 4.0 * rng.NextDouble())
            sprintf "q = %.4g, c = %.4g" q c, q, c ]
    | CheckMode.RealNetwork ->
        let train, test = labMargins lab false, labMargins lab true
        let qs =
            [ "train error", fractionAtMost 0.0 train; "held-out error", fractionAtMost 0.0 test
              "margin loss at 1", fractionAtMost 1.0 train; "margin loss at 5", fractionAtMost 5.0 train ]
        [ for name, q in qs do
            for nName, n in [ "|S|", train.Length; "|held-out|", test.Length ] do
                for delta in [ 0.01; 0.05 ] ->
                    let c = log (2.0 / delta) / float n
                    sprintf "%s = %.4g, c = ln(2/%g)/%s" name q delta nName, q, c ]

let private seedOf (lab: Lab) (run: Run) = (run.Shared(lab, "cases", "")).Seed

/// BASE-KL-INV: both inverses on every case, and the test vectors.
let inverse =
    Experiment.create [ "inverse"; "reference"; "pinsker" ] (fun lab run ->
        let seed = seedOf lab run
        let both label q c upper lower =
            [ inst [ "inverse", BinaryKl.UpperInverse(q, c); "reference", upper; "pinsker", min 1.0 (q + sqrt (c / 2.0)) ] seed (label + ", upper")
              inst [ "inverse", BinaryKl.LowerInverse(q, c); "reference", lower; "pinsker", max 0.0 (q - sqrt (c / 2.0)) ] seed (label + ", lower") ]
        let random = [ for label, q, c in cases lab run do yield! both label q c (refUpper q c) (refLower q c) ]
        let vectors = [ for q, c, up, down in testVectors do yield! both (sprintf "catalog vector q = %g, c = %.6g" q c) q c up down ]
        Evidence.ofSettings
            [ Evidence.setting "200-step bisection" random
              if run.Mode = CheckMode.Synthetic then Evidence.setting "catalog §8 test vectors (printed to 10 decimals)" vectors ])

/// BASE-KL-ZERO: the engine's upper inverse at q = 0 for every case's c.
let zero =
    Experiment.create [ "upperAtZero"; "c" ] (fun lab run ->
        let seed = seedOf lab run
        Evidence.ofInstances [ for label, _, c in cases lab run -> inst [ "upperAtZero", BinaryKl.UpperInverse(0.0, c); "c", c ] seed label ])

let private upperCases (lab: Lab) (run: Run) =
    let seed = seedOf lab run
    Evidence.ofInstances [ for label, q, c in cases lab run -> inst [ "upper", BinaryKl.UpperInverse(q, c); "q", q; "c", c ] seed label ]

/// BASE-KL-PINSKER.
let pinsker = Experiment.create [ "upper"; "q"; "c" ] upperCases

/// BASE-KL-REFINED.
let refined = Experiment.create [ "upper"; "q"; "c" ] upperCases

/// The first `steps` Newton iterates for kl^-1_up from the Pinsker start (1 when the start is >= 1).
let newtonIterates (q: float) (c: float) (steps: int) =
    let p0 = q + sqrt (c / 2.0)
    if p0 >= 1.0 then [ 1.0 ]
    else
        let rec go p k acc =
            if k = 0 then List.rev acc
            else
                let f = kl q p - c
                if f <= 0.0 then List.rev acc
                else
                    let next = p - f / ((1.0 - q) / (1.0 - p) - q / p)
                    go next (k - 1) (next :: acc)
        go p0 steps [ p0 ]

/// BASE-KL-NEWTON: five iterates (Dziugaite-Roy) and the engine's Newton inverse against the root's lower bracket end.
let newton =
    Experiment.create [ "iterate"; "rootLower" ] (fun lab run ->
        let seed = seedOf lab run
        Evidence.ofInstances
            [ for label, q, c in cases lab run do
                let root = fst (upperBracket q c)
                for k, p in List.indexed (newtonIterates q c 5) -> inst [ "iterate", p; "rootLower", root ] seed (sprintf "%s, iterate %d" label k)
                yield inst [ "iterate", BinaryKl.UpperInverseNewton(q, c); "rootLower", root ] seed (label + ", BinaryKl.UpperInverseNewton") ])

/// PBB's inv_kl as the catalog describes it: bisection on [q, 1 - 1e-10] until the relative width is below 1e-5, returning
/// the last midpoint.
let pbbInverse (q: float) (c: float) =
    let mutable lo, hi, last = q, 1.0 - 1e-10, q
    while (hi - lo) / hi >= 1e-5 do
        let p = (lo + hi) / 2.0
        if kl q p > c then hi <- p else lo <- p
        last <- p
    last

/// BASE-KL-PBB.
let pbb =
    Experiment.create [ "pbbInverse"; "rootLower" ] (fun lab run ->
        let seed = seedOf lab run
        Evidence.ofInstances [ for label, q, c in cases lab run -> inst [ "pbbInverse", pbbInverse q c; "rootLower", fst (upperBracket q c) ] seed label ])

/// (label, risk, KL, m, delta, lambda) inputs of the PAC-Bayes family: synthetic random; real from the trained net.
let familyInputs (lab: Lab) (run: Run) =
    match run.Mode with
    | CheckMode.Synthetic ->
        let rng = run.Shared(lab, "family", "")
        [ for _ in 0 .. 199 ->
            let risk = 0.5 * rng.NextDouble()
            let k = Math.Pow(10.0, -2.0 + 6.0 * rng.NextDouble())
            let m = int64 (Math.Pow(10.0, 0.91 + 5.0 * rng.NextDouble())) |> max 8L
            let delta = 0.001 + 0.199 * rng.NextDouble()
            let lambda = 0.01 + 1.98 * rng.NextDouble()
            sprintf "L = %.3g, KL = %.3g, m = %d, delta = %.3g" risk k m delta, risk, k, m, delta, lambda ]
    | CheckMode.RealNetwork ->
        let risk = fractionAtMost 0.0 (labMargins lab false)
        let m = int64 lab.Train.Count
        let w2 = labSquaredNorm lab
        [ for s in sigmaGrid do
            for delta in [ 0.025; 0.05 ] do
                for lambda in [ 0.1; 1.0; 1.5 ] ->
                    let k = w2 / (2.0 * s * s)
                    sprintf "train error %.4g, KL = ||w||^2/(2 %g^2) = %.4g, m = %d, delta = %g, lambda = %g" risk s k m delta lambda, risk, k, m, delta, lambda ]

let private lambdaOptimal r k m d =
    let struct (bound, _) = PacBayesBounds.LambdaOptimal(r, k, m, d)
    bound

/// BASE-PB-CHAIN.
let chain =
    Experiment.create [ "maurer"; "seeger"; "classic"; "quad"; "lambdaOpt"; "lambdaFixed"; "ssbd"; "mcallester" ] (fun lab run ->
        let seed = (run.Shared(lab, "family", "")).Seed
        Evidence.ofInstances
            [ for label, r, k, m, d, l in familyInputs lab run ->
                inst
                    [ "maurer", PacBayesBounds.Maurer(r, k, m, d); "seeger", PacBayesBounds.SeegerLangford(r, k, m, d)
                      "classic", PacBayesBounds.Classic(r, k, m, d); "quad", PacBayesBounds.Quad(r, k, m, d)
                      "lambdaOpt", lambdaOptimal r k m d; "lambdaFixed", PacBayesBounds.Lambda(r, k, m, d, l)
                      "ssbd", PacBayesBounds.ShalevShwartzBenDavid(r, k, m, d); "mcallester", PacBayesBounds.McAllester(r, k, m, d) ]
                    seed label ])

/// BASE-PB-MONO: pairs differing in KL only, and pairs differing in m only.
let monotone =
    Experiment.create [ "boundSmaller"; "boundLarger" ] (fun lab run ->
        let seed = (run.Shared(lab, "family", "")).Seed
        let inputs = familyInputs lab run
        let rng = run.Stream(lab, "factors")
        let byKl =
            [ for label, r, k, m, d, _ in inputs ->
                let k2 = k * (1.0 + 10.0 * rng.NextDouble())
                inst [ "boundSmaller", PacBayesBounds.Maurer(r, k, m, d); "boundLarger", PacBayesBounds.Maurer(r, k2, m, d) ] seed (sprintf "%s; KL -> %.4g" label k2) ]
        let byM =
            [ for label, r, k, m, d, _ in inputs ->
                let m2 = m + 1L + int64 (float m * 10.0 * rng.NextDouble())
                inst [ "boundSmaller", PacBayesBounds.Maurer(r, k, m2, d); "boundLarger", PacBayesBounds.Maurer(r, k, m, d) ] seed (sprintf "%s; m -> %d" label m2) ]
        Evidence.ofSettings [ Evidence.setting "KL increased" byKl; Evidence.setting "m increased" byM ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.inverse P.inverseMutants inverse
      Lemma.create P.zero P.zeroMutants zero
      Lemma.create P.pinsker P.pinskerMutants pinsker
      Lemma.create P.refined P.refinedMutants refined
      Lemma.create P.newton P.newtonMutants newton
      Lemma.create P.pbb [] pbb
      Lemma.create P.chain P.chainMutants chain
      Lemma.create P.monotone P.monotoneMutants monotone ]
