/// Guha et al. (2023) §3: the compression framework they build on (Definition 3.1, Theorem 3.1) and the Gaussian-weights
/// assumption (Assumption 3.1).
module GenBounds.Proofs.Guha2023.Framework

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Guha2023.Common

/// GUHA-A3.1 (Assumption 3.1): every weight is N(0, Ψ_l), independently. Checked as a one-sample Kolmogorov–Smirnov
/// test of W/√Ψ_l against N(0,1) at level 1%.
let a31 =
    { Statement.create "GUHA-A3.1" "Gaussian weights" (cite "§3.3" (Some "Assumption 3.1")) [ Provenance.Prose ]
        "Each trained weight is an independent N(0, Psi_l) variable."
        (Conclusion.Deterministic(sym "KS" <=. sym "KS_{0.99}")) with
        Role = Role.Assumption
        Variables =
            [ Statement.var "KS" "Kolmogorov-Smirnov distance of W^l_ij/sqrt(Psi_l) from N(0,1)" Domain.probability
              Statement.var "KS_{0.99}" "asymptotic 99% critical value 1.6276/sqrt(n), n = h_l h_{l-1}" Domain.probability ]
        Notes =
            [ "PROSE: normal, mean 0, variance Psi; independence is used throughout the proofs; whether Psi is shared across layers is unclear (the code uses a per-layer variance)."
              "With 1e5-1e6 entries the test rejects almost surely on trained layers; the effect sizes (excess kurtosis, Anderson-Darling A^2, Q-Q plot) are the informative numbers." ] }

/// GUHA-A3.1's mutant: a critical value ten times too small rejects even Gaussian weights.
let a31Mutants =
    [ a31 |> Statement.mutate "critical-tenth" "KS critical value divided by 10" (Relation.map (Expr.substitute "KS_{0.99}" (sym "KS_{0.99}" / 10))) ]

/// GUHA-N3.1 (§3.1): notation and losses. The empirical margin loss is the fraction of training points with
/// f(x)[y] ≤ γ + max_{j≠y} f(x)[j] — ties count as errors — and the verifier's margin code must agree with that definition
/// evaluated directly on the logits.
let n31 =
    { Statement.create "GUHA-N3.1" "Notation and losses" (cite "§3.1" None) [ Provenance.Prose ]
        "The empirical margin loss Lhat_gamma(f) is the fraction of training points with f(x)[y] <= gamma + max_{j != y} f(x)[j] (ties are errors); L_0 is the classification error and the pruned model's 'generalization error' is L_0(g) itself."
        (Conclusion.Deterministic(sym "Lhat" ==. sym "LhatDef")) with
        Role = Role.Definition
        Variables =
            [ Statement.var "Lhat" "the verifier's Lhat_gamma(f) (engine margins, count of margin <= gamma), as every bound here uses it" Domain.probability
              Statement.var "LhatDef" "the definition evaluated directly on the logits: (1/m) #{i : f(x_i)[y_i] <= gamma + max_{j != y_i} f(x_i)[j]}" Domain.probability
              Statement.var "LhatStrict" "the same count with < instead of <= (ties counted as correct)" Domain.probability
              Statement.var "LhatProse" "the paper's prose reading: the fraction classified correctly with margin >= gamma" Domain.probability ]
        Tolerance = Accuracy.VeryHigh
        Notes =
            [ "PROSE: the paper's prose describes the empirical margin loss backwards (as the count of points classified correctly with margin >= gamma); the standard, code-consistent indicator is used (the code's empirical_margin_loss counts margin < gamma, i.e. strict: ties at gamma = 0 count as correct there)."
              "Checked at gamma = 0 and at observed margins (so that ties occur): Delta^l = W^l - What^l, g = the pruned model, and L_0(g) is what the paper calls its generalization error." ] }

/// GUHA-N3.1's mutants.
let n31Mutants =
    [ n31 |> Statement.mutate "strict" "ties counted as correct (margin < gamma)" (fun _ -> sym "Lhat" ==. sym "LhatStrict")
      n31 |> Statement.mutate "prose-reading" "the paper's prose reading (fraction correct with margin >= gamma)" (fun _ -> sym "Lhat" ==. sym "LhatProse")
      |> Statement.diagnostic ]

