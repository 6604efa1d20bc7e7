using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>RMSNorm as the reference computes it: statistics in float32, cast back, then times the weight (no 1+w).</summary>
/// <remarks>
/// TorchSharp 0.107 binds no fused rms_norm, so this is six to eight ops; the in-place ones reuse buffers this
/// method created itself (never the caller's).
/// </remarks>
public static class RmsNorm
{
    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor weight, double eps)
    {
        var y = Normalize(x, eps);
        StepTensors.InPlace(y, t => t.mul_(weight));
        return y;
    }

    /// <summary>x / rms(x) in float32, cast back to x's dtype; the weight is left to the caller (CLA q-folding).</summary>
    public static torch.Tensor Normalize(torch.Tensor x, double eps)
    {
        var isFloat = x.dtype == torch.ScalarType.Float32;
        var f = isFloat ? x : x.to(torch.ScalarType.Float32);
        try
        {
            using var squares = f.pow(2);
            using var variance = squares.mean([-1], keepdim: true);
            StepTensors.InPlace(variance, t => t.add_(eps));
            StepTensors.InPlace(variance, t => t.rsqrt_());
            var y = f * variance;
            if (isFloat)
            {
                return y;
            }

            using (y)
            {
                return y.to(x.dtype);
            }
        }
        finally
        {
            if (!isFloat)
            {
                f.Dispose();
            }
        }
    }
}
