/// Guha et al. (2023) §4 and App. B: randomized magnitude pruning (Algorithm 1), the residual moments (Lemma 4.1),
/// Latała's bound and the per-layer error (Lemmas B.1, 4.2), the perturbation bound (Lemma B.2) and the whole-network
/// errors (Lemmas 4.3, 4.4).
module GenBounds.Proofs.Guha2023.Pruning

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

/// GUHA-ALG1 (Algorithm 1 and Remark 4.1): under A3.1 an off-diagonal entry is kept with probability χ(d).
let alg1 =
    { Statement.create "GUHA-ALG1" "Keep probability of randomized magnitude pruning" (cite "§4" (Some "Algorithm 1"))
        [ Provenance.Code; Provenance.Prose; Provenance.Derived ]
        "Under Gaussian weights, Algorithm 1 keeps an off-diagonal entry with probability chi(d) = (sqrt(d+2) - sqrt d)/sqrt(d+2)."
        (Conclusion.InExpectation(expect (sym "keep") ==. chi d, "W^l and the mask")) with
        Variables = Statement.var "keep" "indicator that an off-diagonal entry survives pruning" Domain.probability :: pruning
        Hypotheses = [ gaussianWeights; algorithm1 ]
        Notes =
            [ "Rule read from the authors' code (get_mask): keep-mask ~ Bernoulli(1 - exp(-W^2/(alpha psi))); chi(d) appears verbatim in the code."
              "Discrepancies: the code prunes the diagonal (the paper keeps it, Remark 4.1) and never prunes biases."
              twoSpaces ] }

/// GUHA-ALG1's mutant.
let alg1Mutants = [ alg1 |> Statement.mutate "d-plus-1" "chi(d) evaluated at d + 1" (Relation.map (Expr.substitute "d" (d + 1))) ]

let residualMoment name informal (power: int) (rhs: Expr) provenanceNote =
    { Statement.create name ("Residual moment E[Delta^" + string power + "]") (cite "§4.1, App. B.1" (Some "Lemma 4.1"))
        [ Provenance.Derived ] informal
        (Conclusion.InExpectation(expect (sym "Delta" ** power) ==. rhs, "W^l and the mask")) with
        Variables = Statement.var "Delta" "an off-diagonal entry of Delta^l = W^l - What^l" Domain.anyReal :: pruning
        Hypotheses = [ gaussianWeights; algorithm1 ]
        Notes =
            [ "DERIVED: the paper's formulas were stripped; our derivation (E[W^{2k} e^{-aW^2}] Gaussian integral) was confirmed by Monte Carlo."
              provenanceNote
              twoSpaces ] }

/// GUHA-L4.1 (Lemma 4.1), first moment: E[Δ_ij] = 0 for an off-diagonal entry.
let l41Mean =
    residualMoment "GUHA-L4.1a" "The pruning residual has mean zero." 1 Expr.zero
        "The conditional mean on fixed weights is not zero: E[Delta_ij | W] = W_ij exp(-W_ij^2/(d Psi)); the lemma's zero-mean conclusion holds only jointly over weights and mask."

/// GUHA-L4.1a's mutant.
let l41MeanMutants =
    [ l41Mean |> Statement.mutate "nonzero-mean" "mean sqrt(Psi) (d/(d+2))^(3/4) instead of 0" (fun _ -> expect (sym "Delta") ==. sqrt psi * ratio ** frac 3 4) ]

/// GUHA-L4.1 (Lemma 4.1), second moment: E[Δ_ij²] = Ψ (d/(d+2))^{3/2}.
let l41Second =
    residualMoment "GUHA-L4.1b" "The pruning residual has second moment Psi (d/(d+2))^(3/2)." 2 (psi * ratio ** frac 3 2)
        "Real-network check needs no Monte Carlo: the mask expectation (1/n) sum W^2 exp(-W^2/(d Psi)) is exact; its relative gap to the formula measures non-Gaussianity."

/// GUHA-L4.1b's mutant.
let l41SecondMutants =
    [ l41Second |> Statement.mutate "exponent-1" "second moment exponent 3/2 replaced by 1" (fun _ -> expect (sym "Delta" ** 2) ==. psi * ratio) ]

/// GUHA-L4.1 (Lemma 4.1), fourth moment: E[Δ_ij⁴] = 3Ψ² (d/(d+2))^{5/2}.
let l41Fourth =
    residualMoment "GUHA-L4.1c" "The pruning residual has fourth moment 3 Psi^2 (d/(d+2))^(5/2)." 4 (3 * psi ** 2 * ratio ** frac 5 2)
        "General form E[Delta^{2k}] = (2k-1)!! Psi^k (d/(d+2))^{k+1/2}; odd moments vanish."

