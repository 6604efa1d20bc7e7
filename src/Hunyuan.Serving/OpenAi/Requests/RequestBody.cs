using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;

namespace Hunyuan.Serving.OpenAi.Requests;

/// <summary>Reads a JSON body into its typed request; a body that does not fit is a 400 naming the field where there is one.</summary>
internal static class RequestBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        T? value;
        try
        {
            // Kestrel's MaxRequestBodySize applies while this reads: an oversized body fails here with 413, unbuffered.
            value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
        }
        catch (JsonException e)
        {
            throw Invalid(e);
        }

        return value ?? throw ApiException.BadRequest("the body must be a JSON object");
    }

    /// <summary>The top-level field a JSON path points into ("$.messages[0].content" is "messages"), or null for the body itself.</summary>
    public static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal) || path.Length < 3)
        {
            return null;
        }

        var rest = path[2..];
        var end = rest.IndexOfAny(['.', '[']);
        return end < 0 ? rest : rest[..end];
    }

    private static ApiException Invalid(JsonException e)
    {
        // Path names where the reader was; its message says what went wrong (a wrong type, a number out of range,
        // text that is not JSON, a lone surrogate escape).
        var field = FieldOf(e.Path);
        return field is null
            ? ApiException.BadRequest($"the body is not valid JSON for this request: {e.Message}")
            : ApiException.BadRequest($"'{e.Path![2..]}' is invalid: {e.Message}", field);
    }
}
