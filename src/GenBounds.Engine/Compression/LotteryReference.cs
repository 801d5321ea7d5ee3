namespace GenBounds.Compression;

/// <summary>One published figure of Frankle &amp; Carbin's LeNet-300-100 lottery-ticket experiment, with where it comes from.</summary>
/// <param name="Quantity">What is measured.</param>
/// <param name="Value">The number (fractions of weights remaining are fractions, not percents).</param>
/// <param name="Source">Section of the paper the sentence is in.</param>
public sealed record LotteryReferenceFigure(string Quantity, double Value, string Source);

/// <summary>
/// Frankle &amp; Carbin, "The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks", ICLR 2019 (arXiv
/// 1803.03635v5), §2, LeNet-300-100 on MNIST, iterative pruning (20% per round, output layer 10%), Adam 1.2·10⁻³, batch 60,
/// 50K iterations, accuracy at the early-stopping iteration (minimum validation loss), averages of five trials (reinitialised:
/// fifteen). Only figures stated in the text are here; the per-level accuracies are in the paper's Figures 3–4, which we could
/// not read. The text was located through the search tools as quotations of §2 (a study note quoting v5; an earlier arXiv
/// version of the same section gives 26.3% and 2.44× where v5 gives 21.1% and 2.51×).
/// </summary>
public static class LotteryReference
{
    /// <summary>The text's figures, in the order the section states them.</summary>
    public static IReadOnlyList<LotteryReferenceFigure> LeNet { get; } =
    [
        new("winning tickets learn faster as P_m decreases down to (fraction remaining)", 0.21, "§2, Results"),
        new("test accuracy of winning tickets improves by more than (percentage points)", 0.3, "§2, Results"),
        new("... at P_m (fraction remaining)", 0.135, "§2, Results"),
        new("winning-ticket accuracy returns to the original network's level at P_m", 0.036, "§2, Results"),
        new("reinitialised tickets' accuracy drops off from the original accuracy at P_m", 0.211, "§2, Random reinitialization"),
        new("winning tickets' accuracy drops off from the original accuracy at P_m", 0.029, "§2, Random reinitialization"),
        new("at P_m = 21%, the ticket is more accurate than its reinitialisation by (percentage points)", 0.5, "§2, Random reinitialization"),
    ];

    /// <summary>Fraction of weights remaining after r rounds of Frankle &amp; Carbin's LeNet schedule (hidden 20%, output 10% per round).</summary>
    public static double RemainingAfter(int rounds)
    {
        if (rounds < 0) throw new ArgumentOutOfRangeException(nameof(rounds));
        const double hidden = 784 * 300 + 300 * 100, output = 100 * 10;
        return (hidden * Math.Pow(0.8, rounds) + output * Math.Pow(0.9, rounds)) / (hidden + output);
    }
}
