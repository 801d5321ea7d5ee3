/// Arora et al. (2018) §3 (Proposition 3.1) and §4 (Algorithm 1 Matrix-Project and Lemma 2).
module GenBounds.Proofs.Arora2018.MatrixProject

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

/// ARORA-P3.1 (Proposition 3.1), expectation part: E‖Mη‖² = ‖M‖_F², the only random quantity in ψ(M, x) for linear M.
let p31 =
    { Statement.create "ARORA-P3.1" "Noise sensitivity of a matrix: closed form (Proposition 3.1)" (cite "§3" (Some "Proposition 3.1")) [ Provenance.Exact ]
        "For linear M and eta ~ N(0, I): psi(M, x) = E||M eta||^2 ||x||^2/||Mx||^2 = ||M||_F^2 ||x||^2/||Mx||^2."
        (Conclusion.InExpectation(expect (sym "normMeta2") ==. sym "normF" ** 2, "eta ~ N(0, I)")) with
        Variables = [ nonNeg "normMeta2" "||M eta||^2 for one Gaussian draw"; Statement.var "normF" "||M||_F" Domain.positive ]
        Hypotheses = [ Hypothesis.NamedAssumption("linear", "M linear, Mx != 0") ]
        Notes = [ "For linear M, ||M(x + eta||x||) - Mx||^2 = ||x||^2 ||M eta||^2, so the Monte Carlo of psi at every x reduces to one estimate of E||M eta||^2 (exact reduction)." ] }

/// ARORA-P3.1's mutant.
let p31Mutants = [ p31 |> Statement.mutate "factor-2" "E||M eta||^2 = 2 ||M||_F^2" (fun _ -> expect (sym "normMeta2") ==. 2 * sym "normF" ** 2) ]

/// ARORA-P3.1, inequality part: ψ(M, x) ≥ srank(M).
let p31Srank =
    { Statement.create "ARORA-P3.1b" "Noise sensitivity at least the stable rank (Proposition 3.1)" (cite "§3" (Some "Proposition 3.1")) [ Provenance.Exact ]
        "psi(M, x) = ||M||_F^2 ||x||^2/||Mx||^2 >= srank(M) = ||M||_F^2/||M||_2^2."
        (Conclusion.Deterministic(sym "psi" >=. sym "srank")) with
        Variables = [ nonNeg "psi" "closed-form psi(A^i, phi(x^{i-1}))"; Statement.var "srank" "stable rank of A^i" Domain.positive ]
        Hypotheses = [ Hypothesis.NamedAssumption("linear", "M linear, Mx != 0") ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "max over S of psi(A^i, phi(x^{i-1})) = 1/mu_i^2 (layer cushion, Definition 4) is reported." ] }

/// ARORA-P3.1b's mutant.
let p31SrankMutants = [ p31Srank |> Statement.reverse "reversed" "psi <= srank" ]

let alg1Vars =
    [ nonNeg "dev" "|u^T (Ahat - A) v|"
      Statement.var "normA" "||A||_F" Domain.positive
      Statement.var "normB" "||u|| ||v|| = ||u v^T||_F" Domain.positive
      Statement.var "epsilon" "accuracy" Domain.positive
      Statement.var "eta" "failure probability" Domain.confidence
      Statement.var "k" "number of helper matrices" Domain.positiveInteger ]

let alg1Promise (c: float) id name provenance informal notes =
    { Statement.create id name (cite "§4, App. B.2" (Some "Algorithm 1")) provenance informal
        (Conclusion.WithProbability(sym "dev" <=. eps * sym "normA" * sym "normB", eta, "the helper matrices M_1..M_k")) with
        Variables = alg1Vars
        Parameters = [ helperConstant, c ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. sym helperConstant * ln (1 / eta) / eps ** 2)
              Hypothesis.NamedAssumption("helpers", "M_t i.i.d. uniform {+-1}^{h1 x h2}, fixed before S")
              independentProbe ]
        Notes = notes }

