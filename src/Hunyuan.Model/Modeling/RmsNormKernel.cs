using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// How x / rms(x) is computed on one device type: one fused libtorch op where the loaded libtorch exports it for that
/// device (<see cref="FusedRmsNormKernel"/>), else the reference's ops one by one (<see cref="CompositeRmsNormKernel"/>).
/// Both give the reference's bits: float32 statistics, the result cast back to x's dtype, no weight (the caller
/// multiplies it in afterwards, as the reference does after the cast).
/// </summary>
public abstract class RmsNormKernel
{
    private protected RmsNormKernel()
    {
    }

    /// <summary>"fused" or "composite", for benchmark reports.</summary>
    public abstract string Name { get; }

    /// <summary>x / sqrt(mean(x², last dim) + eps) in float32, returned in x's dtype as a new tensor.</summary>
    public abstract torch.Tensor Normalize(torch.Tensor x, double eps);
}
