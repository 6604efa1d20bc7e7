namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>POST /tokenize.</summary>
public sealed record TokenizeResponse(int Count, int MaxModelLen, IReadOnlyList<int> Tokens);

/// <summary>POST /detokenize.</summary>
public sealed record DetokenizeResponse(string Prompt);
