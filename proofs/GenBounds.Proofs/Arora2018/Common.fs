/// Symbols and hypotheses shared by the catalog files of Arora, Ge, Neyshabur, Zhang (ICML 2018), "Stronger
/// Generalization Bounds for Deep Nets via a Compression Approach" (arXiv 1802.05296v4). Formulas and tags follow
/// /work/shared/lemmas/arora2018-compression.md.
module GenBounds.Proofs.Arora2018.Common

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

/// Natural logarithm.
let ln (x: Expr) = Expr.ln x
/// The source every entry cites.
let paper = "Arora, Ge, Neyshabur, Zhang 2018"
/// A citation of the paper.
let cite section equation = { Source = paper; Section = section; Equation = equation }

/// γ.
let gamma = sym "gamma"
/// η.
let eta = sym "eta"
/// ε.
let eps = sym "epsilon"
/// δ.
let delta = sym "delta"

/// Bias-free ReLU networks (positive homogeneity; catalog §1 note ii).
let biasFree = Hypothesis.NamedAssumption("bias-free", "fully connected ReLU net without biases (positive homogeneity: M^{i,j}(x^i) = J^{i,j} x^i; catalog §1 note ii)")
/// Helper strings and grids fixed before S.
let fixedBeforeS = Hypothesis.NamedAssumption("fixed before S", "helper string (random matrices/vectors) and parameter grid fixed before the sample S is seen")
/// A probe independent of the algorithm's randomness.
let independentProbe = Hypothesis.NamedAssumption("fixed u", "the test vector u (or pair u, v) is fixed, independent of the algorithm's coins/helpers")

/// A probability-valued variable.
let probability name description = Statement.var name description Domain.probability
/// A non-negative variable.
let nonNeg name description = Statement.var name description Domain.nonNegative

/// The helper-count constant C_k of k = C_k ln(1/η)/ε² (Algorithms 1 and 3): a parameter of the statement, so that
/// the algorithm's k is data a mutant can change and the checker verifies the hypothesis k ≥ C_k ln(1/η)/ε² on every
/// trial.
let helperConstant = "C_k"

/// A mutant that changes the helper constant.
let withHelperConstant tag description (value: float) (s: Statement) =
    s |> Statement.mutateWith tag description (Statement.withParameter helperConstant value)

/// The name with its value scaled: the relation with `name` replaced by `factor·name`.
let scaled (name: string) (factor: Expr) = Relation.substitute name (factor * sym name)

/// A catalogued entry that is not checkable yet, with the reason.
let notYet id name section equation provenance informal conclusion reason notes =
    { Statement.create id name (cite section equation) provenance informal conclusion with
        Checkability = Checkability.NotYetCheckable reason
        Notes = notes }
