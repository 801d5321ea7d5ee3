/// The statements of Guha, Dubey, Huo (2023), "Generalization Bounds for Magnitude-Based Pruning via Sparse Matrix
/// Sketching" (arXiv 2305.18789v2), as data. Formulas follow /work/shared/lemmas/guha2023-mbp-sketching.md: the paper's
/// displays were lost, so every entry carries the catalog's provenance tags and caveats.
module GenBounds.Proofs.Guha2023

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private ln (x: Expr) = Expr.ln x
let private paper = "Guha, Dubey, Huo 2023"
let private cite section equation = { Source = paper; Section = section; Equation = equation }

// Shared symbols: d pruning strength, Psi layer variance, h_l / h_{l-1} output / input widths.
let private d = sym "d"
let private psi = sym "Psi"
let private hOut = sym "h_l"
let private hIn = sym "h_{l-1}"
let private ratio = d / (d + 2)

/// χ(d) = (√(d+2) − √d)/√(d+2), the unconditional keep probability (GUHA-ALG1, DERIVED).
let chi (dd: Expr) = (sqrt (dd + 2) - sqrt dd) / sqrt (dd + 2)

let private gaussianWeights = Hypothesis.NamedAssumption("A3.1", "i.i.d. Gaussian weights: W^l_ij ~ N(0, Psi_l) independently")
let private algorithm1 = Hypothesis.NamedAssumption("ALG1", "Algorithm 1: entry (i,j), i != j, pruned independently with probability exp(-W_ij^2/(d Psi_l)); diagonal kept")
let private noBiases = Hypothesis.NamedAssumption("no biases", "the network has no bias vectors")
let private lipschitz = Hypothesis.NamedAssumption("Lipschitz", "phi_l(0) = 0 and phi_l is lambda_l-Lipschitz (ReLU: lambda_l = 1)")
let private twoSpaces =
    "Two probability spaces (catalog §0): under A3.1 the expectation is over weights and mask; on a trained network the weights are fixed and only the mask is random."

let private widths =
    [ Statement.var "h_l" "output width of layer l" Domain.positiveInteger
      Statement.var "h_{l-1}" "input width of layer l" Domain.positiveInteger ]

let private pruning =
    [ Statement.var "d" "pruning strength of Algorithm 1 (larger prunes more)" Domain.positive
      Statement.var "Psi" "variance Psi_l of the entries of W^l (code: np.var of the layer)" Domain.positive ]

/// GUHA-A3.1 (Assumption 3.1): every weight is N(0, Ψ_l), independently. Checked as a one-sample Kolmogorov–Smirnov
/// test of W/√Ψ_l against N(0,1) at level 1%.
let a31 =
    { Statement.create "GUHA-A3.1" "Gaussian weights" (cite "§3.3" (Some "Assumption 3.1")) [ Provenance.Prose ]
        "Each trained weight is an independent N(0, Psi_l) variable."
        (Conclusion.Deterministic(sym "KS" <=. sym "KS_{0.99}")) with
        Variables =
            [ Statement.var "KS" "Kolmogorov-Smirnov distance of W^l_ij/sqrt(Psi_l) from N(0,1)" Domain.probability
              Statement.var "KS_{0.99}" "asymptotic 99% critical value 1.6276/sqrt(n), n = h_l h_{l-1}" Domain.probability ]
        Notes =
            [ "PROSE: normal, mean 0, variance Psi; independence is used throughout the proofs; whether Psi is shared across layers is unclear (the code uses a per-layer variance)."
              "With 1e5-1e6 entries the test rejects almost surely on trained layers; the effect sizes (excess kurtosis, Anderson-Darling A^2, Q-Q plot) are the informative numbers." ] }

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

let private residualMoment name informal (power: int) (rhs: Expr) provenanceNote =
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

