using System.Security.Cryptography;
using System.Text;
using Hunyuan.Serving.OpenAi.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Hunyuan.Serving.OpenAi.Endpoints;

/// <summary>
/// With an API key configured, every route but /health needs "Authorization: Bearer KEY" (401 otherwise). The dashboard
/// checks the key itself: it also accepts its cookie, and answers a browser with the key form.
/// </summary>
internal sealed class ApiKeyGate(RequestDelegate next, IOptions<ServingOptions> options)
{
    private readonly byte[]? _expected = options.Value.ResolveApiKey() is { } key ? Encoding.UTF8.GetBytes("Bearer " + key) : null;

    public async Task InvokeAsync(HttpContext ctx)
    {
        if (_expected is not null && ctx.Request.Path != "/health" && !ctx.Request.Path.StartsWithSegments("/dashboard") && !Matches(ctx.Request.Headers.Authorization.ToString()))
        {
            await OpenAiExceptionHandler.WriteAsync(ctx, ApiException.Unauthorized("missing or wrong API key (Authorization: Bearer ...)"), options.Value);
            return;
        }

        await next(ctx);
    }

    // Constant time, so response timing does not reveal how much of a guessed key was right.
    private bool Matches(string header) => CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expected);
}
