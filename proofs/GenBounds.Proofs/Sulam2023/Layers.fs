/// Muthukumar & Sulam (2023) §2-§3: the sparse local radius of one layer (Definition 3), the stability of inactive sets
/// (Lemma 4, with adversarial perturbations at the radius's edge), the network class and neighbourhood (Definitions 5-8),
/// and Propositions 9 and 10.
module GenBounds.Proofs.Sulam2023.Layers

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Sulam2023.Common

let private gammaOf (e0: Expr) (e1: Expr) : Expr = (1 + e0) * (1 + e1) - 1

/// SULAM-D3 (Definition 3 and the fact of p. 5): the sparse local radius lies in [0, 1] for W in W1 and x in X0.
let d3 =
    { Statement.create "SULAM-D3" "Sparse local radius and index set of one layer" (cite "§2, p. 5" (Some "Definition 3")) [ Provenance.Exact; Provenance.Derived ]
        "r = sigma(SORT(-W x/(xi zeta_0), s)) and I = TOP-K(-W x/(xi zeta_0), s); for W in W1 and x in X0, r lies in [0, 1] (p. 5)."
        (Conclusion.Deterministic(sym "r" <=. Expr.one)) with
        Role = Role.Definition
        Variables =
            [ nonNeg "r" "the sparse local radius at sparsity s (xi = ||W||_(d1-1,s0), zeta_0 = ||x|| bound)"
              nonNeg "rNorm" "||x|| / zeta_0 (the hypothesis x in X0)"
              nonNeg "xiRatio" "||W||_(d1-1,s0) / xi (the hypothesis W in W1)" ]
        Hypotheses = [ Hypothesis.Condition(sym "rNorm" <=. Expr.one); Hypothesis.Condition(sym "xiRatio" <=. Expr.one) ]
        Notes =
            [ twoModes
              "DERIVED reason: |w[i].x| <= ||P_J0 w[i]|| ||x|| <= xi zeta_0 with J0 = supp(x)."
              "Ties in TOP-K are not specified (UNVERIFIED); the engine breaks them towards the lower index, so every i in I has u_i <= -r xi zeta_0 when r > 0."
              "PAPER-TYPO (range of s): Definition 3 allows 1 <= s1 <= d1, Table 1 0 <= s_k <= d_k - 1; s = 0 reads as r = +infinity (no constraint)." ] }

/// SULAM-D3's mutant.
let d3Mutants = [ d3 |> typicalValue "median-bound" "claims r never exceeds its median over the checked instances" "r" "rTypical" ]

/// SULAM-L4.1 (Lemma 4, statement 1): r > 0 makes I inactive and bounds the output.
let l41 =
    { Statement.create "SULAM-L4.1" "Inactive set and output size of one layer" (cite "§2, p. 5; App. A.1.1" (Some "Lemma 4 (1)")) [ Provenance.Exact ]
        "If r_sparse(W, x, s1) > 0 then P_I(Phi(x)) = 0, and ||Phi(x)|| <= xi_1 sqrt(1 + eta_1) zeta_0."
        (Conclusion.Deterministic(maxOf [ sym "maxInactiveOut"; sym "outNorm" - sym "xi" * sqrt (1 + sym "eta") * sym "zeta" ] <=. Expr.zero)) with
        Variables =
            [ nonNeg "maxInactiveOut" "max_{i in I} Phi(x)_i (0 when I is inactive)"
              nonNeg "outNorm" "||Phi(x)||_2"
              Statement.var "xi" "xi_1 = ||W||_(d1-1,s0)" Domain.positive
              nonNeg "eta" "eta_1 = mu_{s1,s0}(W)"
              Statement.var "zeta" "zeta_0 >= ||x||" Domain.positive
              indicator "rPositive" "1 when r_sparse > 0" ]
        Hypotheses = [ inClass; inputDomain; Hypothesis.Restriction(sym "rPositive" >=. Expr.one) ]
        Notes = [ twoModes; "Instances include s beyond the number of negative pre-activations (r = 0), which the restriction excludes; the mutant keeps them." ] }

/// SULAM-L4.1's mutant.
let l41Mutants = [ l41 |> dropRestrictions "r-zero" "claims I is inactive even where r = 0" ]

