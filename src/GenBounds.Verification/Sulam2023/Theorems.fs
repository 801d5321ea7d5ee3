/// Experiments for Muthukumar & Sulam (2023) §3.2-§4 and App. A.3, B, C (GenBounds.Proofs.Sulam2023.Theorems): Theorems 13
/// and 11 with prior P0 as held-out-risk statements (the grid search of the engine, its union bound paid), the greedy sparsity
/// vector against its literal scan, the normalisation, the effective activity ratio, Theorem 14 with per-example posterior
/// draws, and the noise resilience that Theorem 13's proof needs.
module GenBounds.Verification.Sulam2023.Theorems

open System
open GenBounds.Data
open GenBounds.Sparsity
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Sulam2023.Shared
module P = GenBounds.Proofs.Sulam2023.Theorems

/// The bound of one mode: the network, S with its labels, the held-out data, and the engine's grid search.
type BoundRun =
    { Net: SparseNetwork
      Profile: ActivationProfile
      Cache: LayerCache
      Search: SulamSearchResult
      Train: float32[] * int[]
      HeldOut: float32[] * int[]
      HeldOutErrors: int
      TrainError: float
      InputBound: float
      Note: string }

let private predictions (net: SparseNetwork) (x: float32[]) (n: int) (la: GenBounds.LinearAlgebra.ILinearAlgebraProvider) =
    let p = ActivationProfile.Compute(net, ReadOnlySpan x, n, ReadOnlySpan(Array.zeroCreate<int> n), la)
    p.Predictions

/// Synthetic: a random bias-free Gaussian net of the lab's shape labels S and the held-out inputs by its own argmax, 10% of
/// the labels replaced at random; real: the trained net on S and the held-out data. Shared by T11, T13, F-UNION, T14, D15.
let boundRun (lab: Lab) (mode: CheckMode) : BoundRun =
    Lab.memo lab ("sulam2023/bound/" + mode.StreamName) (fun () ->
        let la = lab.LinearAlgebra
        let net, note =
            match mode with
            | CheckMode.Synthetic -> randomNet (Lab.stream lab paperId "bound-net" mode "") (Array.ofSeq lab.Network.Architecture.LayerSizes), "random Gaussian net labelling its inputs (10% label noise)"
            | CheckMode.RealNetwork -> labNet lab, "trained net"
        let n, d = lab.Train.Count, lab.Train.Dimension
        let heldOutCount = min lab.Test.Count (Budget.count "holdout" lab.Budget)
        let xs, xh = lab.Train.Features, lab.Test.Features.[.. heldOutCount * d - 1]
        let labelsOf (x: float32[]) (count: int) (own: int[]) (stream: string) =
            match mode with
            | CheckMode.RealNetwork -> own
            | CheckMode.Synthetic ->
                let rng = Lab.stream lab paperId "bound-labels" mode stream
                let classes = lab.Network.Architecture.OutputSize
                (predictions net x count la) |> Array.map (fun y -> if rng.NextDouble() < 0.1 then rng.NextInt classes else y)
        let ys = labelsOf xs n lab.Train.Labels "train"
        let yh = labelsOf xh heldOutCount lab.Test.Labels.[.. heldOutCount - 1] "held-out"
        let profile = ActivationProfile.Compute(net, ReadOnlySpan xs, n, ReadOnlySpan ys, la)
        let cache = LayerCache(net, la)
        let mx = inputBound lab
        let search = SulamBoundSearch.Run(cache, null, profile, SulamSearchOptions(Bound = SulamBoundOptions(InputBound = mx)))
        let errors = Array.map2 (fun p y -> if p <> y then 1 else 0) (predictions net xh heldOutCount la) yh |> Array.sum
        let trainError = Array.map2 (fun p y -> if p <> y then 1.0 else 0.0) profile.Predictions ys |> Array.average
        { Net = net; Profile = profile; Cache = cache; Search = search; Train = (xs, ys); HeldOut = (xh, yh); HeldOutErrors = errors; TrainError = trainError; InputBound = mx; Note = note })

let private termNotes (r: BoundRun) (g: SulamGridPoint) (t: SulamBoundTerms) =
    [ sprintf "%s: %s at eps-bar = %.4g, alpha = %g, s = %A, eta = %A; margin threshold %.4g; engine total %.6g (raw; >= 1 is vacuous)"
          r.Note t.Theorem g.EpsilonBar g.Alpha t.S (t.Eta.[1 .. t.Eta.Length - 2] |> Array.map (fun v -> Math.Round(v, 4))) t.MarginThreshold t.Total
      sprintf "grid: %d points, delta_red = %.3g (ln T = %.2f)" r.Search.Points.Count r.Search.DeltaReduced r.Search.LogUnionCount ]
    @ [ for name, value in r.Search.Choices -> sprintf "X5 %s: %s" name value ]

