using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Hunyuan.Serving.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>
/// n choices (issue 16 item 2) and usage.prompt_tokens_details.cached_tokens (item 4) over HTTP: raw HTTP for n (the
/// OpenAI .NET SDK has no n), the SDK for the cached tokens it reads.
/// </summary>
public sealed class ChoicesAndCachedTokensTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private HttpClient Http => served.Http;

    private ChatClient Chat => served.Chat;

    /// <summary>Token ids no other test sends: a fresh prefix, so the first request with it finds nothing cached.</summary>
    private static string FreshIds(int count)
    {
        var random = new Random(Guid.NewGuid().GetHashCode());
        return string.Join(", ", Enumerable.Range(0, count).Select(_ => random.Next(10, 500)));
    }

    private static string[] Texts(JsonElement body) =>
        body.GetProperty("choices").EnumerateArray().OrderBy(c => c.GetProperty("index").GetInt32()).Select(c => c.GetProperty("text").GetString()!).ToArray();

    [Fact]
    public async Task SeededChoicesAreIndexedReproducibleAndCountedInUsage()
    {
        var body = """{"prompt": "once upon a time", "n": 3, "max_tokens": 4, "ignore_eos": true, "temperature": 1.0, "seed": 4242}""";
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions", body);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([0, 1, 2], json.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("index").GetInt32()));
        Assert.All(json.GetProperty("choices").EnumerateArray(), c => Assert.Equal("length", c.GetProperty("finish_reason").GetString()));
        var usage = json.GetProperty("usage");
        Assert.Equal(3 * 4, usage.GetProperty("completion_tokens").GetInt32());
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt32() + 12, usage.GetProperty("total_tokens").GetInt32());

        var texts = Texts(json);
        Assert.True(texts.Distinct().Count() > 1, $"independent samples should not all agree: {string.Join(" | ", texts)}");
        var (_, again, _) = await JsonHttp.PostAsync(Http, "/v1/completions", body);
        Assert.Equal(texts, Texts(again));

        var (_, single, _) = await JsonHttp.PostAsync(Http, "/v1/completions", body.Replace("\"n\": 3", "\"n\": 1", StringComparison.Ordinal));
        Assert.Equal(texts[0], Texts(single)[0]);
    }

    [Fact]
    public async Task StreamedChoicesCarryTheirIndexAndEachEndsOnce()
    {
        var request = """{"messages": [{"role": "user", "content": "tell me"}], "n": 2, "max_tokens": 5, "ignore_eos": true, "temperature": 1.0, "seed": 99, "stream": true, "stream_options": {"include_usage": true}}""";
        using var response = await Http.PostAsync("/v1/chat/completions", new StringContent(request, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = JsonHttp.Events(await response.Content.ReadAsStringAsync());
        var choices = events.Where(e => e.GetProperty("choices").GetArrayLength() > 0).Select(e => e.GetProperty("choices")[0]).ToList();
        Assert.Equal([0, 1], choices.Select(c => c.GetProperty("index").GetInt32()).Distinct().Order());
        foreach (var index in new[] { 0, 1 })
        {
            var mine = choices.Where(c => c.GetProperty("index").GetInt32() == index).ToList();
            Assert.Equal("assistant", mine[0].GetProperty("delta").GetProperty("role").GetString());
            Assert.Single(mine, c => c.GetProperty("finish_reason").ValueKind == JsonValueKind.String);
            Assert.Equal("length", mine[^1].GetProperty("finish_reason").GetString());
        }

        var usage = events[^1].GetProperty("usage");
        Assert.Equal(0, events[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(10, usage.GetProperty("completion_tokens").GetInt32());

        // The streamed text of each choice is the text the same request gets whole.
        var (_, whole, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", request.Replace("\"stream\": true", "\"stream\": false", StringComparison.Ordinal));
        foreach (var index in new[] { 0, 1 })
        {
            var streamed = string.Concat(choices.Where(c => c.GetProperty("index").GetInt32() == index && c.GetProperty("delta").TryGetProperty("content", out _))
                .Select(c => c.GetProperty("delta").GetProperty("content").GetString()));
            var expected = whole.GetProperty("choices").EnumerateArray().Single(c => c.GetProperty("index").GetInt32() == index).GetProperty("message").GetProperty("content").GetString();
            Assert.Equal(expected, streamed);
        }
    }

    [Fact]
    public async Task EachChoiceCarriesItsOwnLogprobs()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions", """{"prompt": "abc", "n": 2, "max_tokens": 3, "ignore_eos": true, "temperature": 1.0, "seed": 7, "logprobs": 1}""");
        Assert.Equal(HttpStatusCode.OK, status);
        foreach (var choice in json.GetProperty("choices").EnumerateArray())
        {
            var lp = choice.GetProperty("logprobs");
            Assert.Equal(3, lp.GetProperty("tokens").GetArrayLength());
            Assert.Equal(3, lp.GetProperty("top_logprobs").GetArrayLength());
            Assert.All(lp.GetProperty("token_logprobs").EnumerateArray(), v => Assert.True(v.GetDouble() <= 0));
            Assert.Equal(3, lp.GetProperty("token_logprobs").GetArrayLength());
        }
    }

    [Fact]
    public async Task ARepeatedPromptReportsItsCachedTokens()
    {
        // 41 ids in blocks of 8: the second request finds 5 full blocks (40 tokens) cached.
        var body = $$"""{"prompt": [{{FreshIds(41)}}], "max_tokens": 2, "ignore_eos": true, "temperature": 0}""";
        var (status, first, _) = await JsonHttp.PostAsync(Http, "/v1/completions", body);
        Assert.True(status == HttpStatusCode.OK, first.ToString());
        var (_, second, _) = await JsonHttp.PostAsync(Http, "/v1/completions", body);
        Assert.Equal(0, first.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(40, second.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(Texts(first), Texts(second));
    }

    [Fact]
    public async Task TheSdkReadsTheCachedTokensOfARepeatedConversation()
    {
        var system = "You are a careful assistant. " + string.Join(' ', Enumerable.Range(0, 8).Select(_ => $"rule{Guid.NewGuid():N}"[..9]));
        ChatMessage[] messages = [new SystemChatMessage(system), new UserChatMessage("hello")];
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2, Temperature = 0 };
        var cold = (await Chat.CompleteChatAsync(messages, options)).Value;
        var warm = (await Chat.CompleteChatAsync(messages, options)).Value;
        Assert.Equal(0, cold.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal((cold.Usage.InputTokenCount - 1) / 8 * 8, warm.Usage.InputTokenDetails.CachedTokenCount);
        Assert.True(warm.Usage.InputTokenDetails.CachedTokenCount > 0);
        Assert.Equal(cold.Content[0].Text, warm.Content[0].Text);
    }
}
