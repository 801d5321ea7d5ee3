/// Experiments for Guha et al. (2023) §5.1–5.3 and App. E.1 (GenBounds.Proofs.Guha2023.SketchRecovery): the ℓ1 program
/// and the decoder we can afford, the bipartite ensemble and its row-regular reading, rank-deficient sketches, and the
/// Monte Carlo of Theorem 5.1 and Remark 5.1. Synthetic = (j, j)-distributed-sparse matrices (the diagonal plus j − 1
/// random matchings); real = square blocks of the trained layer with the largest square block, pruned by GUHA-ALG1 with a
/// fresh mask per draw (weights fixed). A and B come from the column-regular ensemble (GUHA-DE.1), δ_s = ⌈ln p⌉.
module GenBounds.Verification.Guha2023.SketchRecovery

open System
open GenBounds.Compression
open GenBounds.Random
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Guha2023.Shared
module P = GenBounds.Proofs.Guha2023.SketchRecovery

/// j of the synthetic matrices, as in the `genbounds sketch-mc` figures of the README.
let syntheticJ = 4
/// Pruning strength of the real blocks (keep probability χ(10) ≈ 8.7% under A3.1), as `genbounds sketch-mc --model`.
let blockD = 10.0
/// The c_s grid of the Monte Carlo (s = ⌈c_s √(jp) ln p⌉); it contains every c_s a statement or mutant names.
let csGrid = [| 0.25; 0.5; 0.7; 0.8; 0.9; 1.0; 1.2; 1.5; 2.0 |]
/// A recovery is exact when max|X̂ − X| ≤ tolerance · max|X|.
let tolerance = 1e-6
/// Target failure rate of the probabilistic sketching claims (the protocol's δ).
let target = 0.05

/// Where the matrices of a mode come from: a name, the largest side available, and a draw of a p×p matrix.
type MatrixSource =
    { Name: string
      MaxSide: int
      Draw: int -> Rng -> float[] }

/// The p×p block of the trained layer with the largest square block: rows 0..p−1 and the p input columns of largest
/// norm (in index order; on MNIST's first layer the border pixels' columns never move from their initial values), pruned
/// by GUHA-ALG1 at d = `blockD` with Ψ of the whole layer and the diagonal kept (the paper's rule).
let private realBlocks (lab: Lab) =
    let l = lab.Network.Layers |> Array.indexed |> Array.maxBy (fun (_, layer) -> min layer.Out layer.In) |> fst
    let layer = lab.Network.Layers.[l]
    let psi = psiOf layer.Weight
    // Every statement that draws real blocks asks for this order: computed once per lab.
    let byNorm =
        Lab.memo lab (sprintf "guha2023/sketch-blocks/columns-by-norm/%d" l) (fun () ->
            let norms = Array.zeroCreate<float> layer.In
            for i in 0 .. layer.Out - 1 do
                for j in 0 .. layer.In - 1 do
                    let w = float layer.Weight.[i * layer.In + j]
                    norms.[j] <- norms.[j] + w * w
            Array.init layer.In id |> Array.sortBy (fun j -> -norms.[j], j))
    { Name = sprintf "layer %d blocks pruned at d = %g" (l + 1) blockD
      MaxSide = min layer.Out layer.In
      Draw =
        fun p rng ->
            let cols = Array.sort byNorm.[0 .. p - 1]
            let block = Array.init (p * p) (fun idx -> layer.Weight.[(idx / p) * layer.In + cols.[idx % p]])
            let mask = MagnitudePruning.SampleMask(ReadOnlySpan block, p, p, blockD, psi, DiagonalPolicy.Keep, rng)
            mask.Apply(ReadOnlySpan block) |> Array.map float }

/// The matrix source of a mode.
let source (lab: Lab) (mode: CheckMode) =
    match mode with
    | CheckMode.Synthetic ->
        { Name = sprintf "synthetic (%d, %d)-distributed sparse" syntheticJ syntheticJ
          MaxSide = Int32.MaxValue
          Draw = fun p rng -> DistributedSparse.Sample(p, p, syntheticJ, rng) }
    | CheckMode.RealNetwork -> realBlocks lab

/// The matrix sides of the Monte Carlo: p/2 and p for p = min(limit sketch-size, largest side available).
let sizes (lab: Lab) (mode: CheckMode) =
    let pMax = min (Budget.count "sketch-size" lab.Budget) (source lab mode).MaxSide
    if pMax < 8 then [] else [ pMax / 2; pMax ]

