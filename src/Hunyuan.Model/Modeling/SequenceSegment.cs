namespace Hunyuan.Model.Modeling;

/// <summary>
/// One sequence's share of a step: <see cref="TokenCount"/> consecutive rows of the batch, at positions
/// cache.Length .. cache.Length + TokenCount - 1. Several segments make a continuous batch.
/// </summary>
public sealed record SequenceSegment(IKvCache Cache, int TokenCount);
