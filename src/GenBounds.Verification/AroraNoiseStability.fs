/// Experiments that bind the noise-stability half of the Arora, Ge, Neyshabur, Zhang (2018) catalog
/// (GenBounds.Proofs.Arora2018NoiseStability) on a bias-free MLP. Synthetic = the same architecture with i.i.d.
/// Gaussian weights at each real layer's variance (the random baseline of ARORA-D4); RealNetwork = the trained weights
/// fixed, only the compression noise random. Everything expensive (measures, compression draws, comparison networks)
/// is computed once per network, data set, seed and trial count and shared by every statement and mutant of a run.
/// Every draw comes from a named stream "verify/arora2018/<mode>/…", so a witness replays from its seed alone.
module GenBounds.Verification.AroraNoiseStability

open System
open System.Diagnostics
open System.Collections.Generic
open GenBounds.Symbolic
open GenBounds.Compression
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Measures
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Training
open GenBounds.Proofs

/// Confidence parameter δ of ARORA-D7, L3, L10 and T4.1.
let delta = 0.1
/// log₂ r of the value grid fixed before S for T4.1's surrogate bound.
let gridBits = 32.0
/// Epochs of the verifier-trained shuffled-label comparison network.
let comparisonEpochs = 10
/// Monte Carlo draws per sample for ARORA-D3.
let psiDraws = 16
/// Rows per forward chunk (bounds memory on a large S).
let private chunkRows = 2048

/// Multiply-adds allowed for all whole-network compression draws of one mode (about a minute on 2 cores). One draw
/// costs roughly 3·params·|S| multiply-adds (compressed forward pass, Jacobian-linear propagation, induction steps);
/// beyond this budget the draws are capped, never below `minNetworkDraws`, and every affected result says so.
let networkDrawBudget = 1.2e12
/// Enough draws for a Clopper–Pearson 99% upper limit below δ/2 = 0.05 with no failures (200 → 0.026).
let minNetworkDraws = 200

/// The number of whole-network compression draws per mode for a requested trial count, and the note when capped.
let networkDraws (trials: int) (parameters: int64) (samples: int) =
    let affordable = int (min 1e9 (networkDrawBudget / (3.0 * float parameters * float samples)))
    let n = max 2 (min trials (max minNetworkDraws affordable))
    let note =
        if n < trials then
            Some(sprintf "draws capped: %d whole-network compression draws instead of the %d trials asked for (work budget %.2g multiply-adds per mode at %d parameters x %d samples; raise by checking fewer samples)" n trials networkDrawBudget parameters samples)
        else None
    n, note

/// The statements this module checks, with their mutants.
let statements = Arora2018NoiseStability.statements @ Arora2018NoiseStability.mutants

let private streamOf (ctx: VerifyContext) (mode: CheckMode) (rest: string) = ctx.Seeds.Stream(sprintf "verify/arora2018/%s/%s" mode.StreamName rest)
let private seedOf (ctx: VerifyContext) (s: Statement) (mode: CheckMode) = (ctx.Seeds.Stream(sprintf "verify/%s/%s" s.Id mode.StreamName)).Seed

// ---------------------------------------------------------------- dense kernels on row-major blocks

let private rowNorm (a: float[]) (s: int) (h: int) =
    let mutable acc = 0.0
    for u in s * h .. s * h + h - 1 do acc <- acc + a.[u] * a.[u]
    sqrt acc

let private rowDistance (a: float[]) (b: float[]) (s: int) (h: int) =
    let mutable acc = 0.0
    for u in s * h .. s * h + h - 1 do
        let e = a.[u] - b.[u]
        acc <- acc + e * e
    sqrt acc

/// y = u (A^k)ᵀ for `rows` rows (bias-free layer k of a DoubleMlp).
let private linear (la: ILinearAlgebraProvider) (net: DoubleMlp) (k: int) (u: float[]) (rows: int) =
    let hin, hout = net.Widths.[k - 1], net.Widths.[k]
    let y = Array.zeroCreate<float> (rows * hout)
    la.Gemm(Transpose.No, Transpose.Yes, rows, hout, hin, 1.0, ReadOnlySpan u, hin, ReadOnlySpan net.W.[k], hin, 0.0, Span y, hout)
    y

/// The clean layer k on pre-activations z of layer k−1: A^k φ(z).
let private networkStep la (net: DoubleMlp) k (z: float[]) rows = linear la net k (Array.map (fun v -> max 0.0 v) z) rows

/// The linearised layer k at the clean pattern of layer k−1: A^k D^{k−1} w.
let private linearStep la (net: DoubleMlp) k (clean: float[]) (w: float[]) rows =
    linear la net k (Array.mapi (fun u v -> if clean.[u] > 0.0 then v else 0.0) w) rows

let private argmaxRow (a: float[]) (s: int) (h: int) =
    let mutable best = 0
    for u in 1 .. h - 1 do
        if a.[s * h + u] > a.[s * h + best] then best <- u
    best

// ---------------------------------------------------------------- the shared experiment of one network

/// One draw of Algorithm-1 compression noise (every layer replaced by its Gaussian surrogate at Lemma 3's ε_i).
type private Draw =
    { Seed: uint64
      /// min over i < j and x of ‖η‖‖x^j‖/(‖x^i‖‖M^{i,j}(x^i+η) − J(x^i+η)‖); +∞ without a flip.
      R: float
      /// (‖residual‖, ‖η‖, ‖x^i‖, ‖x^j‖) at the minimising (i, j, x).
      Worst: float * float * float * float
      MaxRelErr: float
      MaxDiff: float
      /// Training error of f_Ã on S.
      L0: float
      /// Per induction step i = 1..d: fraction of (x, j ≥ i) with ‖x̂^j_i − x^j‖ > (i/d)ε‖x^j‖.
      Steps: float[]
      /// Per hidden layer k = 1..d−1: fraction of units whose sign differs from the clean net's.
      Flips: float[] }

type private Lab =
    { Mode: CheckMode
      Mlp: Mlp
      Net: DoubleMlp
      Data: Dataset
      Measures: NetworkMeasures
      Chunks: (int * ForwardTrace)[]
      Gamma: float
      LGamma: float
      Epsilon: float
      Plan: AroraLemma3Plan option
      PlanError: string option
      Draws: Draw[]
      /// Certified ρ_δ: the largest order statistic whose failure count keeps the CP99 upper limit ≤ δ.
      RhoCertified: float
      RhoHat: float
      RhoInterval: Interval
      /// (scale s* of every k_i meeting the target, confirmation failures, confirmation draws).
      SmallestK: (float * int * int) option
      /// Set when the draws were capped below the trials asked for (see `networkDraws`).
      DrawCap: string option
      /// (recorded seed, ‖A^i − A^i_init‖_F/‖A^i‖_F per layer) for R4.1 (i), computed on first use.
      InitialisationRatios: Lazy<(uint64 * float[]) option>
      Seconds: float }

let private chunksOf (la: ILinearAlgebraProvider) (net: DoubleMlp) (data: Dataset) =
    [| for struct (off, t) in ForwardTrace.Chunks(net, data.Features, data.Count, chunkRows, false, la) -> off, t |]

let private features (data: Dataset) (off: int) (rows: int) =
    ReadOnlySpan<float32>(data.Features, off * data.Dimension, rows * data.Dimension)

