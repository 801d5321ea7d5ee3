/// Experiments for Arora et al. (2018) Proposition 3.1, Algorithm 1 (Matrix-Project) and Lemma 2
/// (GenBounds.Proofs.Arora2018.MatrixProject). Monte Carlo is exact on the low-dimensional statistics the claims depend
/// on: E‖Mη‖² for Proposition 3.1, the pairs (⟨A, M⟩, ⟨B, M⟩) of Algorithm 1 (literal ±1 matrices at 8×8, Gaussian
/// helpers with the exact second moments at layer size), and per helper the vector (⟨A, M⟩, (u_rᵀ M x_s)) of Lemma 2.
module GenBounds.Verification.Arora2018.MatrixProject

open System
open GenBounds.Compression
open GenBounds.LinearAlgebra
open GenBounds.Random
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Experiments
open GenBounds.Verification.Arora2018.Shared
module P = GenBounds.Proofs.Arora2018.MatrixProject

/// The helper count k = ⌈C_k ln(1/η)/ε²⌉ that Algorithm 1 uses for the statement's constant C_k.
let private helperCount (run: Run) (logTerm: float) (eps: float) =
    max 1 (int (ceil (run.Parameter GenBounds.Proofs.Arora2018.Common.helperConstant * logTerm / (eps * eps) - 1e-9)))

/// ARORA-P3.1: per layer, Gaussian draws of ‖A^i η‖² (one GEMM per block of 100 draws) against ‖A^i‖_F².
let p31 =
    Experiment.create [ "E[normMeta2]"; "normF" ] (fun lab run ->
        let net = network lab run.Mode
        let draws = max 2 lab.Budget.Trials
        let settings =
            [ for l in 1 .. net.Depth ->
                let rows, cols = net.Rows.[l], net.Cols.[l]
                let rng = run.Stream(lab, sprintf "layer-%d" l)
                let sample =
                    Lab.memo lab (sprintf "arora2018/p31/%s/%d/%d" run.Mode.StreamName l draws) (fun () ->
                        let sample = ResizeArray<float>()
                        let block = 100
                        let mutable left = draws
                        while left > 0 do
                            let b = min block left
                            let eta = gaussianVector rng (b * cols)
                            let y = Array.zeroCreate<float> (b * rows)
                            lab.LinearAlgebra.Gemm(Transpose.No, Transpose.Yes, b, rows, cols, 1.0, ReadOnlySpan eta, cols, ReadOnlySpan net.W.[l], cols, 0.0, Span y, rows)
                            for i in 0 .. b - 1 do sample.Add(Seq.sum (seq { for j in 0 .. rows - 1 -> y.[i * rows + j] * y.[i * rows + j] }))
                            left <- left - b
                        sample.ToArray())
                let normF = sqrt (Array.sumBy (fun x -> x * x) net.W.[l])
                let b = Bindings.ofScalars [ "normF", normF ]
                Evidence.moments (sprintf "layer %d" l) "E[normMeta2]" sample b { Evidence.instance b rng.Seed (sprintf "layer %d" l) with Layer = Some l },
                (sprintf "E||M eta||^2 / ||M||_F^2 (layer %d)" l, Array.average sample / (normF * normF)) ]
        Evidence.ofSettings (List.map fst settings)
        |> Evidence.withMeasured (List.map snd settings)
        |> Evidence.withNotes [ sprintf "%d Gaussian draws per layer, M = A^i" draws ])