/// GUHA-L4.1 (Lemma 4.1), second moment: E[Δ_ij²] = Ψ (d/(d+2))^{3/2}.
let l41Second =
    residualMoment "GUHA-L4.1b" "The pruning residual has second moment Psi (d/(d+2))^(3/2)." 2 (psi * ratio ** frac 3 2)
        "Real-network check needs no Monte Carlo: the mask expectation (1/n) sum W^2 exp(-W^2/(d Psi)) is exact; its relative gap to the formula measures non-Gaussianity."

/// GUHA-L4.1 (Lemma 4.1), fourth moment: E[Δ_ij⁴] = 3Ψ² (d/(d+2))^{5/2}.
let l41Fourth =
    residualMoment "GUHA-L4.1c" "The pruning residual has fourth moment 3 Psi^2 (d/(d+2))^(5/2)." 4 (3 * psi ** 2 * ratio ** frac 5 2)
        "General form E[Delta^{2k}] = (2k-1)!! Psi^k (d/(d+2))^{k+1/2}; odd moments vanish."

let private X i j = matAt "X" i j

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

let private lbBound =
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

let private sumGamma extra =
    sumOver "l" ((vecAt "Gamma" "l" / vecAt "epsilon" "l" + extra) / vecAt "normW" "l")

let private networkBound extra = e * sym "maxnormx" * prodOver "l" (vecAt "lambda" "l" * vecAt "normW" "l") * sumGamma extra

let private networkVars =
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

/// GUHA-D5.1 (Definition 5.1): (j_c, j_r)-distributed sparsity, including a nonzero diagonal.
let d51 =
    { Statement.create "GUHA-D5.1" "Distributed sparsity" (cite "§5.2" (Some "Definition 5.1")) [ Provenance.Prose ]
        "A pruned layer is (j_c, j_r)-distributed sparse: at most j_r nonzeros per row, j_c per column, and a nonzero diagonal."
        (Conclusion.Deterministic(sym "zeroDiag" <=. Expr.zero)) with
        Variables =
            [ Statement.var "zeroDiag" "diagonal slots (i,i), i < min(h_l, h_{l-1}), that are zero after pruning" Domain.nonNegative
              Statement.var "j_r" "max nonzeros per row" Domain.nonNegative
              Statement.var "j_c" "max nonzeros per column" Domain.nonNegative
              Statement.var "J" "nonzeros" Domain.nonNegative ]
        Hypotheses = [ algorithm1 ]
        Notes =
            [ "j_r and j_c are the observed maxima, so the row/column clauses hold by definition; the diagonal clause is the checkable part."
              "Rectangular layers (784 x h, h x 10): the paper does not say how they are padded; padding would make the diagonal clause fail." ] }

let private bernsteinDeviation (mu: Expr) (bins: Expr) (delta: Expr) =
    let lg = ln (bins / delta)
    lg / 3 + sqrt (lg ** 2 / 9 + 2 * mu * lg)

/// GUHA-LE.1 (Lemma E.1), explicit Bernstein form: P(max load ≥ μ + t) ≤ n exp(−t²/(2μ + 2t/3)).
let le1 =
    let n, nb, delta = sym "n", sym "n_b", sym "delta"
    let mu = nb / n
    { Statement.create "GUHA-LE.1" "Balls into bins, maximum load" (cite "App. E.2" (Some "Lemma E.1")) [ Provenance.Recon; Provenance.Unverified; Provenance.Derived ]
        "Throwing n_b balls into n bins, the fullest bin holds at most n_b/n + t balls with probability at least 1 - delta."
        (Conclusion.WithProbability(sym "maxLoad" <=. mu + bernsteinDeviation mu n delta, delta, "the throws")) with
        Variables =
            [ Statement.var "maxLoad" "largest bin load" Domain.nonNegative
              Statement.var "n" "bins" Domain.positiveInteger
              Statement.var "n_b" "balls" Domain.nonNegative
              Statement.var "delta" "failure probability" Domain.confidence ]
        Hypotheses = [ Hypothesis.NamedAssumption("uniform", "balls thrown independently and uniformly") ]
        Notes =
            [ "The paper's exact form was stripped. The standard heavily-loaded form (Raab & Steger 1998: max <= n_b/n + alpha sqrt(2 (n_b/n) ln n) w.p. 1 - o(1), n_b >= n ln n) is asymptotic and has no explicit failure probability, so it cannot be checked."
              "Checked here: the DERIVED explicit replacement, Bernstein per bin + union bound, t = L/3 + sqrt(L^2/9 + 2 mu L), L = ln(n/delta)." ] }

