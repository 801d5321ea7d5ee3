/// Experiments for baseline catalog §0 and §§2-3 (GenBounds.Proofs.Baseline.Perturbation): the NBS18 perturbation bound on
/// random and extremal perturbations, the margin operator's Lipschitz constant, the margin-loss order and Jiang et al.'s
/// |10th-percentile| margin.
module GenBounds.Verification.Baseline.Perturbation

open System
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Baseline.Shared
module P = GenBounds.Proofs.Baseline.Perturbation

let private spectral (lab: Lab) (net: Net) (l: int) (w: float[]) = lab.LinearAlgebra.SingularValues(ReadOnlySpan w, net.Widths.[l + 1], net.Widths.[l]).[0]

/// One instance of Lemma 2: the net, its layer norms, a perturbation and an input.
let private l2Instances (lab: Lab) (net: Net) (norms: float[]) (us: float[][]) (inputs: float[][]) (seed: uint64) (label: string) =
    let d = net.W.Length
    let ratios = Array.init d (fun l -> spectral lab net l us.[l] / norms.[l])
    let perturbed = { net with W = Array.map2 (Array.map2 (+)) net.W us }
    [ for i, x in Array.indexed inputs ->
        let change = norm (Array.map2 (-) (forward perturbed x) (forward net x))
        { inst
            [ "change", change; "B", norm x; "prodSpec", Array.fold (*) 1.0 norms; "sumRatio", Array.sum ratios
              "maxRatio", Array.max ratios; "d", float d ]
            seed label with
            Sample = Some i } ]

/// Gaussian perturbations with ||U_l|| = c_l ||W_l||/d.
let private gaussianPerturbation (lab: Lab) (net: Net) (norms: float[]) (scales: float[]) (rng: GenBounds.Random.Rng) =
    let d = float net.W.Length
    Array.init net.W.Length (fun l ->
        let g = gaussian (rng.Split(sprintf "u%d" l)) net.W.[l].Length 1.0
        let s = scales.[l] * norms.[l] / d / spectral lab net l g
        g |> Array.map (fun v -> v * s))

/// A rank-one aligned non-negative net W_l = s_l a_l a_{l-1}^T and the input t a_0: f(x) = t prod s_l a_d, so
/// ||f(x)|| = ||x|| prod ||W_l||_2 (the extremal case of the lemma).
let private alignedNet (rng: GenBounds.Random.Rng) (widths: int[]) =
    let unit (r: GenBounds.Random.Rng) n = let v = gaussian r n 1.0 |> Array.map abs in let z = norm v in v |> Array.map (fun x -> x / z)
    let a = Array.init widths.Length (fun l -> unit (rng.Split(sprintf "a%d" l)) widths.[l])
    let net =
        { Widths = widths
          W = Array.init (widths.Length - 1) (fun l -> let s = 0.5 + 1.5 * rng.NextDouble() in Array.init (widths.[l + 1] * widths.[l]) (fun k -> s * a.[l + 1].[k / widths.[l]] * a.[l].[k % widths.[l]])) }
    let t = 0.5 + 1.5 * rng.NextDouble()
    net, [| a.[0] |> Array.map (fun v -> t * v) |]

