using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Hunyuan.Grains.Nodes;

namespace Hunyuan.Grains.Metrics;

/// <summary>
/// hyc's own figures on an agent, as .NET instruments of the meter "Hunyuan.Agent" (exported with Orleans' and the
/// runtime's meters on the agent's /metrics): each GPU's memory and utilization from the node's last probe, each rank's
/// load progress, and each rank's step time on this node.
/// </summary>
public sealed class AgentMetrics : IDisposable
{
    public const string MeterName = "Hunyuan.Agent";

    private readonly Meter _meter = new(MeterName);
    private readonly Histogram<double> _stepSeconds;
    private readonly Histogram<double> _transportSeconds;
    private readonly ConcurrentDictionary<(string Deployment, int Rank), double> _loadProgress = new();
    private volatile NodeReport? _report;

    public AgentMetrics()
    {
        _meter.CreateObservableGauge("hyc.gpu.memory.total", () => Gpus(g => g.MemoryTotalBytes), "By", "GPU memory, total");
        _meter.CreateObservableGauge("hyc.gpu.memory.used", () => Gpus(g => g.MemoryUsedBytes), "By", "GPU memory in use (every process)");
        _meter.CreateObservableGauge("hyc.gpu.memory.free", () => Gpus(g => g.MemoryFreeBytes), "By", "GPU memory free");
        _meter.CreateObservableGauge("hyc.gpu.utilization", () => Gpus(g => g.UtilizationPercent), "%", "GPU utilization");
        _meter.CreateObservableGauge("hyc.rank.load.progress", LoadProgress, "1", "A rank's weight load, 0 to 1");
        _stepSeconds = _meter.CreateHistogram<double>("hyc.rank.step.duration", "s", "One rank's share of a decode or prefill step on this node");
        _transportSeconds = _meter.CreateHistogram<double>("hyc.rank.transport.duration", "s", "Of a rank's step, the time spent waiting for the previous stage's activations and sending its own");
    }

    /// <summary>The node's latest probe; GPU gauges read it at scrape time.</summary>
    public void Report(NodeReport report) => _report = report;

    public void LoadProgress(string deployment, int rank, double fraction) => _loadProgress[(deployment, rank)] = fraction;

    public void Unloaded(string deployment, int rank) => _loadProgress.TryRemove((deployment, rank), out _);

    public void Step(string deployment, int rank, TimeSpan elapsed) =>
        _stepSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("deployment", deployment), new KeyValuePair<string, object?>("rank", rank));

    public void Transport(string deployment, int rank, TimeSpan elapsed) =>
        _transportSeconds.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("deployment", deployment), new KeyValuePair<string, object?>("rank", rank));

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<double>> Gpus(Func<GpuInfo, double?> value)
    {
        if (_report is not { } report)
        {
            yield break;
        }

        foreach (var g in report.Gpus)
        {
            if (value(g) is { } v)
            {
                yield return new Measurement<double>(v, new TagList { { "node", report.Name }, { "gpu", g.Index }, { "name", g.Name }, { "virtual", g.Virtual } });
            }
        }
    }

    private IEnumerable<Measurement<double>> LoadProgress() =>
        _loadProgress.Select(p => new Measurement<double>(p.Value, new TagList { { "deployment", p.Key.Deployment }, { "rank", p.Key.Rank } }));
}
