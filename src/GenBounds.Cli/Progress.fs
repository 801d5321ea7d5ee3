/// A progress bar on stderr for long work. Drawn only when stderr is a terminal (or GENBOUNDS_PROGRESS=1), so logs and
/// `--json` output stay clean; redraws at most ten times a second.
module GenBounds.Cli.Progress

open System
open System.Diagnostics

type Bar(label: string, enabled: bool) =
    let sw = Stopwatch.StartNew()
    let mutable last = -1.0
    let mutable drawn = false

    /// Whether bars are shown in this process.
    static member Enabled =
        Environment.GetEnvironmentVariable "GENBOUNDS_PROGRESS" = "1" || not Console.IsErrorRedirected

    /// Shows `done/total` with a free-form suffix (e.g. loss and accuracy).
    member _.Update(doneCount: int, total: int, suffix: string) =
        if enabled then
            let t = sw.Elapsed.TotalSeconds
            if doneCount >= total || t - last >= 0.1 then
                last <- t
                let frac = if total <= 0 then 1.0 else float doneCount / float total
                let width = 28
                let filled = int (Math.Round(frac * float width))
                let eta = if frac > 0.0 && frac < 1.0 then sprintf " eta %.0fs" (t / frac - t) else ""
                eprintf "\r%s [%s%s] %d/%d %s%s   " label (String('#', filled)) (String('.', width - filled)) doneCount total suffix eta
                drawn <- true

    /// Ends the line.
    member _.Finish() = if enabled && drawn then eprintfn ""
