/// `genbounds reproduce sulam2023-*`: Muthukumar & Sulam (2023)'s Figures 1-5 through the sweep runner, ours next to the
/// values the catalog extracted from the paper's figures (SULAM-X2-X4), with the ratio or difference per point, the
/// qualitative claims of §4 checked by the one checker, and the readings of the open choices (X5) on the key target.
module GenBounds.Cli.ReproduceSulam

open System
open System.Globalization
open System.Text
open System.Text.Json
open System.Text.Json.Nodes
open GenBounds.Symbolic
open GenBounds.Sweeps
open GenBounds.Verification
open GenBounds.Cli.Args
open GenBounds.Cli.Common

/// The targets this module reproduces.
let targets = [ "sulam2023-fig1"; "sulam2023-fig3"; "sulam2023-fig2"; "sulam2023-fig5"; "sulam2023-readings" ]

/// Catalog SULAM-X2 (Fig. 1) and X3 (Figs. 3-4): (hidden, prior) -> (bound, "test error") per training fraction 0.2..1.
let paperBounds =
    dict
        [ ("100", "zero"), ([| 3.40; 2.79; 2.43; 2.18; 2.06 |], [| 0.184; 0.178; 0.162; 0.172; 0.163 |])
          ("100", "data"), ([| 0.415; 0.308; 0.264; 0.285; 0.240 |], [| 0.118; 0.111; 0.089; 0.087; 0.083 |])
          ("500", "zero"), ([| 3.06; 2.45; 2.14; 2.00; 1.90 |], [| 0.156; 0.158; 0.151; 0.155; 0.170 |])
          ("500", "data"), ([| 1.154; 1.084; 1.065; 1.055; 1.049 |], [| 0.087; 0.068; 0.058; 0.058; 0.056 |])
          ("1000", "zero"), ([| 2.72; 2.21; 1.96; 1.84; 1.75 |], [| 0.149; 0.157; 0.154; 0.152; 0.156 |])
          ("1000", "data"), ([| 1.161; 1.084; 1.066; 1.056; 1.049 |], [| 0.085; 0.069; 0.060; 0.055; 0.053 |])
          ("100-100", "zero"), ([| 6.02; 4.58; 3.77; 3.46; 3.30 |], [| 0.179; 0.159; 0.156; 0.185; 0.153 |])
          ("100-100", "data"), ([| 1.408; 1.152; 1.105; 1.083; 1.067 |], [| 0.086; 0.072; 0.065; 0.063; 0.058 |])
          ("500-500", "zero"), ([| 5.33; 4.05; 3.55; 3.15; 2.92 |], [| 0.153; 0.145; 0.143; 0.149; 0.151 |])
          ("500-500", "data"), ([| 1.383; 1.183; 1.112; 1.087; 1.071 |], [| 0.076; 0.070; 0.060; 0.054; 0.049 |]) ]

/// Catalog SULAM-X4: mean kappa at eps = 1e-4, ~1.8e-3, ~8.7e-3, 0.05 (indices 0, 1, 5, 29 of linspace(1e-4, 0.05, 30)).
let paperKappa =
    dict
        [ "50-50", [| 0.748; 0.759; 0.794; 0.918 |]; "100-100", [| 0.708; 0.725; 0.779; 0.934 |]
          "500-500", [| 0.584; 0.659; 0.724; 0.933 |]; "1000-1000", [| 0.527; 0.638; 0.699; 0.934 |]
          "50", [| 0.692; 0.703; 0.744; 0.924 |]; "100", [| 0.672; 0.686; 0.740; 0.943 |]
          "500", [| 0.622; 0.642; 0.719; 0.970 |]; "1000", [| 0.604; 0.628; 0.716; 0.979 |] ]

let private kappaColumns = [| 0; 1; 5; 29 |]

/// The paper's crossing eps of the widest and narrowest kappa curves (catalog X4, claim 3).
let private paperCrossing = dict [ "sulam2023-fig2", 0.04; "sulam2023-fig5", 0.014 ]

let private inv (x: float) = x.ToString("G4", CultureInfo.InvariantCulture)

let private num (n: JsonNode) =
    match n with
    | null -> nan
    | n when n.GetValueKind() = JsonValueKind.String -> (match Double.TryParse(n.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture) with | true, v -> v | _ -> nan)
    | n -> n.GetValue<float>()

let private strings (name: string) (text: string) =
    text.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries)
    |> Array.map (fun v -> if String.IsNullOrWhiteSpace v then raise (UsageError(sprintf "--%s has an empty item" name)) else v)

