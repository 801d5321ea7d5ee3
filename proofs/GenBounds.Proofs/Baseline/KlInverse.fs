/// Baseline catalog §8 and §10.1: the Bernoulli kl, its certified inverses (bisection, Newton from above, the closed form at
/// q = 0, the Pinsker-type upper relations), PBB's inverse, and the PAC-Bayes family's inequality chain and monotonicity.
module GenBounds.Proofs.Baseline.KlInverse

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Baseline.Common

let private modes =
    twoModes
        "random (q, c) with q uniform on [0, 1] (a quarter at q = 0 and at small q), c log-uniform on [1e-4, 1], and the catalog's test vectors."
        "q = the trained net's 0-1 errors and margin losses on S and on the held-out set, c = ln(2/delta)/n with n = |S| and |held-out| and delta in {0.01, 0.05}."

/// BASE-KL-INV (§8, DERIVED recipe): the engine's certified inverses equal a plain 200-step bisection (and the catalog's test
/// vectors, which were computed that way).
let inverse =
    { Statement.create "BASE-KL-INV" "kl inverses equal the 200-step bisection and the test vectors [DERIVED]" (cite "§8" (Some "test vectors")) [ Provenance.Derived ]
        "kl^-1_up(q, c) = sup{p in [q, 1] : kl(q||p) <= c} and kl^-1_down(q, c) = inf{p in [0, q] : kl(q||p) <= c}; the engine's certified bisection (BinaryKl) returns them to 1e-9."
        (Conclusion.Deterministic(sym "inverse" ==. sym "reference")) with
        Role = Role.Definition
        Tolerance = { Absolute = 1e-9; Relative = 0.0 }
        Variables =
            [ probability "inverse" "BinaryKl.UpperInverse / LowerInverse (q, c)"
              probability "reference" "a plain 200-step bisection returning the outer end of the bracket; on the catalog's rows, the printed value (10 decimals)"
              probability "pinsker" "q +- sqrt(c/2) clipped to [0, 1] (the mutant's inverse)" ]
        Notes = [ modes; "Test vectors of §8: (0, 0.1), (0.01, 0.05), (0.1, 0.01), (0.3, 0.2), (0.5, 0.001), (0.028, ln(2/0.01)/150000), both directions." ] }

/// BASE-KL-INV's mutant: Pinsker's relaxation read as the inverse.
let inverseMutants =
    [ inverse |> Statement.mutate "pinsker" "the inverse replaced by Pinsker's q +- sqrt(c/2)" (fun _ -> sym "pinsker" ==. sym "reference") ]

/// BASE-KL-ZERO (§8): the closed form at q = 0.
let zero =
    { Statement.create "BASE-KL-ZERO" "Closed form kl^-1_up(0, c) = 1 - e^-c" (cite "§8" (Some "closed form at q = 0")) [ Provenance.Exact ]
        "At q = 0, kl(0||p) = -ln(1 - p), so kl^-1_up(0, c) = 1 - e^-c."
        (Conclusion.Deterministic(sym "upperAtZero" ==. 1 - Expr.exp (-(sym "c")))) with
        Role = Role.Definition
        Tolerance = { Absolute = 1e-9; Relative = 0.0 }
        Variables = [ probability "upperAtZero" "BinaryKl.UpperInverse(0, c)"; nonNeg "c" "the kl budget" ]
        Notes = [ modes ] }

/// BASE-KL-ZERO's mutant: first order in c.
let zeroMutants = [ zero |> Statement.mutate "first-order" "1 - e^-c replaced by its first-order term c" (fun _ -> sym "upperAtZero" ==. sym "c") ]

/// BASE-KL-PINSKER (§7 PB-CLASSIC is the Pinsker relaxation of PB-MAURER; §8 Newton start): kl^-1_up(q, c) <= q + sqrt(c/2).
let pinsker =
    { Statement.create "BASE-KL-PINSKER" "Pinsker: kl^-1_up(q, c) <= q + sqrt(c/2)" (cite "§7-§8" (Some "PB-CLASSIC; Newton start")) [ Provenance.Exact; Provenance.Derived ]
        "kl(q||p) >= 2(p - q)^2 (Pinsker), so the upper inverse is at most q + sqrt(c/2): PB-CLASSIC relaxes PB-MAURER and Newton may start there."
        (Conclusion.Deterministic(sym "upper" <=. sym "q" + sqrt (sym "c" / 2))) with
        Variables = [ probability "upper" "kl^-1_up(q, c) (certified bisection)"; probability "q" "empirical risk"; nonNeg "c" "the kl budget" ]
        Notes = [ modes ] }

