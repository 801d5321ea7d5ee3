/// Experiments that bind the variables of the Guha, Dubey, Huo (2023) catalog (GenBounds.Proofs.Guha2023) on a network,
/// in both probability spaces of the catalog (§0): Synthetic = the paper's model (i.i.d. Gaussian weights of each real
/// layer's shape and variance, fresh mask), RealNetwork = trained weights fixed, only the mask random.
/// Every trial draws from its own named stream "verify/<id>/<mode>/…", so a witness replays from its seed alone.
module GenBounds.Verification.Guha

open System
open System.Diagnostics
open GenBounds.Symbolic
open GenBounds.Compression
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Training
open GenBounds.Proofs
open MathNet.Numerics.Distributions

/// What the experiments run on.
type Context =
    { Network: Mlp
      /// Training subset S (per-sample lemmas; 1000–2000 samples is plenty).
      Train: Dataset
      /// Held-out data for GUHA-T3.1 (None: T3.1 is not checkable).
      Holdout: Dataset option
      MasterSeed: uint64
      /// N for probabilistic lemmas on cheap quantities (masks, counts, throws).
      Trials: int
      /// Draws of spectral norms per layer (full-SVD singular values; GUHA-LB.1, GUHA-L4.2).
      SpectralDraws: int
      /// Trials that need forward passes of the whole network on S (GUHA-L4.3, L4.4b, D3.1).
      ForwardTrials: int
      Ds: float list
      Epsilon: float
      Provider: ILinearAlgebraProvider }

/// Defaults of the issue: 1000 trials for cheap probabilistic lemmas, d ∈ {0.5, 1, 2}, ε = 0.1; 30 full-SVD draws per
/// layer for the spectral lemmas and 30 whole-network trials (each costs SVDs or forward passes on S; see their notes).
let defaults (net: Mlp) (train: Dataset) (holdout: Dataset option) (provider: ILinearAlgebraProvider) =
    { Network = net; Train = train; Holdout = holdout; MasterSeed = 1UL; Trials = 1000; SpectralDraws = 30; ForwardTrials = 30
      Ds = [ 0.5; 1.0; 2.0 ]; Epsilon = 0.1; Provider = provider }

let private stream (ctx: Context) (id: string) (mode: CheckMode) (rest: string) =
    let name = sprintf "verify/%s/%s/%s" id mode.StreamName rest
    (SeedStreams ctx.MasterSeed).Stream name
let private middleD (ctx: Context) = ctx.Ds |> List.sort |> fun ds -> ds.[ds.Length / 2]

/// Layer l of the context in the requested space: trained weights, or i.i.d. N(0, Ψ_l) of the same shape.
let private weightsFor (ctx: Context) (mode: CheckMode) (l: int) (rng: Rng) : float32[] =
    let layer = ctx.Network.Layers.[l]
    match mode with
    | CheckMode.RealNetwork -> layer.Weight
    | CheckMode.Synthetic ->
        let psi = MagnitudePruning.PopulationVariance(ReadOnlySpan layer.Weight)
        let w = Array.zeroCreate<float32> layer.Weight.Length
        rng.FillGaussian(Span w, 0.0, sqrt psi)
        w

let private psiOf (w: float32[]) = MagnitudePruning.PopulationVariance(ReadOnlySpan w)
let private toDouble (w: float32[]) = Array.map float w

/// Spectral norms: a certified Lanczos bracket (GenBounds.LinearAlgebra.SpectralNorm) instead of a full SVD; the start
/// vector comes from a named seed, so every norm replays. Callers take the end that is conservative for the claim: the
/// upper end for a norm the statement bounds from above, the lower end for a norm inside a bound.
let private normBound (ctx: Context) (a: float[]) rows cols (seed: uint64) = SpectralNorm.Bound(ctx.Provider, ReadOnlySpan a, rows, cols, seed)
let private normUpper ctx a rows cols seed = (normBound ctx a rows cols seed).Upper
let private normLower ctx a rows cols seed = (normBound ctx a rows cols seed).Lower
let private spectralNote =
    sprintf "spectral norms by a certified Lanczos bracket (Kuczynski-Wozniakowski, no gap assumption): relative width <= %g, failure probability %g per norm (dense SVD when a side is small); upper end for a bounded norm, lower end for norms inside a bound"
        SpectralNorm.DefaultRelativeWidth SpectralNorm.DefaultFailureProbability

/// Fingerprint of everything a shared result depends on (network, data, seeds, trial counts, d grid, epsilon), computed
/// once per context value.
let private fingerprints = Runtime.CompilerServices.ConditionalWeakTable<Context, string>()
let private fingerprint (ctx: Context) =
    fingerprints.GetValue(ctx, fun c ->
        sprintf "%s/%s/%d/%d/%d/%d/%A/%g" (c.Network.ContentHash()) (c.Train.ContentHash()) c.MasterSeed c.Trials c.SpectralDraws c.ForwardTrials c.Ds c.Epsilon)

/// Work shared by a statement, its mutants and its two checks' common parts: a mutant draws from its original's streams
/// (Statement.originalId), so its instances are the original's and only the relation evaluated on them differs. Values are pure
/// functions of the context and the key, so sharing only saves time (clearCaches forgets them; the replay test proves it).
let private memoCache = Collections.Generic.Dictionary<string, obj>()
let private memo<'T> (ctx: Context) (key: string) (f: unit -> 'T) : 'T =
    let k = fingerprint ctx + "|" + key
    match memoCache.TryGetValue k with
    | true, v -> v :?> 'T
    | _ ->
        let v = f ()
        if memoCache.Count >= 256 then memoCache.Clear()
        memoCache.[k] <- box v
        v

let private residual (w: float32[]) (mask: Mask) = Array.init w.Length (fun i -> if mask.Values.[i] = 0uy then float w.[i] else 0.0)
let private pruned (w: float32[]) (mask: Mask) = Array.init w.Length (fun i -> if mask.Values.[i] = 0uy then 0.0f else w.[i])

/// Float64 forward pass of a bias-free-or-not MLP on every row of the data: logits, n×k row-major.
let forward (ctx: Context) (sizes: int list) (weights: float[][]) (biases: float[] option[]) (x: float[]) (n: int) =
    let bp = Backprop<float>(ctx.Provider, Collections.Generic.List<int>(sizes), biases |> Array.exists Option.isSome, n)
    let bs = biases |> Array.map (fun b -> match b with Some v -> v | None -> null)
    bp.Forward(weights, bs, ReadOnlySpan x, n).ToArray()

let private sizesOf (ctx: Context) = List.ofSeq ctx.Network.Architecture.LayerSizes
let private biasesOf (ctx: Context) (mode: CheckMode) =
    ctx.Network.Layers |> Array.map (fun l ->
        match mode, l.Bias with
        | CheckMode.RealNetwork, NonNull b -> Some(Array.map float b)
        | _ -> None)
let private inputs (ctx: Context) = Array.map float ctx.Train.Features
let private rowNorm (x: float[]) (i: int) (k: int) = sqrt (Seq.sum (seq { for j in 0 .. k - 1 -> x.[i * k + j] * x.[i * k + j] }))

/// Named assumptions that fail on this network in this mode (for HypothesisNotMet): A3.1 by KS at 1% on any layer.
let private a31Failures (ctx: Context) (mode: CheckMode) =
    match mode with
    | CheckMode.Synthetic -> []
    | CheckMode.RealNetwork ->
        let failing =
            ctx.Network.Layers
            |> Array.indexed
            |> Array.choose (fun (l, layer) ->
                let s = sqrt (psiOf layer.Weight)
                let ks, _ = Stats.ksNormal (layer.Weight |> Array.map (fun w -> float w / s))
                if ks > Stats.ksCritical99 layer.Weight.Length then Some(string (l + 1)) else None)
        if failing.Length = 0 then [] else [ sprintf "A3.1 i.i.d. Gaussian weights (KS rejects at 1%% on layer(s) %s)" (String.Join(", ", failing)) ]

let private biasFailure (ctx: Context) (mode: CheckMode) =
    if mode = CheckMode.RealNetwork && ctx.Network.Architecture.Bias then [ "no biases (the network has bias vectors)" ] else []


