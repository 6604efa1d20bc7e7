using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Ranks;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Grains.Deployments;

/// <summary>The serving lease (one step driver per deployment) and the head's own driver, which holds it while no endpoint does.</summary>
internal sealed partial class DeploymentGrain
{
    private const string HeadHolder = "the head's canary";

    private readonly SemaphoreSlim _driverGate = new(1, 1);
    private DataPlaneDriver? _driver;
    private string? _leaseHolder;
    private long _lease;
    private DateTimeOffset _leaseRenewed;

    public async Task<LeaseGrant> AcquireLeaseAsync(string holder, bool takeOver)
    {
        var ttl = (int)_options.LeaseTtl.TotalSeconds;
        if (_layout is not { } layout || _state == DeploymentState.Failed)
        {
            return new LeaseGrant(false, 0, null, null, _spec is null ? $"deployment '{this.GetPrimaryKeyString()}' does not exist" : $"deployment '{this.GetPrimaryKeyString()}' is {_state.ToString().ToLowerInvariant()}: {_reason}", ttl);
        }

        if (EndpointHoldsLease && !string.Equals(_leaseHolder, holder, StringComparison.Ordinal) && !takeOver)
        {
            return new LeaseGrant(false, 0, null, _leaseHolder, $"deployment '{layout.Deployment}' is served by {_leaseHolder}", ttl);
        }

        if (EndpointHoldsLease && !string.Equals(_leaseHolder, holder, StringComparison.Ordinal))
        {
            LogLeaseTakenOver(logger, layout.Deployment, holder, _leaseHolder!);
        }

        // The lease moves before the head's driver is closed: a head driver connecting meanwhile finds itself stale.
        var version = _version;
        GrantLease(holder);
        var lease = _lease;
        await DropHeadDriverAsync();
        if (Stale(version) || _layout is not { } current)
        {
            return new LeaseGrant(false, 0, null, null, $"deployment '{layout.Deployment}' was deployed again or removed meanwhile; ask again", ttl);
        }

        return new LeaseGrant(true, lease, current, holder, "granted", ttl);
    }

    public Task<bool> RenewLeaseAsync(long lease, CanaryReport? canary)
    {
        if (lease != _lease || _leaseHolder is null || _leaseHolder == HeadHolder)
        {
            return Task.FromResult(false);
        }

        _leaseRenewed = clock.GetUtcNow();
        if (canary is not null && _layout is { } layout)
        {
            ApplyCanary(layout, canary);
        }

        return Task.FromResult(true);
    }

    public Task ReleaseLeaseAsync(long lease)
    {
        if (lease == _lease && _leaseHolder is not null && _leaseHolder != HeadHolder)
        {
            _leaseHolder = null;
        }

        return Task.CompletedTask;
    }

    /// <summary>A serving endpoint holds the lease and has renewed it within its time to live.</summary>
    private bool EndpointHoldsLease => _leaseHolder is not null && _leaseHolder != HeadHolder && clock.GetUtcNow() - _leaseRenewed < _options.LeaseTtl;

    /// <summary>Lease numbers grow across grants and across head restarts (they start from the clock), so ranks can tell the newest.</summary>
    private void GrantLease(string holder)
    {
        _lease = Math.Max(_lease + 1, clock.GetUtcNow().UtcTicks);
        _leaseHolder = holder;
        _leaseRenewed = clock.GetUtcNow();
    }

    /// <summary>
    /// The head's own driver, under a lease of its own; refused while a serving endpoint holds the lease. One caller
    /// makes it at a time (a canary and a generation asking together would otherwise each grant a lease and connect, and
    /// the first driver would be left open under a stale lease).
    /// </summary>
    private async Task<DataPlaneDriver> HeadDriverAsync(DeploymentLayout layout)
    {
        await _driverGate.WaitAsync();
        try
        {
            if (EndpointHoldsLease)
            {
                throw new InvalidOperationException($"deployment {layout.Deployment} is served by {_leaseHolder}; generate through its endpoint");
            }

            if (_driver is { Broken: null } current && _leaseHolder == HeadHolder && current.Target.Lease == _lease && current.Target.Epoch == layout.Epoch
                && current.Target.RankEndpoints.SequenceEqual(layout.RankEndpoints ?? []))
            {
                return current;
            }

            await DropHeadDriverAsync();
            GrantLease(HeadHolder);
            var lease = _lease;
            var driver = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(layout, lease));
            if (_lease != lease || _leaseHolder != HeadHolder || _layout?.Epoch != layout.Epoch)
            {
                // An endpoint took the lease, or a deploy or removal came, while this driver connected.
                await driver.DisposeAsync();
                throw new InvalidOperationException($"deployment {layout.Deployment}: the lease or the layout moved while the head's driver connected");
            }

            _driver = driver;
            return driver;
        }
        finally
        {
            _driverGate.Release();
        }
    }

    /// <summary>Closes the head's driver; with <paramref name="only"/>, only if that one is still the current driver (another may have replaced it).</summary>
    private async Task DropHeadDriverAsync(DataPlaneDriver? only = null)
    {
        var driver = _driver;
        if (driver is null || (only is not null && !ReferenceEquals(driver, only)))
        {
            return;
        }

        _driver = null;
        await driver.DisposeAsync();
    }

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Deployment {Deployment}: {Holder} takes the serving lease over from {Previous}")]
    private static partial void LogLeaseTakenOver(ILogger logger, string deployment, string holder, string previous);
}