/// SULAM-L4.2 (Lemma 4, statement 2), with random and adversarial perturbations at the edge of the certified radius.
let l42 =
    let g = gammaOf (sym "epsilon_0") (sym "epsilon_1")
    { Statement.create "SULAM-L4.2" "Stability of the inactive set under input and weight perturbations" (cite "§2, p. 5; App. A.1.1" (Some "Lemma 4 (2)"))
        [ Provenance.Exact ]
        "If r >= -1 + (1+eps_0)(1+eps_1) and the perturbations satisfy the lemma's norms, I stays inactive and ||Phi_hat(x_hat) - Phi(x)|| <= (-1 + (1+eps_0)(1+eps_1)) xi sqrt(1 + eta) zeta_0."
        (Conclusion.Deterministic(maxOf [ sym "maxInactiveHat"; sym "dist" - g * sym "xi" * sqrt (1 + sym "eta") * sym "zeta" ] <=. Expr.zero)) with
        Variables =
            [ nonNeg "maxInactiveHat" "max_{i in I} Phi_hat(x_hat)_i and Phi(x_hat)_i (0 when I stays inactive)"
              nonNeg "dist" "||Phi_hat(x_hat) - Phi(x)||_2"
              nonNeg "epsilon_0" "relative input corruption ||x_hat - x||/zeta_0"
              nonNeg "epsilon_1" "relative weight corruption (the larger of the two normalised norms of W_hat - W)"
              Statement.var "xi" "xi_1" Domain.positive
              nonNeg "eta" "eta_1"
              Statement.var "zeta" "zeta_0" Domain.positive
              anyReal "radiusGap" "r - (-1 + (1+eps_0)(1+eps_1))" ]
        Hypotheses = [ inClass; inputDomain; Hypothesis.Restriction(sym "radiusGap" >=. Expr.zero) ]
        Notes =
            [ twoModes
              "Perturbations: Gaussian directions rescaled to the edge of the hypothesis (the (s1, s0) norm by its certified bound min(Lemma 18, spectral)), the closed-form worst case (one row moved along x/||x||, DERIVED), and projected gradient ascent on max_{i in I} u_hat_i inside a certified subset of the constraint set."
              "The largest perturbation the attacks find that keeps I inactive is reported next to the certified radius (breaking scale / certified)."
              "Out-of-scope instances (the closed form at 1.5 times its breaking size, beyond the certified radius) are kept for the mutant that drops the restriction."
              "The proof's sparsity hypothesis ||x_hat - x||_0 <= d0 - s0 holds trivially with s0 = 0 (first layer)." ] }

/// SULAM-L4.2's mutants.
let l42Mutants = [ l42 |> dropRestrictions "beyond-radius" "claims stability also beyond the certified radius (restriction r >= gamma dropped)" ]

/// SULAM-L4.3 (Lemma 4, statement 3): the radius is Lipschitz in the perturbation.
let l43 =
    let bound = gammaOf (sym "a") (sym "b")
    { Statement.create "SULAM-L4.3" "Lipschitz stability of the sparse local radius" (cite "§2, p. 5; App. A.1.1" (Some "Lemma 4 (3)")) [ Provenance.Exact ]
        "|r(W_hat, x_hat, s1) - r(W, x, s1)| <= -1 + (1 + ||x_hat - x||/zeta_0)(1 + ||W_hat - W||_(d1-1,s0)/xi_1), with the same xi_1, zeta_0 in both radii."
        (Conclusion.Deterministic(sym "radiusChange" <=. bound)) with
        Variables =
            [ nonNeg "radiusChange" "|r(W_hat, x_hat) - r(W, x)|"
              nonNeg "a" "||x_hat - x|| / zeta_0"
              nonNeg "b" "||W_hat - W||_(d1-1,s0) / xi_1" ]
        Notes =
            [ twoModes
              "Instances include the closed-form single-row move of the s-th most negative unit along x/||x|| with zeta_0 = ||x||, small enough to keep the order: there the bound is attained exactly (DERIVED), which the half-bound mutant shows." ] }

/// SULAM-L4.3's mutant.
let l43Mutants = [ l43 |> Statement.mutate "half" "half the Lipschitz bound" (fun _ -> sym "radiusChange" <=. gammaOf (sym "a") (sym "b") / 2) ]

