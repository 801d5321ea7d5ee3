using System.Reflection;

namespace GenBounds.Benchmarks;

/// <summary>
/// Benchmark entry point: <c>dotnet run -c Release --project benchmarks/GenBounds.Benchmarks -- NAME [args]</c>.
/// Every public static class named <c>*Benchmark</c> with <c>public static int Run(string[] args)</c> is a benchmark;
/// NAME is its class name without the suffix, lower-cased. Benchmarks print their own figures; they are never unit tests.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var benches = typeof(Program).Assembly.GetTypes()
            .Where(t => t.IsClass && t.IsAbstract && t.IsSealed && t.Name.EndsWith("Benchmark", StringComparison.Ordinal))
            .Select(t => (Name: t.Name[..^"Benchmark".Length].ToLowerInvariant(), Run: t.GetMethod("Run", BindingFlags.Public | BindingFlags.Static)))
            .Where(b => b.Run is not null)
            .OrderBy(b => b.Name)
            .ToList();
        if (args.Length == 0 || benches.All(b => b.Name != args[0].ToLowerInvariant()))
        {
            Console.Error.WriteLine("usage: GenBounds.Benchmarks NAME [args]; NAME is one of: " + string.Join(", ", benches.Select(b => b.Name)));
            return 2;
        }
        var bench = benches.First(b => b.Name == args[0].ToLowerInvariant());
        return (int)bench.Run!.Invoke(null, new object[] { args[1..] })!;
    }
}