/// GUHA-L5.1 (Lemma 5.1, reconstructed): pruned layers are distributed sparse with the Markov + balls-into-bins bounds.
let l51 =
    let epsM, dr, dc = sym "epsilon_M", sym "delta_r", sym "delta_c"
    let nBar = chi d * hOut * hIn / epsM
    let rowBound = nBar / hOut + bernsteinDeviation (nBar / hOut) hOut dr
    let colBound = nBar / hIn + bernsteinDeviation (nBar / hIn) hIn dc
    { Statement.create "GUHA-L5.1" "Pruned layers are distributed sparse" (cite "§5.4, App. E.3" (Some "Lemma 5.1")) [ Provenance.Recon ]
        "With probability at least 1 - eps_M - delta_r - delta_c the pruned layer has at most Nbar/h_l + t_r nonzeros per row and Nbar/h_{l-1} + t_c per column."
        (Conclusion.WithProbability(maxOf [ sym "j_r" - rowBound; sym "j_c" - colBound ] <=. Expr.zero, epsM + dr + dc, "W^l and the mask")) with
        Variables =
            [ Statement.var "j_r" "max nonzeros per row of What^l" Domain.nonNegative
              Statement.var "j_c" "max nonzeros per column" Domain.nonNegative
              Statement.var "epsilon_M" "Markov failure probability for the nonzero count" Domain.confidence
              Statement.var "delta_r" "row balls-into-bins failure probability" Domain.confidence
              Statement.var "delta_c" "column failure probability" Domain.confidence ]
            @ pruning @ widths
        Hypotheses = [ gaussianWeights; algorithm1; Hypothesis.NamedAssumption("LE.1", "balls-into-bins bound, explicit Bernstein form") ]
        Notes =
            [ "RECON: Markov on the nonzero count (Nbar = chi(d) h_l h_{l-1}/eps_M), then Lemma E.1 for rows and columns, union bound."
              "Exact alternative (DERIVED): row counts are independent 1[diag] + Bin(h_{l-1} - 1[diag], chi); the exact law of the maximum is reported alongside."
              "The code's 'predicted sparsity' 3 chi(d) h_in corresponds to eps_M = 1/3 with the deviation term dropped." ] }

/// GUHA-LD.2 (Lemma D.2): the fraction of entries with prune probability ≥ π₀ is erf(√(d ln(1/π₀)/2)).
let ld2 =
    let pi0 = sym "pi_0"
    { Statement.create "GUHA-LD.2" "Many atoms have high prune probability" (cite "App. D" (Some "Lemma D.2")) [ Provenance.Derived ]
        "Under Gaussian weights an entry has prune probability at least pi_0 with probability erf(sqrt(d ln(1/pi_0)/2)), independently, so their count is binomial."
        (Conclusion.InExpectation(expect (sym "K") / sym "n" ==. erf (sqrt (d * ln (1 / pi0) / 2)), "W^l")) with
        Variables =
            [ Statement.var "K" "entries with |W_ij| <= sqrt(d Psi ln(1/pi_0))" Domain.nonNegative
              Statement.var "n" "prunable positions" Domain.positiveInteger
              Statement.var "pi_0" "prune-probability threshold" Domain.probability
              Statement.var "d" "pruning strength" Domain.positive ]
        Hypotheses = [ gaussianWeights; algorithm1 ]
        Notes =
            [ "DERIVED: threshold on the prune probability = threshold on |W|; folded normal gives erf; K ~ Bin(n, q), P(K >= k) = I_q(k, n - k + 1)."
              "On a trained network K is deterministic given W: the comparison is a Gaussianity test in disguise." ] }

