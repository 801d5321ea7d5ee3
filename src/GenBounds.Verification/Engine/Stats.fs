/// Statistics of the shared check protocol (Guha catalog §2): Clopper–Pearson for failure rates, t-intervals for
/// expectations, order-statistic intervals for quantiles, and effect sizes for the Gaussianity of weights (GUHA-A3.1).
module GenBounds.Verification.Stats

open System
open MathNet.Numerics.Distributions

/// Exact Clopper–Pearson interval for a binomial proportion with `failures` out of `n` at two-sided `confidence`.
/// F = 0 gives lower 0 and F = N upper 1, as the Beta quantiles degenerate there.
let clopperPearson (failures: int) (n: int) (confidence: float) : Interval =
    if n <= 0 || failures < 0 || failures > n then invalidArg "failures" (sprintf "%d failures out of %d trials" failures n)
    let a = (1.0 - confidence) / 2.0
    let lo = if failures = 0 then 0.0 else Beta.InvCDF(float failures, float (n - failures + 1), a)
    let hi = if failures = n then 1.0 else Beta.InvCDF(float (failures + 1), float (n - failures), 1.0 - a)
    { Lower = lo; Upper = hi; Confidence = confidence; Method = "Clopper–Pearson" }

/// Sample mean and its Student-t interval. A single observation or a constant sample gives a degenerate interval.
let meanInterval (xs: float[]) (confidence: float) : float * Interval =
    if xs.Length = 0 then invalidArg "xs" "empty sample"
    let n = float xs.Length
    let mean = Array.average xs
    let half =
        if xs.Length < 2 then infinity
        else
            let var = (xs |> Array.sumBy (fun x -> (x - mean) * (x - mean))) / (n - 1.0)
            StudentT.InvCDF(0.0, 1.0, n - 1.0, 1.0 - (1.0 - confidence) / 2.0) * sqrt (var / n)
    mean, { Lower = mean - half; Upper = mean + half; Confidence = confidence; Method = "Student t" }

/// Empirical p-quantile (order statistic ⌈pN⌉) with the distribution-free binomial interval of order statistics:
/// [x_(lo), x_(hi)] where lo, hi are binomial(N, p) quantiles; ends fall back to the sample extremes.
let quantileInterval (xs: float[]) (p: float) (confidence: float) : float * Interval =
    if xs.Length = 0 then invalidArg "xs" "empty sample"
    let s = Array.sort xs
    let n = s.Length
    let at k = s.[max 0 (min (n - 1) k)]
    let point = at (int (ceil (p * float n)) - 1)
    let a = (1.0 - confidence) / 2.0
    // Binomial CDF through the regularized incomplete beta (O(1) per call): P(B ≤ x) = 1 − I_p(x + 1, n − x).
    let cdf (x: int) = if x < 0 then 0.0 elif x >= n then 1.0 else 1.0 - MathNet.Numerics.SpecialFunctions.BetaRegularized(float (x + 1), float (n - x), p)
    // P(#{x_i ≤ q_p} ≤ k) = Binomial CDF; the (k+1)-th order statistic is below q_p with probability 1 − CDF(k).
    let mutable lo = 0
    while lo < n && cdf lo < a do lo <- lo + 1
    let mutable hi = n - 1
    while hi > 0 && cdf (hi - 1) > 1.0 - a do hi <- hi - 1
    point, { Lower = at (lo - 1); Upper = at hi; Confidence = confidence; Method = "order statistics (binomial)" }

/// Order-statistic summary of a sample (quantiles by the nearest-rank rule).
let summary (xs: float[]) : Summary =
    if xs.Length = 0 then invalidArg "xs" "empty sample"
    let s = Array.sort xs
    let q p = s.[max 0 (min (s.Length - 1) (int (ceil (p * float s.Length)) - 1))]
    { Count = s.Length; Min = s.[0]; Q01 = q 0.01; Q10 = q 0.10; Median = q 0.5; Q90 = q 0.90; Q99 = q 0.99
      Max = s.[s.Length - 1]; Mean = Array.average s }

