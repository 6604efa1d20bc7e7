namespace Hunyuan.Grains.Ranks;

/// <summary>The last stage's first rank answers with one token per sequence; every other rank with nothing.</summary>
[GenerateSerializer, Immutable]
public sealed record RankStepResult([property: Id(0)] long StepId, [property: Id(1)] long[]? NextTokens);
