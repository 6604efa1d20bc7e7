using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Hunyuan.Serving.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>
/// logprobs over HTTP (issue 16 item 1): chat's logprobs/top_logprobs through the official SDK, completions' logprobs
/// by raw HTTP, streamed and not, and the bounds refused with a 400 naming the field. The values themselves are checked
/// against `hyc model run --logits-out` in the CLI's tests.
/// </summary>
public sealed class LogprobsTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private HttpClient Http => served.Http;

    private ChatClient Chat => served.Chat;

    [Fact]
    public async Task ChatThroughTheSdkGivesEveryTokenItsLogprobWithTheGreedyChoiceFirst()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0, IncludeLogProbabilities = true, TopLogProbabilityCount = 4 };
        var completion = (await Chat.CompleteChatAsync([new UserChatMessage("logprobs please")], options)).Value;

        Assert.Equal(completion.Usage.OutputTokenCount, completion.ContentTokenLogProbabilities.Count);
        foreach (var token in completion.ContentTokenLogProbabilities)
        {
            Assert.Equal(4, token.TopLogProbabilities.Count);
            Assert.Equal(token.Token, token.TopLogProbabilities[0].Token);
            Assert.Equal(token.LogProbability, token.TopLogProbabilities[0].LogProbability);
            Assert.True(token.LogProbability <= 0);
            Assert.Equal(token.TopLogProbabilities.Select(t => t.LogProbability).OrderDescending(), token.TopLogProbabilities.Select(t => t.LogProbability));
            // A whole character's token reads as its bytes; a piece of one reads as U+FFFD and carries its own bytes.
            if (!token.Token.Contains('\uFFFD', StringComparison.Ordinal))
            {
                Assert.Equal(Encoding.UTF8.GetBytes(token.Token), token.Utf8Bytes!.Value.ToArray());
            }
        }

        var without = (await Chat.CompleteChatAsync([new UserChatMessage("logprobs please")], new ChatCompletionOptions { MaxOutputTokenCount = 6, Temperature = 0 })).Value;
        Assert.Empty(without.ContentTokenLogProbabilities);
        Assert.Equal(completion.Content[0].Text, without.Content[0].Text);
    }

    [Fact]
    public async Task ChatStreamingCarriesTheSameLogprobsAsOneBody()
    {
        const string Body = """{"messages": [{"role": "user", "content": "stream them"}], "max_tokens": 8, "temperature": 0, "ignore_eos": true, "logprobs": true, "top_logprobs": 2, "return_tokens_as_token_ids": true""";
        var (status, whole, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", Body + "}");
        Assert.Equal(HttpStatusCode.OK, status);
        var expected = whole.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(8, expected.Count);
        Assert.All(expected, e => Assert.StartsWith("token_id:", e.GetProperty("token").GetString(), StringComparison.Ordinal));

        var events = await StreamAsync("/v1/chat/completions", Body + """, "stream": true}""");
        var streamed = events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object)
            .SelectMany(c => c.GetProperty("logprobs").GetProperty("content").EnumerateArray()).ToList();
        // The second request finds the first's prompt in the prefix cache: its prefill runs other matrix shapes, so the
        // values agree to float32 rounding, not bit for bit; the tokens are the same.
        Assert.Equal(expected.Count, streamed.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].GetProperty("token").GetString(), streamed[i].GetProperty("token").GetString());
            Assert.Equal(expected[i].GetProperty("logprob").GetDouble(), streamed[i].GetProperty("logprob").GetDouble(), tolerance: 1e-4);
            var top = expected[i].GetProperty("top_logprobs").EnumerateArray().ToList();
            var streamedTop = streamed[i].GetProperty("top_logprobs").EnumerateArray().ToList();
            Assert.Equal(top.Select(t => t.GetProperty("token").GetString()), streamedTop.Select(t => t.GetProperty("token").GetString()));
            Assert.All(top.Zip(streamedTop), p => Assert.Equal(p.First.GetProperty("logprob").GetDouble(), p.Second.GetProperty("logprob").GetDouble(), tolerance: 1e-4));
        }
    }

    [Fact]
    public async Task CompletionsGiveParallelArraysWithOffsetsStreamedAndNot()
    {
        const string Body = """{"prompt": [5, 17, 40, 3], "max_tokens": 7, "temperature": 0, "ignore_eos": true, "logprobs": 3""";
        var (status, whole, _) = await JsonHttp.PostAsync(Http, "/v1/completions", Body + "}");
        Assert.Equal(HttpStatusCode.OK, status);
        var lp = whole.GetProperty("choices")[0].GetProperty("logprobs");
        var tokens = lp.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!).ToList();
        var values = lp.GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetDouble()).ToList();
        var tops = lp.GetProperty("top_logprobs").EnumerateArray().ToList();
        var offsets = lp.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32()).ToList();

        Assert.Equal(7, tokens.Count);
        Assert.Equal(7, values.Count);
        Assert.Equal(7, tops.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            Assert.Equal(i == 0 ? 0 : offsets[i - 1] + tokens[i - 1].Length, offsets[i]);
            var top = tops[i].EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            Assert.InRange(top.Count, 1, 3);
            Assert.Equal(top.Values.Max(), values[i]);   // greedy: the chosen token is the likeliest
            Assert.Equal(values[i], top[tokens[i]]);
        }

        var events = await StreamAsync("/v1/completions", Body + """, "stream": true}""");
        var parts = events.SelectMany(e => e.GetProperty("choices").EnumerateArray()).Where(c => c.GetProperty("logprobs").ValueKind == JsonValueKind.Object).Select(c => c.GetProperty("logprobs")).ToList();
        Assert.Equal(tokens, parts.SelectMany(p => p.GetProperty("tokens").EnumerateArray().Select(t => t.GetString()!)));
        Assert.Equal(values, parts.SelectMany(p => p.GetProperty("token_logprobs").EnumerateArray().Select(t => t.GetDouble())));
        Assert.Equal(offsets, parts.SelectMany(p => p.GetProperty("text_offset").EnumerateArray().Select(t => t.GetInt32())));
    }

    [Fact]
    public async Task LogprobsZeroGivesEachTokensOwnValueAndNoCandidates()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions",
            """{"messages": [{"role": "user", "content": "x"}], "max_tokens": 3, "ignore_eos": true, "temperature": 0.9, "seed": 4, "logprobs": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        var content = json.GetProperty("choices")[0].GetProperty("logprobs").GetProperty("content").EnumerateArray().ToList();
        Assert.Equal(3, content.Count);
        Assert.All(content, c =>
        {
            Assert.Equal(0, c.GetProperty("top_logprobs").GetArrayLength());
            Assert.True(c.GetProperty("logprob").GetDouble() <= 0);
        });
    }

    [Theory]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": 21}""", "top_logprobs")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "logprobs": true, "top_logprobs": -1}""", "top_logprobs")]
    [InlineData("/v1/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "top_logprobs": 2}""", "top_logprobs")]
    [InlineData("/v1/completions", """{"prompt": "x", "logprobs": 21}""", "logprobs")]
    [InlineData("/v1/completions", """{"prompt": "x", "logprobs": -1}""", "logprobs")]
    public async Task OutOfRangeLogprobsAreRefusedNamingTheField(string path, string body, string field)
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, path, body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, json.GetProperty("error").GetProperty("param").GetString());
    }

    private async Task<IReadOnlyList<JsonElement>> StreamAsync(string path, string body)
    {
        using var response = await Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonHttp.Events(await response.Content.ReadAsStringAsync());
    }
}
