/// Arora et al. (2018) §5 and App. C: convolutional nets (Theorem 5.1, Definitions 8–11, Algorithm 4, Lemmas 11–15,
/// Claim 1, Corollaries C.1–C.2), catalogued; the verifier checks them once CNNs are in the engine.
module GenBounds.Proofs.Arora2018.Convolutional

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

let cnnReason = "CNN statement; the verifier checks bias-free MLPs (dense layers: beta = 1, ceil(kappa/s) = 1 reduce it to the fully connected case)"

let private cnn id name section equation informal conclusion notes =
    { Statement.create id name (cite section equation) [ Provenance.Exact ] informal conclusion with
        Checkability = Checkability.NotYetCheckable cnnReason
        Notes = notes }

/// CNN items: Theorem 5.1, Definitions 8–11, Algorithm 4, Lemmas 11–15, Claim 1, Corollaries C.1–C.2.
let statements =
    [ cnn "ARORA-T5.1" "Convolutional nets" "§5, App. C.2" (Some "Theorem 5.1")
        "For a CNN with rho_delta >= 3d, Algorithm 4 gives L_0(f_Atilde) <= Lhat_gamma(f_A) + O~(sqrt(c^2 d^2 max ||f||^2 sum_i beta^2 ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)/(gamma^2 m)))."
        (Conclusion.WithProbability(sym "L0tilde" <=. sym "Lhat_gamma" + sqrt (sym "q" / sym "m"), sym "delta", "S and Atilde"))
        [ "Per-location independent compression costs n_1 n_2 times more parameters; the fix is p-wise independent compressed filters." ]
      cnn "ARORA-D8" "Convolutional interlayer cushion" "§5" (Some "Definition 8")
        "mu_{i,j} is the largest number with mu_{i,j} ||J||_F ||x^i||/sqrt(n_1^i n_2^i) <= ||J x^i|| on S."
        (Conclusion.Deterministic(sym "mu_ij" * sym "normJ_F" * sym "normx_i" / sqrt (sym "n_1" * sym "n_2") <=. sym "normJx")) []
      cnn "ARORA-D9" "Well-distributed Jacobian" "§5" (Some "Definition 9")
        "J^{i,j}_x is beta well-distributed if every location slice has Frobenius norm at most beta/sqrt(n_1 n_2) times ||J||_F."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normJ_F"))
        [ "Paper (Fig. A.5): beta is about 1 for almost all VGG-19 layers." ]
      cnn "ARORA-C.ALG4" "Matrix-Project-Conv" "App. C" (Some "Algorithm 4")
        "Per location, k Gaussian tensors projected on a shared random subspace of dimension kp, k = Q ceil(kappa/s)^2 log(1/eta)/eps^2, p = log(1/eta)."
        (Conclusion.WithProbability(sym "err" <=. sym "epsilon", sym "eta", "the helper tensors")) []
      cnn "ARORA-C.L11" "Conv compression is storable" "App. C" (Some "Lemma 11")
        "All location filters are computable from Proj_S(A) (kp parameters) and the helper string."
        (Conclusion.Deterministic(sym "storedParameters" <=. sym "k" * sym "p")) []
      cnn "ARORA-C.L12" "p-wise independence of location filters" "App. C" (Some "Lemma 12")
        "The location filters are p-wise independent with spherical Gaussian marginals."
        (Conclusion.Deterministic(sym "dependence" <=. Expr.zero)) []
      cnn "ARORA-C.D10" "Well-distributed matrix" "App. C" (Some "Definition 10")
        "U is beta well-distributed if ||U_{:,j,k,:}||_F <= beta/sqrt(n_1' n_2') ||U||_F."
        (Conclusion.Deterministic(sym "normSlice" <=. sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "normU_F")) []
      cnn "ARORA-C.L13" "Conv Matrix-Project error" "App. C" (Some "Lemma 13")
        "Conv analogue of Lemma 2 with the factor eps beta/sqrt(n_1' n_2')."
        (Conclusion.WithProbability(sym "err" <=. sym "epsilon" * sym "beta" / sqrt (sym "n_1" * sym "n_2") * sym "scale", sym "delta", "the helper tensors")) []
      cnn "ARORA-C.L14" "Compressed CNN: output error" "App. C" (Some "Lemma 14")
        "Conv analogue of Lemma 3 with O~(c^2 d^2 beta^2/eps^2 sum_i ceil(kappa_i/s_i)^2/(mu_i^2 mu_{i->}^2)) parameters."
        (Conclusion.WithProbability(sym "maxRelErr" <=. sym "epsilon", sym "delta" / 2, "Atilde")) []
      cnn "ARORA-C.D11" "Subexponential variable" "App. C.3" (Some "Definition 11")
        "X is sigma-subexponential if E|X - EX|^k <= sigma^k k^k for every k."
        (Conclusion.Deterministic(sym "moment_k" <=. sym "sigma" ** sym "k" * sym "k" ** sym "k")) []
      cnn "ARORA-C.L15" "Sums of p-wise independent subexponentials" "App. C.3" (Some "Lemma 15")
        "E[(X - EX)^p] <= (3 sigma)^p (2p)^p and P[|X - EX| >= 6 sigma p t] <= t^-p."
        (Conclusion.Deterministic(sym "tail" <=. sym "t" ** (-(sym "p"))))
        [ "Self-contained; could be unit-tested on synthetic p-wise independent sums." ]
      cnn "ARORA-C.CLAIM1" "Claim 1" "App. C.3" (Some "Claim 1")
        "Auxiliary moment claim for Lemma 15."
        (Conclusion.Deterministic(sym "moment" <=. sym "bound")) []
      cnn "ARORA-C.COR1" "CNN bound with outliers removed" "App. C" (Some "Corollary C.1")
        "Theorem 5.1 with the properties measured on a 1 - zeta fraction of S, plus zeta."
        (Conclusion.WithProbability(sym "L0tilde" <=. sym "Lhat_gamma" + sym "zeta" + sqrt (sym "q" / sym "m"), sym "delta", "S and Atilde")) []
      cnn "ARORA-C.COR2" "Vector version of Lemma 15" "App. C.3" (Some "Corollary C.2")
        "Vector analogue of the p-wise independent subexponential tail."
        (Conclusion.Deterministic(sym "tail" <=. sym "t" ** (-(sym "p")))) [] ]