/// Draws A and B for a p×p matrix at sketch side s from `rng` (streams "A" and "B").
let private drawSketch (s: int) (p: int) (convention: BipartiteConvention) (rng: Rng) =
    let deg = SketchSizing.Degree(1.0, p, s)
    Sketching.SampleBipartite(s, p, deg, convention, rng.Split "A"), Sketching.SampleBipartite(s, p, deg, convention, rng.Split "B")

/// One Monte Carlo trial: the matrix's j, and for every c_s of the grid the sketch side and whether two-stage recovery
/// returned X exactly.
type SketchTrial =
    { P: int
      J: int
      Sides: int[]
      Success: bool[]
      Seed: uint64 }

    /// The smallest grid side from which every larger grid side recovered X (+∞ when the largest failed).
    member t.SNeeded =
        let mutable i = t.Success.Length
        while i > 0 && t.Success.[i - 1] do i <- i - 1
        if i = t.Success.Length then infinity else float t.Sides.[i]

/// The Monte Carlo of GUHA-T5.1 / R5.1 in a mode: per side p, `sketch-trials` matrices, each sketched at every c_s of the
/// grid with its own A and B (streams verify/guha2023/sketch-mc/MODE/p-P/trial-T/{matrix, cs-I}). Shared by T5.1, R5.1
/// and their mutants.
let monteCarlo (lab: Lab) (mode: CheckMode) =
    let allowance = allow lab "sketch-trials" lab.Budget.Trials 1.0 2 "sketch-recovery trials per matrix side"
    let ps = sizes lab mode
    let trials =
        Lab.memo lab (sprintf "guha2023/sketch-mc/%s/%d/%A" mode.StreamName allowance.Count ps) (fun () ->
            let src = source lab mode
            [| for p in ps do
                 for t in 0 .. allowance.Count - 1 ->
                     let rng = Lab.stream lab paperId "sketch-mc" mode (sprintf "p-%d/trial-%d" p t)
                     let x = src.Draw p (rng.Split "matrix")
                     let j = DistributedSparse.MaxLineCount(ReadOnlySpan x, p, p)
                     let sides = csGrid |> Array.map (fun cs -> SketchSizing.Side(cs, j, p))
                     let success =
                         sides |> Array.mapi (fun i s ->
                             let a, b = drawSketch s p BipartiteConvention.RightRegular (rng.Split(sprintf "cs-%d" i))
                             let struct (exact, _) = L1Recovery.TryRecoverExactly(a, b, ReadOnlySpan x, tolerance)
                             exact)
                     { P = p; J = j; Sides = sides; Success = success; Seed = rng.Seed } |])
    trials, ps, allowance

/// Failures and trials at grid index i and side p.
let private cell (trials: SketchTrial[]) (p: int) (i: int) =
    let at = trials |> Array.filter (fun t -> t.P = p)
    at |> Array.filter (fun t -> not t.Success.[i]) |> Array.length, at.Length

/// The per-cell failure rates with their Clopper–Pearson intervals, as a figure, and the facts every sketching result
/// states (source, decoder, convention, the smallest sufficient c_s per p, trials that failed although s ≥ p).
let private cellReport (lab: Lab) (mode: CheckMode) (trials: SketchTrial[]) (ps: int list) =
    let src = source lab mode
    let rows =
        [ for p in ps do
            for i in 0 .. csGrid.Length - 1 ->
                let f, n = cell trials p i
                let ci = Stats.clopperPearson f n Checker.confidence
                sprintf "p = %d, c_s = %g" p csGrid.[i], float f / float n, ci.Lower, ci.Upper, target ]
    let sufficient p =
        csGrid |> Array.indexed |> Array.tryFind (fun (i, _) -> let f, n = cell trials p i in (Stats.clopperPearson f n Checker.confidence).Upper <= target)
        |> Option.map (snd >> sprintf "%g") |> Option.defaultValue "none on the grid"
    let tall = trials |> Array.sumBy (fun t -> t.Sides |> Array.mapi (fun i s -> s >= t.P && not t.Success.[i]) |> Array.filter id |> Array.length)
    let tallAll = trials |> Array.sumBy (fun t -> t.Sides |> Array.filter (fun s -> s >= t.P) |> Array.length)
    let meanJ p = trials |> Array.filter (fun t -> t.P = p) |> Array.averageBy (fun t -> float t.J)
    Figure.Rates(sprintf "%s: two-stage recovery failure rate per (p, c_s), 99%% Clopper-Pearson" mode.StreamName, rows),
    [ sprintf "matrices: %s; A, B column-regular (DE.1, UNVERIFIED convention), delta_s = ceil(ln p); two-stage l1 decoder (GLOP); exact = max|Xhat - X| <= %g max|X|" src.Name tolerance
      sprintf "mean j per p: %s; smallest c_s whose 99%% CP upper limit is <= %g: %s" (String.Join(", ", ps |> List.map (fun p -> sprintf "%d: %.1f" p (meanJ p)))) target
          (String.Join(", ", ps |> List.map (fun p -> sprintf "p = %d: %s" p (sufficient p))))
      sprintf "sketches with s >= p that still failed (rank-deficient 0/1 sketch matrices, see GUHA-DE.1-rank): %d of %d" tall tallAll ]

