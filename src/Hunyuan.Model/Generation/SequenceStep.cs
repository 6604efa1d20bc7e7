namespace Hunyuan.Model.Generation;

/// <summary>
/// One sequence's new tokens for a step. <see cref="StartPosition"/> is the position of the first of them: a rank
/// whose cache holds more drops the rest first (recompute after preemption); one that holds fewer refuses.
/// With a <see cref="BlockTable"/> the sequence's KV lives in those blocks of the rank's paged pool (the
/// scheduler's allocation); without one it gets a contiguous cache of its own.
/// </summary>
public sealed record SequenceStep(long SequenceId, int StartPosition, long[] TokenIds, int[]? BlockTable = null);
