using Hunyuan.Grains.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prometheus;

namespace Hunyuan.Grains.Metrics;

/// <summary>
/// The agent's /metrics on --metrics-port, bound to the address the silo advertises (never every address): every .NET
/// meter of the process through prometheus-net's meter adapter: Orleans', the runtime's and hyc's own (<see cref="AgentMetrics"/>).
/// Off when the port is 0.
/// </summary>
internal sealed class AgentMetricsServer(IOptions<AgentOptions> options) : IHostedService, IDisposable
{
    private MetricServer? _server;
    private IDisposable? _meters;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (o.MetricsPort == 0)
        {
            return Task.CompletedTask;
        }

        var registry = Prometheus.Metrics.NewCustomRegistry();
        _meters = MeterAdapter.StartListening(new MeterAdapterOptions { Registry = registry, MetricFactory = Prometheus.Metrics.WithCustomRegistry(registry) });
        _server = new MetricServer(o.AdvertisedAddress, o.MetricsPort, "metrics/", registry);
        _server.Start();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync();
        }
    }

    public void Dispose()
    {
        _server?.Dispose();
        _meters?.Dispose();
    }
}
