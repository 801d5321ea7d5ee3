/// Guha et al. (2023) App. C and D: the sub-Gaussian direction condition, its norm lemma and the κ forms of the
/// perturbation and network-error lemmas the paper's experiments used (Condition C.1, Lemmas C.1–C.4), and the finite-class
/// bound with the counting lemmas behind the naive bound (Theorem D.1, Lemmas D.1–D.3).
module GenBounds.Proofs.Guha2023.Appendix

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common
open GenBounds.Proofs.Guha2023.Pruning

/// GUHA-CC.1 (Condition C.1, reconstructed): sub-Gaussian tails of layer inputs along the right singular vectors.
let cc1 =
    { Statement.create "GUHA-CC.1" "Sub-Gaussian direction condition" (cite "App. C" (Some "Condition C.1")) [ Provenance.Recon ]
        "Layer inputs have sub-Gaussian projections on every relevant unit direction: P(|<v, x/||x||>| >= t) <= c_1 exp(-c_2 n t^2)."
        (Conclusion.WithUniversalConstant(
            Conclusion.Deterministic(sym "tail" <=. sym "c_1" * Expr.exp (-(sym "c_2") * sym "n" * sym "t" ** 2)), "c_1")) with
        Role = Role.Assumption
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

/// GUHA-CC.1's mutant.
let cc1Mutants =
    [ cc1 |> Statement.mutateWith "c2-four" "c_1 pinned to 2 and c_2 = 4 (eight times the sphere's rate)" (fun s ->
          let pinned = Statement.pinConstant "pinned" "" "c_1" (num 2) s
          { pinned with Conclusion = Statement.mapConclusion (Relation.substitute "c_2" (num 4)) pinned.Conclusion }) ]

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

/// GUHA-LC.1's mutant.
let lc1Mutants =
    [ lc1 |> Statement.mutate "no-sqrt-h" "kappa without the sqrt(h_l) factor" (fun _ -> sym "ratioMax" <=. minOf [ Expr.one; sqrt (ln (100 * sym "m") / hIn) ]) ]

/// κ = min(1, t√h_l) with t the exact root of 1 − m e^{−t² h_{l−1}} = 0.99 (the catalog's GUHA-LC.1 convention).
let kappaExact = minOf [ Expr.one; sqrt (ln (100 * sym "m") / hIn) * sqrt hOut ]

/// GUHA-LC.1-kappa (Lemma C.1's κ as the code computes it): t by bisection on [0, 1] with tolerance 0.01, so κ is the
/// exact-root value up to 0.01√h_l.
let lc1Kappa =
    { Statement.create "GUHA-LC.1-kappa" "The code's kappa" (cite "App. C" (Some "Lemma C.1, kappa")) [ Provenance.Code; Provenance.Recon ]
        "The authors' code sets kappa = min(1, t sqrt(h_l)) for h_l < h_{l-1}, with t found by bisection on [0, 1] (tolerance 0.01) from 1 - m exp(-t^2 h_{l-1}) = 0.99: the exact-root kappa up to 0.01 sqrt(h_l)."
        (Conclusion.Deterministic(abs (sym "kappaCode" - kappaExact) <=. frac 1 100 * sqrt hOut)) with
        Role = Role.Definition
        Variables =
            [ Statement.var "kappaCode" "kappa by the code's bisection (GuhaCodeProxy.Kappa: scipy's bisect, xtol 0.01)" Domain.probability
              Statement.var "kappaTable" "the catalog's GUHA-LC.1 table (exact root, 3 decimals) for the paper's MLPs; for other layers the exact root rounded alike" Domain.probability
              Statement.var "m" "training-set size" Domain.positiveInteger ]
            @ widths
        Notes =
            [ "FINDING (diagnostic mutant catalog-table): the catalog's table (m = 48,000: 500 -> 10: 0.555; 784 -> 10: 0.443; 1000: 0.392; 2000: 0.277; 2500: 0.248) uses the exact root; the code's bisection gives 0.568 and 0.420 for the first two, so the kappa the paper's experiments used differs from the table by up to 0.023."
              "Instances: the paper's output layers (h_{l-1} in 500, 784, 1000, 2000, 2500, h_l = 10, m = 48,000) and this network's layers with h_l < h_{l-1} at m = |S|." ] }

/// GUHA-LC.1-kappa's mutants.
let lc1KappaMutants =
    [ lc1Kappa |> Statement.mutate "no-sqrt-h" "kappa without the sqrt(h_l) factor" (fun _ ->
          abs (sym "kappaCode" - minOf [ Expr.one; sqrt (ln (100 * sym "m") / hIn) ]) <=. frac 1 100 * sqrt hOut)
      lc1Kappa |> Statement.mutate "catalog-table" "the catalog's table values taken as the code's kappa (within 1e-3)" (fun _ -> abs (sym "kappaCode" - sym "kappaTable") <=. frac 1 1000)
      |> Statement.diagnostic ]

/// Condition C.1 and Lemma C.1 for every layer, the hypothesis of the κ forms.
let conditionC1 =
    Hypothesis.NamedAssumption("CC.1", "Condition C.1 for the right singular vectors of every W^l, and the event of Lemma C.1")

/// The perturbation bound with κ: e ‖x‖ Π_l κ_l λ_l ‖W^l‖ Σ_l ‖U^l‖/‖W^l‖.
let lc2Bound =
    e * sym "normx" * prodOver "l" (vecAt "kappa" "l" * vecAt "lambda" "l" * vecAt "normW" "l") * sumOver "l" (vecAt "normU" "l" / vecAt "normW" "l")

/// GUHA-LC.2 (Lemma C.2, reconstructed): Lemma B.2 with Π κ_l in front.
let lc2 =
    { lb2 with
        Id = "GUHA-LC.2"
        Name = "Perturbation bound with kappa"
        Citation = cite "App. C" (Some "Lemma C.2")
        Provenance = [ Provenance.Recon; Provenance.Code ]
        Informal = "If ||U^l||_2 <= ||W^l||_2/L and Condition C.1 holds, ||f_{W+U}(x) - f_W(x)|| <= e ||x|| prod_l kappa_l lambda_l ||W^l||_2 sum_l ||U^l||_2/||W^l||_2 on every x in S."
        Conclusion = Conclusion.Deterministic(sym "normDiff" <=. lc2Bound)
        Variables = lb2.Variables @ [ Statement.vectorVar "kappa" "the code's kappa_l at m = |S| (1 where h_l >= h_{l-1})" Domain.probability ]
        Hypotheses = lb2.Hypotheses @ [ conditionC1 ]
        Notes =
            [ "RECON: the induction of Lemma B.2 with Lemma C.1 applied in its first step; the code multiplies prod kappa_l into the bound. If C.1 fails, kappa_l = 1 recovers Lemma B.2."
              "Gap (catalog): the induction applies C.1 to vectors that are not samples of the layer-input distribution (perturbed activations, differences)."
              "Synthetic: Gaussian weights and inputs uniform on the sphere (the paper's example of C.1). Real: trained weights and S; C.1 is reported as not met when CC.1's smallest c_1 exceeds 10." ] }

/// GUHA-LC.2's mutant.
let lc2Mutants =
    [ lc2 |> typicalValue "median" "the bound replaced by the median observed ||f_{W+U}(x) - f_W(x)||" "normDiff" "normDiffMedian" ]

/// The whole-network bound with κ (GUHA-L4.3/L4.4b's with Π κ_l).
let private kappaNetworkBound extra =
    e * sym "maxnormx" * prodOver "l" (vecAt "kappa" "l" * vecAt "lambda" "l" * vecAt "normW" "l") * sumGamma extra

let private withKappa (s: Statement) id name equation informal (conclusion: Conclusion) =
    { s with
        Id = id
        Name = name
        Citation = cite "App. C.1" (Some equation)
        Provenance = [ Provenance.Recon ]
        Informal = informal
        Conclusion = conclusion
        Variables = s.Variables @ [ Statement.vectorVar "kappa" "the code's kappa_l at m = |S|" Domain.probability ]
        Hypotheses = s.Hypotheses @ [ conditionC1 ]
        Notes =
            [ "RECON: identical to the kappa-free lemma with prod_l lambda_l ||W^l||_2 replaced by prod_l kappa_l lambda_l ||W^l||_2; the seed text says the constants come from the distribution of the input data."
              "Synthetic: Gaussian weights, whose singular directions are random (C.1 is not evaluated there); real: C.1 as measured by GUHA-CC.1." ] }

/// GUHA-LC.3 (Lemma C.3 = Lemma 4.3 with κ).
let lc3 =
    withKappa l43 "GUHA-LC.3" "Whole-network pruning error with kappa" "Lemma C.3"
        "With probability at least 1 - sum eps_l, max_{x in S} ||f(x) - g(x)|| <= e max||x|| prod_l kappa_l lambda_l ||W^l||_2 sum_l Gamma_l/(eps_l ||W^l||_2)."
        (Conclusion.WithProbability(sym "maxErr" <=. kappaNetworkBound Expr.zero, sumOver "l" (vecAt "epsilon" "l"), "W and the masks"))

/// GUHA-LC.3's mutant.
let lc3Mutants = [ lc3 |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed E_max" "maxErr" "maxErrQ10" ]

/// GUHA-LC.4 (Lemma C.4 = Lemma 4.4 with κ): pruning and discretization error.
let lc4 =
    withKappa l44Network "GUHA-LC.4" "Pruning and discretization error with kappa" "Lemma C.4"
        "With probability at least 1 - sum eps_l, the pruned and rounded network is within e max||x|| prod_l kappa_l lambda_l ||W^l||_2 sum_l (Gamma_l/eps_l + (rho_l/2) sqrt(J_l))/||W^l||_2 of f on S."
        (Conclusion.WithProbability(sym "maxErr" <=. kappaNetworkBound (vecAt "rho" "l" / 2 * sqrt (vecAt "J" "l")), sumOver "l" (vecAt "epsilon" "l"), "W and the masks"))

/// GUHA-LC.4's mutant.
let lc4Mutants = [ lc4 |> typicalValue "lower-decile" "the bound replaced by the lower decile of the observed E_max" "maxErr" "maxErrQ10" ]

/// GUHA-LC.4-code: the needed margin γ*_κ the authors' experiments compute (GuhaCodeProxy.NeededMargin): Lemma C.2 with
/// the realised perturbation of the pruned and rounded network, which must bound its output change on S whenever every
/// ‖W^l − W̃^l‖ ≤ ‖W^l‖/L.
let lc4Code =
    { Statement.create "GUHA-LC.4-code" "The code's needed margin with kappa" (cite "App. C.1, App. A" (Some "Lemma C.4, as the code computes it")) [ Provenance.Code; Provenance.Recon ]
        "For the pruned and rounded network, max_{x in S} ||f(x) - g(x)|| <= gamma*_kappa = e max||x|| prod_l ||W^l||_2 sum_l ||W^l - Wtilde^l||_2/||W^l||_2 prod_l kappa_l whenever every ||W^l - Wtilde^l||_2 <= ||W^l||_2/L."
        (Conclusion.Deterministic(sym "maxErr" <=. sym "gammaStarKappa")) with
        Variables =
            [ Statement.var "maxErr" "max over x in S of ||f(x) - g(x)||, all k outputs" Domain.nonNegative
              Statement.var "gammaStarKappa" "GuhaCodeProxy.NeededMargin with the code's kappa_l (exact SVD norms)" Domain.nonNegative
              Statement.var "ratioMax" "max_l ||W^l - Wtilde^l||_2/||W^l||_2" Domain.nonNegative
              Statement.var "L" "number of layers" Domain.positiveInteger ]
        Hypotheses = [ Hypothesis.Condition(sym "ratioMax" <=. 1 / sym "L"); lipschitz; noBiases; conditionC1 ]
        Tolerance = Accuracy.VeryHigh
        Notes =
            [ "CODE: gamma*(d) of compute_best_generalization_bound with the rounded net in place of the pruned one (C.4 adds the discretization to C.3's pruning); the code never checks the size condition, which is applied here."
              "With every kappa_l = 1 this is GUHA-LB.2 applied to U = Wtilde - W, a proven deterministic bound; with kappa_l < 1 it rests on C.1, which trained inputs break (GUHA-CC.1)." ] }

/// GUHA-LC.4-code's mutant.
let lc4CodeMutants = [ lc4Code |> typicalValue "median" "gamma*_kappa replaced by the median observed E_max over the trials" "maxErr" "maxErrMedian" ]

/// √((C + ln(1/δ))/(2m)) with the class's log-size C.
let private deviation (complexity: Expr) = sqrt ((complexity + ln (1 / sym "delta")) / (2 * sym "m"))

/// The finite-class bound's variables.
let private finiteClassVariables =
    [ Statement.var "L0g" "0-1 error of the compressed classifier g (held-out estimate, or exact on the synthetic model)" Domain.probability
      Statement.var "Lhat_gamma" "empirical margin loss of f at margin gamma on S" Domain.probability
      Statement.var "m" "training-set size" Domain.positiveInteger
      Statement.var "delta" "confidence (per class of the union bound over data-dependent choices)" Domain.confidence ]

/// GUHA-TD.1 (Theorem D.1, DERIVED): for a class of N parameterizations fixed before S, with probability ≥ 1 − δ over
/// S, L₀(g) ≤ L̂_γ(f) + √(ln(N/δ)/(2m)) (Hoeffding per configuration and a union bound).
let td1 =
    { Statement.create "GUHA-TD.1" "Finite-class compression bound" (cite "App. D" (Some "Theorem D.1")) [ Provenance.Derived; Provenance.PaperIssue ]
        "If the compression class has N parameterizations fixed before S, then with probability at least 1 - delta over S, L_0(g) <= Lhat_gamma(f) + sqrt(ln(N/delta)/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym "Lhat_gamma" + deviation (sym "lnN"), sym "delta", "S")) with
        Variables = finiteClassVariables @ [ Statement.var "lnN" "ln N of the class, in nats" Domain.nonNegative ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("S i.i.d.", "training set drawn i.i.d.")
              Hypothesis.NamedAssumption("fixed before S", "the class (grid, support sizes, helper string) fixed before S")
              Hypothesis.NamedAssumption("D3.1", "f is (gamma, S)-compressible via g") ]
        Notes =
            [ "DERIVED: P[L_0 - Lhat_0 >= tau] <= exp(-2 tau^2 m) per configuration, union over N, N exp(-2 tau^2 m) = delta; same factor-2 margin caveat as GUHA-T3.1 (Lhat_2gamma for a rigorous version; gamma = 0 on the synthetic model)."
              "Synthetic: the noise-label model of GUHA-T3.1 (ln N = ln(2h)). Real: ln N = the honest count of the pruned and rounded class (CompressionCounts.PrunedClass: the cheaper of listing the support and the levels or every entry with 0 as a level, plus the step from 40 powers of two and the level range), at delta = 0.1." ] }

/// GUHA-TD.1's mutant: the class size ignored, as if g had been fixed before S.
let td1Mutants =
    [ td1 |> Statement.mutate "one-class" "ln N dropped (the selected g treated as fixed before S)" (fun _ -> sym "L0g" <=. sym "Lhat_gamma" + deviation Expr.zero) ]

/// The naive count Σ_l [ln C(n_l, J_l) + J_l ln r] of Lemma D.1.
let naiveCount = sumOver "l" (vecAt "lnC" "l" + vecAt "J" "l" * ln (sym "r"))

/// GUHA-LD.1 (Lemma D.1, reconstructed): the naive counting bound — positions of the J_l non-zeros and r values each.
let ld1 =
    { Statement.create "GUHA-LD.1" "Naive counting bound" (cite "App. D" (Some "Lemma D.1")) [ Provenance.Recon ]
        "Counting the sparsity patterns and r values per non-zero, with probability at least 1 - delta: L_0(g) <= Lhat_gamma(f) + sqrt((sum_l [ln C(n_l, J_l) + J_l ln r] + ln(1/delta))/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym "Lhat_gamma" + deviation naiveCount, sym "delta", "S")) with
        Variables =
            finiteClassVariables
            @ [ Statement.vectorVar "lnC" "ln C(n_l, J_l) (log-gamma), n_l = h_l h_{l-1}" Domain.nonNegative
                Statement.vectorVar "J" "non-zeros of the rounded layer" Domain.nonNegative
                Statement.var "r" "non-zero values per entry (2K levels of the grid)" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("fixed before S", "the grid and the support sizes fixed before S, or paid for")
              Hypothesis.NamedAssumption("TD.1", "the finite-class bound") ]
        Notes =
            [ "RECON: prose counts sparsity patterns x values per non-zero (a log-factorial, i.e. a binomial). The paper replaces J_l by the high-probability bound of D.2/D.3 (valid under A3.1 only); here J_l is the observed count and its choice is paid by a union bound over 0..n_l, as is the step (40 powers of two per layer) and the level range K (2^0..2^30): delta = 0.1 / (number of candidate classes)."
              "The support term ln C(n_l, J_l) is what the optimistic count of GUHA-T3.1-optimistic leaves out (diagnostic mutant no-support)."
              "Synthetic: the noise-label model of GUHA-T3.1 (one layer of n = h positions, J = 1, r = 2)." ] }

/// GUHA-LD.1's mutants.
let ld1Mutants =
    [ ld1 |> Statement.mutate "no-support" "the support term ln C(n_l, J_l) dropped (the optimistic count)" (fun _ ->
          sym "L0g" <=. sym "Lhat_gamma" + deviation (sumOver "l" (vecAt "J" "l" * ln (sym "r"))))
      ld1 |> Statement.mutate "zero-error" "claims g never errs" (fun _ -> sym "L0g" <=. Expr.zero) ]

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

/// GUHA-LD.2's mutant.
let ld2Mutants =
    [ ld2 |> Statement.mutate "erf-doubled" "erf argument doubled" (fun _ -> expect (sym "K") / sym "n" ==. erf (2 * sqrt (d * ln (1 / sym "pi_0") / 2))) ]

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

/// GUHA-LD.3's mutant.
let ld3Mutants = [ ld3 |> Statement.mutate "all-pruned" "claims every high-probability entry is pruned (k' = k)" (fun _ -> sym "prunedHigh" >=. sym "k") ]
