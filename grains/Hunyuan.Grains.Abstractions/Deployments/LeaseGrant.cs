using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// The answer to a lease request: granted with its epoch (increasing across grants and head restarts) and the layout to
/// drive, or refused with the current holder and why.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record LeaseGrant(
    [property: Id(0)] bool Granted,
    [property: Id(1)] long Lease,
    [property: Id(2)] DeploymentLayout? Layout,
    [property: Id(3)] string? Holder,
    [property: Id(4)] string Reason,
    [property: Id(5)] int TtlSeconds);
