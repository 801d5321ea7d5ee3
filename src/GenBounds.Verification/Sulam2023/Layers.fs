/// Experiments for Muthukumar & Sulam (2023) §2-§3 (GenBounds.Proofs.Sulam2023.Layers): the radius of one layer and Lemma 4
/// with random, closed-form and projected-gradient perturbations at the edge of the certified radius; the class, the
/// neighbourhood and the posterior (Definitions 5-7); layer-wise radii and Propositions 9 and 10 with adversarial search.
module GenBounds.Verification.Sulam2023.Layers

open System
open GenBounds.Sparsity
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Sulam2023.Shared
module P = GenBounds.Proofs.Sulam2023.Layers

let private relu (v: float[]) = v |> Array.map (fun x -> max 0.0 x)

let private matVec (w: float[]) (rows: int) (cols: int) (x: float[]) =
    Array.init rows (fun i ->
        let mutable s = 0.0
        for j in 0 .. cols - 1 do s <- s + w.[i * cols + j] * x.[j]
        s)

/// One layer of a check: weights, the inputs, and zeta_0 per input.
type private LayerCase = { Label: string; W: float[]; Rows: int; Cols: int; Inputs: float[][]; Zeta: float[]; Seed: uint64; Layer: int option }

/// Synthetic: random layers (d1 x d0 small) with |N(0,1)| inputs and zeta_0 = ||x|| (1 + u), u in {0, 0.5}; real: layer 1 of
/// the trained net on the first training inputs with zeta_0 = M_X.
let private layerCases (lab: Lab) (mode: CheckMode) (points: int) : LayerCase list =
    match mode with
    | CheckMode.Synthetic ->
        [ for i, (rows, cols) in List.indexed [ 12, 5; 9, 7; 16, 4; 10, 10 ] ->
            let rng = Lab.stream lab paperId "layers" mode (sprintf "case-%d" i)
            let xs = randomInputs (rng.Split "inputs") points cols
            { Label = sprintf "random %dx%d" rows cols; W = gaussian (rng.Split "w") (rows * cols) (1.0 / sqrt (float cols)); Rows = rows; Cols = cols
              Inputs = xs; Zeta = xs |> Array.mapi (fun j x -> norm x * (if j % 2 = 0 then 1.0 else 1.5)); Seed = rng.Seed; Layer = None } ]
    | CheckMode.RealNetwork ->
        let net = labNet lab
        let xs = labInputs lab points
        let mx = inputBound lab
        [ { Label = "trained layer 1"; W = net.W.[1]; Rows = net.Widths.[1]; Cols = net.Widths.[0]; Inputs = xs; Zeta = xs |> Array.map (fun _ -> mx)
            Seed = (Lab.stream lab paperId "layers" mode "").Seed; Layer = Some 1 } ]

let private sValues (rows: int) = [ 1 .. rows ] |> List.filter (fun s -> rows <= 16 || s % max 1 (rows / 16) = 0 || s = 1)

/// SULAM-D3: r <= 1 on W in W1, x in X0.
let d3 =
    Experiment.create [ "r"; "rNorm"; "xiRatio"; "rTypical" ] (fun lab run ->
        let cases = layerCases lab run.Mode 12
        let instances =
            [ for c in cases do
                let xi = SparseNorms.ReducedRowNorm(ReadOnlySpan c.W, c.Rows, c.Cols, 0)
                for j, x in Array.indexed c.Inputs do
                    let u = matVec c.W c.Rows c.Cols x
                    for s in sValues c.Rows ->
                        let b = Bindings.ofScalars [ "r", SparseRadius.Of(ReadOnlySpan u, s, xi * c.Zeta.[j]); "rNorm", norm x / c.Zeta.[j]; "xiRatio", 1.0 ]
                        inst b c.Seed (sprintf "%s, x%d, s = %d" c.Label j s) c.Layer (Some j) ]
        Evidence.ofInstances (withTypical "r" "rTypical" instances) |> Evidence.withFailedAssumptions (failed lab run.Mode))

