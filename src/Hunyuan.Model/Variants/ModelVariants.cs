using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;

namespace Hunyuan.Model.Variants;

/// <summary>Names and memory footprints of the variants.</summary>
public static class ModelVariants
{
    public static bool TryParse(string? text, out ModelVariant variant)
    {
        switch (text?.Trim().ToLowerInvariant())
        {
            case "bf16" or "bfloat16":
                variant = ModelVariant.Bf16;
                return true;
            case "fp8" or "w8a8c8":
                variant = ModelVariant.Fp8;
                return true;
            case "int8" or "experts_int8":
                variant = ModelVariant.Int8;
                return true;
            default:
                variant = default;
                return false;
        }
    }

    public static string Name(this ModelVariant v) => v switch
    {
        ModelVariant.Bf16 => "bf16",
        ModelVariant.Fp8 => "fp8",
        ModelVariant.Int8 => "int8",
        _ => v.ToString(),
    };

    /// <summary>Bytes per element of the KV cache: e4m3 for fp8, bf16 otherwise.</summary>
    public static int KvBytesPerElement(this ModelVariant v) => v == ModelVariant.Fp8 ? 1 : 2;

    /// <summary>
    /// Resident bytes of one tensor slice in this variant: the router is held in float32 (it routes in float32);
    /// fp8 linears are one byte per weight plus two float32 scales; int8 routed experts are one byte per weight plus
    /// a float32 scale per output row; everything else is bf16.
    /// </summary>
    public static long ResidentBytes(this ModelVariant v, TensorSlice slice)
    {
        var n = slice.ElementCount;
        var spec = slice.Spec;
        if (spec.Role == TensorRole.Router)
        {
            return n * 4;
        }

        if (v == ModelVariant.Fp8 && spec.IsQuantizableLinear)
        {
            return n + 8;
        }

        if (v == ModelVariant.Int8 && spec.Role == TensorRole.RoutedExpertLinear)
        {
            return n + (slice.Shape[0] * 4);
        }

        return n * 2;
    }
}
