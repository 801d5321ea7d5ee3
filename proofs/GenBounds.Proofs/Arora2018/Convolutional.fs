/// Arora et al. (2018) §5 and App. C: convolutional nets (Theorem 5.1, Definitions 8–10, Algorithm 4, Lemmas 11–14,
/// Corollary C.1; App. C.3's Definition 11, Lemma 15, Claim 1 and Corollary C.2 are in Subexponential.fs). The catalog (/work/shared/lemmas/arora2018-compression.md, entry ARORA-C) has only a
/// summary of appendix C: the statements of Algorithm 4 and Lemmas 11 and 13 below are OUR RECONSTRUCTION of that
/// summary (tag Recon), checked on the engine's reading of Algorithm 4 (GenBounds.Compression.MatrixProjectConv).
module GenBounds.Proofs.Arora2018.Convolutional

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

let private onS = "Measured on the training sample S: every minimum/maximum uses the whole S the verifier is given; a subsample over-estimates cushions (optimistic)."

/// Why the CNN checks run on a verifier-trained CNN: the lab holds an MLP.
let cnnNote =
    "Networks: synthetic = a bias-free CNN 1x28x28:conv4k5s2-conv8k3s2-fc10 at its PyTorch default initialisation (drawn from a named stream); real = the same CNN trained by the verifier on S (5 epochs of Adam, batch 32, keyed by the content of S and the master seed), because the lab holds an MLP."

/// The constant Q of Algorithm 4's k = Q ceil(kappa/s)^2 ln(1/eta)/eps^2 ("a large universal constant"; the paper
/// fixes no value): a statement parameter, so that a mutant can shrink it and the checker verifies the hypothesis on
/// every trial.
let conv4Constant = "Q"

/// A mutant that changes Q.
let private withQ tag description (value: float) (s: Statement) =
    s |> Statement.mutateWith tag description (Statement.withParameter conv4Constant value)

let private alg4Vars =
    [ Statement.var "k" "Gaussian tensors per location" Domain.positiveInteger
      Statement.var "p" "independence parameter, p = ceil(ln(1/eta))" Domain.positiveInteger
      Statement.var "ks" "ceil(kappa/s): larger kernel side over the stride" Domain.positiveInteger
      Statement.var "epsilon" "accuracy" Domain.positive ]

let private helperCondition (logTerm: Expr) =
    Hypothesis.Condition(sym "k" >=. sym conv4Constant * sym "ks" ** 2 * logTerm / eps ** 2)

/// ARORA-C.ALG4 (Algorithm 4 Matrix-Project-Conv), its promise per output location in the form of Algorithm 1's.
let alg4 =
    { Statement.create "ARORA-C.ALG4" "Matrix-Project-Conv promise per location (Algorithm 4)" (cite "App. C" (Some "Algorithm 4")) [ Provenance.Exact; Provenance.Recon ]
        "With k = Q ceil(kappa/s)^2 ln(1/eta)/eps^2 Gaussian tensors per location projected on a shared random subspace of dimension kp (p = ceil(ln(1/eta))), every location's kernel Ahat_(i,j) satisfies |u^T (Ahat_(i,j) - A) v| <= eps ||A||_F ||u|| ||v|| with probability >= 1 - eta, for fixed u, v."
        (Conclusion.WithProbability(sym "dev" <=. eps * sym "normA" * sym "normB", eta, "the helper string (subspace and Gaussians)")) with
        Variables =
            [ nonNeg "dev" "|u^T (Ahat_(i,j) - A) v| at one location, A the kernel as an out x (in kh kw) matrix, v an input patch"
              Statement.var "normA" "||A||_F of the kernel tensor" Domain.positive
              Statement.var "normB" "||u|| ||v||" Domain.positive
              Statement.var "eta" "failure probability" Domain.confidence ]
            @ alg4Vars
        Parameters = [ conv4Constant, 1.0 ]
        Hypotheses =
            [ helperCondition (ln (1 / eta))
              Hypothesis.Condition(sym "p" >=. ln (1 / eta))
              Hypothesis.NamedAssumption("helpers", "subspace and Gaussian tensors drawn from the helper string, fixed before S")
              independentProbe ]
        Notes =
            [ "RECON: the catalog summarises Algorithm 4 without its 'Ensure' line; the per-location promise of Algorithm 1 is our reading. The engine's reading of the algorithm (MatrixProjectConv) is unbiased over the helper string; given the subspace it estimates (D/r) P_S A, so the error has a subspace part (about ||A|| ||B||/sqrt(kp)) and a Gaussian part (about ||A|| ||B||/sqrt(k))."
              "Q is unspecified in the paper ('a large universal constant'); the statement is checked at Q = 1, where the ceil(kappa/s)^2 factor already gives slack on overlapping kernels."
              cnnNote ] }

