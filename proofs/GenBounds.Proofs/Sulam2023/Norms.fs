/// Muthukumar & Sulam (2023) §1.1 and App. D: sparse induced norms (Definition 1, Lemmas 17 and 18) and the reduced babel
/// function (Definition 2, Algorithm 1 as corrected and as printed).
module GenBounds.Proofs.Sulam2023.Norms

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Sulam2023.Common

/// SULAM-D1 (Definition 1, with the facts F1b-F1c): the reduced row norm ||W||_(d2-1,s1) by its closed form equals the
/// definition's maximum over sub-matrices.
let d1 =
    { Statement.create "SULAM-D1" "Sparse induced norm; closed-form reduced row norm" (cite "§1.1, p. 3" (Some "Definition 1")) [ Provenance.Exact; Provenance.Derived ]
        "||W||_(s2,s1) is the largest spectral norm of a sub-matrix with d2 - s2 rows and d1 - s1 columns; for s2 = d2 - 1 it is the largest norm of the d1 - s1 largest-magnitude entries of a row (F1c)."
        (Conclusion.Deterministic(sym "rowClosed" ==. sym "rowExact")) with
        Role = Role.Definition
        Variables =
            [ nonNeg "rowClosed" "max_i (sum of the d1 - s1 largest w[i,j]^2)^(1/2) (catalog F1c, DERIVED closed form)"
              nonNeg "rowExact" "||W||_(d2-1,s1) by enumerating every J2, J1 (Definition 1)"
              nonNeg "rowClosedPlus" "the closed form with d1 - s1 + 1 entries (the mutant's off-by-one)" ]
        Notes =
            [ twoModes
              "Sparsity counts zeros: s is the number of rows (columns) left out. The general (s2, s1) norm is combinatorial (F1d); the engine computes it by enumeration for small sizes only."
              "Synthetic: Gaussian matrices up to 6 x 8 for every s1. Real: random 6 x 8 sub-blocks of every trained layer." ] }

/// SULAM-D1's mutant: the off-by-one between sparsity and support size the catalog warns about.
let d1Mutants = [ d1 |> Statement.mutate "support-off-by-one" "d1 - s1 + 1 entries kept (sparsity read as support size minus one)" (fun _ -> sym "rowClosedPlus" ==. sym "rowExact") ]

/// SULAM-L17 (Lemma 17 = F1a, with the interpolation F1b at the ends): sparse norms shrink as the sparsity grows.
let l17 =
    { Statement.create "SULAM-L17" "Monotonicity of sparse norms" (cite "App. D, p. 28" (Some "Lemma 17")) [ Provenance.Exact ]
        "If (s2, s1) <= (s2', s1') entrywise then ||W||_(s2',s1') <= ||W||_(s2,s1); the ends are max|W_ij| and ||W||_2 (F1b)."
        (Conclusion.Deterministic(sym "normSparser" <=. sym "normDenser")) with
        Variables =
            [ nonNeg "normSparser" "||W||_(s2',s1') with (s2', s1') one step sparser than (s2, s1) (exact enumeration)"
              nonNeg "normDenser" "||W||_(s2,s1) (exact enumeration)" ]
        Notes = [ twoModes; "Every pair of adjacent sparsity levels (one more row or one more column left out) of every matrix." ] }

/// SULAM-L17's mutant.
let l17Mutants = [ l17 |> Statement.reverse "reversed" "claims sparser sub-matrices have larger norms" ]

/// SULAM-L18 (Eq. (1), Lemma 18): the babel bound on the sparse norm.
let l18 =
    { Statement.create "SULAM-L18" "Sparse norm bounded by the babel function" (cite "Eq. (1) p. 3; App. D p. 29" (Some "Lemma 18")) [ Provenance.Exact ]
        "||W||_(s2,s1) <= ||W||_(d2-1,s1) sqrt(1 + mu_{s2,s1}(W)) (proof referenced to Muthukumar & Sulam 2022, Lemma 3)."
        (Conclusion.Deterministic(sym "sparseNorm" <=. sym "rowNorm" * sqrt (1 + sym "mu"))) with
        Variables =
            [ nonNeg "sparseNorm" "||W||_(s2,s1) by enumeration"
              nonNeg "rowNorm" "||W||_(d2-1,s1) (closed form)"
              nonNeg "mu" "mu_{s2,s1}(W) by the corrected Algorithm 1" ]
        Notes =
            [ twoModes
              "The paper gives no new proof; a reproducible counterexample on a small matrix would break Lemma 4 and Propositions 9-10, which use xi sqrt(1 + eta) as the sparse-norm bound."
              "The slack sparseNorm / bound is reported (how loose the eta-based control is)." ] }

/// SULAM-L18's mutant.
let l18Mutants = [ l18 |> Statement.mutate "no-babel" "the factor sqrt(1 + mu) dropped (claims the largest row bounds every sub-matrix)" (fun _ -> sym "sparseNorm" <=. sym "rowNorm") ]

