using System.Threading.RateLimiting;
using Hunyuan.Serving.OpenAi;
using Hunyuan.Serving.OpenAi.Endpoints;
using Hunyuan.Serving.OpenAi.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving;

/// <summary>
/// The OpenAI-compatible routes (the subset vLLM serves, which the seed's clients use): chat and text completions with
/// SSE streaming and models under /v1; tokenize/detokenize, version, health, readiness, Prometheus metrics and the
/// OpenAPI document (/openapi/v1.json) beside them.
/// </summary>
public static class OpenAiEndpoints
{
    /// <summary>The services the routes use: options validated at start, the error handler, the concurrency limit, OpenAPI.</summary>
    public static void AddServices(IServiceCollection services, IServingBackend backend, ServingOptions options)
    {
        services.AddSingleton(backend);
        services.AddOptions<ServingOptions>().Configure(options.CopyTo).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServingOptions>, ServingOptionsValidator>();
        services.ConfigureHttpJsonOptions(j =>
        {
            // Typed results and the OpenAPI document use these: OpenAI's snake_case names, the generated metadata first.
            j.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            j.SerializerOptions.TypeInfoResolverChain.Insert(0, OpenAiJson.Default);
        });
        services.AddExceptionHandler<OpenAiExceptionHandler>();
        services.AddProblemDetails();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<ServingOptions>>((limits, serving) =>
        {
            var o = serving.Value;
            limits.AddConcurrencyLimiter(CompletionEndpoints.GenerationLimit, c =>
            {
                c.PermitLimit = o.MaxConcurrentRequests;
                c.QueueLimit = 0;
            });
            limits.OnRejected = async (rejected, _) => await OpenAiExceptionHandler.WriteAsync(rejected.HttpContext,
                ApiException.TooManyRequests($"{o.MaxConcurrentRequests} requests are already being served; try again shortly", "too_many_requests"), o);
        });
        services.AddOpenApi();
        services.AddSingleton(sp => new ServingMetrics(backend.Scheduler.Metrics, sp.GetRequiredService<IOptions<ServingOptions>>().Value.ModelName));
    }

    public static void Map(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseMiddleware<ApiKeyGate>();
        app.UseRateLimiter();

        // Made once started (after the options are validated), so its meter listener sees every request from the first.
        app.Lifetime.ApplicationStarted.Register(() => app.Services.GetRequiredService<ServingMetrics>());
        app.MapGet("/metrics", async (HttpContext ctx, [FromServices] ServingMetrics metrics) =>
        {
            ctx.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await metrics.WriteAsync(ctx.Response.Body, ctx.RequestAborted);
        }).ExcludeFromDescription();

        var v1 = app.MapGroup("/v1");
        CompletionEndpoints.Map(v1);
        InfoEndpoints.Map(app, v1);
        TokenizerEndpoints.Map(app);
        app.MapOpenApi();
    }
}