/// BASE-KL-PINSKER's mutant.
let pinskerMutants = [ pinsker |> Statement.mutate "half" "the Pinsker term halved" (fun _ -> sym "upper" <=. sym "q" + sqrt (sym "c" / 2) / 2) ]

/// BASE-KL-REFINED (§8, DERIVED): the tighter Newton start q + sqrt(2qc) + 2c is above the root.
let refined =
    { Statement.create "BASE-KL-REFINED" "Refined start: kl^-1_up(q, c) <= q + sqrt(2qc) + 2c [DERIVED]" (cite "§8" (Some "Newton from above")) [ Provenance.Derived ]
        "kl(q||p) >= (p - q)^2/(2p) for p >= q, so t = p - q >= c + sqrt(c^2 + 2qc) suffices, and sqrt(2qc) + 2c is larger."
        (Conclusion.Deterministic(sym "upper" <=. sym "q" + sqrt (2 * sym "q" * sym "c") + 2 * sym "c")) with
        Variables = [ probability "upper" "kl^-1_up(q, c) (certified bisection)"; probability "q" "empirical risk"; nonNeg "c" "the kl budget" ]
        Notes = [ modes; "DERIVED proof (ours): t^2 - 2ct - 2qc >= 0 iff t >= c + sqrt(c^2 + 2qc), and sqrt(2qc) + c >= sqrt(c^2 + 2qc)." ] }

/// BASE-KL-REFINED's mutant: the Gaussian approximation q + sqrt(2q(1-q)c) read as a bound (false for q < 1/2, where the
/// next term of the expansion, (2/3)(1 - 2q)c, is positive; at q = 0 it claims the inverse is 0).
let refinedMutants =
    [ refined |> Statement.mutate "gaussian-approx" "the +2c term dropped and q(1-q) in place of q (the Gaussian approximation)" (fun _ -> sym "upper" <=. sym "q" + sqrt (2 * sym "q" * (1 - sym "q") * sym "c")) ]

/// BASE-KL-NEWTON (§8, DERIVED): every Newton iterate from the Pinsker start is a valid upper bound.
let newton =
    { Statement.create "BASE-KL-NEWTON" "Newton from above: every iterate >= kl^-1_up [DERIVED]" (cite "§8" (Some "Newton (Dziugaite-Roy Newt)")) [ Provenance.Derived ]
        "p <- p - (kl(q||p) - c)/((1-q)/(1-p) - q/p) from p0 = q + sqrt(c/2) (1 if >= 1): kl(q||.) is convex and increasing on [q, 1), so every iterate stays above the root."
        (Conclusion.Deterministic(sym "iterate" >=. sym "rootLower")) with
        Variables =
            [ probability "iterate" "each of the first 5 Newton iterates (Dziugaite-Roy run 5), and the engine's UpperInverseNewton"
              probability "rootLower" "the inner end of a 200-step bisection bracket (<= the exact root)" ]
        Notes = [ modes ] }

/// BASE-KL-NEWTON's mutant.
let newtonMutants = [ newton |> Statement.reverse "below" "claims the iterates are below the root" ]

/// BASE-KL-PBB (§8): PBB's inv_kl (relative width 1e-5, returns the last midpoint) is not a certified upper bound.
let pbb =
    { Statement.create "BASE-KL-PBB" "PBB's inv_kl is an upper bound on kl^-1_up" (cite "§8" (Some "PBB inv_kl")) [ Provenance.Code; Provenance.Finding ]
        "PBB's inv_kl bisects until the relative width is below 1e-5 and returns the last midpoint; the catalog says it can under-shoot (fine for plots, not for certificates)."
        (Conclusion.Deterministic(sym "pbbInverse" >=. sym "rootLower")) with
        Role = Role.Probe
        Variables =
            [ probability "pbbInverse" "PBB's inv_kl as the catalog describes it (lo = q, hi = 1, stop at (hi - lo)/hi < 1e-5, return the last midpoint)"
              probability "rootLower" "the inner end of a 200-step bisection bracket" ]
        Notes = [ modes ] }
    |> Statement.knownFalse "the last midpoint lies below the root whenever the last step moved the lower end (about half the inputs), by up to the 1e-5 relative width"

