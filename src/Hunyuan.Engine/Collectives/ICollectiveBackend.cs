namespace Hunyuan.Engine.Collectives;

/// <summary>How a node's local tensor-parallel groups exchange tensors; chosen once per node (<see cref="CollectiveBackends"/>).</summary>
public interface ICollectiveBackend
{
    /// <summary>"in-process" or "nccl", for logs and reports.</summary>
    string Name { get; }

    /// <summary>A group whose member i computes on GPU <paramref name="gpus"/>[i] of this node (ignored by CPU backends).</summary>
    ICollectiveGroup CreateGroup(IReadOnlyList<int> gpus, TimeSpan timeout);
}
