using System.Runtime.ExceptionServices;
using GenBounds.LinearAlgebra;

namespace GenBounds.Runtime;

/// <summary>
/// Independent Monte Carlo draws (each from its own named stream) on several workers. While they run, OpenBLAS is
/// single-threaded inside each worker: its pool and the workers would otherwise spin against each other (one parallel
/// runtime at a time). Results come back in draw order, so they depend on neither the worker count nor the schedule.
/// </summary>
public static class IndependentDraws
{
    /// <summary>draw(0), …, draw(count − 1) on up to <paramref name="workers"/> threads (in order on one).</summary>
    public static T[] Run<T>(int count, int workers, Func<int, T> draw)
    {
        ArgumentNullException.ThrowIfNull(draw);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var results = new T[count];
        if (workers <= 1 || count <= 1)
        {
            for (int i = 0; i < count; i++) results[i] = draw(i);
            return results;
        }
        int? blas = NativeLinearAlgebraProvider.Threads;
        bool restore = blas is > 1 && NativeLinearAlgebraProvider.SetThreads(1);
        try
        {
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = workers }, i => results[i] = draw(i));
        }
        catch (AggregateException e) when (e.InnerExceptions.Count >= 1)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
        }
        finally
        {
            if (restore) NativeLinearAlgebraProvider.SetThreads(blas!.Value);
        }
        return results;
    }
}
