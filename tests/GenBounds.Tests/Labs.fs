/// The labs the verifier tests share (trained nets come from the TestKit's disk cache, so only the first run on a
/// machine trains them; values are lazy and computed once per test host).
module GenBounds.Tests.Labs

open GenBounds.TestKit
open GenBounds.Verification

/// A small bias-free MNIST net (784-32-10, one epoch on 2,000 images); S = 300 training points, 1,000 held-out; 200
/// trials per probabilistic claim. The catalogue test runs every statement's synthetic mode on it.
let small =
    lazy
        (let net = Nets.load { Hidden = [ 32 ]; Bias = false; Seed = 4UL; Epochs = 1; Subset = 2000; BatchSize = 64; Optimizer = "adam" }
         Verdicts.lab net 300 1000 11UL 200)

/// A bias-free 784-48-32-10 trained for 8 epochs on 600 images: it fits S better than the population, so a
/// generalization gap exists (Theorem 2.2's scale witness needs one). S = those 600 points, 2,000 held-out.
let gap =
    lazy
        (let net = Nets.load { Hidden = [ 48; 32 ]; Bias = false; Seed = 5UL; Epochs = 8; Subset = 600; BatchSize = 32; Optimizer = "adam" }
         Verdicts.lab net 600 2000 1UL 200)

/// A bias-free 784-32-16-10 trained for one epoch on 3,000 images, checked on 300 training points; its model seed is
/// recorded, as a GenBounds model file would.
let noise =
    lazy
        (let net = Nets.load { Hidden = [ 32; 16 ]; Bias = false; Seed = 7UL; Epochs = 1; Subset = 3000; BatchSize = 64; Optimizer = "adam" }
         { Verdicts.lab net 300 1000 3UL 120 with ModelSeed = Some 7UL })
