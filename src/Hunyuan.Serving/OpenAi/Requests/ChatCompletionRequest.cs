using System.Text.Json;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>POST /v1/chat/completions.</summary>
public sealed record ChatCompletionRequest : GenerationRequestBody
{
    public IReadOnlyList<ChatMessageInput>? Messages { get; init; }

    public bool? Logprobs { get; init; }

    public int? TopLogprobs { get; init; }

    /// <summary>Refused when given: the model's chat template has no tool format.</summary>
    public JsonElement? Tools { get; init; }

    public JsonElement? ToolChoice { get; init; }
}
