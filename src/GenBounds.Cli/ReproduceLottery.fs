/// `genbounds reproduce lottery-lenet`: Frankle & Carbin's (2019) LeNet-300-100 lottery-ticket experiment re-run with
/// GenBounds, written as a report folder (report.json, report.md) with their figures beside ours.
module GenBounds.Cli.ReproduceLottery

open System
open System.IO
open System.Diagnostics
open System.Text
open System.Text.Json.Nodes
open GenBounds.Compression
open GenBounds.IO
open GenBounds.Cli.Args
open GenBounds.Cli.Common

let private inv = Globalization.CultureInfo.InvariantCulture
let private pp (x: float) = (100.0 * x).ToString("+0.00;-0.00;0.00", inv)
let private pc (x: float) = (100.0 * x).ToString("0.00", inv) + "%"

/// F&C's "drops off from the original accuracy", read on single runs: the first pruned round from which the early-stop accuracy
/// stays below the dense network's in every later round (a lone dip inside the noise does not count; `firstDip` reports it).
let private dropOff (rounds: ImpRound list) (acc: ImpRound -> float option) (dense: float) =
    let pruned = rounds |> List.filter (fun r -> r.Round > 0) |> Array.ofList
    let below (r: ImpRound) = match acc r with Some a -> a < dense | None -> false
    pruned |> Array.tryFindIndex (fun r -> below r) |> Option.bind (fun _ ->
        seq { 0 .. pruned.Length - 1 } |> Seq.tryFind (fun i -> pruned[i..] |> Array.forall below) |> Option.map (fun i -> pruned[i]))

/// The first pruned round below the dense network at all.
let private firstDip (rounds: ImpRound list) (acc: ImpRound -> float option) (dense: float) =
    rounds |> List.tryFind (fun r -> r.Round > 0 && (match acc r with Some a -> a < dense | None -> false))

