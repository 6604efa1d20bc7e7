using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Devices;
using Hunyuan.Model.Generation;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Execution;

/// <summary>
/// Every rank of a plan in this process, each on its own thread, wired with one collective group per stage's
/// tensor-parallel group (the in-process hub, or NCCL when the backend says so) and stage links. This is how the ranks of one node run in production; here it also
/// runs whole layouts for tests and `hyc model run --tp --pp`. A rank failure aborts the step on every rank.
/// </summary>
public sealed class LocalRankSet : ICausalLm
{
    private readonly List<ICollectiveGroup> _hubs = [];
    private readonly List<InProcessStageLink> _links = [];
    private readonly List<RankWorker> _workers = [];
    private long _stepId;

    private LocalRankSet(PartitionPlan plan, TimeSpan timeout, ICollectiveBackend collectives)
    {
        Plan = plan;
        var links = new InProcessStageLink?[plan.Pp, plan.Tp];
        for (var s = 0; s + 1 < plan.Pp; s++)
        {
            for (var i = 0; i < plan.Tp; i++)
            {
                links[s, i] = new InProcessStageLink(timeout);
                _links.Add(links[s, i]!);
            }
        }

        for (var s = 0; s < plan.Pp; s++)
        {
            var hub = collectives.CreateGroup(plan.Stage(s).Select(r => r.Gpu).ToArray(), timeout);
            _hubs.Add(hub);
            for (var i = 0; i < plan.Tp; i++)
            {
                var group = plan.Tp == 1 ? SingleRankGroup.Instance : hub.Member(i);
                _workers.Add(new RankWorker(plan.Rank(s, i), plan.Config, group, s > 0 ? links[s - 1, i] : null, s + 1 < plan.Pp ? links[s, i] : null));
            }
        }
    }

    public PartitionPlan Plan { get; }

    public HunyuanConfig Config => Plan.Config;

    public IReadOnlyList<RankWorker> Workers => _workers;

    public static Task<LocalRankSet> LoadAsync(PartitionPlan plan, string modelDirectory, torch.ScalarType dtype, TimeSpan? collectiveTimeout = null) =>
        LoadAsync(plan, modelDirectory, LoadOptions.Of(dtype) with { Variant = plan.Variant }, collectiveTimeout);

    /// <param name="plan">The layout; every rank runs here.</param>
    /// <param name="modelDirectory">The checkpoint.</param>
    /// <param name="options">Dtype and variant; its device is every rank's unless <paramref name="deviceOf"/> says otherwise.</param>
    /// <param name="collectiveTimeout">How long a collective or stage link waits for a peer (60 s).</param>
    /// <param name="paged">Paged KV pools of this size on every rank, or none.</param>
    /// <param name="deviceOf">Each rank's device, e.g. <see cref="DeviceRequest.ForSlot"/> of its GPU slot.</param>
    /// <param name="collectives">How the TP groups exchange tensors; null: <see cref="CollectiveBackends.ForNode"/> of the ranks' devices (NCCL when each is its own GPU and the library loads, else in-process).</param>
    public static async Task<LocalRankSet> LoadAsync(
        PartitionPlan plan, string modelDirectory, LoadOptions options, TimeSpan? collectiveTimeout = null, PagedKvOptions? paged = null,
        Func<RankPlan, ComputeDevice>? deviceOf = null, ICollectiveBackend? collectives = null)
    {
        ComputeDevice DeviceOf(RankPlan rank) => deviceOf?.Invoke(rank) ?? options.Device;
        var backend = collectives ?? CollectiveBackends.ForNode(plan.Ranks.Select(r => DeviceOf(r).Torch).ToList());
        var set = new LocalRankSet(plan, collectiveTimeout ?? TimeSpan.FromSeconds(60), backend);
        try
        {
            await Task.WhenAll(set._workers.Select(w => w.LoadAsync(modelDirectory, options with { Device = DeviceOf(w.Plan) }, null, paged)));
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    public async Task<torch.Tensor> StepAsync(IReadOnlyList<SequenceStep> batch, LogitsMode mode, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var step = Interlocked.Increment(ref _stepId);
        var tasks = _workers.Select(w => w.StepAsync(step, batch, mode)).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception ex)
        {
            // Wake every rank still waiting in a collective, let them all finish the abandoned step, then make the
            // groups usable again: one failed step must not poison the ones after it.
            foreach (var hub in _hubs)
            {
                hub.Abort(ex.Message);
            }

            foreach (var link in _links)
            {
                link.Abort();
            }

            try
            {
                await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromMinutes(2), CancellationToken.None);
            }
            catch (Exception)
            {
                // Their errors are the aborted step's; the first one is rethrown below.
            }

            foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully))
            {
                t.Result?.Dispose();
            }

            foreach (var hub in _hubs)
            {
                hub.Reset();
            }

            foreach (var link in _links)
            {
                link.Drain();
            }

            throw;
        }

        return tasks[Plan.Rank(Plan.Pp - 1, 0).Rank].Result
            ?? throw new InvalidOperationException("the last stage returned no logits");
    }

    public Task ReleaseAsync(long sequenceId) => Task.WhenAll(_workers.Select(w => w.ReleaseAsync(sequenceId)));

    public void Dispose()
    {
        foreach (var w in _workers)
        {
            w.Dispose();
        }

        foreach (var l in _links)
        {
            l.Dispose();
        }

        foreach (var h in _hubs)
        {
            h.Dispose();
        }
    }
}
