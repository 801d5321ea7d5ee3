namespace GenBounds.Verification

open System
open System.IO
open System.Text.Json.Nodes

/// One result of a report as the diff sees it (read back from report.json, so reports of any build compare).
type DiffEntry =
    { Statement: string
      Mode: string
      Verdict: string
      MutantRejected: bool option
      /// Descriptive numbers that may drift: bindings, the smallest constant, the median slack.
      Values: Map<string, float> }

/// What changed between two reports.
type ReportChange =
    /// The verdict of (statement, mode) changed.
    | VerdictChanged of statement: string * mode: string * before: string * after: string * regression: bool
    /// A mutant's rejection changed.
    | MutantChanged of statement: string * mode: string * before: bool option * after: bool option * regression: bool
    /// A number moved by more than the tolerance (relative).
    | Drift of statement: string * mode: string * name: string * before: float * after: float
    /// A result present only in the new report.
    | Added of statement: string * mode: string * verdict: string
    /// A result present only in the old report.
    | Removed of statement: string * mode: string * verdict: string

/// Comparing two verification reports: verdict changes per statement and mode, mutant rejections, drift of bound values
/// and slack beyond a tolerance, new and removed statements. A regression is a change a user gates CI on: a statement
/// that held (or was a measured definition) and now fails or is undecided, or a rejected mutant that is no longer
/// rejected.
module ReportDiff =

    /// The exit status `genbounds diff` and `verify --baseline` return when something regressed.
    let regressionExitCode = 4

    let private num (n: JsonNode) =
        match n with
        | :? JsonValue as v ->
            match v.GetValueKind() with
            | Text.Json.JsonValueKind.Number -> Some(Double.Parse(v.ToJsonString(), Globalization.CultureInfo.InvariantCulture))
            | Text.Json.JsonValueKind.String ->
                match v.GetValue<string>() with
                | "NaN" -> Some nan
                | "Infinity" -> Some infinity
                | "-Infinity" -> Some -infinity
                | _ -> None
            | _ -> None
        | _ -> None

    /// The results of a report.json document.
    let entries (doc: JsonNode) : DiffEntry list =
        match doc["results"] with
        | :? JsonArray as results ->
            [ for r in results do
                let verdict =
                    match r["verdict"] with
                    | :? JsonValue as v -> v.GetValue<string>()
                    | v -> v["label"].GetValue<string>()
                let values =
                    [ match r["bindings"] with
                      | :? JsonArray as bs ->
                          for b in bs do
                              match num b["value"] with
                              | Some x -> yield b["name"].GetValue<string>(), x
                              | None -> ()
                      | _ -> ()
                      match r["constant"] with
                      | null -> ()
                      | c -> match num c["value"] with Some x -> yield "smallest constant", x | None -> ()
                      match r["slack"] with
                      | null -> ()
                      | sl -> match num sl["median"] with Some x -> yield "median slack", x | None -> () ]
                { Statement = r["statement"].GetValue<string>()
                  Mode = r["mode"].GetValue<string>()
                  Verdict = verdict
                  MutantRejected = (match r["mutant_rejected"] with null -> None | b -> Some(b.GetValue<bool>()))
                  Values = Map.ofList values } ]
        | _ -> raise (InvalidDataException "not a GenBounds report: no results array")

    /// Reads report.json from a report folder or the file itself.
    let load (path: string) : JsonNode =
        let file = if Directory.Exists path then Path.Combine(path, "report.json") else path
        if not (File.Exists file) then raise (FileNotFoundException(sprintf "no report at %s (expected a report folder or its report.json)" path))
        let doc =
            try JsonNode.Parse(File.ReadAllText file)
            with :? Text.Json.JsonException as e -> raise (InvalidDataException(sprintf "%s is not valid JSON: %s" file e.Message))
        match doc with
        | null -> raise (InvalidDataException(file + " is empty"))
        | d -> d

    let private good (verdict: string) = verdict = "held" || verdict = "measured definition"

    /// The changes from `before` to `after`; numbers drift when |after − before| > tolerance · max(|before|, |after|).
    let compare (tolerance: float) (before: DiffEntry list) (after: DiffEntry list) : ReportChange list =
        let key (e: DiffEntry) = e.Statement, e.Mode
        let old = before |> List.map (fun e -> key e, e) |> Map.ofList
        let now = after |> List.map (fun e -> key e, e) |> Map.ofList
        [ for e in after do
            match old.TryFind(key e) with
            | None -> yield Added(e.Statement, e.Mode, e.Verdict)
            | Some o ->
                if o.Verdict <> e.Verdict && e.MutantRejected.IsNone then
                    yield VerdictChanged(e.Statement, e.Mode, o.Verdict, e.Verdict, good o.Verdict && not (good e.Verdict) && e.Verdict <> "vacuous")
                if o.MutantRejected <> e.MutantRejected then
                    yield MutantChanged(e.Statement, e.Mode, o.MutantRejected, e.MutantRejected, o.MutantRejected = Some true && e.MutantRejected <> Some true)
                for KeyValue(name, x) in e.Values do
                    match o.Values.TryFind name with
                    | Some y when Double.IsFinite x && Double.IsFinite y && abs (x - y) > tolerance * max (abs x) (abs y) -> yield Drift(e.Statement, e.Mode, name, y, x)
                    | _ -> ()
          for o in before do
              if not (now.ContainsKey(key o)) then yield Removed(o.Statement, o.Mode, o.Verdict) ]

    /// Whether a change is a regression.
    let isRegression (c: ReportChange) =
        match c with
        | VerdictChanged(_, _, _, _, r) | MutantChanged(_, _, _, _, r) -> r
        | _ -> false

    let private opt (b: bool option) = match b with Some true -> "rejected" | Some false -> "not rejected" | None -> "-"

    /// One line of text for a change.
    let describe (c: ReportChange) =
        match c with
        | VerdictChanged(s, m, a, b, r) -> sprintf "%s%s (%s): %s -> %s" (if r then "REGRESSION " else "") s m a b
        | MutantChanged(s, m, a, b, r) -> sprintf "%s%s (%s): %s -> %s" (if r then "REGRESSION " else "") s m (opt a) (opt b)
        | Drift(s, m, n, a, b) -> sprintf "drift %s (%s) %s: %.6g -> %.6g" s m n a b
        | Added(s, m, v) -> sprintf "new %s (%s): %s" s m v
        | Removed(s, m, v) -> sprintf "removed %s (%s): was %s" s m v

    /// The changes as JSON.
    let toJson (changes: ReportChange list) =
        let o = JsonObject()
        let arr = JsonArray()
        for c in changes do
            let e = JsonObject()
            let put (k: string) (v: JsonNode) = e[k] <- v
            let str (s: string) : JsonNode = JsonValue.Create s
            let number (x: float) : JsonNode = if Double.IsFinite x then JsonValue.Create x else JsonValue.Create(string x)
            match c with
            | VerdictChanged(s, m, a, b, r) -> put "kind" (str "verdict"); put "statement" (str s); put "mode" (str m); put "before" (str a); put "after" (str b); put "regression" (JsonValue.Create r)
            | MutantChanged(s, m, a, b, r) -> put "kind" (str "mutant"); put "statement" (str s); put "mode" (str m); put "before" (str (opt a)); put "after" (str (opt b)); put "regression" (JsonValue.Create r)
            | Drift(s, m, n, a, b) -> put "kind" (str "drift"); put "statement" (str s); put "mode" (str m); put "name" (str n); put "before" (number a); put "after" (number b); put "regression" (JsonValue.Create false)
            | Added(s, m, v) -> put "kind" (str "added"); put "statement" (str s); put "mode" (str m); put "after" (str v); put "regression" (JsonValue.Create false)
            | Removed(s, m, v) -> put "kind" (str "removed"); put "statement" (str s); put "mode" (str m); put "before" (str v); put "regression" (JsonValue.Create false)
            arr.Add e
        o["changes"] <- arr
        o["regressions"] <- JsonValue.Create(changes |> List.filter isRegression |> List.length)
        o

    /// The changes as a Markdown section.
    let toMarkdown (changes: ReportChange list) =
        let sb = Text.StringBuilder()
        let regressions = changes |> List.filter isRegression
        sb.AppendLine(sprintf "## Changes since the baseline: %d, of which %d regressions" changes.Length regressions.Length) |> ignore
        sb.AppendLine() |> ignore
        for c in regressions @ (changes |> List.filter (isRegression >> not)) do
            sb.AppendLine("- " + (describe c).Replace("|", "\\|")) |> ignore
        sb.ToString()