let private floats (name: string) (text: string) =
    strings name text |> Array.map (fun v ->
        match Double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture) with
        | true, x when x > 0.0 && x <= 1.0 -> x
        | _ -> raise (UsageError(sprintf "--%s expects numbers in (0, 1], got '%s'" name v)))

let private nets (p: Parsed) (fallback: string) =
    let items = strings "nets" (p.TryGet "nets" |> Option.defaultValue fallback)
    for n in items do
        if n.Split('-') |> Array.exists (fun w -> match Int32.TryParse w with | true, v -> v <= 0 | _ -> true) then
            raise (UsageError(sprintf "--nets expects hidden widths like 100 or 100-100, got '%s'" n))
    items

let private arr (xs: JsonNode seq) = JsonArray(Array.ofSeq xs)

/// The sweep of a target (validated arguments; defaults per target).
let sweepOf (target: string) (p: Parsed) =
    let seeds = strings "seeds" (p.Get "seeds") |> Array.map (fun s -> match UInt64.TryParse s with | true, v -> v | _ -> raise (UsageError(sprintf "--seeds expects non-negative integers, got '%s'" s)))
    let fixedCommon =
        [ yield "steps", jint (int64 (p.TryInt "steps" |> Option.defaultValue 5000))
          match p.TryFloat "input-bound" with Some v -> yield "input_bound", jnum v | None -> () ]
    let steps = p.TryInt "steps" |> Option.defaultValue 5000
    if steps < 1 then raise (UsageError "--steps must be at least 1")
    let spec name task (grid: (string * JsonNode seq) list) (fixedParams: (string * JsonNode) list) =
        let json = obj [ "name", jstr name; "task", jstr task; "grid", obj [ for a, v in grid -> a, (arr v :> JsonNode) ]; "fixed", obj fixedParams ]
        SweepSpec.Parse(json.ToJsonString(), name + " sweep")
    let seedNodes = seeds |> Seq.map (fun s -> JsonValue.Create s :> JsonNode)
    match target with
    | "sulam2023-fig1" | "sulam2023-fig3" ->
        let defaultNets = if target = "sulam2023-fig1" then "100,500,1000" else "100-100,500-500"
        let priors = strings "priors" (p.TryGet "priors" |> Option.defaultValue "zero,data")
        for pr in priors do if pr <> "zero" && pr <> "data" then raise (UsageError(sprintf "--priors expects zero and/or data, got '%s'" pr))
        let fractions = floats "fractions" (p.TryGet "fractions" |> Option.defaultValue "0.2,0.4,0.6,0.8,1")
        spec target "sulam2023-bound"
            [ "hidden", nets p defaultNets |> Seq.map jstr; "prior", priors |> Seq.map jstr; "fraction", fractions |> Seq.map jnum; "seed", seedNodes ]
            fixedCommon
    | "sulam2023-fig2" | "sulam2023-fig5" ->
        let defaultNets = if target = "sulam2023-fig5" then "50,100,500,1000" else "50-50,100-100,500-500,1000-1000"
        spec target "sulam2023-activity" [ "hidden", nets p defaultNets |> Seq.map jstr; "seed", seedNodes ]
            (fixedCommon @ [ "samples", jint (int64 (p.TryInt "samples" |> Option.defaultValue 0)) ])
    | "sulam2023-readings" ->
        spec target "sulam2023-bound"
            [ "reading", SulamReadings.All |> Seq.map (fun struct (name, _, _) -> jstr name); "seed", seedNodes ]
            (fixedCommon @ [ "hidden", jstr (nets p "100").[0]; "prior", jstr "data"; "fraction", jnum (p.TryFloat "fraction" |> Option.defaultValue 1.0) ])
    | other -> raise (UsageError(sprintf "unknown target '%s'" other))

/// Checks one of the qualitative claims (GenBounds.Proofs.Sulam2023.Activity) on instances built from the sweep.
let private checkClaim (s: Statement) (instances: (string * (string * float) list) list) =
    if instances.IsEmpty then
        obj [ "id", jstr s.Id; "claim", jstr s.Informal; "verdict", jstr "not checked"; "detail", jstr "needs nets of at least two widths in this sweep" ]
    else
        let e = Evidence.ofInstances [ for label, b in instances -> Evidence.instance (Bindings.ofScalars b) 0UL label ]
        let r = Checker.check s CheckMode.RealNetwork 1UL e
        let detail =
            match r.Verdict with
            | Verdict.Violated w -> w.Description
            | Verdict.Inconclusive w | Verdict.Vacuous w -> w
            | _ -> String.Join("; ", instances |> List.map (fun (l, b) -> l + ": " + String.Join(", ", b |> List.map (fun (k, v) -> k + " = " + inv v))))
        obj [ "id", jstr s.Id; "claim", jstr s.Informal; "verdict", jstr r.Verdict.Label; "detail", jstr detail ]

