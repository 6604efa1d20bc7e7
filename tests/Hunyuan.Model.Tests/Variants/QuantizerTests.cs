using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Tests.Variants;

public sealed class QuantizerTests
{
    [Fact]
    public void Int8PerRowScalesEachRowByItsAbsmax()
    {
        using var w = torch.tensor(new float[] { 1f, -2f, 0.5f, 10f, 0f, -5f }).reshape(2, 3);
        var (q, scales) = Quantizer.Int8PerRow(w);
        using (q)
        using (scales)
        {
            Assert.Equal(torch.ScalarType.Int8, q.dtype);
            Assert.Equal(new[] { 2f / 127, 10f / 127 }, scales.data<float>().ToArray());
            Assert.Equal(new sbyte[] { 64, -127, 32, 127, 0, -64 }, q.data<sbyte>().ToArray());
        }
    }

    [Fact]
    public void Int8PerRowErrorIsAtMostHalfAStep()
    {
        using var w = torch.randn(64, 256);
        var (q, scales) = Quantizer.Int8PerRow(w);
        using (q)
        using (scales)
        {
            using var back = q.to(torch.ScalarType.Float32) * scales.unsqueeze(1);
            using var err = (back - w).abs();
            using var bound = scales.unsqueeze(1) / 2 + 1e-6;
            Assert.True(err.le(bound).all().item<bool>());
        }
    }

    [Fact]
    public void Fp8PerTensorUsesTheRangeAndRoundTripsWithinE4M3Precision()
    {
        using var w = torch.randn(128, 128) * 3;
        var (q, scale) = Quantizer.Fp8PerTensor(w);
        using (q)
        {
            Assert.Equal(SafeTensorDTypes.Float8E4M3, q.dtype);
            Assert.Equal(1, q.ElementSize);
            using var back = q.to(torch.ScalarType.Float32) * scale;
            Assert.Equal(w.abs().max().item<float>(), back.abs().max().item<float>(), 3);
            var rel = ((back - w).norm() / w.norm()).item<float>();
            Assert.True(rel < 0.05, $"relative error {rel}");
        }
    }
}
