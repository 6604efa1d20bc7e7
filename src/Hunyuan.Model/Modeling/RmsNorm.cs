using System.Collections.Concurrent;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// RMSNorm as the reference computes it: statistics in float32, cast back, then times the weight (no 1+w). The
/// statistics run on the device's <see cref="RmsNormKernel"/>, resolved once per device type.
/// </summary>
public static class RmsNorm
{
    private static readonly ConcurrentDictionary<DeviceType, RmsNormKernel> Kernels = new();

    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor weight, double eps)
    {
        var y = Normalize(x, eps);
        StepTensors.InPlace(y, t => t.mul_(weight));
        return y;
    }

    /// <summary>x / rms(x) in float32, cast back to x's dtype; the weight is left to the caller (CLA q-folding).</summary>
    public static torch.Tensor Normalize(torch.Tensor x, double eps) => KernelFor(x.device_type).Normalize(x, eps);

    /// <summary>The kernel tensors of <paramref name="deviceType"/> use: fused where the loaded libtorch exports it, else composite.</summary>
    public static RmsNormKernel KernelFor(DeviceType deviceType) =>
        Kernels.GetOrAdd(deviceType, static t => (RmsNormKernel?)FusedRmsNormKernel.TryResolve(t) ?? CompositeRmsNormKernel.Instance);
}