let private widthOf (hidden: string) = hidden.Split('-') |> Array.map int |> Array.max

/// The report of a bound target (fig1, fig3): per (net, prior) ours, the paper's and the ratio per training size.
let private boundReport (target: string) (results: JsonObject list) =
    let sb = StringBuilder()
    let groups = results |> List.groupBy (fun r -> r["hidden"].GetValue<string>(), r["prior"].GetValue<string>()) |> List.sortBy (fun ((h, pr), _) -> widthOf h, h, pr)
    let table = JsonArray()
    for (hidden, prior), rs in groups do
        let rs = rs |> List.groupBy (fun r -> num r["fraction"]) |> List.sortBy fst
        let paper = match paperBounds.TryGetValue((hidden, prior)) with | true, v -> Some v | _ -> None
        sb.AppendLine(sprintf "\n### hidden %s, prior %s\n" hidden (if prior = "zero" then "P0" else "P_data")) |> ignore
        sb.AppendLine("| fraction | m (bound) | T13 ours | T13 paper | ours / paper | T11 ours | val. error ours | paper error | ours − paper |") |> ignore
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|") |> ignore
        for fraction, points in rs do
            let mean (key: string) = points |> List.averageBy (fun r -> num r[key])
            let idx = [| 0.2; 0.4; 0.6; 0.8; 1.0 |] |> Array.tryFindIndex (fun f -> abs (f - fraction) < 1e-9)
            let pb, pe = match paper, idx with Some(b, e), Some i -> b.[i], e.[i] | _ -> nan, nan
            let t13, t11, err, m = mean "bound_t13", mean "bound_t11", mean "validation_error", mean "m_bound"
            sb.AppendLine(sprintf "| %s | %.0f | %s | %s | %s | %s | %s | %s | %s |" (inv fraction) m (inv t13) (inv pb) (inv (t13 / pb)) (inv t11) (inv err) (inv pe) (inv (err - pe))) |> ignore
            table.Add(obj [ "hidden", jstr hidden; "prior", jstr prior; "fraction", jnum fraction; "m_bound", jnum m; "t13", jnum t13; "t13_paper", jnum pb; "ratio", jnum (t13 / pb)
                            "t11", jnum t11; "validation_error", jnum err; "error_paper", jnum pe; "error_difference", jnum (err - pe) ])
    // The key target and the width claim (Fig. 1 only).
    let claims = JsonArray()
    let mutable key = ""
    if target = "sulam2023-fig1" then
        match results |> List.filter (fun r -> r["hidden"].GetValue<string>() = "100" && r["prior"].GetValue<string>() = "data" && abs (num r["fraction"] - 1.0) < 1e-9) with
        | [] -> key <- "key target (width 100, P_data, largest m) not in this sweep"
        | rs ->
            let b = rs |> List.averageBy (fun r -> num r["bound_t13"])
            let e = rs |> List.averageBy (fun r -> num r["validation_error"])
            key <-
                sprintf "key target (width 100, P_data, m = 55k): ours %s (T13), validation error %s; paper 0.240 and 0.083 -> %s" (inv b) (inv e)
                    (if b <= 0.3 then "reproduced within 0.3" else "REPRODUCTION FAILURE under our default reading (every reading tried: `genbounds reproduce sulam2023-readings`)")
        let zero = results |> List.filter (fun r -> r["prior"].GetValue<string>() = "zero")
        let widths = zero |> List.map (fun r -> r["hidden"].GetValue<string>()) |> List.distinct |> List.sortBy widthOf
        let instances =
            if widths.Length < 2 then []
            else
                [ for f in zero |> List.map (fun r -> num r["fraction"]) |> List.distinct |> List.sort do
                    let at (h: string) = zero |> List.filter (fun r -> r["hidden"].GetValue<string>() = h && num r["fraction"] = f) |> List.averageBy (fun r -> num r["bound_t13"])
                    yield sprintf "fraction %s: width %s vs %s" (inv f) (List.last widths) widths.Head, [ "boundWidest", at (List.last widths); "boundNarrowest", at widths.Head ] ]
        claims.Add(checkClaim GenBounds.Proofs.Sulam2023.Activity.c4 instances)
    sb.ToString(), table, claims, key