/// ARORA-P3.1b: the closed-form ψ(A^i, φ(x^{i−1})) = ‖A‖_F²‖x‖²/‖Ax‖² on every training point against srank(A^i).
let p31Srank =
    Experiment.create [ "psi"; "srank" ] (fun lab run ->
        let seed = run.Stream(lab, "").Seed
        let net = network lab run.Mode
        let t = trainTrace lab run.Mode
        let n = lab.Train.Count
        let rows =
            [ for l in 1 .. net.Depth ->
                let sv = singularValues lab run.Mode l
                let f2 = Array.sumBy (fun x -> x * x) sv
                let srank = f2 / (sv.[0] * sv.[0])
                let instances =
                    [ for i in 0 .. n - 1 do
                        let xn = t.PhiNorm.[l - 1].[i]
                        let mx = t.XNorm.[l].[i]
                        if xn > 0.0 && mx > 0.0 then
                            yield { Evidence.instance (Bindings.ofScalars [ "psi", f2 * xn * xn / (mx * mx); "srank", srank ]) seed (sprintf "layer %d" l) with Layer = Some l; Sample = Some i } ]
                let psiMax = instances |> List.map (fun i -> scalarOf "psi" i.Bindings) |> List.fold max 0.0
                instances, sprintf "layer %d: srank %.4g, 1/mu^2 = max psi = %.4g (mu = %.4g)" l srank psiMax (1.0 / sqrt psiMax) ]
        Evidence.ofInstances (List.collect fst rows)
        |> Evidence.withFailedAssumptions (biasAssumption lab run.Mode)
        |> Evidence.withNotes ("M = A^i, x = phi(x^{i-1}) on every training point (x with Mx = 0 skipped: hypothesis)" :: List.map snd rows))

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

