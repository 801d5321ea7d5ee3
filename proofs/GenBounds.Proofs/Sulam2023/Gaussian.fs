/// Muthukumar & Sulam (2023) App. A.2 and App. D: Gaussian sub-matrix concentration (Lemmas 19, 20), the normalisation
/// alpha^k (Eq. (7)), Gaussian perturbations staying in the neighbourhood (Lemma 12, as printed and with safe bookkeeping),
/// and the 2-Lipschitz margin (p. 6).
module GenBounds.Proofs.Sulam2023.Gaussian

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Sulam2023.Common

let private sigma = sym "sigma"
let private delta = sym "delta"

/// SULAM-L19 (Lemma 19 = Wainwright 2019, Thm 6.1): the norm of a fixed Gaussian sub-matrix.
let l19 =
    let t = sym "t"
    { Statement.create "SULAM-L19" "Gaussian sub-matrix norm concentration" (cite "App. D, p. 30" (Some "Lemma 19")) [ Provenance.Exact; Provenance.Ext; Provenance.PaperIssue ]
        "For A with i.i.d. N(0, sigma^2) entries and fixed J2, J1 of sizes d2 - s2, d1 - s1: P(||P_{J2,J1}(A)||_2 >= sigma(sqrt(d2-s2) + sqrt(d1-s1) + t)) <= exp(-t^2/2)."
        (Conclusion.WithProbability(sym "subNorm" <=. sigma * (sqrt (sym "rows") + sqrt (sym "cols") + t), exp (-(t ** 2) / 2), "A")) with
        Variables =
            [ nonNeg "subNorm" "||P_{J2,J1}(A)||_2 (LAPACK SVD)"
              Statement.var "sigma" "entry standard deviation" Domain.positive
              dim "rows" "d2 - s2"; dim "cols" "d1 - s1"; nonNeg "t" "deviation" ]
        Notes =
            [ "PAPER-TYPO: 'J2 of size (d2 - s1)' means d2 - s2. The i.i.d. Gaussian law is implicit in the paper."
              "Both modes draw Gaussian matrices: synthetic of small sizes, real of the trained layers' shapes and entry scales (no trained value enters the lemma)." ] }

/// SULAM-L19's mutant.
let l19Mutants = [ l19 |> Statement.mutate "no-row-term" "the sqrt(d2 - s2) term dropped" (fun _ -> sym "subNorm" <=. sigma * (sqrt (sym "cols") + sym "t")) ]

/// SULAM-L20 (Lemma 20): the Gaussian sparse norm, by a union bound over sub-matrices.
let l20 =
    let lb = ln (sym "binom2") + ln (sym "binom1")
    { Statement.create "SULAM-L20" "Concentration of the Gaussian sparse norm" (cite "App. D, p. 30" (Some "Lemma 20")) [ Provenance.Exact; Provenance.PaperIssue ]
        "With probability at least 1 - delta, ||A||_(s2,s1) <= sigma(sqrt(d2-s2) + sqrt(d1-s1) + sqrt(2 ln C(d2,s2) + 2 ln C(d1,s1) + 2 ln(1/delta)))."
        (Conclusion.WithProbability(sym "sparseNorm" <=. sigma * (sqrt (sym "rows") + sqrt (sym "cols") + sqrt (2 * lb + 2 * ln (1 / delta))), delta, "A")) with
        Variables =
            [ nonNeg "sparseNorm" "||A||_(s2,s1) by exact enumeration"
              Statement.var "sigma" "entry standard deviation" Domain.positive
              dim "rows" "d2 - s2"; dim "cols" "d1 - s1"
              dim "binom2" "C(d2, s2)"; dim "binom1" "C(d1, s1)"
              Statement.var "delta" "failure probability" Domain.confidence ]
        Notes =
            [ "The printed formula has an unmatched parenthesis after sqrt(d1 - s1); the grouping above is the intended one (PAPER-TYPO)."
              "A loose union bound: the failure rate is expected far below delta." ] }

/// SULAM-L20's mutant.
let l20Mutants =
    [ l20 |> Statement.mutate "no-deviation" "the deviation term sqrt(2 ln C + 2 ln C + 2 ln(1/delta)) dropped" (fun _ -> sym "sparseNorm" <=. sigma * (sqrt (sym "rows") + sqrt (sym "cols"))) ]

