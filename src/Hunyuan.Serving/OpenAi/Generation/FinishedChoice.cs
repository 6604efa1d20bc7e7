using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>One choice's whole answer: its text, why it ended ("stop" or "length"), and its tokens when logprobs were asked for.</summary>
internal sealed record FinishedChoice(int Index, string Text, string Finish, IReadOnlyList<GenerationEvent>? Tokens = null);
