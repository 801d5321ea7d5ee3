module GenBounds.Tests.StatsTests

open Xunit
open GenBounds.Verification

[<Fact>]
let ``Clopper–Pearson with no failures has upper limit 1 − (α/2)^(1/N)`` () =
    let ci = Stats.clopperPearson 0 10 0.95
    Assert.Equal(0.0, ci.Lower)
    Assert.Equal(1.0 - 0.025 ** 0.1, ci.Upper, 4)
    Assert.Equal(0.3085, ci.Upper, 4)

[<Fact>]
let ``Clopper–Pearson matches the textbook interval for 5 of 10`` () =
    let ci = Stats.clopperPearson 5 10 0.95
    Assert.Equal(0.1871, ci.Lower, 4)
    Assert.Equal(0.8129, ci.Upper, 4)
    Assert.Equal(1.0, (Stats.clopperPearson 10 10 0.95).Upper)

[<Fact>]
let ``t-interval of 1..5 has half-width t(0.975, 4) · s/√n`` () =
    let mean, ci = Stats.meanInterval [| 1.0; 2.0; 3.0; 4.0; 5.0 |] 0.95
    Assert.Equal(3.0, mean, 12)
    Assert.Equal(2.776445 * sqrt 2.5 / sqrt 5.0, ci.Upper - mean, 5)

[<Fact>]
let ``order-statistic interval of the median brackets it and is narrow for a large sample`` () =
    let xs = Array.init 1000 float
    let q, ci = Stats.quantileInterval xs 0.5 0.99
    Assert.Equal(499.0, q)
    Assert.True(ci.Lower < 499.0 && ci.Upper > 499.0 && ci.Upper - ci.Lower < 100.0, sprintf "%A" ci)

[<Fact>]
let ``KS accepts Gaussian samples and rejects uniform ones; kurtosis and A² are small for Gaussians`` () =
    let rng = GenBounds.Random.Rng(7UL)
    let g = Array.init 20000 (fun _ -> rng.NextGaussian())
    let _, p = Stats.ksNormal g
    Assert.True(p > 0.01, sprintf "p = %g" p)
    Assert.True(abs (Stats.excessKurtosis g) < 0.15)
    Assert.True(Stats.andersonDarling g < 3.9)
    let u = Array.init 20000 (fun _ -> rng.NextDouble() * 2.0 - 1.0)
    let d, pu = Stats.ksNormal u
    Assert.True(pu < 1e-6 && d > Stats.ksCritical99 u.Length)
    let theo, sample = Stats.qqPoints g 400
    Assert.Equal(400, theo.Length)
    Assert.Equal(400, sample.Length)
