using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Serving;

/// <summary>Builds the endpoint's web application (Kestrel on the configured address and port).</summary>
public static class ServingHost
{
    public static WebApplication Build(IServingBackend backend, ServingOptions options)
    {
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c =>
        {
            // UTC ISO-8601 first on every line: `hyc logs --since` filters by it, and hosts in other time zones agree.
            c.SingleLine = true;
            c.UseUtcTimestamp = true;
            c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
        }).SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.UseUrls($"http://{options.Host}:{options.Port}");
        var app = builder.Build();
        OpenAiEndpoints.Map(app, backend, options);
        return app;
    }
}
