/// The compression-framework and algorithm items of Arora, Ge, Neyshabur, Zhang (ICML 2018), "Stronger Generalization
/// Bounds for Deep Nets via a Compression Approach" (arXiv 1802.05296v4), as data: Definitions 1–2, Theorems 2.1–2.2,
/// Corollary A.1, the §2.1 example, Algorithms 1–3 with Lemmas 1, 2, 4–9 and Proposition 3.1. Formulas and tags follow
/// /work/shared/lemmas/arora2018-compression.md; the network-level noise-stability items (D3–D7, L3, L10, T4.1, …) are
/// catalogued separately. Algorithm parameters that the paper fixes (k of Algorithms 1 and 3) are hypotheses of the form
/// k ≥ C·ln(1/η)/ε², so the checker reads the helper count from the statement itself and a mutant can change C.
module GenBounds.Proofs.Arora2018Compression

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

let private ln (x: Expr) = Expr.ln x
let private paper = "Arora, Ge, Neyshabur, Zhang 2018"
let private cite section equation = { Source = paper; Section = section; Equation = equation }

let private gamma = sym "gamma"
let private eta = sym "eta"
let private eps = sym "epsilon"
let private delta = sym "delta"

let private noBiases = Hypothesis.NamedAssumption("no biases", "bias-free ReLU network (positive homogeneity; catalog §1 note ii)")
let private fixedBeforeS = Hypothesis.NamedAssumption("fixed before S", "helper string (random matrices/vectors) and parameter grid fixed before the sample S is seen")
let private independentProbe = Hypothesis.NamedAssumption("fixed u", "the test vector u (or pair u, v) is fixed, independent of the algorithm's coins/helpers")

let private probability name description = Statement.var name description Domain.probability
let private nonNeg name description = Statement.var name description Domain.nonNegative

// ---------------------------------------------------------------- §2: compression framework

/// ARORA-D1 (Definition 1): f is (γ, S)-compressible via G_A if some g_A is within γ of f on every coordinate of every
/// x ∈ S. A definition: the check measures it for a concrete g (the Lemma-1 truncation of Theorem 2.2 at target γ).
let d1 =
    { Statement.create "ARORA-D1" "(gamma, S)-compressible" (cite "§2" (Some "Definition 1")) [ Provenance.Exact ]
        "f is (gamma, S)-compressible via G_A if some g_A in G_A satisfies |f(x)[y] - g_A(x)[y]| <= gamma for every x in S and every coordinate y."
        (Conclusion.Deterministic(sym "maxAbsDiff" <=. gamma)) with
        Variables =
            [ nonNeg "maxAbsDiff" "max over x in S and y in [k] of |f(x)[y] - g(x)[y]|"
              Statement.var "gamma" "compression tolerance" Domain.positive ]
        Notes =
            [ "Definition: the verdict says whether the concrete g tested (Theorem 2.2's Lemma-1 truncation at target gamma) witnesses compressibility; it is a measurement, not a theorem check."
              "All k output coordinates are compared (not only the true class)." ] }

/// ARORA-D2 (Definition 2): compressibility with a helper string fixed before S. A property of the procedure.
let d2 =
    { Statement.create "ARORA-D2" "(gamma, S)-compressible with a helper string" (cite "§2" (Some "Definition 2")) [ Provenance.Exact ]
        "As Definition 1, for G_{A,s} = {g_{A,s}} with a helper string s that is arbitrary but fixed before the training sample is seen."
        (Conclusion.Deterministic(sym "maxAbsDiff" <=. gamma)) with
        Variables = [ nonNeg "maxAbsDiff" "max over x in S, y of |f(x)[y] - g_{A,s}(x)[y]|"; Statement.var "gamma" "tolerance" Domain.positive ]
        Hypotheses = [ fixedBeforeS ]
        Checkability =
            Checkability.NotYetCheckable
                "a property of the procedure, not of numbers: no finite set of outputs shows that s did not depend on S. The verifier enforces it by construction (every helper matrix/vector/grid is drawn from a named stream verify/<id>/<mode>/... of the master seed, which the data subset never enters)"
        Notes = [ "A helper that depends on S invalidates the union bound of Theorem 2.1." ] }

let private t21Vars marginName marginText =
    [ probability "L0g" "classification error of the compressed classifier g (population, or held-out estimate)"
      probability marginName marginText
      Statement.var "q" "number of parameters of the compression" Domain.positiveInteger
      Statement.var "r" "values per parameter" Domain.positiveInteger
      Statement.var "m" "training-set size" Domain.positiveInteger
      Statement.var "delta" "confidence" Domain.confidence ]

let private hoeffding = sqrt ((sym "q" * ln (sym "r") + ln (1 / delta)) / (2 * sym "m"))

let private t21Hypotheses =
    [ Hypothesis.NamedAssumption("S i.i.d.", "the m training points are drawn i.i.d.")
      fixedBeforeS
      Hypothesis.NamedAssumption("D1", "f is (gamma, S)-compressible via g (per-coordinate closeness gamma on S)") ]

