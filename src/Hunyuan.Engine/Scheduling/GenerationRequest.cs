using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// One generation: prompt ids, how many new tokens at most, how to sample, when to stop, optionally a grammar every
/// sampled token must keep the output within (the request stops when the grammar says the value is complete), and how
/// many independent choices (<paramref name="N"/>, 1 to 16) of it, which share the prompt's KV blocks.
/// </summary>
public sealed record GenerationRequest(
    long[] Prompt,
    int MaxTokens,
    SamplingParameters Sampling,
    IReadOnlySet<long> StopTokenIds,
    IReadOnlySet<long> EosTokenIds,
    bool IgnoreEos = false,
    ITokenGrammar? Grammar = null,
    int N = 1)
{
    /// <summary>The most choices (<see cref="N"/>) one request may ask for.</summary>
    public const int MaxChoices = 16;
}