/// A copy of `net` whose layers selected by `which` are replaced by the Gaussian surrogate of Matrix-Project with
/// k_i·scale helper matrices (ARORA-ALG1, DERIVED surrogate), each layer from its own split of `rng`.
let private compress (mlp: Mlp) (clean: DoubleMlp) (plan: AroraLemma3Plan) (scale: float) (which: int -> bool) (rng: Rng) =
    let p = DoubleMlp(mlp)
    for k in 1 .. clean.Depth do
        if which k then
            let hat = MatrixProject.GaussianSurrogate(ReadOnlySpan clean.W.[k], clean.Widths.[k], clean.Widths.[k - 1], plan.HelperCounts.[k - 1] * scale, rng.Split(sprintf "layer-%d" k))
            Array.blit hat 0 p.W.[k] 0 hat.Length
    p

let private margins (m: NetworkMeasures) = match m.Margin with null -> [||] | a -> a

/// γ: the median of the positive training margins (both modes), so that L̂_γ(f_A) is a moderate fraction of S.
let private gammaOf (m: NetworkMeasures) =
    let pos = margins m |> Array.filter (fun x -> x > 0.0) |> Array.sort
    if pos.Length > 0 then pos.[pos.Length / 2]
    else
        let a = margins m |> Array.map abs |> Array.sort
        if a.Length = 0 then 1.0 else max 1e-12 a.[a.Length / 2]

let private marginLoss (m: NetworkMeasures) (gamma: float) =
    let ms = margins m
    if ms.Length = 0 then nan else float (ms |> Array.filter (fun x -> x <= gamma) |> Array.length) / float ms.Length

let private plan (m: NetworkMeasures) (n: int) (eps: float) : Result<AroraLemma3Plan, string> =
    let d = m.Net.Depth
    let mus = [| for i in 1 .. d -> m.LayerCushion i |]
    let muTo = [| for i in 1 .. d -> m.MinimalInterlayerCushion i |]
    try
        Ok(NetworkCompression.Plan(AroraLemma3Inputs(mus, muTo, m.C(), d, Array.max m.Net.Widths.[1..], n, eps, delta)))
    with :? ArgumentException as e -> Error e.Message

/// One compression draw on every chunk of S: smoothness ratios, output errors, induction steps, flips.
let private runDraw (la: ILinearAlgebraProvider) (lab: Lab) (p: AroraLemma3Plan) (rng: Rng) : Draw =
    let net = lab.Net
    let d = net.Depth
    let pert = compress lab.Mlp net p 1.0 (fun _ -> true) rng
    let mutable rMin = infinity
    let mutable worst = (0.0, 1.0, 1.0, 1.0)
    let mutable maxRel, maxDiff, errors = 0.0, 0.0, 0
    let stepFail = Array.zeroCreate<float> (d + 1)
    let stepCount = Array.zeroCreate<float> (d + 1)
    let flips = Array.zeroCreate<float> d
    let units = Array.zeroCreate<float> d
    let hd = net.Widths.[d]
    for off, clean in lab.Chunks do
        let rows = clean.Count
        let tp = ForwardTrace.Compute(pert, features lab.Data off rows, rows, false, la)
        let sm = InterlayerSmoothness.Measure(clean, tp, la)
        for struct (i, j) in sm.Ratio.Pairs() do
            let ratio = sm.Ratio.[i, j]
            for s in 0 .. rows - 1 do
                if ratio.[s] < rMin then
                    rMin <- ratio.[s]
                    let eta = rowDistance tp.X.[i] clean.X.[i] s net.Widths.[i]
                    let xi, xj = clean.XNorm.[i].[s], clean.XNorm.[j].[s]
                    worst <- (eta * xj / (xi * ratio.[s]), eta, xi, xj)
        for k in 1 .. d - 1 do
            flips.[k] <- flips.[k] + float sm.UnitFlips.[k]
            units.[k] <- units.[k] + float sm.Units.[k]
        for s in 0 .. rows - 1 do
            let diff = rowDistance tp.X.[d] clean.X.[d] s hd
            maxDiff <- max maxDiff diff
            maxRel <- max maxRel (Robust.RatioForMax(diff, clean.XNorm.[d].[s]))
            if argmaxRow tp.X.[d] s hd <> lab.Data.Labels.[off + s] then errors <- errors + 1
        // Induction of the proof of Lemma 3: layers 1..i compressed (the perturbed trace up to i), clean above.
        for i in 1 .. d do
            let mutable z = tp.X.[i]
            for j in i .. d do
                if j > i then z <- networkStep la net j z rows
                let bound = float i / float d * lab.Epsilon
                for s in 0 .. rows - 1 do
                    stepCount.[i] <- stepCount.[i] + 1.0
                    if rowDistance z clean.X.[j] s net.Widths.[j] > bound * clean.XNorm.[j].[s] then stepFail.[i] <- stepFail.[i] + 1.0
    { Seed = rng.Seed; R = rMin; Worst = worst; MaxRelErr = maxRel; MaxDiff = maxDiff
      L0 = float errors / float lab.Data.Count
      Steps = [| for i in 1 .. d -> stepFail.[i] / stepCount.[i] |]
      Flips = [| for k in 1 .. d - 1 -> if units.[k] = 0.0 then 0.0 else flips.[k] / units.[k] |] }

/// max_x ‖f_A(x) − f_Ã(x)‖/‖f_A(x)‖ of one compression at k_i·scale (output only).
let private outputError (la: ILinearAlgebraProvider) (lab: Lab) (p: AroraLemma3Plan) (scale: float) (rng: Rng) =
    let net = lab.Net
    let pert = compress lab.Mlp net p scale (fun _ -> true) rng
    let d = net.Depth
    let mutable worst = 0.0
    for off, clean in lab.Chunks do
        let tp = ForwardTrace.Compute(pert, features lab.Data off clean.Count, clean.Count, false, la)
        for s in 0 .. clean.Count - 1 do
            worst <- max worst (Robust.RatioForMax(rowDistance tp.X.[d] clean.X.[d] s net.Widths.[d], clean.XNorm.[d].[s]))
    worst

/// The largest F with CP99 upper(F, N) ≤ δ, or −1 when even F = 0 is too many for N draws.
let private certifiedFailures (n: int) (dlt: float) =
    let mutable f = -1
    while f + 1 <= n && (Stats.clopperPearson (f + 1) n Checker.confidence).Upper <= dlt do f <- f + 1
    f

let private syntheticMlp (ctx: VerifyContext) =
    let net = ctx.Network.Clone()
    for l, layer in Array.indexed net.Layers do
        let psi = MagnitudePruning.PopulationVariance(ReadOnlySpan layer.Weight)
        let rng = streamOf ctx CheckMode.Synthetic (sprintf "weights/layer-%d" l)
        rng.FillGaussian(Span layer.Weight, 0.0, sqrt psi)
        match layer.Bias with
        | null -> ()
        | b -> Array.fill b 0 b.Length 0.0f
    net

