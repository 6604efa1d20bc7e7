namespace Hunyuan.Grains.Deployments;

/// <summary>
/// The desired state `hyc deploy` asks for. Tp/Pp null: the planner chooses against the live inventory. BuiltInModel
/// names a built-in ("tiny", "mini") that every node makes under its own HYC_HOME; ModelPath is then only the
/// operator's copy, shown in status.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record DeploymentSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] string ModelPath,
    [property: Id(2)] string Variant,
    [property: Id(3)] string DType,
    [property: Id(4)] int? Tp,
    [property: Id(5)] int? Pp,
    [property: Id(6)] string ExpertPlacement,
    [property: Id(7)] double GpuMemoryUtilization = 0.9,
    [property: Id(8)] int? MaxModelLen = null,
    [property: Id(9)] bool Fp8ExactDequantize = false,
    [property: Id(10)] long? KvCacheBytesPerRank = null,
    [property: Id(11)] int KvBlockSize = 16,
    [property: Id(12)] int MaxNumSeqs = 16,
    [property: Id(13)] string? BuiltInModel = null);
