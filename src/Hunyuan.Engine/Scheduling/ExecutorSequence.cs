using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>One sequence's work in a step, as the scheduler hands it to an executor.</summary>
public sealed record ExecutorSequence(long SequenceId, int StartPosition, long[] TokenIds, int[]? BlockTable, SamplingParameters Sampling, int PromptLength);
