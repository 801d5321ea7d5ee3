/// Muthukumar & Sulam (2023) §4 and App. E, Figures 1, 2 and 5: the qualitative claims about the effective activity ratio
/// and the bound across widths (catalog SULAM-X4). They compare several trained networks, so `genbounds verify` (one
/// network) cannot check them; `genbounds reproduce sulam2023-fig5 | fig2 | fig1` checks them with the same checker.
module GenBounds.Proofs.Sulam2023.Activity

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Sulam2023.Common

let private reason = "compares networks of several widths; checked by `genbounds reproduce sulam2023-fig5` / `sulam2023-fig2` (kappa) and `sulam2023-fig1` (bound)"

/// SULAM-X4-C1: wider nets have smaller mean kappa at the smallest eps.
let c1 =
    { notYet "SULAM-X4-C1" "Wider nets have smaller kappa at small eps" "§4, Figs. 2, 5" None [ Provenance.Unverified ]
        "At eps = 1e-4 the mean effective activity ratio decreases with width."
        (Conclusion.Deterministic(sym "kappaWider" <=. sym "kappaNarrower")) reason
        [ "One instance per pair of adjacent widths; read from the figures (UNVERIFIED)." ] with
        Variables = [ probability "kappaWider" "mean kappa of the wider net at eps = 1e-4"; probability "kappaNarrower" "mean kappa of the narrower net" ] }

/// SULAM-X4-C2: kappa tends to 0.92-0.98 at eps = 0.05.
let c2 =
    { notYet "SULAM-X4-C2" "kappa approaches 0.92-0.98 at eps = 0.05" "§4, Figs. 2b, 5b" None [ Provenance.Unverified ]
        "At eps = 0.05 the mean effective activity ratio of every width lies in [0.92, 0.98]."
        (Conclusion.Deterministic(maxOf [ real 0.92 - sym "kappaMax"; sym "kappaMax" - real 0.98 ] <=. Expr.zero)) reason
        [ "Values extracted from the vector data of the figures (UNVERIFIED): 0.918-0.934 (3-layer), 0.924-0.979 (2-layer)." ] with
        Variables = [ probability "kappaMax" "mean kappa at eps = 0.05" ] }

/// SULAM-X4-C3: the widest net's curve overtakes the narrowest's within the eps grid.
let c3 =
    { notYet "SULAM-X4-C3" "The width-1000 curve overtakes width 50" "§4, Figs. 2b, 5b" None [ Provenance.Unverified ]
        "Mean kappa of width 1000 exceeds that of width 50 at the largest eps (the figures show the crossing near eps = 0.04 for 3-layer and 0.014 for 2-layer nets)."
        (Conclusion.Deterministic(sym "kappaNarrowAtMax" <=. sym "kappaWideAtMax")) reason
        [ "The crossing eps is reported next to the paper's." ] with
        Variables = [ probability "kappaNarrowAtMax" "mean kappa of the narrowest net at eps = 0.05"; probability "kappaWideAtMax" "mean kappa of the widest net at eps = 0.05" ] }

/// SULAM-X4-C4: the bound does not blow up with width (Fig. 1, P0 bounds decrease with width).
let c4 =
    { notYet "SULAM-X4-C4" "The bound does not blow up with width" "§4, Fig. 1" None [ Provenance.Unverified ]
        "With prior P0, at every training size the bound of the widest net is at most that of the narrowest."
        (Conclusion.Deterministic(sym "boundWidest" <=. sym "boundNarrowest")) reason
        [ "The paper's P0 bounds (X2): 3.40 -> 2.72 (11k), 2.06 -> 1.75 (55k) from width 100 to 1000." ] with
        Variables = [ nonNeg "boundWidest" "Theorem 13 (P0) of the widest net"; nonNeg "boundNarrowest" "Theorem 13 (P0) of the narrowest net" ] }

/// The four claims, in the catalog's order.
let claims = [ c1; c2; c3; c4 ]