/// ARORA-C.ALG4's mutant: Q = 1/64 leaves one or two Gaussians per location.
let alg4Mutants = [ alg4 |> withQ "Q-1/64" "helper count k = ceil(kappa/s)^2 ln(1/eta)/(64 eps^2) (Q = 1/64)" (1.0 / 64.0) ]

/// ARORA-C.L11 (Lemma 11): every location's kernel is computable from Proj_S(A) (kp numbers) and the helper string.
let l11 =
    { Statement.create "ARORA-C.L11" "Conv compression is storable (Lemma 11)" (cite "App. C" (Some "Lemma 11")) [ Provenance.Exact; Provenance.Recon ]
        "All location kernels Ahat_(i,j) are computable from Proj_S(A) (at most kp parameters) given the helper string: the stored numbers are at most kp, and changing A by a component orthogonal to S leaves every Ahat_(i,j) unchanged."
        (Conclusion.Deterministic(maxOf [ sym "stored" - sym "k" * sym "p"; sym "orthChange" - sym "roundoff" ] <=. Expr.zero)) with
        Variables =
            [ Statement.var "stored" "numbers the compressed layer stores (r = min(kp, D) coordinates)" Domain.positiveInteger
              Statement.var "k" "Gaussian tensors per location" Domain.positiveInteger
              Statement.var "p" "independence parameter" Domain.positiveInteger
              nonNeg "orthChange" "max over locations of ||Ahat(A + w) - Ahat(A)||_F/||Ahat(A)||_F for a Gaussian w orthogonal to S"
              nonNeg "roundoff" "float64 round-off allowance, 1e-9" ]
        Notes =
            [ "RECON/DERIVED: the engine stores a = U^T vec(A) (U an orthonormal basis of S) and regenerates U and every location's Gaussians from the seed, so Ahat depends on A only through a."
              "Checked per conv layer and helper seed on the actual compressed layers (MatrixProjectConv.Compress/Decompress)."
              cnnNote ] }

/// ARORA-C.L11's mutant: only k numbers stored (p dropped).
let l11Mutants =
    [ l11 |> Statement.mutate "k-only" "at most k stored numbers (p dropped)" (fun _ -> maxOf [ sym "stored" - sym "k"; sym "orthChange" - sym "roundoff" ] <=. Expr.zero) ]

/// ARORA-C.L13 (Lemma 13): conv analogue of Lemma 2 with the factor eps beta/sqrt(n_1' n_2').
let l13 =
    { Statement.create "ARORA-C.L13" "Matrix-Project-Conv error on finitely many pairs (Lemma 13)" (cite "App. C" (Some "Lemma 13")) [ Provenance.Exact; Provenance.Recon ]
        "With eta = delta/(m n) in Algorithm 4, with probability >= 1 - delta, ||U (Ahat - A) x|| <= eps beta/sqrt(n_1' n_2') ||A||_F ||U||_F ||x|| for all m pairs (U, x) with U beta well-distributed (Definition 10)."
        (Conclusion.WithProbability(sym "worst" <=. eps, delta, "the helper string")) with
        Variables =
            [ nonNeg "worst" "max over pairs of ||U (Ahat - A) x|| sqrt(n_1' n_2')/(beta ||A||_F ||U||_F ||x||), A the kernel tensor, Ahat the per-location kernels, x the layer input"
              Statement.var "delta" "confidence" Domain.confidence
              Statement.var "m" "pairs" Domain.positiveInteger
              Statement.var "n" "rows of U" Domain.positiveInteger ]
            @ alg4Vars
        Parameters = [ conv4Constant, 1.0 ]
        Hypotheses =
            [ helperCondition (ln (sym "m" * sym "n" / delta))
              Hypothesis.NamedAssumption("pairs", "(U, x) independent of the helper string; beta = max over the pairs of the Definition-10 constant of U")
              fixedBeforeS ]
        Notes =
            [ "RECON: the catalog gives Lemma 13 as 'the conv analogue of Lemma 2 with factor eps beta/sqrt(n_1' n_2')' and its count k = 144 Q'^2 ceil(kappa/s)^2 p^2/eps^2; we check the form above with Algorithm 4's own smaller count k = Q ceil(kappa/s)^2 ln(m n/delta)/eps^2 (a harder test)."
              "Pairs: x = the input of the second conv layer on m training points, U = J^{2,3}_x = A^3 D^2 (the Jacobian of the output w.r.t. that layer's output), n = 10 rows."
              cnnNote ] }

