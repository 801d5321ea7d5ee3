using GenBounds.LinearAlgebra;
using Xunit;

namespace GenBounds.Tests;

/// <summary>The BLAS kernel check: the selection policy on a fake kernel switch, and the GEMM self-test itself.</summary>
public class OpenBlasKernelTests
{
    private sealed class FakeControl(string? initial, string? ownDetection, bool canReselect = true) : IBlasKernelControl
    {
        public string? CurrentKernel { get; private set; } = initial;
        public List<string?> Reselected { get; } = [];
        public bool Reselect(string? coreType)
        {
            if (!canReselect) return false;
            Reselected.Add(coreType);
            CurrentKernel = coreType ?? ownDetection;
            return true;
        }
    }

    [Fact]
    public void A_kernel_chosen_by_GenBounds_that_passes_is_kept()
    {
        var control = new FakeControl("SkylakeX", "Prescott");
        var s = OpenBlasKernel.Select("SkylakeX", null, control, () => null);
        Assert.Equal(new BlasKernelStatus("SkylakeX", KernelChooser.GenBounds, true, null, null), s);
        Assert.Empty(control.Reselected);
        Assert.Equal("kernel SkylakeX chosen by GenBounds, self-test passed", s.Describe());
    }

    [Fact]
    public void A_failing_GenBounds_choice_falls_back_to_OpenBLAS_own_detection_and_says_so()
    {
        var control = new FakeControl("SkylakeX", "Prescott");
        var s = OpenBlasKernel.Select("SkylakeX", null, control, () => control.CurrentKernel == "SkylakeX" ? "sgemm 37x53x61 (NN) wrong" : null);
        Assert.Equal([null], control.Reselected);
        Assert.Equal("Prescott", s.Kernel);
        Assert.Equal(KernelChooser.OpenBlas, s.ChosenBy);
        Assert.True(s.SelfTestPassed);
        Assert.False(s.UseManagedFallback);
        Assert.Equal("SkylakeX", s.RejectedKernel);
        Assert.Contains("SkylakeX failed the self-test (sgemm 37x53x61 (NN) wrong)", s.Describe());
    }

    [Fact]
    public void When_the_fallback_kernel_fails_too_the_native_BLAS_is_not_used()
    {
        var control = new FakeControl("Haswell", "Haswell");
        var s = OpenBlasKernel.Select("Haswell", null, control, () => "dgemm wrong");
        Assert.True(s.UseManagedFallback);
        Assert.Equal("Haswell", s.RejectedKernel);
        Assert.Contains("self-test FAILED", s.Describe());
    }

    [Fact]
    public void A_failing_kernel_the_user_chose_is_not_replaced_by_another_kernel_but_not_used_either()
    {
        var control = new FakeControl("Haswell", "Prescott");
        var s = OpenBlasKernel.Select(null, "Haswell", control, () => "sgemm wrong");
        Assert.Empty(control.Reselected);
        Assert.Equal(KernelChooser.Environment, s.ChosenBy);
        Assert.True(s.UseManagedFallback);
    }

    [Fact]
    public void Without_a_kernel_switch_a_failing_choice_means_no_native_BLAS()
    {
        var control = new FakeControl("SkylakeX", "Prescott", canReselect: false);
        var s = OpenBlasKernel.Select("SkylakeX", null, control, () => "sgemm wrong");
        Assert.True(s.UseManagedFallback);
        Assert.Equal("SkylakeX", s.Kernel);
    }

    [Fact]
    public void A_BLAS_that_is_not_OpenBLAS_is_still_self_tested()
    {
        var s = OpenBlasKernel.Select(null, null, new FakeControl(null, null), () => null);
        Assert.Equal(KernelChooser.NotOpenBlas, s.ChosenBy);
        Assert.StartsWith("BLAS, self-test passed", s.Describe());
    }