/// SULAM-L4.1: inactivity and the output bound, every s (r = 0 included for the mutant).
let l41 =
    Experiment.create [ "maxInactiveOut"; "outNorm"; "xi"; "eta"; "zeta"; "rPositive" ] (fun lab run ->
        let cases = layerCases lab run.Mode 12
        let instances =
            [ for c in cases do
                let xi = SparseNorms.ReducedRowNorm(ReadOnlySpan c.W, c.Rows, c.Cols, 0)
                let mu = BabelFunction.Profile(ReadOnlySpan c.W, c.Rows, c.Cols, 0, lab.LinearAlgebra).Mu
                for j, x in Array.indexed c.Inputs do
                    let u = matVec c.W c.Rows c.Cols x
                    let out = relu u
                    for s in sValues c.Rows |> List.filter (fun s -> s < c.Rows) ->
                        let set = SparseRadius.InactiveSet(ReadOnlySpan u, s)
                        let r = SparseRadius.Of(ReadOnlySpan u, s, xi * c.Zeta.[j])
                        let b =
                            Bindings.ofScalars
                                [ "maxInactiveOut", set |> Array.map (fun i -> out.[i]) |> Array.max; "outNorm", norm out; "xi", xi; "eta", mu.[s]
                                  "zeta", c.Zeta.[j]; "rPositive", (if r > 0.0 then 1.0 else 0.0) ]
                        inst b c.Seed (sprintf "%s, x%d, s = %d" c.Label j s) c.Layer (Some j) ]
        Evidence.ofInstances instances |> Evidence.withFailedAssumptions (failed lab run.Mode))

/// A one-hidden-layer network around one layer (zero last layer), so the engine's attack can move that layer alone.
let private asNetwork (c: LayerCase) = SparseNetwork([| c.Cols; c.Rows; 1 |], [| c.W; Array.zeroCreate c.Rows |])

/// SULAM-L4.2 with random, closed-form and projected-gradient perturbations at the edge of the certified radius.
let l42 =
    Experiment.create [ "maxInactiveHat"; "dist"; "epsilon_0"; "epsilon_1"; "xi"; "eta"; "zeta"; "radiusGap" ] (fun lab run ->
        let cases = layerCases lab run.Mode 8
        let ratios = ResizeArray<float>()
        let pgaRatios = ResizeArray<float>()
        let instances =
            [ for c in cases do
                let xi = SparseNorms.ReducedRowNorm(ReadOnlySpan c.W, c.Rows, c.Cols, 0)
                let muProfile = BabelFunction.Profile(ReadOnlySpan c.W, c.Rows, c.Cols, 0, lab.LinearAlgebra).Mu
                for j, x in Array.indexed c.Inputs do
                    let u = matVec c.W c.Rows c.Cols x
                    let negatives = u |> Array.filter (fun v -> v < 0.0) |> Array.length
                    let zeta = c.Zeta.[j]
                    for s in [ max 1 (negatives / 4); max 1 (negatives / 2); max 1 negatives ] |> List.distinct |> List.filter (fun s -> s < c.Rows) do
                        let r = SparseRadius.Of(ReadOnlySpan u, s, xi * zeta)
                        if r > 1e-6 then
                            let set = SparseRadius.InactiveSet(ReadOnlySpan u, s)
                            let eta = muProfile.[s]
                            let rng = run.Stream(lab, sprintf "%s/x%d/s%d" c.Label j s)
                            let measure (label: string) (what: float[]) (xhat: float[]) e0 e1 gap =
                                let uh = matVec what c.Rows c.Cols xhat
                                let ux = matVec c.W c.Rows c.Cols xhat
                                let worst = set |> Array.map (fun i -> max (max 0.0 uh.[i]) (max 0.0 ux.[i])) |> Array.max
                                let dist = norm (Array.map2 (-) (relu uh) (relu u))
                                let b =
                                    Bindings.ofScalars
                                        [ "maxInactiveHat", worst; "dist", dist; "epsilon_0", e0; "epsilon_1", e1; "xi", xi; "eta", eta; "zeta", zeta; "radiusGap", gap ]
                                inst b rng.Seed (sprintf "%s, x%d, s = %d: %s" c.Label j s label) c.Layer (Some j)
                            // (a) random directions at the edge: eps_0 in {0, r/3}, eps_1 = (1 + r)/(1 + eps_0) - 1.
                            for t, e0 in List.indexed [ 0.0; r / 3.0 ] do
                                let e1 = (1.0 + r) / (1.0 + e0) - 1.0
                                let d = gaussian (rng.Split(sprintf "dw%d" t)) (c.Rows * c.Cols) 1.0
                                let rowRatio = SparseNorms.ReducedRowNorm(ReadOnlySpan d, c.Rows, c.Cols, 0) / xi
                                let sparseBound =
                                    min (SparseNorms.BabelUpperBound(ReadOnlySpan d, c.Rows, c.Cols, s, 0, lab.LinearAlgebra))
                                        (GenBounds.LinearAlgebra.SpectralNorm.Bound(lab.LinearAlgebra, ReadOnlySpan d, c.Rows, c.Cols, rng.Seed).Upper)
                                let scale = e1 / max rowRatio (sparseBound / (xi * sqrt (1.0 + eta)))
                                let what = Array.map2 (fun w dv -> w + scale * dv) c.W d
                                let dx = gaussian (rng.Split(sprintf "dx%d" t)) c.Cols 1.0
                                let dn = norm dx
                                let xhat = Array.map2 (fun a b -> a + (if dn > 0.0 then e0 * zeta * b / dn else 0.0)) x dx
                                yield measure (sprintf "random, eps0 = %.3g" e0) what xhat e0 e1 (r - ((1.0 + e0) * (1.0 + e1) - 1.0))
                            // (b) closed form at the edge and (d) at 1.5 times it (out of scope).
                            let i = set |> Array.maxBy (fun i -> u.[i])
                            let struct (breaking, _) = InactiveSetAttack.SingleRow(ReadOnlySpan c.W, c.Rows, c.Cols, ReadOnlySpan x, s, xi, zeta)
                            ratios.Add(breaking / r)
                            for label, e1 in [ "closed form at the certified radius", r; "closed form at 1.5 x its breaking size", 1.5 * breaking ] do
                                let d = InactiveSetAttack.SingleRowPerturbation(c.Rows, c.Cols, ReadOnlySpan x, i, e1 * xi)
                                yield measure label (Array.map2 (+) c.W d) x 0.0 e1 (r - e1)
                            // (c) projected gradient ascent on max_{i in I} u_hat_i inside the certified constraint set.
                            let net = asNetwork c
                            let p = SparsityParameters(net.Widths, [| 0; s; 0 |], [| 1.0; xi; 1.0 |], [| 0.0; eta; 0.0 |], [| 0.0; r; 0.0 |], zeta)
                            let o = InactiveSetAttack.Attack(net, ReadOnlySpan x, p, 0.999, AttackObjective.InactiveSet, 12, rng.Split "pga", lab.LinearAlgebra)
                            yield measure "projected gradient ascent" o.Perturbed.W.[1] x 0.0 (0.999 * r) (r - 0.999 * r)
                            if j < 2 then
                                pgaRatios.Add(InactiveSetAttack.BreakingScale(net, ReadOnlySpan x, p, 8.0, 6, rng.Split "breaking", lab.LinearAlgebra)) ]
        let summary (xs: ResizeArray<float>) = if xs.Count = 0 then nan else median (xs.ToArray())
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withMeasured [ "closed form: breaking eps_1 / certified r (median)", summary ratios; "closed form: breaking / certified (min)", (if ratios.Count = 0 then nan else Seq.min ratios)
                                   "projected ascent: breaking scale / certified (median)", summary pgaRatios ]
        |> Evidence.withFigures
            [ Figure.Histogram(sprintf "%s: largest one-row perturbation keeping I inactive / certified radius" run.Mode.Label, "breaking eps_1 / r", ratios.ToArray(), [ "theory (tight when ||x|| = zeta_0)", 1.0 ]) ]
        |> Evidence.withNotes
            [ "breaking / certified = zeta_0/||x|| for the closed form (DERIVED): 1 where zeta_0 = ||x|| (synthetic even inputs), M_X/||x|| on the trained net"
              sprintf "projected gradient ascent (12 steps at 0.999 x the certified size; breaking scales by bisection on %d points, 6 steps each, +infinity when 8x does not break)" pgaRatios.Count ])

