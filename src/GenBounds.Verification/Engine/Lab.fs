namespace GenBounds.Verification

open System
open System.Collections.Generic
open GenBounds.Data
open GenBounds.LinearAlgebra
open GenBounds.Networks
open GenBounds.Random

/// How many draws a capped experiment may take, and the sentence every capped result prints.
type Allowance =
    { Count: int
      Requested: int
      /// Set when Count < Requested: which limit capped it and why.
      Note: string option }

/// One named limit of the trial budget: its default and what it bounds.
type LimitSpec = { Name: string; Default: float; Description: string }

/// The trial policy of a run: N per probabilistic claim (`--trials`) and every cap, in one place. Limits are settable
/// from the CLI (`--limits NAME=VALUE,...`); every experiment that is capped by one reports it (Evidence.Caps).
type Budget =
    { Trials: int
      Limits: Map<string, float> }

/// The budget's limits and the arithmetic of caps.
module Budget =

    /// Every limit an experiment may consult, with its default.
    let specs =
        [ { Name = "cheap-factor"; Default = 5.0
            Description = "trials of cheap Monte Carlo (a few hundred flops per trial) = this factor x N, so that Clopper-Pearson intervals resolve eta = 0.01" }
          { Name = "layer-draws"; Default = 20.0; Description = "draws of a whole random layer (a fresh Gaussian layer or mask) per setting" }
          { Name = "rounding-draws"; Default = 5.0; Description = "pruning + rounding draws per layer (GUHA-L4.4a)" }
          { Name = "spectral-draws"; Default = 30.0; Description = "draws of a layer's spectral norm (one certified Lanczos bracket each) per layer" }
          { Name = "forward-trials"; Default = 30.0; Description = "whole-network pruning trials, each with forward passes on S" }
          { Name = "realised-trials"; Default = 10.0; Description = "whole-network trials that also compute the realised perturbation bound (spectral norms of every residual)" }
          { Name = "moment-samples"; Default = 200000.0; Description = "i.i.d. entries per setting for a synthetic moment" }
          { Name = "mask-draws"; Default = 2e8; Description = "uniform draws per layer for mask and balls-into-bins trials (never below 100 trials)" }
          { Name = "network-work"; Default = 1.2e12
            Description = "multiply-adds per mode for whole-network compression draws, about 3 x parameters x |S| per draw (never below 200 draws)" }
          { Name = "psi-draws"; Default = 16.0; Description = "Monte Carlo draws per sample for a noise sensitivity" }
          { Name = "confirm-draws"; Default = 50.0; Description = "confirmation draws of an extrapolated smallest compression" }
          { Name = "rem1-draws"; Default = 3.0; Description = "single-layer compression draws per layer (ARORA-REM1)" }
          { Name = "holdout"; Default = 2000.0; Description = "held-out points used by checks that need forward passes of compressed nets" }
          { Name = "comparison-epochs"; Default = 10.0; Description = "epochs of the verifier-trained shuffled-label comparison network" }
          { Name = "sketch-trials"; Default = 30.0; Description = "trials per matrix side of the sketch-recovery Monte Carlo (GUHA-T5.1, R5.1), each over a grid of sketch sizes" }
          { Name = "sketch-size"; Default = 64.0; Description = "largest matrix side p of the sketch-recovery Monte Carlo (sides p/2 and p; the l1 programs grow with p)" }
          { Name = "lp-instances"; Default = 8.0; Description = "instances of the joint l1 program over all p^2 unknowns (GUHA-EQ1 and its decoder probe)" }
          { Name = "imp-rounds"; Default = 3.0; Description = "rounds of iterative magnitude pruning (one epoch each) behind the lottery-ticket checks (GUHA-T6.2)" } ]

    /// The default budget for N trials per probabilistic claim.
    let create (trials: int) : Budget =
        if trials < 1 then invalidArg "trials" "trials must be at least 1"
        { Trials = trials; Limits = specs |> List.map (fun s -> s.Name, s.Default) |> Map.ofList }

    /// The budget with one limit changed; an unknown name or a value that is not positive is an error.
    let withLimit (name: string) (value: float) (b: Budget) : Result<Budget, string> =
        if not (b.Limits.ContainsKey name) then
            Error(sprintf "unknown limit '%s' (known: %s)" name (String.Join(", ", specs |> List.map (fun s -> s.Name))))
        elif not (value > 0.0) || Double.IsInfinity value then Error(sprintf "limit %s must be a positive number, got %g" name value)
        else Ok { b with Limits = b.Limits.Add(name, value) }

    /// The value of a limit.
    let limit (name: string) (b: Budget) =
        match b.Limits.TryFind name with
        | Some v -> v
        | None -> invalidArg "name" ("unknown limit " + name)

    /// A count limit read as an integer (at least 1).
    let count (name: string) (b: Budget) = max 1 (int (limit name b))

    /// Trials for cheap Monte Carlo: cheap-factor × N.
    let cheapTrials (b: Budget) = int (limit "cheap-factor" b * float b.Trials)

    /// Draws for `what`: the requested number capped at limit/work draws (work = cost of one draw in the limit's unit;
    /// 1 for a count limit), never below `floor` nor above `requested`.
    let allow (name: string) (requested: int) (work: float) (floor: int) (what: string) (b: Budget) : Allowance =
        let affordable = limit name b / max work 1e-300 |> min 1e9 |> int
        let n = min requested (max floor affordable)
        { Count = n
          Requested = requested
          Note =
            if n < requested then
                Some(sprintf "%s: %d draws instead of %d (limit %s = %g%s; raise it with --limits %s=VALUE)" what n requested name (limit name b)
                         (if work <> 1.0 then sprintf " at %.3g per draw" work else "") name)
            else None }

    /// A stable text of the budget, for cache keys and reports.
    let fingerprint (b: Budget) =
        sprintf "N=%d;%s" b.Trials (String.Join(";", b.Limits |> Seq.map (fun kv -> sprintf "%s=%g" kv.Key kv.Value)))

