using System.Text.Json;
using GenBounds.LinearAlgebra;

namespace GenBounds.Benchmarks;

/// <summary>
/// Not a timing: prints (JSON) the OpenBLAS kernel this process runs after GenBounds' kernel check, so that
/// benchmarks/train.sh can give every contender the same kernel.
/// </summary>
public static class KernelBenchmark
{
    /// <summary>Prints the kernel status.</summary>
    public static int Run(string[] args)
    {
        var la = LinearAlgebraProviders.Default;
        var status = la is NativeLinearAlgebraProvider ? NativeLinearAlgebraProvider.KernelStatus : null;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            kernel = status?.Kernel,
            chosen_by = status?.ChosenBy.ToString(),
            self_test_passed = status?.SelfTestPassed,
            summary = status?.Describe() ?? la.Name,
        }));
        return 0;
    }
}
