// A claim with probability δ: over a held-out point x, P(margin(x) <= gamma) <= delta, checked by counting the test
// points with a small margin (Clopper–Pearson at 99%). Its mutant claims twenty times less (delta/20). There is no random
// model for a claim about a trained net's accuracy, so the synthetic mode says so.
//   dotnet fsi examples/margin-quantile.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]
#if !GENBOUNDS_HOST
#load "references.fsx"
#endif
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification
open GenBounds.Verification.Workbench

let marginClaim =
    { claim "MARGIN-Q1" "Few held-out points have a small margin" "With probability at least 1 - delta over a held-out x, margin(x) > gamma."
        (Conclusion.WithProbability(sym "margin" >=. sym "gamma", sym "delta", "a held-out point x")) with
        Variables =
            [ variable "margin" "f(x)[y] - max_{j != y} f(x)[j] at one held-out point" Domain.anyReal
              variable "gamma" "margin threshold" Domain.nonNegative
              variable "delta" "claimed failure probability" Domain.confidence ]
        // A trained classifier errs (margin <= 0) on at most a quarter of the held-out points.
        Parameters = [ "gamma", 0.0; "delta", 0.25 ]
        InconclusiveWhen = Some "a claim about a trained net's accuracy has no random model: the synthetic mode is unavailable" }

let tighter = marginClaim |> Statement.mutateWith "delta-twentieth" "delta replaced by delta/20" (Statement.withParameter "delta" 0.0125)

let heldOutMargins =
    experiment [ "margin" ] (fun lab run ->
        match run.Mode with
        | CheckMode.Synthetic -> Evidence.unavailable "no random model for a claim about the trained net's accuracy"
        | CheckMode.RealNetwork ->
            let m = margins lab lab.Test
            perSample lab run lab.Test (fun i -> [ ("margin", m.[i]) ]))

let papers = [ paper "margins" "Margin quantiles on held-out data" [ lemma marginClaim [ tighter ] heldOutMargins ] ]

#if !GENBOUNDS_HOST
exit (main fsi.CommandLineArgs papers)
#endif
