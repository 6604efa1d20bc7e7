using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Serving.Tests.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Hunyuan.Serving.Tests.Telemetry;

/// <summary>
/// One chat request makes one trace: the HTTP server span (ASP.NET Core's), the engine's request span under it with its
/// queue wait, one step span per step the request took part in, and the batch spans linked to them; and the request's
/// log line carries the same trace id. The client sends a traceparent of its own, so the trace is this test's alone
/// (other tests' endpoints in this process export through the same sources).
/// </summary>
public sealed class RequestTracingTests(ServedTinyModel served) : IClassFixture<ServedTinyModel>
{
    [Fact]
    public async Task AChatRequestIsOneTraceFromHttpThroughItsStepsAndItsLogLineCarriesTheTraceId()
    {
        var spans = new List<Activity>();
        var logs = new ScopeCapturingLoggerProvider();
        var (app, address) = await ServedTinyModel.Start(served.Backend, new ServingOptions { Port = 0, ModelName = "tiny" }, b =>
        {
            b.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans));
            b.Logging.AddProvider(logs);
        });
        await using var _ = app;

        var traceId = ActivityTraceId.CreateRandom();
        using var http = new HttpClient { BaseAddress = address };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model": "tiny", "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 5, "ignore_eos": true}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var generated = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32();
        Assert.Equal(5, generated);

        // The server span ends just after the response is written: wait for it (bounded).
        var sw = Stopwatch.StartNew();
        Activity[] mine = [];
        while (sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            lock (spans)
            {
                mine = spans.Where(s => s.TraceId == traceId).ToArray();
            }

            if (mine.Any(s => s.Kind == ActivityKind.Server))
            {
                break;
            }

            await Task.Delay(50);
        }

        var server = Assert.Single(mine, s => s.Kind == ActivityKind.Server);
        Assert.Equal("/v1/chat/completions", server.GetTagItem("url.path"));
        var requestSpan = Assert.Single(mine, s => s.OperationName == "hyc.request");
        Assert.Equal(server.SpanId, requestSpan.ParentSpanId);
        Assert.Equal(generated, requestSpan.GetTagItem("gen_ai.usage.output_tokens"));
        Assert.Equal("length", requestSpan.GetTagItem("gen_ai.response.finish_reasons"));
        var queue = Assert.Single(mine, s => s.OperationName == "hyc.queue");
        Assert.Equal(requestSpan.SpanId, queue.ParentSpanId);
        Assert.True(queue.Duration <= requestSpan.Duration);

        // A short prompt is one prefill step, then one decode step per further token.
        var steps = mine.Where(s => s.OperationName == "hyc.step").ToArray();
        Assert.Equal(generated, steps.Length);
        Assert.All(steps, s => Assert.Equal(requestSpan.SpanId, s.ParentSpanId));
        Assert.True((int)steps.OrderBy(s => s.StartTimeUtc).First().GetTagItem("hyc.step.tokens")! > 1, "the first step is the prefill");

        Activity[] batches;
        lock (spans)
        {
            batches = spans.Where(s => s.OperationName == "hyc.batch" && s.Links.Any(l => steps.Any(st => st.SpanId == l.Context.SpanId))).ToArray();
        }

        Assert.Equal(generated, batches.Length);
        Assert.Equal(EngineTelemetry.SourceName, requestSpan.Source.Name);

        var line = Assert.Single(logs.Lines, l => l.Category == "Hunyuan.Serving.Requests");
        Assert.Contains("5 generated tokens", line.Message, StringComparison.Ordinal);
        Assert.Equal(traceId.ToString(), line.Scope["TraceId"]);
    }
}
