using Hunyuan.Engine.Partitioning;
using Hunyuan.Grains.Ranks;
using Hunyuan.Model.Config;
using Hunyuan.Model.Tests.TestSupport;
using Hunyuan.Model.Variants;

namespace Hunyuan.Grains.Tests.Ranks;

public sealed class RankLayoutTests
{
    [Fact]
    public void EveryRankDerivesTheDeploymentsPlanFromTheLayout()
    {
        var config = HunyuanConfig.Load(Fixtures.Path("hunyuan-a52b-instruct.config.json"));
        var original = PartitionPlanner.Create(config, ModelVariant.Bf16, GpuInventory.Uniform(2, 8, 96L << 30, "gpu-node-"), new LayoutRequest());
        var layout = new DeploymentLayout("d", 1, "/m", "bf16", "bfloat16", original.Tp, original.Pp, "ep",
            original.Ranks.Select(r => r.Node).ToArray(), original.Ranks.Select(r => r.Gpu).ToArray());

        var derived = RankGrain.PlanOf(config, layout);
        Assert.Equal(original.Ranks.Select(r => (r.Node, r.Gpu, r.Stage, r.TpIndex, r.Slice.LayerStart, r.Slice.HeadStart, r.Slice.VocabStart)),
            derived.Ranks.Select(r => (r.Node, r.Gpu, r.Stage, r.TpIndex, r.Slice.LayerStart, r.Slice.HeadStart, r.Slice.VocabStart)));
        Assert.Equal("d|9|gpu-node-1", layout.RankKey(9));
    }

    [Theory]
    [InlineData("d|3|n1", "d", 3, "n1")]
    [InlineData("my-model|12|gpu-node-2", "my-model", 12, "gpu-node-2")]
    public void RankKeysRoundTrip(string key, string deployment, int rank, string node)
    {
        Assert.Equal((deployment, rank, node), RankKeys.Parse(key));
        Assert.Equal(key, RankKeys.Format(deployment, rank, node));
    }

    [Theory]
    [InlineData("d|x|n")]
    [InlineData("d|1")]
    public void BadRankKeysAreRefused(string key) => Assert.Throws<ArgumentException>(() => RankKeys.Parse(key));
}
