using Hunyuan.Model.Devices;
using TorchSharp;

namespace Hunyuan.Model.Variants;

/// <summary>How to load: compute dtype, variant, the device, and for fp8 whether to run full W8A8C8 or the exact checking mode.</summary>
public sealed record LoadOptions
{
    public torch.ScalarType DType { get; init; } = torch.ScalarType.BFloat16;

    public ModelVariant Variant { get; init; } = ModelVariant.Bf16;

    /// <summary>Where the weights, KV pools and activations live; weights are read on the host and moved there once.</summary>
    public ComputeDevice Device { get; init; } = ComputeDevice.Cpu;

    /// <summary>
    /// fp8 only. False (default): W8A8C8, weights one byte, activations and the KV cache in e4m3. True: a checking
    /// mode that dequantizes the weights exactly (w = fp8 * weight_scale) and quantizes nothing else, which must
    /// reproduce an FP8 checkpoint's float reference.
    /// </summary>
    public bool Fp8ExactDequantize { get; init; }

    /// <summary>fp8 only: how e4m3 weights are multiplied (HYC_FP8_MATMUL: auto, upcast or scaled_mm).</summary>
    public Fp8MatmulPath Fp8Matmul { get; init; } = Fp8MatmulPaths.FromEnvironment();

    public static LoadOptions Of(torch.ScalarType dtype) => new() { DType = dtype };

    /// <summary>Whether the KV cache is stored in e4m3 (fp8 W8A8C8) rather than the compute dtype.</summary>
    public bool Fp8KvCache => Variant == ModelVariant.Fp8 && !Fp8ExactDequantize;
}
