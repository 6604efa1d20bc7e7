using System.Diagnostics;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Model.Generation;

namespace Hunyuan.Engine.Tests.Scheduling;

/// <summary>
/// The scheduler's spans with a plain listener on the engine's source and an executor that answers at once: the request
/// span is the caller's child (the caller's current activity stays current), each step is a child of the request, the
/// batch that ran it is linked, and a failed step marks the request as an error.
/// </summary>
public sealed class EngineTelemetryTests
{
    private static readonly HashSet<long> NoStops = [];

    [Fact]
    public async Task ARequestSpanNestsUnderTheCallerWithItsQueueAndOneSpanPerStep()
    {
        var (spans, listener) = Listen();
        using var _ = listener;
        await using var scheduler = new Scheduler(new CountingExecutor(fail: false), new EngineOptions { Blocks = 16, BlockSize = 4, MaxModelLen = 64 });
        using var caller = new Activity("caller").Start();

        var events = scheduler.Submit(new GenerationRequest([1, 2, 3], 3, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None);
        Assert.Same(caller, Activity.Current);
        await foreach (var e in events.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
        }

        var mine = Wait(spans, s => s.TraceId == caller.TraceId, n => n.Count(s => s.OperationName == "hyc.request") == 1);
        var request = Assert.Single(mine, s => s.OperationName == "hyc.request");
        Assert.Equal(caller.SpanId, request.ParentSpanId);
        Assert.Equal(request.SpanId, Assert.Single(mine, s => s.OperationName == "hyc.queue").ParentSpanId);
        var steps = mine.Where(s => s.OperationName == "hyc.step").ToArray();
        Assert.Equal(3, steps.Length);
        Assert.All(steps, s => Assert.Equal(request.SpanId, s.ParentSpanId));
        Assert.Equal(3, steps.OrderBy(s => s.StartTimeUtc).First().GetTagItem("hyc.step.tokens"));
        lock (spans)
        {
            Assert.Equal(3, spans.Count(s => s.OperationName == "hyc.batch" && s.Links.Any(l => steps.Any(st => st.SpanId == l.Context.SpanId))));
        }

        Assert.Equal(ActivityStatusCode.Unset, request.Status);
    }

    [Fact]
    public async Task AFailedStepEndsTheRequestSpanAsAnError()
    {
        var (spans, listener) = Listen();
        using var _ = listener;
        await using var scheduler = new Scheduler(new CountingExecutor(fail: true), new EngineOptions { Blocks = 16, BlockSize = 4, MaxModelLen = 64 });
        using var caller = new Activity("caller").Start();
        var events = scheduler.Submit(new GenerationRequest([1, 2], 3, SamplingParameters.Greedy, NoStops, NoStops), CancellationToken.None);
        await foreach (var e in events.ReadAllAsync().WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
        {
        }

        var mine = Wait(spans, s => s.TraceId == caller.TraceId, n => n.Any(s => s.OperationName == "hyc.request"));
        var request = Assert.Single(mine, s => s.OperationName == "hyc.request");
        Assert.Equal(ActivityStatusCode.Error, request.Status);
        Assert.Equal("rank 1 is gone", request.StatusDescription);
        Assert.Equal(ActivityStatusCode.Error, Assert.Single(mine, s => s.OperationName == "hyc.step").Status);
    }

    private static (List<Activity> Spans, ActivityListener Listener) Listen()
    {
        var spans = new List<Activity>();
        var listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == EngineTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = a =>
            {
                lock (spans)
                {
                    spans.Add(a);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
        return (spans, listener);
    }

    // Spans end on the scheduler's loop just after the last event is written: wait for them (bounded).
    private static Activity[] Wait(List<Activity> spans, Func<Activity, bool> mine, Func<Activity[], bool> done)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Activity[] found;
            lock (spans)
            {
                found = spans.Where(mine).ToArray();
            }

            if (done(found) || sw.Elapsed > TimeSpan.FromSeconds(10))
            {
                return found;
            }

            Thread.Sleep(20);
        }
    }

    private sealed class CountingExecutor(bool fail) : IStepExecutor
    {
        public Task<SampledToken[]> StepAsync(IReadOnlyList<ExecutorSequence> batch, CancellationToken cancellationToken) =>
            fail ? throw new InvalidOperationException("rank 1 is gone") : Task.FromResult(batch.Select(_ => new SampledToken(7L)).ToArray());

        public Task ReleaseAsync(long sequenceId) => Task.CompletedTask;
    }
}
