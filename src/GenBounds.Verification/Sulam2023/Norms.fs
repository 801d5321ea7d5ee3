/// Experiments for Muthukumar & Sulam (2023) §1.1 and App. D (GenBounds.Proofs.Sulam2023.Norms): sparse norms by exact
/// enumeration against the closed form, Lemma 17 and Lemma 18; the reduced babel function by brute force against the corrected
/// and the printed Algorithm 1.
module GenBounds.Verification.Sulam2023.Norms

open System
open GenBounds.Sparsity
open GenBounds.Symbolic
open GenBounds.Verification
open GenBounds.Verification.Sulam2023.Shared
module P = GenBounds.Proofs.Sulam2023.Norms

let private perMatrix (lab: Lab) (run: Run) (make: int -> TestMatrix -> Instance list) =
    let ms = matrices lab run.Mode
    Evidence.ofSettings [ for i, m in List.indexed ms -> Evidence.setting m.Label (make i m) ]
    |> Evidence.withNotes [ GenBounds.Proofs.Sulam2023.Common.twoModes ]

/// SULAM-D1: closed-form reduced row norm vs enumeration, every s1.
let d1 =
    Experiment.create [ "rowClosed"; "rowExact"; "rowClosedPlus" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let table = exactTable lab run.Mode i m
            [ for s1 in 0 .. m.Cols - 1 ->
                let plus = if s1 = 0 then SparseNorms.ReducedRowNorm(ReadOnlySpan m.W, m.Rows, m.Cols, 0) else SparseNorms.ReducedRowNorm(ReadOnlySpan m.W, m.Rows, m.Cols, s1 - 1)
                let b = Bindings.ofScalars [ "rowClosed", SparseNorms.ReducedRowNorm(ReadOnlySpan m.W, m.Rows, m.Cols, s1); "rowExact", table.[m.Rows - 1, s1]; "rowClosedPlus", plus ]
                inst b m.Seed (sprintf "%s, s1 = %d" m.Label s1) m.Layer None ]))

/// SULAM-L17: every adjacent pair of sparsity levels.
let l17 =
    Experiment.create [ "normSparser"; "normDenser" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let t = exactTable lab run.Mode i m
            [ for s2 in 0 .. m.Rows - 1 do
                for s1 in 0 .. m.Cols - 1 do
                    if s2 + 1 < m.Rows then yield inst (Bindings.ofScalars [ "normSparser", t.[s2 + 1, s1]; "normDenser", t.[s2, s1] ]) m.Seed (sprintf "%s, (%d,%d) -> (%d,%d)" m.Label s2 s1 (s2 + 1) s1) m.Layer None
                    if s1 + 1 < m.Cols then yield inst (Bindings.ofScalars [ "normSparser", t.[s2, s1 + 1]; "normDenser", t.[s2, s1] ]) m.Seed (sprintf "%s, (%d,%d) -> (%d,%d)" m.Label s2 s1 s2 (s1 + 1)) m.Layer None ]))

/// SULAM-L18: exact sparse norm vs the babel bound, every (s2, s1).
let l18 =
    Experiment.create [ "sparseNorm"; "rowNorm"; "mu" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let t = exactTable lab run.Mode i m
            [ for s2 in 0 .. m.Rows - 1 do
                for s1 in 0 .. m.Cols - 1 ->
                    let b =
                        Bindings.ofScalars
                            [ "sparseNorm", t.[s2, s1]; "rowNorm", SparseNorms.ReducedRowNorm(ReadOnlySpan m.W, m.Rows, m.Cols, s1)
                              "mu", BabelFunction.Reduced(ReadOnlySpan m.W, m.Rows, m.Cols, s2, s1, lab.LinearAlgebra) ]
                    inst b m.Seed (sprintf "%s, (s2, s1) = (%d, %d)" m.Label s2 s1) m.Layer None ]))

/// SULAM-D2: Definition 2 by brute force against d2 - s2 - 1.
let d2 =
    Experiment.create [ "mu"; "d_2"; "s_2" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let t = babelTable lab run.Mode i m
            [ for s2 in 0 .. m.Rows - 1 do
                for s1 in 0 .. m.Cols - 1 ->
                    inst (Bindings.ofScalars [ "mu", t.[s2, s1]; "d_2", float m.Rows; "s_2", float s2 ]) m.Seed (sprintf "%s, (s2, s1) = (%d, %d)" m.Label s2 s1) m.Layer None ]))

/// SULAM-A1: the corrected Algorithm 1 against Definition 2.
let a1 =
    Experiment.create [ "muAlgorithm"; "muDefinition"; "rowNorm" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let t = babelTable lab run.Mode i m
            [ for s1 in 0 .. m.Cols - 1 do
                let profile = BabelFunction.Profile(ReadOnlySpan m.W, m.Rows, m.Cols, s1, lab.LinearAlgebra)
                for s2 in 0 .. m.Rows - 2 ->
                    let b = Bindings.ofScalars [ "muAlgorithm", profile.Mu.[s2]; "muDefinition", t.[s2, s1]; "rowNorm", profile.RowNorm ]
                    inst b m.Seed (sprintf "%s, (s2, s1) = (%d, %d)" m.Label s2 s1) m.Layer None ]))

/// SULAM-A1-printed: the printed listing against Definition 2.
let a1Printed =
    Experiment.create [ "muPrinted"; "muDefinition" ] (fun lab run ->
        perMatrix lab run (fun i m ->
            let t = babelTable lab run.Mode i m
            [ for s2 in 0 .. m.Rows - 2 do
                for s1 in 0 .. m.Cols - 1 ->
                    let b = Bindings.ofScalars [ "muPrinted", BabelFunction.Printed(ReadOnlySpan m.W, m.Rows, m.Cols, s2, s1); "muDefinition", t.[s2, s1] ]
                    inst b m.Seed (sprintf "%s, (s2, s1) = (%d, %d)" m.Label s2 s1) m.Layer None ])
        |> Evidence.withNotes [ "PAPER-TYPO: misprints (1)-(4) of catalog SULAM-A1 kept; the listing was transcribed by the catalog, not re-read from the PDF here" ])

/// The topic's lemmas.
let lemmas =
    [ Lemma.create P.d1 P.d1Mutants d1
      Lemma.create P.l17 P.l17Mutants l17
      Lemma.create P.l18 P.l18Mutants l18
      Lemma.create P.d2 P.d2Mutants d2
      Lemma.create P.a1 P.a1Mutants a1
      Lemma.create P.a1Printed [] a1Printed ]