/// Work shared between statements, mutants, modes and papers within one run: values that are pure functions of the
/// lab's content (model, data, seeds, budget) and the key, so sharing only saves time. It is passed in, never global;
/// a fresh cache recomputes the same values (tests prove it). Safe for concurrent checks: each value is computed once,
/// and a caller that asks for a value another thread is computing waits for it (values are pure, so which thread
/// computes it cannot change it).
type RunCache() =
    let values = Collections.Concurrent.ConcurrentDictionary<string, Lazy<obj>>(StringComparer.Ordinal)

    /// The value stored under the key, computed by `make` on first use.
    member _.GetOrAdd<'T>(key: string, make: unit -> 'T) : 'T =
        let cell = values.GetOrAdd(key, fun _ -> Lazy<obj>((fun () -> box (make ())), Threading.LazyThreadSafetyMode.ExecutionAndPublication))
        cell.Value :?> 'T

    /// Number of stored values.
    member _.Count = values.Count

/// What every experiment receives: the network, the data, the seed streams, the trial budget, the linear-algebra
/// provider and the run cache. Content hashes are computed once, here, and key every shared value.
type Lab =
    { Network: Mlp
      ModelHash: string
      /// The master seed a GenBounds model file records (None for files from elsewhere): training draws the initial
      /// weights from it before any data is seen, so experiments may regenerate A_init as a helper string.
      ModelSeed: uint64 option
      /// The training samples S the checks use.
      Train: Dataset
      TrainHash: string
      /// Held-out data.
      Test: Dataset
      TestHash: string
      LinearAlgebra: ILinearAlgebraProvider
      Seeds: SeedStreams
      Budget: Budget
      Cache: RunCache }

/// Building a lab, naming its streams and sharing its work.
module Lab =

    /// A lab over the network and data with a fresh cache.
    let create (network: Mlp) (modelSeed: uint64 option) (train: Dataset) (test: Dataset) (la: ILinearAlgebraProvider) (seed: uint64) (budget: Budget) =
        { Network = network
          ModelHash = network.ContentHash()
          ModelSeed = modelSeed
          Train = train
          TrainHash = train.ContentHash()
          Test = test
          TestHash = test.ContentHash()
          LinearAlgebra = la
          Seeds = SeedStreams seed
          Budget = budget
          Cache = RunCache() }

    /// The one naming scheme of every verification stream: "verify/&lt;paper&gt;/&lt;id&gt;/&lt;mode&gt;[/&lt;rest&gt;]". `id` is a
    /// statement id (a mutant uses its original's, so it replays the original's draws) or the name of work shared by
    /// several statements of the paper.
    let streamName (paper: string) (id: string) (mode: CheckMode) (rest: string) =
        if rest = "" then sprintf "verify/%s/%s/%s" paper id mode.StreamName
        else sprintf "verify/%s/%s/%s/%s" paper id mode.StreamName rest

    /// The stream of that name.
    let stream (lab: Lab) paper id mode rest = lab.Seeds.Stream(streamName paper id mode rest)

    /// Everything a shared value may depend on besides its key.
    let fingerprint (lab: Lab) =
        sprintf "%s/%s/%s/%d/%s" lab.ModelHash lab.TrainHash lab.TestHash lab.Seeds.Master (Budget.fingerprint lab.Budget)

    /// The value of `make` shared under `key` within the lab's run (the key must name every other input).
    let memo<'T> (lab: Lab) (key: string) (make: unit -> 'T) : 'T = lab.Cache.GetOrAdd<'T>(fingerprint lab + "|" + key, make)
