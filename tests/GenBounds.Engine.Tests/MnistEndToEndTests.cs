using GenBounds.Data;
using GenBounds.LinearAlgebra;
using GenBounds.Networks;
using GenBounds.Training;
using Xunit;

namespace GenBounds.Tests;

public class MnistEndToEndTests
{
    [Fact]
    [Trait("Category", "Mnist")]
    public void A_784_100_10_network_trained_briefly_on_real_MNIST_reaches_95_percent_test_accuracy()
    {
        var root = GenBounds.Runtime.CodeRevision.RepositoryRoot() ?? throw new InvalidOperationException("repository root not found");
        var (train, test) = Mnist.Load(Mnist.DefaultFolder(root));
        var net = Trainer.Initialize(MlpArchitecture.Parse("784-100-10", bias: true), 1);
        var trainer = new Trainer(net, new TrainingOptions { Epochs = 4, BatchSize = 128, Seed = 1 }, LinearAlgebraProviders.Default);
        for (int e = 0; e < 4; e++) trainer.TrainEpoch(train);
        var result = Evaluation.Evaluate(net, test, LinearAlgebraProviders.Default);
        Assert.True(result.Accuracy >= 0.95, $"test accuracy {result.Accuracy:P2} after 4 epochs");
        Assert.Equal(10000, result.Margins.Length);
        Assert.Equal(result.Accuracy, result.Margins.Count(m => m > 0) / 10000.0, 12);
    }
}
