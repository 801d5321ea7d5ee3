/// The new Guha §5–6 experiment pieces against plain references: the toy lottery ticket's exact sup error against a dense
/// sweep of the unit circle, its dense layers against its direct evaluation, the honest compression count against the
/// optimistic one, the fixed grid of rounding steps, and replays of the sketching and lottery-ticket checks.
module GenBounds.Tests.GuhaSketchingTests

open System
open Xunit
open GenBounds.Random
open GenBounds.Compression
open GenBounds.TestKit
open GenBounds.Verification
open GenBounds.Verification.Guha2023

/// max_k |G̃(x)_k − (W x)_k| at x, through the ticket's own evaluation.
let private errorAt (t: LotteryTickets.ToyTicket) (w: float[]) (x0: float) (x1: float) =
    let g = t.Apply(x0, x1)
    max (abs (g.[0] - (w.[0] * x0 + w.[1] * x1))) (abs (g.[1] - (w.[2] * x0 + w.[3] * x1)))

[<Fact>]
let ``the toy ticket's sup error equals the maximum over a dense sweep of the unit circle and bounds every point of the disk`` () =
    for seed in 1UL .. 25UL do
        let rng = Rng(seed)
        let w = LotteryTickets.toyTarget (Array.init 4 (fun _ -> 2.0 * rng.NextDouble() - 1.0))
        let width = [| 16; 40; 101; 400 |].[int (seed % 4UL)]
        let ticket = LotteryTickets.toyTicket width w (rng.Split "G")
        let sup = ticket.SupError w
        if not (Double.IsFinite sup) then
            // A narrow G can lack a unit of the sign a slot needs; the ticket is then incomplete and says so.
            Assert.True(ticket.Units |> Array.exists Option.isNone, sprintf "seed %d: infinite sup error of a complete ticket" seed)
        else
            // The error is linear on each quadrant, so its sup over the disk is attained on the circle: a sweep of 40,000
            // angles comes within the arc's second-order term of it.
            let sweep = Seq.max (seq { for i in 0 .. 39_999 -> let t = 2.0 * Math.PI * float i / 40_000.0 in errorAt ticket w (cos t) (sin t) })
            Assert.True(sweep <= sup * (1.0 + 1e-9) + 1e-12, sprintf "seed %d: a circle point exceeds the sup (%.12g > %.12g)" seed sweep sup)
            Assert.True(sweep >= sup * (1.0 - 1e-6) - 1e-12, sprintf "seed %d: the sweep's maximum %.12g is below the sup %.12g" seed sweep sup)
            for _ in 1 .. 200 do
                let r, t = sqrt (rng.NextDouble()), 2.0 * Math.PI * rng.NextDouble()
                Assert.True(errorAt ticket w (r * cos t) (r * sin t) <= sup * (1.0 + 1e-9) + 1e-12)

[<Fact>]
let ``the toy ticket's dense layers compute what the ticket computes, with its 16 active weights`` () =
    for seed in 1UL .. 10UL do
        let rng = Rng(seed)
        let w = LotteryTickets.toyTarget (Array.init 4 (fun _ -> 2.0 * rng.NextDouble() - 1.0))
        let ticket = LotteryTickets.toyTicket 50 w (rng.Split "G")
        Assert.Equal(16, ticket.Active)
        let first, second = ticket.Layers
        Assert.Equal(16, (Array.append first second |> Array.filter (fun v -> v <> 0.0)).Length)
        for _ in 1 .. 50 do
            let x = [| 2.0 * rng.NextDouble() - 1.0; 2.0 * rng.NextDouble() - 1.0 |]
            let hidden = Array.init ticket.Width (fun i -> max 0.0 (first.[i * 2] * x.[0] + first.[i * 2 + 1] * x.[1]))
            let dense = Array.init 2 (fun k -> Seq.sum (seq { for i in 0 .. ticket.Width - 1 -> second.[k * ticket.Width + i] * hidden.[i] }))
            let direct = ticket.Apply(x.[0], x.[1])
            for k in 0 .. 1 do Assert.Equal(direct.[k], dense.[k], 12)

