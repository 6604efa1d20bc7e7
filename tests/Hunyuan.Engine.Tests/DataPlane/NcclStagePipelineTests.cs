using System.Collections.Concurrent;
using Hunyuan.Engine.Collectives.Nccl;
using Hunyuan.Engine.DataPlane;
using Hunyuan.Engine.Tests.TestSupport;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;
using TorchSharp;

namespace Hunyuan.Engine.Tests.DataPlane;

/// <summary>
/// Whole pipelines whose stage links are the NCCL links (notices on loopback TCP), the tensors carried by the CPU
/// stand-in transport instead of NCCL: the reference's greedy ids, every link used. bench/gpu-check.sh runs the same
/// pipeline over NCCL on two GPUs.
/// </summary>
public sealed class NcclStagePipelineTests
{
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 2)]
    public async Task GreedyIdsOverNcclStageLinksEqualTheReference(int tp, int pp)
    {
        var fixture = Fixtures.Path("tiny-moe");
        using var golden = new Golden(fixture);

        // One stand-in per link, named by its sending rank (ranks are numbered stage by stage).
        var links = new ConcurrentDictionary<int, CopyingPointToPoint>();
        CopyingPointToPoint Link(int sender) => links.GetOrAdd(sender, _ => new CopyingPointToPoint(TimeSpan.FromSeconds(30)));
        var stageLinks = new LoopbackStageLinks(Kind: StageLinkKind.Nccl, Connector: me => new NcclStageConnector(
            torch.CPU, g => Link(me.Rank).Connector.AsSender(g), g => Link(me.Rank - tp).Connector.AsReceiver(g)));

        await using var set = await LoopbackDeployment.LoadAsync(fixture, tp, pp, LoadOptions.Of(torch.ScalarType.Float32), stageLinks: stageLinks);
        await using var driver = await DataPlaneDriver.ConnectAsync(set.Target(1));
        var ids = await driver.GenerateAsync(7, golden.InputIds, golden.GreedyIds.Length);

        Assert.Equal(golden.GreedyIds, ids);
        Assert.Equal(tp * (pp - 1), links.Count);
        Assert.All(links.Values, l => Assert.Equal([("receiver", 1), ("sender", 1)], l.Joins.OrderBy(j => j.Side)));
        Assert.All(set.Plan.Ranks.Where(r => r.Stage > 0), r => Assert.Equal(r.Rank - tp, set.Plan.Rank(r.Stage - 1, r.TpIndex).Rank));
    }

    [Fact]
    public async Task NcclStageLinksWithoutNcclOrGpusAreRefusedWithTheReason()
    {
        var fixture = Fixtures.Path("tiny-moe");
        var ex = await Assert.ThrowsAnyAsync<InvalidOperationException>(() =>
            LoopbackDeployment.LoadAsync(fixture, 1, 2, LoadOptions.Of(torch.ScalarType.Float32), stageLinks: new LoopbackStageLinks(Kind: StageLinkKind.Nccl)));
        Assert.True(
            ex.Message.Contains("libnccl.so.2", StringComparison.Ordinal) || ex.Message.Contains("CUDA device", StringComparison.Ordinal),
            ex.Message);
        Assert.True(NcclLoader.Default.Library is null || ex.Message.Contains("CUDA device", StringComparison.Ordinal));
    }
}
