using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>A chat completion ("object": "chat.completion").</summary>
public sealed record ChatCompletionResponse(string Id, [property: JsonPropertyName("object")] string Kind, long Created, string Model, IReadOnlyList<ChatChoice> Choices, UsageInfo Usage);

public sealed record ChatChoice(int Index, ChatMessageOutput Message, ChatLogprobs? Logprobs, string? FinishReason);

public sealed record ChatMessageOutput(string Role, string Content);
