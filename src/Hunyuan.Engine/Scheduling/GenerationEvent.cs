using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// A new token (Token >= 0) with its logprobs when the request asked for them, then, last, the finish (Finish set;
/// Error names a failure).
/// </summary>
public sealed record GenerationEvent(long Token, FinishReason? Finish = null, string? Error = null, TokenLogprobs? Logprobs = null);
