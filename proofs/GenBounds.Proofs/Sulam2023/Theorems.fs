/// Muthukumar & Sulam (2023) §3.2-§4 and App. A.3, B, C: Theorems 11 and 13 as held-out-risk statements (prior P0), the
/// grid's union bound, the greedy sparsity vector, the normalisation, the effective activity ratio, and the PAC-Bayes tools
/// of App. C (Theorem 14, Definition 15, Lemma 16).
module GenBounds.Proofs.Sulam2023.Theorems

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Sulam2023.Common

let private m = sym "m"
let private kk = sym "K"
let private logTerm = 2 * ln (2 * m * (kk + 1) / sym "delta")

let private theoremVariables =
    [ probability "L0" "0-1 risk of h (held-out estimate: Clopper-Pearson of the error count)"
      probability "Lhat0" "training 0-1 error of h on S (the mutant's bound)"
      probability "Rhat" "R_hat_{4 zeta_{K+1} gamma_{K+1}}(h): fraction of S with normalised margin below 4 zeta_{K+1} gamma_{K+1}"
      dim "m" "samples of S"
      dim "K" "hidden layers"
      nonNeg "KL" "KL(N(h, sigma^2) || P0) over all K+1 layers (sigma of Eq. (8) or Theorem 11)"
      Statement.var "delta" "delta_red = delta/(T_s T_eta^K T_eps): the grid's union bound paid (F-UNION)" Domain.confidence
      nonNeg "layerTerms" "sum_{k in [K]} sqrt((4 sum_{n<=k} KL_n + 2 ln(2m(K+1)/delta))/(m-1))" ]

let private theoremNotes =
    [ "Prior P0 = N(0, sigma^2) with the posterior's variances. P_data (a prior centred at a net trained on a held-out 5% split) needs a second network: it is evaluated by `genbounds bounds --sulam-prior` and `genbounds reproduce sulam2023-fig1`, not by verify."
      "The network is normalised (SULAM-A3, xi = 1); the grid over (eps-bar, alpha) uses the greedy sparsity vectors and App. B's quantile rule; every open choice (catalog X5) is in the result's notes."
      "Synthetic: a random bias-free Gaussian net of the lab's shape labelling the lab's inputs by its own argmax with 10% of the labels replaced at random (a realisable teacher with noise); real: the trained net on S with the held-out data."
      "The bound is reported raw: a value >= 1 is vacuous (the checker says so)." ]

/// SULAM-T13 (Theorem 13, Eq. (8)) with prior P0, as a held-out-risk statement.
let t13 =
    let kl = sym "KL"
    { Statement.create "SULAM-T13" "Theorem 13 (prior P0): sparsity-aware de-randomised PAC-Bayes bound" (cite "App. A.3, pp. 21-25" (Some "Theorem 13, Eq. (8)"))
        [ Provenance.Exact; Provenance.Derived; Provenance.Unverified ]
        "With probability at least 1 - delta over S: R_0(h) <= R_hat_{4 zeta gamma}(h) + 4(K+1)/(sqrt m - 1) + sqrt((4 KL + 2 ln(2m(K+1)/delta))/(m-1)) + two sparse sums + sum_k sqrt((4 sum_{n<=k} KL_n + 2 ln(2m(K+1)/delta))/(m-1))."
        (Conclusion.WithProbability(sym "L0" <=. sym "B", sym "delta", "S")) with
        Variables =
            theoremVariables
            @ [ probability "sparseGamma" "sum_{k in [K]} (1/m) sum_i 1{exists n <= k: r_n <= gamma_n} (conservative <=)"
                probability "sparse3Gamma" "sum_{k in [K]} (1/m) sum_i 1{exists n <= k: r_n <= 3 gamma_n}" ]
        Definitions =
            [ "B", sym "Rhat" + 4 * (kk + 1) / (sqrt m - 1) + sqrt ((4 * kl + logTerm) / (m - 1)) + sym "sparseGamma" + sym "sparse3Gamma" + sym "layerTerms" ]
        Hypotheses = [ biasFree; inClass; inputDomain ]
        Notes =
            theoremNotes
            @ [ "DERIVED: sigma_{K+1} = eps_{K+1} xi_{K+1}/alpha^{K+1}(C-1, s_K, 1/((K+1) sqrt m)) (the printed last-layer variance is a typo, SULAM-L12-printed-last)."
                "PAPER-TYPO: the prior is written prod_{k=1}^K P_k; it must run to K+1. The sparse indicators use <= (Eq. (13)), conservative against the statement's <."
                "The proof sums 2(K+1)/(sqrt m - 1) over K+1 applications of Lemma 16; the printed 4(K+1)/(sqrt m - 1) is used (conservative)." ] }

