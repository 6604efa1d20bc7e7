namespace Hunyuan.Engine.Collectives;

/// <summary>Rendezvous in memory (<see cref="InProcessCollectiveHub"/>): CPU ranks, and any node without NCCL.</summary>
public sealed class InProcessCollectiveBackend : ICollectiveBackend
{
    public static InProcessCollectiveBackend Instance { get; } = new();

    public string Name => "in-process";

    public ICollectiveGroup CreateGroup(IReadOnlyList<int> gpus, TimeSpan timeout) => new InProcessCollectiveHub(gpus.Count, timeout);
}
