namespace Hunyuan.Engine.Scheduling;

/// <summary>A new token (Token >= 0), then, last, the finish (Finish set; Error names a failure).</summary>
public sealed record GenerationEvent(long Token, FinishReason? Finish = null, string? Error = null);
