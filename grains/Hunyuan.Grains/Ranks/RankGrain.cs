using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Grains.Placement;
using Hunyuan.Model.Checkpoints;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;
using Microsoft.Extensions.Logging;
using TorchSharp;

namespace Hunyuan.Grains.Ranks;

/// <summary>
/// One rank on its node's silo. The partition lives on a <see cref="RankWorker"/> thread; this grain only posts work
/// to it. Peers on the same node share an in-process collective hub; ranks on other nodes are reached through their
/// grains' mailboxes.
/// </summary>
[NodePinnedPlacement]
[CollectionAgeLimit(AlwaysActive = true)]
#pragma warning disable CA1001 // the worker is disposed with the activation (OnDeactivateAsync), not by an owner
internal sealed partial class RankGrain(IGrainFactory grains, LocalHubRegistry hubs, ILocalSiloDetails silo, Metrics.AgentMetrics metrics, ILogger<RankGrain> logger) : Grain, IRankGrain
#pragma warning restore CA1001
{
    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(60);

    private readonly RankMailbox _mailbox = new();
    private RankWorker? _worker;
    private DeploymentLayout? _layout;
    private ICollectiveGroup? _hub;
    private volatile RankState _state = RankState.Pending;
    private double _percent;
    private volatile string? _error;
    private int _rank = -1;
    private readonly Dictionary<long, SequenceHistory> _histories = [];

    public Task LoadAsync(DeploymentLayout layout)
    {
        if (_layout is not null && _layout.Generation == layout.Generation && _state is RankState.Loading or RankState.Ready)
        {
            return Task.CompletedTask;
        }

        DisposeWorker();
        var (_, rank, node) = RankKeys.Parse(this.GetPrimaryKeyString());
        _rank = rank;
        _layout = layout;
        _state = RankState.Loading;
        _percent = 0;
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
            IStageLink? inbound = me.Stage > 0 ? new MailboxStageLink(grains, null, _mailbox, PeerTimeout) : null;
            IStageLink? outbound = me.Stage + 1 < plan.Pp
                ? new MailboxStageLink(grains, layout.RankKey(plan.Rank(me.Stage + 1, me.TpIndex).Rank), _mailbox, PeerTimeout)
                : null;
            _worker = new RankWorker(me, config, group, inbound, outbound);
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
                _percent = p * 100;
                metrics.LoadProgress(layout.Deployment, rank, p);
            });
            var paged = layout.KvBlocks > 0 ? new PagedKvOptions(layout.KvBlocks, layout.KvBlockSize) : null;
            _ = _worker.LoadAsync(modelPath, options, progress, paged).ContinueWith(t =>
            {
                if (t.IsCompletedSuccessfully)
                {
                    _percent = 100;
                    metrics.LoadProgress(layout.Deployment, rank, 1);
                    _state = RankState.Ready;
                    LogReady(logger, layout.Deployment, rank, _worker?.ResidentWeightBytes ?? 0);
                }
                else
                {
                    _error = t.Exception?.GetBaseException().Message ?? "load failed";
                    _state = RankState.Failed;
                    LogFailed(logger, layout.Deployment, rank, _error);
                }
            }, TaskScheduler.Default);
        }
        catch (Exception ex)
        {
            _error = ex.Message;
            _state = RankState.Failed;
            LogFailed(logger, layout.Deployment, rank, ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task<RankStatus> GetStatusAsync()
    {
        var node = RankKeys.Parse(this.GetPrimaryKeyString()).Node;
        return Task.FromResult(new RankStatus(
            RankKeys.Parse(this.GetPrimaryKeyString()).Rank, node, _state, Math.Round(_percent, 1), _error,
            _worker?.ResidentWeightBytes ?? 0, _worker?.BytesRead ?? 0, _layout?.Generation ?? -1, silo.SiloAddress.ToString()));
    }

    public async Task<RankStepResult> StepAsync(long stepId, IReadOnlyList<SequenceWork> batch, bool returnAllPositions)
    {
        if (_worker is null || _state != RankState.Ready)
        {
            throw new InvalidOperationException($"rank {_rank} is {_state.ToString().ToLowerInvariant()}{(_error is null ? "" : ": " + _error)}");
        }

        var steps = batch.Select(w => new SequenceStep(w.SequenceId, w.StartPosition, w.TokenIds, w.BlockTable)).ToArray();
        torch.Tensor? logits;
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            logits = await _worker.StepAsync(stepId, steps, returnAllPositions ? LogitsMode.All : LogitsMode.LastOfEachSegment);
            metrics.Step(_layout?.Deployment ?? "", _rank, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        catch
        {
            _mailbox.Abort($"step {stepId} failed");
            _hub?.Abort($"step {stepId} failed on rank {_rank}");
            throw;
        }

        if (logits is null)
        {
            return new RankStepResult(stepId, null);
        }

        // One device-to-host copy of the logits per step; the rows are sampled on the host.
        using (var onDevice = logits)
        using (var hostLogits = TensorDevices.ToHost(onDevice))
        {
            var next = new long[batch.Count];
            for (var i = 0; i < batch.Count; i++)
            {
                var history = History(batch[i]);
                using var row = hostLogits[returnAllPositions ? hostLogits.shape[0] - 1 : i];
                next[i] = TokenSampler.Sample(row, batch[i].Sampling.ToParameters(), history.Tokens, history.PromptLength, batch[i].StartPosition + batch[i].TokenIds.Length);
            }

            return new RankStepResult(stepId, next);
        }
    }

    public Task DeliverAsync(TensorChunk chunk)
    {
        _mailbox.Deliver(chunk);
        return Task.CompletedTask;
    }

    public async Task ReleaseAsync(long sequenceId)
    {
        _histories.Remove(sequenceId);
        if (_worker is not null)
        {
            await _worker.ReleaseAsync(sequenceId);
        }
    }

    public async Task ReleaseAllAsync()
    {
        _histories.Clear();
        _mailbox.Abort("all sequences released");
        _hub?.Reset();
        if (_worker is not null)
        {
            await _worker.ReleaseAllAsync();
        }
    }

    public Task UnloadAsync()
    {
        if (_layout is { } layout)
        {
            metrics.Unloaded(layout.Deployment, _rank);
        }

        DisposeWorker();
        _state = RankState.Pending;
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        DisposeWorker();
        return Task.CompletedTask;
    }

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

    private ITensorParallelGroup GroupFor(PartitionPlan plan, RankPlan me, DeploymentLayout layout)
    {
        if (plan.Tp == 1)
        {
            return SingleRankGroup.Instance;
        }

        var members = plan.Stage(me.Stage).ToArray();
        if (members.All(m => m.Node == me.Node))
        {
            _hub = hubs.GetOrCreate($"{layout.Deployment}|{layout.Generation}|{me.Stage}", members.Select(m => m.Gpu).ToArray(), PeerTimeout);
            return _hub.Member(me.TpIndex);
        }

        return new MailboxCollectiveGroup(grains, members.Select(m => layout.RankKey(m.Rank)).ToArray(), me.TpIndex, _mailbox, PeerTimeout, $"{layout.Generation}|{me.Stage}");
    }

    private SequenceHistory History(SequenceWork work)
    {
        if (!_histories.TryGetValue(work.SequenceId, out var h) || work.StartPosition == 0)
        {
            h = new SequenceHistory(work.PromptLength);
            _histories[work.SequenceId] = h;
        }

        h.Apply(work.StartPosition, work.TokenIds);
        return h;
    }

    private void DisposeWorker()
    {
        _worker?.Dispose();
        _worker = null;
        if (_layout is not null)
        {
            hubs.Remove($"{_layout.Deployment}|{_layout.Generation}|");
        }

        _hub = null;
        _histories.Clear();
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Deployment {Deployment}: rank {Rank} loading on {Node}, layers {Layers}")]
    private static partial void LogLoading(ILogger logger, string deployment, int rank, string node, string layers);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Deployment {Deployment}: rank {Rank} ready, {Bytes} bytes of weights")]
    private static partial void LogReady(ILogger logger, string deployment, int rank, long bytes);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Deployment {Deployment}: rank {Rank} failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string deployment, int rank, string error);
}
