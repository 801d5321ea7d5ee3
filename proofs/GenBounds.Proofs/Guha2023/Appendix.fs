/// Guha et al. (2023) App. C and D: the sub-Gaussian direction condition and its norm lemma (Condition C.1, Lemma C.1)
/// and the counting lemmas behind the naive bound (Lemmas D.2, D.3).
module GenBounds.Proofs.Guha2023.Appendix

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

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
