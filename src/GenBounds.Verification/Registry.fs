namespace GenBounds.Verification

open System
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Networks
open GenBounds.Random
open GenBounds.Symbolic

/// What a paper's checker is given: the trained network, the data, the trial budget and the seeds of one run.
type VerifyContext =
    { Network: Mlp
      ModelPath: string
      /// The master seed a GenBounds model file records (None for files from elsewhere, e.g. PyTorch). Training draws
      /// the initial weights from this seed before any data is seen, so checks may regenerate A_init as a helper string.
      ModelSeed: uint64 option
      /// The training samples the checks use (a seeded subset of the training set when `--samples` is given).
      Train: Dataset
      Test: Dataset
      LinearAlgebra: ILinearAlgebraProvider
      /// Trials per probabilistic claim.
      Trials: int
      /// Named streams of the master seed; every check draws from its own stream so that it replays alone.
      Seeds: SeedStreams
      /// Statement ids to check (canonical spelling); empty means every statement of the paper.
      Lemmas: Set<string> }

/// A paper's lemma catalog and the function that checks it. `Check` reports progress as
/// (statement id being checked, statements done, statements in total) and must honour `VerifyContext.Lemmas`
/// (see `Registry.selects`); results of unselected statements are dropped anyway.
type PaperChecker =
    { Id: string
      Title: string
      Statements: Statement list
      Check: VerifyContext -> (string -> int -> int -> unit) -> CheckResult list }

/// Choosing papers and lemmas by id and running their checkers.
module Registry =

    let private mutantMark = "~mutant-"

    /// The statement a (possibly mutant) id belongs to: "GUHA-L4.2~mutant-constant" → "GUHA-L4.2".
    let baseId (id: string) =
        match id.IndexOf(mutantMark, StringComparison.Ordinal) with
        | -1 -> id
        | i -> id.Substring(0, i)

    /// Whether an id is a mutant's.
    let isMutantId (id: string) = id.Contains(mutantMark, StringComparison.Ordinal)

    /// Whether a statement (or one of its mutants) is selected by a lemma filter (empty = all).
    let selects (lemmas: Set<string>) (id: string) = lemmas.IsEmpty || lemmas.Contains(baseId id)

    let private splitIds (ids: string) =
        ids.Split(',', StringSplitOptions.RemoveEmptyEntries ||| StringSplitOptions.TrimEntries) |> List.ofArray

    /// Parses a comma list of ids ("a, b,c" → ["a"; "b"; "c"]).
    let parseIds (ids: string) = splitIds ids

    /// The registered papers named by `ids` (case-insensitive), in the order given; every registered paper when `ids`
    /// is empty. Error: an unknown id (the message lists the registered ones) or nothing registered at all.
    let resolvePapers (registered: PaperChecker list) (ids: string list) : Result<PaperChecker list, string> =
        let available () =
            match registered with
            | [] -> "no paper checkers are registered in this build"
            | ps -> "registered: " + String.Join(", ", ps |> List.map (fun p -> p.Id))

        let duplicates =
            registered |> List.countBy (fun p -> p.Id.ToLowerInvariant()) |> List.filter (fun (_, n) -> n > 1)

        match duplicates, ids with
        | (id, _) :: _, _ -> Error(sprintf "paper id '%s' is registered twice" id)
        | [], [] when registered.IsEmpty -> Error(available ())
        | [], [] -> Ok registered
        | [], ids ->
            let find (id: string) =
                registered |> List.tryFind (fun p -> String.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase))

            match ids |> List.tryFind (find >> Option.isNone) with
            | Some unknown -> Error(sprintf "unknown paper '%s' (%s)" unknown (available ()))
            | None -> Ok(ids |> List.choose find |> List.distinctBy (fun p -> p.Id))

    /// The canonical ids of the statements named by `ids` (case-insensitive, mutants by their base id) among the
    /// papers' statements; the empty set (all) when `ids` is empty. Error: an id no paper states.
    let resolveLemmas (papers: PaperChecker list) (ids: string list) : Result<Set<string>, string> =
        let known = papers |> List.collect (fun p -> p.Statements |> List.map (fun s -> baseId s.Id)) |> List.distinct

        let find (id: string) =
            known |> List.tryFind (fun k -> String.Equals(k, baseId id, StringComparison.OrdinalIgnoreCase))

        match ids |> List.tryFind (find >> Option.isNone) with
        | Some unknown ->
            let papersText = String.Join(", ", papers |> List.map (fun p -> p.Id))
            Error(sprintf "unknown lemma '%s' (not a statement of %s; known: %s)" unknown papersText (String.Join(", ", known)))
        | None -> Ok(ids |> List.choose find |> Set.ofList)

    /// Runs the papers' checkers in order and returns the selected statements and their results. Results of statements
    /// outside the filter are dropped, so a checker that ignores the filter cannot widen a report.
    let run (papers: PaperChecker list) (ctx: VerifyContext) (progress: string -> int -> int -> unit) =
        let statements =
            papers |> List.collect (fun p -> p.Statements) |> List.filter (fun s -> selects ctx.Lemmas s.Id)

        let results =
            papers
            |> List.collect (fun p -> p.Check ctx progress)
            |> List.filter (fun r -> selects ctx.Lemmas r.StatementId)

        statements, results