/// GUHA-D3.1 (Definition 3.1 = Arora et al. 2018, Def. 2): (γ, S)-compressibility, over all k output coordinates.
let d31 =
    { Statement.create "GUHA-D3.1" "(gamma, S)-compressibility" (cite "§3.2" (Some "Definition 3.1")) [ Provenance.Ext; Provenance.Prose ]
        "The compressed network g is within gamma of f on every output coordinate of every training input."
        (Conclusion.Deterministic(sym "maxAbsDiff" <=. sym "gamma")) with
        Role = Role.Definition
        Variables =
            [ Statement.var "maxAbsDiff" "max over x in S and y in [k] of |f(x)[y] - g(x)[y]|" Domain.nonNegative
              Statement.var "gamma" "compression tolerance (here: the realised LB.2 bound gamma*, the code's needed margin)" Domain.nonNegative
              Statement.var "trueClassMaxDiff" "the code's measure: max over S of |f(x)[y] - g(x)[y]| at the true class only" Domain.nonNegative
              Statement.var "meanAbsDiff" "mean over x in S and y in [k] of |f(x)[y] - g(x)[y]| (for the typical-value mutant)" Domain.nonNegative ]
        Hypotheses = [ Hypothesis.NamedAssumption("helper string", "sketch matrices and grids fixed before S is seen") ]
        Notes = [ "The authors' code measures only the true-class coordinate, which is weaker than the definition; the verifier takes all k coordinates." ] }

/// GUHA-D3.1's mutants.
let d31Mutants =
    [ // A discrepancy probe, not a guaranteed falsehood: on trained nets the largest change is often at the true class.
      d31 |> Statement.mutate "true-class-only" "gamma taken as the code's true-class-only difference" (fun _ -> sym "maxAbsDiff" <=. sym "trueClassMaxDiff") |> Statement.diagnostic
      // False whenever the differences are not all equal: the maximum over (x, y) exceeds the mean.
      d31 |> Statement.mutate "mean" "gamma taken as the mean |f - g| over S and all k outputs" (fun _ -> sym "maxAbsDiff" <=. sym "meanAbsDiff") ]

/// The honest binding of (q, r) that every check of Theorem 3.1 uses, stated once.
let honestCount =
    "Bound honestly (issue 12): the class is fixed before S. Synthetic: x -> sigma x_j over j in [h], sigma = +-1, so q = 1 parameter with r = 2h values. Real: g = the pruned (d = 1) net rounded to rho_l = the largest power of two <= sqrt(Psi_l)/10, encoded the cheaper of two ways per network: dense (q = sum_l n_l entries, r = 2K + 1 grid values with 0 one of them) or by position (q = J non-zeros, r = max_l n_l 2K_l (position, level) pairs). The data-dependent choices (the step among 40 powers of two per layer, K among 2^0..2^30, J when it is the count, the encoding) are paid by a union bound: delta = 0.1 / (number of candidate classes)."

let t31 id name (marginFactor: int) extraNotes =
    let q, r, m, delta = sym "q", sym "r", sym "m", sym "delta"
    let lossName = if marginFactor = 1 then "Lhat_gamma" else "Lhat_2gamma"
    { Statement.create id name (cite "§3.2" (Some "Theorem 3.1")) [ Provenance.Ext; Provenance.Derived; Provenance.PaperIssue ]
        "If f is (gamma, S)-compressible by q parameters with r values each, the compressed net's test error is at most the training margin loss plus sqrt((q ln r + ln(1/delta))/(2m))."
        (Conclusion.WithProbability(sym "L0g" <=. sym lossName + sqrt ((q * ln r + ln (1 / delta)) / (2 * m)), delta, "S")) with
        Variables =
            [ Statement.var "L0g" "classification error of g (held-out estimate, or exact on the synthetic model)" Domain.probability
              Statement.var lossName (sprintf "empirical margin loss of f at margin %s" (if marginFactor = 1 then "gamma" else "2 gamma")) Domain.probability
              Statement.var "q" "number of parameters of the compression class (fixed before S)" Domain.positiveInteger
              Statement.var "r" "values per parameter" Domain.positiveInteger
              Statement.var "m" "training-set size" Domain.positiveInteger
              Statement.var "delta" "confidence (per class of the union bound)" Domain.confidence ]
        Hypotheses =
            [ Hypothesis.NamedAssumption("S i.i.d.", "training set drawn i.i.d.")
              Hypothesis.NamedAssumption("fixed before S", "parameter grid and helper string fixed before S")
              Hypothesis.NamedAssumption("D3.1", "f is (gamma, S)-compressible via g") ]
        Notes =
            [ "EXT: Arora et al. 2018, Thm 2.1; explicit Hoeffding + union-bound constants DERIVED (GUHA-TD.1)."
              honestCount
              "Synthetic: a Monte Carlo over S on a model with pure-noise labels (y a fair coin, x_j i.i.d. +-1, h = 1000, m = 201; g = the single coordinate most correlated with y on S, so L0(g) = 1/2 exactly and f = g)." ] @ extraNotes }

