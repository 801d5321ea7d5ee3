/// Arora et al. (2018) §2.1 and App. A.2: compressing a linear classifier (the main-text example, Vector-Compress with
/// Lemmas 4–6, Vector-Project with Lemmas 7–8).
module GenBounds.Proofs.Arora2018.VectorCompression

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

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

/// ARORA-EX1's mutant.
let ex1Mutants = [ ex1 |> Statement.mutate "one-over-gamma2" "8/gamma^2 replaced by 1/gamma^2" (fun _ -> sym "ENnz" <=. 1 / gamma ** 2) ]

let probeVars =
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

/// ARORA-L4's mutant.
let l4Mutants = [ l4 |> Statement.mutate "eighth-gamma" "accuracy gamma replaced by gamma/8" (fun _ -> sym "dev" <=. gamma / 8) ]

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

/// ARORA-L5's mutant.
let l5Mutants = [ l5 |> Statement.mutate "sixteenth-gamma" "accuracy gamma replaced by gamma/16" (fun _ -> sym "dev" <=. gamma / 16) ]

/// ARORA-L5-threshold: the printed equivalence inside the proof of Lemma 5, as a checkable claim (it is false).
let l5Threshold =
    { Statement.create "ARORA-L5-threshold" "Threshold equivalence in the proof of Lemma 5" (cite "App. A.2" (Some "Lemma 5, proof")) [ Provenance.Exact; Provenance.PaperIssue ]
        "For every sampled coordinate: |ctilde_i| >= 2 eta gamma sqrt h iff |c_i| <= gamma/(4 sqrt h)."
        (Conclusion.Deterministic(sym "mismatches" <=. Expr.zero)) with
        Role = Role.Probe
        Variables = [ nonNeg "mismatches" "sampled coordinates where the two sides of the printed equivalence disagree" ]
        Notes =
            [ "PAPER-ISSUE: with p_i = 8c_i^2/(eta gamma^2), |ctilde_i| = eta gamma^2/(8|c_i|) >= 2 eta gamma sqrt h iff |c_i| <= gamma/(16 sqrt h). Coordinates with gamma/(16 sqrt h) < |c_i| <= gamma/(4 sqrt h) witness the slip; the lemma's conclusion survives (ARORA-L5)." ] }
    |> Statement.knownFalse "|ctilde_i| = eta gamma^2/(8|c_i|) >= 2 eta gamma sqrt h iff |c_i| <= gamma/(16 sqrt h), not gamma/(4 sqrt h)"

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
        Parameters = [ helperConstant, 16.0 ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. sym helperConstant * ln (1 / eta) / gamma ** 2)
              Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe; fixedBeforeS ]
        Notes =
            [ "FINDING (catalog): the constant 16 is sufficient in the tested regimes (contrast with Algorithm 1)."
              "Exact sampling: (<v_i, c>, <v_i, u>) is a bivariate Gaussian with covariance [[||c||^2, c^T u], [c^T u, ||u||^2]], so trials draw these k pairs, not the h-dimensional helpers." ] }

/// ARORA-L7's mutant.
let l7Mutants = [ l7 |> withHelperConstant "constant-1" "helper count k = ln(1/eta)/gamma^2 (constant 16 replaced by 1)" 1.0 ]

/// ARORA-L7 with rounding (Algorithm 3 with z_i rounded to multiples of γ/(2√(hk))): total error ≤ γ, given ‖V‖₂ ≤ 2√h.
let l7Rounded =
    { Statement.create "ARORA-L7-rounded" "Vector-Project with rounded coefficients (Lemma 7)" (cite "App. A.2" (Some "Algorithm 3, Lemma 7")) [ Provenance.Exact; Provenance.Finding ]
        "With z_i rounded to the nearest multiple of gamma/(2 sqrt(h k)), |chat^T u - c^T u| <= gamma with probability >= 1 - eta; the proof bounds the rounding part on the event ||V||_2 <= 2 sqrt h."
        (Conclusion.WithProbability(sym "dev" <=. gamma, eta, "the helper vectors")) with
        Variables = probeVars @ [ Statement.var "k" "number of helper vectors" Domain.positiveInteger; nonNeg "normV" "||V||_2, V = [v_1 .. v_k]"; Statement.var "h" "dimension" Domain.positiveInteger ]
        Parameters = [ helperConstant, 16.0 ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. sym helperConstant * ln (1 / eta) / gamma ** 2)
              Hypothesis.Condition(sym "normV" <=. 2 * sqrt (sym "h"))
              Hypothesis.NamedAssumption("norms", "||c|| <= 1, ||u|| <= 1"); independentProbe; fixedBeforeS ]
        Notes =
            [ "||V||_2 is about sqrt h + sqrt k, so the norm event needs roughly k <= h: the verifier records whether it held (HypothesisNotMet otherwise) and whether the conclusion held anyway." ] }

/// ARORA-L7-rounded's mutant.
let l7RoundedMutants = [ l7Rounded |> Statement.mutate "eighth-gamma" "accuracy gamma replaced by gamma/8" (fun _ -> sym "dev" <=. gamma / 8) ]

/// ARORA-L8 (Lemma 8): rate only.
let l8 =
    { Statement.create "ARORA-L8" "Generalization with a helper string (Lemma 8)" (cite "App. A.2" (Some "Lemma 8")) [ Provenance.Exact ]
        "With eta = 1/m, Lemma 7 and Corollary A.1: L(chat) <= Otilde(sqrt(1/(gamma^2 m)))."
        (Conclusion.Deterministic(sym "L" <=. sqrt (1 / (gamma ** 2 * sym "m")))) with
        Checkability = Checkability.NotYetCheckable "an asymptotic rate with hidden constants and logs (Otilde): only arithmetic is possible; the check evaluates k and the rate for the context's m and gamma" }
