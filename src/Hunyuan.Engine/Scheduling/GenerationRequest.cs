using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// One generation: prompt ids, how many new tokens at most, how to sample, when to stop, and optionally a grammar
/// every sampled token must keep the output within (the request stops when the grammar says the value is complete).
/// </summary>
public sealed record GenerationRequest(
    long[] Prompt,
    int MaxTokens,
    SamplingParameters Sampling,
    IReadOnlySet<long> StopTokenIds,
    IReadOnlySet<long> EosTokenIds,
    bool IgnoreEos = false,
    ITokenGrammar? Grammar = null);
