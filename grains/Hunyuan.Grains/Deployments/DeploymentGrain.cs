using System.Diagnostics;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Engine.Planning;
using Hunyuan.Grains.Nodes;
using Hunyuan.Grains.Placement;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Variants;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// Supervises one deployment on the head. Deploy plans against the live inventory and fails fast with the reason when
/// it cannot place; otherwise it loads every rank on its node and, once a second, aggregates their states: ready only
/// after a canary generation passes, degraded when a node of one of its ranks is lost, and back to ready on its own
/// when the node returns (the lost ranks are re-placed, every sequence is dropped, and the canary runs again).
/// Steps never come through here: the serving endpoint holds the deployment's lease and drives the ranks over the
/// data plane, running the canary on its own driver and reporting it with each renewal; while nobody holds the lease,
/// this grain runs the canary on a driver of its own (under a lease of its own, so one driver at a time).
/// </summary>
[HeadPlacement]
[Reentrant]
[CollectionAgeLimit(AlwaysActive = true)]
#pragma warning disable CA1001 // the driver is disposed with the activation (OnDeactivateAsync)
internal sealed partial class DeploymentGrain(
    IGrainFactory grains, TimeProvider clock, [PersistentState("deployment", DeploymentStorage.Name)] IPersistentState<DeploymentRecord> record, ILogger<DeploymentGrain> logger)
    : Grain, IDeploymentGrain
