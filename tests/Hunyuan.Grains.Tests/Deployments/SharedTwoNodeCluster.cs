namespace Hunyuan.Grains.Tests.Deployments;

/// <summary>
/// The test classes that need the two-silo cluster share one, one class at a time: the cluster sets the process's
/// HYC_HOME for its agents, which two clusters at once would fight over.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SharedTwoNodeCluster : ICollectionFixture<TwoNodeCluster>
{
    public const string Name = "two-node cluster";
}
