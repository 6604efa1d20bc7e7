using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>
/// The fields chat and text completions share (OpenAI's names plus vLLM's extensions). Every field is optional so a
/// missing one and an explicit null mean the same; GenerationPlanner checks ranges and turns them into a request.
/// </summary>
public abstract record GenerationRequestBody
{
    public string? Model { get; init; }

    public int? MaxTokens { get; init; }

    /// <summary>OpenAI's newer name for max_tokens; wins when both are given.</summary>
    public int? MaxCompletionTokens { get; init; }

    public double? Temperature { get; init; }

    public double? TopP { get; init; }

    public int? TopK { get; init; }

    public double? MinP { get; init; }

    public double? RepetitionPenalty { get; init; }

    public double? PresencePenalty { get; init; }

    public double? FrequencyPenalty { get; init; }

    public long? Seed { get; init; }

    /// <summary>A string or an array of strings.</summary>
    [JsonConverter(typeof(StopListConverter))]
    public string[]? Stop { get; init; }

    public long[]? StopTokenIds { get; init; }

    public bool? IgnoreEos { get; init; }

    public bool? Stream { get; init; }

    public StreamOptions? StreamOptions { get; init; }

    /// <summary>Choices per prompt.</summary>
    public int? N { get; init; }

    public int? BestOf { get; init; }

    /// <summary>Accepted and ignored (OpenAI uses it for abuse monitoring).</summary>
    public string? User { get; init; }

    public ResponseFormat? ResponseFormat { get; init; }

    /// <summary>vLLM's guided decoding by JSON schema.</summary>
    public System.Text.Json.JsonElement? GuidedJson { get; init; }

    /// <summary>vLLM's: logprobs name each token "token_id:N" instead of by its text.</summary>
    public bool? ReturnTokensAsTokenIds { get; init; }

    /// <summary>vLLM's guided decoding: the output is one of these strings.</summary>
    public string[]? GuidedChoice { get; init; }
}
