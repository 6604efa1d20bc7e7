using Hunyuan.Engine.Scheduling;
using Hunyuan.Serving.OpenAi.Responses;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>
/// How one route's answers look: the one place choices are built, for the whole response and for every SSE chunk.
/// Each method returns the serialized JSON.
/// </summary>
internal interface IResponseShape
{
    /// <summary>The request's id (chatcmpl-... or cmpl-...).</summary>
    string Id { get; }

    /// <summary>The chunk sent before any text (chat's role), or null when the route has none.</summary>
    byte[]? Opening(int index, UsageInfo? usage);

    /// <summary>
    /// A chunk with new text for a choice, or its finish (text empty, finish set); <paramref name="tokens"/> are the
    /// tokens since the last chunk when the request asked for logprobs, else null.
    /// </summary>
    byte[] Chunk(int index, string text, string? finish, UsageInfo? usage, IReadOnlyList<GenerationEvent>? tokens = null);

    /// <summary>The last chunk of a stream that asked for usage: no choices.</summary>
    byte[] UsageChunk(UsageInfo usage);

    /// <summary>The whole answer of a request that did not stream.</summary>
    byte[] Response(IReadOnlyList<FinishedChoice> choices, UsageInfo usage);
}