/// GUHA-LD.3 (Lemma D.3): given K ≥ k high-probability entries, the pruned count among them dominates Bin(k, π₀).
let ld3 =
    { Statement.create "GUHA-LD.3" "Number of pruned atoms" (cite "App. D" (Some "Lemma D.3")) [ Provenance.Derived ]
        "Among k entries each pruned with probability at least pi_0, at least k' are pruned with probability at least P(Bin(k, pi_0) >= k')."
        (Conclusion.WithProbability(sym "prunedHigh" >=. sym "k'", sym "delta", "the mask")) with
        Variables =
            [ Statement.var "prunedHigh" "pruned entries among those with prune probability >= pi_0" Domain.nonNegative
              Statement.var "k'" "the largest k' with I_{pi_0}(k', k - k' + 1) >= 1 - delta" Domain.nonNegative
              Statement.var "delta" "failure probability" Domain.confidence ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("D.2 event", "K >= k entries have prune probability >= pi_0 (k = the observed K)")
              Hypothesis.NamedAssumption("independent masks", "mask entries drawn independently") ]
        Notes = [ "DERIVED: stochastic dominance of independent Bernoullis with success probabilities >= pi_0; exact given the event, so it holds on fixed trained weights too." ] }

/// GUHA-CC.1 (Condition C.1, reconstructed): sub-Gaussian tails of layer inputs along the right singular vectors.
let cc1 =
    { Statement.create "GUHA-CC.1" "Sub-Gaussian direction condition" (cite "App. C" (Some "Condition C.1")) [ Provenance.Recon ]
        "Layer inputs have sub-Gaussian projections on every relevant unit direction: P(|<v, x/||x||>| >= t) <= c_1 exp(-c_2 n t^2)."
        (Conclusion.WithUniversalConstant(
            Conclusion.Deterministic(sym "tail" <=. sym "c_1" * Expr.exp (-(sym "c_2") * sym "n" * sym "t" ** 2)), "c_1")) with
        Variables =
            [ Statement.var "tail" "empirical tail (1/m) #{x in S : |<v_k, x/||x||>| >= t}" Domain.probability
              Statement.var "c_2" "second constant, fixed to 1/2 (uniform sphere)" Domain.positive
              Statement.var "n" "input dimension h_{l-1}" Domain.positiveInteger
              Statement.var "t" "threshold" Domain.nonNegative ]
        Hypotheses = [ Hypothesis.NamedAssumption("directions", "v ranges over the right singular vectors of the trained W^l") ]
        Notes =
            [ "RECON. Uniform on the sphere: c_1 = 2, c_2 = 1/2; the code effectively uses c_1 = c_2 = 1."
              "Gap: Lemma C.1 needs the bound for directions learned from the data; post-ReLU inputs are non-negative, so the mean direction has |<v, x>| = Theta(1)."
              "Checked: the smallest c_1 at c_2 = 1/2 over all singular vectors and a grid of t." ] }