/// GUHA-T5.1: per side p, each trial's sNeeded against c_s √(jp) ln p; the checker estimates the smallest c_s per p.
let t51 =
    Experiment.create [ "sNeeded"; "j"; "p"; "delta" ] (fun lab run ->
        let trials, ps, allowance = monteCarlo lab run.Mode
        if ps.IsEmpty then Evidence.unavailable "no layer of this network has a square block of side 8 or more"
        else
            let figure, notes = cellReport lab run.Mode trials ps
            let settings =
                [ for p in ps ->
                    let instances =
                        trials |> Array.filter (fun t -> t.P = p) |> Array.mapi (fun k t ->
                            { Evidence.instance (Bindings.ofScalars [ "sNeeded", t.SNeeded; "j", float t.J; "p", float p; "delta", target ]) t.Seed (sprintf "p = %d" p) with Trial = Some k })
                    { Evidence.setting (sprintf "p = %d" p) instances with Dimension = Some(float p) } ]
            Evidence.ofSettings settings
            |> Evidence.withCaps [ allowance ]
            |> Evidence.withFigures [ figure ]
            |> Evidence.withNotes (notes @ [ sprintf "c_s grid %s; sNeeded = the smallest grid side from which every larger grid side recovered X" (String.Join(", ", csGrid)) ]))

/// GUHA-R5.1: at the statement's c_s (a grid value), the failure rate at the largest p against the smallest p.
let r51 =
    Experiment.create [ "failLarge"; "failSmall"; "pSmall"; "pLarge" ] (fun lab run ->
        let trials, ps, allowance = monteCarlo lab run.Mode
        if ps.Length < 2 then Evidence.unavailable "no layer of this network has a square block of side 8 or more"
        else
            let cs = run.Parameter "c_s"
            let i =
                match Array.tryFindIndex (fun c -> abs (c - cs) < 1e-12) csGrid with
                | Some i -> i
                | None -> raise (Checker.ExperimentError(sprintf "GUHA-R5.1: c_s = %g is not on the Monte Carlo grid %A" cs csGrid))
            let pSmall, pLarge = List.min ps, List.max ps
            let fS, nS = cell trials pSmall i
            let fL, nL = cell trials pLarge i
            let small = Stats.clopperPearson fS nS Checker.confidence
            let large = Stats.clopperPearson fL nL Checker.confidence
            let b = Bindings.ofScalars [ "failLarge", large.Lower; "failSmall", small.Upper; "pSmall", float pSmall; "pLarge", float pLarge ]
            let figure, notes = cellReport lab run.Mode trials ps
            Evidence.ofInstances [ Evidence.instance b (Lab.stream lab paperId "sketch-mc" run.Mode "").Seed (sprintf "c_s = %g: %d/%d failures at p = %d, %d/%d at p = %d" cs fS nS pSmall fL nL pLarge) ]
            |> Evidence.withCaps [ allowance ]
            |> Evidence.withFigures [ figure ]
            |> Evidence.withMeasured [ sprintf "failure rate at p = %d" pSmall, float fS / float nS; sprintf "failure rate at p = %d" pLarge, float fL / float nL ]
            |> Evidence.withNotes notes)

/// Side of the matrices of the joint-program checks (the joint LP has p² unknowns).
let eqSide = 24