#pragma warning restore CA1001
{
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan CanaryPeriod = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan CanaryDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(10);
    private const string HeadHolder = "the head's canary";

    private DeploymentSpec? _spec;
    private DeploymentLayout? _layout;
    private PartitionPlan? _plan;
    private DataPlaneDriver? _driver;
    private DeploymentState _state = DeploymentState.Pending;
    private string _reason = "";
    private string _planText = "";
    private readonly Dictionary<int, RankStatus> _ranks = [];
    private DateTimeOffset? _canaryAt;
    private double? _canaryMs;
    private string? _canaryError;
    private bool _needsCanary;
    private bool _recovering;
    private bool _ticking;
    private int _generation;
    private long _sequence = 1L << 40;
    private IGrainTimer? _timer;
    private string? _endpoint;
    private string? _leaseHolder;
    private long _lease;
    private DateTimeOffset _leaseRenewed;

    public async Task<DeploymentStatus> DeployAsync(DeploymentSpec spec)
    {
        await UnloadRanksAsync();
        _spec = spec;
        _generation++;
        _ranks.Clear();
        _canaryAt = null;
        _canaryMs = null;
        _canaryError = null;
        _recovering = false;
        var registry = grains.GetGrain<IDeploymentRegistryGrain>("registry");
        try
        {
            await PlanAndLoadAsync(spec);
            await registry.AddAsync(spec.Name);

            // The desired state outlives this activation: a restarted head finds the deployment (and its epoch) again.
            record.State = new DeploymentRecord { Spec = spec, Layout = _layout };
            await record.WriteStateAsync();
        }
        catch (Exception ex) when (ex is LayoutException or ModelUnavailableException or ConfigException or ArgumentException or IOException or Hunyuan.Model.SafeTensors.CheckpointException)
        {
            // Nothing was placed: the caller gets the reason now, and status does not list a deployment that never was.
            Fail(ex.Message);
            await registry.RemoveAsync(spec.Name);
            await record.ClearStateAsync();
        }

        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = TickPeriod, Period = TickPeriod, Interleave = true, KeepAlive = true });
        return Status();
    }

    public Task<DeploymentStatus?> GetStatusAsync() => Task.FromResult(_spec is null ? null : Status());

    public async Task<long[]> GenerateAsync(long[] prompt, int maxTokens)
    {
        var layout = _layout ?? throw new InvalidOperationException($"deployment {this.GetPrimaryKeyString()} has no ranks");
        if (_ranks.Count != layout.WorldSize || _ranks.Values.Any(r => r.State != RankState.Ready))
        {
            throw new InvalidOperationException($"deployment {this.GetPrimaryKeyString()} is {_state.ToString().ToLowerInvariant()}: {_reason}");
        }

        var vocab = HunyuanConfig.Load(LocalModelPath(layout)).VocabSize;
        var bad = Array.FindIndex(prompt, t => t < 0 || t >= vocab);
        if (bad >= 0)
        {
            throw new ArgumentException($"prompt token {bad} ({prompt[bad]}) is outside the vocabulary of {vocab}");
        }

        var driver = await HeadDriverAsync(layout);
        return await driver.GenerateAsync(Interlocked.Increment(ref _sequence), prompt, maxTokens);
    }

    public Task<DeploymentLayout?> GetLayoutAsync() => Task.FromResult(_layout);

    public async Task<LeaseGrant> AcquireLeaseAsync(string holder, bool takeOver)
    {
        var ttl = (int)LeaseTtl.TotalSeconds;
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

        await DropHeadDriverAsync();
        GrantLease(holder);
        return new LeaseGrant(true, _lease, _layout, holder, "granted", ttl);
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

    public Task SetEndpointAsync(string? url)
    {
        _endpoint = url;
        return Task.CompletedTask;
    }

    public async Task RemoveAsync()
    {
        await UnloadRanksAsync();
        await record.ClearStateAsync();
        await grains.GetGrain<IDeploymentRegistryGrain>("registry").RemoveAsync(this.GetPrimaryKeyString());
        _timer?.Dispose();
        _timer = null;
        _spec = null;
        DeactivateOnIdle();
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await DropHeadDriverAsync();

    /// <summary>
    /// A new activation of a deployment that was placed before (the head restarted): take the stored spec and layout,
    /// and let supervision find the ranks again. Survivors of the same epoch keep their partitions; ranks whose node
    /// restarted load again; then every rank learns the nodes' current endpoints and the canary decides readiness.
    /// </summary>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (record.State is { Spec: { } spec, Layout: { } layout })
        {
            _spec = spec;
            _layout = layout;
            _generation = layout.Generation;
            try
            {
                _plan = RankGrain.PlanOf(HunyuanConfig.Load(LocalModelPath(layout)), layout);
                _planText = $"{_plan.LayoutText}; restored after the head restarted";
                foreach (var r in _plan.Ranks)
                {
                    _ranks[r.Rank] = new RankStatus(r.Rank, r.Node, RankState.Pending, 0, null, 0, 0, _generation, "", null);
                }

                _state = DeploymentState.Degraded;
                _reason = "the head restarted: finding the ranks again";
                _recovering = true;
                _needsCanary = true;
                LogRestored(logger, spec.Name, layout.Epoch);
            }
            catch (Exception ex) when (ex is ConfigException or IOException or ArgumentException)
            {
                Fail($"restoring after the head restarted: {ex.Message}");
            }

            _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = TickPeriod, Period = TickPeriod, Interleave = true, KeepAlive = true });
        }

        return Task.CompletedTask;
    }

    /// <summary>A serving endpoint holds the lease and has renewed it within its time to live.</summary>
    private bool EndpointHoldsLease => _leaseHolder is not null && _leaseHolder != HeadHolder && clock.GetUtcNow() - _leaseRenewed < LeaseTtl;

    /// <summary>Lease numbers grow across grants and across head restarts (they start from the clock), so ranks can tell the newest.</summary>
    private void GrantLease(string holder)
    {
        _lease = Math.Max(_lease + 1, clock.GetUtcNow().UtcTicks);
        _leaseHolder = holder;
        _leaseRenewed = clock.GetUtcNow();
    }

    /// <summary>The head's own driver, under a lease of its own; refused while a serving endpoint holds the lease.</summary>
    private async Task<DataPlaneDriver> HeadDriverAsync(DeploymentLayout layout)
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
        _driver = await DataPlaneDriver.ConnectAsync(DataPlaneTargets.Of(layout, _lease));
        return _driver;
    }

    private async Task DropHeadDriverAsync()
    {
        var driver = _driver;
        _driver = null;
        if (driver is not null)
        {
            await driver.DisposeAsync();
        }
    }


    private async Task PlanAndLoadAsync(DeploymentSpec spec)
    {
        if (!ModelVariants.TryParse(spec.Variant, out var variant))
        {
            throw new ArgumentException($"variant '{spec.Variant}' is not bf16, fp8 or int8");
        }

        if (!ComputeDType.TryParse(spec.DType, out _))
        {
            throw new ArgumentException($"dtype '{spec.DType}' is not bfloat16 or float32");
        }

        var nodes = (await ClusterMembership.ReadAsync(grains)).Where(n => n.State == "alive").ToArray();
        var inventory = new List<NodeInventory>();
        var reports = new Dictionary<string, NodeReport>(StringComparer.Ordinal);
        foreach (var n in nodes)
        {
            var report = await grains.GetGrain<INodeGrain>(n.Name).GetReportAsync();
            if (report is { Gpus.Count: > 0 })
            {
                reports[n.Name] = report;
                inventory.Add(new NodeInventory(n.Name, report.Gpus.Select(g => new GpuSlot(g.Index, g.MemoryTotalBytes, g.Name)).ToArray()));
            }
        }

        if (inventory.Count == 0)
        {
            throw new LayoutException("no alive node reports any GPU (or declared virtual GPU)");
        }

        // Every node that may host a rank, and the head (this grain plans from config.json; the endpoint reads the
        // tokenizer there), before anything is placed.
        var needed = nodes.Where(n => n.IsHead || inventory.Any(i => i.Name == n.Name)).ToArray();
        var checks = await ModelAvailability.CheckAsync(grains, needed, spec.ModelPath, spec.BuiltInModel);
        if (ModelAvailability.Failure(checks) is { } failure)
        {
            throw new ModelUnavailableException(failure);
        }

        var config = HunyuanConfig.Load(ModelSource.Resolve(spec.ModelPath, spec.BuiltInModel));

        // "ep" or "tp" is the user's; anything else ("auto") follows the arithmetic: both placements' decode time from
        // the bytes each rank reads and the GPUs' bandwidth at the expected batch (virtual GPUs share one host's memory,
        // so the two tie there and expert-parallel stays, as the CPU measurements favoured).
        ExpertPlacement? forced = spec.ExpertPlacement switch
        {
            "tp" => ExpertPlacement.TensorParallel,
            "ep" => ExpertPlacement.ExpertParallel,
            _ => null,
        };
        var (plan, estimate) = ExpertPlacementAdvisor.Plan(config, variant, new GpuInventory(inventory), spec.Tp, spec.Pp, Math.Max(1, spec.MaxNumSeqs), forced: forced);
        var experts = plan.ExpertPlacement;
        var memory = inventory.SelectMany(n => n.Gpus).Min(g => g.MemoryBytes);
        var verdict = MemoryPlanner.Plan(plan, memory, new MemoryPlanOptions { GpuMemoryUtilization = spec.GpuMemoryUtilization, MaxModelLen = spec.MaxModelLen });
        _plan = plan;
        _planText = $"{plan.LayoutText}; experts {(experts == ExpertPlacement.TensorParallel ? "tp" : "ep")} ({estimate.Rule}); {verdict.Reason}";
        if (!verdict.Fits)
        {
            throw new LayoutException(verdict.Reason);
        }

        // Every rank gets a paged KV pool of the same number of blocks: the tightest rank's budget decides, capped at
        // what the batch could use at full length (twice, for preemption slack).
        var maxLen = Math.Min(spec.MaxModelLen ?? config.MaxPositionEmbeddings, config.MaxPositionEmbeddings);
        var budgetBlocks = verdict.Ranks.Min(r => (spec.KvCacheBytesPerRank ?? r.KvBudgetBytes) / Math.Max(1, r.KvBytesPerToken * spec.KvBlockSize));
        var cap = 2L * spec.MaxNumSeqs * ((maxLen + spec.KvBlockSize - 1) / spec.KvBlockSize);
        var blocks = (int)Math.Clamp(budgetBlocks, 1, cap);

        // The plan sized against total memory; refuse now, before any rank loads, if a GPU's live free memory is short.
        var live = reports.Values.SelectMany(n => n.Gpus.Where(g => !g.Virtual && g.MemoryFreeBytes is not null)
            .Select(g => new LiveGpuMemory(n.Name, g.Index, g.MemoryFreeBytes!.Value))).ToArray();
        if (MemoryPlanner.CheckLiveFree(verdict, live, (long)blocks * spec.KvBlockSize) is { } shortage)
        {
            _planText = $"{plan.LayoutText}; {shortage}";
            throw new LayoutException(shortage);
        }
        var layout = new DeploymentLayout(spec.Name, _generation, spec.BuiltInModel is null ? Path.GetFullPath(spec.ModelPath) : spec.ModelPath, variant.Name(), spec.DType, plan.Tp, plan.Pp,
            experts == ExpertPlacement.TensorParallel ? "tp" : "ep", plan.Ranks.Select(r => r.Node).ToArray(), plan.Ranks.Select(r => r.Gpu).ToArray(), spec.Fp8ExactDequantize,
            blocks, spec.KvBlockSize, maxLen, spec.BuiltInModel, plan.Ranks.Select(r => RankDevices.For(reports[r.Node], r.Gpu)).ToArray(),
            Epoch: Guid.NewGuid().ToString("N"), DataToken: Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            RankEndpoints: plan.Ranks.Select(r => reports[r.Node].DataEndpoint ?? "").ToArray());
        _layout = layout;
        await DropHeadDriverAsync();
        _state = DeploymentState.Loading;
        _reason = $"loading {plan.WorldSize} ranks";
        _needsCanary = true;
        LogDeploying(logger, spec.Name, plan.LayoutText, plan.WorldSize);
        foreach (var r in plan.Ranks)
        {
            _ranks[r.Rank] = new RankStatus(r.Rank, r.Node, RankState.Pending, 0, null, 0, 0, _generation, "", layout.Epoch);
            await grains.GetGrain<IRankGrain>(layout.RankKey(r.Rank)).LoadAsync(layout);
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (_ticking || _layout is null || _state == DeploymentState.Failed)
        {
            return;
        }

        _ticking = true;
        try
        {
            await SuperviseAsync(_layout);
        }
        catch (Exception ex)
        {
            LogSupervisionError(logger, _layout.Deployment, ex.Message);
        }
        finally
        {
            _ticking = false;
        }
    }

    private async Task SuperviseAsync(DeploymentLayout layout)
    {
        var alive = (await ClusterMembership.ReadAsync(grains)).Where(n => n.State == "alive").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
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
            .Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).GetStatusAsync().WaitAsync(StatusTimeout))
            .ToArray();
        try
        {
            await Task.WhenAll(queries);
        }
        catch (Exception)
        {
            // Inspected per rank below.
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
                layout = await RefreshEndpointsAsync(layout);
                LogReplacing(logger, layout.Deployment, r, layout.RankNodes[r]);
                _recovering = true;
                var rank = grains.GetGrain<IRankGrain>(layout.RankKey(r));
                await rank.LoadAsync(layout);
                status = await rank.GetStatusAsync();
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
            layout = await RefreshEndpointsAsync(layout);
            await Task.WhenAll(Enumerable.Range(0, layout.WorldSize).Select(async r =>
            {
                var rank = grains.GetGrain<IRankGrain>(layout.RankKey(r));
                await rank.LoadAsync(layout);
                await rank.ReleaseAllAsync();
            }));
            await DropHeadDriverAsync();
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

        if (_needsCanary || _canaryAt is null || clock.GetUtcNow() - _canaryAt > CanaryPeriod)
        {
            await RunCanaryAsync(layout);
        }
    }

    /// <summary>The layout with every rank's node data endpoint as the nodes report it now (an agent may have restarted on another port).</summary>
    private async Task<DeploymentLayout> RefreshEndpointsAsync(DeploymentLayout layout)
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

        if (!endpoints.SequenceEqual(layout.RankEndpoints ?? []))
        {
            layout = layout with { RankEndpoints = endpoints };
            _layout = layout;
        }

        return layout;
    }

    private async Task RunCanaryAsync(DeploymentLayout layout)
    {
        var vocab = HunyuanConfig.Load(LocalModelPath(layout)).VocabSize;
        long[] prompt = [1 % vocab, 2 % vocab, 3 % vocab];
        var sw = Stopwatch.StartNew();
        try
        {
            using var cts = new CancellationTokenSource(CanaryDeadline);
            var driver = await HeadDriverAsync(layout);
            var tokens = await driver.GenerateAsync(Interlocked.Increment(ref _sequence), prompt, 4, cancellationToken: cts.Token).WaitAsync(CanaryDeadline);
            ApplyCanary(layout, new CanaryReport(clock.GetUtcNow(), Math.Round(sw.Elapsed.TotalMilliseconds, 1), null, tokens.Length));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await DropHeadDriverAsync();
            if (EndpointHoldsLease)
            {
                // An endpoint took the lease while this canary ran (its driver was closed under it): the holder's canary decides.
                return;
            }

            ApplyCanary(layout, new CanaryReport(clock.GetUtcNow(), Math.Round(sw.Elapsed.TotalMilliseconds, 1), ex.GetBaseException().Message, 0));
        }
    }

    private void ApplyCanary(DeploymentLayout layout, CanaryReport canary)
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
                _reason = $"ready: canary generated {canary.Tokens} tokens in {canary.Milliseconds:F0} ms";
            }
        }
        else
        {
            _canaryError = canary.Error;
            _state = _state == DeploymentState.Ready ? DeploymentState.Degraded : _state;
            _reason = $"canary failed: {canary.Error}";
        }
    }

    private static string LocalModelPath(DeploymentLayout layout) => ModelSource.Resolve(layout.ModelPath, layout.BuiltInModel);

    private void Fail(string reason)
    {
        _state = DeploymentState.Failed;
        _reason = reason;
        LogFailed(logger, _spec?.Name ?? "?", reason);
    }

    private async Task UnloadRanksAsync()
    {
        if (_layout is not { } layout)
        {
            return;
        }

        var alive = (await ClusterMembership.ReadAsync(grains)).Where(n => n.State == "alive").Select(n => n.Name).ToHashSet(StringComparer.Ordinal);
        var unloads = Enumerable.Range(0, layout.WorldSize).Where(r => alive.Contains(layout.RankNodes[r]))
            .Select(r => grains.GetGrain<IRankGrain>(layout.RankKey(r)).UnloadAsync());
        try
        {
            await Task.WhenAll(unloads);
        }
        catch (Exception ex)
        {
            LogSupervisionError(logger, layout.Deployment, "unload: " + ex.Message);
        }

        _layout = null;
        _leaseHolder = null;
        await DropHeadDriverAsync();
    }

    private DeploymentStatus Status()
    {
        var spec = _spec!;
        var views = new List<RankView>();
        if (_plan is not null && _layout is not null)
        {
            foreach (var r in _plan.Ranks)
            {
                var s = _ranks.GetValueOrDefault(r.Rank);
                views.Add(new RankView(r.Rank, r.Node, r.Gpu, s?.State ?? RankState.Pending, s?.LoadPercent ?? 0, r.LayersText,
                    r.ExpertsText(_plan.Config.IntermediateSize), s?.Error, s?.ResidentWeightBytes ?? 0, r.WeightBytes));
            }
        }

        return new DeploymentStatus(spec.Name, spec.ModelPath, spec.Variant, _plan?.Tp ?? 0, _plan?.Pp ?? 0, _state, _reason, views,
            _canaryAt, _canaryMs, _canaryError, _endpoint, _generation, _planText);
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Deployment {Deployment}: placing {Layout} over {Ranks} ranks")]
    private static partial void LogDeploying(ILogger logger, string deployment, string layout, int ranks);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Deployment {Deployment}: ready (canary {Ms} ms)")]
    private static partial void LogReady(ILogger logger, string deployment, double ms);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Deployment {Deployment}: degraded, node(s) {Nodes} lost")]
    private static partial void LogDegraded(ILogger logger, string deployment, string nodes);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Deployment {Deployment}: re-placing rank {Rank} on {Node}")]
    private static partial void LogReplacing(ILogger logger, string deployment, int rank, string node);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Deployment {Deployment}: failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string deployment, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Deployment {Deployment}: restored from storage (epoch {Epoch}); finding its ranks")]
    private static partial void LogRestored(ILogger logger, string deployment, string epoch);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Deployment {Deployment}: {Holder} takes the serving lease over from {Previous}")]
    private static partial void LogLeaseTakenOver(ILogger logger, string deployment, string holder, string previous);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Deployment {Deployment}: supervision: {Error}")]
    private static partial void LogSupervisionError(ILogger logger, string deployment, string error);
}
