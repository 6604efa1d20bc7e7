using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>POST /v1/completions.</summary>
public sealed record CompletionRequest : GenerationRequestBody
{
    [JsonConverter(typeof(PromptInputConverter))]
    public PromptInput? Prompt { get; init; }

    /// <summary>Top log-probabilities per token (0-20).</summary>
    public int? Logprobs { get; init; }
}
