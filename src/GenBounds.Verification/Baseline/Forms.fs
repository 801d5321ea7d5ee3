/// Experiments for baseline catalog §§1-3 and §6 (GenBounds.Proofs.Baseline.Forms): the engine's practical forms against
/// the bneyshabur formulas from plain reference norms, and the closed-form differences between columns.
module GenBounds.Verification.Baseline.Forms

open System
open GenBounds.Bounds
open GenBounds.Data
open GenBounds.Networks
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Baseline.Shared
module P = GenBounds.Proofs.Baseline.Forms

/// A random 20-16-12-5 net (Gaussian N(0, 1/fan-in) weights, N(0, 0.1^2) biases when `bias`), 300 training and 100
/// held-out Gaussian inputs labelled by the net itself.
let private syntheticCase (lab: Lab) (run: Run) (bias: bool) =
    let rng = run.Shared(lab, "forms", sprintf "bias-%b" bias)
    let arch = MlpArchitecture([| 20; 16; 12; 5 |], bias)
    let net = Mlp(arch)
    for i, l in Array.indexed net.Layers do
        (rng.Split(sprintf "w%d" i)).FillGaussian(Span l.Weight, 0.0, 1.0 / sqrt (float l.In))
        match l.Bias with
        | NonNull b -> (rng.Split(sprintf "b%d" i)).FillGaussian(Span b, 0.0, 0.1)
        | Null -> ()
    let data name n =
        let x = Array.zeroCreate<float32> (n * 20)
        (rng.Split(name)).FillGaussian(Span x, 0.0, 1.0)
        let out = logits lab (Array.ofSeq arch.LayerSizes) (net.Layers |> Array.map (fun l -> l.WeightAsDouble())) (net.Layers |> Array.map (fun l -> match l.Bias with NonNull b -> Some(Array.map float b) | Null -> None)) (Array.map float x) n
        let labels = Array.init n (fun i -> Seq.maxBy (fun j -> out.[i * 5 + j]) (seq { 0 .. 4 }))
        Dataset(name, x, labels, 20, 5)
    sprintf "random 20-16-12-5%s" (if bias then " with biases" else ""), net, data "train" 300, data "test" 100, rng.Seed

/// np.percentile(xs, p) with linear interpolation.
let private percentile (p: float) (xs: float[]) =
    let s = Array.sort xs
    let pos = p / 100.0 * float (s.Length - 1)
    let lo = int (floor pos)
    let hi = min (lo + 1) (s.Length - 1)
    s.[lo] + (pos - float lo) * (s.[hi] - s.[lo])

/// The ℓ_p norm of each row, then the ℓ_q norm across rows (plain loops).
let private groupNorm (w: float[]) rows cols (p: float) (q: float) =
    let rowNorms = Array.init rows (fun r -> Seq.sum (seq { for c in 0 .. cols - 1 -> abs w.[r * cols + c] ** p }) ** (1.0 / p))
    if Double.IsPositiveInfinity q then Array.max rowNorms else (rowNorms |> Array.sumBy (fun v -> v ** q)) ** (1.0 / q)

/// The networks of the checks with their engine rows and the reference values, and the percentile whose margin is used.
let private cases (lab: Lab) (run: Run) =
    let nets =
        match run.Mode with
        | CheckMode.Synthetic -> [ syntheticCase lab run false; syntheticCase lab run true ]
        | CheckMode.RealNetwork -> [ "trained net", lab.Network, lab.Train, lab.Test, (run.Shared(lab, "forms", "real")).Seed ]
    [ for label, net, train, test, seed in nets do
        let b = BoundInputs.Compute(net, null, train, test, lab.LinearAlgebra)
        let out = logits lab (Array.ofSeq net.Architecture.LayerSizes) (net.Layers |> Array.map (fun l -> l.WeightAsDouble())) (net.Layers |> Array.map (fun l -> match l.Bias with NonNull bb -> Some(Array.map float bb) | Null -> None)) (Array.map float train.Features) train.Count
        let ms = margins out train.Labels net.Architecture.OutputSize
        // The 5th percentile (bneyshabur); the first multiple of 5 whose margin is positive when it is not.
        match [ 5.0 .. 5.0 .. 95.0 ] |> List.tryFind (fun p -> percentile p ms > 0.0) with
        | None -> ()
        | Some pct ->
            let rows = NormBounds.Practical(b, BoundOptions(PracticalMarginPercentile = pct)) |> Seq.map (fun r -> r.Id, r.LogValue) |> Map.ofSeq
            yield label, pct, net, ms, rows, train.Count, seed ]

