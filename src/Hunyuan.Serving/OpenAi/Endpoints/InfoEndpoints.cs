using System.Reflection;
using Hunyuan.Serving.OpenAi.Responses;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>GET /v1/models, /version, /health (liveness) and /health/ready (the backend's readiness, 503 with the reason when not).</summary>
internal static class InfoEndpoints
{
    /// <summary>hyc's version, as the build stamped it.</summary>
    public static readonly string Version = typeof(InfoEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    public static void Map(IEndpointRouteBuilder app, RouteGroupBuilder v1)
    {
        v1.MapGet("/models", Models).ProducesErrors();
        app.MapGet("/version", () => TypedResults.Ok(new VersionResponse(Version)));
        app.MapGet("/health", () => TypedResults.Ok(new HealthResponse("ok")));
        app.MapGet("/health/ready", Ready).Produces<ReadinessResponse>(StatusCodes.Status503ServiceUnavailable);
    }

    private static Ok<ModelList> Models([FromServices] IServingBackend backend, [FromServices] IOptions<ServingOptions> options)
    {
        var o = options.Value;
        var root = o.ModelAliases.Count > 0 ? o.ModelAliases[0] : o.ModelName;
        return TypedResults.Ok(new ModelList("list", [new ModelCard(o.ModelName, "model", ServedModel.Created, "hunyuan-cluster", root, backend.MaxModelLen)]));
    }

    private static JsonHttpResult<ReadinessResponse> Ready([FromServices] IServingBackend backend)
    {
        var (ready, reason) = backend.Readiness();
        return TypedResults.Json(new ReadinessResponse(ready ? "ready" : "not ready", reason), OpenAiJson.Default.ReadinessResponse,
            statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }
}
