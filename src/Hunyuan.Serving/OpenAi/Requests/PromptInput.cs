namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>A completion prompt: text, or token ids (one prompt per request).</summary>
public sealed record PromptInput(string? Text, long[]? Ids)
{
    public int Characters => Text?.Length ?? 0;
}
