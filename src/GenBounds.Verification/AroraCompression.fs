/// Experiments that bind the variables of the compression-framework and algorithm items of Arora, Ge, Neyshabur, Zhang
/// (2018) (GenBounds.Proofs.Arora2018Compression), in the two probability spaces: Synthetic = the paper's random model
/// (random unit vectors, Gaussian matrices of a real layer's shape and variance, the counter-example of the catalog),
/// RealNetwork = the trained weights and training inputs fixed, only the algorithm's randomness (coins, helper vectors and
/// matrices) resampled. Every draw comes from a named stream "verify/<id>/<mode>/…" of the master seed.
/// Monte Carlo is exact on the low-dimensional statistics the claims depend on (stated in each result's notes): the pairs
/// (<v, c>, <v, u>) of Algorithm 3, the pairs (<A, M>, <B, M>) of Algorithm 1 (literal ±1 matrices at 8×8, Gaussian helpers
/// with the exact second moments at layer size), and E‖Mη‖² for Proposition 3.1.
module GenBounds.Verification.AroraCompression

open System
open System.Diagnostics
open GenBounds.Symbolic
open GenBounds.Compression
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Proofs
open MathNet.Numerics.Distributions

/// What the experiments run on.
type Context =
    { Network: Mlp
      /// Training subset S.
      Train: Dataset
      /// Held-out data (T2.1, T2.2); None makes those checks report NotCheckable.
      Holdout: Dataset option
      MasterSeed: uint64
      /// N for the probabilistic claims.
      Trials: int
      Provider: ILinearAlgebraProvider }

/// 1000 trials, master seed 1.
let defaults (net: Mlp) (train: Dataset) (holdout: Dataset option) (provider: ILinearAlgebraProvider) =
    { Network = net; Train = train; Holdout = holdout; MasterSeed = 1UL; Trials = 1000; Provider = provider }

let private stream (ctx: Context) (id: string) (mode: CheckMode) (rest: string) =
    (SeedStreams ctx.MasterSeed).Stream(sprintf "verify/%s/%s/%s" id mode.StreamName rest)
let private seedOf ctx (s: Statement) mode = (stream ctx s.Id mode "").Seed

/// Cheap Monte Carlo (a few hundred flops per trial) gets 5N trials so that CP intervals can resolve η = 0.01.
let private cheapTrials (ctx: Context) = 5 * ctx.Trials

let private inst (b: Bindings) (seed: uint64) (label: string) (trial: int option) (layer: int option) (sample: int option) : Checker.Instance =
    { Bindings = b; Seed = seed; Trial = trial; Layer = layer; Sample = sample; Label = label }

/// The worst of per-setting results: any Violated, else any Inconclusive, else any HypothesisNotMet, else the first.
let private combine (s: Statement) (mode: CheckMode) (seed: uint64) (rs: CheckResult list) : CheckResult =
    let is f = rs |> List.tryFind (fun r -> f r.Verdict)
    let pick =
        is (function Verdict.Violated _ -> true | _ -> false)
        |> Option.orElse (is (function Verdict.Inconclusive _ -> true | _ -> false))
        |> Option.orElse (is (function Verdict.HypothesisNotMet _ -> true | _ -> false))
        |> Option.defaultValue (List.head rs)
    { pick with
        Seed = seed; Mode = mode; StatementId = s.Id
        Trials = rs |> List.sumBy (fun r -> r.Trials)
        Failures = (if rs |> List.forall (fun r -> r.Failures.IsSome) then Some(rs |> List.sumBy (fun r -> r.Failures.Value)) else pick.Failures)
        Bindings = rs |> List.collect (fun r -> r.Bindings)
        Notes = rs |> List.collect (fun r -> r.Notes) |> List.distinct
        Figures = rs |> List.collect (fun r -> r.Figures) }

/// Provenance tags carried into the notes, so reports show PAPER-ISSUE / FINDING / DERIVED next to the verdict.
let private tagNotes (s: Statement) =
    let tags = s.Provenance |> List.filter (fun p -> p = Provenance.PaperIssue || p = Provenance.Finding || p = Provenance.Derived)
    let lines = s.Notes |> List.filter (fun n -> n.StartsWith "PAPER-ISSUE" || n.StartsWith "FINDING" || n.StartsWith "DERIVED")
    (if tags.IsEmpty then [] else [ "catalog tags: " + String.Join(", ", tags |> List.map (fun p -> p.Label)) ]) @ lines

/// k from the statement's own hypothesis "k ≥ C·ln(…)/…²" (so a mutant that changes C changes the algorithm).
let private helperCount (s: Statement) (b: Bindings) =
    s.Hypotheses
    |> List.pick (function
        | Hypothesis.Condition(Relation.Ge(Symbol "k", rhs)) -> Some(Eval.evaluate b rhs |> Value.tryFloat |> Option.get)
        | _ -> None)
    |> fun x -> max 1 (int (ceil (x - 1e-9)))

let private deltaOf (s: Statement) (b: Bindings) =
    match s.Conclusion with
    | Conclusion.WithProbability(_, d, _) -> Eval.evaluate b d |> Value.tryFloat |> Option.defaultValue nan
    | _ -> nan

let private unit (v: float[]) = let n = sqrt (Array.sumBy (fun x -> x * x) v) in Array.map (fun x -> x / n) v
let private dot (a: float[]) (b: float[]) = let mutable s = 0.0 in (for i in 0 .. a.Length - 1 do s <- s + a.[i] * b.[i]); s
let private norm (a: float[]) = sqrt (dot a a)
let private gaussianVector (rng: Rng) (n: int) = let v = Array.zeroCreate<float> n in rng.FillGaussian(Span v); v

// ---------------------------------------------------------------- networks, traces, SVDs (shared, cached)

/// Weights A^1..A^d (index 0 unused) in the requested space: trained, or i.i.d. N(0, Ψ_l) of each real layer's shape.
type private Net =
    { W: float[][]; Rows: int[]; Cols: int[]; Template: DoubleMlp; Depth: int }

let private netCache = Collections.Generic.Dictionary<string, obj>()
// Hashing the parameters costs milliseconds on a 10^6-weight net and keys are formed per trial: hash each Mlp object once.
let private hashes = System.Runtime.CompilerServices.ConditionalWeakTable<Mlp, string>()
let private cacheKey (ctx: Context) (mode: CheckMode) (what: string) =
    let hash = hashes.GetValue(ctx.Network, fun net -> net.ContentHash())
    sprintf "%s/%d/%s/%d/%d/%s" hash ctx.MasterSeed mode.StreamName ctx.Train.Count ctx.Trials what
let private cachedValue<'T> (key: string) (make: unit -> 'T) : 'T =
    match netCache.TryGetValue key with
    | true, v -> v :?> 'T
    | _ ->
        if netCache.Count > 64 then netCache.Clear()
        let v = make ()
        netCache.[key] <- box v
        v

/// Forgets shared networks, traces and SVDs (pure functions of the context; tests use this to prove replay).
let clearCaches () = netCache.Clear()

let private network (ctx: Context) (mode: CheckMode) : Net =
    cachedValue (cacheKey ctx mode "net") (fun () ->
        let template = DoubleMlp(ctx.Network)
        let d = template.Depth
        let w =
            Array.init (d + 1) (fun k ->
                if k = 0 then [||]
                else
                    match mode with
                    | CheckMode.RealNetwork -> Array.copy template.W.[k]
                    | CheckMode.Synthetic ->
                        let a = template.W.[k]
                        let mean = Array.average a
                        let psi = a |> Array.averageBy (fun x -> (x - mean) * (x - mean))
                        let g = Array.zeroCreate<float> a.Length
                        (stream ctx "arora-network" mode (sprintf "layer-%d" k)).FillGaussian(Span g, 0.0, sqrt psi)
                        g)
        if mode = CheckMode.Synthetic then
            for k in 1 .. d do match template.B.[k] with NonNull b -> Array.fill b 0 b.Length 0.0 | _ -> ()
        { W = w; Rows = Array.init (d + 1) (fun k -> template.Widths.[k]); Cols = Array.init (d + 1) (fun k -> if k = 0 then 0 else template.Widths.[k - 1])
          Template = template; Depth = d })

/// Logits and the full trace of the network with weights `w` on n row-major float32 inputs.
let private traceWith (ctx: Context) (net: Net) (w: float[][]) (x: float32[]) (n: int) =
    for k in 1 .. net.Depth do Array.blit w.[k] 0 net.Template.W.[k] 0 w.[k].Length
    ForwardTrace.Compute(net.Template, ReadOnlySpan<float32>(x), n, false, ctx.Provider)

let private holdoutCap = 2000
let private holdoutData (ctx: Context) = ctx.Holdout |> Option.map (fun h -> if h.Count > holdoutCap then DatasetOps.Take(h, holdoutCap) else h)

let private trainTrace (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "train-trace") (fun () -> let net = network ctx mode in traceWith ctx net net.W ctx.Train.Features ctx.Train.Count)

let private svds (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "svd") (fun () ->
        let net = network ctx mode
        Array.init (net.Depth + 1) (fun k -> if k = 0 then struct ([||], [||], [||]) else ctx.Provider.Svd(ReadOnlySpan net.W.[k], net.Rows.[k], net.Cols.[k])))

let private specNorm (ctx: Context) (a: float[]) rows cols = ctx.Provider.SingularValues(ReadOnlySpan a, rows, cols).[0]
let private sv (ctx: Context) mode k = let struct (_, s, _) = (svds ctx mode).[k] in s

let private logitsOf (t: ForwardTrace) = t.X.[t.Net.Depth]
let private classes (ctx: Context) = ctx.Network.Architecture.OutputSize

/// Margin f(x)[y] − max_{j≠y} f(x)[j] of every row.
let private marginsOf (o: float[]) (labels: int[]) (k: int) =
    Array.init labels.Length (fun i ->
        let y = labels.[i]
        let mutable best = -infinity
        for j in 0 .. k - 1 do if j <> y && o.[i * k + j] > best then best <- o.[i * k + j]
        o.[i * k + y] - best)

