using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Serving.Dashboard;

namespace Hunyuan.Serving.Tests.Dashboard;

/// <summary>
/// The dashboard over real HTTP on the tiny model: the key gate (form, ?key=, cookie) and the payload, whose figures
/// are checked against a request the test makes itself.
/// </summary>
public sealed class DashboardEndpointTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    private const string Key = "sk-dashboard-test-9c1e";

    [Fact]
    public async Task WithoutTheKeyThereIsTheFormOrA401AndNeverTheData()
    {
        await using var gated = await GatedAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = gated.Address };

        var page = await http.GetAsync("/dashboard");
        Assert.Equal(HttpStatusCode.Unauthorized, page.StatusCode);
        var form = await page.Content.ReadAsStringAsync();
        Assert.Contains("action=\"/dashboard/login\"", form, StringComparison.Ordinal);
        Assert.DoesNotContain("dashboard.js", form, StringComparison.Ordinal);
        foreach (var path in new[] { "/dashboard/snapshot", "/dashboard/events", "/dashboard/assets/dashboard.js" })
        {
            var denied = await http.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
            Assert.DoesNotContain("\"nodes\"", await denied.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var wrong = await http.GetAsync("/dashboard?key=sk-not-it");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.False(wrong.Headers.Contains("Set-Cookie"));
        Assert.Contains("not the API key of this endpoint", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var wrongForm = await http.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("key", "sk-not-it")]));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongForm.StatusCode);
        Assert.False(wrongForm.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task TheKeyOnceInTheUrlOrTheFormSetsACookieThatOpensTheDashboardButNotTheApi()
    {
        await using var gated = await GatedAsync();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = gated.Address };

        var viaUrl = await http.GetAsync($"/dashboard?key={Key}");
        Assert.Equal(HttpStatusCode.SeeOther, viaUrl.StatusCode);
        Assert.Equal("/dashboard", viaUrl.Headers.Location?.ToString());
        var cookie = Assert.Single(viaUrl.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(Key, cookie, StringComparison.Ordinal);
        var pair = cookie.Split(';')[0];

        var viaForm = await http.PostAsync("/dashboard/login", new FormUrlEncodedContent([new("key", Key)]));
        Assert.Equal(HttpStatusCode.SeeOther, viaForm.StatusCode);
        Assert.Equal(pair, Assert.Single(viaForm.Headers.GetValues("Set-Cookie")).Split(';')[0]);

        using var page = new HttpRequestMessage(HttpMethod.Get, "/dashboard");
        page.Headers.Add("Cookie", pair);
        var html = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, html.StatusCode);
        Assert.Contains("/dashboard/assets/dashboard.js", await html.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("default-src 'self'", html.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        using var snapshot = new HttpRequestMessage(HttpMethod.Get, "/dashboard/snapshot");
        snapshot.Headers.Add("Cookie", pair);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(snapshot)).StatusCode);

        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/dashboard/snapshot");
        bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Key);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);

        using var api = new HttpRequestMessage(HttpMethod.Get, "/v1/models");
        api.Headers.Add("Cookie", pair);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(api)).StatusCode);
    }

    [Fact]
    public async Task ThePayloadCountsTheRequestsAndTokensServedAndShowsThisProcessAsTheNode()
    {
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny" });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address };
        await http.GetStringAsync("/dashboard/snapshot");

        var body = """{"model": "tiny", "messages": [{"role": "user", "content": "Hello"}], "max_tokens": 6, "ignore_eos": true}""";
        var chat = await http.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, chat.StatusCode);
        var generated = JsonDocument.Parse(await chat.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();

        var s = JsonDocument.Parse(await http.GetStringAsync("/dashboard/snapshot")).RootElement;
        var live = s.GetProperty("live");
        var seconds = live.GetProperty("rate_seconds").GetDouble();
        Assert.InRange(seconds, 0.001, 6);
        Assert.Equal(generated, live.GetProperty("tokens_per_second").GetDouble() * seconds, 3);
        Assert.Equal(1, live.GetProperty("requests_per_second").GetDouble() * seconds, 3);
        var p50 = live.GetProperty("ttft_p50_ms").GetDouble();
        Assert.True(p50 > 0, s.ToString());
        Assert.Equal(p50, live.GetProperty("ttft_p99_ms").GetDouble());
        Assert.InRange(live.GetProperty("kv_usage").GetDouble(), 0, 1);
        Assert.Equal("tiny", s.GetProperty("model").GetString());

        var cluster = s.GetProperty("cluster");
        var node = Assert.Single(cluster.GetProperty("nodes").EnumerateArray());
        Assert.Equal("alive", node.GetProperty("state").GetString());
        Assert.Equal(Environment.MachineName, node.GetProperty("name").GetString());
        var deployment = Assert.Single(cluster.GetProperty("deployments").EnumerateArray());
        Assert.Equal("ready", deployment.GetProperty("state").GetString());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("cluster_error").ValueKind);
    }

    [Fact]
    public async Task EventsArePushedEverySecond()
    {
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny" });
        await using var _ = app;
        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var response = await http.GetAsync("/dashboard/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var times = new List<DateTimeOffset>();
        var sw = Stopwatch.StartNew();
        while (times.Count < 3 && sw.Elapsed < TimeSpan.FromSeconds(15))
        {
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(10));
            if (line?.StartsWith("data: ", StringComparison.Ordinal) == true)
            {
                var e = JsonDocument.Parse(line["data: ".Length..]).RootElement;
                Assert.True(e.TryGetProperty("live", out var live) && live.TryGetProperty("tokens_per_second", out var rate) && rate.ValueKind == JsonValueKind.Number, line);
                times.Add(DateTimeOffset.UtcNow);
            }
        }

        Assert.Equal(3, times.Count);
        var gap = (times[2] - times[0]).TotalSeconds;
        Assert.InRange(gap, 1.5, 4.0);
    }

    private async Task<GatedEndpoint> GatedAsync()
    {
        var file = new TempDirectory();
        File.WriteAllText(file.File("key"), Key + "\n");
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny", ApiKeyFile = file.File("key") });
        return new GatedEndpoint(app, address, file);
    }

    private sealed record GatedEndpoint(Microsoft.AspNetCore.Builder.WebApplication App, Uri Address, TempDirectory KeyDirectory) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.DisposeAsync();
            KeyDirectory.Dispose();
        }
    }
}
