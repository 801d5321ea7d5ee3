/// All catalogued papers' statements and mutants, for the verifier and its reports.
module GenBounds.Proofs.Catalog

open GenBounds.Symbolic

/// Every statement of every catalogued paper.
let statements: Statement list =
    Guha2023.statements @ Arora2018Compression.statements @ Arora2018NoiseStability.statements

/// Every deliberately wrong variant the checker must reject.
let mutants: Statement list = Guha2023.mutants @ Arora2018Compression.mutants @ Arora2018NoiseStability.mutants