/// Gap between the top two scores of every row (the label-free margin).
let private topTwoGap (o: float[]) (n: int) (k: int) =
    Array.init n (fun i ->
        let row = Array.sub o (i * k) k |> Array.sortDescending
        row.[0] - row.[1])

let private labelsFor (ctx: Context) (mode: CheckMode) (o: float[]) (data: Dataset) =
    // A random net has no relation to the real labels; in synthetic mode the labels are its own predictions.
    match mode with
    | CheckMode.RealNetwork -> data.Labels
    | CheckMode.Synthetic -> let k = classes ctx in Array.init data.Count (fun i -> Seq.maxBy (fun j -> o.[i * k + j]) (seq { 0 .. k - 1 }))

let private median (xs: float[]) = let s = Array.sort xs in s.[s.Length / 2]

// ---------------------------------------------------------------- Lemma 1 truncation (T2.2, D1, T2.1 real g)

type private Truncation =
    { Gamma: float; Delta: float; MaxNormX: float; Weights: float[][]; Ranks: int[]; TrainErr: float[]; MaxAbsDiff: float
      HoldErr: float[]; TrainLogits: float[]; G: float[]; ProdNorm: float }

/// Removes the singular values below δ‖A^i‖₂ from `w` given its SVD; returns Â and its rank.
let private truncate (ctx: Context) (struct (u: float[], s: float[], vt: float[])) rows cols (delta: float) =
    let rmin = s.Length
    let mutable r = 0
    while r < rmin && s.[r] >= delta * s.[0] && s.[r] > 0.0 do r <- r + 1
    let approx = Array.zeroCreate<float> (rows * cols)
    if r > 0 then
        let us = Array.init (rows * r) (fun idx -> let i, j = idx / r, idx % r in u.[i * rmin + j] * s.[j])
        ctx.Provider.Gemm(Transpose.No, Transpose.No, rows, cols, r, 1.0, ReadOnlySpan us, r, ReadOnlySpan vt, cols, 0.0, Span approx, cols)
    approx, r

let private rowDiff (a: float[]) (b: float[]) (i: int) (k: int) = sqrt (Seq.sum (seq { for j in 0 .. k - 1 -> (a.[i * k + j] - b.[i * k + j]) ** 2.0 }))

/// Theorem 2.2's compression: δ = γ/(e max‖x‖ d ∏‖A^i‖₂) with γ = the median top-two gap of f on S.
let private truncation (ctx: Context) (mode: CheckMode) : Truncation =
    cachedValue (cacheKey ctx mode "truncation") (fun () ->
        let net = network ctx mode
        let t = trainTrace ctx mode
        let k = classes ctx
        let n = ctx.Train.Count
        let f = logitsOf t
        let gamma = median (topTwoGap f n k)
        let maxNormX = Array.max t.XNorm.[0]
        let prodNorm = Seq.fold (fun acc l -> acc * (sv ctx mode l).[0]) 1.0 (seq { 1 .. net.Depth })
        let delta = gamma / (Math.E * maxNormX * float net.Depth * prodNorm)
        let pieces = Array.init (net.Depth + 1) (fun l -> if l = 0 then [||], 0 else truncate ctx (svds ctx mode).[l] net.Rows.[l] net.Cols.[l] delta)
        let wHat = pieces |> Array.map fst
        let g = logitsOf (traceWith ctx net wHat ctx.Train.Features n)
        let holdErr =
            match holdoutData ctx with
            | None -> [||]
            | Some h ->
                let fh = logitsOf (traceWith ctx net net.W h.Features h.Count)
                let gh = logitsOf (traceWith ctx net wHat h.Features h.Count)
                let xn = ForwardTrace.RowNorms(ReadOnlySpan(Array.map float h.Features), h.Count, h.Dimension)
                [| for i in 0 .. h.Count - 1 do if xn.[i] <= maxNormX then yield rowDiff fh gh i k |]
        { Gamma = gamma; Delta = delta; MaxNormX = maxNormX; Weights = wHat; Ranks = pieces |> Array.map snd
          TrainErr = Array.init n (fun i -> rowDiff f g i k); MaxAbsDiff = Seq.max (seq { for i in 0 .. n * k - 1 -> abs (f.[i] - g.[i]) })
          HoldErr = holdErr; TrainLogits = f; G = g; ProdNorm = prodNorm })

let private biasFailure (ctx: Context) (mode: CheckMode) =
    if mode = CheckMode.RealNetwork && ctx.Network.Architecture.Bias then [ "no biases (the network has bias vectors)" ] else []

let private checkD1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let tr = truncation ctx mode
    let seed = seedOf ctx s mode
    let r = Checker.deterministic s mode seed [ inst (Bindings.ofScalars [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.Gamma ]) seed "Lemma-1 truncation of Theorem 2.2" None None None ]
    { r with
        Bindings = [ "maxAbsDiff", tr.MaxAbsDiff; "gamma", tr.Gamma; "delta", tr.Delta ]
        Notes = r.Notes @ [ sprintf "g = every layer truncated at delta = %.4g (ranks %s); gamma = median top-two gap of f on S = %.4g; measured max |f - g| = %.4g over %d points x %d coordinates" tr.Delta (String.Join(",", tr.Ranks.[1..])) tr.Gamma tr.MaxAbsDiff ctx.Train.Count (classes ctx) ] }

let private checkT22Closeness (ctx: Context) (s: Statement) (mode: CheckMode) =
    let tr = truncation ctx mode
    let seed = seedOf ctx s mode
    let d = float (network ctx mode).Depth
    let b0 = Bindings.ofScalars [ "gamma", tr.Gamma; "delta", tr.Delta; "d", d ]
    let instances =
        [ for i, e in Array.indexed tr.TrainErr -> inst (Bindings.scalar "err" e b0) seed "training point" None None (Some i)
          for i, e in Array.indexed tr.HoldErr -> inst (Bindings.scalar "err" e b0) seed "held-out point" None None (Some i) ]
    let r = Checker.deterministic s mode seed instances
    let net = network ctx mode
    let storedParams = Seq.sum (seq { for l in 1 .. net.Depth -> float tr.Ranks.[l] * float (net.Rows.[l] + net.Cols.[l] + 1) })
    let sumSrank = Seq.sum (seq { for l in 1 .. net.Depth -> let sv = sv ctx mode l in (Array.sumBy (fun x -> x * x) sv) / (sv.[0] * sv.[0]) })
    let h = float (Array.max net.Rows)
    let countCorrected = 2.0 * Math.E ** 2.0 * d * d * h * tr.MaxNormX ** 2.0 * tr.ProdNorm ** 2.0 * sumSrank / tr.Gamma ** 2.0
    let countPrinted = countCorrected * tr.Gamma ** 2.0
    let slack = tr.TrainErr |> Array.filter (fun e -> e > 0.0) |> Array.map (fun e -> tr.Gamma / e)
    Checker.finish s (biasFailure ctx mode)
        { r with
            Bindings = [ "gamma", tr.Gamma; "delta", tr.Delta; "q", storedParams; "count (A.3 with 1/gamma^2)", countCorrected; "count (A.3 as printed)", countPrinted ]
            Figures = (if slack.Length > 0 then [ Figure.Histogram(sprintf "%s: gamma / ||f(x) - g(x)|| on S" mode.StreamName, "slack", slack, [ "bound attained", 1.0 ]) ] else [])
            Notes =
                r.Notes
                @ [ sprintf "%d training + %d held-out points (held-out kept when ||x|| <= max_S ||x|| = %.4g); ranks %s; stored parameters q = sum r_i (h_in + h_out + 1) = %.6g vs %d dense" ctx.Train.Count tr.HoldErr.Length tr.MaxNormX (String.Join(",", tr.Ranks.[1..])) storedParams (Seq.sum (seq { for l in 1 .. net.Depth -> net.Rows.[l] * net.Cols.[l] }))
                    sprintf "PAPER-ISSUE: App. A.3 count 2e^2 d^2 h ||x||^2 prod ||A||^2 sum srank lacks 1/gamma^2: printed %.4g vs corrected %.4g (gamma = %.4g)" countPrinted countCorrected tr.Gamma ] }

// ---------------------------------------------------------------- T2.2 bound (printed vs squared): input-scaling witness

let private t22Quantities (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "t22") (fun () ->
        let net = network ctx mode
        let t = trainTrace ctx mode
        let k = classes ctx
        let f = logitsOf t
        let labels = labelsFor ctx mode f ctx.Train
        let margins = marginsOf f labels k
        // A small margin keeps Lhat_gamma near the training error, where a generalization gap can show.
        let positive = margins |> Array.filter (fun m -> m > 0.0)
        let gamma = if positive.Length = 0 then 1e-3 else 0.05 * median positive
        let lhat = float (margins |> Array.filter (fun m -> m <= gamma) |> Array.length) / float margins.Length
        let heldOut =
            ctx.Holdout |> Option.map (fun h ->
                let fh = logitsOf (traceWith ctx net net.W h.Features h.Count)
                let lh = labelsFor ctx mode fh h
                let errors = marginsOf fh lh k |> Array.filter (fun m -> m <= 0.0) |> Array.length
                errors, h.Count)
        let sumSrank = Seq.sum (seq { for l in 1 .. net.Depth -> let s = sv ctx mode l in (Array.sumBy (fun x -> x * x) s) / (s.[0] * s.[0]) })
        let prodA2 = Seq.fold (fun acc l -> acc * (sv ctx mode l).[0] ** 2.0) 1.0 (seq { 1 .. net.Depth })
        gamma, lhat, heldOut, Array.max t.XNorm.[0], prodA2, sumSrank, float (Array.max net.Rows), float net.Depth)

let private scales = [ 1.0; 10.0; 100.0; 1000.0 ]

