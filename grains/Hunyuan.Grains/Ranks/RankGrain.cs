using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Grains.Placement;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// One rank on its node's silo: the control plane of one partition (load, state, unload). The partition lives on a
/// <see cref="RankWorker"/> thread and is driven over the node's data plane (<see cref="RankDataServer"/>): steps come
/// from the lease holder's driver, activations from the previous stage's rank, never through this grain. Peers on the
/// same node share an in-process collective hub; a tensor-parallel group spanning nodes exchanges its collectives over
/// the data plane too (<see cref="PeerCollectiveGroup"/>).
/// </summary>
[NodePinnedPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
#pragma warning disable CA1001 // the worker is disposed with the activation (OnDeactivateAsync), not by an owner
internal sealed partial class RankGrain(
    LocalHubRegistry hubs, RankDataServer dataPlane, ILocalSiloDetails silo, Metrics.AgentMetrics metrics, ILogger<RankGrain> logger) : Grain, IRankGrain
#pragma warning restore CA1001
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    // Under Orleans' default 30 s response timeout, so a missing id is answered (null) rather than timed out.
    private static readonly TimeSpan LinkIdWait = TimeSpan.FromSeconds(20);

    private readonly LoadProgress _progress = new();
    private RankWorker? _worker;
    private volatile DeploymentLayout? _layout;
    // Volatile: the data plane's reset and abort callbacks read it on their own threads; set and cleared on the grain's.
    private volatile ICollectiveGroup? _hub;
    private PeerCollectiveGroup? _peers;
    private PipelineLinks? _links;
    private NcclLinkIds _linkIds = new();
    private IDisposable? _registration;
    private RankState _state = RankState.Pending;
    private string? _error;
    private int _rank = -1;

    public async Task LoadAsync(DeploymentLayout layout)
    {
        if (_layout is { } current && current.SameSpec(layout) && _state is RankState.Loading or RankState.Ready)
        {
            // Same deployment and epoch: keep the partition; only node endpoints may have moved (an agent restarted).
            _layout = layout;
            return;
        }

        await DisposeWorkerAsync();
        var (_, rank, node) = RankKeys.Parse(this.GetPrimaryKeyString());
        _rank = rank;
        _layout = layout;
        _state = RankState.Loading;
        _progress.Reset();
        _error = null;
        try
        {
            // A built-in resolves under this agent's HYC_HOME; the deploy-time model check already made it here.
            // The device first: a rank that cannot have its GPU fails with the reason before reading anything.
            var (device, deviceError) = RankDevices.Resolve(layout.RankDevice(rank), node, rank, TorchCudaRuntime.Instance);
            if (device is null)
            {
                throw new InvalidOperationException(deviceError);
            }

            var modelPath = ModelSource.Resolve(layout.ModelPath, layout.BuiltInModel);
            var config = HunyuanConfig.Load(modelPath);
            var plan = PlanOf(config, layout);
            var me = plan.Ranks[rank];
            var group = GroupFor(plan, me, layout);
            _links = LinksFor(plan, me, layout, device);
            var worker = new RankWorker(me, config, group, _links.Inbound, _links.Outbound)
            {
                StepTimed = (step, transport) =>
                {
                    metrics.Step(layout.Deployment, rank, step);
                    metrics.Transport(layout.Deployment, rank, transport);
                },
            };
            _worker = worker;
            _registration = dataPlane.Register(new RankDataEndpoint(
                layout.Deployment, layout.Epoch, rank, layout.DataToken, worker, _links.Inbound, ResetCollectives, AbortCollectives, _peers?.Inbox));
            var options = new LoadOptions
            {
                DType = ComputeDType.TryParse(layout.DType, out var dt) ? dt : torch.ScalarType.BFloat16,
                Variant = ModelVariants.TryParse(layout.Variant, out var v) ? v : ModelVariant.Bf16,
                Fp8ExactDequantize = layout.Fp8ExactDequantize,
                Device = device,
            };
            LogLoading(logger, layout.Deployment, rank, node, me.LayersText);
            var progress = new Progress<double>(p =>
            {
                _progress.Set(p);
                metrics.LoadProgress(layout.Deployment, rank, p);
            });
            var paged = layout.KvBlocks > 0 ? new PagedKvOptions(layout.KvBlocks, layout.KvBlockSize) : null;

            // The outcome is applied on this grain's scheduler (TaskScheduler.Current here), never from the thread pool.
            _ = worker.LoadAsync(modelPath, options, progress, paged).ContinueWith(t => Loaded(worker, layout, t), TaskScheduler.Current);
        }
        catch (Exception ex)
        {
            _error = ex.Message;
            _state = RankState.Failed;
            LogFailed(logger, layout.Deployment, rank, ex.Message);
        }
    }

    public Task<RankStatus> GetStatusAsync()
    {
        var node = RankKeys.Parse(this.GetPrimaryKeyString()).Node;
        return Task.FromResult(new RankStatus(
            RankKeys.Parse(this.GetPrimaryKeyString()).Rank, node, _state, Math.Round(_progress.Percent, 1), _error,
            _worker?.ResidentWeightBytes ?? 0, _worker?.BytesRead ?? 0, _layout?.Generation ?? -1, silo.SiloAddress.ToString(), _layout?.Epoch,
            _peers?.Timings is { } t ? new RankCollectiveTimings(t.Collectives, t.SendSeconds, t.WaitSeconds, t.ReceiveSeconds, t.CombineSeconds) : null));
    }

    public async Task ReleaseAllAsync()
    {
        _hub?.Reset();
        _links?.Drain();
        if (_worker is not null)
        {
            await _worker.ReleaseAllAsync();
        }
    }

    public async Task UnloadAsync()
    {
        if (_layout is { } layout)
        {
            metrics.Unloaded(layout.Deployment, _rank);
        }

        await DisposeWorkerAsync();
        _state = RankState.Pending;
        DeactivateOnIdle();
    }

    public async Task<byte[]?> GetStageLinkIdAsync(string epoch, int generation)
    {
        if (_layout?.Epoch != epoch || _links?.Outbound is not NcclStageSender)
        {
            return null;
        }

        var ids = _linkIds;
        return await ids.WaitAsync(generation, LinkIdWait) is { } id ? id.ToArray() : null;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await DisposeWorkerAsync();

    /// <summary>The same plan every rank derives: ranks placed node-major on the layout's nodes and GPUs.</summary>
    internal static PartitionPlan PlanOf(HunyuanConfig config, DeploymentLayout layout)
    {
        var nodes = new List<NodeInventory>();
        for (var r = 0; r < layout.WorldSize; r++)
        {
            if (nodes.Count == 0 || nodes[^1].Name != layout.RankNodes[r])
            {
                nodes.Add(new NodeInventory(layout.RankNodes[r], []));
            }

            nodes[^1] = nodes[^1] with { Gpus = [.. nodes[^1].Gpus, new GpuSlot(layout.RankGpus[r], long.MaxValue / 4)] };
        }

        var variant = ModelVariants.TryParse(layout.Variant, out var v) ? v : ModelVariant.Bf16;
        var experts = layout.ExpertPlacement == "tp" ? ExpertPlacement.TensorParallel : ExpertPlacement.ExpertParallel;
        return PartitionPlanner.Create(config, variant, new GpuInventory(nodes), new LayoutRequest(layout.Tp, layout.Pp, experts));
    }

    private void Loaded(RankWorker worker, DeploymentLayout layout, Task load)
    {
        if (!ReferenceEquals(worker, _worker))
        {
            return;   // unloaded or replaced while loading
        }

        if (load.IsCompletedSuccessfully)
        {
            _progress.Set(1);
            metrics.LoadProgress(layout.Deployment, _rank, 1);
            _state = RankState.Ready;
            LogReady(logger, layout.Deployment, _rank, worker.ResidentWeightBytes);
        }
        else
        {
            _error = load.Exception?.GetBaseException().Message ?? "load failed";
            _state = RankState.Failed;
            LogFailed(logger, layout.Deployment, _rank, _error);
        }
    }

    /// <summary>
    /// The rank's pipeline links, each chosen by <see cref="StageLinkSelector"/>: NCCL between CUDA ranks on different
    /// nodes when libnccl.so.2 loads (the unique id of each link generation fetched from the sending rank's grain), the
    /// socket link otherwise. The NCCL path has not run on GPUs yet (bench/gpu-check.sh is how it first will).
    /// </summary>
    private PipelineLinks LinksFor(PartitionPlan plan, RankPlan me, DeploymentLayout layout, ComputeDevice device)
    {
        var selector = StageLinkSelector.FromEnvironment();
        var ids = _linkIds = new NcclLinkIds();
        var grains = GrainFactory;
        return PipelineLinks.Create(
            plan, me, layout.Deployment, layout.Epoch, layout.DataToken, EndpointOfRank, layout.MaxModelLen, PeerTimeout,
            peer => selector.Choose(EndOf(me, layout), EndOf(peer, layout)),
            () =>
            {
                var nccl = NcclLoader.Default.Library ?? throw new InvalidOperationException("libnccl.so.2 is not loadable");
                var previous = me.Stage > 0 ? layout.RankKey(plan.Rank(me.Stage - 1, me.TpIndex).Rank) : null;
                return NcclStageConnector.Nccl(nccl, device.Torch.index, ids, generation => FetchLinkId(grains, previous, layout.Epoch, generation), PeerTimeout);
            });
    }

    // Runs on the rank's thread (never the grain's scheduler), which may block on the call.
    private static NcclUniqueId FetchLinkId(IGrainFactory grains, string? previousRankKey, string epoch, int generation)
    {
        var key = previousRankKey ?? throw new InvalidOperationException("the first stage has no previous stage to receive from");
        var bytes = grains.GetGrain<IRankGrain>(key).GetStageLinkIdAsync(epoch, generation).GetAwaiter().GetResult()
            ?? throw new NcclException($"rank {key} has no NCCL stage link id of generation {generation} at epoch {epoch}");
        return NcclUniqueId.FromBytes(bytes);
    }

    private static StageEnd EndOf(RankPlan rank, DeploymentLayout layout) =>
        new(rank.Node, DeviceRequest.TryParse(layout.RankDevice(rank.Rank), out var request, out _) && request.Cuda);

    /// <summary>Read on the rank's thread when its outbound link (re)connects: the endpoint the head last pushed.</summary>
    private string EndpointOfRank(int rank) => (_layout ?? throw new InvalidOperationException("the rank is unloaded")).RankEndpoint(rank);

    private void ResetCollectives() => _hub?.Reset();

    // Peers on other nodes were told by the failing rank's own thread (ITensorParallelGroup.FailStep).
    private void AbortCollectives(string reason)
    {
        // The reason stays short: each member reports its own failure to the driver, and nested aborts would repeat it.
        _hub?.Abort($"rank {_rank} failed mid-step");
    }

    private ITensorParallelGroup GroupFor(PartitionPlan plan, RankPlan me, DeploymentLayout layout)
    {
        if (plan.Tp == 1)
        {
            return SingleRankGroup.Instance;
        }

        var members = plan.Stage(me.Stage).ToArray();
        if (members.All(m => m.Node == me.Node))
        {
            _hub = hubs.GetOrCreate($"{layout.Deployment}|{layout.Epoch}|{me.Stage}", members.Select(m => m.Gpu).ToArray(), PeerTimeout);
            return _hub.Member(me.TpIndex);
        }

        _peers = PeerCollectiveGroup.For(plan, me, layout.Deployment, layout.Epoch, layout.DataToken, EndpointOfRank, layout.MaxModelLen, PeerTimeout);
        return _peers;
    }

    private async Task DisposeWorkerAsync()
    {
        _registration?.Dispose();
        _registration = null;
        var worker = _worker;
        _worker = null;
        _links?.Dispose();
        _links = null;
        // Before the worker stops: a thread waiting in a cross-node collective is woken instead of waiting it out.
        _peers?.Dispose();
        _peers = null;
        if (worker is not null)
        {
            await worker.DisposeAsync();
        }

        if (_layout is not null)
        {
            hubs.Remove($"{_layout.Deployment}|{_layout.Epoch}|");
        }

        _hub = null;
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Deployment {Deployment}: rank {Rank} loading on {Node}, layers {Layers}")]
    private static partial void LogLoading(ILogger logger, string deployment, int rank, string node, string layers);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Deployment {Deployment}: rank {Rank} ready, {Bytes} bytes of weights")]
    private static partial void LogReady(ILogger logger, string deployment, int rank, long bytes);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Deployment {Deployment}: rank {Rank} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string deployment, int rank, string error);
}
