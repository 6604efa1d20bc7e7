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
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Hunyuan.Grains.Deployments;

/// <summary>
/// Supervises one deployment on the head. Deploy plans against the live inventory and fails fast with the reason when
/// it cannot place; otherwise it loads every rank on its node and, once a tick, aggregates their states: ready only
/// after a canary generation passes, degraded when a node of one of its ranks is lost, and back to ready on its own
/// when the node returns (the lost ranks are re-placed, every sequence is dropped, and the canary runs again).
/// Steps never come through here: the serving endpoint holds the deployment's lease and drives the ranks over the
/// data plane, running the canary on its own driver and reporting it with each renewal; while nobody holds the lease,
/// this grain runs the canary on a driver of its own (under a lease of its own, so one driver at a time).
/// </summary>
/// <remarks>
/// Reentrant on purpose: a canary or a head generation can take seconds (90 s at worst), and lease renewals, status
/// reads and a take-over must not queue behind it. What keeps interleaved turns honest: deploys and removals run one
/// at a time (<see cref="_changes"/>) and each moves <see cref="_version"/>; a supervision tick captures the version
/// when it starts and, after every await, stops without touching anything once the version moved; the head's driver
/// is made by one caller at a time and thrown away if the lease or layout moved while it connected; and a lease moves
/// before the driver it voids is closed, so nothing connecting meanwhile can win.
/// </remarks>
[HeadPlacement]
[Reentrant]
[CollectionAgeLimit(AlwaysActive = true)]
#pragma warning disable CA1001 // the driver is disposed with the activation (OnDeactivateAsync); the gates own no handle
internal sealed partial class DeploymentGrain(
    IGrainFactory grains,
    [FromKeyedServices(SupervisionOptions.ClockKey)] TimeProvider clock,
    IOptions<SupervisionOptions> supervision,
    [PersistentState("deployment", DeploymentStorage.Name)] IPersistentState<DeploymentRecord> record,
    ILogger<DeploymentGrain> logger)
    : Grain, IDeploymentGrain
#pragma warning restore CA1001
{
    private readonly SupervisionOptions _options = supervision.Value;
    private readonly SemaphoreSlim _changes = new(1, 1);
    private DeploymentSpec? _spec;
    private DeploymentLayout? _layout;
    private PartitionPlan? _plan;
    private DeploymentState _state = DeploymentState.Pending;
    private string _reason = "";
    private string _planText = "";
    private readonly Dictionary<int, RankStatus> _ranks = [];
    private int _generation;
    private long _version;
    private long _sequence = 1L << 40;
    private IGrainTimer? _timer;
    private string? _endpoint;

    public async Task<DeploymentStatus> DeployAsync(DeploymentSpec spec)
    {
        await _changes.WaitAsync();
        try
        {
            _version++;
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

            StartSupervising();
            return Status();
        }
        finally
        {
            _changes.Release();
        }
    }

    public Task<DeploymentStatus?> GetStatusAsync() => Task.FromResult(_spec is null ? null : Status());

    public async Task<long[]> GenerateAsync(long[] prompt, int maxTokens) => (await GenerateTimedAsync(prompt, maxTokens)).Ids;

    public async Task<TimedGeneration> GenerateTimedAsync(long[] prompt, int maxTokens)
    {
        var version = _version;
        var driver = await GenerationDriverAsync(prompt);
        var sequence = NextSequence();
        var started = clock.GetTimestamp();

        // The steps run off the grain's scheduler, as a serving endpoint's do: each step's continuation would otherwise
        // queue behind the activation's other work (supervision ticks, status calls) and be counted as the data plane's.
        // The driver is safe to use from any thread, and nothing below touches the grain's state.
        var generation = await Task.Run(async () =>
        {
            var before = driver.Timings;
            var ids = await driver.GenerateAsync(sequence, prompt, maxTokens);
            var spent = driver.Timings - before;
            return new TimedGeneration(ids, spent.Steps, spent.StepSeconds, spent.RankSeconds);
        });

        // It ran the canary's path (the head's driver, every rank, its own sequence), only longer, so it counts as a
        // passing canary: otherwise the periodic canary lands inside whatever the caller is timing (hyc bench cluster).
        if (!Stale(version) && _layout is { } layout && !EndpointHoldsLease && generation.Ids.Length > 0)
        {
            ApplyCanary(layout, new CanaryReport(clock.GetUtcNow(), Milliseconds(started), null, generation.Ids.Length), "a generation on the head");
        }

        return generation;
    }

    private async Task<DataPlaneDriver> GenerationDriverAsync(long[] prompt)
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

        return await HeadDriverAsync(layout);
    }

    public Task<DeploymentLayout?> GetLayoutAsync() => Task.FromResult(_layout);

    public Task SetEndpointAsync(string? url)
    {
        _endpoint = url;
        return Task.CompletedTask;
    }

    public async Task RemoveAsync()
    {
        await _changes.WaitAsync();
        try
        {
            _version++;
            await UnloadRanksAsync();
            await record.ClearStateAsync();
            await grains.GetGrain<IDeploymentRegistryGrain>("registry").RemoveAsync(this.GetPrimaryKeyString());
            _timer?.Dispose();
            _timer = null;
            _spec = null;
            DeactivateOnIdle();
        }
        finally
        {
            _changes.Release();
        }
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

            StartSupervising();
        }

        return Task.CompletedTask;
    }

    private void StartSupervising() =>
        _timer ??= this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions { DueTime = _options.TickPeriod, Period = _options.TickPeriod, Interleave = true, KeepAlive = true });

    /// <summary>Sequence ids of the head's own generations and canaries: above any an endpoint's scheduler hands out, never reused in an activation.</summary>
    private long NextSequence() => ++_sequence;

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

    [LoggerMessage(EventId = 3005, Level = LogLevel.Error, Message = "Deployment {Deployment}: failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string deployment, string reason);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Information, Message = "Deployment {Deployment}: restored from storage (epoch {Epoch}); finding its ranks")]
    private static partial void LogRestored(ILogger logger, string deployment, string epoch);
}
