namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>The ncclDataType_t values for the dtypes ranks exchange (NVIDIA/nccl src/nccl.h.in; e4m3 needs NCCL 2.24+).</summary>
public enum NcclDataType
{
    F16 = 6,
    F32 = 7,
    BF16 = 9,
    F8E4M3 = 10,
}