/// SULAM-L4.3: radius changes under random perturbations and the tight closed-form moves.
let l43 =
    Experiment.create [ "radiusChange"; "a"; "b" ] (fun lab run ->
        let cases = layerCases lab run.Mode 8
        let instances =
            [ for c in cases do
                let xi = SparseNorms.ReducedRowNorm(ReadOnlySpan c.W, c.Rows, c.Cols, 0)
                for j, x in Array.indexed c.Inputs do
                    let u = matVec c.W c.Rows c.Cols x
                    let rng = run.Stream(lab, sprintf "%s/x%d" c.Label j)
                    for s in [ 1; max 1 (c.Rows / 3); max 1 (c.Rows / 2) ] |> List.distinct do
                        let zeta = c.Zeta.[j]
                        let r0 = SparseRadius.Of(ReadOnlySpan u, s, xi * zeta)
                        for t in 0 .. 2 do
                            let scaleW = 0.3 * (rng.Split(sprintf "s%d-t%d-a" s t)).NextDouble()
                            let scaleX = if t = 0 then 0.0 else 0.3 * (rng.Split(sprintf "s%d-t%d-b" s t)).NextDouble()
                            let d = gaussian (rng.Split(sprintf "s%d-t%d-dw" s t)) (c.Rows * c.Cols) 1.0
                            let dScale = scaleW * xi / SparseNorms.ReducedRowNorm(ReadOnlySpan d, c.Rows, c.Cols, 0)
                            let what = Array.map2 (fun w dv -> w + dScale * dv) c.W d
                            let dx = gaussian (rng.Split(sprintf "s%d-t%d-dx" s t)) c.Cols 1.0
                            let xhat = Array.map2 (fun a b -> a + scaleX * zeta * b / norm dx) x dx
                            let r1 = SparseRadius.Of(ReadOnlySpan(matVec what c.Rows c.Cols xhat), s, xi * zeta)
                            let b = Bindings.ofScalars [ "radiusChange", abs (r1 - r0); "a", norm (Array.map2 (-) xhat x) / zeta; "b", SparseNorms.ReducedRowNorm(ReadOnlySpan(Array.map2 (-) what c.W), c.Rows, c.Cols, 0) / xi ]
                            yield inst b rng.Seed (sprintf "%s, x%d, s = %d, random %d" c.Label j s t) c.Layer (Some j)
                        // Tight: zeta_0 = ||x||, move the s-th smallest unit up by less than the gap to its neighbours.
                        let sorted = Array.sort u
                        if sorted.[s - 1] < 0.0 then
                            let nx = norm x
                            let gap = min (if s < c.Rows then sorted.[s] - sorted.[s - 1] else infinity) (-sorted.[s - 1])
                            if gap > 1e-9 then
                                let idx = SparseRadius.InactiveSet(ReadOnlySpan u, s) |> Array.maxBy (fun i -> u.[i])
                                let size = 0.5 * gap / nx
                                let d = InactiveSetAttack.SingleRowPerturbation(c.Rows, c.Cols, ReadOnlySpan x, idx, size)
                                let what = Array.map2 (+) c.W d
                                let ra = SparseRadius.Of(ReadOnlySpan u, s, xi * nx)
                                let rb = SparseRadius.Of(ReadOnlySpan(matVec what c.Rows c.Cols x), s, xi * nx)
                                let b = Bindings.ofScalars [ "radiusChange", abs (rb - ra); "a", 0.0; "b", size / xi ]
                                yield inst b rng.Seed (sprintf "%s, x%d, s = %d, tight one-row move" c.Label j s) c.Layer (Some j) ]
        Evidence.ofInstances instances)

