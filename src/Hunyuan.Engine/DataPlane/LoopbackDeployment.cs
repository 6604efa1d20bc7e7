using System.Net;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;

namespace Hunyuan.Engine.DataPlane;

/// <summary>
/// A deployment's ranks in this process on the real data plane over loopback: each pipeline stage behind its own
/// <see cref="RankDataServer"/> (as if each stage were a node of its own), the tensor-parallel members of a stage
/// sharing an in-process hub, stage links and the driver's connections over TCP. With tensor parallelism across nodes,
/// every rank has its own listener and a stage's members exchange their collectives over TCP too. For benchmarks and
/// tests of the data plane without a cluster: the bytes and the code path are the cluster's, the nodes are simulated.
/// </summary>
public sealed class LoopbackDeployment : IAsyncDisposable
{
    public const string Deployment = "loopback";
    public const string Epoch = "e1";

    private readonly List<IDisposable> _owned = [];

    private LoopbackDeployment(PartitionPlan plan) => Plan = plan;

    public PartitionPlan Plan { get; }

    /// <summary>The secret the ranks require in every hello (random per instance).</summary>
    public string Token { get; } = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public IReadOnlyList<RankDataServer> Servers => _servers;

    public IReadOnlyList<RankWorker> Workers => _workers;

    private readonly List<RankDataServer> _servers = [];

    private readonly List<RankWorker> _workers = [];

    /// <summary>Whether every rank has a listener of its own and TP groups exchange over TCP.</summary>
    public bool TensorParallelAcrossNodes { get; private init; }

    public string EndpointOf(int rank) => _servers[TensorParallelAcrossNodes ? rank : Plan.Ranks[rank].Stage].Endpoint;

    /// <summary>What a driver under <paramref name="lease"/> connects to.</summary>
    public DataPlaneTarget Target(long lease) =>
        new(Deployment, Epoch, Token, lease, Plan.Ranks.Select(r => EndpointOf(r.Rank)).ToArray(), (Plan.Pp - 1) * Plan.Tp, Plan.Pp);

    /// <param name="modelDir">The checkpoint.</param>
    /// <param name="tp">Tensor-parallel ranks per stage.</param>
    /// <param name="pp">Pipeline stages, one listener each.</param>
    /// <param name="options">Dtype and variant of every rank.</param>
    /// <param name="paged">Paged KV pools for a scheduler's block tables, or none.</param>
    /// <param name="timeout">How long a collective or stage link waits for a peer.</param>
    /// <param name="tensorParallelAcrossNodes">Every rank behind its own listener, TP collectives over TCP (the path of a TP group spanning nodes).</param>
    /// <param name="stageLinks">Devices per stage and the kind of link between stages (default: sockets, every rank on the options' device).</param>
    public static async Task<LoopbackDeployment> LoadAsync(
        string modelDir, int tp, int pp, LoadOptions options, PagedKvOptions? paged = null, TimeSpan? timeout = null, bool tensorParallelAcrossNodes = false,
        LoopbackStageLinks? stageLinks = null, ExpertPlacement experts = ExpertPlacement.ExpertParallel)
    {
        stageLinks ??= new LoopbackStageLinks();
        if (stageLinks.StageDevices is { } devices && devices.Count != pp)
        {
            throw new ArgumentException($"{devices.Count} stage devices for {pp} stages", nameof(stageLinks));
        }

        var config = HunyuanConfig.Load(modelDir);
        var plan = PartitionPlanner.Create(config, options.Variant, GpuInventory.Uniform(pp, tp, 1L << 40), new LayoutRequest(tp, pp, experts));
        var set = new LoopbackDeployment(plan) { TensorParallelAcrossNodes = tensorParallelAcrossNodes && tp > 1 };
        var wait = timeout ?? TimeSpan.FromSeconds(60);
        var connectorFor = stageLinks.Kind == StageLinkKind.Nccl && pp > 1 ? stageLinks.ConnectorFor(plan, wait) : null;
        try
        {
            for (var s = 0; s < (set.TensorParallelAcrossNodes ? plan.WorldSize : pp); s++)
            {
                var server = new RankDataServer(IPAddress.Loopback);
                server.Start();
                set._servers.Add(server);
            }

            for (var s = 0; s < pp; s++)
            {
                // Ranks of a stage share a hub unless each is a node of its own (then they exchange over TCP).
                var hub = set.TensorParallelAcrossNodes ? null : new InProcessCollectiveHub(tp, wait);
                if (hub is not null)
                {
                    set._owned.Add(hub);
                }

                foreach (var me in plan.Stage(s))
                {
                    var links = PipelineLinks.Create(
                        plan, me, Deployment, Epoch, set.Token, set.EndpointOf, config.MaxPositionEmbeddings, wait, _ => stageLinks.Kind, () => connectorFor!(me));
                    set._owned.Add(links);
                    var peers = set.TensorParallelAcrossNodes
                        ? PeerCollectiveGroup.For(plan, me, Deployment, Epoch, set.Token, set.EndpointOf, config.MaxPositionEmbeddings, wait)
                        : null;
                    if (peers is not null)
                    {
                        set._owned.Add(peers);
                    }

                    var group = tp == 1 ? SingleRankGroup.Instance : peers ?? hub!.Member(me.TpIndex);
                    var worker = new RankWorker(me, config, group, links.Inbound, links.Outbound);
                    set._workers.Add(worker);
                    var server = set._servers[set.TensorParallelAcrossNodes ? me.Rank : s];
                    set._owned.Add(server.Register(new RankDataEndpoint(
                        Deployment, Epoch, me.Rank, set.Token, worker, links.Inbound, hub is null ? null : hub.Reset, hub is null ? null : hub.Abort, peers?.Inbox)));
                }
            }

            await Task.WhenAll(set._workers.Select(w => w.LoadAsync(modelDir, stageLinks.Device(w.Plan.Stage) is { } device ? options with { Device = device } : options, null, paged)));
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    /// <summary>Ranks whose collectives go over TCP (TP across nodes; none otherwise).</summary>
    public int PeerGroupRanks => _owned.OfType<PeerCollectiveGroup>().Count();

    /// <summary>The TCP collectives' cost so far, summed over those ranks; take two and subtract for a run.</summary>
    public CollectiveTimings CollectiveTimings => _owned.OfType<PeerCollectiveGroup>().Aggregate(default(CollectiveTimings), (sum, g) => sum + g.Timings);

    /// <summary>Stops one stage's listener and its connections, as if its node died (tests of failure handling).</summary>
    public async Task StopStageAsync(int stage) => await _servers[stage].DisposeAsync();

    /// <summary>Stops one rank's listener (TP across nodes only: each rank is its own node), as if its node died.</summary>
    public async Task StopRankAsync(int rank) =>
        await _servers[TensorParallelAcrossNodes ? rank : throw new InvalidOperationException("ranks share their stage's listener")].DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        foreach (var s in _servers)
        {
            await s.DisposeAsync();
        }

        foreach (var o in _owned)
        {
            o.Dispose();
        }

        foreach (var w in _workers)
        {
            await w.DisposeAsync();
        }
    }
}
