/// The fast paths of the Guha experiments against plain references: exact binomial sampling by CDF inversion against
/// Bernoulli sums and the exact law, and LD.3's derived success probability against sampled Gaussian layers.
module GenBounds.Tests.GuhaFastPathTests

open System
open Xunit
open GenBounds.Random
open GenBounds.Compression
open GenBounds.Verification

[<Fact>]
let ``binomial draws by CDF inversion follow the binomial law (chi-square against the exact pmf)`` () =
    let n, p, draws = 40, 0.3, 20_000
    let rng = Rng(3UL)
    let counts = Array.zeroCreate<int> (n + 1)
    for _ in 1 .. draws do
        let x = Stats.sampleBinomial rng n p
        counts.[x] <- counts.[x] + 1
    // Pool cells with expected count < 5 into their neighbours' tails; chi-square at 0.1% with the pooled df.
    let expected = Array.init (n + 1) (fun x -> float draws * MathNet.Numerics.Distributions.Binomial.PMF(p, n, x))
    let cells = ResizeArray<float * float>()
    let mutable oAcc, eAcc = 0.0, 0.0
    for x in 0 .. n do
        oAcc <- oAcc + float counts.[x]
        eAcc <- eAcc + expected.[x]
        if eAcc >= 5.0 then
            cells.Add((oAcc, eAcc))
            oAcc <- 0.0
            eAcc <- 0.0
    let chi2 = cells |> Seq.sumBy (fun (o, e) -> (o - e) * (o - e) / e)
    let critical = MathNet.Numerics.Distributions.ChiSquared.InvCDF(float (cells.Count - 1), 0.999)
    Assert.True(chi2 < critical, sprintf "chi2 %.2f >= %.2f" chi2 critical)

[<Fact>]
let ``binomial inversion gives the CDF's quantile at the drawn uniform, also for large n`` () =
    for n, p in [ 784_000, 0.4; 300_000, 0.77; 10, 0.5; 1, 0.9; 0, 0.5 ] do
        for seed in 1UL .. 20UL do
            let u = Rng(seed).NextDouble()
            let x = Stats.sampleBinomial (Rng seed) n p
            Assert.True(Stats.binomialCdf n p x >= u, sprintf "n=%d p=%g: CDF(%d) < u" n p x)
            Assert.True(x = 0 || Stats.binomialCdf n p (x - 1) < u, sprintf "n=%d p=%g: %d is not the smallest" n p x)

[<Fact>]
let ``LD3's derived prune probability of high entries matches sampled Gaussian layers`` () =
    for d in [ 0.5; 1.0; 2.0 ] do
        let rng = Rng(17UL)
        let w = Array.zeroCreate<float32> 400_000
        rng.FillGaussian(Span w, 0.0, 0.05)
        let psi = 0.05 * 0.05   // Psi known, as in the exact sampler
        let high = w |> Array.map (fun x -> MagnitudePruning.PruneProbability(float x, d, psi)) |> Array.filter (fun p -> p >= 0.5)
        let mean = Array.average high
        let se = sqrt (Array.averageBy (fun p -> (p - mean) ** 2.0) high / float high.Length)
        let r = GenBounds.Verification.Guha2023.Appendix.ld3HighPruneProbability d 0.5
        Assert.True(abs (mean - r) < 5.0 * se + 1e-9, sprintf "d=%g: sampled %.6g vs derived %.6g (se %.2g)" d mean r se)
