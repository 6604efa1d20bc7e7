using System.Text.Json;
using Hunyuan.Serving.OpenAi.Responses;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>Text completions: "text_completion" for the whole answer and for every chunk.</summary>
internal sealed class CompletionShape(string model, long created) : IResponseShape
{
    public string Id { get; } = "cmpl-" + Guid.NewGuid().ToString("N")[..24];

    public byte[]? Opening(int index, UsageInfo? usage) => null;

    public byte[] Chunk(int index, string text, string? finish, UsageInfo? usage) => Serialize([Choice(index, text, finish)], usage);

    public byte[] UsageChunk(UsageInfo usage) => Serialize([], usage);

    public byte[] Response(IReadOnlyList<FinishedChoice> choices, UsageInfo usage) => Serialize(choices.Select(c => Choice(c.Index, c.Text, c.Finish)).ToArray(), usage);

    private static CompletionChoice Choice(int index, string text, string? finish) => new(index, text, null, finish);

    private byte[] Serialize(IReadOnlyList<CompletionChoice> choices, UsageInfo? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(new CompletionResponse(Id, "text_completion", created, model, choices, usage), OpenAiJson.Default.CompletionResponse);
}
