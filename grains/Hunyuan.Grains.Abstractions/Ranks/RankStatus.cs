namespace Hunyuan.Grains.Ranks;

[GenerateSerializer, Immutable]
public sealed record RankStatus(
    [property: Id(0)] int Rank,
    [property: Id(1)] string Node,
    [property: Id(2)] RankState State,
    [property: Id(3)] double LoadPercent,
    [property: Id(4)] string? Error,
    [property: Id(5)] long ResidentWeightBytes,
    [property: Id(6)] long BytesRead,
    [property: Id(7)] int Generation,
    [property: Id(8)] string Silo,
    [property: Id(9)] string? Epoch = null,
    [property: Id(10)] RankCollectiveTimings? Collectives = null);