/// The report of an activity target (fig2, fig5): mean kappa ours vs the paper at four eps, histograms, claims 1-3.
let private activityReport (target: string) (results: JsonObject list) =
    let sb = StringBuilder()
    let results = results |> List.sortBy (fun r -> widthOf (r["hidden"].GetValue<string>()))
    sb.AppendLine("| net | eps | mean kappa ours | paper | ours − paper |") |> ignore
    sb.AppendLine("|---|---|---|---|---|") |> ignore
    let table = JsonArray()
    let kappaOf (r: JsonObject) = r["mean_kappa"].AsArray() |> Seq.map num |> Array.ofSeq
    let epsOf (r: JsonObject) = r["epsilon"].AsArray() |> Seq.map num |> Array.ofSeq
    for r in results do
        let hidden = r["hidden"].GetValue<string>()
        let k, e = kappaOf r, epsOf r
        let paper = match paperKappa.TryGetValue hidden with | true, v -> Some v | _ -> None
        for ci, i in Array.indexed kappaColumns do
            if i < k.Length then
                let pv = paper |> Option.map (fun v -> v.[ci]) |> Option.defaultValue nan
                sb.AppendLine(sprintf "| %s | %s | %s | %s | %s |" hidden (inv e.[i]) (inv k.[i]) (inv pv) (inv (k.[i] - pv))) |> ignore
                table.Add(obj [ "hidden", jstr hidden; "epsilon", jnum e.[i]; "kappa", jnum k.[i]; "kappa_paper", jnum pv; "difference", jnum (k.[i] - pv) ])
        let hist = r["histogram"].AsArray() |> Seq.map num |> Array.ofSeq
        let bins = hist.Length
        let mode = hist |> Array.indexed |> Array.maxBy snd |> fst
        sb.AppendLine(sprintf "| %s | histogram at eps = %s | mode bin [%s, %s) | | |" hidden (inv e.[0]) (inv (float mode / float bins)) (inv (float (mode + 1) / float bins))) |> ignore
    let claims = JsonArray()
    let c1 =
        [ for a, b in List.pairwise results ->
            sprintf "%s vs %s" (b["hidden"].GetValue<string>()) (a["hidden"].GetValue<string>()), [ "kappaWider", (kappaOf b).[0]; "kappaNarrower", (kappaOf a).[0] ] ]
    claims.Add(checkClaim GenBounds.Proofs.Sulam2023.Activity.c1 c1)
    let c2 = [ for r in results -> r["hidden"].GetValue<string>(), [ "kappaMax", Array.last (kappaOf r) ] ]
    claims.Add(checkClaim GenBounds.Proofs.Sulam2023.Activity.c2 c2)
    let mutable crossing = nan
    let c3 =
        match results with
        | narrow :: _ :: _ ->
            let wide = List.last results
            let kn, kw, e = kappaOf narrow, kappaOf wide, epsOf wide
            crossing <- (Array.zip3 e kn kw |> Array.tryFind (fun (_, a, b) -> b >= a) |> Option.map (fun (x, _, _) -> x) |> Option.defaultValue nan)
            [ sprintf "%s vs %s at eps = %s" (wide["hidden"].GetValue<string>()) (narrow["hidden"].GetValue<string>()) (inv (Array.last e)), [ "kappaNarrowAtMax", Array.last kn; "kappaWideAtMax", Array.last kw ] ]
        | _ -> []
    claims.Add(checkClaim GenBounds.Proofs.Sulam2023.Activity.c3 c3)
    sb.AppendLine(sprintf "\nCrossing of the widest and narrowest curves: ours at eps = %s, paper about %s." (inv crossing) (inv paperCrossing.[target])) |> ignore
    sb.ToString(), table, claims

