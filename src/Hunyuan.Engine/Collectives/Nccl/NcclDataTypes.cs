using TorchSharp;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>TorchSharp dtype to NCCL dtype. Anything else is refused by name rather than sent as the wrong bytes.</summary>
public static class NcclDataTypes
{
    // TorchSharp 0.107 has no float8 member; c10's Float8_e4m3fn is 24 (the same code SafeTensorDTypes uses).
    private const torch.ScalarType Float8E4M3 = (torch.ScalarType)24;

    public static NcclDataType For(torch.ScalarType dtype) => TryFor(dtype, out var type)
        ? type
        : throw new NotSupportedException($"NCCL collectives here support float16, float32, bfloat16 and float8_e4m3fn, not {Name(dtype)}");

    /// <summary>The NCCL dtype of <paramref name="dtype"/>, or false when NCCL here does not carry it.</summary>
    public static bool TryFor(torch.ScalarType dtype, out NcclDataType type)
    {
        type = dtype switch
        {
            torch.ScalarType.Float16 => NcclDataType.F16,
            torch.ScalarType.Float32 => NcclDataType.F32,
            torch.ScalarType.BFloat16 => NcclDataType.BF16,
            Float8E4M3 => NcclDataType.F8E4M3,
            _ => 0,
        };
        return type != 0;
    }

    /// <summary>Bytes per element of an NCCL dtype.</summary>
    public static int ElementSize(NcclDataType type) => type switch
    {
        NcclDataType.F16 or NcclDataType.BF16 => 2,
        NcclDataType.F32 => 4,
        NcclDataType.F8E4M3 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a dtype this binding carries"),
    };

    public static string Name(torch.ScalarType dtype) => Enum.IsDefined(dtype) ? dtype.ToString() : $"scalar type {(int)dtype}";
}