/// ARORA-ALG1 (Algorithm 1 Matrix-Project, its "Ensure" line) with the literal k = ln(1/η)/ε².
let alg1 =
    alg1Promise 1.0 "ARORA-ALG1" "Matrix-Project promise, literal k (Algorithm 1)" [ Provenance.Exact; Provenance.Finding ]
        "With k = log(1/eta)/epsilon^2 sign matrices, Ahat = (1/k) sum <A, M_t> M_t satisfies |u^T Ahat v - u^T A v| <= epsilon ||A||_F ||u|| ||v|| with probability >= 1 - eta, for all fixed u, v."
        [ "FINDING: false with the literal k. By the CLT the failure probability is about 2(1 - Phi(sqrt(ln(1/eta)))) > eta for eta < 0.2 (0.083 at eta = 0.05); the asserted tail e^{-k eps^2} of the proof of Lemma 2 does not hold."
          "Exact sampling: literal +-1 matrices at 8x8 (synthetic); on real layers the pairs (<A, M>, <u v^T, M>) are drawn as a bivariate Gaussian with the exact covariance (Gaussian helpers: same second moments, the -2 sum A^2 B^2 term of Rademacher helpers is reported and negligible)." ]
    |> Statement.knownFalse "with the literal k = ln(1/eta)/eps^2 the failure probability is about 2(1 - Phi(sqrt(ln(1/eta)))) > eta (0.083 at eta = 0.05)"

/// ARORA-ALG1's mutant: a quarter of the literal helper count fails by far more than the literal one.
let alg1Mutants = [ alg1 |> withHelperConstant "C-quarter" "helper count k = ln(1/eta)/(4 eps^2) (C = 1/4)" 0.25 ]

/// ARORA-ALG1 with a calibrated constant, k = 4 ln(1/η)/ε² (FINDING: a constant near 2(1 + ρ²) is needed).
let alg1Calibrated =
    alg1Promise 4.0 "ARORA-ALG1-calibrated" "Matrix-Project promise, calibrated k = 4 ln(1/eta)/eps^2" [ Provenance.Finding; Provenance.Derived ]
        "With k = 4 log(1/eta)/epsilon^2 sign matrices the promise of Algorithm 1 holds."
        [ "FINDING/DERIVED: Var(u^T Ahat v) = (||A||_F^2 ||B||_F^2 + <A,B>^2 - 2 sum A^2 B^2)/k, so the Gaussian tail needs k >= (1 + rho^2) z_{eta/2}^2/eps^2 with rho = <A,B>/(||A||_F ||B||_F); z^2 ~ 2 ln(1/eta) gives C -> 2(1 + rho^2) <= 4. The smallest C consistent with the data is reported by dimension." ]

/// ARORA-ALG1-calibrated's mutant.
let alg1CalibratedMutants = [ alg1Calibrated |> withHelperConstant "C-half" "helper count k = ln(1/eta)/(2 eps^2) (C = 1/2)" 0.5 ]

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
        Parameters = [ helperConstant, 1.0 ]
        Hypotheses =
            [ Hypothesis.Condition(sym "k" >=. sym helperConstant * ln (sym "m" * sym "n" / delta) / eps ** 2)
              Hypothesis.NamedAssumption("pairs", "(U, x) independent of the helper matrices")
              fixedBeforeS ]
        Notes =
            [ "FINDING: inherits the literal-k slip of Algorithm 1 per row; the union over m n rows and the averaging in ||U Delta x||^2 = sum_r (u_r^T Delta x)^2 give slack, so the conclusion may still hold."
              "The printed proof ends with '>=' (typo)." ] }

/// ARORA-L2's mutant.
let l2Mutants = [ l2 |> Statement.mutate "quarter-eps" "accuracy epsilon replaced by epsilon/4" (fun _ -> sym "worst" <=. eps / 4) ]