/// R4.1 (i): ‖A^i − A^i_init‖_F/‖A^i‖_F per layer, with A_init regenerated from the seed a GenBounds model file
/// records (training draws it from that seed's `init` stream before any data is seen, so it is a valid helper string,
/// ARORA-D2). None without a recorded seed or on the synthetic model (whose weights are the random draw itself).
let private initialisationRatios (ctx: VerifyContext) (mlp: Mlp) (mode: CheckMode) =
    match mode, ctx.ModelSeed with
    | CheckMode.RealNetwork, Some seed ->
        let init = Trainer.Initialize(mlp.Architecture, seed)
        Some(seed, Array.init mlp.Layers.Length (fun l ->
            let a, a0 = mlp.Layers.[l].Weight, init.Layers.[l].Weight
            let mutable dd, aa = 0.0, 0.0
            for t in 0 .. a.Length - 1 do
                let v = float a.[t]
                dd <- dd + (v - float a0.[t]) ** 2.0
                aa <- aa + v * v
            sqrt (dd / aa)))
    | _ -> None

let private labCache = Dictionary<string, Lab>()

let private buildLab (ctx: VerifyContext) (mode: CheckMode) : Lab =
    let sw = Stopwatch.StartNew()
    let la = ctx.LinearAlgebra
    let mlp = match mode with CheckMode.RealNetwork -> ctx.Network | CheckMode.Synthetic -> syntheticMlp ctx
    let data = ctx.Train
    let options = MeasureOptions(ExactJacobians = true, Attenuation = true, Rng = streamOf ctx mode "attenuation", Provider = la)
    let m = NetworkMeasures.Compute(mlp, data.Features, data.Count, data.Labels, options)
    let net = DoubleMlp(mlp)
    let gamma = gammaOf m
    let maxF = m.MaxOutputNorm()
    // Lemma 10's ε² = γ²/(2 max‖f‖²), capped at 1 (above it Lemma 10 is trivial): one ε serves D7, L3 and L10.
    let eps = min 1.0 (gamma / (sqrt 2.0 * maxF))
    let lab0 =
        { Mode = mode; Mlp = mlp; Net = net; Data = data; Measures = m; Chunks = chunksOf la net data; Gamma = gamma
          LGamma = marginLoss m gamma; Epsilon = eps; Plan = None; PlanError = None; Draws = [||]
          RhoCertified = nan; RhoHat = nan; RhoInterval = { Lower = nan; Upper = nan; Confidence = Checker.confidence; Method = "" }
          SmallestK = None; DrawCap = None; InitialisationRatios = lazy (initialisationRatios ctx mlp mode); Seconds = 0.0 }
    match plan m data.Count eps with
    | Error e -> { lab0 with PlanError = Some e; Seconds = sw.Elapsed.TotalSeconds }
    | Ok p ->
        let nDraws, cap = networkDraws ctx.Trials mlp.Architecture.ParameterCount data.Count
        let lab1 = { lab0 with Plan = Some p; DrawCap = cap }
        let draws = Array.init nDraws (fun t -> runDraw la lab1 p (streamOf ctx mode (sprintf "draw-%d" t)))
        let rs = draws |> Array.map (fun dr -> dr.R) |> Array.sort
        let f = certifiedFailures rs.Length delta
        let rhoHat, ci = Stats.quantileInterval rs delta Checker.confidence
        // Output error scales as 1/√k in the linear regime, so the (1 − δ/2)-quantile of the error fixes the scale s*
        // of every k_i at which the target is met; a confirmation run at s* checks that extrapolation.
        let errs = draws |> Array.map (fun dr -> dr.MaxRelErr) |> Array.sort
        let q = errs.[min (errs.Length - 1) (int (ceil ((1.0 - delta / 2.0) * float errs.Length)) - 1)]
        let smallest =
            if q > 0.0 && Double.IsFinite q then
                let scale = (q / eps) ** 2.0
                let nc = max 2 (min ctx.Trials 50)
                let fails = Seq.init nc (fun t -> outputError la lab1 p scale (streamOf ctx mode (sprintf "kmin-draw-%d" t))) |> Seq.filter (fun e -> e > eps) |> Seq.length
                Some(scale, fails, nc)
            else None
        { lab1 with
            Draws = draws; RhoCertified = (if f >= 0 then rs.[min f (rs.Length - 1)] else rs.[0]); RhoHat = rhoHat; RhoInterval = ci
            SmallestK = smallest; Seconds = sw.Elapsed.TotalSeconds }

let private labFor (ctx: VerifyContext) (mode: CheckMode) =
    // Everything a Lab is a function of (the recorded seed only feeds R4.1's lazily computed A_init ratios).
    let key = sprintf "%s/%s/%d/%d/%s/%A" (ctx.Network.ContentHash()) (ctx.Train.ContentHash()) ctx.Seeds.Master ctx.Trials mode.StreamName ctx.ModelSeed
    match labCache.TryGetValue key with
    | true, lab -> lab
    | _ ->
        if labCache.Count > 8 then labCache.Clear()
        let lab = buildLab ctx mode
        labCache.[key] <- lab
        lab

// ---------------------------------------------------------------- comparison networks (Figure 2, App. D.2)

type private Comparison =
    { Name: string
      Measures: NetworkMeasures
      /// Per-sample 1/R of one compression draw at the network's own Lemma-3 plan (0 where no pattern flipped).
      InverseSmoothness: float[]
      Note: string }

let private comparisonCache = Dictionary<string, Comparison list>()

let private inverseSmoothness (ctx: VerifyContext) (mlp: Mlp) (m: NetworkMeasures) (eps: float) (rng: Rng) =
    let la = ctx.LinearAlgebra
    let net = DoubleMlp(mlp)
    match plan m ctx.Train.Count eps with
    | Error _ -> [||]
    | Ok p ->
        let pert = compress mlp net p 1.0 (fun _ -> true) rng
        [| for off, clean in chunksOf la net ctx.Train do
             let tp = ForwardTrace.Compute(pert, features ctx.Train off clean.Count, clean.Count, false, la)
             let sm = InterlayerSmoothness.Measure(clean, tp, la)
             for s in 0 .. clean.Count - 1 ->
                 let r = sm.Ratio.Pairs() |> Seq.map (fun struct (i, j) -> sm.Ratio.[i, j].[s]) |> Seq.min
                 if Double.IsPositiveInfinity r then 0.0 else 1.0 / r |]