/// Frankle & Carbin (2019), §2: LeNet-300-100 on MNIST, winning tickets vs random reinitialisation.
let run (p: Parsed) (folder: string) =
    let sw = Stopwatch.StartNew()
    let o = Prune.parseImp p
    let la = provider p
    let train, validation, test = Prune.splitData p o
    let rounds, resumedAfter = Prune.runImp o train validation test la (Path.Combine(folder, "checkpoints")) false (Progress.modeFor (p.Has "quiet"))
    let rounds = List.ofSeq rounds
    // GUHA-T6.2's arithmetic on the real tickets: Σ_l s_l² at c_s = 1 against the non-zeros they would replace.
    let runner = ImpRunner(o, train, validation, test, la, Path.Combine(folder, "checkpoints"))
    let sketchCount (r: ImpRound) =
        let struct (_, masks) = runner.LoadRound(r.Round)
        let sizes = GuhaBounds.SketchSizes([| for m in masks.Layers -> SparsityStats.Profile(m) |], 1.0)
        GuhaBounds.TicketSketchCount(sizes)
    let sketches = rounds |> List.map (fun r -> r.Round, sketchCount r) |> Map.ofList
    let dense = rounds.Head.Ticket.EarlyStopTestAccuracy
    let ticketAcc (r: ImpRound) = Some r.Ticket.EarlyStopTestAccuracy
    let reinitAcc (r: ImpRound) = match r.Reinit with null -> None | c -> Some c.EarlyStopTestAccuracy
    let best = rounds.Tail |> List.maxBy (fun r -> r.Ticket.EarlyStopTestAccuracy)
    let near21 = rounds.Tail |> List.minBy (fun r -> abs (r.Remaining - 0.211))
    let ticketDrop = dropOff rounds ticketAcc dense
    let reinitDrop = dropOff rounds reinitAcc dense
    let lastRemaining = (List.last rounds).Remaining
    let dropText (d: ImpRound option) (dip: ImpRound option) =
        let dipText = match dip with Some r when Some r <> d -> sprintf "; first dip %s (round %d)" (pc r.Remaining) r.Round | _ -> ""
        match d with
        | Some r -> sprintf "%s (round %d; below from there on%s)" (pc r.Remaining) r.Round dipText
        | None -> sprintf "not within the run (at or above at %s%s)" (pc lastRemaining) dipText
    let comparisons =
        [ "reinitialised tickets drop below the dense network at P_m", "21.1%", dropText reinitDrop (firstDip rounds reinitAcc dense)
          "winning tickets drop below the dense network at P_m", "2.9%", dropText ticketDrop (firstDip rounds ticketAcc dense)
          "best winning-ticket gain over the dense network", "> +0.30 pp at 13.5%",
          sprintf "%s pp at %s" (pp (best.Ticket.EarlyStopTestAccuracy - dense)) (pc best.Remaining)
          "winning ticket minus its reinitialisation at P_m ≈ 21%", "+0.5 pp",
          (match near21.Reinit with
           | null -> "n/a (no controls)"
           | c -> sprintf "%s pp at %s" (pp (near21.Ticket.EarlyStopTestAccuracy - c.EarlyStopTestAccuracy)) (pc near21.Remaining)) ]
    // Markdown report.
    let md = StringBuilder()
    let line (s: string) = md.AppendLine(s) |> ignore
    line (sprintf "# Lottery tickets on %s (MNIST): winning tickets vs random reinitialisation" (if o.Architecture.ToString() = "784-300-100-10" then "LeNet-300-100" else o.Architecture.ToString()))
    line ""
    line (sprintf "Reproduction of Frankle & Carbin (2019), §2, with GenBounds (`genbounds reproduce lottery-lenet`), code revision `%s`." GenBounds.Runtime.CodeRevision.Current)
    line ""
    line (sprintf "Set-up: %s, %s, %d epochs per round (%d steps), %d rounds pruning %s of each hidden layer and %s of the output layer per round (layer-wise), rewind to %s, seed %d, %d training / %d validation / %d test samples; accuracy at the epoch of minimum validation loss (\"early stop\") and after the last epoch; one run per level."
            (o.Architecture.ToString()) (o.Training.Describe()) o.Training.Epochs rounds.Head.Ticket.Steps o.Rounds (pc o.PruneFraction) (pc o.OutputPruneFraction)
            (if o.RewindStep = 0L then "the initial weights" else sprintf "step %d" o.RewindStep) o.Seed train.Count validation.Count test.Count)
    line ""
    line "Frankle & Carbin: Adam 1.2e-3, batch 60, 50,000 iterations per round (about 55 epochs), Gaussian Glorot initialisation, accuracy at the early-stopping iteration, five trials per level (fifteen reinitialisations). Ours differs in the training length per round (epochs above), the initialisation (PyTorch's default uniform), the early-stopping granularity (epochs, not iterations) and the number of trials (one)."
    line ""
    line "| round | weights remaining | F&C schedule P_m | ticket (early stop) | epoch | ticket (final) | reinit (early stop) | reinit (final) | ticket − reinit (pp) | weights kept | Σ s_l² at c_s = 1 |"
    line "|---|---|---|---|---|---|---|---|---|---|---|"
    for r in rounds do
        let fc = LotteryReference.RemainingAfter r.Round
        let reinit, reinitFinal, diff =
            match r.Reinit with
            | null -> "–", "–", "–"
            | c -> pc c.EarlyStopTestAccuracy, pc c.FinalTestAccuracy, pp (r.Ticket.EarlyStopTestAccuracy - c.EarlyStopTestAccuracy)
        line (sprintf "| %d | %s | %s | %s | %d | %s | %s | %s | %s | %d | %d |" r.Round (pc r.Remaining) (pc fc) (pc r.Ticket.EarlyStopTestAccuracy)
                r.Ticket.EarlyStopEpoch (pc r.Ticket.FinalTestAccuracy) reinit reinitFinal diff r.Kept sketches[r.Round])
    line ""
    line (sprintf "Dense network (round 0): %s at early stop." (pc dense))
    line ""
    line "The last column is GUHA-T6.2's arithmetic on these real tickets: the numbers a square s_l×s_l sketch per layer stores at s_l = ⌈c_s·√(j_l·p_l)·ln p_l⌉ with c_s = 1 (j_l the largest row or column count of the ticket's mask, p_l the larger side). Where it exceeds the weights kept, sketching counts more parameters than listing the non-zeros (whose positions would still have to be paid for; see `CompressionCounts.PrunedClass`)."
    line ""
    line "| quantity | Frankle & Carbin 2019 (text of §2) | ours |"
    line "|---|---|---|"
    for (q, theirs, ours) in comparisons do line (sprintf "| %s | %s | %s |" q theirs ours)
    line ""
    line "Source of their figures: the text of §2 of arXiv 1803.03635v5 (ICLR 2019), as quoted in material found with the search tools; the per-level accuracies are only in their Figures 3–4, which we could not read, so the comparison is on the thresholds the text states. An earlier arXiv version of §2 gives 26.3% (instead of 21.1%) for the reinitialised drop-off."
    let jrounds = JsonArray()
    for r in rounds do
        let j = Prune.roundJson r
        j["sketch_entries_cs1"] <- jint sketches[r.Round]
        jrounds.Add(j)
    let jcmp = JsonArray()
    for (q, theirs, ours) in comparisons do jcmp.Add(obj [ "quantity", jstr q; "frankle_carbin_2019", jstr theirs; "ours", jstr ours ])
    let jref = JsonArray()
    for f in LotteryReference.LeNet do jref.Add(obj [ "quantity", jstr f.Quantity; "value", jnum f.Value; "source", jstr f.Source ])
    let result =
        obj [ "command", jstr "reproduce"
              "experiment", jstr "lottery-lenet"
              "folder", jstr (Path.GetFullPath folder)
              "architecture", jstr (o.Architecture.ToString())
              "training", jstr (o.Training.Describe() + sprintf " epochs=%d" o.Training.Epochs)
              "seed", jstr (string o.Seed)
              "resumed_after_round", jint (int64 resumedAfter)
              "dense_early_stop_test_accuracy", jnum dense
              "rounds", jrounds
              "comparison", jcmp
              "reference", jref
              "reference_source", jstr "Frankle & Carbin, ICLR 2019 (arXiv 1803.03635v5), section 2 text"
              "blas", jstr la.Name
              "code_revision", jstr GenBounds.Runtime.CodeRevision.Current
              "wall_seconds", jnum sw.Elapsed.TotalSeconds ]
    AtomicFile.WriteAllBytes(Path.Combine(folder, "report.md"), ReadOnlySpan(Encoding.UTF8.GetBytes(md.ToString())))
    Prune.writeJson (Path.Combine(folder, "report.json")) result
    result

/// The options of this target (its defaults apply when it runs).
let options =
    Prune.impOptions
    @ [ opt "out" "DIR" "report folder (default reports/lottery-lenet); checkpoints go to DIR/checkpoints, so a rerun resumes" None ]
    @ dataOptions @ [ threadOption; jsonFlag; quietFlag ]

let show (o: JsonObject) =
    printfn "report: %s" (Path.Combine(o["folder"].GetValue<string>(), "report.md"))
    for c in o["comparison"].AsArray() do
        printfn "%-58s F&C %-22s ours %s" (c["quantity"].GetValue<string>()) (c["frankle_carbin_2019"].GetValue<string>()) (c["ours"].GetValue<string>())
    printfn "wall_seconds: %.1f" (o["wall_seconds"].GetValue<float>())