/// ARORA-T2.1 as stated: margin γ. The O(·) is made explicit with the paper's own proof (App. A.1: Hoeffding + union
/// bound over r^q configurations), which is what the statement claims once its constant is written out.
let t21 =
    { Statement.create "ARORA-T2.1" "Compression implies generalization (stated form, margin gamma)" (cite "§2, App. A.1" (Some "Theorem 2.1"))
        [ Provenance.Exact; Provenance.PaperIssue ]
        "If f is (gamma, S)-compressible via G_{A,s} (q parameters, r values each), then with high probability L_0(g_A) <= Lhat_gamma(f) + O(sqrt(q log r / m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym "Lhat_gamma" + hoeffding, delta, "S")) with
        Variables = t21Vars "Lhat_gamma" "empirical margin loss of f at margin gamma on S"
        Hypotheses = t21Hypotheses
        Notes =
            [ "EXACT: O(sqrt(q log r/m)) written with the constants of the paper's proof (Hoeffding e^{-2 tau^2 m}, union over r^q), i.e. sqrt((q ln r + ln(1/delta))/(2m))."
              "PAPER-ISSUE (factor 2 in the margin): per-coordinate closeness gamma only gives margin(g) > margin(f) - 2 gamma, so the proof step 'Lhat_0(g) <= Lhat_gamma(f)' is false in general. Counter-example: f = (gamma + e, 0), g = (e, gamma). The verifier reports the slip with a witness."
              "The bound is for g_A, not for f (Remark R2.1)." ] }

/// ARORA-T2.1 in the verifier form (DERIVED): margin 2γ under Definition 1.
let t21Corrected =
    { Statement.create "ARORA-T2.1-2gamma" "Compression implies generalization (verifier form, margin 2 gamma)" (cite "§2, App. A.1" (Some "Theorem 2.1"))
        [ Provenance.Derived; Provenance.PaperIssue ]
        "With probability at least 1 - delta over S: L_0(g_A) <= Lhat_{2 gamma}(f) + sqrt((q ln r + ln(1/delta))/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym "Lhat_2gamma" + hoeffding, delta, "S")) with
        Variables = t21Vars "Lhat_2gamma" "empirical margin loss of f at margin 2 gamma on S"
        Hypotheses = t21Hypotheses
        Notes =
            [ "DERIVED: Hoeffding for each fixed A, union bound over r^q configurations, and Lhat_0(g) <= Lhat_2gamma(f) under per-coordinate closeness gamma (the corrected step; Lemma 10 does it right in l2 with gamma/sqrt 2)."
              "Reported Vacuous when the bound is >= 1." ] }

/// ARORA-CA.1 (Corollary A.1) in verifier form: compression that fails on a ζ fraction of S costs an additive ζ.
let ca1 =
    { Statement.create "ARORA-CA.1" "Compression failing on a fraction of the sample" (cite "App. A.1" (Some "Corollary A.1"))
        [ Provenance.Exact; Provenance.Derived; Provenance.PaperIssue ]
        "If the compression works for a 1 - zeta fraction of S, then w.h.p. L_0(g_A) <= Lhat_{2 gamma}(f) + zeta + sqrt((q ln r + ln(1/delta))/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym "Lhat_2gamma" + sym "zeta" + hoeffding, delta, "S")) with
        Variables = t21Vars "Lhat_2gamma" "empirical margin loss of f at margin 2 gamma on S" @ [ probability "zeta" "fraction of S where max_y |f(x)[y] - g(x)[y]| > gamma" ]
        Hypotheses = t21Hypotheses |> List.filter (function Hypothesis.NamedAssumption("D1", _) -> false | _ -> true)
        Notes =
            [ "EXACT (proof: Lhat_0(g) <= Lhat_gamma(f) + zeta); the same factor-2 PAPER-ISSUE as Theorem 2.1, so the verifier form uses 2 gamma (DERIVED)."
              "zeta is measured: the fraction of training points where per-coordinate closeness gamma fails." ] }

/// ARORA-R2.1 (remarks after Theorem 2.1): not a mathematical claim.
let r21 =
    { Statement.create "ARORA-R2.1" "Remarks after Theorem 2.1" (cite "§2" None) [ Provenance.Exact ]
        "(1) The bound is for g_A, not f, unless the two are close on the whole domain; (2) no fixed hypothesis class is used; (3) PAC-Bayes bounds a noised f; (4, ICML) showing the Section-3 properties beyond S would remove (1)."
        (Conclusion.Deterministic(sym "L0g" <=. sym "L0g")) with
        Checkability = Checkability.NotYetCheckable "a remark, not an inequality; recorded. Every verifier note on T2.1/CA.1 states that the bound is for g, not f."
        Notes = [ "Open question (4) is not checkable on finitely many points." ] }

