/// Arora et al. (2018) App. C.3: subexponential variables and sums of p-wise independent ones (Definition 11, Lemma 15),
/// the tools behind Lemma 13's per-location union. The catalog (entry ARORA-C) gives only a summary of C.3: Definition 11
/// and Lemma 15's two conclusions are stated there in full, but not how the σ of the sum relates to the summands' σ's.
/// Lemma 15 is checked under OUR READING (tag Recon) σ² = Σ_ℓ σ_ℓ², and the literal reading (σ = the summands' common σ)
/// is a probe, which fails for long sums. Claim 1 and Corollary C.2 are only named in the catalog and stay not checkable.
module GenBounds.Proofs.Arora2018.Subexponential

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Arora2018.Common

let private sigma, p, t = sym "sigma", sym "p", sym "t"

/// Where the random variables come from in each mode.
let modelNote =
    "Synthetic: X = sum of n centred exponentials (E - 1, E ~ Exp(1)), made p-wise independent by a polynomial hash of degree p - 1 over GF(2^61 - 1) and the inverse CDF, n in {8, 64, 512, 4096}. Real: the summands of Algorithm 4's error u^T sum_l (Ahat_l - A) v_l on the trained CNN (v_l the input patch of a training point at output location l, u a fixed random unit vector), with Ahat_l the Gaussian surrogate A + (||A||_F G_l + z_l A)/sqrt(k) of T5.1 and (G_l, z_l) p-wise independent across locations by the same hash: each summand is exactly N(0, s_l^2), s_l^2 = (||A||^2 ||u||^2 ||v_l||^2 + (u^T A v_l)^2)/k."

/// ARORA-C.D11 (Definition 11): σ-subexponential.
let d11 =
    { Statement.create "ARORA-C.D11" "Subexponential variable (Definition 11)" (cite "App. C.3" (Some "Definition 11")) [ Provenance.Exact ]
        "X is sigma-subexponential if E|X - EX|^k <= sigma^k k^k for every k >= 1."
        (Conclusion.Deterministic(sym "moment_k" <=. sigma ** sym "k" * sym "k" ** sym "k")) with
        Role = Role.Definition
        ByConstruction = Some "sigma is bound as the largest (E|X - EX|^k)^(1/k)/k over the orders checked, the very ratios it is compared with"
        Variables =
            [ nonNeg "moment_k" "E|X - EX|^k, exact (closed form for the Gaussian summands, quadrature plus the closed tail e^-1 k! for the centred exponential)"
              nonNeg "sigma" "the smallest sigma for orders k = 1..40 (measured)"
              Statement.var "k" "moment order" Domain.positiveInteger ]
        Notes =
            [ "The ratio (E|X - EX|^k)^(1/k)/k is largest at k = 1 for both laws (Gaussian: sqrt(2/pi) s; centred exponential: 2/e), so the orders beyond 40 cannot raise sigma; a law whose ratio still grows at k = 40 would be reported in the measured values."
              modelNote ] }

/// ARORA-C.D11's mutant.
let d11Mutants = [ d11 |> Statement.mutate "sigma-2/3" "sigma scaled down by 2/3 (below the smallest valid value)" (scaled "sigma" (frac 2 3)) ]

let private l15Vars =
    [ Statement.var "sigma" "sigma of the sum: sqrt(sum_l sigma_l^2), sigma_l the exact Definition-11 constant of summand l (our reading)" Domain.positive
      Statement.var "p" "independence of the summands (and the moment order)" Domain.positiveInteger
      Statement.var "n" "number of summands" Domain.positiveInteger ]

let private l15Hypotheses =
    [ Hypothesis.NamedAssumption("p-wise", "the summands are p-wise independent (values of one random polynomial of degree p - 1 over GF(2^61 - 1) at distinct points)")
      Hypothesis.NamedAssumption("subexponential", "summand l is sigma_l-subexponential (Definition 11; sigma_l exact for its law)") ]

let private readingNote =
    "RECON: the catalog summary states the conclusions with a single sigma and does not say how it relates to the summands'; we read sigma^2 = sum_l sigma_l^2 (the reading under which the conclusions hold for long sums). ARORA-C.L15-summand is the literal reading."

/// The tail conclusion's relation at a threshold factor (6σpt in the lemma).
let private tail (threshold: Expr) = sym "dev" <=. threshold

/// ARORA-C.L15 (Lemma 15), tail form: P[|X − EX| ≥ 6σpt] ≤ t^−p.
let l15 =
    { Statement.create "ARORA-C.L15" "Tail of a sum of p-wise independent subexponentials (Lemma 15)" (cite "App. C.3" (Some "Lemma 15")) [ Provenance.Exact; Provenance.Recon ]
        "For X the sum of p-wise independent sigma_l-subexponential variables and sigma^2 = sum_l sigma_l^2: P[|X - EX| >= 6 sigma p t] <= t^-p."
        (Conclusion.WithProbability(tail (6 * sigma * p * t), t ** (-p), "the p-wise independent draw")) with
        Variables = nonNeg "dev" "|X - EX| in one draw" :: Statement.var "t" "tail parameter (t^-p = 0.1)" Domain.positive :: l15Vars
        Hypotheses = l15Hypotheses
        Notes = [ readingNote; "The tail follows from the moment form by Markov's inequality at order p (ARORA-C.L15-moment)."; modelNote ] }

