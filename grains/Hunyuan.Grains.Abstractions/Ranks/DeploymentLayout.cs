namespace Hunyuan.Grains.Ranks;

/// <summary>
/// Everything a rank needs to build its partition: the model, variant and layout, and which node and GPU each rank
/// runs on. Every rank derives the same partition plan from it, so slices never travel over the network. KvBlocks
/// is the size of every rank's paged KV pool (0: none), which the serving engine's scheduler allocates from.
/// BuiltInModel, when set, overrides ModelPath on every process: each resolves the built-in under its own HYC_HOME
/// (ModelSource.Resolve), since the operator's path exists only on the operator's machine. RankDevices holds each rank's
/// device, "cpu" (a virtual GPU) or "cuda:N" (N the GPU's position in its node's report, which lists the devices the
/// agent sees); null, from a layout made before devices, means cpu for every rank.
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
    [property: Id(15)] IReadOnlyList<string>? RankDevices = null)
{
    public int WorldSize => Tp * Pp;

    public string RankKey(int rank) => RankKeys.Format(Deployment, rank, RankNodes[rank]);

    /// <summary>The device string of a rank: "cpu" or "cuda:N".</summary>
    public string RankDevice(int rank) => RankDevices is { } d && rank < d.Count ? d[rank] : "cpu";
}