[<Fact>]
let ``the toy target lies on the boundary of Malach et al.'s constraints`` () =
    for seed in 1UL .. 50UL do
        let rng = Rng(seed)
        let w = LotteryTickets.toyTarget (Array.init 4 (fun _ -> 2.0 * rng.NextDouble() - 1.0))
        // ‖W‖₂ by the plain 2×2 eigenvalue formula of WᵀW.
        let a, b, c = w.[0] * w.[0] + w.[2] * w.[2], w.[0] * w.[1] + w.[2] * w.[3], w.[1] * w.[1] + w.[3] * w.[3]
        let norm2 = sqrt ((a + c) / 2.0 + sqrt (((a - c) / 2.0) ** 2.0 + b * b))
        let maxAbs = w |> Array.map abs |> Array.max
        Assert.True(norm2 <= 1.0 + 1e-12 && maxAbs <= 1.0 / sqrt 2.0 + 1e-12, sprintf "seed %d: ||W||_2 = %g, |W|_max = %g" seed norm2 maxAbs)
        Assert.True(abs (max norm2 (sqrt 2.0 * maxAbs) - 1.0) < 1e-12)

[<Fact>]
let ``rounding steps come from the fixed grid of powers of two: the largest one at most the scale, and a bad scale is refused`` () =
    let rng = Rng(5UL)
    for _ in 1 .. 2000 do
        let x = 10.0 ** (-8.0 * rng.NextDouble())
        let step = Shared.powerOfTwoStep x
        let k = -(Math.Log2 step)
        Assert.True(k = Math.Round k && k >= 0.0 && k < float Shared.stepGridSize, sprintf "%g -> %g is not a grid step" x step)
        Assert.True(step <= x && 2.0 * step > x, sprintf "%g -> %g is not the largest grid step <= x" x step)
    Assert.Equal(1.0, Shared.powerOfTwoStep 7.5)
    Assert.Equal(2.0 ** -39.0, Shared.powerOfTwoStep 1e-30)
    for bad in [ 0.0; -1.0; nan ] do Assert.Throws<ArgumentException>(fun () -> Shared.powerOfTwoStep bad |> ignore) |> ignore

[<Fact>]
let ``the honest count of a pruned and rounded net is never below the optimistic count, on random sparse layers`` () =
    let rng = Rng(9UL)
    for case in 1 .. 200 do
        let depth = 1 + rng.NextInt(3)
        let shapes = Array.init depth (fun _ -> 1 + rng.NextInt(40), 1 + rng.NextInt(40))
        let density = rng.NextDouble()
        let step = 2.0 ** float -(rng.NextInt(12))
        let rounded =
            shapes |> Array.map (fun (o, i) ->
                Array.init (o * i) (fun _ -> if rng.NextDouble() < density then step * float (rng.NextInt(61) - 30) else 0.0))
        let layers = rounded |> Array.map (fun r -> CompressionCounts.Levels(ReadOnlySpan r, step))
        let g: Shared.PrunedClassifier =
            { Layers = layers; Steps = Array.create depth step; Rounded = rounded; Gamma = 0.0; LhatGamma = 0.0; Lhat2Gamma = 0.0; Slip = 0
              HeldOutErrors = 0; HeldOut = 1; Seed = 0UL
              OptimisticQ = rounded |> Array.sumBy (fun r -> r |> Array.filter (fun v -> v <> 0.0) |> Array.length |> float)
              OptimisticR = float (max 2L (1L + (layers |> Array.map (fun l -> l.LevelsUsed) |> Array.max))) }
        let q, r, choices, _, k = Framework.honestQR g
        Assert.True(q * log r >= g.OptimisticQ * log g.OptimisticR - 1e-9, sprintf "case %d: honest %g < optimistic %g" case (q * log r) (g.OptimisticQ * log g.OptimisticR))
        Assert.True(choices > 0.0)
        // K names a level range covering every layer's largest |level| (a power of two, from the fixed candidates).
        Assert.True(k >= float (layers |> Array.map (fun l -> l.MaxLevel) |> Array.max) && k = 2.0 ** Math.Round(Math.Log2 k))

[<Fact>]
[<Trait("Category", "Mnist")>]
let ``the sketching and lottery-ticket checks replay exactly from their master seed`` () =
    let lab = Labs.small.Force()
    for id in [ "GUHA-EQ1"; "GUHA-T6.1"; "GUHA-DE.1-rank"; "GUHA-T5.2-vs-LD.1" ] do
        let s = Verdicts.statement id
        for mode in Paper.modes do
            let first = Verdicts.check lab s mode
            let again = Verdicts.check { lab with Network = lab.Network.Clone(); Cache = RunCache() } s mode
            Assert.True(Verdicts.sameResult first again, sprintf "%s [%s] differs on replay" id mode.Label)
