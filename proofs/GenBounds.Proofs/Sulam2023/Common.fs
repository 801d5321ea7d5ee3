/// Symbols, hypotheses and mutation helpers shared by the catalog files of Muthukumar &amp; Sulam (COLT 2023),
/// "Sparsity-aware generalization theory for deep neural networks" (PMLR 195:5311-5342). Formulas and tags follow
/// /work/shared/lemmas/sulam2023-sparsity-aware.md. The catalog's tags map to provenance as: no tag -> EXACT, PAPER-TYPO ->
/// PAPER-ISSUE (the note says "PAPER-TYPO"), DERIVED -> DERIVED, UNVERIFIED -> UNVERIFIED.
module GenBounds.Proofs.Sulam2023.Common

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

/// Natural logarithm.
let ln (x: Expr) = Expr.ln x
/// The source every entry cites.
let paper = "Muthukumar, Sulam 2023"
/// A citation of the paper.
let cite section equation = { Source = paper; Section = section; Equation = equation }

/// A non-negative variable.
let nonNeg name description = Statement.var name description Domain.nonNegative
/// A probability-valued variable.
let probability name description = Statement.var name description Domain.probability
/// A real variable.
let anyReal name description = Statement.var name description Domain.anyReal
/// A positive integer (dimension).
let dim name description = Statement.var name description Domain.positiveInteger
/// An indicator (0 or 1).
let indicator name description = Statement.var name description (Domain.integer 0 1)

/// Bias-free ReLU networks (footnote 4): the theory excludes biases.
let biasFree = Hypothesis.NamedAssumption("bias-free", "feed-forward ReLU network without biases (footnote 4)")
/// h ∈ ℋ for the base hyper-parameters (Definition 5).
let inClass = Hypothesis.NamedAssumption("D5", "h in H(s, xi, eta): ||W_k||_(d_k-1,s_{k-1}) <= xi_k and mu_{s_k,s_{k-1}}(W_k) <= eta_k (xi, eta bound as the exact values)")
/// ‖x‖ ≤ M_X.
let inputDomain = Hypothesis.NamedAssumption("N2", "||x_0||_2 <= M_X = zeta_0")

/// The modes of every experiment of this paper, as a note.
let twoModes =
    "Synthetic: random Gaussian matrices and networks of small sizes (the catalog's own spot-check model), where every sparse norm is exact by enumeration. Real network: the trained weights fixed (sub-blocks where enumeration is needed, certified Lemma-18/spectral bounds on whole layers)."

/// A mutant whose bound is a typical value of the bounded quantity itself (its median over the checked instances, bound by
/// the experiment as `typical`): false whenever the quantity varies at all, so only the bound is wrong.
let typicalValue tag description (quantity: string) (typical: string) (s: Statement) =
    s |> Statement.mutateWith tag description (fun s ->
        { s with
            Conclusion = Statement.mapConclusion (fun _ -> sym quantity <=. sym typical) s.Conclusion
            Variables = s.Variables @ [ Statement.var typical ("median of " + quantity + " over the checked instances (the mutant's bound)") Domain.anyReal ] })

/// The mutant that drops every scope restriction of a statement.
let dropRestrictions tag description (s: Statement) =
    s |> Statement.dropHypotheses tag description (function Hypothesis.Restriction _ -> true | _ -> false)

/// A catalogued entry that is not checkable (yet, or by `genbounds verify` at all), with the reason.
let notYet id name section equation provenance informal conclusion reason notes =
    { Statement.create id name (cite section equation) provenance informal conclusion with
        Checkability = Checkability.NotYetCheckable reason
        Notes = notes }
