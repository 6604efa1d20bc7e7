namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Everything a rank needs to build its partition: the model, variant and layout, and which node and GPU each rank
/// runs on. Every rank derives the same partition plan from it, so slices never travel over the network. KvBlocks
/// is the size of every rank's paged KV pool (0: none), which the serving engine's scheduler allocates from.
/// BuiltInModel, when set, overrides ModelPath on every process: each resolves the built-in under its own HYC_HOME
/// (ModelSource.Resolve), since the operator's path exists only on the operator's machine. RankDevices holds each rank's
/// device, "cpu" (a virtual GPU) or "cuda:N" (N the GPU's position in its node's report, which lists the devices the
/// agent sees); null, from a layout made before devices, means cpu for every rank. Epoch is unique per deploy; DataToken
/// is the secret every data-plane connection of this epoch presents; RankEndpoints holds each rank's node data-plane
/// listener, refreshed by the head when an agent comes back.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeploymentLayout(
    [property: Id(0)] string Deployment,
    [property: Id(1)] int Generation,
    [property: Id(2)] string ModelPath,
    [property: Id(3)] string Variant,
    [property: Id(4)] string DType,
    [property: Id(5)] int Tp,
    [property: Id(6)] int Pp,
    [property: Id(7)] string ExpertPlacement,
    [property: Id(8)] IReadOnlyList<string> RankNodes,
    [property: Id(9)] IReadOnlyList<int> RankGpus,
    [property: Id(10)] bool Fp8ExactDequantize = false,
    [property: Id(11)] int KvBlocks = 0,
    [property: Id(12)] int KvBlockSize = 16,
    [property: Id(13)] int MaxModelLen = 4096,
    [property: Id(14)] string? BuiltInModel = null,
    [property: Id(15)] IReadOnlyList<string>? RankDevices = null,
    [property: Id(16)] string Epoch = "",
    [property: Id(17)] string DataToken = "",
    [property: Id(18)] IReadOnlyList<string>? RankEndpoints = null)
{
    public int WorldSize => Tp * Pp;

    public string RankKey(int rank) => RankKeys.Format(Deployment, rank, RankNodes[rank]);

    /// <summary>The device string of a rank: "cpu" or "cuda:N".</summary>
    public string RankDevice(int rank) => RankDevices is { } d && rank < d.Count ? d[rank] : "cpu";

    /// <summary>The data endpoint (host:port) of a rank's node, as the head last saw it.</summary>
    public string RankEndpoint(int rank) => RankEndpoints is { } e && rank < e.Count && e[rank].Length > 0
        ? e[rank]
        : throw new InvalidOperationException($"rank {rank}'s node ({RankNodes[rank]}) has reported no data endpoint");

    /// <summary>
    /// The same deployment as <paramref name="other"/>: model, variant, dtype, layout and epoch all equal. Only then may
    /// a rank keep what it loaded; node endpoints may differ (an agent restarted on another port).
    /// </summary>
    public bool SameSpec(DeploymentLayout other) =>
        Deployment == other.Deployment && Epoch == other.Epoch && DataToken == other.DataToken && ModelPath == other.ModelPath
        && BuiltInModel == other.BuiltInModel && Variant == other.Variant && DType == other.DType && Tp == other.Tp && Pp == other.Pp
        && ExpertPlacement == other.ExpertPlacement && Fp8ExactDequantize == other.Fp8ExactDequantize && KvBlocks == other.KvBlocks
        && KvBlockSize == other.KvBlockSize && MaxModelLen == other.MaxModelLen
        && RankNodes.SequenceEqual(other.RankNodes) && RankGpus.SequenceEqual(other.RankGpus)
        && (RankDevices ?? []).SequenceEqual(other.RankDevices ?? []);
}