/// The worst of per-setting results: any Violated, else any Inconclusive, else the first; trials add up.
let private combine (s: Statement) (mode: CheckMode) (seed: uint64) (rs: CheckResult list) : CheckResult =
    let pick =
        rs |> List.tryFind (fun r -> match r.Verdict with Verdict.Violated _ -> true | _ -> false)
        |> Option.orElse (rs |> List.tryFind (fun r -> match r.Verdict with Verdict.Inconclusive _ -> true | _ -> false))
        |> Option.defaultValue (List.head rs)
    { pick with
        Seed = seed; Mode = mode; StatementId = s.Id
        Trials = rs |> List.sumBy (fun r -> r.Trials)
        Bindings = rs |> List.collect (fun r -> r.Bindings)
        Notes = rs |> List.collect (fun r -> r.Notes) |> List.distinct
        Figures = rs |> List.collect (fun r -> r.Figures) }


let private effectSize = { Absolute = 1e-12; Relative = 0.02 }

// ---------------------------------------------------------------- GUHA-A3.1

let private checkA31 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let instances, figures, notes = memo ctx ("a31/" + mode.StreamName) (fun () ->
      let figures = ResizeArray()
      let notes = ResizeArray()
      let instances =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 ->
            let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d" l)
            let w = weightsFor ctx mode l rng
            let sd = sqrt (psiOf w)
            let z = w |> Array.map (fun x -> float x / sd)
            let ks, p = Stats.ksNormal z
            let theo, sample = Stats.qqPoints z 400
            figures.Add(Figure.QQ(sprintf "%s layer %d: W/sqrt(Psi) vs N(0,1)" mode.StreamName (l + 1), theo, sample))
            notes.Add(sprintf "layer %d: KS %.4g (p %.3g), A^2 %.4g, excess kurtosis %.3g, mean/sd %.3g" (l + 1) ks p (Stats.andersonDarling z) (Stats.excessKurtosis z) (Array.average z))
            { Checker.instance (Bindings.ofScalars [ "KS", ks; "KS_{0.99}", Stats.ksCritical99 z.Length ]) rng.Seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1) } ]
      instances, List.ofSeq figures, List.ofSeq notes)
    let r = Checker.deterministic s mode seed instances
    { r with Figures = figures; Notes = r.Notes @ notes }

// ---------------------------------------------------------------- GUHA-ALG1, GUHA-L4.1, GUHA-LD.2 (expectations)

let private offDiagonalKeepFraction (mask: Mask) =
    let mutable kept = 0L
    let mutable n = 0L
    for i in 0 .. mask.Rows - 1 do
        for j in 0 .. mask.Cols - 1 do
            if i <> j then
                n <- n + 1L
                if mask.[i, j] then kept <- kept + 1L
    float kept / float n

let private checkAlg1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let layer = ctx.Network.Layers.[0]
    let draws = max 2 (min ctx.Trials 20)
    let seed = (stream ctx s.Id mode "").Seed
    let results =
        [ for d in ctx.Ds ->
            let fractions, exact = memo ctx (sprintf "alg1/%s/%g" mode.StreamName d) (fun () ->
              let fractions =
                Array.init draws (fun t ->
                    let rng = stream ctx (Statement.originalId s) mode (sprintf "d-%g/trial-%d" d t)
                    let w = weightsFor ctx mode 0 rng
                    let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psiOf w, DiagonalPolicy.Keep, rng.Split "mask")
                    offDiagonalKeepFraction mask)
              let w0 = (stream ctx (Statement.originalId s) mode (sprintf "d-%g/trial-0" d)) |> weightsFor ctx mode 0
              fractions, MagnitudePruning.ConditionalMoments(ReadOnlySpan w0, layer.Out, layer.In, d, psiOf w0, DiagonalPolicy.Keep).AveragePruneProbability)
            let witness = { Seed = seed; Trial = None; Layer = Some 1; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = sprintf "d = %g" d }
            let r = Checker.expectation s mode seed "E[keep]" fractions (Bindings.ofScalars [ "d", d ]) witness
            { r with
                Bindings = r.Bindings |> List.map (fun (k, v) -> sprintf "%s (d=%g)" k d, v)
                Notes = [ sprintf "d = %g: %d draws of the off-diagonal keep fraction of a %dx%d layer; mean conditional keep probability of trial 0 given its weights = %.6g (sampler check)" d draws layer.Out layer.In (1.0 - exact) ] } ]
    Checker.finish s (a31Failures ctx mode) (combine s mode seed results)

let private momentKey (power: int) = if power = 1 then "E[Delta]" else sprintf "E[Delta^%d]" power

let private checkL41 (ctx: Context) (s: Statement) (mode: CheckMode) (power: int) =
    let key = momentKey power
    let seed = (stream ctx s.Id mode "").Seed
    match mode with
    | CheckMode.Synthetic ->
        let psi = psiOf ctx.Network.Layers.[0].Weight
        let n = 200_000
        let results =
            [ for d in ctx.Ds ->
                let rng = stream ctx (Statement.originalId s) mode (sprintf "d-%g" d)
                let sample =
                    Array.init n (fun _ ->
                        let w = sqrt psi * rng.NextGaussian()
                        let delta = if rng.NextDouble() < exp (-w * w / (d * psi)) then w else 0.0
                        pown delta power)
                let witness = { Seed = rng.Seed; Trial = None; Layer = None; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = sprintf "d = %g, Psi = %.4g" d psi }
                let r = Checker.expectation s mode seed key sample (Bindings.ofScalars [ "d", d; "Psi", psi ]) witness
                { r with Notes = [ sprintf "%d i.i.d. entries per d (Psi of layer 1 = %.4g)" n psi ] } ]
        Checker.finish s [] (combine s mode seed results)
    | CheckMode.RealNetwork ->
        // The mask expectation given W is exact, so no Monte Carlo: compare (1/n) Σ E[Δ^p | W] with the formula as an effect size.
        let instances =
            [ for l in 0 .. ctx.Network.Layers.Length - 1 do
                for d in ctx.Ds ->
                    let layer = ctx.Network.Layers.[l]
                    let psi = psiOf layer.Weight
                    let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan layer.Weight, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep)
                    let value =
                        match power with
                        | 1 -> cm.Mean |> Array.maxBy abs
                        | 2 -> cm.AverageSecond
                        | _ -> cm.AverageFourth
                    let acc = if power = 1 then { Absolute = 0.01 * sqrt psi; Relative = 0.0 } else effectSize
                    { Checker.instance (Bindings.ofScalars [ key, value; "d", d; "Psi", psi ]) seed (sprintf "layer %d, d = %g" (l + 1) d) with Layer = Some(l + 1) }, acc ]
        let acc = snd (List.head instances)
        let r = Checker.deterministic { s with Tolerance = acc } mode seed (List.map fst instances)
        let note =
            if power = 1 then "real: the largest |E[Delta_ij | W]| = |W_ij| exp(-W_ij^2/(d Psi)) must be within 0.01 sqrt(Psi) of 0 (it is not zero conditionally)"
            else "real: exact mask average (1/n) sum E[Delta^p | W] vs the formula, 2% relative tolerance (effect size of non-Gaussianity)"
        Checker.finish s (a31Failures ctx mode) { r with Notes = r.Notes @ [ note ] }

let private checkLD2 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let pi0 = 0.5
    let d = middleD ctx
    let layer = ctx.Network.Layers.[0]
    let n = float layer.Weight.Length
    let seed = (stream ctx s.Id mode "").Seed
    let count (w: float32[]) psi =
        let thr = sqrt (d * psi * log (1.0 / pi0))
        w |> Array.sumBy (fun x -> if abs (float x) <= thr then 1.0 else 0.0)
    let bindings k = Bindings.ofScalars [ "E[K]", k; "n", n; "pi_0", pi0; "d", d ]
    match mode with
    | CheckMode.Synthetic ->
        let psi = psiOf layer.Weight
        let draws = max 2 (min ctx.Trials 20)
        let sample = Array.init draws (fun t -> let rng = stream ctx (Statement.originalId s) mode (sprintf "trial-%d" t) in count (weightsFor ctx mode 0 rng) psi)
        let witness = { Seed = seed; Trial = None; Layer = Some 1; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = sprintf "K over %d draws of a Gaussian layer" draws }
        Checker.finish s [] (Checker.expectation s mode seed "E[K]" sample (Bindings.ofScalars [ "n", n; "pi_0", pi0; "d", d ]) witness)
    | CheckMode.RealNetwork ->
        let k = count layer.Weight (psiOf layer.Weight)
        let r = Checker.deterministic { s with Tolerance = effectSize } mode seed [ { Checker.instance (bindings k) seed "layer 1" with Layer = Some 1 } ]
        Checker.finish s (a31Failures ctx mode) { r with Notes = r.Notes @ [ "real: K is deterministic given W; K/n compared with q within 2% (a Gaussianity test in disguise)" ] }

