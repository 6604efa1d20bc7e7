namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>The ncclRedOp_t values this engine uses (NVIDIA/nccl src/nccl.h.in).</summary>
public enum NcclRedOp
{
    Sum = 0,
    Avg = 4,
}
