using System.Net;
using Hunyuan.Engine.Collectives;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Execution;
using Hunyuan.Engine.Partitioning;
using Hunyuan.Model.Config;
using Hunyuan.Model.Modeling;
using Hunyuan.Model.Parallel;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// A deployment's ranks on the real data plane, on loopback: one <see cref="RankDataServer"/> per pipeline stage (as if
/// each stage were its own node), tensor-parallel members of a stage sharing an in-process hub, stage links over TCP.
/// </summary>
internal sealed class LoopbackRankSet : IAsyncDisposable
{
    public const string Deployment = "d";
    public const string Epoch = "e1";
    public const string Token = "secret-token";

    private readonly List<IDisposable> _owned = [];

    private LoopbackRankSet(PartitionPlan plan) => Plan = plan;

    public PartitionPlan Plan { get; }

    public List<RankDataServer> Servers { get; } = [];

    public List<RankWorker> Workers { get; } = [];

    public string EndpointOf(int rank) => Servers[Plan.Ranks[rank].Stage].Endpoint;

    public DataPlaneTarget Target(long lease) =>
        new(Deployment, Epoch, Token, lease, Plan.Ranks.Select(r => EndpointOf(r.Rank)).ToArray(), (Plan.Pp - 1) * Plan.Tp, Plan.Pp);

    public static async Task<LoopbackRankSet> LoadAsync(string modelDir, int tp, int pp, PagedKvOptions? paged = null)
    {
        var config = HunyuanConfig.Load(modelDir);
        var plan = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(pp, tp, 1L << 30), new LayoutRequest(tp, pp));
        var set = new LoopbackRankSet(plan);
        var timeout = TimeSpan.FromSeconds(30);
        for (var s = 0; s < pp; s++)
        {
            var server = new RankDataServer(IPAddress.Loopback);
            server.Start();
            set.Servers.Add(server);
        }

        for (var s = 0; s < pp; s++)
        {
            var hub = new InProcessCollectiveHub(tp, timeout);
            set._owned.Add(hub);
            foreach (var me in plan.Stage(s))
            {
                var (inbox, outbox) = StageLinks.For(plan, me, Deployment, Epoch, Token, set.EndpointOf, 4096, timeout);
                var group = tp == 1 ? SingleRankGroup.Instance : hub.Member(me.TpIndex);
                var worker = new RankWorker(me, config, group, inbox, outbox);
                set.Workers.Add(worker);
                await worker.LoadAsync(modelDir, LoadOptions.Of(torch.ScalarType.Float32), null, paged);
                set._owned.Add(set.Servers[s].Register(new RankDataEndpoint(Deployment, Epoch, me.Rank, Token, worker, inbox, hub.Reset)));
                if (inbox is not null)
                {
                    set._owned.Add(inbox);
                }

                if (outbox is not null)
                {
                    set._owned.Add(outbox);
                }
            }
        }

        return set;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var s in Servers)
        {
            await s.DisposeAsync();
        }

        foreach (var o in _owned)
        {
            o.Dispose();
        }

        foreach (var w in Workers)
        {
            w.Dispose();
        }
    }
}