// ---------------------------------------------------------------- §2.1 and App. A.2: vector compression

/// ARORA-EX1 (§2.1): the main-text coin rule (heads with probability 8c_i²/γ², value γ²/(8c_i)) is Algorithm 2 at
/// η = 1/4; its expected number of nonzeros is Σ min(1, 8c_i²/γ²) ≤ 8/γ² for ‖c‖ = 1.
let ex1 =
    { Statement.create "ARORA-EX1" "Linear classifiers with margin: the coin rule" (cite "§2.1" None) [ Provenance.Exact; Provenance.Derived ]
        "The main-text rule keeps coordinate i with probability 8 c_i^2/gamma^2 (value gamma^2/(8 c_i)); it is Vector-Compress with eta = 1/4 and keeps at most 8/gamma^2 coordinates in expectation."
        (Conclusion.Deterministic(sym "ENnz" <=. 8 / gamma ** 2)) with
        Variables =
            [ nonNeg "ENnz" "expected nonzeros sum_i min(1, 8 c_i^2/gamma^2) (exact, no sampling)"
              Statement.var "gamma" "margin" Domain.positive ]
        Hypotheses = [ Hypothesis.NamedAssumption("unit c", "||c|| = 1") ]
        Tolerance = Accuracy.VeryHigh
        Notes =
            [ "DERIVED arithmetic: 8c_i^2/gamma^2 = 2c_i^2/(eta gamma^2) at eta = 1/4 and gamma^2/(8 c_i) = c_i/p_i; the check confirms both identities coordinate by coordinate (notes) and evaluates the expected nnz exactly."
              "The main text's O(log d/gamma^2) after discretization is a rate (not checked)." ] }

let private probeVars =
    [ nonNeg "dev" "|chat^T u - c^T u|"
      Statement.var "gamma" "accuracy gamma" Domain.positive
      Statement.var "eta" "failure probability eta" Domain.confidence ]

/// ARORA-L4 (Algorithm 2 Vector-Compress, Lemma 4): for fixed u, |ĉᵀu − cᵀu| ≤ γ with probability ≥ 1 − η.
let l4 =
    { Statement.create "ARORA-L4" "Vector-Compress (Algorithm 2, Lemma 4)" (cite "App. A.2" (Some "Algorithm 2, Lemma 4")) [ Provenance.Exact; Provenance.Derived ]
        "Vector-Compress keeps c_i with probability p_i = 2c_i^2/(eta gamma^2) and rescales by 1/p_i; for a fixed u, |chat^T u - c^T u| <= gamma with probability at least 1 - eta."
        (Conclusion.WithProbability(sym "dev" <=. gamma, eta, "the coins of Algorithm 2")) with
        Variables = probeVars
        Hypotheses = [ Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe ]
        Notes =
            [ "DERIVED constants: Var(chat_i) = c_i^2(1 - p_i)/p_i <= eta gamma^2/2, so Chebyshev gives failure <= eta/2 and E nnz = sum p_i <= 2/(eta gamma^2); both are reported."
              "p_i capped at 1 (the paper is silent when 2c_i^2 > eta gamma^2)." ] }

/// ARORA-L5 (Lemma 5): the discretised Vector-Compress keeps the guarantee.
let l5 =
    { Statement.create "ARORA-L5" "Discretized Vector-Compress (Lemma 5)" (cite "App. A.2" (Some "Lemma 5")) [ Provenance.Exact; Provenance.PaperIssue ]
        "ctilde = Vector-Compress(gamma/2, c); entries with |ctilde_i| >= 2 eta gamma sqrt h are zeroed, the rest rounded to multiples of gamma/(2 sqrt h); for fixed u, |chat^T u - c^T u| <= gamma with probability >= 1 - eta."
        (Conclusion.WithProbability(sym "dev" <=. gamma, eta, "the coins of Algorithm 2")) with
        Variables = probeVars
        Hypotheses = [ Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe ]
        Notes =
            [ "PAPER-ISSUE: the printed equivalence '|ctilde_i| >= 2 eta gamma sqrt h iff |c_i| <= gamma/(4 sqrt h)' holds with gamma/(16 sqrt h) (|ctilde_i| = eta gamma^2/(8|c_i|)); see ARORA-L5-threshold. The conclusion is checked, not the intermediate thresholds."
              "FINDING: read literally, the threshold |ctilde_i| >= 2 eta gamma sqrt h also zeroes large coordinates kept with p_i = 1 (then ctilde_i = c_i), which breaks the conclusion on trained rows with a few large entries; the check applies it to p_i < 1 (the evident intent: it targets tiny c_i whose rescaled values blow up) and reports the literal rule's failure count." ] }