// ---------------------------------------------------------------- GUHA-LB.1, GUHA-L4.2 (spectral norms)

/// Latała's bracket from per-entry second and fourth moments (row-major rows×cols), through the statement's expression.
let private bracketBindings (m2: float[]) (m4: float[]) rows cols =
    let a2 = Array2D.init rows cols (fun i j -> m2.[i * cols + j])
    let a4 = Array2D.init rows cols (fun i j -> m4.[i * cols + j])
    Bindings.empty |> Bindings.matrix "E[X^2]" a2 |> Bindings.matrix "E[X^4]" a4

/// Draws of ‖Δ^l‖₂ (or of the centred residual), shared by GUHA-LB.1, GUHA-L4.2 and their mutants: one norm per draw is
/// the dominant cost of these statements, and every consumer needs the same law. Each draw has its own named stream.
/// The norm is the upper end of the certified bracket: these statements bound it from above.
let private spectralDraws (ctx: Context) (mode: CheckMode) (l: int) (d: float) (centred: bool) : (float * uint64)[] =
    memo ctx (sprintf "spectral/%s/%d/%g/%b" mode.StreamName l d centred) (fun () ->
        let id = "spectral"
        let layer = ctx.Network.Layers.[l]
        Array.init (max 2 ctx.SpectralDraws) (fun t ->
            let rng = stream ctx id mode (sprintf "layer-%d/trial-%d" l t)
            let w = weightsFor ctx mode l rng
            let psi = psiOf w
            let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep, rng.Split "mask")
            let delta = residual w mask
            if centred then
                let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep)
                for i in 0 .. delta.Length - 1 do delta.[i] <- delta.[i] - cm.Mean.[i]
            normUpper ctx delta layer.Out layer.In (rng.Split "lanczos").Seed, rng.Seed))

let private checkLB1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let d = middleD ctx
    let seed = (stream ctx s.Id mode "").Seed
    let rel = Statement.relation s.Conclusion
    let settings =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 ->
            let layer = ctx.Network.Layers.[l]
            let rows, cols = layer.Out, layer.In
            let psi = psiOf layer.Weight
            let m2, m4 =
                match mode with
                | CheckMode.Synthetic ->
                    let struct (g2, g4) = MagnitudePruning.GaussianResidualMoments(d, psi)
                    Array.init (rows * cols) (fun i -> if i / cols = i % cols then 0.0 else g2),
                    Array.init (rows * cols) (fun i -> if i / cols = i % cols then 0.0 else g4)
                | CheckMode.RealNetwork ->
                    // Centred residual Δ − E[Δ|W] = W (Z − p): variance W² p(1−p), fourth central moment W⁴ p(1−p)(1−3p+3p²).
                    let p i = if i / cols = i % cols then 0.0 else MagnitudePruning.PruneProbability(float layer.Weight.[i], d, psi)
                    Array.init (rows * cols) (fun i -> let w, q = float layer.Weight.[i], p i in w * w * q * (1.0 - q)),
                    Array.init (rows * cols) (fun i -> let w, q = float layer.Weight.[i], p i in pown w 4 * q * (1.0 - q) * (1.0 - 3.0 * q + 3.0 * q * q))
            let b = bracketBindings m2 m4 rows cols
            let norms = spectralDraws ctx mode l d (mode = CheckMode.RealNetwork) |> Array.map fst
            sprintf "layer %d (%dx%d)" (l + 1) rows cols, float (rows * cols), norms, b ]
    match Statement.constants s.Conclusion with
    | c :: _ ->
        let ratios =
            settings |> List.map (fun (label, dim, norms, b) ->
                let perUnit = Relation.smallestConstantValue c (Bindings.scalar "normX" 1.0 b) rel |> Option.bind (fun v -> Value.tryFloat v) |> Option.defaultValue nan
                label, dim, norms |> Array.map (fun x -> x * perUnit))
        let est, verdict = Checker.universalConstant c None ratios
        Checker.finish s [] { Checker.blank s mode seed with
                                Verdict = verdict; Trials = ratios |> List.sumBy (fun (_, _, x) -> x.Length); Constant = Some est; Interval = est.Interval
                                Bindings = [ "d", d ]
                                Notes = [ spectralNote; sprintf "d = %g; %d draws of the norm per layer; %s" d ctx.SpectralDraws (if mode = CheckMode.RealNetwork then "real mode: centred residual Delta - E[Delta|W] with exact conditional moments" else "synthetic: exact Gaussian residual moments (Lemma 4.1)") ] }
    | [] ->
        // A pinned constant: the claim is a plain expectation bound, checked with the t-interval of the mean norm per layer.
        let rs =
            settings |> List.map (fun (label, _, norms, b) ->
                let _, bound = Relation.sides rel
                let rhs = Eval.evaluate b bound |> Value.tryFloat |> Option.defaultValue nan
                let witness = { Seed = seed; Trial = None; Layer = None; Sample = None; Lhs = 0.0; Rhs = rhs; Description = label }
                let probe = { s with Conclusion = Conclusion.InExpectation(Operators.expect (Operators.sym "normX") <=. Operators.real rhs, "X") }
                let r = Checker.expectation probe mode seed "E[normX]" norms Bindings.empty witness
                { r with StatementId = s.Id })
        Checker.finish s [] (combine s mode seed rs)

let private checkL42 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let d = middleD ctx
    let eps = ctx.Epsilon
    let seed = (stream ctx s.Id mode "").Seed
    let rel = Statement.relation s.Conclusion
    let notes = ResizeArray<string>()
    let perLayer =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 ->
            let layer = ctx.Network.Layers.[l]
            let psi = psiOf layer.Weight
            let b = Bindings.ofScalars [ "epsilon", eps; "d", d; "Psi", psi; "h_l", float layer.Out; "h_{l-1}", float layer.In ]
            let draws = spectralDraws ctx mode l d false
            if mode = CheckMode.RealNetwork then
                let meanNorm, wNorm =
                    memo ctx (sprintf "l42-shares/%d/%g" l d) (fun () ->
                        let cm = MagnitudePruning.ConditionalMoments(ReadOnlySpan layer.Weight, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep)
                        let seed = (stream ctx "GUHA-L4.2" mode (sprintf "lanczos-%d" l)).Seed
                        normLower ctx cm.Mean layer.Out layer.In seed, normLower ctx (toDouble layer.Weight) layer.Out layer.In seed)
                notes.Add(sprintf "layer %d: conditional-mean share ||W exp(-W^2/(d Psi))||_2 / mean ||Delta||_2 = %.3g; mean ||Delta||_2/||W||_2 = %.3g" (l + 1) (meanNorm / Array.averageBy fst draws) (Array.averageBy fst draws / wNorm))
            l, layer, b, draws ]
    let trialsC1 =
        [ for (l, _, b, draws) in perLayer do
            for t, (x, sd) in Array.indexed draws ->
                { Checker.instance (b |> Bindings.scalar "normDelta" x |> Bindings.scalar "C" 1.0) sd (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1); Trial = Some t } ]
    match Statement.constants s.Conclusion with
    | c :: _ ->
        let settings =
            perLayer |> List.map (fun (l, layer, b, draws) ->
                let perUnit = Relation.smallestConstantValue c (Bindings.scalar "normDelta" 1.0 b) rel |> Option.bind Value.tryFloat |> Option.defaultValue nan
                sprintf "layer %d (%dx%d)" (l + 1) layer.Out layer.In, float (layer.Out * layer.In), draws |> Array.map (fun (x, _) -> x * perUnit))
        let est, verdict = Checker.universalConstant c (Some(1.0 - eps)) settings
        let atOne = Checker.probabilistic { s with Conclusion = Conclusion.WithProbability(rel, Operators.real eps, "mask") } mode seed eps trialsC1
        Checker.finish s [] { atOne with
                                Verdict = verdict; Constant = Some est
                                Notes = [ sprintf "C_min(eps) = eps q_{1-eps} / Gamma|_{C=1} at eps = %g, d = %g, %d draws of the norm per layer (fewer than N: each norm of a 1000x1000 layer costs ~0.1 s)" eps d ctx.SpectralDraws
                                          spectralNote
                                          sprintf "with C = 1: %d/%d failures, verdict %s" (defaultArg atOne.Failures 0) atOne.Trials atOne.Verdict.Label ] @ List.ofSeq notes }
    | [] ->
        let r = Checker.probabilistic s mode seed eps trialsC1
        Checker.finish s [] { r with Notes = r.Notes @ [ spectralNote ] @ List.ofSeq notes }