/// SULAM-EQ7 (Eq. (7)): alpha^k by log-gamma equals the formula with exactly summed logarithms.
let eq7 =
    { Statement.create "SULAM-EQ7" "Normalisation function alpha^k" (cite "App. A.2, p. 21" (Some "Eq. (7)")) [ Provenance.Exact ]
        "alpha^k(s_k, s_{k-1}, delta) = sqrt(d_k - s_k) + sqrt(d_{k-1} - s_{k-1}) + sqrt(2 ln C(d_k,s_k) + 2 ln C(d_{k-1},s_{k-1}) + 2 ln(1/delta)), computed with log-gamma."
        (Conclusion.Deterministic(sym "alpha" ==. sym "alphaExact")) with
        Role = Role.Definition
        Variables =
            [ Statement.var "alpha" "alpha^k by the engine (log-binomials through log-gamma)" Domain.positive
              Statement.var "alphaExact" "the same with ln C(n, k) = sum_{i=1}^k ln((n-k+i)/i)" Domain.positive
              Statement.var "alphaCrude" "the same with ln C(n, k) replaced by k ln n (the mutant)" Domain.positive ]
        Notes =
            [ "The text also mentions a beta^k that is never defined or used (PAPER-TYPO)."
              "Row-norm special case: alpha^k(d_k-1, s_{k-1}, delta) = 1 + sqrt(d_{k-1}-s_{k-1}) + sqrt(2 ln d_k + 2 ln C(d_{k-1},s_{k-1}) + 2 ln(1/delta))."
              "Synthetic: random (d, s, delta); real: the trained layers' widths at the greedy sparsity of training points." ] }

/// SULAM-EQ7's mutant.
let eq7Mutants = [ eq7 |> Statement.mutate "crude-binomial" "ln C(n, k) replaced by k ln n" (fun _ -> sym "alphaCrude" ==. sym "alphaExact") ]

let private l12Statement id name variant (provenance: Provenance list) informal notes =
    { Statement.create id name (cite "App. A.2, p. 21" (Some variant)) provenance informal
        (Conclusion.WithProbability(sym "worstRatio" <=. Expr.one, delta, "h_hat ~ N(h, sigma^2(delta))")) with
        Variables =
            [ nonNeg "worstRatio" "max over layers and both norms of (normalised norm of W_hat_k - W_k)/eps_k (<= 1: h_hat in B(h, eps)); exact norms on small nets, certified bounds otherwise (over-counts failures)"
              Statement.var "delta" "the lemma's failure probability" Domain.confidence ]
        Parameters = [ "sigmaFactor", 1.0 ]
        Hypotheses = [ inClass ]
        Notes = notes }

/// SULAM-L12 (Lemma 12) with the paper's bookkeeping delta/(K+1) inside every alpha^k.
let l12 =
    l12Statement "SULAM-L12" "Gaussian perturbations stay in the local neighbourhood (paper's delta/(K+1))" "Lemma 12" [ Provenance.Exact; Provenance.Derived ]
        "For h in H, with probability at least 1 - delta, h_hat ~ N(h, sigma^2(delta)) lies in B(h, eps), with sigma_k(delta) = eps_k min{xi_k sqrt(1+eta_k)/alpha^k(s_k,s_{k-1},delta/(K+1)), xi_k/alpha^k(d_k-1,s_{k-1},delta/(K+1))} and (DERIVED correction) sigma_{K+1} = eps_{K+1} xi_{K+1}/alpha^{K+1}(C-1,s_K,delta/(K+1))."
        [ twoModes
          "DERIVED concern: each hidden layer has two events at delta/(K+1) and the last layer one, so the proof's union bound gives (2K+1) delta/(K+1) < 2 delta, not delta (SULAM-L12-union); the safe variant is SULAM-L12-safe."
          "Monte Carlo: failures F of N draws, Clopper-Pearson 99% against delta; the certified test over-counts failures, so a failure here is conservative."
          "Synthetic: small random nets with exact sparse norms at delta = 0.5 (the union bound is loose, so the check is informative only at large delta); real: the trained net with certified bounds at delta = 0.1." ]

/// SULAM-L12's mutant.
let l12Mutants = [ l12 |> Statement.mutateWith "double-sigma" "posterior standard deviations doubled" (Statement.withParameter "sigmaFactor" 2.0) ]

