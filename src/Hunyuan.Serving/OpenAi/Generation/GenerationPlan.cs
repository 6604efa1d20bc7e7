using Hunyuan.Engine.Scheduling;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>A checked request, ready for the scheduler, and how its answer is to be shaped.</summary>
/// <param name="Request">What the scheduler runs.</param>
/// <param name="StopStrings">Stop strings, cut from the text (the scheduler stops on ids only).</param>
/// <param name="Stream">Answer as server-sent events.</param>
/// <param name="IncludeUsage">stream_options.include_usage: a last chunk with the usage.</param>
/// <param name="ContinuousUsage">stream_options.continuous_usage_stats: usage so far in every chunk.</param>
/// <param name="PromptField">The field the prompt came from ("messages" or "prompt"), named by errors about it.</param>
internal sealed record GenerationPlan(GenerationRequest Request, IReadOnlyList<string> StopStrings, bool Stream, bool IncludeUsage, bool ContinuousUsage, string PromptField);