/// Trained (the model), randomly initialised and shuffled-label networks of the same architecture, the last two made
/// by the verifier in-process on S from named streams.
let private comparisons (ctx: VerifyContext) (real: Lab) : Comparison list =
    let key = sprintf "%s/%s/%d" (ctx.Network.ContentHash()) (ctx.Train.ContentHash()) ctx.Seeds.Master
    match comparisonCache.TryGetValue key with
    | true, c -> c
    | _ ->
        let la = ctx.LinearAlgebra
        let arch = MlpArchitecture(Seq.toArray ctx.Network.Architecture.LayerSizes, false)
        let initSeed = (streamOf ctx CheckMode.RealNetwork "comparison/init").Seed
        let measure (mlp: Mlp) = NetworkMeasures.Compute(mlp, ctx.Train.Features, ctx.Train.Count, ctx.Train.Labels, MeasureOptions(ExactJacobians = true, Provider = la))
        let randomInit = Trainer.Initialize(arch, initSeed)
        let shuffled = Trainer.Initialize(arch, initSeed)
        let struct (shuffledData, _, changed) = DatasetOps.WithRandomLabels(ctx.Train, 1.0, streamOf ctx CheckMode.RealNetwork "comparison/labels")
        let trainer = Trainer(shuffled, TrainingOptions(Epochs = comparisonEpochs, BatchSize = 64, Seed = initSeed), la)
        let mutable last = Unchecked.defaultof<EpochStats>
        for _ in 1 .. comparisonEpochs do last <- trainer.TrainEpoch shuffledData
        let smooth name (mlp: Mlp) (m: NetworkMeasures) = inverseSmoothness ctx mlp m real.Epsilon (streamOf ctx CheckMode.RealNetwork ("comparison/smoothness/" + name))
        let mi, ms = measure randomInit, measure shuffled
        let result =
            [ { Name = "trained"; Measures = real.Measures; InverseSmoothness = smooth "trained" real.Mlp real.Measures; Note = "the model under verification" }
              { Name = "random init"; Measures = mi; InverseSmoothness = smooth "random-init" randomInit mi
                Note = "default initialisation of the same architecture, drawn by the verifier (not the model's own initialisation, which the model file does not carry)" }
              { Name = "shuffled labels"; Measures = ms; InverseSmoothness = smooth "shuffled" shuffled ms
                Note = sprintf "trained by the verifier from the random-init network on S with uniformly random labels (%d of %d changed), %d epochs, Adam, batch 64; final training accuracy on the random labels %.3f" changed ctx.Train.Count comparisonEpochs last.Accuracy } ]
        comparisonCache.[key] <- result
        result

/// A histogram drawn as frequency polygons on common bins, one series per network (Vega-Lite lines).
let private polygons (title: string) (xLabel: string) (groups: (string * float[]) list) =
    let finite = groups |> List.map (fun (n, v) -> n, v |> Array.filter Double.IsFinite)
    let all = finite |> List.collect (fun (_, v) -> List.ofArray v)
    if all.IsEmpty then None
    else
        let lo, hi = List.min all, List.max all
        let bins = 30
        let width = if hi > lo then (hi - lo) / float bins else 1.0
        let series =
            finite |> List.map (fun (name, v) ->
                let counts = Array.zeroCreate<float> bins
                for x in v do
                    let b = min (bins - 1) (int ((x - lo) / width))
                    counts.[b] <- counts.[b] + 1.0
                name, Array.init bins (fun b -> lo + (float b + 0.5) * width, (if v.Length = 0 then 0.0 else counts.[b] / float v.Length)))
        Some(Figure.Lines(title, xLabel, "fraction of samples", series))

/// Per-layer comparison figures of a per-sample quantity (trained vs random init vs shuffled labels).
let private comparisonFigures (ctx: VerifyContext) (mode: CheckMode) (label: string) (layers: int list) (values: Comparison -> int -> float[]) =
    match mode with
    | CheckMode.Synthetic -> []
    | CheckMode.RealNetwork ->
        let cs = comparisons ctx (labFor ctx CheckMode.RealNetwork)
        layers |> List.choose (fun i -> polygons (sprintf "%s, layer %d: trained vs random init vs shuffled labels" label i) label [ for c in cs -> c.Name, values c i ])

// ---------------------------------------------------------------- result helpers

let private taggedNotes (s: Statement) =
    let statement = match s.Mutation with Some _ -> None | None -> Some s
    let original = Arora2018NoiseStability.statements |> List.tryFind (fun x -> x.Id = Statement.originalId s) |> Option.orElse statement
    match original with
    | Some o -> o.Notes |> List.filter (fun n -> n.StartsWith "PAPER-ISSUE" || n.StartsWith "FINDING" || n.StartsWith "DERIVED")
    | None -> []

let private contextNotes (ctx: VerifyContext) (lab: Lab) =
    [ if ctx.Train.Name.Contains "[subset" || ctx.Train.Name.Contains "[take" then
          sprintf "subsample: optimistic (S = %s, %d points; minima over a subsample over-estimate cushions)" ctx.Train.Name ctx.Train.Count
      if lab.Mode = CheckMode.Synthetic then "synthetic: i.i.d. Gaussian weights at each trained layer's variance, same data S" ]

let private biasFailures (ctx: VerifyContext) (mode: CheckMode) (s: Statement) =
    let needs = s.Hypotheses |> List.exists (function Hypothesis.NamedAssumption("bias-free", _) -> true | _ -> false)
    if needs && mode = CheckMode.RealNetwork && ctx.Network.Architecture.Bias then [ "bias-free (the network has bias vectors)" ] else []

let private finish (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) (r: CheckResult) =
    let r = Checker.finish s (biasFailures ctx mode s) r
    { r with Notes = r.Notes @ taggedNotes s @ contextNotes ctx lab }

// ---------------------------------------------------------------- ARORA-D3

let private checkD3 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    let la = ctx.LinearAlgebra
    let net, d = lab.Net, lab.Net.Depth
    let seed = seedOf ctx s mode
    let notes = ResizeArray<string>()
    let bindings = ResizeArray<string * float>()
    let perLayer =
        [ for i in 0 .. d - 1 ->
            let rng = streamOf ctx mode (sprintf "psi/M-%d-%d" i d)
            let est =
                [| for off, t in lab.Chunks do
                     yield! NoiseSensitivity.MonteCarlo(NoiseSensitivity.SubNetwork(net, i, d, la), net.Widths.[i], net.Widths.[d], ReadOnlySpan t.X.[i], t.Count, psiDraws, rng.Split(sprintf "chunk-%d" off)) |]
            let means = est |> Array.map (fun e -> e.Mean)
            let top = Array.IndexOf(means, Array.max means)
            bindings.Add(sprintf "psi_S(M^{%d,%d})" i d, means.[top])
            notes.Add(sprintf "M^{%d,%d}: psi_S = %.5g at sample %d, 99%% CI [%.5g, %.5g] (%d draws/sample)" i d means.[top] top (est.[top].Lower 2.5758) (est.[top].Upper 2.5758) psiDraws)
            i, means ]
    // Proposition 3.1 as a test of the estimator: for M = A^i the closed form is 1/(cushion ratio)².
    for i in 1 .. d do
        let rng = streamOf ctx mode (sprintf "psi/A-%d" i)
        let mutable far, total = 0, 0
        for off, t in lab.Chunks do
            let est = NoiseSensitivity.MonteCarlo(NoiseSensitivity.LinearMap(net.W.[i], net.Widths.[i], net.Widths.[i - 1], la), net.Widths.[i - 1], net.Widths.[i], ReadOnlySpan t.Phi.[i - 1], t.Count, psiDraws, rng.Split(sprintf "chunk-%d" off))
            for s in 0 .. t.Count - 1 do
                let closed = 1.0 / (lab.Measures.LayerCushionRatio.[i].[off + s] ** 2.0)
                if Double.IsFinite closed && est.[s].StandardError > 0.0 then
                    total <- total + 1
                    if abs (est.[s].Mean - closed) > 3.2905 * est.[s].StandardError then far <- far + 1
        notes.Add(sprintf "estimator check, M = A^%d: %d of %d samples outside the 99.9%% z-band around the closed form ||A||_F^2 ||x||^2/||Ax||^2 (about 0.1%% expected; heavy tails raise it)" i far total)
    let instances =
        [ for i, means in perLayer do
            let top = Array.max means
            for sIdx in 0 .. means.Length - 1 ->
                { Checker.instance (Bindings.ofScalars [ "psi_x", means.[sIdx]; "psi_S", top ]) seed (sprintf "M^{%d,%d}" i d) with Sample = Some sIdx; Layer = Some i } ]
    let r = Checker.deterministic s mode seed instances
    let att = lab.Measures.Attenuation
    let figure =
        Figure.Lines(sprintf "%s: noise attenuation (Figure 1): ||eta|| = 10%% of layer i's input, median relative error at layer j" mode.StreamName, "layer j", "median ||xhat^j - x^j||/||x^j||",
                     [ for i in 1 .. d -> sprintf "noise at layer %d" i, [| for j in i .. d -> float j, att.Summary(i, j).Median |] ])
    finish ctx lab s mode { r with Bindings = List.ofSeq bindings; Notes = r.Notes @ List.ofSeq notes; Figures = [ figure ] }

