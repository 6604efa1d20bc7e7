namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>ncclResult_t, values as in NVIDIA/nccl src/nccl.h.in.</summary>
public enum NcclResult
{
    Success = 0,
    UnhandledCudaError = 1,
    SystemError = 2,
    InternalError = 3,
    InvalidArgument = 4,
    InvalidUsage = 5,
    RemoteError = 6,
    InProgress = 7,
}