// ---------------------------------------------------------------- GUHA-LB.2 (deterministic perturbation bound)

let private networkWeights (ctx: Context) (mode: CheckMode) (tag: string) =
    ctx.Network.Layers |> Array.mapi (fun l _ -> weightsFor ctx mode l (stream ctx "network" mode (sprintf "%s/layer-%d" tag l)))

let private outputsDiff (a: float[]) (b: float[]) (i: int) (k: int) =
    sqrt (Seq.sum (seq { for j in 0 .. k - 1 -> (a.[i * k + j] - b.[i * k + j]) ** 2.0 }))

/// Full thin SVD of layer l of networkWeights ctx mode tag (needed where singular vectors are used: LB.2's rank-one
/// perturbation, CC.1's directions). Trained weights do not depend on the tag, so real mode shares one SVD per layer.
let private layerSvd (ctx: Context) (mode: CheckMode) (tag: string) (l: int) (w: float[]) =
    let key = match mode with CheckMode.RealNetwork -> sprintf "svd/real/%d" l | CheckMode.Synthetic -> sprintf "svd/synthetic/%s/%d" tag l
    memo ctx key (fun () -> ctx.Provider.Svd(ReadOnlySpan w, ctx.Network.Layers.[l].Out, ctx.Network.Layers.[l].In))

/// LB.2's instances: per perturbation the spectral norms and, per input, ||f_{W+U}(x) - f_W(x)|| and ||x||.
let private lb2Instances (ctx: Context) (mode: CheckMode) =
    memo ctx ("lb2/" + mode.StreamName) (fun () ->
        let L = ctx.Network.Layers.Length
        let ws = networkWeights ctx mode "lb2"
        let layers = ctx.Network.Layers
        let wd = ws |> Array.map toDouble
        let lanczos l = (stream ctx "GUHA-LB.2" mode (sprintf "lanczos-%d" l)).Seed
        // ||W^l|| enters the bound: its lower end is conservative.
        let normW = Array.init L (fun l -> normLower ctx wd.[l] layers.[l].Out layers.[l].In (lanczos l))
        let n = ctx.Train.Count
        let k = ctx.Network.Architecture.OutputSize
        let x = inputs ctx
        let biases = biasesOf ctx mode
        let f0 = forward ctx (sizesOf ctx) wd biases x n
        let d = ctx.Ds |> List.min
        let rng = stream ctx "GUHA-LB.2" mode "perturbations"
        let vecNorm (a: float[]) = Numerics.Tensors.TensorPrimitives.Norm(ReadOnlySpan a)
        // (label, U^l, ||U^l||): the norms enter the bound, so they are lower ends or exact.
        let perturbations =
            [ "pruning residual -Delta (d = " + string d + ")",
              Array.init L (fun l ->
                  let mask = MagnitudePruning.SampleMask(ReadOnlySpan ws.[l], layers.[l].Out, layers.[l].In, d, psiOf ws.[l], DiagonalPolicy.Keep, rng.Split(sprintf "mask-%d" l))
                  let u = residual ws.[l] mask |> Array.map (fun v -> -v)
                  u, normLower ctx u layers.[l].Out layers.[l].In (lanczos l))
              "Gaussian scaled to ||W||/L",
              Array.init L (fun l ->
                  let g = Array.zeroCreate<float> wd.[l].Length
                  rng.Split(sprintf "gauss-%d" l).FillGaussian(Span g)
                  // Scaling by the upper end of ||g|| keeps ||U|| <= ||W||/L certified (the size condition of the lemma).
                  let gn = normUpper ctx g layers.[l].Out layers.[l].In (lanczos l)
                  let u = g |> Array.map (fun v -> v * normW.[l] / (float L * gn))
                  u, normLower ctx u layers.[l].Out layers.[l].In (lanczos l))
              "rank-one along the top singular pair",
              Array.init L (fun l ->
                  let struct (uu, _, vt) = layerSvd ctx mode "lb2" l wd.[l]
                  let r = min layers.[l].Out layers.[l].In
                  let cols = layers.[l].In
                  let u0 = Array.init layers.[l].Out (fun i -> uu.[i * r])
                  let v0 = Array.sub vt 0 cols
                  let c = normW.[l] / float L
                  // A rank-one matrix c u v^T has spectral norm exactly c ||u|| ||v||.
                  Array.init wd.[l].Length (fun idx -> c * u0.[idx / cols] * v0.[idx % cols]), c * vecNorm u0 * vecNorm v0)
              "scaling U = W/L", Array.init L (fun l -> wd.[l] |> Array.map (fun v -> v / float L), normW.[l] / float L) ]
        let instances =
          [ for label, pert in perturbations do
            let us = pert |> Array.map fst
            let normU = pert |> Array.map snd
            let f1 = forward ctx (sizesOf ctx) (Array.init L (fun l -> Array.map2 (+) wd.[l] us.[l])) biases x n
            let baseB =
                Bindings.empty |> Bindings.vector "normW" normW |> Bindings.vector "normU" normU
                |> Bindings.vector "lambda" (Array.create L 1.0) |> Bindings.scalar "L" (float L)
            for i in 0 .. n - 1 ->
                { Checker.instance (baseB |> Bindings.scalar "normDiff" (outputsDiff f0 f1 i k) |> Bindings.scalar "normx" (rowNorm x i ctx.Train.Dimension)) rng.Seed label with Sample = Some i } ]
        // The median of normDiff over every instance: the bound of the typical-value mutant (GUHA-LB.2~mutant-median).
        let diffs = instances |> List.map (fun i -> match Map.tryFind "normDiff" i.Bindings with Some(Bound.Scalar v) -> v | _ -> nan) |> Array.ofList
        let median = (Stats.summary diffs).Median
        instances |> List.map (fun i -> { i with Bindings = Bindings.scalar "normDiffMedian" median i.Bindings }), perturbations.Length)

let private checkLB2 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let instances, count = lb2Instances ctx mode
    let r = Checker.deterministic s mode seed instances
    Checker.finish s (biasFailure ctx mode) { r with Notes = r.Notes @ [ sprintf "%d inputs x %d perturbations" ctx.Train.Count count; spectralNote ] }

// ---------------------------------------------------------------- GUHA-L4.3, L4.4b, D3.1, T3.1 (whole-network trials)

/// One whole-network trial. Rounded (the pruned and rounded weights, for T3.1's held-out error) is kept for trial 0
/// only: T3.1 uses that trial, and keeping every trial's weights would hold ForwardTrials copies of the network.
type private NetTrial = { Bindings: Bindings; MaxErr: float; MaxErrRounded: float; MaxAbsDiff: float; MeanAbsDiff: float; TrueClassDiff: float; GammaRealised: float option; Seed: uint64; Rounded: float[][]; Levels: int; NonZeros: float; F: float[]; G: float[] }