let private checkT22Bound (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    match ctx.Holdout with
    | None -> Checker.notCheckable s mode seed "no held-out set in the context"
    | Some _ ->
        let gamma, lhat, heldOut, maxNormX, prodA2, sumSrank, h, d = t22Quantities ctx mode
        let errors, nh = heldOut.Value
        let ci = Stats.clopperPearson errors nh Checker.confidence
        let rel = Statement.relation s.Conclusion
        // Bias-free ReLU nets are positively homogeneous: inputs scaled by t scale f and the margin gamma by t, and leave
        // every error unchanged; a statement's right-hand side must therefore be invariant too.
        let boundAt (t: float) (c: float) gap =
            let b = Bindings.ofScalars [ "gap", gap; "h", h; "d", d; "maxnormx", t * maxNormX; "prodA2", prodA2; "sumsrank", sumSrank; "gamma", t * gamma; "m", float ctx.Train.Count; "C", c ]
            Eval.evaluate b (snd (Relation.sides rel)) |> Value.tryFloat |> Option.defaultValue nan
        let gapLo = ci.Lower - lhat
        let gapPoint = float errors / float nh - lhat
        let cAt t gap = gap / boundAt t 1.0 gap
        let byScale = scales |> List.map (fun t -> sprintf "input scale t = %g" t, cAt t gapPoint)
        let growth = cAt 1000.0 1.0 / cAt 1.0 1.0
        let est =
            { Name = "C"; Value = cAt 1.0 gapPoint
              Interval = Some { Lower = cAt 1.0 gapLo; Upper = cAt 1.0 (ci.Upper - lhat); Confidence = Checker.confidence; Method = "Clopper–Pearson of the held-out error" }
              ByDimension = byScale; Grows = Some(growth > 1.5); Suspicious = cAt 1.0 gapPoint > 10.0 }
        let verdict =
            if growth > 1.5 && gapLo > 0.0 then
                // Any fixed C fails at the scale where C_min(t) = C_min(1)·sqrt(t) exceeds it; report C = 10 (the protocol's flag).
                let tStar = (10.0 / cAt 1.0 gapLo) ** 2.0 |> max 1.0
                Verdict.Violated
                    { Seed = seed; Trial = None; Layer = None; Sample = None; Lhs = gapLo; Rhs = boundAt tStar 10.0 gapLo
                      Description = sprintf "at input scale t = %.4g (f and gamma scaled by t; errors unchanged) the bound with C = 10 is %.4g < generalization gap %.4g (CP lower); the smallest C grows as sqrt(t)" tStar (boundAt tStar 10.0 gapLo) gapLo }
            elif growth > 1.5 then Verdict.Inconclusive(sprintf "the bound is not scale-invariant (C_min grows by %.3g from t = 1 to 1000), but the generalization gap is not positive here (CP lower %.4g), so no witness" growth gapLo)
            elif gapLo <= 0.0 || est.Interval.Value.Upper <= 10.0 then Verdict.Held
            else Verdict.Inconclusive(sprintf "smallest C = %.4g > 10: suspicious" est.Value)
        Checker.finish s (biasFailure ctx mode)
            { Checker.blank s mode seed with
                Verdict = verdict; Trials = nh; Failures = Some errors; Interval = Some ci; Constant = Some est
                Bindings = [ "gamma", gamma; "Lhat_gamma", lhat; "held-out error", float errors / float nh; "bound(t=1, C=1)", boundAt 1.0 1.0 gapPoint; "C_min(t=1000)/C_min(t=1)", growth ]
                Notes =
                    tagNotes s
                    @ [ sprintf "gamma = 5%% of the median positive training margin (%.4g); gap = held-out error (%d points) - Lhat_gamma on S (%d points)%s" gamma nh ctx.Train.Count (if mode = CheckMode.Synthetic then "; synthetic: Gaussian net labelled by its own predictions (no gap expected)" else "")
                        sprintf "scaling witness (exact, homogeneity): C_min(t)/C_min(1) = %.6g at t = 1000 (sqrt(1000) = %.6g for the printed form, 1 for the squared form)" growth (sqrt 1000.0) ] }

// ---------------------------------------------------------------- T2.1 / CA.1

let private phi (x: float) = Normal.CDF(0.0, 1.0, x)

/// The catalog's counter-example: x ~ U[0,1], y = 0, f(x) = (γ(1 + x/2), 0), g(x) = (γx/2, γ): |f − g| = γ on each
/// coordinate, f has margin > γ everywhere, g is always wrong. q = 1, r = 2 (g one of two candidate maps).
let private counterExampleTrials (ctx: Context) (s: Statement) (mode: CheckMode) =
    let m, q, r, delta, gamma = 1000, 1.0, 2.0, 0.1, 1.0
    [ for t in 0 .. ctx.Trials - 1 ->
        let rng = stream ctx (Statement.originalId s) mode (sprintf "counter-example/trial-%d" t)
        let xs = Array.init m (fun _ -> rng.NextDouble())
        let fMargin = xs |> Array.map (fun x -> gamma * (1.0 + x / 2.0))
        let closeness = xs |> Array.map (fun x -> max (abs (gamma * (1.0 + x / 2.0) - gamma * x / 2.0)) gamma) |> Array.max
        let lossAt g = float (fMargin |> Array.filter (fun v -> v <= g) |> Array.length) / float m
        let b = Bindings.ofScalars [ "L0g", 1.0; "Lhat_gamma", lossAt closeness; "Lhat_2gamma", lossAt (2.0 * closeness); "zeta", 0.0; "q", q; "r", r; "m", float m; "delta", delta ]
        inst b rng.Seed "counter-example f = (gamma(1 + x/2), 0), g = (gamma x/2, gamma)" (Some t) None None ]

/// Linear model with a generalization gap: y = ±1, x ~ N(yμ, I_20), ‖μ‖ = 1; f = the mean classifier of S (scores ±c·x/2),
/// g = c rounded to a grid of step 0.005 on [−1, 1] fixed in advance (q = 20, r = 401); L0(g) = Φ(−ĉ·μ/‖ĉ‖) exactly.
let private linearModelTrials (ctx: Context) (s: Statement) (mode: CheckMode) (closenessQuantile: float) =
    let h, m, step, delta = 20, 400, 0.005, 0.1
    let mu = Array.create h (1.0 / sqrt (float h))
    let r = 2.0 / step + 1.0
    [ for t in 0 .. ctx.Trials - 1 ->
        let rng = stream ctx (Statement.originalId s) mode (sprintf "linear-model/trial-%d" t)
        let ys = Array.init m (fun _ -> if rng.NextDouble() < 0.5 then 1.0 else -1.0)
        let xs = Array.init m (fun i -> Array.init h (fun j -> ys.[i] * mu.[j] + rng.NextGaussian()))
        let c = Array.init h (fun j -> Seq.sum (seq { for i in 0 .. m - 1 -> ys.[i] * xs.[i].[j] }) / float m) |> unit
        let cHat = c |> Array.map (fun v -> Rounding.RoundToGrid(max -1.0 (min 1.0 v), step))
        let perPoint = xs |> Array.map (fun x -> abs (dot c x - dot cHat x) / 2.0)
        let gamma = let sorted = Array.sort perPoint in sorted.[min (m - 1) (int (ceil (closenessQuantile * float m)) - 1)]
        let zeta = float (perPoint |> Array.filter (fun v -> v > gamma) |> Array.length) / float m
        let margins = Array.init m (fun i -> ys.[i] * dot c xs.[i])
        let lossAt g = float (margins |> Array.filter (fun v -> v <= g) |> Array.length) / float m
        let l0 = phi (-(dot cHat mu) / norm cHat)
        let b = Bindings.ofScalars [ "L0g", l0; "Lhat_gamma", lossAt gamma; "Lhat_2gamma", lossAt (2.0 * gamma); "zeta", zeta; "q", float h; "r", r; "m", float m; "delta", delta ]
        inst b rng.Seed "linear model" (Some t) None None ]

/// The Definition-1-compatible g that hurts most: subtract γ from the top score and add γ to the runner-up.
let private adversarialG (o: float[]) (n: int) (k: int) (gamma: float) =
    let g = Array.copy o
    for i in 0 .. n - 1 do
        let order = Array.init k id |> Array.sortByDescending (fun j -> o.[i * k + j])
        g.[i * k + order.[0]] <- g.[i * k + order.[0]] - gamma
        g.[i * k + order.[1]] <- g.[i * k + order.[1]] + gamma
    g

let private errorsOf (o: float[]) (labels: int[]) k = marginsOf o labels k |> Array.map (fun v -> v <= 0.0)

let private checkT21 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let isStated = Statement.originalId s = "ARORA-T2.1"
    match mode with
    | CheckMode.Synthetic ->
        let trials = if isStated then counterExampleTrials ctx s mode else linearModelTrials ctx s mode (if Statement.originalId s = "ARORA-CA.1" then 0.995 else 1.0)
        let r = Checker.probabilistic s mode seed 0.1 trials
        let note =
            if isStated then "synthetic: the catalog's counter-example (x ~ U[0,1], f = (gamma(1 + x/2), 0), g = (gamma x/2, gamma)); L0(g) = 1 exactly, Lhat_gamma(f) = 0, m = 1000, q = 1, r = 2"
            else "synthetic: y = +-1, x ~ N(y mu, I_20), ||mu|| = 1, m = 400; f = mean classifier of S, g = f rounded to the grid 0.005 Z on [-1, 1] fixed before S (q = 20, r = 401); L0(g) = Phi(-chat.mu/||chat||) exact; gamma = max closeness (T2.1) or its 99.5% quantile with zeta the rest (CA.1)"
        Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ note; "the bound is for g, not f (Remark R2.1)" ] }
    | CheckMode.RealNetwork ->
        let k = classes ctx
        let n = ctx.Train.Count
        let tr = truncation ctx mode
        let f = tr.TrainLogits
        let labels = ctx.Train.Labels
        let mf = marginsOf f labels k
        if isStated then
            // The proof's step Lhat_0(g) <= Lhat_gamma(f) for the worst g that Definition 1 allows.
            let positive = mf |> Array.filter (fun v -> v > 0.0)
            let gamma = if positive.Length = 0 then 1.0 else median positive / 1.5
            let g = adversarialG f n k gamma
            let eg = errorsOf g labels k
            let slips = [| for i in 0 .. n - 1 do if mf.[i] > gamma && eg.[i] then yield i |]
            let lhatG = float (eg |> Array.filter id |> Array.length) / float n
            let lhat = float (mf |> Array.filter (fun v -> v <= gamma) |> Array.length) / float n
            let lhat2 = float (mf |> Array.filter (fun v -> v <= 2.0 * gamma) |> Array.length) / float n
            let verdict =
                if slips.Length > 0 && lhatG > lhat then
                    Verdict.Violated
                        { Seed = seed; Trial = None; Layer = None; Sample = Some slips.[0]; Lhs = lhatG; Rhs = lhat
                          Description = sprintf "proof step Lhat_0(g) <= Lhat_gamma(f) fails for a g with |f - g| <= gamma on every coordinate: training point %d has f-margin %.4g > gamma = %.4g but g errs; %d such points; Lhat_0(g) = %.4g > Lhat_gamma(f) = %.4g (<= Lhat_2gamma(f) = %.4g)" slips.[0] mf.[slips.[0]] gamma slips.Length lhatG lhat lhat2 }
                else Verdict.Inconclusive "no training point has f-margin in (gamma, 2 gamma]"
            Checker.finish s (biasFailure ctx mode)
                { Checker.blank s mode seed with
                    Verdict = verdict; Trials = n; Failures = Some slips.Length
                    Bindings = [ "gamma", gamma; "Lhat_0(g)", lhatG; "Lhat_gamma(f)", lhat; "Lhat_2gamma(f)", lhat2 ]
                    Notes = tagNotes s @ [ "real: g(x) = f(x) - gamma e_top + gamma e_second (a function of x only, within gamma of f on every coordinate); gamma = median positive training margin / 1.5. The full bound is vacuous for this g (its parameters are f's), so the check targets the proof step that the stated form rests on."; "the bound is for g, not f (Remark R2.1)" ] }
        else
            match holdoutData ctx with
            | None -> Checker.notCheckable s mode seed "no held-out set in the context"
            | Some h ->
                let isCA = Statement.originalId s = "ARORA-CA.1"
                let perPoint = Array.init n (fun i -> Seq.max (seq { for j in 0 .. k - 1 -> abs (f.[i * k + j] - tr.G.[i * k + j]) }))
                let gamma = if isCA then (Array.sort perPoint).[min (n - 1) (int (ceil (0.9 * float n)) - 1)] else Array.max perPoint
                let zeta = float (perPoint |> Array.filter (fun v -> v > gamma) |> Array.length) / float n
                let lhat2 = float (mf |> Array.filter (fun v -> v <= 2.0 * gamma) |> Array.length) / float n
                let net = network ctx mode
                let gh = logitsOf (traceWith ctx net tr.Weights h.Features h.Count)
                let errors = errorsOf gh h.Labels k |> Array.filter id |> Array.length
                let ci = Stats.clopperPearson errors h.Count Checker.confidence
                let q = Seq.sum (seq { for l in 1 .. net.Depth -> float tr.Ranks.[l] * float (net.Rows.[l] + net.Cols.[l] + 1) })
                let b = Bindings.ofScalars [ "Lhat_2gamma", lhat2; "zeta", zeta; "q", q; "r", 2.0 ** 32.0; "m", float n; "delta", 0.1; "L0g", ci.Lower ]
                let _, rhsExpr = Relation.sides (Statement.relation s.Conclusion)
                let bound = Eval.evaluate b rhsExpr |> Value.tryFloat |> Option.defaultValue nan
                // The proof step under Definition 1 on the training set, for the worst admissible g.
                let stepFails =
                    let g = adversarialG f n k gamma
                    let eg = errorsOf g labels k
                    [| for i in 0 .. n - 1 do if mf.[i] > 2.0 * gamma && eg.[i] then yield i |].Length
                let verdict =
                    match Checker.vacuity bound with
                    | Some reason -> Verdict.Vacuous reason
                    | None when ci.Lower > bound -> Verdict.Violated { Seed = seed; Trial = None; Layer = None; Sample = None; Lhs = ci.Lower; Rhs = bound; Description = "held-out error of g: CP lower limit above the bound" }
                    | None when ci.Upper <= bound -> Verdict.Held
                    | None -> Verdict.Inconclusive(sprintf "held-out error CP99 [%.4g, %.4g] straddles the bound %.4g" ci.Lower ci.Upper bound)
                Checker.finish s (biasFailure ctx mode)
                    { Checker.blank s mode seed with
                        Verdict = verdict; Trials = h.Count; Failures = Some errors; Interval = Some ci; Delta = Some 0.1
                        Bindings = [ "bound", bound; "gamma", gamma; "zeta", zeta; "Lhat_2gamma", lhat2; "q", q; "held-out error of g", float errors / float h.Count ]
                        Notes =
                            tagNotes s
                            @ [ sprintf "g = Theorem 2.2's Lemma-1 truncation (ranks %s), stored as float32 factors: q = %.6g parameters, r = 2^32 values (a grid fixed before S)" (String.Join(",", tr.Ranks.[1..])) q
                                sprintf "corrected step Lhat_0(g) <= Lhat_2gamma(f) for the worst Definition-1 g (top score - gamma, runner-up + gamma): %d training points with f-margin > 2 gamma flip (must be 0)" stepFails
                                "the bound is for g, not f (Remark R2.1)" ] }

