namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>Chat's choices[].logprobs: one entry per generated token.</summary>
public sealed record ChatLogprobs(IReadOnlyList<ChatTokenLogprob> Content);

public sealed record ChatTokenLogprob(string Token, double Logprob, IReadOnlyList<int>? Bytes, IReadOnlyList<ChatTopLogprob> TopLogprobs);

public sealed record ChatTopLogprob(string Token, double Logprob, IReadOnlyList<int>? Bytes);

/// <summary>Completions' choices[].logprobs: parallel arrays, one entry per generated token.</summary>
public sealed record CompletionLogprobs(
    IReadOnlyList<string> Tokens,
    IReadOnlyList<double?> TokenLogprobs,
    IReadOnlyList<IReadOnlyDictionary<string, double>?> TopLogprobs,
    IReadOnlyList<int> TextOffset);
