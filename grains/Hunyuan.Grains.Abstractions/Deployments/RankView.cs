using Hunyuan.Grains.Ranks;

namespace Hunyuan.Grains.Deployments;

[GenerateSerializer, Immutable]
public sealed record RankView(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Node,
    [property: Id(2)] int Gpu,
    [property: Id(3)] RankState State,
    [property: Id(4)] double LoadPercent,
    [property: Id(5)] string Layers,
    [property: Id(6)] string Experts,
    [property: Id(7)] string? Error,
    [property: Id(8)] long ResidentWeightBytes,
    [property: Id(9)] long PlannedWeightBytes);
