using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving.Tests;

/// <summary>Raw HTTP: completions, tokenize, the seed's openapi.sh body, every error status, metrics and cancellation.</summary>
public sealed partial class HttpSurfaceTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private static readonly int[] SeedStopIds = [127960];

    private HttpClient Http => served.Http;

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(string path, string json, HttpClient? client = null)
    {
        using var response = await (client ?? Http).PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task TheSeedsOpenapiShBodyWorksWithTheModelPathAsModel()
    {
        var body = JsonSerializer.Serialize(new
        {
            model = served.ModelDirectory,
            messages = new object[]
            {
                new { role = "system", content = "You are a helpful assistant." },
                new { role = "user", content = "请按面积大小对四大洋进行排序，并给出面积最小的洋是哪一个？直接输出结果。" },
            },
            max_tokens = 16, temperature = 0.7, top_p = 0.6, top_k = 20, repetition_penalty = 1.05, stop_token_ids = SeedStopIds,
        });
        var (status, json) = await Post("/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("chat.completion", json.GetProperty("object").GetString());
        Assert.Equal("assistant", json.GetProperty("choices")[0].GetProperty("message").GetProperty("role").GetString());
        Assert.True(json.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() > 30);
    }

    [Fact]
    public async Task TextCompletionsWithAStringOrTokenIds()
    {
        var (s1, j1) = await Post("/v1/completions", """{"model": "tiny", "prompt": "the cat", "max_tokens": 5, "temperature": 0, "unknown_field": {"is": "ignored"}}""");
        Assert.Equal(HttpStatusCode.OK, s1);
        Assert.Equal("text_completion", j1.GetProperty("object").GetString());
        Assert.Equal("length", j1.GetProperty("choices")[0].GetProperty("finish_reason").GetString());

        var (s2, j2) = await Post("/v1/completions", """{"model": "tiny", "prompt": [1, 2, 3], "max_tokens": 3, "temperature": 0, "ignore_eos": true}""");
        Assert.Equal(HttpStatusCode.OK, s2);
        Assert.Equal(3, j2.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task CompletionStreamingEndsWithDone()
    {
        using var response = await Http.PostAsync("/v1/completions", new StringContent("""{"model": "tiny", "prompt": "a", "max_tokens": 4, "stream": true, "ignore_eos": true}""", Encoding.UTF8, "application/json"));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.Contains(events, e => e.Contains("\"finish_reason\":\"length\"", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TokenizeAndDetokenize()
    {
        var (s, j) = await Post("/tokenize", """{"model": "tiny", "prompt": "the dog and the hat"}""");
        Assert.Equal(HttpStatusCode.OK, s);
        var ids = j.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (_, back) = await Post("/detokenize", JsonSerializer.Serialize(new { model = "tiny", tokens = ids }));
        Assert.Equal("the dog and the hat", back.GetProperty("prompt").GetString());

        var (_, chat) = await Post("/tokenize", """{"messages": [{"role": "user", "content": "Hi"}]}""");
        var tok = HunyuanTokenizer.Load(served.ModelDirectory);
        Assert.Equal(ChatTemplate.Encode(tok, [new ChatMessage("user", "Hi")]), chat.GetProperty("tokens").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Theory]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "temperature": "hot"}""", "temperature")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "n": 17}""", "n")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "n": 0}""", "n")]
    [InlineData("""{"model": "tiny", "prompt": "x", "n": 2, "best_of": 3}""", "best_of")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 30}""", "top_logprobs")]
    [InlineData("""{"model": "tiny", "messages": "hello"}""", "messages")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "robot", "content": "x"}]}""", "messages")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "max_tokens": 100000}""", "max_tokens")]
    [InlineData("""{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "top_p": 0}""", "top_p")]
    [InlineData("""{"model": "tiny", "prompt": [1, 99999]}""", "prompt")]
    public async Task BadFieldsAre400sThatNameTheField(string body, string field)
    {
        var path = body.Contains("\"prompt\"", StringComparison.Ordinal) ? "/v1/completions" : "/v1/chat/completions";
        var (status, json) = await Post(path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, json.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task NotJsonIsA400()
    {
        var (status, json) = await Post("/v1/chat/completions", "{ not json");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("not valid JSON", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownModelIsA404()
    {
        var (status, json) = await Post("/v1/chat/completions", """{"model": "${MODEL_PATH}", "messages": [{"role": "user", "content": "x"}]}""");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("model_not_found", json.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task APromptLongerThanTheContextIsA400()
    {
        var (status, json) = await Post("/v1/completions", JsonSerializer.Serialize(new { model = "tiny", prompt = string.Join(" the", Enumerable.Repeat("", 300)) }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("context", json.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsCountTokensAndBlocksReturnAfterACancelledStream()
    {
        using (var cts = new CancellationTokenSource())
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"model": "tiny", "messages": [{"role": "user", "content": "go on"}], "max_tokens": 200, "stream": true, "ignore_eos": true}""", Encoding.UTF8, "application/json") })
        {
            using var response = await Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cts.Token);
            using var stream = await response.Content.ReadAsStreamAsync(cts.Token);
            var buffer = new byte[256];
            _ = await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: true, cts.Token);    // a first event arrived: the request is running
            await cts.CancelAsync();
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        string metrics;
        do
        {
            await Task.Delay(100);
            metrics = await Http.GetStringAsync("/metrics");
        }
        while (!(metrics.Contains("hyc_kv_blocks_used{model_name=\"tiny\"} 0\n", StringComparison.Ordinal) && AbortCounted().IsMatch(metrics)) && DateTime.UtcNow < deadline);

        Assert.Contains("hyc_kv_blocks_used{model_name=\"tiny\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("vllm_num_requests_running{model_name=\"tiny\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Contains("vllm_kv_cache_usage_perc{model_name=\"tiny\"} 0\n", metrics, StringComparison.Ordinal);
        Assert.Matches(@"vllm_generation_tokens_total\{model_name=""tiny""\} [1-9]", metrics);
        Assert.Matches(AbortCounted(), metrics);
        Assert.Matches(@"vllm_time_to_first_token_seconds_bucket\{(?=[^}]*model_name=""tiny"")[^}]*le=""[0-9.]+""[^}]*\} [1-9]", metrics);
        Assert.Matches(@"vllm_prefix_cache_queries_total\{model_name=""tiny""\} [1-9]", metrics);
        Assert.Matches(@"vllm_prefix_cache_hits_total\{model_name=""tiny""\} [0-9]", metrics);
        Assert.Matches(@"hyc_prefix_cache_hit_rate\{model_name=""tiny""\} [0-9]", metrics);

        // The .NET meters of the process go out beside them (ASP.NET Core's request duration, for one).
        Assert.Contains("http_server_request_duration", metrics, StringComparison.Ordinal);
    }

    // The scheduler releases a request's blocks before it counts it finished: wait for both. The tiny model may reach
    // max_tokens before the cancel lands, so the reason is abort or length; either is counted under its label.
    [System.Text.RegularExpressions.GeneratedRegex(@"vllm_request_success_total\{(?=[^}]*model_name=""tiny"")[^}]*finished_reason=""(abort|length)""[^}]*\} [1-9]")]
    private static partial System.Text.RegularExpressions.Regex AbortCounted();
}
