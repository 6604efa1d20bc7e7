using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Serving.OpenAi.Responses;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>
/// Chat completions: "chat.completion" with a message, chunks "chat.completion.chunk" with deltas; logprobs (when asked
/// for) as choices[].logprobs.content.
/// </summary>
internal sealed class ChatShape(string model, long created, LogprobsFormatter? logprobs = null) : IResponseShape
{
    public string Id { get; } = "chatcmpl-" + Guid.NewGuid().ToString("N")[..24];

    public byte[]? Opening(int index, UsageInfo? usage) => Serialize(ChunkChoice(index, "assistant", "", null), usage);

    public byte[] Chunk(int index, string text, string? finish, UsageInfo? usage, IReadOnlyList<GenerationEvent>? tokens = null) =>
        Serialize(ChunkChoice(index, null, finish is null ? text : NullIfEmpty(text), finish) with { Logprobs = Logprobs(tokens) }, usage);

    public byte[] UsageChunk(UsageInfo usage) =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionChunk(Id, "chat.completion.chunk", created, model, [], usage), OpenAiJson.Default.ChatCompletionChunk);

    public byte[] Response(IReadOnlyList<FinishedChoice> choices, UsageInfo usage) =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionResponse(Id, "chat.completion", created, model, choices.Select(Choice).ToArray(), usage), OpenAiJson.Default.ChatCompletionResponse);

    private ChatChoice Choice(FinishedChoice c) => new(c.Index, new ChatMessageOutput("assistant", c.Text), Logprobs(c.Tokens), c.Finish);

    private ChatLogprobs? Logprobs(IReadOnlyList<GenerationEvent>? tokens) => tokens is null || logprobs is null ? null : logprobs.Chat(tokens);

    private static ChatChunkChoice ChunkChoice(int index, string? role, string? text, string? finish) => new(index, new ChatDelta(role, text), null, finish);

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    private byte[] Serialize(ChatChunkChoice choice, UsageInfo? usage) =>
        JsonSerializer.SerializeToUtf8Bytes(new ChatCompletionChunk(Id, "chat.completion.chunk", created, model, [choice], usage), OpenAiJson.Default.ChatCompletionChunk);
}
