namespace GenBounds.Verification

open System
open System.Diagnostics
open System.Runtime.ExceptionServices
open System.Threading
open GenBounds.Symbolic

/// Which statement an experiment is observing, in which mode and for which paper: the handle an experiment uses to
/// name its streams and read the statement's parameters. A mutant is observed exactly like its original (same streams).
type Run =
    { Paper: string
      Statement: Statement
      Mode: CheckMode }

    /// The id whose streams the run draws from: the original's for a mutant.
    member r.Id = Statement.originalId r.Statement

    /// A stream "verify/&lt;paper&gt;/&lt;original id&gt;/&lt;mode&gt;/&lt;rest&gt;".
    member r.Stream(lab: Lab, rest: string) = Lab.stream lab r.Paper r.Id r.Mode rest

    /// A stream of work shared by several statements of the paper: "verify/&lt;paper&gt;/&lt;name&gt;/&lt;mode&gt;/&lt;rest&gt;".
    member r.Shared(lab: Lab, name: string, rest: string) = Lab.stream lab r.Paper name r.Mode rest

    /// A parameter of the statement (see Statement.Parameters).
    member r.Parameter(name: string) = Statement.parameter name r.Statement

/// An experiment: the symbols it binds and, per mode, the evidence it observes on a lab.
type Experiment =
    { /// Every symbol the experiment binds (checked against the statement and its mutants by the catalogue test).
      Binds: Set<string>
      Observe: Lab -> Run -> Evidence }

/// A lemma as the verifier runs it: one statement, its mutants, and the experiment that binds them (None: the
/// statement is catalogued but not checkable yet).
type Lemma =
    { Statement: Statement
      Mutants: Statement list
      Experiment: Experiment option }

/// A paper: its lemmas, registered by reference.
type Paper =
    { Id: string
      Title: string
      Lemmas: Lemma list }

/// Building experiments and lemmas.
module Experiment =

    /// An experiment that binds the named symbols.
    let create (binds: string list) (observe: Lab -> Run -> Evidence) : Experiment =
        { Binds = Set.ofList binds; Observe = observe }

/// Building lemmas and running papers.
module Lemma =

    /// A checkable lemma.
    let create (statement: Statement) (mutants: Statement list) (experiment: Experiment) : Lemma =
        { Statement = statement; Mutants = mutants; Experiment = Some experiment }

    /// A lemma catalogued for completeness (its statement says why it is not checkable yet).
    let notYet (statement: Statement) : Lemma =
        { Statement = statement; Mutants = []; Experiment = None }

    /// The statement and its mutants.
    let statements (l: Lemma) = l.Statement :: l.Mutants

