using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>SwiGLU: down(silu(gate(x)) * up(x)); used for routed experts, the shared expert and dense layers.</summary>
public sealed class MlpWeights(ILinear gate, ILinear up, ILinear down) : IDisposable
{
    public ILinear Gate { get; } = gate;

    public ILinear Up { get; } = up;

    public ILinear Down { get; } = down;

    public long ResidentBytes => Gate.ResidentBytes + Up.ResidentBytes + Down.ResidentBytes;

    public torch.Tensor Forward(torch.Tensor x)
    {
        using var g = Gate.Forward(x);
        using var act = torch.nn.functional.silu(g);
        using var u = Up.Forward(x);
        using var prod = act * u;
        return Down.Forward(prod);
    }

    public void Dispose()
    {
        Gate.Dispose();
        Up.Dispose();
        Down.Dispose();
    }
}
