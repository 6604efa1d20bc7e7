namespace Hunyuan.Grains.Ranks;

/// <summary>
/// How the last stage turns logits into a token. Temperature 0 is greedy (argmax). The seed makes sampling
/// reproducible: the step's draw for a sequence depends only on (seed, sequence position).
/// </summary>
[GenerateSerializer, Immutable]
public sealed record SamplingSpec(
    [property: Id(0)] double Temperature = 0,
    [property: Id(1)] double TopP = 1,
    [property: Id(2)] int TopK = 0,
    [property: Id(3)] double MinP = 0,
    [property: Id(4)] double RepetitionPenalty = 1,
    [property: Id(5)] double PresencePenalty = 0,
    [property: Id(6)] double FrequencyPenalty = 0,
    [property: Id(7)] long Seed = 0,
    [property: Id(8)] int VocabLimit = 0)
{
    public static SamplingSpec Greedy { get; } = new();
}