/// The verdicts of a run: statements and their results.
module Paper =

    let private mutantMark = "~mutant-"

    /// The statement a (possibly mutant) id belongs to: "GUHA-L4.2~mutant-constant" → "GUHA-L4.2".
    let baseId (id: string) =
        match id.IndexOf(mutantMark, StringComparison.Ordinal) with
        | -1 -> id
        | i -> id.Substring(0, i)

    /// Every statement and mutant of the papers.
    let statements (papers: Paper list) = papers |> List.collect (fun p -> p.Lemmas |> List.collect Lemma.statements)

    /// The papers named by `ids` (case-insensitive, in the order given); all when `ids` is empty. Error: an unknown id.
    let resolve (registered: Paper list) (ids: string list) : Result<Paper list, string> =
        let available () = "registered: " + String.Join(", ", registered |> List.map (fun p -> p.Id))
        match registered |> List.countBy (fun p -> p.Id.ToLowerInvariant()) |> List.tryFind (fun (_, n) -> n > 1) with
        | Some(id, _) -> Error(sprintf "paper id '%s' is registered twice" id)
        | None ->
            let find (id: string) = registered |> List.tryFind (fun p -> String.Equals(p.Id, id, StringComparison.OrdinalIgnoreCase))
            match ids with
            | [] when registered.IsEmpty -> Error "no papers are registered"
            | [] -> Ok registered
            | ids ->
                match ids |> List.tryFind (find >> Option.isNone) with
                | Some unknown -> Error(sprintf "unknown paper '%s' (%s)" unknown (available ()))
                | None -> Ok(ids |> List.choose find |> List.distinctBy (fun p -> p.Id))

    /// The canonical statement ids named by `ids` (case-insensitive; a mutant id selects its original) among the papers'
    /// statements; the empty set (= all) when `ids` is empty. Error: an id no paper states.
    let resolveLemmas (papers: Paper list) (ids: string list) : Result<Set<string>, string> =
        let known = papers |> List.collect (fun p -> p.Lemmas |> List.map (fun l -> l.Statement.Id))
        let find (id: string) = known |> List.tryFind (fun k -> String.Equals(k, baseId id, StringComparison.OrdinalIgnoreCase))
        match ids |> List.tryFind (find >> Option.isNone) with
        | Some unknown ->
            Error(sprintf "unknown lemma '%s' (not a statement of %s; known: %s)" unknown (String.Join(", ", papers |> List.map (fun p -> p.Id))) (String.Join(", ", known)))
        | None -> Ok(ids |> List.choose find |> Set.ofList)

    /// The modes every statement is checked in.
    let modes = [ CheckMode.Synthetic; CheckMode.RealNetwork ]

    /// Checks one statement (or mutant) of a lemma in one mode.
    let checkOne (lab: Lab) (paper: Paper) (lemma: Lemma) (s: Statement) (mode: CheckMode) : CheckResult =
        let sw = Stopwatch.StartNew()
        let seed = (Lab.stream lab paper.Id s.Id mode "").Seed
        let r =
            match s.Checkability, lemma.Experiment with
            | Checkability.NotYetCheckable reason, _ -> Checker.notCheckable s mode seed reason
            | Checkability.Checkable, None -> Checker.notCheckable s mode seed "no experiment is registered for this statement"
            | Checkability.Checkable, Some exp ->
                let e = exp.Observe lab { Paper = paper.Id; Statement = s; Mode = mode }
                Checker.check s mode seed e
        { r with Seconds = sw.Elapsed.TotalSeconds }

    /// Runs the selected lemmas (all when `lemmas` is empty) of the papers in both modes, statements then their mutants,
    /// on `workers` threads; `progress` gets (statement id, checks finished, total) before each check. Returns the
    /// statements and the results in that order, whatever the number of workers: each worker takes the next unchecked
    /// (statement, mode), and every value the checks share through the lab's cache is a pure function of its key, so
    /// which worker computes it cannot change it. Both modes of a statement (which share no work) run side by side.
    /// With more than one worker, call it with single-threaded BLAS: two thread pools on two cores slow each other down.
    let runOn (workers: int) (lab: Lab) (papers: Paper list) (lemmas: Set<string>) (progress: string -> int -> int -> unit) =
        if workers < 1 then invalidArg "workers" (sprintf "at least one worker is needed (got %d)" workers)
        let selected =
            [ for p in papers do
                for l in p.Lemmas do
                    if lemmas.IsEmpty || lemmas.Contains l.Statement.Id then yield p, l ]
        let items = [| for p, l in selected do for s in Lemma.statements l do for m in modes -> p, l, s, m |]
        let total = items.Length
        let results = Array.zeroCreate<CheckResult> total
        let next = ref -1
        let finished = ref 0
        let failure = ref (None: ExceptionDispatchInfo option)
        let gate = obj ()
        let work () =
            let mutable go = true
            while go do
                let i = Interlocked.Increment &next.contents
                if i >= total || (lock gate (fun () -> failure.Value.IsSome)) then go <- false
                else
                    let p, l, s, m = items.[i]
                    lock gate (fun () -> progress s.Id finished.Value total)
                    try
                        results.[i] <- checkOne lab p l s m
                        lock gate (fun () -> finished.Value <- finished.Value + 1)
                    with e ->
                        lock gate (fun () -> if failure.Value.IsNone then failure.Value <- Some(ExceptionDispatchInfo.Capture e))
                        go <- false
        if workers = 1 || total <= 1 then work ()
        else
            // Deep symbolic evaluation recurses: give the workers the main thread's stack size.
            let threads = Array.init (min workers total) (fun _ -> Thread(work, 8 * 1024 * 1024, IsBackground = true))
            for t in threads do t.Start()
            for t in threads do t.Join()
        failure.Value |> Option.iter (fun e -> e.Throw())
        selected |> List.collect (fun (_, l) -> Lemma.statements l), List.ofArray results

    /// `runOn` with one worker: every check on the calling thread, in order.
    let run (lab: Lab) (papers: Paper list) (lemmas: Set<string>) (progress: string -> int -> int -> unit) = runOn 1 lab papers lemmas progress
