namespace GenBounds.Proofs
