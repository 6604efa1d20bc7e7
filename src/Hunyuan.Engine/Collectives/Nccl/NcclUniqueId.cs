using System.Runtime.CompilerServices;

namespace Hunyuan.Engine.Collectives.Nccl;

/// <summary>
/// ncclUniqueId: 128 opaque bytes (NCCL_UNIQUE_ID_BYTES) that ncclCommInitRank takes by value. Only needed when ranks of
/// one group live in different processes; one process per node uses ncclCommInitAll and never makes one.
/// </summary>
[InlineArray(Size)]
public struct NcclUniqueId
{
    public const int Size = 128;

    private byte _element0;
}
