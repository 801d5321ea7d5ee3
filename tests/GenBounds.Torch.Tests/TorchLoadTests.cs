using GenBounds.LinearAlgebra;
using TorchSharp;
using Xunit;

namespace GenBounds.Torch.Tests;

public class TorchLoadTests
{
    [Fact]
    public void TorchSharp_loads_from_the_build_output_and_its_matmul_matches_the_managed_reference()
    {
        TorchRuntime.EnsureLoaded();
        var rng = new GenBounds.Random.Rng(11);
        const int m = 37, k = 53, n = 29;
        var a = new float[m * k]; var b = new float[k * n];
        rng.FillUniform(a, -1, 1); rng.FillUniform(b, -1, 1);
        using var ta = torch.tensor(a, [m, k]);
        using var tb = torch.tensor(b, [k, n]);
        using var tc = ta.matmul(tb);
        var c = TorchConversion.ToArray(tc);
        var expected = new float[m * n];
        LinearAlgebraProviders.Managed.Gemm(Transpose.No, Transpose.No, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        for (int i = 0; i < c.Length; i++) Assert.True(Math.Abs(c[i] - expected[i]) <= 1e-4f, $"entry {i}: torch {c[i]}, reference {expected[i]}");
        Assert.StartsWith("2.10", TorchRuntime.LibTorchVersion);
    }
}
