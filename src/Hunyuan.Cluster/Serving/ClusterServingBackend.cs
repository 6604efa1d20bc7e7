using System.Globalization;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Scheduling;
using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Tokenization;
using Hunyuan.Serving;

namespace Hunyuan.Cluster.Serving;

/// <summary>
/// Serves a cluster deployment: the scheduler here, the model's ranks on their nodes, steps over the data plane. The
/// endpoint holds the deployment's serving lease (renewed every second; a second endpoint is refused unless it takes
/// over, and then this one stops serving), runs the canary on its own driver every 30 s or when the head asks for one,
/// and reports it with the renewal. Ready only while the lease is held, the driver is connected and the deployment is
/// ready: a lost rank makes it not ready at once (in-flight requests end with the reason); once the head has healed the
/// deployment, a new driver connects, the canary passes, and it is ready again.
/// </summary>
public sealed class ClusterServingBackend : IServingBackend, IAsyncDisposable
{
    private static readonly TimeSpan CanaryPeriod = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CanaryDeadline = TimeSpan.FromSeconds(60);

    // A call in flight through a gateway whose silo dies gets no answer until the client's response timeout (minutes):
    // the poll bounds each of its own, so the next goes out through a live gateway and the endpoint can heal.
    private static readonly TimeSpan ControlCallTimeout = TimeSpan.FromSeconds(10);
    private const long CanarySequenceBase = -1L << 40;

    private readonly IGrainFactory _client;
    private readonly string _deployment;
    private readonly string _holder;
    private readonly LeasedStepExecutor _executor;
    private readonly CancellationTokenSource _stop = new();
    private readonly TimeProvider _time;
    private readonly Task _poll;
    private LeaseGrant _grant;
    private long _canarySequence = CanarySequenceBase;
    private DateTimeOffset _lastCanary = DateTimeOffset.MinValue;
    private volatile string _reason = "starting";
    private volatile bool _ready;

    private ClusterServingBackend(IGrainFactory client, string deployment, string holder, LeaseGrant grant, HunyuanTokenizer tokenizer, LeasedStepExecutor executor, Scheduler scheduler, int maxModelLen, TimeProvider time)
    {
        _time = time;
        _client = client;
        _deployment = deployment;
        _holder = holder;
        _grant = grant;
        _executor = executor;
        Tokenizer = tokenizer;
        Scheduler = scheduler;
        MaxModelLen = maxModelLen;
        _poll = Task.Run(PollAsync);
    }

    public Scheduler Scheduler { get; }

    public HunyuanTokenizer Tokenizer { get; }

    public int MaxModelLen { get; }

    /// <summary>The lease this endpoint holds (its number grows with every grant).</summary>
    public long Lease => _grant.Lease;

    /// <param name="client">The cluster.</param>
    /// <param name="deployment">The deployment to serve.</param>
    /// <param name="maxNumSeqs">Sequences batched together.</param>
    /// <param name="holder">How this endpoint is named to the head and to a second endpoint that is refused (its URL and host).</param>
    /// <param name="takeOver">Take the lease from another endpoint (which then stops serving).</param>
    /// <param name="prefixCaching">Keep computed KV blocks for later requests with the same prefix.</param>
    /// <param name="time">The clock of the lease renewals and the canary (the system's unless a test gives its own).</param>
    public static async Task<ClusterServingBackend> StartAsync(IGrainFactory client, string deployment, int maxNumSeqs, string holder, bool takeOver = false, bool prefixCaching = true, TimeProvider? time = null)
    {
        var grant = await client.GetGrain<IDeploymentGrain>(deployment).AcquireLeaseAsync(holder, takeOver);
        if (!grant.Granted || grant.Layout is not { } layout)
        {
            throw new ArgumentException(grant.Holder is null
                ? grant.Reason
                : $"{grant.Reason}; a second endpoint would corrupt its KV cache. Stop it, or pass --take-over to replace it");
        }

        if (layout.KvBlocks <= 0)
        {
            throw new ArgumentException($"deployment '{deployment}' has no paged KV pool; redeploy it with this version");
        }

        var tokenizer = HunyuanTokenizer.Load(Hunyuan.Model.Checkpoints.ModelSource.Resolve(layout.ModelPath, layout.BuiltInModel));
        var executor = new LeasedStepExecutor(layout.Pp);
        var scheduler = new Scheduler(executor,
            new EngineOptions
            {
                Blocks = layout.KvBlocks,
                BlockSize = layout.KvBlockSize,
                MaxModelLen = layout.MaxModelLen,
                MaxNumSeqs = maxNumSeqs,
                PrefixCaching = prefixCaching,
                PrefixCacheIdentity = $"{layout.ModelPath}|{layout.BuiltInModel}|{layout.Variant}|{layout.DType}|tp{layout.Tp}|pp{layout.Pp}|{layout.Epoch}",
            });
        var backend = new ClusterServingBackend(client, deployment, holder, grant, tokenizer, executor, scheduler, layout.MaxModelLen, time ?? TimeProvider.System);
        return backend;
    }

