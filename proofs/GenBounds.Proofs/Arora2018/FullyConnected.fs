/// Arora et al. (2018) §4 and App. B.2: fully connected nets (Lemma 3, Lemma 10, Theorem 4.1 and the improvements after
/// Lemma 3).
module GenBounds.Proofs.Arora2018.FullyConnected

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

let private onS = "Measured on the training sample S: every minimum/maximum uses the whole S the verifier is given; a subsample over-estimates cushions (optimistic)."
let private rhoHypothesis = Hypothesis.Condition(sym "rho_delta" >=. 3 * sym "d")
let private algorithm1 =
    Hypothesis.NamedAssumption("ALG1", "layer i compressed by Matrix-Project with eps_i = eps mu_i mu_{i->}/(6 c d), eta = delta/(6 d^2 h^2 m), in order 1..d")

let private layerVars =
    [ Statement.var "d" "number of layers" Domain.positiveInteger
      Statement.var "h" "largest width max_i h^i" Domain.positiveInteger
      Statement.var "m" "training-set size |S|" Domain.positiveInteger ]

/// ARORA-L3 (Lemma 3): with ρ_δ ≥ 3d, Algorithm 1 per layer gives, with probability 1 − δ/2 over Ã,
/// ‖f_A(x) − f_Ã(x)‖ ≤ ε‖f_A(x)‖ for all x ∈ S, with Σ_i k_i parameters.
let l3 =
    { Statement.create "ARORA-L3" "Compressed net: output error" (cite "§4, App. B.2" (Some "Lemma 3")) [ Provenance.Exact; Provenance.PaperIssue; Provenance.Finding ]
        "For a bias-free fully connected net with rho_delta >= 3d, compressing layer i by Matrix-Project at eps_i = eps mu_i mu_{i->}/(6cd) gives, with probability 1 - delta/2, ||f_A(x) - f_Atilde(x)|| <= eps ||f_A(x)|| for all x in S, with 72 c^2 d^2 log(mdh/delta)/eps^2 sum_i 1/(mu_i^2 mu_{i->}^2) parameters."
        (Conclusion.WithProbability(sym "maxRelErr" <=. sym "epsilon", sym "delta" / 2, "Atilde (Algorithm 1, Gaussian surrogate)")) with
        Variables =
            [ Statement.var "maxRelErr" "max over x in S of ||f_A(x) - f_Atilde(x)||/||f_A(x)||" Domain.nonNegative
              Statement.var "epsilon" "target relative error eps in (0, 1] (here the eps of Lemma 10: gamma/(sqrt 2 max ||f_A(x)||))" Domain.confidence
              Statement.var "delta" "confidence" Domain.confidence
              Statement.var "rho_delta" "interlayer smoothness (ARORA-D7, certified)" Domain.nonNegative ]
            @ layerVars
        Hypotheses = [ rhoHypothesis; biasFree; algorithm1 ]
        Notes =
            [ "PAPER-ISSUE: the text prints eps_i = eps mu_i mu_{i->}/(4cd); the bounding chain uses 6cd, and only 6cd reproduces the constant 72 (36 ln(6d^2h^2m/delta) <= 72 ln(mdh/delta) when m/delta >= 6): 6cd is used."
              "Per-layer count k_i = ln(1/eta)/eps_i^2 = 36 c^2 d^2 ln(6 d^2 h^2 m/delta)/(eps^2 mu_i^2 mu_{i->}^2); the compressed net is simulated with the Gaussian surrogate (direct simulation costs k_i h^i h^{i-1})."
              "Also reported: the smallest k (a common scale of every k_i) meeting the target, and each induction step (fraction of (x, j) with ||xhat^j_i - x^j|| > (i/d) eps ||x^j||)."
              "If rho_delta < 3d the verdict is 'hypothesis not met', with whether the conclusion held anyway." ] }