/// One instance of the joint-program checks: the matrix, the sketch side, and both decoders' outcomes.
type EqInstance =
    { Side: int
      Residual: float
      L1Hat: float
      L1X: float
      JointError: float
      TwoStageExact: bool
      Seed: uint64 }

/// GUHA-EQ1 and its decoder probe: `lp-instances` matrices of side min(24, largest block), each sketched at s = ⌈p/3⌉
/// and ⌈5p/6⌉, recovered by the joint program and by the two-stage decoder from the same A and B.
let private eqInstances (lab: Lab) (mode: CheckMode) =
    let allowance = allow lab "lp-instances" lab.Budget.Trials 1.0 1 "matrices recovered by the joint l1 program"
    let src = source lab mode
    let p = min eqSide src.MaxSide
    let instances =
        Lab.memo lab (sprintf "guha2023/eq1/%s/%d/%d" mode.StreamName allowance.Count p) (fun () ->
            [ for t in 0 .. allowance.Count - 1 do
                let rng = Lab.stream lab paperId "GUHA-EQ1" mode (sprintf "trial-%d" t)
                let x = src.Draw p (rng.Split "matrix")
                for s in [ (p + 2) / 3; (5 * p + 5) / 6 ] ->
                    let srng = rng.Split(sprintf "s-%d" s)
                    let a, b = drawSketch s p BipartiteConvention.RightRegular srng
                    let y = Sketching.SketchSparse(a, b, ReadOnlySpan x)
                    let joint = L1Recovery.RecoverJoint(a, b, ReadOnlySpan y)
                    let yHat = Sketching.SketchSparse(a, b, ReadOnlySpan joint.X)
                    let yScale = maxAbs y
                    let residual = Array.map2 (fun u v -> abs (u - v)) yHat y |> Array.max |> fun r -> r / max yScale 1e-300
                    let struct (twoStage, _) = L1Recovery.TryRecoverExactly(a, b, ReadOnlySpan x, tolerance)
                    { Side = s; Residual = (if joint.NotOptimal > 0 then infinity else residual)
                      L1Hat = joint.X |> Array.sumBy abs; L1X = x |> Array.sumBy abs; JointError = joint.RelativeError(ReadOnlySpan x)
                      TwoStageExact = twoStage; Seed = srng.Seed } ])
    instances, p, allowance, src.Name

/// GUHA-EQ1: feasibility and optimality of the joint program's minimiser against X.
let eq1 =
    Experiment.create [ "residual"; "l1Hat"; "l1X"; "recoveryError" ] (fun lab run ->
        let instances, p, allowance, name = eqInstances lab run.Mode
        let lossless s = instances |> List.filter (fun i -> i.Side = s && i.JointError <= tolerance) |> List.length
        let sides = instances |> List.map (fun i -> i.Side) |> List.distinct
        Evidence.ofInstances
            [ for k, i in List.indexed instances ->
                { Evidence.instance (Bindings.ofScalars [ "residual", i.Residual; "l1Hat", i.L1Hat; "l1X", i.L1X; "recoveryError", i.JointError ]) i.Seed
                      (sprintf "%dx%d matrix, %dx%d sketch" p p i.Side i.Side) with Trial = Some(k / 2) } ]
        |> Evidence.withCaps [ allowance ]
        |> Evidence.withNotes
            [ sprintf "%s, p = %d; joint l1 program over all %d unknowns (GLOP); A, B column-regular, delta_s = ceil(ln p)" name p (p * p)
              sprintf "lossless sketches: %s" (String.Join(", ", sides |> List.map (fun s -> sprintf "side %d: %d of %d" s (lossless s) (instances.Length / sides.Length)))) ])

/// GUHA-EQ1-two-stage: per instance, whether the two-stage decoder failed where the joint program did not.
let eq1TwoStage =
    Experiment.create [ "twoStageFailed"; "jointFailed" ] (fun lab run ->
        let instances, p, allowance, name = eqInstances lab run.Mode
        let count f = instances |> List.filter f |> List.length
        Evidence.ofInstances
            [ for k, i in List.indexed instances ->
                let jointFailed = if i.JointError <= tolerance then 0.0 else 1.0
                { Evidence.instance (Bindings.ofScalars [ "twoStageFailed", (if i.TwoStageExact then 0.0 else 1.0); "jointFailed", jointFailed ]) i.Seed
                      (sprintf "%dx%d matrix, %dx%d sketch" p p i.Side i.Side) with Trial = Some(k / 2) } ]
        |> Evidence.withCaps [ allowance ]
        |> Evidence.withMeasured [ "joint program exact", float (count (fun i -> i.JointError <= tolerance)); "two-stage exact", float (count (fun i -> i.TwoStageExact)); "instances", float instances.Length ]
        |> Evidence.withNotes [ sprintf "%s, p = %d, sketch sides %d and %d; same A, B for both decoders" name p ((p + 2) / 3) ((5 * p + 5) / 6) ])

