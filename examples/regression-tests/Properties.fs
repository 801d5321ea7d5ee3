/// Regression tests a user keeps in their own repository: properties over networks trained with the hyper-parameters
/// they ship, checked with GenBounds' own checker (GenBounds.TestKit from the packages, nothing from the source tree).
/// A failure message carries the replay seed of the check and FsCheck's replay of the property.
module MyNet.RegressionTests.Properties

open System
open FsCheck
open FsCheck.FSharp
open FsCheck.Xunit
open GenBounds.Measures
open GenBounds.Symbolic
open GenBounds.Symbolic.Operators
open GenBounds.TestKit
open GenBounds.Verification
open GenBounds.Verification.Workbench

/// The hyper-parameters "we" train with: one hidden layer of 32 or 64 units, Adam, 2 epochs on 3000 MNIST samples,
/// seeds 1..3 (each distinct net is trained once per machine and cached by TestKit).
let ourNets : Arbitrary<NetSpec> =
    gen {
        let! hidden = Gen.elements [ [ 32 ]; [ 64 ] ]
        let! seed = Gen.elements [ 1UL; 2UL; 3UL ]
        return { Hidden = hidden; Bias = false; Seed = seed; Epochs = 2; Subset = 3000; Optimizer = "adam"; BatchSize = 64 }
    }
    |> Arb.fromGen

/// A lab on a trained net: 200 training samples as S, 1000 test samples held out, 100 trials per probabilistic claim.
let labOn (net: TrainedNet) = Verdicts.lab net 200 1000 7UL 100

/// The pruning paper as registered in GenBounds.
let guha = Papers.all |> List.find (fun p -> p.Id = "guha2023")

/// No claim of Guha et al. (2023) is refuted on our nets: each claim's real-network verdict is not "violated". A claim
/// whose hypothesis our net does not meet is accepted (the lemma does not apply there); claims the catalog marks as
/// false as printed are skipped, since their violation is the paper's defect, not a regression of our net.
[<Property(MaxTest = 3)>]
let ``no claim of the pruning paper is violated on our nets`` () =
    Prop.forAll ourNets (fun spec ->
        let lab = labOn (Nets.load spec)
        for lemma in guha.Lemmas do
            let s = lemma.Statement
            if s.Role = Role.Claim && s.KnownFalse.IsNone then
                Verdicts.assertNotViolated (Paper.checkOne lab guha lemma s CheckMode.RealNetwork))

/// Arora et al.'s layer cushion μ_i (ARORA-D4) of every layer stays above 0.05 on 1000 training samples, with the 1%
/// most extreme samples discarded (ζ = 0.01): our nets keep a margin of robustness the compression bound relies on.
[<Property(MaxTest = 3)>]
let ``the layer cushion of every layer of our nets stays above 0.05`` () =
    Prop.forAll ourNets (fun spec ->
        let net = Nets.load spec
        let n = 1000
        let m = NetworkMeasures.Compute(net.Network, net.Train.Features.[.. n * net.Train.Dimension - 1], n, net.Train.Labels.[.. n - 1],
                                        MeasureOptions(ExactJacobians = false))
        [ for i in 1 .. net.Network.Architecture.Depth -> m.LayerCushion(i, 0.01) ]
        |> List.forall (fun mu -> mu > 0.05)
        |> Prop.label (sprintf "layer cushions %A" [ for i in 1 .. net.Network.Architecture.Depth -> m.LayerCushion(i, 0.01) ]))

/// A lemma of our own, stated with the Workbench API: every layer's Frobenius norm is at most √rank times its spectral
/// norm. It must hold on our nets in both modes, and its false-on-purpose mutant (the √rank factor dropped) must be
/// rejected: a checker that stopped rejecting it would no longer be evidence of anything.
let frobeniusBound =
    { claim "OURS-L1" "Frobenius norm at most sqrt(rank) spectral norms" "Every layer satisfies ||W||_F <= sqrt(min(h_in, h_out)) ||W||_2."
        (Conclusion.Deterministic(sym "normF" <=. sqrt (sym "r") * sym "norm2")) with
        Variables =
            [ variable "normF" "||W||_F" Domain.nonNegative
              variable "norm2" "||W||_2 (upper end of a certified bracket)" Domain.nonNegative
              variable "r" "min(h_in, h_out)" Domain.positiveInteger ] }

let noSqrtRank = frobeniusBound |> Statement.mutate "no-sqrt-rank" "the sqrt(rank) factor dropped" (fun _ -> sym "normF" <=. sym "norm2")

let norms =
    experiment [ "normF"; "norm2"; "r" ] (fun lab run ->
        perLayer lab run (fun _ w rows cols ->
            let _, upper = spectralNorm lab w rows cols
            [ "normF", frobeniusNorm w; "norm2", upper; "r", float (min rows cols) ]))

let ourLemma = lemma frobeniusBound [ noSqrtRank ] norms
let ourPaper = paper "ours" "Our own norm inequalities" [ ourLemma ]

[<Property(MaxTest = 3)>]
let ``our Frobenius bound holds in both modes and its mutant is rejected`` () =
    Prop.forAll ourNets (fun spec ->
        let lab = labOn (Nets.load spec)
        for mode in Paper.modes do
            Verdicts.assertHeld (Paper.checkOne lab ourPaper ourLemma frobeniusBound mode)
            Verdicts.assertMutantRejected (Paper.checkOne lab ourPaper ourLemma noSqrtRank mode))