/// ARORA-C.L13's mutant.
let l13Mutants = [ l13 |> withQ "Q-1/256" "helper count with Q = 1/256 (one Gaussian per location)" (1.0 / 256.0) ]

/// ARORA-D8 (Definition 8): the conv interlayer cushion, measured on a CNN.
let d8 =
    { Statement.create "ARORA-D8" "Convolutional interlayer cushion (Definition 8)" (cite "§5" (Some "Definition 8")) [ Provenance.Exact ]
        "mu_{i,j} is the largest number with mu_{i,j} ||J^{i,j}_{x^i}||_F ||x^i||/sqrt(n_1^i n_2^i) <= ||J^{i,j}_{x^i} x^i|| for every x in S."
        (Conclusion.Deterministic(sym "mu_ij" * sym "normJ_F" * sym "normx_i" / sqrt (sym "n_1" * sym "n_2") <=. sym "normJx")) with
        Role = Role.Definition
        ByConstruction = Some "mu_{i,j} is bound as the minimum over S of the very ratios it is compared with"
        Variables =
            [ nonNeg "mu_ij" "mu_{i,j} (measured: the minimum Definition-8 ratio over S)"
              nonNeg "normJ_F" "||J^{i,j}_{x^i}||_F, exact (structured probing)"
              nonNeg "normx_i" "||x^i||"
              nonNeg "normJx" "||J^{i,j}_{x^i} x^i||"
              Statement.var "n_1" "height of x^i (1 for dense layers)" Domain.positiveInteger
              Statement.var "n_2" "width of x^i (1 for dense layers)" Domain.positiveInteger ]
        Hypotheses = [ biasFree ]
        Notes = [ "Dense layers have n_1 = n_2 = 1 and Definition 8 is Definition 5."; onS; cnnNote ] }

/// ARORA-D8's mutant.
let d8Mutants = [ d8 |> Statement.mutate "mu-1.5" "mu_{i,j} scaled up by 1.5 (larger than the minimum ratio)" (scaled "mu_ij" (frac 3 2)) ]

/// ARORA-D9 (Definition 9): the β of well-distributed Jacobians, measured on a CNN.
let d9 =
    { Statement.create "ARORA-D9" "Well-distributed Jacobian (Definition 9)" (cite "§5" (Some "Definition 9")) [ Provenance.Exact ]
        "J^{i,j}_x is beta well-distributed if every input-location slice [J]_{:,a,b,:,:,:} has Frobenius norm at most beta/sqrt(n_1^i n_2^i) times ||J||_F, for all x in S, i < j, (a, b)."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normJ_F")) with
        Role = Role.Definition
        ByConstruction = Some "beta is bound as the maximum over S and locations of the very slice ratios it is compared with"
        Variables =
            [ nonNeg "normSlice" "max over locations (a, b) of ||[J^{i,j}_x]_{:,a,b,...}||_F (exact)"
              nonNeg "beta" "beta_{i,j} (measured: the maximum over S)"
              nonNeg "normJ_F" "||J^{i,j}_x||_F (exact)"
              Statement.var "n_1" "height of x^i" Domain.positiveInteger
              Statement.var "n_2" "width of x^i" Domain.positiveInteger ]
        Notes =
            [ "Paper (Fig. A.5): beta is about 1 for almost all VGG-19 layers (read from upper tails of sampled-pixel histograms); here beta is exact per sample and location."
              "Dense x^i (n_1 = n_2 = 1) gives beta = 1 exactly."
              onS; cnnNote ] }

