/// Progress of long work on stderr. On a terminal: a bar redrawn at most ten times a second. Otherwise (a log, CI): a
/// plain line every few seconds, so a long run is never silent. `--quiet` turns both off; stdout (text or --json) is
/// never touched.
module GenBounds.Cli.Progress

open System
open System.Diagnostics

/// How progress is shown.
type Mode =
    | Off
    | Terminal
    | Log

/// The mode for a command: Off with --quiet, a bar on a terminal, log lines otherwise.
let modeFor (quiet: bool) =
    if quiet then Off
    elif Environment.GetEnvironmentVariable "GENBOUNDS_PROGRESS" = "1" || not Console.IsErrorRedirected then Terminal
    else Log

/// Seconds between two log lines.
let logInterval = 5.0

type Bar(label: string, mode: Mode) =
    let sw = Stopwatch.StartNew()
    let mutable last = -1.0
    let mutable drawn = false

    /// Shows `done/total` with a free-form suffix (e.g. loss and accuracy, or the statement being checked).
    member _.Update(doneCount: int, total: int, suffix: string) =
        let t = sw.Elapsed.TotalSeconds
        let frac = if total <= 0 then 1.0 else float doneCount / float total
        let eta = if frac > 0.0 && frac < 1.0 then sprintf ", eta %.0f s" (t / frac - t) else ""
        match mode with
        | Off -> ()
        | Terminal ->
            if doneCount >= total || t - last >= 0.1 then
                last <- t
                let width = 28
                let filled = int (Math.Round(frac * float width))
                eprintf "\r%s [%s%s] %d/%d %s (%.0f s%s)   " label (String('#', filled)) (String('.', width - filled)) doneCount total suffix t eta
                drawn <- true
        | Log ->
            if last < 0.0 || t - last >= logInterval || doneCount >= total then
                last <- t
                eprintfn "[%s] %d/%d %s (%.0f s%s)" label doneCount total suffix t eta

    /// Ends the bar's line.
    member _.Finish() = if mode = Terminal && drawn then eprintfn ""