/// ARORA-L5-threshold: the printed equivalence inside the proof of Lemma 5, as a checkable claim (it is false).
let l5Threshold =
    { Statement.create "ARORA-L5-threshold" "Threshold equivalence in the proof of Lemma 5" (cite "App. A.2" (Some "Lemma 5, proof")) [ Provenance.Exact; Provenance.PaperIssue ]
        "For every sampled coordinate: |ctilde_i| >= 2 eta gamma sqrt h iff |c_i| <= gamma/(4 sqrt h)."
        (Conclusion.Deterministic(sym "mismatches" <=. Expr.zero)) with
        Variables = [ nonNeg "mismatches" "sampled coordinates where the two sides of the printed equivalence disagree" ]
        Notes =
            [ "PAPER-ISSUE: with p_i = 8c_i^2/(eta gamma^2), |ctilde_i| = eta gamma^2/(8|c_i|) >= 2 eta gamma sqrt h iff |c_i| <= gamma/(16 sqrt h). Coordinates with gamma/(16 sqrt h) < |c_i| <= gamma/(4 sqrt h) witness the slip; the lemma's conclusion survives (ARORA-L5)." ] }

/// ARORA-L6 (Lemma 6): rate only.
let l6 =
    { Statement.create "ARORA-L6" "Generalization of the sparsified vector (Lemma 6)" (cite "App. A.2" (Some "Lemma 6")) [ Provenance.Exact ]
        "With eta = (1/(gamma^2 m))^(1/3) and Corollary A.1: L(chat) <= Otilde((1/(gamma^2 m))^(1/3))."
        (Conclusion.Deterministic(sym "L" <=. (1 / (gamma ** 2 * sym "m")) ** frac 1 3)) with
        Checkability = Checkability.NotYetCheckable "an asymptotic rate with hidden constants and logs (Otilde): only arithmetic is possible; the check evaluates eta and the rate for the context's m and gamma"
        Notes = [ "The m^(-1/3) rate comes from the lack of a high-probability guarantee in Lemma 4." ] }

/// ARORA-L7 (Algorithm 3 Vector-Project, Lemma 7; JL part): with k = 16 ln(1/η)/γ², |ĉᵀu − cᵀu| ≤ γ/2 w.p. ≥ 1 − η.
let l7 =
    { Statement.create "ARORA-L7" "Vector-Project tail (Algorithm 3, Lemma 7)" (cite "App. A.2" (Some "Algorithm 3, Lemma 7")) [ Provenance.Exact; Provenance.Finding ]
        "With k = 16 log(1/eta)/gamma^2 Gaussian helper vectors v_i and z_i = <v_i, c>, chat = (1/k) sum z_i v_i satisfies |chat^T u - c^T u| <= gamma/2 with probability >= 1 - eta (the proof's tail e^{-gamma^2 k/16})."
        (Conclusion.WithProbability(sym "dev" <=. gamma / 2, eta, "the helper vectors")) with
        Variables = probeVars @ [ Statement.var "k" "number of helper vectors" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. 16 * ln (1 / eta) / gamma ** 2)
              Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe; fixedBeforeS ]
        Notes =
            [ "FINDING (catalog): the constant 16 is sufficient in the tested regimes (contrast with Algorithm 1)."
              "Exact sampling: (<v_i, c>, <v_i, u>) is a bivariate Gaussian with covariance [[||c||^2, c^T u], [c^T u, ||u||^2]], so trials draw these k pairs, not the h-dimensional helpers." ] }

/// ARORA-L7 with rounding (Algorithm 3 with z_i rounded to multiples of γ/(2√(hk))): total error ≤ γ, given ‖V‖₂ ≤ 2√h.
let l7Rounded =
    { Statement.create "ARORA-L7-rounded" "Vector-Project with rounded coefficients (Lemma 7)" (cite "App. A.2" (Some "Algorithm 3, Lemma 7")) [ Provenance.Exact; Provenance.Finding ]
        "With z_i rounded to the nearest multiple of gamma/(2 sqrt(h k)), |chat^T u - c^T u| <= gamma with probability >= 1 - eta; the proof bounds the rounding part on the event ||V||_2 <= 2 sqrt h."
        (Conclusion.WithProbability(sym "dev" <=. gamma, eta, "the helper vectors")) with
        Variables = probeVars @ [ Statement.var "k" "number of helper vectors" Domain.positiveInteger; nonNeg "normV" "||V||_2, V = [v_1 .. v_k]"; Statement.var "h" "dimension" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. 16 * ln (1 / eta) / gamma ** 2)
              Hypothesis.Condition(sym "normV" <=. 2 * sqrt (sym "h"))
              Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe; fixedBeforeS ]
        Notes =
            [ "||V||_2 is about sqrt h + sqrt k, so the norm event needs roughly k <= h: the verifier records whether it held (HypothesisNotMet otherwise) and whether the conclusion held anyway." ] }

