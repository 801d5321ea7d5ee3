/// Experiments for Muthukumar & Sulam (2023) App. A.2 and App. D (GenBounds.Proofs.Sulam2023.Gaussian): Gaussian sub-matrix
/// and sparse-norm concentration, alpha^k, Lemma 12 (paper's and safe bookkeeping, printed last-layer variance, the proof's
/// union bound) by Monte Carlo with Clopper-Pearson intervals, and the 2-Lipschitz margin.
module GenBounds.Verification.Sulam2023.Gaussian

open System
open GenBounds.Sparsity
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Sulam2023.Shared
module P = GenBounds.Proofs.Sulam2023.Gaussian

/// Shapes and entry scales: synthetic small Gaussian shapes with sigma = 1; real: the trained layers' shapes (capped) and
/// their entries' standard deviation (no trained value enters these lemmas).
let private gaussianShapes (lab: Lab) (mode: CheckMode) (cap: int * int) =
    match mode with
    | CheckMode.Synthetic -> [ "20x30 block of i.i.d. N(0,1)", 20, 30, 1.0 ]
    | CheckMode.RealNetwork ->
        let net = labNet lab
        [ for k in 1 .. net.K + 1 ->
            let w = net.W.[k]
            let mean = Array.average w
            let sd = sqrt ((w |> Array.sumBy (fun v -> (v - mean) * (v - mean))) / float w.Length)
            sprintf "layer %d shape, sd %.3g" k sd, min (fst cap) net.Widths.[k], min (snd cap) net.Widths.[k - 1], sd ]

/// SULAM-L19: trials per deviation t.
let l19 =
    Experiment.create [ "subNorm"; "sigma"; "rows"; "cols"; "t" ] (fun lab run ->
        let settings =
            [ for label, rows, cols, sd in gaussianShapes lab run.Mode (40, 60) do
                for dev in [ 0.5; 1.0; 2.0 ] ->
                    let instances =
                        [ for trial in 0 .. lab.Budget.Trials - 1 ->
                            let rng = run.Stream(lab, sprintf "%s/t%g/trial-%d" label dev trial)
                            let a = gaussian rng (rows * cols) sd
                            let b = Bindings.ofScalars [ "subNorm", lab.LinearAlgebra.SingularValues(ReadOnlySpan a, rows, cols).[0]; "sigma", sd; "rows", float rows; "cols", float cols; "t", dev ]
                            { inst b rng.Seed (sprintf "%s, t = %g" label dev) None None with Trial = Some trial } ]
                    Evidence.setting (sprintf "%s (%dx%d), t = %g" label rows cols dev) instances ]
        Evidence.ofSettings settings)

/// SULAM-L20: exact sparse norms of small Gaussian matrices, per delta.
let l20 =
    Experiment.create [ "sparseNorm"; "sigma"; "rows"; "cols"; "binom2"; "binom1"; "delta" ] (fun lab run ->
        let rows, cols, s2, s1 = 6, 8, 2, 3
        let sds = match run.Mode with CheckMode.Synthetic -> [ "N(0,1)", 1.0 ] | CheckMode.RealNetwork -> gaussianShapes lab run.Mode (6, 8) |> List.map (fun (l, _, _, sd) -> l, sd)
        let draws =
            Lab.memo lab (sprintf "sulam2023/l20/%s/%d" run.Mode.StreamName lab.Budget.Trials) (fun () ->
                [ for label, sd in sds ->
                    label, sd,
                    [| for trial in 0 .. lab.Budget.Trials - 1 ->
                        let rng = run.Stream(lab, sprintf "%s/trial-%d" label trial)
                        SparseNorms.Exact(ReadOnlySpan(gaussian rng (rows * cols) sd), rows, cols, s2, s1), rng.Seed |] ])
        let settings =
            [ for label, sd, ds in draws do
                for delta in [ 0.05; 0.5 ] ->
                    let instances =
                        [ for trial, (v, seed) in Array.indexed ds ->
                            let b =
                                Bindings.ofScalars
                                    [ "sparseNorm", v; "sigma", sd; "rows", float (rows - s2); "cols", float (cols - s1)
                                      "binom2", Math.Round(exp (Combinatorics.LogBinomial(rows, s2))); "binom1", Math.Round(exp (Combinatorics.LogBinomial(cols, s1))); "delta", delta ]
                            { inst b seed label None None with Trial = Some trial } ]
                    Evidence.setting (sprintf "%s, 6x8 at (s2, s1) = (2, 3), delta = %g" label delta) instances ]
        Evidence.ofSettings settings |> Evidence.withNotes [ "exact sparse norms by enumerating C(6,2) C(8,3) = 840 sub-matrices per draw" ])

