namespace Hunyuan.Grains.Ranks;

/// <summary>
/// A rank's tensor-parallel collectives over the data plane so far, summed by phase (its part sent, the wait for the
/// peer's part, the peer's part read, the parts combined: the engine's <c>CollectiveTimings</c>), for a TP group that
/// spans nodes. `bench cluster` subtracts two of them across its runs to show where a cross-node TP step's time goes.
/// Sums only: tensors never travel through grains.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record RankCollectiveTimings(
    [property: Id(0)] long Collectives,
    [property: Id(1)] double SendSeconds,
    [property: Id(2)] double WaitSeconds,
    [property: Id(3)] double ReceiveSeconds,
    [property: Id(4)] double CombineSeconds);
