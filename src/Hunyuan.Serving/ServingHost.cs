using System.Security.Cryptography.X509Certificates;
using Hunyuan.Serving.Dashboard;
using Hunyuan.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Hunyuan.Serving;

/// <summary>Builds the endpoint's web application (Kestrel on the configured address and port, HTTPS when given a certificate).</summary>
public static class ServingHost
{
    /// <param name="backend">What is served.</param>
    /// <param name="options">Address, model name, API key, TLS, limits.</param>
    /// <param name="cluster">What the dashboard shows of the cluster; this process alone when null (`hyc serve MODEL_DIR`).</param>
    /// <param name="configure">Last changes to the builder (tests add an in-memory trace exporter or a log capture).</param>
    public static WebApplication Build(IServingBackend backend, ServingOptions options, IClusterSnapshotSource? cluster = null, Action<WebApplicationBuilder>? configure = null)
    {
        // Checked now as well as at start (ValidateOnStart): Kestrel's address, TLS files and body limit come from them.
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c =>
        {
            // UTC ISO-8601 first on every line: `hyc logs --since` filters by it, and hosts in other time zones agree.
            c.SingleLine = true;
            c.UseUtcTimestamp = true;
            c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";

            // The scopes hold the trace and span ids of the request a line belongs to.
            c.IncludeScopes = true;
        }).SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Hunyuan", LogLevel.Information);
        HycTracing.Add(builder.Services, builder.Logging, "hyc-endpoint", null, t => t.AddAspNetCoreInstrumentation(o =>
            o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/metrics") && !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments("/dashboard/events")));
        builder.WebHost.UseUrls($"{(options.Https ? "https" : "http")}://{options.Host}:{options.Port}");
        builder.WebHost.ConfigureKestrel(k =>
        {
            // Kestrel refuses a larger body with 413 from its Content-Length, or as soon as a chunked one passes the limit.
            k.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            if (options.Https)
            {
                var certificate = X509Certificate2.CreateFromPemFile(options.TlsCertificateFile!, options.TlsKeyFile);
                k.ConfigureHttpsDefaults(h => h.ServerCertificate = certificate);
            }
        });
        builder.WebHost.UseKestrelHttpsConfiguration();
        OpenAiEndpoints.AddServices(builder.Services, backend, options);
        var source = cluster ?? new InProcessSnapshotSource(backend, options.ModelName);
        DashboardEndpoints.AddDashboard(builder.Services, sp => new DashboardFeed(source, new LiveRates(backend.Scheduler.Metrics, TimeProvider.System),
            options.ModelName, TimeProvider.System, sp.GetRequiredService<ILoggerFactory>().CreateLogger<DashboardFeed>()));
        configure?.Invoke(builder);
        var app = builder.Build();
        OpenAiEndpoints.Map(app);
        DashboardEndpoints.Map(app, new DashboardAccess(options.ResolveApiKey()));
        return app;
    }
}