/// A χ² test of the column-regular ensemble: M = 64 draws of A (s×p, δ_s), edge frequencies against Mδ_s/s per cell.
let private chi2Trial (s: int) (p: int) (rng: Rng) =
    let draws = 64
    let deg = SketchSizing.Degree(1.0, p, s)
    let counts = Array.zeroCreate<int> (s * p)
    let mutable rowMax = 0
    for k in 0 .. draws - 1 do
        let a = Sketching.SampleBipartite(s, p, deg, BipartiteConvention.RightRegular, rng.Split(sprintf "draw-%d" k))
        let rows = Array.zeroCreate<int> s
        a.ColumnRows
        |> Seq.iteri (fun j rs ->
            for r in rs do
                counts.[r * p + j] <- counts.[r * p + j] + 1
                rows.[r] <- rows.[r] + 1)
        if k = 0 then rowMax <- Array.max rows
    let expected = float draws * float deg / float s
    // A column's delta_s ones are drawn without replacement, so its Pearson sum is ((s - delta_s)/(s - 1)) chi^2_{s-1}
    // (covariance c (I - 11^T/s) with c = delta_s (s - delta_s)/(s (s - 1))); rescaled to chi^2 with p (s - 1) df.
    let chi2 = (counts |> Array.sumBy (fun c -> (float c - expected) ** 2.0 / expected)) * float (s - 1) / float (max 1 (s - deg))
    let critical = MathNet.Numerics.Distributions.ChiSquared.InvCDF(float (p * (s - 1)), 0.99)
    chi2, critical, float rowMax, float deg

/// The (s, p) of DE.1's check: synthetic p = half the Monte Carlo's largest side with s = p/2 (the compressing regime);
/// real: the smaller Monte Carlo side with the T5.1 side at c_s = 1 for a drawn block's j.
let private de1Shape (lab: Lab) (mode: CheckMode) =
    match sizes lab mode, mode with
    | [], _ -> None
    | p :: _, CheckMode.Synthetic -> Some(max 2 (p / 2), p)
    | p :: _, CheckMode.RealNetwork ->
        let x = (source lab mode).Draw p (Lab.stream lab paperId "GUHA-DE.1" mode "shape")
        Some(SketchSizing.Side(1.0, DistributedSparse.MaxLineCount(ReadOnlySpan x, p, p), p), p)

/// GUHA-DE.1: per trial, the χ² statistic of 64 draws against its 99% quantile.
let de1 =
    Experiment.create [ "chi2"; "chi2_{0.99}"; "alpha"; "rowDegreeMax"; "delta_s" ] (fun lab run ->
        match de1Shape lab run.Mode with
        | None -> Evidence.unavailable "no layer of this network has a square block of side 8 or more"
        | Some(s, p) ->
            let n = Budget.cheapTrials lab.Budget
            let instances =
                Lab.memo lab (sprintf "guha2023/de1/%s/%d/%d/%d" run.Mode.StreamName n s p) (fun () ->
                    [ for t in 0 .. n - 1 ->
                        let rng = run.Stream(lab, sprintf "trial-%d" t)
                        let chi2, critical, rowMax, deg = chi2Trial s p rng
                        { Evidence.instance (Bindings.ofScalars [ "chi2", chi2; "chi2_{0.99}", critical; "alpha", target; "rowDegreeMax", rowMax; "delta_s", deg ]) rng.Seed (sprintf "A: %dx%d" s p) with
                            Trial = Some t } ])
            Evidence.ofInstances instances
            |> Evidence.withNotes
                [ sprintf "s = %d, p = %d, delta_s = ceil(ln p); 64 draws of A per trial, %d trials; the test rejects at 1%% under uniformity" s p n
                  "the ensemble does not depend on the weights: the real mode uses the sketch shape of a pruned block of the trained layer" ])

