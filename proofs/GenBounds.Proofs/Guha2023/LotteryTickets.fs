/// Guha et al. (2023) §6: lottery tickets (Theorem 6.1 = Malach et al. 2020, Theorem 6.2).
module GenBounds.Proofs.Guha2023.LotteryTickets

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

/// GUHA-T6.1 (Theorem 6.1 = Malach, Yehudai, Shalev-Shwartz, Shamir 2020, Thm 2.1): lottery-ticket approximation.
let t61 =
    notYet "GUHA-T6.1" "Lottery-ticket approximation" "§6" (Some "Theorem 6.1") [ Provenance.Ext ]
        "A random network of polynomial width contains a subnetwork within epsilon of any bounded target network."
        (Conclusion.WithProbability(sym "supErr" <=. sym "epsilon", sym "delta", "the initialisation"))
        "width polynomial infeasible at MNIST scale; imported theorem (Malach et al. 2020); later issue"
        [ "Verify the width polynomial and active-weight count against Malach et al." ]

/// GUHA-T6.2 (Theorem 6.2): generalization of lottery tickets.
let t62 =
    notYet "GUHA-T6.2" "Generalization of lottery tickets" "§6, App. E.5" (Some "Theorem 6.2") [ Provenance.Recon ]
        "A discretised lottery ticket generalizes like a compression of the target network up to a log^2 D factor."
        (Conclusion.Deterministic(sym "L0g" <=. sym "Lhat" + sqrt (sym "q" / sym "m")))
        "only arithmetic is possible; later issue"
        [ "Per-layer sketch side: O(n log D) for middle layers." ]