/// ARORA-C.L15's mutant: the threshold without its 6pt factor.
let l15Mutants = [ l15 |> Statement.mutate "threshold-sigma" "threshold 6 sigma p t replaced by sigma" (fun _ -> tail sigma) ]

/// ARORA-C.L15 (Lemma 15), moment form: E[(X − EX)^p] ≤ (3σ)^p (2p)^p, checked on |X − EX|^p (the same for even p).
let l15Moment =
    { Statement.create "ARORA-C.L15-moment" "p-th moment of a sum of p-wise independent subexponentials (Lemma 15)" (cite "App. C.3" (Some "Lemma 15")) [ Provenance.Exact; Provenance.Recon ]
        "For X the sum of p-wise independent sigma_l-subexponential variables and sigma^2 = sum_l sigma_l^2: E|X - EX|^p <= (3 sigma)^p (2p)^p."
        (Conclusion.InExpectation(expect (sym "absdev_p") <=. (3 * sigma) ** p * (2 * p) ** p, "the p-wise independent draw")) with
        Variables = nonNeg "absdev_p" "|X - EX|^p in one draw" :: l15Vars
        Hypotheses = l15Hypotheses
        Notes =
            [ readingNote
              "Checked on the absolute moment, which equals the printed E[(X - EX)^p] for even p and bounds it for odd p. Any p-th moment of a p-wise independent sum equals that of the independent sum (its expansion has products of at most p summands), so the check also tests the hash family."
              modelNote ] }

/// ARORA-C.L15-moment's mutant: (3σ)^p (2p)^p without the (2p)^p factor, at σ/4.
let l15MomentMutants =
    [ l15Moment |> Statement.mutate "no-p-growth" "bound (3 sigma/4)^p: the (2p)^p growth dropped and sigma quartered" (fun _ -> expect (sym "absdev_p") <=. (3 * sigma / 4) ** p) ]

/// ARORA-C.L15-summand: the literal reading of the summary, σ = the largest summand's σ_ℓ (no growth with n).
let l15Summand =
    { Statement.create "ARORA-C.L15-summand" "Lemma 15 read with the summands' sigma" (cite "App. C.3" (Some "Lemma 15")) [ Provenance.Recon ]
        "Literal reading of the catalog summary: P[|X - EX| >= 6 sigma_1 p t] <= t^-p with sigma_1 = max_l sigma_l, however many summands."
        (Conclusion.WithProbability(sym "dev" <=. 6 * sym "sigma_1" * p * t, t ** (-p), "the p-wise independent draw")) with
        Role = Role.Probe
        Variables =
            [ nonNeg "dev" "|X - EX| in one draw"; Statement.var "t" "tail parameter (t^-p = 0.1)" Domain.positive
              Statement.var "sigma_1" "the largest summand's sigma_l" Domain.positive ] @ l15Vars
        Hypotheses = l15Hypotheses
        Notes =
            [ "Not a finding against the paper, whose appendix text we could not read: the summary's single sigma cannot be the summands' own, because X - EX spreads like sqrt(n) sigma_1. The synthetic sums of 512 and 4096 terms at p = 4 show it; the real CNN's 25-144 locations are too few to. At p = 2 it survives at these n: the values of a degree-1 polynomial are an arithmetic progression mod P, whose sums are usually tiny (the variance, the same as for independent summands, comes from rare large draws)."
              modelNote ] }
    |> Statement.knownFalse "with sigma the summands' own constant the tail cannot hold for long sums: the spread of X grows like sqrt(n)"

/// ARORA-C.L15-summand's mutant.
let l15SummandMutants = [ l15Summand |> Statement.mutate "threshold-sigma" "threshold 6 sigma_1 p t replaced by sigma_1" (fun _ -> sym "dev" <=. sym "sigma_1") ]

let private reason =
    "not checked yet: the catalog only names this item (App. C.3) without its statement, and the appendix text was not available to us"

/// Items of C.3 the catalog only names.
let statements =
    [ notYet "ARORA-C.CLAIM1" "Claim 1" "App. C.3" (Some "Claim 1") [ Provenance.Exact ]
        "Auxiliary moment claim for Lemma 15." (Conclusion.Deterministic(sym "moment" <=. sym "bound")) reason []
      notYet "ARORA-C.COR2" "Vector version of Lemma 15" "App. C.3" (Some "Corollary C.2") [ Provenance.Exact ]
        "Vector analogue of the p-wise independent subexponential tail." (Conclusion.Deterministic(sym "tail" <=. t ** (-p))) reason [] ]
