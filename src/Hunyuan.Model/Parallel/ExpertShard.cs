namespace Hunyuan.Model.Parallel;

/// <summary>
/// A routed expert held by a rank: rows <see cref="Start"/>..Start+Count-1 of its intermediate dimension (gate/up
/// rows, down columns). A whole expert is Start 0, Count intermediate_size.
/// </summary>
public sealed record ExpertShard(int Expert, long Start, long Count);
