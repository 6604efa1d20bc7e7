namespace Hunyuan.Grains.Deployments;

[GenerateSerializer, Immutable]
public sealed record DeploymentStatus(
    [property: Id(0)] string Name,
    [property: Id(1)] string Model,
    [property: Id(2)] string Variant,
    [property: Id(3)] int Tp,
    [property: Id(4)] int Pp,
    [property: Id(5)] DeploymentState State,
    [property: Id(6)] string Reason,
    [property: Id(7)] IReadOnlyList<RankView> Ranks,
    [property: Id(8)] DateTimeOffset? CanaryPassedAt,
    [property: Id(9)] double? CanaryMs,
    [property: Id(10)] string? CanaryError,
    [property: Id(11)] string? Endpoint,
    [property: Id(12)] int Generation,
    [property: Id(13)] string PlanText);
