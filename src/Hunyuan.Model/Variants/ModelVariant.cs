namespace Hunyuan.Model.Variants;

/// <summary>The three published deployments of Hunyuan-Large (ARCHITECTURE.md, hunyuan-spec §4 and §7).</summary>
public enum ModelVariant
{
    /// <summary>The BF16 checkpoint as is.</summary>
    Bf16,

    /// <summary>W8A8C8: e4m3 linear weights with per-tensor scales, e4m3 activations, e4m3 KV cache.</summary>
    Fp8,

    /// <summary>BF16 checkpoint, routed experts quantized at load to int8 per output row (weight-only).</summary>
#pragma warning disable CA1720 // "int8" is the variant's published name, not a type
    Int8,
#pragma warning restore CA1720
}
