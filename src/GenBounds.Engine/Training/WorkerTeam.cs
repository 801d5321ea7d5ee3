using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace GenBounds.Training;

/// <summary>
/// A fixed team of threads that runs one region at a time: <see cref="Run"/> calls body(0) on the caller and body(t) for
/// t = 1..<see cref="Size"/>−1 on the team's threads, and returns when every call has returned. The trainer splits each
/// mini-batch over the team in a fixed partition (rows, output units), so results depend on the team size only, never on
/// timing. Between regions a team thread spins briefly (regions of one batch follow each other within microseconds),
/// then blocks; it never spins while the caller's own BLAS calls run, because the trainer sets BLAS to one thread
/// while a team exists and the team is the only parallel runtime.
/// </summary>
public sealed class WorkerTeam : IDisposable
{
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private Action<int>? _body;
    private int _generation;          // bumped by Run to start a region
    private int _pending;             // team threads still inside the current region
    private int _sleepers;            // team threads blocked (not spinning) on _gate
    private volatile bool _stop;
    private ExceptionDispatchInfo? _error;

    /// <summary>Starts <paramref name="size"/> − 1 background threads (none for size 1).</summary>
    public WorkerTeam(int size)
    {
        if (size < 1) throw new ArgumentOutOfRangeException(nameof(size), size, "a team has at least one thread (the caller)");
        Size = size;
        _threads = new Thread[size - 1];
        for (int t = 1; t < size; t++)
        {
            int index = t;
            _threads[t - 1] = new Thread(() => Loop(index)) { IsBackground = true, Name = $"genbounds-team-{index}" };
            _threads[t - 1].Start();
        }
    }

    /// <summary>Threads in the team, the caller included.</summary>
    public int Size { get; }

    /// <summary>Runs <paramref name="body"/>(t) for every t in 0..Size−1 concurrently; rethrows the first exception any call threw.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Run(Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        ObjectDisposedException.ThrowIf(_stop, this);
        if (Size == 1) { body(0); return; }
        _body = body;
        _error = null;
        Volatile.Write(ref _pending, Size - 1);
        Interlocked.Increment(ref _generation);            // full fence: publishes _body and _pending
        if (Volatile.Read(ref _sleepers) > 0) lock (_gate) Monitor.PulseAll(_gate);
        try { body(0); }
        catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
        var spin = new SpinWait();
        while (Volatile.Read(ref _pending) != 0) spin.SpinOnce(sleep1Threshold: -1);
        _body = null;
        _error?.Throw();
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Loop(int index)
    {
        int seen = 0;
        while (true)
        {
            // Spin a little (the next region of a batch is usually microseconds away), then block until Run pulses.
            var spin = new SpinWait();
            while (Volatile.Read(ref _generation) == seen && !_stop && spin.Count < 200) spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _generation) == seen && !_stop)
            {
                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);    // full fence before re-reading _generation (pairs with Run)
                    while (Volatile.Read(ref _generation) == seen && !_stop) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }
            if (_stop) return;
            seen = Volatile.Read(ref _generation);
            try { _body!(index); }
            catch (Exception e) { Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null); }
            Interlocked.Decrement(ref _pending);
        }
    }

    /// <summary>Stops the team's threads (after the current region, if any).</summary>
    public void Dispose()
    {
        if (_stop) return;
        _stop = true;
        lock (_gate) Monitor.PulseAll(_gate);
        foreach (var t in _threads) t.Join();
    }

    /// <summary>
    /// The part [start, end) of 0..<paramref name="n"/> that member <paramref name="index"/> of a team of
    /// <paramref name="parts"/> handles: contiguous, in member order, with inner boundaries at multiples of
    /// <paramref name="align"/> (GEMM kernels work in blocks), possibly empty.
    /// </summary>
    public static (int Start, int End) Part(int n, int parts, int index, int align = 1)
    {
        if (parts < 1 || index < 0 || index >= parts || n < 0 || align < 1) throw new ArgumentOutOfRangeException(nameof(index));
        int Boundary(int i) => i >= parts ? n : Math.Min(n, (int)Math.Round((double)n * i / parts / align, MidpointRounding.AwayFromZero) * align);
        return (Boundary(index), Boundary(index + 1));
    }
}
