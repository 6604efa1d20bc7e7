using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Serving.Dashboard;

/// <summary>
/// The dashboard's one source of truth per endpoint: while a page is open, a loop reads the cluster every second (each
/// read bounded, so a node that stopped answering delays nothing), and every second the live rates are sampled and the
/// payload rebuilt. Every SSE client sends the same latest payload, so ten open pages cost the control plane no more
/// than one, and an endpoint nobody watches does not poll at all.
/// </summary>
public sealed partial class DashboardFeed : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(10);

    private readonly IClusterSnapshotSource _source;
    private readonly LiveRates _rates;
    private readonly string _model;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private ClusterSnapshot? _cluster;
    private DateTimeOffset _clusterAt;
    private string? _clusterError;
    private volatile string _payload;
    private long _wantedAt;

    public DashboardFeed(IClusterSnapshotSource source, LiveRates rates, string model, TimeProvider time, ILogger logger)
    {
        _source = source;
        _rates = rates;
        _model = model;
        _time = time;
        _logger = logger;
        _wantedAt = time.GetTimestamp();
        _payload = Build(rates.Sample());
        _loops = [Task.Run(PollClusterAsync), Task.Run(TickAsync)];
    }

    /// <summary>The latest payload (JSON), rebuilt every <see cref="Interval"/>.</summary>
    public string Payload => _payload;

    /// <summary>True once a cluster read succeeded.</summary>
    public bool HasCluster => Volatile.Read(ref _cluster) is not null;

    /// <summary>Someone is watching: keep polling the cluster for <see cref="IdleAfter"/>.</summary>
    public void Touch() => Interlocked.Exchange(ref _wantedAt, _time.GetTimestamp());

    /// <summary>Reads the cluster and samples the rates now (the loops do this every second; tests call it directly).</summary>
    public async Task<string> RefreshAsync(CancellationToken cancellationToken)
    {
        Touch();
        await ReadClusterAsync(cancellationToken);
        _payload = Build(_rates.Sample());
        return _payload;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_loops);
        _rates.Dispose();
        _stop.Dispose();
    }

    internal string Build(LiveStats live)
    {
        var now = _time.GetUtcNow();
        var cluster = Volatile.Read(ref _cluster);
        var snapshot = new DashboardSnapshot(now, _model, live, cluster,
            cluster is null ? null : Math.Max(0, (now - _clusterAt).TotalSeconds), _clusterError);
        return JsonSerializer.Serialize(snapshot, DashboardJson.Default.DashboardSnapshot);
    }

    private async Task PollClusterAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (_time.GetElapsedTime(Interlocked.Read(ref _wantedAt)) < IdleAfter)
            {
                await ReadClusterAsync(_stop.Token);
            }

            if (!await DelayAsync())
            {
                return;
            }
        }
    }

    private async Task TickAsync()
    {
        while (await DelayAsync())
        {
            _payload = Build(_rates.Sample());
        }
    }

    private async Task ReadClusterAsync(CancellationToken cancellationToken)
    {
        try
        {
            var snapshot = await _source.ReadAsync(cancellationToken).WaitAsync(ReadTimeout, _time, cancellationToken);
            _clusterAt = _time.GetUtcNow();
            _clusterError = null;
            Volatile.Write(ref _cluster, snapshot);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            var message = ex is TimeoutException ? $"the control plane did not answer within {ReadTimeout.TotalSeconds:F0} s" : ex.GetBaseException().Message;
            if (_clusterError != message)
            {
                LogReadFailed(_logger, message);
            }

            _clusterError = message;
        }
    }

    private async Task<bool> DelayAsync()
    {
        try
        {
            await Task.Delay(Interval, _time, _stop.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "dashboard: reading the cluster failed: {Message}")]
    private static partial void LogReadFailed(ILogger logger, string message);
}
