/// The noise-stability half of Arora, Ge, Neyshabur, Zhang (ICML 2018), "Stronger Generalization Bounds for Deep Nets
/// via a Compression Approach" (arXiv 1802.05296v4), as data: the properties of §3 (Definitions 3–7), Remark 1, the
/// fully connected results of §4 (Lemma 3, Lemma 10, Theorem 4.1, the improvements after Lemma 3) and the CNN items of
/// §5 / App. C, which an MLP verifier catalogues but cannot check. Formulas and tags follow
/// /work/shared/lemmas/arora2018-compression.md; the compression-framework half lives in Arora2018Compression.fs.
module GenBounds.Proofs.Arora2018NoiseStability

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private paper = "Arora, Ge, Neyshabur, Zhang 2018"
let private cite section equation = { Source = paper; Section = section; Equation = equation }

let private biasFree = Hypothesis.NamedAssumption("bias-free", "fully connected ReLU net without biases (M^{i,j}(x^i) = J^{i,j} x^i needs positive homogeneity)")
let private onS = "Measured on the training sample S: every minimum/maximum uses the whole S the verifier is given; a subsample over-estimates cushions (optimistic)."
let private rhoHypothesis = Hypothesis.Condition(sym "rho_delta" >=. 3 * sym "d")
let private algorithm1 =
    Hypothesis.NamedAssumption("ALG1", "layer i compressed by Matrix-Project with eps_i = eps mu_i mu_{i->}/(6 c d), eta = delta/(6 d^2 h^2 m), in order 1..d")

let private layerVars =
    [ Statement.var "d" "number of layers" Domain.positiveInteger
      Statement.var "h" "largest width max_i h^i" Domain.positiveInteger
      Statement.var "m" "training-set size |S|" Domain.positiveInteger ]

// ---------------------------------------------------------------- §3: the noise-stability properties

/// ARORA-D3 (Definition 3): ψ_N(M, x) = E_η ‖M(x + η‖x‖) − M(x)‖²/‖M(x)‖², ψ_{N,S}(M) = max_{x∈S} ψ_N(M, x).
let d3 =
    { Statement.create "ARORA-D3" "Noise sensitivity" (cite "§3" (Some "Definition 3")) [ Provenance.Exact ]
        "The noise sensitivity of a map M at x is the expected squared relative change of M(x) under Gaussian noise scaled by ||x||; over S it is the maximum over the sample."
        (Conclusion.Deterministic(sym "psi_x" <=. sym "psi_S")) with
        Variables =
            [ Statement.var "psi_x" "Monte Carlo estimate of psi_N(M^{i,d}, x^i) at one training point (M^{i,d}: layer i's pre-activation to the output)" Domain.nonNegative
              Statement.var "psi_S" "psi_{N,S}(M^{i,d}) = max over S of psi_N(M^{i,d}, x)" Domain.nonNegative ]
        Notes =
            [ "EXACT. Definition only: the check is that the measured psi_S is the maximum (tight), with a Monte Carlo CI per sample; the noise is scaled by ||x||, so ||eta ||x|||| is about sqrt(h) times ||x||."
              "For a linear M = A^i the estimator is compared with the closed form ||A||_F^2 ||x||^2/||Ax||^2 (Proposition 3.1) = 1/(layer-cushion ratio)^2."
              onS ] }

/// ARORA-D4 (Definition 4 = Condition B.1.1): μ_i is the largest number with μ_i‖A^i‖_F‖φ(x^{i−1})‖ ≤ ‖A^iφ(x^{i−1})‖ on S.
let d4 =
    { Statement.create "ARORA-D4" "Layer cushion" (cite "§3.1" (Some "Definition 4")) [ Provenance.Exact; Provenance.Derived ]
        "The layer cushion mu_i is the largest number such that mu_i ||A^i||_F ||phi(x^{i-1})|| <= ||A^i phi(x^{i-1})|| for every x in S."
        (Conclusion.Deterministic(sym "mu_i" * sym "normA_F" * sym "normPhi" <=. sym "normAPhi")) with
        Variables =
            [ Statement.var "mu_i" "layer cushion mu_i (measured: the minimum ratio over S)" Domain.nonNegative
              Statement.var "normA_F" "||A^i||_F" Domain.positive
              Statement.var "normPhi" "||phi(x^{i-1})|| (x^0 itself for i = 1)" Domain.nonNegative
              Statement.var "normAPhi" "||A^i phi(x^{i-1})|| = ||x^i||" Domain.nonNegative ]
        Notes =
            [ "EXACT. 1/mu_i^2 is the Gaussian noise sensitivity of A^i at its inputs."
              "DERIVED random baseline: i.i.d. A independent of phi gives a ratio of about 1/sqrt(h^i) ... 1/sqrt(h^{i-1}) (E||Ax||^2 = ||A||_F^2 ||x||^2/h^{i-1} per row count): the synthetic mode is this baseline."
              "Paper (VGG-19, Fig. 2a): the cushion grows strongly with training."
              onS ] }

