/// Baseline catalog §0 and §§2-3: the NBS18 perturbation lemma (Lemma 2), the margin facts (the margin operator is
/// 2-Lipschitz, L_0 <= L_gamma, Jiang's |10th percentile| margin), and the NBS18 PAC-Bayes lemma and theorem (catalogued).
module GenBounds.Proofs.Baseline.Perturbation

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.Proofs.Baseline.Common

/// BASE-NBS18-L2 (Lemma 2, RECALLED): for a d-layer bias-free ReLU net, ||x|| <= B and ||U_i||_2 <= ||W_i||_2/d,
/// |f_{w+u}(x) - f_w(x)|_2 <= e B prod_i ||W_i||_2 sum_i ||U_i||_2/||W_i||_2.
let l2 =
    { Statement.create "BASE-NBS18-L2" "NBS18 Lemma 2: perturbation bound [RECALLED]" (cite "§3" (Some "BASE-NBS18-L2 (Lemma 2)")) [ Provenance.Recon ]
        "RECALLED (verify): for a d-layer ReLU net, inputs with ||x||_2 <= B and perturbations with ||U_i||_2 <= ||W_i||_2/d, |f_{w+u}(x) - f_w(x)|_2 <= e B (prod_i ||W_i||_2) sum_i ||U_i||_2/||W_i||_2."
        (Conclusion.Deterministic(sym "change" <=. e * sym "B" * sym "prodSpec" * sym "sumRatio")) with
        Hypotheses = [ Hypothesis.Restriction(sym "maxRatio" <=. 1 / sym "d") ]
        Variables =
            [ nonNeg "change" "||f_{w+u}(x) - f_w(x)||_2 (float64 forward passes)"
              nonNeg "B" "||x||_2 of the input (the lemma for the ball of radius B applied at B = ||x||)"
              nonNeg "prodSpec" "prod_i ||W_i||_2 (dense SVD)"
              nonNeg "sumRatio" "sum_i ||U_i||_2/||W_i||_2"
              nonNeg "maxRatio" "max_i ||U_i||_2/||W_i||_2"
              count "d" "number of weight matrices" ]
        Notes =
            [ twoModes
                "random bias-free nets (7-9-5-3, 6-8-4, 5-6-6-5-3) with Gaussian weights and Gaussian perturbations scaled to ||U_i|| = c_i ||W_i||/d (c_i uniform), plus the extremal model: rank-one aligned non-negative nets with U_i = W_i/d (then the change is ((1 + 1/d)^d - 1) B prod ||W_i||, within a factor 2 of the bound) and, outside the hypothesis, U_i = 2 W_i."
                "the trained weights, Gaussian perturbations with ||U_i|| = c ||W_i||/d for c in {0.05, 0.3, 1} and the homogeneous direction U_i = W_i/d, on 20 training inputs; a net with biases is checked as its exact bias-augmented bias-free equivalent (inputs (x, 1))."
              "Check: deterministic; the catalog suggests adversarial search, which is not done here (random and extremal directions only)." ] }

/// BASE-NBS18-L2's mutants: a typical value of the change as the bound (false on purpose in both modes), and two
/// diagnostics that are false on the synthetic extremal model but hidden by the bound's slack on trained nets (the test
/// suite asserts their rejection on the synthetic model): the constant e dropped (false there for every d >= 2), and
/// the hypothesis dropped (false on the out-of-scope instances U_i = 2 W_i at d >= 3).
let l2Mutants =
    [ l2 |> typicalValue "typical" "the bound replaced by the median change over the instances" "change" "typicalChange"
      l2 |> Statement.mutate "no-e" "the constant e replaced by 1 (false on the aligned synthetic nets; trained nets are far from extremal)" (fun _ -> sym "change" <=. sym "B" * sym "prodSpec" * sym "sumRatio") |> Statement.diagnostic
      l2 |> Statement.dropHypotheses "no-hypothesis" "the hypothesis ||U_i|| <= ||W_i||/d dropped (false on the aligned synthetic nets with U = 2W)" (fun _ -> true) |> Statement.diagnostic ]

