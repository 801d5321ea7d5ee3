/// <summary>
/// GenBounds.TestKit: building blocks for property-based regression tests of lemma checkers (FsCheck 3).
/// <list type="bullet">
/// <item><see cref="Generators"/>: matrices of random shapes and scales, pruning hyper-parameters (d, ρ, diagonal
/// policy), seeds, and specifications of small MLPs trained on MNIST subsets.</item>
/// <item><see cref="Nets"/>: trains such a network once and caches it on disk under <c>.cache/testkit/&lt;hash&gt;.safetensors</c>,
/// keyed by a content hash of everything that determines its weights, written atomically and loaded when present.</item>
/// <item><see cref="Verdicts"/>: run a statement check and assert its verdict (held, not violated, mutant rejected),
/// with failure messages that carry the replay seed.</item>
/// </list>
/// </summary>
namespace GenBounds.TestKit

open System
open System.IO
open System.Security.Cryptography
open System.Text
open FsCheck
open FsCheck.FSharp
open GenBounds.Compression
open GenBounds.Data
open GenBounds.IO
open GenBounds.LinearAlgebra
open GenBounds.Networks
open GenBounds.Symbolic
open GenBounds.Training
open GenBounds.Verification

/// A dense row-major matrix drawn by <see cref="Generators.matrix"/>: entries are N(0, 1) times <c>Scale</c>.
type TestMatrix =
    { Rows: int
      Cols: int
      /// Standard deviation of the entries (log-uniform over several decades).
      Scale: float
      /// Seed of the entries' stream (a failing case replays from it).
      Seed: uint64
      /// Row-major entries, Rows × Cols.
      Data: float[] }

/// Hyper-parameters of randomized magnitude pruning and rounding (GUHA-ALG1, GUHA-L4.4).
type PruningParams =
    { /// Pruning strength d of Algorithm 1 (larger prunes more).
      D: float
      /// Grid step of the rounding, relative to √Ψ of the layer (ρ_l = Rho · √Ψ_l).
      Rho: float
      /// Whether the diagonal is exempt (the paper's rule) or pruned like every entry (the authors' code).
      Diagonal: DiagonalPolicy }

/// Everything that determines the weights of a small MLP trained on an MNIST subset (the cache key of <see cref="Nets"/>).
type NetSpec =
    { /// Hidden layer widths; input 784 and output 10 are implied.
      Hidden: int list
      Bias: bool
      /// Master seed of initialisation, data order and subset.
      Seed: uint64
      Epochs: int
      /// Number of MNIST training samples (a seeded random subset).
      Subset: int
      /// "adam" or "sgd" (default learning rates of <see cref="TrainingOptions"/>).
      Optimizer: string
      BatchSize: int }

    /// The architecture string, e.g. <c>784-64-10</c>.
    member s.Architecture = String.Join("-", [ yield 784; yield! s.Hidden; yield 10 ])

/// A network loaded (or trained) from a <see cref="NetSpec"/>, with the data it was trained on and a held-out set.
type TrainedNet =
    { Spec: NetSpec
      Network: Mlp
      /// The training subset (per-sample lemmas are checked on its first samples).
      Train: Dataset
      /// MNIST test samples (held-out data).
      Test: Dataset
      /// Path of the cached model file.
      Path: string }

/// FsCheck generators for the inputs of lemma checks.
[<RequireQualifiedAccess>]
module Generators =
    /// A log-uniform float in [lo, hi] (lo > 0).
    let logUniform (lo: float) (hi: float) : Gen<float> =
        Gen.choose (0, 1_000_000) |> Gen.map (fun k -> lo * Math.Pow(hi / lo, float k / 1e6))

    /// A 64-bit seed (uniform over the full range).
    let seed : Gen<uint64> =
        Gen.two (Gen.choose (0, Int32.MaxValue)) |> Gen.map (fun (a, b) -> (uint64 a <<< 33) ^^^ uint64 b)

    /// A matrix with 1..maxSide rows and columns (shapes skewed towards both small and rectangular cases) and an
    /// entry scale log-uniform in [1e-3, 1e3]; its entries come from the stream of its seed.
    let matrix (maxSide: int) : Gen<TestMatrix> =
        gen {
            let! rows = Gen.frequency [ 1, Gen.choose (1, 3); 3, Gen.choose (1, maxSide) ]
            let! cols = Gen.frequency [ 1, Gen.choose (1, 3); 3, Gen.choose (1, maxSide) ]
            let! scale = logUniform 1e-3 1e3
            let! s = seed
            let data = Array.zeroCreate<float> (rows * cols)
            GenBounds.Random.Rng(s).FillGaussian(Span data, 0.0, scale)
            return { Rows = rows; Cols = cols; Scale = scale; Seed = s; Data = data }
        }

    /// Pruning strength d log-uniform in [0.25, 4] (the catalog's grid is 0.5, 1, 2), relative grid step in
    /// [0.01, 0.5], and either diagonal policy.
    let pruning : Gen<PruningParams> =
        gen {
            let! d = logUniform 0.25 4.0
            let! rho = logUniform 0.01 0.5
            let! diag = Gen.elements [ DiagonalPolicy.Keep; DiagonalPolicy.Prune ]
            return { D = d; Rho = rho; Diagonal = diag }
        }

    /// Small bias-free MLP specifications that train in about a second: one or two hidden layers of 16..64 units,
    /// 1..2 epochs of Adam on 1000..3000 MNIST samples. Their weights are cached (see Nets), so a suite pays for each
    /// distinct specification once per machine. Pass a short list of seeds to bound the number of distinct nets.
    let netSpec (seeds: uint64 list) : Gen<NetSpec> =
        gen {
            let! hidden = Gen.elements [ [ 32 ]; [ 64 ]; [ 48; 24 ] ]
            let! s = Gen.elements seeds
            let! epochs = Gen.elements [ 1; 2 ]
            let! subset = Gen.elements [ 1000; 3000 ]
            return { Hidden = hidden; Bias = false; Seed = s; Epochs = epochs; Subset = subset; Optimizer = "adam"; BatchSize = 64 }
        }