/// BASE-NBS18-L2.
let l2 =
    Experiment.create [ "change"; "B"; "prodSpec"; "sumRatio"; "maxRatio"; "d"; "typicalChange" ] (fun lab run ->
        withTypical "change" "typicalChange" <|
        match run.Mode with
        | CheckMode.Synthetic ->
            let shapes = [ [| 7; 9; 5; 3 |]; [| 6; 8; 4 |]; [| 5; 6; 6; 5; 3 |] ]
            let random =
                [ for widths in shapes do
                    let name = String.Join("-", widths)
                    let rng = run.Stream(lab, "random/" + name)
                    let net = randomNet rng widths
                    let norms = net.W |> Array.mapi (spectral lab net)
                    let inputs = Array.init 10 (fun i -> gaussian (rng.Split(sprintf "x%d" i)) widths.[0] 1.0)
                    for k in 0 .. 29 do
                        let r = rng.Split(sprintf "perturbation-%d" k)
                        let scales = Array.init net.W.Length (fun _ -> r.NextDouble())
                        yield! l2Instances lab net norms (gaussianPerturbation lab net norms scales r) inputs r.Seed (sprintf "random %s, perturbation %d" name k) ]
            let extremal =
                [ for widths in shapes do
                    let name = String.Join("-", widths)
                    for k in 0 .. 4 do
                        let rng = run.Stream(lab, sprintf "aligned/%s/%d" name k)
                        let net, x = alignedNet rng widths
                        let norms = net.W |> Array.mapi (spectral lab net)
                        let d = float net.W.Length
                        yield! l2Instances lab net norms (net.W |> Array.map (Array.map (fun v -> v / d))) x rng.Seed (sprintf "aligned %s #%d, U = W/d" name k)
                        yield! l2Instances lab net norms (net.W |> Array.map (Array.map (fun v -> 2.0 * v))) x rng.Seed (sprintf "aligned %s #%d, U = 2W (outside the hypothesis)" name k) ]
            Evidence.ofSettings [ Evidence.setting "random nets, Gaussian perturbations" random; Evidence.setting "aligned rank-one nets (extremal)" extremal ]
        | CheckMode.RealNetwork ->
            let net = labNet lab
            let norms = net.W |> Array.mapi (spectral lab net)
            let inputs = inputsOf lab lab.Train 20
            let d = float net.W.Length
            let gaussians =
                [ for c in [ 0.05; 0.3; 1.0 ] do
                    for k in 0 .. 3 do
                        let r = run.Stream(lab, sprintf "c%g/perturbation-%d" c k)
                        yield! l2Instances lab net norms (gaussianPerturbation lab net norms (Array.create net.W.Length c) r) inputs r.Seed (sprintf "Gaussian, ||U_l|| = %g ||W_l||/d, draw %d" c k) ]
            let homogeneous = l2Instances lab net norms (net.W |> Array.map (Array.map (fun v -> v / d))) inputs (run.Stream(lab, "homogeneous")).Seed "U_l = W_l/d"
            Evidence.ofSettings [ Evidence.setting "Gaussian perturbations" gaussians; Evidence.setting "homogeneous U = W/d" homogeneous ]
            |> Evidence.withNotes [ if lab.Network.Architecture.Bias then "the net has biases: checked as its exact bias-augmented bias-free equivalent, inputs (x, 1)" ])

/// M(v, y) = v_y - max_{j != y} v_j.
let private marginOf (v: float[]) (offset: int) (k: int) (y: int) =
    let mutable best = -infinity
    for j in 0 .. k - 1 do
        if j <> y then best <- max best v.[offset + j]
    v.[offset + y] - best