// ---------------------------------------------------------------- ARORA-D4, D5, D6

let private checkD4 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    let m, d = lab.Measures, lab.Net.Depth
    let seed = seedOf ctx s mode
    let instances =
        [ for i in 1 .. d do
            let mu = m.LayerCushion i
            for off, t in lab.Chunks do
                for sIdx in 0 .. t.Count - 1 ->
                    { Checker.instance (Bindings.ofScalars [ "mu_i", mu; "normA_F", m.Norms.[i].Frobenius; "normPhi", t.PhiNorm.[i - 1].[sIdx]; "normAPhi", t.XNorm.[i].[sIdx] ]) seed (sprintf "layer %d" i) with
                        Layer = Some i; Sample = Some(off + sIdx) } ]
    let r = Checker.deterministic s mode seed instances
    let baseline = [ for i in 1 .. d -> sprintf "mu_%d" i, m.LayerCushion i ] @ [ for i in 1 .. d -> sprintf "1/sqrt(h^%d)" (i - 1), 1.0 / sqrt (float lab.Net.Widths.[i - 1]) ]
    let figures =
        match mode with
        | CheckMode.Synthetic ->
            [ for i in 1 .. d -> Figure.Histogram(sprintf "synthetic layer %d: cushion ratio vs the random baseline" i, "||A phi||/(||A||_F ||phi||)", m.LayerCushionRatio.[i] |> Array.filter Double.IsFinite,
                                                  [ "1/sqrt(h^{i-1})", 1.0 / sqrt (float lab.Net.Widths.[i - 1]); "mu_i", m.LayerCushion i ]) ]
        | CheckMode.RealNetwork -> comparisonFigures ctx mode "layer cushion ratio" [ 1 .. d ] (fun c i -> c.Measures.LayerCushionRatio.[i])
    finish ctx lab s mode { r with Bindings = baseline; Slack = r.Slack; Figures = figures }

let private checkD5 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    let m, d, net = lab.Measures, lab.Net.Depth, lab.Net
    let seed = seedOf ctx s mode
    let jf, jx = m.JacobianFrobenius, m.JacobianTimesInput
    let instances =
        [ for i in 1 .. d do
            let muTo = m.MinimalInterlayerCushion i
            for j in i .. d do
                for off, t in lab.Chunks do
                    for sIdx in 0 .. t.Count - 1 ->
                        let xn = t.XNorm.[i].[sIdx]
                        let normJ, normJx = if j = i then sqrt (float net.Widths.[i]), xn else jf.[i, j].[off + sIdx], jx.[i, j].[off + sIdx]
                        { Checker.instance (Bindings.ofScalars [ "mu_to", muTo; "normJ_F", normJ; "normx_i", xn; "normJx", normJx ]) seed (sprintf "pair (%d,%d)" i j) with
                            Layer = Some i; Sample = Some(off + sIdx) } ]
    let r = Checker.deterministic s mode seed instances
    let bindings =
        [ for i in 1 .. d -> sprintf "mu_{%d->}" i, m.MinimalInterlayerCushion i ]
        @ [ for i in 1 .. d - 1 do for j in i + 1 .. d -> sprintf "mu_{%d,%d} (unclipped)" i j, m.InterlayerCushion(i, j) ]
    let unclipped (mm: NetworkMeasures) i = Array.init mm.Count (fun sIdx -> seq { for j in i + 1 .. d -> mm.InterlayerRatio.[i, j].[sIdx] } |> Seq.min)
    let figures = comparisonFigures ctx mode "unclipped minimal interlayer cushion ratio" [ 1 .. d - 1 ] (fun c i -> unclipped c.Measures i)
    finish ctx lab s mode { r with Bindings = bindings; Figures = figures }

let private checkD6 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    let m, d = lab.Measures, lab.Net.Depth
    let seed = seedOf ctx s mode
    let c = m.C()
    let instances =
        [ for i in 1 .. d - 1 do
            for off, t in lab.Chunks do
                for sIdx in 0 .. t.Count - 1 ->
                    { Checker.instance (Bindings.ofScalars [ "c", c; "normx_i", t.XNorm.[i].[sIdx]; "normPhi_i", t.PhiNorm.[i].[sIdx] ]) seed (sprintf "layer %d" i) with
                        Layer = Some i; Sample = Some(off + sIdx) } ]
    let r = Checker.deterministic s mode seed instances
    let bindings = ("c", c) :: [ for i in 1 .. d - 1 -> sprintf "c_%d" i, m.Contraction i ] @ [ for i in 1 .. d - 1 -> sprintf "mean active fraction %d" i, Array.average m.ActiveFraction.[i] ]
    let figures = comparisonFigures ctx mode "activation contraction ||x^i||/||phi(x^i)||" [ 1 .. d - 1 ] (fun cmp i -> cmp.Measures.ContractionRatio.[i])
    finish ctx lab s mode { r with Bindings = bindings; Figures = figures }

// ---------------------------------------------------------------- ARORA-D7, L3, L10 (shared compression draws)

let private planNotes (lab: Lab) =
    match lab.Plan with
    | None -> []
    | Some p ->
        [ sprintf "eps = %.4g (Lemma 10: gamma/(sqrt 2 max ||f||), gamma = %.4g), delta = %g, eta = %.3g; eps_i = %s; k_i = %s (Gaussian surrogate)" lab.Epsilon lab.Gamma delta p.Eta
              (String.Join(", ", p.LayerEpsilons |> Array.map (sprintf "%.3g"))) (String.Join(", ", p.HelperCounts |> Array.map (sprintf "%.3g")))
          sprintf "Lemma 3 parameter count: sum k_i = %.4g (6cd reading), stated 72 c^2 d^2 log(mdh/delta)/eps^2 sum 1/(mu^2 mu_->^2) = %.4g; actual parameters %d" p.TotalParameters p.StatedCount lab.Mlp.Architecture.ParameterCount ]
        @ Option.toList lab.DrawCap