    /// <summary>A provider that is right except for one entry of one product shape (a kernel edge-case bug).</summary>
    private sealed class OffByOneEntry(int m, int n, int k, bool dgemm) : ILinearAlgebraProvider
    {
        private readonly ILinearAlgebraProvider _inner = LinearAlgebraProviders.Managed;
        public string Name => "faulty";
        public void Gemm(Transpose ta, Transpose tb, int mm, int nn, int kk, float alpha, ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
        {
            _inner.Gemm(ta, tb, mm, nn, kk, alpha, a, lda, b, ldb, beta, c, ldc);
            if (!dgemm && (mm, nn, kk) == (m, n, k)) c[(mm - 1) * ldc + nn - 1] += 0.01f;   // above the rounding bound (~3e-3 at k = 259)
        }
        public void Gemm(Transpose ta, Transpose tb, int mm, int nn, int kk, double alpha, ReadOnlySpan<double> a, int lda, ReadOnlySpan<double> b, int ldb, double beta, Span<double> c, int ldc)
        {
            _inner.Gemm(ta, tb, mm, nn, kk, alpha, a, lda, b, ldb, beta, c, ldc);
            if (dgemm && (mm, nn, kk) == (m, n, k)) c[(mm - 1) * ldc + nn - 1] += 1e-9;
        }
        public double[] SingularValues(ReadOnlySpan<double> a, int mm, int nn) => throw new NotSupportedException();
        public (double[] U, double[] S, double[] Vt) Svd(ReadOnlySpan<double> a, int mm, int nn) => throw new NotSupportedException();
        public (double[] Values, double[]? Vectors) SymmetricEigen(ReadOnlySpan<double> a, int nn, bool vectors) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData(37, 53, 61, false)]
    [InlineData(131, 97, 259, false)]
    [InlineData(3, 5, 7, true)]
    [InlineData(67, 129, 33, true)]
    public void The_self_test_catches_one_wrong_entry_of_one_product(int m, int n, int k, bool dgemm)
    {
        var failure = OpenBlasKernel.SelfTest(new OffByOneEntry(m, n, k, dgemm));
        Assert.NotNull(failure);
        Assert.StartsWith($"{(dgemm ? "dgemm" : "sgemm")} {m}x{n}x{k}", failure);
        Assert.Contains($"C[{m - 1},{n - 1}]", failure);
    }

    [Fact]
    public void The_self_test_passes_the_reference_and_this_process_BLAS()
    {
        Assert.Null(OpenBlasKernel.SelfTest(LinearAlgebraProviders.Managed));
        Assert.Null(OpenBlasKernel.SelfTest(LinearAlgebraProviders.Default));
        if (LinearAlgebraProviders.Default is NativeLinearAlgebraProvider)
        {
            Assert.True(NativeLinearAlgebraProvider.KernelStatus.SelfTestPassed);
            Assert.Contains("self-test passed", LinearAlgebraProviders.Default.Name);
        }
    }

    [Fact]
    public void A_provider_whose_kernel_failed_becomes_the_managed_reference_with_the_reason_in_its_name()
    {
        var status = new BlasKernelStatus("SkylakeX", KernelChooser.Environment, false, null, "sgemm 3x5x7 (NN) C[2,4] = 1, reference 2");
        var p = LinearAlgebraProviders.Choose(() => throw new BlasSelfTestException(status));
        Assert.IsType<ManagedLinearAlgebraProvider>(p);
        Assert.Contains("self-test FAILED (sgemm 3x5x7 (NN)", p.Name);
        Assert.Same(LinearAlgebraProviders.Managed, LinearAlgebraProviders.Choose(() => throw new DllNotFoundException("no blas")));
    }
}

[CollectionDefinition(nameof(OpenBlasKernelSwitch), DisableParallelization = true)]
public sealed class OpenBlasKernelSwitch;

/// <summary>
/// The policy on the real OpenBLAS kernel switch. Re-selecting a kernel is only safe while no other BLAS call runs,
/// so this collection runs alone (xunit runs non-parallel collections after the parallel ones).
/// </summary>
[Collection(nameof(OpenBlasKernelSwitch))]
public class OpenBlasKernelSwitchTests
{
    [Fact]
    public void An_injected_self_test_failure_moves_the_real_OpenBLAS_to_its_own_kernel_and_products_stay_right()
    {
        if (LinearAlgebraProviders.Default is not NativeLinearAlgebraProvider) return;   // reference BLAS: no kernels to switch
        var control = NativeLinearAlgebraProvider.KernelControl;
        string? original = control.CurrentKernel, variable = NativeLinearAlgebraProvider.CoreTypeVariable;
        if (original is null) return;                                                       // not OpenBLAS
        bool switched = false;
        try
        {
            if (!(switched = control.Reselect(null))) return;                                // not a DYNAMIC_ARCH build
            string own = control.CurrentKernel!;
            // Pretend GenBounds chose Haswell (AVX2) and that it failed its self-test.
            Assert.True(control.Reselect("Haswell"));
            Assert.Equal("Haswell", control.CurrentKernel);
            var status = OpenBlasKernel.Select("Haswell", null, control,
                () => control.CurrentKernel == "Haswell" ? "injected failure" : OpenBlasKernel.SelfTest(LinearAlgebraProviders.Default));
            Assert.Equal("Haswell", status.RejectedKernel);
            Assert.Equal(own, control.CurrentKernel);
            if (own == "Haswell") Assert.True(status.UseManagedFallback);
            else
            {
                Assert.Equal(own, status.Kernel);
                Assert.True(status.SelfTestPassed);
            }
        }
        finally
        {
            if (switched)
            {
                Assert.True(control.Reselect(variable));
                Assert.Equal(original, control.CurrentKernel);
            }
        }
        Assert.Null(OpenBlasKernel.SelfTest(LinearAlgebraProviders.Default));
    }
}
