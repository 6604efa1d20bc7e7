using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Responses;

public sealed record UsageInfo(
    int PromptTokens,
    int CompletionTokens,
    int TotalTokens,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] PromptTokensDetails? PromptTokensDetails = null)
{
    public static UsageInfo Of(int prompt, int completion, PromptTokensDetails? details = null) => new(prompt, completion, prompt + completion, details);
}

/// <summary>OpenAI's usage.prompt_tokens_details: how many prompt tokens came from the prefix cache.</summary>
public sealed record PromptTokensDetails(int CachedTokens);