/// GUHA-LC.1 (Lemma C.1, reconstructed): ‖Wx‖ ≤ κ ‖W‖₂ ‖x‖ on S with the code's κ.
let lc1 =
    let t = sqrt (ln (100 * sym "m") / hIn)
    { Statement.create "GUHA-LC.1" "Norm of Wx for rank-deficient W" (cite "App. C" (Some "Lemma C.1")) [ Provenance.Recon; Provenance.Code ]
        "For a layer with fewer outputs than inputs, ||W x|| <= kappa ||W||_2 ||x|| on every training input, kappa = min(1, t sqrt(h_l))."
        (Conclusion.Deterministic(sym "ratioMax" <=. minOf [ Expr.one; t * sqrt hOut ])) with
        Variables =
            [ Statement.var "ratioMax" "max over x in S of ||W x||/(||W||_2 ||x||)" Domain.probability
              Statement.var "m" "training-set size" Domain.positiveInteger ]
            @ widths
        Hypotheses =
            [ Hypothesis.Condition(hOut <=. hIn)
              Hypothesis.NamedAssumption("CC.1", "Condition C.1 for every right singular vector of W") ]
        Notes =
            [ "CODE convention: t solves 1 - m exp(-t^2 h_in) = 0.99 (c_1 = c_2 = 1, no h_out in the union bound)."
              "For the output layer of a trained net the ratio is often near 1 (logits large along the top singular direction): a likely violation." ] }

/// GUHA-D3.1 (Definition 3.1 = Arora et al. 2018, Def. 2): (γ, S)-compressibility, over all k output coordinates.
let d31 =
    { Statement.create "GUHA-D3.1" "(gamma, S)-compressibility" (cite "§3.2" (Some "Definition 3.1")) [ Provenance.Ext; Provenance.Prose ]
        "The compressed network g is within gamma of f on every output coordinate of every training input."
        (Conclusion.Deterministic(sym "maxAbsDiff" <=. sym "gamma")) with
        Variables =
            [ Statement.var "maxAbsDiff" "max over x in S and y in [k] of |f(x)[y] - g(x)[y]|" Domain.nonNegative
              Statement.var "gamma" "compression tolerance (here: the realised LB.2 bound gamma*, the code's needed margin)" Domain.nonNegative
              Statement.var "trueClassMaxDiff" "the code's measure: max over S of |f(x)[y] - g(x)[y]| at the true class only" Domain.nonNegative
              Statement.var "meanAbsDiff" "mean over x in S and y in [k] of |f(x)[y] - g(x)[y]| (for the typical-value mutant)" Domain.nonNegative ]
        Hypotheses = [ Hypothesis.NamedAssumption("helper string", "sketch matrices and grids fixed before S is seen") ]
        Notes = [ "The authors' code measures only the true-class coordinate, which is weaker than the definition; the verifier takes all k coordinates." ] }

let private t31 id name (marginFactor: int) extraNotes =
    let q, r, m, delta = sym "q", sym "r", sym "m", sym "delta"
    let lossName = if marginFactor = 1 then "Lhat_gamma" else "Lhat_2gamma"
    { Statement.create id name (cite "§3.2" (Some "Theorem 3.1")) [ Provenance.Ext; Provenance.Derived; Provenance.PaperIssue ]
        "If f is (gamma, S)-compressible by q parameters with r values each, the compressed net's test error is at most the training margin loss plus sqrt((q ln r + ln(1/delta))/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym lossName + sqrt ((q * ln r + ln (1 / delta)) / (2 * m)), delta, "S")) with
        Variables =
            [ Statement.var "L0g" "classification error of g (held-out estimate)" Domain.probability
              Statement.var lossName (sprintf "empirical margin loss of f at margin %s" (if marginFactor = 1 then "gamma" else "2 gamma")) Domain.probability
              Statement.var "q" "number of parameters of the compression" Domain.positiveInteger
              Statement.var "r" "values per parameter" Domain.positiveInteger
              Statement.var "m" "training-set size" Domain.positiveInteger
              Statement.var "delta" "confidence" Domain.confidence ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("S i.i.d.", "training set drawn i.i.d.")
              Hypothesis.NamedAssumption("fixed before S", "parameter grid and helper string fixed before S")
              Hypothesis.NamedAssumption("D3.1", "f is (gamma, S)-compressible via g") ]
        Notes =
            [ "EXT: Arora et al. 2018, Thm 2.1; explicit Hoeffding + union-bound constants DERIVED (GUHA-TD.1)." ] @ extraNotes }

