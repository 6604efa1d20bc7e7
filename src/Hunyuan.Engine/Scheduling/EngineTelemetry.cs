using System.Diagnostics;

namespace Hunyuan.Engine.Scheduling;

/// <summary>
/// The engine's spans, on one <see cref="ActivitySource"/> ("Hunyuan.Engine") that the endpoint and the agent export:
/// a request span (child of whatever was current when the request was submitted, the HTTP span), its queue wait, and
/// one span per step the request took part in. The batch a step ran is one more span, current while the executor
/// runs, linked to every request in it, so the ranks' work (grain calls, rank steps) nests under it. Without a
/// listener every Start returns null and costs next to nothing.
/// </summary>
public static class EngineTelemetry
{
    public const string SourceName = "Hunyuan.Engine";

    public static ActivitySource Source { get; } = new(SourceName, typeof(EngineTelemetry).Assembly.GetName().Version?.ToString());

    /// <summary>Starts a request's span and its queue-wait span under the current activity, leaving the current activity as it was.</summary>
    public static RequestTrace? StartRequest(GenerationRequest request)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        var caller = Activity.Current;
        var span = Source.StartActivity("hyc.request", ActivityKind.Internal);
        if (span is null)
        {
            return null;
        }

        span.SetTag("gen_ai.request.max_tokens", request.MaxTokens);
        span.SetTag("gen_ai.usage.input_tokens", request.Prompt.Length);
        var queue = Source.StartActivity("hyc.queue", ActivityKind.Internal);
        Activity.Current = caller;
        return new RequestTrace(span, queue);
    }

    /// <summary>The request left the queue (its first admission; a preempted request's wait again is part of its steps' gaps).</summary>
    public static void Admitted(RequestTrace? trace)
    {
        if (trace?.Queue is { } queue && !queue.IsStopped)
        {
            queue.Stop();
            trace.Request.AddEvent(new ActivityEvent("admitted"));
        }
    }

    /// <summary>
    /// Starts <paramref name="step"/> inside the spans of one step: one under each request in it (tokens: how many of
    /// its tokens the step computes) and the batch's own span, current while the step starts (so the calls it makes
    /// nest under it), ended when it completes. Steps overlap (several in flight), so each carries its own spans.
    /// </summary>
    public static Task<T> TraceStep<T>(IReadOnlyList<(RequestTrace? Trace, int Tokens)> batch, Func<Task<T>> step)
    {
        if (!Source.HasListeners())
        {
            return step();
        }

        var caller = Activity.Current;
        var spans = new List<Activity>(batch.Count);
        var links = new List<ActivityLink>(batch.Count);
        foreach (var (trace, tokens) in batch)
        {
            if (trace is null)
            {
                continue;
            }

            var span = Source.StartActivity("hyc.step", ActivityKind.Internal, trace.Request.Context);
            if (span is not null)
            {
                span.SetTag("hyc.step.tokens", tokens);
                span.SetTag("hyc.step.batch_size", batch.Count);
                spans.Add(span);
                links.Add(new ActivityLink(span.Context));
            }
        }

        Activity.Current = caller;
        var batchSpan = Source.StartActivity("hyc.batch", ActivityKind.Internal, parentContext: default, links: links);
        batchSpan?.SetTag("hyc.step.batch_size", batch.Count);
        batchSpan?.SetTag("hyc.step.tokens", batch.Sum(b => b.Tokens));
        var scope = new StepTrace(batchSpan, spans);
        Task<T> started;
        try
        {
            started = step();
        }
        catch (Exception ex)
        {
            started = Task.FromException<T>(ex);
        }
        finally
        {
            Activity.Current = caller;
        }

        return EndWhenDone(scope, started);
    }

    private static async Task<T> EndWhenDone<T>(StepTrace scope, Task<T> step)
    {
        try
        {
            return await step.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            scope.Fail(ex);
            throw;
        }
        finally
        {
            scope.Dispose();
        }
    }

    /// <summary>Ends a request's span with how it finished.</summary>
    public static void Finish(RequestTrace? trace, FinishReason reason, int generated, string? error)
    {
        if (trace is null)
        {
            return;
        }

        if (trace.Queue is { } queue && !queue.IsStopped)
        {
            queue.Stop();
        }

        trace.Request.SetTag("gen_ai.usage.output_tokens", generated);
        trace.Request.SetTag("gen_ai.response.finish_reasons", reason.ToString().ToLowerInvariant());
        if (reason == FinishReason.Error)
        {
            trace.Request.SetStatus(ActivityStatusCode.Error, error);
        }

        trace.Request.Stop();
    }
}
