namespace GenBounds.Verification

open GenBounds.Symbolic

/// One evaluated instance (a deterministic check's point, a probabilistic claim's trial): the symbols it binds and
/// where it came from, so that a failing instance is a replayable witness.
type Instance =
    { Bindings: Bindings
      /// Seed of the stream the instance was drawn from (its replay token).
      Seed: uint64
      Trial: int option
      Layer: int option
      Sample: int option
      Label: string }

/// What one setting of an experiment observed. The checker picks the verdict procedure from the statement's conclusion
/// and the form of the observation; an experiment never decides a verdict.
[<RequireQualifiedAccess>]
type Observation =
    /// Every symbol the statement uses bound per instance (deterministic claims, the trials of probabilistic ones, and
    /// expectations computed exactly with the randomness integrated out).
    | Instances of Instance list
    /// Draws of the random quantity inside an expectation: `key` is the symbol (or expectation key, e.g. "E[Delta^2]")
    /// whose mean the claim is about; `bindings` bind the rest. `witness` locates the draws for a replay.
    | Moments of key: string * draws: float[] * bindings: Bindings * witness: Instance
    /// A population 0-1 risk, the symbol `risk`, estimated by `errors` of `n` held-out points (Clopper–Pearson at the
    /// checker's confidence); `bindings` bind the rest of the claim.
    | HeldOutRisk of risk: string * errors: int * n: int * bindings: Bindings * witness: Instance

/// One setting of an experiment (a layer, a (γ, η) pair, a shape): its observation and how to read it.
type Setting =
    { Label: string
      /// A dimension or scale (e.g. h_l·h_{l−1}, an input scale t) along which a universal constant must not grow.
      Dimension: float option
      Observation: Observation
      /// An accuracy that replaces the statement's for this setting (e.g. an effect size for an exact expectation on
      /// trained weights, where the claim is a Gaussian identity that trained weights only approximate).
      Tolerance: Accuracy option }

/// Everything an experiment returns for one statement in one mode.
type Evidence =
    { Settings: Setting list
      /// Named assumptions of the paper that fail here, as (assumption id, why). The checker applies only those the
      /// statement carries, so a mutant that drops an assumption is judged without it.
      FailedAssumptions: (string * string) list
      /// Set when the experiment cannot run here (no positive margin, a plan with no solution, …): the verdict is
      /// inconclusive with this reason.
      Unavailable: string option
      /// The settings form an exact scaling family that can be pushed arbitrarily far at no cost (e.g. input scaling
      /// of a positively homogeneous net): a smallest constant that grows along it is unbounded, not merely suspicious.
      ExactScaling: bool
      /// Descriptive values shown with the result (not used by the verdict).
      Measured: (string * float) list
      Notes: string list
      Figures: Figure list
      /// Every cap of the trial budget that bound this evidence (Allowance.Note).
      Caps: string list
      /// A supplementary constant the experiment estimated from a grid of reruns (e.g. the smallest helper constant
      /// C of Matrix-Project that meets η); the verdict does not use it.
      Constant: ConstantEstimate option }

/// Building evidence.
module Evidence =

    /// An instance with bindings, seed and label only.
    let instance (bindings: Bindings) (seed: uint64) (label: string) : Instance =
        { Bindings = bindings; Seed = seed; Trial = None; Layer = None; Sample = None; Label = label }

    /// A setting of instances.
    let setting (label: string) (instances: Instance seq) : Setting =
        { Label = label; Dimension = None; Observation = Observation.Instances(List.ofSeq instances); Tolerance = None }

    /// A setting of expectation draws.
    let moments (label: string) (key: string) (draws: float[]) (bindings: Bindings) (witness: Instance) : Setting =
        { Label = label; Dimension = None; Observation = Observation.Moments(key, draws, bindings, witness); Tolerance = None }

    /// A setting of a held-out risk.
    let heldOut (label: string) (risk: string) (errors: int) (n: int) (bindings: Bindings) (witness: Instance) : Setting =
        { Label = label; Dimension = None; Observation = Observation.HeldOutRisk(risk, errors, n, bindings, witness); Tolerance = None }

    /// Evidence made of these settings, with nothing else.
    let ofSettings (settings: Setting list) : Evidence =
        { Settings = settings; FailedAssumptions = []; Unavailable = None; ExactScaling = false; Measured = []; Notes = []
          Figures = []; Caps = []; Constant = None }

    /// Evidence of one unlabelled setting of instances.
    let ofInstances (instances: Instance seq) = ofSettings [ setting "" instances ]

    /// Evidence that could not be gathered, with the reason.
    let unavailable (reason: string) = { ofSettings [] with Unavailable = Some reason }

    /// Appends notes.
    let withNotes (notes: string list) (e: Evidence) = { e with Notes = e.Notes @ notes }

    /// Appends descriptive values.
    let withMeasured (values: (string * float) list) (e: Evidence) = { e with Measured = e.Measured @ values }

    /// Appends figures.
    let withFigures (figures: Figure list) (e: Evidence) = { e with Figures = e.Figures @ figures }

    /// Appends the notes of capped allowances.
    let withCaps (allowances: Allowance list) (e: Evidence) = { e with Caps = e.Caps @ (allowances |> List.choose (fun a -> a.Note)) |> List.distinct }

    /// Adds failed named assumptions.
    let withFailedAssumptions (failed: (string * string) list) (e: Evidence) = { e with FailedAssumptions = e.FailedAssumptions @ failed }