let private termMeasures (t: SulamBoundTerms) =
    [ "bound", t.Total; "margin loss", t.MarginLoss; "sparse sums", t.SparseGamma + t.Sparse3Gamma; "KL", t.KlTotal; "KL term", t.KlTerm; "layer KL terms", t.LayerKlTerms; "constant term", t.ConstantTerm ]

let private heldOut (lab: Lab) (run: Run) (r: BoundRun) (b: Bindings) (label: string) =
    let _, yh = r.HeldOut
    Evidence.heldOut label "L0" r.HeldOutErrors yh.Length b (Evidence.instance b (run.Stream(lab, "")).Seed label)

/// SULAM-T13 with P0.
let t13 =
    Experiment.create [ "L0"; "Lhat0"; "Rhat"; "m"; "K"; "KL"; "delta"; "layerTerms"; "sparseGamma"; "sparse3Gamma" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let g = r.Search.Best
        let t = g.Terms
        let b =
            Bindings.ofScalars
                [ "Lhat0", r.TrainError; "Rhat", t.MarginLoss; "m", float t.M; "K", float r.Net.K; "KL", t.KlTotal; "delta", t.Delta
                  "layerTerms", t.LayerKlTerms; "sparseGamma", t.SparseGamma; "sparse3Gamma", t.Sparse3Gamma ]
        Evidence.ofSettings [ heldOut lab run r b "Theorem 13, prior P0, held-out error of h" ]
        |> Evidence.withMeasured (termMeasures t)
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withNotes (termNotes r g t))

/// SULAM-T11 with P0 (explicit form).
let t11 =
    Experiment.create [ "L0"; "Lhat0"; "Rhat"; "m"; "K"; "KL"; "delta"; "layerTerms"; "lsparse" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let g = r.Search.BestTheorem11
        let t = g.Theorem11
        let b =
            Bindings.ofScalars
                [ "Lhat0", r.TrainError; "Rhat", t.MarginLoss; "m", float t.M; "K", float r.Net.K; "KL", t.KlTotal; "delta", t.Delta
                  "layerTerms", t.LayerKlTerms; "lsparse", t.Sparse3Gamma ]
        Evidence.ofSettings [ heldOut lab run r b "Theorem 11 (explicit), prior P0, held-out error of h" ]
        |> Evidence.withMeasured (termMeasures t)
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withNotes (termNotes r g t))

/// SULAM-F-UNION: the search's price, and the same price for the paper's architectures.
let fUnion =
    Experiment.create [ "deltaRed"; "deltaRedNoS"; "T"; "delta" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let o = SulamSearchOptions()
        let priceOf (widths: int[]) =
            let K = widths.Length - 2
            let logNoS = log (float o.EpsilonGrid.Length) + float K * log (float o.EtaGrid.Length)
            let logT = logNoS + Seq.sum (seq { for k in 1 .. K -> log (float widths.[k]) })
            exp logT, o.Delta * exp (-logT), o.Delta * exp (-logNoS)
        let seed = (run.Stream(lab, "")).Seed
        let own =
            let logNoS = r.Search.LogUnionCount - Seq.sum (seq { for k in 1 .. r.Net.K -> log (float r.Net.Widths.[k]) })
            inst (Bindings.ofScalars [ "deltaRed", r.Search.DeltaReduced; "deltaRedNoS", o.Delta * exp (-logNoS); "T", exp r.Search.LogUnionCount; "delta", o.Delta ]) seed "this network's search" None None
        let paper =
            [ for widths in [ [| 784; 100; 10 |]; [| 784; 1000; 10 |]; [| 784; 100; 100; 10 |]; [| 784; 500; 500; 10 |] ] ->
                let t, dr, dn = priceOf widths
                inst (Bindings.ofScalars [ "deltaRed", dr; "deltaRedNoS", dn; "T", t; "delta", o.Delta ]) seed (sprintf "grid for %s" (String.Join("-", widths))) None None ]
        Evidence.ofInstances (own :: paper)
        |> Evidence.withMeasured [ "ln T (this search)", r.Search.LogUnionCount; "delta_red", r.Search.DeltaReduced ])