// ---------------------------------------------------------------- vector compression (EX1, L4, L5, L7)

/// Unit vectors c, u of the setting: synthetic = uniform on the sphere of R^1000; real = a normalized row of the last
/// layer (a linear classifier on the penultimate features) and a normalized training input of that layer.
let private probePair (ctx: Context) (mode: CheckMode) (id: string) (t: int) =
    match mode with
    | CheckMode.Synthetic ->
        let rng = stream ctx id mode (sprintf "probe-%d" t)
        unit (gaussianVector rng 1000), unit (gaussianVector rng 1000)
    | CheckMode.RealNetwork ->
        let net = network ctx mode
        let d = net.Depth
        let tr = trainTrace ctx mode
        let cols = net.Cols.[d]
        let row = t % net.Rows.[d]
        let c = unit (Array.sub net.W.[d] (row * cols) cols)
        // Skip inputs that are entirely zero after the ReLU (no direction).
        let candidates = [| for s in 0 .. ctx.Train.Count - 1 do if tr.PhiNorm.[d - 1].[s] > 0.0 then yield s |]
        let s = candidates.[(t * 7919) % candidates.Length]
        c, unit (Array.sub tr.Phi.[d - 1] (s * cols) cols)

/// Lemma 5's discretization from one run of the coins: ctilde = Vector-Compress(γ/2, c); entries with |ctilde_i| ≥ 2ηγ√h are
/// zeroed, the rest rounded to multiples of γ/(2√h). The threshold targets tiny c_i, whose rescaled ctilde_i = c_i/p_i blow
/// up; read literally it also removes large c_i kept with p_i = 1 (ctilde_i = c_i). Returns (intended, literal) readings.
let private discretize (c: float[]) (gamma: float) (eta: float) (rng: Rng) =
    let r = VectorCompression.Compress(ReadOnlySpan c, gamma / 2.0, eta, rng)
    let h = float c.Length
    let thr, step = 2.0 * eta * gamma * sqrt h, gamma / (2.0 * sqrt h)
    let reading literal =
        Array.init c.Length (fun i ->
            let t = r.Compressed.[i]
            if t = 0.0 then 0.0
            elif abs t >= thr && (literal || r.Probabilities.[i] < 1.0) then 0.0
            else Rounding.RoundToGrid(t, step))
    reading false, reading true

let private vectorSettings = [ 0.1, 0.05; 0.1, 0.25; 0.3, 0.05; 0.3, 0.25 ]

let private checkEX1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let mutable identityGap = 0.0
    let instances =
        [ for t in 0 .. 9 do
            let c, _ = probePair ctx mode "ARORA-EX1" t
            for gamma in [ 0.1; 0.3 ] ->
                let coin = c |> Array.map (fun ci -> min 1.0 (8.0 * ci * ci / (gamma * gamma)))
                let alg2 = VectorCompression.Compress(ReadOnlySpan c, gamma, 0.25, Rng(0UL)).Probabilities
                for i in 0 .. c.Length - 1 do
                    identityGap <- max identityGap (abs (coin.[i] - alg2.[i]))
                    if coin.[i] < 1.0 && c.[i] <> 0.0 then identityGap <- max identityGap (abs (gamma * gamma / (8.0 * c.[i]) - c.[i] / coin.[i]) / abs (c.[i] / coin.[i]))
                inst (Bindings.ofScalars [ "ENnz", Array.sum coin; "gamma", gamma ]) seed (sprintf "c #%d" t) (Some t) None None ]
    let r = Checker.deterministic s mode seed instances
    { r with Notes = tagNotes s @ r.Notes @ [ sprintf "identities 8c_i^2/gamma^2 = p_i of Algorithm 2 at eta = 1/4 and gamma^2/(8c_i) = c_i/p_i: largest discrepancy %.3g over all coordinates" identityGap; (if mode = CheckMode.Synthetic then "synthetic: 10 uniform unit c in R^1000" else "real: the 10 normalized rows of the last layer") ] }