/// SULAM-L4-tight (DERIVED): the single-row attack breaks I exactly at r zeta_0/||x||: Lemma 4 is tight when ||x|| = zeta_0.
let l4Tight =
    { Statement.create "SULAM-L4-tight" "Lemma 4's radius is attained by a one-row perturbation" (cite "§2, p. 5" (Some "Lemma 4, tightness")) [ Provenance.Derived ]
        "With eps_0 = 0 and s0 = 0, the smallest relative weight perturbation that activates a unit of I is -u_(s)/(||x|| xi) = r zeta_0/||x||: the lemma's certified eps_1 = r is exact when ||x|| = zeta_0."
        (Conclusion.Deterministic(sym "breaking" ==. sym "r" * sym "zeta" / sym "normX")) with
        Role = Role.Probe
        Variables =
            [ nonNeg "breaking" "relative size t/xi of the smallest single-row move along x/||x|| that activates a unit of I (found by the closed form, confirmed by a forward pass)"
              nonNeg "r" "certified radius r_sparse (= the largest certified eps_1)"
              Statement.var "zeta" "zeta_0" Domain.positive
              Statement.var "normX" "||x||" Domain.positive ]
        Notes = [ "Real mode uses zeta_0 = M_X (28 for pixels in [0, 1]), so the measured ratio breaking/r = M_X/||x|| shows how much the data-independent M_X costs." ] }

/// SULAM-D5 (Definition 5): a trained network lies in H for (s, xi, eta) bound from its own norms rounded up to grids.
let d5 =
    { Statement.create "SULAM-D5" "Norm-bounded feed-forward networks" (cite "§3, p. 6" (Some "Definition 5")) [ Provenance.Exact ]
        "H(s, xi, eta) holds the networks with ||W_k||_(d_k-1,s_{k-1}) <= xi_k and mu_{s_k,s_{k-1}}(W_k) <= eta_k for k in [K], and ||W_{K+1}||_(C-1,s_K) <= xi_{K+1}."
        (Conclusion.Deterministic(maxOf [ sym "rowNorm" - sym "xi"; sym "mu" - sym "eta" ] <=. Expr.zero)) with
        Role = Role.Definition
        Variables =
            [ nonNeg "rowNorm" "||W_k||_(d_k-1,s_{k-1}) (exact)"
              nonNeg "mu" "mu_{s_k,s_{k-1}}(W_k) (corrected Algorithm 1; 0 for the last layer)"
              Statement.var "xi" "xi_k: rowNorm rounded up to the grid 2^(j/8)" Domain.positive
              nonNeg "eta" "eta_k: mu rounded up to the eta grid"
              nonNeg "meanRowNorm" "the mean over rows of the reduced row norms (the mutant's xi)" ]
        Notes = [ twoModes; "Membership is exactly computable (reduced row norms and the babel function); a false positive would void every downstream check." ] }
    |> Statement.byConstruction "xi and eta are the layer's own reduced row norm and babel function rounded up to their grids, so membership holds by construction; the check measures the values"

/// SULAM-D5's mutant.
let d5Mutants = [ d5 |> Statement.mutate "mean-row" "xi_k taken as the mean reduced row norm instead of the largest" (fun _ -> maxOf [ sym "rowNorm" - sym "meanRowNorm"; sym "mu" - sym "eta" ] <=. Expr.zero) ]

/// SULAM-D6 (Definition 6): the neighbourhood test with certified sparse-norm bounds is sufficient (never certifies a
/// network the exact definition excludes).
let d6 =
    { Statement.create "SULAM-D6" "Local neighbourhood: the certified membership test is sufficient" (cite "p. 7, footnote 9" (Some "Definition 6")) [ Provenance.Exact; Provenance.Derived ]
        "B(h, eps) holds h_hat with max{||Delta_k||_(s_k,s_{k-1})/(xi_k sqrt(1+eta_k)), ||Delta_k||_(d_k-1,s_{k-1})/xi_k} <= eps_k (k in [K]) and ||Delta_{K+1}||_(C-1,s_K) <= eps_{K+1} xi_{K+1}; the test with certified bounds in place of the (s_k, s_{k-1}) norms certifies only members."
        (Conclusion.Deterministic(sym "certified" <=. sym "member")) with
        Role = Role.Definition
        Variables =
            [ indicator "certified" "1 when the sufficient test (Lemma 18 / spectral bound) certifies h_hat in B(h, eps)"
              indicator "member" "1 when h_hat is in B(h, eps) by exact enumeration of the sparse norms" ]
        Notes =
            [ twoModes
              "Perturbations are Gaussian, scaled so that the exact ratio lands within +-10% of eps (both sides of the edge)."
              "Real mode: 6 x 8 sub-blocks of the trained layers as a small network (exact enumeration needs small layers)." ] }