/// SULAM-L4-tight: the closed-form breaking size against r zeta_0/||x||, confirmed by a forward pass.
let l4Tight =
    Experiment.create [ "breaking"; "r"; "zeta"; "normX" ] (fun lab run ->
        let cases = layerCases lab run.Mode 10
        let instances =
            [ for c in cases do
                let xi = SparseNorms.ReducedRowNorm(ReadOnlySpan c.W, c.Rows, c.Cols, 0)
                for j, x in Array.indexed c.Inputs do
                    let u = matVec c.W c.Rows c.Cols x
                    let negatives = u |> Array.filter (fun v -> v < 0.0) |> Array.length
                    for s in [ 1; max 1 (negatives / 2); max 1 negatives ] |> List.distinct do
                        if negatives >= s then
                            let struct (breaking, r) = InactiveSetAttack.SingleRow(ReadOnlySpan c.W, c.Rows, c.Cols, ReadOnlySpan x, s, xi, c.Zeta.[j])
                            // Confirm: slightly beyond the breaking size a unit of I is active, slightly below none is.
                            let set = SparseRadius.InactiveSet(ReadOnlySpan u, s)
                            let i = set |> Array.maxBy (fun i -> u.[i])
                            let activeAt f =
                                let d = InactiveSetAttack.SingleRowPerturbation(c.Rows, c.Cols, ReadOnlySpan x, i, f * breaking * xi)
                                let uh = matVec (Array.map2 (+) c.W d) c.Rows c.Cols x
                                set |> Array.exists (fun k -> uh.[k] > 0.0)
                            let confirmed = activeAt 1.001 && not (activeAt 0.999)
                            let b = Bindings.ofScalars [ "breaking", (if confirmed then breaking else nan); "r", r; "zeta", c.Zeta.[j]; "normX", norm x ]
                            yield inst b c.Seed (sprintf "%s, x%d, s = %d" c.Label j s) c.Layer (Some j) ]
        Evidence.ofInstances instances)

let private xiGrid (v: float) = Math.Pow(2.0, ceil (8.0 * Math.Log2(max v 1e-300)) / 8.0)

