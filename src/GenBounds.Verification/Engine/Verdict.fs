namespace GenBounds.Verification

open System

/// Which probability space a check samples from (Guha catalog §0: the two probability spaces).
[<RequireQualifiedAccess>]
type CheckMode =
    /// The paper's exact random model: i.i.d. Gaussian weights of the real layer's shape and variance, fresh mask.
    | Synthetic
    /// The trained network's weights fixed; only the algorithm's randomness (mask, projection, noise) resampled.
    | RealNetwork

    member m.Label = match m with Synthetic -> "synthetic" | RealNetwork -> "real network"

    /// The mode's segment in seed-stream names ("verify/<id>/<segment>/…"); changing it changes every replay seed.
    member m.StreamName = match m with Synthetic -> "synthetic" | RealNetwork -> "real"

/// A two-sided interval with its confidence level and the method that produced it (e.g. "Clopper–Pearson").
type Interval = { Lower: float; Upper: float; Confidence: float; Method: string }

/// Order statistics of a sample (e.g. of the slack ratio RHS/LHS over samples, layers or trials).
type Summary =
    { Count: int; Min: float; Q01: float; Q10: float; Median: float; Q90: float; Q99: float; Max: float; Mean: float }

/// Everything needed to replay one violation exactly: the stream seed of the trial, and where it happened.
type Witness =
    { Seed: uint64
      Trial: int option
      Layer: int option
      Sample: int option
      Lhs: float
      Rhs: float
      Description: string }

/// The outcome of checking one statement in one mode.
[<RequireQualifiedAccess>]
type Verdict =
    /// The conclusion held (deterministic: on every instance; probabilistic: the Clopper–Pearson upper limit of the
    /// failure rate is ≤ δ; expectation: the whole CI satisfies the relation).
    | Held
    /// The conclusion failed, with a replayable witness (probabilistic: the CP lower limit exceeds δ).
    | Violated of Witness
    /// The interval straddles the claim; more trials are needed.
    | Inconclusive of reason: string
    /// A hypothesis failed on this network/model; whether the conclusion held anyway (None if not evaluated).
    | HypothesisNotMet of hypothesis: string * conclusionHeldAnyway: bool option
    /// The statement cannot be violated here (e.g. a bound ≥ 1 on a 0/1 loss).
    | Vacuous of reason: string
    /// Catalogued but not checkable yet (e.g. needs the sketch-recovery LP).
    | NotCheckable of reason: string
    /// A definition whose check holds by construction (its quantity is bound as the extreme of the very ratios it
    /// compares): the values were measured; nothing was tested.
    | Measured of what: string

    member v.Label =
        match v with
        | Held -> "held"
        | Violated _ -> "violated"
        | Inconclusive _ -> "inconclusive"
        | HypothesisNotMet _ -> "hypothesis not met"
        | Vacuous _ -> "vacuous"
        | NotCheckable _ -> "not yet checkable"
        | Measured _ -> "measured definition"

    /// How bad a verdict is when several settings of one check are combined: the worst setting decides.
    member v.Severity =
        match v with
        | Violated _ -> 5
        | Inconclusive _ -> 4
        | HypothesisNotMet _ -> 3
        | NotCheckable _ -> 2
        | Vacuous _ -> 1
        | Held
        | Measured _ -> 0

/// The smallest value of a universal constant consistent with the data, with its interval and its trend over
/// dimension (a constant that grows with dimension is not universal).
type ConstantEstimate =
    { Name: string
      Value: float
      Interval: Interval option
      /// (dimension or setting label, smallest constant there)
      ByDimension: (string * float) list
      Grows: bool option
      /// Flagged when implausibly large (catalog protocol: > 10).
      Suspicious: bool }

/// Data for a figure of the HTML report (rendered with Vega-Lite).
[<RequireQualifiedAccess>]
type Figure =
    /// Normal Q-Q plot: theoretical quantiles vs sample quantiles (e.g. standardised trained weights of a layer).
    | QQ of title: string * theoretical: float[] * sample: float[]
    /// Histogram of values with labelled reference lines (e.g. observed max row loads vs the balls-in-bins bound).
    | Histogram of title: string * xLabel: string * values: float[] * references: (string * float) list
    /// Named series of (x, y) points (e.g. failure rate vs η, relative error vs layer).
    | Lines of title: string * xLabel: string * yLabel: string * series: (string * (float * float)[]) list
    /// A small table of labelled rows (e.g. Arora Table 1: effective vs actual parameters per layer); rendered as a
    /// Markdown table and an HTML table, not as a chart.
    | Table of title: string * header: string list * rows: string list list
    /// Failure rates per setting with their intervals and the claimed δ (a multi-setting probabilistic check).
    | Rates of title: string * rows: (string * float * float * float * float) list

/// One setting of a multi-setting check (e.g. one (ε, η, shape) of Algorithm 1): the row of the report's table.
type SettingResult =
    { Label: string
      Verdict: Verdict
      /// N of the setting (instances or trials).
      Trials: int
      Failures: int
      Interval: Interval option
      Delta: float option
      /// The setting's smallest universal constant, when the statement has one.
      Constant: float option }

/// The result of checking one statement (or one mutant) in one mode.
type CheckResult =
    { /// Statement id; a mutant's id carries "~mutant-…".
      StatementId: string
      Mode: CheckMode
      Verdict: Verdict
      /// For a mutant: true when the checker rejected it (it must be); None for real statements.
      MutantRejected: bool option
      /// N: trials (probabilistic), instances (deterministic: samples × layers × perturbations), or draws.
      Trials: int
      /// Failure count F: failing trials (probabilistic), failing instances (deterministic), held-out errors (risk).
      Failures: int option
      /// Instances outside the claim's scope (Hypothesis.Restriction), not counted in N.
      OutOfScope: int
      /// Clopper–Pearson interval of the failure probability, or the CI of an expectation.
      Interval: Interval option
      /// δ of a "with probability ≥ 1−δ" claim.
      Delta: float option
      /// Distribution of RHS/LHS (how loose the bound is).
      Slack: Summary option
      Constant: ConstantEstimate option
      /// Representative scalar bindings (dimensions, d, Ψ, γ, …) shown in reports.
      Bindings: (string * float) list
      /// Replay seed of this check (a named stream of the master seed).
      Seed: uint64
      Layer: int option
      Notes: string list
      Figures: Figure list
      /// Per-setting rows (empty for a single-setting check).
      Settings: SettingResult list
      /// Every place where the trial budget capped N below what was asked for, with the reason.
      Caps: string list
      Seconds: float }

/// What a report was computed from: model, data, seeds and code, so that it can be reproduced.
type ReportContext =
    { ModelPath: string
      ModelHash: string
      Architecture: string
      DataName: string
      DataHash: string
      CodeRevision: string
      MasterSeed: uint64
      Blas: string
      BlasThreads: int
      Trials: int
      /// The trial budget's limits (name, value) in force.
      Limits: (string * float) list
      /// Content hash of the held-out data.
      TestHash: string
      /// The master seed the model file records (None for files from elsewhere).
      ModelSeed: uint64 option
      Started: DateTimeOffset
      Papers: string list }

/// A verification report: the statements checked (as data, for rendering) and every result.
type Report =
    { Context: ReportContext
      Statements: GenBounds.Symbolic.Statement list
      Results: CheckResult list
      Seconds: float }