/// BASE-BFT17-LA3.
let marginLipschitz =
    Experiment.create [ "marginChange"; "supChange" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic ->
            Evidence.ofInstances
                [ for t in 0 .. Budget.cheapTrials lab.Budget - 1 ->
                    let rng = run.Stream(lab, sprintf "trial-%d" t)
                    let v = gaussian rng 10 1.0
                    let scale = Math.Pow(10.0, -3.0 + 3.0 * rng.NextDouble())
                    let v' = v |> Array.map (fun x -> x + scale * (2.0 * rng.NextDouble() - 1.0))
                    let y = rng.NextInt 10
                    let sup = Array.map2 (fun a b -> abs (a - b)) v v' |> Array.max
                    trial [ "marginChange", abs (marginOf v 0 10 y - marginOf v' 0 10 y); "supChange", sup ] rng.Seed (sprintf "scale %.3g, y = %d" scale y) t ]
        | CheckMode.RealNetwork ->
            let net = lab.Network
            let k = net.Architecture.OutputSize
            let sizes = Array.ofSeq net.Architecture.LayerSizes
            let v = labLogits lab false
            let x = trainInputs lab
            let settings =
                [ for kappa in [ 0.01; 0.1; 0.5 ] ->
                    let rng = run.Stream(lab, sprintf "noise-%g" kappa)
                    let ws = net.Layers |> Array.mapi (fun i l -> let sd = kappa * sqrt (l.Weight |> Array.averageBy (fun w -> float w * float w)) in Array.map2 (fun (w: float32) e -> float w + e) l.Weight (gaussian (rng.Split(sprintf "w%d" i)) l.Weight.Length sd))
                    let v' = logits lab sizes ws (biasesOf lab CheckMode.RealNetwork) x lab.Train.Count
                    Evidence.setting (sprintf "weight noise %g x RMS" kappa)
                        [ for i in 0 .. lab.Train.Count - 1 ->
                            let y = lab.Train.Labels.[i]
                            let sup = Seq.max (seq { for j in 0 .. k - 1 -> abs (v.[i * k + j] - v'.[i * k + j]) })
                            { inst [ "marginChange", abs (marginOf v (i * k) k y - marginOf v' (i * k) k y); "supChange", sup ] rng.Seed (sprintf "noise %g" kappa) with Sample = Some i } ] ]
            Evidence.ofSettings settings)

/// Margins of random 7-9-5-3 nets on 200 Gaussian inputs with uniformly random labels (synthetic), or the trained net's on S.
let private marginSets (lab: Lab) (run: Run) =
    match run.Mode with
    | CheckMode.Synthetic ->
        [ for i in 0 .. 4 ->
            let rng = run.Stream(lab, sprintf "net-%d" i)
            let net = randomNet rng [| 7; 9; 5; 3 |]
            let out = Array.concat [ for j in 0 .. 199 -> forward net (gaussian (rng.Split(sprintf "x%d" j)) 7 1.0) ]
            let labels = Array.init 200 (fun _ -> rng.NextInt 3)
            sprintf "random 7-9-5-3 #%d, random labels" i, margins out labels 3, rng.Seed ]
    | CheckMode.RealNetwork -> [ "trained net on S", labMargins lab false, 0UL ]

/// BASE-MARGIN-L0.
let marginLoss =
    Experiment.create [ "zeroOneLoss"; "marginLoss"; "gamma" ] (fun lab run ->
        Evidence.ofInstances
            [ for label, ms, seed in marginSets lab run do
                let positive = ms |> Array.filter (fun m -> m > 0.0) |> Array.sort
                if positive.Length > 0 then
                    for name, g in [ "5th pct", positive.[positive.Length / 20]; "10th pct", positive.[positive.Length / 10]; "median", positive.[positive.Length / 2]; "max", positive.[positive.Length - 1] ] do
                        yield inst [ "zeroOneLoss", fractionAtMost 0.0 ms; "marginLoss", fractionAtMost g ms; "gamma", g ] seed (sprintf "%s, gamma = %s of the positive margins" label name) ])

/// BASE-JIANG-ABS.
let jiangAbs =
    Experiment.create [ "jiangGamma"; "kthMargin" ] (fun lab run ->
        Evidence.ofInstances
            [ for label, ms, seed in marginSets lab run ->
                let sorted = Array.sort ms
                let kth = sorted.[max 1 (sorted.Length / 10) - 1]
                inst [ "jiangGamma", abs kth; "kthMargin", kth ] seed (sprintf "%s (%.1f%% misclassified)" label (100.0 * fractionAtMost 0.0 ms)) ])

/// BASE-MARGIN-PCT: the 5th and 10th percentiles (np.percentile, linear interpolation) of every margin set.
let marginPercentile =
    Experiment.create [ "marginLoss"; "p"; "m"; "gamma" ] (fun lab run ->
        Evidence.ofInstances
            [ for label, ms, seed in marginSets lab run do
                let s = Array.sort ms
                for p in [ 0.05; 0.10 ] do
                    let pos = p * float (s.Length - 1)
                    let lo = int (floor pos)
                    let gamma = s.[lo] + (pos - float lo) * (s.[min (lo + 1) (s.Length - 1)] - s.[lo])
                    yield inst [ "marginLoss", fractionAtMost gamma ms; "p", p; "m", float ms.Length; "gamma", gamma ] seed (sprintf "%s, %g%% percentile = %.4g" label (100.0 * p) gamma) ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.l2 P.l2Mutants l2
      Lemma.create P.marginLipschitz P.marginLipschitzMutants marginLipschitz
      Lemma.create P.marginLoss P.marginLossMutants marginLoss
      Lemma.create P.jiangAbs [] jiangAbs
      Lemma.create P.marginPercentile P.marginPercentileMutants marginPercentile
      Lemma.notYet P.l1
      Lemma.notYet P.t1 ]
