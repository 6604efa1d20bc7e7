using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// A new token (Token >= 0) of choice <paramref name="Index"/>, with its logprobs when the request asked for them, then,
/// last for that choice, its finish (Finish set; Error names a failure). The finish also says how many of the prompt's
/// tokens came from the prefix cache instead of being computed (for choices after the first, that includes the prompt
/// blocks they share with the first).
/// </summary>
public sealed record GenerationEvent(long Token, FinishReason? Finish = null, string? Error = null, TokenLogprobs? Logprobs = null, int Index = 0, int CachedTokens = 0);