let private checkL4L5 (ctx: Context) (s: Statement) (mode: CheckMode) (discretized: bool) =
    let seed = seedOf ctx s mode
    let n = cheapTrials ctx
    let rel = Statement.relation s.Conclusion
    let results =
        [ for gamma, eta in vectorSettings ->
            let nnz = ResizeArray<float>()
            let fails = ref 0
            let literalFails = ref 0
            let instances =
                [ for t in 0 .. n - 1 ->
                    let c, u = probePair ctx mode (Statement.originalId s) (t % 50)
                    let rng = stream ctx (Statement.originalId s) mode (sprintf "gamma-%g/eta-%g/trial-%d" gamma eta t)
                    let chat, k =
                        if discretized then
                            let intended, literal = discretize c gamma eta rng
                            if abs (dot literal u - dot c u) > gamma then literalFails.Value <- literalFails.Value + 1
                            intended, intended |> Array.filter (fun v -> v <> 0.0) |> Array.length
                        else let r = VectorCompression.Compress(ReadOnlySpan c, gamma, eta, rng) in r.Compressed, r.NonZeros
                    nnz.Add(float k)
                    let dev = abs (dot chat u - dot c u)
                    if dev > gamma then fails.Value <- fails.Value + 1
                    inst (Bindings.ofScalars [ "dev", dev; "gamma", gamma; "eta", eta ]) rng.Seed (sprintf "gamma = %g, eta = %g" gamma eta) (Some t) None None ]
            let r = Checker.probabilistic s mode seed eta instances
            let ciHalf = Stats.clopperPearson fails.Value n Checker.confidence
            { r with
                Bindings = [ sprintf "failure rate (gamma=%g, eta=%g)" gamma eta, float (defaultArg r.Failures 0) / float n ]
                Notes =
                    [ sprintf "gamma = %g, eta = %g: %d/%d failures of the stated claim (%s); the paper's accuracy gamma fails %d times, CP99 upper %.4g vs DERIVED eta/2 = %.4g; mean nnz %.1f vs 2/(eta gamma^2) = %.1f%s"
                        gamma eta (defaultArg r.Failures 0) n (Relation.toText rel) fails.Value ciHalf.Upper (eta / 2.0) (Seq.average nnz) (2.0 / (eta * gamma * gamma)) (if discretized then sprintf " (Vector-Compress at gamma/2: 8/(eta gamma^2)); FINDING: with the threshold applied literally, also to coordinates kept with p_i = 1, the accuracy gamma fails %d/%d times" literalFails.Value n else "") ] } ]
    let r = combine s mode seed results
    Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ (if mode = CheckMode.Synthetic then "synthetic: 50 pairs of uniform unit c, u in R^1000, cycled" else "real: c = normalized rows of the last layer, u = normalized layer inputs phi(x^{d-1}) of training points (fixed; only the coins are drawn)") ] }

let private checkL5Threshold (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let gamma, eta = 0.3, 0.25
    let instances =
        [ for t in 0 .. ctx.Trials - 1 ->
            let c, _ = probePair ctx mode "ARORA-L5" (t % 50)
            let h = float c.Length
            let rng = stream ctx (Statement.originalId s) mode (sprintf "trial-%d" t)
            let tilde = VectorCompression.Compress(ReadOnlySpan c, gamma / 2.0, eta, rng).Compressed
            let mutable mismatches = 0
            let mutable first = -1
            for i in 0 .. c.Length - 1 do
                if tilde.[i] <> 0.0 then
                    let zeroed = abs tilde.[i] >= 2.0 * eta * gamma * sqrt h
                    let printed = abs c.[i] <= gamma / (4.0 * sqrt h)
                    if zeroed <> printed then
                        mismatches <- mismatches + 1
                        if first < 0 then first <- i
            inst (Bindings.ofScalars [ "mismatches", float mismatches ]) rng.Seed (if first >= 0 then sprintf "coordinate %d: |c_i| = %.4g, gamma/(16 sqrt h) = %.4g, gamma/(4 sqrt h) = %.4g" first (abs c.[first]) (gamma / (16.0 * sqrt h)) (gamma / (4.0 * sqrt h)) else "") (Some t) None (if first >= 0 then Some first else None) ]
    let r = Checker.deterministic s mode seed instances
    { r with Notes = tagNotes s @ r.Notes @ [ sprintf "gamma = %g, eta = %g; a mismatch is a sampled coordinate with gamma/(16 sqrt h) < |c_i| <= gamma/(4 sqrt h) (kept although the printed equivalence says zeroed)" gamma eta ] }

/// The exact law of Algorithm 3's estimate for unit c, u with cᵀu = ρ: k bivariate Gaussian pairs (z_i, w_i).
let private projectDeviation (rng: Rng) (k: int) (rho: float) (step: float option) =
    let mutable acc = 0.0
    let s = sqrt (max 0.0 (1.0 - rho * rho))
    for _ in 1 .. k do
        let g1, g2 = rng.NextGaussian(), rng.NextGaussian()
        let z = match step with Some st -> Rounding.RoundToGrid(g1, st) | None -> g1
        acc <- acc + z * (rho * g1 + s * g2)
    abs (acc / float k - rho)

let private checkL7 (ctx: Context) (s: Statement) (mode: CheckMode) (rounded: bool) =
    let seed = seedOf ctx s mode
    let n = cheapTrials ctx
    let settings =
        match mode with
        | CheckMode.Synthetic -> [ 0.5, 0.05, 0.0, 100; 0.5, 0.05, 0.95, 100; 1.0, 0.05, 0.95, 100; 0.3, 0.01, 0.95, 1000 ]
        | CheckMode.RealNetwork ->
            let c, u = probePair ctx mode "ARORA-L7" 0
            let rho = dot c u
            [ 0.5, 0.05, rho, c.Length; 1.0, 0.05, rho, c.Length; 0.3, 0.01, rho, c.Length ]
    let results =
        [ for gamma, eta, rho, h in settings ->
            let b0 = Bindings.ofScalars [ "gamma", gamma; "eta", eta; "h", float h ]
            let k = helperCount s b0
            let step = if rounded then Some(gamma / (2.0 * sqrt (float h * float k))) else None
            // The norm event is a property of the whole helper matrix V (k×h): measured on literal draws of V.
            let normDraws =
                if rounded then
                    cachedValue (cacheKey ctx mode (sprintf "l7-V/%g/%g/%g/%d" gamma eta rho k)) (fun () ->
                        Array.init 2 (fun t ->
                            let v = gaussianVector (stream ctx (Statement.originalId s) mode (sprintf "gamma-%g/eta-%g/rho-%g/V-%d" gamma eta rho t)) (k * h)
                            specNorm ctx v k h))
                else [||]
            let instances =
                [ for t in 0 .. n - 1 ->
                    let rng = stream ctx (Statement.originalId s) mode (sprintf "gamma-%g/eta-%g/rho-%g/trial-%d" gamma eta rho t)
                    let dev = projectDeviation rng k rho step
                    let b = b0 |> Bindings.scalar "dev" dev |> Bindings.scalar "k" (float k)
                    let b = if rounded then Bindings.scalar "normV" normDraws.[t % normDraws.Length] b else b
                    inst b rng.Seed (sprintf "gamma = %g, eta = %g, rho = %.3g, k = %d" gamma eta rho k) (Some t) None None ]
            let r = Checker.probabilistic s mode seed eta instances
            let normNote = if rounded then sprintf "; ||V||_2 on 2 literal draws: %s vs 2 sqrt h = %.4g" (String.Join(", ", normDraws |> Array.map (sprintf "%.4g"))) (2.0 * sqrt (float h)) else ""
            { r with
                Bindings = [ sprintf "failure rate (gamma=%g, eta=%g, rho=%.2g, k=%d)" gamma eta rho k, float (defaultArg r.Failures 0) / float n ]
                Notes = [ sprintf "gamma = %g, eta = %g, rho = c.u = %.3g, k = %d, h = %d: %d/%d failures%s" gamma eta rho k h (defaultArg r.Failures 0) n normNote ] } ]
    let r = combine s mode seed results
    Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ "exact sampling of the k pairs (<v_i, c>, <v_i, u>) (bivariate Gaussian with correlation c.u); rounding applied to z_i exactly as Algorithm 3" ] }

// ---------------------------------------------------------------- rates (L6, L8)

let private checkRate (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let m = float ctx.Train.Count
    let gamma = 0.1
    let r = Checker.notCheckable s mode seed (match s.Checkability with Checkability.NotYetCheckable reason -> reason | _ -> "rate")
    let b =
        if s.Id = "ARORA-L6" then
            let eta = (1.0 / (gamma * gamma * m)) ** (1.0 / 3.0)
            [ "m", m; "gamma", gamma; "eta", eta; "rate (1/(gamma^2 m))^(1/3)", eta; "E nnz 2/(eta gamma^2)", 2.0 / (eta * gamma * gamma) ]
        else
            let eta = 1.0 / m
            [ "m", m; "gamma", gamma; "eta", eta; "rate sqrt(1/(gamma^2 m))", sqrt (1.0 / (gamma * gamma * m)); "k = 16 ln(1/eta)/gamma^2", ceil (16.0 * log (1.0 / eta) / (gamma * gamma)) ]
    { r with Bindings = b; Notes = [ "arithmetic only (Otilde rate): values at the context's m and gamma = 0.1" ] }

// ---------------------------------------------------------------- L1, L9, P3.1 (deterministic linear algebra)

let private l1Deltas = [ 0.05; 0.1; 0.2; 0.5 ]

let private checkL1 (ctx: Context) (s: Statement) (mode: CheckMode) (rankPart: bool) =
    let seed = seedOf ctx s mode
    let net = network ctx mode
    // Shared by both parts of Lemma 1 and their mutants: the truncations and the SVDs of Ahat - A dominate the cost.
    let instances =
      cachedValue (cacheKey ctx mode "l1") (fun () ->
        [ for l in 1 .. net.Depth do
            let rows, cols = net.Rows.[l], net.Cols.[l]
            let sv = sv ctx mode l
            let normA, normF = sv.[0], sqrt (Array.sumBy (fun x -> x * x) sv)
            for delta in l1Deltas ->
                let approx, rank = truncate ctx (svds ctx mode).[l] rows cols delta
                // One δ per layer has its error measured by an independent SVD of Â − A; the others use the largest removed value.
                let specErr =
                    if delta = 0.1 then specNorm ctx (Array.map2 (-) approx net.W.[l]) rows cols
                    elif rank < sv.Length then sv.[rank] else 0.0
                inst (Bindings.ofScalars [ "specErr", specErr; "normA", normA; "normF", normF; "rank", float rank; "delta", delta ]) seed (sprintf "layer %d, delta = %g" l delta) None (Some l) None ])
    let instances = instances |> List.map (fun i -> { i with Seed = seed })
    let r = Checker.deterministic s mode seed instances
    Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ sprintf "every layer, delta in {%s}; at delta = 0.1 ||Ahat - A||_2 is recomputed by SVD of the difference, elsewhere it is the largest removed singular value%s" (String.Join(", ", l1Deltas)) (if rankPart then "" else "") ] }