/// FsCheck arbitraries over the generators (register with <c>Config.WithArbitrary [ typeof&lt;Arbitraries&gt; ]</c>
/// or use them in <c>Prop.forAll</c>).
type Arbitraries =
    /// Matrices up to 40×40.
    static member TestMatrix() : Arbitrary<TestMatrix> = Arb.fromGen (Generators.matrix 40)
    /// Pruning hyper-parameters.
    static member PruningParams() : Arbitrary<PruningParams> = Arb.fromGen Generators.pruning
    /// Trained-network specifications over seeds 1..3.
    static member NetSpec() : Arbitrary<NetSpec> = Arb.fromGen (Generators.netSpec [ 1UL; 2UL; 3UL ])

/// Trained networks cached on disk by a content hash of their specification.
[<RequireQualifiedAccess>]
module Nets =
    /// Bump when training code changes in a way that changes weights for the same specification: it is part of the hash.
    let trainingCodeVersion = "testkit-train-v1"

    /// The repository root (where .cache lives), or the current directory.
    let repositoryRoot () =
        match GenBounds.Runtime.CodeRevision.RepositoryRoot() with
        | null -> Environment.CurrentDirectory
        | r -> r

    /// Folder of the cached networks: <c>GENBOUNDS_TESTKIT_CACHE</c> if set, else <c>.cache/testkit</c> of the repository.
    let cacheFolder () =
        match Environment.GetEnvironmentVariable "GENBOUNDS_TESTKIT_CACHE" with
        | null | "" -> Path.Combine(repositoryRoot (), ".cache", "testkit")
        | d -> d

    let private options (spec: NetSpec) =
        let opt =
            match spec.Optimizer.ToLowerInvariant() with
            | "adam" -> OptimizerKind.Adam
            | "sgd" -> OptimizerKind.Sgd
            | o -> invalidArg "spec" ("unknown optimizer " + o)
        let lr = if opt = OptimizerKind.Adam then 1e-3 else 1e-2
        TrainingOptions(Epochs = spec.Epochs, BatchSize = spec.BatchSize, Optimizer = opt, LearningRate = lr, Seed = spec.Seed)

    /// Content hash of everything that determines the weights: architecture, bias, seed, epochs, subset, the full
    /// optimiser description, the training data's content hash and the training-code version (first 16 hex digits of SHA-256).
    let hash (spec: NetSpec) (train: Dataset) =
        let key =
            String.Join("|", [ spec.Architecture; string spec.Bias; string spec.Seed; string spec.Epochs; string spec.Subset
                               (options spec).Describe(); train.ContentHash(); trainingCodeVersion ])
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes key)).ToLowerInvariant().Substring(0, 16)

    let private mnist = lazy (Mnist.Load(Mnist.DefaultFolder(repositoryRoot ())))

    /// MNIST (train, test), loaded once per process from <c>.cache/mnist</c> (scripts/setup.sh fetches it).
    let data () = let struct (tr, te) = mnist.Force() in tr, te

    let private subsetOf (spec: NetSpec) (train: Dataset) =
        train.Subset(spec.Subset, GenBounds.Random.SeedStreams(spec.Seed).Stream(GenBounds.Random.SeedStreams.Names.Data + "/subset"))

    /// The trained network of the specification: loaded from the cache if present, else trained (single-threaded
    /// BLAS is fine: these nets are small) and written atomically, so concurrent test hosts never read half a file.
    let load (spec: NetSpec) : TrainedNet =
        let train0, test = data ()
        let train = subsetOf spec train0
        let path = Path.Combine(cacheFolder (), hash spec train0 + ".safetensors")
        let net =
            if File.Exists path then (let struct (n, _) = ModelFile.Load path in n)
            else
                let arch = MlpArchitecture.Parse(spec.Architecture, spec.Bias)
                let net = Trainer.Initialize(arch, spec.Seed)
                let trainer = Trainer(net, options spec, LinearAlgebraProviders.Default)
                for _ in 1 .. spec.Epochs do trainer.TrainEpoch train |> ignore
                Directory.CreateDirectory(Path.GetDirectoryName path) |> ignore
                // ModelFile.Save writes through AtomicFile (temporary file + rename).
                let meta = ModelMetadata(Seed = Nullable spec.Seed, Epochs = Nullable spec.Epochs, Optimizer = (options spec).Describe())
                ModelFile.Save(path, net, meta.WithDataset train)
                net
        { Spec = spec; Network = net; Train = train; Test = test; Path = path }

