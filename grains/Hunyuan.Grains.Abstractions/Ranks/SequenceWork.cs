namespace Hunyuan.Grains.Ranks;

/// <summary>
/// One sequence's new tokens in a step, and how its next token is chosen on the last stage. PromptLength separates
/// prompt from output for the presence and frequency penalties, which count output tokens only.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SequenceWork(
    [property: Id(0)] long SequenceId,
    [property: Id(1)] int StartPosition,
    [property: Id(2)] long[] TokenIds,
    [property: Id(3)] SamplingSpec Sampling,
    [property: Id(4)] int PromptLength,
    [property: Id(5)] int[]? BlockTable = null);