/// SULAM-L12-safe (DERIVED): Lemma 12 with delta/(2K+1), for which the proof's union bound closes.
let l12Safe =
    l12Statement "SULAM-L12-safe" "Gaussian perturbations stay in the local neighbourhood (safe delta/(2K+1))" "Lemma 12, safe bookkeeping" [ Provenance.Derived ]
        "As Lemma 12 with every alpha^k evaluated at delta/(2K+1): the union of the 2K + 1 events then has probability at most delta."
        [ twoModes; "DERIVED: the variant the catalog recommends for claims (Theorem 13 with delta = 1/sqrt(m) needs it)." ]

/// SULAM-L12-safe's mutant.
let l12SafeMutants = [ l12Safe |> Statement.mutateWith "double-sigma" "posterior standard deviations doubled" (Statement.withParameter "sigmaFactor" 2.0) ]

/// SULAM-L12-printed-last: Lemma 12 with the last-layer variance as printed, eps_{K+1}^2/alpha: false as printed.
let l12PrintedLast =
    l12Statement "SULAM-L12-printed-last" "Lemma 12 with the printed last-layer variance" "Lemma 12, printed sigma_{K+1}" [ Provenance.Exact; Provenance.PaperIssue ]
        "As Lemma 12 with sigma_{K+1}(delta) = eps_{K+1} eps_{K+1}/alpha^k(C-1, s_K, delta/(K+1)) as printed."
        [ "PAPER-TYPO: the printed sigma_{K+1} has eps_{K+1} where xi_{K+1} belongs; it is not invariant under rescaling the last layer, so a network whose last layer has xi_{K+1} << eps_{K+1} leaves the neighbourhood almost surely."
          "Synthetic: small random nets with the last layer scaled to xi_{K+1} = eps/20; real: the trained net after the function-preserving rescaling W_{K+1} -> c W_{K+1}, W_K -> W_K/c with xi_{K+1} = eps/20." ]
    |> Statement.withRole Role.Probe
    |> Statement.knownFalse "sigma_{K+1} = eps^2/alpha ignores xi_{K+1}: with xi_{K+1} << eps_{K+1} the last layer's perturbation exceeds eps_{K+1} xi_{K+1} almost surely"

/// SULAM-L12-union: the proof's union bound with delta/(K+1) per event (two events per hidden layer) adds up to delta.
let l12Union =
    { Statement.create "SULAM-L12-union" "Lemma 12's union bound adds up to delta" (cite "App. A.2, p. 21" (Some "Lemma 12, proof")) [ Provenance.Exact; Provenance.Derived ]
        "The proof controls each of its events at delta/(K+1) and concludes failure probability at most delta."
        (Conclusion.Deterministic(sym "events" * sym "delta" / (sym "K" + 1) <=. sym "delta")) with
        Role = Role.Probe
        Variables =
            [ dim "events" "events the proof unions: two per hidden layer (sparse and row norm) and one for the last layer, 2K + 1"
              dim "K" "hidden layers"
              Statement.var "delta" "failure probability" Domain.confidence ]
        Notes = [ "DERIVED (catalog SULAM-L12): (2K+1) delta/(K+1) > delta for every K >= 1; the safe bookkeeping delta/(2K+1) closes it." ] }
    |> Statement.knownFalse "each hidden layer contributes two events at delta/(K+1), so the union is (2K+1) delta/(K+1) > delta"

/// SULAM-F-MARGIN (p. 6; Bartlett, Foster, Telgarsky 2017, Lemma A.3): the margin is 2-Lipschitz in the sup-norm.
let fMargin =
    { Statement.create "SULAM-F-MARGIN" "Margin is 2-Lipschitz in sup-norm" (cite "p. 6" None) [ Provenance.Exact; Provenance.Ext; Provenance.PaperIssue ]
        "|rho(h, z) - rho(h_hat, z)| <= 2 ||h_hat(x) - h(x)||_inf with rho(h, z) = h(x)_y - max_{j != y} h(x)_j."
        (Conclusion.Deterministic(sym "marginChange" <=. 2 * sym "supDiff")) with
        Variables = [ nonNeg "marginChange" "|rho(h, z) - rho(h_hat, z)|"; nonNeg "supDiff" "||h_hat(x) - h(x)||_inf" ]
        Notes =
            [ "PAPER-TYPO: the margin is written with argmax where max is meant."
              "Synthetic: random output pairs (uniform perturbations of random logits); real: the trained net against posterior draws on training points." ] }

/// SULAM-F-MARGIN's mutant.
let fMarginMutants = [ fMargin |> Statement.mutate "one-lipschitz" "constant 1 instead of 2" (fun _ -> sym "marginChange" <=. sym "supDiff") ]
