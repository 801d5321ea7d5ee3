/// Arora et al. (2018) §3: the noise-stability properties of a network (Definitions 3–7) and Remark 1. Definitions
/// 3–7 are measured on the network: each binds its quantity as the extreme of the ratios it compares, so it holds by
/// construction and is reported as a measurement.
module GenBounds.Proofs.Arora2018.NoiseStability

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

/// ARORA-D3 (Definition 3): ψ_N(M, x) = E_η ‖M(x + η‖x‖) − M(x)‖²/‖M(x)‖², ψ_{N,S}(M) = max_{x∈S} ψ_N(M, x).
let d3 =
    { Statement.create "ARORA-D3" "Noise sensitivity" (cite "§3" (Some "Definition 3")) [ Provenance.Exact ]
        "The noise sensitivity of a map M at x is the expected squared relative change of M(x) under Gaussian noise scaled by ||x||; over S it is the maximum over the sample."
        (Conclusion.Deterministic(sym "psi_x" <=. sym "psi_S")) with
        Role = Role.Definition
        ByConstruction = Some "psi_S is bound as the maximum over S of the very estimates psi_x it is compared with"
        Variables =
            [ Statement.var "psi_x" "Monte Carlo estimate of psi_N(M^{i,d}, x^i) at one training point (M^{i,d}: layer i's pre-activation to the output)" Domain.nonNegative
              Statement.var "psi_S" "psi_{N,S}(M^{i,d}) = max over S of psi_N(M^{i,d}, x)" Domain.nonNegative ]
        Notes =
            [ "EXACT. Definition only: the check is that the measured psi_S is the maximum (tight), with a Monte Carlo CI per sample; the noise is scaled by ||x||, so ||eta ||x|||| is about sqrt(h) times ||x||."
              "For a linear M = A^i the estimator is compared with the closed form ||A||_F^2 ||x||^2/||Ax||^2 (Proposition 3.1) = 1/(layer-cushion ratio)^2."
              onS ] }

/// ARORA-D3's mutant.
let d3Mutants = [ d3 |> Statement.mutate "psi-shrunk" "psi_S divided by 1.5 (no longer the maximum)" (scaled "psi_S" (frac 2 3)) ]

