using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// `/dashboard`: the page (or, without the key, the key form and a 401), its embedded assets, `/dashboard/events` (SSE:
/// the payload every second) and `/dashboard/snapshot` (the payload once, fresh). With an API key configured, `?key=`
/// or the form sets the cookie and redirects to the bare URL, so the key does not stay in the address bar or history.
/// </summary>
public static class DashboardEndpoints
{
    public static void Map(WebApplication app, DashboardAccess access)
    {
        app.MapGet("/dashboard", async (HttpContext ctx) =>
        {
            if (ctx.Request.Query.TryGetValue("key", out var key))
            {
                await LoginAsync(ctx, access, key.ToString());
                return;
            }

            if (!access.IsAllowed(ctx.Request))
            {
                await KeyFormAsync(ctx, null);
                return;
            }

            // Everything the page loads comes from here; no inline script runs.
            ctx.Response.Headers.ContentSecurityPolicy = "default-src 'self'; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
            await AssetAsync(ctx, "dashboard.html", "text/html; charset=utf-8");
        });
        app.MapPost("/dashboard/login", async (HttpContext ctx) =>
        {
            var form = ctx.Request.HasFormContentType ? await ctx.Request.ReadFormAsync(ctx.RequestAborted) : null;
            await LoginAsync(ctx, access, form?["key"].ToString() ?? "");
        });
        app.MapGet("/dashboard/assets/{name}", async (HttpContext ctx, string name) =>
        {
            if (!access.IsAllowed(ctx.Request))
            {
                await DeniedAsync(ctx);
                return;
            }

            if (!DashboardAssets.ContentTypes.TryGetValue(name, out var type))
            {
                ctx.Response.StatusCode = 404;
                return;
            }

            await AssetAsync(ctx, name, type);
        });
        app.MapGet("/dashboard/snapshot", async (HttpContext ctx, DashboardFeed feed) =>
        {
            if (!access.IsAllowed(ctx.Request))
            {
                await DeniedAsync(ctx);
                return;
            }

            ctx.Response.ContentType = "application/json";
            ctx.Response.Headers.CacheControl = "no-store";
            await ctx.Response.WriteAsync(await feed.RefreshAsync(ctx.RequestAborted));
        });
        app.MapGet("/dashboard/events", async (HttpContext ctx, DashboardFeed feed, IHostApplicationLifetime lifetime) =>
        {
            if (!access.IsAllowed(ctx.Request))
            {
                await DeniedAsync(ctx);
                return;
            }

            await StreamAsync(ctx, feed, lifetime.ApplicationStopping);
        });
    }

    /// <summary>Registers the feed (created on the first dashboard request, disposed with the application).</summary>
    public static void AddDashboard(IServiceCollection services, Func<IServiceProvider, DashboardFeed> feed) => services.AddSingleton(feed);

    private static async Task StreamAsync(HttpContext ctx, DashboardFeed feed, CancellationToken stopping)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, stopping);
        ctx.Response.ContentType = "text/event-stream";
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Response.Headers["X-Accel-Buffering"] = "no";
        try
        {
            var payload = feed.HasCluster ? feed.Payload : await feed.RefreshAsync(cancel.Token);
            using var timer = new PeriodicTimer(DashboardFeed.Interval);
            do
            {
                feed.Touch();
                await ctx.Response.WriteAsync("event: snapshot\ndata: " + payload + "\n\n", cancel.Token);
                await ctx.Response.Body.FlushAsync(cancel.Token);
                payload = feed.Payload;
            }
            while (await timer.WaitForNextTickAsync(cancel.Token));
        }
        catch (OperationCanceledException)
        {
            // The page closed or the endpoint is stopping.
        }
    }

    private static async Task LoginAsync(HttpContext ctx, DashboardAccess access, string key)
    {
        if (!access.KeyRequired)
        {
            ctx.Response.Redirect("/dashboard");
            return;
        }

        if (!access.KeyMatches(key))
        {
            await KeyFormAsync(ctx, "That key is wrong: it is not the API key of this endpoint.");
            return;
        }

        access.Grant(ctx.Response, ctx.Request.IsHttps);
        ctx.Response.StatusCode = StatusCodes.Status303SeeOther;
        ctx.Response.Headers.Location = "/dashboard";
    }

    private static async Task KeyFormAsync(HttpContext ctx, string? error)
    {
        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
        ctx.Response.ContentType = "text/html; charset=utf-8";
        ctx.Response.Headers.CacheControl = "no-store";
        var page = DashboardAssets.Read("login.html") ?? throw new InvalidOperationException("login.html is not embedded");
        await ctx.Response.WriteAsync(page.Replace("{{error}}", error is null ? "" : $"<p class=\"error\">{WebUtility.HtmlEncode(error)}</p>", StringComparison.Ordinal));
    }

    private static async Task DeniedAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = StatusCodes.Status401Unauthorized;
        await ctx.Response.WriteAsJsonAsync(new ApiException(401, "the dashboard needs the API key: open /dashboard?key=... once, or send Authorization: Bearer ...", "authentication_error", null, "invalid_api_key").Body());
    }

    private static async Task AssetAsync(HttpContext ctx, string name, string contentType)
    {
        ctx.Response.ContentType = contentType;
        ctx.Response.Headers.CacheControl = "no-cache";
        ctx.Response.Headers["X-Content-Type-Options"] = "nosniff";
        await ctx.Response.WriteAsync(DashboardAssets.Read(name) ?? throw new InvalidOperationException(name + " is not embedded"));
    }
}
