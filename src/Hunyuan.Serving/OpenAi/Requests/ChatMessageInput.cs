using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>One message of a conversation; content is a string or an array of text parts, joined.</summary>
public sealed record ChatMessageInput
{
    public string? Role { get; init; }

    [JsonConverter(typeof(MessageContentConverter))]
    public string? Content { get; init; }

    /// <summary>Accepted and ignored: the chat template has no place for it.</summary>
    public string? Name { get; init; }
}
