/// Symbols, hypotheses and mutation helpers shared by the Guha, Dubey, Huo (2023) catalog files, "Generalization Bounds
/// for Magnitude-Based Pruning via Sparse Matrix Sketching" (arXiv 2305.18789v2). Formulas follow
/// /work/shared/lemmas/guha2023-mbp-sketching.md: the paper's displays were lost, so every entry carries the catalog's
/// provenance tags and caveats.
module GenBounds.Proofs.Guha2023.Common

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

/// Natural logarithm.
let ln (x: Expr) = Expr.ln x
/// The source every entry cites.
let paper = "Guha, Dubey, Huo 2023"
/// A citation of the paper.
let cite section equation = { Source = paper; Section = section; Equation = equation }

// Shared symbols: d pruning strength, Psi layer variance, h_l / h_{l-1} output / input widths.
/// Pruning strength d.
let d = sym "d"
/// Layer variance Ψ_l.
let psi = sym "Psi"
/// Output width h_l.
let hOut = sym "h_l"
/// Input width h_{l−1}.
let hIn = sym "h_{l-1}"
/// d/(d+2).
let ratio = d / (d + 2)

/// χ(d) = (√(d+2) − √d)/√(d+2), the unconditional keep probability (GUHA-ALG1, DERIVED).
let chi (dd: Expr) = (sqrt (dd + 2) - sqrt dd) / sqrt (dd + 2)

/// Assumption 3.1.
let gaussianWeights = Hypothesis.NamedAssumption("A3.1", "i.i.d. Gaussian weights: W^l_ij ~ N(0, Psi_l) independently")
/// Algorithm 1's pruning rule.
let algorithm1 = Hypothesis.NamedAssumption("ALG1", "Algorithm 1: entry (i,j), i != j, pruned independently with probability exp(-W_ij^2/(d Psi_l)); diagonal kept")
/// No biases.
let noBiases = Hypothesis.NamedAssumption("bias-free", "the network has no bias vectors")
/// Lipschitz activations vanishing at 0.
let lipschitz = Hypothesis.NamedAssumption("Lipschitz", "phi_l(0) = 0 and phi_l is lambda_l-Lipschitz (ReLU: lambda_l = 1)")
/// The catalog's two probability spaces.
let twoSpaces =
    "Two probability spaces (catalog §0): under A3.1 the expectation is over weights and mask; on a trained network the weights are fixed and only the mask is random."

/// h_l and h_{l−1}.
let widths =
    [ Statement.var "h_l" "output width of layer l" Domain.positiveInteger
      Statement.var "h_{l-1}" "input width of layer l" Domain.positiveInteger ]

/// d and Ψ.
let pruning =
    [ Statement.var "d" "pruning strength of Algorithm 1 (larger prunes more)" Domain.positive
      Statement.var "Psi" "variance Psi_l of the entries of W^l (code: np.var of the layer)" Domain.positive ]

/// The Bernstein deviation t = L/3 + √(L²/9 + 2μL), L = ln(bins/δ) (GUHA-LE.1, DERIVED).
let bernsteinDeviation (mu: Expr) (bins: Expr) (delta: Expr) =
    let lg = ln (bins / delta)
    lg / 3 + sqrt (lg ** 2 / 9 + 2 * mu * lg)

/// A mutant whose bound is a typical value of the bounded quantity itself (its median or lower decile over the
/// checked instances, bound by the experiment as `typical`). LB.2, L4.3 and L4.4b are loose by 50x to 5000x, so a
/// constant-factor mutant is not false on real inputs; this one is false whenever the quantity varies at all: about
/// half (median, deterministic rule) or nine tenths (lower decile, against delta = sum eps_l = 0.3) of the
/// instances exceed it. It keeps the original's failure probability, so only the bound is wrong.
let typicalValue tag description (quantity: string) (typical: string) (s: Statement) =
    s |> Statement.mutateWith tag description (fun s ->
        { s with
            Conclusion = Statement.mapConclusion (fun _ -> sym quantity <=. sym typical) s.Conclusion
            Variables = s.Variables @ [ Statement.var typical ("typical value of " + quantity + " over the checked instances (the mutant's bound)") Domain.nonNegative ] })

/// A catalogued entry that is not checkable yet, with the reason.
let notYet id name section equation provenance informal conclusion reason notes =
    { Statement.create id name (cite section equation) provenance informal conclusion with
        Checkability = Checkability.NotYetCheckable reason
        Notes = notes }