/// GUHA-L4.1c's mutant.
let l41FourthMutants =
    [ l41Fourth |> Statement.mutate "no-factor-3" "fourth moment without the Gaussian factor 3" (fun _ -> expect (sym "Delta" ** 4) ==. psi ** 2 * ratio ** frac 5 2) ]

let X i j = matAt "X" i j

/// Latała's bracket max_i √Σ_j E X_ij² + max_j √Σ_i E X_ij² + (Σ_ij E X_ij⁴)^{1/4} (GUHA-LB.1).
let latalaBracket =
    maxOver "i" (sqrt (sumOver "j" (expect (X "i" "j" ** 2))))
    + maxOver "j" (sqrt (sumOver "i" (expect (X "i" "j" ** 2))))
    + root 4 (sumOver "i" (sumOver "j" (expect (X "i" "j" ** 4))))

/// GUHA-LB.1 (Lemma B.1 = Latała 2005, Thm 2): E‖X‖₂ ≤ C·(row + column + fourth-moment terms), C universal.
let lb1 =
    { Statement.create "GUHA-LB.1" "Latała's norm bound" (cite "App. B.2" (Some "Lemma B.1")) [ Provenance.Ext ]
        "The expected spectral norm of a matrix with independent mean-zero entries is bounded by its row, column and fourth-moment terms."
        (Conclusion.WithUniversalConstant(Conclusion.InExpectation(sym "normX" <=. sym "C" * latalaBracket, "X"), "C")) with
        Variables =
            [ { Statement.var "normX" "spectral norm of X (full SVD), averaged over draws" Domain.nonNegative with
                  Glyph = Some(Glyph.Norm(Glyph.Name "X", "2")) }
              Statement.matrixVar "X" "random matrix with independent mean-zero entries" Domain.anyReal ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("independent", "entries of X independent")
              Hypothesis.NamedAssumption("mean zero", "entries mean zero with finite fourth moments") ]
        Notes =
            [ "EXT: Latała, Proc. AMS 133 (2005) 1273-1282. No explicit C is published for this form; C = 1 suffices for i.i.d. Gaussian entries (Gordon)."
              "Real-network mode applies the lemma to the centred residual Delta - E[Delta | W], whose entry moments are exact functions of W."
              "A universal constant cannot be refuted: the checker reports the smallest C consistent with the data, its trend over layer sizes, and flags C > 10." ] }

/// GUHA-LB.1's mutant.
let lb1Mutants = [ lb1 |> Statement.pinConstant "C-tenth" "Latała's constant pinned to C = 1/10" "C" (frac 1 10) ]

/// Γ_l of GUHA-L4.2 with the universal constant C.
let gammaL (c: Expr) =
    c * sqrt psi * ((sqrt hOut + sqrt hIn) * ratio ** frac 3 4 + root 4 (3 * hOut * hIn) * ratio ** frac 5 8)

/// GUHA-L4.2 (Lemma 4.2, reconstructed): with probability ≥ 1 − ε, ‖W^l − Ŵ^l‖₂ ≤ Γ_l/ε.
let l42 =
    let eps = sym "epsilon"
    { Statement.create "GUHA-L4.2" "Per-layer pruning error" (cite "§4.1, App. B.2" (Some "Lemma 4.2"))
        [ Provenance.Recon ]
        "Pruning a Gaussian layer moves it by at most Gamma_l/epsilon in spectral norm, with probability at least 1 - epsilon."
        (Conclusion.WithUniversalConstant(
            Conclusion.WithProbability(sym "normDelta" <=. gammaL (sym "C") / eps, eps, "W^l and the mask"), "C")) with
        Variables =
            [ { Statement.var "normDelta" "spectral norm of W^l - What^l (full SVD)" Domain.nonNegative with
                  Glyph = Some(Glyph.Norm(Glyph.Name "Delta", "2")) }
              Statement.var "epsilon" "failure probability epsilon_l" Domain.confidence ]
            @ pruning @ widths
        Hypotheses = [ gaussianWeights; algorithm1; Hypothesis.NamedAssumption("LB.1", "Latała's bound with its universal constant C") ]
        Notes =
            [ "RECON: Lemma 4.1 moments plugged into Latała, then Markov; the paper's grouping of terms is unverified."
              "Gamma_l counts all h_l h_{l-1} positions; the zero diagonal only lowers the true value."
              "Checked value: C_min(eps) = eps q_{1-eps} / Gamma_l|_{C=1}, with an order-statistic CI; the C = 1 claim is also counted trial by trial."
              "On fixed weights the residual has the non-zero conditional mean W exp(-W^2/(d Psi)), which carries the trained layer's low-rank structure; its share of ||Delta||_2 is reported."
              "The authors' code never evaluates Gamma_l; it plugs in the realised ||W - What||_2." ] }

