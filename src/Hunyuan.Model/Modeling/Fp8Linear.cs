using Hunyuan.Model.SafeTensors;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// W8A8 linear: the weight stays e4m3 (one byte per weight) with its per-tensor scale; the activation is quantized to
/// e4m3 with the static input_scale when the checkpoint has one, else with a per-call absmax scale;
/// y = (x_q @ w_q^T) * s_x * s_w. The product is either the weight upcast to the compute dtype (works everywhere, the
/// CPU default: CPUs have no fast fp8 matmul) or torch._scaled_mm on the e4m3 operands (<see cref="Fp8MatmulPath"/>).
/// </summary>
public sealed class Fp8Linear(torch.Tensor weight, double weightScale, double? inputScale, bool quantizeActivations, Fp8MatmulPath path = Fp8MatmulPath.Upcast) : ILinear
{
    // Set when a GPU refused scaled_mm under Auto: this layer upcasts from then on instead of failing every step.
    private volatile bool _scaledMmRefused;

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
        if (UseScaledMm(x))
        {
            try
            {
                return ScaledForward(q, sx, x.dtype);
            }
            catch (System.Runtime.InteropServices.ExternalException) when (path == Fp8MatmulPath.Auto)
            {
                _scaledMmRefused = true;
            }
        }

        using var xq = q.to(x.dtype);
        var y = torch.nn.functional.linear(xq, w);
        return y.mul_(sx * WeightScale);
    }

    public void Dispose() => Weight.Dispose();

    private bool UseScaledMm(torch.Tensor x) => path switch
    {
        Fp8MatmulPath.ScaledMm => true,

        // cuBLASLt's fp8 GEMM wants both weight dimensions in multiples of 16.
        Fp8MatmulPath.Auto => !_scaledMmRefused && x.device_type == DeviceType.CUDA && InFeatures % 16 == 0 && OutFeatures % 16 == 0,
        _ => false,
    };

    private torch.Tensor ScaledForward(torch.Tensor q, double sx, torch.ScalarType dtype)
    {
        using var rows = q.reshape(-1, InFeatures);
        using var wt = Weight.t();
        using var y = ScaledMm.Multiply(rows, wt, sx, WeightScale, dtype);
        return y.reshape([.. q.shape[..^1], OutFeatures]);
    }

    private static double DynamicScale(torch.Tensor x)
    {
        using var absmax = x.abs().max().to(torch.ScalarType.Float32);
        return Math.Max(absmax.item<float>() / Quantizer.Fp8Max, 1e-12);
    }
}
