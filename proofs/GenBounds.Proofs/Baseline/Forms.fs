/// Baseline catalog §§1-4, §6 and §7: the practical forms as the practitioners' code computes them, the closed-form
/// relations between columns (§6 sanity check), and the Rademacher and PAC-Bayes theorems (catalogued; not checkable by
/// `genbounds verify`).
module GenBounds.Proofs.Baseline.Forms

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Baseline.Common

let private modes =
    twoModes
        "random 20-16-12-5 nets (bias-free and with biases) with Gaussian weights, 300 Gaussian inputs labelled by the net itself (so margins are positive), no recorded initialisation."
        "the trained net on S (no recorded initialisation: distances to W0 use the reference 0, as the engine does)."

/// BASE-FORMS-PRACTICAL (§§1-3, verified in bneyshabur/generalization-bounds measures.py): the engine's practical forms
/// equal the code's formulas evaluated from plain reference norms.
let practical =
    { Statement.create "BASE-FORMS-PRACTICAL" "Practical forms equal the bneyshabur formulas" (cite "§§1-3" (Some "practical forms")) [ Provenance.Code ]
        "ln of: sqrt(d + ln D) prod ||W||_F/(gamma sqrt m); sqrt(d + ln D) prod ||W||_{3,1.5}/(gamma m^(1/3)); sqrt(d + ln D) prod ||W||_{1,inf}/(gamma sqrt m); ln m ln N prod ||W||_2/gamma (sum (||W||_{2,1}/||W||_2)^(2/3))^(3/2)/sqrt m; d prod ||W||_2/gamma sqrt(sum h_i ||W||_F^2/||W||_2^2)/sqrt m, gamma = np.percentile(margins, 5)."
        (Conclusion.Deterministic(sym "lnEngine" ==. sym "lnReference")) with
        Role = Role.Definition
        Tolerance = Accuracy.Low
        Variables =
            [ anyReal "lnEngine" "the row's log value from NormBounds.Practical"
              anyReal "lnReference" "the same formula from plain loops (group norms), a dense SVD and float64 margins"
              anyReal "lnReferenceNoM" "the reference without its m^(-1/2) (m^(-1/3)) factor (the mutant)" ]
        Notes = [ modes; "Accuracy Low (1e-3 relative): the engine's margins come from a float32 forward pass." ] }

/// BASE-FORMS-PRACTICAL's mutant.
let practicalMutants =
    [ practical |> Statement.mutate "no-sqrt-m" "the 1/sqrt(m) (1/m^(1/3)) factor dropped" (fun _ -> sym "lnEngine" ==. sym "lnReferenceNoM") ]

/// BASE-FORMS-DIFF (§6 sanity check, DERIVED): differences between columns computed on the same net are closed-form.
let differences =
    { Statement.create "BASE-FORMS-DIFF" "Column differences are closed-form (§6 sanity check) [DERIVED]" (cite "§6" (Some "sanity check")) [ Provenance.Derived ]
        "2 ln(NTS15 Frobenius, practical) - ln(NBMS17 l2 capacity) = ln(d + ln D) - ln m - d ln 4; ln(NBMS17 l1-path capacity) - 2 ln(l1 path norm/gamma) = 2 d ln 2 (same gamma)."
        (Conclusion.Deterministic(sym "difference" ==. sym "expected")) with
        Role = Role.Definition
        Tolerance = Accuracy.Medium
        Variables =
            [ anyReal "difference" "the difference of the two columns' log values"
              anyReal "expected" "its closed form in d, D and m"
              anyReal "expectedNoM" "the closed form without ln m (the mutant)" ]
        Notes = [ modes; "Catches norm-convention and margin bugs without reference numbers (catalog §6)." ] }

/// BASE-FORMS-DIFF's mutant.
let differencesMutants =
    [ differences |> Statement.mutate "no-ln-m" "the -ln m of the practical form's 1/sqrt(m) forgotten" (fun _ -> sym "difference" ==. sym "expectedNoM") ]

let private rademacher = "the Rademacher complexity of a norm-bounded class is a supremum over the class; the verifier has no certified evaluation of it, and the classification bounds built on it are computed values (genbounds bounds, published forms)"