/// ARORA-L8 (Lemma 8): rate only.
let l8 =
    { Statement.create "ARORA-L8" "Generalization with a helper string (Lemma 8)" (cite "App. A.2" (Some "Lemma 8")) [ Provenance.Exact ]
        "With eta = 1/m, Lemma 7 and Corollary A.1: L(chat) <= Otilde(sqrt(1/(gamma^2 m)))."
        (Conclusion.Deterministic(sym "L" <=. sqrt (1 / (gamma ** 2 * sym "m")))) with
        Checkability = Checkability.NotYetCheckable "an asymptotic rate with hidden constants and logs (Otilde): only arithmetic is possible; the check evaluates k and the rate for the context's m and gamma" }

// ---------------------------------------------------------------- §2.2 and App. A.3: spectral-norm bound

let private spectralVars =
    [ Statement.var "gap" "held-out error of f minus Lhat_gamma(f) on S" Domain.anyReal
      Statement.var "h" "max width" Domain.positiveInteger
      Statement.var "d" "depth" Domain.positiveInteger
      nonNeg "maxnormx" "max over x in S of ||x||"
      Statement.var "prodA2" "prod_i ||A^i||_2^2" Domain.positive
      Statement.var "sumsrank" "sum_i ||A^i||_F^2/||A^i||_2^2" Domain.positive
      Statement.var "gamma" "margin" Domain.positive
      Statement.var "m" "training-set size" Domain.positiveInteger ]

let private t22Bound (normPower: int) =
    sym "C" * sqrt (sym "h" * sym "d" ** 2 * sym "maxnormx" ** normPower * sym "prodA2" * sym "sumsrank" / (gamma ** 2 * sym "m"))

/// ARORA-T2.2 as printed (max‖x‖ unsquared); the Õ is a universal constant C.
let t22 =
    { Statement.create "ARORA-T2.2" "Spectral-norm bound (as printed)" (cite "§2.2, App. A.3" (Some "Theorem 2.2")) [ Provenance.Exact; Provenance.PaperIssue ]
        "The generalization error is Otilde(sqrt(h d^2 max_x ||x|| prod ||A^i||_2^2 sum srank(A^i)/(gamma^2 m)))."
        (Conclusion.WithUniversalConstant(Conclusion.Deterministic(sym "gap" <=. t22Bound 1), "C")) with
        Variables = spectralVars
        Hypotheses = [ noBiases; Hypothesis.NamedAssumption("margin", "margin gamma on S") ]
        Notes =
            [ "PAPER-ISSUE: both versions print max ||x|| unsquared; App. A.3's own parameter count has ||x||^2 and Neyshabur et al. have B^2. For a bias-free ReLU net, scaling the inputs by t scales f and the margin by t and leaves the error unchanged, but the printed bound scales by t^(-1/2): no universal C exists when the gap is positive. The verifier reports this with the scale t as witness."
              "PAPER-ISSUE: App. A.3's parameter count 2e^2 d^2 h ||x||^2 prod ||A^i||^2 sum srank misses the factor 1/gamma^2 (from delta^-2); the check reports the corrected count." ] }

/// ARORA-T2.2 corrected (DERIVED): max‖x‖².
let t22Squared =
    { Statement.create "ARORA-T2.2-squared" "Spectral-norm bound (max ||x|| squared)" (cite "§2.2, App. A.3" (Some "Theorem 2.2")) [ Provenance.Derived; Provenance.PaperIssue ]
        "The generalization error is Otilde(sqrt(h d^2 max_x ||x||^2 prod ||A^i||_2^2 sum srank(A^i)/(gamma^2 m)))."
        (Conclusion.WithUniversalConstant(Conclusion.Deterministic(sym "gap" <=. t22Bound 2), "C")) with
        Variables = spectralVars
        Hypotheses = [ noBiases; Hypothesis.NamedAssumption("margin", "margin gamma on S") ]
        Notes =
            [ "DERIVED: the square makes the bound invariant under input scaling (checked); the smallest C consistent with the data is reported by input scale t." ] }

