using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>RMSNorm as the reference computes it: statistics in float32, cast back, then times the weight (no 1+w).</summary>
public static class RmsNorm
{
    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor weight, double eps)
    {
        using var normalized = Normalize(x, eps);
        return weight * normalized;
    }

    /// <summary>x / rms(x) in float32, cast back to x's dtype; the weight is left to the caller (CLA q-folding).</summary>
    public static torch.Tensor Normalize(torch.Tensor x, double eps)
    {
        using var f = x.to(torch.ScalarType.Float32);
        using var variance = f.pow(2).mean([-1], keepdim: true);
        using var inv = (variance + eps).rsqrt_();
        using var y = f * inv;
        return y.to(x.dtype);
    }
}