/// ARORA-D9's mutant.
let d9Mutants = [ d9 |> Statement.mutate "beta-2/3" "beta scaled down by 2/3 (below the maximum)" (scaled "beta" (frac 2 3)) ]

/// ARORA-C.D10 (Definition 10): a β well-distributed matrix, measured on the pairs of Lemma 13.
let d10 =
    { Statement.create "ARORA-C.D10" "Well-distributed matrix (Definition 10)" (cite "App. C" (Some "Definition 10")) [ Provenance.Exact ]
        "U is beta well-distributed if ||U_{:,j,k,:}||_F <= beta/sqrt(n_1' n_2') ||U||_F for every location (j, k)."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normU_F")) with
        Role = Role.Definition
        ByConstruction = Some "beta is bound as the maximum over the matrices and locations of the very ratios it is compared with"
        Variables =
            [ nonNeg "normSlice" "||U_{:,j,k,:}||_F at one location (j, k): the columns of U that read that location"
              nonNeg "beta" "beta (measured: the maximum over the matrices and locations)"
              nonNeg "normU_F" "||U||_F"
              Statement.var "n_1" "height of the layer output" Domain.positiveInteger
              Statement.var "n_2" "width of the layer output" Domain.positiveInteger ]
        Notes = [ "The matrices are Lemma 13's U = J^{2,3}_x (one per training point)."; cnnNote ] }

/// ARORA-C.D10's mutant.
let d10Mutants = [ d10 |> Statement.mutate "beta-2/3" "beta scaled down by 2/3 (below the maximum)" (scaled "beta" (frac 2 3)) ]


/// The variables and hypotheses of Theorem 5.1's explicit form (shared by Corollary C.1, which rewords three of them).
let private boundVariables (compressed: string) (lhat: string) (q: string) (rho: string) =
    [ Statement.var "L0tilde" ("L_0(f_Atilde): held-out classification error of the " + compressed + " (Clopper-Pearson)") Domain.probability
      Statement.var "Lhat_gamma" lhat Domain.probability
      Statement.var "q" q Domain.positive
      Statement.var "r" "values per parameter of the pre-fixed grid (2^32)" Domain.positiveInteger
      Statement.var "m" "training-set size" Domain.positiveInteger
      Statement.var "delta" "confidence" Domain.confidence
      Statement.var "rho_delta" rho Domain.nonNegative
      Statement.var "d" "number of weight layers" Domain.positiveInteger ]

let private boundHypotheses =
    [ Hypothesis.Condition(sym "rho_delta" >=. 3 * sym "d"); biasFree
      Hypothesis.NamedAssumption("fixed before S", "helper string and value grid fixed before S; S i.i.d.") ]

let private surrogate (sign: Expr -> Expr) =
    let q, r, m = sym "q", sym "r", sym "m"
    sym "L0tilde" <=. sym "Lhat_gamma" + sign (sqrt ((q * Expr.ln r + Expr.ln (2 / delta)) / (2 * m)))

/// The false-on-purpose form shared by T5.1's and C.1's mutants: the complexity term subtracted (and ζ not paid).
let private minusComplexity (s: Statement) =
    { s with Conclusion = Conclusion.WithProbability(surrogate (fun t -> Expr.zero - t), delta, "S and Atilde") }