/// GUHA-T3.1 as stated (margin γ): inherits the factor-2 margin slip of Arora et al.'s proof.
let t31Stated =
    t31 "GUHA-T3.1" "Compression generalization bound (stated form)" 1
        [ "PAPER-ISSUE: per-coordinate closeness gamma only gives margin(g) >= margin(f) - 2 gamma, so 'Lhat_0(g) <= Lhat_gamma(f)' needs Lhat_2gamma(f); the count of training points where g errs although f has margin > gamma witnesses the slip." ]

/// GUHA-T3.1 corrected: margin 2γ (factor-2 margin slip fixed).
let t31Corrected =
    t31 "GUHA-T3.1-2gamma" "Compression generalization bound (corrected, margin 2 gamma)" 2
        [ "Factor-2 margin slip: corrected form uses 2 gamma (Arora et al.'s Lemma 10 handles the margin correctly)." ]

let private notYet id name section equation provenance informal conclusion reason notes =
    { Statement.create id name (cite section equation) provenance informal conclusion with
        Checkability = Checkability.NotYetCheckable reason
        Notes = notes }

/// Entries catalogued for completeness but not checkable yet (sketch-recovery LP, lottery tickets).
let notYetCheckable =
    [ notYet "GUHA-EQ1" "Sketch-recovery program" "§5.1" (Some "Equation (1)") [ Provenance.Recon ]
        "A sparse matrix is recovered from its sketch A X B^T by l1 minimisation."
        (Conclusion.Deterministic(sym "recoveryError" <=. Expr.zero))
        "needs a linear-program solver for the l1 recovery; later issue (sketching)"
        [ "Lossless iff the l1 minimiser is unique and equals X." ]
      notYet "GUHA-DE.1" "Random bipartite ensemble" "App. E.1" (Some "Definition E.1") [ Provenance.Prose; Provenance.Unverified ]
        "Sketch matrices are biadjacency matrices of random bipartite graphs with left degree at most delta_s."
        (Conclusion.Deterministic(sym "rowDegree" <=. sym "delta_s"))
        "sampler belongs to the sketching issue; later issue"
        [ "UNVERIFIED match with Dasarathy et al.: their convention fixes the degree of each of the p right nodes, not of the sketch rows." ]
      notYet "GUHA-T5.1" "Sparse matrix sketching" "§5.3" (Some "Theorem 5.1") [ Provenance.Recon; Provenance.Ext; Provenance.Unverified ]
        "A distributed-sparse matrix is the unique l1 solution from a sketch of side O(sqrt(j p) log p), with probability at least 1 - p^-c."
        (Conclusion.WithProbability(sym "recoveryError" <=. Expr.zero, sym "p" ** (-(sym "c")), "A and B"))
        "needs the l1 recovery LP and the bipartite sampler; later issue (sketching)"
        [ "O(.) statement: only the stability of the smallest c_s in p is falsifiable." ]
      notYet "GUHA-R5.1" "Probability exponent" "§5.3" (Some "Remark 5.1") [ Provenance.Prose; Provenance.Unverified ]
        "The success probability of Theorem 5.1 is at least 1 - p^-c_0 for a larger c_0."
        (Conclusion.Deterministic(sym "failureRate" <=. sym "p" ** (-(sym "c_0"))))
        "c_0 was stripped from our copy and needs the T5.1 experiment; later issue"
        [ "Do not guess c_0; read it from the PDF." ]
      notYet "GUHA-T5.2" "Generalization bound for pruned and sketched networks" "§5.4" (Some "Theorem 5.2") [ Provenance.Recon; Provenance.Code ]
        "Test error of the pruned, sketched network is at most the margin loss plus O(sqrt(sum_l j_l p_l log^2 p_l / m))."
        (Conclusion.Deterministic(sym "L0g" <=. sym "Lhat_gamma" + sqrt (sym "q" / sym "m")))
        "needs Theorem 5.1's sketch sizes (sketching issue); later issue"
        [ "The code proxy uses the expected nonzero count, omits log r, discretization and all O(.) constants." ]
      notYet "GUHA-T6.1" "Lottery-ticket approximation" "§6" (Some "Theorem 6.1") [ Provenance.Ext ]
        "A random network of polynomial width contains a subnetwork within epsilon of any bounded target network."
        (Conclusion.WithProbability(sym "supErr" <=. sym "epsilon", sym "delta", "the initialisation"))
        "width polynomial infeasible at MNIST scale; imported theorem (Malach et al. 2020); later issue"
        [ "Verify the width polynomial and active-weight count against Malach et al." ]
      notYet "GUHA-T6.2" "Generalization of lottery tickets" "§6, App. E.5" (Some "Theorem 6.2") [ Provenance.Recon ]
        "A discretised lottery ticket generalizes like a compression of the target network up to a log^2 D factor."
        (Conclusion.Deterministic(sym "L0g" <=. sym "Lhat" + sqrt (sym "q" / sym "m")))
        "only arithmetic is possible; later issue"
        [ "Per-layer sketch side: O(n log D) for middle layers." ] ]

