using System.ClientModel;
using System.Net;
using System.Reflection;
using Hunyuan.Serving.Tests.TestSupport;
using OpenAI;
using OpenAI.Chat;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>
/// The small fields vLLM and OpenAI clients send (issue 16 item 5): max_completion_tokens, stream_options'
/// continuous_usage_stats, user, tools; /v1/models with max_model_len; /version; and the OpenAPI document.
/// </summary>
public sealed class ClientFieldsTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private HttpClient Http => served.Http;

    private ChatClient Chat => served.Chat;

    [Fact]
    public async Task MaxCompletionTokensBoundsTheOutputAndWinsOverMaxTokens()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions", """{"prompt": "a", "max_completion_tokens": 3, "max_tokens": 9, "ignore_eos": true}""");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, json.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var (tooMany, error, _) = await JsonHttp.PostAsync(Http, "/v1/completions", """{"prompt": "a", "max_completion_tokens": 100000}""");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany);
        Assert.Equal("max_completion_tokens", error.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ContinuousUsageStatsPutsTheUsageSoFarInEveryChunk()
    {
        using var response = await Http.PostAsync("/v1/chat/completions", new StringContent(
            """{"messages": [{"role": "user", "content": "count"}], "max_tokens": 5, "ignore_eos": true, "stream": true, "stream_options": {"include_usage": true, "continuous_usage_stats": true}}""",
            System.Text.Encoding.UTF8, "application/json"));
        var events = JsonHttp.Events(await response.Content.ReadAsStringAsync());
        Assert.True(events.Count >= 3, $"{events.Count} events");
        var completion = events.Select(e => e.GetProperty("usage").GetProperty("completion_tokens").GetInt32()).ToList();
        Assert.Equal(completion.Order(), completion);
        Assert.Equal(0, completion[0]);
        Assert.Equal(5, completion[^1]);
        Assert.All(events, e => Assert.Equal(
            e.GetProperty("usage").GetProperty("prompt_tokens").GetInt32() + e.GetProperty("usage").GetProperty("completion_tokens").GetInt32(),
            e.GetProperty("usage").GetProperty("total_tokens").GetInt32()));
        Assert.Equal(0, events[^1].GetProperty("choices").GetArrayLength());

        // Without it, chunks carry no usage at all.
        using var plain = await Http.PostAsync("/v1/completions", new StringContent("""{"prompt": "a", "max_tokens": 3, "stream": true}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.All(JsonHttp.Events(await plain.Content.ReadAsStringAsync()), e => Assert.False(e.TryGetProperty("usage", out _)));
    }

    [Fact]
    public async Task UserIsAcceptedThroughTheSdk()
    {
        var completion = (await Chat.CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 2, EndUserId = "user-1234" })).Value;
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
    }

    [Fact]
    public async Task ToolsAreA400SayingTheTemplateHasNoToolFormat()
    {
        var options = new ChatCompletionOptions { MaxOutputTokenCount = 2 };
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "the weather", BinaryData.FromString("""{"type": "object", "properties": {"city": {"type": "string"}}}""")));
        var refused = await Assert.ThrowsAsync<ClientResultException>(() => Chat.CompleteChatAsync([new UserChatMessage("weather?")], options));
        Assert.Equal(400, refused.Status);
        Assert.Contains("no tool format", refused.Message, StringComparison.Ordinal);

        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", """{"messages": [{"role": "user", "content": "x"}], "tool_choice": "required"}""");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("tool_choice", json.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ModelsNamesTheContextAndVersionNamesHyc()
    {
        var models = await JsonHttp.GetAsync(Http, "/v1/models");
        var card = Assert.Single(models.GetProperty("data").EnumerateArray());
        Assert.Equal("tiny", card.GetProperty("id").GetString());
        Assert.Equal(served.Backend.MaxModelLen, card.GetProperty("max_model_len").GetInt32());
        Assert.Equal("model", card.GetProperty("object").GetString());

        var version = await JsonHttp.GetAsync(Http, "/version");
        var expected = typeof(ServingHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        Assert.Equal(expected, version.GetProperty("version").GetString());
    }

    [Fact]
    public async Task TheOpenApiDocumentDescribesTheRoutesAndTheirSnakeCaseBodies()
    {
        var doc = await JsonHttp.GetAsync(Http, "/openapi/v1.json");
        var paths = doc.GetProperty("paths");
        foreach (var route in new[] { "/v1/chat/completions", "/v1/completions", "/v1/models", "/tokenize", "/version" })
        {
            Assert.True(paths.TryGetProperty(route, out _), $"{route} missing");
        }

        var schemas = doc.GetProperty("components").GetProperty("schemas");
        Assert.True(schemas.GetProperty("ChatCompletionRequest").GetProperty("properties").TryGetProperty("max_completion_tokens", out _));
        Assert.True(schemas.GetProperty("ErrorBody").GetProperty("properties").TryGetProperty("error", out _));
    }
}