/// BASE-FORMS-PRACTICAL.
let practical =
    Experiment.create [ "lnEngine"; "lnReference"; "lnReferenceNoM" ] (fun lab run ->
        let cs = cases lab run
        if cs.IsEmpty then Evidence.unavailable "no percentile of the training margins is positive: every practical form is undefined"
        else
            Evidence.ofInstances
                [ for label, pct, net, ms, rows, m, seed in cs do
                    let gamma = percentile pct ms
                    let layers = net.Layers |> Array.map (fun l -> l.WeightAsDouble(), l.Out, l.In)
                    let d = float layers.Length
                    let lnM = log (float m)
                    let lnAlpha = 0.5 * log (d + log (float net.Architecture.InputSize))
                    let sumLn f = layers |> Array.sumBy (fun (w, r, c) -> log (f w r c))
                    let spec (w: float[]) r c = lab.LinearAlgebra.SingularValues(ReadOnlySpan w, r, c).[0]
                    let lnSpec = sumLn spec
                    let ratio21 = layers |> Array.sumBy (fun (w, r, c) -> (groupNorm w r c 2.0 1.0 / spec w r c) ** (2.0 / 3.0))
                    let hFro = layers |> Array.sumBy (fun (w, r, c) -> float r * (groupNorm w r c 2.0 2.0 / spec w r c) ** 2.0)
                    let refs =
                        [ "NTS15-frobenius/practical", lnAlpha + sumLn (fun w r c -> groupNorm w r c 2.0 2.0) - log gamma, 0.5
                          "NTS15-l3-1.5/practical", lnAlpha + sumLn (fun w r c -> groupNorm w r c 3.0 1.5) - log gamma, 1.0 / 3.0
                          "BM02-l1inf/practical", lnAlpha + sumLn (fun w r c -> groupNorm w r c 1.0 infinity) - log gamma, 0.5
                          "BFT17-spectral-l21/practical", log (lnM * log (float net.Architecture.ParameterCount)) + lnSpec - log gamma + 1.5 * log ratio21, 0.5
                          "NBS18-spectral-frobenius/practical", log d + lnSpec - log gamma + 0.5 * log hFro, 0.5 ]
                    for id, noM, power in refs ->
                        inst [ "lnEngine", rows.[id]; "lnReference", noM - power * lnM; "lnReferenceNoM", noM ] seed (sprintf "%s: %s (gamma = %gth percentile = %.4g)" label id pct gamma) ]
            |> Evidence.withNotes [ "no recorded initialisation: the distances to W0 of BFT17 and NBS18 use the reference 0, as the engine does" ])

/// BASE-FORMS-DIFF.
let differences =
    Experiment.create [ "difference"; "expected"; "expectedNoM" ] (fun lab run ->
        let cs = cases lab run
        if cs.IsEmpty then Evidence.unavailable "no percentile of the training margins is positive: every practical form is undefined"
        else
            Evidence.ofInstances
                [ for label, _, net, _, rows, m, seed in cs do
                    let d = float net.Layers.Length
                    let lnDD = log (d + log (float net.Architecture.InputSize))
                    yield inst [ "difference", 2.0 * rows.["NTS15-frobenius/practical"] - rows.["NBMS17-l2/practical"]
                                 "expected", lnDD - log (float m) - d * log 4.0; "expectedNoM", lnDD - d * log 4.0 ] seed (label + ": 2 ln NTS15 Frobenius - ln NBMS17 l2")
                    yield inst [ "difference", rows.["NBMS17-l1-path/practical"] - 2.0 * rows.["NTS15-path-l1/practical"]
                                 "expected", 2.0 * d * log 2.0; "expectedNoM", 2.0 * d * log 2.0 ] seed (label + ": ln NBMS17 l1-path - 2 ln (l1 path norm / gamma)") ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.practical P.practicalMutants practical
      Lemma.create P.differences P.differencesMutants differences ]
    @ (P.catalogued |> List.map Lemma.notYet)