let private netTrials (ctx: Context) (mode: CheckMode) (realisedFor: int) =
    let L = ctx.Network.Layers.Length
    let layers = ctx.Network.Layers
    let n = ctx.Train.Count
    let k = ctx.Network.Architecture.OutputSize
    let x = inputs ctx
    let biases = biasesOf ctx mode
    let d = middleD ctx
    let maxnormx = Seq.max (seq { for i in 0 .. n - 1 -> rowNorm x i ctx.Train.Dimension })
    let fixedW = if mode = CheckMode.RealNetwork then Some(networkWeights ctx mode "net") else None
    let fixedF = fixedW |> Option.map (fun ws -> forward ctx (sizesOf ctx) (ws |> Array.map toDouble) biases x n)
    // ||W^l|| enters the bounds (lower end); on trained weights it is the same for every trial.
    let normsOf (ws: float32[][]) (seedOf: int -> uint64) = Array.init L (fun l -> normLower ctx (toDouble ws.[l]) layers.[l].Out layers.[l].In (seedOf l))
    let fixedNormW = fixedW |> Option.map (fun ws -> normsOf ws (fun l -> (stream ctx "network-trials" mode (sprintf "lanczos-W-%d" l)).Seed))
    [ for t in 0 .. max 1 ctx.ForwardTrials - 1 ->
        let rng = stream ctx "network-trials" mode (sprintf "trial-%d" t)
        let ws = fixedW |> Option.defaultWith (fun () -> Array.init L (fun l -> weightsFor ctx mode l (rng.Split(sprintf "w-%d" l))))
        let f = fixedF |> Option.defaultWith (fun () -> forward ctx (sizesOf ctx) (ws |> Array.map toDouble) biases x n)
        let psis = ws |> Array.map psiOf
        let normW = fixedNormW |> Option.defaultWith (fun () -> normsOf ws (fun l -> (rng.Split(sprintf "lanczos-W-%d" l)).Seed))
        let masks = Array.init L (fun l -> MagnitudePruning.SampleMask(ReadOnlySpan ws.[l], layers.[l].Out, layers.[l].In, d, psis.[l], DiagonalPolicy.Keep, rng.Split(sprintf "mask-%d" l)))
        let prunedW = Array.init L (fun l -> pruned ws.[l] masks.[l])
        let rho = psis |> Array.map (fun p -> sqrt p / 10.0)
        let rounding = Array.init L (fun l -> Rounding.Round(ReadOnlySpan prunedW.[l], rho.[l]))
        let g = forward ctx (sizesOf ctx) (prunedW |> Array.map toDouble) biases x n
        let gr = forward ctx (sizesOf ctx) (rounding |> Array.map (fun r -> r.Rounded)) biases x n
        let maxErr = Seq.max (seq { for i in 0 .. n - 1 -> outputsDiff f g i k })
        let maxErrR = Seq.max (seq { for i in 0 .. n - 1 -> outputsDiff f gr i k })
        let maxAbs = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (f.[i] - g.[i]) })
        let meanAbs = Seq.average (seq { for i in 0 .. n * k - 1 -> abs (f.[i] - g.[i]) })
        let trueClass = Seq.max (seq { for i in 0 .. n - 1 -> abs (f.[i * k + ctx.Train.Labels.[i]] - g.[i * k + ctx.Train.Labels.[i]]) })
        let gammas =
            Array.init L (fun l ->
                let layer = layers.[l]
                let b = Bindings.ofScalars [ "d", d; "Psi", psis.[l]; "h_l", float layer.Out; "h_{l-1}", float layer.In ]
                Eval.evaluate b (Guha2023.gammaL Expr.one) |> Value.tryFloat |> Option.defaultValue nan)
        let realised =
            if t < realisedFor then
                let prodW = Array.fold (*) 1.0 normW
                let sumRatio = Array.init L (fun l -> normLower ctx (residual ws.[l] masks.[l]) layers.[l].Out layers.[l].In (rng.Split(sprintf "lanczos-D-%d" l)).Seed / normW.[l]) |> Array.sum
                Some(Math.E * maxnormx * prodW * sumRatio)
            else None
        let b =
            Bindings.empty
            |> Bindings.scalar "maxnormx" maxnormx |> Bindings.scalar "L" (float L)
            |> Bindings.vector "Gamma" gammas |> Bindings.vector "epsilon" (Array.create L ctx.Epsilon)
            |> Bindings.vector "normW" normW |> Bindings.vector "lambda" (Array.create L 1.0)
            |> Bindings.vector "rho" rho |> Bindings.vector "J" (rounding |> Array.map (fun r -> float r.NonZeros))
        { Bindings = b; MaxErr = maxErr; MaxErrRounded = maxErrR; MaxAbsDiff = maxAbs; MeanAbsDiff = meanAbs; TrueClassDiff = trueClass; GammaRealised = realised; Seed = rng.Seed
          Rounded = (if t = 0 then rounding |> Array.map (fun r -> r.Rounded) else [||])
          Levels = rounding |> Array.map (fun r -> r.DistinctLevels) |> Array.max
          NonZeros = rounding |> Array.sumBy (fun r -> float r.NonZeros); F = f; G = gr } ]

/// Both modes of every whole-network statement and its mutants reuse these trials.
let private cached (ctx: Context) (mode: CheckMode) : NetTrial list =
    memo ctx ("net-trials/" + mode.StreamName) (fun () -> netTrials ctx mode (min ctx.ForwardTrials 10))

let private deltaOf (s: Statement) (b: Bindings) =
    match s.Conclusion with
    | Conclusion.WithProbability(_, delta, _) -> Eval.evaluate b delta |> Value.tryFloat |> Option.defaultValue nan
    | _ -> nan

let private checkL43 (ctx: Context) (s: Statement) (mode: CheckMode) (rounded: bool) =
    let trials = cached ctx mode
    let seed = (stream ctx s.Id mode "").Seed
    let errs = trials |> List.map (fun tr -> if rounded then tr.MaxErrRounded else tr.MaxErr) |> Array.ofList
    // The lower decile of E_max over the trials: the bound of the typical-value mutant (~mutant-lower-decile).
    let q10 = fst (Stats.quantileInterval errs 0.1 Checker.confidence)
    let instances =
        trials |> List.mapi (fun t tr ->
            { Checker.instance (tr.Bindings |> Bindings.scalar "maxErr" errs.[t] |> Bindings.scalar "maxErrQ10" q10) tr.Seed "" with Trial = Some t })
    let delta = deltaOf s (List.head trials).Bindings
    let r = Checker.probabilistic s mode seed delta instances
    let implication =
        trials |> List.choose (fun tr -> tr.GammaRealised |> Option.map (fun gm -> tr.MaxErr <= gm * (1.0 + 1e-9), gm / tr.MaxErr))
    let note =
        if implication.IsEmpty then []
        else [ sprintf "code variant gamma* (realised norms) on %d trials: implication E_max <= gamma* failed %d times; gamma*/E_max median %.3g" implication.Length (implication |> List.filter (fst >> not) |> List.length) (implication |> List.map snd |> List.sort |> fun xs -> xs.[xs.Length / 2]) ]
    Checker.finish s (a31Failures ctx mode @ biasFailure ctx mode) { r with Notes = r.Notes @ note @ [ sprintf "d = %g, %d forward trials on %d inputs; rho_l = sqrt(Psi_l)/10" (middleD ctx) trials.Length ctx.Train.Count; spectralNote ] }

let private checkD31 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let trials = cached ctx mode |> List.filter (fun tr -> tr.GammaRealised.IsSome)
    let seed = (stream ctx s.Id mode "").Seed
    let instances =
        trials |> List.mapi (fun t tr ->
            { Checker.instance (Bindings.ofScalars [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.GammaRealised.Value; "trueClassMaxDiff", tr.TrueClassDiff; "meanAbsDiff", tr.MeanAbsDiff ]) tr.Seed "" with Trial = Some t })
    let r = Checker.deterministic s mode seed instances
    Checker.finish s (biasFailure ctx mode) { r with Notes = r.Notes @ [ "gamma = the realised LB.2 bound gamma* (the code's needed margin); differences over all k coordinates" ] }

