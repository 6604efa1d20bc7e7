namespace Hunyuan.Model.Generation;

/// <summary>
/// One sequence's new tokens for a step. <see cref="StartPosition"/> is the position of the first of them: a rank
/// whose cache holds more drops the rest first (recompute after preemption); one that holds fewer refuses.
/// </summary>
public sealed record SequenceStep(long SequenceId, int StartPosition, long[] TokenIds);
