/// Arora et al. (2018) §2.2 and App. A.3: the spectral-norm bound (Theorem 2.2, restating Neyshabur et al. 2017a) with
/// its truncated-SVD compression (Lemma 1) and the perturbation lemma (Lemma 9).
module GenBounds.Proofs.Arora2018.Spectral

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

let spectralVars =
    [ probability "L0" "classification error of f (held-out estimate)"
      probability "Lhat_gamma" "empirical margin loss of f at margin gamma on S"
      Statement.var "h" "max width" Domain.positiveInteger
      Statement.var "d" "depth" Domain.positiveInteger
      nonNeg "maxnormx" "max over x in S of ||x||"
      Statement.var "prodA2" "prod_i ||A^i||_2^2" Domain.positive
      Statement.var "sumsrank" "sum_i ||A^i||_F^2/||A^i||_2^2" Domain.positive
      Statement.var "gamma" "margin" Domain.positive
      Statement.var "m" "training-set size" Domain.positiveInteger ]

let t22Bound (normPower: int) =
    sym "C" * sqrt (sym "h" * sym "d" ** 2 * sym "maxnormx" ** normPower * sym "prodA2" * sym "sumsrank" / (gamma ** 2 * sym "m"))

/// A mutant that claims no generalization gap at all: false on any net that fits S better than held-out data (the
/// synthetic mode checks the bound on a net trained on shuffled labels, where the gap is large).
let private noGap (s: Statement) =
    s |> Statement.mutateWith "no-gap" "the generalization gap claimed to be at most 0" (fun s ->
        { s with Conclusion = Conclusion.Deterministic(sym "L0" - sym "Lhat_gamma" <=. Expr.zero) })

/// ARORA-T2.2 as printed (max‖x‖ unsquared); the Õ is a universal constant C.
let t22 =
    { Statement.create "ARORA-T2.2" "Spectral-norm bound (as printed)" (cite "§2.2, App. A.3" (Some "Theorem 2.2")) [ Provenance.Exact; Provenance.PaperIssue ]
        "The generalization error is Otilde(sqrt(h d^2 max_x ||x|| prod ||A^i||_2^2 sum srank(A^i)/(gamma^2 m)))."
        (Conclusion.WithUniversalConstant(Conclusion.Deterministic(sym "L0" - sym "Lhat_gamma" <=. t22Bound 1), "C")) with
        Variables = spectralVars
        Hypotheses = [ biasFree; Hypothesis.NamedAssumption("margin", "margin gamma on S") ]
        Notes =
            [ "PAPER-ISSUE: both versions print max ||x|| unsquared; App. A.3's own parameter count has ||x||^2 and Neyshabur et al. have B^2. For a bias-free ReLU net, scaling the inputs by t scales f and the margin by t and leaves the error unchanged, but the printed bound scales by t^(-1/2): no universal C exists when the gap is positive. The verifier reports this with the scale t as witness."
              "PAPER-ISSUE: App. A.3's parameter count 2e^2 d^2 h ||x||^2 prod ||A^i||^2 sum srank misses the factor 1/gamma^2 (from delta^-2); the check reports the corrected count." ] }
    |> Statement.knownFalse "the printed bound scales as t^(-1/2) under input scaling by t while the errors do not change, so no universal C exists once the gap is positive (the synthetic mode checks a net trained on random labels, whose gap is large)"

/// ARORA-T2.2's mutant.
let t22Mutants = [ noGap t22 ]

/// ARORA-T2.2 corrected (DERIVED): max‖x‖².
let t22Squared =
    { Statement.create "ARORA-T2.2-squared" "Spectral-norm bound (max ||x|| squared)" (cite "§2.2, App. A.3" (Some "Theorem 2.2")) [ Provenance.Derived; Provenance.PaperIssue ]
        "The generalization error is Otilde(sqrt(h d^2 max_x ||x||^2 prod ||A^i||_2^2 sum srank(A^i)/(gamma^2 m)))."
        (Conclusion.WithUniversalConstant(Conclusion.Deterministic(sym "L0" - sym "Lhat_gamma" <=. t22Bound 2), "C")) with
        Variables = spectralVars
        Hypotheses = [ biasFree; Hypothesis.NamedAssumption("margin", "margin gamma on S") ]
        Notes =
            [ "DERIVED: the square makes the bound invariant under input scaling (checked); the smallest C consistent with the data is reported by input scale t." ] }