/// BASE-BFT17-LA3 (BFT17 Lemma A.3 as the catalog quotes it): the margin operator M(v, y) = v_y - max_{j != y} v_j is
/// 2-Lipschitz in the sup norm.
let marginLipschitz =
    { Statement.create "BASE-BFT17-LA3" "The margin operator is 2-Lipschitz in the sup norm" (cite "§2" (Some "facts used elsewhere (BFT17 Lemma A.3)")) [ Provenance.Ext ]
        "|M(v, y) - M(v', y)| <= 2 ||v - v'||_inf with M(v, y) = v_y - max_{j != y} v_j (Muthukumar-Sulam quote it)."
        (Conclusion.Deterministic(sym "marginChange" <=. 2 * sym "supChange")) with
        Variables = [ nonNeg "marginChange" "|M(v, y) - M(v', y)|"; nonNeg "supChange" "||v - v'||_inf" ]
        Notes =
            [ twoModes
                "v ~ N(0, I_10), v' = v + uniform noise of a random scale, y uniform."
                "v = the trained net's outputs on S, v' = the outputs of the net with Gaussian weight noise (three scales), y = the labels."
              "The catalog gives no tag for this fact; its section (BFT17) is RECALLED." ] }

/// BASE-BFT17-LA3's mutant: constant 1.
let marginLipschitzMutants = [ marginLipschitz |> Statement.mutate "one-lipschitz" "constant 2 replaced by 1" (fun _ -> sym "marginChange" <=. sym "supChange") ]

/// BASE-MARGIN-L0 (§0): L_0 (ties counted as errors) <= L_gamma (margin <= gamma) for gamma >= 0.
let marginLoss =
    { Statement.create "BASE-MARGIN-L0" "L_0 <= L_gamma for gamma >= 0" (cite "§0" (Some "margin loss")) [ Provenance.Exact ]
        "The misclassification rate with ties counted as errors (margin <= 0) is at most the margin loss L_gamma = Pr[margin <= gamma] for every gamma >= 0."
        (Conclusion.Deterministic(sym "zeroOneLoss" <=. sym "marginLoss")) with
        Hypotheses = [ Hypothesis.Condition(sym "gamma" >=. Expr.zero) ]
        Variables =
            [ probability "zeroOneLoss" "fraction of S with margin <= 0"; probability "marginLoss" "fraction of S with margin <= gamma"
              nonNeg "gamma" "the margin (5th and 10th percentiles of the positive margins, the median, the maximum)" ]
        Notes =
            [ twoModes "random 7-9-5-3 nets on 200 Gaussian inputs with random labels." "the trained net on S." ] }

/// BASE-MARGIN-L0's mutant.
let marginLossMutants = [ marginLoss |> Statement.reverse "reversed" "claims L_gamma <= L_0" ]

/// BASE-JIANG-ABS (§0, §5): Jiang et al.'s margin |kthvalue(m // 10)| equals the 10th-percentile margin (false when
/// more than 10% of S is misclassified: the abs flips the sign).
let jiangAbs =
    { Statement.create "BASE-JIANG-ABS" "Jiang et al.'s |kthvalue(m//10)| is the 10th-percentile margin" (cite "§0, §5" (Some "practical margin choice")) [ Provenance.Code; Provenance.Finding ]
        "measures.py takes margins.kthvalue(m // 10) and then .abs(); the catalog warns that the abs flips the sign when more than 10% of the training points are misclassified."
        (Conclusion.Deterministic(sym "jiangGamma" ==. sym "kthMargin")) with
        Role = Role.Probe
        Variables = [ nonNeg "jiangGamma" "|kthvalue(m // 10)|"; anyReal "kthMargin" "the floor(m/10)-th smallest training margin (signed)" ]
        Notes = [ twoModes "random nets labelled at random (about 90% misclassified)." "the trained net on S." ] }
    |> Statement.knownFalse "on a net that misclassifies more than 10% of S the 10th-percentile margin is negative and the abs makes it positive"