let private checkT31 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    match ctx.Holdout with
    | None -> Checker.notCheckable s mode seed "no held-out set in the context"
    | Some holdout ->
        let tr = cached ctx mode |> List.head
        let n = ctx.Train.Count
        let k = ctx.Network.Architecture.OutputSize
        let margins (o: float[]) labels count = Array.init count (fun i -> let y = (labels: int[]).[i] in o.[i * k + y] - Seq.max (seq { for j in 0 .. k - 1 do if j <> y then yield o.[i * k + j] }))
        let gamma = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (tr.F.[i] - tr.G.[i]) })
        let mf = margins tr.F ctx.Train.Labels n
        let mg = margins tr.G ctx.Train.Labels n
        let lossAt gm = (mf |> Array.filter (fun m -> m <= gm) |> Array.length |> float) / float n
        let slip = Array.zip mf mg |> Array.filter (fun (a, b) -> a > gamma && b <= 0.0) |> Array.length
        let xh = Array.map float holdout.Features
        let gh = forward ctx (sizesOf ctx) tr.Rounded (biasesOf ctx mode) xh holdout.Count
        let errors = margins gh holdout.Labels holdout.Count |> Array.filter (fun m -> m <= 0.0) |> Array.length
        let ci = Stats.clopperPearson errors holdout.Count Checker.confidence
        let b =
            Bindings.ofScalars [ "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma); "q", tr.NonZeros; "r", float (max 2 tr.Levels); "m", float n; "delta", ctx.Epsilon ]
        let _, rhsExpr = Relation.sides (Statement.relation s.Conclusion)
        let bound = Eval.evaluate b rhsExpr |> Value.tryFloat |> Option.defaultValue nan
        let verdict =
            match Checker.vacuity bound with
            | Some reason -> Verdict.Vacuous reason
            | None when ci.Lower > bound -> Verdict.Violated { Seed = tr.Seed; Trial = Some 0; Layer = None; Sample = None; Lhs = ci.Lower; Rhs = bound; Description = "held-out error CP lower limit above the bound" }
            | None when ci.Upper <= bound -> Verdict.Held
            | None -> Verdict.Inconclusive(sprintf "held-out error CP99 [%.4g, %.4g] straddles the bound %.4g" ci.Lower ci.Upper bound)
        Checker.finish s [] { Checker.blank s mode seed with
                                Verdict = verdict; Trials = holdout.Count; Failures = Some errors; Interval = Some ci; Delta = Some ctx.Epsilon
                                Bindings = [ "bound", bound; "gamma", gamma; "q", tr.NonZeros; "r", float tr.Levels; "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma) ]
                                Notes = [ sprintf "g = pruned (d = %g) and rounded network of trial 0, gamma = its max |f - g| over S and all k outputs (D3.1 holds by construction)" (middleD ctx)
                                          sprintf "factor-2 margin slip witnessed on %d training points: g errs although f has margin > gamma" slip
                                          "the grid rho_l = sqrt(Psi_l)/10 depends on the trained weights, hence on S: the union bound is not strictly valid (catalog hypothesis 'fixed before S')" ] }

// ---------------------------------------------------------------- GUHA-L4.4a, D5.1, LE.1, L5.1, LD.3 (masks and counts)

let private checkL44a (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let d = middleD ctx
    let instances = memo ctx ("l44a/" + mode.StreamName) (fun () ->
        [ for l in 0 .. ctx.Network.Layers.Length - 1 do
            let layer = ctx.Network.Layers.[l]
            for t in 0 .. 4 ->
                let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d/trial-%d" l t)
                let w = weightsFor ctx mode l rng
                let psi = psiOf w
                let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psi, DiagonalPolicy.Keep, rng.Split "mask")
                let rho = sqrt psi / 10.0
                let r = Rounding.Round(ReadOnlySpan(pruned w mask), rho)
                { Checker.instance (Bindings.ofScalars [ "normRoundF", r.FrobeniusError; "rho", rho; "J", float r.NonZeros ]) rng.Seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1); Trial = Some t } ])
    Checker.deterministic s mode seed instances

let private checkD51 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let d = middleD ctx
    let instances = memo ctx ("d51/" + mode.StreamName) (fun () ->
        [ for l in 0 .. ctx.Network.Layers.Length - 1 do
            let layer = ctx.Network.Layers.[l]
            for t in 0 .. (min ctx.Trials 20) - 1 ->
                let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d/trial-%d" l t)
                let w = weightsFor ctx mode l rng
                let mask = MagnitudePruning.SampleMask(ReadOnlySpan w, layer.Out, layer.In, d, psiOf w, DiagonalPolicy.Keep, rng.Split "mask")
                let p = SparsityStats.Profile(ReadOnlySpan(pruned w mask), layer.Out, layer.In)
                { Checker.instance (Bindings.ofScalars [ "zeroDiag", float p.ZeroDiagonal.Length; "j_r", float p.MaxRowCount; "j_c", float p.MaxColCount; "J", float p.NonZeros; "h_l", float layer.Out ]) rng.Seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1); Trial = Some t } ])
    let r = Checker.deterministic s mode seed instances
    { r with Notes = r.Notes @ [ sprintf "d = %g, diagonal kept (paper's rule); rectangular layers are not padded" d ] }

let private checkLE1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let chi = MagnitudePruning.KeepProbabilityGaussian(middleD ctx)
    let delta = ctx.Epsilon
    let instances, figures = memo ctx ("le1/" + mode.StreamName) (fun () ->
      let figures = ResizeArray()
      let instances =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 do
            let layer = ctx.Network.Layers.[l]
            let bins = layer.Out
            let balls = int (round (chi * float layer.Out * float layer.In))
            let trials = max 100 (min ctx.Trials (200_000_000 / max 1 balls))
            let loads = Array.zeroCreate<int> bins
            let maxima = ResizeArray<float>()
            for t in 0 .. trials - 1 do
                let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d/trial-%d" l t)
                Array.fill loads 0 bins 0
                for _ in 1 .. balls do
                    let b = rng.NextInt bins
                    loads.[b] <- loads.[b] + 1
                let m = float (Array.max loads)
                maxima.Add m
                yield { Checker.instance (Bindings.ofScalars [ "maxLoad", m; "n", float bins; "n_b", float balls; "delta", delta ]) rng.Seed (sprintf "layer %d dims" (l + 1)) with Layer = Some(l + 1); Trial = Some t }
            let mu = float balls / float bins
            figures.Add(Figure.Histogram(sprintf "%s: max load, %d balls in %d bins" mode.StreamName balls bins, "max load", maxima.ToArray(),
                                         [ "mean load", mu; "Bernstein bound", mu + SparsityStats.BallsIntoBinsDeviation(bins, float balls, delta) ])) ]
      instances, List.ofSeq figures)
    let r = Checker.probabilistic s mode seed delta instances
    { r with Figures = figures; Notes = r.Notes @ [ "LE.1 involves no weights: both modes throw chi(d) h_l h_{l-1} balls into h_l bins, from different streams; trials capped at 2e8 throws per layer" ] }

/// L5.1 draws one uniform per entry and trial; a layer gets at most this many draws in all (the report says so when
/// it caps the trials of a layer below N).
let private l51MaxDraws = 200_000_000

