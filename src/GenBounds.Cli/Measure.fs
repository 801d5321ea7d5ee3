/// `genbounds measure`: the noise-stability quantities of Arora et al. (2018) on a model and a training sample —
/// norms, layer and interlayer cushions, activation contraction, interlayer smoothness, noise attenuation, margins —
/// written as JSON and per-sample CSV.
module GenBounds.Cli.Measure

open System
open System.IO
open System.Diagnostics
open System.Text.Json.Nodes
open GenBounds.Data
open GenBounds.Measures
open GenBounds.Random
open GenBounds.Compression
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let spec =
    { Name = "measure"
      Summary = "noise-stability measures (Arora et al. 2018) of a model on training points: JSON + per-sample CSV"
      Positionals = [ "MODEL", "a .safetensors model" ]
      Options =
        [ opt "samples" "N" "number of training points: a seeded random subset of N (the one `verify --samples N` uses with the same seed; 0 = all)" (Some "10000")
          opt "probes" "P" "use the randomised Jacobian estimator with P probes per sample instead of exact Jacobians" None
          opt "zeta" "Z" "outlier fraction: quantities on the 1-Z fraction of S (Corollary A.1)" (Some "0")
          opt "smoothness-eps" "EPS" "accuracy eps of Lemma 3's compression noise (default: Lemma 10's eps = gamma/(sqrt 2 max ||f||) at gamma = the median positive margin, as verify uses; 0 = skip)" None
          opt "smoothness-draws" "N" "whole-network compression draws for rho_delta (verify uses as many as its trial budget allows)" (Some "20")
          opt "delta" "D" "delta of rho_delta" (Some "0.1")
          opt "psi-draws" "P" "Monte Carlo draws per sample of the noise sensitivity psi of M^{i,d} (0 = skip)" (Some "16")
          flag "no-attenuation" "skip the noise-attenuation experiment (10% Gaussian noise per layer)"
          opt "gamma" "G" "margin for the Theorem 4.1 proxy (default: the minimum training margin, if positive)" None
          opt "seed" "N" "master seed (streams: measure/attenuation, measure/smoothness)" (Some "1")
          opt "out" "DIR" "folder for measures.json and per-sample.csv (default reports/measures-MODEL)" None ]
        @ dataOptions @ [ threadOption; jsonFlag; quietFlag ] }

let private dist (d: Distribution) =
    obj [ "count", jint (int64 d.Count); "mean", jnum d.Mean; "min", jnum d.Min; "q05", jnum d.Q05; "median", jnum d.Median; "q95", jnum d.Q95; "max", jnum d.Max ]