/// The report of the readings target: one row per reading of the open choices.
let private readingsReport (results: JsonObject list) =
    let sb = StringBuilder()
    sb.AppendLine("| reading | valid bound? | T13 | T11 | best eps-bar | alpha | margin loss | KL | validation error |") |> ignore
    sb.AppendLine("|---|---|---|---|---|---|---|---|---|") |> ignore
    let table = JsonArray()
    for r in results do
        let name = r["reading"].GetValue<string>()
        let best = r["best_t13"].AsObject()
        let valid = r["valid_bound"].GetValue<bool>()
        let klSum = best["kl"].AsArray() |> Seq.map num |> Seq.sum
        sb.AppendLine(sprintf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |" name (if valid then "yes" else "NO") (inv (num r["bound_t13"])) (inv (num r["bound_t11"]))
                          (inv (num best["epsilon_bar"])) (inv (num best["alpha"])) (inv (num best["margin_loss"])) (inv klSum) (inv (num r["validation_error"]))) |> ignore
        table.Add(obj [ "reading", jstr name; "valid_bound", jbool valid; "t13", jnum (num r["bound_t13"]); "t11", jnum (num r["bound_t11"]); "validation_error", jnum (num r["validation_error"]) ])
    let validBest = results |> List.filter (fun r -> r["valid_bound"].GetValue<bool>()) |> List.map (fun r -> num r["bound_t13"]) |> List.fold min infinity
    let anyBest = results |> List.map (fun r -> num r["bound_t13"]) |> List.fold min infinity
    let verdict =
        if validBest <= 0.3 then sprintf "reproduced: the best valid reading gives %s <= 0.3 (paper 0.24)" (inv validBest)
        else sprintf "REPRODUCTION FAILURE: the best valid reading gives %s and the best of every reading (optimistic ones included) %s, against the paper's 0.24" (inv validBest) (inv anyBest)
    sb.AppendLine("\n" + verdict) |> ignore
    sb.ToString(), table, verdict

/// Runs a Sulam target: the sweep (this shard), then, when every point exists, the report folder's table.md and claims.
let run (target: string) (p: Parsed) (runSweep: Parsed -> SweepSpec -> string -> bool -> SweepRunner * SweepRunSummary) (mergeSweep: Parsed -> string -> unit) =
    let sweep = sweepOf target p
    let folder = p.TryGet "out" |> Option.defaultWith (fun () -> IO.Path.Combine(repoRoot (), "runs", "reproduce", target))
    let quiet = p.Has "json"
    let runner, summary = runSweep p sweep folder quiet
    let merged = runner.Merge(sweep, folder, allowPartial = true)
    let missing = merged["missing"].AsArray().Count
    let o =
        obj [ "command", jstr "reproduce"; "table", jstr target; "folder", jstr summary.Folder
              "shard", jstr (sprintf "%d/%d" summary.Shard.Index summary.Shard.Count); "computed", jint (int64 summary.Computed)
              "reused", jint (int64 summary.Reused); "points", jint (int64 sweep.Count); "missing", jint (int64 missing) ]
    if missing = 0 then
        mergeSweep p folder
        let results = [ for pt in merged["points"].AsArray() -> pt.["result"].AsObject() ]
        let header =
            "Muthukumar & Sulam (2023), " + target + ". Ours: this sweep (provisional figures on a shared machine); paper: values the catalog extracted from the figures' vector data (about ±1%; histograms read by eye, UNVERIFIED).\n"
            + "Every open choice (catalog SULAM-X5) is recorded per point in merged.json (`choices`).\n"
        let md, table, claims, extra =
            match target with
            | "sulam2023-fig1" | "sulam2023-fig3" -> let md, t, c, k = boundReport target results in md, t, c, [ k ]
            | "sulam2023-fig2" | "sulam2023-fig5" -> let md, t, c = activityReport target results in md, t, c, []
            | _ -> let md, t, v = readingsReport results in md, t, JsonArray(), [ v ]
        let claimLines =
            [ for c in claims -> sprintf "- %s (%s): **%s** — %s" (c.["id"].GetValue<string>()) (c.["claim"].GetValue<string>()) (c.["verdict"].GetValue<string>()) (c.["detail"].GetValue<string>()) ]
        let collapsed = results |> List.filter (fun r -> match r["collapsed"] with | null -> false | c -> c.GetValue<bool>())
        let warning =
            if collapsed.IsEmpty then ""
            else
                sprintf "WARNING: %d of %d trained nets collapsed onto the zero network (every logit below %s on inputs of norm <= M_X; softmax uniform, predictions at chance): the recipe as read (lambda = 1 on the summed squared Frobenius distances, SGD lr 0.01, 5,000 steps) shrinks a bias-free net toward 0, where the cross-entropy gradient vanishes. The figures of those nets are not a reproduction of the paper's trained networks.\n"
                    collapsed.Length results.Length (inv GenBounds.Sparsity.SparseNetwork.CollapseLogit)
        let text = header + warning + "\n" + String.Join("\n", extra |> List.filter ((<>) "")) + "\n" + md + (if claimLines.IsEmpty then "" else "\nQualitative claims (checked by the verifier's checker):\n" + String.Join("\n", claimLines) + "\n")
        GenBounds.IO.AtomicFile.WriteAllBytes(IO.Path.Combine(folder, "table.md"), UTF8Encoding(false).GetBytes text)
        o["comparison"] <- table
        o["claims"] <- claims
        o["markdown"] <- jstr text
        o["collapsed_nets"] <- jint (int64 collapsed.Length)
    o
