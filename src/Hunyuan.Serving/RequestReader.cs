using System.Globalization;
using System.Text.Json;

namespace Hunyuan.Serving;

/// <summary>Typed reads of an OpenAI request body; a wrong type is a 400 naming the field. Unknown fields are ignored.</summary>
internal sealed class RequestReader(JsonElement root)
{
    public JsonElement Root { get; } = root;

    public static RequestReader Parse(byte[] body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException ex)
        {
            throw ApiException.BadRequest($"the body is not valid JSON: {ex.Message}");
        }

        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            throw ApiException.BadRequest("the body must be a JSON object");
        }

        return new RequestReader(doc.RootElement.Clone());
    }

    public bool Has(string field) => Root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null;

    public JsonElement? Get(string field) => Root.TryGetProperty(field, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public string? String(string field) => Get(field) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } v => v.GetString(),
        _ => throw ApiException.BadRequest($"'{field}' must be a string", field),
    };

    public double? Number(string field, double min = double.MinValue, double max = double.MaxValue)
    {
        if (Get(field) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Number)
        {
            throw ApiException.BadRequest($"'{field}' must be a number", field);
        }

        var d = v.GetDouble();
        if (d < min || d > max || double.IsNaN(d))
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'{field}' must be between {min} and {max}, got {d}"), field);
        }

        return d;
    }

    public long? Integer(string field, long min = long.MinValue, long max = long.MaxValue)
    {
        if (Get(field) is not { } v)
        {
            return null;
        }

        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n))
        {
            throw ApiException.BadRequest($"'{field}' must be an integer", field);
        }

        if (n < min || n > max)
        {
            throw ApiException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"'{field}' must be between {min} and {max}, got {n}"), field);
        }

        return n;
    }

    public bool? Bool(string field) => Get(field) switch
    {
        null => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw ApiException.BadRequest($"'{field}' must be true or false", field),
    };

    public long[] IntegerArray(string field)
    {
        if (Get(field) is not { } v)
        {
            return [];
        }

        if (v.ValueKind != JsonValueKind.Array)
        {
            throw ApiException.BadRequest($"'{field}' must be an array of integers", field);
        }

        return v.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var n)
            ? n
            : throw ApiException.BadRequest($"'{field}[{i}]' must be an integer", field)).ToArray();
    }

    /// <summary>"stop": a string or an array of strings.</summary>
    public string[] Strings(string field) => Get(field) switch
    {
        null => [],
        { ValueKind: JsonValueKind.String } v => [v.GetString()!],
        { ValueKind: JsonValueKind.Array } v => v.EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw ApiException.BadRequest($"'{field}[{i}]' must be a string", field)).ToArray(),
        _ => throw ApiException.BadRequest($"'{field}' must be a string or an array of strings", field),
    };
}
