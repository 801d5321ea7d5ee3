using System.Globalization;
using GenBounds.IO;
using GenBounds.Networks;
using GenBounds.Random;
using GenBounds.Training;

namespace GenBounds.PacBayes;

// The data-free subspace prior's posterior stage and certificate (docs/pacbayes.md §3b).
public sealed partial class CertificationRun
{
    private CertificationResult RunSubspace(Mlp prior, Checkpoint? ck, string stage, string? checkpoint, Action<CertifyProgress>? progress,
        Dictionary<string, double> seconds, Action<string> lap)
    {
        var seeds = new SeedStreams(_s.Seed);
        var subspace = new HashedSubspace(_s.Architecture, _s.SubspaceDimension!.Value, seeds.Stream("pacbayes/subspace"));
        var q = GaussianMlp.Around(prior, _s.SubspaceNoise);
        var pt = new SubspacePosteriorTrainer(q, prior, subspace, _s.SubspaceNoise, _s.Posterior with { Seed = SeedStreams.Derive(_s.Seed, "posterior") }, _la);
        if (ck is not null && stage == "posterior")
            pt.ImportState(ck.TensorNames.Where(n => n.StartsWith("subspace.", StringComparison.Ordinal)).ToDictionary(n => n, ck.Get), ck.Step, ck.Epoch);
        else if (checkpoint is not null) SaveSubspace(checkpoint, prior, pt);
        var epochs = new List<PosteriorEpochStats>();
        for (int e = pt.EpochsDone; e < _s.Posterior.Epochs; e++)
        {
            var st = pt.TrainEpoch(_train, bp => progress?.Invoke(new CertifyProgress("posterior-batch", bp.Batch, bp.Batches,
                string.Format(CultureInfo.InvariantCulture, "epoch {0}/{1} objective {2:F4}", e + 1, _s.Posterior.Epochs, bp.RunningLoss))));
            epochs.Add(st);
            progress?.Invoke(new CertifyProgress("posterior", e + 1, _s.Posterior.Epochs, string.Format(CultureInfo.InvariantCulture,
                "objective {0:F4} bounded-CE {1:F4} stochastic train error {2:P2} KL {3:F1} (subspace d = {4}, s = {5:G4}; {6:F1} s)",
                st.Objective, st.BoundedCrossEntropy, st.StochasticError, st.Kl, subspace.Dimension, pt.Noise, st.Seconds)));
            if (checkpoint is not null) SaveSubspace(checkpoint, prior, pt);
        }
        lap("posterior");

        var cert = Certification.CertifySubspace(q, prior, subspace, _s.SubspaceNoise, _bound, _s.Certificate with { Seed = SeedStreams.Derive(_s.Seed, "certificate") }, _la,
            (d, t) => progress?.Invoke(new CertifyProgress("certificate", d, t, "")));
        lap("certificate");
        var (test, detErr, priorErr) = TestErrors(q, prior, seeds, progress);
        lap("test");
        var (_, proj2) = subspace.Difference(q, prior);
        var report = new SubspaceReport(subspace.Dimension, subspace.Effective, pt.Noise, cert.PriorSigma * cert.PriorSigma, Math.Sqrt(proj2), subspace.ContentHash());
        return new CertificationResult(cert, test.Rate, MonteCarloBounds.ClopperPearson(test.Errors, test.Draws, 0.99), test.Draws, detErr, priorErr,
            0, _train.Count, epochs, seconds, pt.Noise, null, report);
    }

    private void SaveSubspace(string path, Mlp prior, SubspacePosteriorTrainer pt)
    {
        var (tensors, step, epochs) = pt.ExportState();
        var c = NewCheckpoint("posterior", epochs, step);
        c.SetNetwork("prior.", prior);
        foreach (var (k, v) in tensors) c.Set(k, v);
        c.Save(path);
    }
}
