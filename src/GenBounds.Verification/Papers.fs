/// Every paper the verifier checks, registered by reference: the CLI, the tests and the reports all use `Papers.all`.
/// A paper is one folder on each side (proofs/GenBounds.Proofs/<Paper>/, src/GenBounds.Verification/<Paper>/) and one
/// line here; a lemma is a statement and its mutants in proofs/ and one experiment plus one `Lemma.create` line in its
/// topic file here.
module GenBounds.Verification.Papers

open GenBounds.Verification

/// Guha, Dubey, Huo (2023).
let guha2023 =
    { Id = Guha2023.Shared.paperId
      Title = "Guha, Dubey, Huo (2023): Generalization bounds for magnitude-based pruning via sparse matrix sketching"
      Lemmas =
        Guha2023.Framework.lemmas
        @ Guha2023.Pruning.lemmas
        @ Guha2023.Sketching.lemmas
        @ Guha2023.SketchRecovery.lemmas @ Guha2023.LotteryTickets.lemmas
        @ Guha2023.Appendix.lemmas }

/// Arora, Ge, Neyshabur, Zhang (2018).
let arora2018 =
    { Id = Arora2018.Shared.paperId
      Title = "Arora, Ge, Neyshabur, Zhang (2018): Stronger generalization bounds for deep nets via a compression approach"
      Lemmas =
        Arora2018.Framework.lemmas
        @ Arora2018.VectorCompression.lemmas
        @ Arora2018.Spectral.lemmas
        @ Arora2018.MatrixProject.lemmas
        @ Arora2018.NoiseStability.lemmas
        @ Arora2018.FullyConnected.lemmas
        @ Arora2018.ConvolutionalBound.lemmas @ Arora2018.Convolutional.lemmas @ (GenBounds.Proofs.Arora2018.Convolutional.statements |> List.map Lemma.notYet)
        @ Arora2018.Subexponential.lemmas @ (GenBounds.Proofs.Arora2018.Subexponential.statements |> List.map Lemma.notYet) }

/// Muthukumar, Sulam (2023).
let sulam2023 =
    { Id = Sulam2023.Shared.paperId
      Title = "Muthukumar, Sulam (2023): Sparsity-aware generalization theory for deep neural networks"
      Lemmas =
        Sulam2023.Norms.lemmas @ Sulam2023.Layers.lemmas @ Sulam2023.Gaussian.lemmas @ Sulam2023.Theorems.lemmas
        @ (GenBounds.Proofs.Sulam2023.Activity.claims |> List.map Lemma.notYet) }

/// The baseline catalog (norm-based bounds of NTS15, BFT17, NBS18 and the PAC-Bayes toolkit), one more paper.
let baseline =
    { Id = Baseline.Shared.paperId
      Title = "Baseline bounds catalog: NTS15, BFT17, NBS18 norm bounds and the PAC-Bayes toolkit (kl inverses, sample convergence, certificates)"
      Lemmas = Baseline.KlInverse.lemmas @ Baseline.SampleConvergence.lemmas @ Baseline.Perturbation.lemmas @ Baseline.Forms.lemmas }

/// Every registered paper, in the order reports list them.
let all : Paper list = [ guha2023; arora2018; sulam2023; baseline ]