/// GUHA-T3.1 as stated (margin γ): inherits the factor-2 margin slip of Arora et al.'s proof.
let t31Stated =
    t31 "GUHA-T3.1" "Compression generalization bound (stated form)" 1
        [ "PAPER-ISSUE: per-coordinate closeness gamma only gives margin(g) >= margin(f) - 2 gamma, so 'Lhat_0(g) <= Lhat_gamma(f)' needs Lhat_2gamma(f); the count of training points where g errs although f has margin > gamma witnesses the slip." ]

/// A mutant claiming the compressed net makes no error at all: false on any net with a positive held-out error, so
/// the held-out comparison must reject it.
let private zeroError (s: Statement) = s |> Statement.mutate "zero-error" "claims the compressed net never errs (L0(g) <= 0)" (fun _ -> sym "L0g" <=. Expr.zero)

/// GUHA-T3.1's mutant.
let t31StatedMutants = [ zeroError t31Stated ]

/// GUHA-T3.1 corrected: margin 2γ (factor-2 margin slip fixed).
let t31Corrected =
    t31 "GUHA-T3.1-2gamma" "Compression generalization bound (corrected, margin 2 gamma)" 2
        [ "Factor-2 margin slip: corrected form uses 2 gamma (Arora et al.'s Lemma 10 handles the margin correctly)." ]

/// GUHA-T3.1-2gamma's mutant.
let t31CorrectedMutants = [ zeroError t31Corrected ]

/// GUHA-T3.1-optimistic (a probe of ours): the corrected Theorem 3.1 with the count this verifier used to bind — q = the
/// non-zeros of g, r = the levels it uses — which pays neither for the support, chosen on S, nor for the grid, chosen
/// after training. Kept beside the honest count as a finding: on the noise-label model it fails far more often than δ.
let t31Optimistic =
    { t31 "GUHA-T3.1-optimistic" "Compression bound with the optimistic count (support and grid unpaid)" 2
        [ "FINDING: the count bound before issue 12 (q = non-zeros of g, r = levels g uses) is not the size of a class fixed before S: which positions are non-zero is chosen by the data, and rho_l = sqrt(Psi_l)/10 after training. On the noise-label model the support is the coordinate chosen on S: q ln r = ln 2 against the honest ln(2h)."
          "LeNet-300-100 ticket at 3.6% (engine figures): honest count 95,410 nats vs optimistic 51,299 (1.86x); LD.1's naive count 93,008." ] with
        Role = Role.Probe
        Provenance = [ Provenance.Finding; Provenance.Ext ]
        // The probe claims the bound with this count; the count is not that of a class fixed before S, which is the finding.
        Hypotheses = [ Hypothesis.NamedAssumption("S i.i.d.", "training set drawn i.i.d."); Hypothesis.NamedAssumption("D3.1", "f is (gamma, S)-compressible via g") ] }
    |> Statement.knownFalse "with q = the non-zeros of g and r = the levels it uses, the support chosen on S is not paid for: on the noise-label model (L0(g) = 1/2) the bound falls below 1/2 in most draws of S"
