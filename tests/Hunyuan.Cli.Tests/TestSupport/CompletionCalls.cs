using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Hunyuan.Cli.Tests.TestSupport;

/// <summary>
/// Raw HTTP to an endpoint's /v1/completions with a prompt of token ids, greedy and ignoring EOS, the generated ids
/// named by vLLM's return_tokens_as_token_ids: for checks on status codes, headers and the server-sent event stream
/// that an SDK hides.
/// </summary>
public static class CompletionCalls
{
    public static string Body(long[] prompt, int maxTokens, bool stream) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["model"] = PipelinedLocalCluster.Deployment,
        ["prompt"] = prompt,
        ["max_tokens"] = maxTokens,
        ["temperature"] = 0,
        ["ignore_eos"] = true,
        ["logprobs"] = 0,
        ["return_tokens_as_token_ids"] = true,
        ["stream"] = stream,
    });

    public static HttpRequestMessage Request(Uri v1, long[] prompt, int maxTokens, bool stream) =>
        new(HttpMethod.Post, new Uri(v1 + "/completions")) { Content = new StringContent(Body(prompt, maxTokens, stream), Encoding.UTF8, "application/json") };

    /// <summary>One non-streamed completion: its status, headers and body (JSON or not).</summary>
    public static async Task<Answer> CompleteAsync(HttpClient http, Uri v1, long[] prompt, int maxTokens)
    {
        using var request = Request(v1, prompt, maxTokens, stream: false);
        using var response = await http.SendAsync(request);
        return new Answer(response.StatusCode, response.Headers.RetryAfter, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The ids a completion's logprobs name ("token_id:N").</summary>
    public static long[] Ids(JsonElement logprobs) =>
        logprobs.GetProperty("tokens").EnumerateArray().Select(t => long.Parse(t.GetString()!.AsSpan("token_id:".Length), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    public sealed record Answer(HttpStatusCode Status, RetryConditionHeaderValue? RetryAfter, string Body)
    {
        public JsonElement Json() => JsonDocument.Parse(Body).RootElement;

        public long[] Ids() => CompletionCalls.Ids(Json().GetProperty("choices")[0].GetProperty("logprobs"));

        /// <summary>OpenAI's error shape: {"error": {"message", "type", ...}}; null when the body is not one.</summary>
        public string? ErrorMessage()
        {
            try
            {
                return Json().TryGetProperty("error", out var e) && e.TryGetProperty("type", out _) ? e.GetProperty("message").GetString() : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        public override string ToString() => $"{(int)Status} (Retry-After {RetryAfter?.ToString() ?? "none"}): {Body}";
    }
}
