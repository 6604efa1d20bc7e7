using System.Text.Json;
using System.Text.Json.Serialization;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>"prompt": a string, an array of token ids, or an array holding one string.</summary>
public sealed class PromptInputConverter : JsonConverter<PromptInput>
{
    private const string Shape = "must be a string or an array of token ids (one prompt per request)";

    public override PromptInput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return new PromptInput(reader.GetString()!, null);
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException(Shape);
        }

        using var array = JsonDocument.ParseValue(ref reader);
        var items = array.RootElement.EnumerateArray().ToList();
        if (items.Count == 1 && items[0].ValueKind == JsonValueKind.String)
        {
            return new PromptInput(items[0].GetString()!, null);
        }

        if (items.Count == 0 || items.Any(e => e.ValueKind != JsonValueKind.Number))
        {
            throw new JsonException(Shape);
        }

        return new PromptInput(null, items.Select((e, i) => e.TryGetInt64(out var id) ? id : throw new JsonException($"item {i} is not an integer token id")).ToArray());
    }

    public override void Write(Utf8JsonWriter writer, PromptInput value, JsonSerializerOptions options)
    {
        if (value.Text is { } text)
        {
            writer.WriteStringValue(text);
            return;
        }

        writer.WriteStartArray();
        foreach (var id in value.Ids ?? [])
        {
            writer.WriteNumberValue(id);
        }

        writer.WriteEndArray();
    }
}
