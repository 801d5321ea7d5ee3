namespace GenBounds.Data;

/// <summary>
/// MNIST (LeCun, Cortes, Burges) from the four original uncompressed IDX files: 60000 training and 10000 test images of
/// 28×28 pixels scaled to [0, 1], 10 classes. <c>bash scripts/setup.sh</c> fetches them into <c>.cache/mnist</c>.
/// </summary>
public static class Mnist
{
    /// <summary>Training images file name.</summary>
    public const string TrainImages = "train-images-idx3-ubyte";
    /// <summary>Training labels file name.</summary>
    public const string TrainLabels = "train-labels-idx1-ubyte";
    /// <summary>Test images file name.</summary>
    public const string TestImages = "t10k-images-idx3-ubyte";
    /// <summary>Test labels file name.</summary>
    public const string TestLabels = "t10k-labels-idx1-ubyte";
    /// <summary>Number of classes.</summary>
    public const int Classes = 10;
    /// <summary>Image side length in pixels.</summary>
    public const int Side = 28;

    /// <summary>Environment variable naming a folder with the four files; a user's own repository (which has no
    /// <c>.cache/mnist</c>) points it at a copy.</summary>
    public const string FolderVariable = "GENBOUNDS_MNIST";

    /// <summary>Default location of the files: <c>$GENBOUNDS_MNIST</c> when set, else <c>.cache/mnist</c> below the
    /// repository root.</summary>
    public static string DefaultFolder(string repositoryRoot) =>
        Environment.GetEnvironmentVariable(FolderVariable) is { Length: > 0 } d ? d : Path.Combine(repositoryRoot, ".cache", "mnist");

    /// <summary>Loads the training set (<c>mnist-train</c>) and the test set (<c>mnist-test</c>) from <paramref name="folder"/>.</summary>
    public static (Dataset Train, Dataset Test) Load(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        foreach (var f in new[] { TrainImages, TrainLabels, TestImages, TestLabels })
            if (!File.Exists(Path.Combine(folder, f)))
                throw new FileNotFoundException(
                    $"MNIST file '{f}' is missing from '{Path.GetFullPath(folder)}'; run `bash scripts/setup.sh` to fetch the MNIST data (or set {FolderVariable} to a folder holding the four files)", Path.Combine(folder, f));
        return (LoadPart(folder, TrainImages, TrainLabels, "mnist-train"), LoadPart(folder, TestImages, TestLabels, "mnist-test"));
    }

    private static Dataset LoadPart(string folder, string images, string labels, string name)
    {
        var d = Idx.Load(Path.Combine(folder, images), Path.Combine(folder, labels), name, Classes);
        if (d.Dimension != Side * Side)
            throw new InvalidDataException($"'{Path.Combine(folder, images)}' holds images of {d.Dimension} pixels, but MNIST images are {Side}×{Side}");
        return d;
    }
}
