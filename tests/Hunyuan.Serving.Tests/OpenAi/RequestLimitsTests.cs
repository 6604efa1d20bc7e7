using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving.Tests.TestSupport;

namespace Hunyuan.Serving.Tests.OpenAi;

/// <summary>
/// The endpoint's limits (issue 15 item 3), each an OpenAI-shaped error: body size 413 before it is read, prompt
/// characters, stop strings, lone surrogates and out-of-range numbers as 400s naming the field, a concurrency limit
/// as 429 with the configured Retry-After, and a non-loopback bind without a key refused at start.
/// </summary>
public sealed class RequestLimitsTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private HttpClient Http => served.Http;

    [Theory]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "temperature": 1e400}""", "temperature")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "max_tokens": 1e400}""", "max_tokens")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "seed": 1e30}""", "seed")]
    [InlineData("""{"messages": [{"role": "user", "content": "bad \ud800 text"}]}""", "messages")]
    [InlineData("""{"messages": [{"role": "user", "content": "bad \udc00"}]}""", "messages")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "stop": ["\ud83d"]}""", "stop")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "stop": ["1","2","3","4","5","6","7","8","9","10","11","12","13","14","15","16","17"]}""", "stop")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "stop": 5}""", "stop")]
    [InlineData("""{"messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}""", "messages")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "xml"}}""", "response_format.type")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "string", "pattern": "a"}}}}""", "response_format.json_schema.schema")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_schema", "json_schema": {"schema": {"type": "string"}}}}""", "response_format.json_schema.name")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "guided_json": {"type": "integer", "minimum": 1}}""", "guided_json")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "guided_choice": []}""", "guided_choice")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "guided_choice": ["a"], "guided_json": {"type": "integer"}}""", "guided_choice")]
    [InlineData("""{"messages": [{"role": "user", "content": "x"}], "stream_options": {"include_usage": "yes"}}""", "stream_options")]
    public async Task BadValuesAre400sNamingTheFieldNever500s(string body, string field)
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/chat/completions", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(field, json.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", json.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ALongStopStringIsA400()
    {
        var (status, json, _) = await JsonHttp.PostAsync(Http, "/v1/completions", JsonSerializer.Serialize(new { prompt = "a", stop = new[] { new string('s', 257) } }));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("stop", json.GetProperty("error").GetProperty("param").GetString());

        var (ok, _, _) = await JsonHttp.PostAsync(Http, "/v1/completions", JsonSerializer.Serialize(new { prompt = "a", max_tokens = 2, stop = Enumerable.Range(0, 16).Select(i => new string('s', 256 - i)).ToArray() }));
        Assert.Equal(HttpStatusCode.OK, ok);
    }

    [Fact]
    public async Task ABodyOverTheLimitIsA413AndAPromptOverTheCharacterLimitA400()
    {
        var counting = new CountingBackend(served.Backend);
        var (app, address) = await ServedTinyModel.Start(counting, new ServingOptions { Port = 0, ModelName = "tiny", MaxRequestBodyBytes = 4096, MaxPromptCharacters = 100 });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };

        var (status, json, _) = await JsonHttp.PostAsync(http, "/v1/completions", JsonSerializer.Serialize(new { prompt = new string('a', 10_000) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("request_too_large", json.GetProperty("error").GetProperty("code").GetString());

        var (longPrompt, error, _) = await JsonHttp.PostAsync(http, "/v1/chat/completions", JsonSerializer.Serialize(new { messages = new[] { new { role = "user", content = new string('a', 101) } } }));
        Assert.Equal(HttpStatusCode.BadRequest, longPrompt);
        Assert.Equal("messages", error.GetProperty("error").GetProperty("param").GetString());
        Assert.Contains("101 characters", error.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var (tokenize, _, _) = await JsonHttp.PostAsync(http, "/tokenize", JsonSerializer.Serialize(new { prompt = new string('a', 101) }));
        Assert.Equal(HttpStatusCode.BadRequest, tokenize);
        Assert.Equal(0, counting.TokenizerReads);

        var (fits, _, _) = await JsonHttp.PostAsync(http, "/v1/completions", JsonSerializer.Serialize(new { prompt = new string('a', 100), max_tokens = 1 }));
        Assert.Equal(HttpStatusCode.OK, fits);
        Assert.True(counting.TokenizerReads > 0);
    }

    [Fact]
    public async Task PastTheConcurrencyLimitIsA429WithTheConfiguredRetryAfter()
    {
        var executor = new HeldExecutor();
        await using var scheduler = new Scheduler(executor, new EngineOptions { Blocks = 64, MaxModelLen = 256 });
        var (app, address) = await ServedTinyModel.Start(new SchedulerBackend(served.Backend, scheduler), new ServingOptions { Port = 0, ModelName = "tiny", MaxConcurrentRequests = 1, RetryAfterSeconds = 7 });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(1) };
        const string Body = """{"messages": [{"role": "user", "content": "x"}], "max_tokens": 2, "stream": true}""";

        using var holding = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var first = await http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(Body, Encoding.UTF8, "application/json") }, HttpCompletionOption.ResponseHeadersRead, holding.Token);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await executor.Started.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var (status, json, response) = await JsonHttp.PostAsync(http, "/v1/chat/completions", Body);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(TimeSpan.FromSeconds(7), response.Headers.RetryAfter?.Delta);
        Assert.Equal("rate_limit_error", json.GetProperty("error").GetProperty("type").GetString());

        executor.Release();
        var sse = await first.Content.ReadAsStringAsync(holding.Token);
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
        var (after, _, _) = await JsonHttp.PostAsync(http, "/v1/chat/completions", Body.Replace("true", "false", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, after);
    }

    [Fact]
    public async Task AFullQueueIsA429WithTheConfiguredRetryAfter()
    {
        await using var scheduler = new Scheduler(new HeldExecutor(), new EngineOptions { MaxWaiting = 0, Blocks = 8 });
        var (app, address) = await ServedTinyModel.Start(new SchedulerBackend(served.Backend, scheduler), new ServingOptions { Port = 0, ModelName = "tiny", RetryAfterSeconds = 3 });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        var (status, json, response) = await JsonHttp.PostAsync(http, "/v1/chat/completions", """{"messages": [{"role": "user", "content": "x"}]}""");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal(TimeSpan.FromSeconds(3), response.Headers.RetryAfter?.Delta);
        Assert.Equal("queue_full", json.GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    public void ANonLoopbackBindWithoutAKeyIsRefusedAtStart(string host)
    {
        var refused = Assert.Throws<ArgumentException>(() => ServingHost.Build(served.Backend, new ServingOptions { Host = host, Port = 0 }));
        Assert.Contains("API key", refused.Message, StringComparison.Ordinal);
        Assert.Contains(host, refused.Message, StringComparison.Ordinal);

        Environment.SetEnvironmentVariable("HYC_TEST_BIND_KEY", "sk-bind");
        Assert.Empty(new ServingOptions { Host = host, ApiKeyEnv = "HYC_TEST_BIND_KEY" }.Problems());
        Assert.Empty(new ServingOptions { Host = "127.0.0.1" }.Problems());
        Assert.Empty(new ServingOptions { Host = "::1" }.Problems());
    }

    [Fact]
    public async Task OptionsAreValidatedWhenTheHostStarts()
    {
        var options = new ServingOptions { Port = 0, ModelName = "tiny" };
        await using var app = ServingHost.Build(served.Backend, options);

        // Changed after Build: the options the endpoint runs with are checked again at start, before it listens.
        options.MaxConcurrentRequests = 0;
        var refused = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("concurrent requests", refused.Message, StringComparison.Ordinal);
    }

    /// <summary>A step that waits until released, so a request stays in flight.</summary>
    private sealed class HeldExecutor : IStepExecutor
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        public async Task<Hunyuan.Model.Generation.SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
        {
            Started.TrySetResult();
            await _release.Task.WaitAsync(cancellationToken);
            return batch.Select(_ => new Hunyuan.Model.Generation.SampledToken(65L)).ToArray();
        }

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;
    }

    /// <summary>The served model's tokenizer with another scheduler.</summary>
    private sealed class SchedulerBackend(IServingBackend inner, Scheduler scheduler) : IServingBackend
    {
        public Scheduler Scheduler => scheduler;

        public HunyuanTokenizer Tokenizer => inner.Tokenizer;

        public int MaxModelLen => inner.MaxModelLen;

        public (bool Ready, string Reason) Readiness() => (true, "ok");
    }

    /// <summary>The served model, counting how often its tokenizer is asked for.</summary>
    private sealed class CountingBackend(IServingBackend inner) : IServingBackend
    {
        private int _reads;

        public int TokenizerReads => _reads;

        public Scheduler Scheduler => inner.Scheduler;

        public HunyuanTokenizer Tokenizer
        {
            get
            {
                Interlocked.Increment(ref _reads);
                return inner.Tokenizer;
            }
        }

        public int MaxModelLen => inner.MaxModelLen;

        public (bool Ready, string Reason) Readiness() => inner.Readiness();
    }
}