/// SULAM-D5: every layer at several sparsity vectors, xi and eta rounded up to their grids.
let d5 =
    Experiment.create [ "rowNorm"; "mu"; "xi"; "eta"; "meanRowNorm" ] (fun lab run ->
        let etaGrid = SulamSearchOptions.DefaultEtaGrid()
        let instances =
            [ for label, net, _, _ in networks lab run.Mode 1 do
                let seed = (run.Stream(lab, label)).Seed
                for k in 1 .. net.K + 1 do
                    let rows, cols = net.Widths.[k], net.Widths.[k - 1]
                    for sPrev in (if k = 1 then [ 0 ] else [ 0; cols / 3; cols / 2 ]) |> List.distinct do
                        let rowNorms = [| for i in 0 .. rows - 1 -> SparseNorms.ReducedRowNorm(ReadOnlySpan(net.W.[k], i * cols, cols), 1, cols, sPrev) |]
                        let rowNorm = Array.max rowNorms
                        for s in (if k > net.K then [ 0 ] else [ 0; rows / 4; rows / 2; rows - 1 ]) |> List.distinct ->
                            let mu = if k > net.K then 0.0 else BabelFunction.Reduced(ReadOnlySpan net.W.[k], rows, cols, s, sPrev, lab.LinearAlgebra)
                            let b = Bindings.ofScalars [ "rowNorm", rowNorm; "mu", mu; "xi", xiGrid rowNorm; "eta", GreedySparsity.RoundUp(mu, etaGrid); "meanRowNorm", Array.average rowNorms ]
                            inst b seed (sprintf "%s, layer %d, (s_k, s_k-1) = (%d, %d)" label k s sPrev) (Some k) None ]
        Evidence.ofInstances instances |> Evidence.withNotes [ "xi grid 2^(j/8); eta grid: 0 and 2^(j/2), j = -12..24 (the bound's default)" ])

/// A small network for the exact neighbourhood test: synthetic random (6, 5, 5, 3); real: sub-blocks of the trained layers
/// (8 inputs, 6 hidden units of layer 1, then 4 units of each further layer).
let private smallNetwork (lab: Lab) (mode: CheckMode) =
    match mode with
    | CheckMode.Synthetic -> randomNet (Lab.stream lab paperId "small-net" mode "") [| 6; 5; 5; 3 |]
    | CheckMode.RealNetwork ->
        let net = labNet lab
        let rng = Lab.stream lab paperId "small-net" mode ""
        let pick k n = (rng.Split(sprintf "pick-%d" k)).Permutation(net.Widths.[k]).[.. (min n net.Widths.[k]) - 1] |> Array.sort
        let chosen = Array.init (net.K + 2) (fun k -> if k = 0 then pick 0 8 elif k = 1 then pick 1 6 else pick k 4)
        let widths = chosen |> Array.map Array.length
        SparseNetwork(widths, [| for k in 1 .. net.K + 1 -> [| for i in chosen.[k] do for j in chosen.[k - 1] -> net.W.[k].[i * net.Widths.[k - 1] + j] |] |])

/// SULAM-D6: the sufficient (certified) test against exact enumeration, perturbations within +-10% of the edge.
let d6 =
    Experiment.create [ "certified"; "member" ] (fun lab run ->
        let net = smallNetwork lab run.Mode
        let s = Array.init (net.K + 2) (fun k -> if k = 0 || k > net.K then 0 else net.Widths.[k] / 2)
        let p = exactParameters net s (Array.create (net.K + 2) 0.2) 1.0 lab.LinearAlgebra
        let trials = min lab.Budget.Trials 200
        let instances =
            [ for t in 0 .. trials - 1 ->
                let rng = run.Stream(lab, sprintf "trial-%d" t)
                let ws =
                    [| for k in 1 .. net.K + 1 ->
                        let rows, cols = net.Widths.[k], net.Widths.[k - 1]
                        let d = gaussian (rng.Split(sprintf "d%d" k)) (rows * cols) 1.0
                        let rowRatio = SparseNorms.ReducedRowNorm(ReadOnlySpan d, rows, cols, s.[k - 1]) / p.Xi.[k]
                        let sparseRatio = if k <= net.K then SparseNorms.Exact(ReadOnlySpan d, rows, cols, s.[k], s.[k - 1]) / (p.Xi.[k] * sqrt (1.0 + p.Eta.[k])) else 0.0
                        let target = p.Epsilon.[k] * (0.9 + 0.2 * (rng.Split(sprintf "rho%d" k)).NextDouble())
                        let c = target / max rowRatio sparseRatio
                        Array.map2 (fun w dv -> w + c * dv) net.W.[k] d |]
                let hat = SparseNetwork(net.Widths, ws)
                let exact = NeighbourhoodTest.Of(net, hat, p, true, lab.LinearAlgebra)
                let bound = NeighbourhoodTest.Of(net, hat, p, false, lab.LinearAlgebra, rng.Seed)
                { inst (Bindings.ofScalars [ "certified", (if bound.Certified then 1.0 else 0.0); "member", (if exact.Certified then 1.0 else 0.0) ]) rng.Seed (sprintf "trial %d" t) None None with Trial = Some t } ]
        let members = instances |> List.filter (fun i -> scalarOf "member" i.Bindings = 1.0) |> List.length
        let certified = instances |> List.filter (fun i -> scalarOf "certified" i.Bindings = 1.0) |> List.length
        Evidence.ofInstances instances
        |> Evidence.withMeasured [ "exact members", float members; "certified", float certified; "trials", float instances.Length ]
        |> Evidence.withNotes [ sprintf "network %s, s = %A, eps = 0.2 per layer" (String.Join("-", net.Widths)) s ])

