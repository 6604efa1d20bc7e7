using Hunyuan.Engine.Partitioning;

namespace Hunyuan.Engine.Planning;

/// <summary>One rank's memory: weights, activation/workspace reserve, and what is left for its KV cache.</summary>
public sealed record RankMemory(RankPlan Rank, long UsableBytes, long WeightBytes, long ReserveBytes, long KvBytesPerToken, long KvBudgetBytes)
{
    public long MaxKvTokens => KvBudgetBytes > 0 && KvBytesPerToken > 0 ? KvBudgetBytes / KvBytesPerToken : 0;
}