/// ARORA-T2.2-squared's mutants.
let t22SquaredMutants =
    [ t22Squared |> Statement.mutate "unsquared" "max ||x|| unsquared (the printed form)" (fun _ -> sym "L0" - sym "Lhat_gamma" <=. t22Bound 1)
      noGap t22Squared ]

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
        Hypotheses = [ Hypothesis.Condition(delta <=. 1 / sym "d"); biasFree ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Lemma 1 per layer + Lemma 9; held-out inputs are included only when ||x|| <= max over S of ||x|| (the bound uses max_S ||x||; for f itself a domain bound B is needed, Remark R2.1)." ] }

/// ARORA-T2.2-closeness's mutant.
let t22ClosenessMutants = [ t22Closeness |> Statement.reverse "attained" "claims the truncation error always attains gamma (>= instead of <=)" ]

/// ARORA-L1 (Lemma 1), error part: ‖Â − A‖₂ ≤ δ‖A‖₂.
let l1Error =
    { Statement.create "ARORA-L1a" "Truncated SVD: spectral error (Lemma 1)" (cite "§2.2" (Some "Lemma 1")) [ Provenance.Exact ]
        "Removing the singular values below delta ||A||_2 changes A by at most delta ||A||_2 in spectral norm."
        (Conclusion.Deterministic(sym "specErr" <=. delta * sym "normA")) with
        Variables = [ nonNeg "specErr" "||Ahat - A||_2 (full SVD)"; Statement.var "normA" "||A||_2" Domain.positive; Statement.var "delta" "threshold" Domain.positive ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Deterministic linear algebra: a violation is a bug." ] }

/// ARORA-L1a's mutant.
let l1ErrorMutants = [ l1Error |> Statement.mutate "half-delta" "delta ||A||_2 replaced by (delta/2) ||A||_2" (fun _ -> sym "specErr" <=. delta / 2 * sym "normA") ]

/// ARORA-L1 (Lemma 1), rank part: rank(Â) ≤ ‖A‖_F²/(δ²‖A‖₂²).
let l1Rank =
    { Statement.create "ARORA-L1b" "Truncated SVD: rank (Lemma 1)" (cite "§2.2" (Some "Lemma 1")) [ Provenance.Exact ]
        "The truncation has rank at most ||A||_F^2/(delta^2 ||A||_2^2)."
        (Conclusion.Deterministic(sym "rank" <=. sym "normF" ** 2 / (delta ** 2 * sym "normA" ** 2))) with
        Variables = [ nonNeg "rank" "rank(Ahat)"; Statement.var "normF" "||A||_F" Domain.positive; Statement.var "normA" "||A||_2" Domain.positive; Statement.var "delta" "threshold" Domain.positive ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "Since ||A||_F >= ||Ahat||_F >= sqrt(r) delta ||A||_2." ] }

/// ARORA-L1b's mutant.
let l1RankMutants = [ l1Rank |> Statement.mutate "no-delta" "rank bound without 1/delta^2 (rank <= srank)" (fun _ -> sym "rank" <=. sym "normF" ** 2 / sym "normA" ** 2) ]

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
        Hypotheses = [ Hypothesis.Condition(maxOver "i" (vecAt "normU" "i" / vecAt "normA" "i") <=. 1 / sym "d"); biasFree ]
        Tolerance = Accuracy.VeryHigh
        Notes = [ "EXT: Neyshabur et al. 2017a, Lemma 2 (= Guha's Lemma B.2). Perturbations at the size limit ||A - Ahat|| = ||A||/d: random Gaussian, magnitude pruning (scaled), and adversarial rank-one along the top singular pair." ] }

/// ARORA-L9's mutant.
let l9Mutants = [ l9 |> Statement.reverse "attained" "claims the perturbation always attains the bound (>= instead of <=)" ]
