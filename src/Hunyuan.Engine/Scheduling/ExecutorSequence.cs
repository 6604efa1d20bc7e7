using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// One sequence's work in a step, as the scheduler hands it to an executor. <see cref="AllowedTokens"/> is the
/// grammar's mask for the token this step samples (<see cref="TokenMask"/> bitset), set only on a step that samples
/// the sequence under a grammar; null lets any token through. Positions before StartPosition are in the block table's
/// blocks already. <see cref="Preceding"/>, when set, are the tokens at those positions: sent when they were not
/// computed by this sequence (a prefix-cache hit), so the sampler on the last stage knows the whole history.
/// </summary>
public sealed record ExecutorSequence(
    long SequenceId, int StartPosition, long[] TokenIds, int[]? BlockTable, SamplingParameters Sampling, int PromptLength, ulong[]? AllowedTokens = null, long[]? Preceding = null);
