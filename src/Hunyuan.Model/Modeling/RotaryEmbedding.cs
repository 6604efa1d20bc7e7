using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Rotate-half (NeoX) RoPE with the NTK-alpha base of hunyuan-spec §2.4. Angles are position x inv_freq in float32,
/// cos/sin are taken in float32 and cast to the activation dtype, as the reference does. The cos/sin rows are
/// tabulated once per dtype (grown by doubling) so a step costs one lookup each, not a recomputation.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly torch.Tensor _invFreq;
    private readonly int _maxPositions;
    private torch.Tensor? _cos;
    private torch.Tensor? _signedSin;

    /// <param name="config">The model config (head_dim, rope base and scaling).</param>
    /// <param name="device">Where the table lives; the CPU when null.</param>
    public RotaryEmbedding(HunyuanConfig config, ComputeDevice? device = null)
    {
        var dim = config.HeadDim;

        // inv_freq is computed on the host, as the reference computes it at init, then moved: the table's bits do not
        // depend on the device's pow.
        var exponents = torch.arange(0, dim, 2, dtype: torch.ScalarType.Int64, device: torch.CPU).to(torch.ScalarType.Float32) / dim;
        var inv = 1.0f / torch.pow(torch.tensor((float)config.RopeBase, device: torch.CPU), exponents);
        if (config.RopeScaling is null)
        {
            // The reference's plain RoPE class rounds inv_freq to bf16 (modeling_hunyuan.py L256); keep parity.
            inv = inv.to(torch.ScalarType.BFloat16).to(torch.ScalarType.Float32);
        }

        _invFreq = (device ?? ComputeDevice.Cpu).Adopt(inv.DetachFromDisposeScope());
        _maxPositions = config.MaxPositionEmbeddings;
        HeadDim = dim;
    }

    public int HeadDim { get; }

    /// <summary>
    /// cos and the signed sin of shape [N, 1, D] for positions [N], in <paramref name="dtype"/>; the signed sin is
    /// sin with its first half negated, the form <see cref="Apply"/> takes.
    /// </summary>
    /// <param name="positions">Int64 positions [N].</param>
    /// <param name="dtype">Activation dtype.</param>
    /// <param name="maxPosition">The largest of <paramref name="positions"/>, known on the host (no device read).</param>
    public (torch.Tensor Cos, torch.Tensor Sin) Angles(torch.Tensor positions, torch.ScalarType dtype, long maxPosition)
    {
        EnsureTable(dtype, maxPosition + 1);
        return (_cos!.index_select(0, positions), _signedSin!.index_select(0, positions));
    }

    /// <summary>
    /// x [N, heads, D] rotated: x*cos + rotate_half(x)*sin, computed as x*cos + roll(x, D/2)*signedSin. roll gives
    /// cat(x2, x1) and the sign sits in the table; negation is exact, so this equals the reference bit for bit.
    /// </summary>
    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor cos, torch.Tensor signedSin)
    {
        using var rolled = x.roll(x.shape[^1] / 2, -1);
        StepTensors.InPlace(rolled, t => t.mul_(signedSin));
        var y = x * cos;
        StepTensors.InPlace(y, t => t.add_(rolled));
        return y;
    }

    public void Dispose()
    {
        _invFreq.Dispose();
        _cos?.Dispose();
        _signedSin?.Dispose();
    }

    private void EnsureTable(torch.ScalarType dtype, long length)
    {
        if (_cos is not null && _cos.dtype == dtype && _cos.shape[0] >= length)
        {
            return;
        }

        var rows = Math.Max(length, Math.Min(_maxPositions, Math.Max(256, (_cos?.shape[0] ?? 0) * 2)));
        using var scope = torch.NewDisposeScope();
        var p = torch.arange(0, rows, dtype: torch.ScalarType.Int64, device: _invFreq.device).to(torch.ScalarType.Float32).unsqueeze(1);
        var freqs = p * _invFreq.unsqueeze(0);
        var emb = torch.cat([freqs, freqs], 1);
        var half = HeadDim / 2;
        var sin = emb.sin().to(dtype);
        var signs = torch.cat([-torch.ones(half, dtype: dtype, device: _invFreq.device), torch.ones(half, dtype: dtype, device: _invFreq.device)], 0);
        _cos?.Dispose();
        _signedSin?.Dispose();
        _cos = emb.cos().to(dtype).unsqueeze(1).DetachFromDisposeScope();
        _signedSin = (sin * signs).unsqueeze(1).DetachFromDisposeScope();
    }
}