/// SULAM-D6's mutant: the sufficient test is also necessary.
let d6Mutants = [ d6 |> Statement.reverse "necessary" "claims the certified test is exact (every member certified)" ]

/// SULAM-D7 (Definition 7): the entrywise Gaussian posterior has per-entry variance sigma_k^2.
let d7 =
    { Statement.create "SULAM-D7" "Entrywise Gaussian posterior" (cite "p. 7" (Some "Definition 7")) [ Provenance.Exact ]
        "N(h, sigma^2): each W_hat_k[i,j] ~ N(W_k[i,j], sigma_k^2) independently, one variance per layer."
        (Conclusion.InExpectation(expect (sym "dev2") ==. sym "sigma" ** 2, "the posterior draw")) with
        Role = Role.Definition
        Variables =
            [ nonNeg "dev2" "(W_hat_k[i,j] - W_k[i,j])^2 of one entry of one draw"
              Statement.var "sigma" "sigma_k of the layer (Eq. (8) at the greedy sparsity)" Domain.positive ]
        Notes = [ twoModes; "A 99% t-interval of the mean squared deviation over every entry of several draws." ] }

/// SULAM-D7's mutant.
let d7Mutants = [ d7 |> Statement.mutate "double-variance" "claims variance 2 sigma^2" (fun _ -> expect (sym "dev2") ==. 2 * sym "sigma" ** 2) ]

/// SULAM-D8 (Definition 8): layer-wise radii lie in [0, 1] for h in H when the earlier layers have positive radii.
let d8 =
    { Statement.create "SULAM-D8" "Layer-wise sparse local radius and inactive set" (cite "p. 7" (Some "Definition 8")) [ Provenance.Exact; Provenance.PaperIssue ]
        "I_k = TOP-K(-W_k x_{k-1}/(xi_k zeta_{k-1}), s_k), r_k = sigma(sort(-W_k x_{k-1}/(xi_k zeta_{k-1}), s_k)); for h in H with r_n > 0 for n < k, r_k lies in [0, 1]."
        (Conclusion.Deterministic(sym "r_k" <=. Expr.one)) with
        Role = Role.Definition
        Variables =
            [ nonNeg "r_k" "r_k(h, x_0) with the hyper-parameters xi_k, zeta_{k-1} (not the actual norms)"
              indicator "earlierPositive" "1 when r_n > 0 for every n < k" ]
        Hypotheses = [ inClass; inputDomain; Hypothesis.Restriction(sym "earlierPositive" >=. Expr.one) ]
        Notes =
            [ twoModes
              "PAPER-TYPO (Table 2): the radius is printed at position d_k - s_k; Definition 8 uses s_k, adopted here (SULAM-N4-table2 shows the printed position breaks Proposition 9)."
              "Convention s_k = 0: r_k = +infinity (excluded from the check)." ] }

/// SULAM-D8's mutant.
let d8Mutants = [ d8 |> typicalValue "median-bound" "claims r_k never exceeds its median" "r_k" "rTypical" ]

/// SULAM-P9 (Proposition 9): inactive sets and sizes of the hidden representations.
let p9 =
    { Statement.create "SULAM-P9" "Sizes of hidden representations" (cite "p. 8; App. A.1.2" (Some "Proposition 9")) [ Provenance.Exact ]
        "For h in H, ||x_0|| <= M_X and r_k(h, x_0) > 0 for all k: every I_k is inactive, ||x_k|| <= zeta_k and ||h(x_0)||_inf <= zeta_{K+1}."
        (Conclusion.Deterministic(maxOf [ sym "maxInactiveOut"; sym "sizeRatio" - 1 ] <=. Expr.zero)) with
        Variables =
            [ nonNeg "maxInactiveOut" "max over k and i in I_k of x_k[i]"
              nonNeg "sizeRatio" "max(max_k ||x_k||/zeta_k, ||h(x_0)||_inf/zeta_{K+1})"
              indicator "allPositive" "1 when r_k > 0 for every k in [K]" ]
        Hypotheses = [ biasFree; inClass; inputDomain; Hypothesis.Restriction(sym "allPositive" >=. Expr.one) ]
        Notes = [ twoModes; "The slack ||x_k||/zeta_k is reported: zeta compounds worst-case sparse norms." ] }

