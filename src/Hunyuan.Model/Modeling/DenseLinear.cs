using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>A weight held in the compute dtype.</summary>
public sealed class DenseLinear(torch.Tensor weight) : ILinear
{
    public torch.Tensor Weight { get; } = weight;

    public long OutFeatures => Weight.shape[0];

    public long InFeatures => Weight.shape[1];

    public long ResidentBytes => Weight.NumberOfElements * Weight.ElementSize;

    public torch.Tensor Forward(torch.Tensor x) => torch.nn.functional.linear(x, Weight);

    public void Dispose() => Weight.Dispose();
}
