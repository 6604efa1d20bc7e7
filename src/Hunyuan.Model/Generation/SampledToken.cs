namespace Hunyuan.Model.Generation;

/// <summary>One sequence's result of a step: the chosen token and, when the request asked, its log-probabilities.</summary>
public sealed record SampledToken(long Token, TokenLogprobs? Logprobs = null);
