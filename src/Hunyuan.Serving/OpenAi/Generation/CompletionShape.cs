using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Serving.OpenAi.Responses;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>Text completions: "text_completion" for the whole answer and for every chunk; logprobs (when asked for) as parallel arrays.</summary>
internal sealed class CompletionShape(string model, long created, LogprobsFormatter? logprobs = null) : IResponseShape
{
    public string Id { get; } = "cmpl-" + Guid.NewGuid().ToString("N")[..24];

    public byte[]? Opening(int index, UsageInfo? usage) => null;

    public byte[] Chunk(int index, string text, string? finish, UsageInfo? usage, IReadOnlyList<GenerationEvent>? tokens = null) =>
        Serialize([Choice(index, text, finish, tokens)], usage);

    public byte[] UsageChunk(UsageInfo usage) => Serialize([], usage);

    public byte[] Response(IReadOnlyList<FinishedChoice> choices, UsageInfo usage) => Serialize(choices.Select(c => Choice(c.Index, c.Text, c.Finish, c.Tokens)).ToArray(), usage);

    private CompletionChoice Choice(int index, string text, string? finish, IReadOnlyList<GenerationEvent>? tokens) =>
        new(index, text, tokens is null || logprobs is null ? null : logprobs.Completion(index, tokens), finish);

    private byte[] Serialize(IReadOnlyList<CompletionChoice> choices, UsageInfo? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(new CompletionResponse(Id, "text_completion", created, model, choices, usage), OpenAiJson.Default.CompletionResponse);
}