/// ARORA-T5.1 (Theorem 5.1) in the explicit surrogate form of ARORA-T4.1: Theorem 2.1 (verifier form) with Lemma 10's
/// γ/√2 closeness and q = Σ_i k_i from Lemma 14's count (β² ⌈κ_i/s_i⌉² per layer).
let t51 =
    { Statement.create "ARORA-T5.1" "Generalization of convolutional nets (Theorem 5.1)" (cite "§5, App. C.2" (Some "Theorem 5.1")) [ Provenance.Exact; Provenance.Derived; Provenance.Recon ]
        "For a CNN with rho_delta >= 3d, Algorithm 4 gives L_0(f_Atilde) <= Lhat_gamma(f_A) + O~(sqrt(c^2 d^2 max ||f||^2 sum_i beta^2 ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)/(gamma^2 m))); checked in the explicit form Lhat_gamma + sqrt((q ln r + ln(2/delta))/(2m))."
        (Conclusion.WithProbability(surrogate id, delta, "S and Atilde")) with
        Variables =
            boundVariables "compressed CNN" "Lhat_gamma(f_A) on S"
                "parameters of the compression: sum_i k_i, k_i = 36 c^2 d^2 beta^2 ceil(kappa_i/s_i)^2 ln(6 d^2 h^2 m/delta)/(eps^2 mu_i^2 mu_{i->}^2), eps^2 = gamma^2/(2 max ||f||^2)"
                "interlayer smoothness (Definition 7) under the compression noise"
        Hypotheses = boundHypotheses
        Notes =
            [ "EXACT statement; DERIVED/RECON verifier form: Lemma 14's count is our conv analogue of Lemma 3's 36 c^2 d^2 ln(6d^2h^2m/delta)/(eps^2 mu_i^2 mu_{i->}^2) with the factor beta^2 ceil(kappa_i/s_i)^2 of the theorem (h = the largest x^i size); the O~ hides constants and logs, so the explicit form is a surrogate and a bound >= 1 is reported as vacuous."
              "The compressed CNN: every conv layer by Algorithm 4 with k_i Gaussians per location (k_i p_i >= D_i, so the helper subspace is the whole kernel space and each location's kernel is exactly (1/k) sum <A, M> M with M ~ N(0, I)), simulated by its Gaussian surrogate A + (||A||_F G + z A)/sqrt(k_i) per location; the dense layer by Algorithm 1's surrogate."
              "rho_delta: one minus the largest ratio over draws of the Definition-7 left side; the perturbed net uses the shared-kernel surrogate (a convolution), an approximation of Algorithm 4's per-location noise (stated)."
              "Also reported: c, beta, ceil(kappa_i/s_i), the Table-1 effective parameters and the plotted proxy."
              cnnNote ] }

/// ARORA-T5.1's mutant.
let t51Mutants = [ t51 |> Statement.mutateWith "minus-complexity" "complexity term subtracted instead of added" minusComplexity ]

/// ARORA-C.COR1 (Corollary C.1) in the surrogate form of ARORA-T5.1: the quantities of Lemma 14's counts measured on
/// S' ⊆ S, the training points left after removing each quantity's worst ζ fraction, at the price of the fraction removed.
let cor1 =
    { Statement.create "ARORA-C.COR1" "CNN bound with outliers removed (Corollary C.1)" (cite "App. C" (Some "Corollary C.1")) [ Provenance.Exact; Provenance.Derived; Provenance.Recon ]
        "Theorem 5.1 with c, beta, mu_i, mu_{i->} and max ||f|| measured on a 1 - zeta fraction S' of S, plus zeta: L_0(f_Atilde) <= Lhat_gamma(f_A) + zeta + sqrt((q ln r + ln(2/delta))/(2m)), checked in that explicit form."
        (Conclusion.WithProbability(surrogate (fun t -> sym "zeta" + t), delta, "S and Atilde")) with
        Variables =
            boundVariables "CNN compressed with the counts of S'" "Lhat_gamma(f_A) on the whole S" "sum_i k_i with Lemma 14's counts from the quantities on S'"
                "interlayer smoothness (Definition 7) under the compression noise at the counts of S', on the whole S"
            @ [ probability "zeta" "|S minus S'|/|S|: the union of every quantity's worst points (each quantity drops its worst 2%)" ]
        Hypotheses = boundHypotheses
        Notes =
            [ "EXACT statement (catalog: 'Corollary C.1: same with +zeta when the properties are measured on a 1 - zeta fraction of S'); DERIVED/RECON verifier form as ARORA-T5.1."
              "The points removed are the union of each per-sample quantity's worst floor(0.02 |S|) (layer cushions, interlayer cushions and beta per pair, the contraction, the output norm); every quantity is then the exact minimum or maximum over the same S', and the union's size, not 2% times the number of quantities, is charged."
              cnnNote ] }

