using Hunyuan.Serving.OpenAi.Generation;
using Hunyuan.Serving.OpenAi.Requests;
using Hunyuan.Serving.OpenAi.Responses;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>POST /v1/chat/completions and /v1/completions: read, check, plan, run, answer (JSON or SSE).</summary>
internal static class CompletionEndpoints
{
    /// <summary>The concurrency limit both routes share.</summary>
    public const string GenerationLimit = "generation";

    private const string RequestLog = "Hunyuan.Serving.Requests";

    public static void Map(RouteGroupBuilder v1)
    {
        v1.MapPost("/chat/completions", ChatAsync)
            .RequireRateLimiting(GenerationLimit)
            .Accepts<ChatCompletionRequest>("application/json")
            .Produces<ChatCompletionResponse>(StatusCodes.Status200OK)
            .ProducesErrors();
        v1.MapPost("/completions", CompleteAsync)
            .RequireRateLimiting(GenerationLimit)
            .Accepts<CompletionRequest>("application/json")
            .Produces<CompletionResponse>(StatusCodes.Status200OK)
            .ProducesErrors();
    }

    private static async Task ChatAsync(HttpContext ctx, [FromServices] IServingBackend backend, [FromServices] IOptions<ServingOptions> options, [FromServices] ILoggerFactory logs)
    {
        var o = options.Value;
        var body = await RequestBody.ReadAsync(ctx.Request, OpenAiJson.Default.ChatCompletionRequest);
        ServedModel.RequireKnown(body.Model, o);
        var prompt = ServedModel.ChatIds(body.Messages, backend, o);
        ServedModel.RequireReady(backend);
        var plan = GenerationPlanner.Plan(body, prompt, "messages", backend, o);
        await GenerationResponder.RespondAsync(ctx, backend, plan, new ChatShape(o.ModelName, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), new LogprobsFormatter(backend.Tokenizer, body.ReturnTokensAsTokenIds == true)), logs.CreateLogger(RequestLog));
    }

    private static async Task CompleteAsync(HttpContext ctx, [FromServices] IServingBackend backend, [FromServices] IOptions<ServingOptions> options, [FromServices] ILoggerFactory logs)
    {
        var o = options.Value;
        var body = await RequestBody.ReadAsync(ctx.Request, OpenAiJson.Default.CompletionRequest);
        ServedModel.RequireKnown(body.Model, o);
        var prompt = ServedModel.PromptIds(body.Prompt, backend, o);
        ServedModel.RequireReady(backend);
        var plan = GenerationPlanner.Plan(body, prompt, "prompt", backend, o);
        await GenerationResponder.RespondAsync(ctx, backend, plan, new CompletionShape(o.ModelName, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), new LogprobsFormatter(backend.Tokenizer, body.ReturnTokensAsTokenIds == true)), logs.CreateLogger(RequestLog));
    }
}