/// SULAM-D7: squared entry deviations of posterior draws against sigma_k^2, per layer.
let d7 =
    Experiment.create [ "E[dev2]"; "sigma" ] (fun lab run ->
        let net = match run.Mode with CheckMode.Synthetic -> randomNet (Lab.stream lab paperId "d7-net" run.Mode "") [| 20; 15; 10; 5 |] | CheckMode.RealNetwork -> labNet lab
        let s = Array.zeroCreate<int> (net.K + 2)
        let p = exactParameters net s (Array.create (net.K + 2) 0.1) 1.0 lab.LinearAlgebra
        let sigma = Array.init (net.K + 2) (fun k -> if k = 0 then 0.0 else p.Sigma(k, 0.1, UnionVariant.Paper))
        let perDraw = net.W.[1..] |> Array.sumBy (fun w -> w.Length)
        let draws = max 2 (min lab.Budget.Trials (int (2e5 / float perDraw)))
        let samples = [| for t in 0 .. draws - 1 -> GaussianPosterior.Sample(net, sigma, run.Stream(lab, sprintf "draw-%d" t)) |]
        let settings =
            [ for k in 1 .. net.K + 1 ->
                let dev = [| for h in samples do for i in 0 .. net.W.[k].Length - 1 -> let d = h.W.[k].[i] - net.W.[k].[i] in d * d |]
                let b = Bindings.ofScalars [ "sigma", sigma.[k] ]
                Evidence.moments (sprintf "layer %d (%d entries x %d draws)" k net.W.[k].Length draws) "E[dev2]" dev b (inst b (run.Stream(lab, "draw-0")).Seed (sprintf "layer %d" k) (Some k) None) ]
        Evidence.ofSettings settings |> Evidence.withNotes [ "sigma_k = Lemma 12's sigma at s = 0, eps = 0.1, delta = 0.1 (paper bookkeeping)" ])

/// Per point: clean pre-activations of every layer.
let private forwardAll (net: SparseNetwork) (x: float[]) = net.Forward(ReadOnlySpan x)

/// SULAM-D8: layer-wise radii at several sparsity vectors (exact xi, eta: h in H).
let d8 =
    Experiment.create [ "r_k"; "earlierPositive"; "rTypical" ] (fun lab run ->
        let instances =
            [ for label, net, xs, mx in networks lab run.Mode 10 do
                let seed = (run.Stream(lab, label)).Seed
                for fraction in [ 0.25; 0.5; 0.75 ] do
                    let s = Array.init (net.K + 2) (fun k -> if k = 0 || k > net.K then 0 else max 1 (int (fraction * float net.Widths.[k])))
                    let p = exactParameters net s (Array.create (net.K + 2) 0.0) mx lab.LinearAlgebra
                    for j, x in Array.indexed xs do
                        let u = forwardAll net x
                        let radii = Array.init (net.K + 1) (fun k -> if k = 0 then infinity else SparseRadius.Of(ReadOnlySpan u.[k], s.[k], p.Xi.[k] * p.Zeta(k - 1)))
                        for k in 1 .. net.K ->
                            let earlier = [ 1 .. k - 1 ] |> List.forall (fun n -> radii.[n] > 0.0)
                            inst (Bindings.ofScalars [ "r_k", radii.[k]; "earlierPositive", (if earlier then 1.0 else 0.0) ]) seed (sprintf "%s, x%d, layer %d, s = %A" label j k s) (Some k) (Some j) ]
        Evidence.ofInstances (withTypical "r_k" "rTypical" instances) |> Evidence.withFailedAssumptions (failed lab run.Mode))