/// SULAM-T13's mutant.
let t13Mutants = [ t13 |> Statement.mutate "half-training-error" "claims the risk is at most half the training error" (fun _ -> sym "L0" <=. sym "Lhat0" / 2) ]

/// SULAM-T11 (Theorem 11) with prior P0, its O~ written with Theorem 13's constants (DERIVED).
let t11 =
    let kl = sym "KL"
    { Statement.create "SULAM-T11" "Theorem 11 (prior P0), explicit form" (cite "§3.2, p. 8" (Some "Theorem 11")) [ Provenance.Exact; Provenance.Derived; Provenance.Unverified ]
        "R_0(h) <= R_hat_{4 zeta_{K+1} gamma_{K+1}}(h) + (2K/m) sum_i l_sparse(h, x_i) + O~(sqrt(KL(N(h, sigma_sparse^2) || P)/m)) with sigma_k = eps_k xi_k/(4 sqrt(2 d_eff + ln(2(K+1) sqrt m)))."
        (Conclusion.WithProbability(sym "L0" <=. sym "B", sym "delta", "S")) with
        Variables = theoremVariables @ [ probability "lsparse" "(1/m) sum_i l_sparse: 1{exists k: r_k <= 3 gamma_k}" ]
        Definitions = [ "B", sym "Rhat" + 2 * kk * sym "lsparse" + 4 * (kk + 1) / (sqrt m - 1) + sqrt ((4 * kl + logTerm) / (m - 1)) + sym "layerTerms" ]
        Hypotheses = [ biasFree; inClass; inputDomain ]
        Notes =
            theoremNotes
            @ [ "DERIVED explicit form: Theorem 11's O~ hides log factors; written here with Theorem 13's chain (valid because Theorem 11's sigma is below Eq. (8)'s on these nets, so Lemma 12 still holds), the two sparse sums bounded by 2K (1/m) sum l_sparse."
                "UNVERIFIED: the theorem lists sigma_1..sigma_K only; the last layer takes the corrected Lemma-12 variance." ] }

/// SULAM-T11's mutant.
let t11Mutants = [ t11 |> Statement.mutate "half-training-error" "claims the risk is at most half the training error" (fun _ -> sym "L0" <=. sym "Lhat0" / 2) ]

/// SULAM-F-UNION (§3.3, p. 10; DERIVED): the grid's union bound, with the data-chosen s paid for.
let fUnion =
    { Statement.create "SULAM-F-UNION" "Grid search and union bound" (cite "§3.3, p. 10" None) [ Provenance.Exact; Provenance.Derived; Provenance.Unverified ]
        "Instantiating the theorem at every grid point with delta_red = delta/(T_s T_xi T_eta T_eps) makes all bounds hold together with probability 1 - delta; s picked from the data costs T_s = prod_k d_k."
        (Conclusion.Deterministic(sym "deltaRed" * sym "T" <=. sym "delta")) with
        Role = Role.Definition
        Variables =
            [ Statement.var "deltaRed" "delta_red used by the search" Domain.confidence
              Statement.var "deltaRedNoS" "delta/(T_eta^K T_eps): the price without the sparsity union (the paper's complexity remark)" Domain.confidence
              Statement.var "T" "prod_k d_k * T_eta^K * T_eps (T_xi = 1 after normalisation)" Domain.positive
              Statement.var "delta" "total failure probability" Domain.confidence ]
        Notes =
            [ "DERIVED: the greedy or quantile rule picks s from the data, so the union must pay log prod_k d_k even though only a few vectors are evaluated; alpha only selects s and costs nothing."
              "UNVERIFIED: the paper gives no grid sizes and no delta." ] }
    |> Statement.byConstruction "delta_red is computed as delta/T, so delta_red T = delta holds by construction; the check records the price"

/// SULAM-F-UNION's mutant: the sparsity union not paid.
let fUnionMutants = [ fUnion |> Statement.mutate "s-free" "the data-chosen s not paid for (delta/(T_eta^K T_eps))" (fun _ -> sym "deltaRedNoS" * sym "T" <=. sym "delta") ]

