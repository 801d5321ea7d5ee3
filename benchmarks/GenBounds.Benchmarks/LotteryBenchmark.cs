using System.Diagnostics;
using GenBounds.Compression;
using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.Benchmarks;

/// <summary>
/// Iterative magnitude pruning speed on LeNet-300-100 / MNIST (Frankle &amp; Carbin's set-up: Adam 1.2e-3, batch 60, 20%/10% per
/// round). Modes: <c>round [epochs] [batch]</c>: the dense round 0 (untimed), then one pruning round (prune + rewind + retrain),
/// timed; <c>curve [rounds] [epochs] [batch]</c>: the whole curve with random-reinitialisation controls, timed, and the table.
/// Arguments after the mode: MNIST folder is .cache/mnist.
/// </summary>
public static class LotteryBenchmark
{
    /// <summary>Runs the benchmark.</summary>
    public static int Run(string[] args)
    {
        string mode = args.Length > 0 ? args[0] : "round";
        var (train0, test) = Mnist.Load(".cache/mnist");
        var (validation, train) = train0.Split(5000.0 / train0.Count, new Rng(SeedStreams.Derive(1, "data/validation")));
        var la = LinearAlgebraProviders.Default;
        Console.Error.WriteLine($"provider: {la.Name}");
        if (mode == "round")
        {
            int epochs = args.Length > 1 ? int.Parse(args[1]) : 5, batch = args.Length > 2 ? int.Parse(args[2]) : 60;
            var o = new ImpOptions { Rounds = 1, ReinitControls = false, Training = new TrainingOptions { Epochs = epochs, BatchSize = batch, LearningRate = 1.2e-3 } };
            var times = new List<double>();
            var sw = Stopwatch.StartNew();
            var rounds = new ImpRunner(o, train, validation, test, la, null).Run(roundDone: r => { times.Add(sw.Elapsed.TotalSeconds); sw.Restart(); });
            Console.WriteLine($"LeNet-300-100, {epochs} epochs per round, batch {batch}: dense round 0 {times[0]:F2} s (test acc {rounds[0].Ticket.FinalTestAccuracy:P2}); " +
                $"one IMP round (prune 20%/10% + rewind + retrain + per-epoch evaluation) {times[1]:F2} s (remaining {rounds[1].Remaining:P1}, test acc {rounds[1].Ticket.FinalTestAccuracy:P2})");
        }
        else if (mode == "curve")
        {
            int nRounds = args.Length > 1 ? int.Parse(args[1]) : 15, epochs = args.Length > 2 ? int.Parse(args[2]) : 5, batch = args.Length > 3 ? int.Parse(args[3]) : 60;
            var o = new ImpOptions { Rounds = nRounds, Training = new TrainingOptions { Epochs = epochs, BatchSize = batch, LearningRate = 1.2e-3 } };
            var sw = Stopwatch.StartNew();
            var rounds = new ImpRunner(o, train, validation, test, la, null).Run(roundDone: r =>
                Console.Error.WriteLine($"  round {r.Round}: remaining {r.Remaining:P1}, ticket {r.Ticket.FinalTestAccuracy:P2}, reinit {(r.Reinit is null ? "-" : r.Reinit.FinalTestAccuracy.ToString("P2"))}, {sw.Elapsed.TotalSeconds:F1} s"));
            Console.WriteLine($"whole curve: {nRounds} rounds × {epochs} epochs, batch {batch}, with reinit controls: {sw.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine("| round | remaining | ticket acc (final) | ticket acc (early stop) | reinit acc (final) | reinit acc (early stop) |");
            foreach (var r in rounds)
                Console.WriteLine($"| {r.Round} | {r.Remaining:P1} | {r.Ticket.FinalTestAccuracy:P2} | {r.Ticket.EarlyStopTestAccuracy:P2} | {(r.Reinit is null ? "-" : r.Reinit.FinalTestAccuracy.ToString("P2"))} | {(r.Reinit is null ? "-" : r.Reinit.EarlyStopTestAccuracy.ToString("P2"))} |");
        }
        else throw new ArgumentException($"unknown mode '{mode}' (round or curve)");
        return 0;
    }
}