/// Every checkable statement, in catalog order.
let checkable =
    [ a31; alg1; l41Mean; l41Second; l41Fourth; lb1; l42; lb2; l43; l44Rounding; l44Network; d51; le1; l51; ld2; ld3; cc1; lc1; d31; t31Stated; t31Corrected ]

/// The whole catalog.
let statements = checkable @ notYetCheckable

let private pinConstant (c: string) (value: Expr) (s: Statement) =
    let rec unwrap conclusion =
        match conclusion with
        | Conclusion.WithUniversalConstant(inner, k) when k = c -> unwrap inner
        | other -> other
    { s with Conclusion = Statement.mapConclusion (Relation.substitute c value) (unwrap s.Conclusion) }

let private reversed (r: Relation) =
    match r with
    | Relation.Le(a, b) | Relation.Lt(a, b) -> Relation.Ge(a, b)
    | Relation.Ge(a, b) | Relation.Gt(a, b) -> Relation.Le(a, b)
    | other -> other

/// A mutant whose bound is a typical value of the bounded quantity itself (its median or lower decile over the
/// checked instances, bound by the experiment as `typical`). LB.2, L4.3 and L4.4b are loose by 50x to 5000x, so a
/// constant-factor mutant is not false on real inputs; this one is false whenever the quantity varies at all: about
/// half (median, deterministic rule) or nine tenths (lower decile, against delta = sum eps_l = 0.3) of the
/// instances exceed it. It keeps the original's failure probability, so only the bound is wrong.
let private typicalValue tag description (quantity: string) (typical: string) (s: Statement) =
    s |> Statement.mutateWith tag description (fun s ->
        { s with
            Conclusion = Statement.mapConclusion (fun _ -> sym quantity <=. sym typical) s.Conclusion
            Variables = s.Variables @ [ Statement.var typical ("typical value of " + quantity + " over the checked instances (the mutant's bound)") Domain.nonNegative ] })

