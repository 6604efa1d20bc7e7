using Hunyuan.Grains.Deployments;
using Hunyuan.Grains.Nodes;
using Hunyuan.Model.Checkpoints;

namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>The pre-placement model check, through real grain calls on a two-silo in-process cluster.</summary>
[Collection(SharedTwoNodeCluster.Name)]
public sealed class ModelCheckTests(TwoNodeCluster cluster)
{
    private static DeploymentSpec Spec(string name, string path, string? builtIn = null) =>
        new(name, path, "bf16", "float32", null, null, "ep", MaxModelLen: 64, KvCacheBytesPerRank: 1L << 20, BuiltInModel: builtIn);

    [Fact]
    public async Task EachNodeAnswersForItselfWithItsAddress()
    {
        var check = await cluster.Grains.GetGrain<INodeGrain>(TwoNodeCluster.Worker).CheckModelAsync("/no/such/model", null);
        Assert.Equal(TwoNodeCluster.Worker, check.Node);
        Assert.Equal(TwoNodeCluster.AddressOf(TwoNodeCluster.Worker), check.Address);
        Assert.False(check.Ok);
        Assert.Contains("/no/such/model", check.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ABuiltInIsMadeUnderTheAgentsHomeByTheCheck()
    {
        var check = await cluster.Grains.GetGrain<INodeGrain>(TwoNodeCluster.Worker).CheckModelAsync("/home/operator/.hyc/models/tiny", "tiny");
        Assert.True(check.Ok, check.Problem);
        Assert.Equal(BuiltInModels.DirectoryOf("tiny", cluster.HycHome), check.Path);
        Assert.True(BuiltInModels.IsCurrent(check.Path, RandomModelOptions.Tiny));
    }

    [Fact]
    public async Task ADeploymentOfAMissingDirectoryFailsBeforePlacementNamingEveryHostAndTheRule()
    {
        var status = await cluster.Grains.GetGrain<IDeploymentGrain>("missing").DeployAsync(Spec("missing", "/data/models/absent"));

        Assert.Equal(DeploymentState.Failed, status.State);
        Assert.Contains("alpha (10.0.0.1): /data/models/absent: no such directory", status.Reason, StringComparison.Ordinal);
        Assert.Contains("beta (10.0.0.2): /data/models/absent: no such directory", status.Reason, StringComparison.Ordinal);
        Assert.Contains("same path on every host", status.Reason, StringComparison.Ordinal);
        Assert.Contains("runtime.volumes", status.Reason, StringComparison.Ordinal);
        Assert.Empty(status.Ranks);
        Assert.DoesNotContain("missing", await cluster.Grains.GetGrain<IDeploymentRegistryGrain>("registry").ListAsync());
    }

    [Fact]
    public async Task ABuiltInDeploymentIgnoresTheOperatorsPathAndBecomesReady()
    {
        var grain = cluster.Grains.GetGrain<IDeploymentGrain>("tiny");
        var status = await grain.DeployAsync(Spec("tiny", "/home/operator/.hyc/models/tiny", builtIn: "tiny") with { Tp = 1, Pp = 2, ExpertPlacement = "auto" });
        Assert.NotEqual(DeploymentState.Failed, status.State);
        Assert.Equal([TwoNodeCluster.Head, TwoNodeCluster.Worker], status.Ranks.Select(r => r.Node).Order(StringComparer.Ordinal));

        // No placement asked for: virtual GPUs share one host's memory, the two estimates tie, and expert-parallel stays.
        Assert.Contains("experts ep (", status.PlanText, StringComparison.Ordinal);

        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (status.State != DeploymentState.Ready && status.State != DeploymentState.Failed && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(250);
            status = await grain.GetStatusAsync() ?? status;
        }

        Assert.True(status.State == DeploymentState.Ready, status.Reason);
        await grain.RemoveAsync();
    }
}
