using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Serving.OpenAi.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Serving.OpenAi.Generation;

/// <summary>
/// Runs a planned request on the scheduler and answers it: one JSON body, or server-sent events as tokens arrive
/// (text held back while it could still become a stop string). An error after the stream started is its last event.
/// </summary>
internal static partial class GenerationResponder
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    public static async Task RespondAsync(HttpContext ctx, IServingBackend backend, GenerationPlan plan, IResponseShape shape, ILogger log)
    {
        var prompt = plan.Request.Prompt.Length;
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);

        // One token per choice, so a choice that reached a stop string ends alone while the others go on.
        var choices = Enumerable.Range(0, plan.Request.N)
            .Select(_ => new ChoiceProgress(new TextStream(backend.Tokenizer, plan.StopStrings), CancellationTokenSource.CreateLinkedTokenSource(cancel.Token), plan.Request.Sampling.Logprobs >= 0))
            .ToArray();
        try
        {
            await RespondAsync(ctx, backend, plan, shape, log, prompt, cancel, choices);
        }
        finally
        {
            foreach (var c in choices)
            {
                c.Stop.Dispose();
            }
        }
    }

    private static async Task RespondAsync(HttpContext ctx, IServingBackend backend, GenerationPlan plan, IResponseShape shape, ILogger log, int prompt, CancellationTokenSource cancel, ChoiceProgress[] choices)
    {
        ChannelReader<GenerationEvent> events;
        try
        {
            events = backend.Scheduler.Submit(plan.Request, cancel.Token, choices.Select(c => c.Stop.Token).ToArray());
        }
        catch (PromptTooLongException e)
        {
            throw ApiException.BadRequest(e.Message, plan.PromptField);
        }

        var clock = Stopwatch.StartNew();
        int? cached = null;
        int Generated() => choices.Sum(c => c.Generated);

        // Usage counts the prompt once and the completion tokens of every choice, as OpenAI does; the cached count
        // is known when the first choice finishes.
        UsageInfo Usage() => UsageInfo.Of(prompt, Generated(), cached is { } n ? new PromptTokensDetails(n) : null);
        UsageInfo? Running() => plan.ContinuousUsage ? Usage() : null;

        if (plan.Stream)
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            for (var i = 0; i < choices.Length; i++)
            {
                if (shape.Opening(i, Running()) is { } opening)
                {
                    await SendAsync(ctx, opening);
                }
            }
        }

        async Task FinishAsync(int index, string finish)
        {
            var c = choices[index];
            c.Finish = finish;
            if (plan.Stream)
            {
                var rest = c.Text.Flush();
                if (rest.Length > 0 || c.Tokens is { Count: > 0 })
                {
                    await SendAsync(ctx, shape.Chunk(index, rest, null, Running(), c.Tokens));
                    c.Tokens?.Clear();
                }

                await SendAsync(ctx, shape.Chunk(index, "", finish, Running()));
            }
        }

        try
        {
            await foreach (var e in events.ReadAllAsync(cancel.Token))
            {
                var c = choices[e.Index];
                if (e.Finish is { } f)
                {
                    if (f == FinishReason.Error)
                    {
                        throw Failed(backend, e.Error);
                    }

                    if (e.Index == 0)
                    {
                        cached = e.CachedTokens;
                    }

                    if (c.Finish is null)
                    {
                        await FinishAsync(e.Index, f == FinishReason.Length ? "length" : "stop");
                    }

                    continue;
                }

                if (c.Finish is not null)
                {
                    continue;   // generated in the step that was under way when its stop string ended it
                }

                c.Generated++;
                c.Tokens?.Add(e);
                var delta = c.Text.Add(e.Token);
                if (plan.Stream && delta.Length > 0)
                {
                    await SendAsync(ctx, shape.Chunk(e.Index, delta, null, Running(), c.Tokens));
                    c.Tokens?.Clear();
                }

                if (c.Text.StoppedByString)
                {
                    await c.Stop.CancelAsync();
                    await FinishAsync(e.Index, "stop");
                }
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            var aborted = Generated();
            LogRequest(log, shape.Id, prompt, aborted, "abort", clock.ElapsedMilliseconds);
            return;   // the client went away; the scheduler frees the request's blocks at its next step
        }
        catch (ApiException error) when (ctx.Response.HasStarted)
        {
            // Too late for a status code: the stream carries the error as its last event.
            var failed = Generated();
            LogRequest(log, shape.Id, prompt, failed, "error", clock.ElapsedMilliseconds);
            await SendAsync(ctx, JsonSerializer.SerializeToUtf8Bytes(error.Body(), OpenAiJson.Default.ErrorBody));
            return;
        }

        for (var i = 0; i < choices.Length; i++)
        {
            if (choices[i].Finish is null)
            {
                await FinishAsync(i, "length");
            }
        }

        var (total, finishes) = (Generated(), string.Join(',', choices.Select(c => c.Finish).Distinct()));
        LogRequest(log, shape.Id, prompt, total, finishes, clock.ElapsedMilliseconds);
        if (!plan.Stream)
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "application/json";
            var finished = choices.Select((c, i) => new FinishedChoice(i, c.Text.Text, c.Finish!, c.Tokens)).ToArray();
            await ctx.Response.Body.WriteAsync(shape.Response(finished, Usage()), ctx.RequestAborted);
            return;
        }

        if (plan.IncludeUsage)
        {
            await SendAsync(ctx, shape.UsageChunk(Usage()));
        }

        await ctx.Response.Body.WriteAsync(Done, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    /// <summary>
    /// A request the deployment failed: when the backend is no longer ready (a rank lost, the lease taken over) that
    /// is why, and the client may retry once it heals (503, which carries Retry-After); otherwise a 500 for this request.
    /// </summary>
    private static ApiException Failed(IServingBackend backend, string? error) => backend.Readiness() is (false, var reason)
        ? new ApiException(503, $"the deployment failed this request: {error}{(error?.Contains(reason, StringComparison.Ordinal) == true ? "" : $" (not ready: {reason})")}", "service_unavailable", null, "not_ready")
        : new ApiException(500, $"the deployment failed this request: {error}", "server_error");

    private static async Task SendAsync(HttpContext ctx, byte[] json)
    {
        var body = ctx.Response.Body;
        await body.WriteAsync(DataPrefix, ctx.RequestAborted);
        await body.WriteAsync(json, ctx.RequestAborted);
        await body.WriteAsync(EventEnd, ctx.RequestAborted);
        await body.FlushAsync(ctx.RequestAborted);
    }

    // One line per request, written inside its span: the scope on the line carries the request's trace id.
    [LoggerMessage(Level = LogLevel.Information, Message = "{Id}: {PromptTokens} prompt + {GeneratedTokens} generated tokens, finish {Finish}, {Milliseconds} ms")]
    private static partial void LogRequest(ILogger logger, string id, int promptTokens, int generatedTokens, string finish, long milliseconds);
}
