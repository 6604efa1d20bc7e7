namespace Hunyuan.Grains.Nodes;

/// <summary>What a node's agent reports on every heartbeat; DataEndpoint is its rank data-plane listener (host:port).</summary>
[GenerateSerializer, Immutable]
public sealed record NodeReport(
    [property: Id(0)] string Name,
    [property: Id(1)] string Address,
    [property: Id(2)] IReadOnlyList<GpuInfo> Gpus,
    [property: Id(3)] string? GpuProbeError,
    [property: Id(4)] long ProcessMemoryBytes,
    [property: Id(5)] double LoadAverage,
    [property: Id(6)] DateTimeOffset At,
    [property: Id(7)] string AgentVersion,
    [property: Id(8)] bool IsHead,
    [property: Id(9)] string? DataEndpoint = null);
