namespace Hunyuan.Model.Generation;

/// <summary>
/// One sequence's new tokens for a step. <see cref="StartPosition"/> is the position of the first of them: a rank
/// whose cache holds more drops the rest first (recompute after preemption). With a <see cref="BlockTable"/> the
/// sequence's KV lives in those blocks of the rank's paged pool (the scheduler's allocation), and positions before
/// StartPosition are in the table's blocks whoever computed them (a prefix-cache hit); without one it gets a contiguous
/// cache of its own, and a rank whose cache holds fewer positions than StartPosition refuses.
/// </summary>
public sealed record SequenceStep(long SequenceId, int StartPosition, long[] TokenIds, int[]? BlockTable = null);
