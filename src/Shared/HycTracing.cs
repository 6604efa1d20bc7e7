using Hunyuan.Engine.Scheduling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Hunyuan.Shared;

/// <summary>
/// Traces for a hyc process (the endpoint, an agent): the engine's spans and Orleans' grain-call spans, exported over
/// OTLP only when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads the OTEL_EXPORTER_OTLP_* variables itself),
/// and every log line written inside a span carries its trace and span ids, exported or not, so the lines of one
/// request can be found in every process's log.
/// </summary>
internal static class HycTracing
{
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Orleans' activity sources (grain calls, with AddActivityPropagation on silo and client).</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    public static bool OtlpConfigured => !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(OtlpEndpointVariable));

    public static void Add(IServiceCollection services, ILoggingBuilder logging, string serviceName, string? instance, Action<TracerProviderBuilder>? more = null)
    {
        logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceInstanceId: instance ?? Environment.MachineName))
            .WithTracing(t =>
            {
                t.AddSource(EngineTelemetry.SourceName).AddSource(OrleansSources);
                more?.Invoke(t);
                if (OtlpConfigured)
                {
                    t.AddOtlpExporter();
                }
            });
    }
}