/// ARORA-C.COR1's mutant: the outliers removed for free.
let cor1Mutants = [ cor1 |> Statement.mutateWith "zeta-free" "outliers removed without paying zeta, and the complexity term subtracted" minusComplexity ]

/// ARORA-C.L14 (Lemma 14): the conv analogue of Lemma 3 (ARORA-L3), with the factor β²⌈κ_i/s_i⌉² in each layer's count.
let l14 =
    { Statement.create "ARORA-C.L14" "Compressed CNN: output error (Lemma 14)" (cite "App. C" (Some "Lemma 14")) [ Provenance.Exact; Provenance.Recon; Provenance.Derived ]
        "For a bias-free CNN with rho_delta >= 3d, compressing every convolution by Algorithm 4 and the dense layers by Algorithm 1 with k_i = 36 c^2 d^2 beta^2 ceil(kappa_i/s_i)^2 ln(6 d^2 h^2 m/delta)/(eps^2 mu_i^2 mu_{i->}^2) gives, with probability >= 1 - delta/2, ||f_A(x) - f_Atilde(x)|| <= eps ||f_A(x)|| for all x in S."
        (Conclusion.WithProbability(sym "maxRelErr" <=. eps, delta / 2, "Atilde (Algorithm 4 per location, Gaussian surrogate)")) with
        Variables =
            [ Statement.var "maxRelErr" "max over x in S of ||f_A(x) - f_Atilde(x)||/||f_A(x)|| for one compressed CNN" Domain.nonNegative
              Statement.var "epsilon" "target relative error: Lemma 10's gamma/(sqrt 2 max ||f_A(x)||), the eps of ARORA-T5.1" Domain.confidence
              Statement.var "delta" "confidence (0.1, as ARORA-T5.1)" Domain.confidence
              Statement.var "rho_delta" "interlayer smoothness (Definition 7) under the surrogate noise at these counts" Domain.nonNegative
              Statement.var "d" "number of weight layers" Domain.positiveInteger ]
        Hypotheses = [ Hypothesis.Condition(sym "rho_delta" >=. 3 * sym "d"); biasFree ]
        Notes =
            [ "RECON: the catalog gives Lemma 14 as the conv analogue of Lemma 3 with O~(c^2 d^2 beta^2/eps^2 sum_i ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)) parameters; the count above is Lemma 3's (ARORA-L3, 6cd form) times beta^2 ceil(kappa_i/s_i)^2, the same count ARORA-T5.1 uses (DERIVED)."
              "The compressed CNN is simulated as ARORA-T5.1's, at T5.1's eps and delta (so both share the rho_delta draws): each output location's kernel is the Gaussian surrogate A + (||A||_F G + z A)/sqrt(k_i) of Algorithm 4 with k_i p >= D, independently per location."
              cnnNote ] }

/// ARORA-C.L14's mutant.
let l14Mutants = [ l14 |> Statement.mutate "eps-1000" "output error eps/1000 at the same k_i" (scaled "epsilon" (frac 1 1000)) ]

let private cnnReason =
    "not checked yet: the appendix-C text was not available to us (the catalog gives a summary only), so the exact statement is unknown"

let private cnn id name section equation informal conclusion notes =
    { Statement.create id name (cite section equation) [ Provenance.Exact ] informal conclusion with
        Checkability = Checkability.NotYetCheckable cnnReason
        Notes = notes }

/// CNN items not checkable yet: Lemma 12 (Definition 11, Lemma 15, Claim 1 and Corollary C.2 are in
/// Subexponential.fs).
let statements =
    [ cnn "ARORA-C.L12" "p-wise independence of location filters" "App. C" (Some "Lemma 12")
        "The location filters are p-wise independent with spherical Gaussian marginals."
        (Conclusion.Deterministic(sym "dependence" <=. Expr.zero))
        [ "Our reading of Algorithm 4 (MatrixProjectConv) makes the locations independent given the subspace S, not p-wise independent unconditionally; the paper's construction is not in the catalog." ] ]