/// ARORA-L3's mutant.
let l3Mutants =
    [ l3 |> Statement.mutate "eps-1000" "output error eps/1000 at the same k_i (the lemma's constants are loose by about 100x, not 1000x)" (scaled "epsilon" (frac 1 1000)) ]

/// ARORA-L10 (Lemma 10): compressing at ε² = γ²/(2 max_x‖f_A(x)‖²) gives L̂_0(f_Ã) ≤ L̂_γ(f_A) and ‖f_A − f_Ã‖ ≤ γ/√2 on S.
let l10 =
    let gamma = sym "gamma"
    { Statement.create "ARORA-L10" "Compression with margin" (cite "App. B.2" (Some "Lemma 10")) [ Provenance.Exact ]
        "Lemma 3 at eps^2 = gamma^2/(2 max_x ||f_A(x)||^2) gives a compressed net within gamma/sqrt 2 of f_A on S, so Lhat_0(f_Atilde) <= Lhat_gamma(f_A)."
        (Conclusion.WithProbability(maxOf [ sym "maxDiff" - gamma / sqrt (num 2); sym "L0tilde" - sym "Lhat_gamma" ] <=. Expr.zero, sym "delta" / 2, "Atilde")) with
        Variables =
            [ Statement.var "maxDiff" "max over x in S of ||f_A(x) - f_Atilde(x)||_2" Domain.nonNegative
              Statement.var "gamma" "margin gamma > 0 (here: the median of the positive training margins)" Domain.positive
              Statement.var "L0tilde" "Lhat_0(f_Atilde): training error of the compressed net on S" Domain.probability
              Statement.var "Lhat_gamma" "Lhat_gamma(f_A): margin loss of f_A on S" Domain.probability
              Statement.var "delta" "confidence" Domain.confidence
              Statement.var "rho_delta" "interlayer smoothness (ARORA-D7, certified)" Domain.nonNegative
              Statement.var "d" "number of layers" Domain.positiveInteger ]
        Hypotheses = [ rhoHypothesis; biasFree; algorithm1 ]
        Notes =
            [ "EXACT. The margin-correct form of the Theorem 2.1 step: l2 closeness gamma/sqrt 2 cannot flip a point with margin > gamma (the margin is sqrt 2-Lipschitz in l2)."
              "Typos in the printed proof: '<= gamma' for '<= gamma^2', f_Ahat for f_Atilde." ] }

/// ARORA-L10's mutant.
let l10Mutants =
    [ l10 |> Statement.mutate "gamma-1000" "closeness gamma/(1000 sqrt 2) instead of gamma/sqrt 2 at the same compression" (scaled "gamma" (frac 1 1000)) ]

let private surrogateBound (sign: Expr -> Expr) =
    let q, r, m, delta = sym "q", sym "r", sym "m", sym "delta"
    sym "L0tilde" <=. sym "Lhat_gamma" + sign (sqrt ((q * Expr.ln r + Expr.ln (2 / delta)) / (2 * m)))

