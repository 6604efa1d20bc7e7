using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// SwiGLU: down(silu(gate(x)) * up(x)); used for routed experts, the shared expert and dense layers. Gate and up
/// run as one stacked matmul whose output is split in two.
/// </summary>
public sealed class MlpWeights : IDisposable
{
    public MlpWeights(ILinear gate, ILinear up, ILinear down)
    {
        Intermediate = gate.OutFeatures;
        GateUp = StackedLinear.Of(gate, up);
        Down = down;
    }

    private MlpWeights(ILinear gateUp, ILinear down, long intermediate)
    {
        Intermediate = intermediate;
        GateUp = gateUp;
        Down = down;
    }

    /// <summary>An MLP whose [gate; up] weight is already one stacked linear (a row of an <see cref="ExpertBank"/>).</summary>
    internal static MlpWeights FromStacked(ILinear gateUp, ILinear down) => new(gateUp, down, gateUp.OutFeatures / 2);

    /// <summary>[gate; up] stacked: output columns 0..I-1 are gate, I..2I-1 are up.</summary>
    public ILinear GateUp { get; }

    public ILinear Down { get; }

    public long Intermediate { get; }

    public long ResidentBytes => GateUp.ResidentBytes + Down.ResidentBytes;

    public torch.Tensor Forward(torch.Tensor x)
    {
        using var gu = GateUp.Forward(x);
        using var g = gu.narrow(-1, 0, Intermediate);
        using var u = gu.narrow(-1, Intermediate, Intermediate);
        using var act = torch.nn.functional.silu(g);
        using var prod = act.mul_(u);
        return Down.Forward(prod);
    }

    public void Dispose()
    {
        GateUp.Dispose();
        Down.Dispose();
    }
}