let private noPlan (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    finish ctx lab s mode { Checker.blank s mode (seedOf ctx s mode) with Verdict = Verdict.Inconclusive("Lemma 3 plan undefined: " + defaultArg lab.PlanError "") }

let private rhoBindings (lab: Lab) =
    [ "rho_delta (certified)", lab.RhoCertified; "rhohat_delta", lab.RhoHat; "rhohat CI lower", lab.RhoInterval.Lower; "rhohat CI upper", lab.RhoInterval.Upper
      "3d", 3.0 * float lab.Net.Depth; "delta", delta ]

let private checkD7 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    if lab.Plan.IsNone then noPlan ctx lab s mode
    else
        let seed = seedOf ctx s mode
        let trials =
            lab.Draws |> Array.mapi (fun t dr ->
                let res, eta, xi, xj = dr.Worst
                { Checker.instance (Bindings.ofScalars [ "rho_delta", lab.RhoCertified; "normRes", res; "normEta", eta; "normx_i", xi; "normx_j", xj; "delta", delta ]) dr.Seed "compression draw" with Trial = Some t })
        let r = Checker.probabilistic s mode seed delta trials
        let d = lab.Net.Depth
        let flips = [ for k in 1 .. d - 1 -> sprintf "mean flip fraction layer %d" k, lab.Draws |> Array.averageBy (fun dr -> dr.Flips.[k - 1]) ]
        let noFlip = lab.Draws |> Array.filter (fun dr -> Double.IsPositiveInfinity dr.R) |> Array.length
        let inv = lab.Draws |> Array.map (fun dr -> if Double.IsPositiveInfinity dr.R then 0.0 else 1.0 / dr.R)
        let figures =
            Figure.Histogram(sprintf "%s: 1/R per compression draw (R = min over i<j, x)" mode.StreamName, "1/R", inv, [ "1/rho_delta (certified)", 1.0 / lab.RhoCertified; "1/(3d)", 1.0 / (3.0 * float d) ])
            :: comparisonFigures ctx mode "1/R per sample (one compression draw, min over pairs)" [ 1 ] (fun c _ -> c.InverseSmoothness)
        let notes =
            [ sprintf "rhohat_delta = %.4g (empirical %g-quantile of R over %d draws, 99%% order-statistic CI [%.4g, %.4g]); certified rho_delta = %.4g; %s 3d = %d" lab.RhoHat delta lab.Draws.Length lab.RhoInterval.Lower lab.RhoInterval.Upper lab.RhoCertified (if lab.RhoCertified >= 3.0 * float d then ">=" else "<") (3 * d)
              sprintf "%d of %d draws flipped no activation (R = +infinity)" noFlip lab.Draws.Length ]
            @ planNotes lab
        finish ctx lab s mode { r with Bindings = rhoBindings lab @ flips; Notes = r.Notes @ notes; Figures = figures }

let private l3Bindings (lab: Lab) (dr: Draw) =
    Bindings.ofScalars [ "maxRelErr", dr.MaxRelErr; "epsilon", lab.Epsilon; "delta", delta; "rho_delta", lab.RhoCertified; "d", float lab.Net.Depth
                         "h", float (Array.max lab.Net.Widths.[1..]); "m", float lab.Data.Count ]

let private checkL3 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    if lab.Plan.IsNone then noPlan ctx lab s mode
    else
        let seed = seedOf ctx s mode
        let d = lab.Net.Depth
        let trials = lab.Draws |> Array.mapi (fun t dr -> { Checker.instance (l3Bindings lab dr) dr.Seed "compression draw" with Trial = Some t })
        let r = Checker.probabilistic s mode seed (delta / 2.0) trials
        let p = lab.Plan.Value
        let steps = [| for i in 1 .. d -> float i, lab.Draws |> Array.averageBy (fun dr -> dr.Steps.[i - 1]) |]
        let worstStep = [| for i in 1 .. d -> float i, lab.Draws |> Array.map (fun dr -> dr.Steps.[i - 1]) |> Array.max |]
        let errs = lab.Draws |> Array.map (fun dr -> dr.MaxRelErr / lab.Epsilon)
        let smallest =
            match lab.SmallestK with
            | Some(scale, fails, nc) ->
                [ sprintf "smallest k: every k_i scaled by s* = %.3g (from the (1 - delta/2)-quantile of the error, error ~ 1/sqrt k) gives sum k_i = %.4g (%.3g x the actual %d parameters); confirmation at s*: %d/%d draws above eps (target delta/2 = %g)"
                      scale (scale * p.TotalParameters) (scale * p.TotalParameters / float lab.Mlp.Architecture.ParameterCount) lab.Mlp.Architecture.ParameterCount fails nc (delta / 2.0) ]
            | None -> [ "smallest k: undefined (zero output error in every draw)" ]
        let hyp =
            sprintf "hypothesis rho_delta >= 3d: certified rho_delta = %.4g vs 3d = %d: %s" lab.RhoCertified (3 * d) (if lab.RhoCertified >= 3.0 * float d then "met" else "NOT met")
        let figures =
            [ Figure.Lines(sprintf "%s: induction steps of Lemma 3 (fraction of (x, j >= i) with ||xhat^j_i - x^j|| > (i/d) eps ||x^j||)" mode.StreamName, "step i (layers 1..i compressed)", "fraction of (x, j)",
                           [ "mean over draws", steps; "worst draw", worstStep ])
              Figure.Histogram(sprintf "%s: max_x ||f_A - f_Atilde||/||f_A|| per draw, in units of eps" mode.StreamName, "max relative error / eps", errs, [ "eps", 1.0 ]) ]
        let bindings =
            [ "eps", lab.Epsilon; "sum k_i", p.TotalParameters; "stated count", p.StatedCount; "actual parameters", float lab.Mlp.Architecture.ParameterCount
              "median max relative error", (Stats.summary (lab.Draws |> Array.map (fun dr -> dr.MaxRelErr))).Median ]
            @ [ for i in 1 .. d -> sprintf "k_%d" i, p.HelperCounts.[i - 1] ] @ rhoBindings lab
        finish ctx lab s mode { r with Bindings = bindings; Notes = r.Notes @ (hyp :: smallest) @ planNotes lab; Figures = figures }

let private checkL10 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    if lab.Plan.IsNone then noPlan ctx lab s mode
    else
        let seed = seedOf ctx s mode
        let trials =
            lab.Draws |> Array.mapi (fun t dr ->
                { Checker.instance (Bindings.ofScalars [ "maxDiff", dr.MaxDiff; "gamma", lab.Gamma; "L0tilde", dr.L0; "Lhat_gamma", lab.LGamma; "delta", delta; "rho_delta", lab.RhoCertified; "d", float lab.Net.Depth ]) dr.Seed "compression draw" with
                    Trial = Some t })
        let r = Checker.probabilistic s mode seed (delta / 2.0) trials
        let bindings =
            [ "gamma", lab.Gamma; "gamma/sqrt 2", lab.Gamma / sqrt 2.0; "max ||f_A(x)||", lab.Measures.MaxOutputNorm(); "Lhat_gamma(f_A)", lab.LGamma
              "Lhat_0(f_A)", marginLoss lab.Measures 0.0
              "max over draws of max ||f_A - f_Atilde||", lab.Draws |> Array.map (fun dr -> dr.MaxDiff) |> Array.max
              "max over draws of Lhat_0(f_Atilde)", lab.Draws |> Array.map (fun dr -> dr.L0) |> Array.max ]
        finish ctx lab s mode { r with Bindings = bindings; Notes = r.Notes @ planNotes lab }

// ---------------------------------------------------------------- ARORA-REM1

let private checkRem1 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    match plan lab.Measures lab.Data.Count 1.0 with
    | Error e -> finish ctx lab s mode { Checker.blank s mode (seedOf ctx s mode) with Verdict = Verdict.Inconclusive("Lemma 3 plan undefined: " + e) }
    | Ok p ->
        let la = ctx.LinearAlgebra
        let net, d = lab.Net, lab.Net.Depth
        let seed = seedOf ctx s mode
        let requireNoFlip = s.Hypotheses |> List.exists (function Hypothesis.NamedAssumption("no flips", _) -> true | _ -> false)
        let draws = 3
        let flippedDisc = ResizeArray<float>()
        let notes = ResizeArray<string>()
        let instances = ResizeArray<Checker.Instance>()
        for i in 1 .. d do
            let mutable flippedCount, total = 0, 0
            for t in 0 .. draws - 1 do
                let rng = streamOf ctx mode (sprintf "rem1/layer-%d/draw-%d" i t)
                let pert = compress lab.Mlp net p 1.0 (fun k -> k = i) rng
                for off, clean in lab.Chunks do
                    let rows = clean.Count
                    let tp = ForwardTrace.Compute(pert, features lab.Data off rows, rows, false, la)
                    // U Âx = x^d + J^{i,d}(x̂^i − x^i) with J at the clean pattern; the actual output is tp.X[d].
                    let mutable w = Array.map2 (-) tp.X.[i] clean.X.[i]
                    for k in i + 1 .. d do w <- linearStep la net k clean.X.[k - 1] w rows
                    let hd = net.Widths.[d]
                    for sIdx in 0 .. rows - 1 do
                        let flipped =
                            seq { for k in i .. d - 1 do
                                    let h = net.Widths.[k]
                                    for u in sIdx * h .. sIdx * h + h - 1 -> (clean.X.[k].[u] > 0.0) <> (tp.X.[k].[u] > 0.0) } |> Seq.exists id
                        let mutable acc = 0.0
                        for u in sIdx * hd .. sIdx * hd + hd - 1 do
                            let e = tp.X.[d].[u] - clean.X.[d].[u] - w.[u]
                            acc <- acc + e * e
                        let rel = Robust.RatioForMax(sqrt acc, clean.XNorm.[d].[sIdx])
                        total <- total + 1
                        if flipped then
                            flippedCount <- flippedCount + 1
                            flippedDisc.Add rel
                        if not (flipped && requireNoFlip) then
                            instances.Add { Checker.instance (Bindings.ofScalars [ "relDisc", rel ]) rng.Seed (sprintf "layer %d compressed%s" i (if flipped then ", pattern flipped" else "")) with
                                              Layer = Some i; Trial = Some t; Sample = Some(off + sIdx) }
            notes.Add(sprintf "layer %d: %d of %d (draw, x) flipped an activation pattern" i flippedCount total)
        let r = Checker.deterministic s mode seed instances
        let figures =
            if flippedDisc.Count = 0 then []
            else [ Figure.Histogram(sprintf "%s: ||f_Ahat - U Ahat x||/||f|| on flipped points (what Lemma 2 does not cover)" mode.StreamName, "relative discrepancy", flippedDisc.ToArray(), []) ]
        notes.Add(sprintf "Ahat^i: Gaussian surrogate at Lemma 3's eps_i with eps = 1, %d draws per layer" draws)
        finish ctx lab s mode { r with Notes = r.Notes @ List.ofSeq notes; Figures = figures }

// ---------------------------------------------------------------- ARORA-T4.1, R4.1

let private heldOutError (ctx: VerifyContext) (net: DoubleMlp) =
    let la = ctx.LinearAlgebra
    let test = ctx.Test
    let d = net.Depth
    let mutable errors = 0
    for struct (off, t) in ForwardTrace.Chunks(net, test.Features, test.Count, chunkRows, false, la) do
        for sIdx in 0 .. t.Count - 1 do
            if argmaxRow t.X.[d] sIdx net.Widths.[d] <> test.Labels.[off + sIdx] then errors <- errors + 1
    errors, test.Count

let private table1 (ctx: VerifyContext) (lab: Lab) (mode: CheckMode) =
    let m, d, net = lab.Measures, lab.Net.Depth, lab.Net
    let others = match mode with CheckMode.RealNetwork -> comparisons ctx lab |> List.filter (fun c -> c.Name <> "trained") | CheckMode.Synthetic -> []
    let header =
        [ "layer"; "shape"; "actual params"; "effective c_i^2/(mu_i^2 mu_{i->}^2)"; "compression (%)"; "Lemma 3 k_i" ]
        @ [ for c in others -> "effective, " + c.Name ]
    let rows =
        [ for i in 1 .. d ->
            let actual = float net.Widths.[i] * float net.Widths.[i - 1]
            let eff = m.EffectiveParameters i
            [ string i; sprintf "%dx%d" net.Widths.[i] net.Widths.[i - 1]; sprintf "%.0f" actual; sprintf "%.6g" eff; sprintf "%.4g" (100.0 * eff / actual)
              (match lab.Plan with Some p -> sprintf "%.4g" p.HelperCounts.[i - 1] | None -> "undefined") ]
            @ [ for c in others -> sprintf "%.6g" (c.Measures.EffectiveParameters i) ] ]
    Figure.Table(sprintf "%s: Table 1 analogue (effective parameters per layer; nuisance factors dropped)" mode.StreamName, header, rows)

let private checkT41 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    match lab.Plan with
    | None -> noPlan ctx lab s mode
    | Some p ->
        let seed = seedOf ctx s mode
        let m = lab.Measures
        let pert = compress lab.Mlp lab.Net p 1.0 (fun _ -> true) (streamOf ctx mode "t41/compression")
        let errors, total = heldOutError ctx pert
        let ci = Stats.clopperPearson errors total Checker.confidence
        let n = float lab.Data.Count
        let b = Bindings.ofScalars [ "L0tilde", ci.Lower; "Lhat_gamma", lab.LGamma; "q", p.TotalParameters; "r", 2.0 ** gridBits; "m", n; "delta", delta; "rho_delta", lab.RhoCertified; "d", float lab.Net.Depth ]
        let rel = Statement.relation s.Conclusion
        let _, rhsExpr = Relation.sides rel
        let rhs = Eval.evaluate b rhsExpr |> Value.tryFloat |> Option.defaultValue nan
        let inst = { Checker.instance b seed "held-out error of f_Atilde (CP99 lower limit)" with Trial = Some 0 }
        let r0 = Checker.deterministic s mode seed [ inst ]
        let r =
            match s.Mutation, Checker.vacuity rhs with
            | None, Some reason -> { r0 with Verdict = Verdict.Vacuous(reason + " (explicit surrogate bound; see notes)") }
            | _ -> r0
        let proxy = m.TheoremProxy(lab.Gamma)
        let testErrA, _ = heldOutError ctx lab.Net
        let bindings =
            [ "surrogate bound", rhs; "held-out error of f_Atilde", float errors / float total; "CP99 lower", ci.Lower; "held-out error of f_A", float testErrA / float total
              "Lhat_gamma(f_A)", lab.LGamma; "gamma", lab.Gamma; "q = sum k_i", p.TotalParameters; "actual parameters", float lab.Mlp.Architecture.ParameterCount
              "q / actual", p.TotalParameters / float lab.Mlp.Architecture.ParameterCount; "ln r", gridBits * log 2.0
              "plotted proxy (1/gamma^2) max||f||^2 sum c^2/(mu^2 mu_->^2)", proxy; "sqrt(proxy/m)", sqrt (proxy / n)
              "sum_i effective c_i^2/(mu_i^2 mu_{i->}^2)", Seq.sum (seq { for i in 1 .. lab.Net.Depth -> m.EffectiveParameters i }) ]
        let notes =
            [ sprintf "vacuity: the explicit bound is %.4g (%s); the Theorem-2.1 surrogate with q = sum k_i is vacuous whenever q ln r > 2m, here q ln r / 2m = %.3g" rhs (if rhs >= 1.0 then "vacuous" else "non-vacuous") (p.TotalParameters * gridBits * log 2.0 / (2.0 * n))
              "the bound is for the compressed net f_Atilde, not for f_A (Remark after Theorem 2.1)"
              sprintf "rho_delta >= 3d: %s (certified rho_delta = %.4g, 3d = %d)" (if lab.RhoCertified >= 3.0 * float lab.Net.Depth then "met" else "not met") lab.RhoCertified (3 * lab.Net.Depth) ]
            @ planNotes lab
        finish ctx lab s mode { r with Bindings = bindings; Notes = r.Notes @ notes; Figures = [ table1 ctx lab mode ]; Interval = Some ci }

let private zetas = [ 0.001; 0.005; 0.01; 0.02; 0.05; 0.1 ]

/// R4.1 (i): Matrix-Project's error is proportional to the Frobenius norm of what it compresses, so compressing
/// A − A_init instead of A reaches the same absolute error with k_i scaled by (‖A−A_init‖_F/‖A‖_F)².
let private initialisationDelta (lab: Lab) (mode: CheckMode) =
    match mode, lab.InitialisationRatios.Force() with
    | CheckMode.RealNetwork, Some(seed, ratios) ->
        let scaled = lab.Plan |> Option.map (fun p -> Array.map2 (fun k r -> k * r * r) p.HelperCounts ratios |> Array.sum)
        let bindings =
            [ for l in 0 .. ratios.Length - 1 -> sprintf "||A_%d - A_init||_F / ||A_%d||_F" (l + 1) (l + 1), ratios.[l] ]
            @ (match lab.Plan, scaled with Some p, Some k -> [ "sum k_i (A)", p.TotalParameters; "sum k_i (A - A_init)", k ] | _ -> [])
        let note =
            sprintf "A - A_init (R4.1 i): initialisation regenerated from the model's recorded seed %d (GenBounds' init stream); ||A - A_init||_F/||A||_F per layer = %s%s; a ratio >= 1 would mean the regenerated initialisation is not the model's"
                seed (String.Join(", ", ratios |> Array.map (sprintf "%.3g")))
                (match lab.Plan, scaled with
                 | Some p, Some k -> sprintf "; for the same absolute error Lemma 3's count drops from %.4g to %.4g (k_i times the squared ratio)" p.TotalParameters k
                 | _ -> "")
        bindings, note
    | CheckMode.Synthetic, _ -> [], "A - A_init: not applicable on the synthetic model (its weights are the random draw itself)"
    | _, None -> [], "A - A_init: not applied, the model file records no GenBounds seed to regenerate its initialisation from (MatrixProject.CompressDelta / NetworkCompression.Compress(initial) support it when one is given)"

let private checkR41 (ctx: VerifyContext) (lab: Lab) (s: Statement) (mode: CheckMode) =
    let m = lab.Measures
    let seed = seedOf ctx s mode
    let n = float lab.Data.Count
    let p0 = m.TheoremProxy(lab.Gamma, 0.0)
    let instances =
        [ for z in zetas -> { Checker.instance (Bindings.ofScalars [ "proxy_zeta", m.TheoremProxy(lab.Gamma, z); "proxy_0", p0; "zeta", z ]) seed (sprintf "zeta = %g" z) with Trial = None } ]
    let r = Checker.deterministic s mode seed instances
    let all = 0.0 :: zetas
    let figure =
        Figure.Lines(sprintf "%s: bound terms vs outlier fraction zeta (Corollary A.1)" mode.StreamName, "zeta", "value",
                     [ "sqrt(proxy(zeta)/m)", [| for z in all -> z, sqrt (m.TheoremProxy(lab.Gamma, z) / n) |]
                       "Lhat_gamma + 4 zeta + sqrt(proxy(zeta)/m)", [| for z in all -> z, lab.LGamma + 4.0 * z + sqrt (m.TheoremProxy(lab.Gamma, z) / n) |] ])
    let deltaBindings, deltaNote = initialisationDelta lab mode
    let bindings = [ for z in all -> sprintf "proxy(zeta=%g)" z, m.TheoremProxy(lab.Gamma, z) ] @ deltaBindings
    let notes =
        [ "each of max||f||, c, mu_i, mu_{i->} drops its own zeta fraction, so Corollary A.1 charges at most 4 zeta (plotted)"; deltaNote ]
    finish ctx lab s mode { r with Bindings = bindings; Notes = r.Notes @ notes; Figures = [ figure ] }

// ---------------------------------------------------------------- dispatch

/// Forgets the shared measures, draws and comparison networks (pure functions of the context; tests use this to show
/// that a recomputation reproduces the same numbers).
let clearCaches () =
    labCache.Clear()
    comparisonCache.Clear()

/// Runs one statement (or mutant) of the noise-stability catalog in one mode.
let check (ctx: VerifyContext) (s: Statement) (mode: CheckMode) : CheckResult =
    let sw = Stopwatch.StartNew()
    let r =
        match s.Checkability with
        | Checkability.NotYetCheckable reason -> Checker.notCheckable s mode 0UL reason
        | Checkability.Checkable ->
            let lab = labFor ctx mode
            match Statement.originalId s with
            | "ARORA-D3" -> checkD3 ctx lab s mode
            | "ARORA-D4" -> checkD4 ctx lab s mode
            | "ARORA-D5" -> checkD5 ctx lab s mode
            | "ARORA-D6" -> checkD6 ctx lab s mode
            | "ARORA-D7" -> checkD7 ctx lab s mode
            | "ARORA-REM1" -> checkRem1 ctx lab s mode
            | "ARORA-L3" -> checkL3 ctx lab s mode
            | "ARORA-L10" -> checkL10 ctx lab s mode
            | "ARORA-T4.1" -> checkT41 ctx lab s mode
            | "ARORA-R4.1" -> checkR41 ctx lab s mode
            | other -> Checker.notCheckable s mode 0UL ("no experiment binds " + other)
    { r with Seconds = sw.Elapsed.TotalSeconds }

/// The selected statements and mutants (VerifyContext.Lemmas; empty = all) in both modes.
let checkSelected (ctx: VerifyContext) (progress: string -> int -> int -> unit) : CheckResult list =
    let items =
        [ for s in statements do
            if Registry.selects ctx.Lemmas s.Id then
                for m in [ CheckMode.Synthetic; CheckMode.RealNetwork ] -> s, m ]
    items |> List.mapi (fun i (s, m) ->
        progress s.Id i items.Length
        check ctx s m)