/// GUHA-L4.2's mutant.
let l42Mutants = [ l42 |> Statement.pinConstant "C-hundredth" "Lemma 4.2 with C pinned to 1/100" "C" (frac 1 100) ]

let lbBound =
    e * sym "normx" * prodOver "l" (vecAt "lambda" "l" * vecAt "normW" "l") * sumOver "l" (vecAt "normU" "l" / vecAt "normW" "l")

/// GUHA-LB.2 (Lemma B.2 = Neyshabur et al. 2017, Lemma 2 = Arora et al. 2018, Lemma 9): deterministic perturbation bound.
let lb2 =
    { Statement.create "GUHA-LB.2" "Perturbation bound" (cite "App. B.3" (Some "Lemma B.2")) [ Provenance.Ext; Provenance.Prose ]
        "Perturbing every layer by at most 1/L of its spectral norm moves the output by at most e ||x|| prod ||W^l|| sum ||U^l||/||W^l||."
        (Conclusion.Deterministic(sym "normDiff" <=. lbBound)) with
        Variables =
            [ Statement.var "normDiff" "||f_{W+U}(x) - f_W(x)||, all k coordinates" Domain.nonNegative
              Statement.var "normx" "||x||" Domain.nonNegative
              Statement.vectorVar "normW" "spectral norms ||W^l||_2" Domain.positive
              Statement.vectorVar "normU" "spectral norms ||U^l||_2" Domain.nonNegative
              Statement.vectorVar "lambda" "Lipschitz constants lambda_l" Domain.positive
              Statement.var "L" "number of layers" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.Condition(maxOver "l" (vecAt "normU" "l" / vecAt "normW" "l") <=. 1 / sym "L")
              lipschitz
              noBiases ]
        Tolerance = Accuracy.VeryHigh
        Notes =
            [ "Proof: induction with (1 + 1/L)^L <= e; a proven result, so a violation on a bias-free network is a bug."
              "With biases the layer outputs are not bounded by prod ||W|| ||x|| and the stated lemma can fail: reported as 'no biases' not met."
              "Perturbations checked: pruning residuals -Delta^l, Gaussian matrices scaled to ||W^l||/L, rank-one along the top singular pair, and the scaling U = W/L." ] }

/// GUHA-LB.2's mutants.
let lb2Mutants =
    [ lb2 |> Statement.reverse "attained" "claims the perturbation always attains the bound (>= instead of <=)"
      lb2 |> typicalValue "median" "the bound replaced by the median of the observed ||f_{W+U}(x) - f_W(x)|| over the checked inputs and perturbations" "normDiff" "normDiffMedian" ]

let sumGamma extra =
    sumOver "l" ((vecAt "Gamma" "l" / vecAt "epsilon" "l" + extra) / vecAt "normW" "l")

let networkBound extra = e * sym "maxnormx" * prodOver "l" (vecAt "lambda" "l" * vecAt "normW" "l") * sumGamma extra

let networkVars =
    [ Statement.var "maxErr" "max over x in S of ||f(x) - g(x)||" Domain.nonNegative
      Statement.var "maxnormx" "max over x in S of ||x||" Domain.nonNegative
      Statement.vectorVar "Gamma" "Gamma_l of GUHA-L4.2 at C = 1" Domain.positive
      Statement.vectorVar "epsilon" "per-layer failure probabilities" Domain.confidence
      Statement.vectorVar "normW" "||W^l||_2" Domain.positive
      Statement.vectorVar "lambda" "Lipschitz constants" Domain.positive
      Statement.var "L" "number of layers" Domain.positiveInteger ]