/// SULAM-A2: threshold count vs literal scan, radii at s* and s* + 1.
let a2 =
    Experiment.create [ "sFast"; "sScan"; "gamma"; "rAtS"; "rNext" ] (fun lab run ->
        let etaGrid = SulamSearchOptions.DefaultEtaGrid()
        let o = SulamSearchOptions()
        let instances =
            [ for label, net, xs, mx in networks lab run.Mode 12 do
                let seed = (run.Stream(lab, label)).Seed
                let flat = xs |> Array.collect (Array.map float32)
                let profile = ActivationProfile.Compute(net, ReadOnlySpan flat, xs.Length, ReadOnlySpan.Empty, lab.LinearAlgebra)
                let cache = LayerCache(net, lab.LinearAlgebra)
                for bar in [ 1e-3; 1e-2; 0.05; 0.2 ] do
                    let eps = o.EpsilonFor(bar, net.K)
                    for j, x in Array.indexed xs do
                        let fast = GreedySparsity.Vector(profile, cache, j, eps, mx, etaGrid)
                        let scan = GreedySparsity.BruteForce(net, ReadOnlySpan x, eps, mx, etaGrid, lab.LinearAlgebra)
                        let u = net.Forward(ReadOnlySpan x)
                        let mutable scale = mx
                        let mutable gamma = 0.0
                        for k in 1 .. net.K do
                            gamma <- (1.0 + gamma) * (1.0 + eps.[k]) - 1.0
                            let xi = cache.RowNorm(k, fast.[k - 1])
                            let radius s = if s = 0 then infinity elif s > net.Widths.[k] then infinity else SparseRadius.Of(ReadOnlySpan u.[k], s, xi * scale)
                            let b = Bindings.ofScalars [ "sFast", float fast.[k]; "sScan", float scan.[k]; "gamma", gamma; "rAtS", radius fast.[k]; "rNext", radius (fast.[k] + 1) ]
                            yield inst b seed (sprintf "%s, x%d, eps-bar = %g, layer %d" label j bar k) (Some k) (Some j)
                            scale <- scale * xi * sqrt (1.0 + GreedySparsity.RoundUp(cache.Babel(k, fast.[k], fast.[k - 1]), etaGrid)) ]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withNotes [ "App. B's schedule eps_k = eps-bar/(K+2-k) (UNVERIFIED repair of K+1-k); eta rounded up to the bound's eta grid; xi_k exact" ])

/// SULAM-A3: raw network with xi = its norms against the normalised network with xi = 1, and against a rescaled copy.
let a3 =
    Experiment.create [ "invarianceGap"; "rawMarginGap" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let net = r.Net
        let g = r.Search.Best
        let s, eta, eps = g.Terms.S, g.Terms.Eta, g.Terms.Epsilon
        let c = net.Normalisers s
        let normalised = net.Scaled c
        let rng = run.Stream(lab, "rescale")
        let factors = Array.init (net.K + 2) (fun k -> if k = 0 then 1.0 else Math.Pow(10.0, -0.7 + 1.4 * (rng.Split(sprintf "c%d" k)).NextDouble()))
        let rescaled = net.Scaled factors
        let raw = SparsityParameters(net.Widths, s, Array.init (net.K + 2) (fun k -> if k = 0 then 1.0 else c.[k]), eta, eps, r.InputBound)
        let unit = SulamBound.Parameters(net, s, eta, eps, r.InputBound)
        let xs, ys = r.Train
        let d = net.Widths.[0]
        let count = min 50 ys.Length
        let xsSub, ysSub = xs.[.. count * d - 1], ys.[.. count - 1]
        let relative a b = if a = b then 0.0 else abs (a - b) / max (abs a) (abs b)
        let boundGap =
            let o = SulamBoundOptions(InputBound = r.InputBound)
            relative (SulamBound.Reference(net, null, ReadOnlySpan xsSub, ReadOnlySpan ysSub, s, eta, eps, o).Total)
                     (SulamBound.Reference(rescaled, null, ReadOnlySpan xsSub, ReadOnlySpan ysSub, s, eta, eps, o).Total)
        let margin (o: float[]) y = o.[y] - (o |> Array.indexed |> Array.filter (fun (j, _) -> j <> y) |> Array.map snd |> Array.max)
        let instances =
            [ for i in 0 .. count - 1 ->
                let x = Array.init d (fun j -> float xs.[i * d + j])
                let ur, un, us = net.Forward(ReadOnlySpan x), normalised.Forward(ReadOnlySpan x), rescaled.Forward(ReadOnlySpan x)
                let argmax (o: float[]) = o |> Array.indexed |> Array.maxBy snd |> fst
                let flips = (if argmax ur.[net.K + 1] <> argmax us.[net.K + 1] then 1.0 else 0.0)
                let radiusGap =
                    [ for k in 1 .. net.K -> relative (SparseRadius.Of(ReadOnlySpan ur.[k], s.[k], raw.Xi.[k] * raw.Zeta(k - 1))) (SparseRadius.Of(ReadOnlySpan un.[k], s.[k], unit.Zeta(k - 1))) ]
                    |> List.filter Double.IsFinite |> List.fold max 0.0
                let marginGap = relative (margin ur.[net.K + 1] ys.[i] / raw.Zeta(net.K + 1)) (margin un.[net.K + 1] ys.[i] / unit.Zeta(net.K + 1))
                let b = Bindings.ofScalars [ "invarianceGap", flips + radiusGap + marginGap + boundGap; "rawMarginGap", relative (margin ur.[net.K + 1] ys.[i]) (margin us.[net.K + 1] ys.[i]) ]
                inst b rng.Seed (sprintf "x%d" i) None (Some i) ]
        Evidence.ofInstances instances
        |> Evidence.withMeasured [ "P0 bound relative change under rescaling", boundGap ]
        |> Evidence.withNotes [ sprintf "rescaling factors %A; s, eta, eps of the best Theorem-13 grid point" (factors.[1..] |> Array.map (fun v -> Math.Round(v, 3))) ])

