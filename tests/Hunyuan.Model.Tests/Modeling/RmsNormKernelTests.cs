using Hunyuan.Model.Modeling;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

public sealed class RmsNormKernelTests
{
    public static TheoryData<torch.ScalarType, long[]> Inputs => new()
    {
        { torch.ScalarType.Float32, [3, 64] },
        { torch.ScalarType.BFloat16, [1, 64] },
        { torch.ScalarType.BFloat16, [2, 5, 16] },
        { torch.ScalarType.Float16, [4, 80] },
    };

    [Fact]
    public void TheCpuLibTorchExportsTheFusedShimAndRmsNormUsesIt()
    {
        var fused = FusedRmsNormKernel.TryResolve(DeviceType.CPU);

        Assert.NotNull(fused);
        Assert.Equal("aoti_torch_cpu__fused_rms_norm", fused.Symbol);
        Assert.IsType<FusedRmsNormKernel>(RmsNorm.KernelFor(DeviceType.CPU));
    }

    [Fact]
    public void ADeviceTypeWithoutAShimGetsTheCompositeKernel()
    {
        Assert.Null(FusedRmsNormKernel.TryResolve(DeviceType.META));
        Assert.Same(CompositeRmsNormKernel.Instance, RmsNorm.KernelFor(DeviceType.META));
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void FusedAndCompositeGiveTheSameBits(torch.ScalarType dtype, long[] shape)
    {
        var fused = FusedRmsNormKernel.TryResolve(DeviceType.CPU)!;
        using var generator = new torch.Generator(seed: 20261202);

        // Rows of very different scales, so the statistics' rounding is exercised, not only the mean of ~1.
        using var raw = torch.randn(shape, generator: generator) * torch.exp(torch.randn([shape[0], .. Enumerable.Repeat(1L, shape.Length - 1)], generator: generator) * 3);
        using var x = raw.to(dtype);

        using var a = fused.Normalize(x, 1e-5);
        using var b = CompositeRmsNormKernel.Instance.Normalize(x, 1e-5);

        Assert.Equal(dtype, a.dtype);
        Assert.Equal(shape, a.shape);
        Assert.True(torch.equal(a, b).all().item<bool>(), $"fused and composite differ by up to {(a.to(torch.ScalarType.Float32) - b.to(torch.ScalarType.Float32)).abs().max().item<float>()}");
    }

    [Fact]
    public void NormalizeMatchesTheReferenceFormulaWrittenOut()
    {
        using var x = torch.tensor(new float[] { 3, 4, 0, 0, -1, 1, 1, -1 }, [2, 4]);

        using var y = RmsNorm.Normalize(x, 0);

        // rms of row 0 = sqrt(25 / 4) = 2.5; of row 1 = 1.
        Assert.Equal(new float[] { 1.2f, 1.6f, 0, 0, -1, 1, 1, -1 }, y.data<float>().ToArray());
    }

    [Fact]
    public void AFailedFusedCallNamesTheShimTheDtypeAndTheShape()
    {
        var fused = FusedRmsNormKernel.TryResolve(DeviceType.CPU)!;
        using var ints = torch.ones(2, 3, dtype: torch.ScalarType.Int64);

        var e = Assert.Throws<InvalidOperationException>(() => fused.Normalize(ints, 1e-5).Dispose());

        Assert.Contains("aoti_torch_cpu__fused_rms_norm", e.Message, StringComparison.Ordinal);
        Assert.Contains("Int64", e.Message, StringComparison.Ordinal);
        Assert.Contains("[2, 3]", e.Message, StringComparison.Ordinal);
    }
}