/// SULAM-P9: inactivity and representation sizes (s beyond the negatives included for the mutant).
let p9 =
    Experiment.create [ "maxInactiveOut"; "sizeRatio"; "allPositive" ] (fun lab run ->
        let slacks = ResizeArray<float>()
        let instances =
            [ for label, net, xs, mx in networks lab run.Mode 10 do
                let seed = (run.Stream(lab, label)).Seed
                for fraction in [ 0.2; 0.4; 0.6; 0.9 ] do
                    let s = Array.init (net.K + 2) (fun k -> if k = 0 || k > net.K then 0 else min (net.Widths.[k] - 1) (max 1 (int (fraction * float net.Widths.[k]))))
                    let p = exactParameters net s (Array.create (net.K + 2) 0.0) mx lab.LinearAlgebra
                    for j, x in Array.indexed xs do
                        let u = forwardAll net x
                        let mutable worst = 0.0
                        let mutable ratio = 0.0
                        let mutable positive = true
                        for k in 1 .. net.K do
                            let set = SparseRadius.InactiveSet(ReadOnlySpan u.[k], s.[k])
                            worst <- max worst (set |> Array.map (fun i -> max 0.0 u.[k].[i]) |> Array.max)
                            positive <- positive && SparseRadius.Of(ReadOnlySpan u.[k], s.[k], p.Xi.[k] * p.Zeta(k - 1)) > 0.0
                            ratio <- max ratio (norm (u.[k] |> Array.map (fun v -> max 0.0 v)) / p.Zeta k)
                        ratio <- max ratio ((u.[net.K + 1] |> Array.map abs |> Array.max) / p.Zeta(net.K + 1))
                        if positive then slacks.Add ratio
                        yield inst (Bindings.ofScalars [ "maxInactiveOut", worst; "sizeRatio", ratio; "allPositive", (if positive then 1.0 else 0.0) ]) seed (sprintf "%s, x%d, s = %A" label j s) None (Some j) ]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withMeasured [ "median ||x_k||/zeta_k (in scope)", (if slacks.Count = 0 then nan else median (slacks.ToArray())) ])

/// SULAM-P10: random, projected-gradient and closed-form perturbations at (and, for the mutant, beyond) the certified radius.
let p10 =
    Experiment.create [ "maxInactiveHat"; "deviationRatio"; "radiusGap" ] (fun lab run ->
        let breaking = ResizeArray<float>()
        let instances =
            [ for label, net, xs, _ in networks lab run.Mode 5 do
                for j, x in Array.indexed xs do
                    let u = forwardAll net x
                    let s = Array.init (net.K + 2) (fun k -> if k = 0 || k > net.K then 0 else min (net.Widths.[k] - 1) (max 1 ((u.[k] |> Array.filter (fun v -> v < 0.0) |> Array.length) / 2)))
                    let p0 = exactParameters net s (Array.create (net.K + 2) 1.0) (norm x) lab.LinearAlgebra
                    let eps = InactiveSetAttack.CertifiedCommonEpsilon(net, ReadOnlySpan x, p0)
                    let rng = run.Stream(lab, sprintf "%s/x%d" label j)
                    if eps > 1e-6 && Double.IsFinite eps then
                        let p = p0.WithEpsilon(Array.create (net.K + 2) eps)
                        let radii = Array.init (net.K + 1) (fun k -> if k = 0 then infinity else SparseRadius.Of(ReadOnlySpan u.[k], s.[k], p.Xi.[k] * p.Zeta(k - 1)))
                        let gapAt (q: SparsityParameters) = [ 1 .. net.K ] |> List.map (fun k -> radii.[k] - q.Gamma k) |> List.min
                        let sets = Array.init (net.K + 1) (fun k -> if k = 0 then [||] else SparseRadius.InactiveSet(ReadOnlySpan u.[k], s.[k]))
                        let measure (what: string) (hat: SparseNetwork) (q: SparsityParameters) =
                            let uh = hat.Forward(ReadOnlySpan x)
                            let mutable worst = -infinity
                            let mutable dev = 0.0
                            for k in 1 .. net.K do
                                for i in sets.[k] do worst <- max worst (uh.[k].[i] / (q.Xi.[k] * q.Zeta(k - 1)))
                                let d = norm (Array.map2 (fun a b -> max 0.0 a - max 0.0 b) uh.[k] u.[k])
                                dev <- max dev (d / (q.Zeta k * q.Gamma k))
                            let outDev = Array.map2 (fun a b -> abs (a - b)) uh.[net.K + 1] u.[net.K + 1] |> Array.max
                            dev <- max dev (outDev / (q.Zeta(net.K + 1) * q.Gamma(net.K + 1)))
                            inst (Bindings.ofScalars [ "maxInactiveHat", worst; "deviationRatio", dev; "radiusGap", gapAt q ]) rng.Seed (sprintf "%s, x%d, eps = %.4g: %s" label j q.Epsilon.[1] what) None (Some j)
                        // Random directions at the edge of the certified constraint set.
                        for t in 0 .. 1 do
                            let ws =
                                [| for k in 1 .. net.K + 1 ->
                                    let rows, cols = net.Widths.[k], net.Widths.[k - 1]
                                    let d = gaussian (rng.Split(sprintf "d%d-%d" t k)) (rows * cols) 1.0
                                    let rowRatio = SparseNorms.ReducedRowNorm(ReadOnlySpan d, rows, cols, s.[k - 1]) / p.Xi.[k]
                                    let sparse =
                                        if k > net.K then 0.0
                                        else min (SparseNorms.BabelUpperBound(ReadOnlySpan d, rows, cols, s.[k], s.[k - 1], lab.LinearAlgebra))
                                                 (GenBounds.LinearAlgebra.SpectralNorm.Bound(lab.LinearAlgebra, ReadOnlySpan d, rows, cols, rng.Seed).Upper) / (p.Xi.[k] * sqrt (1.0 + p.Eta.[k]))
                                    let c = 0.999 * eps / max rowRatio sparse
                                    Array.map2 (fun w dv -> w + c * dv) net.W.[k] d |]
                            yield measure (sprintf "random %d" t) (SparseNetwork(net.Widths, ws)) p
                        for objective in [ AttackObjective.InactiveSet; AttackObjective.OutputDeviation ] do
                            let o = InactiveSetAttack.Attack(net, ReadOnlySpan x, p, 0.999, objective, 15, rng.Split(string objective), lab.LinearAlgebra)
                            yield measure (sprintf "projected ascent (%O)" objective) o.Perturbed p
                        // Closed form on layer 1 at 1.5 x its breaking size: out of scope (gamma_1 > r_1), kept for the mutant.
                        if s.[1] >= 1 && radii.[1] > 0.0 then
                            let i = sets.[1] |> Array.maxBy (fun i -> u.[1].[i])
                            let e1 = 1.5 * radii.[1]
                            let d = InactiveSetAttack.SingleRowPerturbation(net.Widths.[1], net.Widths.[0], ReadOnlySpan x, i, e1 * p.Xi.[1])
                            let ws = [| for k in 1 .. net.K + 1 -> if k = 1 then Array.map2 (+) net.W.[1] d else net.W.[k] |]
                            yield measure "closed form at 1.5 x layer 1's radius" (SparseNetwork(net.Widths, ws)) (p.WithEpsilon(Array.create (net.K + 2) e1))
                        if j < 2 then breaking.Add(InactiveSetAttack.BreakingScale(net, ReadOnlySpan x, p, 8.0, 6, rng.Split "breaking", lab.LinearAlgebra)) ]
        Evidence.ofInstances instances
        |> Evidence.withFailedAssumptions (failed lab run.Mode)
        |> Evidence.withMeasured [ "attack breaking scale / certified eps (median)", (if breaking.Count = 0 then nan else median (breaking.ToArray()))
                                   "attack breaking scale / certified eps (min)", (if breaking.Count = 0 then nan else Seq.min breaking) ]
        |> Evidence.withNotes
            [ sprintf "largest attack scale keeping every I_k inactive, relative to the certified common eps: %s (projected ascent, 6 steps per bisection point, 8x cap)" (String.Join(", ", breaking |> Seq.map (fun v -> v.ToString("G3"))))
              "zeta_0 = ||x|| per point; s_k = half the negative pre-activations; xi_k, eta_k exact (h in H by construction)" ])

