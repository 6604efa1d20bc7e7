using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Weight-only int8 with a float32 scale per output row (vLLM's experts_int8): one byte per weight in memory, upcast
/// per matmul, and the row scale applied to the output column it belongs to: y[:, o] = s_o * (x · w_q[o]).
/// </summary>
public sealed class Int8RowLinear(torch.Tensor weight, torch.Tensor scales) : ILinear
{
    public torch.Tensor Weight { get; } = weight;

    /// <summary>Float32 [out].</summary>
    public torch.Tensor Scales { get; } = scales;

    public long OutFeatures => Weight.shape[0];

    public long InFeatures => Weight.shape[1];

    public long ResidentBytes => Weight.NumberOfElements + (Scales.NumberOfElements * 4);

    public torch.Tensor Forward(torch.Tensor x)
    {
        using var w = Weight.to(x.dtype);
        using var s = Scales.to(x.dtype);
        var y = torch.nn.functional.linear(x, w);
        return y.mul_(s);
    }

    public void Dispose()
    {
        Weight.Dispose();
        Scales.Dispose();
    }
}
