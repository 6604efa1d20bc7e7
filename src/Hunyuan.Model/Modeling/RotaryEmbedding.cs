using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Modeling;

/// <summary>
/// Rotate-half (NeoX) RoPE with the NTK-alpha base of hunyuan-spec §2.4. Angles are position x inv_freq in float32,
/// cos/sin are taken in float32 and cast to the activation dtype, as the reference does.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly torch.Tensor _invFreq;

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
        HeadDim = dim;
    }

    public int HeadDim { get; }

    /// <summary>cos and sin of shape [N, 1, D] for positions [N], in <paramref name="dtype"/>.</summary>
    public (torch.Tensor Cos, torch.Tensor Sin) Angles(torch.Tensor positions, torch.ScalarType dtype)
    {
        using var p = positions.to(torch.ScalarType.Float32).unsqueeze(1);
        using var freqs = p * _invFreq.unsqueeze(0);
        using var emb = torch.cat([freqs, freqs], 1);
        using var cos = emb.cos();
        using var sin = emb.sin();
        return (cos.to(dtype).unsqueeze(1), sin.to(dtype).unsqueeze(1));
    }

    /// <summary>x [N, heads, D] rotated: x*cos + rotate_half(x)*sin.</summary>
    public static torch.Tensor Apply(torch.Tensor x, torch.Tensor cos, torch.Tensor sin)
    {
        var half = x.shape[^1] / 2;
        using var x1 = x.narrow(-1, 0, half);
        using var x2 = x.narrow(-1, half, half);
        using var neg = x2.neg();
        using var rotated = torch.cat([neg, x1], -1);
        using var a = x * cos;
        using var b = rotated * sin;
        return a + b;
    }

    public void Dispose() => _invFreq.Dispose();
}