/// BASE-PB-CHAIN (§7 'tightest of the family', §10.1 inequality chain, DERIVED): Maurer's inverted bound is at most every
/// other member of the family for the same inputs.
let chain =
    { Statement.create "BASE-PB-CHAIN" "PB-MAURER <= PB-KL, PB-CLASSIC, PB-QUAD, PB-LAMBDA, PB-SSBD, PB-MCA99 [DERIVED]" (cite "§7, §10.1" (Some "inequality chain")) [ Provenance.Derived ]
        "For equal (L_hat, KL, m >= 8, delta): kl^-1_up(L_hat, (KL + ln(2 sqrt(m)/delta))/m) is at most Seeger-Langford, the classic (Pinsker), quad and lambda relaxations (every lambda), SSBD and McAllester."
        (Conclusion.Deterministic(sym "maurer" <=. minOf [ sym "seeger"; sym "classic"; sym "quad"; sym "lambdaOpt"; sym "lambdaFixed"; sym "ssbd"; sym "mcallester" ])) with
        Variables =
            [ probability "maurer" "PacBayesBounds.Maurer"
              nonNeg "seeger" "PB-KL (RECALLED form): kl^-1_up(L_hat, (KL + ln((m+1)/delta))/m)"
              nonNeg "classic" "PB-CLASSIC"; nonNeg "quad" "PB-QUAD"; nonNeg "lambdaOpt" "PB-LAMBDA at its optimal lambda"
              nonNeg "lambdaFixed" "PB-LAMBDA at a random lambda in (0, 2)"; nonNeg "ssbd" "PB-SSBD"; nonNeg "mcallester" "PB-MCA99 (RECALLED form)" ]
        Notes =
            [ modes
              "Synthetic: L_hat uniform on [0, 0.5], KL log-uniform on [1e-2, 1e4], m in 8..1e6, delta in (0.001, 0.2). Real: L_hat = the net's train error on S, KL = ||w||^2/(2 sigma^2) for sigma in a grid, m = |S|."
              "DERIVED: 2 sqrt(m) <= m + 1 (Seeger); Pinsker (classic); quad and lambda are relaxations of the kl (PBB); ln(2 sqrt(m)) <= ln m and m - 1 < m (SSBD, m >= 4); ln m + 2 >= ln 2 + ln(m)/2 and 2m - 1 < 2m (McAllester)." ] }

/// BASE-PB-CHAIN's mutant.
let chainMutants = [ chain |> Statement.mutate "quad-below" "claims PB-QUAD is at most PB-MAURER" (fun _ -> sym "quad" <=. sym "maurer") ]

/// BASE-PB-MONO (§10.1): the PB-MAURER bound grows with KL and shrinks with m.
let monotone =
    { Statement.create "BASE-PB-MONO" "PB-MAURER: larger KL gives a larger bound, larger m a smaller one" (cite "§10.1" (Some "monotonicity")) [ Provenance.Derived ]
        "For fixed L_hat and delta: KL1 <= KL2 implies B(KL1) <= B(KL2); m1 <= m2 implies B(m2) <= B(m1) (m >= 8)."
        (Conclusion.Deterministic(sym "boundSmaller" <=. sym "boundLarger")) with
        Variables =
            [ probability "boundSmaller" "the bound at the smaller KL (or at the larger m)"
              probability "boundLarger" "the bound at the larger KL (or at the smaller m)" ]
        Notes = [ modes; "DERIVED for m: d/dm (K + ln(2 sqrt(m)/delta))/m < 0 iff K + ln(2 sqrt(m)/delta) > 1/2, true for m >= 8, delta <= 1." ] }

/// BASE-PB-MONO's mutant.
let monotoneMutants = [ monotone |> Statement.reverse "reversed" "claims the bound shrinks with KL and grows with m" ]