/// ARORA-D5 (Definition 5 with footnote 1): μ_{i→} = min_{i≤j≤d} μ_{i,j}, with μ_{i,i} = 1/√h^i.
let d5 =
    { Statement.create "ARORA-D5" "Minimal interlayer cushion" (cite "§3.1" (Some "Definition 5")) [ Provenance.Exact ]
        "The minimal interlayer cushion mu_{i->} is the largest number with mu_{i->} ||J^{i,j}_{x^i}||_F ||x^i|| <= ||J^{i,j}_{x^i} x^i|| for every x in S and every j >= i; J^{i,i} = I clips it at 1/sqrt(h^i)."
        (Conclusion.Deterministic(sym "mu_to" * sym "normJ_F" * sym "normx_i" <=. sym "normJx")) with
        Variables =
            [ Statement.var "mu_to" "mu_{i->} = min{1/sqrt(h^i), min_{j>i} mu_{i,j}} (measured on S)" Domain.nonNegative
              Statement.var "normJ_F" "||J^{i,j}_{x^i}||_F, exact (sqrt(h^i) for j = i)" Domain.nonNegative
              Statement.var "normx_i" "||x^i||" Domain.nonNegative
              Statement.var "normJx" "||J^{i,j}_{x^i} x^i|| (= ||x^j|| on a bias-free net)" Domain.nonNegative ]
        Hypotheses = [ biasFree ]
        Notes =
            [ "EXACT, arXiv range i <= j <= d (ICML prints 1 <= j <= d). Footnote 1: J^{i,i} = I gives mu_{i,i} = 1/sqrt(h^i), so the instance j = i is the clipping."
              "Jacobian Frobenius norms are exact (active-set products, BLAS), not Hutchinson estimates: a ratio of estimates inside a minimum is biased."
              "The unclipped mu_{i,j} (Figure 2b) are reported per pair as bindings."
              onS ] }

/// ARORA-D6 (Definition 6): c is the smallest number with ‖x^i‖ ≤ c‖φ(x^i)‖ for every hidden layer i and x ∈ S.
let d6 =
    { Statement.create "ARORA-D6" "Activation contraction" (cite "§3.1" (Some "Definition 6")) [ Provenance.Exact ]
        "The activation contraction c is the smallest number such that ||x^i|| <= c ||phi(x^i)|| for every layer i and every x in S."
        (Conclusion.Deterministic(sym "normx_i" <=. sym "c" * sym "normPhi_i")) with
        Variables =
            [ Statement.var "c" "activation contraction (measured: max ratio over hidden layers and S)" Domain.positive
              Statement.var "normx_i" "||x^i||" Domain.nonNegative
              Statement.var "normPhi_i" "||phi(x^i)||" Domain.nonNegative ]
        Notes =
            [ "EXACT. Layers: the hidden ones, i = 1..d-1 (phi is not applied to the output x^d; the paper does not say): our choice."
              "Table 1 uses a per-layer c_i = max_x ||x^i||/||phi(x^i)||: reported as bindings c_1..c_{d-1}."
              "Paper's intuition: half the ReLUs active, uncorrelated with magnitude, gives about sqrt(2)."
              onS ] }

