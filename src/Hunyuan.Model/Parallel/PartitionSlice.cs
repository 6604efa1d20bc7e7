using Hunyuan.Model.Config;

namespace Hunyuan.Model.Parallel;

/// <summary>
/// What one rank holds of the model: a layer range (a pipeline stage), a range of query heads and KV heads (a
/// tensor-parallel share; KV heads replicated when the group is wider than the KV heads), some routed experts or
/// expert shards, a slice of the shared expert's (or dense MLP's) intermediate dimension, and a vocabulary range of
/// the embedding (first stage) and lm_head (last stage).
/// </summary>
public sealed record PartitionSlice
{
    public required int LayerStart { get; init; }
    public required int LayerCount { get; init; }
    public required int HeadStart { get; init; }
    public required int HeadCount { get; init; }
    public required int KvHeadStart { get; init; }
    public required int KvHeadCount { get; init; }
    public required IReadOnlyList<ExpertShard> Experts { get; init; }

    /// <summary>Start of this rank's share of the shared expert's intermediate dimension (or the dense MLP's).</summary>
    public required long MlpStart { get; init; }

    public required long MlpCount { get; init; }
    public required long VocabStart { get; init; }
    public required long VocabCount { get; init; }

    /// <summary>True on the first pipeline stage: holds its vocab rows of the embedding.</summary>
    public required bool HasEmbedding { get; init; }

    /// <summary>True on the last pipeline stage: holds the final norm and its vocab rows of lm_head.</summary>
    public required bool HasHead { get; init; }

    public int LayerEnd => LayerStart + LayerCount;

    public static PartitionSlice Whole(HunyuanConfig c) => new()
    {
        LayerStart = 0,
        LayerCount = c.NumHiddenLayers,
        HeadStart = 0,
        HeadCount = c.NumAttentionHeads,
        KvHeadStart = 0,
        KvHeadCount = c.NumKeyValueHeads,
        Experts = c.IsMoe ? Enumerable.Range(0, c.NumExperts).Select(e => new ExpertShard(e, 0, c.IntermediateSize)).ToArray() : [],
        MlpStart = 0,
        MlpCount = c.IsMoe ? (c.HasSharedExpert ? c.SharedIntermediateSize : 0) : c.IntermediateSize,
        VocabStart = 0,
        VocabCount = c.VocabSize,
        HasEmbedding = true,
        HasHead = true,
    };
}
