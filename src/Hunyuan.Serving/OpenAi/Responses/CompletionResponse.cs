using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Responses;

/// <summary>A text completion, and each SSE event of a streamed one ("object": "text_completion"; usage left out of chunks unless asked for).</summary>
public sealed record CompletionResponse(
    string Id,
    [property: JsonPropertyName("object")] string Kind,
    long Created,
    string Model,
    IReadOnlyList<CompletionChoice> Choices,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] UsageInfo? Usage);

public sealed record CompletionChoice(int Index, string Text, CompletionLogprobs? Logprobs, string? FinishReason);
