/// Guha et al. (2023) §6: lottery tickets — the imported approximation theorem (Theorem 6.1 = Malach, Yehudai,
/// Shalev-Shwartz, Shamir 2020, Thm 2.1), checked on a toy at d_in = 2, and the generalization of tickets (Theorem 6.2),
/// whose content is Theorem 5.2's arithmetic with a ticket's own sketch sizes.
module GenBounds.Proofs.Guha2023.LotteryTickets

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

/// GUHA-T6.1 (Theorem 6.1 = Malach et al. 2020, Thm 2.1), toy form: a random two-layer ReLU network of width D with
/// U[−1, 1] weights contains a weight-subnetwork within ε of a bounded linear target F(x) = W x on the unit disk
/// (d_in = n = 2, depth l = 1 so G has depth 2l = 2), with 4 d_in n active weights.
let t61 =
    { Statement.create "GUHA-T6.1" "Lottery-ticket approximation" (cite "§6" (Some "Theorem 6.1")) [ Provenance.Ext; Provenance.Unverified ]
        "A random ReLU network of depth 2l and polynomial width D (weights i.i.d. U[-1, 1]) contains, with probability at least 1 - delta, a weight-subnetwork within epsilon of any depth-l target with ||W_i||_2 <= 1 and |W_i|_max <= 1/sqrt(n_in(i)), uniformly on the unit ball; toy: d_in = n = 2, l = 1."
        (Conclusion.WithProbability(sym "supErr" <=. sym "epsilon", sym "delta", "the initialisation of G")) with
        Variables =
            [ Statement.var "supErr" "sup over ||x|| <= 1 of max_k |Gtilde(x)_k - F(x)_k| (exact: the error is linear on each quadrant)" Domain.nonNegative
              Statement.var "epsilon" "approximation target (0.1)" Domain.positive
              Statement.var "delta" "failure probability (0.05)" Domain.confidence
              Statement.var "activeWeights" "non-zero weights of the subnetwork (4 d_in n = 16 by construction)" Domain.nonNegative ]
        Parameters = [ "D", 400.0 ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("target", "F(x) = W x with ||W||_2 <= 1 and |W|_max <= 1/sqrt(2) (rescaled onto the constraint boundary)")
              Hypothesis.NamedAssumption("init", "G's weights i.i.d. U[-1, 1], drawn independently of F") ]
        Notes =
            [ "EXT/UNVERIFIED: Malach et al. 2020, Thm 2.1: width D = poly(d_in, n, l, 1/epsilon, log(1/delta)) (Pensia et al. 2020 quote the factor as O(d^4 l^2)), O(d_in n + n^2 l) active weights. We could not read their constructive proof; the construction here is ours in its spirit (a target weight realised by pruning a random two-layer block):"
              "for every target weight W_kj and each sign of x_j, keep one unused hidden unit i whose first-layer weight a_ij has that sign and whose product a_ij b_ki is closest to W_kj (x = ReLU(x) - ReLU(-x) splits the line); every other weight of G is pruned. Then Gtilde(x)_k - F(x)_k = sum_j x_j e_kj(sign x_j) is linear on each quadrant and its sup over the disk is exact."
              "Checked at the width D = 400 where the construction's 95% error quantile is about half of epsilon = 0.1; width 25 fails (mutant)."
              "Not practical at MNIST scale (catalog): the polynomial width is huge." ] }

/// GUHA-T6.1's mutant: a network too narrow for the construction.
let t61Mutants =
    [ t61 |> Statement.mutateWith "narrow" "width D = 25 instead of 400" (fun s -> Statement.withParameter "D" 25.0 s) ]

/// GUHA-T6.2 (Theorem 6.2, reconstructed): a discretised lottery ticket, sketched layer by layer with its own sketch
/// sizes, generalizes like Theorem 5.2's class; the paper's O(√((d_in n + l n²) log² D / m)) is that count when the
/// ticket's non-zeros are spread evenly (j_l p_l ≈ J_l).
let t62 =
    { Statement.create "GUHA-T6.2" "Generalization of lottery tickets" (cite "§6, App. E.5" (Some "Theorem 6.2")) [ Provenance.Recon; Provenance.Derived ]
        "With probability at least 1 - delta - sum_l eps_l, the discretised ticket errs at most Lhat_2gamma(ticket) + sqrt((sum_l s_l^2 ln r_l + ln(1/delta))/(2m)), with the ticket's own sketch sides s_l = ceil(c_s sqrt(j_l p_l) ln p_l); for evenly spread non-zeros this is O(sqrt((d_in n + l n^2) log^2 D / m))."
        (Conclusion.WithProbability(
            sym "L0g" <=. sym "Lhat_2gamma" + sqrt ((GenBounds.Proofs.Guha2023.Sketching.sketchComplexity + ln (1 / sym "delta")) / (2 * sym "m")),
            sym "delta" + sumOver "l" (vecAt "epsilon" "l"), "S, the initialisation, A and B")) with
        Variables = GenBounds.Proofs.Guha2023.Sketching.t52Variables
        Parameters = [ "c_s", 1.0 ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("even spread", "the ticket's non-zeros spread evenly: max(j_r h_l, j_c h_{l-1}) <= 2 J_l in every layer (claimed from Malach et al.'s construction)")
              Hypothesis.NamedAssumption("T5.1", "each layer's sketch is lossless (verified per layer)")
              Hypothesis.NamedAssumption("fixed before S", "A, B and the rounding grid fixed before S, data-dependent choices paid by a union bound") ]
        Notes =
            [ "RECON: Theorem 6.1 (error epsilon) + discretization (epsilon_d) + Theorem 5.1 per layer + Theorem 3.1, union over the 2l layers' sketch failures and the delta of Theorem 6.1. The margin Lhat_2gamma is the ticket's own with gamma = its discretization error (F := the ticket itself, epsilon = 0)."
              "Synthetic: the ticket of the GUHA-T6.1 toy (width D = 100) classifying x uniform on the unit disk by argmax F(x), 10% of labels flipped, m = 10^6 (the sketch count needs it to be non-vacuous). Real: small IMP runs (Frankle & Carbin: 20% of hidden and 10% of output weights per round, rewind to theta_0, one epoch per round) on S, one setting per round."
              "The LeNet-300-100 numbers are `genbounds reproduce lottery-lenet` (README): sum_l s_l^2 at c_s = 1 is 30.4M at 100% and 3.1M at 3.6% of the weights, against 266k dense weights and 9.5k kept." ] }

/// GUHA-T6.2's mutant.
let t62Mutants = [ t62 |> Statement.mutate "zero-error" "claims the discretised ticket never errs" (fun _ -> sym "L0g" <=. Expr.zero) ]