/// SULAM-P9's mutant.
let p9Mutants = [ p9 |> dropRestrictions "r-zero" "claims the inactive sets are inactive even where some r_k = 0" ]

/// SULAM-P10 (Proposition 10) with random and adversarial weight perturbations at the edge of the certified radius.
let p10 =
    { Statement.create "SULAM-P10" "Sensitivity to weight perturbations" (cite "p. 8; App. A.1.3" (Some "Proposition 10")) [ Provenance.Exact; Provenance.PaperIssue ]
        "For h in H, h_hat in B(h, eps) and r_k(h, x_0) >= gamma_k for all k: every I_k stays inactive for h_hat, ||x_hat_k - x_k|| <= zeta_k gamma_k and ||h_hat(x_0) - h(x_0)||_inf <= zeta_{K+1} gamma_{K+1}."
        (Conclusion.Deterministic(maxOf [ sym "maxInactiveHat"; sym "deviationRatio" - 1 ] <=. Expr.zero)) with
        Variables =
            [ anyReal "maxInactiveHat" "max over k and i in I_k of the perturbed pre-activation u_hat_k[i]/(xi_k zeta_{k-1}) (<= 0: inactive)"
              nonNeg "deviationRatio" "max(max_k ||x_hat_k - x_k||/(zeta_k gamma_k), ||h_hat - h||_inf/(zeta_{K+1} gamma_{K+1}))"
              anyReal "radiusGap" "min_k (r_k - gamma_k)" ]
        Hypotheses = [ biasFree; inClass; inputDomain; Hypothesis.Restriction(sym "radiusGap" >=. Expr.zero) ]
        Notes =
            [ twoModes
              "eps is common to every layer and set per point to the largest certified value (the edge of the radius): eps = min_k ((1 + r_k)^(1/k) - 1); zeta_0 = ||x|| per point (a valid instance of ||x|| <= M_X)."
              "Perturbations: Gaussian directions at the edge of the certified constraints, projected gradient ascent on the inactive-set objective and on ||h_hat - h||_inf, and the closed-form one-row move on layer 1 at 1.5 times the certified size (out of scope, kept for the mutant)."
              "PAPER-TYPO (p. 20): ||x_hat_{k+1} - x_hat_k|| for ||x_hat_{k+1} - x_{k+1}||, and 'r_k > gamma_k' against the statement's >=."
              "The largest attack scale that keeps every I_k inactive is reported next to the certified eps (breaking scale / certified scale)." ] }

/// SULAM-P10's mutant.
let p10Mutants = [ p10 |> dropRestrictions "beyond-radius" "claims stability beyond the certified radius (r_k >= gamma_k dropped)" ]

/// SULAM-N4-table2: Table 2's printed radius position d_k - s_k (PAPER-TYPO) makes Proposition 9's inactivity claim false.
let n4Table2 =
    { Statement.create "SULAM-N4-table2" "Proposition 9 with Table 2's printed radius position" (cite "Table 2, p. 7" (Some "Table 2")) [ Provenance.Exact; Provenance.PaperIssue ]
        "With r_k read at position d_k - s_k (as Table 2 prints it), r_k > 0 implies that the s_k most negative units are inactive."
        (Conclusion.Deterministic(sym "maxInactiveOut" <=. Expr.zero)) with
        Role = Role.Probe
        Variables =
            [ nonNeg "maxInactiveOut" "max_{i in I_k} x_k[i] with I_k the s_k most negative units"
              indicator "tablePositive" "1 when Table 2's radius (position d_k - s_k) is positive" ]
        Hypotheses = [ Hypothesis.Restriction(sym "tablePositive" >=. Expr.one) ]
        Notes = [ "PAPER-TYPO (catalog SULAM-N4): only position s_k makes I_k have s_k elements that r certifies; with s_k > d_k/2 Table 2's position certifies only d_k - s_k negative units." ] }
    |> Statement.knownFalse "Table 2's radius at position d_k - s_k certifies only d_k - s_k negative units: with s_k > d_k/2 some of the s_k units of I_k can be active while it is positive"