/// ARORA-D4 (Definition 4 = Condition B.1.1): μ_i is the largest number with μ_i‖A^i‖_F‖φ(x^{i−1})‖ ≤ ‖A^iφ(x^{i−1})‖ on S.
let d4 =
    { Statement.create "ARORA-D4" "Layer cushion" (cite "§3.1" (Some "Definition 4")) [ Provenance.Exact; Provenance.Derived ]
        "The layer cushion mu_i is the largest number such that mu_i ||A^i||_F ||phi(x^{i-1})|| <= ||A^i phi(x^{i-1})|| for every x in S."
        (Conclusion.Deterministic(sym "mu_i" * sym "normA_F" * sym "normPhi" <=. sym "normAPhi")) with
        Role = Role.Definition
        ByConstruction = Some "mu_i is bound as the minimum over S of the very ratios ||A phi||/(||A||_F ||phi||) it is compared with"
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

/// ARORA-D4's mutant.
let d4Mutants = [ d4 |> Statement.mutate "mu-1.5" "mu_i scaled up by 1.5 (larger than the minimum ratio)" (scaled "mu_i" (frac 3 2)) ]

/// ARORA-D5 (Definition 5 with footnote 1): μ_{i→} = min_{i≤j≤d} μ_{i,j}, with μ_{i,i} = 1/√h^i.
let d5 =
    { Statement.create "ARORA-D5" "Minimal interlayer cushion" (cite "§3.1" (Some "Definition 5")) [ Provenance.Exact ]
        "The minimal interlayer cushion mu_{i->} is the largest number with mu_{i->} ||J^{i,j}_{x^i}||_F ||x^i|| <= ||J^{i,j}_{x^i} x^i|| for every x in S and every j >= i; J^{i,i} = I clips it at 1/sqrt(h^i)."
        (Conclusion.Deterministic(sym "mu_to" * sym "normJ_F" * sym "normx_i" <=. sym "normJx")) with
        Role = Role.Definition
        ByConstruction = Some "mu_{i->} is bound as the minimum over S and j of the very ratios it is compared with (clipped at 1/sqrt(h^i))"
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

/// ARORA-D5's mutant.
let d5Mutants = [ d5 |> Statement.mutate "mu-1.5" "mu_{i->} scaled up by 1.5 (above the clipping 1/sqrt(h^i))" (scaled "mu_to" (frac 3 2)) ]

/// ARORA-D6 (Definition 6): c is the smallest number with ‖x^i‖ ≤ c‖φ(x^i)‖ for every hidden layer i and x ∈ S.
let d6 =
    { Statement.create "ARORA-D6" "Activation contraction" (cite "§3.1" (Some "Definition 6")) [ Provenance.Exact ]
        "The activation contraction c is the smallest number such that ||x^i|| <= c ||phi(x^i)|| for every layer i and every x in S."
        (Conclusion.Deterministic(sym "normx_i" <=. sym "c" * sym "normPhi_i")) with
        Role = Role.Definition
        ByConstruction = Some "c is bound as the maximum over hidden layers and S of the very ratios ||x^i||/||phi(x^i)|| it is compared with"
        Variables =
            [ Statement.var "c" "activation contraction (measured: max ratio over hidden layers and S)" Domain.positive
              Statement.var "normx_i" "||x^i||" Domain.nonNegative
              Statement.var "normPhi_i" "||phi(x^i)||" Domain.nonNegative ]
        Notes =
            [ "EXACT. Layers: the hidden ones, i = 1..d-1 (phi is not applied to the output x^d; the paper does not say): our choice."
              "Table 1 uses a per-layer c_i = max_x ||x^i||/||phi(x^i)||: reported as bindings c_1..c_{d-1}."
              "Paper's intuition: half the ReLUs active, uncorrelated with magnitude, gives about sqrt(2)."
              onS ] }

/// ARORA-D6's mutant.
let d6Mutants = [ d6 |> Statement.mutate "c-shrunk" "c divided by 1.5" (scaled "c" (frac 2 3)) ]

/// ARORA-D7 (Definition 7, "largest" reading): with probability 1 − δ over the compression noise η, for all i < j and
/// x ∈ S: ‖M^{i,j}(x^i + η) − J^{i,j}_{x^i}(x^i + η)‖ ≤ ‖η‖‖x^j‖/(ρ_δ‖x^i‖).
let d7 =
    { Statement.create "ARORA-D7" "Interlayer smoothness" (cite "§3.1" (Some "Definition 7")) [ Provenance.Exact; Provenance.PaperIssue ]
        "rho_delta is the largest number such that, with probability 1 - delta over the noise eta from compressing lower layers, ||M^{i,j}(x^i + eta) - J^{i,j}_{x^i}(x^i + eta)|| <= ||eta|| ||x^j||/(rho_delta ||x^i||) for all i < j and x in S."
        (Conclusion.WithProbability(sym "rho_delta" * sym "normRes" * sym "normx_i" <=. sym "normEta" * sym "normx_j", sym "delta", "the Algorithm-1 compression of layers 1..i")) with
        Role = Role.Definition
        ByConstruction = Some "rho_delta is bound as the certified order statistic of the per-draw R over the very draws it is checked on (the largest whose failure count keeps the Clopper-Pearson upper limit at most delta)"
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

/// ARORA-D7's mutant.
let d7Mutants = [ d7 |> Statement.mutate "rho-100" "rho_delta scaled up by 100" (scaled "rho_delta" (num 100)) ]

/// ARORA-REM1 (Remark 1, arXiv): with activation patterns unchanged, compressing layer i changes the output from UAx
/// to UÂx exactly (U = J^{i,d}), which is what Lemma 2 bounds.
let rem1 =
    { Statement.create "ARORA-REM1" "Linearisation of a one-layer compression" (cite "§4, after Algorithm 1" (Some "Remark 1")) [ Provenance.Exact ]
        "If compressing layer i changes no activation pattern, the network output after compression is exactly U Ahat x, where U is the Jacobian of the output with respect to the layer output."
        (Conclusion.Deterministic(sym "relDisc" <=. Expr.zero)) with
        Variables =
            [ Statement.var "relDisc" "||f_{Ahat^i}(x) - U Ahat^i phi(x^{i-1})|| / ||f(x)||, U = J^{i,d}_{x^i} at the clean pattern" Domain.nonNegative
              Statement.var "flipped" "1 if the compression of layer i changed an activation of layers i..d-1 at x, else 0" (Domain.integer 0 1) ]
        Hypotheses = [ biasFree; Hypothesis.Restriction(sym "flipped" <=. Expr.zero) ]
        Tolerance = { Absolute = 1e-9; Relative = 0.0 }
        Notes =
            [ "EXACT (remark). Checked per layer and training point on the points whose pattern did not change; the fraction of flipped points and the discrepancy on them (what Lemma 2 does not cover) are reported."
              "Ahat^i: Gaussian surrogate of Matrix-Project at Lemma 3's eps_i." ] }

/// ARORA-REM1's mutant: without the restriction to unflipped points the linearisation is claimed exact everywhere.
let rem1Mutants =
    [ rem1 |> Statement.dropHypotheses "flips" "linearisation claimed exact on every point, flipped patterns included" (function
          | Hypothesis.Restriction _ -> true
          | _ -> false) ]
