using Hunyuan.Engine.Collectives.Nccl;

namespace Hunyuan.Engine.Collectives;

/// <summary>NCCL communicators over this node's CUDA devices, one ncclCommInitAll per group.</summary>
public sealed class NcclCollectiveBackend(NcclLibrary library) : ICollectiveBackend
{
    public NcclLibrary Library { get; } = library;

    public string Name => "nccl";

    public ICollectiveGroup CreateGroup(IReadOnlyList<int> gpus, TimeSpan timeout) => new NcclCollectiveGroup(Library, gpus, timeout);
}