/// Deliberately wrong variants: the checker must reject (Violate) every one of them.
let mutants =
    [ a31 |> Statement.mutate "critical-tenth" "KS critical value divided by 10" (Relation.map (Expr.substitute "KS_{0.99}" (sym "KS_{0.99}" / 10)))
      alg1 |> Statement.mutate "d-plus-1" "chi(d) evaluated at d + 1" (Relation.map (Expr.substitute "d" (d + 1)))
      l41Mean |> Statement.mutate "nonzero-mean" "mean sqrt(Psi) (d/(d+2))^(3/4) instead of 0" (fun _ -> expect (sym "Delta") ==. sqrt psi * ratio ** frac 3 4)
      l41Second |> Statement.mutate "exponent-1" "second moment exponent 3/2 replaced by 1" (fun _ -> expect (sym "Delta" ** 2) ==. psi * ratio)
      l41Fourth |> Statement.mutate "no-factor-3" "fourth moment without the Gaussian factor 3" (fun _ -> expect (sym "Delta" ** 4) ==. psi ** 2 * ratio ** frac 5 2)
      lb1 |> Statement.mutateWith "C-tenth" "Latała's constant pinned to C = 1/10" (pinConstant "C" (frac 1 10))
      l42 |> Statement.mutateWith "C-hundredth" "Lemma 4.2 with C pinned to 1/100" (pinConstant "C" (frac 1 100))
      lb2 |> Statement.mutate "attained" "claims the perturbation always attains the bound (>= instead of <=)" reversed
      lb2 |> typicalValue "median" "the bound replaced by the median of the observed ||f_{W+U}(x) - f_W(x)|| over the checked inputs and perturbations" "normDiff" "normDiffMedian"
      l43 |> Statement.mutate "attained" "claims the network error always attains the bound" reversed
      l43 |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed E_max over the trials" "maxErr" "maxErrQ10"
      l44Rounding |> Statement.mutate "quarter-step" "(rho/2) sqrt J replaced by (rho/4) sqrt J" (fun _ -> sym "normRoundF" <=. sym "rho" / 4 * sqrt (sym "J"))
      l44Network |> Statement.mutate "attained" "claims the pruning+rounding error always attains the bound" reversed
      l44Network |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed pruning+rounding E_max over the trials" "maxErr" "maxErrQ10"
      d51 |> Statement.mutate "mean-row-load" "j_r replaced by the mean row load J/h_l" (fun _ -> sym "j_r" <=. sym "J" / hOut)
      le1 |> Statement.mutate "half-deviation" "Bernstein deviation t replaced by t/2" (fun _ ->
          let n, nb, delta = sym "n", sym "n_b", sym "delta"
          sym "maxLoad" <=. nb / n + bernsteinDeviation (nb / n) n delta / 2)
      l51 |> Statement.mutate "mean-load" "eps_M = 1 and deviation terms dropped (rows and columns at their mean load)" (fun _ ->
          maxOf [ sym "j_r" - chi d * hIn; sym "j_c" - chi d * hOut ] <=. Expr.zero)
      ld2 |> Statement.mutate "erf-doubled" "erf argument doubled" (fun _ -> expect (sym "K") / sym "n" ==. erf (2 * sqrt (d * ln (1 / sym "pi_0") / 2)))
      ld3 |> Statement.mutate "all-pruned" "claims every high-probability entry is pruned (k' = k)" (fun _ -> sym "prunedHigh" >=. sym "k")
      cc1 |> Statement.mutateWith "c2-four" "c_1 pinned to 2 and c_2 = 4 (eight times the sphere's rate)" (pinConstant "c_1" (num 2) >> fun s -> { s with Conclusion = Statement.mapConclusion (Relation.substitute "c_2" (num 4)) s.Conclusion })
      lc1 |> Statement.mutate "no-sqrt-h" "kappa without the sqrt(h_l) factor" (fun _ -> sym "ratioMax" <=. minOf [ Expr.one; sqrt (ln (100 * sym "m") / hIn) ])
      // A discrepancy probe, not a guaranteed falsehood: on trained nets the largest change is often at the true class.
      d31 |> Statement.mutate "true-class-only" "gamma taken as the code's true-class-only difference" (fun _ -> sym "maxAbsDiff" <=. sym "trueClassMaxDiff")
      // False whenever the differences are not all equal: the maximum over (x, y) exceeds the mean.
      d31 |> Statement.mutate "mean" "gamma taken as the mean |f - g| over S and all k outputs" (fun _ -> sym "maxAbsDiff" <=. sym "meanAbsDiff") ]