/// SULAM-EQ7: alpha^k by log-gamma against direct sums of logarithms.
let eq7 =
    Experiment.create [ "alpha"; "alphaExact"; "alphaCrude" ] (fun lab run ->
        let lnBinom n k = Seq.sum (seq { for i in 1 .. k -> log (float (n - k + i)) - log (float i) })
        let cases =
            match run.Mode with
            | CheckMode.Synthetic ->
                let rng = run.Stream(lab, "cases")
                [ for _ in 0 .. 99 ->
                    let dk, dkm1 = 2 + rng.NextInt 300, 2 + rng.NextInt 800
                    dk, dkm1, rng.NextInt dk, rng.NextInt dkm1, Math.Pow(10.0, -6.0 * rng.NextDouble()) ]
            | CheckMode.RealNetwork ->
                let net = labNet lab
                [ for k in 1 .. net.K + 1 do
                    for f in [ 0.0; 0.25; 0.5; 0.9 ] do
                        for delta in [ 0.05; 1.0 / sqrt (float lab.Train.Count) ] ->
                            let sk = if k > net.K then net.Widths.[k] - 1 else int (f * float (net.Widths.[k] - 1))
                            let skm1 = if k = 1 then 0 else int (f * float (net.Widths.[k - 1] - 1))
                            net.Widths.[k], net.Widths.[k - 1], sk, skm1, delta ]
        let seed = (run.Stream(lab, "cases")).Seed
        let instances =
            [ for dk, dkm1, sk, skm1, delta in cases ->
                let core lb = sqrt (float (dk - sk)) + sqrt (float (dkm1 - skm1)) + sqrt (2.0 * lb + 2.0 * log (1.0 / delta))
                let b =
                    Bindings.ofScalars
                        [ "alpha", SparsityParameters.Alpha(dk, dkm1, sk, skm1, delta); "alphaExact", core (lnBinom dk sk + lnBinom dkm1 skm1)
                          "alphaCrude", core (float sk * log (float dk) + float skm1 * log (float dkm1)) ]
                inst b seed (sprintf "alpha(d=%d, d'=%d, s=%d, s'=%d, delta=%.3g)" dk dkm1 sk skm1 delta) None None ]
        Evidence.ofInstances instances)

/// Which network, parameters and variant a Lemma-12 check uses.
type private L12Variant = { Union: UnionVariant; Last: LastLayerVariance; ShrinkLast: bool }

let private lemma12 (variant: L12Variant) =
    Experiment.create [ "worstRatio"; "delta" ] (fun lab run ->
        let factor = run.Parameter "sigmaFactor"
        let exact, delta, net0 =
            match run.Mode with
            | CheckMode.Synthetic -> true, 0.5, randomNet (Lab.stream lab paperId "l12-net" run.Mode "") [| 6; 5; 5; 3 |]
            | CheckMode.RealNetwork -> false, 0.1, labNet lab
        let K = net0.K
        let s = Array.init (K + 2) (fun k -> if k = 0 || k > K then 0 else net0.Widths.[k] / 2)
        let eps = 0.3
        // The printed last-layer variance shows its failure when xi_{K+1} << eps: rescale W_{K+1} by c and W_K by 1/c (the
        // network's function is unchanged), so that xi_{K+1} = eps/20.
        let net =
            if variant.ShrinkLast then
                let xiLast = SparseNorms.ReducedRowNorm(ReadOnlySpan net0.W.[K + 1], net0.Widths.[K + 1], net0.Widths.[K], s.[K])
                let c = eps / 20.0 / xiLast
                net0.Scaled(Array.init (K + 2) (fun k -> if k = K + 1 then 1.0 / c elif k = K then c else 1.0))
            else net0
        let p = exactParameters net s (Array.create (K + 2) eps) 1.0 lab.LinearAlgebra
        let sigma = Array.init (K + 2) (fun k -> if k = 0 then 0.0 else factor * p.Sigma(k, delta, variant.Union, variant.Last))
        let trials = lab.Budget.Trials
        let instances =
            Lab.memo lab (sprintf "sulam2023/l12/%s/%A/%g/%d" run.Mode.StreamName variant factor trials) (fun () ->
                [ for t in 0 .. trials - 1 ->
                    let rng = run.Stream(lab, sprintf "trial-%d" t)
                    let hat = GaussianPosterior.Sample(net, sigma, rng)
                    let test = NeighbourhoodTest.Of(net, hat, p, exact, lab.LinearAlgebra, rng.Seed)
                    { inst (Bindings.ofScalars [ "worstRatio", test.WorstRelative p; "delta", delta ]) rng.Seed (sprintf "draw %d" t) None None with Trial = Some t } ])
        Evidence.ofInstances instances
        |> Evidence.withMeasured [ for k in 1 .. K + 1 -> sprintf "sigma_%d" k, sigma.[k] ]
        |> Evidence.withNotes
            [ sprintf "network %s, s = %A, eps_k = %g, delta = %g, %s norms, sigma factor %g, %s, %s last-layer variance%s"
                  (String.Join("-", net.Widths)) s eps delta (if exact then "exact" else "certified (Lemma 18 / spectral) sparse") factor
                  (if variant.Union = UnionVariant.Paper then "delta/(K+1)" else "delta/(2K+1)")
                  (if variant.Last = LastLayerVariance.Corrected then "corrected" else "printed")
                  (if variant.ShrinkLast then "; last layer rescaled to xi_{K+1} = eps/20 (function unchanged)" else "") ])