    public (bool Ready, string Reason) Readiness() => (_ready && _executor.Driver is { Broken: null }, _executor.Driver is { Broken: not null } driver ? BrokenReason(driver) : _reason);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _poll;
        }
        catch (OperationCanceledException)
        {
        }

        await Scheduler.DisposeAsync();
        if (_executor.Driver is { } driver)
        {
            await driver.DisposeAsync();
        }

        try
        {
            await _client.GetGrain<IDeploymentGrain>(_deployment).ReleaseLeaseAsync(_grant.Lease).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException)
        {
            // The cluster is going away; the lease lapses on its own.
        }

        _stop.Dispose();
    }

    private async Task PollAsync()
    {
        CanaryReport? report = null;
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                var grain = _client.GetGrain<IDeploymentGrain>(_deployment);
                if (!await BoundedAsync(grain.RenewLeaseAsync(_grant.Lease, report)))
                {
                    await LoseLeaseAsync(grain);
                }

                report = null;
                var status = await BoundedAsync(grain.GetStatusAsync());
                if (status is null)
                {
                    _ready = false;
                    _reason = "no such deployment";
                }
                else if (_grant.Granted)
                {
                    report = await KeepDriverAsync(grain, status);
                    var (ready, reason) = (status.State == DeploymentState.Ready, $"{status.State.ToString().ToLowerInvariant()}: {status.Reason}");
                    if (report is { Error: null })
                    {
                        (ready, reason) = (true, $"ready: canary generated {report.Tokens} tokens in {report.Milliseconds:F0} ms");
                    }

                    _ready = ready && _executor.Driver is { Broken: null };
                    _reason = reason;
                }
            }
            catch (TimeoutException)
            {
                _ready = false;
                _reason = string.Create(CultureInfo.InvariantCulture, $"cluster unreachable: the head did not answer within {ControlCallTimeout.TotalSeconds:F0} s");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _ready = false;
                _reason = "cluster unreachable: " + ex.GetBaseException().Message;
            }

            await Task.Delay(TimeSpan.FromSeconds(1), _time, _stop.Token);
        }
    }

    /// <summary>
    /// Connects a driver when there is none or it broke and every rank is ready again (with the head's current endpoints),
    /// and runs the canary when due; returns the canary's report, if one ran.
    /// </summary>
    private async Task<CanaryReport?> KeepDriverAsync(IDeploymentGrain grain, DeploymentStatus status)
    {
        var allReady = status.Ranks.Count > 0 && status.Ranks.All(r => r.State == RankState.Ready);
        var driver = _executor.Driver;
        if (driver is { Broken: not null })
        {
            _executor.Use(null, driver.Superseded ? BrokenReason(driver) : $"{BrokenReason(driver)}; waiting for the deployment to heal");
            await driver.DisposeAsync();
            driver = null;
            _ready = false;
        }

        if (driver is null)
        {
            if (!allReady)
            {
                return null;
            }

            // A fresh grant carries the nodes' current data endpoints (an agent may have come back on another port).
            var grant = await BoundedAsync(grain.AcquireLeaseAsync(_holder, takeOver: false));
            if (!grant.Granted || grant.Layout is not { } layout)
            {
                _executor.Use(null, grant.Reason);
                return null;
            }

            _grant = grant;
            driver = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(layout, grant.Lease), _stop.Token);
            _executor.Use(driver);
            _lastCanary = DateTimeOffset.MinValue;
        }

        var due = status.State != DeploymentState.Ready || _time.GetUtcNow() - _lastCanary > CanaryPeriod;
        if (!due || !allReady)
        {
            return null;
        }

        // Its own sequence, never one of the scheduler's; its steps join the one order the driver sends.
        var started = _time.GetTimestamp();
        _lastCanary = _time.GetUtcNow();
        try
        {
            using var deadline = new CancellationTokenSource(CanaryDeadline, _time);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token, deadline.Token);
            var tokens = await driver.GenerateAsync(Interlocked.Decrement(ref _canarySequence), [1, 2, 3], 4, cancellationToken: cts.Token);
            return new CanaryReport(_time.GetUtcNow(), Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1), null, tokens.Length);
        }
        catch (Exception ex) when (ex is DataPlaneException or DataPlaneStepException or OperationCanceledException && !_stop.IsCancellationRequested)
        {
            return new CanaryReport(_time.GetUtcNow(), Math.Round(_time.GetElapsedTime(started).TotalMilliseconds, 1), ex.Message, 0);
        }
    }

    private static string BrokenReason(DataPlaneDriver driver) =>
        driver.Superseded ? $"another endpoint took the serving lease over: {driver.Broken}" : $"lost a rank: {driver.Broken}";

    private Task<T> BoundedAsync<T>(Task<T> call) => call.WaitAsync(ControlCallTimeout, _time, _stop.Token);

    private async Task LoseLeaseAsync(IDeploymentGrain grain)
    {
        var status = await BoundedAsync(grain.GetStatusAsync());
        _grant = _grant with { Granted = false };
        _ready = false;
        _reason = $"this endpoint no longer holds the serving lease of {_deployment} (another endpoint took over{(status?.Endpoint is { } e ? $": {e}" : "")})";
        if (_executor.Driver is { } driver)
        {
            _executor.Use(null, _reason);
            await driver.DisposeAsync();
        }
    }
}