let private checkL51 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let d = middleD ctx
    let chi = MagnitudePruning.KeepProbabilityGaussian d
    let third = ctx.Epsilon / 3.0
    let instances, figures = memo ctx ("l51/" + mode.StreamName) (fun () ->
      let figures = ResizeArray()
      let instances =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 do
            let layer = ctx.Network.Layers.[l]
            let rows, cols = layer.Out, layer.In
            // Synthetic: under A3.1 the joint law keeps each off-diagonal entry independently with probability chi(d);
            // real: the conditional keep probabilities of the trained weights. The diagonal is kept (1) in both.
            let keep =
                match mode with
                | CheckMode.Synthetic -> Array.init (rows * cols) (fun idx -> if idx / cols = idx % cols then 1.0 else chi)
                | CheckMode.RealNetwork -> MagnitudePruning.KeepProbabilities(ReadOnlySpan layer.Weight, rows, cols, d, psiOf layer.Weight, DiagonalPolicy.Keep)
            let trials = max 100 (min ctx.Trials (l51MaxDraws / (rows * cols)))
            let rowC = Array.zeroCreate<int> rows
            let colC = Array.zeroCreate<int> cols
            let jrs = ResizeArray<float>()
            let b0 = Bindings.ofScalars [ "d", d; "Psi", psiOf layer.Weight; "h_l", float rows; "h_{l-1}", float cols; "epsilon_M", third; "delta_r", third; "delta_c", third ]
            for t in 0 .. trials - 1 do
                let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d/trial-%d" l t)
                Array.fill rowC 0 rows 0
                Array.fill colC 0 cols 0
                for i in 0 .. rows - 1 do
                    for j in 0 .. cols - 1 do
                        if rng.NextDouble() < keep.[i * cols + j] then
                            rowC.[i] <- rowC.[i] + 1
                            colC.[j] <- colC.[j] + 1
                let jr = float (Array.max rowC)
                jrs.Add jr
                yield { Checker.instance (b0 |> Bindings.scalar "j_r" jr |> Bindings.scalar "j_c" (float (Array.max colC))) rng.Seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1); Trial = Some t }
            let exactQ99 =
                Seq.initInfinite id |> Seq.find (fun k -> SparsityStats.MaxLineCountCdf(rows, cols, min rows cols, chi, k) >= 0.99)
            figures.Add(Figure.Histogram(sprintf "%s layer %d: observed j_r" mode.StreamName (l + 1), "j_r", jrs.ToArray(),
                                         [ "exact 99% quantile under A3.1", float exactQ99; "code predictor 3 chi h_in", 3.0 * chi * float cols ])) ]
      instances, List.ofSeq figures)
    let r = Checker.probabilistic s mode seed ctx.Epsilon instances
    let capped =
        [ for l, layer in Array.indexed ctx.Network.Layers do
            let t = max 100 (min ctx.Trials (l51MaxDraws / (layer.Out * layer.In)))
            if t < ctx.Trials then yield sprintf "layer %d: %d trials" (l + 1) t ]
    let capNote =
        if capped.IsEmpty then sprintf "%d trials per layer" ctx.Trials
        else sprintf "trials capped at %d mask entries per layer (fewer than N = %d): %s" l51MaxDraws ctx.Trials (String.Join("; ", capped))
    Checker.finish s (a31Failures ctx mode) { r with Figures = figures; Notes = r.Notes @ [ sprintf "d = %g, eps_M = delta_r = delta_c = %g; synthetic masks drawn as Bernoulli(chi(d)) (equal in law under A3.1); real masks from the conditional keep probabilities" d third
                                                                                            capNote ] }

/// Success probability of one "high" entry under A3.1: E[e^{-W²/(dΨ)} | e^{-W²/(dΨ)} ≥ π₀] for W ~ N(0, Ψ)
/// = √(d/(d+2)) erf(√((d+2) ln(1/π₀)/2)) / erf(√(d ln(1/π₀)/2)) (DERIVED: the Gaussian integral of GUHA-L4.1 on
/// |Z| ≤ √(d ln(1/π₀)); the denominator is LD.2's q). Tested against sampled Gaussian layers.
let ld3HighPruneProbability (d: float) (pi0: float) =
    let erf = MathNet.Numerics.SpecialFunctions.Erf
    sqrt (d / (d + 2.0)) * erf (sqrt ((d + 2.0) * log (1.0 / pi0) / 2.0)) / erf (sqrt (d * log (1.0 / pi0) / 2.0))