/// SULAM-A2 (§3.3, App. B; DERIVED closed form): the greedy sparsity vector by a threshold count equals the literal scan,
/// and gives every training point sparse loss 0.
let a2 =
    { Statement.create "SULAM-A2" "Greedy layer-wise sparsity vector" (cite "§3.3 pp. 10-11; App. B pp. 25-26" None) [ Provenance.Exact; Provenance.Derived; Provenance.PaperIssue ]
        "s_k = max{s in [d_k]: sigma(sort(-w_k.x_{k-1}/(xi_k zeta_{k-1}), s)) > 3 gamma_k} equals #{j: -w_k[j].x_{k-1} > 3 gamma_k xi_k zeta_{k-1}}, and r_k(x; s*) > 3 gamma_k at every layer."
        (Conclusion.Deterministic(maxOf [ abs (sym "sFast" - sym "sScan"); 3 * sym "gamma" - sym "rAtS" ] <=. Expr.zero)) with
        Variables =
            [ nonNeg "sFast" "s_k by the threshold count on sorted pre-activations (engine)"
              nonNeg "sScan" "s_k by the literal scan over s with a radius per s"
              nonNeg "gamma" "gamma_k"
              anyReal "rAtS" "r_k at s_k (+infinity for s_k = 0)"
              anyReal "rNext" "r_k at s_k + 1 (the mutant's one-larger sparsity)" ]
        Notes =
            [ "PAPER-TYPO: the displayed condition writes 3 gamma_n for 3 gamma_k; a count of 0 makes the paper's max empty (read as s_k = 0, radius +infinity); App. B's eps_k = eps-bar/(K+1-k) is undefined at k = K+1 (read as K+2-k, UNVERIFIED); the quantile level 2 alpha/(K(K-1)) is undefined for K = 1."
              "DERIVED caveat: the sample-wide minimum does not make the recomputed sparse loss vanish for K >= 2 (lowering s_{k-1} raises xi_k, eta and zeta_{k-1}); the bound recomputes its sparse sums with the final (s, xi, eta)."
              "Synthetic: small random nets; real: the trained net on S; eps on a grid, eta rounded up to the eta grid." ] }

/// SULAM-A2's mutant.
let a2Mutants = [ a2 |> Statement.mutate "one-more" "claims one more inactive unit still clears 3 gamma_k" (fun _ -> 3 * sym "gamma" - sym "rNext" <=. Expr.zero) ]

/// SULAM-A3 (§3.3, footnote 11): normalisation keeps labels, radii, normalised margins and the P0 bound.
let a3 =
    { Statement.create "SULAM-A3" "Normalisation W_k / ||W_k||_(d_k-1,s_{k-1})" (cite "§3.3, p. 10, footnote 11" None) [ Provenance.Exact; Provenance.Derived ]
        "Replacing W_k by W_k/||W_k||_(d_k-1,s_{k-1}) and xi_k by 1 leaves predicted labels, babel functions, sparse local radii, normalised margins and (with P0) the bound unchanged."
        (Conclusion.Deterministic(sym "invarianceGap" <=. real 1e-9)) with
        Variables =
            [ nonNeg "invarianceGap" "max relative change of labels (count), radii, margin / zeta_{K+1} and the Theorem-13 bound with P0"
              nonNeg "rawMarginGap" "relative change of the raw margin (the mutant)" ]
        Notes = [ "DERIVED nuance: the raw margin is not invariant (it scales by prod_k c_k); the KL against a fixed non-zero prior centre is not invariant unless the centre is rescaled the same way (UNVERIFIED for P_data)." ] }

/// SULAM-A3's mutant.
let a3Mutants = [ a3 |> Statement.mutate "raw-margin" "claims the raw margin is invariant too" (fun _ -> sym "rawMarginGap" <=. real 1e-9) ]

/// SULAM-D-EAR (§4, p. 12): the effective activity ratio, non-decreasing in eps (DERIVED).
let dEar =
    { Statement.create "SULAM-D-EAR" "Effective activity ratio" (cite "§4, p. 12" None) [ Provenance.Exact; Provenance.Derived; Provenance.Unverified ]
        "kappa(x, eps) = sum_k (d_k - s_k)(d_{k-1} - s_{k-1}) / sum_k d_k d_{k-1} at s = s*(x, eps); a larger eps never lowers it."
        (Conclusion.Deterministic(sym "kappaSmall" <=. sym "kappaLarge")) with
        Role = Role.Definition
        Variables =
            [ probability "kappaSmall" "kappa(x, eps) at the smaller eps of an adjacent pair of the grid"
              probability "kappaLarge" "kappa(x, eps') at the larger eps" ]
        Notes =
            [ "UNVERIFIED: the summation range (k = 1..K+1 with s_0 = s_{K+1} = 0 here) and whether eps is the common eps or App. B's eps-bar (common here)."
              "DERIVED: for K = 1, kappa = 1 - s_1/d_1 for either range (consistent with the steps of 1/50 of Fig. 5a); monotone in eps because each threshold 3 gamma_k xi_k zeta_{k-1} grows with eps and with a smaller s_{k-1}." ] }