/// BASE-NTS15-T1 (Theorem 1, p. 5).
let nts15T1 =
    notYet "BASE-NTS15-T1" "NTS15 Theorem 1: Rademacher complexity of group-norm classes" "§1" (Some "BASE-NTS15-T1 (Theorem 1)") [ Provenance.Exact ]
        "R_m(N_{gamma_{p,q} <= gamma}) <= gamma (2 H^[1/p* - 1/q]_+)^(d-1) R^linear_{m,p,D} <= sqrt(gamma^2 (2H^[.]_+)^(2(d-1)) min{p*, 4 ln(2D)} max ||x_i||^2_{p*}/m) (second inequality for p <= 2)."
        (Conclusion.Deterministic(sym "rademacher" <=. sym "bound")) rademacher []

/// BASE-NTS15-C2 (Corollary 2, p. 6).
let nts15C2 =
    notYet "BASE-NTS15-C2" "NTS15 Corollary 2: width-free case q <= p*" "§1" (Some "BASE-NTS15-C2 (Corollary 2)") [ Provenance.Exact ]
        "For 1 <= q <= p*: R_m <= gamma 2^(d-1) R^linear <= sqrt(gamma^2 4^(d-1) min{p*, 4 ln(2D)} max ||x_i||^2_{p*}/m)."
        (Conclusion.Deterministic(sym "rademacher" <=. sym "bound")) rademacher []

/// BASE-NTS15-T5C7 (Theorem 5, Corollary 7, p. 8).
let nts15T5 =
    notYet "BASE-NTS15-T5C7" "NTS15 Theorem 5 / Corollary 7: path norm" "§1" (Some "BASE-NTS15-T5 / C7") [ Provenance.Exact ]
        "Theorem 5: phi_p = gamma_{p,inf} for the induced (minimised over realisations) measures of layered graphs; Corollary 7: R_m(N_{phi_1 <= phi}) <= sqrt(4^(d-1) phi^2 4 ln(2D) sup ||x_i||^2_inf/m)."
        (Conclusion.Deterministic(sym "rademacher" <=. sym "bound"))
        (rademacher + "; Theorem 5 is about measures minimised over all realisations of a function, which no finite search certifies") []

/// BASE-BFT17-T1.1 (Theorem 1.1, RECALLED; explicit constants UNVERIFIED).
let bft17 =
    notYet "BASE-BFT17-T1.1" "BFT17 Theorem 1.1: spectrally-normalised margin bound [RECALLED; constants UNVERIFIED]" "§2" (Some "BASE-BFT17-T1.1") [ Provenance.Recon; Provenance.Unverified ]
        "With probability >= 1 - delta: Pr[argmax F(x) != y] <= R_gamma + O~(||X||_2 R_A/(gamma n) ln W + sqrt(ln(1/delta)/n)), R_A = prod rho_i ||A_i||_2 (sum ||A_i^T - M_i^T||_{2,1}^(2/3)/||A_i||_2^(2/3))^(3/2)."
        (Conclusion.WithProbability(sym "risk" <=. sym "bound", sym "delta", "the training set"))
        "an O~(.) statement; the explicit-constant version (C = 72) is UNVERIFIED and is a computed value (genbounds bounds, BFT17-spectral-l21/published), vacuous on MNIST nets; the event is over the draw of S"
        [ "The ||.||_{2,1} is the sum of row l2 norms of A - M (column convention of the paper applied to the transpose)." ]

/// BASE-PB-BOUNDS (§7): the other members of the PAC-Bayes family over the draw of S.
let pbFamily =
    notYet "BASE-PB-BOUNDS" "PB-MCA99, PB-SSBD, PB-KL over the draw of S (implied by PB-MAURER)" "§7" (Some "PB-*") [ Provenance.Exact; Provenance.Recon ]
        "With probability >= 1 - delta over S, simultaneously for all posteriors Q: McAllester (RECALLED form), Shalev-Shwartz & Ben-David, and Langford-Seeger (RECALLED form)."
        (Conclusion.WithProbability(sym "risk" <=. sym "bound", sym "delta", "the training set"))
        "not checked separately: each is at least PB-MAURER for the same inputs (BASE-PB-CHAIN), and PB-MAURER itself is checked over repeated draws of S (BASE-PB-MAURER)"
        [ "PB-QUAD, PB-LAMBDA and PB-CLASSIC are deterministic relaxations of PB-MAURER (BASE-PB-CHAIN)." ]

/// The catalogued statements that are not checkable.
let catalogued = [ nts15T1; nts15C2; nts15T5; bft17; pbFamily ]
