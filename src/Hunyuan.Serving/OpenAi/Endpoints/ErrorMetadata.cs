using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>The error statuses every API route can answer with, in OpenAI's error shape (for the OpenAPI document).</summary>
internal static class ErrorMetadata
{
    public static RouteHandlerBuilder ProducesErrors(this RouteHandlerBuilder route)
    {
        foreach (var status in new[] { 400, 401, 404, 413, 429, 500, 503 })
        {
            route.Produces<ErrorBody>(status);
        }

        return route;
    }
}
