using System.Diagnostics;
using System.Globalization;
using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hunyuan.Grains.Nodes;

/// <summary>The node's heartbeat: probes GPUs, process memory and load, and reports to its NodeGrain.</summary>
internal sealed partial class NodeReporterService(
    IGrainFactory grains, IGpuProbe probe, TimeProvider clock, Engine.DataPlane.RankDataServer dataPlane, IOptions<AgentOptions> options, IHostApplicationLifetime lifetime, Metrics.AgentMetrics metrics, ILogger<NodeReporterService> logger) : BackgroundService
{
    public static readonly string Version = typeof(NodeReporterService).Assembly.GetName().Version?.ToString() ?? "0";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        string? lastError = null;

        // The silo is a hosted service too; report once it (and everything else) has started.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled()))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var gpus = await probe.ProbeAsync(stoppingToken);
                if (gpus.Error != lastError)
                {
                    if (gpus.Error is not null)
                    {
                        LogGpuProbeFailed(logger, o.NodeName, gpus.Error);
                    }

                    lastError = gpus.Error;
                }

                var report = new NodeReport(o.NodeName, o.AdvertisedAddress, gpus.Gpus, gpus.Error,
                    Process.GetCurrentProcess().WorkingSet64, LoadAverage(), clock.GetUtcNow(), Version, o.IsHead, dataPlane.Endpoint);
                metrics.Report(report);
                await grains.GetGrain<INodeGrain>(o.NodeName).ReportAsync(report);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogReportFailed(logger, o.NodeName, ex.Message);
            }

            try
            {
                await Task.Delay(o.HeartbeatPeriod, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    private static double LoadAverage()
    {
        try
        {
            var text = File.ReadAllText("/proc/loadavg");
            return double.Parse(text.Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Warning, Message = "Node {Node}: GPU probe failed: {Error}")]
    private static partial void LogGpuProbeFailed(ILogger logger, string node, string error);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "Node {Node}: heartbeat report failed: {Error}")]
    private static partial void LogReportFailed(ILogger logger, string node, string error);
}