/// SULAM-L12 (paper's bookkeeping).
let l12 = lemma12 { Union = UnionVariant.Paper; Last = LastLayerVariance.Corrected; ShrinkLast = false }
/// SULAM-L12-safe.
let l12Safe = lemma12 { Union = UnionVariant.Safe; Last = LastLayerVariance.Corrected; ShrinkLast = false }
/// SULAM-L12-printed-last.
let l12PrintedLast = lemma12 { Union = UnionVariant.Paper; Last = LastLayerVariance.Printed; ShrinkLast = true }

/// SULAM-L12-union: the proof's union bound for several K.
let l12Union =
    Experiment.create [ "events"; "K"; "delta" ] (fun lab run ->
        let ks = match run.Mode with CheckMode.Synthetic -> [ 1; 2; 3; 5 ] | CheckMode.RealNetwork -> [ (labNet lab).K ]
        let seed = (run.Stream(lab, "")).Seed
        Evidence.ofInstances [ for k in ks -> inst (Bindings.ofScalars [ "events", float (2 * k + 1); "K", float k; "delta", 0.05 ]) seed (sprintf "K = %d" k) None None ])

/// SULAM-F-MARGIN: random output pairs (synthetic) or the trained net against posterior draws (real).
let fMargin =
    Experiment.create [ "marginChange"; "supDiff" ] (fun lab run ->
        let margin (o: float[]) (y: int) = o.[y] - (o |> Array.indexed |> Array.filter (fun (j, _) -> j <> y) |> Array.map snd |> Array.max)
        let instances =
            match run.Mode with
            | CheckMode.Synthetic ->
                [ for t in 0 .. lab.Budget.Trials - 1 ->
                    let rng = run.Stream(lab, sprintf "pair-%d" t)
                    let o = gaussian (rng.Split "o") 10 1.0
                    let scale = Math.Pow(10.0, -2.0 + 2.0 * (rng.Split "scale").NextDouble())
                    let us = [| for j in 0 .. 9 -> (rng.Split(sprintf "u%d" j)).NextDouble() |]
                    let oh = Array.map2 (fun a u -> a + scale * (2.0 * u - 1.0)) o us
                    let y = (rng.Split "y").NextInt 10
                    { inst (Bindings.ofScalars [ "marginChange", abs (margin o y - margin oh y); "supDiff", Array.map2 (fun a b -> abs (a - b)) o oh |> Array.max ]) rng.Seed (sprintf "pair %d" t) None None with Trial = Some t } ]
            | CheckMode.RealNetwork ->
                let net = labNet lab
                let xs = labInputs lab 20
                let s = Array.zeroCreate<int> (net.K + 2)
                let p = exactParameters net s (Array.create (net.K + 2) 0.05) (inputBound lab) lab.LinearAlgebra
                let sigma = Array.init (net.K + 2) (fun k -> if k = 0 then 0.0 else p.Sigma(k, 0.1, UnionVariant.Paper))
                [ for t in 0 .. min 19 (lab.Budget.Trials - 1) do
                    let rng = run.Stream(lab, sprintf "draw-%d" t)
                    let hat = GaussianPosterior.Sample(net, sigma, rng)
                    for j, x in Array.indexed xs ->
                        let o, oh = net.Output(ReadOnlySpan x), hat.Output(ReadOnlySpan x)
                        let y = lab.Train.Labels.[j]
                        { inst (Bindings.ofScalars [ "marginChange", abs (margin o y - margin oh y); "supDiff", Array.map2 (fun a b -> abs (a - b)) o oh |> Array.max ]) rng.Seed (sprintf "draw %d, x%d" t j) None (Some j) with Trial = Some t } ]
        Evidence.ofInstances instances)

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.l19 P.l19Mutants l19
      Lemma.create P.l20 P.l20Mutants l20
      Lemma.create P.eq7 P.eq7Mutants eq7
      Lemma.create P.l12 P.l12Mutants l12
      Lemma.create P.l12Safe P.l12SafeMutants l12Safe
      Lemma.create P.l12PrintedLast [] l12PrintedLast
      Lemma.create P.l12Union [] l12Union
      Lemma.create P.fMargin P.fMarginMutants fMargin ]
