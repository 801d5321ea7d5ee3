// A norm inequality per layer: ‖W‖_F ≤ √(min(h_in, h_out)) · ‖W‖₂ (rank ≤ min dimension), with a mutant that drops
// the √rank factor (false for any layer that is not rank one).
//   dotnet fsi examples/norm-inequality.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]
//   genbounds verify MODEL --lemmas-file examples/norm-inequality.fsx
#if !GENBOUNDS_HOST
#load "references.fsx"
#endif
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification
open GenBounds.Verification.Workbench

let frobeniusBound =
    { claim "NORM-L1" "Frobenius norm at most sqrt(rank) spectral norms" "Every layer satisfies ||W||_F <= sqrt(min(h_in, h_out)) ||W||_2."
        (Conclusion.Deterministic(sym "normF" <=. sqrt (sym "r") * sym "norm2")) with
        Variables =
            [ variable "normF" "||W||_F" Domain.nonNegative
              variable "norm2" "||W||_2 (upper end of a certified bracket)" Domain.nonNegative
              variable "r" "min(h_in, h_out), a bound on the rank" Domain.positiveInteger ] }

let noSqrtRank = frobeniusBound |> Statement.mutate "no-sqrt-rank" "the sqrt(rank) factor dropped" (fun _ -> sym "normF" <=. sym "norm2")

let norms =
    experiment [ "normF"; "norm2"; "r" ] (fun lab run ->
        perLayer lab run (fun _ w rows cols ->
            let _, upper = spectralNorm lab w rows cols
            [ "normF", frobeniusNorm w; "norm2", upper; "r", float (min rows cols) ]))

let papers = [ paper "norms" "Norm inequalities of every layer" [ lemma frobeniusBound [ noSqrtRank ] norms ] ]

#if !GENBOUNDS_HOST
exit (main fsi.CommandLineArgs papers)
#endif