let private alg1Settings (lab: Lab) (mode: CheckMode) =
    Lab.memo lab ("arora2018/alg1-settings/" + mode.StreamName) (fun () ->
        let net = network lab mode
        let d = net.Depth
        match mode with
        | CheckMode.Synthetic ->
            let rng = stream lab "alg1" mode "8x8"
            let a = gaussianVector rng 64
            let u, v = gaussianVector rng 8, gaussianVector rng 8
            let b = Array.init 64 (fun idx -> u.[idx / 8] * v.[idx % 8])
            let na, nb = norm a, norm b
            let rows, cols = net.Rows.[1], net.Cols.[1]
            // Gaussian A of layer 1's shape and variance, random u, v: only ||A||_F, ||B||_F, <A, B> enter the pair law.
            let aw = net.W.[1]
            let uu, vv = gaussianVector rng rows, gaussianVector rng cols
            let av = Array.init rows (fun i -> dot (Array.sub aw (i * cols) cols) vv)
            let naw, nuv, uav = norm aw, norm uu * norm vv, dot uu av
            [ { Label = "8x8 literal +-1"; Dim = 64.0; NormA = na; NormB = nb; AB = dot a b; Sampler = (fun r k -> literal8x8 r a b k)
                CorrectionTerm = 2.0 * Seq.sum (seq { for p in 0 .. 63 -> a.[p] * a.[p] * b.[p] * b.[p] }) / (na * na * nb * nb) }
              { Label = sprintf "%dx%d Gaussian A, random u v" rows cols; Dim = float (rows * cols); NormA = naw; NormB = nuv; AB = uav
                Sampler = (fun r k -> gaussianPairs r naw nuv uav k); CorrectionTerm = 0.0 } ]
        | CheckMode.RealNetwork ->
            [ for l in [ 1; d ] do
                let rows, cols = net.Rows.[l], net.Cols.[l]
                let w = net.W.[l]
                let struct (uu, sv, vt) = (svds lab mode).[l]
                let r = sv.Length
                let na = norm w
                // Aligned probe: the top singular pair gives the largest correlation a rank-one B can have with A.
                let u1 = Array.init rows (fun i -> uu.[i * r])
                let v1 = Array.sub vt 0 cols
                let t = trainTrace lab mode
                let s = [| 0 .. lab.Train.Count - 1 |] |> Array.find (fun i -> t.PhiNorm.[l - 1].[i] > 0.0)
                let x = Array.sub t.Phi.[l - 1] (s * cols) cols
                let ur = unit (gaussianVector (stream lab "alg1" mode (sprintf "u-%d" l)) rows)
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

/// The calibration grid of one mode (shared by both statements and their mutants): per setting and η, the failure count
/// of the promise at every helper constant C of the grid, each trial from its own stream.
let private calibration (lab: Lab) (mode: CheckMode) =
    let n = Budget.cheapTrials lab.Budget
    Lab.memo lab ("arora2018/alg1-calibration/" + mode.StreamName) (fun () ->
        [ for st in alg1Settings lab mode ->
            st,
            [ for eta in alg1Etas ->
                eta,
                [ for c in calibrationGrid ->
                    let k = MatrixProject.HelperCount(alg1Eps, eta, c)
                    let mutable f = 0
                    for t in 0 .. n - 1 do
                        let rng = stream lab "alg1" mode (sprintf "%s/C-%g/eps-%g/eta-%g/trial-%d" st.Label c alg1Eps eta t)
                        if st.Sampler rng k > alg1Eps * st.NormA * st.NormB then f <- f + 1
                    c, k, f, Stats.clopperPearson f n Checker.confidence ] ] ])

/// The smallest helper constant C consistent with the calibration grid (the smallest C whose CP upper limit is ≤ η at
/// every η, the interval running from the largest C still violated), by setting, with the failure-rate figures.
let private calibrationSummary (lab: Lab) (mode: CheckMode) =
    let n = Budget.cheapTrials lab.Budget
    let cal = calibration lab mode
    let perSetting =
        [ for st, byEta in cal ->
            let cStar = byEta |> List.map (fun (eta, rows) -> rows |> List.tryFind (fun (_, _, _, ci: Interval) -> ci.Upper <= eta) |> Option.map (fun (c, _, _, _) -> c) |> Option.defaultValue infinity) |> List.max
            let cViol = byEta |> List.map (fun (eta, rows) -> rows |> List.filter (fun (_, _, _, ci: Interval) -> ci.Lower > eta) |> List.map (fun (c, _, _, _) -> c) |> List.fold max 0.0) |> List.max
            st, cStar, cViol ]
    let worstSt, worstC, worstViol = perSetting |> List.maxBy (fun (_, c, _) -> c)
    let dims = perSetting |> List.map (fun (st, c, _) -> st.Dim, c)
    let grows =
        let small = dims |> List.filter (fun (dm, _) -> dm = (dims |> List.map fst |> List.min)) |> List.map snd |> List.max
        let large = dims |> List.filter (fun (dm, _) -> dm = (dims |> List.map fst |> List.max)) |> List.map snd |> List.max
        large > 1.5 * small
    let estimate =
        { Name = "C (k = C ln(1/eta)/eps^2)"; Value = worstC
          Interval = Some { Lower = worstViol; Upper = worstC; Confidence = Checker.confidence; Method = sprintf "grid %s: largest C violated (CP lower > eta) .. smallest C held (CP upper <= eta) at every eta" (String.Join(",", calibrationGrid)) }
          ByDimension = perSetting |> List.map (fun (st, c, _) -> st.Label, c); Grows = Some grows; Suspicious = worstC > Checker.suspiciousConstant }
    let figures =
        [ for st, byEta in cal ->
            Figure.Lines(sprintf "%s: %s, eps = %g" mode.StreamName st.Label alg1Eps, "eta", "failure rate",
                [ for c in [ 1.0; 2.0; 4.0 ] -> sprintf "C = %g%s" c (if c = 1.0 then " (literal k)" else ""), [| for eta, rows in byEta -> eta, (rows |> List.find (fun (cc, _, _, _) -> cc = c) |> fun (_, _, f, _) -> float f / float n) |]
                  yield "eta (claimed bound)", [| for eta in alg1Etas -> eta, eta |] ]) ]
    let table =
        Figure.Table(sprintf "%s: calibration grid (failures of %d trials per cell)" mode.StreamName n,
                     [ "setting"; "eta" ] @ [ for c in calibrationGrid -> sprintf "C = %g" c ],
                     [ for st, byEta in cal do
                         for eta, rows in byEta -> [ st.Label; sprintf "%g" eta ] @ [ for _, k, f, ci in rows -> sprintf "%d (k=%d) [%.3g, %.3g]" f k ci.Lower ci.Upper ] ])
    let note =
        sprintf "smallest C consistent with the data (all eta in {%s}, eps = %g): %g (worst setting %s; still violated at C = %g)" (String.Join(", ", alg1Etas)) alg1Eps worstC worstSt.Label worstViol
    estimate, figures @ [ table ], note

/// ARORA-ALG1 (literal and calibrated C): per setting and (ε, η), cheap-factor × N trials of the promise at
/// k = ⌈C_k ln(1/η)/ε²⌉; the calibration grid's smallest consistent C is reported beside the verdict.
let alg1 =
    Experiment.create [ "dev"; "normA"; "normB"; "epsilon"; "eta"; "k" ] (fun lab run ->
        let n = Budget.cheapTrials lab.Budget
        let rows =
            [ for st in alg1Settings lab run.Mode do
                for eps, eta in [ for e in alg1Etas -> alg1Eps, e ] @ [ 0.3, 0.05 ] ->
                    let k = helperCount run (log (1.0 / eta)) eps
                    let b0 = Bindings.ofScalars [ "epsilon", eps; "eta", eta; "normA", st.NormA; "normB", st.NormB; "k", float k ]
                    let instances =
                        Lab.memo lab (sprintf "arora2018/alg1/%s/%s/%g/%g/%d" run.Mode.StreamName st.Label eps eta k) (fun () ->
                            [ for t in 0 .. n - 1 ->
                                let rng = run.Stream(lab, sprintf "%s/eps-%g/eta-%g/trial-%d" st.Label eps eta t)
                                { Evidence.instance (Bindings.scalar "dev" (st.Sampler rng k) b0) rng.Seed (sprintf "%s, eps = %g, eta = %g, k = %d" st.Label eps eta k) with Trial = Some t } ])
                    Evidence.setting (sprintf "%s, eps = %g, eta = %g, k = %d" st.Label eps eta k) instances,
                    sprintf "%s: the -2 sum A^2 B^2 term of Rademacher helpers is %.2g of the variance" st.Label st.CorrectionTerm ]
        let estimate, figures, note = calibrationSummary lab run.Mode
        { Evidence.ofSettings (List.map fst rows) with Constant = Some estimate }
        |> Evidence.withFigures figures
        |> Evidence.withNotes
            ([ note
               (if run.Mode = CheckMode.Synthetic then "synthetic: literal +-1 helpers on a Gaussian 8x8 A with random u, v; Gaussian helpers with the exact pair covariance on a Gaussian A of layer 1's shape and variance"
                else "real: trained layers 1 and d; Gaussian helpers with the exact pair covariance (the literal +-1 law differs by the -2 sum A^2 B^2 variance term, reported per setting)") ]
             @ (List.map snd rows |> List.distinct)))

/// Lemma 2 with Gaussian helpers: for the pairs (U_s, x_s), s = 1..m, the per-helper vector (⟨A, M⟩, (u_rᵀ M x_s)_{s,r})
/// is Gaussian with the Gram matrix of {A, u_r x_sᵀ}; k such vectors give every u_rᵀ(Â − A)x_s of a trial exactly.
type private L2Setting = { Label: string; Dim: int; AB: float[]; Scale: float[]; Pairs: int; Rows: int; Root: float[] }

let private l2Setting (lab: Lab) label (normA: float) (us: float[][][]) (xs: float[][]) (a: float[]) rows cols =
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
    let struct (values, vectors) = lab.LinearAlgebra.SymmetricEigen(ReadOnlySpan gram, dim, true)
    let vecsM = match vectors with NonNull v -> v | Null -> failwith "SymmetricEigen returned no eigenvectors"
    // Root R with R Rᵀ = Gram (clipping round-off negatives): a helper's vector is R ξ.
    let root = Array.init (dim * dim) (fun idx -> let i, j = idx / dim, idx % dim in vecsM.[j * dim + i] * sqrt (max 0.0 values.[j]))
    let scale = Array.init m (fun s -> normA * sqrt (Array.sumBy (fun (u: float[]) -> dot u u) us.[s]) * norm xs.[s])
    { Label = label; Dim = dim; AB = ab; Scale = scale; Pairs = m; Rows = n; Root = root }

let private l2Trial (lab: Lab) (st: L2Setting) (rng: Rng) (k: int) =
    let dim = st.Dim
    let xi = gaussianVector rng (k * dim)
    let y = Array.zeroCreate<float> (k * dim)
    lab.LinearAlgebra.Gemm(Transpose.No, Transpose.Yes, k, dim, dim, 1.0, ReadOnlySpan xi, dim, ReadOnlySpan st.Root, dim, 0.0, Span y, dim)
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

let private l2Settings (lab: Lab) (mode: CheckMode) =
    Lab.memo lab ("arora2018/l2-settings/" + mode.StreamName) (fun () ->
        let net = network lab mode
        let d = net.Depth
        let m = min 30 lab.Train.Count
        let eye n = Array.init n (fun r -> Array.init n (fun i -> if i = r then 1.0 else 0.0))
        match mode with
        | CheckMode.Synthetic ->
            let rng = stream lab "l2" mode "model"
            let a = gaussianVector rng 64
            let xs8 = Array.init 5 (fun _ -> gaussianVector rng 8)
            let rows, cols = net.Rows.[d], net.Cols.[d]
            let w = net.W.[d]
            let xsBig = Array.init m (fun _ -> gaussianVector rng cols)
            [ l2Setting lab "8x8 Gaussian A, U = I_8, 5 Gaussian x" (norm a) (Array.init 5 (fun _ -> eye 8)) xs8 a 8 8
              l2Setting lab (sprintf "%dx%d Gaussian A (last layer's shape), U = I, %d Gaussian x" rows cols m) (norm w) (Array.init m (fun _ -> eye rows)) xsBig w rows cols ]
        | CheckMode.RealNetwork ->
            let t = trainTrace lab mode
            let pick l = [| 0 .. lab.Train.Count - 1 |] |> Array.filter (fun i -> t.PhiNorm.[l - 1].[i] > 0.0) |> Array.truncate m
            let last =
                let idx = pick d
                let cols = net.Cols.[d]
                l2Setting lab (sprintf "layer %d, U = J^{d,d} = I, %d training inputs" d idx.Length) (norm net.W.[d]) (Array.init idx.Length (fun _ -> eye net.Rows.[d]))
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
                  l2Setting lab (sprintf "layer %d, U = J^{d-1,d} = A^d D^{d-1}, %d training inputs" l idx.Length) (norm net.W.[l]) us
                      (idx |> Array.map (fun i -> Array.sub t.Phi.[l - 1] (i * cols) cols)) net.W.[l] rows cols ])

/// ARORA-L2: per setting, N trials of Matrix-Project with k = ⌈C_k ln(mn/δ)/ε²⌉ (ε = 0.5, δ = 0.1): the worst normalised
/// error over the m pairs (U, x).
let l2 =
    Experiment.create [ "worst"; "epsilon"; "delta"; "k"; "m"; "n" ] (fun lab run ->
        let eps, delta = 0.5, 0.1
        let rows =
            [ for st in l2Settings lab run.Mode ->
                let k = helperCount run (log (float (st.Pairs * st.Rows) / delta)) eps
                let b0 = Bindings.ofScalars [ "epsilon", eps; "delta", delta; "m", float st.Pairs; "n", float st.Rows; "k", float k ]
                let instances =
                    [ for t in 0 .. lab.Budget.Trials - 1 ->
                        let rng = run.Stream(lab, sprintf "%s/trial-%d" st.Label t)
                        { Evidence.instance (Bindings.scalar "worst" (l2Trial lab st rng k) b0) rng.Seed (sprintf "%s, k = %d" st.Label k) with Trial = Some t } ]
                let worsts = instances |> List.map (fun i -> scalarOf "worst" i.Bindings) |> Array.ofList
                Evidence.setting st.Label instances,
                Figure.Histogram(sprintf "%s: %s, worst ||U(Ahat - A)x||/(||A||_F ||U||_F ||x||)" run.Mode.StreamName st.Label, "worst ratio", worsts, [ "epsilon", eps ]),
                sprintf "%s: m = %d pairs, n = %d rows, eta = delta/(mn) = %.3g, k = %d" st.Label st.Pairs st.Rows (delta / float (st.Pairs * st.Rows)) k ]
        Evidence.ofSettings (rows |> List.map (fun (s, _, _) -> s))
        |> Evidence.withFigures (rows |> List.map (fun (_, f, _) -> f))
        |> Evidence.withNotes
            ((rows |> List.map (fun (_, _, n) -> n))
             @ [ sprintf "eps = %g, delta = %g; Gaussian helpers: per helper the vector (<A, M>, (u_r^T M x_s)) is drawn from the exact Gram matrix of {A, u_r x_s^T} (same second moments as +-1 helpers up to the -2 sum A^2 B^2 term)" eps delta ]))

/// The section's lemmas.
let lemmas =
    [ Lemma.create P.p31 P.p31Mutants p31
      Lemma.create P.p31Srank P.p31SrankMutants p31Srank
      Lemma.create P.alg1 P.alg1Mutants alg1
      Lemma.create P.alg1Calibrated P.alg1CalibratedMutants alg1
      Lemma.create P.l2 P.l2Mutants l2 ]