/// BASE-NBS18-L1 (Lemma 1, RECALLED): the PAC-Bayes margin lemma (catalogued).
let l1 =
    notYet "BASE-NBS18-L1" "NBS18 Lemma 1: PAC-Bayes margin lemma [RECALLED]" "§3" (Some "BASE-NBS18-L1 (Lemma 1)") [ Provenance.Recon ]
        "RECALLED: if Pr_u[max_x |f_{w+u}(x) - f_w(x)|_inf < gamma/4] >= 1/2 then L_0(f_w) <= L_gamma(f_w) + 4 sqrt((KL(w+u||P) + ln(6m/delta))/(m-1)) with probability >= 1 - delta over S."
        (Conclusion.WithProbability(sym "risk" <=. sym "marginLoss" + 4 * sqrt ((sym "KL" + Expr.ln (6 * sym "m" / sym "delta")) / (sym "m" - 1)), sym "delta", "the training set"))
        "the hypothesis takes a maximum over the whole input domain (training and test points are only a proxy, which the catalog says is not a certificate), and the conclusion is over the draw of S: an honest check needs many independent training sets"
        [ "The margin bound itself is computed by `genbounds bounds` (NBS18 published form through this lemma)." ]

/// BASE-NBS18-T1 (Theorem 1): the spectral-Frobenius bound (catalogued).
let t1 =
    notYet "BASE-NBS18-T1" "NBS18 Theorem 1: spectrally-normalised PAC-Bayes margin bound [RECALLED; constant UNVERIFIED]" "§3" (Some "BASE-NBS18-T1") [ Provenance.Recon; Provenance.Unverified ]
        "L_0 <= L_gamma + O(sqrt((B^2 d^2 h ln(dh) prod ||W_i||_2^2 sum ||W_i||_F^2/||W_i||_2^2 + ln(dm/delta))/(gamma^2 m))) with probability >= 1 - delta."
        (Conclusion.WithProbability(sym "risk" <=. sym "bound", sym "delta", "the training set"))
        "an O(.) statement whose constant ('42') is UNVERIFIED; its published form with explicit constants is a computed value (genbounds bounds, row NBS18-spectral-frobenius/published), vacuous on MNIST nets"
        [ "As quoted by Arora et al. (Thm 2.2) with max ||x|| not squared; the catalog believes B^2 is right." ]

/// BASE-MARGIN-PCT (§0 practical margin choice, verified in bneyshabur main.py): gamma = np.percentile(margins, p) leaves
/// more than a fraction p (m - 1)/m of S at margin <= gamma. A definition measured on the net (holds by construction).
let marginPercentile =
    { Statement.create "BASE-MARGIN-PCT" "Practical margin gamma = np.percentile(margins, 5)" (cite "§0" (Some "practical margin choice")) [ Provenance.Code ]
        "The practical forms take gamma as the 5th percentile of the training margins (linear interpolation); the margin loss at that gamma is then at least 5% (m - 1)/m."
        (Conclusion.Deterministic(sym "marginLoss" >=. sym "p" * (sym "m" - 1) / sym "m")) with
        Role = Role.Definition
        Variables =
            [ probability "marginLoss" "fraction of S with margin <= gamma"; probability "p" "the percentile / 100 (0.05 bneyshabur; 0.10 shown too)"
              count "m" "|S|"; anyReal "gamma" "the percentile margin (reported)" ]
        Notes = [ twoModes "random 7-9-5-3 nets on 200 Gaussian inputs with random labels." "the trained net on S: the gamma the practical forms use." ] }
    |> Statement.byConstruction "gamma is defined as the percentile of the very margins whose fraction at or below it is compared"

/// BASE-MARGIN-PCT's mutant.
let marginPercentileMutants = [ marginPercentile |> Statement.mutate "double" "claims the margin loss at the p-th percentile is at least 2p" (fun _ -> sym "marginLoss" >=. 2 * sym "p") ]