/// ARORA-D7 (Definition 7, "largest" reading): with probability 1 − δ over the compression noise η, for all i < j and
/// x ∈ S: ‖M^{i,j}(x^i + η) − J^{i,j}_{x^i}(x^i + η)‖ ≤ ‖η‖‖x^j‖/(ρ_δ‖x^i‖).
let d7 =
    { Statement.create "ARORA-D7" "Interlayer smoothness" (cite "§3.1" (Some "Definition 7")) [ Provenance.Exact; Provenance.PaperIssue ]
        "rho_delta is the largest number such that, with probability 1 - delta over the noise eta from compressing lower layers, ||M^{i,j}(x^i + eta) - J^{i,j}_{x^i}(x^i + eta)|| <= ||eta|| ||x^j||/(rho_delta ||x^i||) for all i < j and x in S."
        (Conclusion.WithProbability(sym "rho_delta" * sym "normRes" * sym "normx_i" <=. sym "normEta" * sym "normx_j", sym "delta", "the Algorithm-1 compression of layers 1..i")) with
        Variables =
            [ Statement.var "rho_delta" "interlayer smoothness: certified value (largest rho whose failure count keeps the 99% Clopper-Pearson upper limit <= delta)" Domain.nonNegative
              Statement.var "normRes" "||M^{i,j}(x^i + eta) - J^{i,j}_{x^i}(x^i + eta)|| at the worst (i, j, x) of a draw" Domain.nonNegative
              Statement.var "normEta" "||eta|| = ||xhat^i - x^i||" Domain.nonNegative
              Statement.var "normx_i" "||x^i||" Domain.nonNegative
              Statement.var "normx_j" "||x^j||" Domain.nonNegative
              Statement.var "delta" "failure probability" Domain.confidence ]
        Hypotheses = [ biasFree; algorithm1 ]
        Notes =
            [ "PAPER-ISSUE: ICML says 'largest number such that', arXiv 'smallest'; the right side decreases in rho, so only 'largest' is meaningful; used here."
              "Noise model: layers 1..i replaced by the Gaussian surrogate of Matrix-Project at Lemma 3's eps_i (k_i = ln(1/eta)/eps_i^2), layers above clean; one draw compresses every layer, giving eta at every i."
              "Per draw R = min over i < j and x of ||eta|| ||x^j||/(||x^i|| ||residual||); the point estimate rhohat_delta is the empirical delta-quantile of R over draws with an order-statistic 99% CI; the checked rho_delta is the certified (smaller) order statistic."
              "On a bias-free ReLU net the residual is non-zero only through activation-pattern flips; draws without a flip have R = +infinity."
              onS ] }

// ---------------------------------------------------------------- Remark 1

/// ARORA-REM1 (Remark 1, arXiv): with activation patterns unchanged, compressing layer i changes the output from UAx
/// to UÂx exactly (U = J^{i,d}), which is what Lemma 2 bounds.
let rem1 =
    { Statement.create "ARORA-REM1" "Linearisation of a one-layer compression" (cite "§4, after Algorithm 1" (Some "Remark 1")) [ Provenance.Exact ]
        "If compressing layer i changes no activation pattern, the network output after compression is exactly U Ahat x, where U is the Jacobian of the output with respect to the layer output."
        (Conclusion.Deterministic(sym "relDisc" <=. Expr.zero)) with
        Variables =
            [ Statement.var "relDisc" "||f_{Ahat^i}(x) - U Ahat^i phi(x^{i-1})|| / ||f(x)||, U = J^{i,d}_{x^i} at the clean pattern" Domain.nonNegative ]
        Hypotheses = [ biasFree; Hypothesis.NamedAssumption("no flips", "activation patterns of layers i..d-1 unchanged by the compression of layer i") ]
        Tolerance = { Absolute = 1e-9; Relative = 0.0 }
        Notes =
            [ "EXACT (remark). Checked per layer and training point on the points whose pattern did not change; the fraction of flipped points and the discrepancy on them (what Lemma 2 does not cover) are reported."
              "Ahat^i: Gaussian surrogate of Matrix-Project at Lemma 3's eps_i." ] }

