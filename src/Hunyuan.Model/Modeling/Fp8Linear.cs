using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// W8A8 linear: the weight stays e4m3 (one byte per weight) with its per-tensor scale and is upcast per matmul (CPUs
/// have no fast fp8 matmul); the activation is quantized to e4m3 with the static input_scale when the checkpoint has
/// one, else with a per-call absmax scale; y = (x_q @ w_q^T) * s_x * s_w.
/// </summary>
public sealed class Fp8Linear(torch.Tensor weight, double weightScale, double? inputScale, bool quantizeActivations) : ILinear
{
    public torch.Tensor Weight { get; } = weight;

    public double WeightScale { get; } = weightScale;

    public double? InputScale { get; } = inputScale;

    public long OutFeatures => Weight.shape[0];

    public long InFeatures => Weight.shape[1];

    public long ResidentBytes => Weight.NumberOfElements + 8;

    public torch.Tensor Forward(torch.Tensor x)
    {
        using var w = Weight.to(x.dtype);
        if (!quantizeActivations)
        {
            var plain = torch.nn.functional.linear(x, w);
            return plain.mul_(WeightScale);
        }

        var sx = InputScale ?? DynamicScale(x);
        using var scaled = x / sx;
        using var clamped = scaled.clamp_(-Quantizer.Fp8Max, Quantizer.Fp8Max);
        using var q = clamped.to(SafeTensorDTypes.Float8E4M3);
        using var xq = q.to(x.dtype);
        var y = torch.nn.functional.linear(xq, w);
        return y.mul_(sx * WeightScale);
    }

    public void Dispose() => Weight.Dispose();

    private static double DynamicScale(torch.Tensor x)
    {
        using var absmax = x.abs().max().to(torch.ScalarType.Float32);
        return Math.Max(absmax.item<float>() / Quantizer.Fp8Max, 1e-12);
    }
}
