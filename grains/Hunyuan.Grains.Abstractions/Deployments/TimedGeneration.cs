namespace Hunyuan.Grains.Deployments;

/// <summary>
/// A generation's ids and its steps' cost on the head's driver: <see cref="StepSeconds"/> from each step's broadcast to
/// its last rank's outcome, summed; <see cref="RankSeconds"/> of that, the ranks' own work on the critical path.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TimedGeneration(
    [property: Id(0)] long[] Ids,
    [property: Id(1)] long Steps,
    [property: Id(2)] double StepSeconds,
    [property: Id(3)] double RankSeconds);
