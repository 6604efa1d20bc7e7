using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Tokenization;

namespace Hunyuan.Serving.Tests;

/// <summary>401 with an API key, 503 when not ready, 429 when the queue is full.</summary>
public sealed class GatedEndpointTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const string Body = """{"model": "tiny", "messages": [{"role": "user", "content": "x"}], "max_tokens": 2}""";

    [Fact]
    public async Task AnApiKeyIsRequiredEverywhereButHealth()
    {
        Environment.SetEnvironmentVariable("HYC_TEST_API_KEY", "sk-test-123");
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny", ApiKeyEnv = "HYC_TEST_API_KEY" });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/v1/models")).StatusCode);
        var denied = await http.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
        Assert.DoesNotContain("sk-test-123", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-test-123");
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"))).StatusCode);
    }

    [Fact]
    public async Task AnApiKeyFromAFileIsRequiredToo()
    {
        var file = Path.Combine(Path.GetTempPath(), "hyc-api-key-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(file, "sk-from-file\n");
        try
        {
            var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny", ApiKeyFile = file });
            await using var _ = app;
            using var http = new HttpClient { BaseAddress = address };
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/health/ready")).StatusCode);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "sk-from-file");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/models")).StatusCode);
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Throws<ArgumentException>(() => new ServingOptions { ApiKeyFile = file }.Validate());
        Environment.SetEnvironmentVariable("HYC_TEST_API_KEY_BOTH", "x");
        Assert.Throws<ArgumentException>(() => new ServingOptions { ApiKeyFile = "/etc/hostname", ApiKeyEnv = "HYC_TEST_API_KEY_BOTH" }.Validate());
    }

    [Fact]
    public async Task NotReadyIsA503WithTheConfiguredRetryAfter()
    {
        var (app, address) = await ServedTinyModel.Start(new Gate(served.Backend, ready: false, served.Backend.Scheduler), new ServingOptions { Port = 0, ModelName = "tiny", RetryAfterSeconds = 4 });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        var refused = await http.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(4), refused.Headers.RetryAfter?.Delta);
        Assert.Contains("\"code\":\"not_ready\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);
    }

    [Fact]
    public async Task ReadinessFollowsTheBackendWhileLivenessStays()
    {
        var gate = new SwitchableGate(served.Backend);
        var (app, address) = await ServedTinyModel.Start(gate, new ServingOptions { Port = 0, ModelName = "tiny" });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        gate.Ready = false;
        var notReady = await http.GetAsync("/health/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
        Assert.Contains("node n1 lost", await notReady.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health")).StatusCode);

        gate.Ready = true;
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
    }

    [Fact]
    public async Task AFullQueueIsA429WithRetryAfter()
    {
        await using var scheduler = new Scheduler(new NeverExecutor(), new EngineOptions { MaxWaiting = 0, Blocks = 8 });
        var (app, address) = await ServedTinyModel.Start(new Gate(served.Backend, ready: true, scheduler), new ServingOptions { Port = 0, ModelName = "tiny" });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        var response = await http.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True(response.Headers.RetryAfter is not null);
    }

    [Theory]
    [InlineData(true, HttpStatusCode.ServiceUnavailable, "not_ready")]
    [InlineData(false, HttpStatusCode.InternalServerError, "server_error")]
    public async Task ARequestTheDeploymentFailsIsA503WithRetryAfterWhenItIsNoLongerReadyElseA500(bool lossMakesItNotReady, HttpStatusCode expected, string type)
    {
        var executor = new LosingExecutor();
        await using var scheduler = new Scheduler(executor, new EngineOptions { Blocks = 64 });
        var (app, address) = await ServedTinyModel.Start(new LosingGate(served.Backend, scheduler, () => !(lossMakesItNotReady && executor.Lost)), new ServingOptions { Port = 0, ModelName = "tiny", RetryAfterSeconds = 2 });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        var response = await http.PostAsync("/v1/chat/completions", new StringContent(Body, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.Equal(expected, response.StatusCode);
        Assert.Contains("the connection to rank 1 was lost", body, StringComparison.Ordinal);
        Assert.Contains(type, body, StringComparison.Ordinal);
        Assert.Equal(lossMakesItNotReady ? TimeSpan.FromSeconds(2) : null, response.Headers.RetryAfter?.Delta);
    }

    private sealed class Gate(IServingBackend inner, bool ready, Scheduler scheduler) : IServingBackend
    {
        public Scheduler Scheduler => scheduler;

        public HunyuanTokenizer Tokenizer => inner.Tokenizer;

        public int MaxModelLen => inner.MaxModelLen;

        public (bool Ready, string Reason) Readiness() => (ready, ready ? "ok" : "deployment loading: 1/4 ranks ready");
    }

    private sealed class SwitchableGate(IServingBackend inner) : IServingBackend
    {
        public volatile bool Ready = true;

        public Scheduler Scheduler => inner.Scheduler;

        public HunyuanTokenizer Tokenizer => inner.Tokenizer;

        public int MaxModelLen => inner.MaxModelLen;

        public (bool Ready, string Reason) Readiness() => (Ready, Ready ? "ok" : "degraded: node n1 lost");
    }

    private sealed class LosingGate(IServingBackend inner, Scheduler scheduler, Func<bool> ready) : IServingBackend
    {
        public Scheduler Scheduler => scheduler;

        public HunyuanTokenizer Tokenizer => inner.Tokenizer;

        public int MaxModelLen => inner.MaxModelLen;

        public (bool Ready, string Reason) Readiness() => ready() ? (true, "ok") : (false, "lost a rank");
    }

    /// <summary>Fails every step as a data plane does when a rank's process dies.</summary>
    private sealed class LosingExecutor : IStepExecutor
    {
        public volatile bool Lost;

        public Task<Hunyuan.Model.Generation.SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken)
        {
            Lost = true;
            return Task.FromException<Hunyuan.Model.Generation.SampledToken[]>(new IOException("the connection to rank 1 was lost"));
        }

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;
    }

    private sealed class NeverExecutor : IStepExecutor
    {
        public Task<Hunyuan.Model.Generation.SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken) => throw new InvalidOperationException("not used");

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;
    }
}
