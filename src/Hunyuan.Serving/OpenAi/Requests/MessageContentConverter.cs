using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>A message's content: a string, or an array of {"type": "text", "text": ...} parts read as their concatenation.</summary>
public sealed class MessageContentConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString()!;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("must be a string or an array of text parts");
        }

        using var parts = JsonDocument.ParseValue(ref reader);
        var text = new StringBuilder();
        var i = 0;
        foreach (var part in parts.RootElement.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || type.GetString() != "text"
                || !part.TryGetProperty("text", out var t) || t.ValueKind != JsonValueKind.String)
            {
                throw new JsonException($"part {i}: only text parts ({{\"type\": \"text\", \"text\": ...}}) are supported");
            }

            text.Append(t.GetString());
            i++;
        }

        return text.ToString();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
