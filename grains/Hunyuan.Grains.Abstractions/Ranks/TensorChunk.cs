namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Part of a tensor sent to a rank's mailbox (pipeline activations, cross-node collectives). Tensors are cut into
/// chunks well below Orleans' message limit, which tears the connection down when exceeded.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record TensorChunk(
    [property: Id(0)] string Tag,
    [property: Id(1)] int Index,
    [property: Id(2)] int Count,
    [property: Id(3)] string DType,
    [property: Id(4)] long[] Shape,
    [property: Id(5)] byte[] Data);
