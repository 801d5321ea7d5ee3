/// Arora et al. (2018) §2 and App. A.1: the compression framework (Definitions 1–2, Theorem 2.1, Corollary A.1 and the
/// remarks after Theorem 2.1).
module GenBounds.Proofs.Arora2018.Framework

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

/// ARORA-D1 (Definition 1): f is (γ, S)-compressible via G_A if some g_A is within γ of f on every coordinate of every
/// x ∈ S. A definition: the check measures it for a concrete g (the Lemma-1 truncation of Theorem 2.2 at target γ).
let d1 =
    { Statement.create "ARORA-D1" "(gamma, S)-compressible" (cite "§2" (Some "Definition 1")) [ Provenance.Exact ]
        "f is (gamma, S)-compressible via G_A if some g_A in G_A satisfies |f(x)[y] - g_A(x)[y]| <= gamma for every x in S and every coordinate y."
        (Conclusion.Deterministic(sym "maxAbsDiff" <=. gamma)) with
        Role = Role.Definition
        Variables =
            [ nonNeg "maxAbsDiff" "max over x in S and y in [k] of |f(x)[y] - g(x)[y]|"
              Statement.var "gamma" "compression tolerance" Domain.positive ]
        Notes =
            [ "Definition: the verdict says whether the concrete g tested (Theorem 2.2's Lemma-1 truncation at target gamma) witnesses compressibility; it is a measurement, not a theorem check."
              "All k output coordinates are compared (not only the true class)." ] }

/// ARORA-D1's mutant: Lemma 1's truncation is conservative (its error is far below γ), so no constant-factor tolerance
/// is false on it; claiming the error always attains γ is.
let d1Mutants = [ d1 |> Statement.reverse "attained" "claims the compression error attains gamma (>= instead of <=)" ]

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

let t21Vars marginName marginText =
    [ probability "L0g" "classification error of the compressed classifier g (population, or held-out estimate)"
      probability marginName marginText
      Statement.var "q" "number of parameters of the compression" Domain.positiveInteger
      Statement.var "r" "values per parameter" Domain.positiveInteger
      Statement.var "m" "training-set size" Domain.positiveInteger
      Statement.var "delta" "confidence" Domain.confidence ]

let hoeffding = sqrt ((sym "q" * ln (sym "r") + ln (1 / delta)) / (2 * sym "m"))

let t21Hypotheses =
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
    |> Statement.knownFalse "per-coordinate closeness gamma only gives margin(g) > margin(f) - 2 gamma: on the catalog's counter-example L0(g) = 1 while Lhat_gamma(f) = 0 and the complexity term is about 0.04"

/// ARORA-T2.1's mutant.
let t21Mutants = [ t21 |> Statement.mutate "no-complexity" "complexity term dropped" (fun _ -> sym "L0g" <=. sym "Lhat_gamma") ]

/// ARORA-T2.1-step: the step of the proof of Theorem 2.1 that carries its factor-2 slip, as its own checkable claim: a
/// g within gamma of f on every coordinate of every training point errs no more often on S than f's gamma-margin loss.
let t21Step =
    { Statement.create "ARORA-T2.1-step" "Proof step of Theorem 2.1: Lhat_0(g) <= Lhat_gamma(f)" (cite "App. A.1" (Some "Theorem 2.1, proof"))
        [ Provenance.Exact; Provenance.PaperIssue ]
        "If |f(x)[y] - g(x)[y]| <= gamma for every x in S and every y, then Lhat_0(g) <= Lhat_gamma(f)."
        (Conclusion.Deterministic(sym "Lhat0g" <=. sym "Lhat_gamma")) with
        Role = Role.Probe
        Variables =
            [ probability "Lhat0g" "training error of g on S"
              probability "Lhat_gamma" "empirical margin loss of f at margin gamma on S" ]
        Hypotheses = [ Hypothesis.NamedAssumption("D1", "f is (gamma, S)-compressible via g (per-coordinate closeness gamma on S)") ]
        Notes =
            [ "PAPER-ISSUE: per-coordinate closeness gamma only gives margin(g) > margin(f) - 2 gamma; the corrected step is Lhat_0(g) <= Lhat_2gamma(f)."
              "Synthetic: the catalog's counter-example f = (gamma(1 + x/2), 0), g = (gamma x/2, gamma). Real: the g that Definition 1 allows and that hurts most, g(x) = f(x) - gamma e_top + gamma e_second." ] }
    |> Statement.knownFalse "the factor-2 margin slip: a g within gamma of f can err where f has margin in (gamma, 2 gamma]"

/// ARORA-T2.1-step's mutant: with the margin loss at 0 instead of gamma the step claims g is never worse than f.
let t21StepMutants = [ t21Step |> Statement.mutate "no-error" "claims g makes no training error at all" (fun _ -> sym "Lhat0g" <=. Expr.zero) ]

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

/// ARORA-T2.1-2gamma's mutant.
let t21CorrectedMutants =
    [ t21Corrected |> Statement.mutate "no-complexity" "complexity term sqrt((q ln r + ln(1/delta))/(2m)) dropped" (fun _ -> sym "L0g" <=. sym "Lhat_2gamma") ]

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

/// ARORA-CA.1's mutant.
let ca1Mutants = [ ca1 |> Statement.mutate "no-complexity" "complexity term dropped (zeta kept)" (fun _ -> sym "L0g" <=. sym "Lhat_2gamma" + sym "zeta") ]

/// ARORA-R2.1 (remarks after Theorem 2.1): not a mathematical claim.
let r21 =
    { Statement.create "ARORA-R2.1" "Remarks after Theorem 2.1" (cite "§2" None) [ Provenance.Exact ]
        "(1) The bound is for g_A, not f, unless the two are close on the whole domain; (2) no fixed hypothesis class is used; (3) PAC-Bayes bounds a noised f; (4, ICML) showing the Section-3 properties beyond S would remove (1)."
        (Conclusion.Deterministic(sym "L0g" <=. sym "L0g")) with
        Checkability = Checkability.NotYetCheckable "a remark, not an inequality; recorded. Every verifier note on T2.1/CA.1 states that the bound is for g, not f."
        Notes = [ "Open question (4) is not checkable on finitely many points." ] }
