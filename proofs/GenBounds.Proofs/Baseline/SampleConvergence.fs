/// Baseline catalog §9: the Monte Carlo step of a PAC-Bayes certificate (Langford-Caruana sample convergence), Langford's
/// test-set bound, and the composed risk certificate with its worked example.
module GenBounds.Proofs.Baseline.SampleConvergence

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Baseline.Common

/// BASE-SC-LC01 (§9): with probability >= 1 - delta' over n i.i.d. draws, the expectation is at most kl^-1_up(mean of the
/// draws, ln(2/delta')/n).
let langfordCaruana =
    { Statement.create "BASE-SC-LC01" "Sample convergence (Langford & Caruana 2001)" (cite "§9" (Some "sample convergence")) [ Provenance.Exact ]
        "h_1..h_n i.i.d. from Q with per-draw errors in [0, 1]: with probability >= 1 - delta', L_S(Q) <= kl^-1_up(L_S(Q_n), ln(2/delta')/n)."
        (Conclusion.WithProbability(sym "mean" <=. sym "scUpper", sym "deltaPrime", "the n Monte Carlo draws")) with
        Variables =
            [ probability "mean" "the exact expectation L_S(Q) of the per-draw error"
              probability "scUpper" "kl^-1_up(mean of the n draws, ln(2/delta')/n) (MonteCarloBounds.SampleConvergenceUpper)"
              probability "empirical" "the mean of the n draws (the mutant's bound)"
              confidence "deltaPrime" "delta'" ]
        Notes =
            [ twoModes
                "per-draw errors Bernoulli(p), p in {0.02, 0.1, 0.3}, n = 100 draws per trial."
                "Q = N(w, sigma^2 I) around the trained weights: a pool of 100 sampled networks, each evaluated on S; the draws are resampled from the pool, whose mean is the exact expectation of that (discrete) distribution, n = 30."
              "The ln 2 is the two-sided Chernoff form the papers use; ln(1/delta') would suffice for the upper bound alone." ] }

/// BASE-SC-LC01's mutant: no Monte Carlo correction.
let langfordCaruanaMutants =
    [ langfordCaruana |> Statement.mutate "plug-in" "the mean of the draws used as the bound (no sample-convergence step)" (fun _ -> sym "mean" <=. sym "empirical") ]

/// BASE-SC-TEST (§9, Langford 2005): with n_t i.i.d. test points and a fixed predictor, the risk is at most
/// kl^-1_up(test error, ln(1/delta_t)/n_t) with probability >= 1 - delta_t.
let testSet =
    { Statement.create "BASE-SC-TEST" "Test-set bound (Langford 2005)" (cite "§9" (Some "test-set bound")) [ Provenance.Exact ]
        "A fixed predictor and n_t i.i.d. test points: with probability >= 1 - delta_t, L <= kl^-1_up(L_test, ln(1/delta_t)/n_t)."
        (Conclusion.WithProbability(sym "risk" <=. sym "testUpper", sym "deltaTest", "the n_t test points")) with
        Variables =
            [ probability "risk" "the true risk of the fixed predictor"
              probability "testUpper" "kl^-1_up(L_test, ln(1/delta_t)/n_t) (MonteCarloBounds.TestSetBound)"
              probability "empirical" "the test error L_test (the mutant's bound)"
              confidence "deltaTest" "delta_t" ]
        Notes =
            [ twoModes
                "errors Bernoulli(p), p in {0.02, 0.1, 0.3}, n_t = 200 points per trial."
                "the trained net as the fixed predictor; the population is the held-out set (its error rate is the exact risk of the uniform distribution on it), n_t = 1000 points drawn with replacement per trial." ] }

/// BASE-SC-TEST's mutant.
let testSetMutants = [ testSet |> Statement.mutate "plug-in" "the test error used as the bound" (fun _ -> sym "risk" <=. sym "empirical") ]