/// SULAM-D-EAR: kappa at adjacent eps of a linear grid (common eps, exact eta).
let dEar =
    Experiment.create [ "kappaSmall"; "kappaLarge" ] (fun lab run ->
        let grid = Array.init 8 (fun i -> 1e-4 + (0.05 - 1e-4) * float i / 7.0)
        let instances =
            [ for label, net, xs, mx in networks lab run.Mode 20 do
                let seed = (run.Stream(lab, label)).Seed
                let flat = xs |> Array.collect (Array.map float32)
                let profile = ActivationProfile.Compute(net, ReadOnlySpan flat, xs.Length, ReadOnlySpan.Empty, lab.LinearAlgebra)
                let cache = LayerCache(net, lab.LinearAlgebra)
                let kappa j e = GreedySparsity.Kappa(net.Widths, GreedySparsity.Vector(profile, cache, j, Array.create (net.K + 2) e, mx))
                for j in 0 .. xs.Length - 1 do
                    let ks = grid |> Array.map (kappa j)
                    for i in 0 .. grid.Length - 2 ->
                        inst (Bindings.ofScalars [ "kappaSmall", ks.[i]; "kappaLarge", ks.[i + 1] ]) seed (sprintf "%s, x%d, eps %.4g -> %.4g" label j grid.[i] grid.[i + 1]) None (Some j) ]
        let kappas = instances |> List.map (fun i -> scalarOf "kappaSmall" i.Bindings) |> Array.ofList
        Evidence.ofInstances instances
        |> Evidence.withFigures [ Figure.Histogram(sprintf "%s: effective activity ratio (eps grid without its last value)" run.Mode.Label, "kappa", kappas, []) ]
        |> Evidence.withFailedAssumptions (failed lab run.Mode))

/// One fresh posterior draw per example: the 0-1 error count of the stochastic predictor.
let private stochasticErrors (net: SparseNetwork) (sigma: float[]) (x: float32[]) (y: int[]) (stream: int -> GenBounds.Random.Rng) =
    let d = net.Widths.[0]
    let mutable errors = 0
    for i in 0 .. y.Length - 1 do
        let hat = GaussianPosterior.Sample(net, sigma, stream i)
        let o = hat.Output(ReadOnlySpan(Array.init d (fun j -> float x.[i * d + j])))
        let arg = o |> Array.indexed |> Array.maxBy snd |> fst
        if arg <> y.[i] then errors <- errors + 1
    errors

/// SULAM-T14: the stochastic predictor N(h_normalised, sigma^2) of the best Theorem-13 grid point, per-example draws.
let t14 =
    Experiment.create [ "L0Q"; "LhatQ"; "LhatQHalf"; "KL"; "m"; "delta" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let t = r.Search.Best.Terms
        let hn = r.Net.Scaled t.Normalisers
        let xs, ys = r.Train
        let xh, yh = r.HeldOut
        let trainErrors, heldErrors =
            Lab.memo lab ("sulam2023/t14/" + run.Mode.StreamName) (fun () ->
                stochasticErrors hn t.Sigma xs ys (fun i -> run.Stream(lab, sprintf "train-%d" i)),
                stochasticErrors hn t.Sigma xh yh (fun i -> run.Stream(lab, sprintf "held-%d" i)))
        let m = ys.Length
        let upper = (Stats.clopperPearson trainErrors m 0.99).Upper
        let b = Bindings.ofScalars [ "LhatQ", upper; "LhatQHalf", float trainErrors / float m / 2.0; "KL", t.KlTotal; "m", float m; "delta", t.Delta ]
        Evidence.ofSettings [ Evidence.heldOut "stochastic predictor, held-out" "L0Q" heldErrors yh.Length b (Evidence.instance b (run.Stream(lab, "")).Seed "per-example posterior draws") ]
        |> Evidence.withMeasured [ "stochastic training error", float trainErrors / float m; "stochastic held-out error", float heldErrors / float yh.Length; "KL", t.KlTotal ]
        |> Evidence.withNotes
            [ "Q = N(h normalised, sigma^2) with Eq. (8)'s sigma at the best Theorem-13 grid point; P = N(0, sigma^2); delta = that search's delta_red (sigma was chosen on the grid)"
              "E_Q R_hat is replaced by the upper 99.5% Clopper-Pearson limit of the per-example-draw training error (conservative)" ])