/// Kolmogorov–Smirnov distance of the sample from N(0,1) and its asymptotic p-value (Stephens' small-sample correction).
let ksNormal (xs: float[]) : float * float =
    let s = Array.sort xs
    let n = float s.Length
    let mutable dmax = 0.0
    for i in 0 .. s.Length - 1 do
        let f = Normal.CDF(0.0, 1.0, s.[i])
        dmax <- max dmax (max (float (i + 1) / n - f) (f - float i / n))
    let lambda = (sqrt n + 0.12 + 0.11 / sqrt n) * dmax
    let mutable p = 0.0
    for j in 1 .. 100 do
        p <- p + 2.0 * (if j % 2 = 1 then 1.0 else -1.0) * exp (-2.0 * float (j * j) * lambda * lambda)
    dmax, (if lambda < 0.2 then 1.0 else max 0.0 (min 1.0 p))

/// The asymptotic 99% critical value of the one-sample KS distance for n observations (1.6276/√n).
let ksCritical99 (n: int) = 1.6276 / sqrt (float n)

/// Anderson–Darling A² of the sample against N(0,1) (fully specified null).
let andersonDarling (xs: float[]) : float =
    let s = Array.sort xs
    let n = s.Length
    let clamp p = max 1e-300 (min (1.0 - 1e-16) p)
    let mutable acc = 0.0
    for i in 0 .. n - 1 do
        let fi = clamp (Normal.CDF(0.0, 1.0, s.[i]))
        let fj = clamp (Normal.CDF(0.0, 1.0, s.[n - 1 - i]))
        acc <- acc + float (2 * i + 1) * (log fi + log (1.0 - fj))
    -(float n) - acc / float n

/// Excess kurtosis m₄/m₂² − 3 (0 for a Gaussian).
let excessKurtosis (xs: float[]) : float =
    let mean = Array.average xs
    let m2 = xs |> Array.averageBy (fun x -> (x - mean) ** 2.0)
    let m4 = xs |> Array.averageBy (fun x -> (x - mean) ** 4.0)
    m4 / (m2 * m2) - 3.0

/// Normal Q-Q points (theoretical, sample), subsampled to at most `maxPoints` evenly spaced order statistics.
let qqPoints (xs: float[]) (maxPoints: int) : float[] * float[] =
    let s = Array.sort xs
    let n = s.Length
    let k = min n maxPoints
    let idx = Array.init k (fun i -> if k = 1 then 0 else int (round (float i * float (n - 1) / float (k - 1))))
    let theo = idx |> Array.map (fun i -> Normal.InvCDF(0.0, 1.0, (float i + 0.5) / float n))
    theo, idx |> Array.map (fun i -> s.[i])

/// P(Bin(n, p) ≤ x) through the regularized incomplete beta (O(1) in n): 1 − I_p(x + 1, n − x).
let binomialCdf (n: int) (p: float) (x: int) =
    if x < 0 then 0.0
    elif x >= n then 1.0
    elif p <= 0.0 then 1.0
    elif p >= 1.0 then 0.0
    else 1.0 - MathNet.Numerics.SpecialFunctions.BetaRegularized(float (x + 1), float (n - x), p)

/// The smallest x in [lo, hi] with pred x, for a predicate that is monotone (false ... false true ... true) and
/// true at hi: bisection, O(log(hi − lo)) evaluations.
let smallestSatisfying (pred: int -> bool) (lo: int) (hi: int) =
    let mutable a = lo
    let mutable b = hi
    while a < b do
        let mid = a + (b - a) / 2
        if pred mid then b <- mid else a <- mid + 1
    a

/// One exact Bin(n, p) draw by inversion of the CDF: the smallest x with P(Bin ≤ x) ≥ U for one uniform U of the
/// stream. O(log n) incomplete-beta evaluations instead of n Bernoulli draws; exact up to the rounding of the CDF.
let sampleBinomial (rng: GenBounds.Random.Rng) (n: int) (p: float) =
    if n < 0 then invalidArg "n" "negative trial count"
    let u = rng.NextDouble()
    if n = 0 || p <= 0.0 then 0
    elif p >= 1.0 then n
    else
        // Search a window of the mean ± 12 sd first (the CDF outside it is below 1e-30 or above 1 − 1e-30), then all of [0, n].
        let mean, sd = float n * p, sqrt (float n * p * (1.0 - p))
        let lo = max 0 (int (floor (mean - 12.0 * sd)) - 1)
        let hi = min n (int (ceil (mean + 12.0 * sd)) + 1)
        let ok x = binomialCdf n p x >= u
        if ok hi && not (lo > 0 && ok (lo - 1)) then smallestSatisfying ok lo hi else smallestSatisfying ok 0 n