/// LD.3's (prunedHigh, k', k) per trial, shared by the statement and its mutant.
/// Synthetic: exact low-dimensional sampling. Under A3.1 with Ψ known, the entries are i.i.d., so the number K of
/// off-diagonal entries with prune probability ≥ π₀ is Bin(n_off, q) (LD.2), and given K the pruned count among them
/// is a sum of K i.i.d. Bernoulli(r) with r = ld3HighPruneProbability (each entry's prune indicator, with its weight
/// integrated out): Bin(K, r). Two binomial draws replace a fresh 784k-entry layer per trial, so every trial is run.
/// Real: the prune probabilities of the trained layer are fixed; each trial draws one uniform per high entry.
let private ld3Trials (ctx: Context) (mode: CheckMode) (d: float) (pi0: float) (delta: float) =
    memo ctx (sprintf "ld3/%s/%g/%g/%g" mode.StreamName d pi0 delta) (fun () ->
        let layer = ctx.Network.Layers.[0]
        // k' = the largest with P(Bin(k, π₀) ≥ k') ≥ 1 − δ, i.e. the smallest x with P(Bin(k, π₀) ≤ x) > δ.
        let kPrime k = Stats.smallestSatisfying (fun x -> Stats.binomialCdf k pi0 x > delta) 0 k
        match mode with
        | CheckMode.Synthetic ->
            let nOff = layer.Out * layer.In - min layer.Out layer.In
            let q = MathNet.Numerics.SpecialFunctions.Erf(sqrt (d * log (1.0 / pi0) / 2.0))
            let r = ld3HighPruneProbability d pi0
            Array.init ctx.Trials (fun t ->
                let rng = stream ctx "GUHA-LD.3" mode (sprintf "trial-%d" t)
                let k = Stats.sampleBinomial rng nOff q
                let pruned = Stats.sampleBinomial (rng.Split "mask") k r
                float pruned, float (kPrime k), float k, rng.Seed)
        | CheckMode.RealNetwork ->
            let psi = psiOf layer.Weight
            let high =
                [| for idx in 0 .. layer.Weight.Length - 1 do
                     let p = MagnitudePruning.PruneProbability(float layer.Weight.[idx], d, psi)
                     if p >= pi0 && idx / layer.In <> idx % layer.In then yield p |]
            let k = high.Length
            let k' = float (kPrime k)
            Array.init ctx.Trials (fun t ->
                let rng = stream ctx "GUHA-LD.3" mode (sprintf "trial-%d" t)
                let mrng = rng.Split "mask"
                let mutable pruned = 0
                for p in high do
                    if mrng.NextDouble() < p then pruned <- pruned + 1
                float pruned, k', float k, rng.Seed))

let private checkLD3 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let d = middleD ctx
    let pi0 = 0.5
    let delta = ctx.Epsilon
    let trials = ld3Trials ctx mode d pi0 delta
    let instances =
        trials |> Array.mapi (fun t (prunedHigh, k', k, trialSeed) ->
            { Checker.instance (Bindings.ofScalars [ "prunedHigh", prunedHigh; "k'", k'; "k", k; "delta", delta ]) trialSeed "layer 1" with Trial = Some t })
    let r = Checker.probabilistic s mode seed delta instances
    let how =
        match mode with
        | CheckMode.Synthetic -> sprintf "synthetic: exact two-draw sampling under A3.1 with Psi known, K ~ Bin(n_off, q), prunedHigh | K ~ Bin(K, r), r = %.6g" (ld3HighPruneProbability d pi0)
        | CheckMode.RealNetwork -> "real: trained layer 1 fixed, one uniform per high-probability entry and trial"
    { r with Notes = r.Notes @ [ sprintf "layer 1, d = %g, pi_0 = %g, %d trials (no cap); k = observed K; k' = largest with P(Bin(k, pi_0) >= k') >= 1 - delta" d pi0 trials.Length; how ] }

// ---------------------------------------------------------------- GUHA-CC.1, GUHA-LC.1 (layer inputs)

/// Inputs of layer l on S: the data for l = 0, else ReLU of the previous pre-activations; synthetic: uniform on the sphere.
let private layerInputs (ctx: Context) (mode: CheckMode) (l: int) (ws: float[][]) =
    let n = ctx.Train.Count
    let dim = ctx.Network.Layers.[l].In
    match mode with
    | CheckMode.Synthetic ->
        let rng = stream ctx "sphere-inputs" mode (sprintf "layer-%d" l)
        let x = Array.zeroCreate<float> (n * dim)
        rng.FillGaussian(Span x)
        x
    | CheckMode.RealNetwork ->
        if l = 0 then inputs ctx
        else
            let sizes = sizesOf ctx |> List.take (l + 1)
            let out = forward ctx sizes ws.[0 .. l - 1] (biasesOf ctx mode).[0 .. l - 1] (inputs ctx) n
            out |> Array.map (fun v -> max 0.0 v)

let private checkLC1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let ws = networkWeights ctx mode "lc1" |> Array.map toDouble
    let n = ctx.Train.Count
    let instances =
        [ for l in 0 .. ctx.Network.Layers.Length - 1 do
            let layer = ctx.Network.Layers.[l]
            if layer.Out < layer.In then
                let x = layerInputs ctx mode l ws
                let y = forward ctx [ layer.In; layer.Out ] [| ws.[l] |] [| None |] x n
                // ||W|| divides the bounded ratio: its lower end is conservative.
                let norm = normLower ctx ws.[l] layer.Out layer.In (stream ctx "GUHA-LC.1" mode (sprintf "lanczos-%d" l)).Seed
                let ratio =
                    Seq.max (seq { for i in 0 .. n - 1 do
                                    let xn = rowNorm x i layer.In
                                    if xn > 0.0 then yield rowNorm y i layer.Out / (norm * xn) })
                yield { Checker.instance (Bindings.ofScalars [ "ratioMax", ratio; "m", float n; "h_l", float layer.Out; "h_{l-1}", float layer.In ]) seed (sprintf "layer %d" (l + 1)) with Layer = Some(l + 1) } ]
    let r = Checker.deterministic s mode seed instances
    { r with Notes = r.Notes @ [ "only layers with h_l < h_{l-1}; synthetic inputs uniform on the sphere (the paper's example of Condition C.1)" ] }

/// CC.1's empirical tails (layer, tail, dimension, t) for every right singular vector and grid point, shared by the
/// statement and its mutant. One pass over the projections: each |<v_k, x/||x||>| falls in the bucket of the largest
/// grid point it reaches, and tails are suffix sums (the comparisons are the same as counting per t).
let private cc1Tails (ctx: Context) (mode: CheckMode) : (int * float * float * float) list =
    memo ctx ("cc1/" + mode.StreamName) (fun () ->
        let ws = networkWeights ctx mode "cc1" |> Array.map toDouble
        let n = ctx.Train.Count
        let grid = [| for i in 1 .. 20 -> 0.05 * float i |]
        let G = grid.Length
        let layerTails l =
            let layer = ctx.Network.Layers.[l]
            let dim = layer.In
            let x = layerInputs ctx mode l ws
            let struct (_, _, vt) = layerSvd ctx mode "cc1" l ws.[l]
            let r = min layer.Out dim
            let keepRows = [| for i in 0 .. n - 1 do if rowNorm x i dim > 0.0 then yield i |]
            let xs = Array.zeroCreate<float> (keepRows.Length * dim)
            keepRows |> Array.iteri (fun row i ->
                let norm = rowNorm x i dim
                for j in 0 .. dim - 1 do xs.[row * dim + j] <- x.[i * dim + j] / norm)
            let proj = forward ctx [ dim; r ] [| vt |] [| None |] xs keepRows.Length
            let m = float keepRows.Length
            // hist.[k * (G + 1) + g] = projections on v_k whose largest reached grid index is g (0: below grid.[0]).
            let hist = Array.zeroCreate<int> (r * (G + 1))
            for i in 0 .. keepRows.Length - 1 do
                for k in 0 .. r - 1 do
                    let a = abs proj.[i * r + k]
                    let mutable g = min G (int (a / 0.05))
                    while g < G && a >= grid.[g] do g <- g + 1
                    while g > 0 && a < grid.[g - 1] do g <- g - 1
                    hist.[k * (G + 1) + g] <- hist.[k * (G + 1) + g] + 1
            let tails = Array.zeroCreate<float> (r * G)
            for k in 0 .. r - 1 do
                let mutable above = 0
                for g in G .. -1 .. 1 do
                    above <- above + hist.[k * (G + 1) + g]
                    tails.[k * G + g - 1] <- float above / m
            List.init (r * G) (fun idx -> l, tails.[idx], float dim, grid.[idx % G])
        List.init ctx.Network.Layers.Length layerTails |> List.concat)

let private checkCC1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = (stream ctx s.Id mode "").Seed
    let c2 = 0.5
    let perLayer = cc1Tails ctx mode
    match Statement.constants s.Conclusion with
    | c :: _ ->
        let log10c =
            perLayer |> List.groupBy (fun (l, _, _, _) -> l) |> List.map (fun (l, xs) ->
                l, xs |> List.filter (fun (_, tail, _, _) -> tail > 0.0) |> List.map (fun (_, tail, dim, t) -> log10 tail + c2 * dim * t * t / log 10.0) |> List.fold max -infinity)
        let worst = log10c |> List.map snd |> List.max
        let value = 10.0 ** worst
        let est = { Name = c; Value = value; Interval = None; ByDimension = log10c |> List.map (fun (l, v) -> sprintf "layer %d (log10 c_1)" (l + 1), v); Grows = None; Suspicious = value > 10.0 }
        let verdict = if value > 10.0 then Verdict.Inconclusive(sprintf "smallest c_1 = 10^%.3g at c_2 = 1/2 > 10: suspicious (the condition fails for these inputs)" worst) else Verdict.Held
        Checker.finish s [] { Checker.blank s mode seed with Verdict = verdict; Constant = Some est; Trials = perLayer.Length; Bindings = [ "c_2", c2; "log10 c_1", worst ]; Notes = [ "every right singular vector of W^l, t on a grid 0.05..1, inputs with x = 0 skipped" ] }
    | [] ->
        let instances = perLayer |> List.map (fun (l, tail, dim, t) -> { Checker.instance (Bindings.ofScalars [ "tail", tail; "n", float dim; "t", t; "c_2", c2 ]) seed (sprintf "layer %d, t = %g" (l + 1) t) with Layer = Some(l + 1) })
        Checker.deterministic s mode seed instances

// ---------------------------------------------------------------- dispatch

/// Forgets the shared spectral draws and whole-network trials (they are pure functions of the context, so this only
/// costs time; tests use it to prove that a recomputation reproduces the same numbers).
let clearCaches () =
    memoCache.Clear()

/// Runs one catalog statement (or mutant) in one mode.
let check (ctx: Context) (s: Statement) (mode: CheckMode) : CheckResult =
    let sw = Stopwatch.StartNew()
    let r =
        match s.Checkability with
        | Checkability.NotYetCheckable reason -> Checker.notCheckable s mode 0UL reason
        | Checkability.Checkable ->
            match Statement.originalId s with
            | "GUHA-A3.1" -> checkA31 ctx s mode
            | "GUHA-ALG1" -> checkAlg1 ctx s mode
            | "GUHA-L4.1a" -> checkL41 ctx s mode 1
            | "GUHA-L4.1b" -> checkL41 ctx s mode 2
            | "GUHA-L4.1c" -> checkL41 ctx s mode 4
            | "GUHA-LB.1" -> checkLB1 ctx s mode
            | "GUHA-L4.2" -> checkL42 ctx s mode
            | "GUHA-LB.2" -> checkLB2 ctx s mode
            | "GUHA-L4.3" -> checkL43 ctx s mode false
            | "GUHA-L4.4a" -> checkL44a ctx s mode
            | "GUHA-L4.4b" -> checkL43 ctx s mode true
            | "GUHA-D5.1" -> checkD51 ctx s mode
            | "GUHA-LE.1" -> checkLE1 ctx s mode
            | "GUHA-L5.1" -> checkL51 ctx s mode
            | "GUHA-LD.2" -> checkLD2 ctx s mode
            | "GUHA-LD.3" -> checkLD3 ctx s mode
            | "GUHA-CC.1" -> checkCC1 ctx s mode
            | "GUHA-LC.1" -> checkLC1 ctx s mode
            | "GUHA-D3.1" -> checkD31 ctx s mode
            | "GUHA-T3.1" | "GUHA-T3.1-2gamma" -> checkT31 ctx s mode
            | other -> Checker.notCheckable s mode 0UL ("no experiment binds " + other)
    { r with Seconds = sw.Elapsed.TotalSeconds }

/// Every statement and mutant of the catalog in both modes; `progress` gets (done, total, id) after each check.
let checkAll (ctx: Context) (progress: int * int * string -> unit) : CheckResult list =
    let items = [ for s in Guha2023.statements @ Guha2023.mutants do for m in [ CheckMode.Synthetic; CheckMode.RealNetwork ] -> s, m ]
    let total = items.Length
    items |> List.mapi (fun i (s, m) ->
        let r = check ctx s m
        progress (i + 1, total, s.Id)
        r)
