using Hunyuan.Model.SafeTensors;
using TorchSharp;

namespace Hunyuan.Model.Variants;

/// <summary>The quantization recipes of the variants (hunyuan-spec §4).</summary>
public static class Quantizer
{
    /// <summary>Largest finite float8 e4m3fn value.</summary>
    public const double Fp8Max = 448.0;

    /// <summary>Per-tensor e4m3: scale = absmax / 448, w ≈ fp8 * scale. Used when an fp8 deployment loads a float checkpoint.</summary>
    public static (torch.Tensor Weight, double Scale) Fp8PerTensor(torch.Tensor w)
    {
        using var f = w.to(torch.ScalarType.Float32);
        var absmax = f.abs().max().item<float>();
        var scale = absmax > 0 ? absmax / Fp8Max : 1.0;
        using var scaled = f / scale;
        using var clamped = scaled.clamp(-Fp8Max, Fp8Max);
        return (clamped.to(SafeTensorDTypes.Float8E4M3), scale);
    }

    /// <summary>
    /// Symmetric int8 per output row, as vLLM's experts_int8: scale = absmax(row) / 127, round, clamp to ±127.
    /// Returns the int8 weight and the float32 scales [rows].
    /// </summary>
    public static (torch.Tensor Weight, torch.Tensor Scales) Int8PerRow(torch.Tensor w)
    {
        using var f = w.to(torch.ScalarType.Float32);
        using var absmax = f.abs().amax([1], keepdim: true);
        using var scales = (absmax / 127.0).clamp_min(1e-12);
        using var scaled = f / scales;
        using var rounded = scaled.round().clamp(-127, 127);
        return (rounded.to(torch.ScalarType.Int8), scales.reshape(-1).clone());
    }
}
