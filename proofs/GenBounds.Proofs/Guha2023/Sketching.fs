/// Guha et al. (2023) §5.2–5.4 and App. E: the distributed sparsity of pruned layers (Definition 5.1, Lemmas 5.1, E.1)
/// and the main bound (Theorem 5.2) in its reconstructed explicit form and as the authors' code computes it, with the
/// finding that the sketch count never undercuts listing the non-zeros. The recovery items (Equation (1), Definition
/// E.1, Theorem 5.1, Remark 5.1) are in SketchRecovery.fs.
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

/// The Hoeffding-and-union-bound deviation √((C + ln(1/δ))/(2m)) of a class whose log-size is C (GUHA-TD.1, DERIVED).
let private deviation (complexity: Expr) = sqrt ((complexity + ln (1 / sym "delta")) / (2 * sym "m"))

/// Σ_l s_l² ln r_l: the parameters of the sketches (s_l² reals per layer) at r_l levels each.
let sketchComplexity = sumOver "l" (vecAt "s" "l" ** 2 * ln (vecAt "r" "l"))

/// The variables of the reconstructed explicit T5.2 form (also GUHA-T6.2's).
let t52Variables =
    [ Statement.var "L0g" "0-1 error of the network decoded from the rounded sketches (held-out estimate)" Domain.probability
      Statement.var "Lhat_2gamma" "empirical margin loss of f at margin 2 gamma on S, gamma = max |f - g| over S and all k outputs" Domain.probability
      Statement.vectorVar "s" "sketch sides s_l = ceil(c_s sqrt(j_l p_l) ln p_l), p_l = max(h_l, h_{l-1})" Domain.positiveInteger
      Statement.vectorVar "r" "levels of the rounded sketch Y^l = A^l Wtilde^l B^l^T: 2 K_l + 1, K_l = max |Y^l|/rho_l" Domain.positiveInteger
      Statement.vectorVar "epsilon" "per-layer recovery-failure allowances (0 where decoding was verified)" Domain.probability
      Statement.var "m" "training-set size" Domain.positiveInteger
      Statement.var "delta" "confidence of the Hoeffding step for this class (the union-bound weight of the data-dependent choices folded in)" Domain.confidence ]

/// GUHA-T5.2 (Theorem 5.2), reconstructed explicit form: the pruned net, rounded to a grid fixed before training and
/// described by its sketches (A, B the helper string), generalizes like a class of Σ s_l² reals at r_l levels.
let t52 =
    let conclusion = sym "L0g" <=. sym "Lhat_2gamma" + deviation sketchComplexity
    { Statement.create "GUHA-T5.2" "Generalization bound for pruned and sketched networks" (cite "§5.4, App. E.4" (Some "Theorem 5.2"))
        [ Provenance.Recon; Provenance.Derived ]
        "With probability at least 1 - delta - sum_l eps_l, the network decoded from the rounded sketches errs at most Lhat_2gamma(f) + sqrt((sum_l s_l^2 ln r_l + ln(1/delta))/(2m)), with sketch sides s_l = ceil(c_s sqrt(j_l p_l) ln p_l): the explicit form of O(sqrt(sum_l j_l p_l log^2 p_l / m))."
        (Conclusion.WithProbability(conclusion, sym "delta" + sumOver "l" (vecAt "epsilon" "l"), "S, A and B")) with
        Variables = t52Variables
        Parameters = [ "c_s", 1.0 ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("fixed before S", "A, B (helper string) drawn before S; the rounding step from a grid of powers of two fixed before training, paid by a union bound")
              Hypothesis.NamedAssumption("T5.1", "each layer's sketch is lossless (verified per layer, else eps_l = the T5.1 failure allowance)")
              Hypothesis.NamedAssumption("D3.1", "f is (gamma, S)-compressible via the decoded network (gamma measured, margin 2 gamma: the factor-2 correction of GUHA-T3.1)") ]
        Notes =
            [ "RECON: Lemma 5.1 => distributed sparse => Theorem 5.1 sketch of side O(sqrt(j_l p_l) log p_l) => q = sum_l s_l^2 parameters => Theorem 3.1. Whether the paper displays a log r factor is unknown; Theorem 3.1 has one."
              "Explicit here: c_s = 1 (the smallest sufficient constant of the T5.1 Monte Carlo, j = 4, p = 50..200); r_l = 2 K_l + 1 levels of the rounded sketch (a 0/1 sketch of a layer on rho Z lies on rho Z); the data-dependent K_l and s_l paid by the prior weights 1/(K(K+1)) and 1/(s(s+1)), the step by 1/G over G = 40 powers of two: delta = delta_0 x weights."
              "The margin 2 gamma repairs the factor-2 slip of Theorem 3.1 (GUHA-T3.1)." ] }

/// A mutant claiming the decoded network never errs: false wherever the held-out error is positive.
let private zeroError (s: Statement) = s |> Statement.mutate "zero-error" "claims the decoded net never errs (L0 <= 0)" (fun _ -> sym "L0g" <=. Expr.zero)

/// GUHA-T5.2's mutant.
let t52Mutants = [ zeroError t52 ]