let private checkL9 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let net = network ctx mode
    let d = net.Depth
    let normA = Array.init (d + 1) (fun l -> if l = 0 then 0.0 else (sv ctx mode l).[0])
    let rng = stream ctx (Statement.originalId s) mode "perturbations"
    let limit l = normA.[l] / float d
    // The perturbed forward passes are shared by the lemma and its mutant (same stream: the mutant replays the original's draws).
    let instances =
      cachedValue (cacheKey ctx mode "l9") (fun () ->
      let scaled (p: float[]) l = let pn = specNorm ctx p net.Rows.[l] net.Cols.[l] in p |> Array.map (fun v -> v * limit l / pn)
      let perturbations =
        [ "random Gaussian at ||A||/d",
          Array.init (d + 1) (fun l -> if l = 0 then [||] else scaled (gaussianVector (rng.Split(sprintf "gauss-%d" l)) net.W.[l].Length) l)
          "magnitude pruning (half the entries, smallest first) scaled to ||A||/d",
          Array.init (d + 1) (fun l ->
              if l = 0 then [||]
              else
                  let w = net.W.[l]
                  let cut = median (Array.map abs w)
                  scaled (w |> Array.map (fun v -> if abs v <= cut then -v else 0.0)) l)
          "adversarial rank-one +(||A||/d) u1 v1^T",
          Array.init (d + 1) (fun l ->
              if l = 0 then [||]
              else
                  let struct (u, sv, vt) = (svds ctx mode).[l]
                  let r, cols = sv.Length, net.Cols.[l]
                  Array.init net.W.[l].Length (fun idx -> let i, j = idx / cols, idx % cols in limit l * u.[i * r] * vt.[j])) ]
      let k = classes ctx
      let datasets = [ "train", ctx.Train ] @ (holdoutData ctx |> Option.map (fun h -> [ "held-out", (if h.Count > 1000 then DatasetOps.Take(h, 1000) else h) ]) |> Option.defaultValue [])
      [ for label, us in perturbations do
            let normU = Array.init d (fun i -> limit (i + 1))
            let wHat = Array.init (d + 1) (fun l -> if l = 0 then [||] else Array.map2 (+) net.W.[l] us.[l])
            let b0 = Bindings.empty |> Bindings.vector "normA" normA.[1..] |> Bindings.vector "normU" normU |> Bindings.scalar "d" (float d)
            for dname, data in datasets do
                let f = logitsOf (traceWith ctx net net.W data.Features data.Count)
                let g = logitsOf (traceWith ctx net wHat data.Features data.Count)
                let xn = ForwardTrace.RowNorms(ReadOnlySpan(Array.map float data.Features), data.Count, data.Dimension)
                for i in 0 .. data.Count - 1 ->
                    inst (b0 |> Bindings.scalar "diff" (rowDiff f g i k) |> Bindings.scalar "normx" xn.[i]) rng.Seed (sprintf "%s, %s point" label dname) None None (Some i) ])
    let r = Checker.deterministic s mode seed instances
    Checker.finish s (biasFailure ctx mode)
        { r with
            Figures = (match r.Slack with Some _ -> [ Figure.Histogram(sprintf "%s: Lemma 9 bound / ||f_A(x) - f_Ahat(x)||" mode.StreamName, "slack (log10)", instances |> List.choose (fun i -> match Relation.check s.Tolerance i.Bindings (Statement.relation s.Conclusion) with Outcome.Holds(_, _, _, Some sl) -> Some(log10 sl) | _ -> None) |> Array.ofList, [ "attained", 0.0 ]) ] | None -> [])
            Notes = tagNotes s @ r.Notes @ [ "3 perturbations (random Gaussian, magnitude pruning, adversarial rank-one), each at the size limit ||A^i - Ahat^i||_2 = ||A^i||_2/d on every layer; every training point and up to 1000 held-out points" ] }

let private checkP31 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let net = network ctx mode
    let draws = max 2 ctx.Trials
    let results =
        [ for l in 1 .. net.Depth ->
            let rows, cols = net.Rows.[l], net.Cols.[l]
            let rng = stream ctx (Statement.originalId s) mode (sprintf "layer-%d" l)
            // E‖Mη‖² by batched draws (one GEMM per block of 100), the only random quantity of ψ for linear M.
            let sample = cachedValue (cacheKey ctx mode (sprintf "p31-%d" l)) (fun () ->
              let sample = ResizeArray<float>()
              let block = 100
              let mutable left = draws
              while left > 0 do
                let b = min block left
                let eta = gaussianVector rng (b * cols)
                let y = Array.zeroCreate<float> (b * rows)
                ctx.Provider.Gemm(Transpose.No, Transpose.Yes, b, rows, cols, 1.0, ReadOnlySpan eta, cols, ReadOnlySpan net.W.[l], cols, 0.0, Span y, rows)
                for i in 0 .. b - 1 do sample.Add(Seq.sum (seq { for j in 0 .. rows - 1 -> y.[i * rows + j] * y.[i * rows + j] }))
                left <- left - b
              sample)
            let normF = sqrt (Array.sumBy (fun x -> x * x) net.W.[l])
            let witness = { Seed = rng.Seed; Trial = None; Layer = Some l; Sample = None; Lhs = 0.0; Rhs = 0.0; Description = sprintf "layer %d" l }
            let r = Checker.expectation s mode seed "E[normMeta2]" (sample.ToArray()) (Bindings.ofScalars [ "normF", normF ]) witness
            { r with Bindings = [ sprintf "E||M eta||^2 / ||M||_F^2 (layer %d)" l, Seq.average sample / (normF * normF) ] } ]
    let r = combine s mode seed results
    Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ sprintf "%d Gaussian draws per layer, M = A^i" draws ] }

