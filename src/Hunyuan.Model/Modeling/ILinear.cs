using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// A bias-free linear layer y = x W^T, whatever the weight's storage (dense, FP8 with scales, int8 per row).
/// Quantized forms keep their bytes compact in memory and upcast per matmul.
/// </summary>
public interface ILinear : IDisposable
{
    long OutFeatures { get; }

    long InFeatures { get; }

    /// <summary>Bytes the weight occupies in memory, scales included.</summary>
    long ResidentBytes { get; }

    torch.Tensor Forward(torch.Tensor x);
}
