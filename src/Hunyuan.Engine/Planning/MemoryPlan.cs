using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Engine.Planning;

/// <summary>A layout with its memory verdict: does every rank's weights, reserve and one full-length sequence of KV fit.</summary>
public sealed record MemoryPlan(
    PartitionPlan Layout,
    long GpuMemoryBytes,
    MemoryPlanOptions Options,
    int MaxModelLen,
    IReadOnlyList<RankMemory> Ranks,
    bool Fits,
    string Reason)
{
    /// <summary>The whole model's KV bytes per token in the true CLA layout, by the variant's KV dtype.</summary>
    public long KvBytesPerToken => Layout.Config.KvBytesPerToken(Hunyuan.Model.Variants.ModelVariants.KvBytesPerElement(Layout.Variant));

    /// <summary>What the seed's vLLM fork stores per token: K and V for every layer, cross layers included.</summary>
    public long KvBytesPerTokenSeedLayout => (long)Layout.Config.NumHiddenLayers * 2 * Layout.Config.NumKeyValueHeads * Layout.Config.HeadDim
        * Hunyuan.Model.Variants.ModelVariants.KvBytesPerElement(Layout.Variant);

    /// <summary>KV bytes per token stored across all ranks (larger than <see cref="KvBytesPerToken"/> when KV heads are replicated).</summary>
    public long KvBytesPerTokenStored => Ranks.Sum(r => r.KvBytesPerToken);

    /// <summary>Tokens of KV the cluster holds: the tightest rank decides.</summary>
    public long MaxKvTokens => Ranks.Min(r => r.MaxKvTokens);

    public RankMemory Heaviest => Ranks.MaxBy(r => r.WeightBytes)!;
}