// ---------------------------------------------------------------- §4: fully connected nets

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
            [ Statement.var "L0tilde" "L_0(f_Atilde): held-out error of the compressed net (99% Clopper-Pearson lower limit, so that only a certain excess counts)" Domain.probability
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

/// ARORA-R4.1 (§4 after Lemma 3): measuring on a 1 − ζ fraction of S (outliers removed) costs an additive ζ; and
/// A − A_init may be compressed with the initialisation in the helper string.
let r41 =
    { Statement.create "ARORA-R4.1" "Outlier removal and compressing A - A_init" (cite "§4, after Lemma 3" None) [ Provenance.Exact; Provenance.Derived ]
        "The noise-stability quantities may be measured on a 1 - zeta fraction of S at the price of an additive zeta (Corollary A.1); dropping outliers can only shrink the bound's complexity term."
        (Conclusion.Deterministic(sym "proxy_zeta" <=. sym "proxy_0")) with
        Variables =
            [ Statement.var "proxy_zeta" "Theorem 4.1 proxy (1/gamma^2) max ||f||^2 sum_i c^2/(mu_i^2 mu_{i->}^2) with every quantity on the 1 - zeta fraction of S" Domain.nonNegative
              Statement.var "proxy_0" "the same on the whole S" Domain.nonNegative
              Statement.var "zeta" "outlier fraction" Domain.probability ]
        Notes =
            [ "EXACT (paraphrase). DERIVED: each robust minimum is non-decreasing and each robust maximum non-increasing in zeta, so the proxy is non-increasing; the bound as a function of zeta (complexity term + zeta) is plotted."
              "Each quantity drops its own worst points; Corollary A.1 then charges at most the sum of the zetas (reported)."
              "A - A_init: the compression engine supports it (MatrixProject.CompressDelta); the verifier regenerates the initialisation from the seed a GenBounds model file records (drawn before any data, so a valid helper string) and reports ||A - A_init||_F/||A||_F and the helper counts it implies; files without a recorded seed (e.g. from PyTorch) get a note instead." ] }

// ---------------------------------------------------------------- §5 and App. C (CNNs): catalogued, not checkable

let private cnnReason = "CNN statement; the verifier checks bias-free MLPs (dense layers: beta = 1, ceil(kappa/s) = 1 reduce it to the fully connected case)"

let private notYet id name section equation informal conclusion notes =
    { Statement.create id name (cite section equation) [ Provenance.Exact ] informal conclusion with
        Checkability = Checkability.NotYetCheckable cnnReason
        Notes = notes }

/// CNN items: Theorem 5.1, Definitions 8–11, Algorithm 4, Lemmas 11–15, Claim 1, Corollaries C.1–C.2.
let notYetCheckable =
    [ notYet "ARORA-T5.1" "Convolutional nets" "§5, App. C.2" (Some "Theorem 5.1")
        "For a CNN with rho_delta >= 3d, Algorithm 4 gives L_0(f_Atilde) <= Lhat_gamma(f_A) + O~(sqrt(c^2 d^2 max ||f||^2 sum_i beta^2 ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)/(gamma^2 m)))."
        (Conclusion.WithProbability(sym "L0tilde" <=. sym "Lhat_gamma" + sqrt (sym "q" / sym "m"), sym "delta", "S and Atilde"))
        [ "Per-location independent compression costs n_1 n_2 times more parameters; the fix is p-wise independent compressed filters." ]
      notYet "ARORA-D8" "Convolutional interlayer cushion" "§5" (Some "Definition 8")
        "mu_{i,j} is the largest number with mu_{i,j} ||J||_F ||x^i||/sqrt(n_1^i n_2^i) <= ||J x^i|| on S."
        (Conclusion.Deterministic(sym "mu_ij" * sym "normJ_F" * sym "normx_i" / sqrt (sym "n_1" * sym "n_2") <=. sym "normJx")) []
      notYet "ARORA-D9" "Well-distributed Jacobian" "§5" (Some "Definition 9")
        "J^{i,j}_x is beta well-distributed if every location slice has Frobenius norm at most beta/sqrt(n_1 n_2) times ||J||_F."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normJ_F"))
        [ "Paper (Fig. A.5): beta is about 1 for almost all VGG-19 layers." ]
      notYet "ARORA-C.ALG4" "Matrix-Project-Conv" "App. C" (Some "Algorithm 4")
        "Per location, k Gaussian tensors projected on a shared random subspace of dimension kp, k = Q ceil(kappa/s)^2 log(1/eta)/eps^2, p = log(1/eta)."
        (Conclusion.WithProbability(sym "err" <=. sym "epsilon", sym "eta", "the helper tensors")) []
      notYet "ARORA-C.L11" "Conv compression is storable" "App. C" (Some "Lemma 11")
        "All location filters are computable from Proj_S(A) (kp parameters) and the helper string."
        (Conclusion.Deterministic(sym "storedParameters" <=. sym "k" * sym "p")) []
      notYet "ARORA-C.L12" "p-wise independence of location filters" "App. C" (Some "Lemma 12")
        "The location filters are p-wise independent with spherical Gaussian marginals."
        (Conclusion.Deterministic(sym "dependence" <=. Expr.zero)) []
      notYet "ARORA-C.D10" "Well-distributed matrix" "App. C" (Some "Definition 10")
        "U is beta well-distributed if ||U_{:,j,k,:}||_F <= beta/sqrt(n_1' n_2') ||U||_F."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normU_F")) []
      notYet "ARORA-C.L13" "Conv Matrix-Project error" "App. C" (Some "Lemma 13")
        "Conv analogue of Lemma 2 with the factor eps beta/sqrt(n_1' n_2')."
        (Conclusion.WithProbability(sym "err" <=. sym "epsilon" * sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "scale", sym "delta", "the helper tensors")) []
      notYet "ARORA-C.L14" "Compressed CNN: output error" "App. C" (Some "Lemma 14")
        "Conv analogue of Lemma 3 with O~(c^2 d^2 beta^2/eps^2 sum_i ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)) parameters."
        (Conclusion.WithProbability(sym "maxRelErr" <=. sym "epsilon", sym "delta" / 2, "Atilde")) []
      notYet "ARORA-C.D11" "Subexponential variable" "App. C.3" (Some "Definition 11")
        "X is sigma-subexponential if E|X - EX|^k <= sigma^k k^k for every k."
        (Conclusion.Deterministic(sym "moment_k" <=. sym "sigma" ** sym "k" * sym "k" ** sym "k")) []
      notYet "ARORA-C.L15" "Sums of p-wise independent subexponentials" "App. C.3" (Some "Lemma 15")
        "E[(X - EX)^p] <= (3 sigma)^p (2p)^p and P[|X - EX| >= 6 sigma p t] <= t^-p."
        (Conclusion.Deterministic(sym "tail" <=. sym "t" ** (-(sym "p"))))
        [ "Self-contained; could be unit-tested on synthetic p-wise independent sums." ]
      notYet "ARORA-C.CLAIM1" "Claim 1" "App. C.3" (Some "Claim 1")
        "Auxiliary moment claim for Lemma 15."
        (Conclusion.Deterministic(sym "moment" <=. sym "bound")) []
      notYet "ARORA-C.COR1" "CNN bound with outliers removed" "App. C" (Some "Corollary C.1")
        "Theorem 5.1 with the properties measured on a 1 - zeta fraction of S, plus zeta."
        (Conclusion.WithProbability(sym "L0tilde" <=. sym "Lhat_gamma" + sym "zeta" + sqrt (sym "q" / sym "m"), sym "delta", "S and Atilde")) []
      notYet "ARORA-C.COR2" "Vector version of Lemma 15" "App. C.3" (Some "Corollary C.2")
        "Vector analogue of the p-wise independent subexponential tail."
        (Conclusion.Deterministic(sym "tail" <=. sym "t" ** (-(sym "p")))) [] ]

/// Every checkable statement, in catalog order.
let checkable = [ d3; d4; d5; d6; d7; rem1; l3; l10; t41; r41 ]

/// The noise-stability half of the catalog.
let statements = checkable @ notYetCheckable

let private scaled (name: string) (factor: Expr) = Relation.substitute name (factor * sym name)

/// Deliberately wrong variants: each is false on trained and random bias-free MLPs, so the checker must reject it.
let mutants =
    [ d3 |> Statement.mutate "psi-shrunk" "psi_S divided by 1.5 (no longer the maximum)" (scaled "psi_S" (frac 2 3))
      d4 |> Statement.mutate "mu-1.5" "mu_i scaled up by 1.5 (larger than the minimum ratio)" (scaled "mu_i" (frac 3 2))
      d5 |> Statement.mutate "mu-1.5" "mu_{i->} scaled up by 1.5 (above the clipping 1/sqrt(h^i))" (scaled "mu_to" (frac 3 2))
      d6 |> Statement.mutate "c-shrunk" "c divided by 1.5" (scaled "c" (frac 2 3))
      d7 |> Statement.mutate "rho-100" "rho_delta scaled up by 100" (scaled "rho_delta" (num 100))
      rem1 |> Statement.dropHypotheses "flips" "linearisation claimed exact on every point, flipped patterns included" (function
          | Hypothesis.NamedAssumption("no flips", _) -> true
          | _ -> false)
      l3 |> Statement.mutate "eps-1000" "output error eps/1000 at the same k_i (the lemma's constants are loose by about 100x, not 1000x)" (scaled "epsilon" (frac 1 1000))
      l10 |> Statement.mutate "gamma-1000" "closeness gamma/(1000 sqrt 2) instead of gamma/sqrt 2 at the same compression" (scaled "gamma" (frac 1 1000))
      t41 |> Statement.mutateWith "minus-complexity" "complexity term subtracted instead of added" (fun s ->
          { s with Conclusion = Conclusion.WithProbability(surrogateBound (fun t -> Expr.zero - t), sym "delta", "S and Atilde") })
      r41 |> Statement.mutate "reversed" "removing outliers never decreases the proxy (>= instead of <=)" (fun r ->
          let a, b = Relation.sides r in Relation.Ge(a, b)) ]
