// A compression lemma of your own: zeroing the smallest half of a layer's weights (magnitude pruning) moves the
// layer's output on every training input by at most ||W - What||_2 ||x||. Synthetic mode: a Gaussian layer of the
// same shape and variance on Gaussian inputs; real mode: the first layer of the trained net on S. The mutant claims
// a tenth of the bound.
//   dotnet fsi examples/compression-lemma.fsx MODEL [--trials N] [--samples N] [--seed N] [--out DIR]
#if !GENBOUNDS_HOST
#load "references.fsx"
#endif
open System
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Verification
open GenBounds.Verification.Workbench

let pruningBound =
    { claim "PRUNE-L1" "Pruning error of a layer" "Zeroing the smallest half of W moves Wx by at most ||W - What||_2 ||x|| for every input x."
        (Conclusion.Deterministic(sym "normDx" <=. sym "normD" * sym "normx")) with
        Variables =
            [ variable "normDx" "||(W - What) x||" Domain.nonNegative
              variable "normD" "||W - What||_2 (upper end of a certified bracket)" Domain.nonNegative
              variable "normx" "||x||" Domain.nonNegative ] }

let tenth = pruningBound |> Statement.mutate "tenth" "a tenth of the bound" (fun _ -> sym "normDx" <=. sym "normD" * sym "normx" / 10)

let pruneFirstLayer =
    experiment [ "normDx"; "normD"; "normx" ] (fun lab run ->
        let w, rows, cols = weights lab run 1
        let cut = (Array.sort (Array.map abs w)).[w.Length / 2]
        let d = w |> Array.map (fun v -> if abs v < cut then v else 0.0)
        let _, normD = spectralNorm lab d rows cols
        let n = min 500 lab.Train.Count
        let rng = run.Stream(lab, "inputs")
        let x i j = match run.Mode with CheckMode.RealNetwork -> float lab.Train.Features.[i * cols + j] | CheckMode.Synthetic -> rng.NextGaussian()
        Evidence.ofInstances
            [ for i in 0 .. n - 1 ->
                let xi = Array.init cols (x i)
                let dx = Array.init rows (fun r -> Seq.sum (seq { for j in 0 .. cols - 1 -> d.[r * cols + j] * xi.[j] }))
                { Evidence.instance (Bindings.ofScalars [ "normDx", frobeniusNorm dx; "normD", normD; "normx", frobeniusNorm xi ]) rng.Seed "input" with Sample = Some i } ])

let papers = [ paper "pruning" "A pruning lemma" [ lemma pruningBound [ tenth ] pruneFirstLayer ] ]

#if !GENBOUNDS_HOST
exit (main fsi.CommandLineArgs papers)
#endif
