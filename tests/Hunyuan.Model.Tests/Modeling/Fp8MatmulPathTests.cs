using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Tests.Modeling;

/// <summary>
/// The scaled_mm path against the upcast path on the CPU (where scaled_mm is a slow reference): the same e4m3
/// operands, so the two agree far inside the e4m3 rounding (~5%) that both carry against the float product.
/// </summary>
public sealed class Fp8MatmulPathTests
{
    [Theory]
    [InlineData(1, torch.ScalarType.Float32)]     // GEMV: batch-1 decode
    [InlineData(5, torch.ScalarType.Float32)]     // GEMM
    [InlineData(5, torch.ScalarType.BFloat16)]
    public void ScaledMmAgreesWithUpcast(int rows, torch.ScalarType dtype)
    {
        torch.manual_seed(7);
        using var wide = torch.randn(48, 64, torch.ScalarType.Float32);
        var (q, scale) = Quantizer.Fp8PerTensor(wide);
        using var x = torch.randn(rows, 64, torch.ScalarType.Float32).to(dtype);
        using var upcast = new Fp8Linear(q.clone(), scale, null, quantizeActivations: true, Fp8MatmulPath.Upcast);
        using var scaled = new Fp8Linear(q, scale, null, quantizeActivations: true, Fp8MatmulPath.ScaledMm);

        using var a = upcast.Forward(x).to(torch.ScalarType.Float32);
        using var b = scaled.Forward(x).to(torch.ScalarType.Float32);
        using var exact = torch.nn.functional.linear(x.to(torch.ScalarType.Float32), wide);

        Assert.Equal(dtype, scaled.Forward(x).dtype);
        Assert.Equal(new long[] { rows, 48 }, b.shape);
        Assert.True(RelativeError(b, a) < 0.01, $"scaled_mm vs upcast: {RelativeError(b, a)}");
        Assert.True(RelativeError(b, exact) < 0.05, $"scaled_mm vs float: {RelativeError(b, exact)}");
    }

    [Fact]
    public void AutoUpcastsOnTheCpu()
    {
        using var w = torch.randn(16, 16, torch.ScalarType.Float32);
        var (q, scale) = Quantizer.Fp8PerTensor(w);
        using var auto = new Fp8Linear(q, scale, null, quantizeActivations: true, Fp8MatmulPath.Auto);
        using var x = torch.randn(2, 16, torch.ScalarType.Float32);
        using var y = auto.Forward(x);
        Assert.Equal(new long[] { 2, 16 }, y.shape);
    }

    [Theory]
    [InlineData(null, Fp8MatmulPath.Auto)]
    [InlineData("upcast", Fp8MatmulPath.Upcast)]
    [InlineData("scaled_mm", Fp8MatmulPath.ScaledMm)]
    public void TheSwitchParses(string? text, Fp8MatmulPath path) => Assert.Equal(path, Fp8MatmulPaths.Parse(text));

    private static double RelativeError(torch.Tensor got, torch.Tensor want)
    {
        using var diff = got - want;
        return diff.norm().item<float>() / want.norm().item<float>();
    }
}
