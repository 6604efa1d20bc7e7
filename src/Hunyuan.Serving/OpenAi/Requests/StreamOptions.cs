namespace Hunyuan.Serving.OpenAi.Requests;

public sealed record StreamOptions
{
    /// <summary>A last chunk with no choices and the request's usage.</summary>
    public bool? IncludeUsage { get; init; }

    /// <summary>vLLM's: usage so far in every chunk.</summary>
    public bool? ContinuousUsageStats { get; init; }
}