/// GUHA-L4.3 (= Lemma B.3, reconstructed): whole-network pruning error with probability ≥ 1 − Σ ε_l.
let l43 =
    { Statement.create "GUHA-L4.3" "Whole-network pruning error" (cite "§4.1, App. B.4" (Some "Lemma 4.3")) [ Provenance.Recon; Provenance.Code ]
        "With probability at least 1 - sum eps_l, the pruned network is uniformly close to the original on S."
        (Conclusion.WithProbability(sym "maxErr" <=. networkBound Expr.zero, sumOver "l" (vecAt "epsilon" "l"), "W and the masks")) with
        Variables = networkVars
        Hypotheses =
            [ gaussianWeights; algorithm1; lipschitz; noBiases
              Hypothesis.Condition(maxOver "l" (vecAt "Gamma" "l" / (vecAt "epsilon" "l" * vecAt "normW" "l")) <=. 1 / sym "L")
              Hypothesis.NamedAssumption("LB.1", "Gamma_l evaluated with C = 1 (the Gaussian benchmark of Latała's constant)") ]
        Notes =
            [ "RECON: Lemma 4.2 per layer + Lemma B.2 + union bound."
              "Code variant (what the experiments used): gamma*(d) with the realised ||W^l - What^l||_2 and no check of the size condition; its implication 'condition => E_max <= gamma*' is counted as well."
              "E_max is taken over all k output coordinates (the code measures only the true class)." ] }

/// GUHA-L4.3's mutants.
let l43Mutants =
    [ l43 |> Statement.reverse "attained" "claims the network error always attains the bound"
      l43 |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed E_max over the trials" "maxErr" "maxErrQ10" ]

/// GUHA-L4.4, deterministic part: ‖Ŵ − W̃‖₂ ≤ ‖Ŵ − W̃‖_F ≤ (ρ/2)√J.
let l44Rounding =
    let rho, j = sym "rho", sym "J"
    { Statement.create "GUHA-L4.4a" "Rounding error of a pruned layer" (cite "§4.2, App. B.5" (Some "Lemma 4.4")) [ Provenance.Recon; Provenance.Derived ]
        "Rounding the J nonzeros of a pruned layer to a grid of step rho moves it by at most (rho/2) sqrt J in Frobenius norm."
        (Conclusion.Deterministic(sym "normRoundF" <=. rho / 2 * sqrt j)) with
        Variables =
            [ Statement.var "normRoundF" "||What^l - Wtilde^l||_F" Domain.nonNegative
              Statement.var "rho" "grid step rho_l" Domain.positive
              Statement.var "J" "nonzeros of What^l" Domain.positiveInteger ]
        Hypotheses = [ Hypothesis.NamedAssumption("grid", "rounding to the nearest multiple of rho, fixed before S") ]
        Tolerance = Accuracy.VeryHigh
        Notes =
            [ "DERIVED; the paper may print a looser form such as rho J. The spectral norm is at most the Frobenius norm, so the spectral statement follows."
              "Entries with |What_ij| < rho/2 round to 0; their error is still at most rho/2." ] }

/// GUHA-L4.4a's mutant.
let l44RoundingMutants =
    [ l44Rounding |> Statement.mutate "quarter-step" "(rho/2) sqrt J replaced by (rho/4) sqrt J" (fun _ -> sym "normRoundF" <=. sym "rho" / 4 * sqrt (sym "J")) ]

/// GUHA-L4.4, probabilistic part: pruning + rounding error of the whole network with probability ≥ 1 − Σ ε_l.
let l44Network =
    let extra = vecAt "rho" "l" / 2 * sqrt (vecAt "J" "l")
    { Statement.create "GUHA-L4.4b" "Pruning and discretization error" (cite "§4.2, App. B.5" (Some "Lemma 4.4")) [ Provenance.Recon ]
        "With probability at least 1 - sum eps_l, the pruned and rounded network is uniformly close to the original on S."
        (Conclusion.WithProbability(sym "maxErr" <=. networkBound extra, sumOver "l" (vecAt "epsilon" "l"), "W and the masks")) with
        Variables =
            networkVars
            @ [ Statement.vectorVar "rho" "grid steps" Domain.positive
                Statement.vectorVar "J" "nonzeros per pruned layer" Domain.nonNegative ]
        Hypotheses =
            [ gaussianWeights; algorithm1; lipschitz; noBiases
              Hypothesis.Condition(
                  maxOver "l" ((vecAt "Gamma" "l" / vecAt "epsilon" "l" + extra) / vecAt "normW" "l") <=. 1 / sym "L")
              Hypothesis.NamedAssumption("LB.1", "Gamma_l evaluated with C = 1") ]
        Notes = [ "RECON: as GUHA-L4.3 with U^l = Wtilde^l - W^l; the grid step must be fixed in advance for the union bound of T5.2." ] }

/// GUHA-L4.4b's mutants.
let l44NetworkMutants =
    [ l44Network |> Statement.reverse "attained" "claims the pruning+rounding error always attains the bound"
      l44Network |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed pruning+rounding E_max over the trials" "maxErr" "maxErrQ10" ]
