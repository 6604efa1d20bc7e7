using System.Text;
using System.Text.Json;

namespace Hunyuan.Engine.StructuredOutput;

/// <summary>
/// Reads a request's structured-output fields: OpenAI's <c>response_format</c> (<c>text</c>, <c>json_object</c>: any
/// JSON object, <c>json_schema</c>: <c>{name, description?, schema, strict?}</c>) and vLLM's <c>guided_json</c> (a schema,
/// or a string holding one) and <c>guided_choice</c> (strings; the output is exactly one of them, as raw text). At most
/// one of them may ask for structure. Anything wrong throws <see cref="InvalidSchemaException"/> naming the field.
/// </summary>
public static class StructuredOutputRequest
{
    /// <summary>The compiled definition, or null when the request asks for no structure (fields as raw JSON).</summary>
    public static GrammarDefinition? Parse(JsonElement? responseFormat, JsonElement? guidedJson, JsonElement? guidedChoice, GrammarLimits? limits = null) =>
        FromFields(Present(responseFormat) ? ReadResponseFormat(responseFormat!.Value) : null,
            Present(guidedJson) ? guidedJson : null,
            Present(guidedChoice) ? ReadChoices(guidedChoice!.Value) : null,
            limits);

    /// <summary>The same from an endpoint's typed fields: response_format already read, guided_choice as strings.</summary>
    public static GrammarDefinition? FromFields(ResponseFormatFields? responseFormat, JsonElement? guidedJson, IReadOnlyList<string>? guidedChoice, GrammarLimits? limits = null)
    {
        var found = new List<(string Field, GrammarDefinition Definition)>();
        if (responseFormat is not null && ResponseFormat(responseFormat, limits) is { } fromFormat)
        {
            found.Add(("response_format", fromFormat));
        }

        if (Present(guidedJson))
        {
            found.Add(("guided_json", GuidedJson(guidedJson!.Value, limits)));
        }

        if (guidedChoice is not null)
        {
            found.Add(("guided_choice", GuidedChoice(guidedChoice)));
        }

        return found.Count switch
        {
            0 => null,
            1 => found[0].Definition,
            _ => throw new InvalidSchemaException(found[1].Field, string.Empty, null,
                $"only one of response_format (json_object or json_schema), guided_json and guided_choice may be given; this request has {string.Join(" and ", found.Select(f => f.Field))}"),
        };
    }

    private static bool Present(JsonElement? e) => e is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null };

    private static ResponseFormatFields ReadResponseFormat(JsonElement format)
    {
        const string Field = "response_format";
        if (format.ValueKind != JsonValueKind.Object || !format.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
        {
            throw new InvalidSchemaException(Field, string.Empty, "type", "must be an object with a string type");
        }

        if (!format.TryGetProperty("json_schema", out var js) || js.ValueKind == JsonValueKind.Null)
        {
            return new ResponseFormatFields(type.GetString(), null, null, null);
        }

        const string Inner = Field + ".json_schema";
        if (js.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidSchemaException(Inner, string.Empty, null, "must be an object with name and schema");
        }

        string? name = null;
        JsonElement? schema = null;
        foreach (var p in js.EnumerateObject())
        {
            var ok = p.Name switch
            {
                "name" => p.Value.ValueKind == JsonValueKind.String,
                "description" => p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Null,
                "strict" => p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null,
                "schema" => true,
                _ => throw new InvalidSchemaException($"{Inner}.{p.Name}", string.Empty, null, "unknown field"),
            };
            if (!ok)
            {
                throw new InvalidSchemaException($"{Inner}.{p.Name}", string.Empty, null, "has the wrong type");
            }

            name = p.Name == "name" ? p.Value.GetString() : name;
            schema = p.Name == "schema" ? p.Value : schema;
        }

        return new ResponseFormatFields(type.GetString(), true, name, schema);
    }

    private static string[] ReadChoices(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(v => v.ValueKind == JsonValueKind.String)
            ? [.. value.EnumerateArray().Select(v => v.GetString()!)]
            : throw new InvalidSchemaException("guided_choice", string.Empty, null, "must be a non-empty array of strings");

    private static GrammarDefinition? ResponseFormat(ResponseFormatFields format, GrammarLimits? limits)
    {
        const string Field = "response_format";
        switch (format.Type)
        {
            case null or "text":
                return null;
            case "json_object":
                return new GrammarDefinition(JsonSchemaCompiler.AnyObject, "json_object");
            case "json_schema":
                break;
            default:
                throw new InvalidSchemaException(Field + ".type", string.Empty, null, $"'{format.Type}' is not one of text, json_object, json_schema");
        }

        const string Inner = Field + ".json_schema";
        if (format.HasJsonSchema != true)
        {
            throw new InvalidSchemaException(Inner, string.Empty, null, "required: an object with name and schema");
        }

        if (format.Name is not { Length: > 0 and <= 64 })
        {
            throw new InvalidSchemaException(Inner + ".name", string.Empty, null, "required: a string of 1 to 64 characters");
        }

        if (!Present(format.Schema))
        {
            throw new InvalidSchemaException(Inner + ".schema", string.Empty, null, "required");
        }

        return Schema(format.Schema!.Value, Inner + ".schema", limits);
    }

    private static GrammarDefinition GuidedJson(JsonElement value, GrammarLimits? limits)
    {
        const string Field = "guided_json";
        if (value.ValueKind != JsonValueKind.String)
        {
            return Schema(value, Field, limits);
        }

        try
        {
            using var doc = JsonDocument.Parse(value.GetString()!);
            return Schema(doc.RootElement, Field, limits);
        }
        catch (JsonException ex)
        {
            throw new InvalidSchemaException(Field, string.Empty, null, $"a string that is not JSON ({ex.Message})");
        }
    }

    private static GrammarDefinition Schema(JsonElement schema, string field, GrammarLimits? limits) =>
        new(JsonSchemaCompiler.Compile(schema, field, limits), "json_schema\n" + schema.GetRawText());

    private static GrammarDefinition GuidedChoice(IReadOnlyList<string> values)
    {
        if (values.Count == 0 || values.Any(v => v is null))
        {
            throw new InvalidSchemaException("guided_choice", string.Empty, null, "must be a non-empty array of strings");
        }

        var choices = values.Distinct(StringComparer.Ordinal).ToList();
        return new GrammarDefinition(new LiteralNode([.. choices.Select(Encoding.UTF8.GetBytes)]), "guided_choice\n" + JsonSerializer.Serialize(choices));
    }
}