/// BASE-CERT (§9, PBB compute_final_stats_risk; worked example DERIVED): the certificate composes the two inversions.
let certificate =
    { Statement.create "BASE-CERT" "Risk certificate kl^-1_up(kl^-1_up(L_MC, ln(2/delta')/n), (KL + ln(2 sqrt(m)/delta))/m)" (cite "§9" (Some "full risk certificate; worked example [DERIVED]")) [ Provenance.Exact; Provenance.Derived ]
        "The engine's composition (SampleConvergenceUpper then Maurer) equals the composition of two plain 200-step bisections, and reproduces the catalog's worked example (L = 0.02, n = 150000, delta' = 0.01, KL = 500, m = 30000, delta = 0.025: inner 0.0211994, certificate 0.0591961)."
        (Conclusion.Deterministic(sym "certificate" ==. sym "reference")) with
        Role = Role.Definition
        Tolerance = { Absolute = 1e-9; Relative = 0.0 }
        Variables =
            [ probability "certificate" "the engine's value (inner step, or the whole certificate)"
              probability "reference" "two plain 200-step bisections; for the worked example, the catalog's printed figure (7 decimals, compared to 1e-7)"
              probability "certificateWholeData" "the same with m doubled (PBB's n_bound = the whole data set; the mutant)" ]
        Notes =
            [ twoModes
                "random (L_MC, n, delta', KL, m, delta) and the worked example."
                "L_MC = the error of the trained net on S (a point mass posterior's Monte Carlo mean), KL = ||w||^2/(2 sigma^2) for a sigma grid, m = |S|, n = |S|."
              "The same data S must give L_MC and m; PBB's code divides by the whole data set's size (non-conservative): the mutant." ] }

/// BASE-CERT's mutant.
let certificateMutants =
    [ certificate |> Statement.mutate "whole-data-m" "m = twice the bound split (PBB's len(dataset) pitfall with perc_prior = 0.5)" (fun _ -> sym "certificateWholeData" ==. sym "reference") ]

let private finiteClass =
    twoModes
        "50 hypotheses with true risks 0.1..0.4 and independent Bernoulli losses, m = 100 points per draw of S."
        "50 networks drawn from N(w, sigma_l^2) around the trained weights (a data-free prior for the held-out population: the uniform prior over this pool), the population is the held-out set (its error rates are the exact risks of the uniform distribution on it), S = 100 points drawn with replacement."

/// BASE-PB-MAURER (§7 PB-MAURER, Maurer 2004): over the draw of S, simultaneously for every posterior, L(Q) <=
/// kl^-1_up(L_S(Q), (KL(Q||P) + ln(2 sqrt(m)/delta))/m).
let maurer =
    { Statement.create "BASE-PB-MAURER" "PB-MAURER holds for all posteriors at once" (cite "§7" (Some "PB-MAURER")) [ Provenance.Exact ]
        "m >= 8: with probability >= 1 - delta over S, for all Q, kl(L_S(Q) || L(Q)) <= (KL(Q||P) + ln(2 sqrt(m)/delta))/m."
        (Conclusion.WithProbability(sym "risk" <=. sym "maurer", sym "delta", "the sample S")) with
        Variables =
            [ probability "risk" "L(Q) of the posterior with the least slack among the checked ones (so a trial fails when any posterior violates)"
              probability "maurer" "PacBayesBounds.Maurer(L_S(Q), KL(Q||P), m, delta) of that posterior"
              probability "empirical" "L_S(Q) of that posterior (the mutant's bound)"
              confidence "delta" "delta" ]
        Notes =
            [ finiteClass
              "Posteriors per draw of S (chosen after seeing S, as the theorem allows): the ERM point mass (KL = ln 50) and Gibbs posteriors q_j ~ exp(-beta m L_S(h_j)) for beta in {0, 1/4, 1, 4} (exact KL against the uniform prior)." ] }

/// BASE-PB-MAURER's mutant.
let maurerMutants = [ maurer |> Statement.mutate "plug-in" "the empirical risk of the posterior used as the bound" (fun _ -> sym "risk" <=. sym "empirical") ]

/// BASE-PB-CATONI (§7 PB-CATONI, RECALLED form, with the grid's union bound).
let catoni =
    { Statement.create "BASE-PB-CATONI" "PB-CATONI over a union-bounded grid of C [RECALLED]" (cite "§7" (Some "PB-CATONI")) [ Provenance.Recon ]
        "RECALLED (Catoni 2007 Thm 1.2.6): for fixed C > 0, L(Q) <= (1 - exp(-C L_S(Q) - (KL + ln(1/delta))/m))/(1 - e^-C); the best C of a fixed grid at delta/|grid| each."
        (Conclusion.WithProbability(sym "risk" <=. sym "catoni", sym "delta", "the sample S")) with
        Variables =
            [ probability "risk" "L(Q) of the posterior with the least slack among the checked ones"
              nonNeg "catoni" "PacBayesBounds.CatoniGrid(L_S(Q), KL, m, delta, the default 57-value grid) of that posterior"
              probability "empirical" "L_S(Q) of that posterior (the mutant's bound)"
              confidence "delta" "delta" ]
        Notes = [ finiteClass; "A violation here would mean the RECALLED form (or its constants) is wrong." ] }

/// BASE-PB-CATONI's mutant.
let catoniMutants = [ catoni |> Statement.mutate "plug-in" "the empirical risk of the posterior used as the bound" (fun _ -> sym "risk" <=. sym "empirical") ]