/// SULAM-D-EAR's mutant.
let dEarMutants = [ dEar |> Statement.reverse "decreasing" "claims a larger eps never raises kappa" ]

/// SULAM-T14 (Theorem 14; McAllester 1998): the classical PAC-Bayes bound for the stochastic predictor, prior P0.
let t14 =
    { Statement.create "SULAM-T14" "Classical PAC-Bayes bound (stochastic predictor)" (cite "App. C.1, p. 27" (Some "Theorem 14")) [ Provenance.Exact; Provenance.Ext ]
        "With probability at least 1 - delta, for all Q: E_{h~Q} R(h) <= E_{h~Q} R_hat(h) + sqrt((KL(Q||P) + ln(m/delta))/(2(m-1)))."
        (Conclusion.WithProbability(sym "L0Q" <=. sym "LhatQ" + sqrt ((sym "KL" + ln (m / sym "delta")) / (2 * (m - 1))), sym "delta", "S")) with
        Variables =
            [ probability "L0Q" "held-out 0-1 risk of the stochastic predictor (a fresh posterior draw per example)"
              probability "LhatQ" "upper 99.5% Clopper-Pearson limit of its training error (per-example draws; conservative for E_Q R_hat)"
              probability "LhatQHalf" "half the point estimate of its training error (the mutant's bound)"
              nonNeg "KL" "KL(N(h, sigma^2) || N(0, sigma^2)) with Eq. (8)'s sigma at the greedy sparsity"
              dim "m" "samples of S"
              Statement.var "delta" "confidence" Domain.confidence ]
        Notes = [ "Bounds the stochastic predictor, not h. See the baseline catalog for the numerically evaluated PAC-Bayes family." ] }

/// SULAM-T14's mutant.
let t14Mutants = [ t14 |> Statement.mutate "half-training-error" "claims the stochastic risk is at most half its training error" (fun _ -> sym "L0Q" <=. sym "LhatQHalf") ]

/// SULAM-D15 (Definition 15; Nagarajan & Kolter 2019b) as Theorem 13 needs it (catalog T13 step 4): at points whose radii
/// clear gamma, h is noise-resilient for the output property under the Eq.-(8) posterior.
let d15 =
    { Statement.create "SULAM-D15" "Noise resilience at points with large radii" (cite "App. C.2, p. 27; App. A.3" (Some "Definition 15")) [ Provenance.Exact; Provenance.Derived ]
        "For x with r_k(h, x) >= gamma_k for every k: P_{h_hat ~ N(h, sigma^2)}[||h_hat(x) - h(x)||_inf > zeta_{K+1} gamma_{K+1}] <= 1/sqrt(m) (Proposition 10 and Lemma 12 together)."
        (Conclusion.WithProbability(sym "outDev" <=. sym "zetaGamma", 1 / sqrt m, "h_hat ~ N(h, sigma^2)")) with
        Variables =
            [ nonNeg "outDev" "||h_hat(x) - h(x)||_inf for one posterior draw"
              Statement.var "zetaGamma" "zeta_{K+1} gamma_{K+1} at the point's certified eps (normalised net)" Domain.positive
              dim "m" "samples of S (delta = 1/sqrt m)" ]
        Notes =
            [ "One setting per checked point (the first training points with a positive certified eps), each with its own Clopper-Pearson interval against 1/sqrt(m)."
              "Non-resilience masses mu_S, mu_D are the fractions of points where this fails; Theorem 13 bounds them by the lower layers' < gamma indicators." ] }

/// SULAM-D15's mutant.
let d15Mutants = [ d15 |> typicalValue "median-deviation" "threshold replaced by the median output deviation" "outDev" "outTypical" ]

/// SULAM-L16 (Lemma 16; Nagarajan & Kolter 2019b, Thm C.1): not checkable as a whole.
let l16 =
    notYet "SULAM-L16" "De-randomised PAC-Bayes bound" "App. C.2, p. 28" (Some "Lemma 16") [ Provenance.Ext; Provenance.Unverified ]
        "Pr_D[exists n: rho_n(h, z) < 0] <= (1/m) sum_i 1[exists n: rho_n(h, z_i) < gamma_n] + mu_S + mu_D + 2 sqrt((2 KL + ln(2m/delta))/(2(m-1))) + 2/(sqrt m - 1)."
        (Conclusion.WithProbability(sym "L0" <=. sym "B16", sym "delta", "S"))
        "mu_D is a population quantity over x and the posterior; the lemma's ingredients are checked through SULAM-D15 (noise resilience) and SULAM-T13 (the whole chain)"
        [ "UNVERIFIED: Nagarajan & Kolter's original constants were not re-read; the form is the one Theorem 13 is built from." ]