/// SULAM-N4-table2: Table 2's position d_k - s_k for s_k > d_k/2.
let n4Table2 =
    Experiment.create [ "maxInactiveOut"; "tablePositive" ] (fun lab run ->
        let instances =
            [ for label, net, xs, _ in networks lab run.Mode 10 do
                let seed = (run.Stream(lab, label)).Seed
                for j, x in Array.indexed xs do
                    let u = forwardAll net x
                    for k in 1 .. net.K do
                        let d = net.Widths.[k]
                        let sorted = Array.sort u.[k]
                        for s in d / 2 + 1 .. d - 1 ->
                            let set = SparseRadius.InactiveSet(ReadOnlySpan u.[k], s)
                            let tablePositive = sorted.[d - s - 1] < 0.0
                            inst (Bindings.ofScalars [ "maxInactiveOut", set |> Array.map (fun i -> max 0.0 u.[k].[i]) |> Array.max; "tablePositive", (if tablePositive then 1.0 else 0.0) ])
                                seed (sprintf "%s, x%d, layer %d, s = %d" label j k s) (Some k) (Some j) ]
        Evidence.ofInstances instances)

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.d3 P.d3Mutants d3
      Lemma.create P.l41 P.l41Mutants l41
      Lemma.create P.l42 P.l42Mutants l42
      Lemma.create P.l43 P.l43Mutants l43
      Lemma.create P.l4Tight [] l4Tight
      Lemma.create P.d5 P.d5Mutants d5
      Lemma.create P.d6 P.d6Mutants d6
      Lemma.create P.d7 P.d7Mutants d7
      Lemma.create P.d8 P.d8Mutants d8
      Lemma.create P.p9 P.p9Mutants p9
      Lemma.create P.p10 P.p10Mutants p10
      Lemma.create P.n4Table2 [] n4Table2 ]
