using GenBounds.Data;

namespace GenBounds.Training;

public sealed partial class Trainer
{
    // The path of networks other than plain MLPs: one NetworkBackprop pass per batch on the calling thread (its convolutions
    // shared among Threads workers); each layer is updated as soon as the backward pass has propagated past it.
    private EpochStats SequentialEpoch(Dataset train, int[] order, int epoch, Action<BatchProgress>? progress)
    {
        var bp = _sequential!;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        int n = train.Count, B = _o.BatchSize, d = train.Dimension, batches = (n + B - 1) / B;
        double lossSum = 0; long correctSum = 0; int processed = 0;
        bp.DropoutRng = _o.Dropout > 0 ? Seeds.Stream($"dropout/epoch-{epoch}") : null;
        long tGather = 0, tForward = 0, tLoss = 0, tBackward = 0, tOptimizer = 0;
        bp.ResetTimers();
        void StepLayer(int l)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            StepUnits(l, 0, _rows[l]);
            tOptimizer += System.Diagnostics.Stopwatch.GetTimestamp() - start;
        }
        Action<int> stepLayer = StepLayer;
        for (int bi = 0; bi < batches; bi++)
        {
            if (StepBudgetSpent) break;
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            int start = bi * B, batch = Math.Min(B, n - start);
            for (int r = 0; r < batch; r++)
            {
                int i = order[start + r];
                train.Features.AsSpan(i * d, d).CopyTo(_xBatch.AsSpan(r * d, d));
                _yBatch[r] = train.Labels[i];
            }
            long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
            bp.Forward(_w, _biases, _xBatch, batch);
            long t2 = System.Diagnostics.Stopwatch.GetTimestamp();
            double loss = bp.CrossEntropy(_yBatch.AsSpan(0, batch), batch, out int correct);
            long t3 = System.Diagnostics.Stopwatch.GetTimestamp();
            lossSum += loss * batch; correctSum += correct; processed += batch;
            BeginStep();
            bp.Backward(_w, _xBatch, batch, stepLayer);
            AfterStep?.Invoke(Step);
            long t4 = System.Diagnostics.Stopwatch.GetTimestamp();
            tGather += t1 - t0; tForward += t2 - t1; tLoss += t3 - t2; tBackward += t4 - t3;
            if (progress is not null && (bi % 20 == 0 || bi == batches - 1))
                progress(new BatchProgress(epoch, bi + 1, batches, lossSum / (start + batch), (double)correctSum / (start + batch)));
        }
        double f = 1.0 / System.Diagnostics.Stopwatch.Frequency;
        int seen = Math.Max(processed, 1);   // a step budget may end the epoch early
        return new EpochStats(epoch, lossSum / seen, (double)correctSum / seen, sw.Elapsed.TotalSeconds)
        {
            PhaseSeconds = new Dictionary<string, double>
            {
                ["batch"] = tGather * f, ["forward"] = tForward * f, ["loss"] = tLoss * f,
                ["backward"] = (tBackward - tOptimizer) * f, ["optimizer"] = tOptimizer * f,
            },
            ModuleSeconds = bp.Ticks.ToDictionary(kv => kv.Key, kv => kv.Value * f),
        };
    }
}
