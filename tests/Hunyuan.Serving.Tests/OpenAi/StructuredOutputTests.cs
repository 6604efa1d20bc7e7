using System.Net;
using System.Text.Json;
using Hunyuan.Serving.Tests.TestSupport;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>
/// response_format json_schema, json_object and guided_choice over HTTP against the tiny random model at temperature 1:
/// every choice that finishes with stop is JSON that validates against the schema (JsonSchema.Net), or exactly one of
/// the choices; a schema the grammar does not support is a 400 naming the field and the keyword.
/// </summary>
public sealed class StructuredOutputTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const string Schema = """
        {"type":"object","properties":{"name":{"type":"string","maxLength":4},"ok":{"type":"boolean"},
         "n":{"anyOf":[{"type":"integer"},{"type":"null"}]},"tags":{"type":"array","items":{"enum":["x","y"]},"maxItems":2}},
         "required":["name","ok"],"additionalProperties":false}
        """;

    private static readonly string[] Choices = ["positive", "negative"];

    private HttpClient Http => served.Http;

    [Fact]
    public async Task JsonSchemaOutputThatStopsValidates()
    {
        var validator = Json.Schema.JsonSchema.FromText(Schema);
        using var schema = JsonDocument.Parse(Schema);
        var stopped = 0;
        for (var seed = 0; seed < 8; seed++)
        {
            var body = JsonSerializer.Serialize(new
            {
                messages = new[] { new { role = "user", content = "Describe a user as JSON." } },
                temperature = 1.0,
                seed,
                max_tokens = 150,
                response_format = new { type = "json_schema", json_schema = new { name = "user", strict = true, schema = schema.RootElement } },
            });
            var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", body);
            Assert.Equal(HttpStatusCode.OK, status);
            var choice = json.GetProperty("choices")[0];
            if (choice.GetProperty("finish_reason").GetString() != "stop")
            {
                continue;
            }

            stopped++;
            var content = choice.GetProperty("message").GetProperty("content").GetString()!;
            using var output = JsonDocument.Parse(content);
            Assert.True(validator.Evaluate(output.RootElement).IsValid, content);
        }

        Assert.True(stopped >= 2, $"only {stopped} of 8 stopped: the test would show little");
    }

    [Fact]
    public async Task JsonObjectAndGuidedChoiceAreHonoured()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions", JsonSerializer.Serialize(new
        {
            prompt = "Sentiment:",
            temperature = 1.0,
            seed = 3,
            max_tokens = 20,
            guided_choice = Choices,
        }));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("stop", json.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Contains(json.GetProperty("choices")[0].GetProperty("text").GetString(), Choices);

        for (var seed = 0; seed < 4; seed++)
        {
            var (ok, answer, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", JsonSerializer.Serialize(new
            {
                messages = new[] { new { role = "user", content = "JSON" } },
                temperature = 1.0,
                seed,
                max_tokens = 150,
                response_format = new { type = "json_object" },
            }));
            Assert.Equal(HttpStatusCode.OK, ok);
            var choice = answer.GetProperty("choices")[0];
            if (choice.GetProperty("finish_reason").GetString() == "stop")
            {
                using var output = JsonDocument.Parse(choice.GetProperty("message").GetProperty("content").GetString()!);
                Assert.Equal(JsonValueKind.Object, output.RootElement.ValueKind);
            }
        }
    }

    [Fact]
    public async Task AnUnsupportedKeywordIsA400NamingItAndItsPath()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", """
            {"messages":[{"role":"user","content":"x"}],
             "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object","properties":{"a":{"type":"string","format":"date"}}}}}}
            """);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = json.GetProperty("error");
        Assert.Equal("response_format.json_schema.schema", error.GetProperty("param").GetString());
        Assert.Contains("'format'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("/properties/a", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