/// GUHA-DE.1-row: row-regular A at the T5.1 sides (c_s = 1) of each Monte Carlo side; the empty columns per draw.
let de1Row =
    Experiment.create [ "emptyColumns"; "delta" ] (fun lab run ->
        let ps = sizes lab run.Mode
        if ps.IsEmpty then Evidence.unavailable "no layer of this network has a square block of side 8 or more"
        else
            let n = Budget.cheapTrials lab.Budget
            let src = source lab run.Mode
            let settings =
                Lab.memo lab (sprintf "guha2023/de1-row/%s/%d/%A" run.Mode.StreamName n ps) (fun () ->
                    [ for p in ps ->
                        let j = DistributedSparse.MaxLineCount(ReadOnlySpan(src.Draw p (run.Stream(lab, sprintf "p-%d/matrix" p))), p, p)
                        let s = SketchSizing.Side(1.0, j, p)
                        let deg = SketchSizing.Degree(1.0, p, s)
                        let instances =
                            [ for t in 0 .. n - 1 ->
                                let rng = run.Stream(lab, sprintf "p-%d/trial-%d" p t)
                                let a = Sketching.SampleBipartite(s, p, deg, BipartiteConvention.LeftRegular, rng)
                                { Evidence.instance (Bindings.ofScalars [ "emptyColumns", float a.EmptyColumns; "delta", target ]) rng.Seed (sprintf "p = %d, s = %d, delta_s = %d" p s deg) with
                                    Trial = Some t } ]
                        Evidence.setting (sprintf "p = %d, j = %d, s = %d, delta_s = %d" p j s deg) instances ])
            Evidence.ofSettings settings
            |> Evidence.withNotes [ sprintf "row-regular A (each sketch row has delta_s ones) at s = ceil(c_s sqrt(j p) ln p), c_s = 1, j of a drawn matrix (%s); an empty column hides a row of X from the sketch" src.Name ])

/// GUHA-DE.1-rank: A and B of side s = ⌈1.5p⌉ at the smaller Monte Carlo side p; the rank deficit of the worse one.
let de1Rank =
    Experiment.create [ "rankDeficit"; "delta" ] (fun lab run ->
        match run.Mode, sizes lab run.Mode with
        | CheckMode.RealNetwork, [] -> Evidence.unavailable "no layer of this network has a square block of side 8 or more"
        | mode, ps ->
            // Synthetic: p = 16, where delta_s = 3; real: the smaller side of the Monte Carlo on this network's blocks.
            let p = if mode = CheckMode.Synthetic then 16 else List.min ps
            let s = (3 * p + 1) / 2
            let deg = SketchSizing.Degree(1.0, p, s)
            let n = Budget.cheapTrials lab.Budget
            let rank (m: BipartiteMatrix) =
                let sv = lab.LinearAlgebra.SingularValues(ReadOnlySpan(m.ToDense()), m.Rows, m.Cols)
                sv |> Array.filter (fun v -> v > 1e-10 * sv.[0]) |> Array.length
            let instances =
                Lab.memo lab (sprintf "guha2023/de1-rank/%s/%d/%d" mode.StreamName n p) (fun () ->
                    [ for t in 0 .. n - 1 ->
                        let rng = run.Stream(lab, sprintf "trial-%d" t)
                        let a, b = drawSketch s p BipartiteConvention.RightRegular rng
                        let deficit = p - min (rank a) (rank b)
                        { Evidence.instance (Bindings.ofScalars [ "rankDeficit", float deficit; "delta", target ]) rng.Seed (sprintf "A, B: %dx%d, delta_s = %d" s p deg) with Trial = Some t } ])
            Evidence.ofInstances instances
            |> Evidence.withNotes [ sprintf "p = %d, s = %d, delta_s = %d; numerical rank from the singular values (threshold 1e-10 of the largest); the ensemble does not depend on the weights" p s deg ])

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.eq1 P.eq1Mutants eq1
      Lemma.create P.eq1TwoStage [] eq1TwoStage
      Lemma.create P.de1 P.de1Mutants de1
      Lemma.create P.de1Row [] de1Row
      Lemma.create P.de1Rank [] de1Rank
      Lemma.create P.t51 P.t51Mutants t51
      Lemma.create P.r51 P.r51Mutants r51 ]
