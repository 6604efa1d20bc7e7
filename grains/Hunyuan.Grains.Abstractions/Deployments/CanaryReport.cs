namespace Hunyuan.Grains.Deployments;

/// <summary>A canary run by the lease holder on its own driver: when, how long, and the error if it failed.</summary>
[GenerateSerializer, Immutable]
public sealed record CanaryReport(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] double Milliseconds,
    [property: Id(2)] string? Error,
    [property: Id(3)] int Tokens);
