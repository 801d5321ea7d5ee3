/// Symbols and helpers shared by the statements of the baseline catalog (/work/shared/lemmas/baseline-bounds.md): the
/// norm-based bounds of Neyshabur-Tomioka-Srebro 2015, Bartlett-Foster-Telgarsky 2017, Neyshabur-Bhojanapalli-Srebro 2018,
/// and the PAC-Bayes toolkit (kl inverses, sample convergence, certificates). The catalog's tags map to provenance as:
/// no tag -> EXACT (checked against the paper or the practitioners' code), RECALLED -> RECON (the note and the name say
/// "RECALLED"), DERIVED -> DERIVED, UNVERIFIED -> UNVERIFIED.
module GenBounds.Proofs.Baseline.Common

open GenBounds.Symbolic
open GenBounds.Symbolic.Operators

/// The source every entry cites.
let catalog = "Baseline bounds catalog (baseline-bounds.md)"
/// A citation of a catalog section.
let cite section equation = { Source = catalog; Section = section; Equation = equation }

/// A non-negative variable.
let nonNeg name description = Statement.var name description Domain.nonNegative
/// A probability-valued variable.
let probability name description = Statement.var name description Domain.probability
/// A real variable.
let anyReal name description = Statement.var name description Domain.anyReal
/// A positive integer.
let count name description = Statement.var name description Domain.positiveInteger
/// A confidence parameter in (0, 1].
let confidence name description = Statement.var name description Domain.confidence

/// The note every statement carries about its two probability spaces.
let twoModes (synthetic: string) (real: string) = sprintf "Synthetic: %s Real network: %s" synthetic real

/// A catalogued entry that `genbounds verify` cannot check, with the reason.
let notYet id name section equation provenance informal conclusion reason notes =
    { Statement.create id name (cite section equation) provenance informal conclusion with
        Checkability = Checkability.NotYetCheckable reason
        Notes = notes }

/// A mutant whose bound is a typical value of the bounded quantity itself (its median over the checked instances, bound
/// by the experiment as `typical`): false whenever the quantity varies at all, in either mode.
let typicalValue tag description (quantity: string) (typical: string) (s: Statement) =
    s |> Statement.mutateWith tag description (fun s ->
        { s with
            Conclusion = Statement.mapConclusion (fun _ -> sym quantity <=. sym typical) s.Conclusion
            Variables = s.Variables @ [ Statement.var typical ("median of " + quantity + " over the checked instances (the mutant's bound)") Domain.anyReal ] })
