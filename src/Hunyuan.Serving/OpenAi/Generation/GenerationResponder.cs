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
        ChannelReader<GenerationEvent> events;
        try
        {
            events = backend.Scheduler.Submit(plan.Request, cancel.Token);
        }
        catch (PromptTooLongException e)
        {
            throw ApiException.BadRequest(e.Message, plan.PromptField);
        }

        var clock = Stopwatch.StartNew();
        var text = new TextStream(backend.Tokenizer, plan.StopStrings);
        var generated = 0;
        string? finish = null;

        // With logprobs: every token (one body) or those since the last chunk (a stream), each chunk carrying its own.
        var tokens = plan.Request.Sampling.Logprobs >= 0 ? new List<GenerationEvent>() : null;
        UsageInfo? Running() => plan.ContinuousUsage ? UsageInfo.Of(prompt, generated) : null;

        if (plan.Stream)
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "text/event-stream";
            ctx.Response.Headers.CacheControl = "no-cache";
            if (shape.Opening(0, Running()) is { } opening)
            {
                await SendAsync(ctx, opening);
            }
        }

        try
        {
            await foreach (var e in events.ReadAllAsync(cancel.Token))
            {
                if (e.Finish is { } f)
                {
                    if (f == FinishReason.Error)
                    {
                        throw new ApiException(500, $"the deployment failed this request: {e.Error}", "server_error");
                    }

                    finish ??= f == FinishReason.Length ? "length" : "stop";
                    break;
                }

                generated++;
                tokens?.Add(e);
                var delta = text.Add(e.Token);
                if (plan.Stream && delta.Length > 0)
                {
                    await SendAsync(ctx, shape.Chunk(0, delta, null, Running(), tokens));
                    tokens?.Clear();
                }

                if (text.StoppedByString)
                {
                    finish = "stop";
                    await cancel.CancelAsync();
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            LogRequest(log, shape.Id, prompt, generated, "abort", clock.ElapsedMilliseconds);
            return;   // the client went away; the scheduler frees the request's blocks at its next step
        }
        catch (ApiException error) when (ctx.Response.HasStarted)
        {
            // Too late for a status code: the stream carries the error as its last event.
            LogRequest(log, shape.Id, prompt, generated, "error", clock.ElapsedMilliseconds);
            await SendAsync(ctx, JsonSerializer.SerializeToUtf8Bytes(error.Body(), OpenAiJson.Default.ErrorBody));
            return;
        }

        finish ??= "length";
        LogRequest(log, shape.Id, prompt, generated, finish, clock.ElapsedMilliseconds);
        var rest = text.Flush();
        if (!plan.Stream)
        {
            ctx.Response.StatusCode = StatusCodes.Status200OK;
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(shape.Response([new FinishedChoice(0, text.Text, finish, tokens)], UsageInfo.Of(prompt, generated)), ctx.RequestAborted);
            return;
        }

        if (rest.Length > 0 || tokens is { Count: > 0 })
        {
            await SendAsync(ctx, shape.Chunk(0, rest, null, Running(), tokens));
        }

        await SendAsync(ctx, shape.Chunk(0, "", finish, Running()));
        if (plan.IncludeUsage)
        {
            await SendAsync(ctx, shape.UsageChunk(UsageInfo.Of(prompt, generated)));
        }

        await ctx.Response.Body.WriteAsync(Done, ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

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
