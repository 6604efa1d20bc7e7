using TorchSharp;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>TorchSharp dtype to NCCL dtype. Anything else is refused by name rather than sent as the wrong bytes.</summary>
public static class NcclDataTypes
{
    // TorchSharp 0.107 has no float8 member; c10's Float8_e4m3fn is 24 (the same code SafeTensorDTypes uses).
    private const torch.ScalarType Float8E4M3 = (torch.ScalarType)24;

    public static NcclDataType For(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float16 => NcclDataType.F16,
        torch.ScalarType.Float32 => NcclDataType.F32,
        torch.ScalarType.BFloat16 => NcclDataType.BF16,
        Float8E4M3 => NcclDataType.F8E4M3,
        _ => throw new NotSupportedException($"NCCL collectives here support float16, float32, bfloat16 and float8_e4m3fn, not {Name(dtype)}"),
    };

    private static string Name(torch.ScalarType dtype) => Enum.IsDefined(dtype) ? dtype.ToString() : $"scalar type {(int)dtype}";
}
