namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>One choice's whole answer: its text and why it ended ("stop" or "length").</summary>
internal sealed record FinishedChoice(int Index, string Text, string Finish);
