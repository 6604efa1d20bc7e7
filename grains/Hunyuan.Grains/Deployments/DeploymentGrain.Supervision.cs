using Hunyuan.Engine.DataPlane;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Config;
using Microsoft.Extensions.Logging;

namespace Hunyuan.Grains.Deployments;

/// <summary>The supervision tick: membership, the ranks' states, re-placement after a node returns, and the canary.</summary>
internal sealed partial class DeploymentGrain
{
    private DateTimeOffset? _canaryAt;
    private double? _canaryMs;
    private string? _canaryError;
    private bool _needsCanary;
    private bool _recovering;
    private bool _ticking;

    /// <summary>A deploy or removal has happened since <paramref name="version"/> was read: whatever was learned for it no longer applies.</summary>
    private bool Stale(long version) => version != _version;

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        // A deploy or removal in progress owns the state; the tick after it supervises what it left.
        if (_ticking || _layout is null || _state == DeploymentState.Failed || _changes.CurrentCount == 0)
        {
            return;
        }

        _ticking = true;
        var version = _version;
        var layout = _layout;
        try
        {
            await SuperviseAsync(layout, version);
        }
        catch (Exception ex)
        {
            if (!Stale(version))
            {
                LogSupervisionError(logger, layout.Deployment, ex.Message);
            }
        }
        finally
        {
            _ticking = false;
        }
    }

    private async Task SuperviseAsync(DeploymentLayout layout, long version)
    {
        var alive = (await ClusterMembership.ReadAsync(grains)).Where(n => n.State == "alive").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        if (Stale(version))
        {
            return;
        }

        var lost = Enumerable.Range(0, layout.WorldSize).Where(r => !alive.Contains(layout.RankNodes[r])).ToArray();
        if (lost.Length > 0)
        {
            if (_state != DeploymentState.Degraded)
            {
                LogDegraded(logger, layout.Deployment, string.Join(",", lost.Select(r => layout.RankNodes[r]).Distinct()));
            }

            _state = DeploymentState.Degraded;
            _recovering = true;
            _reason = $"node(s) {string.Join(", ", lost.Select(r => layout.RankNodes[r]).Distinct())} lost: rank(s) {string.Join(", ", lost)} down; waiting for the node(s) to return";
            foreach (var r in lost)
            {
                _ranks[r] = _ranks[r] with { State = RankState.Pending, LoadPercent = 0, Error = "node lost" };
            }

            return;
        }

        // All ranks at once, each bounded: a rank whose node just vanished must not hold up the others' news.
        var queries = Enumerable.Range(0, layout.WorldSize)
            .Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).GetStatusAsync().WaitAsync(_options.StatusTimeout, clock))
            .ToArray();
        try
        {
            await Task.WhenAll(queries);
        }
        catch (Exception)
        {
            // Inspected per rank below.
        }

        if (Stale(version))
        {
            return;
        }

        var unreachable = new List<string>();
        for (var r = 0; r < layout.WorldSize; r++)
        {
            if (!queries[r].IsCompletedSuccessfully)
            {
                unreachable.Add($"rank {r} on {layout.RankNodes[r]} ({queries[r].Exception?.GetBaseException().Message ?? "no answer"})");
                _ranks[r] = _ranks[r] with { Error = "unreachable" };
                continue;
            }

            var status = queries[r].Result;
            if (status.Epoch != layout.Epoch)
            {
                // A fresh activation (its node came back): place the rank again, with the nodes' current endpoints.
                layout = await RefreshEndpointsAsync(layout, version);
                if (Stale(version))
                {
                    return;
                }

                LogReplacing(logger, layout.Deployment, r, layout.RankNodes[r]);
                _recovering = true;
                var rank = grains.GetGrain<IRankGrain>(layout.RankKey(r));
                await rank.LoadAsync(layout);
                status = await rank.GetStatusAsync();
                if (Stale(version))
                {
                    return;
                }
            }

            _ranks[r] = status;
        }

        if (unreachable.Count > 0)
        {
            // Membership will say whether the node is dead; until then the deployment cannot serve.
            _state = DeploymentState.Degraded;
            _recovering = true;
            _reason = $"unreachable: {string.Join("; ", unreachable)}";
            return;
        }

        if (_ranks.Values.FirstOrDefault(s => s.State == RankState.Failed) is { } failed)
        {
            Fail($"rank {failed.Rank} on {failed.Node} failed: {failed.Error}");
            return;
        }

        var ready = _ranks.Values.Count(s => s.State == RankState.Ready);
        if (ready < layout.WorldSize)
        {
            _state = _recovering ? DeploymentState.Degraded : DeploymentState.Loading;
            _reason = $"{(_recovering ? "recovering" : "loading")}: {ready}/{layout.WorldSize} ranks ready";
            return;
        }

        if (_recovering)
        {
            // Survivors drop every sequence (their peers lost theirs) and learn the returned nodes' endpoints.
            layout = await RefreshEndpointsAsync(layout, version);
            if (Stale(version))
            {
                return;
            }

            await Task.WhenAll(Enumerable.Range(0, layout.WorldSize).Select(async r =>
            {
                var rank = grains.GetGrain<IRankGrain>(layout.RankKey(r));
                await rank.LoadAsync(layout);
                if (!Stale(version))
                {
                    await rank.ReleaseAllAsync();
                }
            }));
            if (Stale(version))
            {
                return;
            }

            await DropHeadDriverAsync();
            if (Stale(version))
            {
                return;
            }

            _recovering = false;
            _needsCanary = true;
        }

        if (EndpointHoldsLease)
        {
            // The holder runs the canary on its own driver (its steps and ours would not share one order) and reports it.
            if (_needsCanary)
            {
                _state = _state == DeploymentState.Ready ? DeploymentState.Degraded : _state;
                _reason = $"all {layout.WorldSize} ranks ready; waiting for the canary of {_leaseHolder}";
            }

            return;
        }

        if (_needsCanary || _canaryAt is null || clock.GetUtcNow() - _canaryAt > _options.CanaryPeriod)
        {
            await RunCanaryAsync(layout, version);
        }
    }

    /// <summary>
    /// The layout with every rank's node data endpoint as the nodes report it now (an agent may have restarted on
    /// another port); it becomes the deployment's layout unless a deploy or removal came in meanwhile.
    /// </summary>
    private async Task<DeploymentLayout> RefreshEndpointsAsync(DeploymentLayout layout, long version)
    {
        var endpoints = new string[layout.WorldSize];
        var reports = new Dictionary<string, NodeReport?>(StringComparer.Ordinal);
        for (var r = 0; r < layout.WorldSize; r++)
        {
            var node = layout.RankNodes[r];
            if (!reports.TryGetValue(node, out var report))
            {
                report = await grains.GetGrain<INodeGrain>(node).GetReportAsync();
                reports[node] = report;
            }

            endpoints[r] = report?.DataEndpoint ?? layout.RankEndpoints?[r] ?? "";
        }

        if (!Stale(version) && !endpoints.SequenceEqual(layout.RankEndpoints ?? []))
        {
            layout = layout with { RankEndpoints = endpoints };
            _layout = layout;
        }

        return layout;
    }

    private async Task RunCanaryAsync(DeploymentLayout layout, long version)
    {
        var vocab = HunyuanConfig.Load(LocalModelPath(layout)).VocabSize;
        long[] prompt = [1 % vocab, 2 % vocab, 3 % vocab];
        var started = clock.GetTimestamp();
        DataPlaneDriver? used = null;
        try
        {
            using var deadline = new CancellationTokenSource(_options.CanaryDeadline, clock);
            var driver = await HeadDriverAsync(layout);
            used = driver;
            var tokens = await driver.GenerateAsync(NextSequence(), prompt, 4, cancellationToken: deadline.Token).WaitAsync(_options.CanaryDeadline, clock);
            if (!Stale(version))
            {
                ApplyCanary(layout, new CanaryReport(clock.GetUtcNow(), Milliseconds(started), null, tokens.Length));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            if (used is { } failed)
            {
                await DropHeadDriverAsync(failed);
            }

            // A deploy or removal closed this canary's driver (the new layout's own canary decides), or an endpoint
            // took the lease while it ran (the holder's canary decides).
            if (Stale(version) || EndpointHoldsLease)
            {
                return;
            }

            ApplyCanary(layout, new CanaryReport(clock.GetUtcNow(), Milliseconds(started), ex.GetBaseException().Message, 0));
        }
    }

    private double Milliseconds(long started) => Math.Round(clock.GetElapsedTime(started).TotalMilliseconds, 1);

    /// <param name="what">What passed, as the reason names it: the canary, or a generation on the head's driver.</param>
    private void ApplyCanary(DeploymentLayout layout, CanaryReport canary, string what = "canary")
    {
        if (canary.Error is null)
        {
            _canaryMs = canary.Milliseconds;
            _canaryAt = canary.At;
            _canaryError = null;
            if (_ranks.Count == layout.WorldSize && _ranks.Values.All(r => r.State == RankState.Ready) && !_recovering)
            {
                _needsCanary = false;
                if (_state != DeploymentState.Ready)
                {
                    LogReady(logger, layout.Deployment, canary.Milliseconds);
                }

                _state = DeploymentState.Ready;
                _reason = $"ready: {what} generated {canary.Tokens} tokens in {canary.Milliseconds:F0} ms";
            }
        }
        else
        {
            _canaryError = canary.Error;
            _state = _state == DeploymentState.Ready ? DeploymentState.Degraded : _state;
            _reason = $"canary failed: {canary.Error}";
        }
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Deployment {Deployment}: ready (canary {Ms} ms)")]
    private static partial void LogReady(ILogger logger, string deployment, double ms);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Deployment {Deployment}: degraded, node(s) {Nodes} lost")]
    private static partial void LogDegraded(ILogger logger, string deployment, string nodes);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Deployment {Deployment}: re-placing rank {Rank} on {Node}")]
    private static partial void LogReplacing(ILogger logger, string deployment, int rank, string node);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Deployment {Deployment}: supervision: {Error}")]
    private static partial void LogSupervisionError(ILogger logger, string deployment, string error);
}
