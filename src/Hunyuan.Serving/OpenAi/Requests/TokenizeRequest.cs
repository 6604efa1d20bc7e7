using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>POST /tokenize (vLLM's): a prompt, or messages rendered by the chat template.</summary>
public sealed record TokenizeRequest
{
    public string? Model { get; init; }

    [JsonConverter(typeof(PromptInputConverter))]
    public PromptInput? Prompt { get; init; }

    public IReadOnlyList<ChatMessageInput>? Messages { get; init; }
}

/// <summary>POST /detokenize (vLLM's).</summary>
public sealed record DetokenizeRequest
{
    public string? Model { get; init; }

    public long[]? Tokens { get; init; }
}