let private checkP31Srank (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let net = network ctx mode
    let t = trainTrace ctx mode
    let n = ctx.Train.Count
    let mutable cushions = []
    let instances =
        [ for l in 1 .. net.Depth do
            let sv = sv ctx mode l
            let f2 = Array.sumBy (fun x -> x * x) sv
            let srank = f2 / (sv.[0] * sv.[0])
            let rows = net.Rows.[l]
            let psis = ResizeArray<float>()
            for i in 0 .. n - 1 do
                let xn = t.PhiNorm.[l - 1].[i]
                let mx = sqrt (Seq.sum (seq { for j in 0 .. rows - 1 -> t.X.[l].[i * rows + j] ** 2.0 }))
                if xn > 0.0 && mx > 0.0 then
                    let psi = f2 * xn * xn / (mx * mx)
                    psis.Add psi
                    yield inst (Bindings.ofScalars [ "psi", psi; "srank", srank ]) seed (sprintf "layer %d" l) None (Some l) (Some i)
            if psis.Count > 0 then cushions <- cushions @ [ sprintf "layer %d: srank %.4g, 1/mu^2 = max psi = %.4g (mu = %.4g)" l srank (Seq.max psis) (1.0 / sqrt (Seq.max psis)) ] ]
    let r = Checker.deterministic s mode seed instances
    Checker.finish s (biasFailure ctx mode) { r with Notes = tagNotes s @ r.Notes @ [ "M = A^i, x = phi(x^{i-1}) on every training point (x with Mx = 0 skipped: hypothesis)" ] @ cushions }

// ---------------------------------------------------------------- ALG1 and L2 (Matrix-Project)

/// One trial of Algorithm 1 on an 8×8 A with literal ±1 helpers (64 signs = one 64-bit word): |uᵀ(Â − A)v|.
let private literal8x8 (rng: Rng) (a: float[]) (b: float[]) (k: int) =
    let ab = dot a b
    let mutable acc = 0.0
    for _ in 1 .. k do
        let bits = rng.NextUInt64()
        let mutable x = 0.0
        let mutable y = 0.0
        for p in 0 .. 63 do
            let sgn = if (bits >>> p) &&& 1UL = 1UL then -1.0 else 1.0
            x <- x + sgn * a.[p]
            y <- y + sgn * b.[p]
        acc <- acc + x * y
    abs (acc / float k - ab)

/// One trial with Gaussian helpers (same second moments as ±1 up to the −2ΣA²B² term): k correlated pairs (⟨A,M⟩, ⟨B,M⟩).
let private gaussianPairs (rng: Rng) (normA: float) (normB: float) (ab: float) (k: int) =
    let rho = ab / (normA * normB)
    let s = sqrt (max 0.0 (1.0 - rho * rho))
    let mutable acc = 0.0
    for _ in 1 .. k do
        let g1, g2 = rng.NextGaussian(), rng.NextGaussian()
        acc <- acc + (normA * g1) * (normB * (rho * g1 + s * g2))
    abs (acc / float k - ab)

type private Alg1Setting = { Label: string; Dim: float; NormA: float; NormB: float; AB: float; Sampler: Rng -> int -> float; CorrectionTerm: float }

let private alg1Settings (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "alg1-settings") (fun () ->
        let net = network ctx mode
        let d = net.Depth
        match mode with
        | CheckMode.Synthetic ->
            let rng = stream ctx "arora-alg1" mode "8x8"
            let a = gaussianVector rng 64
            let u, v = gaussianVector rng 8, gaussianVector rng 8
            let b = Array.init 64 (fun idx -> u.[idx / 8] * v.[idx % 8])
            let na, nb = norm a, norm b
            let rows, cols = net.Rows.[1], net.Cols.[1]
            // Gaussian A of layer 1's shape and variance, random u, v: only ||A||_F, ||B||_F, <A, B> enter the pair law.
            let big = network ctx mode
            let aw = big.W.[1]
            let uu, vv = gaussianVector rng rows, gaussianVector rng cols
            let av = Array.init rows (fun i -> dot (Array.sub aw (i * cols) cols) vv)
            [ { Label = "8x8 literal +-1"; Dim = 64.0; NormA = na; NormB = nb; AB = dot a b; Sampler = (fun r k -> literal8x8 r a b k)
                CorrectionTerm = 2.0 * Seq.sum (seq { for p in 0 .. 63 -> a.[p] * a.[p] * b.[p] * b.[p] }) / (na * na * nb * nb) }
              let naw, nuv, uav = norm aw, norm uu * norm vv, dot uu av
              { Label = sprintf "%dx%d Gaussian A, random u v" rows cols; Dim = float (rows * cols); NormA = naw; NormB = nuv; AB = uav
                Sampler = (fun r k -> gaussianPairs r naw nuv uav k); CorrectionTerm = 0.0 } ]
        | CheckMode.RealNetwork ->
            [ for l in [ 1; d ] do
                let rows, cols = net.Rows.[l], net.Cols.[l]
                let w = net.W.[l]
                let struct (uu, sv, vt) = (svds ctx mode).[l]
                let r = sv.Length
                let na = norm w
                // Aligned probe: the top singular pair gives the largest correlation a rank-one B can have with A.
                let u1 = Array.init rows (fun i -> uu.[i * r])
                let v1 = Array.sub vt 0 cols
                let t = trainTrace ctx mode
                let s = [| 0 .. ctx.Train.Count - 1 |] |> Array.find (fun i -> t.PhiNorm.[l - 1].[i] > 0.0)
                let x = Array.sub t.Phi.[l - 1] (s * cols) cols
                let ur = unit (gaussianVector (stream ctx "arora-alg1" mode (sprintf "u-%d" l)) rows)
                let ax = Array.init rows (fun i -> dot (Array.sub w (i * cols) cols) x)
                let corr (uv: float[]) (vv: float[]) =
                    2.0 * Seq.sum (seq { for i in 0 .. rows - 1 do for j in 0 .. cols - 1 -> (w.[i * cols + j] * uv.[i] * vv.[j]) ** 2.0 }) / (na * na * (norm uv * norm vv) ** 2.0)
                yield { Label = sprintf "layer %d (%dx%d), top singular pair" l rows cols; Dim = float (rows * cols); NormA = na; NormB = 1.0; AB = sv.[0]
                        Sampler = (fun rg k -> gaussianPairs rg na 1.0 sv.[0] k); CorrectionTerm = corr u1 v1 }
                let nx, uax = norm x, dot ur ax
                yield { Label = sprintf "layer %d (%dx%d), random u, training input v" l rows cols; Dim = float (rows * cols); NormA = na; NormB = nx; AB = uax
                        Sampler = (fun rg k -> gaussianPairs rg na nx uax k); CorrectionTerm = corr ur x } ])

let private alg1Etas = [ 0.2; 0.1; 0.05; 0.02; 0.01 ]
let private alg1Eps = 0.5
let private calibrationGrid = [ 0.5; 1.0; 1.5; 2.0; 2.5; 3.0; 3.5; 4.0 ]

/// Failure count of the promise at helper constant C (k = ⌈C ln(1/η)/ε²⌉) for one setting; each trial its own stream.
let private alg1Failures (ctx: Context) (mode: CheckMode) (st: Alg1Setting) (c: float) (eps: float) (eta: float) (n: int) =
    let k = MatrixProject.HelperCount(eps, eta, c)
    let mutable f = 0
    for t in 0 .. n - 1 do
        let rng = stream ctx "arora-alg1" mode (sprintf "%s/C-%g/eps-%g/eta-%g/trial-%d" st.Label c eps eta t)
        if st.Sampler rng k > eps * st.NormA * st.NormB then f <- f + 1
    f, k

let private calibration (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "alg1-calibration") (fun () ->
        let n = cheapTrials ctx
        [ for st in alg1Settings ctx mode ->
            st,
            [ for eta in alg1Etas ->
                eta,
                [ for c in calibrationGrid ->
                    let f, k = alg1Failures ctx mode st c alg1Eps eta n
                    c, k, f, Stats.clopperPearson f n Checker.confidence ] ] ])

let private checkAlg1 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let n = cheapTrials ctx
    let settings = alg1Settings ctx mode
    let results =
        [ for st in settings do
            for eps, eta in [ for e in alg1Etas -> alg1Eps, e ] @ [ 0.3, 0.05 ] ->
                let b0 = Bindings.ofScalars [ "epsilon", eps; "eta", eta; "normA", st.NormA; "normB", st.NormB ]
                let k = helperCount s b0
                let instances =
                    [ for t in 0 .. n - 1 ->
                        let rng = stream ctx (Statement.originalId s) mode (sprintf "%s/eps-%g/eta-%g/trial-%d" st.Label eps eta t)
                        inst (b0 |> Bindings.scalar "dev" (st.Sampler rng k) |> Bindings.scalar "k" (float k)) rng.Seed (sprintf "%s, eps = %g, eta = %g, k = %d" st.Label eps eta k) (Some t) None None ]
                let r = Checker.probabilistic s mode seed eta instances
                { r with
                    Bindings = [ sprintf "failure rate (%s, eps=%g, eta=%g, k=%d)" st.Label eps eta k, float (defaultArg r.Failures 0) / float n ]
                    Notes = [ sprintf "%s, eps = %g, eta = %g, k = %d: %d/%d failures, CP99 [%.4g, %.4g] (-2 sum A^2 B^2 term: %.2g of the variance)" st.Label eps eta k (defaultArg r.Failures 0) n r.Interval.Value.Lower r.Interval.Value.Upper st.CorrectionTerm ] } ]
    let r = combine s mode seed results
    // The smallest C consistent with the data per setting and η: the smallest grid C whose CP upper limit is ≤ η; the
    // interval runs from the largest grid C that is still violated (CP lower > η).
    let cal = calibration ctx mode
    let perSetting =
        [ for st, byEta in cal ->
            let cStar = byEta |> List.map (fun (eta, rows) -> rows |> List.tryFind (fun (_, _, _, ci) -> ci.Upper <= eta) |> Option.map (fun (c, _, _, _) -> c) |> Option.defaultValue infinity) |> List.max
            let cViol = byEta |> List.map (fun (eta, rows) -> rows |> List.filter (fun (_, _, _, ci) -> ci.Lower > eta) |> List.map (fun (c, _, _, _) -> c) |> List.fold max 0.0) |> List.max
            st, cStar, cViol ]
    let worstSt, worstC, worstViol = perSetting |> List.maxBy (fun (_, c, _) -> c)
    let byDim = perSetting |> List.map (fun (st, c, _) -> st.Label, c)
    let dims = perSetting |> List.map (fun (st, c, _) -> st.Dim, c)
    let grows =
        let small = dims |> List.filter (fun (dm, _) -> dm = (dims |> List.map fst |> List.min)) |> List.map snd |> List.max
        let large = dims |> List.filter (fun (dm, _) -> dm = (dims |> List.map fst |> List.max)) |> List.map snd |> List.max
        large > 1.5 * small
    let est =
        { Name = "C (k = C ln(1/eta)/eps^2)"; Value = worstC
          Interval = Some { Lower = worstViol; Upper = worstC; Confidence = Checker.confidence; Method = sprintf "grid %s: largest C violated (CP lower > eta) .. smallest C held (CP upper <= eta) at every eta" (String.Join(",", calibrationGrid)) }
          ByDimension = byDim; Grows = Some grows; Suspicious = worstC > 10.0 }
    let figures =
        [ for st, byEta in cal ->
            Figure.Lines(sprintf "%s: %s, eps = %g" mode.StreamName st.Label alg1Eps, "eta", "failure rate",
                [ for c in [ 1.0; 2.0; 4.0 ] -> sprintf "C = %g%s" c (if c = 1.0 then " (literal k)" else ""), [| for eta, rows in byEta -> eta, (rows |> List.find (fun (cc, _, _, _) -> cc = c) |> fun (_, _, f, _) -> float f / float n) |]
                  yield "eta (claimed bound)", [| for eta in alg1Etas -> eta, eta |] ]) ]
    let calNotes =
        [ for st, byEta in cal ->
            sprintf "%s: %s" st.Label (String.Join("; ", [ for eta, rows in byEta -> sprintf "eta=%g: %s" eta (String.Join(" ", [ for c, k, f, ci in rows -> sprintf "C=%g(k=%d) %d/%d [%.3g,%.3g]" c k f n ci.Lower ci.Upper ])) ])) ]
    Checker.finish s []
        { r with
            Constant = Some est
            Figures = figures
            Notes =
                tagNotes s @ r.Notes
                @ [ sprintf "smallest C consistent with the data (all eta in {%s}, eps = %g): %g (worst setting %s; still violated at C = %g)" (String.Join(", ", alg1Etas)) alg1Eps worstC worstSt.Label worstViol
                    (if mode = CheckMode.Synthetic then "synthetic: literal +-1 helpers on a Gaussian 8x8 A with random u, v; Gaussian helpers with the exact pair covariance on a Gaussian A of layer 1's shape and variance" else "real: trained layers 1 and d; Gaussian helpers with the exact pair covariance (the literal +-1 law differs by the -2 sum A^2 B^2 variance term, reported per setting)") ]
                @ calNotes }

/// Lemma 2 with Gaussian helpers: for the pairs (U_s, x_s), s = 1..m, the per-helper vector (⟨A, M⟩, (u_rᵀ M x_s)_{s,r}) is
/// Gaussian with the Gram matrix of {A, u_r x_sᵀ}; k such vectors give every u_rᵀ(Â − A)x_s of a trial exactly.
type private L2Setting = { Label: string; Gram: float[]; Dim: int; AB: float[]; NormA: float; Scale: float[]; Pairs: int; Rows: int; Root: float[] }

let private l2Setting (ctx: Context) label (normA: float) (us: float[][][]) (xs: float[][]) (a: float[]) rows cols =
    let m = xs.Length
    let n = us.[0].Length
    let dim = 1 + m * n
    let vecs = Array.init dim (fun j -> if j = 0 then None else Some((j - 1) / n, (j - 1) % n))
    let gram = Array.zeroCreate<float> (dim * dim)
    let ax = xs |> Array.map (fun x -> Array.init rows (fun i -> let mutable acc = 0.0 in (for j in 0 .. cols - 1 do acc <- acc + a.[i * cols + j] * x.[j]); acc))
    let ab = Array.zeroCreate<float> dim
    for j in 0 .. dim - 1 do
        for j' in 0 .. dim - 1 do
            gram.[j * dim + j'] <-
                match vecs.[j], vecs.[j'] with
                | None, None -> normA * normA
                | None, Some(s, r) | Some(s, r), None -> dot us.[s].[r] ax.[s]
                | Some(s, r), Some(s', r') -> dot us.[s].[r] us.[s'].[r'] * dot xs.[s] xs.[s']
    for j in 1 .. dim - 1 do ab.[j] <- gram.[j]
    let struct (values, vectors) = ctx.Provider.SymmetricEigen(ReadOnlySpan gram, dim, true)
    let vecsM = match vectors with NonNull v -> v | Null -> failwith "SymmetricEigen returned no eigenvectors"
    // Root R with R Rᵀ = Gram (clipping round-off negatives): a helper's vector is R ξ.
    let root = Array.init (dim * dim) (fun idx -> let i, j = idx / dim, idx % dim in vecsM.[j * dim + i] * sqrt (max 0.0 values.[j]))
    let scale = Array.init m (fun s -> normA * sqrt (Array.sumBy (fun (u: float[]) -> dot u u) us.[s]) * norm xs.[s])
    { Label = label; Gram = gram; Dim = dim; AB = ab; NormA = normA; Scale = scale; Pairs = m; Rows = n; Root = root }

let private l2Trial (ctx: Context) (st: L2Setting) (rng: Rng) (k: int) =
    let dim = st.Dim
    let xi = gaussianVector rng (k * dim)
    let y = Array.zeroCreate<float> (k * dim)
    ctx.Provider.Gemm(Transpose.No, Transpose.Yes, k, dim, dim, 1.0, ReadOnlySpan xi, dim, ReadOnlySpan st.Root, dim, 0.0, Span y, dim)
    let est = Array.zeroCreate<float> dim
    for t in 0 .. k - 1 do
        let x0 = y.[t * dim]
        for j in 1 .. dim - 1 do est.[j] <- est.[j] + x0 * y.[t * dim + j]
    let mutable worst = 0.0
    for s in 0 .. st.Pairs - 1 do
        let mutable ss = 0.0
        for r in 0 .. st.Rows - 1 do
            let j = 1 + s * st.Rows + r
            let e = est.[j] / float k - st.AB.[j]
            ss <- ss + e * e
        worst <- max worst (sqrt ss / st.Scale.[s])
    worst

let private l2Settings (ctx: Context) (mode: CheckMode) =
    cachedValue (cacheKey ctx mode "l2-settings") (fun () ->
        let net = network ctx mode
        let d = net.Depth
        let m = min 30 ctx.Train.Count
        match mode with
        | CheckMode.Synthetic ->
            let rng = stream ctx "arora-l2" mode "model"
            let a = gaussianVector rng 64
            let eye n = Array.init n (fun r -> Array.init n (fun i -> if i = r then 1.0 else 0.0))
            let xs8 = Array.init 5 (fun _ -> gaussianVector rng 8)
            let rows, cols = net.Rows.[d], net.Cols.[d]
            let w = net.W.[d]
            let xsBig = Array.init m (fun _ -> gaussianVector rng cols)
            [ l2Setting ctx "8x8 Gaussian A, U = I_8, 5 Gaussian x" (norm a) (Array.init 5 (fun _ -> eye 8)) xs8 a 8 8
              l2Setting ctx (sprintf "%dx%d Gaussian A (last layer's shape), U = I, %d Gaussian x" rows cols m) (norm w) (Array.init m (fun _ -> eye rows)) xsBig w rows cols ]
        | CheckMode.RealNetwork ->
            let t = trainTrace ctx mode
            let pick l = [| 0 .. ctx.Train.Count - 1 |] |> Array.filter (fun i -> t.PhiNorm.[l - 1].[i] > 0.0) |> Array.truncate m
            let eye n = Array.init n (fun r -> Array.init n (fun i -> if i = r then 1.0 else 0.0))
            let last =
                let idx = pick d
                let cols = net.Cols.[d]
                l2Setting ctx (sprintf "layer %d, U = J^{d,d} = I, %d training inputs" d idx.Length) (norm net.W.[d]) (Array.init idx.Length (fun _ -> eye net.Rows.[d]))
                    (idx |> Array.map (fun i -> Array.sub t.Phi.[d - 1] (i * cols) cols)) net.W.[d] net.Rows.[d] cols
            if d < 2 then [ last ]
            else
                let l = d - 1
                let idx = pick l
                let rows, cols = net.Rows.[l], net.Cols.[l]
                // U = J^{d-1,d}_x = A^d D^{d-1}: row r is A^d_{r,:} masked by the activation pattern of x^{d-1}.
                let us =
                    idx |> Array.map (fun i ->
                        Array.init net.Rows.[d] (fun r -> Array.init rows (fun j -> if t.X.[l].[i * rows + j] > 0.0 then net.W.[d].[r * rows + j] else 0.0)))
                [ last
                  l2Setting ctx (sprintf "layer %d, U = J^{d-1,d} = A^d D^{d-1}, %d training inputs" l idx.Length) (norm net.W.[l]) us
                      (idx |> Array.map (fun i -> Array.sub t.Phi.[l - 1] (i * cols) cols)) net.W.[l] rows cols ])

let private checkL2 (ctx: Context) (s: Statement) (mode: CheckMode) =
    let seed = seedOf ctx s mode
    let eps, delta = 0.5, 0.1
    let results =
        [ for st in l2Settings ctx mode ->
            let b0 = Bindings.ofScalars [ "epsilon", eps; "delta", delta; "m", float st.Pairs; "n", float st.Rows ]
            let k = helperCount s b0
            let n = ctx.Trials
            let instances =
                [ for t in 0 .. n - 1 ->
                    let rng = stream ctx (Statement.originalId s) mode (sprintf "%s/trial-%d" st.Label t)
                    inst (b0 |> Bindings.scalar "worst" (l2Trial ctx st rng k) |> Bindings.scalar "k" (float k)) rng.Seed (sprintf "%s, k = %d" st.Label k) (Some t) None None ]
            let r = Checker.probabilistic s mode seed delta instances
            let worsts = instances |> List.map (fun i -> match i.Bindings.["worst"] with Bound.Scalar v -> v | _ -> nan) |> Array.ofList
            { r with
                Bindings = [ sprintf "failure rate (%s)" st.Label, float (defaultArg r.Failures 0) / float n ]
                Figures = [ Figure.Histogram(sprintf "%s: %s, worst ||U(Ahat - A)x||/(||A||_F ||U||_F ||x||)" mode.StreamName st.Label, "worst ratio", worsts, [ "epsilon", eps ]) ]
                Notes = [ sprintf "%s: m = %d pairs, n = %d rows, eta = delta/(mn) = %.3g, k = %d: %d/%d trials with a violating pair" st.Label st.Pairs st.Rows (delta / float (st.Pairs * st.Rows)) k (defaultArg r.Failures 0) n ] } ]
    let r = combine s mode seed results
    Checker.finish s [] { r with Notes = tagNotes s @ r.Notes @ [ sprintf "eps = %g, delta = %g; Gaussian helpers: per helper the vector (<A, M>, (u_r^T M x_s)) is drawn from the exact Gram matrix of {A, u_r x_s^T} (same second moments as +-1 helpers up to the -2 sum A^2 B^2 term)" eps delta ] }

// ---------------------------------------------------------------- dispatch

/// Runs one catalog statement (or mutant) in one mode.
let check (ctx: Context) (s: Statement) (mode: CheckMode) : CheckResult =
    let sw = Stopwatch.StartNew()
    let r =
        match Statement.originalId s with
        | "ARORA-L6" | "ARORA-L8" -> checkRate ctx s mode
        | _ ->
            match s.Checkability with
            | Checkability.NotYetCheckable reason -> Checker.notCheckable s mode 0UL reason
            | Checkability.Checkable ->
                match Statement.originalId s with
                | "ARORA-D1" -> checkD1 ctx s mode
                | "ARORA-T2.1" | "ARORA-T2.1-2gamma" | "ARORA-CA.1" -> checkT21 ctx s mode
                | "ARORA-EX1" -> checkEX1 ctx s mode
                | "ARORA-L4" -> checkL4L5 ctx s mode false
                | "ARORA-L5" -> checkL4L5 ctx s mode true
                | "ARORA-L5-threshold" -> checkL5Threshold ctx s mode
                | "ARORA-L7" -> checkL7 ctx s mode false
                | "ARORA-L7-rounded" -> checkL7 ctx s mode true
                | "ARORA-T2.2" | "ARORA-T2.2-squared" -> checkT22Bound ctx s mode
                | "ARORA-T2.2-closeness" -> checkT22Closeness ctx s mode
                | "ARORA-L1a" -> checkL1 ctx s mode false
                | "ARORA-L1b" -> checkL1 ctx s mode true
                | "ARORA-L9" -> checkL9 ctx s mode
                | "ARORA-P3.1" -> checkP31 ctx s mode
                | "ARORA-P3.1b" -> checkP31Srank ctx s mode
                | "ARORA-ALG1" | "ARORA-ALG1-calibrated" -> checkAlg1 ctx s mode
                | "ARORA-L2" -> checkL2 ctx s mode
                | other -> Checker.notCheckable s mode 0UL ("no experiment binds " + other)
    { r with Seconds = sw.Elapsed.TotalSeconds }

/// Every statement and mutant of this half of the catalog.
let statements = Arora2018Compression.statements @ Arora2018Compression.mutants

/// The selected statements (and their mutants) in both modes; `progress` gets (id, done, total).
let checkSelected (ctx: VerifyContext) (progress: string -> int -> int -> unit) : CheckResult list =
    let c =
        { defaults ctx.Network ctx.Train (Some ctx.Test) ctx.LinearAlgebra with
            MasterSeed = ctx.Seeds.Master
            Trials = ctx.Trials }
    let items =
        [ for s in statements do
            if Registry.selects ctx.Lemmas s.Id then
                for m in [ CheckMode.Synthetic; CheckMode.RealNetwork ] -> s, m ]
    items |> List.mapi (fun i (s, m) ->
        progress s.Id i items.Length
        check c s m)