/// GUHA-T5.2-code: the quantity the paper's table reports as its bound, as the authors' code computes it
/// (`compute_best_generalization_bound`): a proxy with the expected non-zero count, no ln r, no discretization and no
/// O(·) constants, set against the held-out error of the pruned net (the code's "true error").
let t52Code =
    { Statement.create "GUHA-T5.2-code" "The authors' bound proxy" (cite "§5.4, §7, App. A" (Some "Theorem 5.2, as the code computes it")) [ Provenance.Code ]
        "The table's 'Ours': Lhat_{gamma*(d)}(f) + sqrt(sum_l h_l h_{l-1} chi(d) ln^2(max(h_l, h_{l-1})) / m), with d found by bisection so that the needed margin gamma*(d) equals the smallest training margin; set against the pruned net's held-out error."
        (Conclusion.Deterministic(sym "L0g" <=. sym "LhatStar" + sqrt (sumOver "l" (vecAt "n" "l" * chi (sym "dStar") * ln (vecAt "p" "l") ** 2) / sym "m"))) with
        Variables =
            [ Statement.var "L0g" "held-out 0-1 error of the pruned net (the code's 'true error': margin < 0)" Domain.probability
              Statement.var "LhatStar" "fraction of training points with margin < gamma*(d) (strict, as the code counts)" Domain.probability
              Statement.vectorVar "n" "h_l h_{l-1}" Domain.positiveInteger
              Statement.vectorVar "p" "max(h_l, h_{l-1})" Domain.positiveInteger
              Statement.var "dStar" "d from the code's bisection on [0, 10] (0 when the smallest training margin is <= 0)" Domain.nonNegative
              Statement.var "m" "training-set size" Domain.positiveInteger ]
        Hypotheses = [ noBiases ]
        Notes =
            [ "CODE (github.com/EtashGuha/compression_bounds_arxiv, groundzero/main.py; re-implemented in GuhaCodeProxy): gamma*(d) = e max||x|| prod ||W_l||_2 sum ||W_l - What_l||_2/||W_l||_2 prod kappa_l with a fresh mask per evaluation, the diagonal pruned, biases ignored; bisection as scipy (xtol 1e-3)."
              "Not a bound: the expected non-zero count replaces j_l p_l, no ln r, no discretization, no O(.) constants; the paper's table reports ln of this value (3.36 ... 4.96 on MNIST, i.e. 29 ... 143: vacuous)."
              "Its margin condition uses kappa (GUHA-LC.4-code); the code's kappa comes from a bisection with tolerance 0.01 (GUHA-LC.1-kappa)." ] }

/// GUHA-T5.2-code's mutant.
let t52CodeMutants = [ zeroError t52Code ]

/// GUHA-T5.2-vs-LD.1 (a probe of ours): the sketch count of Theorem 5.2 undercuts the naive count of Lemma D.1 for the
/// same pruned and rounded network — the reason the paper introduces sketching. It never does: s_l² ≥ c_s² j_l p_l
/// ln² p_l reals against J_l ≤ j_l p_l non-zeros and ln C(n_l, J_l) ≤ J_l ln(e n_l/J_l) for their positions.
let t52VsLd1 =
    { Statement.create "GUHA-T5.2-vs-LD.1" "Sketching counts fewer parameters than listing the non-zeros" (cite "§5, App. D" (Some "Theorem 5.2 vs Lemma D.1"))
        [ Provenance.Finding; Provenance.PaperIssue ]
        "For a pruned and rounded network, the sketch count sum_l s_l^2 ln r_l of Theorem 5.2 is below the naive count sum_l [ln C(n_l, J_l) + J_l ln rN_l] of Lemma D.1."
        (Conclusion.Deterministic(sketchComplexity <=. sumOver "l" (vecAt "lnC" "l" + vecAt "J" "l" * ln (vecAt "rN" "l")))) with
        Role = Role.Probe
        Variables =
            [ Statement.vectorVar "s" "sketch sides at c_s = 1" Domain.positiveInteger
              Statement.vectorVar "r" "levels of the rounded sketches" Domain.positiveInteger
              Statement.vectorVar "lnC" "ln C(n_l, J_l): positions of the non-zeros" Domain.nonNegative
              Statement.vectorVar "J" "non-zeros per layer" Domain.nonNegative
              Statement.vectorVar "rN" "non-zero levels per entry, 2 K_l" Domain.positiveInteger ]
        Notes =
            [ "FINDING: s_l^2 >= c_s^2 j_l p_l ln^2 p_l while J_l <= j_l p_l and ln C(n_l, J_l) <= J_l (1 + ln(n_l/J_l)) <= J_l (1 + 2 ln p_l): the sketch pays a factor of order ln p_l more per non-zero at every size, so sketching never undercuts listing the non-zeros."
              "On LeNet-300-100 tickets (genbounds reproduce lottery-lenet): sum_l s_l^2 at c_s = 1 exceeds even the dense weight count at every level (30.4M vs 266k dense, 3.1M vs 9.5k kept at 3.6%)." ] }
    |> Statement.knownFalse "the sketch of a layer stores s_l^2 >= c_s^2 j_l p_l ln^2 p_l reals, more than its J_l <= j_l p_l non-zeros cost to list with their positions"
