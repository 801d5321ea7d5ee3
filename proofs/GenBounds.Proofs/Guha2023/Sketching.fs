/// Guha et al. (2023) §5 and App. E: sparse-matrix sketching (Equation (1), Definition 5.1, Theorem 5.1, Remark 5.1),
/// the distributed sparsity of pruned layers (Lemmas 5.1, E.1), the bipartite ensemble (Definition E.1) and the main
/// bound (Theorem 5.2).
module GenBounds.Proofs.Guha2023.Sketching

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

/// GUHA-D5.1 (Definition 5.1): (j_c, j_r)-distributed sparsity, including a nonzero diagonal.
let d51 =
    { Statement.create "GUHA-D5.1" "Distributed sparsity" (cite "§5.2" (Some "Definition 5.1")) [ Provenance.Prose ]
        "A pruned layer is (j_c, j_r)-distributed sparse: at most j_r nonzeros per row, j_c per column, and a nonzero diagonal."
        (Conclusion.Deterministic(sym "zeroDiag" <=. Expr.zero)) with
        Role = Role.Definition
        ByConstruction = Some "j_r and j_c are bound as the observed maxima and Algorithm 1 keeps the diagonal, so every clause holds by construction"
        Variables =
            [ Statement.var "zeroDiag" "diagonal slots (i,i), i < min(h_l, h_{l-1}), that are zero after pruning" Domain.nonNegative
              Statement.var "j_r" "max nonzeros per row" Domain.nonNegative
              Statement.var "j_c" "max nonzeros per column" Domain.nonNegative
              Statement.var "J" "nonzeros" Domain.nonNegative ]
        Hypotheses = [ algorithm1 ]
        Notes =
            [ "j_r and j_c are the observed maxima, so the row/column clauses hold by definition; the diagonal clause is the checkable part."
              "Rectangular layers (784 x h, h x 10): the paper does not say how they are padded; padding would make the diagonal clause fail." ] }

/// GUHA-D5.1's mutant.
let d51Mutants = [ d51 |> Statement.mutate "mean-row-load" "j_r replaced by the mean row load J/h_l" (fun _ -> sym "j_r" <=. sym "J" / hOut) ]

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

/// GUHA-LE.1's mutant.
let le1Mutants =
    [ le1 |> Statement.mutate "half-deviation" "Bernstein deviation t replaced by t/2" (fun _ ->
          let n, nb, delta = sym "n", sym "n_b", sym "delta"
          sym "maxLoad" <=. nb / n + bernsteinDeviation (nb / n) n delta / 2) ]

/// GUHA-L5.1 (Lemma 5.1, reconstructed): pruned layers are distributed sparse with the Markov + balls-into-bins bounds.
let l51 =
    let epsM, dr, dc = sym "epsilon_M", sym "delta_r", sym "delta_c"
    let nBar = sym "Nbar"
    let rowBound = nBar / hOut + sym "t_r"
    let colBound = nBar / hIn + sym "t_c"
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
        Definitions =
            [ "Nbar", chi d * hOut * hIn / epsM
              "t_r", bernsteinDeviation (nBar / hOut) hOut dr
              "t_c", bernsteinDeviation (nBar / hIn) hIn dc ]
        Hypotheses = [ gaussianWeights; algorithm1; Hypothesis.NamedAssumption("LE.1", "balls-into-bins bound, explicit Bernstein form") ]
        Notes =
            [ "RECON: Markov on the nonzero count (Nbar = chi(d) h_l h_{l-1}/eps_M), then Lemma E.1 for rows and columns, union bound."
              "Exact alternative (DERIVED): row counts are independent 1[diag] + Bin(h_{l-1} - 1[diag], chi); the exact law of the maximum is reported alongside."
              "The code's 'predicted sparsity' 3 chi(d) h_in corresponds to eps_M = 1/3 with the deviation term dropped." ] }

/// GUHA-L5.1's mutant.
let l51Mutants =
    [ l51 |> Statement.mutate "mean-load" "eps_M = 1 and deviation terms dropped (rows and columns at their mean load)" (fun _ ->
          maxOf [ sym "j_r" - chi d * hIn; sym "j_c" - chi d * hOut ] <=. Expr.zero) ]

/// GUHA-EQ1 (§5.1, Equation (1)): the l1 sketch-recovery program.
let eq1 =
    notYet "GUHA-EQ1" "Sketch-recovery program" "§5.1" (Some "Equation (1)") [ Provenance.Recon ]
        "A sparse matrix is recovered from its sketch A X B^T by l1 minimisation."
        (Conclusion.Deterministic(sym "recoveryError" <=. Expr.zero))
        "needs a linear-program solver for the l1 recovery; later issue (sketching)"
        [ "Lossless iff the l1 minimiser is unique and equals X." ]

/// GUHA-DE.1 (Definition E.1): the random bipartite ensemble.
let de1 =
    notYet "GUHA-DE.1" "Random bipartite ensemble" "App. E.1" (Some "Definition E.1") [ Provenance.Prose; Provenance.Unverified ]
        "Sketch matrices are biadjacency matrices of random bipartite graphs with left degree at most delta_s."
        (Conclusion.Deterministic(sym "rowDegree" <=. sym "delta_s"))
        "sampler belongs to the sketching issue; later issue"
        [ "UNVERIFIED match with Dasarathy et al.: their convention fixes the degree of each of the p right nodes, not of the sketch rows." ]

/// GUHA-T5.1 (Theorem 5.1 = Dasarathy et al. 2013): sparse matrix sketching.
let t51 =
    notYet "GUHA-T5.1" "Sparse matrix sketching" "§5.3" (Some "Theorem 5.1") [ Provenance.Recon; Provenance.Ext; Provenance.Unverified ]
        "A distributed-sparse matrix is the unique l1 solution from a sketch of side O(sqrt(j p) log p), with probability at least 1 - p^-c."
        (Conclusion.WithProbability(sym "recoveryError" <=. Expr.zero, sym "p" ** (-(sym "c")), "A and B"))
        "needs the l1 recovery LP and the bipartite sampler; later issue (sketching)"
        [ "O(.) statement: only the stability of the smallest c_s in p is falsifiable." ]

/// GUHA-R5.1 (Remark 5.1): the probability exponent.
let r51 =
    notYet "GUHA-R5.1" "Probability exponent" "§5.3" (Some "Remark 5.1") [ Provenance.Prose; Provenance.Unverified ]
        "The success probability of Theorem 5.1 is at least 1 - p^-c_0 for a larger c_0."
        (Conclusion.Deterministic(sym "failureRate" <=. sym "p" ** (-(sym "c_0"))))
        "c_0 was stripped from our copy and needs the T5.1 experiment; later issue"
        [ "Do not guess c_0; read it from the PDF." ]

/// GUHA-T5.2 (Theorem 5.2): the main bound for pruned and sketched networks.
let t52 =
    notYet "GUHA-T5.2" "Generalization bound for pruned and sketched networks" "§5.4" (Some "Theorem 5.2") [ Provenance.Recon; Provenance.Code ]
        "Test error of the pruned, sketched network is at most the margin loss plus O(sqrt(sum_l j_l p_l log^2 p_l / m))."
        (Conclusion.Deterministic(sym "L0g" <=. sym "Lhat_gamma" + sqrt (sym "q" / sym "m")))
        "needs Theorem 5.1's sketch sizes (sketching issue); later issue"
        [ "The code proxy uses the expected nonzero count, omits log r, discretization and all O(.) constants." ]