let run (p: Parsed) =
    let sw = Stopwatch.StartNew()
    let path = match p.Positionals with [ m ] -> m | _ -> raise (UsageError "measure needs a MODEL file")
    let net, _ = Eval.loadModel path
    let la = provider p
    let train, _ = loadData p
    if train.Dimension <> net.Architecture.InputSize then
        raise (InputError(sprintf "model expects %d inputs but %s has dimension %d" net.Architecture.InputSize train.Name train.Dimension))
    let seeds = SeedStreams(p.UInt64 "seed")
    let data =
        match p.Int "samples" with
        | 0 -> train
        | k when k < 0 || k > train.Count -> raise (UsageError(sprintf "--samples must be in 0..%d" train.Count))
        | k when k = train.Count -> train
        | k -> train.Subset(k, seeds.Stream(SeedStreams.Names.Data + "/subset"))
    let zeta = p.Float "zeta"
    if zeta < 0.0 || zeta >= 1.0 then raise (UsageError "--zeta must be in [0, 1)")
    let options =
        MeasureOptions(
            ExactJacobians = (p.TryInt "probes" |> Option.isNone),
            EstimatorProbes = (p.TryInt "probes" |> Option.defaultValue 0),
            Attenuation = not (p.Has "no-attenuation"),
            Rng = seeds.Stream "measure/attenuation",
            Provider = la)
    let out =
        p.TryGet "out" |> Option.defaultWith (fun () ->
            Path.Combine(repoRoot (), "reports", "measures-" + Path.GetFileNameWithoutExtension path))
    ensureWritable "--out" (Path.Combine(out, "measures.json"))
    let m = NetworkMeasures.Compute(net, data.Features, data.Count, data.Labels, options)
    let layers = JsonArray()
    for l in m.Layers zeta do
        layers.Add(
            obj [ "layer", jint (int64 l.Layer)
                  "spectral_norm", jnum l.Norms.Spectral; "frobenius_norm", jnum l.Norms.Frobenius; "stable_rank", jnum l.Norms.StableRank
                  "norm_l1_inf", jnum l.Norms.L1Inf; "norm_l1_2", jnum l.Norms.L12; "norm_l2_1", jnum l.Norms.L21
                  "layer_cushion", jnum l.LayerCushion; "min_interlayer_cushion", jnum l.MinimalInterlayerCushion
                  "contraction", jnum l.Contraction; "mean_active_fraction", jnum l.MeanActiveFraction
                  "effective_parameters", jnum l.EffectiveParameters; "actual_parameters", jint l.ActualParameters ])
    let pairs = JsonArray()
    let d = net.Architecture.Depth
    for i in 1 .. d - 1 do
        for j in i + 1 .. d do
            pairs.Add(obj [ "i", jint (int64 i); "j", jint (int64 j); "interlayer_cushion", jnum (m.InterlayerCushion(i, j, zeta)) ])
    let attenuation = JsonArray()
    match Option.ofObj m.Attenuation with
    | Some a ->
        for i in 1 .. d do
            for j in i .. d do
                attenuation.Add(obj [ "inject", jint (int64 i); "layer", jint (int64 j); "relative_error", (dist (a.Summary(i, j)) :> JsonNode) ])
    | None -> ()
    let gamma = p.TryFloat "gamma" |> Option.defaultWith (fun () -> m.MinMargin zeta)
    let la' = la
    let dn = DoubleMlp net
    // ρ_δ: the engine's compression draws at Lemma 3's plan, exactly as verify takes them (same streams, same plan).
    let delta = p.Float "delta"
    if not (delta > 0.0 && delta < 1.0) then raise (UsageError "--delta must be in (0, 1)")
    let rho =
        let marginsOf = match m.Margin with null -> [||] | a -> a
        let gammaPlan = NoiseStability.MedianPositiveMargin(ReadOnlySpan marginsOf)
        let eps = p.TryFloat "smoothness-eps" |> Option.defaultWith (fun () -> NoiseStability.Lemma10Epsilon(gammaPlan, m.MaxOutputNorm()))
        if eps <= 0.0 then None
        else
            match (try Ok(NoiseStability.Plan(m, data.Count, eps, delta)) with :? ArgumentException as e -> Error e.Message) with
            | Error e -> Some(Error e)
            | Ok plan ->
                let chunks = NoiseStability.Chunks(dn, data.Features, data.Count, la')
                let workspace = NoiseStability.Workspace()
                let draws =
                    Array.init (max 1 (p.Int "smoothness-draws")) (fun t ->
                        NoiseStability.Draw(dn, chunks, data.Labels, plan.HelperCounts, eps, NoiseStability.DrawStream(seeds, "real", t), la', workspace))
                Some(Ok(eps, plan, draws, NoiseStability.RhoDelta(draws |> Array.map (fun d -> d.R), delta)))
    let psi = JsonArray()
    let psiDraws = p.Int "psi-draws"
    if psiDraws >= 2 then
        for i in 0 .. net.Architecture.Depth - 1 do
            let rng = seeds.Stream(sprintf "measure/psi/%d" i)
            let est =
                [| for struct (off, clean) in ForwardTrace.Chunks(dn, data.Features, data.Count, 1024, false, la') do
                     yield! NoiseSensitivity.MonteCarlo(NoiseSensitivity.SubNetwork(dn, i, dn.Depth, la'), dn.Widths[i], dn.Widths[dn.Depth], ReadOnlySpan clean.X[i], clean.Count, psiDraws, rng.Split(string off)) |]
            let means = est |> Array.map (fun e -> e.Mean)
            let top = Array.IndexOf(means, Array.max means)
            psi.Add(obj [ "i", jint (int64 i); "j", jint (int64 dn.Depth); "psi_S", jnum means[top]; "argmax_sample", jint (int64 top)
                          "std_error_at_argmax", jnum est[top].StandardError; "mean_over_S", jnum (Array.average means); "draws_per_sample", jint (int64 psiDraws) ])
    let phases = JsonObject()
    for kv in m.PhaseSeconds do phases[kv.Key] <- jnum kv.Value
    let caveats = JsonArray()
    for c in m.Caveats do caveats.Add(jstr c)
    let result =
        obj [ "command", jstr "measure"
              "model", jstr (Path.GetFullPath path)
              "model_hash", jstr (net.ContentHash())
              "architecture", jstr (net.Architecture.ToString())
              "data", jstr data.Name
              "data_hash", jstr (data.ContentHash())
              "samples", jint (int64 data.Count)
              "zeta", jnum zeta
              "jacobians", jstr (if m.InterlayerFromEstimator then sprintf "estimator (%d probes)" options.EstimatorProbes else "exact")
              "activation_contraction", jnum (m.C zeta)
              "max_output_norm", jnum (m.MaxOutputNorm zeta)
              "min_margin", jnum (m.MinMargin zeta)
              "gamma", jnum gamma
              "theorem_4_1_proxy", (if gamma > 0.0 then jnum (m.TheoremProxy(gamma, zeta)) else jstr "undefined: margin gamma <= 0 (pass --gamma or --zeta to drop misclassified points)")
              "interlayer_smoothness",
              (match rho with
               | None -> obj [ "skipped", jstr "--smoothness-eps 0" ] :> JsonNode
               | Some(Error e) -> obj [ "undefined", jstr ("Lemma 3 plan undefined: " + e) ] :> JsonNode
               | Some(Ok(eps, plan, draws, r)) ->
                   obj [ "rho_delta_certified", jnum r.Certified
                         "rho_delta_estimate", jnum r.Estimate
                         "rho_delta_ci_lower", jnum r.Lower
                         "rho_delta_ci_upper", jnum r.Upper
                         "certified_at_delta", jbool r.CertifiedAtDelta
                         "delta", jnum delta
                         "draws", jint (int64 draws.Length)
                         "rho_per_draw", (let a = JsonArray() in (for d in draws do a.Add(jnum d.R)); a :> JsonNode)
                         "noise", jstr (sprintf "Lemma 3's compression of every layer (Gaussian surrogate of Matrix-Project), eps = %g, k_i = %s; draws from streams noise-stability/real/draw-t" eps (String.Join(", ", plan.HelperCounts |> Array.map (sprintf "%.4g")))) ] :> JsonNode)
              "noise_sensitivity", psi
              "layers", layers
              "interlayer_cushions", pairs
              "noise_attenuation", attenuation
              "caveats", caveats
              "phase_seconds", phases
              "seed", jstr (string (p.UInt64 "seed"))
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "out", jstr (Path.GetFullPath out)
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    Directory.CreateDirectory out |> ignore
    GenBounds.IO.AtomicFile.Write(Path.Combine(out, "measures.json"), fun s ->
        use w = new StreamWriter(s, leaveOpen = true)
        w.Write(result.ToJsonString(Text.Json.JsonSerializerOptions(WriteIndented = true))))
    GenBounds.IO.AtomicFile.Write(Path.Combine(out, "per-sample.csv"), fun s ->
        use w = new StreamWriter(s, leaveOpen = true)
        m.WritePerSampleCsv w)
    result
