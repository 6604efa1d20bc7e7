using System.Net;
using System.Text;
using System.Text.Json;

namespace Hunyuan.Serving.Tests.TestSupport;

/// <summary>Raw HTTP with JSON bodies: the status and the parsed answer.</summary>
public static class JsonHttp
{
    public static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> PostAsync(HttpClient http, string path, string json)
    {
        var response = await http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        try
        {
            return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response);
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"{(int)response.StatusCode} from {path} is not JSON: {text}", e);
        }
    }

    public static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>The JSON payloads of an SSE body, without the closing [DONE].</summary>
    public static IReadOnlyList<JsonElement> Events(string sse) => sse
        .Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
        .Select(e => e["data: ".Length..])
        .Where(e => e != "[DONE]")
        .Select(e => JsonDocument.Parse(e).RootElement.Clone())
        .ToList();
}