/// ARORA-T2.2 proof step (§2.2 + App. A.3): truncating each layer at δ = γ/(e max‖x‖ d ∏‖A^i‖₂) keeps ‖f(x) − g(x)‖ ≤ γ.
let t22Closeness =
    { Statement.create "ARORA-T2.2-closeness" "Truncation keeps the output within gamma (proof of Theorem 2.2)" (cite "§2.2, App. A.3" (Some "Theorem 2.2, proof"))
        [ Provenance.Exact ]
        "Removing the singular values below delta ||A^i||_2 from every layer, delta = gamma/(e max ||x|| d prod ||A^i||_2), moves every output by at most gamma."
        (Conclusion.Deterministic(sym "err" <=. gamma)) with
        Variables =
            [ nonNeg "err" "||f(x) - g(x)|| at one input (training or held-out, ||x|| <= max over S)"
              Statement.var "gamma" "target (here the median training margin of f)" Domain.positive
              Statement.var "delta" "truncation level" Domain.positive
              Statement.var "d" "depth" Domain.positiveInteger ]
        Hypotheses = [ Hypothesis.Condition(delta <=. 1 / sym "d"); noBiases ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Lemma 1 per layer + Lemma 9; held-out inputs are included only when ||x|| <= max over S of ||x|| (the bound uses max_S ||x||; for f itself a domain bound B is needed, Remark R2.1)." ] }

/// ARORA-L1 (Lemma 1), error part: ‖Â − A‖₂ ≤ δ‖A‖₂.
let l1Error =
    { Statement.create "ARORA-L1a" "Truncated SVD: spectral error (Lemma 1)" (cite "§2.2" (Some "Lemma 1")) [ Provenance.Exact ]
        "Removing the singular values below delta ||A||_2 changes A by at most delta ||A||_2 in spectral norm."
        (Conclusion.Deterministic(sym "specErr" <=. delta * sym "normA")) with
        Variables = [ nonNeg "specErr" "||Ahat - A||_2 (full SVD)"; Statement.var "normA" "||A||_2" Domain.positive; Statement.var "delta" "threshold" Domain.positive ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Deterministic linear algebra: a violation is a bug." ] }

/// ARORA-L1 (Lemma 1), rank part: rank(Â) ≤ ‖A‖_F²/(δ²‖A‖₂²).
let l1Rank =
    { Statement.create "ARORA-L1b" "Truncated SVD: rank (Lemma 1)" (cite "§2.2" (Some "Lemma 1")) [ Provenance.Exact ]
        "The truncation has rank at most ||A||_F^2/(delta^2 ||A||_2^2)."
        (Conclusion.Deterministic(sym "rank" <=. sym "normF" ** 2 / (delta ** 2 * sym "normA" ** 2))) with
        Variables = [ nonNeg "rank" "rank(Ahat)"; Statement.var "normF" "||A||_F" Domain.positive; Statement.var "normA" "||A||_2" Domain.positive; Statement.var "delta" "threshold" Domain.positive ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Since ||A||_F >= ||Ahat||_F >= sqrt(r) delta ||A||_2." ] }

/// ARORA-L9 (Lemma 9 = Neyshabur et al. 2017a): the perturbation lemma.
let l9 =
    let bound = e * sym "normx" * prodOver "i" (vecAt "normA" "i") * sumOver "i" (vecAt "normU" "i" / vecAt "normA" "i")
    { Statement.create "ARORA-L9" "Perturbation lemma (Lemma 9)" (cite "App. A.3" (Some "Lemma 9")) [ Provenance.Exact; Provenance.Ext ]
        "If ||A^i - Ahat^i|| <= ||A^i||/d for every layer, then ||f_A(x) - f_Ahat(x)|| <= e ||x|| prod ||A^i|| sum ||A^i - Ahat^i||/||A^i||."
        (Conclusion.Deterministic(sym "diff" <=. bound)) with
        Variables =
            [ nonNeg "diff" "||f_A(x) - f_Ahat(x)||"
              nonNeg "normx" "||x||"
              Statement.vectorVar "normA" "||A^i||_2" Domain.positive
              Statement.vectorVar "normU" "||A^i - Ahat^i||_2" Domain.nonNegative
              Statement.var "d" "depth" Domain.positiveInteger ]
        Hypotheses = [ Hypothesis.Condition(maxOver "i" (vecAt "normU" "i" / vecAt "normA" "i") <=. 1 / sym "d"); noBiases ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "EXT: Neyshabur et al. 2017a, Lemma 2 (= Guha's Lemma B.2). Perturbations at the size limit ||A - Ahat|| = ||A||/d: random Gaussian, magnitude pruning (scaled), and adversarial rank-one along the top singular pair." ] }

/// ARORA-P3.1 (Proposition 3.1), expectation part: E‖Mη‖² = ‖M‖_F², the only random quantity in ψ(M, x) for linear M.
let p31 =
    { Statement.create "ARORA-P3.1" "Noise sensitivity of a matrix: closed form (Proposition 3.1)" (cite "§3" (Some "Proposition 3.1")) [ Provenance.Exact ]
        "For linear M and eta ~ N(0, I): psi(M, x) = E||M eta||^2 ||x||^2/||Mx||^2 = ||M||_F^2 ||x||^2/||Mx||^2."
        (Conclusion.InExpectation(expect (sym "normMeta2") ==. sym "normF" ** 2, "eta ~ N(0, I)")) with
        Variables = [ nonNeg "normMeta2" "||M eta||^2 for one Gaussian draw"; Statement.var "normF" "||M||_F" Domain.positive ]
        Hypotheses = [ Hypothesis.NamedAssumption("linear", "M linear, Mx != 0") ]
        Notes = [ "For linear M, ||M(x + eta||x||) - Mx||^2 = ||x||^2 ||M eta||^2, so the Monte Carlo of psi at every x reduces to one estimate of E||M eta||^2 (exact reduction)." ] }

/// ARORA-P3.1, inequality part: ψ(M, x) ≥ srank(M).
let p31Srank =
    { Statement.create "ARORA-P3.1b" "Noise sensitivity at least the stable rank (Proposition 3.1)" (cite "§3" (Some "Proposition 3.1")) [ Provenance.Exact ]
        "psi(M, x) = ||M||_F^2 ||x||^2/||Mx||^2 >= srank(M) = ||M||_F^2/||M||_2^2."
        (Conclusion.Deterministic(sym "psi" >=. sym "srank")) with
        Variables = [ nonNeg "psi" "closed-form psi(A^i, phi(x^{i-1}))"; Statement.var "srank" "stable rank of A^i" Domain.positive ]
        Hypotheses = [ Hypothesis.NamedAssumption("linear", "M linear, Mx != 0") ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "max over S of psi(A^i, phi(x^{i-1})) = 1/mu_i^2 (layer cushion, Definition 4) is reported." ] }

// ---------------------------------------------------------------- §4: Algorithm 1 and Lemma 2

let private alg1Vars =
    [ nonNeg "dev" "|u^T (Ahat - A) v|"
      Statement.var "normA" "||A||_F" Domain.positive
      Statement.var "normB" "||u|| ||v|| = ||u v^T||_F" Domain.positive
      Statement.var "epsilon" "accuracy" Domain.positive
      Statement.var "eta" "failure probability" Domain.confidence
      Statement.var "k" "number of helper matrices" Domain.positiveInteger ]

let private alg1Promise (c: Expr) id name provenance informal notes =
    { Statement.create id name (cite "§4, App. B.2" (Some "Algorithm 1")) provenance informal
        (Conclusion.WithProbability(sym "dev" <=. eps * sym "normA" * sym "normB", eta, "the helper matrices M_1..M_k")) with
        Variables = alg1Vars
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. c * ln (1 / eta) / eps ** 2)
              Hypothesis.NamedAssumption("helpers", "M_t i.i.d. uniform {+-1}^{h1 x h2}, fixed before S")
              independentProbe ]
        Notes = notes }

/// ARORA-ALG1 (Algorithm 1 Matrix-Project, its "Ensure" line) with the literal k = ln(1/η)/ε².
let alg1 =
    alg1Promise Expr.one "ARORA-ALG1" "Matrix-Project promise, literal k (Algorithm 1)" [ Provenance.Exact; Provenance.Finding ]
        "With k = log(1/eta)/epsilon^2 sign matrices, Ahat = (1/k) sum <A, M_t> M_t satisfies |u^T Ahat v - u^T A v| <= epsilon ||A||_F ||u|| ||v|| with probability >= 1 - eta, for all fixed u, v."
        [ "FINDING: false with the literal k. By the CLT the failure probability is about 2(1 - Phi(sqrt(ln(1/eta)))) > eta for eta < 0.2 (0.083 at eta = 0.05); the asserted tail e^{-k eps^2} of the proof of Lemma 2 does not hold."
          "Exact sampling: literal +-1 matrices at 8x8 (synthetic); on real layers the pairs (<A, M>, <u v^T, M>) are drawn as a bivariate Gaussian with the exact covariance (Gaussian helpers: same second moments, the -2 sum A^2 B^2 term of Rademacher helpers is reported and negligible)." ]

/// ARORA-ALG1 with a calibrated constant, k = 4 ln(1/η)/ε² (FINDING: a constant near 2(1 + ρ²) is needed).
let alg1Calibrated =
    alg1Promise (num 4) "ARORA-ALG1-calibrated" "Matrix-Project promise, calibrated k = 4 ln(1/eta)/eps^2" [ Provenance.Finding; Provenance.Derived ]
        "With k = 4 log(1/eta)/epsilon^2 sign matrices the promise of Algorithm 1 holds."
        [ "FINDING/DERIVED: Var(u^T Ahat v) = (||A||_F^2 ||B||_F^2 + <A,B>^2 - 2 sum A^2 B^2)/k, so the Gaussian tail needs k >= (1 + rho^2) z_{eta/2}^2/eps^2 with rho = <A,B>/(||A||_F ||B||_F); z^2 ~ 2 ln(1/eta) gives C -> 2(1 + rho^2) <= 4. The smallest C consistent with the data is reported by dimension." ]

/// ARORA-L2 (Lemma 2): Matrix-Project error on finitely many pairs (U, x), η = δ/(mn).
let l2 =
    { Statement.create "ARORA-L2" "Matrix-Project error on finitely many pairs (Lemma 2)" (cite "§4, App. B.2" (Some "Lemma 2")) [ Provenance.Exact; Provenance.Finding ]
        "With eta = delta/(m n) in Algorithm 1, with probability >= 1 - delta, ||U (Ahat - A) x|| <= epsilon ||A||_F ||U||_F ||x|| for all m pairs (U, x) in G."
        (Conclusion.WithProbability(sym "worst" <=. eps, delta, "the helper matrices")) with
        Variables =
            [ nonNeg "worst" "max over (U, x) in G of ||U (Ahat - A) x||/(||A||_F ||U||_F ||x||)"
              Statement.var "epsilon" "accuracy" Domain.positive
              Statement.var "delta" "confidence" Domain.confidence
              Statement.var "k" "number of helper matrices" Domain.positiveInteger
              Statement.var "m" "pairs" Domain.positiveInteger
              Statement.var "n" "rows of U" Domain.positiveInteger ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. ln (sym "m" * sym "n" / delta) / eps ** 2)
              Hypothesis.NamedAssumption("pairs", "(U, x) independent of the helper matrices")
              fixedBeforeS ]
        Notes =
            [ "FINDING: inherits the literal-k slip of Algorithm 1 per row; the union over m n rows and the averaging in ||U Delta x||^2 = sum_r (u_r^T Delta x)^2 give slack, so the conclusion may still hold."
              "The printed proof ends with '>=' (typo)." ] }

/// Every checkable statement, in catalog order.
let checkable =
    [ d1; t21; t21Corrected; ca1; ex1; l4; l5; l5Threshold; l7; l7Rounded; t22; t22Squared; t22Closeness; l1Error; l1Rank; l9; p31; p31Srank; alg1; alg1Calibrated; l2 ]

/// Entries recorded but not checkable (definitions of procedure, remarks, rates).
let notYetCheckable = [ d2; r21; l6; l8 ]

/// The whole catalog (this engineer's half of ARORA-*).
let statements = checkable @ notYetCheckable

let private reversed (r: Relation) =
    match r with
    | Relation.Le(a, b) | Relation.Lt(a, b) -> Relation.Ge(a, b)
    | Relation.Ge(a, b) | Relation.Gt(a, b) -> Relation.Le(a, b)
    | other -> other

let private withHelperConstant (c: Expr) (s: Statement) =
    let replace h =
        match h with
        | Hypothesis.Condition(Relation.Ge(Symbol "k", _)) ->
            Hypothesis.Condition(sym "k" >=. c * ln (1 / eta) / (match s.Id with "ARORA-L7" | "ARORA-L7-rounded" -> gamma | _ -> eps) ** 2)
        | other -> other
    { s with Hypotheses = List.map replace s.Hypotheses }

/// Deliberately wrong variants the checker must reject (each is false on the models and networks the checks use).
let mutants =
    [ t21Corrected |> Statement.mutate "no-complexity" "complexity term sqrt((q ln r + ln(1/delta))/(2m)) dropped" (fun _ -> sym "L0g" <=. sym "Lhat_2gamma")
      ca1 |> Statement.mutate "no-complexity" "complexity term dropped (zeta kept)" (fun _ -> sym "L0g" <=. sym "Lhat_2gamma" + sym "zeta")
      ex1 |> Statement.mutate "one-over-gamma2" "8/gamma^2 replaced by 1/gamma^2" (fun _ -> sym "ENnz" <=. 1 / gamma ** 2)
      l4 |> Statement.mutate "quarter-gamma" "accuracy gamma replaced by gamma/4" (fun _ -> sym "dev" <=. gamma / 4)
      l5 |> Statement.mutate "sixteenth-gamma" "accuracy gamma replaced by gamma/16" (fun _ -> sym "dev" <=. gamma / 16)
      l7 |> Statement.mutateWith "constant-1" "helper count k = ln(1/eta)/gamma^2 (constant 16 replaced by 1)" (withHelperConstant Expr.one)
      l7Rounded |> Statement.mutate "eighth-gamma" "accuracy gamma replaced by gamma/8" (fun _ -> sym "dev" <=. gamma / 8)
      t22Squared |> Statement.mutate "unsquared" "max ||x|| unsquared (the printed form)" (fun _ -> sym "gap" <=. t22Bound 1)
      t22Closeness |> Statement.mutate "attained" "claims the truncation error always attains gamma (>= instead of <=)" reversed
      l1Error |> Statement.mutate "half-delta" "delta ||A||_2 replaced by (delta/2) ||A||_2" (fun _ -> sym "specErr" <=. delta / 2 * sym "normA")
      l1Rank |> Statement.mutate "no-delta" "rank bound without 1/delta^2 (rank <= srank)" (fun _ -> sym "rank" <=. sym "normF" ** 2 / sym "normA" ** 2)
      l9 |> Statement.mutate "attained" "claims the perturbation always attains the bound (>= instead of <=)" reversed
      p31 |> Statement.mutate "factor-2" "E||M eta||^2 = 2 ||M||_F^2" (fun _ -> expect (sym "normMeta2") ==. 2 * sym "normF" ** 2)
      p31Srank |> Statement.mutate "reversed" "psi <= srank" reversed
      alg1Calibrated |> Statement.mutateWith "C-half" "helper count k = ln(1/eta)/(2 eps^2) (C = 1/2)" (withHelperConstant (frac 1 2))
      l2 |> Statement.mutate "quarter-eps" "accuracy epsilon replaced by epsilon/4" (fun _ -> sym "worst" <=. eps / 4) ]