/// SULAM-D2 (Definition 2, with the fact of p. 10): the reduced babel function is at most d2 - s2 - 1.
let d2 =
    { Statement.create "SULAM-D2" "Reduced babel function; mu <= d2 - s2 - 1" (cite "§1.1 p. 3; p. 10" (Some "Definition 2")) [ Provenance.Exact; Provenance.Derived ]
        "mu_{s2,s1}(W) = max over |J2| = d2 - s2 and j in J2 of sum_{i in J2, i != j} max_{|J1| = d1 - s1} |<P_J1 w[i], P_J1 w[j]>| / ||W||^2_(d2-1,s1); the fact of p. 10: mu <= d2 - s2 - 1."
        (Conclusion.Deterministic(sym "mu" <=. sym "d_2" - sym "s_2" - 1)) with
        Role = Role.Definition
        Variables =
            [ nonNeg "mu" "mu_{s2,s1}(W) (Definition 2 by brute-force enumeration on small matrices; the corrected Algorithm 1 on sub-blocks of trained layers)"
              dim "d_2" "rows of W"
              Statement.var "s_2" "row sparsity" Domain.nonNegative ]
        Notes =
            [ twoModes
              "DERIVED proof of the fact: each pair term is at most ||W||^2_(d2-1,s1) by Cauchy-Schwarz and there are d2 - s2 - 1 terms."
              "Footnote 2: mu := 0 at s2 = d2 - 1. The inner max over J1 is taken separately for each pair, which is what makes mu an upper-bound device."
              "UNVERIFIED: the paper builds an eta grid 'in [0, 1]' although mu ranges over [0, d2 - s2 - 1]." ] }

/// SULAM-D2's mutant.
let d2Mutants = [ d2 |> Statement.mutate "at-most-one" "claims mu <= 1 (the eta grid 'in [0, 1]' read as a bound on mu)" (fun _ -> sym "mu" <=. Expr.one) ]

/// SULAM-A1 (Algorithm 1, App. D, corrected; DERIVED): the corrected algorithm computes Definition 2 exactly.
let a1 =
    { Statement.create "SULAM-A1" "Algorithm 1 (corrected) computes the reduced babel function" (cite "App. D, p. 29" (Some "Algorithm 1")) [ Provenance.Derived; Provenance.PaperIssue ]
        "Pair scores A[i,j] = max(top-(d1-s1) sum, -bottom-(d1-s1) sum) of w[i].*w[j]; per column the sum of the d2-s2-1 largest off-diagonal scores; divided by the squared reduced row norm."
        (Conclusion.Deterministic(sym "muAlgorithm" ==. sym "muDefinition")) with
        Variables =
            [ nonNeg "muAlgorithm" "mu by the corrected Algorithm 1 (one GEMM |W W^T| when s1 = 0)"
              nonNeg "muDefinition" "mu by Definition 2 read literally (every J2, j and J1 enumerated)"
              nonNeg "rowNorm" "||W||_(d2-1,s1)" ]
        Notes =
            [ twoModes
              "PAPER-TYPO (catalog SULAM-A1): the printed listing repeats TOP-K for the negative line, sums d1 - s1 instead of d2 - s2 - 1 disc terms, skips the last row and divides by the norm instead of its square; SULAM-A1-printed shows the printed listing disagreeing with Definition 2 on a witness."
              "Cost O(d2^2 d1) with linear-time selection; A depends only on s1, so one pass gives mu for every s2." ] }

/// SULAM-A1's mutant: misprint (4) alone.
let a1Mutants =
    [ a1 |> Statement.mutate "unsquared" "divides by ||W||_(d2-1,s1) instead of its square (misprint 4)" (fun _ -> sym "muAlgorithm" * sym "rowNorm" ==. sym "muDefinition") ]

/// SULAM-A1-printed: Algorithm 1 exactly as printed (every misprint kept) against Definition 2: false as printed.
let a1Printed =
    { Statement.create "SULAM-A1-printed" "Algorithm 1 as printed computes the reduced babel function" (cite "App. D, p. 29" (Some "Algorithm 1, printed")) [ Provenance.Exact; Provenance.PaperIssue ]
        "The printed listing (negative line = TOP-K again, d1 - s1 disc terms, rows 1..d2-1, divided by the unsquared norm) returns mu_{s2,s1}(W)."
        (Conclusion.Deterministic(sym "muPrinted" ==. sym "muDefinition")) with
        Role = Role.Probe
        Variables =
            [ nonNeg "muPrinted" "Algorithm 1 as printed (PAPER-TYPO: misprints 1-4 of the catalog kept; the listing itself was transcribed by the catalog, not re-read here)"
              nonNeg "muDefinition" "mu by Definition 2 (brute force)" ]
        Notes = [ "PAPER-TYPO: the misprints of catalog SULAM-A1; the witness is a small Gaussian matrix (synthetic) or a sub-block of a trained layer (real)." ] }
    |> Statement.knownFalse "Algorithm 1 as printed is not Definition 2: its misprints (negative line, disc count, last row, unsquared norm) change the value on generic matrices"