/// ARORA-T4.1 (Theorem 4.1) in the explicit surrogate form of the catalog: Theorem 2.1 (verifier form) with Lemma 10's
/// γ/√2 closeness and q = Σ_i k_i.
let t41 =
    { Statement.create "ARORA-T4.1" "Generalization of fully connected nets" (cite "§4, App. B.2" (Some "Theorem 4.1")) [ Provenance.Exact; Provenance.Derived ]
        "With rho_delta >= 3d, the compressed net's classification error is at most Lhat_gamma(f_A) + O~(sqrt(c^2 d^2 max ||f_A(x)||^2 sum_i 1/(mu_i^2 mu_{i->}^2)/(gamma^2 m))); checked in the explicit form Lhat_gamma + sqrt((q ln r + ln(2/delta))/(2m))."
        (Conclusion.WithProbability(surrogateBound id, sym "delta", "S and Atilde")) with
        Variables =
            [ Statement.var "L0tilde" "L_0(f_Atilde): classification error of the compressed net (held-out estimate, Clopper-Pearson)" Domain.probability
              Statement.var "Lhat_gamma" "Lhat_gamma(f_A) on S" Domain.probability
              Statement.var "q" "parameters of the compression, sum_i k_i of Lemma 3" Domain.positive
              Statement.var "r" "values per parameter of the pre-fixed grid (2^32)" Domain.positiveInteger
              Statement.var "m" "training-set size" Domain.positiveInteger
              Statement.var "delta" "confidence" Domain.confidence
              Statement.var "rho_delta" "interlayer smoothness (ARORA-D7)" Domain.nonNegative
              Statement.var "d" "number of layers" Domain.positiveInteger ]
        Hypotheses =
            [ rhoHypothesis; biasFree
              Hypothesis.NamedAssumption("fixed before S", "helper matrices and the value grid fixed before S; S i.i.d.") ]
        Notes =
            [ "EXACT statement; DERIVED verifier form. The paper's proof is a covering/Dudley argument, not Theorem 2.1; its O~ hides constants and logs, so the explicit form is a surrogate."
              "Also reported: q vs the actual parameter count, the Table-1 analogue c_i^2/(mu_i^2 mu_{i->}^2) per layer (nuisance factors dropped), and the plotted proxy (1/gamma^2) max ||f_A(x)||^2 sum_i c^2/(mu_i^2 mu_{i->}^2)."
              "A bound >= 1 is reported as vacuous (expected for MNIST MLPs)." ] }

/// ARORA-T4.1's mutant.
let t41Mutants =
    [ t41 |> Statement.mutateWith "minus-complexity" "complexity term subtracted instead of added" (fun s ->
          { s with Conclusion = Conclusion.WithProbability(surrogateBound (fun t -> Expr.zero - t), sym "delta", "S and Atilde") }) ]

/// ARORA-R4.1 (§4 after Lemma 3): measuring on a 1 − ζ fraction of S (outliers removed) costs an additive ζ; and
/// A − A_init may be compressed with the initialisation in the helper string.
let r41 =
    { Statement.create "ARORA-R4.1" "Outlier removal and compressing A - A_init" (cite "§4, after Lemma 3" None) [ Provenance.Exact; Provenance.Derived ]
        "The noise-stability quantities may be measured on a 1 - zeta fraction of S at the price of an additive zeta (Corollary A.1); dropping outliers can only shrink the bound's complexity term."
        (Conclusion.Deterministic(sym "proxy_zeta" <=. sym "proxy_0")) with
        ByConstruction = Some "each robust minimum is non-decreasing and each robust maximum non-increasing in zeta, so the proxy cannot grow when outliers are dropped"
        Variables =
            [ Statement.var "proxy_zeta" "Theorem 4.1 proxy (1/gamma^2) max ||f||^2 sum_i c^2/(mu_i^2 mu_{i->}^2) with every quantity on the 1 - zeta fraction of S" Domain.nonNegative
              Statement.var "proxy_0" "the same on the whole S" Domain.nonNegative
              Statement.var "zeta" "outlier fraction" Domain.probability ]
        Notes =
            [ "EXACT (paraphrase). DERIVED: each robust minimum is non-decreasing and each robust maximum non-increasing in zeta, so the proxy is non-increasing; the bound as a function of zeta (complexity term + zeta) is plotted."
              "Each quantity drops its own worst points; Corollary A.1 then charges at most the sum of the zetas (reported)."
              "A - A_init: the compression engine supports it (MatrixProject.CompressDelta); the verifier regenerates the initialisation from the seed a GenBounds model file records (drawn before any data, so a valid helper string) and reports ||A - A_init||_F/||A||_F and the helper counts it implies; files without a recorded seed (e.g. from PyTorch) get a note instead." ] }

/// ARORA-R4.1's mutant.
let r41Mutants = [ r41 |> Statement.reverse "reversed" "removing outliers never decreases the proxy (>= instead of <=)" ]