/// SULAM-D15: output deviations of posterior draws at points whose radii clear gamma.
let d15 =
    Experiment.create [ "outDev"; "zetaGamma"; "m"; "outTypical" ] (fun lab run ->
        let r = boundRun lab run.Mode
        let xs, _ = r.Train
        let d = r.Net.Widths.[0]
        let candidates = r.Search.Best :: (r.Search.Points |> List.ofSeq |> List.sortBy (fun g -> g.EpsilonBar, g.Alpha))
        let pick (g: SulamGridPoint) =
            let t = g.Terms
            let hn = r.Net.Scaled t.Normalisers
            let p = SulamBound.Parameters(r.Net, t.S, t.Eta, t.Epsilon, r.InputBound)
            let points =
                [ for i in 0 .. min 49 (r.Profile.Count - 1) do
                    let x = Array.init d (fun j -> float xs.[i * d + j])
                    let u = hn.Forward(ReadOnlySpan x)
                    if [ 1 .. r.Net.K ] |> List.forall (fun k -> SparseRadius.Of(ReadOnlySpan u.[k], t.S.[k], p.Zeta(k - 1)) >= p.Gamma k) then yield i, x, u.[r.Net.K + 1] ]
                |> List.truncate 5
            g, hn, p, points
        match candidates |> List.map pick |> List.tryFind (fun (_, _, _, pts) -> not pts.IsEmpty) with
        | None -> Evidence.unavailable "no training point has r_k >= gamma_k at any grid point"
        | Some(g, hn, p, points) ->
            let draws = Budget.cheapTrials lab.Budget
            let zetaGamma = p.Zeta(r.Net.K + 1) * p.Gamma(r.Net.K + 1)
            let devs =
                Lab.memo lab (sprintf "sulam2023/d15/%s/%d" run.Mode.StreamName draws) (fun () ->
                    [| for t in 0 .. draws - 1 ->
                        let rng = run.Stream(lab, sprintf "draw-%d" t)
                        let hat = GaussianPosterior.Sample(hn, g.Terms.Sigma, rng)
                        rng.Seed, [| for _, x, o in points -> Array.map2 (fun a b -> abs (a - b)) (hat.Output(ReadOnlySpan x)) o |> Array.max |] |])
            let settings =
                [ for pi, (i, _, _) in List.indexed points ->
                    let values = devs |> Array.map (fun (_, v) -> v.[pi])
                    let typical = median values
                    let instances =
                        [ for t, (seed, v) in Array.indexed devs ->
                            { inst (Bindings.ofScalars [ "outDev", v.[pi]; "zetaGamma", zetaGamma; "m", float r.Profile.Count; "outTypical", typical ]) seed (sprintf "x%d, draw %d" i t) None (Some i) with Trial = Some t } ]
                    Evidence.setting (sprintf "training point %d" i) instances ]
            Evidence.ofSettings settings
            |> Evidence.withNotes [ sprintf "grid point eps-bar = %.4g, alpha = %g (the best Theorem-13 point when it has points with r_k >= gamma_k); %d draws; zeta_{K+1} gamma_{K+1} = %.4g" g.EpsilonBar g.Alpha draws zetaGamma ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.t11 P.t11Mutants t11
      Lemma.create P.t13 P.t13Mutants t13
      Lemma.create P.fUnion P.fUnionMutants fUnion
      Lemma.create P.a2 P.a2Mutants a2
      Lemma.create P.a3 P.a3Mutants a3
      Lemma.create P.dEar P.dEarMutants dEar
      Lemma.create P.t14 P.t14Mutants t14
      Lemma.create P.d15 P.d15Mutants d15
      Lemma.notYet P.l16 ]