/// Running checks and asserting verdicts (xunit-free: failures raise exceptions with the replay seed, so they work
/// inside FsCheck properties and any test framework).
[<RequireQualifiedAccess>]
module Verdicts =
    /// A lab on a trained net: the first `samples` training samples as S, the first `holdout` test samples as held-out
    /// data, `trials` per probabilistic claim; spectral-norm draws and whole-network trials capped at 10 (fast enough
    /// for property tests; every capped result says so).
    let lab (net: TrainedNet) (samples: int) (holdout: int) (seed: uint64) (trials: int) : Lab =
        let budget =
            [ "spectral-draws", 10.0; "forward-trials", 10.0 ]
            |> List.fold (fun b (k, v) -> match Budget.withLimit k v b with Ok b -> b | Error e -> failwith e) (Budget.create trials)
        Lab.create net.Network None (DatasetOps.Take(net.Train, samples)) (DatasetOps.Take(net.Test, holdout)) LinearAlgebraProviders.Default seed budget

    /// The registered paper and lemma a statement (or mutant) belongs to.
    let lemmaOf (s: Statement) : Paper * Lemma =
        let id = Statement.originalId s
        Papers.all
        |> List.pick (fun p -> p.Lemmas |> List.tryFind (fun l -> l.Statement.Id = id) |> Option.map (fun l -> p, l))

    /// The registered statement or mutant with this id.
    let statement (id: string) : Statement =
        Papers.all |> List.collect (fun p -> p.Lemmas |> List.collect Lemma.statements) |> List.find (fun s -> s.Id = id)

    /// Runs one registered statement (or mutant) in one mode, exactly as `genbounds verify` does.
    let check (lab: Lab) (s: Statement) (mode: CheckMode) : CheckResult =
        let paper, lemma = lemmaOf s
        Paper.checkOne lab paper lemma s mode

    let private describe (r: CheckResult) =
        let detail =
            match r.Verdict with
            | Verdict.Violated w -> sprintf "witness seed %d trial %A layer %A sample %A: %s" w.Seed w.Trial w.Layer w.Sample w.Description
            | Verdict.Inconclusive why | Verdict.Vacuous why | Verdict.NotCheckable why | Verdict.Measured why -> why
            | Verdict.HypothesisNotMet(h, held) -> sprintf "%s (conclusion held anyway: %A)" h held
            | Verdict.Held -> ""
        sprintf "%s [%s] %s after %d trials, replay seed %d %s" r.StatementId r.Mode.Label r.Verdict.Label r.Trials r.Seed detail

    /// Fails unless the verdict is Held.
    let assertHeld (r: CheckResult) =
        if r.Verdict <> Verdict.Held then failwith ("expected held: " + describe r)

    /// Fails if the statement was refuted: verdict Violated (for a probabilistic claim: the failure rate's CP99 lower
    /// limit is above its delta). HypothesisNotMet is accepted even when the conclusion failed (the lemma does not
    /// apply there), as are Inconclusive and Vacuous.
    let assertNotViolated (r: CheckResult) =
        match r.Verdict with
        | Verdict.Violated _ -> failwith ("violated: " + describe r)
        | _ -> ()

    /// Stricter: also fails when a hypothesis is not met and the conclusion failed (use where the hypotheses hold by
    /// construction, e.g. in synthetic mode).
    let assertConclusionNotViolated (r: CheckResult) =
        match r.Verdict with
        | Verdict.Violated _ | Verdict.HypothesisNotMet(_, Some false) -> failwith ("violated: " + describe r)
        | _ -> ()

    /// Fails unless the result is a mutant's and the checker rejected it.
    let assertMutantRejected (r: CheckResult) =
        if r.MutantRejected <> Some true then failwith ("mutant not rejected: " + describe r)

    /// Whether two results are the same verdict on the same numbers (everything except the wall-clock Seconds).
    let sameResult (a: CheckResult) (b: CheckResult) = { a with Seconds = 0.0 } = { b with Seconds = 0.0 }
